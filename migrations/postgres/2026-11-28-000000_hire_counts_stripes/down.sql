CREATE TABLE hire_counts_merged AS
SELECT year, quarter, department_id, job_id, SUM(hired)::bigint AS hired
FROM hire_counts GROUP BY year, quarter, department_id, job_id;
DELETE FROM hire_counts;
ALTER TABLE hire_counts DROP CONSTRAINT hire_counts_pkey;
ALTER TABLE hire_counts DROP COLUMN stripe;
INSERT INTO hire_counts (year, quarter, department_id, job_id, hired)
SELECT year, quarter, department_id, job_id, hired FROM hire_counts_merged;
DROP TABLE hire_counts_merged;
ALTER TABLE hire_counts ADD PRIMARY KEY (year, department_id, job_id, quarter);
