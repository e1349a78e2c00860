-- Run by a bulk write before it creates again the indexes it set aside (sqlite_pragmas.sql
-- restores the usual settings when the write ends). `CREATE INDEX` sorts the table's keys:
-- sorting in small runs merged from temporary files costs less than one large in-memory sort
-- (whose run size follows cache_size), and keeps memory flat at any row count; helper threads
-- sort the runs while the table is still being read.
PRAGMA cache_size = -2048;
PRAGMA threads = 2;
