//! SQLite storage: one database file in WAL mode with foreign keys enforced.
//!
//! Hire times are stored as RFC 3339 UTC text exactly as [`HireTime::to_rfc3339`] prints it
//! (`2021-11-07T02:48:42Z`), reject reasons as JSON text.

use crate::store::{self, Dialect, Store, StoreError};
use crate::OpenError;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::{Integer, Text};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use hiring_domain::{FieldError, HireTime, ReportYear};
use std::path::Path;
use std::time::{Duration, Instant};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// Settings applied to every connection.
pub(crate) const PRAGMAS: &str = include_str!("sql/sqlite_pragmas.sql");

/// The report queries; see the files.
const QUARTER_COUNTS: &str = include_str!("sql/sqlite_quarter_counts.sql");
const DEPARTMENT_COUNTS: &str = include_str!("sql/sqlite_department_counts.sql");
const QUARTER_COUNTS_SCAN: &str = include_str!("sql/sqlite_quarter_counts_scan.sql");
const DEPARTMENT_COUNTS_SCAN: &str = include_str!("sql/sqlite_department_counts_scan.sql");

/// SQLite writes one transaction at a time: a few connections are plenty.
const POOL_SIZE: u32 = 4;

/// The SQLite flavour of the shared storage code.
pub(crate) struct SqliteDialect;

impl Dialect for SqliteDialect {
    type Conn = SqliteConnection;
    type Instant = String;
    type Json = String;

    /// `SQLITE_MAX_VARIABLE_NUMBER` of SQLite 3.32 and later, including the bundled build.
    const MAX_PARAMS: usize = 32_766;
    const IDS_PER_QUERY: usize = 1_000;
    /// One writer at a time: nothing to spread.
    const HIRE_COUNT_STRIPES: u64 = 1;
    const DEFER_FOREIGN_KEYS: &'static str = include_str!("sql/sqlite_defer_foreign_keys.sql");

    fn encode_time(at: HireTime) -> String {
        at.to_rfc3339()
    }

    fn decode_time(stored: String) -> Result<HireTime, String> {
        HireTime::parse(&stored)
    }

    fn instant_text(stored: String) -> String {
        stored
    }

    fn encode_reasons(errors: &[FieldError]) -> Result<String, StoreError> {
        serde_json::to_string(errors).map_err(|e| StoreError::Encode(e.to_string()))
    }

    fn decode_reasons(stored: String) -> Result<Vec<FieldError>, String> {
        serde_json::from_str(&stored).map_err(|e| e.to_string())
    }

    fn write<T, F>(conn: &mut SqliteConnection, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    {
        // Queue behind this process's other writers of the file, then take the write lock up
        // front: a deferred transaction that starts writing after reading could fail with
        // SQLITE_BUSY without waiting.
        let _turn = crate::sqlite_writer::turn(conn);
        conn.immediate_transaction(f)
    }

    // Reads use the default deferred transaction: in WAL mode it reads one snapshot and never
    // blocks writers.
}

/// One prepared single-row `INSERT` per row, in the caller's transaction. Measured on a million
/// hires, this beats multi-row `INSERT`s by about a quarter: a statement that writes several rows
/// and may fail half-way (a key or foreign-key violation) makes SQLite keep a statement journal
/// of every index page it touches, which a single-row statement does not need. Diesel caches the
/// prepared statement, so each row costs one bind and one step, as in `sqlite3 .import`.
///
/// Hires written while the table's secondary indexes are set aside (a restore) go in several
/// rows per statement instead (see [`crate::sqlite_bulk::insert_hires`]): with no index page to
/// journal, that is the faster form.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $to_values:expr) => {{
        match crate::sqlite_bulk::unindexed_hires($conn, $rows)? {
            Some(hires) => crate::sqlite_bulk::insert_hires($conn, &hires)?,
            None => {
                let mut inserted = 0;
                for values in $rows.iter().map($to_values) {
                    inserted += diesel::insert_into($table).values(values).execute($conn)?;
                }
                inserted
            }
        }
    }};
}

