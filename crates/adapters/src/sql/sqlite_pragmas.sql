-- Applied to every SQLite connection when it is opened.
-- Wait for a busy database instead of failing at once; set it first, as the journal mode
-- change below may have to wait for a lock.
PRAGMA busy_timeout = 30000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA foreign_keys = ON;
-- 32 MiB of page cache (the default is 2 MiB): inserts into the datetime index land on random
-- pages, and a large load runs about twice as fast when they stay cached.
PRAGMA cache_size = -32768;
-- No helper threads for sorting (SQLite's default; a bulk load's index build raises it).
PRAGMA threads = 0;
-- A thread of the store checkpoints the WAL every 50 ms (sqlite/checkpoint.rs); a writer
-- checkpoints inside its own commit only past 16,384 pages (64 MiB), if that thread falls behind.
PRAGMA wal_autocheckpoint = 16384;
