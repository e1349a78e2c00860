DROP INDEX rejected_rows_run_id;
ALTER TABLE rejected_rows DROP COLUMN reason_text;
ALTER TABLE rejected_rows DROP COLUMN fields;
ALTER TABLE rejected_rows DROP COLUMN run_id;
DROP TABLE runs;
