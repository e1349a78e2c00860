-- hire_counts gets a stripe in its key, as on PostgreSQL (where concurrent writers add to
-- different stripes). SQLite has one writer at a time and always writes stripe 0; the reports
-- sum the stripes. A WITHOUT ROWID table cannot change its key in place: copied over.
CREATE TABLE hire_counts_striped (
    year INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    department_id INTEGER NOT NULL,
    job_id INTEGER NOT NULL,
    hired INTEGER NOT NULL CHECK (hired > 0),
    stripe INTEGER NOT NULL DEFAULT 0 CHECK (stripe BETWEEN 0 AND 15),
    PRIMARY KEY (year, department_id, job_id, quarter, stripe)
) WITHOUT ROWID;
INSERT INTO hire_counts_striped (year, quarter, department_id, job_id, hired)
SELECT year, quarter, department_id, job_id, hired FROM hire_counts;
DROP TABLE hire_counts;
ALTER TABLE hire_counts_striped RENAME TO hire_counts;
