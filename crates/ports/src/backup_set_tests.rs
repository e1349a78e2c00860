//! The rules of backup sets, on mocks: a set is recorded only once every file is complete, a
//! restore of every table takes one whole set and verifies every file before storage is touched.

use super::*;
use crate::{
    Checksum, MockBackupReader, MockBackupStore, MockBackupWriter, MockBulkStorage, SetManifest,
    MANIFEST_VERSION,
};
use hiring_domain::{Department, HiredEmployee, Job, Record};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn dept(id: i64) -> AnyRow {
    Department::from_fields(&[&id.to_string(), "Sales"])
        .unwrap()
        .into()
}

fn job(id: i64) -> AnyRow {
    Job::from_fields(&[&id.to_string(), "Clerk"])
        .unwrap()
        .into()
}

fn hire(id: i64) -> AnyRow {
    HiredEmployee::from_fields(&[&id.to_string(), "Ann", "2021-01-01T00:00:00Z", "1", "1"])
        .unwrap()
        .into()
}

fn rows_of(table: Table) -> Vec<AnyRow> {
    match table {
        Table::Departments => vec![dept(1), dept(2)],
        Table::Jobs => vec![job(1)],
        Table::HiredEmployees => vec![hire(1), hire(2), hire(3)],
    }
}

fn sum(byte: u8) -> Checksum {
    Checksum::from_bytes([byte; 32])
}

fn id(text: &str) -> SetId {
    text.parse().unwrap()
}

fn name(set: &str, table: Table) -> String {
    format!("{table}/{table}-{set}.avro")
}

/// The manifest of set `set` holding `tables`, each file of [`rows_of`] rows, 100 bytes and
/// checksum `[1; 32]`.
fn manifest(set: &str, tables: &[Table]) -> SetManifest {
    SetManifest {
        format_version: MANIFEST_VERSION,
        id: id(set),
        created_at: "2026-12-03T09:00:00.000000Z".into(),
        schema_version: 1,
        files: tables
            .iter()
            .map(|&table| SetFile {
                table,
                file: name(set, table),
                rows: rows_of(table).len() as u64,
                bytes: 100,
                sha256: sum(1),
            })
            .collect(),
    }
}

/// A file on the fake disk: its table, rows, declared rows, size and checksum.
#[derive(Clone)]
struct Disk {
    table: Table,
    rows: Vec<AnyRow>,
    declared: u64,
    size: u64,
    sha256: Checksum,
}

impl Disk {
    /// The file exactly as [`manifest`] records it.
    fn recorded(table: Table) -> Self {
        let rows = rows_of(table);
        Self {
            table,
            declared: rows.len() as u64,
            rows,
            size: 100,
            sha256: sum(1),
        }
    }

    fn reader(&self, file: &str) -> MockBackupReader {
        let mut reader = MockBackupReader::new();
        reader.expect_info().return_const(BackupInfo {
            table: self.table,
            file: file.to_owned(),
            rows: Some(self.declared),
            size: self.size,
            created_at: None,
            codec: "null".into(),
            schema_version: 1,
            sha256: None,
        });
        let mut rows: std::collections::VecDeque<_> = self.rows.clone().into();
        reader
            .expect_next_row()
            .returning(move || Ok(rows.pop_front()));
        reader
    }
}

/// A backup folder of `sets` (newest first) and `files` (by name).
fn folder(
    sets: Vec<Result<SetManifest, BackupError>>,
    files: HashMap<String, Disk>,
) -> MockBackupStore {
    counting_folder(sets, files).0
}

/// [`folder`], and how many times a file was read whole for its checksum.
fn counting_folder(
    sets: Vec<Result<SetManifest, BackupError>>,
    files: HashMap<String, Disk>,
) -> (MockBackupStore, Arc<Mutex<usize>>) {
    let checksums = Arc::new(Mutex::new(0));
    let files = Arc::new(files);
    let ids: Vec<SetId> = sets
        .iter()
        .enumerate()
        .map(|(i, s)| match s {
            Ok(m) => m.id.clone(),
            Err(_) => id(&format!("broken{i}")),
        })
        .collect();
    let by_id: HashMap<SetId, Result<SetManifest, BackupError>> =
        ids.iter().cloned().zip(sets).collect();
    let mut store = MockBackupStore::new();
    store.expect_set_ids().returning(move || Ok(ids.clone()));
    store.expect_read_set().returning(move |id| {
        by_id.get(id).cloned().unwrap_or_else(|| {
            Err(BackupError::NotFound(format!(
                "there is no backup set {id}"
            )))
        })
    });
    let known = files.clone();
    store.expect_resolve().returning(move |_, name| {
        if known.contains_key(name) {
            Ok(PathBuf::from(name))
        } else {
            Err(BackupError::NotFound(format!("no {name}")))
        }
    });
    let opened = files.clone();
    store.expect_open().returning(move |path| {
        let name = path.to_string_lossy().into_owned();
        let disk = opened
            .get(&name)
            .ok_or_else(|| BackupError::NotFound(name.clone()))?;
        Ok(Box::new(disk.reader(&name)) as Box<dyn BackupReader>)
    });
    let summed = files.clone();
    let count = checksums.clone();
    store.expect_checksum().returning(move |path| {
        *count.lock().unwrap() += 1;
        let disk = &summed[path.to_string_lossy().as_ref()];
        Ok((disk.size, disk.sha256))
    });
    (store, checksums)
}

