-- The secondary indexes of one table (bind: its name) that a bulk write sets aside: dropped
-- inside its transaction and created again, once its rows are in, from their own definition
-- in the schema, so that what is put back is exactly what the migrations left. Indexes SQLite
-- made itself (the primary key, UNIQUE constraints) have no `sql` and stay. SQLite's DDL is
-- transactional: a write that fails, or whose process dies, leaves every index in place.
SELECT 'DROP INDEX "' || replace(name, '"', '""') || '"' AS drop_sql, sql AS create_sql
FROM sqlite_master
WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL
ORDER BY name
