use super::*;
use crate::test_support::{keys, recording_repo, repos};
use crate::MockTableRepository;
use hiring_domain::{Department, Job, Table};
use std::sync::{Arc, Mutex};

fn source(table: Table, text: &'static str) -> Source<&'static [u8]> {
    Source::new(table, format!("{}.csv", table.name()), text.as_bytes())
}

/// A run log that hands out id 7 and keeps every ending it is told.
fn run_log(endings: &Arc<Mutex<Vec<(RunId, RunEnding)>>>) -> MockRunLog {
    let mut log = MockRunLog::new();
    log.expect_start().returning(|_| Ok(RunId::new(7)));
    let kept = endings.clone();
    log.expect_finish().returning(move |id, ending| {
        kept.lock().unwrap().push((id, ending.clone()));
        Ok(())
    });
    log
}

#[test]
fn a_run_tags_its_rejects_and_records_its_counts_and_outcome() {
    let (departments, written) = recording_repo::<Department>(vec![]);
    let (jobs, _) = recording_repo::<Job>(vec![]);
    let mut repos = repos(departments, jobs, MockTableRepository::new(), keys());
    let endings = Arc::default();
    repos.runs = Arc::new(run_log(&endings));
    let run = NewRun::new(RunKind::Migrate, "cli:ann", "csv_files");
    let sources = vec![
        source(Table::Departments, "1,Sales\n0,\n2,Legal\n"),
        source(Table::Jobs, "1,Clerk\n"),
    ];

    let report = load_as_run(&repos, LoadOptions::default(), &run, sources, &()).unwrap();

    assert_eq!(report.run, Some(RunId::new(7)));
    let rejects: Vec<_> = written
        .lock()
        .unwrap()
        .iter()
        .flat_map(|w| w.1.clone())
        .collect();
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].run(), Some(RunId::new(7)));
    let endings = endings.lock().unwrap();
    assert_eq!(endings.len(), 1);
    let (id, ending) = &endings[0];
    assert_eq!(*id, RunId::new(7));
    assert_eq!(ending.outcome, RunOutcome::Completed);
    assert_eq!(
        ending.counts,
        RunCounts {
            read: 4,
            inserted: 3,
            already_present: 0,
            rejected: 1
        }
    );
    assert!(ending.detail.is_empty());
}

#[test]
fn a_dry_run_is_not_recorded_as_a_run() {
    let (departments, _) = recording_repo::<Department>(vec![]);
    let repos = repos(
        departments,
        MockTableRepository::new(),
        MockTableRepository::new(),
        keys(),
    );
    // The run log mock expects nothing: a call would panic.
    let options = LoadOptions {
        dry_run: true,
        ..LoadOptions::default()
    };
    let run = NewRun::new(RunKind::Migrate, "cli:ann", "x");
    let sources = vec![source(Table::Departments, "1,Sales\n")];

    let report = load_as_run(&repos, options, &run, sources, &()).unwrap();

    assert_eq!(report.run, None);
    assert_eq!(report.summaries[0].inserted, 1);
}

#[test]
fn a_run_that_cannot_be_started_loads_nothing() {
    let mut repos = repos(
        MockTableRepository::new(),
        MockTableRepository::new(),
        MockTableRepository::new(),
        keys(),
    );
    let mut log = MockRunLog::new();
    log.expect_start()
        .returning(|_| Err(RepoError::Unavailable("down".into())));
    repos.runs = Arc::new(log);
    let run = NewRun::new(RunKind::Upload, "token", "x.csv");
    let sources = vec![source(Table::Departments, "1,Sales\n")];

    let result = load_as_run(&repos, LoadOptions::default(), &run, sources, &());

    assert!(matches!(result, Err(RepoError::Unavailable(_))));
}

#[test]
fn a_cancelled_run_is_recorded_as_interrupted_with_what_it_committed() {
    let (departments, written) = recording_repo::<Department>(vec![]);
    let mut repos = repos(
        departments,
        MockTableRepository::new(),
        MockTableRepository::new(),
        keys(),
    );
    let endings = Arc::default();
    repos.runs = Arc::new(run_log(&endings));
    let cancel = crate::Cancel::new();
    cancel.cancel();
    let options = LoadOptions {
        cancel,
        ..LoadOptions::default()
    };
    let run = NewRun::new(RunKind::Migrate, "cli:ann", "x");
    let sources = vec![source(Table::Departments, "1,Sales\n")];

    let report = load_as_run(&repos, options, &run, sources, &()).unwrap();

    assert!(
        matches!(
            report.end,
            RunEnd::Failed {
                error: LoadError::Cancelled { .. },
                ..
            }
        ),
        "{:?}",
        report.end
    );
    assert!(written.lock().unwrap().is_empty());
    let endings = endings.lock().unwrap();
    assert_eq!(endings[0].1.outcome, RunOutcome::Interrupted);
    assert!(
        endings[0].1.detail.contains("stopped on request"),
        "{}",
        endings[0].1.detail
    );
}

#[test]
fn kinds_and_outcomes_read_back_from_their_names() {
    for kind in RunKind::ALL {
        assert_eq!(kind.name().parse::<RunKind>().unwrap(), *kind);
    }
    for outcome in RunOutcome::ALL {
        assert_eq!(outcome.name().parse::<RunOutcome>().unwrap(), *outcome);
    }
    let error = "done".parse::<RunOutcome>().unwrap_err().to_string();
    assert!(error.contains("reject_limit"), "{error}");
}

#[test]
fn long_texts_are_cut() {
    let run = NewRun::new(RunKind::Migrate, "cli:ann", &"x".repeat(5000));
    assert_eq!(run.source.chars().count(), MAX_RUN_TEXT_CHARS);
}
