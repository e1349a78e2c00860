-- Starts a bulk load: the write lock up front, so that a second load of the same database
-- waits here (busy_timeout) and then sees the first one's rows.
BEGIN IMMEDIATE
