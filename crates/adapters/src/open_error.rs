//! Why storage could not be opened ([`OpenError`]).

/// The forms a storage URL may take, as error messages list them.
pub const ACCEPTED_URLS: &str =
    "postgres://USER@HOST/DATABASE, postgresql://USER@HOST/DATABASE, sqlite://PATH, sqlite:PATH or a plain file path";

/// Why storage could not be opened. Messages never contain a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The PostgreSQL server could not be reached or refused the connection.
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    Postgres {
        /// The URL without its password.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// The SQLite file (or its folder) could not be created or opened.
    #[error("cannot open SQLite database {path}: {reason}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The PostgreSQL server answered, but has no database of that name.
    #[error("the PostgreSQL server at {url} has no database {database:?}: create it first (for example with createdb)")]
    NoSuchDatabase {
        /// The URL without its password.
        url: String,
        /// The database it names.
        database: String,
    },
    /// The URL's scheme names no backend (`mysql://`, a mistyped `postgress://`).
    #[error("unsupported database URL scheme {scheme:?}: use {ACCEPTED_URLS}")]
    UnsupportedUrl {
        /// The scheme, before `://` (never the rest of the URL, which may hold a password).
        scheme: String,
    },
    /// A direct URL (for a database behind a pooler) was given with a URL of another backend
    /// than PostgreSQL.
    #[error("database.direct_url is for a PostgreSQL database behind a connection pooler: both URLs must be postgres://...")]
    PoolerNotPostgres,
    /// A read replica, or its primary, was named by a URL of another backend than PostgreSQL.
    #[error(
        "a read replica and its primary must be PostgreSQL databases (postgres://...): SQLite has no replicas"
    )]
    ReplicaNotPostgres,
    /// The layout partitioned by hire year was asked of a database other than PostgreSQL.
    #[error(
        "partitioning hired_employees by hire year needs PostgreSQL: SQLite has no partitions"
    )]
    PartitionsNotPostgres,
    /// The layout of `hired_employees` could not be chosen (it already holds hires, say).
    #[error("cannot partition hired_employees by hire year: {0}")]
    Layout(String),
    /// The schema could not be brought up to date.
    #[error("migrations failed: {0}")]
    Migrations(String),
}
