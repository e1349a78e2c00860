//! End-to-end tests of `hiring migrate`'s bulk path (the default) next to `--no-bulk`: the same
//! rows and rejects, a killed load that leaves nothing behind, and two migrations at once.

use super::{config_file, counts, generated, hiring, migrate_json, stdout_json};
use crate::support::{Engine, TestDb};
use hiring_domain::Record;
use hiring_ports::Repositories;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A second, empty database on the engine of `db`.
fn another(db: &TestDb) -> TestDb {
    match db.engine {
        Engine::Sqlite => TestDb::sqlite(),
        Engine::Postgres => TestDb::postgres().expect("the server of the first database"),
    }
}

/// Every stored row of every table, as CSV fields.
fn stored(db: &str) -> Vec<Vec<String>> {
    fn rows<E: Record>(repo: &dyn hiring_ports::TableRepository<E>, out: &mut Vec<Vec<String>>) {
        repo.for_each(&mut |row: E| {
            out.push(row.to_fields());
            Ok(())
        })
        .unwrap();
    }
    let repos: Repositories = hiring_adapters::open(db).unwrap();
    let mut out = Vec::new();
    rows(&*repos.departments, &mut out);
    rows(&*repos.jobs, &mut out);
    rows(&*repos.hired_employees, &mut out);
    out
}

/// Every recorded reject: table, source, raw record and reasons.
fn rejects(db: &str) -> BTreeSet<String> {
    let listed = stdout_json(&hiring(
        db,
        &["rejects", "--format", "json", "--limit", "1000000"],
    ));
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["table"], r["source"], r["raw"], r["errors"]
            )
        })
        .collect()
}

/// The summary without timings.
fn tallies(summary: &Value) -> Vec<(u64, u64, u64, u64)> {
    ["departments", "jobs", "hired_employees"]
        .into_iter()
        .map(|table| counts(summary, table))
        .collect()
}

fn bulk_and_no_bulk_store_the_same_rows_and_rejects(db: &TestDb) {
    let plain = another(db);
    let (dir, report) = generated(5_000, 17);
    assert!(report.invalid_employees > 0);
    for run in ["first", "rerun"] {
        let bulk = migrate_json(&db.url, dir.path(), &[]);
        let no_bulk = migrate_json(&plain.url, dir.path(), &["--no-bulk"]);
        assert_eq!(tallies(&bulk), tallies(&no_bulk), "{run}");
    }
    let rows = stored(&db.url);
    assert_eq!(
        rows.len() as u64,
        12 + 183 + 5_000 - report.invalid_employees
    );
    assert_eq!(rows, stored(&plain.url));
    let logged = rejects(&db.url);
    assert_eq!(logged.len() as u64, report.invalid_employees);
    assert_eq!(logged, rejects(&plain.url));
}

on_every_backend!(bulk_and_no_bulk_store_the_same_rows_and_rejects);

