-- Every department with its number of hires in one year (0 when none), for the
-- departments-above-mean report, read from the maintained aggregate hire_counts.
-- Bind: the year. sqlite_department_counts_scan.sql computes the same from hired_employees.
SELECT d.id, d.department, COALESCE(c.hired, 0) AS hired
FROM departments d
LEFT JOIN (
    SELECT department_id, SUM(hired) AS hired
    FROM hire_counts
    WHERE year = ?
    GROUP BY department_id
) c ON c.department_id = d.id
