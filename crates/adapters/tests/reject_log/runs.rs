//! Runs through [`hiring_ports::runs::RunLog`], and the reject log's filters and cursor.

use crate::support::TestDb;
use crate::{open_db, reject};
use hiring_domain::{Rejection, RowErrors, RunId, Table};
use hiring_ports::runs::{NewRun, RunCounts, RunEnding, RunFilter, RunKind, RunOutcome};
use hiring_ports::{PageLimit, RejectFilter};
use std::time::Duration;

fn ending(outcome: RunOutcome, rejected: u64) -> RunEnding {
    RunEnding {
        outcome,
        counts: RunCounts {
            read: 10,
            inserted: 8,
            already_present: 2 - rejected.min(2),
            rejected,
        },
        duration: Duration::from_millis(1500),
        detail: String::new(),
    }
}

fn runs_are_started_finished_and_listed_newest_first(db: &TestDb) {
    let repos = open_db(db);
    let first = repos
        .runs
        .start(&NewRun::new(RunKind::Migrate, "cli:ann", "csv_files"))
        .unwrap();
    let second = repos
        .runs
        .start(&NewRun::new(RunKind::Upload, "loader", "jobs.csv"))
        .unwrap();
    assert!(second > first);
    repos
        .runs
        .finish(first, &ending(RunOutcome::Completed, 2))
        .unwrap();

    let listed = repos
        .runs
        .list(&RunFilter {
            before: None,
            limit: PageLimit::DEFAULT,
        })
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, second);
    assert_eq!(listed[0].outcome, RunOutcome::Running);
    assert_eq!(listed[0].finished_at, None);
    assert_eq!(listed[0].seconds, None);
    assert_eq!(listed[0].kind, RunKind::Upload);
    let done = &listed[1];
    assert_eq!(done.outcome, RunOutcome::Completed);
    assert_eq!(done.counts.rejected, 2);
    assert_eq!(done.counts.read, 10);
    assert_eq!(done.seconds, Some(1.5));
    assert_eq!(done.source, "csv_files");
    assert_eq!(done.actor, "cli:ann");
    let (started, finished) = (&done.started_at, done.finished_at.as_ref().unwrap());
    assert!(
        started.ends_with('Z') && finished.ends_with('Z'),
        "{started} {finished}"
    );
    assert!(finished >= started, "{started} {finished}");

    let older = repos
        .runs
        .list(&RunFilter {
            before: Some(second),
            limit: PageLimit::DEFAULT,
        })
        .unwrap();
    assert_eq!(older.iter().map(|r| r.id).collect::<Vec<_>>(), [first]);
    assert_eq!(repos.runs.get(first).unwrap().unwrap().id, first);
    assert_eq!(repos.runs.get(RunId::new(9999)).unwrap(), None);
    let unknown = repos
        .runs
        .finish(RunId::new(9999), &ending(RunOutcome::Failed, 0));
    assert!(unknown.is_err());
}

fn a_rerun_takes_over_the_rejects_it_meets_again(db: &TestDb) {
    let repos = open_db(db);
    let start = || {
        repos
            .runs
            .start(&NewRun::new(RunKind::Migrate, "cli:ann", "csv_files"))
            .unwrap()
    };
    let (first, second) = (start(), start());
    let a = reject(Table::Jobs, "jobs.csv:2", "0,Clerk");
    let b = reject(Table::Jobs, "jobs.csv:3", "x,Clerk");
    repos
        .jobs
        .write_batch(
            &[],
            &[a.clone().in_run(Some(first)), b.clone().in_run(Some(first))],
        )
        .unwrap();
    // Only `b` comes again in the second run, and one new reject.
    let c = reject(Table::Jobs, "jobs.csv:4", "y,Clerk");
    let again = [b.in_run(Some(second)), c.in_run(Some(second))];
    assert_eq!(repos.rejects.record(&again).unwrap(), 2);
    // Met again by the same run: nothing changes.
    assert_eq!(repos.rejects.record(&again).unwrap(), 0);

    let of_run = |run| {
        let filter = RejectFilter {
            run: Some(run),
            ..RejectFilter::default()
        };
        let raws: Vec<String> = repos
            .rejects
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.raw)
            .collect();
        (raws, repos.rejects.count(&filter).unwrap())
    };
    assert_eq!(of_run(first), (vec!["0,Clerk".to_owned()], 1));
    assert_eq!(
        of_run(second),
        (vec!["y,Clerk".to_owned(), "x,Clerk".to_owned()], 2)
    );
    let listed = repos.rejects.list(&RejectFilter::default()).unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|r| r.run.is_some()));
}

