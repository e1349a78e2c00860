DROP FUNCTION hiring_drop_hire_partitions();
DROP FUNCTION hiring_partition_hires_by_year();
DROP FUNCTION hiring_hire_partitions(integer[]);
DROP FUNCTION hiring_hires_partitioned();
DROP FUNCTION hiring_hire_ids();
