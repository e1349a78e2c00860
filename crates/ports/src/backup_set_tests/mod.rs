//! The rules of backup sets, on mocks: a set is recorded only once every file is complete, a
//! restore of every table takes one whole set and verifies every file before storage is touched.

mod restoring;
mod writing;

use super::*;
use crate::test_support::{dept_row, hire_row, job_row, replacing_storage, set_id, sets_by_id};
use crate::{
    Checksum, MockBackupReader, MockBackupStore, MockBackupWriter, MockBulkStorage, SetManifest,
    MANIFEST_VERSION,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub(super) fn rows_of(table: Table) -> Vec<AnyRow> {
    match table {
        Table::Departments => vec![dept_row(1), dept_row(2)],
        Table::Jobs => vec![job_row(1)],
        Table::HiredEmployees => vec![hire_row(1, 1, 1), hire_row(2, 1, 1), hire_row(3, 1, 1)],
    }
}

pub(super) fn sum(byte: u8) -> Checksum {
    Checksum::from_bytes([byte; 32])
}

pub(super) fn name(set: &str, table: Table) -> String {
    format!("{table}/{table}-{set}.avro")
}

/// The manifest of set `set` holding `tables`, each file of [`rows_of`] rows, 100 bytes and
/// checksum `[1; 32]`.
pub(super) fn manifest(set: &str, tables: &[Table]) -> SetManifest {
    SetManifest {
        format_version: MANIFEST_VERSION,
        id: set_id(set),
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
    let (ids, by_id) = sets_by_id(sets);
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

pub(super) fn untouched_storage() -> MockBulkStorage {
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    storage
}