/// Every file of `sets`, as recorded.
fn disks(sets: &[&SetManifest]) -> HashMap<String, Disk> {
    sets.iter()
        .flat_map(|m| m.files.iter())
        .map(|f| (f.file.clone(), Disk::recorded(f.table)))
        .collect()
}

type Replaced = Arc<Mutex<Vec<(Table, Vec<AnyRow>)>>>;

fn replacing_storage() -> (MockBulkStorage, Replaced) {
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
        let counts = written.iter().map(|(_, r)| r.len() as u64).collect();
        *log.lock().unwrap() = written;
        Ok(counts)
    });
    (storage, committed)
}

fn untouched_storage() -> MockBulkStorage {
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    storage
}

#[test]
fn restore_all_takes_the_newest_set_holding_every_table() {
    // The newest set holds jobs only (`backup jobs`): not a backup of every table.
    let jobs_only = manifest("20261203T100000Z", &[Table::Jobs]);
    let whole = manifest("20261203T090000Z", &Table::ALL);
    let older = manifest("20261202T090000Z", &Table::ALL);
    let files = disks(&[&jobs_only, &whole, &older]);
    let store = folder(vec![Ok(jobs_only), Ok(whole), Ok(older)], files);
    let (storage, committed) = replacing_storage();
    let summary = Backups::new(&storage, &store).restore_all().unwrap();
    assert_eq!(summary.set, Some(id("20261203T090000Z")));
    let files: Vec<&str> = summary.tables.iter().map(|t| t.file.as_str()).collect();
    assert_eq!(
        files,
        Table::ALL
            .iter()
            .map(|t| name("20261203T090000Z", *t))
            .collect::<Vec<_>>()
    );
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, Table::ALL.to_vec());
}

#[test]
fn a_chosen_set_is_restored_whatever_its_tables() {
    let newest = manifest("20261203T090000Z", &Table::ALL);
    let jobs_only = manifest("20261202T090000Z", &[Table::Jobs]);
    let files = disks(&[&newest, &jobs_only]);
    let store = folder(vec![Ok(newest), Ok(jobs_only)], files);
    let (storage, committed) = replacing_storage();
    let summary = Backups::new(&storage, &store)
        .restore_set(Some(&id("20261202T090000Z")))
        .unwrap();
    assert_eq!(summary.set, Some(id("20261202T090000Z")));
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Jobs, vec![job(1)])]
    );
}

#[test]
fn an_unknown_set_is_not_found() {
    let store = folder(vec![], HashMap::new());
    let err = Backups::new(&untouched_storage(), &store)
        .restore_set(Some(&id("20990101T000000Z")))
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::Files(BackupError::NotFound(
            "there is no backup set 20990101T000000Z".into()
        ))
    );
}

#[test]
fn without_a_set_of_every_table_restore_all_is_refused_pointing_elsewhere() {
    // Files without any manifest (older backups, or a run that failed) never make a set.
    let mut files = HashMap::new();
    for table in Table::ALL {
        files.insert(name("20261203T090000Z", table), Disk::recorded(table));
    }
    let store = folder(
        vec![Ok(manifest("20261203T080000Z", &[Table::Jobs]))],
        files,
    );
    let err = Backups::new(&untouched_storage(), &store)
        .restore_all()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, RestoreError::Files(BackupError::NotFound(_))),
        "{err:?}"
    );
    assert!(
        text.contains("there is no backup set of every table"),
        "{text}"
    );
    assert!(text.contains("choose a set"), "{text}");
}

