use crate::RepoError;
use hiring_domain::{FieldError, Id, Record, Rejection, RunId, Table};
use serde::Serialize;

/// Receives rows streamed out of a table. Any `FnMut(E) -> Result<(), RepoError>` closure is one.
pub trait RowSink<E> {
    /// Takes one row; an error stops the stream and is returned by the streaming call.
    fn accept(&mut self, row: E) -> Result<(), RepoError>;
}

impl<E, F: FnMut(E) -> Result<(), RepoError>> RowSink<E> for F {
    fn accept(&mut self, row: E) -> Result<(), RepoError> {
        self(row)
    }
}

/// Storage of one table's rows.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait TableRepository<E: Record>: Send + Sync {
    /// The stored rows whose ids are in `ids` (any order; unknown ids are skipped).
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError>;

    /// Inserts `rows` (none of which may exist yet) and records `rejects`, all in one
    /// transaction: either everything is stored or nothing is. A reject already recorded for the
    /// same table, source and raw record is not recorded twice. Returns the rows inserted.
    ///
    /// Fails with [`RepoError::Conflict`] when a row's id is already stored or a foreign key is
    /// missing (a concurrent writer got there first); nothing is written then.
    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError>;

    /// Like [`TableRepository::write_batch`], and in the same transaction completes the claim
    /// of `completion.request` with its outcome (see [`crate::idempotency`]): the rows, the
    /// rejects and the outcome are stored together or not at all. Fails with
    /// [`RepoError::Conflict`] when the claim is no longer the request's (completed, or taken
    /// over); nothing is written then.
    fn write_batch_completing(
        &self,
        rows: &[E],
        rejects: &[Rejection],
        completion: &crate::idempotency::Completion,
    ) -> Result<u64, RepoError>;

    /// Number of stored rows.
    fn count(&self) -> Result<u64, RepoError>;

    /// Calls `visit` with every stored row in id order, from one consistent snapshot, without
    /// holding the table in memory. Returns the number of rows visited.
    fn for_each(&self, sink: &mut dyn RowSink<E>) -> Result<u64, RepoError>;

    /// Replaces the table's contents with `rows` in one transaction. On any error the table is
    /// left as it was. Returns the number of rows stored.
    fn replace_all(&self, rows: &mut dyn Iterator<Item = E>) -> Result<u64, RepoError>;

    /// Starts a bulk load of this table: one transaction, holding the table's write lock, that
    /// the adapter may speed up by setting secondary indexes and foreign-key checks aside while
    /// it lasts and restoring them set-wise in [`BulkLoad::finish`]. `None` when the adapter has
    /// no faster path for the table as it stands (for instance, it already holds many rows);
    /// the caller then writes batch by batch with [`TableRepository::write_batch`].
    fn bulk_load(&self) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError>;
}

/// One bulk load in progress (see [`TableRepository::bulk_load`]). Everything written through
/// it becomes visible, constraints and indexes in place, only when [`BulkLoad::finish`]
/// succeeds; dropped without finishing, or after any error, nothing of it is stored and the
/// table keeps its constraints and indexes.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait BulkLoad<E: Record>: Send {
    /// Like [`TableRepository::find_by_ids`], seeing the rows this load wrote so far.
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError>;

    /// Like [`TableRepository::write_batch`], inside the load's transaction.
    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError>;

    /// Restores and checks what was set aside (foreign keys, indexes) and commits, telling
    /// `stage` as each stage begins ([`LoadStage::Write`] for last writes, then
    /// [`LoadStage::IndexBuild`], [`LoadStage::KeyCheck`], [`LoadStage::Commit`]; stages with
    /// nothing to do may be skipped), on the caller's thread. Returns the rows the load
    /// inserted.
    fn finish(self: Box<Self>, stage: &dyn crate::StageListener) -> Result<u64, RepoError>;
}

/// Set-wise existence checks, used for foreign keys.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait KeyLookup: Send + Sync {
    /// Which of `ids` are stored in `table`.
    fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError>;
}

