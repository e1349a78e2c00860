//! Mocks shared by the use-case tests.

use crate::{MockKeyLookup, MockRejectLog, MockTableRepository, RepoError, Repositories};
use hiring_domain::{Department, HiredEmployee, Job, Record, Rejection, Table};
use std::sync::{Arc, Mutex};

/// Every `write_batch` call a mock saw: its rows and its rejects.
pub(crate) type Written<E> = Arc<Mutex<Vec<(Vec<E>, Vec<Rejection>)>>>;

/// A repository that stores nothing, knows `stored`, and records every write.
pub(crate) fn recording_repo<E: Record>(stored: Vec<E>) -> (MockTableRepository<E>, Written<E>) {
    let written: Written<E> = Arc::default();
    let mut repo = MockTableRepository::<E>::new();
    repo.expect_find_by_ids().returning(move |ids| {
        Ok(stored
            .iter()
            .filter(|r| ids.contains(&r.id()))
            .cloned()
            .collect())
    });
    let sink = written.clone();
    repo.expect_write_batch().returning(move |rows, rejects| {
        sink.lock().unwrap().push((rows.to_vec(), rejects.to_vec()));
        Ok(rows.len() as u64)
    });
    (repo, written)
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
        bulk: Arc::new(crate::MockBulkStorage::new()),
        description: "mock".into(),
    }
}

/// A valid department.
pub(crate) fn dept(id: i64, name: &str) -> Department {
    Department::from_fields(&[&id.to_string(), name]).unwrap()
}
