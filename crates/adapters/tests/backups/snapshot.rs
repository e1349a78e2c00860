//! Snapshots of tables longer than one page: every row in id order across page reads, and a
//! sink that fails midway stops the read with its own error and leaves the storage usable.

use super::{contents, dept, fill, hire, job, Collect, Contents};
use crate::support::TestDb;
use hiring_adapters::open;
use hiring_domain::{Record, Table};
use hiring_ports::{AnyRow, RepoError, SnapshotSink};

/// More hires than three pages of the snapshot read, with a gap in the ids.
fn long() -> Contents {
    Contents {
        departments: (1..=3).map(dept).collect(),
        jobs: (1..=2).map(job).collect(),
        hires: (1..=31_000)
            .filter(|i| i % 1_000 != 7)
            .map(|i| hire(i, i % 3 + 1, i % 2 + 1))
            .collect(),
    }
}

pub(super) fn a_long_snapshot_gives_every_row_once_in_id_order(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    let long = long();
    fill(&storage, &long);
    let mut collect = Collect::default();
    let total = storage
        .bulk
        .snapshot(&[Table::HiredEmployees], &mut collect)
        .unwrap();
    assert_eq!(total, long.hires.len() as u64);
    assert_eq!(collect.1, vec![(Table::HiredEmployees, total)]);
    assert_eq!(collect.0.hires, long.hires);
}

/// Takes `left` rows, then refuses the next one.
struct FailsAfter {
    left: usize,
}

impl SnapshotSink for FailsAfter {
    fn begin_table(&mut self, _: Table, _: u64) -> Result<(), RepoError> {
        Ok(())
    }

    fn row(&mut self, _: AnyRow) -> Result<(), RepoError> {
        match self.left.checked_sub(1) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(RepoError::Other("the disk is full".to_owned())),
        }
    }

    fn end_table(&mut self, _: Table) -> Result<(), RepoError> {
        panic!("a failed table must not be ended");
    }
}

pub(super) fn a_sink_failing_midway_stops_the_snapshot_with_its_error(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    let long = long();
    fill(&storage, &long);
    let mut sink = FailsAfter { left: 12_345 };
    let err = storage
        .bulk
        .snapshot(&[Table::HiredEmployees], &mut sink)
        .unwrap_err();
    assert!(err.to_string().contains("the disk is full"), "{err}");
    // The snapshot's connection and transaction are released: reads and writes go on.
    storage
        .hired_employees
        .write_batch(&[hire(40_000, 1, 1)], &[])
        .unwrap();
    let after = contents(&storage);
    assert_eq!(after.hires.len(), long.hires.len() + 1);
    assert_eq!(after.hires.last().map(|h| h.id().get()), Some(40_000));
}