/// `hiring migrate --dir DIR` on `db` as a child process, quiet.
fn spawn_migrate(db: &str, dir: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args([
            "migrate",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ])
        .args(extra)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Whether a session holds the `ACCESS EXCLUSIVE` lock of a bulk load on `hired_employees`.
fn hires_locked(db: &TestDb) -> bool {
    db.integer(
        "(SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND granted \
         AND mode = 'AccessExclusiveLock' AND relation = 'hired_employees'::regclass)",
    ) > 0
}

/// A bulk load killed midway (foreign keys and indexes dropped, rows copied, nothing committed)
/// leaves the table as it was, constraints and indexes in place; a rerun completes the load.
#[test]
fn a_killed_bulk_load_on_postgresql_leaves_the_schema_and_no_hires() {
    let Some(db) = TestDb::postgres() else { return };
    drop(hiring_adapters::open(&db.url).unwrap());
    let schema = db.pg_schema();
    let (dir, report) = generated(150_000, 23);
    let mut child = spawn_migrate(&db.url, dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !hires_locked(&db) {
        assert!(Instant::now() < deadline, "the bulk load never started");
        assert!(child.try_wait().unwrap().is_none(), "the load ended first");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the load ended first");
    child.kill().unwrap();
    child.wait().unwrap();
    // The server rolls the transaction back once it sees the connection gone.
    let deadline = Instant::now() + Duration::from_secs(30);
    while hires_locked(&db) {
        assert!(Instant::now() < deadline, "the killed load kept its lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(db.pg_schema(), schema);
    assert_eq!(db.integer("(SELECT count(*) FROM hired_employees)"), 0);
    assert_eq!(
        db.integer("(SELECT count(*) FROM rejected_rows WHERE table_name = 'hired_employees')"),
        0
    );

    let rerun = migrate_json(&db.url, dir.path(), &[]);
    assert_eq!(
        counts(&rerun, "hired_employees"),
        (
            150_000,
            150_000 - report.invalid_employees,
            0,
            report.invalid_employees
        )
    );
    assert_eq!(db.pg_schema(), schema);
}

/// `src` with every positive integer id of its rows moved up by `offset`.
fn shift_ids(src: &Path, dst: &Path, offset: u64) {
    std::fs::create_dir_all(dst).unwrap();
    for table in ["departments.csv", "jobs.csv"] {
        std::fs::copy(src.join(table), dst.join(table)).unwrap();
    }
    let text = std::fs::read_to_string(src.join("hired_employees.csv")).unwrap();
    let shifted: Vec<String> = text
        .split('\n')
        .map(|line| match line.split_once(',') {
            Some((id, rest)) => match id.parse::<u64>() {
                Ok(n) if n > 0 && id == n.to_string() => format!("{},{rest}", n + offset),
                _ => line.to_owned(),
            },
            None => line.to_owned(),
        })
        .collect();
    std::fs::write(dst.join("hired_employees.csv"), shifted.join("\n")).unwrap();
}

/// Two `hiring migrate` processes at once on one database, with the same departments and jobs
/// and disjoint hires: the second waits for the first's table lock, then sees its rows; nothing
/// is lost and nothing is stored twice.
#[test]
fn two_migrations_at_once_on_postgresql_lose_nothing() {
    let Some(db) = TestDb::postgres() else { return };
    drop(hiring_adapters::open(&db.url).unwrap());
    const ROWS: u64 = 20_000;
    let (first_dir, first) = generated(ROWS, 31);
    let (raw_dir, second) = generated(ROWS, 32);
    let second_dir = tempfile::tempdir().unwrap();
    shift_ids(raw_dir.path(), second_dir.path(), ROWS);

    let children = [
        spawn_migrate(&db.url, first_dir.path(), &[]),
        spawn_migrate(&db.url, second_dir.path(), &[]),
    ];
    let summaries: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{:?}", output.status);
            serde_json::from_slice(&output.stdout).unwrap()
        })
        .collect();

    let valid = 2 * ROWS - first.invalid_employees - second.invalid_employees;
    let sum = |table: &str, pick: fn((u64, u64, u64, u64)) -> u64| -> u64 {
        summaries.iter().map(|s| pick(counts(s, table))).sum()
    };
    // Each parent row inserted by one process, found present by the other.
    assert_eq!(sum("departments", |c| c.1), 12);
    assert_eq!(sum("departments", |c| c.2), 12);
    assert_eq!(sum("jobs", |c| c.1), 183);
    assert_eq!(sum("hired_employees", |c| c.1), valid);
    assert_eq!(sum("hired_employees", |c| c.2), 0);
    assert_eq!(
        sum("hired_employees", |c| c.3),
        first.invalid_employees + second.invalid_employees
    );
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees)"),
        valid as i64
    );
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees WHERE id > 20000)"),
        (ROWS - second.invalid_employees) as i64
    );
    assert_eq!(db.integer("(SELECT count(*) FROM departments)"), 12);
    assert_eq!(db.integer("(SELECT count(*) FROM jobs)"), 183);
}
