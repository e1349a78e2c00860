//! Two `hiring migrate` processes at once on one database: the second's loads wait for the
//! first's, nothing is lost and nothing is stored twice.

use super::spawn_migrate;
use crate::support::TestDb;
use crate::{counts, generated};
use serde_json::Value;
use std::path::Path;

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
fn two_migrations_of_disjoint_hires_at_once_lose_nothing(db: &TestDb) {
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
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        valid as i64
    );
}

/// Two `hiring migrate` processes at once on one database with the same files: the second's
/// loads wait for the first's, then see its rows, so each valid hire is inserted by one process
/// and found present by the other.
fn two_migrations_of_the_same_files_at_once_store_each_hire_once(db: &TestDb) {
    drop(hiring_adapters::open(&db.url).unwrap());
    const ROWS: u64 = 20_000;
    let (first_dir, first) = generated(ROWS, 31);
    let (second_dir, second) = generated(ROWS, 31);
    let children = [
        spawn_migrate(&db.url, first_dir.path(), &[]),
        spawn_migrate(&db.url, second_dir.path(), &[]),
    ];
    let mut inserted = 0;
    let mut present = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
        let (read, ins, pre, rejected) = counts(&summary, "hired_employees");
        assert_eq!(read, ROWS);
        assert_eq!(rejected, first.invalid_employees);
        inserted += ins;
        present += pre;
    }
    // The same files twice: one process inserted each valid hire, the other found it present.
    let valid = ROWS - second.invalid_employees;
    assert_eq!((inserted, present), (valid, valid));
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees)"),
        valid as i64
    );
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        valid as i64
    );
}

on_every_backend!(
    two_migrations_of_disjoint_hires_at_once_lose_nothing,
    two_migrations_of_the_same_files_at_once_store_each_hire_once,
);
