-- How far a streaming read replica is behind its primary. `problem` says why it must not be
-- read (not a replica, or not receiving from its primary: its data would be stale by an unknown
-- amount); `received` and `replayed` the WAL positions it has received and replayed, in bytes;
-- `replayed_seconds` the age of the newest transaction it replayed (NULL when it replayed none
-- since it started), its lag while it has changes left to replay; `waiting_for_wal` whether its
-- startup process is waiting for WAL to replay (it has replayed all it can: the received
-- position may be a page boundary past the last record, on an idle primary for as long as it
-- stays idle). The wait event is shown to superusers and members of pg_read_all_stats only;
-- others get false. `system` and `database` say which database of which cluster it is (as
-- sql/pg_server_identity.sql), to be compared with the primary's.
SELECT
    CASE
        WHEN NOT pg_is_in_recovery() THEN 'the database is not a replica (it is not in recovery)'
        WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
            THEN 'the replica is not receiving from its primary'
    END AS problem,
    pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::float8 AS received,
    pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::float8 AS replayed,
    EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
        AS replayed_seconds,
    coalesce((
        SELECT bool_or(wait_event = 'RecoveryWalStream') FROM pg_stat_activity
        WHERE backend_type = 'startup'
    ), false) AS waiting_for_wal,
    (SELECT system_identifier FROM pg_control_system())::text AS system,
    current_database()::text AS database
