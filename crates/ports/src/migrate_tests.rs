use super::*;
use crate::test_support::{dept, keys, racing_repo, recording_repo, repos, with_ids, Written};
use crate::{MockKeyLookup, MockTableRepository};
use hiring_domain::Rejection;
use hiring_domain::{Department, HiredEmployee};
use std::sync::Mutex;

fn unused_repo<E: Record>() -> MockTableRepository<E> {
    MockTableRepository::<E>::new()
}

fn all_rows<E: Clone>(written: &Written<E>) -> Vec<E> {
    written
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(rows, _)| rows.clone())
        .collect()
}

fn all_rejects<E>(written: &Written<E>) -> Vec<Rejection> {
    written
        .lock()
        .unwrap()
        .iter()
        .flat_map(|(_, r)| r.clone())
        .collect()
}

fn load_departments(
    stored: Vec<Department>,
    input: &[u8],
    options: LoadOptions,
) -> (Result<TableSummary, LoadError>, Written<Department>) {
    let (repo, written) = recording_repo(stored);
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let mut migration = Migration::new(&repos, options);
    let result = migration.load(Table::Departments, input, "departments.csv", &());
    (result, written)
}

#[test]
fn loads_real_file_shape_crlf_bom_quotes_and_no_final_newline() {
    let input = "\u{feff}1,Product Management\r\n2,\"Sales, EMEA\"\r\n3,Research and Development";
    let (result, written) = load_departments(vec![], input.as_bytes(), LoadOptions::default());
    let summary = result.unwrap();
    assert_eq!(
        (
            summary.read,
            summary.inserted,
            summary.already_present,
            summary.rejected
        ),
        (3, 3, 0, 0)
    );
    assert_eq!(
        all_rows(&written),
        vec![
            dept(1, "Product Management"),
            dept(2, "Sales, EMEA"),
            dept(3, "Research and Development")
        ]
    );
}

#[test]
fn invalid_rows_are_logged_with_source_raw_and_every_reason() {
    let input = b"1,Sales\r\n0,\r\nabc,Legal\r\n4,Support,extra\r\n5,Ok\xff\r\n6,Training";
    let (result, written) = load_departments(vec![], input, LoadOptions::default());
    let summary = result.unwrap();
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (6, 2, 4)
    );
    let rejects = all_rejects(&written);
    let seen: Vec<(&str, &str, Vec<&str>)> = rejects
        .iter()
        .map(|r| {
            (
                r.source(),
                r.raw(),
                r.errors().iter().map(|e| e.field()).collect(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("departments.csv:2", "0,", vec!["id", "department"]),
            ("departments.csv:3", "abc,Legal", vec!["id"]),
            ("departments.csv:4", "4,Support,extra", vec!["record"]),
            ("departments.csv:5", "5,Ok\u{fffd}", vec!["department"]),
        ]
    );
    assert!(rejects[3].errors()[0].message().contains("UTF-8"));
    assert!(rejects.iter().all(|r| r.table() == Table::Departments));
}

#[test]
fn sources_name_the_physical_line_across_blank_lines_and_broken_quotes() {
    // Line 4 ends inside a quote: it is refused alone, and line 5 is a record of its own.
    let input = b"1,A\r\n\r\n0,bad\r\n2,\"two\r\nlines\"\r\n-1,bad\n\n-2,bad";
    let (result, written) = load_departments(vec![], input, LoadOptions::default());
    assert_eq!(result.unwrap().rejected, 5);
    let sources: Vec<String> = all_rejects(&written)
        .iter()
        .map(|r| r.source().to_owned())
        .collect();
    assert_eq!(
        sources,
        [
            "departments.csv:3",
            "departments.csv:4",
            "departments.csv:5",
            "departments.csv:6",
            "departments.csv:8"
        ]
    );
}

#[test]
fn a_header_line_is_skipped_and_said_but_a_near_header_is_a_rejected_row() {
    let input = "\u{feff} ID , Department\r\n1,Sales\r\n0,bad\r\nid,department\r\n";
    let (result, written) = load_departments(vec![], input.as_bytes(), LoadOptions::default());
    let summary = result.unwrap();
    assert!(summary.header_skipped);
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (3, 1, 2)
    );
    let sources: Vec<String> = all_rejects(&written)
        .iter()
        .map(|r| r.source().to_owned())
        .collect();
    // Only the first line may be the header: a later one is a row like any other.
    assert_eq!(sources, ["departments.csv:3", "departments.csv:4"]);

    let (result, written) = load_departments(vec![], b"id,dept\n1,Sales\n", LoadOptions::default());
    let summary = result.unwrap();
    assert!(!summary.header_skipped);
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (2, 1, 1)
    );
    assert_eq!(all_rejects(&written)[0].source(), "departments.csv:1");
}