/// Which rejected rows to list or count. `Default` is every reject, newest first, a page of
/// [`crate::PageLimit::DEFAULT`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RejectFilter {
    /// Only rows meant for this table.
    pub table: Option<Table>,
    /// Only rows the run last met (see [`crate::runs`]).
    pub run: Option<RunId>,
    /// Only rows refused for this field (`datetime`, `record`), exactly.
    pub field: Option<String>,
    /// Only rows one of whose reasons contains this text, in any case.
    pub reason: Option<String>,
    /// Only rows whose source starts with this text (`hired_employees.csv`, `api `).
    pub source: Option<String>,
    /// Only rows older than the one with this id: the cursor of the next page.
    pub before: Option<i64>,
    /// At most this many, newest first.
    pub limit: crate::PageLimit,
}

/// A rejected row as kept in the reject log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredRejection {
    /// Position in the log (the cursor: later rows have larger ids).
    pub id: i64,
    /// The table the row was meant for.
    pub table: Table,
    /// Where the row came from (`hired_employees.csv:67`, `api <request> row 3`).
    pub source: String,
    /// The record as received.
    pub raw: String,
    /// Every reason it was refused.
    pub errors: Vec<FieldError>,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// The run that last met it, when one did.
    pub run: Option<RunId>,
}

/// The log of rows that were refused.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait RejectLog: Send + Sync {
    /// Records `rejects`, skipping any already recorded (same table, source and raw record);
    /// one already recorded that comes again in a run is taken over by that run. Returns how
    /// many were new or taken over.
    fn record(&self, rejects: &[Rejection]) -> Result<u64, RepoError>;

    /// The newest recorded rejects matching `filter`, newest first.
    fn list(&self, filter: &RejectFilter) -> Result<Vec<StoredRejection>, RepoError>;

    /// How many recorded rejects match `filter` (its cursor and limit aside).
    fn count(&self, filter: &RejectFilter) -> Result<u64, RepoError>;
}

/// Every port of the storage, wired once per binary and shared by the use cases.
#[derive(Clone)]
pub struct Repositories {
    /// The `departments` table.
    pub departments: std::sync::Arc<dyn TableRepository<hiring_domain::Department>>,
    /// The `jobs` table.
    pub jobs: std::sync::Arc<dyn TableRepository<hiring_domain::Job>>,
    /// The `hired_employees` table.
    pub hired_employees: std::sync::Arc<dyn TableRepository<hiring_domain::HiredEmployee>>,
    /// Foreign-key lookups over every table.
    pub keys: std::sync::Arc<dyn KeyLookup>,
    /// The reject log.
    pub rejects: std::sync::Arc<dyn RejectLog>,
    /// Grouped counts of hires for the reports.
    pub reports: std::sync::Arc<dyn crate::reports::Reports>,
    /// The idempotency keys of keyed writes.
    pub idempotency: std::sync::Arc<dyn crate::idempotency::IdempotencyStore>,
    /// The audit log.
    pub audit: std::sync::Arc<dyn crate::audit::AuditLog>,
    /// The history of runs (loads of CSV files).
    pub runs: std::sync::Arc<dyn crate::runs::RunLog>,
    /// Whole tables: consistent snapshots for backups, multi-table replacement for restores.
    pub bulk: std::sync::Arc<dyn crate::bulk::BulkStorage>,
    /// A human description of the storage (`sqlite data/hiring.db`), without secrets.
    pub description: String,
}

impl Repositories {
    /// How many rows each table holds now, parents first (in [`Table::ALL`] order).
    pub fn table_rows(&self) -> Result<Vec<(Table, u64)>, RepoError> {
        Table::ALL
            .into_iter()
            .map(|table| {
                let rows = match table {
                    Table::Departments => self.departments.count()?,
                    Table::Jobs => self.jobs.count()?,
                    Table::HiredEmployees => self.hired_employees.count()?,
                };
                Ok((table, rows))
            })
            .collect()
    }
}

impl std::fmt::Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repositories")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}
