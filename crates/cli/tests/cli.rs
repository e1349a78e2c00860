//! End-to-end tests of the `hiring` binary: generated files with known bad rows, on SQLite and
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../adapters/tests/support/mod.rs"]
#[macro_use]
mod support;

use hiring_domain::Table;
use hiring_generate::{generate, GenerateOptions, GenerateReport};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::TestDb;

const ROWS: u64 = 3_000;

fn hiring(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// An empty config file, so the developer's own config/default.toml never leaks into a test.
fn config_file() -> PathBuf {
    let path = std::env::temp_dir().join(format!("hiring-cli-test-{}.toml", std::process::id()));
    if !path.exists() {
        std::fs::write(&path, "").unwrap();
    }
    path
}

fn stdout_json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

fn generated(rows: u64, seed: u64) -> (tempfile::TempDir, GenerateReport) {
    let dir = tempfile::tempdir().unwrap();
    let report = generate(dir.path(), &GenerateOptions { rows, seed }).unwrap();
    (dir, report)
}

fn counts(summary: &Value, table: &str) -> (u64, u64, u64, u64) {
    let s = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["table"] == table)
        .unwrap_or_else(|| panic!("no summary for {table} in {summary}"));
    let n = |k: &str| s[k].as_u64().unwrap();
    (
        n("read"),
        n("inserted"),
        n("already_present"),
        n("rejected"),
    )
}

