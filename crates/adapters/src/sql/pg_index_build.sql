-- Before the indexes set aside by a bulk write are built again, each in one sort over the
-- table: more memory for the sorts, for this transaction only. Commit durability is left as
-- it is (synchronous_commit stays on: a migration's commit must survive a crash).
SET LOCAL maintenance_work_mem = '256MB'
