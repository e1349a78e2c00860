use super::*;
use crate::migrate::LoadOptions;
use crate::test_support::{keys, repos};
use crate::{MockTableRepository, RepoError};
use hiring_domain::Record;
use std::sync::{Arc, Mutex};

/// The tables in the order their rows were written.
type Order = Arc<Mutex<Vec<Table>>>;

/// A repository of an empty table that writes every batch, noting its table in `order`.
fn ordered_repo<E: Record>(order: &Order) -> MockTableRepository<E> {
    let mut repo = MockTableRepository::<E>::new();
    repo.expect_find_by_ids().returning(|_| Ok(vec![]));
    let order = order.clone();
    repo.expect_write_batch().returning(move |rows, rejects| {
        order.lock().unwrap().push(E::TABLE);
        let _ = rejects;
        Ok(rows.len() as u64)
    });
    repo
}

/// A repository that must not be touched: any call fails the test.
fn untouched<E: Record>() -> MockTableRepository<E> {
    MockTableRepository::<E>::new()
}

/// The hooks' view of a run: the sources started, then each table finished and whether it
/// succeeded.
#[derive(Default)]
struct Seen {
    started: Mutex<Vec<String>>,
    finished: Mutex<Vec<(Table, bool)>>,
}

impl<R> RunHooks<R> for Seen {
    fn started(&self, source: &Source<R>) -> Box<dyn Progress + '_> {
        self.started.lock().unwrap().push(source.name.clone());
        Box::new(())
    }

    fn finished(&self, table: Table, loaded: &Result<TableSummary, LoadError>, _: Instant) {
        self.finished.lock().unwrap().push((table, loaded.is_ok()));
    }
}

fn source(table: Table, text: &'static str) -> Source<&'static [u8]> {
    Source::new(table, table.file_name(), text.as_bytes())
}

const DEPARTMENTS: &str = "1,Sales\n2,Legal\n";
const JOBS: &str = "1,Engineer\n";
const EMPLOYEES: &str = "1,Ana,2021-07-27T16:02:08Z,1,1\n2,Bo,2021-03-01T09:00:00Z,2,1\n";

#[test]
fn sources_are_loaded_parents_first_whatever_their_order() {
    let order = Order::default();
    let repos = repos(
        ordered_repo(&order),
        ordered_repo(&order),
        ordered_repo(&order),
        keys(),
    );
    let sources = vec![
        source(Table::HiredEmployees, EMPLOYEES),
        source(Table::Jobs, JOBS),
        source(Table::Departments, DEPARTMENTS),
    ];
    let seen = Seen::default();
    let report = Migration::new(&repos, LoadOptions::default()).load_all(sources, &seen);

    let parents_first = vec![Table::Departments, Table::Jobs, Table::HiredEmployees];
    assert!(matches!(report.end, RunEnd::Completed), "{:?}", report.end);
    assert_eq!(*order.lock().unwrap(), parents_first);
    let tables: Vec<Table> = report.summaries.iter().map(|s| s.table).collect();
    assert_eq!(tables, parents_first);
    let inserted: Vec<u64> = report.summaries.iter().map(|s| s.inserted).collect();
    assert_eq!(inserted, [2, 1, 2]);
    assert_eq!(
        *seen.started.lock().unwrap(),
        ["departments.csv", "jobs.csv", "hired_employees.csv"]
    );
    let finished: Vec<(Table, bool)> = parents_first.iter().map(|t| (*t, true)).collect();
    assert_eq!(*seen.finished.lock().unwrap(), finished);
    assert_eq!(report.rejected, 0);
}

#[test]
fn a_source_that_fails_ends_the_run_and_later_sources_are_not_read() {
    let order = Order::default();
    let repos = repos(ordered_repo(&order), untouched(), untouched(), keys());
    let sources = vec![
        source(Table::HiredEmployees, EMPLOYEES),
        source(Table::Jobs, "PK\u{3}\u{4} a workbook"),
        source(Table::Departments, DEPARTMENTS),
    ];
    let seen = Seen::default();
    let report = Migration::new(&repos, LoadOptions::default()).load_all(sources, &seen);

    match &report.end {
        RunEnd::Failed {
            table: Table::Jobs,
            error: LoadError::NotCsv { source_name, .. },
        } => assert_eq!(source_name, "jobs.csv"),
        other => panic!("expected the jobs file to fail, got {other:?}"),
    }
    assert_eq!(report.summaries.len(), 1);
    assert_eq!(report.summaries[0].table, Table::Departments);
    assert_eq!(*order.lock().unwrap(), [Table::Departments]);
    assert_eq!(
        *seen.finished.lock().unwrap(),
        [(Table::Departments, true), (Table::Jobs, false)]
    );
    assert_eq!(seen.started.lock().unwrap().len(), 2);
}

#[test]
fn a_storage_failure_ends_the_run_with_what_the_failed_source_committed() {
    let mut departments = MockTableRepository::new();
    departments.expect_find_by_ids().returning(|_| Ok(vec![]));
    departments
        .expect_write_batch()
        .returning(|_, _| Err(RepoError::Unavailable("database is down".into())));
    let repos = repos(departments, untouched(), untouched(), keys());
    let sources = vec![
        source(Table::HiredEmployees, EMPLOYEES),
        source(Table::Departments, DEPARTMENTS),
    ];
    let report = Migration::new(&repos, LoadOptions::default()).load_all(sources, &());

    match &report.end {
        RunEnd::Failed {
            table: Table::Departments,
            error: LoadError::Storage { summary, error },
        } => {
            assert_eq!((summary.inserted, summary.rejected), (0, 0));
            assert_eq!(*error, RepoError::Unavailable("database is down".into()));
        }
        other => panic!("expected a storage failure of departments, got {other:?}"),
    }
    assert!(report.summaries.is_empty());
}

#[test]
fn the_run_stops_once_the_reject_limit_is_passed() {
    let order = Order::default();
    let repos = repos(ordered_repo(&order), untouched(), untouched(), keys());
    let sources = vec![
        source(Table::Jobs, JOBS),
        source(Table::HiredEmployees, EMPLOYEES),
        source(Table::Departments, "0,\nabc,Legal\n3,Ok\n4,Support\n"),
    ];
    let seen = Seen::default();
    let options = LoadOptions {
        max_rejects: Some(1),
        ..LoadOptions::default()
    };
    let report = Migration::new(&repos, options).load_all(sources, &seen);

    assert!(
        matches!(report.end, RunEnd::RejectLimit),
        "{:?}",
        report.end
    );
    assert_eq!(report.summaries.len(), 1);
    assert!(report.summaries[0].stopped_early);
    assert_eq!(report.rejected, 2);
    assert_eq!(*seen.finished.lock().unwrap(), [(Table::Departments, true)]);
}

#[test]
fn a_run_within_the_reject_limit_completes() {
    let order = Order::default();
    let repos = repos(
        ordered_repo(&order),
        ordered_repo(&order),
        untouched(),
        keys(),
    );
    let sources = vec![
        source(Table::Jobs, "1,Engineer\n0,\n"),
        source(Table::Departments, "0,\n1,Sales\n"),
    ];
    let options = LoadOptions {
        max_rejects: Some(2),
        ..LoadOptions::default()
    };
    let report = Migration::new(&repos, options).load_all(sources, &());

    assert!(matches!(report.end, RunEnd::Completed), "{:?}", report.end);
    assert_eq!(report.rejected, 2);
    assert_eq!(*order.lock().unwrap(), [Table::Departments, Table::Jobs]);
}
