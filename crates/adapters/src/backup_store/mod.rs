//! The backup-store port on Avro object container files (the `apache-avro` crate).
//!
//! Layout: `<dir>/<table>/<table>-<UTC yyyymmddThhmmssZ>.avro`, one file per table and backup.
//! When a backup of that second exists (two backups within one second) the file becomes
//! `<table>-<stamp>-2.avro`, `-3`, ..., one past the highest suffix of that second in the folder
//! (so a new file sorts newest even when older ones of its second were pruned): an existing
//! file is never replaced.
//!
//! Each file holds records of the table's schema (`src/avro/<table>.avsc`, version
//! [`SCHEMA_VERSION`](hiring_ports::SCHEMA_VERSION)) and metadata that makes it describe
//! itself: `hiring.table`, `hiring.rows`, `hiring.schema_version` and `hiring.created_at`
//! (RFC 3339, UTC). The row count
//! is written in the header before the rows, so a file cut short exactly between two blocks is
//! still caught when it is read.
//!
//! Writing goes to a hidden temporary file in the same folder, which is flushed and fsynced,
//! then hard-linked to its final name (which fails rather than replaces when the name exists)
//! and unlinked; the folder is fsynced last. No partial file ever carries a backup's name. The
//! writer hashes the bytes as they go to the file (SHA-256).
//!
//! The files of one backup run make a set: once all of them are complete, its manifest is
//! written the same way to `<dir>/sets/<set id>.json` (see [`sets`]). Stale temporary files of
//! interrupted backups are removed by the next backup (see [`temps`]). Pruning removes
//! manifests and backup files by name, only names of the store's own shape, never through a
//! link (see `removal`).

mod encode;
mod files;
mod format;
mod header;
mod listing;
mod names;
mod reader;
mod removal;
pub mod s3;
mod schema_names;
pub mod sets;
mod store;
pub mod temps;
mod writer;

pub use format::{schema_json, META_CREATED_AT, META_ROWS, META_SCHEMA_VERSION, META_TABLE};
pub use store::AvroBackupStore;

/// The backup store at `location`: the bucket and prefix of an `s3://bucket/prefix` URL
/// (see [`s3`]), else the folder of that path.
pub fn backup_store_at(location: &Path) -> Result<std::sync::Arc<dyn BackupStore>, String> {
    match location.to_str().and_then(s3::S3Location::parse) {
        Some(parsed) => Ok(std::sync::Arc::new(s3::S3BackupStore::from_env(parsed?)?)),
        None => Ok(std::sync::Arc::new(AvroBackupStore::new(location))),
    }
}

use hiring_domain::Table;
use hiring_ports::{
    BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Checksum, Codec, NewSet,
    SetId, SetManifest, StoredFile,
};
use reader::AvroReader;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use writer::AvroWriter;

impl BackupStore for AvroBackupStore {
    fn create(
        &self,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Box<dyn BackupWriter>, BackupError> {
        Ok(Box::new(AvroWriter::create(self, table, rows, codec)?))
    }

    fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        let mut files = Vec::new();
        for table in Table::ALL {
            files.extend(self.files_of(table)?);
        }
        Ok(listing::readable(
            files,
            |path| self.info_of(path),
            |path| path.display().to_string(),
        ))
    }

    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError> {
        Ok(self.files_of(table)?.into_iter().next())
    }

    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError> {
        let candidate = self.dir.join(names::checked_name(table, name)?);
        let refuse = |reason: &str| BackupError::UnsafeName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let not_found = || BackupError::NotFound(format!("there is no backup file {name:?}"));
        let root = fs::canonicalize(&self.dir).map_err(|_| not_found())?;
        let real = fs::canonicalize(&candidate).map_err(|_| not_found())?;
        if !real.starts_with(&root) {
            return Err(refuse("it is a link leading out of the backup folder"));
        }
        if !real.is_file() {
            return Err(not_found());
        }
        Ok(real)
    }

    fn open(&self, path: &Path) -> Result<Box<dyn BackupReader>, BackupError> {
        Ok(Box::new(AvroReader::open(path, self.display(path))?))
    }

    fn checksum(&self, path: &Path) -> Result<(u64, Checksum), BackupError> {
        sets::checksum_of(path, &self.display(path))
    }

    fn save_set(&self, set: &NewSet) -> Result<SetManifest, BackupError> {
        self.write_set(set)
    }

    fn set_ids(&self) -> Result<Vec<SetId>, BackupError> {
        self.list_set_ids()
    }

    fn read_set(&self, id: &SetId) -> Result<SetManifest, BackupError> {
        self.read_manifest(id)
    }

    fn remove_stale_temporaries(&self) -> Result<Vec<String>, BackupError> {
        self.remove_stale(SystemTime::now())
    }

    fn stored_files(&self) -> Result<Vec<StoredFile>, BackupError> {
        self.stored()
    }

    fn remove_file(&self, file: &str) -> Result<bool, BackupError> {
        self.remove_backup_file(file)
    }

    fn remove_set(&self, id: &SetId) -> Result<bool, BackupError> {
        self.remove_manifest(id)
    }
}
