//! What a backend brings to the shared storage code: its connection type, how it stores
//! instants and JSON, its statement limits and its transaction flavours.

use super::error::StoreError;
use diesel::r2d2::R2D2Connection;
use diesel::Connection;
use hiring_domain::{FieldError, HireTime};
use std::borrow::Cow;

/// What a backend brings to the shared code.
pub(crate) trait Dialect: Sized + Send + Sync + 'static {
    /// The diesel connection.
    type Conn: R2D2Connection + Send + 'static;
    /// The Rust value of an instant column (`datetime`, `recorded_at`).
    type Instant;
    /// The Rust value of the `reasons` column.
    type Json;
    /// What a store keeps alive besides its pool while it lives (SQLite: the file's writer lock
    /// and checkpoint thread), shared by its clones.
    type KeptAlive: Clone + Send + Sync + 'static;

    /// Most bind parameters one statement may carry.
    const MAX_PARAMS: usize;
    /// Most ids one lookup statement carries.
    const IDS_PER_QUERY: usize;
    /// Stripes of the `hire_counts` aggregate that writers spread over (1: always stripe 0).
    const HIRE_COUNT_STRIPES: u64;
    /// The statement that defers the foreign-key checks of the current transaction to commit.
    const DEFER_FOREIGN_KEYS: &'static str;

    /// How a hire time is stored.
    fn encode_time(at: HireTime) -> Self::Instant;
    /// Reads a stored hire time back.
    fn decode_time(stored: Self::Instant) -> Result<HireTime, String>;
    /// A stored instant as RFC 3339 UTC text.
    fn instant_text(stored: Self::Instant) -> String;
    /// `text` as the backend can store it (by default unchanged).
    fn storable(text: &str) -> Cow<'_, str> {
        Cow::Borrowed(text)
    }
    /// How the reasons of a reject are stored.
    fn encode_reasons(errors: &[FieldError]) -> Result<Self::Json, StoreError>;
    /// Reads stored reasons back.
    fn decode_reasons(stored: Self::Json) -> Result<Vec<FieldError>, String>;

    /// Runs `f` in a transaction that writes (by default the backend's plain transaction).
    fn write<T, F>(conn: &mut Self::Conn, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    {
        conn.transaction(f)
    }

    /// Runs `f` in a transaction that only reads, from one consistent snapshot (by default the
    /// backend's plain transaction).
    fn read<T, F>(conn: &mut Self::Conn, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    {
        conn.transaction(f)
    }
}
