-- Whether hired_employees is partitioned by hire year, and its partitions (by name) when it is.
SELECT hiring_hires_partitioned() AS partitioned,
    coalesce((SELECT array_agg(inhrelid::regclass::text ORDER BY inhrelid::regclass::text)
        FROM pg_inherits WHERE inhparent = 'hired_employees'::regclass), '{}') AS partitions
