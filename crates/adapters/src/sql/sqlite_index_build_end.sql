-- Run once the indexes set aside are created again (see sqlite_index_build.sql): the page cache
-- and sorting settings of sqlite_pragmas.sql again.
PRAGMA cache_size = -32768;
PRAGMA threads = 0;
