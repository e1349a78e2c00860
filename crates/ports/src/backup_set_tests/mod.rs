//! The rules of backup sets, on mocks: a set is recorded only once every file is complete, a
//! restore of every table takes one whole set and verifies every file before storage is touched.

mod restoring;
mod writing;

use super::*;
use crate::{
    Checksum, MockBackupReader, MockBackupStore, MockBackupWriter, MockBulkStorage, SetManifest,
    MANIFEST_VERSION,
};
use hiring_domain::{Department, HiredEmployee, Job, Record};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) fn dept(id: i64) -> AnyRow {
    Department::from_fields(&[&id.to_string(), "Sales"])
        .unwrap()
        .into()
}

pub(super) fn job(id: i64) -> AnyRow {
    Job::from_fields(&[&id.to_string(), "Clerk"])
        .unwrap()
        .into()
}

pub(super) fn hire(id: i64) -> AnyRow {
    HiredEmployee::from_fields(&[&id.to_string(), "Ann", "2021-01-01T00:00:00Z", "1", "1"])
        .unwrap()
        .into()
}

pub(super) fn rows_of(table: Table) -> Vec<AnyRow> {
    match table {
        Table::Departments => vec![dept(1), dept(2)],
        Table::Jobs => vec![job(1)],
        Table::HiredEmployees => vec![hire(1), hire(2), hire(3)],
    }
}

pub(super) fn sum(byte: u8) -> Checksum {
    Checksum::from_bytes([byte; 32])
}

pub(super) fn id(text: &str) -> SetId {
    text.parse().unwrap()
}

pub(super) fn name(set: &str, table: Table) -> String {
    format!("{table}/{table}-{set}.avro")
}

/// The manifest of set `set` holding `tables`, each file of [`rows_of`] rows, 100 bytes and
/// checksum `[1; 32]`.
pub(super) fn manifest(set: &str, tables: &[Table]) -> SetManifest {
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
pub(super) struct Disk {
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
pub(super) fn folder(
    sets: Vec<Result<SetManifest, BackupError>>,
    files: HashMap<String, Disk>,
) -> MockBackupStore {
    counting_folder(sets, files).0
}

/// [`folder`], and how many times a file was read whole for its checksum.
pub(super) fn counting_folder(
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
pub(super) fn disks(sets: &[&SetManifest]) -> HashMap<String, Disk> {
    sets.iter()
        .flat_map(|m| m.files.iter())
        .map(|f| (f.file.clone(), Disk::recorded(f.table)))
        .collect()
}

pub(super) type Replaced = Arc<Mutex<Vec<(Table, Vec<AnyRow>)>>>;

pub(super) fn replacing_storage() -> (MockBulkStorage, Replaced) {
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

pub(super) fn untouched_storage() -> MockBulkStorage {
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    storage
}
