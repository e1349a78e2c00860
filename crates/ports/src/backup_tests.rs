use super::*;
use crate::{MockBackupReader, MockBackupStore, MockBackupWriter, MockBulkStorage};
use hiring_domain::{Department, FieldError, HiredEmployee, Job, Record, RowErrors};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

fn dept(id: i64) -> AnyRow {
    Department::from_fields(&[&id.to_string(), &format!("Department {id}")])
        .unwrap()
        .into()
}

fn job(id: i64) -> AnyRow {
    Job::from_fields(&[&id.to_string(), "Clerk"])
        .unwrap()
        .into()
}

fn hire(id: i64, department: i64, job: i64) -> AnyRow {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        "Ann",
        "2021-01-01T00:00:00Z",
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
    .into()
}

fn info(table: Table, file: &str, rows: u64) -> BackupInfo {
    BackupInfo {
        table,
        file: file.to_owned(),
        rows: Some(rows),
        size: 100,
        created_at: Some("2026-11-25T10:00:00Z".into()),
        codec: "null".into(),
        schema_version: 1,
        sha256: None,
    }
}

/// A snapshot of `tables` as storage would stream it.
fn storage_with(tables: Vec<(Table, Vec<AnyRow>)>) -> (MockBulkStorage, Arc<Mutex<Vec<Table>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    let mut storage = MockBulkStorage::new();
    storage.expect_snapshot().returning(move |wanted, sink| {
        log.lock().unwrap().extend_from_slice(wanted);
        let mut total = 0;
        for table in wanted {
            let rows = tables
                .iter()
                .find(|(t, _)| t == table)
                .map(|(_, rows)| rows.clone())
                .unwrap_or_default();
            sink.begin_table(*table, rows.len() as u64)?;
            for row in rows {
                sink.row(row)?;
                total += 1;
            }
            sink.end_table(*table)?;
        }
        Ok(total)
    });
    (storage, asked)
}

type Files = Arc<Mutex<Vec<(Table, Vec<AnyRow>, bool)>>>;

/// A backup folder whose writers record what they were given and whether they finished.
fn recording_store() -> (MockBackupStore, Files) {
    let files: Files = Arc::default();
    let log = files.clone();
    let mut store = MockBackupStore::new();
    store
        .expect_remove_stale_temporaries()
        .returning(|| Ok(Vec::new()));
    store.expect_save_set().returning(|set| {
        Ok(crate::SetManifest {
            format_version: crate::MANIFEST_VERSION,
            id: "20261125T100000Z".parse().unwrap(),
            created_at: set.created_at.clone(),
            schema_version: 1,
            files: set.files.clone(),
        })
    });
    store.expect_create().returning(move |table, rows, _codec| {
        let index = {
            let mut files = log.lock().unwrap();
            files.push((table, Vec::new(), false));
            files.len() - 1
        };
        let mut writer = MockBackupWriter::new();
        let appended = log.clone();
        writer.expect_append().returning(move |row| {
            appended.lock().unwrap()[index].1.push(row.clone());
            Ok(())
        });
        let finished = log.clone();
        writer.expect_finish().returning(move || {
            finished.lock().unwrap()[index].2 = true;
            let mut written = info(table, &format!("{table}/{table}-1.avro"), rows);
            written.sha256 = Some(crate::Checksum::from_bytes([7; 32]));
            Ok(written)
        });
        Ok(Box::new(writer) as Box<dyn BackupWriter>)
    });
    (store, files)
}

