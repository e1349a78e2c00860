//! A load's summary times its stages, and its progress is told of each.

use crate::migrate::{LoadOptions, Migration, Progress};
use crate::test_support::{keys, repos};
use crate::{LoadStage, MockBulkLoad, MockTableRepository};
use hiring_domain::{Department, HiredEmployee, Job, Record, Table};
use std::cell::RefCell;
use std::time::Duration;

fn unused<E: Record>() -> MockTableRepository<E> {
    MockTableRepository::new()
}

#[derive(Default)]
struct Stages(RefCell<Vec<LoadStage>>);

impl Progress for Stages {
    fn advance(&self, _: u64, _: u64) {}
    fn stage(&self, stage: LoadStage) {
        self.0.borrow_mut().push(stage);
    }
}

#[test]
fn a_bulk_load_times_each_stage_its_finish_announces() {
    let mut load = MockBulkLoad::<Department>::new();
    load.expect_find_by_ids().returning(|_| Ok(Vec::new()));
    load.expect_write_batch()
        .returning(|rows, _| Ok(rows.len() as u64));
    load.expect_finish().returning(|stage| {
        stage.enter(LoadStage::IndexBuild);
        std::thread::sleep(Duration::from_millis(30));
        stage.enter(LoadStage::KeyCheck);
        stage.enter(LoadStage::Commit);
        std::thread::sleep(Duration::from_millis(10));
        Ok(2)
    });
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_bulk_load()
        .return_once(move || Ok(Some(Box::new(load))));
    let repos = repos(repo, unused::<Job>(), unused::<HiredEmployee>(), keys());
    let progress = Stages::default();
    let options = LoadOptions {
        bulk: true,
        ..LoadOptions::default()
    };
    let summary = Migration::new(&repos, options)
        .load(Table::Departments, &b"1,A\n2,B\n"[..], "d.csv", &progress)
        .unwrap();
    assert_eq!(
        *progress.0.borrow(),
        [
            LoadStage::ReadAndCheck,
            LoadStage::IndexBuild,
            LoadStage::KeyCheck,
            LoadStage::Commit
        ]
    );
    let stages = summary.stages;
    assert!(stages.get(LoadStage::IndexBuild) >= Duration::from_millis(30));
    assert!(stages.get(LoadStage::Commit) >= Duration::from_millis(10));
    assert!(
        stages.total() <= summary.elapsed,
        "{stages:?} > {:?}",
        summary.elapsed
    );
    let json = serde_json::to_value(&summary).unwrap();
    assert!(
        json["stages"]["index_build"].as_f64().unwrap() >= 0.03,
        "{json}"
    );
}

#[test]
fn a_batch_by_batch_load_splits_its_time_into_reading_and_writing() {
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_find_by_ids().returning(|_| Ok(Vec::new()));
    repo.expect_write_batch().returning(|rows, _| {
        std::thread::sleep(Duration::from_millis(20));
        Ok(rows.len() as u64)
    });
    let repos = repos(repo, unused::<Job>(), unused::<HiredEmployee>(), keys());
    let summary = Migration::new(&repos, LoadOptions::default())
        .load(Table::Departments, &b"1,A\n2,B\n"[..], "d.csv", &())
        .unwrap();
    let stages = summary.stages;
    assert!(
        stages.get(LoadStage::Write) >= Duration::from_millis(20),
        "{stages:?}"
    );
    assert_eq!(stages.get(LoadStage::IndexBuild), Duration::ZERO);
    assert_eq!(stages.get(LoadStage::Commit), Duration::ZERO);
    let sum = stages.total();
    assert!(sum <= summary.elapsed && summary.elapsed - sum < Duration::from_millis(50));
}
