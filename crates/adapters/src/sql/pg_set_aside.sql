-- The constraints and indexes a bulk write into the tables named by $1 (text[]) sets aside and
-- puts back once its rows are in, read from the catalog so that what is put back is exactly
-- what the migrations left (names, columns, DEFERRABLE ... INITIALLY IMMEDIATE, index method
-- and options), whatever later migrations change: the way pg_dump writes them. One row each,
-- with the statement that drops it and the one that re-creates it; drop in the order given,
-- re-create in reverse (indexes and keys before the foreign keys that need them).
--
-- $2 false, a load into tables that keep their rows: their own foreign keys, and their
-- indexes that are not unique and back no constraint; with $3 true (a load into an empty table
-- that tracks the ids it writes), also their primary keys and unique constraints, unless a
-- foreign key references them.
-- $2 true, a replacement that empties the tables: also their primary keys and unique
-- constraints, their other indexes, and the foreign keys of other tables that reference them.
--
-- A partition's constraints that come from its partitioned table (conparentid set) go and come
-- back with the parent's, so only the parent's are listed.
--
-- Comments on constraints and indexes, and an index's tablespace, are not carried over (the
-- migrations set none).
WITH target AS (
    SELECT name::regclass AS oid FROM unnest($1::text[]) AS name
)
SELECT kind, drop_sql, create_sql
FROM (
    SELECT 1 AS step, 'foreign key' AS kind, c.conname AS name,
        format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_sql,
        format('ALTER TABLE %s ADD CONSTRAINT %I %s',
            c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS create_sql
    FROM pg_constraint c
    WHERE c.contype = 'f' AND c.conparentid = 0
        AND (c.conrelid IN (SELECT oid FROM target)
            OR ($2 AND c.confrelid IN (SELECT oid FROM target)))
    UNION ALL
    SELECT 2, 'key', c.conname,
        format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
        format('ALTER TABLE %s ADD CONSTRAINT %I %s',
            c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
    FROM pg_constraint c
    WHERE c.contype IN ('p', 'u') AND c.conparentid = 0 AND c.conrelid IN (SELECT oid FROM target)
        AND ($2 OR ($3 AND NOT EXISTS (
            SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.confrelid = c.conrelid
        )))
    UNION ALL
    SELECT 3, 'index', i.indexrelid::regclass::text,
        format('DROP INDEX %s', i.indexrelid::regclass),
        -- A partitioned table's index is shown `ON ONLY` the parent: re-created without it, it
        -- is built on every partition again.
        regexp_replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
    FROM pg_index i
    WHERE i.indrelid IN (SELECT oid FROM target)
        AND ($2 OR NOT i.indisunique)
        AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid
        )
) AS set_aside
ORDER BY step, name
