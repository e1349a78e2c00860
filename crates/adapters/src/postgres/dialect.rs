//! The PostgreSQL flavour of the shared storage code: instants are `timestamptz`, reject
//! reasons `jsonb`, and reads that must see one snapshot run in `REPEATABLE READ, READ ONLY`
//! transactions.

use crate::db::dialect::Dialect;
use crate::db::error::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::PgConnection;
use hiring_domain::{FieldError, HireTime};
use std::borrow::Cow;

/// The PostgreSQL flavour of the shared storage code (public as the parameter of
/// [`crate::PgStore`], but not nameable outside the crate).
pub struct PgDialect;

impl Dialect for PgDialect {
    type Conn = PgConnection;
    type Instant = DateTime<Utc>;
    type Json = serde_json::Value;
    /// Nothing: the pool is all a store holds.
    type KeptAlive = ();

    const MAX_PARAMS: usize = 65_535;
    /// Lookups bind the ids as one array (`= ANY($1)`), so they need no chunks.
    const IDS_PER_QUERY: usize = usize::MAX;
    /// Concurrent writers add to different rows (migration `hire_counts_stripes`).
    const HIRE_COUNT_STRIPES: u64 = 16;
    /// Needs the foreign keys to be DEFERRABLE (migration `deferrable_foreign_keys`).
    const DEFER_FOREIGN_KEYS: &'static str = include_str!("../sql/pg_defer_foreign_keys.sql");

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
