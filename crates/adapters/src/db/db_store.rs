//! [`DbStore`]: the public face of one backend's storage, on which every port is implemented
//! once (`ports`); the backend names it (`SqliteStore`, `PgStore`) and writes its `open`.
//!
//! Outside the crate the store is known only by those names: its dialect parameter and the
//! traits that bound it are the crate's own, hence `private_bounds` is allowed here.

#![allow(private_bounds)]

use super::dialect::Dialect;
use super::reports::{ReportOps, Source};
use super::store::Store;
use hiring_domain::{DepartmentHires, ReportYear};
use hiring_ports::reports::QuarterCounts;
use hiring_ports::RepoError;

/// Every storage port on one database of the backend `D`. Cloning shares the connection pool.
pub struct DbStore<D: Dialect> {
    pub(super) store: Store<D>,
    /// What the backend keeps alive while the store lives: held, never read.
    _kept: D::KeptAlive,
}

impl<D: Dialect> Clone for DbStore<D> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            _kept: self._kept.clone(),
        }
    }
}

impl<D: Dialect> std::fmt::Debug for DbStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DbStore").field(&self.store).finish()
    }
}

impl<D: Dialect> DbStore<D> {
    /// Wraps a backend's store and what it keeps alive.
    pub(crate) fn new(store: Store<D>, kept: D::KeptAlive) -> Self {
        Self { store, _kept: kept }
    }

    /// The backend's store, for the queries only one backend has.
    pub(crate) fn store(&self) -> &Store<D> {
        &self.store
    }

    /// The storage, as `sqlite <path>` or `postgresql host:port/dbname` (never a password).
    pub fn description(&self) -> &str {
        self.store.description()
    }
}

impl<D: ReportOps> DbStore<D> {
    /// The hires-by-quarter counts of `year` computed by a `GROUP BY` over every hire of the
    /// year, bypassing the maintained aggregate the reports read: for checking that aggregate,
    /// and as the plain query in benchmarks.
    pub fn quarter_counts_by_scan(
        &self,
        year: ReportYear,
    ) -> Result<Vec<QuarterCounts>, RepoError> {
        self.store.quarter_counts(year, Source::Scan)
    }

    /// The departments' hires in `year` computed by a `GROUP BY` over every hire of the year,
    /// bypassing the maintained aggregate (see [`Self::quarter_counts_by_scan`]).
    pub fn department_counts_by_scan(
        &self,
        year: ReportYear,
    ) -> Result<Vec<DepartmentHires>, RepoError> {
        self.store.department_counts(year, Source::Scan)
    }
}
