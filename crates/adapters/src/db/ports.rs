//! Every storage port on [`DbStore`], each method delegating to the shared [`Store`] of the
//! backend.
//!
//! [`Store`]: super::store::Store

use super::audit_log::AuditOps;
use super::bulk::BulkLoadOps;
use super::db_store::DbStore;
use super::idempotency_keys::KeyOps;
use super::rejects::RejectOps;
use super::replace::BulkOps;
use super::reports::{ReportOps, Source};
use super::runs::RunOps;
use super::tables::TableOps;
use hiring_domain::{
    Department, DepartmentHires, HiredEmployee, Id, Job, Rejection, ReportYear, Table,
};
use hiring_ports::audit::{AuditEntry, AuditFilter, AuditLog, StoredAuditEntry};
use hiring_ports::idempotency::{Claim, ClaimTimes, Completion, IdempotencyStore, KeyedRequest};
use hiring_ports::reports::{QuarterCounts, Reports};
use hiring_ports::runs::{NewRun, RunEnding, RunFilter, RunLog, StoredRun};
use hiring_ports::{
    BulkLoad, BulkStorage, KeyLookup, RejectFilter, RejectLog, ReplaceError, RepoError, RowSink,
    RowSource, SnapshotSink, StoredRejection, TableRepository,
};

impl<D, E> TableRepository<E> for DbStore<D>
where
    D: RejectOps + KeyOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
    E: TableOps<D>,
{
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        self.store.find_by_ids(ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        self.store.write_batch(rows, rejects)
    }

    fn write_batch_completing(
        &self,
        rows: &[E],
        rejects: &[Rejection],
        completion: &Completion,
    ) -> Result<u64, RepoError> {
        self.store.write_batch_completing(rows, rejects, completion)
    }

    fn count(&self) -> Result<u64, RepoError> {
        self.store.count::<E>()
    }

    fn for_each(&self, sink: &mut dyn RowSink<E>) -> Result<u64, RepoError> {
        self.store.for_each(sink)
    }

    fn replace_all(&self, rows: &mut dyn Iterator<Item = E>) -> Result<u64, RepoError> {
        self.store.replace_all(rows)
    }

    fn bulk_load(&self) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        self.store.bulk_load::<E>()
    }
}

impl<D> KeyLookup for DbStore<D>
where
    D: RejectOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError> {
        self.store.existing_ids(table, ids)
    }
}

impl<D> BulkStorage for DbStore<D>
where
    D: BulkOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    fn pool_state(&self) -> Option<hiring_ports::PoolState> {
        let state = self.store.pool.state();
        Some(hiring_ports::PoolState {
            connections: state.connections,
            idle: state.idle_connections,
        })
    }

    fn snapshot(&self, tables: &[Table], sink: &mut dyn SnapshotSink) -> Result<u64, RepoError> {
        self.store.snapshot(tables, sink)
    }

    fn replace(
        &self,
        tables: &[Table],
        source: &mut dyn RowSource,
    ) -> Result<Vec<u64>, ReplaceError> {
        self.store.replace(tables, source)
    }
}

impl<D: ReportOps> Reports for DbStore<D> {
    fn quarter_counts(&self, year: ReportYear) -> Result<Vec<QuarterCounts>, RepoError> {
        self.store.quarter_counts(year, Source::Aggregate)
    }

    fn department_counts(&self, year: ReportYear) -> Result<Vec<DepartmentHires>, RepoError> {
        self.store.department_counts(year, Source::Aggregate)
    }
}

impl<D: RejectOps> RejectLog for DbStore<D> {
    fn record(&self, rejects: &[Rejection]) -> Result<u64, RepoError> {
        self.store.record_rejects(rejects)
    }

    fn list(&self, filter: &RejectFilter) -> Result<Vec<StoredRejection>, RepoError> {
        self.store.list_rejects(filter)
    }

    fn count(&self, filter: &RejectFilter) -> Result<u64, RepoError> {
        self.store.count_rejects(filter)
    }
}

impl<D: RejectOps + KeyOps> IdempotencyStore for DbStore<D> {
    fn claim(&self, request: &KeyedRequest, times: &ClaimTimes) -> Result<Claim, RepoError> {
        self.store.claim_key(request, times)
    }

    fn release(&self, request: &KeyedRequest) -> Result<(), RepoError> {
        self.store.release_key(request)
    }
}

impl<D: RunOps> RunLog for DbStore<D> {
    fn start(&self, run: &NewRun) -> Result<hiring_domain::RunId, RepoError> {
        self.store.start_run(run)
    }

    fn finish(&self, id: hiring_domain::RunId, ending: &RunEnding) -> Result<(), RepoError> {
        self.store.finish_run(id, ending)
    }

    fn list(&self, filter: &RunFilter) -> Result<Vec<StoredRun>, RepoError> {
        self.store.list_runs(filter, None)
    }

    fn get(&self, id: hiring_domain::RunId) -> Result<Option<StoredRun>, RepoError> {
        let only = RunFilter {
            before: None,
            limit: hiring_ports::PageLimit::DEFAULT,
        };
        Ok(self.store.list_runs(&only, Some(id))?.pop())
    }
}

impl<D: AuditOps> AuditLog for DbStore<D> {
    fn append(&self, entry: &AuditEntry) -> Result<i64, RepoError> {
        self.store.append_audit(entry)
    }

    fn list(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError> {
        self.store.list_audit(filter)
    }
}
