//! Adapter failures ([`StoreError`]) and the one place where they become port errors
//! ([`repo_error`]).

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use hiring_ports::{MissingParents, ReplaceError, RepoError};

/// A failure inside the adapter, before it is translated into a [`RepoError`].
#[derive(Debug)]
pub(crate) enum StoreError {
    /// A statement failed.
    Db(DieselError),
    /// No connection could be taken from the pool.
    Pool(String),
    /// A stored value broke a domain rule.
    Corrupt(String),
    /// A value could not be encoded for storage.
    Encode(String),
    /// An error raised by the caller (a row sink), passed through unchanged.
    Port(RepoError),
    /// A replacement would leave rows pointing at missing parents (rolls the transaction back).
    MissingParents(Vec<MissingParents>),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        Self::Db(e)
    }
}

/// The one place where adapter failures become port errors: constraint violations are
/// conflicts, lost connections and pool timeouts make the database unavailable.
pub(crate) fn repo_error(e: StoreError) -> RepoError {
    match e {
        StoreError::Db(DieselError::DatabaseError(kind, info)) => {
            let message = describe(info.as_ref());
            match kind {
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation => {
                    RepoError::Conflict(message)
                }
                DatabaseErrorKind::ClosedConnection => RepoError::Unavailable(message),
                _ => RepoError::Other(message),
            }
        }
        StoreError::Db(other) => RepoError::Other(other.to_string()),
        StoreError::Pool(message) => RepoError::Unavailable(message),
        StoreError::Corrupt(message) => RepoError::Corrupt(message),
        StoreError::Encode(message) => RepoError::Other(message),
        StoreError::Port(e) => e,
        StoreError::MissingParents(missing) => {
            RepoError::Conflict(ReplaceError::MissingParents(missing).to_string())
        }
    }
}

/// The database's message, with its details when it gave any.
fn describe(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> String {
    match info.details() {
        Some(details) => format!("{} ({})", info.message(), details.trim()),
        None => info.message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database error as a driver reports it; the message stands for the whole information.
    fn db(kind: DatabaseErrorKind, message: &str) -> StoreError {
        StoreError::Db(DieselError::DatabaseError(
            kind,
            Box::new(message.to_owned()),
        ))
    }

    #[test]
    fn constraint_violations_are_conflicts() {
        assert_eq!(
            repo_error(db(DatabaseErrorKind::UniqueViolation, "duplicate key")),
            RepoError::Conflict("duplicate key".to_owned())
        );
        assert_eq!(
            repo_error(db(DatabaseErrorKind::ForeignKeyViolation, "no parent")),
            RepoError::Conflict("no parent".to_owned())
        );
    }

    #[test]
    fn a_lost_connection_or_an_empty_pool_makes_the_database_unavailable() {
        assert_eq!(
            repo_error(db(DatabaseErrorKind::ClosedConnection, "server closed")),
            RepoError::Unavailable("server closed".to_owned())
        );
        assert_eq!(
            repo_error(StoreError::Pool("timed out".to_owned())),
            RepoError::Unavailable("timed out".to_owned())
        );
    }

    #[test]
    fn other_failures_keep_their_kind_and_message() {
        assert_eq!(
            repo_error(db(DatabaseErrorKind::Unknown, "syntax error")),
            RepoError::Other("syntax error".to_owned())
        );
        assert_eq!(
            repo_error(StoreError::Db(DieselError::NotFound)),
            RepoError::Other(DieselError::NotFound.to_string())
        );
        assert_eq!(
            repo_error(StoreError::Corrupt("bad id".to_owned())),
            RepoError::Corrupt("bad id".to_owned())
        );
        assert_eq!(
            repo_error(StoreError::Encode("not JSON".to_owned())),
            RepoError::Other("not JSON".to_owned())
        );
        let port = RepoError::Unavailable("the sink gave up".to_owned());
        assert_eq!(repo_error(StoreError::Port(port.clone())), port);
    }

    #[test]
    fn missing_parents_are_a_conflict_naming_them() {
        let missing = vec![MissingParents {
            parent: hiring_domain::Table::Jobs,
            column: "job_id",
            ids: vec![hiring_domain::Id::new(7).unwrap()],
            missing: 1,
            rows: 2,
        }];
        assert_eq!(
            repo_error(StoreError::MissingParents(missing.clone())),
            RepoError::Conflict(ReplaceError::MissingParents(missing).to_string())
        );
    }
}
