//! # hiring-adapters
//!
//! Implementations of the `hiring-ports` traits: diesel storage for SQLite and PostgreSQL, and
//! Avro backup files.
//!
//! [`open`] picks the backend from a URL, brings the schema up to date with the embedded
//! migrations and wires one store into every field of [`Repositories`]:
//!
//! ```no_run
//! let repos = hiring_adapters::open("data/hiring.db")?;
//! assert_eq!(repos.description, "sqlite data/hiring.db");
//! # Ok::<(), hiring_adapters::OpenError>(())
//! ```

pub mod backup_store;
mod db;
mod open_error;
pub mod postgres;
mod schema;
pub mod sqlite;

use hiring_domain::{Department, HiredEmployee, Job};
use hiring_ports::{BulkStorage, KeyLookup, RejectLog, Repositories, TableRepository};
use std::sync::Arc;

pub use backup_store::AvroBackupStore;
pub use open_error::OpenError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// The database engines a storage URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A database file; the URL is its path, optionally prefixed `sqlite://`.
    Sqlite,
    /// A PostgreSQL server: `postgres://...` or `postgresql://...`.
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs name PostgreSQL; anything else is an SQLite path.
    /// Text that starts like a PostgreSQL URL but is not one (`POSTGRES://`, `postgres:/`) names
    /// PostgreSQL too, to be refused as a malformed URL rather than taken as a file name (which
    /// would be shown, password and all).
    pub fn from_url(url: &str) -> Self {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        if scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// Opens the storage named by `url` and applies any pending migrations (every time; it is
/// cheap when there are none). `postgres://` and `postgresql://` URLs connect to PostgreSQL;
/// anything else is the path of an SQLite file, optionally prefixed `sqlite://`, whose folder is
/// created when missing. Every port of the returned bundle shares one store and its pool.
pub fn open(url: &str) -> Result<Repositories, OpenError> {
    match Backend::from_url(url) {
        Backend::Postgres => {
            let store = PgStore::open(url)?;
            let description = store.description().to_owned();
            Ok(repositories(store, description))
        }
        Backend::Sqlite => {
            let store = SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url))?;
            let description = store.description().to_owned();
            Ok(repositories(store, description))
        }
    }
}

/// Shares one store between every port.
fn repositories<S>(store: S, description: String) -> Repositories
where
    S: TableRepository<Department>
        + TableRepository<Job>
        + TableRepository<HiredEmployee>
        + KeyLookup
        + RejectLog
        + hiring_ports::reports::Reports
        + hiring_ports::idempotency::IdempotencyStore
        + hiring_ports::audit::AuditLog
        + BulkStorage
        + 'static,
{
    let store = Arc::new(store);
    Repositories {
        departments: store.clone(),
        jobs: store.clone(),
        hired_employees: store.clone(),
        keys: store.clone(),
        rejects: store.clone(),
        reports: store.clone(),
        idempotency: store.clone(),
        audit: store.clone(),
        bulk: store,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("data/hiring.db"), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("sqlite://data/hiring.db"),
            Backend::Sqlite
        );
        assert_eq!(Backend::from_url("postgres.db"), Backend::Sqlite);
        assert_eq!(Backend::from_url("POSTGRES://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("postgres:/u:pw@h/db"), Backend::Postgres);
        assert_eq!(Backend::from_url("data/postgres:x.db"), Backend::Sqlite);
    }
}
