//! The backup use cases against mocks: backing up, restoring, resolving named files.

use super::*;
use crate::test_support::{dept_row, hire_row, job_row, replacing_storage};
use crate::{MockBackupReader, MockBackupStore, MockBackupWriter, MockBulkStorage};
use hiring_domain::{FieldError, RowErrors};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

mod backing_up;
mod named_files;
mod progress;
mod restoring;

pub(super) fn info(table: Table, file: &str, rows: u64) -> BackupInfo {
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
pub(super) fn storage_with(
    tables: Vec<(Table, Vec<AnyRow>)>,
) -> (MockBulkStorage, Arc<Mutex<Vec<Table>>>) {
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

pub(super) type Files = Arc<Mutex<Vec<(Table, Vec<AnyRow>, bool)>>>;

/// A backup folder whose writers record what they were given and whether they finished.
pub(super) fn recording_store() -> (MockBackupStore, Files) {
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

/// A reader of `file` giving `rows` (or an error in their place).
pub(super) fn reader(
    table: Table,
    file: &str,
    rows: Vec<Result<AnyRow, BackupError>>,
) -> MockBackupReader {
    let mut reader = MockBackupReader::new();
    let count = rows.len() as u64;
    reader.expect_info().return_const(info(table, file, count));
    let mut rows: VecDeque<_> = rows.into();
    reader
        .expect_next_row()
        .returning(move || rows.pop_front().transpose());
    reader
}

pub(super) type Readers = Arc<Mutex<Vec<(String, MockBackupReader)>>>;

/// A backup folder whose newest file of table `t` is `t/newest.avro`, opening the readers given.
pub(super) fn folder(readers: Vec<(&str, MockBackupReader)>) -> MockBackupStore {
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
