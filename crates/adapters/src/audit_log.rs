//! The audit log port on the `audit_log` table (the same on both backends, but for the type of
//! `recorded_at`: `timestamptz` on PostgreSQL, RFC 3339 text on SQLite, stamped by the
//! database). Entries are only ever appended.

use crate::postgres::PgDialect;
use crate::sqlite::SqliteDialect;
use crate::store::{row_count, Dialect, Store, StoreError};
use crate::{PgStore, SqliteStore};
use hiring_ports::audit::{AuditEntry, AuditFilter, AuditLog, StoredAuditEntry};
use hiring_ports::RepoError;

/// A stored `audit_log` row: id, recorded_at, actor, action, table_name, row_count, outcome,
/// detail, request_id, duration_ms.
type AuditRow<D> = (
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
fn stored_entry<D: Dialect>(row: AuditRow<D>) -> Result<StoredAuditEntry, StoreError> {
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

/// Writes the audit statements of one backend, whose schema is `crate::schema::$s`.
macro_rules! audit_ops {
    ($d:ty, $s:ident) => {
        impl Store<$d> {
            fn append_audit(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
                use crate::schema::$s::audit_log as t;
                use diesel::prelude::*;
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
                self.with_conn(|conn| {
                    <$d as Dialect>::write(conn, |conn| {
                        Ok(diesel::insert_into(t::table)
                            .values(values)
                            .returning(t::id)
                            .get_result::<i64>(conn)?)
                    })
                })
            }

            fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError> {
                use crate::schema::$s::audit_log as t;
                use diesel::prelude::*;
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
                self.with_conn(|conn| {
                    <$d as Dialect>::read(conn, |conn| {
                        query
                            .load::<AuditRow<$d>>(conn)?
                            .into_iter()
                            .map(stored_entry::<$d>)
                            .collect()
                    })
                })
            }
        }
    };
}

audit_ops!(SqliteDialect, sqlite);
audit_ops!(PgDialect, pg);

impl AuditLog for SqliteStore {
    fn append(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
        self.0.append_audit(entry)
    }

    fn list(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError> {
        self.0.list_audit(filter)
    }
}

impl AuditLog for PgStore {
    fn append(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
        self.0.append_audit(entry)
    }

    fn list(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError> {
        self.0.list_audit(filter)
    }
}
