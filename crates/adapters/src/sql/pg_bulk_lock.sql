-- Taken first by a bulk load of {table} (a table name the adapter fills in, never input): other
-- writers and readers of the table wait until the load commits or rolls back, and a second
-- bulk load waits here, then sees the first one's rows. The load drops and re-creates indexes
-- and foreign keys, which needs this lock anyway; taking it at once avoids upgrading a weaker
-- lock later, which could deadlock against a reader.
LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE
