//! Whole-table storage: reading several tables from one consistent snapshot, and replacing the
//! contents of several tables in one transaction. Backups and restores are built on it.

use crate::RepoError;
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Table};
use std::fmt;

/// One row of any of the three tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyRow {
    /// A `departments` row.
    Department(Department),
    /// A `jobs` row.
    Job(Job),
    /// A `hired_employees` row.
    HiredEmployee(HiredEmployee),
}

impl AnyRow {
    /// The table the row belongs to.
    pub fn table(&self) -> Table {
        match self {
            AnyRow::Department(_) => Table::Departments,
            AnyRow::Job(_) => Table::Jobs,
            AnyRow::HiredEmployee(_) => Table::HiredEmployees,
        }
    }

    /// The row's primary key.
    pub fn id(&self) -> Id {
        match self {
            AnyRow::Department(row) => row.id(),
            AnyRow::Job(row) => row.id(),
            AnyRow::HiredEmployee(row) => row.id(),
        }
    }
}

impl From<Department> for AnyRow {
    fn from(row: Department) -> Self {
        AnyRow::Department(row)
    }
}

impl From<Job> for AnyRow {
    fn from(row: Job) -> Self {
        AnyRow::Job(row)
    }
}

impl From<HiredEmployee> for AnyRow {
    fn from(row: HiredEmployee) -> Self {
        AnyRow::HiredEmployee(row)
    }
}

/// Receives the rows of a snapshot, table by table.
pub trait SnapshotSink {
    /// A table starts; exactly `rows` rows of it follow.
    fn begin_table(&mut self, table: Table, rows: u64) -> Result<(), RepoError>;
    /// One row of the current table (tables stream in id order).
    fn row(&mut self, row: AnyRow) -> Result<(), RepoError>;
    /// Every row of the current table has been given.
    fn end_table(&mut self, table: Table) -> Result<(), RepoError>;
}

/// Gives the new rows of the tables a [`BulkStorage::replace`] call fills.
pub trait RowSource {
    /// The next row of `table`, or `None` when the table has no more. An error aborts the
    /// replacement: nothing is changed.
    fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError>;
}

/// Stored `hired_employees` rows that reference a parent row that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingParents {
    /// The table the missing rows belong in (`departments` or `jobs`).
    pub parent: Table,
    /// The referencing column (`department_id` or `job_id`).
    pub column: &'static str,
    /// The missing parent ids, smallest first, at most [`MissingParents::MAX_IDS`] of them.
    pub ids: Vec<Id>,
    /// How many distinct parent ids are missing in all.
    pub missing: u64,
    /// How many `hired_employees` rows reference them.
    pub rows: u64,
}

impl MissingParents {
    /// Most missing ids named in one report.
    pub const MAX_IDS: usize = 20;
}

impl fmt::Display for MissingParents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.ids.iter().map(ToString::to_string).collect();
        let more = if self.missing > self.ids.len() as u64 {
            format!(" and {} more", self.missing - self.ids.len() as u64)
        } else {
            String::new()
        };
        write!(
            f,
            "{} hired_employees rows reference {} that do not exist ({} {}{more})",
            self.rows,
            self.parent,
            self.column,
            ids.join(", ")
        )
    }
}

/// Why a [`BulkStorage::replace`] was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplaceError {
    /// The new contents would leave `hired_employees` rows pointing at missing parents.
    #[error("{}", describe_missing(.0))]
    MissingParents(Vec<MissingParents>),
    /// Storage failed, or the row source gave an error.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

fn describe_missing(missing: &[MissingParents]) -> String {
    missing
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The database connections of the storage's pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, idle or in use.
    pub connections: u32,
    /// Connections open and idle.
    pub idle: u32,
}

/// Whole-table reads and writes across tables.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait BulkStorage: Send + Sync {
    /// The connections of the storage's pool now; `None` when it keeps none.
    fn pool_state(&self) -> Option<PoolState> {
        None
    }

    /// Streams every row of `tables`, in the order given, each table in id order, from one
    /// consistent snapshot (one read transaction; repeatable read on PostgreSQL) without
    /// holding a table in memory. Rows inserted meanwhile by other writers are not seen.
    /// Returns the number of rows given to `sink`; an error of the sink stops the stream and
    /// is returned.
    fn snapshot(&self, tables: &[Table], sink: &mut dyn SnapshotSink) -> Result<u64, RepoError>;

    /// Replaces the contents of `tables` (listed parents first, as in [`Table::ALL`]) with the
    /// rows `source` gives, in one transaction. Foreign keys are checked once every table is
    /// written: rows of `hired_employees` (new or kept) pointing at missing departments or jobs
    /// refuse the whole call with [`ReplaceError::MissingParents`]. On any error nothing is
    /// changed. Returns the rows stored per table, in the order of `tables`.
    fn replace(
        &self,
        tables: &[Table],
        source: &mut dyn RowSource,
    ) -> Result<Vec<u64>, ReplaceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_row_knows_its_table_and_id() {
        let d = Department::from_fields(&["3", "Sales"]).unwrap();
        let row = AnyRow::from(d);
        assert_eq!((row.table(), row.id().get()), (Table::Departments, 3));
        let j = AnyRow::from(Job::from_fields(&["4", "Clerk"]).unwrap());
        assert_eq!(j.table(), Table::Jobs);
        let h = HiredEmployee::from_fields(&["5", "Ann", "2021-01-01T00:00:00Z", "1", "2"]);
        assert_eq!(AnyRow::from(h.unwrap()).table(), Table::HiredEmployees);
    }

    #[test]
    fn missing_parents_name_the_ids() {
        let missing = MissingParents {
            parent: Table::Departments,
            column: "department_id",
            ids: vec![Id::new(4).unwrap(), Id::new(9).unwrap()],
            missing: 5,
            rows: 12,
        };
        assert_eq!(
            ReplaceError::MissingParents(vec![missing]).to_string(),
            "12 hired_employees rows reference departments that do not exist \
             (department_id 4, 9 and 3 more)"
        );
    }
}
