//! Reads from a streaming read replica, on real PostgreSQL clusters: when
//! `HIRING_TEST_PRIMARY_URL` and `HIRING_TEST_REPLICA_URL` name a primary and a hot standby made
//! from it with `pg_basebackup -R` (`scripts/replica_test.sh` starts both), and
//! `HIRING_TEST_REPLICA_STOP` is the shell command that stops the standby. Without them the test
//! has nothing to run against and returns at once. A replica read for another database than the
//! primary's is skipped.

use hiring_adapters::{open, open_replica};
use hiring_domain::{Department, HiredEmployee, Job, Record, ReportYear};
use hiring_ports::replica::{ReadRouter, ReadSource};
use hiring_ports::reports::{departments_above_mean, hires_by_quarter};
use hiring_ports::RejectFilter;
use std::time::{Duration, Instant};

fn hires(ids: std::ops::RangeInclusive<i64>) -> Vec<HiredEmployee> {
    ids.map(|id| {
        HiredEmployee::from_fields(&[
            &id.to_string(),
            &format!("Employee {id}"),
            &format!("2021-{:02}-03T10:00:00Z", 1 + id % 12),
            &(1 + id % 3).to_string(),
            &(1 + id % 2).to_string(),
        ])
        .unwrap()
    })
    .collect()
}

/// Waits until `router` reads from the replica and `done` holds there.
fn caught_up(router: &ReadRouter, done: impl Fn(&hiring_ports::Repositories) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (repos, source) = router.reads();
        if matches!(source, ReadSource::Replica { .. }) && done(repos) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the replica never caught up: {source:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn reads_go_to_the_replica_and_to_the_primary_once_it_stops() {
    let (Ok(primary_url), Ok(replica_url), Ok(stop)) = (
        std::env::var("HIRING_TEST_PRIMARY_URL"),
        std::env::var("HIRING_TEST_REPLICA_URL"),
        std::env::var("HIRING_TEST_REPLICA_STOP"),
    ) else {
        return;
    };
    let primary = open(&primary_url).unwrap();
    let replica = open_replica(&replica_url, &primary_url).unwrap();
    let router = ReadRouter::new(primary.clone(), Some(replica), Duration::from_secs(10));

    // Writes go to the primary; a hot standby refuses them.
    let departments: Vec<Department> = (1..=3)
        .map(|i| Department::from_fields(&[&i.to_string(), &format!("Dept {i}")]).unwrap())
        .collect();
    let jobs: Vec<Job> = (1..=2)
        .map(|i| Job::from_fields(&[&i.to_string(), &format!("Job {i}")]).unwrap())
        .collect();
    primary.departments.write_batch(&departments, &[]).unwrap();
    primary.jobs.write_batch(&jobs, &[]).unwrap();
    primary
        .hired_employees
        .write_batch(&hires(1..=500), &[])
        .unwrap();
    caught_up(&router, |repos| {
        repos.hired_employees.count().ok() == Some(500)
    });
    let (replica_repos, _) = router.reads();
    assert!(
        replica_repos.description.starts_with("replica "),
        "{}",
        replica_repos.description
    );
    assert!(replica_repos
        .departments
        .write_batch(&departments, &[])
        .is_err());

    // Reports, the reject log and snapshots read on the replica equal the primary's.
    let year = ReportYear::new(2021).unwrap();
    assert_eq!(
        hires_by_quarter(&*replica_repos.reports, year).unwrap(),
        hires_by_quarter(&*primary.reports, year).unwrap()
    );
    assert_eq!(
        departments_above_mean(&*replica_repos.reports, year).unwrap(),
        departments_above_mean(&*primary.reports, year).unwrap()
    );
    assert_eq!(
        replica_repos
            .rejects
            .count(&RejectFilter::default())
            .unwrap(),
        primary.rejects.count(&RejectFilter::default()).unwrap()
    );
    let ids = |repos: &hiring_ports::Repositories| {
        let mut ids = Vec::new();
        repos
            .hired_employees
            .for_each(&mut |h: HiredEmployee| {
                ids.push(h.id().get());
                Ok(())
            })
            .unwrap();
        ids
    };
    assert_eq!(ids(replica_repos), ids(&primary));

    // A replica read for another database than the primary's is skipped, saying why: another
    // database of the standby, or the standby of another cluster.
    let skipped = |replica_url: &str, primary_url: &str| {
        let replica = open_replica(replica_url, primary_url).unwrap();
        let router = ReadRouter::new(primary.clone(), Some(replica), Duration::from_secs(10));
        match router.reads().1 {
            ReadSource::ReplicaSkipped { reason } => reason,
            other => panic!("{replica_url} read for {primary_url}: {other:?}"),
        }
    };
    let reason = skipped(
        &crate::support::with_database(&replica_url, "postgres"),
        &primary_url,
    );
    assert!(
        reason.contains("not a replica of the primary's database: it serves database postgres"),
        "{reason}"
    );
    if let Some(other) = crate::support::TestDb::postgres() {
        let reason = skipped(&replica_url, &other.url);
        assert!(
            reason.contains("not a replica of the primary's database"),
            "{reason}"
        );
    }

    // The replica stopped: reads go to the primary, saying why, and are still answered.
    let status = std::process::Command::new("sh")
        .args(["-c", &stop])
        .status()
        .unwrap();
    assert!(status.success(), "{stop}: {status}");
    primary
        .hired_employees
        .write_batch(&hires(501..=510), &[])
        .unwrap();
    let started = Instant::now();
    let (repos, source) = router.reads();
    assert!(
        matches!(&source, ReadSource::ReplicaSkipped { reason } if reason.starts_with("the replica does not answer")),
        "{source:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(repos.hired_employees.count().unwrap(), 510);
    assert!(!hires_by_quarter(&*repos.reports, year).unwrap().is_empty());
}
