//! The reject log: the [`RejectOps`] trait, the [`reject_ops!`] macro with which each backend
//! writes it, and the store's reject-log methods.

use super::dialect::Dialect;
use super::error::StoreError;
use super::store::Store;
use hiring_domain::{Rejection, Table};
use hiring_ports::{RejectFilter, RepoError, StoredRejection};

/// The typed queries of the reject log on one backend (written by [`reject_ops!`]).
pub(crate) trait RejectOps: Dialect {
    /// Records `rejects`, skipping those already recorded; returns how many were new.
    fn insert_rejects(conn: &mut Self::Conn, rejects: &[Rejection]) -> Result<u64, StoreError>;
    /// The newest rejects matching `filter`.
    fn list_rejects(
        conn: &mut Self::Conn,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, StoreError>;
    /// How many rejects are recorded, for one table or all.
    fn count_rejects(conn: &mut Self::Conn, table: Option<Table>) -> Result<u64, StoreError>;
}

/// Writes [`RejectOps`] for dialect `$d`, whose diesel schema is `crate::schema::$s`.
macro_rules! reject_ops {
    ($d:ty, $s:ident) => {
        impl $crate::db::rejects::RejectOps for $d {
            fn insert_rejects(
                conn: &mut Self::Conn,
                rejects: &[hiring_domain::Rejection],
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut added = 0;
                for chunk in rejects.chunks(<Self as $crate::db::dialect::Dialect>::MAX_PARAMS / 4)
                {
                    let values = chunk
                        .iter()
                        .map(|r| {
                            Ok((
                                t::table_name.eq(r.table().name()),
                                t::source.eq(<Self as $crate::db::dialect::Dialect>::storable(
                                    r.source(),
                                )),
                                t::raw_record
                                    .eq(<Self as $crate::db::dialect::Dialect>::storable(r.raw())),
                                t::reasons.eq(
                                    <Self as $crate::db::dialect::Dialect>::encode_reasons(
                                        r.errors(),
                                    )?,
                                ),
                            ))
                        })
                        .collect::<Result<Vec<_>, $crate::db::error::StoreError>>()?;
                    added += diesel::insert_into(t::table)
                        .values(values)
                        .on_conflict_do_nothing()
                        .execute(conn)?;
                }
                Ok($crate::db::rows::affected(added))
            }

            fn list_rejects(
                conn: &mut Self::Conn,
                filter: &hiring_ports::RejectFilter,
            ) -> Result<Vec<hiring_ports::StoredRejection>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table
                    .order(t::id.desc())
                    .limit(i64::from(filter.limit))
                    .into_boxed();
                if let Some(table) = filter.table {
                    query = query.filter(t::table_name.eq(table.name()));
                }
                query
                    .load::<$crate::db::rows::RejectRow<Self>>(conn)?
                    .into_iter()
                    .map($crate::db::rows::stored_rejection::<Self>)
                    .collect()
            }

            fn count_rejects(
                conn: &mut Self::Conn,
                table: Option<hiring_domain::Table>,
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table.count().into_boxed();
                if let Some(table) = table {
                    query = query.filter(t::table_name.eq(table.name()));
                }
                Ok($crate::db::rows::row_count(query.get_result::<i64>(conn)?))
            }
        }
    };
}
pub(crate) use reject_ops;

impl<D: RejectOps> Store<D> {
    /// See [`hiring_ports::RejectLog::record`].
    pub(crate) fn record_rejects(&self, rejects: &[Rejection]) -> Result<u64, RepoError> {
        if rejects.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| D::write(conn, |conn| D::insert_rejects(conn, rejects)))
    }

    /// See [`hiring_ports::RejectLog::list`].
    pub(crate) fn list_rejects(
        &self,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, RepoError> {
        self.with_conn(|conn| D::list_rejects(conn, filter))
    }

    /// See [`hiring_ports::RejectLog::count`].
    pub(crate) fn count_rejects(&self, table: Option<Table>) -> Result<u64, RepoError> {
        self.with_conn(|conn| D::count_rejects(conn, table))
    }
}
