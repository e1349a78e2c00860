//! End-to-end tests of `hiring report`, on SQLite and PostgreSQL, with the report fixture of
//! `crates/adapters/tests/fixtures/reports` loaded by `hiring migrate`.

use super::{hiring, migrate_json, stderr_of, stdout_json};
use crate::support::TestDb;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn fixture() -> PathBuf {
    crate::support::reports_fixture_dir()
}

fn stdout_text(db: &str, args: &[&str]) -> String {
    let output = hiring(db, args);
    assert!(output.status.success(), "{}", stderr_of(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn reports_print_as_table_csv_and_json(db: &TestDb) {
    migrate_json(&db.url, &fixture(), &[]);

    let csv = stdout_text(&db.url, &["report", "hires-by-quarter", "--format", "csv"]);
    assert_eq!(
        csv,
        "department,job,Q1,Q2,Q3,Q4\n\
         accounting,Analyst,0,2,1,0\n\
         accounting,engineer,0,0,2,0\n\
         accounting,Manager,0,0,0,2\n\
         Support,Analyst,0,1,0,0\n\
         Support,engineer,2,0,0,0\n\
         support,engineer,1,0,0,0\n"
    );
    let json = stdout_json(&hiring(
        &db.url,
        &[
            "report",
            "hires-by-quarter",
            "--year",
            "2020",
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        json,
        json!([{"department": "Legal", "job": "engineer", "Q1": 0, "Q2": 0, "Q3": 0, "Q4": 1}])
    );
    let table = stdout_text(&db.url, &["report", "hires-by-quarter"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[1].contains("department") && lines[1].contains("Q4"),
        "{table}"
    );
    assert!(
        lines[3].contains("accounting") && lines[3].contains("Analyst"),
        "{table}"
    );
    assert_eq!(lines.len(), 3 + 6 + 1, "{table}");
    // Aligned for a terminal: every line as wide, and the column borders of the header and of
    // every row at the same character positions.
    let width = |line: &str| line.chars().count();
    assert!(lines.iter().all(|l| width(l) == width(lines[0])), "{table}");
    let borders = |line: &str| -> Vec<usize> {
        line.chars()
            .enumerate()
            .filter(|(_, c)| matches!(c, '│' | '┆'))
            .map(|(i, _)| i)
            .collect()
    };
    assert_eq!(borders(lines[1]).len(), 7, "{table}");
    for row in &lines[3..9] {
        assert_eq!(borders(row), borders(lines[1]), "{table}");
    }

    let json = stdout_json(&hiring(
        &db.url,
        &["report", "departments-above-mean", "--format", "json"],
    ));
    assert_eq!(
        json,
        json!([
            {"id": 2, "department": "accounting", "hired": 7},
            {"id": 1, "department": "Support", "hired": 3},
        ])
    );
    let csv = stdout_text(
        &db.url,
        &[
            "report",
            "departments-above-mean",
            "--year",
            "1999",
            "--format",
            "csv",
        ],
    );
    assert_eq!(csv, "id,department,hired\n");
    let table = stdout_text(&db.url, &["report", "departments-above-mean"]);
    assert!(table.contains("accounting"), "{table}");
    assert!(
        table.contains("mean hires per department in 2021: 2.20"),
        "{table}"
    );
}

#[test]
fn a_year_without_hires_says_so() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hiring.db");
    let db = db.to_str().unwrap();
    for report in ["hires-by-quarter", "departments-above-mean"] {
        let text = stdout_text(db, &["report", report, "--year", "1999"]);
        assert_eq!(text, "no hires in 1999\n", "{report}");
        let json = stdout_text(
            db,
            &["report", report, "--year", "1999", "--format", "json"],
        );
        assert_eq!(json.trim(), "[]", "{report}");
    }
}

#[test]
fn a_year_out_of_range_is_a_usage_error() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hiring.db");
    let db = db.to_str().unwrap();
    for year in ["1899", "2101", "twenty"] {
        let output = hiring(db, &["report", "hires-by-quarter", "--year", year]);
        assert_eq!(output.status.code(), Some(2), "{year}");
        assert!(
            stderr_of(&output).contains("year must be"),
            "{}",
            stderr_of(&output)
        );
    }
}

#[test]
fn a_read_replica_that_is_not_postgresql_is_refused_saying_so() {
    let folder = tempfile::tempdir().unwrap();
    let db = folder.path().join("hiring.db");
    let output = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["report", "hires-by-quarter"])
        .env("DATABASE_URL", &db)
        .env(
            "HIRING__DATABASE__REPLICA_URL",
            folder.path().join("copy.db"),
        )
        .env("HIRING_CONFIG", super::config_file())
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(
        stderr
            .contains("cannot use the read replica: a read replica and its primary must be PostgreSQL databases"),
        "{stderr}"
    );
}

on_every_backend!(reports_print_as_table_csv_and_json);
