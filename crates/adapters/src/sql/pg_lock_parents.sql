-- Taken by a bulk load into a large table before it sets the foreign keys aside ({tables}: the
-- referenced tables, names the adapter fills in, never input): their rows cannot change from
-- here until the load ends, so the keys read next stay true. Readers go on; dropping the
-- foreign keys then raises this to ACCESS EXCLUSIVE.
LOCK TABLE {tables} IN SHARE MODE
