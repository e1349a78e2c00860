//! Property: any valid tables back up and restore to equal contents, with every codec.

use super::{contents, fill, Contents, Setup};
use crate::support::TestDb;
use hiring_domain::{Department, HireTime, HiredEmployee, Id, Job, Text};
use hiring_ports::Codec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::BTreeMap;

/// Valid text: anything the domain accepts, including non-ASCII and the longest allowed.
fn text() -> impl Strategy<Value = Text> {
    prop_oneof![
        9 => "\\PC{1,40}",
        1 => "[a-zé]{255}",
    ]
    .prop_filter_map("not valid text", |s| Text::parse(&s).ok())
}

fn id() -> impl Strategy<Value = Id> {
    prop_oneof![
        8 => 1..=10_000i64,
        1 => Just(1i64),
        1 => Just(i64::from(i32::MAX)),
    ]
    .prop_map(|v| Id::new(v).unwrap())
}

/// Instants of years 1 to 9999, with microseconds.
fn hire_time() -> impl Strategy<Value = HireTime> {
    (-62_135_596_800_000_000i64..=253_402_300_799_999_999i64)
        .prop_map(|micros| HireTime::from_micros(micros).unwrap())
}

fn tables() -> impl Strategy<Value = Contents> {
    let departments = prop::collection::btree_map(id(), text(), 0..30);
    let jobs = prop::collection::btree_map(id(), text(), 0..30);
    (departments, jobs).prop_flat_map(|(departments, jobs)| {
        let department_ids: Vec<Id> = departments.keys().copied().collect();
        let job_ids: Vec<Id> = jobs.keys().copied().collect();
        let hires = if department_ids.is_empty() || job_ids.is_empty() {
            Just(BTreeMap::new()).boxed()
        } else {
            prop::collection::btree_map(
                id(),
                (
                    text(),
                    hire_time(),
                    prop::sample::select(department_ids),
                    prop::sample::select(job_ids),
                ),
                0..200,
            )
            .boxed()
        };
        (Just(departments), Just(jobs), hires).prop_map(|(departments, jobs, hires)| Contents {
            departments: departments
                .into_iter()
                .map(|(id, name)| Department::new(id, name))
                .collect(),
            jobs: jobs
                .into_iter()
                .map(|(id, name)| Job::new(id, name))
                .collect(),
            hires: hires
                .into_iter()
                .map(|(id, (name, at, department, job))| {
                    HiredEmployee::new(id, name, at, department, job)
                })
                .collect(),
        })
    })
}

pub(crate) fn random_tables_round_trip_for_every_codec(db: &TestDb) {
    let setup = Setup::new(db);
    let mut runner = TestRunner::new(Config {
        cases: 12,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&tables(), |data| {
            for codec in Codec::ALL {
                fill(&setup.storage, &data);
                setup.backups().backup(&[], codec).unwrap();
                fill(&setup.storage, &Contents::default());
                setup.backups().restore_all().unwrap();
                prop_assert_eq!(&contents(&setup.storage), &data, "codec {}", codec);
            }
            Ok(())
        })
        .unwrap();
}
