CREATE TABLE hire_counts_merged (
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    department_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    hired INTEGER NOT NULL CHECK (hired > 0),
    PRIMARY KEY (year, department_id, job_id, quarter)
) WITHOUT ROWID;
INSERT INTO hire_counts_merged (year, quarter, department_id, job_id, hired)
SELECT year, quarter, department_id, job_id, SUM(hired) FROM hire_counts
GROUP BY year, quarter, department_id, job_id;
DROP TABLE hire_counts;
ALTER TABLE hire_counts_merged RENAME TO hire_counts;