/// Restores every table from the only set, whose file of `table` is `disk`, and expects a
/// refusal before storage is touched.
fn refused_with(table: Table, disk: Option<Disk>) -> BackupError {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let mut files = disks(&[&set]);
    match disk {
        Some(disk) => files.insert(name("20261203T090000Z", table), disk),
        None => files.remove(&name("20261203T090000Z", table)),
    };
    let store = folder(vec![Ok(set)], files);
    match Backups::new(&untouched_storage(), &store).restore_all() {
        Err(RestoreError::Files(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_edited_file_of_the_set_is_refused_before_any_table_is_touched() {
    // Same size and row count, other bytes: only the checksum tells.
    let edited = Disk {
        sha256: sum(2),
        ..Disk::recorded(Table::HiredEmployees)
    };
    let err = refused_with(Table::HiredEmployees, Some(edited));
    assert!(matches!(err, BackupError::Mismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("hired_employees/hired_employees-20261203T090000Z.avro"),
        "{text}"
    );
    assert!(
        text.contains("does not match backup set 20261203T090000Z"),
        "{text}"
    );
    assert!(
        text.contains(&format!("its SHA-256 is {}", sum(2))),
        "{text}"
    );
}

#[test]
fn a_missing_file_of_the_set_is_refused() {
    let err = refused_with(Table::Jobs, None);
    assert_eq!(
        err.to_string(),
        "backup set 20261203T090000Z is incomplete: its jobs file \
         jobs/jobs-20261203T090000Z.avro is missing"
    );
}

#[test]
fn a_file_of_another_size_row_count_or_table_is_refused() {
    let recorded = Disk::recorded(Table::Departments);
    let longer = Disk {
        size: 120,
        ..recorded.clone()
    };
    assert!(refused_with(Table::Departments, Some(longer))
        .to_string()
        .contains("it has 120 bytes, the manifest records 100"));
    let fewer = Disk {
        declared: 1,
        rows: vec![dept(1)],
        ..recorded.clone()
    };
    assert!(refused_with(Table::Departments, Some(fewer))
        .to_string()
        .contains("it declares 1 rows, the manifest records 2"));
    let other = Disk::recorded(Table::Jobs);
    assert!(refused_with(Table::Departments, Some(other))
        .to_string()
        .contains("it holds jobs, the manifest records departments"));
}

#[test]
fn an_unreadable_manifest_before_a_whole_set_refuses_the_restore() {
    let whole = manifest("20261202T090000Z", &Table::ALL);
    let files = disks(&[&whole]);
    let broken = BackupError::Corrupt {
        file: "sets/x.json".into(),
        reason: "not JSON".into(),
    };
    let store = folder(vec![Err(broken.clone()), Ok(whole)], files);
    let err = Backups::new(&untouched_storage(), &store)
        .restore_all()
        .unwrap_err();
    assert_eq!(err, RestoreError::Files(broken));
}

#[test]
fn a_single_table_restore_verifies_a_file_that_a_set_lists() {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let file = name("20261203T090000Z", Table::Jobs);
    let mut files = disks(&[&set]);
    files.get_mut(&file).unwrap().sha256 = sum(9);
    let store = folder(vec![Ok(set)], files);
    let err = Backups::new(&untouched_storage(), &store)
        .restore_table(Table::Jobs, RestoreSource::Named(file))
        .unwrap_err();
    assert!(
        matches!(&err, RestoreError::Files(BackupError::Mismatch { set, .. }) if set == "20261203T090000Z"),
        "{err:?}"
    );
}

#[test]
fn a_single_table_restore_of_a_listed_file_as_recorded_goes_through() {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let store = folder(vec![Ok(set.clone())], disks(&[&set]));
    let (storage, committed) = replacing_storage();
    Backups::new(&storage, &store)
        .restore_table(
            Table::Jobs,
            RestoreSource::Named(name("20261203T090000Z", Table::Jobs)),
        )
        .unwrap();
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Jobs, vec![job(1)])]
    );
}

#[test]
fn a_file_no_set_lists_is_restored_without_a_checksum() {
    let files: HashMap<String, Disk> = [(
        "jobs/from-elsewhere.avro".to_owned(),
        Disk::recorded(Table::Jobs),
    )]
    .into();
    let (store, checksums) =
        counting_folder(vec![Ok(manifest("20261203T090000Z", &Table::ALL))], files);
    let (storage, committed) = replacing_storage();
    Backups::new(&storage, &store)
        .restore_table(
            Table::Jobs,
            RestoreSource::Named("jobs/from-elsewhere.avro".into()),
        )
        .unwrap();
    assert_eq!(committed.lock().unwrap().len(), 1);
    assert_eq!(*checksums.lock().unwrap(), 0);
}

#[test]
fn the_listing_says_which_sets_are_complete() {
    let whole = manifest("20261203T090000Z", &Table::ALL);
    let damaged = manifest("20261202T090000Z", &Table::ALL);
    let mut files = disks(&[&whole, &damaged]);
    files.remove(&name("20261202T090000Z", Table::HiredEmployees));
    let broken = BackupError::Corrupt {
        file: "sets/x.json".into(),
        reason: "not JSON".into(),
    };
    let (mut store, checksums) = counting_folder(vec![Ok(whole), Ok(damaged), Err(broken)], files);
    store.expect_list().returning(|| Ok(Vec::new()));
    let storage = MockBulkStorage::new();
    let listing = Backups::new(&storage, &store).listing().unwrap();
    let sets: Vec<(&str, bool, usize, u64)> = listing
        .sets
        .iter()
        .map(|s| (s.id.as_str(), s.complete, s.tables.len(), s.rows))
        .collect();
    assert_eq!(
        sets,
        vec![
            ("20261203T090000Z", true, 3, 6),
            ("20261202T090000Z", false, 3, 6),
            ("broken2", false, 0, 0),
        ]
    );
    assert!(listing.sets[1]
        .problem
        .as_deref()
        .unwrap()
        .contains("hired_employees-20261202T090000Z.avro is missing"));
    assert!(listing.sets[2]
        .problem
        .as_deref()
        .unwrap()
        .contains("not JSON"));
    assert_eq!(
        *checksums.lock().unwrap(),
        0,
        "listing never reads whole files"
    );
}

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
            id: id("20261203T090001Z"),
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
    assert_eq!(summary.set, id("20261203T090001Z"));
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
