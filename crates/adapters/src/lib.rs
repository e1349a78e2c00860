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

pub use backup_store::s3::{S3BackupStore, S3Location};
pub use backup_store::{backup_store_at, AvroBackupStore};
pub use open_error::{OpenError, ACCEPTED_URLS};
pub use postgres::{create_database, HiresLayout, PgStore};
pub use sqlite::SqliteStore;

/// The database engines a storage URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// A database file: a plain path, `sqlite://PATH` or `sqlite:PATH`.
    Sqlite,
    /// A PostgreSQL server: `postgres://...` or `postgresql://...`.
    Postgres,
}

impl Backend {
    /// The engine `url` names. `postgres:` and `postgresql:` (any case) name PostgreSQL, even
    /// when malformed (`postgres:/x`: refused later as a malformed URL rather than taken as a
    /// file name, which would be shown, password and all); `sqlite:` and text without a scheme
    /// name an SQLite file. Any other `scheme://` is refused, naming the accepted forms, so
    /// that a mistyped URL (`postgress://`, `mysql://`) never becomes an SQLite file.
    pub fn from_url(url: &str) -> Result<Self, OpenError> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        if scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql") {
            Ok(Self::Postgres)
        } else if scheme.eq_ignore_ascii_case("sqlite") || !names_a_scheme(url) {
            Ok(Self::Sqlite)
        } else {
            Err(OpenError::UnsupportedUrl {
                scheme: scheme.to_owned(),
            })
        }
    }
}

/// Whether `url` starts with `scheme://` (RFC 3986: a letter, then letters, digits, `+`, `-`,
/// `.`).
fn names_a_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The file an SQLite URL names; `None` for another backend or an unsupported URL.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    match Backend::from_url(url) {
        Ok(Backend::Sqlite) => Some(sqlite_path(url).into()),
        _ => None,
    }
}

/// The file an SQLite URL names: `sqlite://PATH`, `sqlite:PATH` or the plain path.
fn sqlite_path(url: &str) -> &str {
    match url.split_once(':') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => {
            rest.strip_prefix("//").unwrap_or(rest)
        }
        _ => url,
    }
}

/// Opens the storage named by `url` and applies any pending migrations (every time; it is
/// cheap when there are none). `postgres://` and `postgresql://` URLs connect to PostgreSQL;
/// `sqlite://PATH`, `sqlite:PATH` and a plain path name an SQLite file, whose folder is created
/// when missing; any other `scheme://` is refused ([`Backend::from_url`]). Every port of the returned bundle shares one store and its pool.
pub fn open(url: &str) -> Result<Repositories, OpenError> {
    match Backend::from_url(url)? {
        Backend::Postgres => {
            let store = PgStore::open(url)?;
            let description = store.description().to_owned();
            Ok(repositories(store, description))
        }
        Backend::Sqlite => {
            let store = SqliteStore::open(sqlite_path(url))?;
            let description = store.description().to_owned();
            Ok(repositories(store, description))
        }
    }
}

/// Like [`open`] for a PostgreSQL database reached through a connection pooler: `url` names
/// the pooler (PgBouncer in transaction pooling mode), `direct_url` the database itself, on
/// which the migrations, bulk loads and restores run ([`PgStore::open_pooled`]). Only
/// PostgreSQL has poolers: an SQLite `url` is refused.
pub fn open_pooled(url: &str, direct_url: &str) -> Result<Repositories, OpenError> {
    match (Backend::from_url(url)?, Backend::from_url(direct_url)?) {
        (Backend::Postgres, Backend::Postgres) => {
            let store = PgStore::open_pooled(url, direct_url)?;
            let description = store.description().to_owned();
            Ok(repositories(store, description))
        }
        _ => Err(OpenError::PoolerNotPostgres),
    }
}

