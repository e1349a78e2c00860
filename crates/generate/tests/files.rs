//! The files `generate` writes: their format, their content, and which rows are invalid.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::DateTime;
use hiring_domain::{Department, HiredEmployee, Job, Record, Table};
use hiring_generate::{generate, GenerateOptions};
use std::collections::{BTreeSet, HashSet};
use std::io;
use std::path::Path;

fn opts(rows: u64, seed: u64) -> GenerateOptions {
    GenerateOptions { rows, seed }
}

fn read(dir: &Path, table: Table) -> Vec<u8> {
    std::fs::read(dir.join(table.file_name())).unwrap()
}

fn records(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn fields(record: &csv::StringRecord) -> Vec<&str> {
    record.iter().collect()
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let ra = generate(a.path(), &opts(3_000, 7)).unwrap();
    let rb = generate(b.path(), &opts(3_000, 7)).unwrap();
    let rc = generate(c.path(), &opts(3_000, 8)).unwrap();
    assert_eq!(ra, rb);
    for table in Table::ALL {
        assert_eq!(read(a.path(), table), read(b.path(), table), "{table}");
    }
    assert_ne!(
        read(a.path(), Table::HiredEmployees),
        read(c.path(), Table::HiredEmployees)
    );
    assert_ne!(ra.invalid_rows, rc.invalid_rows);
    // Departments and jobs do not depend on the seed.
    assert_eq!(read(a.path(), Table::Jobs), read(c.path(), Table::Jobs));
}

#[test]
fn files_are_headerless_crlf_without_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &opts(500, 1)).unwrap();
    for table in Table::ALL {
        let bytes = read(dir.path(), table);
        assert!(bytes.starts_with(b"1,"), "{table} has a header");
        assert!(
            !bytes.ends_with(b"\n") && !bytes.ends_with(b"\r"),
            "{table}"
        );
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                assert_eq!(bytes[i - 1], b'\r', "{table}: bare LF at byte {i}");
            }
            if b == b'\r' {
                assert_eq!(bytes.get(i + 1), Some(&b'\n'), "{table}: bare CR");
            }
        }
        let text = std::str::from_utf8(&bytes).unwrap();
        for (n, line) in text.split("\r\n").enumerate() {
            assert!(
                line.starts_with(&format!("{},", n + 1)),
                "{table} line {}: {line}",
                n + 1
            );
        }
    }
}

#[test]
fn twelve_departments_and_183_distinct_jobs_all_valid() {
    let dir = tempfile::tempdir().unwrap();
    let report = generate(dir.path(), &opts(10, 1)).unwrap();
    assert_eq!((report.departments, report.jobs), (12, 183));

    let departments = records(&read(dir.path(), Table::Departments));
    assert_eq!(departments.len(), 12);
    for (i, record) in departments.iter().enumerate() {
        let d = Department::from_fields(&fields(record)).unwrap();
        assert_eq!(d.id().get() as usize, i + 1);
    }
    assert_eq!(departments[4].get(1), Some("Engineering"));

    let jobs = records(&read(dir.path(), Table::Jobs));
    assert_eq!(jobs.len(), 183);
    let mut names = HashSet::new();
    for (i, record) in jobs.iter().enumerate() {
        let j = Job::from_fields(&fields(record)).unwrap();
        assert_eq!(j.id().get() as usize, i + 1);
        assert!(names.insert(j.job().to_owned()), "duplicate {}", j.job());
    }
    for expected in [
        "Director, Sales",
        "VP Sales",
        "Accountant IV",
        "Senior Data Scientist",
    ] {
        assert!(names.contains(expected), "{expected}");
    }
}

#[test]
fn titles_with_commas_are_quoted_and_parse_back() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &opts(1, 1)).unwrap();
    let bytes = read(dir.path(), Table::Jobs);
    let text = std::str::from_utf8(&bytes).unwrap();
    let line = text
        .split("\r\n")
        .find(|l| l.contains("Director, Sales"))
        .unwrap();
    let (id, rest) = line.split_once(',').unwrap();
    assert_eq!(rest, "\"Director, Sales\"");
    let parsed = records(&bytes);
    let record = &parsed[id.parse::<usize>().unwrap() - 1];
    assert_eq!(record.len(), 2);
    assert_eq!(record.get(1), Some("Director, Sales"));
    // Nothing else is quoted.
    assert_eq!(text.matches('"').count(), 2 * 3);
}

#[test]
fn every_row_is_valid_or_listed_as_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 20_000u64;
    let report = generate(dir.path(), &opts(rows, 2024)).unwrap();
    assert_eq!(report.hired_employees, rows);
    assert_eq!(report.invalid_employees, report.invalid_rows.len() as u64);
    let listed: BTreeSet<u64> = report
        .invalid_rows
        .iter()
        .map(|&(file, line)| {
            assert_eq!(file, "hired_employees.csv");
            line
        })
        .collect();
    assert_eq!(listed.len(), report.invalid_rows.len(), "duplicates");

    let first = DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z").unwrap();
    let last = DateTime::parse_from_rfc3339("2022-02-28T23:59:59Z").unwrap();
    let (mut empty, mut malformed, mut non_ascii) = (0u64, 0u64, 0u64);
    let mut per_department = [0u64; 12];
    let parsed = records(&read(dir.path(), Table::HiredEmployees));
    assert_eq!(parsed.len() as u64, rows);
    // The row number, not `Position::line`: the csv crate miscounts lines of CRLF files
    // (BurntSushi/rust-csv#395).
    for (index, record) in parsed.iter().enumerate() {
        let line = index as u64 + 1;
        let f = fields(record);
        assert_eq!(f.len(), 5, "line {line}");
        assert_eq!(f[0], line.to_string(), "ids follow line numbers");
        let valid = HiredEmployee::from_fields(&f).ok().filter(|e| {
            (1..=12).contains(&e.department_id().get()) && (1..=183).contains(&e.job_id().get())
        });
        match valid {
            Some(e) => {
                assert!(!listed.contains(&line), "line {line} is valid but listed");
                let at = e.datetime().get();
                assert!(at >= first && at <= last, "line {line}: {at}");
                assert_eq!(e.datetime().to_rfc3339(), f[2], "canonical datetime");
                per_department[e.department_id().get() as usize - 1] += 1;
                non_ascii += u64::from(!e.name().is_ascii());
            }
            None => {
                assert!(listed.contains(&line), "line {line} is invalid: {f:?}");
                let empties = f.iter().filter(|v| v.is_empty()).count();
                assert!(empties <= 1, "line {line}: {f:?}");
                if empties == 1 {
                    empty += 1;
                } else {
                    malformed += 1;
                }
            }
        }
    }
    assert_eq!(empty + malformed, report.invalid_employees);
    let empty_share = empty as f64 / rows as f64;
    assert!((0.028..=0.042).contains(&empty_share), "{empty_share}");
    assert!((5..=60).contains(&malformed), "{malformed}");
    assert!(non_ascii > 0);
    // Skewed: Engineering gets several times more hires than Training.
    assert!(
        per_department[4] > 4 * per_department[9],
        "{per_department:?}"
    );
}

#[test]
fn zero_rows_gives_an_empty_employee_file_and_too_many_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let report = generate(&dir.path().join("nested/out"), &opts(0, 1)).unwrap();
    assert_eq!((report.hired_employees, report.invalid_employees), (0, 0));
    assert!(
        std::fs::read(dir.path().join("nested/out/hired_employees.csv"))
            .unwrap()
            .is_empty()
    );
    let err = generate(dir.path(), &opts(u64::from(u32::MAX), 1)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}