store::queries!(dialect: SqliteDialect, schema: sqlite, insert: insert_rows);

/// The first instant of `year` as text that sorts before every stored instant of that year
/// (`2021-01-01T00:00:00`: stored texts carry seconds, maybe a fraction, and `Z` after it).
fn year_bound(year: i32) -> String {
    format!("{year:04}-01-01T00:00:00")
}

/// Loads into empty or small tables, and restores, with secondary indexes set aside (see
/// [`crate::sqlite_bulk`]).
impl store::BulkLoadOps for SqliteDialect {
    fn bulk_load<E: store::TableOps<Self>>(
        pool: &Pool<ConnectionManager<SqliteConnection>>,
    ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<E>>>, hiring_ports::RepoError> {
        crate::sqlite_bulk::start::<E>(pool).map_err(store::repo_error)
    }

    fn set_aside_for_replace(
        conn: &mut SqliteConnection,
        tables: &[hiring_domain::Table],
    ) -> Result<Option<store::SetAside>, StoreError> {
        crate::sqlite_bulk::set_aside_for_replace(conn, tables)
    }

    fn replacing<T>(
        conn: &mut SqliteConnection,
        replace: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        crate::sqlite_bulk::without_row_foreign_keys(conn, replace)
    }
}

impl store::ReportOps for SqliteDialect {
    fn quarter_rows(
        conn: &mut SqliteConnection,
        year: ReportYear,
        source: store::Source,
    ) -> Result<Vec<store::QuarterRow>, StoreError> {
        Ok(match source {
            store::Source::Aggregate => diesel::sql_query(QUARTER_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            store::Source::Scan => diesel::sql_query(QUARTER_COUNTS_SCAN)
                .bind::<Text, _>(year_bound(year.get()))
                .bind::<Text, _>(year_bound(year.get() + 1))
                .load(conn)?,
        })
    }

    fn department_rows(
        conn: &mut SqliteConnection,
        year: ReportYear,
        source: store::Source,
    ) -> Result<Vec<store::DepartmentRow>, StoreError> {
        Ok(match source {
            store::Source::Aggregate => diesel::sql_query(DEPARTMENT_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            store::Source::Scan => diesel::sql_query(DEPARTMENT_COUNTS_SCAN)
                .bind::<Text, _>(year_bound(year.get()))
                .bind::<Text, _>(year_bound(year.get() + 1))
                .load(conn)?,
        })
    }
}

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
    conn.immediate_transaction(|conn| Ok(store::run_migrations(conn, MIGRATIONS)))
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
#[derive(Clone, Debug)]
pub struct SqliteStore(
    pub(crate) Store<SqliteDialect>,
    /// The file's writer lock, shared with every other store of this process on the file: held
    /// only to keep it registered while the store lives.
    #[allow(dead_code)]
    std::sync::Arc<crate::sqlite_writer::WriterLock>,
    /// The file's WAL checkpoint thread, stopped when the last clone is dropped (`None` when it
    /// could not be started: the writers then checkpoint themselves).
    #[allow(dead_code)]
    Option<std::sync::Arc<crate::sqlite_checkpoint::Checkpointer>>,
);

impl SqliteStore {
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
        let writers = crate::sqlite_writer::register(&mut conn);
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .test_on_check_out(false)
            .connection_customizer(Box::new(Pragmas))
            .build_unchecked(ConnectionManager::new(url));
        Ok(Self(
            Store::new(pool, format!("sqlite {}", path.display())),
            writers,
            crate::sqlite_checkpoint::Checkpointer::start(url).map(std::sync::Arc::new),
        ))
    }

    /// The storage as `sqlite <path>`.
    pub fn description(&self) -> &str {
        self.0.description()
    }
}

store::impl_ports!(SqliteStore);

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
