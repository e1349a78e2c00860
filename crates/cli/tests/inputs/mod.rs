//! The inputs of `hiring migrate`: compressed files, standard input, several files per table
//! (a folder per table, a glob, a repeated `--file`) and a header line.

use super::{config_file, counts, generated, hiring, reject_sources, stderr_of, stdout_json};
use crate::support::TestDb;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn migrate(db: &str, args: &[&str]) -> Output {
    let mut all = vec!["migrate"];
    all.extend_from_slice(args);
    hiring(db, &all)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn gzip(from: &Path, to: &Path) {
    let text = std::fs::read(from).unwrap();
    let mut encoder =
        flate2::write::GzEncoder::new(std::fs::File::create(to).unwrap(), Default::default());
    encoder.write_all(&text).unwrap();
    encoder.finish().unwrap();
}

fn zstd(from: &Path, to: &Path) {
    let text = std::fs::read(from).unwrap();
    std::fs::write(to, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
}

/// The summaries of `summary` for `table`, in order: (source, read, inserted, present, rejected).
fn rows_of(summary: &Value, table: &str) -> Vec<(String, u64, u64, u64, u64)> {
    summary
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["table"] == table)
        .map(|s| {
            let n = |k: &str| s[k].as_u64().unwrap();
            (
                s["source"].as_str().unwrap().to_owned(),
                n("read"),
                n("inserted"),
                n("already_present"),
                n("rejected"),
            )
        })
        .collect()
}

fn compressed_files_load_the_rows_of_the_plain_ones(db: &TestDb) {
    let (plain, report) = generated(400, 21);
    let packed = tempfile::tempdir().unwrap();
    let p = plain.path();
    gzip(
        &p.join("departments.csv"),
        &packed.path().join("departments.csv.gz"),
    );
    zstd(&p.join("jobs.csv"), &packed.path().join("jobs.csv.zst"));
    gzip(
        &p.join("hired_employees.csv"),
        &packed.path().join("hired_employees.csv.gz"),
    );
    let first = stdout_json(&migrate(
        &db.url,
        &["--format", "json", "--dir", path(packed.path())],
    ));
    assert_eq!(rows_of(&first, "departments")[0].0, "departments.csv.gz");
    assert_eq!(counts(&first, "departments"), (12, 12, 0, 0));
    assert_eq!(counts(&first, "jobs"), (183, 183, 0, 0));
    let (read, inserted, _, rejected) = counts(&first, "hired_employees");
    assert_eq!((read, rejected), (400, report.invalid_employees));
    let expected: BTreeSet<String> = report
        .invalid_rows
        .iter()
        .map(|(file, line)| format!("{file}.gz:{line}"))
        .collect();
    assert_eq!(
        reject_sources(&db.url).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
    // The plain files hold the very rows stored: all already present, none in conflict.
    let again = stdout_json(&migrate(&db.url, &["--format", "json", "--dir", path(p)]));
    assert_eq!(counts(&again, "departments"), (12, 0, 12, 0));
    assert_eq!(counts(&again, "jobs"), (183, 0, 183, 0));
    assert_eq!(
        counts(&again, "hired_employees"),
        (400, 0, inserted, rejected)
    );
}

fn a_folder_per_table_gives_a_summary_row_per_file_and_the_totals(db: &TestDb) {
    let (dir, report) = generated(300, 5);
    let text = std::fs::read_to_string(dir.path().join("hired_employees.csv")).unwrap();
    std::fs::remove_file(dir.path().join("hired_employees.csv")).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let (one, two) = lines.split_at(120);
    let folder = dir.path().join("hired_employees");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("hired_employees-1.csv"), one.concat()).unwrap();
    zstd_text(&folder.join("hired_employees-2.csv.zst"), &two.concat());

    let table = migrate(&db.url, &["--dir", path(dir.path())]);
    assert!(table.status.success(), "{}", stderr_of(&table));
    let stdout = String::from_utf8_lossy(&table.stdout).into_owned();
    let row = |label: &str, source: &str| {
        stdout
            .lines()
            .find(|l| l.contains(&format!(" {label} ")) && l.contains(source))
            .unwrap_or_else(|| panic!("no row {label} {source}:\n{stdout}"))
            .split_whitespace()
            .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
            .map(|w| w.parse::<u64>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(row("hired_employees", "hired_employees-1.csv")[0], 120);
    assert_eq!(row("hired_employees", "hired_employees-2.csv.zst")[0], 180);
    // read, inserted, already present, rejected of the totals row.
    let total = row("total", "");
    assert_eq!(total[0], 12 + 183 + 300, "{stdout}");
    assert_eq!(total[3], report.invalid_employees, "{stdout}");

    let expected: BTreeSet<String> = report
        .invalid_rows
        .iter()
        .map(|(_, line)| match *line {
            l if l <= 120 => format!("hired_employees-1.csv:{l}"),
            l => format!("hired_employees-2.csv.zst:{}", l - 120),
        })
        .collect();
    assert_eq!(
        reject_sources(&db.url).into_iter().collect::<BTreeSet<_>>(),
        expected
    );
}

fn zstd_text(to: &Path, text: &str) {
    std::fs::write(to, zstd::encode_all(text.as_bytes(), 3).unwrap()).unwrap();
}

on_every_backend!(
    compressed_files_load_the_rows_of_the_plain_ones,
    a_folder_per_table_gives_a_summary_row_per_file_and_the_totals,
);

#[test]
fn standard_input_is_read_with_file_dash_and_named_stdin() {
    let db = TestDb::sqlite();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["migrate", "--format", "json", "--table", "departments"])
        .args(["--file", "-"])
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"1,Sales\n0,bad\n2,Legal\n").unwrap();
    drop(stdin);
    let summary = stdout_json(&child.wait_with_output().unwrap());
    assert_eq!(
        rows_of(&summary, "departments"),
        [("stdin".to_owned(), 3, 2, 0, 1)]
    );
    assert_eq!(reject_sources(&db.url), ["stdin:2"]);
}

#[test]
fn a_glob_or_a_repeated_file_loads_each_file_in_name_order() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("jobs-b.csv"), "3,Three\n0,bad\n").unwrap();
    std::fs::write(d.join("jobs-a.csv"), "1,One\n2,Two\n").unwrap();
    std::fs::write(d.join("other.csv"), "4,Four\n").unwrap();
    let glob = d.join("jobs-*.csv");
    let args = ["--format", "json", "--table", "jobs", "--file", path(&glob)];
    let summary = stdout_json(&migrate(&db.url, &args));
    assert_eq!(
        rows_of(&summary, "jobs"),
        [
            ("jobs-a.csv".to_owned(), 2, 2, 0, 0),
            ("jobs-b.csv".to_owned(), 2, 1, 0, 1)
        ]
    );
    assert_eq!(reject_sources(&db.url), ["jobs-b.csv:2"]);

    let other = d.join("other.csv");
    let args = [
        "--table",
        "jobs",
        "--file",
        path(&other),
        "--file",
        path(&glob),
    ];
    let summary = stdout_json(&migrate(
        &db.url,
        &[&["--format", "json"], &args[..]].concat(),
    ));
    let sources: Vec<String> = rows_of(&summary, "jobs").into_iter().map(|r| r.0).collect();
    assert_eq!(sources, ["other.csv", "jobs-a.csv", "jobs-b.csv"]);

    let none = d.join("nothing-*.csv");
    let output = migrate(&db.url, &["--table", "jobs", "--file", path(&none)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("no CSV file matches"));
}

