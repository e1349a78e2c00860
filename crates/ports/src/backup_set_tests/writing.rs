//! Backups make sets: cleanup first, the manifest last, no set for a failed run.

use super::*;

/// Storage streaming a snapshot of every table, failing at `fail_at` if given.
fn snapshot(fail_at: Option<Table>) -> MockBulkStorage {
    let mut storage = MockBulkStorage::new();
    storage.expect_snapshot().returning(move |tables, sink| {
        for table in tables {
            if Some(*table) == fail_at {
                return Err(RepoError::Unavailable("connection lost".into()));
            }
            let rows = rows_of(*table);
            sink.begin_table(*table, rows.len() as u64)?;
            for row in rows {
                sink.row(row)?;
            }
            sink.end_table(*table)?;
        }
        Ok(6)
    });
    storage
}

type Events = Arc<Mutex<Vec<String>>>;
type Saved = Arc<Mutex<Option<NewSet>>>;

/// A folder whose writers log what happens; the file of a table of n rows has 10 × n bytes
/// and checksum `[n; 32]`, and the k-th file started says it was created at second k.
fn writing_folder(cleanup: Result<Vec<String>, BackupError>) -> (MockBackupStore, Events, Saved) {
    let events: Events = Arc::default();
    let saved: Saved = Arc::default();
    let mut store = MockBackupStore::new();
    let log = events.clone();
    store.expect_remove_stale_temporaries().returning(move || {
        log.lock().unwrap().push("clean".into());
        cleanup.clone()
    });
    let log = events.clone();
    let started = Arc::new(Mutex::new(0u64));
    store.expect_create().returning(move |table, rows, _| {
        log.lock().unwrap().push(format!("create {table}"));
        let second = {
            let mut started = started.lock().unwrap();
            *started += 1;
            *started
        };
        let mut writer = MockBackupWriter::new();
        writer.expect_append().returning(|_| Ok(()));
        let log = log.clone();
        writer.expect_finish().returning(move || {
            log.lock().unwrap().push(format!("finish {table}"));
            Ok(BackupInfo {
                table,
                file: format!("{table}/{table}-1.avro"),
                rows: Some(rows),
                size: 10 * rows,
                created_at: Some(format!("2026-12-03T09:00:0{second}.000000Z")),
                codec: "null".into(),
                schema_version: 1,
                sha256: Some(sum(rows as u8)),
            })
        });
        Ok(Box::new(writer) as Box<dyn BackupWriter>)
    });
    let log = events.clone();
    let keep = saved.clone();
    store.expect_save_set().returning(move |set| {
        log.lock().unwrap().push("save set".into());
        *keep.lock().unwrap() = Some(set.clone());
        Ok(SetManifest {
            format_version: MANIFEST_VERSION,
            id: set_id("20261203T090001Z"),
            created_at: set.created_at.clone(),
            schema_version: 1,
            files: set.files.clone(),
        })
    });
    (store, events, saved)
}

#[test]
fn a_backup_cleans_up_first_and_records_its_set_last() {
    let (store, events, _) = writing_folder(Ok(vec!["jobs/.jobs-x.avro.1-0.tmp".into()]));
    let summary = Backups::new(&snapshot(None), &store)
        .backup(&[], Codec::Null)
        .unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [
            "clean",
            "create departments",
            "finish departments",
            "create jobs",
            "finish jobs",
            "create hired_employees",
            "finish hired_employees",
            "save set",
        ]
    );
    assert_eq!(summary.set, set_id("20261203T090001Z"));
    // The snapshot time is when its first file was started.
    assert_eq!(summary.created_at, "2026-12-03T09:00:01.000000Z");
    assert_eq!(summary.removed_temporaries, ["jobs/.jobs-x.avro.1-0.tmp"]);
    assert_eq!(summary.files.len(), 3);
}

#[test]
fn the_manifest_records_each_files_table_name_rows_size_and_checksum() {
    let (store, _, saved) = writing_folder(Ok(Vec::new()));
    Backups::new(&snapshot(None), &store)
        .backup(&[Table::HiredEmployees, Table::Jobs], Codec::Null)
        .unwrap();
    let saved = saved.lock().unwrap().clone().unwrap();
    assert_eq!(saved.created_at, "2026-12-03T09:00:01.000000Z");
    assert_eq!(
        saved.files,
        vec![
            SetFile {
                table: Table::Jobs,
                file: "jobs/jobs-1.avro".into(),
                rows: 1,
                bytes: 10,
                sha256: sum(1),
            },
            SetFile {
                table: Table::HiredEmployees,
                file: "hired_employees/hired_employees-1.avro".into(),
                rows: 3,
                bytes: 30,
                sha256: sum(3),
            },
        ]
    );
}

#[test]
fn a_backup_failing_on_the_second_table_records_no_set() {
    let (store, events, saved) = writing_folder(Ok(Vec::new()));
    let err = Backups::new(&snapshot(Some(Table::Jobs)), &store)
        .backup(&[], Codec::Null)
        .unwrap_err();
    assert_eq!(
        err,
        BackupRunError::Storage(RepoError::Unavailable("connection lost".into()))
    );
    assert_eq!(
        *events.lock().unwrap(),
        ["clean", "create departments", "finish departments"]
    );
    assert!(saved.lock().unwrap().is_none());
}

#[test]
fn a_file_finished_without_a_checksum_records_no_set() {
    let mut store = MockBackupStore::new();
    store
        .expect_remove_stale_temporaries()
        .returning(|| Ok(Vec::new()));
    store.expect_create().returning(|table, rows, _| {
        let mut writer = MockBackupWriter::new();
        writer.expect_append().returning(|_| Ok(()));
        writer.expect_finish().returning(move || {
            Ok(BackupInfo {
                table,
                file: format!("{table}/{table}-1.avro"),
                rows: Some(rows),
                size: 1,
                created_at: None,
                codec: "null".into(),
                schema_version: 1,
                sha256: None,
            })
        });
        Ok(Box::new(writer) as Box<dyn BackupWriter>)
    });
    store.expect_save_set().never();
    let err = Backups::new(&snapshot(None), &store)
        .backup(&[Table::Jobs], Codec::Null)
        .unwrap_err();
    assert!(err.to_string().contains("reports no checksum"), "{err}");
}

#[test]
fn a_failing_cleanup_does_not_stop_the_backup() {
    let denied = BackupError::Io {
        file: "jobs".into(),
        message: "Permission denied".into(),
    };
    let (store, events, saved) = writing_folder(Err(denied));
    let summary = Backups::new(&snapshot(None), &store)
        .backup(&[], Codec::Null)
        .unwrap();
    assert!(summary.removed_temporaries.is_empty());
    assert_eq!(events.lock().unwrap().last().unwrap(), "save set");
    assert!(saved.lock().unwrap().is_some());
}
