//! Listing, and restores of a file named by the client.

use super::*;

#[test]
fn listing_is_the_folders_listing() {
    let mut store = MockBackupStore::new();
    store
        .expect_list()
        .returning(|| Ok(vec![info(Table::Jobs, "jobs/jobs-1.avro", 4)]));
    let storage = MockBulkStorage::new();
    let list = Backups::new(&storage, &store).list().unwrap();
    assert_eq!(list[0].rows, Some(4));
}

/// A folder that refuses to be looked into: the name alone must say the table.
fn unopened_folder() -> MockBackupStore {
    let mut store = MockBackupStore::new();
    store.expect_resolve().never();
    store.expect_open().never();
    store
}

#[test]
fn the_folder_or_the_name_of_a_file_says_its_table_without_opening_it() {
    let store = unopened_folder();
    let storage = MockBulkStorage::new();
    let backups = Backups::new(&storage, &store);
    for (name, table) in [
        ("jobs/old.avro", Table::Jobs),
        (
            "hired_employees/hired_employees-1.avro",
            Table::HiredEmployees,
        ),
        ("departments-20261125T104500Z.avro", Table::Departments),
        ("jobs.avro", Table::Jobs),
        (
            "hired_employees-20261125T104500Z.avro",
            Table::HiredEmployees,
        ),
        // The folder wins over the name; whether the file is safe is for `resolve` to say.
        ("departments/jobs-1.avro", Table::Departments),
        ("departments/../../departments-1.avro", Table::Departments),
    ] {
        assert_eq!(backups.table_of(name), Ok(table), "{name}");
    }
}

#[test]
fn a_name_that_does_not_say_is_looked_for_in_each_folder_and_the_file_says() {
    let mut store = MockBackupStore::new();
    store.expect_resolve().times(2).returning(|table, name| {
        assert_eq!(name, "old.avro");
        match table {
            Table::Departments => Err(BackupError::NotFound(format!("no departments/{name}"))),
            Table::Jobs => Ok(PathBuf::from("jobs/old.avro")),
            Table::HiredEmployees => panic!("looked further than the first folder holding it"),
        }
    });
    store
        .expect_open()
        .withf(|path: &Path| path == Path::new("jobs/old.avro"))
        .times(1)
        .returning(|_| Ok(Box::new(reader(Table::Jobs, "jobs/old.avro", vec![])) as _));
    let storage = MockBulkStorage::new();
    let table = Backups::new(&storage, &store).table_of("old.avro");
    assert_eq!(table, Ok(Table::Jobs));
}

#[test]
fn a_name_found_in_no_folder_is_not_found() {
    let mut store = MockBackupStore::new();
    store
        .expect_resolve()
        .times(Table::ALL.len())
        .returning(|table, name| Err(BackupError::NotFound(format!("no {table}/{name}"))));
    store.expect_open().never();
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .table_of("nothing.avro")
        .unwrap_err();
    assert_eq!(
        err,
        BackupError::NotFound("there is no backup file \"nothing.avro\"".into())
    );
}

#[test]
fn an_unsafe_name_that_does_not_say_is_refused_at_the_first_folder() {
    let mut store = MockBackupStore::new();
    store.expect_resolve().times(1).returning(|_, name| {
        Err(BackupError::UnsafeName {
            name: name.to_owned(),
            reason: "it is an absolute path".into(),
        })
    });
    store.expect_open().never();
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .table_of("/etc/passwd")
        .unwrap_err();
    assert!(matches!(err, BackupError::UnsafeName { .. }), "{err:?}");
}

#[test]
fn restore_named_restores_the_table_the_name_says_from_that_file() {
    let mut store = MockBackupStore::new();
    store
        .expect_resolve()
        .withf(|table, name| *table == Table::Jobs && name == "jobs-1.avro")
        .times(1)
        .returning(|_, _| Ok(PathBuf::from("jobs/jobs-1.avro")));
    store.expect_set_ids().returning(|| Ok(Vec::new()));
    store.expect_open().times(1).returning(|_| {
        let rows = vec![Ok(job_row(1)), Ok(job_row(2))];
        Ok(Box::new(reader(Table::Jobs, "jobs/jobs-1.avro", rows)) as _)
    });
    let (storage, committed) = replacing_storage(None);
    let summary = Backups::new(&storage, &store)
        .restore_named("jobs-1.avro")
        .unwrap();
    assert_eq!(
        summary.tables,
        vec![TableRestore {
            table: Table::Jobs,
            file: "jobs/jobs-1.avro".into(),
            rows: 2
        }]
    );
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Jobs, vec![job_row(1), job_row(2)])]
    );
}

#[test]
fn restore_named_of_a_name_that_does_not_say_restores_the_files_table() {
    let mut store = MockBackupStore::new();
    store.expect_resolve().returning(|table, _| match table {
        Table::Departments => Ok(PathBuf::from("departments/old.avro")),
        other => panic!("{other} looked into"),
    });
    store.expect_set_ids().returning(|| Ok(Vec::new()));
    // Opened once to read its table, once to restore it.
    store.expect_open().times(2).returning(|_| {
        Ok(Box::new(reader(
            Table::Departments,
            "departments/old.avro",
            vec![Ok(dept_row(1))],
        )) as _)
    });
    let (storage, committed) = replacing_storage(None);
    let summary = Backups::new(&storage, &store)
        .restore_named("old.avro")
        .unwrap();
    assert_eq!(summary.tables[0].table, Table::Departments);
    assert_eq!(summary.tables[0].file, "departments/old.avro");
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Departments, vec![dept_row(1)])]
    );
}

#[test]
fn restore_named_of_an_unknown_file_is_refused_before_storage_is_touched() {
    let mut store = MockBackupStore::new();
    store
        .expect_resolve()
        .returning(|_, name| Err(BackupError::NotFound(format!("no {name}"))));
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    let err = Backups::new(&storage, &store)
        .restore_named("nothing.avro")
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::Files(BackupError::NotFound(
            "there is no backup file \"nothing.avro\"".into()
        ))
    );
}
