//! The storage adapters against the port contract, each test run on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use hiring_adapters::open;
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Rejection, RowErrors, Table};
use hiring_ports::{RepoError, Repositories};
use support::TestDb;

fn dept(id: i32, name: &str) -> Department {
    Department::from_fields(&[&id.to_string(), name]).unwrap()
}

fn job(id: i32, name: &str) -> Job {
    Job::from_fields(&[&id.to_string(), name]).unwrap()
}

fn hire(id: i32, name: &str, datetime: &str, department: i32, job: i32) -> HiredEmployee {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        name,
        datetime,
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
}

fn ids(values: impl IntoIterator<Item = i32>) -> Vec<Id> {
    values
        .into_iter()
        .map(|v| Id::new(v.into()).unwrap())
        .collect()
}

fn id_values<E: Record>(rows: &[E]) -> Vec<i32> {
    rows.iter().map(|r| r.id().get()).collect()
}

fn departments(range: impl IntoIterator<Item = i32>) -> Vec<Department> {
    range
        .into_iter()
        .map(|i| dept(i, &format!("Department {i}")))
        .collect()
}

fn reject(table: Table, source: &str, raw: &str) -> Rejection {
    Rejection::new(
        table,
        source,
        raw,
        RowErrors::single("id", "must be a positive integer, got \"x\""),
    )
}

fn open_db(db: &TestDb) -> Repositories {
    open(&db.url).unwrap_or_else(|e| panic!("open {}: {e}", db.url))
}

/// Departments 1..=3 and jobs 1..=2.
fn seed(repos: &Repositories) {
    repos
        .departments
        .write_batch(&departments(1..=3), &[])
        .unwrap();
    repos
        .jobs
        .write_batch(&[job(1, "Recruiter"), job(2, "Engineer")], &[])
        .unwrap();
}

fn sorted<E: Record>(mut rows: Vec<E>) -> Vec<E> {
    rows.sort_by_key(|r| r.id());
    rows
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, RepoError>) {
    match result {
        Err(RepoError::Conflict(message)) => assert!(!message.is_empty()),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The message of a [`RepoError::Corrupt`].
fn corrupt<T: std::fmt::Debug>(result: Result<T, RepoError>) -> String {
    match result {
        Err(RepoError::Corrupt(message)) => message,
        other => panic!("expected corrupt data, got {other:?}"),
    }
}

#[path = "opening/mod.rs"]
mod opening;

#[path = "tables/mod.rs"]
mod tables;

#[path = "reject_log/mod.rs"]
mod reject_log;

#[path = "backups/mod.rs"]
mod backups;

#[path = "reports/mod.rs"]
mod reports;

#[path = "bulk/mod.rs"]
mod bulk;

#[path = "timestamps/mod.rs"]
mod timestamps;
#[path = "url_secrets/mod.rs"]
mod url_secrets;

#[path = "s3_backups/mod.rs"]
mod s3_backups;

#[path = "replica/mod.rs"]
mod replica;

#[path = "partitions/mod.rs"]
mod partitions;
