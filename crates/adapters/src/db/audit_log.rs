//! The audit log on the `audit_log` table (the same on both backends, but for the type of
//! `recorded_at`: `timestamptz` on PostgreSQL, RFC 3339 text on SQLite, stamped by the
//! database). Entries are only ever appended.

use super::dialect::Dialect;
use super::error::StoreError;
use super::rows::row_count;
use super::store::Store;
use hiring_ports::audit::{AuditEntry, AuditFilter, StoredAuditEntry};
use hiring_ports::RepoError;

/// A stored `audit_log` row: id, recorded_at, actor, action, table_name, row_count, outcome,
/// detail, request_id, duration_ms.
pub(crate) type AuditRow<D> = (
    i64,
    <D as Dialect>::Instant,
    String,
    String,
    Option<String>,
    i64,
    String,
    String,
    Option<String>,
    i64,
);

/// A stored row as the port's type; a value no entry could have written is reported as
/// corrupt, naming the row.
pub(crate) fn stored_entry<D: Dialect>(row: AuditRow<D>) -> Result<StoredAuditEntry, StoreError> {
    let (id, at, actor, action, table, rows, outcome, detail, request_id, duration_ms) = row;
    let corrupt = |field: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!("audit_log row with id {id}: {field} {e}"))
    };
    Ok(StoredAuditEntry {
        id,
        recorded_at: D::instant_text(at),
        actor,
        action: action.parse().map_err(|e| corrupt("action", &e))?,
        table: table
            .map(|t| t.parse())
            .transpose()
            .map_err(|e| corrupt("table_name", &e))?,
        rows: row_count(rows),
        outcome: outcome.parse().map_err(|e| corrupt("outcome", &e))?,
        detail,
        request_id,
        duration_ms: row_count(duration_ms),
    })
}

/// The audit statements of one backend (written by [`audit_ops!`]).
pub(crate) trait AuditOps: Dialect {
    /// Appends `entry`; returns its id.
    fn append_audit(conn: &mut Self::Conn, entry: &AuditEntry) -> Result<i64, StoreError>;
    /// The newest entries matching `filter`.
    fn list_audit(
        conn: &mut Self::Conn,
        filter: &AuditFilter,
    ) -> Result<Vec<StoredAuditEntry>, StoreError>;
}

/// Writes [`AuditOps`] for dialect `$d`, whose diesel schema is `crate::schema::$s`.
macro_rules! audit_ops {
    ($d:ty, $s:ident) => {
        impl $crate::db::audit_log::AuditOps for $d {
            fn append_audit(
                conn: &mut Self::Conn,
                entry: &hiring_ports::audit::AuditEntry,
            ) -> Result<i64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::audit_log as t;
                let values = (
                    t::actor.eq(entry.actor()),
                    t::action.eq(entry.action().name()),
                    t::table_name.eq(entry.table_name().map(|t| t.name())),
                    t::row_count.eq(i64::try_from(entry.row_count()).unwrap_or(i64::MAX)),
                    t::outcome.eq(entry.outcome().name()),
                    t::detail.eq(entry.detail_text()),
                    t::request_id.eq(entry.request()),
                    t::duration_ms.eq(i64::try_from(entry.duration_ms()).unwrap_or(i64::MAX)),
                );
                Ok(diesel::insert_into(t::table)
                    .values(values)
                    .returning(t::id)
                    .get_result::<i64>(conn)?)
            }

            fn list_audit(
                conn: &mut Self::Conn,
                filter: &hiring_ports::audit::AuditFilter,
            ) -> Result<Vec<hiring_ports::audit::StoredAuditEntry>, $crate::db::error::StoreError>
            {
                use diesel::prelude::*;
                use $crate::schema::$s::audit_log as t;
                let mut query = t::table
                    .order(t::id.desc())
                    .limit(i64::from(filter.limit))
                    .into_boxed();
                if let Some(action) = filter.action {
                    query = query.filter(t::action.eq(action.name()));
                }
                if let Some(actor) = &filter.actor {
                    query = query.filter(t::actor.eq(actor.clone()));
                }
                if let Some(table) = filter.table {
                    query = query.filter(t::table_name.eq(table.name()));
                }
                if let Some(before) = filter.before {
                    query = query.filter(t::id.lt(before));
                }
                query
                    .load::<$crate::db::audit_log::AuditRow<Self>>(conn)?
                    .into_iter()
                    .map($crate::db::audit_log::stored_entry::<Self>)
                    .collect()
            }
        }
    };
}
pub(crate) use audit_ops;

impl<D: AuditOps> Store<D> {
    /// See [`hiring_ports::audit::AuditLog::append`].
    pub(crate) fn append_audit(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
        self.with_conn(|conn| D::write(conn, |conn| D::append_audit(conn, entry)))
    }

    /// See [`hiring_ports::audit::AuditLog::list`].
    pub(crate) fn list_audit(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<StoredAuditEntry>, RepoError> {
        self.with_conn(|conn| D::read(conn, |conn| D::list_audit(conn, filter)))
    }
}
