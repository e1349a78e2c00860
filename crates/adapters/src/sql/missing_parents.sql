-- The departments and jobs that hired_employees rows reference but that do not exist, one row
-- per missing key with the number of rows referencing it. A restore of departments or jobs
-- that keeps the stored hires runs it with foreign-key checks deferred, just before it commits,
-- so that it can refuse naming the ids (a restore that replaces the hires looks up instead the
-- distinct parents of the hires it wrote: db::replace::missing_parents_of).
SELECT 'departments' AS parent, h.department_id AS id, COUNT(*) AS hires
FROM hired_employees h
WHERE NOT EXISTS (SELECT 1 FROM departments d WHERE d.id = h.department_id)
GROUP BY h.department_id
UNION ALL
SELECT 'jobs' AS parent, h.job_id AS id, COUNT(*) AS hires
FROM hired_employees h
WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = h.job_id)
GROUP BY h.job_id
ORDER BY parent, id
