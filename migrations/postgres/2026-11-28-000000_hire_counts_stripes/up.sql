-- hire_counts gets a stripe in its key: each writer adds its counts to the stripe of its own
-- process and thread, so concurrent batches that hire into the same department, job and
-- quarter update different rows instead of queueing for one row's lock until each commits.
-- The reports sum the stripes (at most 16 rows a group).
ALTER TABLE hire_counts ADD COLUMN stripe integer NOT NULL DEFAULT 0
    CHECK (stripe BETWEEN 0 AND 15);
ALTER TABLE hire_counts DROP CONSTRAINT hire_counts_pkey;
ALTER TABLE hire_counts ADD PRIMARY KEY (year, department_id, job_id, quarter, stripe);
