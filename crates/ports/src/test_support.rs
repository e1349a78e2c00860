//! Mocks and fixtures shared by the use-case tests.

use crate::{
    AnyRow, BackupError, MissingParents, MockBulkStorage, MockKeyLookup, MockRejectLog,
    MockTableRepository, ReplaceError, RepoError, Repositories, SetId, SetManifest,
};
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Rejection, Table};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Every `write_batch` call a mock saw: its rows and its rejects.
pub(crate) type Written<E> = Arc<Mutex<Vec<(Vec<E>, Vec<Rejection>)>>>;

/// A repository that stores nothing, knows `stored`, and records every write.
pub(crate) fn recording_repo<E: Record>(stored: Vec<E>) -> (MockTableRepository<E>, Written<E>) {
    let written: Written<E> = Arc::default();
    let mut repo = MockTableRepository::<E>::new();
    repo.expect_find_by_ids()
        .returning(move |ids| Ok(with_ids(&stored, ids)));
    let sink = written.clone();
    repo.expect_write_batch().returning(move |rows, rejects| {
        sink.lock().unwrap().push((rows.to_vec(), rejects.to_vec()));
        Ok(rows.len() as u64)
    });
    (repo, written)
}

/// The rows of `stored` whose id is one of `ids`, as a look-up finds them.
pub(crate) fn with_ids<E: Record>(stored: &[E], ids: &[Id]) -> Vec<E> {
    stored
        .iter()
        .filter(|r| ids.contains(&r.id()))
        .cloned()
        .collect()
}

/// A departments repository racing a concurrent writer: the first write conflicts, and the
/// second look-up sees that the other writer stored department 1 "Sales" meanwhile.
pub(crate) fn racing_repo() -> (MockTableRepository<Department>, Written<Department>) {
    let mut repo = MockTableRepository::<Department>::new();
    let mut lookups = 0;
    repo.expect_find_by_ids().times(2).returning(move |_| {
        lookups += 1;
        Ok(if lookups == 1 {
            vec![]
        } else {
            vec![dept(1, "Sales")]
        })
    });
    let mut writes = 0;
    let written: Written<Department> = Arc::default();
    let sink = written.clone();
    repo.expect_write_batch()
        .times(2)
        .returning(move |rows, rejects| {
            writes += 1;
            if writes == 1 {
                return Err(RepoError::Conflict("duplicate key".into()));
            }
            sink.lock().unwrap().push((rows.to_vec(), rejects.to_vec()));
            Ok(rows.len() as u64)
        });
    (repo, written)
}

/// Keys that exist: departments 1..=3, jobs 1..=5.
pub(crate) fn keys() -> MockKeyLookup {
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids().returning(|table, ids| {
        let max = match table {
            Table::Departments => 3,
            Table::Jobs => 5,
            Table::HiredEmployees => 0,
        };
        Ok(ids.iter().copied().filter(|id| id.get() <= max).collect())
    });
    keys
}

/// The bundle of ports around the given mocks; the reject log and reports are unused mocks.
pub(crate) fn repos(
    departments: MockTableRepository<Department>,
    jobs: MockTableRepository<Job>,
    employees: MockTableRepository<HiredEmployee>,
    keys: MockKeyLookup,
) -> Repositories {
    Repositories {
        departments: Arc::new(departments),
        jobs: Arc::new(jobs),
        hired_employees: Arc::new(employees),
        keys: Arc::new(keys),
        rejects: Arc::new(MockRejectLog::new()),
        reports: Arc::new(crate::MockReports::new()),
        idempotency: Arc::new(crate::idempotency::MockIdempotencyStore::new()),
        audit: Arc::new(crate::audit::MockAuditLog::new()),
        runs: Arc::new(crate::runs::MockRunLog::new()),
        bulk: Arc::new(MockBulkStorage::new()),
        description: "mock".into(),
    }
}

/// A valid department.
pub(crate) fn dept(id: i64, name: &str) -> Department {
    Department::from_fields(&[&id.to_string(), name]).unwrap()
}

/// Department `id`, named `Department {id}`, as a whole-table row.
pub(crate) fn dept_row(id: i64) -> AnyRow {
    Department::from_fields(&[&id.to_string(), &format!("Department {id}")])
        .unwrap()
        .into()
}

/// Job `id`, a clerk, as a whole-table row.
pub(crate) fn job_row(id: i64) -> AnyRow {
    Job::from_fields(&[&id.to_string(), "Clerk"])
        .unwrap()
        .into()
}

/// Hire `id` of `department` and `job`, as a whole-table row.
pub(crate) fn hire_row(id: i64, department: i64, job: i64) -> AnyRow {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        "Ann",
        "2021-01-01T00:00:00Z",
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
    .into()
}

/// The backup set id `text`.
pub(crate) fn set_id(text: &str) -> SetId {
    text.parse().unwrap()
}

/// The ids of `sets` as a store lists them (`broken{i}` for the `i`th, which cannot be read),
/// and each set by its id.
pub(crate) fn sets_by_id(
    sets: Vec<Result<SetManifest, BackupError>>,
) -> (Vec<SetId>, HashMap<SetId, Result<SetManifest, BackupError>>) {
    let ids: Vec<SetId> = sets
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Ok(m) => m.id.clone(),
            Err(_) => set_id(&format!("broken{i}")),
        })
        .collect();
    let by_id = ids.iter().cloned().zip(sets).collect();
    (ids, by_id)
}

/// The tables a [`replacing_storage`] committed, with their rows.
pub(crate) type Replaced = Arc<Mutex<Vec<(Table, Vec<AnyRow>)>>>;

/// Storage that drains the row source table by table, as the adapters do, and keeps the
/// result only if the whole call succeeds; with `missing`, it fails on those missing parents.
pub(crate) fn replacing_storage(
    missing: Option<Vec<MissingParents>>,
) -> (MockBulkStorage, Replaced) {
    let committed: Replaced = Arc::default();
    let log = committed.clone();
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().returning(move |tables, source| {
        let mut written = Vec::new();
        for table in tables {
            let mut rows = Vec::new();
            while let Some(row) = source.next_row(*table)? {
                rows.push(row);
            }
            written.push((*table, rows));
        }
        if let Some(missing) = missing.clone() {
            return Err(ReplaceError::MissingParents(missing));
        }
        let counts = written.iter().map(|(_, r)| r.len() as u64).collect();
        *log.lock().unwrap() = written;
        Ok(counts)
    });
    (storage, committed)
}
