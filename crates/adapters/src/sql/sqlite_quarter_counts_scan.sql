-- Hires per department, job and quarter (by UTC month) of one year, for the hires-by-quarter
-- report. Binds: the year's first instant and the next year's, as 'YYYY-01-01T00:00:00'.
-- `datetime` is RFC 3339 UTC text ('2021-11-07T02:48:42Z', maybe with fractional seconds), so
-- those bounds sort before every instant of their year and the range uses the datetime index.
-- Only ids and counts are grouped; names are joined on the small result. Ordering is applied
-- by the use case, never by a collation.
SELECT c.department_id, d.department, c.job_id, j.job, c.q1, c.q2, c.q3, c.q4
FROM (
    SELECT department_id, job_id,
        SUM(CASE WHEN substr(datetime, 6, 2) BETWEEN '01' AND '03' THEN 1 ELSE 0 END) AS q1,
        SUM(CASE WHEN substr(datetime, 6, 2) BETWEEN '04' AND '06' THEN 1 ELSE 0 END) AS q2,
        SUM(CASE WHEN substr(datetime, 6, 2) BETWEEN '07' AND '09' THEN 1 ELSE 0 END) AS q3,
        SUM(CASE WHEN substr(datetime, 6, 2) BETWEEN '10' AND '12' THEN 1 ELSE 0 END) AS q4
    FROM hired_employees
    WHERE datetime >= ? AND datetime < ?
    GROUP BY department_id, job_id
) c
JOIN departments d ON d.id = c.department_id
JOIN jobs j ON j.id = c.job_id
