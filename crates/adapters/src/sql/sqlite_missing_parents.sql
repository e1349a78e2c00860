-- SQLite's form of missing_parents.sql (same rows, same order): the hires are first counted per
-- department and per job — a scan of the covering index on that column, which a restore has
-- just built — and only those few groups are looked up in the parent table, instead of one
-- lookup per hire.
SELECT 'departments' AS parent, g.id AS id, g.hires AS hires
FROM (SELECT department_id AS id, COUNT(*) AS hires FROM hired_employees GROUP BY department_id) g
WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = g.id)
UNION ALL
SELECT 'jobs' AS parent, g.id AS id, g.hires AS hires
FROM (SELECT job_id AS id, COUNT(*) AS hires FROM hired_employees GROUP BY job_id) g
WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = g.id)
ORDER BY parent, id
