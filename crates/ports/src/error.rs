/// What a storage port can fail with. Adapters map their driver's errors onto these variants and
/// keep the driver's message as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// The database cannot be reached or refused the connection.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A uniqueness or foreign-key constraint failed, typically because another writer changed
    /// the table since it was read. Nothing of the failed call was written; retrying after
    /// reading again is safe.
    #[error("write conflict: {0}")]
    Conflict(String),
    /// Stored data broke a domain rule when read back.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Any other database failure.
    #[error("database error: {0}")]
    Other(String),
}
