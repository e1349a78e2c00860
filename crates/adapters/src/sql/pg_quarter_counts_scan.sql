-- Hires per department, job and quarter (by UTC month) of one year, for the hires-by-quarter
-- report. Binds: the year's first instant and the next year's (timestamptz, UTC): an index
-- range on datetime. Only ids and counts are grouped; names are joined on the small result.
-- Ordering is applied by the use case, never by a collation.
SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4
FROM (
    SELECT department_id, job_id,
        COUNT(*) FILTER (WHERE EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC') = 1) AS q1,
        COUNT(*) FILTER (WHERE EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC') = 2) AS q2,
        COUNT(*) FILTER (WHERE EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC') = 3) AS q3,
        COUNT(*) FILTER (WHERE EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC') = 4) AS q4
    FROM hired_employees
    WHERE datetime >= $1 AND datetime < $2
    GROUP BY department_id, job_id
) c
JOIN departments d ON d.id = c.department_id
JOIN jobs j ON j.id = c.job_id
