-- Runs: every `hiring migrate` and every CSV upload, stored when it starts (outcome `running`)
-- and completed with its counts, duration and outcome when it ends.
CREATE TABLE runs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    actor text NOT NULL,
    source text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT 'running',
    read_rows bigint NOT NULL DEFAULT 0 CHECK (read_rows >= 0),
    inserted bigint NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    already_present bigint NOT NULL DEFAULT 0 CHECK (already_present >= 0),
    rejected bigint NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    duration_ms bigint CHECK (duration_ms >= 0),
    detail text NOT NULL DEFAULT ''
);

-- Each reject names the run that last met it (a rerun takes over the rejects it meets again),
-- and keeps its fields (`,name,datetime,`) and its reasons in lower case, for the filters of
-- the reject listing.
ALTER TABLE rejected_rows ADD COLUMN run_id bigint REFERENCES runs (id);
ALTER TABLE rejected_rows ADD COLUMN fields text NOT NULL DEFAULT '';
ALTER TABLE rejected_rows ADD COLUMN reason_text text NOT NULL DEFAULT '';
UPDATE rejected_rows SET
    fields = ',' || COALESCE(
        (SELECT string_agg(e ->> 'field', ',') FROM jsonb_array_elements(reasons) e), ''
    ) || ',',
    reason_text = lower(COALESCE(
        (SELECT string_agg((e ->> 'field') || ': ' || (e ->> 'message'), E'\n')
         FROM jsonb_array_elements(reasons) e), ''
    ));
CREATE INDEX rejected_rows_run_id ON rejected_rows (run_id, id);