#[test]
fn a_header_line_is_skipped_and_reported_but_a_near_header_is_a_row() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("departments.csv"),
        "\u{feff}ID, Department\r\n1,Sales\r\n",
    )
    .unwrap();
    std::fs::write(d.join("jobs.csv"), "id,dept\n1,Clerk\n").unwrap();
    std::fs::write(
        d.join("hired_employees.csv"),
        "id,name,datetime,department_id,job_id\n1,Ann,2021-01-01T00:00:00Z,1,1\n",
    )
    .unwrap();
    let output = migrate(&db.url, &["--dir", path(d)]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("departments.csv: header line skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hired_employees.csv: header line skipped"),
        "{stdout}"
    );
    assert!(!stdout.contains("jobs.csv: header"), "{stdout}");
    assert_eq!(reject_sources(&db.url), ["jobs.csv:1"]);

    let summary = stdout_json(&migrate(&db.url, &["--format", "json", "--dir", path(d)]));
    let skipped: Vec<(&str, bool)> = summary
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["table"].as_str().unwrap(),
                s["header_skipped"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            ("departments", true),
            ("jobs", false),
            ("hired_employees", true)
        ]
    );
    assert_eq!(counts(&summary, "departments"), (1, 0, 1, 0));
    assert_eq!(counts(&summary, "jobs"), (2, 0, 1, 1));
    assert_eq!(counts(&summary, "hired_employees"), (1, 0, 1, 0));
}
