-- Drops the partitions of hired_employees a replacement has just emptied (see
-- hiring_drop_hire_partitions; nothing on the plain layout).
SELECT hiring_drop_hire_partitions()
