-- How far a streaming read replica is behind its primary. `problem` says why it must not be
-- read (not a replica, or not receiving from its primary: its data would be stale by an unknown
-- amount); `caught_up` whether it has replayed every change it received; `replayed_seconds` the
-- age of the newest transaction it replayed (NULL when it replayed none since it started), its
-- lag while it has changes left to replay.
SELECT
    CASE
        WHEN NOT pg_is_in_recovery() THEN 'the database is not a replica (it is not in recovery)'
        WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver)
            THEN 'the replica is not receiving from its primary'
    END AS problem,
    coalesce(pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(), false) AS caught_up,
    EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
        AS replayed_seconds
