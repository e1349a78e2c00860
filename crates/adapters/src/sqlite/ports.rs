//! Every storage port on [`SqliteStore`], each method delegating to the shared
//! [`crate::db::store::Store`].

use super::dialect::SqliteDialect;
use super::SqliteStore;
use crate::db::reports::Source;
use crate::db::tables::TableOps;
use hiring_domain::{DepartmentHires, Id, Rejection, ReportYear, Table};
use hiring_ports::audit::{AuditEntry, AuditFilter, AuditLog, StoredAuditEntry};
use hiring_ports::idempotency::{Claim, ClaimTimes, Completion, IdempotencyStore, KeyedRequest};
use hiring_ports::reports::{QuarterCounts, Reports};
use hiring_ports::{
    BulkLoad, BulkStorage, KeyLookup, RejectFilter, RejectLog, ReplaceError, RepoError, RowSink,
    RowSource, SnapshotSink, StoredRejection, TableRepository,
};

impl<E: TableOps<SqliteDialect>> TableRepository<E> for SqliteStore {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        self.0.find_by_ids(ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        self.0.write_batch(rows, rejects)
    }

    fn write_batch_completing(
        &self,
        rows: &[E],
        rejects: &[Rejection],
        completion: &Completion,
    ) -> Result<u64, RepoError> {
        self.0.write_batch_completing(rows, rejects, completion)
    }

    fn count(&self) -> Result<u64, RepoError> {
        self.0.count::<E>()
    }

    fn for_each(&self, sink: &mut dyn RowSink<E>) -> Result<u64, RepoError> {
        self.0.for_each(sink)
    }

    fn replace_all(&self, rows: &mut dyn Iterator<Item = E>) -> Result<u64, RepoError> {
        self.0.replace_all(rows)
    }

    fn bulk_load(&self) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        self.0.bulk_load::<E>()
    }
}

impl KeyLookup for SqliteStore {
    fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError> {
        self.0.existing_ids(table, ids)
    }
}

impl BulkStorage for SqliteStore {
    fn snapshot(&self, tables: &[Table], sink: &mut dyn SnapshotSink) -> Result<u64, RepoError> {
        self.0.snapshot(tables, sink)
    }

    fn replace(
        &self,
        tables: &[Table],
        source: &mut dyn RowSource,
    ) -> Result<Vec<u64>, ReplaceError> {
        self.0.replace(tables, source)
    }
}

impl Reports for SqliteStore {
    fn quarter_counts(&self, year: ReportYear) -> Result<Vec<QuarterCounts>, RepoError> {
        self.0.quarter_counts(year, Source::Aggregate)
    }

    fn department_counts(&self, year: ReportYear) -> Result<Vec<DepartmentHires>, RepoError> {
        self.0.department_counts(year, Source::Aggregate)
    }
}

impl SqliteStore {
    /// The hires-by-quarter counts of `year` computed by a `GROUP BY` over every hire of the
    /// year, bypassing the maintained aggregate the reports read: for checking that aggregate,
    /// and as the plain query in benchmarks.
    pub fn quarter_counts_by_scan(
        &self,
        year: ReportYear,
    ) -> Result<Vec<QuarterCounts>, RepoError> {
        self.0.quarter_counts(year, Source::Scan)
    }

    /// The departments' hires in `year` computed by a `GROUP BY` over every hire of the year,
    /// bypassing the maintained aggregate (see [`Self::quarter_counts_by_scan`]).
    pub fn department_counts_by_scan(
        &self,
        year: ReportYear,
    ) -> Result<Vec<DepartmentHires>, RepoError> {
        self.0.department_counts(year, Source::Scan)
    }
}

impl RejectLog for SqliteStore {
    fn record(&self, rejects: &[Rejection]) -> Result<u64, RepoError> {
        self.0.record_rejects(rejects)
    }

    fn list(&self, filter: &RejectFilter) -> Result<Vec<StoredRejection>, RepoError> {
        self.0.list_rejects(filter)
    }

    fn count(&self, table: Option<Table>) -> Result<u64, RepoError> {
        self.0.count_rejects(table)
    }
}

impl IdempotencyStore for SqliteStore {
    fn claim(&self, request: &KeyedRequest, times: &ClaimTimes) -> Result<Claim, RepoError> {
        self.0.claim_key(request, times)
    }

    fn release(&self, request: &KeyedRequest) -> Result<(), RepoError> {
        self.0.release_key(request)
    }
}

impl AuditLog for SqliteStore {
    fn append(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
        self.0.append_audit(entry)
    }

    fn list(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError> {
        self.0.list_audit(filter)
    }
}