#[test]
fn stored_rows_with_same_content_count_as_present_and_different_content_is_a_conflict() {
    let stored = vec![dept(1, "Sales"), dept(2, "Legal")];
    let (result, written) = load_departments(
        stored,
        b"1,Sales\r\n2,Marketing\r\n3,New",
        LoadOptions::default(),
    );
    let summary = result.unwrap();
    assert_eq!(
        (summary.inserted, summary.already_present, summary.rejected),
        (1, 1, 1)
    );
    assert_eq!(all_rows(&written), vec![dept(3, "New")]);
    let rejects = all_rejects(&written);
    assert_eq!(rejects[0].source(), "departments.csv:2");
    assert!(rejects[0]
        .reasons()
        .contains("already stored with different content (2,Legal)"));
}

#[test]
fn repeated_ids_within_the_input_are_present_or_conflicting() {
    let (result, written) = load_departments(
        vec![],
        b"1,Sales\r\n1,Sales\r\n1,Legal",
        LoadOptions::default(),
    );
    let summary = result.unwrap();
    assert_eq!(
        (summary.inserted, summary.already_present, summary.rejected),
        (1, 1, 1)
    );
    assert!(all_rejects(&written)[0]
        .reasons()
        .contains("appears earlier in this input (line 1)"));
}

#[test]
fn employees_with_missing_department_or_job_are_rejected_naming_each_key() {
    let (repo, written) = recording_repo::<HiredEmployee>(vec![]);
    let repos = repos(unused_repo(), unused_repo(), repo, keys());
    let input = "1,Ann,2021-01-01T00:00:00Z,1,1\r\n2,Bob,2021-02-01T00:00:00Z,9,1\r\n3,Cy,2021-03-01T00:00:00Z,9,8";
    let summary = Migration::new(&repos, LoadOptions::default())
        .load(
            Table::HiredEmployees,
            input.as_bytes(),
            "hired_employees.csv",
            &(),
        )
        .unwrap();
    assert_eq!((summary.inserted, summary.rejected), (1, 2));
    let rejects = all_rejects(&written);
    assert_eq!(
        rejects[0].reasons(),
        "department_id: departments 9 does not exist"
    );
    let fields: Vec<&str> = rejects[1].errors().iter().map(|e| e.field()).collect();
    assert_eq!(fields, ["department_id", "job_id"]);
}

#[test]
fn parent_keys_are_looked_up_once_per_batch_not_per_row() {
    let (repo, _written) = recording_repo::<HiredEmployee>(vec![]);
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids()
        .times(2)
        .returning(|_, ids| Ok(ids.to_vec()));
    let repos = repos(unused_repo(), unused_repo(), repo, keys);
    let input: String = (1..=50)
        .map(|i| {
            format!(
                "{i},Name {i},2021-01-01T00:00:00Z,{},{}\r\n",
                i % 3 + 1,
                i % 5 + 1
            )
        })
        .collect();
    let summary = Migration::new(&repos, LoadOptions::default())
        .load(Table::HiredEmployees, input.as_bytes(), "e.csv", &())
        .unwrap();
    assert_eq!(summary.inserted, 50);
}

