-- Before hires are written: gives each hire year of $1 (integer[]) its partition when
-- hired_employees is partitioned by year; does nothing on the plain layout. The function is
-- defined by migrations/postgres/2026-12-06-000000_hires_by_year.
SELECT hiring_hire_partitions($1)
