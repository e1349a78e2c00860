-- The indexes on hired_employees(department_id) and (job_id) serve no query of PostgreSQL's:
-- the reports read hire_counts, the foreign keys are checked by looking up the parents' primary
-- keys, and departments and jobs are only ever replaced whole, with the foreign keys dropped
-- and re-added (one join) around it. Each cost every inserted hire two index insertions and
-- every bulk load and restore two index builds. Add them back for queries of your own: the
-- bulk paths set aside and rebuild whatever indexes the catalog lists.
DROP INDEX IF EXISTS hired_employees_department_id;
DROP INDEX IF EXISTS hired_employees_job_id;
