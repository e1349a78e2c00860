-- Hires per year, quarter (of the UTC timestamp), department and job, kept exact by every
-- write of hired_employees in the same transaction, so the reports read a few thousand counts
-- instead of scanning every hire. Filled here from the hires already stored.
CREATE TABLE hire_counts (
    year integer NOT NULL,
    quarter integer NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    department_id integer NOT NULL,
    job_id integer NOT NULL,
    hired bigint NOT NULL CHECK (hired > 0),
    PRIMARY KEY (year, department_id, job_id, quarter)
);

INSERT INTO hire_counts (year, quarter, department_id, job_id, hired)
SELECT EXTRACT(YEAR FROM datetime AT TIME ZONE 'UTC')::integer,
       EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC')::integer,
       department_id, job_id, COUNT(*)
FROM hired_employees
GROUP BY 1, 2, 3, 4;