fn reject_sources(db: &str) -> Vec<String> {
    let rejects = stdout_json(&hiring(
        db,
        &["rejects", "--format", "json", "--limit", "10000"],
    ));
    rejects["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_owned())
        .collect()
}

fn migrate_json(db: &str, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "migrate",
        "--format",
        "json",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    stdout_json(&hiring(db, &args))
}

fn migrates_generated_files_then_reruns_idempotently(db: &TestDb) {
    let (dir, report) = generated(ROWS, 7);
    let first = migrate_json(&db.url, dir.path(), &[]);
    assert_eq!(counts(&first, "departments"), (12, 12, 0, 0));
    assert_eq!(counts(&first, "jobs"), (183, 183, 0, 0));
    let (read, inserted, present, rejected) = counts(&first, "hired_employees");
    assert_eq!(read, ROWS);
    assert_eq!(present, 0);
    assert_eq!(rejected, report.invalid_employees);
    assert_eq!(inserted + rejected, ROWS);

    let expected: BTreeSet<String> = report
        .invalid_rows
        .iter()
        .map(|(file, line)| format!("{file}:{line}"))
        .collect();
    let sources = reject_sources(&db.url);
    assert_eq!(sources.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(sources.len(), expected.len(), "each reject recorded once");

    let second = migrate_json(&db.url, dir.path(), &[]);
    assert_eq!(counts(&second, "departments"), (12, 0, 12, 0));
    assert_eq!(counts(&second, "jobs"), (183, 0, 183, 0));
    assert_eq!(
        counts(&second, "hired_employees"),
        (ROWS, 0, inserted, rejected)
    );
    assert_eq!(
        reject_sources(&db.url).len(),
        expected.len(),
        "a rerun adds no reject records"
    );
}

fn a_dry_run_writes_nothing(db: &TestDb) {
    let (dir, report) = generated(500, 3);
    let dry = migrate_json(&db.url, dir.path(), &["--dry-run"]);
    let (read, inserted, _, rejected) = counts(&dry, "hired_employees");
    assert_eq!((read, rejected), (500, report.invalid_employees));
    assert_eq!(inserted, 500 - report.invalid_employees);
    assert!(reject_sources(&db.url).is_empty());
    let real = migrate_json(&db.url, dir.path(), &[]);
    assert_eq!(
        counts(&real, "hired_employees"),
        (read, inserted, 0, rejected)
    );
}

fn the_reject_limit_stops_with_exit_code_3(db: &TestDb) {
    let (dir, _) = generated(2_000, 11);
    let output = hiring(
        &db.url,
        &[
            "migrate",
            "--dir",
            dir.path().to_str().unwrap(),
            "--max-rejects",
            "4",
            "--batch-size",
            "100",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 4 rows were rejected"));
    assert_eq!(reject_sources(&db.url).len(), 5);
    // Finishing the load without a limit completes it.
    let rest = migrate_json(&db.url, dir.path(), &[]);
    let (_, _, present, _) = counts(&rest, "hired_employees");
    assert!(present > 0, "rows committed before the stop stay: {rest}");
}

fn one_file_can_be_loaded_with_table_and_file(db: &TestDb) {
    let (dir, _) = generated(10, 1);
    let file = dir.path().join("jobs.csv");
    let output = hiring(
        &db.url,
        &[
            "migrate",
            "--format",
            "json",
            "--table",
            "jobs",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    let summary = stdout_json(&output);
    assert_eq!(counts(&summary, "jobs"), (183, 183, 0, 0));
    assert_eq!(summary.as_array().unwrap().len(), 1);
}

on_every_backend!(
    migrates_generated_files_then_reruns_idempotently,
    a_dry_run_writes_nothing,
    the_reject_limit_stops_with_exit_code_3,
    one_file_can_be_loaded_with_table_and_file,
);

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_missing_file_fails_before_anything_is_loaded() {
    let db = TestDb::sqlite();
    let (dir, _) = generated(10, 1);
    std::fs::remove_file(dir.path().join(Table::HiredEmployees.file_name())).unwrap();
    let output = hiring(&db.url, &["migrate", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("hired_employees.csv does not exist"),
        "{}",
        stderr_of(&output)
    );
    let missing_dir = hiring(&db.url, &["migrate", "--dir", "/nonexistent/folder"]);
    assert_eq!(missing_dir.status.code(), Some(1));
    assert!(stderr_of(&missing_dir).contains("does not exist"));
}

#[test]
fn a_file_that_is_not_csv_is_refused_with_a_clear_message() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("departments.xlsx");
    std::fs::write(&file, b"PK\x03\x04\x14\x00\x06\x00binary").unwrap();
    let output = hiring(
        &db.url,
        &[
            "migrate",
            "--table",
            "departments",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("is not a CSV text file"),
        "{}",
        stderr_of(&output)
    );
}

#[test]
fn an_unreachable_database_fails_fast_without_showing_the_password() {
    let (dir, _) = generated(10, 1);
    let started = Instant::now();
    let output = hiring(
        "postgres://app:a-long-random-secret-pw@127.0.0.1:1/hiring",
        &["migrate", "--dir", dir.path().to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("cannot connect to PostgreSQL"), "{stderr}");
    assert!(!stderr.contains("a-long-random-secret-pw"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn list_limits_out_of_range_exit_with_2_naming_the_range() {
    for command in ["rejects", "audit"] {
        for limit in ["0", "10001", "many"] {
            let output = hiring("unused.db", &[command, "--limit", limit]);
            assert_eq!(output.status.code(), Some(2), "{command} --limit {limit}");
            let stderr = stderr_of(&output);
            assert!(
                stderr.contains("limit must be") && stderr.contains("between 1 and 10000"),
                "{command} --limit {limit}: {stderr}"
            );
        }
    }
}

#[test]
fn bad_arguments_exit_with_2() {
    let output = hiring(
        "unused.db",
        &["migrate", "--table", "employees", "--file", "x.csv"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("unknown table"));
}

#[test]
fn the_shipped_csv_files_migrate_cleanly() {
    let db = TestDb::sqlite();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../csv_files");
    let summary = migrate_json(&db.url, &shipped, &[]);
    assert_eq!(counts(&summary, "departments"), (12, 12, 0, 0));
    assert_eq!(counts(&summary, "jobs"), (183, 183, 0, 0));
    let (read, inserted, _, rejected) = counts(&summary, "hired_employees");
    assert!(read >= 1_900 && rejected > 0 && inserted + rejected == read);
}

#[test]
fn the_table_summary_and_rejects_render_for_people() {
    let db = TestDb::sqlite();
    let (dir, _) = generated(200, 5);
    let output = hiring(&db.url, &["migrate", "--dir", dir.path().to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    for word in [
        "hired_employees.csv",
        "already present",
        "rows/s",
        "total",
        "rejects by reason:",
        "is required",
        "hired_employees.csv:",
        "database: sqlite",
    ] {
        assert!(stdout.contains(word), "{word} missing from\n{stdout}");
    }
    assert!(
        !stderr_of(&output).contains("row rejected"),
        "no line per reject by default"
    );
    let rejects = hiring(
        &db.url,
        &["rejects", "--table", "hired_employees", "--limit", "3"],
    );
    let text = String::from_utf8_lossy(&rejects.stdout);
    assert!(text.contains("showing 3 of"), "{text}");
}

#[test]
fn a_killed_load_leaves_whole_batches_and_a_rerun_completes_it() {
    let db = TestDb::sqlite();
    let (dir, report) = generated(60_000, 21);
    let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args([
            "migrate",
            "--no-bulk",
            "--batch-size",
            "500",
            "--dir",
            dir.path().to_str().unwrap(),
        ])
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let repos = loop {
        if let Ok(repos) = hiring_adapters::open(&db.url) {
            if repos.hired_employees.count().unwrap_or(0) > 0 {
                break repos;
            }
        }
        assert!(Instant::now() < deadline, "the load never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = repos.hired_employees.count().unwrap();

    let rerun = migrate_json(&db.url, dir.path(), &[]);
    let (read, inserted, present, rejected) = counts(&rerun, "hired_employees");
    assert_eq!(read, 60_000);
    assert_eq!(rejected, report.invalid_employees);
    assert!(present >= partial, "{present} < {partial}");
    assert_eq!(present + inserted + rejected, 60_000);
    assert_eq!(
        repos.hired_employees.count().unwrap(),
        60_000 - report.invalid_employees
    );
    let sources = reject_sources(&db.url);
    let unique: BTreeSet<&String> = sources.iter().collect();
    assert_eq!(unique.len(), sources.len(), "no duplicate reject records");
    assert_eq!(sources.len() as u64, report.invalid_employees);
}

/// A pool that opened connections on background threads crashed the process at exit now and
/// then (libpq mid-handshake while the TLS library ran its exit handlers).
#[test]
fn short_commands_on_postgresql_exit_cleanly_every_time() {
    let Some(db) = TestDb::postgres() else { return };
    for _ in 0..25 {
        let output = hiring(&db.url, &["rejects", "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    }
}

#[path = "audit/mod.rs"]
mod audit;
#[path = "backup/mod.rs"]
mod backup;

#[path = "report/mod.rs"]
mod report;

#[path = "bulk/mod.rs"]
mod bulk;

#[path = "inputs/mod.rs"]
mod inputs;

#[path = "hostile/mod.rs"]
mod hostile;
#[path = "partitions/mod.rs"]
mod partitions;
#[path = "quiet/mod.rs"]
mod quiet;
#[path = "runs/mod.rs"]
mod runs;
#[path = "safe_output/mod.rs"]
mod safe_output;
#[path = "serve_tls/mod.rs"]
mod serve_tls;
#[path = "serve_tokens/mod.rs"]
mod serve_tokens;
#[path = "settings/mod.rs"]
mod settings;
#[path = "urls/mod.rs"]
mod urls;
