-- Hires per department, job and quarter (of the UTC timestamp) of one year, for the
-- hires-by-quarter report, read from the maintained aggregate hire_counts (a few thousand
-- rows, kept exact with every write of hired_employees). Bind: the year.
-- pg_quarter_counts_scan.sql computes the same from hired_employees itself.
-- Ordering is applied by the use case, never by a collation.
SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4
FROM (
    SELECT department_id, job_id,
        SUM(CASE WHEN quarter = 1 THEN hired ELSE 0 END)::bigint AS q1,
        SUM(CASE WHEN quarter = 2 THEN hired ELSE 0 END)::bigint AS q2,
        SUM(CASE WHEN quarter = 3 THEN hired ELSE 0 END)::bigint AS q3,
        SUM(CASE WHEN quarter = 4 THEN hired ELSE 0 END)::bigint AS q4
    FROM hire_counts
    WHERE year = $1
    GROUP BY department_id, job_id
) c
JOIN departments d ON d.id = c.department_id
JOIN jobs j ON j.id = c.job_id
