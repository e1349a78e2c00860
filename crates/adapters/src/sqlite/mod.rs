//! SQLite storage: one database file in WAL mode with foreign keys enforced.
//!
//! Hire times are stored as RFC 3339 UTC text, reject reasons as JSON text (`dialect`). The
//! writers of one process take turns on the file (`writer`), WAL checkpoints run on a thread of
//! their own (`checkpoint`), and large loads and restores set indexes aside (`bulk`). The typed
//! queries are in `ops` and `reports`; [`SqliteStore`] carries the ports shared with PostgreSQL
//! (`crate::db::ports`).

mod bulk;
mod checkpoint;
pub(crate) mod dialect;
mod ops;
mod reports;
mod writer;

use crate::db::db_store::DbStore;
use crate::db::migrations::run_migrations;
use crate::db::store::Store;
use crate::open_error::OpenError;
use dialect::{FileHandles, SqliteDialect};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use std::path::Path;
use std::time::{Duration, Instant};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Settings applied to every connection.
pub(crate) const PRAGMAS: &str = include_str!("../sql/sqlite_pragmas.sql");

/// SQLite writes one transaction at a time: a few connections are plenty.
const POOL_SIZE: u32 = 4;

/// Applies [`PRAGMAS`] to each pooled connection.
#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(PRAGMAS)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Longest time [`SqliteStore::open`] retries a setup that found the file busy: the
/// `busy_timeout` of `sql/sqlite_pragmas.sql`.
const SETUP_WAIT: Duration = Duration::from_secs(30);

/// Applies [`PRAGMAS`] and the migrations the file lacks. The outer error is SQLite's, the inner
/// one the migrations'.
///
/// The migrations run under the write lock (`BEGIN IMMEDIATE`), so that a second connection
/// opening a new file waits for the first to finish migrating instead of failing on tables it
/// finds half made. Each migration runs in a savepoint of this transaction.
fn set_up(conn: &mut SqliteConnection) -> Result<Result<(), String>, diesel::result::Error> {
    conn.batch_execute(PRAGMAS)?;
    conn.immediate_transaction(|conn| Ok(run_migrations(conn, MIGRATIONS)))
}

/// Whether SQLite answered `SQLITE_BUSY` ("database is locked") without waiting.
///
/// The busy handler is skipped where waiting could deadlock: when several connections turn a
/// new file to WAL at once, each holds a shared lock and all but one are refused at once,
/// whatever the `busy_timeout`. The setup is safe to repeat, so [`SqliteStore::open`] retries
/// it. Diesel keeps SQLite's message but not its result code, so the message is what is read.
fn is_busy(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(_, info) if info.message() == "database is locked"
    )
}

/// Every storage port on one SQLite database file. Cloning shares the connection pool.
pub type SqliteStore = DbStore<SqliteDialect>;

impl DbStore<SqliteDialect> {
    /// Opens the database file at `path`, creating it and its folder when missing, and applies
    /// the migrations it lacks. `:memory:` is not supported: each pooled connection would see a
    /// database of its own.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        let path = path.as_ref();
        let fail = |reason: String| OpenError::Sqlite {
            path: path.display().to_string(),
            reason,
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)
                .map_err(|e| fail(format!("cannot create folder {}: {e}", folder.display())))?;
        }
        let url = path
            .to_str()
            .ok_or_else(|| fail("the path is not valid UTF-8".to_owned()))?;
        // One connection of our own first: it reports a bad path at once and runs the migrations.
        let mut conn = SqliteConnection::establish(url).map_err(|e| fail(e.to_string()))?;
        let deadline = Instant::now() + SETUP_WAIT;
        let mut pause = Duration::from_millis(1);
        loop {
            match set_up(&mut conn) {
                Ok(migrated) => {
                    migrated.map_err(OpenError::Migrations)?;
                    break;
                }
                Err(e) if is_busy(&e) && Instant::now() < deadline => {
                    tracing::debug!(error = %e, "another connection is setting up the file; retrying");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(fail(e.to_string())),
            }
        }
        let writers = writer::register(&mut conn);
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .test_on_check_out(false)
            .connection_customizer(Box::new(Pragmas))
            .build_unchecked(ConnectionManager::new(url));
        let handles = FileHandles {
            writers,
            checkpointer: checkpoint::Checkpointer::start(url).map(std::sync::Arc::new),
        };
        Ok(Self::new(
            Store::new(pool, format!("sqlite {}", path.display())),
            handles,
        ))
    }
}

#[cfg(test)]
mod bulk_tests;
#[cfg(test)]
mod rejects_tests;

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens of a new file that race each other all succeed; before the setup retried, about
    /// one round in five failed with "database is locked".
    #[test]
    fn racing_opens_of_new_files_all_succeed() {
        let folder = tempfile::tempdir().unwrap();
        for round in 0..50 {
            let path = folder.path().join(format!("race-{round}.db"));
            std::thread::scope(|scope| {
                let opens: Vec<_> = (0..4)
                    .map(|_| scope.spawn(|| SqliteStore::open(&path)))
                    .collect();
                for open in opens {
                    let store = open.join().unwrap();
                    assert!(store.is_ok(), "round {round}: {:?}", store.err());
                }
            });
        }
    }

    #[test]
    fn only_sqlite_busy_is_retried() {
        let busy = |message: &str| {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::Unknown,
                Box::new(message.to_owned()),
            )
        };
        assert!(is_busy(&busy("database is locked")));
        assert!(!is_busy(&busy("no such table: jobs")));
        assert!(!is_busy(&diesel::result::Error::NotFound));
    }
}
