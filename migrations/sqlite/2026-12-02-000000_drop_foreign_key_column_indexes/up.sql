-- The indexes on hired_employees(department_id) and (job_id) serve no query of ours: the
-- reports read hire_counts, a new hire's foreign keys are checked by looking up the parents'
-- primary keys, and departments and jobs are only ever replaced whole, with the row-by-row
-- foreign-key checks off and every hire's parents checked by one query before the commit.
-- Each cost every inserted hire two index insertions (with 1,000-row batches posted to the API
-- by several clients, about half the time of a write) and every bulk load and restore two
-- index builds. Add them back for queries of your own: the bulk paths set aside and rebuild
-- whatever indexes the catalog lists.
DROP INDEX IF EXISTS hired_employees_department_id;
DROP INDEX IF EXISTS hired_employees_job_id;
