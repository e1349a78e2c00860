-- Which database of which server a connection reads: a streaming replica has its primary's
-- system identifier (it is a copy of the same cluster) and is read under the same database
-- name. pg_control_system() is open to every role.
SELECT
    (SELECT system_identifier FROM pg_control_system())::text AS system,
    current_database()::text AS database