fn rejects_are_filtered_and_paged_by_cursor(db: &TestDb) {
    let repos = open_db(db);
    let with = |source: &str, raw: &str, field: &str, message: &str| {
        Rejection::new(
            Table::HiredEmployees,
            source,
            raw,
            RowErrors::single(field, message),
        )
    };
    let recorded = [
        with(
            "a.csv:1",
            "r1",
            "datetime",
            "must be an ISO-8601 UTC timestamp",
        ),
        with("a.csv:2", "r2", "name", "must not be empty"),
        with("b.csv:1", "r3", "department_id", "No department 9"),
        with("api 100% row 0", "r4", "name", "must not be EMPTY"),
        with("a_csv:9", "r5", "datetime", "50% wrong"),
    ];
    repos.rejects.record(&recorded).unwrap();
    let raws = |filter: RejectFilter| -> Vec<String> {
        let listed: Vec<String> = repos
            .rejects
            .list(&filter)
            .unwrap()
            .into_iter()
            .map(|r| r.raw)
            .collect();
        assert_eq!(
            repos.rejects.count(&filter).unwrap(),
            listed.len() as u64,
            "{filter:?}"
        );
        listed
    };
    let field = |f: &str| RejectFilter {
        field: Some(f.to_owned()),
        ..RejectFilter::default()
    };
    assert_eq!(raws(field("name")), ["r4", "r2"]);
    assert_eq!(raws(field("datetime")), ["r5", "r1"]);
    // A field is matched whole.
    assert!(raws(field("department")).is_empty());
    let reason = |r: &str| RejectFilter {
        reason: Some(r.to_owned()),
        ..RejectFilter::default()
    };
    // In any case, and `%` and `_` are plain characters.
    assert_eq!(raws(reason("Must Not Be empty")), ["r4", "r2"]);
    assert_eq!(raws(reason("department 9")), ["r3"]);
    assert_eq!(raws(reason("50%")), ["r5"]);
    assert!(raws(reason("5_%")).is_empty());
    let source = |s: &str| RejectFilter {
        source: Some(s.to_owned()),
        ..RejectFilter::default()
    };
    assert_eq!(raws(source("a.csv")), ["r2", "r1"]);
    assert_eq!(raws(source("api 100%")), ["r4"]);
    let both = RejectFilter {
        source: Some("a".to_owned()),
        field: Some("datetime".to_owned()),
        ..RejectFilter::default()
    };
    assert_eq!(raws(both), ["r5", "r1"]);

    // Pages of two, each starting below the last id of the one before.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = repos
            .rejects
            .list(&RejectFilter {
                before,
                limit: PageLimit::new(2).unwrap(),
                ..RejectFilter::default()
            })
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|r| r.id);
        pages.push(page.into_iter().map(|r| r.raw).collect::<Vec<_>>());
    }
    assert_eq!(pages, [vec!["r5", "r4"], vec!["r3", "r2"], vec!["r1"]]);
}

on_every_backend!(
    runs_are_started_finished_and_listed_newest_first,
    a_rerun_takes_over_the_rejects_it_meets_again,
    rejects_are_filtered_and_paged_by_cursor
);
