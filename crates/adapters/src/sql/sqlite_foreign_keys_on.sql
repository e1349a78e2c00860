-- After a replacement's transaction: row-by-row foreign-key checks on again, as
-- sqlite_pragmas.sql sets them on every connection.
PRAGMA foreign_keys = ON
