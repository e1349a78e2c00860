//! Backups: which tables, in which order, and how failures stop them.

use super::*;

#[test]
fn backup_of_no_table_means_every_table_parents_first() {
    let (storage, asked) = storage_with(vec![
        (Table::Departments, vec![dept_row(1), dept_row(2)]),
        (Table::Jobs, vec![job_row(1)]),
        (Table::HiredEmployees, vec![hire_row(1, 1, 1)]),
    ]);
    let (store, files) = recording_store();
    let summary = Backups::new(&storage, &store)
        .backup(&[], Codec::Snappy)
        .unwrap();
    assert_eq!(*asked.lock().unwrap(), Table::ALL.to_vec());
    let tables: Vec<Table> = summary.files.iter().map(|f| f.table).collect();
    assert_eq!(tables, Table::ALL.to_vec());
    let files = files.lock().unwrap();
    assert_eq!(files.len(), 3);
    assert!(files.iter().all(|(_, _, finished)| *finished));
    assert_eq!(files[0].1, vec![dept_row(1), dept_row(2)]);
}

#[test]
fn backup_of_some_tables_takes_them_once_in_dependency_order() {
    let (storage, asked) = storage_with(vec![]);
    let (store, _) = recording_store();
    Backups::new(&storage, &store)
        .backup(
            &[
                Table::HiredEmployees,
                Table::Departments,
                Table::HiredEmployees,
            ],
            Codec::Null,
        )
        .unwrap();
    assert_eq!(
        *asked.lock().unwrap(),
        vec![Table::Departments, Table::HiredEmployees]
    );
}

#[test]
fn a_failing_file_stops_the_backup_with_its_own_error() {
    let (storage, _) = storage_with(vec![(Table::Departments, vec![dept_row(1), dept_row(2)])]);
    let mut store = MockBackupStore::new();
    store
        .expect_remove_stale_temporaries()
        .returning(|| Ok(Vec::new()));
    store.expect_save_set().never();
    store.expect_create().returning(|_, _, _| {
        let mut writer = MockBackupWriter::new();
        writer.expect_append().returning(|_| {
            Err(BackupError::Io {
                file: "departments/x.avro".into(),
                message: "No space left on device".into(),
            })
        });
        writer.expect_finish().never();
        Ok(Box::new(writer) as Box<dyn BackupWriter>)
    });
    let err = Backups::new(&storage, &store)
        .backup(&[Table::Departments], Codec::Null)
        .unwrap_err();
    assert!(
        matches!(&err, BackupRunError::Files(BackupError::Io { message, .. }) if message.contains("No space")),
        "{err:?}"
    );
}

#[test]
fn a_failing_snapshot_is_a_storage_error() {
    let mut storage = MockBulkStorage::new();
    storage
        .expect_snapshot()
        .returning(|_, _| Err(RepoError::Unavailable("gone".into())));
    let mut store = MockBackupStore::new();
    store
        .expect_remove_stale_temporaries()
        .returning(|| Ok(Vec::new()));
    store.expect_save_set().never();
    let err = Backups::new(&storage, &store)
        .backup(&[], Codec::Null)
        .unwrap_err();
    assert_eq!(
        err,
        BackupRunError::Storage(RepoError::Unavailable("gone".into()))
    );
}
