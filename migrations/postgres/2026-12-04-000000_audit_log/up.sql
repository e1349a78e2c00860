-- The audit log: one row per table an ingest, upload, migrate, backup, restore or prune touched
-- (or one without a table when it failed before reaching one): who (`actor`: a token's name or
-- `cli:<user>`), what, on which table, how many rows, how it ended (`succeeded`, `failed`,
-- `refused`), what else to know, the HTTP request it answered and how long it took.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    table_name text,
    row_count bigint NOT NULL CHECK (row_count >= 0),
    outcome text NOT NULL,
    detail text NOT NULL,
    request_id text,
    duration_ms bigint NOT NULL CHECK (duration_ms >= 0)
);

CREATE INDEX audit_log_action_id ON audit_log (action, id);
CREATE INDEX audit_log_actor_id ON audit_log (actor, id);
