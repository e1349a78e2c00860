//! The SQLite flavour of the shared storage code: hire times are stored as RFC 3339 UTC text
//! exactly as [`HireTime::to_rfc3339`] prints it (`2021-11-07T02:48:42Z`), reject reasons as
//! JSON text; writers take their turn ([`super::writer`]) and the write lock up front.

use super::checkpoint::Checkpointer;
use super::writer::WriterLock;
use crate::db::dialect::Dialect;
use crate::db::error::StoreError;
use diesel::SqliteConnection;
use hiring_domain::{FieldError, HireTime};
use std::sync::Arc;

/// The SQLite flavour of the shared storage code (public as the parameter of
/// [`crate::SqliteStore`], but not nameable outside the crate).
pub struct SqliteDialect;

/// What a store of a file keeps alive besides its pool; dropped with the last clone.
#[derive(Clone)]
pub(crate) struct FileHandles {
    /// The file's writer lock, shared with every other store of this process on the file: held
    /// only to keep it registered while the store lives.
    #[allow(dead_code)]
    pub(super) writers: Arc<WriterLock>,
    /// The file's WAL checkpoint thread, stopped when the last clone is dropped (`None` when it
    /// could not be started: the writers then checkpoint themselves).
    #[allow(dead_code)]
    pub(super) checkpointer: Option<Arc<Checkpointer>>,
}

impl Dialect for SqliteDialect {
    type Conn = SqliteConnection;
    type Instant = String;
    type Json = String;
    type KeptAlive = FileHandles;

    /// `SQLITE_MAX_VARIABLE_NUMBER` of SQLite 3.32 and later, including the bundled build.
    const MAX_PARAMS: usize = 32_766;
    const IDS_PER_QUERY: usize = 1_000;
    /// One writer at a time: nothing to spread.
    const HIRE_COUNT_STRIPES: u64 = 1;
    const DEFER_FOREIGN_KEYS: &'static str = include_str!("../sql/sqlite_defer_foreign_keys.sql");

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
        let _turn = super::writer::turn(conn);
        conn.immediate_transaction(f)
    }

    // Reads use the default deferred transaction: in WAL mode it reads one snapshot and never
    // blocks writers.
}
