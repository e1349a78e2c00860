-- Runs: every `hiring migrate` and every CSV upload, stored when it starts (outcome `running`)
-- and completed with its counts, duration and outcome when it ends.
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    finished_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    read_rows BIGINT NOT NULL DEFAULT 0 CHECK (read_rows >= 0),
    inserted BIGINT NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    already_present BIGINT NOT NULL DEFAULT 0 CHECK (already_present >= 0),
    rejected BIGINT NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    duration_ms BIGINT CHECK (duration_ms >= 0),
    detail TEXT NOT NULL DEFAULT ''
);

-- Each reject names the run that last met it (a rerun takes over the rejects it meets again),
-- and keeps its fields (`,name,datetime,`) and its reasons in lower case, for the filters of
-- the reject listing.
ALTER TABLE rejected_rows ADD COLUMN run_id BIGINT REFERENCES runs (id);
ALTER TABLE rejected_rows ADD COLUMN fields TEXT NOT NULL DEFAULT '';
ALTER TABLE rejected_rows ADD COLUMN reason_text TEXT NOT NULL DEFAULT '';
UPDATE rejected_rows SET
    fields = ',' || COALESCE(
        (SELECT group_concat(json_extract(value, '$.field'), ',') FROM json_each(reasons)), ''
    ) || ',',
    reason_text = lower(COALESCE(
        (SELECT group_concat(json_extract(value, '$.field') || ': ' || json_extract(value, '$.message'), char(10))
         FROM json_each(reasons)), ''
    ));
CREATE INDEX rejected_rows_run_id ON rejected_rows (run_id, id);
