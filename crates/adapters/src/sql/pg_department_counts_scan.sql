-- Every department with its number of hires in one year (0 when none), for the
-- departments-above-mean report. Binds: the year's first instant and the next year's
-- (timestamptz, UTC): an index range on datetime.
SELECT d.id, d.department, COALESCE(c.hired, 0) AS hired
FROM departments d
LEFT JOIN (
    SELECT department_id, COUNT(*) AS hired
    FROM hired_employees
    WHERE datetime >= $1 AND datetime < $2
    GROUP BY department_id
) c ON c.department_id = d.id
