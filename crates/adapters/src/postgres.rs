//! PostgreSQL storage: rows are written with `COPY ... FROM STDIN (FORMAT binary)`, reads that
//! must see one snapshot run in `REPEATABLE READ, READ ONLY` transactions.

use crate::pg_url::{self, query_params, UrlParts};
use crate::store::{self, Dialect, Store, StoreError};
use crate::OpenError;
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{Integer, Timestamptz};
use diesel::{Connection, PgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use hiring_domain::{FieldError, HireTime, ReportYear};
use std::borrow::Cow;
use std::time::Duration;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Taken before migrating, so that two processes opening one database do not race.
const MIGRATION_LOCK: &str = include_str!("sql/pg_migration_lock.sql");

/// The report queries; see the files.
const QUARTER_COUNTS: &str = include_str!("sql/pg_quarter_counts.sql");
const DEPARTMENT_COUNTS: &str = include_str!("sql/pg_department_counts.sql");
const QUARTER_COUNTS_SCAN: &str = include_str!("sql/pg_quarter_counts_scan.sql");
const DEPARTMENT_COUNTS_SCAN: &str = include_str!("sql/pg_department_counts_scan.sql");

const POOL_SIZE: u32 = 8;

/// How long to wait for a free pooled connection (or a new one) before giving up.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// libpq's `connect_timeout`, in seconds, unless the URL sets its own: an unreachable server
/// fails fast.
const CONNECT_TIMEOUT_SECS: u32 = 3;

/// The PostgreSQL flavour of the shared storage code.
pub(crate) struct PgDialect;

impl Dialect for PgDialect {
    type Conn = PgConnection;
    type Instant = DateTime<Utc>;
    type Json = serde_json::Value;

    const MAX_PARAMS: usize = 65_535;
    /// Lookups bind the ids as one array (`= ANY($1)`), so they need no chunks.
    const IDS_PER_QUERY: usize = usize::MAX;
    /// Concurrent writers add to different rows (migration `hire_counts_stripes`).
    const HIRE_COUNT_STRIPES: u64 = 16;
    /// Needs the foreign keys to be DEFERRABLE (migration `deferrable_foreign_keys`).
    const DEFER_FOREIGN_KEYS: &'static str = include_str!("sql/pg_defer_foreign_keys.sql");

    fn encode_time(at: HireTime) -> DateTime<Utc> {
        at.get()
    }

    fn decode_time(stored: DateTime<Utc>) -> Result<HireTime, String> {
        HireTime::new(stored)
    }

    fn instant_text(stored: DateTime<Utc>) -> String {
        stored.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// PostgreSQL text (and `jsonb` strings) cannot hold NUL characters, which a rejected raw
    /// record may carry: they become U+FFFD.
    fn storable(text: &str) -> Cow<'_, str> {
        if text.contains('\0') {
            Cow::Owned(text.replace('\0', "\u{FFFD}"))
        } else {
            Cow::Borrowed(text)
        }
    }

    fn encode_reasons(errors: &[FieldError]) -> Result<serde_json::Value, StoreError> {
        let storable: Vec<FieldError> = errors
            .iter()
            .map(|e| FieldError::new(Self::storable(e.field()), Self::storable(e.message())))
            .collect();
        serde_json::to_value(storable).map_err(|e| StoreError::Encode(e.to_string()))
    }

    fn decode_reasons(stored: serde_json::Value) -> Result<Vec<FieldError>, String> {
        serde_json::from_value(stored).map_err(|e| e.to_string())
    }

    fn read<T, F>(conn: &mut PgConnection, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, StoreError>,
    {
        conn.build_transaction()
            .repeatable_read()
            .read_only()
            .run(f)
    }
}

/// One binary `COPY` of every row.
macro_rules! copy_in {
    ($conn:expr, $table:expr, $rows:expr, $to_values:expr) => {{
        let values: Vec<_> = $rows.iter().map($to_values).collect();
        diesel::copy_from($table)
            .from_insertable(values)
            .execute($conn)?
    }};
}

store::queries!(dialect: PgDialect, schema: pg, insert: copy_in);

/// Loads into empty or small tables, and restores, with indexes and foreign keys set aside
/// (see [`crate::pg_bulk`]).
impl store::BulkLoadOps for PgDialect {
    fn bulk_load_holding<E: store::TableOps<Self>>(
        pool: &Pool<ConnectionManager<PgConnection>>,
        held: &store::HeldKeys,
    ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<E>>>, hiring_ports::RepoError> {
        crate::pg_bulk::start::<E>(pool, held).map_err(store::repo_error)
    }

    fn set_aside_for_replace(
        conn: &mut PgConnection,
        tables: &[hiring_domain::Table],
    ) -> Result<Option<store::SetAside>, StoreError> {
        crate::pg_bulk::set_aside_for_replace(conn, tables)
    }
}

impl store::ReportOps for PgDialect {
    fn quarter_rows(
        conn: &mut PgConnection,
        year: ReportYear,
        source: store::Source,
    ) -> Result<Vec<store::QuarterRow>, StoreError> {
        Ok(match source {
            store::Source::Aggregate => diesel::sql_query(QUARTER_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            store::Source::Scan => diesel::sql_query(QUARTER_COUNTS_SCAN)
                .bind::<Timestamptz, _>(year.start())
                .bind::<Timestamptz, _>(year.end())
                .load(conn)?,
        })
    }

    fn department_rows(
        conn: &mut PgConnection,
        year: ReportYear,
        source: store::Source,
    ) -> Result<Vec<store::DepartmentRow>, StoreError> {
        Ok(match source {
            store::Source::Aggregate => diesel::sql_query(DEPARTMENT_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            store::Source::Scan => diesel::sql_query(DEPARTMENT_COUNTS_SCAN)
                .bind::<Timestamptz, _>(year.start())
                .bind::<Timestamptz, _>(year.end())
                .load(conn)?,
        })
    }
}

/// Every storage port on one PostgreSQL database. Cloning shares the connection pool.
#[derive(Clone, Debug)]
pub struct PgStore(pub(crate) Store<PgDialect>);

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`) and
    /// applies the migrations it lacks. Error messages never show the password.
    pub fn open(url: &str) -> Result<Self, OpenError> {
        let parts = UrlParts::parse(url);
        let fail = |reason: &str| OpenError::Postgres {
            url: pg_url::scrub(&parts.redacted(), url),
            reason: pg_url::scrub(&one_line(reason), url),
        };
        // libpq quotes the URL, or a piece of it, in some of its parse errors: a URL it would
        // quote or misread is refused before it sees it, and whatever it says is scrubbed.
        if let Some(reason) = pg_url::malformed(url) {
            return Err(OpenError::Postgres {
                url: pg_url::scrub(&parts.redacted(), url),
                reason: format!("malformed URL: {reason}"),
            });
        }
        let url_with_timeout = with_connect_timeout(url);
        // One connection of our own first: it reports an unreachable server at once (a pool
        // would retry until its timeout) and runs the migrations.
        let mut conn =
            PgConnection::establish(&url_with_timeout).map_err(|e| fail(&e.to_string()))?;
        conn.batch_execute(MIGRATION_LOCK)
            .map_err(|e| OpenError::Migrations(pg_url::scrub(&e.to_string(), url)))?;
        store::run_migrations(&mut conn, MIGRATIONS)
            .map_err(|e| OpenError::Migrations(pg_url::scrub(&e, url)))?;
        // Closing the session releases the migration lock.
        drop(conn);
        // No idle minimum: with one, the pool would open connections on its own threads in the
        // background, and a process exiting while libpq is mid-handshake on such a thread can
        // crash in the TLS library's exit handlers. Connections are opened on demand instead.
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(POOL_TIMEOUT)
            .build_unchecked(ConnectionManager::new(url_with_timeout));
        Ok(Self(Store::new(pool, parts.description())))
    }

    /// The storage as `postgresql host:port/dbname`.
    pub fn description(&self) -> &str {
        self.0.description()
    }
}

store::impl_ports!(PgStore);

/// libpq's multi-line messages on one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds `connect_timeout` to `url` unless it sets one.
fn with_connect_timeout(url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    if query_params(query).any(|(key, _)| key == "connect_timeout") {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}connect_timeout={CONNECT_TIMEOUT_SECS}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable"),
            "postgres://h/db?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9"),
            "postgres://h/db?connect_timeout=9"
        );
    }

    #[test]
    fn libpq_messages_fit_on_one_line() {
        assert_eq!(
            one_line("connection failed: refused\n\tIs the server running?\n"),
            "connection failed: refused Is the server running?"
        );
    }
}
