//! PostgreSQL storage: rows are written with `COPY ... FROM STDIN (FORMAT binary)`, reads that
//! must see one snapshot run in `REPEATABLE READ, READ ONLY` transactions (`dialect`).
//!
//! Large loads and restores set constraints and indexes aside (`bulk`). The typed queries are
//! in `ops` and `reports`; [`PgStore`] carries the ports shared with SQLite
//! (`crate::db::ports`); `url` keeps passwords out of every message.

mod bulk;
pub(crate) mod dialect;
mod ops;
mod reports;
mod url;

use crate::db::db_store::DbStore;
use crate::db::migrations::run_migrations;
use crate::db::store::Store;
use crate::open_error::OpenError;
use dialect::PgDialect;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{Connection, PgConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use std::time::Duration;
use url::{malformed, query_params, scrub, UrlParts};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Taken before migrating, so that two processes opening one database do not race.
const MIGRATION_LOCK: &str = include_str!("../sql/pg_migration_lock.sql");

const POOL_SIZE: u32 = 8;

/// How long to wait for a free pooled connection (or a new one) before giving up.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// libpq's `connect_timeout`, in seconds, unless the URL sets its own: an unreachable server
/// fails fast.
const CONNECT_TIMEOUT_SECS: u32 = 3;

/// Every storage port on one PostgreSQL database. Cloning shares the connection pool.
pub type PgStore = DbStore<PgDialect>;

impl DbStore<PgDialect> {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`) and
    /// applies the migrations it lacks. Error messages never show the password.
    pub fn open(url: &str) -> Result<Self, OpenError> {
        let parts = UrlParts::parse(url);
        let fail = |reason: &str| OpenError::Postgres {
            url: scrub(&parts.redacted(), url),
            reason: scrub(&one_line(reason), url),
        };
        // libpq quotes the URL, or a piece of it, in some of its parse errors: a URL it would
        // quote or misread is refused before it sees it, and whatever it says is scrubbed.
        if let Some(reason) = malformed(url) {
            return Err(OpenError::Postgres {
                url: scrub(&parts.redacted(), url),
                reason: format!("malformed URL: {reason}"),
            });
        }
        let url_with_timeout = with_connect_timeout(url);
        // One connection of our own first: it reports an unreachable server at once (a pool
        // would retry until its timeout) and runs the migrations.
        let mut conn =
            PgConnection::establish(&url_with_timeout).map_err(|e| fail(&e.to_string()))?;
        conn.batch_execute(MIGRATION_LOCK)
            .map_err(|e| OpenError::Migrations(scrub(&e.to_string(), url)))?;
        run_migrations(&mut conn, MIGRATIONS).map_err(|e| OpenError::Migrations(scrub(&e, url)))?;
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
        Ok(Self::new(Store::new(pool, parts.description()), ()))
    }
}

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
