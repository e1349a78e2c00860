-- Turns the empty hired_employees into the layout partitioned by hire year, once: true when it
-- did, false when the table was partitioned already; refused (an error with a hint) once the
-- table holds a hire. Defined by migrations/postgres/2026-12-06-000000_hires_by_year.
SELECT hiring_partition_hires_by_year() AS converted