#[test]
fn a_storage_failure_midway_surfaces_and_counts_only_committed_batches() {
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_find_by_ids().returning(|_| Ok(vec![]));
    let mut calls = 0;
    repo.expect_write_batch()
        .times(2)
        .returning(move |rows, _| {
            calls += 1;
            if calls == 1 {
                Ok(rows.len() as u64)
            } else {
                Err(RepoError::Unavailable("connection lost".into()))
            }
        });
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let options = LoadOptions {
        batch_size: 2,
        ..LoadOptions::default()
    };
    let err = Migration::new(&repos, options)
        .load(
            Table::Departments,
            &b"1,A\r\n2,B\r\n3,C\r\n4,D\r\n5,E"[..],
            "departments.csv",
            &(),
        )
        .unwrap_err();
    match err {
        LoadError::Storage { summary, error } => {
            assert_eq!(summary.inserted, 2);
            assert_eq!(summary.read, 2);
            assert_eq!(error, RepoError::Unavailable("connection lost".into()));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_conflicting_write_is_checked_again_and_retried() {
    let (repo, written) = racing_repo();
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let summary = Migration::new(&repos, LoadOptions::default())
        .load(Table::Departments, &b"1,Sales\r\n2,Legal"[..], "d.csv", &())
        .unwrap();
    assert_eq!((summary.inserted, summary.already_present), (1, 1));
    assert_eq!(all_rows(&written), vec![dept(2, "Legal")]);
}

#[test]
fn conflicts_that_persist_become_an_error_with_nothing_counted() {
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_find_by_ids().returning(|_| Ok(vec![]));
    repo.expect_write_batch()
        .times(WRITE_ATTEMPTS)
        .returning(|_, _| Err(RepoError::Conflict("duplicate key".into())));
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let err = Migration::new(&repos, LoadOptions::default())
        .load(Table::Departments, &b"1,Sales"[..], "d.csv", &())
        .unwrap_err();
    assert!(matches!(err, LoadError::Storage { ref summary, .. } if summary.inserted == 0));
}

#[test]
fn the_reject_limit_stops_right_after_the_reject_that_passes_it() {
    let input = b"1,A\r\n0,bad\r\n2,B\r\n-1,bad\r\n3,C\r\n-2,bad\r\n4,D";
    let options = LoadOptions {
        max_rejects: Some(1),
        ..LoadOptions::default()
    };
    let (result, written) = load_departments(vec![], input, options);
    let summary = result.unwrap();
    assert!(summary.stopped_early);
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (4, 2, 2)
    );
    assert_eq!(all_rows(&written), vec![dept(1, "A"), dept(2, "B")]);
    assert_eq!(all_rejects(&written).len(), 2);
}

#[test]
fn a_stopped_migration_loads_no_further_table() {
    let (repo, _) = recording_repo::<Department>(vec![]);
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let mut migration = Migration::new(
        &repos,
        LoadOptions {
            max_rejects: Some(0),
            ..LoadOptions::default()
        },
    );
    let first = migration
        .load(Table::Departments, &b"0,bad\r\n1,A"[..], "d.csv", &())
        .unwrap();
    assert!(first.stopped_early && migration.stopped());
    assert_eq!(first.inserted, 0);
    // The jobs repository has no expectations: any call would panic.
    let second = migration
        .load(Table::Jobs, &b"1,Clerk"[..], "jobs.csv", &())
        .unwrap();
    assert_eq!((second.read, second.stopped_early), (0, true));
}

#[test]
fn a_dry_run_writes_nothing_and_lets_children_see_parents_it_accepted() {
    let mut departments = MockTableRepository::<Department>::new();
    departments.expect_find_by_ids().returning(|_| Ok(vec![]));
    departments.expect_write_batch().never();
    let mut employees = MockTableRepository::<HiredEmployee>::new();
    employees.expect_find_by_ids().returning(|_| Ok(vec![]));
    employees.expect_write_batch().never();
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids().returning(|table, ids| {
        Ok(if table == Table::Jobs {
            ids.to_vec()
        } else {
            vec![]
        })
    });
    let repos = repos(departments, unused_repo(), employees, keys);
    let options = LoadOptions {
        dry_run: true,
        batch_size: 1,
        ..LoadOptions::default()
    };
    let mut migration = Migration::new(&repos, options);
    let d = migration
        .load(Table::Departments, &b"7,Sales\r\n7,Sales"[..], "d.csv", &())
        .unwrap();
    assert!(d.dry_run);
    assert_eq!(
        (d.inserted, d.rejected),
        (1, 1),
        "a repeated id across batches is flagged in a dry run"
    );
    let e = migration
        .load(
            Table::HiredEmployees,
            &b"1,Ann,2021-01-01T00:00:00Z,7,1\r\n2,Bob,2021-01-01T00:00:00Z,8,1"[..],
            "e.csv",
            &(),
        )
        .unwrap();
    assert_eq!((e.inserted, e.rejected), (1, 1));
}

#[test]
fn binary_input_is_refused_before_anything_is_read() {
    let (result, written) =
        load_departments(vec![], b"PK\x03\x04\x14\x00\x00", LoadOptions::default());
    assert!(matches!(result, Err(LoadError::NotCsv { ref reason, .. }) if reason.contains("ZIP")));
    let (result, _) = load_departments(
        vec![],
        &[b'1', 0, b',', 0].repeat(20),
        LoadOptions::default(),
    );
    let message = result.unwrap_err().to_string();
    assert!(
        message.contains("departments.csv is not a CSV text file"),
        "{message}"
    );
    assert!(written.lock().unwrap().is_empty());
}

#[test]
fn read_errors_surface_with_the_source_name() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let repos = repos(unused_repo(), unused_repo(), unused_repo(), keys());
    let err = Migration::new(&repos, LoadOptions::default())
        .load(Table::Departments, Failing, "departments.csv", &())
        .unwrap_err();
    assert_eq!(err.to_string(), "cannot read departments.csv: disk on fire");
}

#[test]
fn empty_input_and_blank_lines_load_nothing_and_fail_nothing() {
    let (result, written) = load_departments(vec![], b"", LoadOptions::default());
    assert_eq!(result.unwrap().read, 0);
    assert!(written.lock().unwrap().is_empty());
    let (result, _) = load_departments(vec![], b"1,A\r\n\r\n2,B\r\n", LoadOptions::default());
    let summary = result.unwrap();
    assert_eq!((summary.read, summary.inserted), (2, 2));
}

#[test]
fn long_raw_records_are_cut() {
    let long = format!("1,{}", "x".repeat(10_000));
    let (result, written) = load_departments(vec![], long.as_bytes(), LoadOptions::default());
    assert_eq!(result.unwrap().rejected, 1);
    let raw = all_rejects(&written)[0].raw().to_owned();
    assert!(raw.len() < 4200 && raw.ends_with("[truncated]"));
}

#[test]
fn progress_is_reported_per_batch() {
    struct Count(Mutex<Vec<(u64, u64)>>);
    impl Progress for Count {
        fn advance(&self, bytes: u64, rows: u64) {
            self.0.lock().unwrap().push((bytes, rows));
        }
    }
    let (repo, _) = recording_repo::<Department>(vec![]);
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let progress = Count(Mutex::default());
    let options = LoadOptions {
        batch_size: 2,
        ..LoadOptions::default()
    };
    Migration::new(&repos, options)
        .load(
            Table::Departments,
            &b"1,A\r\n2,B\r\n3,C"[..],
            "d.csv",
            &progress,
        )
        .unwrap();
    let seen = progress.0.into_inner().unwrap();
    assert_eq!(
        seen.iter().map(|&(_, rows)| rows).collect::<Vec<_>>(),
        [2, 3]
    );
    assert!(seen[0].0 < seen[1].0 && seen[1].0 == 13, "{seen:?}");
}

#[test]
fn summary_reports_rows_per_second() {
    let mut summary = TableSummary::new(Table::Jobs, "jobs.csv", false);
    assert_eq!(summary.rows_per_second(), 0.0);
    summary.read = 100;
    summary.elapsed = Duration::from_millis(500);
    assert_eq!(summary.rows_per_second(), 200.0);
}

/// A bulk load that knows `stored`, records its writes, and notes whether it was finished.
fn recording_bulk(
    stored: Vec<Department>,
    fail_write: bool,
) -> (
    crate::MockBulkLoad<Department>,
    Written<Department>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let written: Written<Department> = Default::default();
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = crate::MockBulkLoad::<Department>::new();
    load.expect_find_by_ids()
        .returning(move |ids| Ok(with_ids(&stored, ids)));
    let sink = written.clone();
    load.expect_write_batch().returning(move |rows, rejects| {
        if fail_write && !sink.lock().unwrap().is_empty() {
            return Err(RepoError::Other("disk full".into()));
        }
        sink.lock().unwrap().push((rows.to_vec(), rejects.to_vec()));
        Ok(rows.len() as u64)
    });
    let done = finished.clone();
    load.expect_finish().returning(move |_| {
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(0)
    });
    (load, written, finished)
}

fn bulk_options() -> LoadOptions {
    LoadOptions {
        bulk: true,
        batch_size: 2,
        ..LoadOptions::default()
    }
}

#[test]
fn bulk_load_writes_every_batch_through_the_load_and_finishes_it() {
    let (load, written, finished) = recording_bulk(vec![dept(2, "Sales")], false);
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_bulk_load()
        .times(1)
        .return_once(move || Ok(Some(Box::new(load))));
    repo.expect_write_batch().never();
    repo.expect_find_by_ids().never();
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let input = "1,Research\n2,Sales\n3,Legal\n4,\n5,Ops";
    let summary = Migration::new(&repos, bulk_options())
        .load(Table::Departments, input.as_bytes(), "d.csv", &())
        .unwrap();
    assert_eq!(
        (summary.inserted, summary.already_present, summary.rejected),
        (3, 1, 1)
    );
    assert_eq!(
        all_rows(&written),
        vec![dept(1, "Research"), dept(3, "Legal"), dept(5, "Ops")]
    );
    assert_eq!(all_rejects(&written)[0].source(), "d.csv:4");
    assert!(finished.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn bulk_load_declined_by_the_adapter_writes_batch_by_batch() {
    let (mut repo, written) = recording_repo(vec![]);
    repo.expect_bulk_load().times(1).returning(|| Ok(None));
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let summary = Migration::new(&repos, bulk_options())
        .load(
            Table::Departments,
            &b"1,Research\n2,Sales\n3,Legal"[..],
            "d.csv",
            &(),
        )
        .unwrap();
    assert_eq!(summary.inserted, 3);
    assert_eq!(
        written.lock().unwrap().len(),
        2,
        "two batches of at most two rows"
    );
}

#[test]
fn failed_bulk_load_reports_nothing_stored_and_is_not_finished() {
    let (load, _written, finished) = recording_bulk(vec![], true);
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_bulk_load()
        .return_once(move || Ok(Some(Box::new(load))));
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let mut migration = Migration::new(&repos, bulk_options());
    let err = migration
        .load(Table::Departments, &b"1,A\n,B\n3,C\n4,D"[..], "d.csv", &())
        .unwrap_err();
    let LoadError::Storage { summary, error } = err else {
        panic!("expected a storage error, got {err:?}");
    };
    assert_eq!(error, RepoError::Other("disk full".into()));
    assert_eq!((summary.inserted, summary.rejected), (0, 0));
    assert_eq!(
        migration.rejected(),
        0,
        "the rolled-back reject is not counted"
    );
    assert!(!finished.load(std::sync::atomic::Ordering::SeqCst));
}

#[test]
fn dry_run_never_starts_a_bulk_load() {
    let (mut repo, written) = recording_repo(vec![]);
    repo.expect_bulk_load().never();
    let repos = repos(repo, unused_repo(), unused_repo(), keys());
    let options = LoadOptions {
        dry_run: true,
        ..bulk_options()
    };
    let summary = Migration::new(&repos, options)
        .load(Table::Departments, &b"1,Research"[..], "d.csv", &())
        .unwrap();
    assert_eq!(summary.inserted, 1);
    assert!(written.lock().unwrap().is_empty());
}