#[test]
fn backup_of_no_table_means_every_table_parents_first() {
    let (storage, asked) = storage_with(vec![
        (Table::Departments, vec![dept(1), dept(2)]),
        (Table::Jobs, vec![job(1)]),
        (Table::HiredEmployees, vec![hire(1, 1, 1)]),
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
    assert_eq!(files[0].1, vec![dept(1), dept(2)]);
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
    let (storage, _) = storage_with(vec![(Table::Departments, vec![dept(1), dept(2)])]);
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

/// A reader of `file` giving `rows` (or an error in their place).
fn reader(table: Table, file: &str, rows: Vec<Result<AnyRow, BackupError>>) -> MockBackupReader {
    let mut reader = MockBackupReader::new();
    let count = rows.len() as u64;
    reader.expect_info().return_const(info(table, file, count));
    let mut rows: VecDeque<_> = rows.into();
    reader
        .expect_next_row()
        .returning(move || rows.pop_front().transpose());
    reader
}

type Readers = Arc<Mutex<Vec<(String, MockBackupReader)>>>;

/// A backup folder whose newest file of table `t` is `t/newest.avro`, opening the readers given.
fn folder(readers: Vec<(&str, MockBackupReader)>) -> MockBackupStore {
    let readers: Readers = Arc::new(Mutex::new(
        readers
            .into_iter()
            .map(|(path, r)| (path.to_owned(), r))
            .collect(),
    ));
    let mut store = MockBackupStore::new();
    store.expect_set_ids().returning(|| Ok(Vec::new()));
    store
        .expect_newest()
        .returning(|table| Ok(Some(PathBuf::from(format!("{table}/newest.avro")))));
    store.expect_open().returning(move |path: &Path| {
        let mut readers = readers.lock().unwrap();
        let at = readers
            .iter()
            .position(|(p, _)| Path::new(p) == path)
            .ok_or_else(|| BackupError::NotFound(format!("{} does not exist", path.display())))?;
        Ok(Box::new(readers.remove(at).1) as Box<dyn BackupReader>)
    });
    store
}

type Replaced = Arc<Mutex<Vec<(Table, Vec<AnyRow>)>>>;

/// Storage that drains the row source table by table, as the adapters do, and keeps the
/// result only if the whole call succeeds.
fn replacing_storage(missing: Option<Vec<MissingParents>>) -> (MockBulkStorage, Replaced) {
    let committed: Replaced = Arc::default();
    let log = committed.clone();
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().returning(move |tables, source| {
        let mut written = Vec::new();
        for table in tables {
            let mut rows = Vec::new();
            while let Some(row) = source.next_row(*table)? {
                rows.push(row);
            }
            written.push((*table, rows));
        }
        if let Some(missing) = missing.clone() {
            return Err(ReplaceError::MissingParents(missing));
        }
        let counts = written.iter().map(|(_, r)| r.len() as u64).collect();
        *log.lock().unwrap() = written;
        Ok(counts)
    });
    (storage, committed)
}

#[test]
fn a_plan_of_every_table_replaces_them_in_dependency_order() {
    let store = folder(vec![
        (
            "hired_employees/newest.avro",
            reader(Table::HiredEmployees, "h.avro", vec![Ok(hire(1, 1, 1))]),
        ),
        (
            "jobs/newest.avro",
            reader(Table::Jobs, "j.avro", vec![Ok(job(1))]),
        ),
        (
            "departments/newest.avro",
            reader(Table::Departments, "d.avro", vec![Ok(dept(1)), Ok(dept(2))]),
        ),
    ]);
    let (storage, committed) = replacing_storage(None);
    let plan: Vec<(Table, RestoreSource)> = Table::ALL
        .into_iter()
        .rev()
        .map(|t| (t, RestoreSource::Newest))
        .collect();
    let summary = Backups::new(&storage, &store).restore(&plan).unwrap();
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, Table::ALL.to_vec());
    let restored: Vec<(Table, &str, u64)> = summary
        .tables
        .iter()
        .map(|t| (t.table, t.file.as_str(), t.rows))
        .collect();
    assert_eq!(
        restored,
        vec![
            (Table::Departments, "d.avro", 2),
            (Table::Jobs, "j.avro", 1),
            (Table::HiredEmployees, "h.avro", 1)
        ]
    );
}

#[test]
fn a_plan_in_any_order_is_restored_parents_first() {
    let store = folder(vec![
        (
            "hired_employees/newest.avro",
            reader(Table::HiredEmployees, "h.avro", vec![]),
        ),
        (
            "departments/newest.avro",
            reader(Table::Departments, "d.avro", vec![]),
        ),
    ]);
    let (storage, committed) = replacing_storage(None);
    Backups::new(&storage, &store)
        .restore(&[
            (Table::HiredEmployees, RestoreSource::Newest),
            (Table::Departments, RestoreSource::Newest),
        ])
        .unwrap();
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, vec![Table::Departments, Table::HiredEmployees]);
}

#[test]
fn a_file_of_another_table_is_refused_before_storage_is_touched() {
    let store = folder(vec![(
        "departments/newest.avro",
        reader(Table::Jobs, "jobs/jobs-1.avro", vec![Ok(job(1))]),
    )]);
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::WrongTable {
            file: "jobs/jobs-1.avro".into(),
            expected: Table::Departments,
            found: Table::Jobs
        }
    );
    assert!(err
        .to_string()
        .contains("is a backup of jobs, not of departments"));
}

