//! What a backend may do its own faster way when whole tables are written: a bulk load
//! ([`hiring_ports::BulkLoad`]) and a replacement's emptying and refilling ([`BulkLoadOps`]).

use super::dialect::Dialect;
use super::error::StoreError;
use super::held_keys::HeldKeys;
use super::tables::TableOps;
use diesel::r2d2::{ConnectionManager, Pool};
use hiring_domain::Table;
use hiring_ports::{BulkLoad, RepoError};

/// A backend's bulk path for large loads (see [`hiring_ports::BulkLoad`]).
pub(crate) trait BulkLoadOps: Dialect {
    /// Starts a bulk load of `E`'s table on a connection of `pool`, or declines (`None`).
    fn bulk_load<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<Self::Conn>>,
    ) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        let _ = pool;
        Ok(None)
    }

    /// Like [`BulkLoadOps::bulk_load`], for a load that may lock its parent tables against
    /// every other connection while it lasts: it then lends their keys to `held`, so that the
    /// store's key lookups answer without waiting for it. By default, [`BulkLoadOps::bulk_load`].
    fn bulk_load_holding<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<Self::Conn>>,
        held: &HeldKeys,
    ) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        let _ = held;
        Self::bulk_load::<E>(pool)
    }

    /// Called first in a replacement's transaction, before `tables` (parents first) are
    /// emptied with [`TableOps::delete_all`] and filled: a backend may set constraints and
    /// indexes aside and empty the tables its own faster way, returning what puts them back.
    /// By default nothing (`None`).
    fn set_aside_for_replace(
        conn: &mut Self::Conn,
        tables: &[Table],
    ) -> Result<Option<SetAside>, StoreError> {
        let _ = (conn, tables);
        Ok(None)
    }

    /// Runs `replace` (a replacement's whole transaction, which ends with the set-wise
    /// missing-parents check) on `conn`, with the session settings that check allows: a backend
    /// whose foreign keys are checked row by row may turn them off for it. By default as is.
    fn replacing<T>(
        conn: &mut Self::Conn,
        replace: impl FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        replace(conn)
    }
}

/// What [`BulkLoadOps::set_aside_for_replace`] set aside: the statements that put it back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SetAside {
    /// Rebuild the indexes and key constraints, run once the tables are filled.
    pub(crate) indexes: Vec<String>,
    /// Re-add the foreign keys. When there are any, re-adding them must check every foreign
    /// key the replacement could break: the missing-parents query then runs only when they
    /// refuse, to name the ids.
    pub(crate) foreign_keys: Vec<String>,
}
