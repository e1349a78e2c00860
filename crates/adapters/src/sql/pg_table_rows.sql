-- The planner's estimate of a table's rows (no scan; -1 or 0 when never analysed): a bulk load
-- into a large table weighs with it when setting the foreign keys aside pays off. Bind: the
-- table name.
SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = $1::regclass
