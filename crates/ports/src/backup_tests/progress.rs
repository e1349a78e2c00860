//! A backup and a restore tell their progress: each table with its rows, then the rows done.

use super::*;
use crate::transfer_progress::TransferProgress;
use std::cell::RefCell;

#[derive(Default)]
struct Told(RefCell<Vec<String>>);

impl TransferProgress for Told {
    fn table(&self, table: Table, rows: Option<u64>) {
        self.0.borrow_mut().push(format!("{table} of {rows:?}"));
    }
    fn rows(&self, done: u64) {
        self.0.borrow_mut().push(format!("{done} done"));
    }
    fn committing(&self) {
        self.0.borrow_mut().push("committing".into());
    }
}

#[test]
fn a_backup_tells_each_table_and_its_rows() {
    let (storage, _) = storage_with(vec![
        (Table::Departments, vec![dept_row(1), dept_row(2)]),
        (Table::Jobs, vec![job_row(1)]),
    ]);
    let (store, _) = recording_store();
    let told = Told::default();
    Backups::new(&storage, &store)
        .with_progress(&told)
        .backup(&[Table::Departments, Table::Jobs], Codec::Null)
        .unwrap();
    assert_eq!(
        *told.0.borrow(),
        [
            "departments of Some(2)",
            "2 done",
            "jobs of Some(1)",
            "1 done"
        ]
    );
}

#[test]
fn a_restore_tells_each_table_its_rows_then_the_commit() {
    let store = folder(vec![
        (
            "jobs/newest.avro",
            reader(Table::Jobs, "j.avro", vec![Ok(job_row(1))]),
        ),
        (
            "departments/newest.avro",
            reader(
                Table::Departments,
                "d.avro",
                vec![Ok(dept_row(1)), Ok(dept_row(2))],
            ),
        ),
    ]);
    let (storage, _) = replacing_storage(None);
    let told = Told::default();
    Backups::new(&storage, &store)
        .with_progress(&told)
        .restore(&[
            (Table::Jobs, RestoreSource::Newest),
            (Table::Departments, RestoreSource::Newest),
        ])
        .unwrap();
    assert_eq!(
        *told.0.borrow(),
        [
            "departments of Some(2)",
            "2 done",
            "jobs of Some(1)",
            "1 done",
            "committing"
        ]
    );
}
