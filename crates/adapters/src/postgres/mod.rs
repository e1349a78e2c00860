//! PostgreSQL storage: rows are written with `COPY ... FROM STDIN (FORMAT binary)`, reads that
//! must see one snapshot run in `REPEATABLE READ, READ ONLY` transactions (`dialect`).
//!
//! Large loads and restores set constraints and indexes aside (`bulk`). The typed queries are
//! in `ops` and `reports`; [`PgStore`] carries the ports shared with SQLite
//! (`crate::db::ports`); `url` keeps passwords out of every message.

mod bulk;
mod create;
pub(crate) mod dialect;
mod ops;
mod partitions;
mod replace;
mod replica;
mod replica_of;
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

pub use create::create_database;
pub use partitions::HiresLayout;
pub use replica_of::ReplicaOf;
use url::{malformed, missing_database, one_line, scrub, with_connect_timeout, UrlParts};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Taken before migrating, so that two processes opening one database do not race.
const MIGRATION_LOCK: &str = include_str!("../sql/pg_migration_lock.sql");

const POOL_SIZE: u32 = 8;

/// How long to wait for a free pooled connection (or a new one) before giving up.
const POOL_TIMEOUT: Duration = Duration::from_secs(5);

/// The parts of `url`, or the error that refuses it. libpq quotes the URL, or a piece of it, in
/// some of its parse errors: a URL it would quote or misread is refused before it sees it (and
/// whatever it says later is scrubbed).
fn well_formed(url: &str) -> Result<UrlParts<'_>, OpenError> {
    let parts = UrlParts::parse(url);
    match malformed(url) {
        Some(reason) => Err(OpenError::Postgres {
            url: scrub(&parts.redacted(), url),
            reason: format!("malformed URL: {reason}"),
        }),
        None => Ok(parts),
    }
}

/// Turns diesel's prepared-statement cache off on each connection through a pooler.
#[derive(Debug)]
struct UnnamedStatements;

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for UnnamedStatements {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.set_prepared_statement_cache_size(diesel::connection::CacheSize::Disabled);
        Ok(())
    }
}

/// Every storage port on one PostgreSQL database. Cloning shares the connection pool.
pub type PgStore = DbStore<PgDialect>;

impl DbStore<PgDialect> {
    /// Connects to the database at `url` (`postgres://user:password@host:port/dbname`) and
    /// applies the migrations it lacks. Error messages never show the password.
    pub fn open(url: &str) -> Result<Self, OpenError> {
        Self::open_via(url, None)
    }

    /// Like [`PgStore::open`], through a connection pooler: `url` names a PgBouncer in
    /// transaction pooling mode, `direct_url` the database behind it. The migrations (whose
    /// lock is held by a session) and the bulk loads and restores (one long transaction that
    /// locks and alters tables) use direct connections; every other statement goes through the
    /// pooler as an unnamed prepared statement (diesel's statement cache is off on those
    /// connections): a named one could be looked for on another server connection than the one
    /// that prepared it, and PgBouncer before 1.21 does not track them.
    pub fn open_pooled(url: &str, direct_url: &str) -> Result<Self, OpenError> {
        Self::open_via(url, Some(direct_url))
    }

    fn open_via(url: &str, direct_url: Option<&str>) -> Result<Self, OpenError> {
        let store = Self::connect(direct_url.unwrap_or(url))?;
        if direct_url.is_none() {
            return Ok(store);
        }
        let parts = well_formed(url)?;
        let pooled = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(POOL_TIMEOUT)
            .connection_customizer(Box::new(UnnamedStatements))
            .build_unchecked(ConnectionManager::new(with_connect_timeout(url)));
        // The pool of `connect`: direct connections, for bulk loads and restores.
        let direct = store.store().pool().clone();
        Ok(Self::new(
            Store::new(pooled, format!("{} via a pooler", parts.description()))
                .with_bulk_pool(direct),
            (),
        ))
    }

    /// Connects to the database at `url` directly, applies the migrations it lacks and pools
    /// connections to it.
    fn connect(url: &str) -> Result<Self, OpenError> {
        let parts = well_formed(url)?;
        let fail = |reason: &str| OpenError::Postgres {
            url: scrub(&parts.redacted(), url),
            reason: scrub(&one_line(reason), url),
        };
        let url_with_timeout = with_connect_timeout(url);
        // One connection of our own first: it reports an unreachable server at once (a pool
        // would retry until its timeout) and runs the migrations.
        let mut conn = PgConnection::establish(&url_with_timeout).map_err(|e| {
            let reason = e.to_string();
            match missing_database(&reason) {
                Some(database) => OpenError::NoSuchDatabase {
                    url: scrub(&parts.redacted(), url),
                    database: scrub(database, url),
                },
                None => fail(&reason),
            }
        })?;
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
