//! [`Store`]: a pool of one backend's connections, on which the port methods are written once
//! over [`Dialect`] (each concern in its own file: `repository`, `rejects`, `reports`,
//! `replace`, `idempotency_keys`, `audit_log`).

use super::dialect::Dialect;
use super::error::{repo_error, StoreError};
use super::held_keys::HeldKeys;
use diesel::r2d2::{ConnectionManager, Pool};
use hiring_ports::RepoError;

/// A pool of one backend's connections and the port methods written once over [`Dialect`].
pub(crate) struct Store<D: Dialect> {
    pub(super) pool: Pool<ConnectionManager<D::Conn>>,
    /// The connections of bulk loads and restores: `pool`, unless they must bypass a
    /// connection pooler ([`Store::with_bulk_pool`]).
    pub(super) bulk_pool: Pool<ConnectionManager<D::Conn>>,
    description: String,
    pub(super) held: HeldKeys,
}

impl<D: Dialect> Clone for Store<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            bulk_pool: self.bulk_pool.clone(),
            description: self.description.clone(),
            held: self.held.clone(),
        }
    }
}

impl<D: Dialect> std::fmt::Debug for Store<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> Store<D> {
    /// Wraps a pool; `description` names the storage without secrets.
    pub(crate) fn new(pool: Pool<ConnectionManager<D::Conn>>, description: String) -> Self {
        Self {
            bulk_pool: pool.clone(),
            pool,
            description,
            held: HeldKeys::default(),
        }
    }

    /// The same store, with bulk loads and restores on `bulk_pool` (direct connections to the
    /// database when `pool` goes through a transaction-pooling PgBouncer).
    pub(crate) fn with_bulk_pool(mut self, bulk_pool: Pool<ConnectionManager<D::Conn>>) -> Self {
        self.bulk_pool = bulk_pool;
        self
    }

    /// The pool of every statement but the bulk paths'.
    pub(crate) fn pool(&self) -> &Pool<ConnectionManager<D::Conn>> {
        &self.pool
    }

    /// The pool of bulk loads and restores (direct connections, see [`Store::with_bulk_pool`]).
    pub(crate) fn bulk_pool(&self) -> &Pool<ConnectionManager<D::Conn>> {
        &self.bulk_pool
    }

    /// The storage, as `sqlite data/hiring.db` or `postgresql host:port/dbname`.
    pub(crate) fn description(&self) -> &str {
        &self.description
    }

    /// Runs `f` on a pooled connection and translates its failure.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut D::Conn) -> Result<T, StoreError>,
    ) -> Result<T, RepoError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| repo_error(StoreError::Pool(e.to_string())))?;
        f(&mut conn).map_err(repo_error)
    }
}
