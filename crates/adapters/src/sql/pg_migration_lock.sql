-- Serializes concurrent schema upgrades of one database. The lock belongs to the session and is
-- released when the migrating connection closes.
SELECT pg_advisory_lock(hashtext('hiring-adapters migrations'))
