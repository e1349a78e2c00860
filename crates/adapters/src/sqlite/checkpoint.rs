//! WAL checkpoints on a thread of their own, off the writers' path.
//!
//! In WAL mode every commit appends pages to the `-wal` file, and a checkpoint copies them back
//! into the database file. By default the connection whose commit takes the log past 1,000 pages
//! runs that checkpoint itself, inside its commit, while it still holds the write lock: with
//! several clients posting batches, a tenth of the server's time went there and every other
//! writer waited for it. A [`Checkpointer`] runs a `PASSIVE` checkpoint (which never blocks
//! writers or readers) on its own connection every [`INTERVAL`], and the connections' own
//! threshold is raised to [`SAFETY_NET`] pages (`sql/sqlite_pragmas.sql`), where a writer still
//! checkpoints if this thread cannot keep up.

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// Time between two checkpoints.
const INTERVAL: Duration = Duration::from_millis(50);

/// The `wal_autocheckpoint` of `sql/sqlite_pragmas.sql`, in pages.
#[cfg(test)]
const SAFETY_NET: u64 = 16_384;

/// Copies the log's committed pages into the database file, never waiting for a lock.
const CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

/// The checkpoint thread of one store; stopped and joined when dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    /// Dropping it tells the thread to stop.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `url`, on a connection of its own. `None` when that
    /// connection or the thread cannot be had: the writers then checkpoint at [`SAFETY_NET`]
    /// pages themselves, which is slower but correct.
    pub(crate) fn start(url: &str) -> Option<Self> {
        let mut conn = match SqliteConnection::establish(url) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "no WAL checkpoint thread: writers checkpoint themselves");
                return None;
            }
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || loop {
                // Busy (another checkpoint running, say) is no failure: the next round catches up.
                if let Err(e) = conn.batch_execute(CHECKPOINT) {
                    tracing::debug!(error = %e, "WAL checkpoint skipped");
                }
                if stopped.recv_timeout(INTERVAL) != Err(RecvTimeoutError::Timeout) {
                    // Stopped: one last checkpoint.
                    let _ = conn.batch_execute(CHECKPOINT);
                    return;
                }
            })
            .map_err(|e| tracing::warn!(error = %e, "no WAL checkpoint thread"))
            .ok()?;
        Some(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("the WAL checkpoint thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::SqliteStore;
    use diesel::RunQueryDsl;

    /// Pages of the database file (not of its log), as its size tells.
    fn pages(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len() / 4096)
    }

    #[test]
    fn committed_pages_reach_the_database_file_without_a_writer_checkpointing() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("checkpoint.db");
        let store = SqliteStore::open(&path).unwrap();
        let before = pages(&path);
        // About 2,000 pages committed by a connection whose own threshold is above that: only
        // the thread can move them into the database file.
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(crate::sqlite::PRAGMAS).unwrap();
        conn.batch_execute(
            "CREATE TABLE filler (payload BLOB NOT NULL);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO filler SELECT randomblob(3000) FROM n;",
        )
        .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while pages(&path) < before + 1_500 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            pages(&path) >= before + 1_500,
            "{before} → {}",
            pages(&path)
        );
        drop(conn);
        drop(store);
    }

    #[test]
    fn the_writers_own_threshold_is_the_safety_net() {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            wal_autocheckpoint: i64,
        }
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("threshold.db");
        let _store = SqliteStore::open(&path).unwrap();
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(crate::sqlite::PRAGMAS).unwrap();
        let setting: Setting = diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(setting.wal_autocheckpoint, SAFETY_NET as i64);
    }

    #[test]
    fn dropping_the_checkpointer_stops_its_thread() {
        let folder = tempfile::tempdir().unwrap();
        let checkpointer =
            Checkpointer::start(folder.path().join("stop.db").to_str().unwrap()).unwrap();
        let started = std::time::Instant::now();
        drop(checkpointer);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}