/// Prepares the read replica named by `url`: a PostgreSQL hot standby streaming from the
/// primary at `primary_url` (the URL [`open`] opened, or its direct URL). Nothing connects yet
/// and no migration runs; a replica that is down, or that is not a copy of the primary's
/// database, is found by [`hiring_ports::replica::ReplicaLag::lag`], and its reads go to the
/// primary. Only PostgreSQL has replicas: any other URL is refused.
pub fn open_replica(
    url: &str,
    primary_url: &str,
) -> Result<hiring_ports::replica::Replica, OpenError> {
    match (Backend::from_url(url)?, Backend::from_url(primary_url)?) {
        (Backend::Postgres, Backend::Postgres) => {
            let store = PgStore::open_replica(url)?;
            let description = store.description().to_owned();
            let lag = Arc::new(postgres::ReplicaOf::new(store.clone(), primary_url));
            Ok(hiring_ports::replica::Replica {
                repos: repositories(store, description),
                lag,
            })
        }
        _ => Err(OpenError::ReplicaNotPostgres),
    }
}

/// Chooses the layout of `hired_employees` partitioned by hire year (one partition per UTC
/// year, made as hires of that year arrive; ids kept unique across them by
/// `hired_employee_ids`) for the PostgreSQL database at `url`, before its first hire: brings
/// the schema up to date, then converts the empty table. `Ok(true)` when it did, `Ok(false)`
/// when the table was partitioned already; refused once the table holds a hire, and for
/// SQLite. `url` must reach the database directly (not through a pooler).
pub fn partition_hires_by_year(url: &str) -> Result<bool, OpenError> {
    match Backend::from_url(url)? {
        Backend::Postgres => PgStore::open(url)?
            .partition_hires_by_year()
            .map_err(OpenError::Layout),
        Backend::Sqlite => Err(OpenError::PartitionsNotPostgres),
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
        + hiring_ports::runs::RunLog
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
        runs: store.clone(),
        bulk: store,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        let backend = |url| Backend::from_url(url).unwrap();
        assert_eq!(backend("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(backend("postgresql://h/db"), Backend::Postgres);
        assert_eq!(backend("data/hiring.db"), Backend::Sqlite);
        assert_eq!(backend("sqlite://data/hiring.db"), Backend::Sqlite);
        assert_eq!(backend("sqlite:data/hiring.db"), Backend::Sqlite);
        assert_eq!(backend("postgres.db"), Backend::Sqlite);
        assert_eq!(backend("POSTGRES://u@h/db"), Backend::Postgres);
        assert_eq!(backend("postgres:/u:pw@h/db"), Backend::Postgres);
        assert_eq!(backend("data/postgres:x.db"), Backend::Sqlite);
        assert_eq!(backend("C:\\data\\hiring.db"), Backend::Sqlite);
    }

    #[test]
    fn another_scheme_is_refused_naming_the_accepted_forms() {
        for (url, scheme) in [
            ("postgress://u:secret@h/db", "postgress"),
            ("mysql://root:secret@localhost/hiring", "mysql"),
            ("file:///tmp/hiring.db", "file"),
            ("Sqlite3://x.db", "Sqlite3"),
        ] {
            let e = Backend::from_url(url).unwrap_err();
            assert_eq!(
                e,
                OpenError::UnsupportedUrl {
                    scheme: scheme.into()
                }
            );
            let message = e.to_string();
            assert!(message.contains(ACCEPTED_URLS), "{message}");
            assert!(!message.contains("secret"), "{message}");
            assert!(open(url).is_err());
        }
    }

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(sqlite_path("sqlite://data/h.db"), "data/h.db");
        assert_eq!(sqlite_path("sqlite:data/h.db"), "data/h.db");
        assert_eq!(sqlite_path("sqlite:///abs/h.db"), "/abs/h.db");
        assert_eq!(sqlite_path("SQLite:h.db"), "h.db");
        assert_eq!(sqlite_path("data/h.db"), "data/h.db");
    }
}