#[test]
fn no_backup_at_all_is_a_clear_error() {
    let mut store = MockBackupStore::new();
    store.expect_newest().returning(|_| Ok(None));
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "restore refused, no table changed: there is no backup of jobs"
    );
}

#[test]
fn a_named_file_is_resolved_inside_the_folder_and_refusals_pass_through() {
    let mut store = MockBackupStore::new();
    store
        .expect_resolve()
        .withf(|table, name| *table == Table::Jobs && name == "../etc/passwd")
        .returning(|_, name| {
            Err(BackupError::UnsafeName {
                name: name.to_owned(),
                reason: "it leads out of the backup folder".into(),
            })
        });
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Named("../etc/passwd".into()))
        .unwrap_err();
    assert!(matches!(
        err,
        RestoreError::Files(BackupError::UnsafeName { .. })
    ));
}

#[test]
fn an_invalid_record_refuses_the_whole_restore() {
    let invalid = BackupError::InvalidRecord {
        file: "d.avro".into(),
        record: 2,
        errors: RowErrors::from_vec(vec![FieldError::new("department", "is required")]).unwrap(),
    };
    let store = folder(vec![(
        "departments/newest.avro",
        reader(
            Table::Departments,
            "d.avro",
            vec![Ok(dept(1)), Err(invalid.clone()), Ok(dept(3))],
        ),
    )]);
    let (storage, committed) = replacing_storage(None);
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(err, RestoreError::Files(invalid));
    assert!(committed.lock().unwrap().is_empty(), "nothing committed");
    assert!(err
        .to_string()
        .contains("record 2 is invalid: department: is required"));
}

#[test]
fn a_repeated_id_refuses_the_restore() {
    let store = folder(vec![(
        "jobs/newest.avro",
        reader(
            Table::Jobs,
            "j.avro",
            vec![Ok(job(1)), Ok(job(2)), Ok(job(1))],
        ),
    )]);
    let (storage, committed) = replacing_storage(None);
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::DuplicateId {
            file: "j.avro".into(),
            table: Table::Jobs,
            id: Id::new(1).unwrap()
        }
    );
    assert!(committed.lock().unwrap().is_empty());
}

#[test]
fn missing_parents_are_reported_with_their_ids() {
    let store = folder(vec![(
        "departments/newest.avro",
        reader(Table::Departments, "d.avro", vec![Ok(dept(1))]),
    )]);
    let missing = vec![MissingParents {
        parent: Table::Departments,
        column: "department_id",
        ids: vec![Id::new(2).unwrap()],
        missing: 1,
        rows: 3,
    }];
    let (storage, _) = replacing_storage(Some(missing.clone()));
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(err, RestoreError::MissingParents(missing));
    assert!(
        err.to_string()
            .contains("reference departments that do not exist (department_id 2)"),
        "{err}"
    );
}

#[test]
fn a_storage_failure_is_reported_as_such() {
    let store = folder(vec![(
        "jobs/newest.avro",
        reader(Table::Jobs, "j.avro", vec![Ok(job(1))]),
    )]);
    let mut storage = MockBulkStorage::new();
    storage
        .expect_replace()
        .returning(|_, _| Err(ReplaceError::Repo(RepoError::Unavailable("down".into()))));
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::Storage(RepoError::Unavailable("down".into()))
    );
}

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
        let rows = vec![Ok(job(1)), Ok(job(2))];
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
        vec![(Table::Jobs, vec![job(1), job(2)])]
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
            vec![Ok(dept(1))],
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
        vec![(Table::Departments, vec![dept(1)])]
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
