-- The audit log: one row per table an ingest, upload, migrate, backup, restore or prune touched
-- (or one without a table when it failed before reaching one): who (`actor`: a token's name or
-- `cli:<user>`), what, on which table, how many rows, how it ended (`succeeded`, `failed`,
-- `refused`), what else to know, the HTTP request it answered and how long it took.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    table_name TEXT,
    row_count BIGINT NOT NULL CHECK (row_count >= 0),
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL,
    request_id TEXT,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0)
);

CREATE INDEX audit_log_action_id ON audit_log (action, id);
CREATE INDEX audit_log_actor_id ON audit_log (actor, id);
