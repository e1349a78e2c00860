-- The file of the connection's main database, as SQLite names it (an absolute path): the key
-- under which the writers of one process queue for that file (see sqlite/writer.rs).
SELECT file FROM pragma_database_list WHERE name = 'main'
