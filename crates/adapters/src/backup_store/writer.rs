//! Writing one backup file: a hidden temporary file, flushed, fsynced, then linked to its final
//! name.

use super::encode::{append_to, finish_once, Encoder};
use super::files::{io_error, link_new, next_suffix, with_suffix};
use super::listing::name_key;
use super::store::AvroBackupStore;
use super::temps::temporary_name;
use chrono::{SecondsFormat, Utc};
use hiring_domain::Table;
use hiring_ports::{AnyRow, BackupError, BackupInfo, BackupWriter, Codec, SCHEMA_VERSION};
use std::fs::{self, File, OpenOptions};
use std::path::PathBuf;

/// Writes one backup file under a temporary name.
pub(super) struct AvroWriter {
    table: Table,
    codec: Codec,
    root: PathBuf,
    folder: PathBuf,
    stamp: String,
    created_at: String,
    temp: PathBuf,
    encoder: Option<Encoder<File>>,
    finished: bool,
}

impl AvroWriter {
    pub(super) fn create(
        store: &AvroBackupStore,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Self, BackupError> {
        let folder = store.dir.join(table.name());
        fs::create_dir_all(&folder).map_err(|e| io_error(&folder, &e))?;
        let now = Utc::now();
        let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
        let created_at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let temp = folder.join(temporary_name(&format!("{}-{stamp}.avro", table.name())));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| io_error(&temp, &e))?;
        // Held while the file is being written: the cleanup of stale temporary files of the
        // next backups leaves it alone. A file system without locks relies on the age alone.
        if let Err(e) = file.try_lock() {
            tracing::debug!(file = %temp.display(), error = %e, "temporary backup file not locked");
        }
        let mut this = Self {
            table,
            codec,
            root: store.dir.clone(),
            folder,
            stamp,
            created_at: created_at.clone(),
            temp,
            encoder: None,
            finished: false,
        };
        let encoder =
            Encoder::new(file, table, rows, codec, &created_at).map_err(|e| this.io(e))?;
        this.encoder = Some(encoder);
        Ok(this)
    }

    fn io(&self, message: String) -> BackupError {
        BackupError::Io {
            file: self.temp.display().to_string(),
            message,
        }
    }

    /// Gives the synced temporary file its final name without replacing any file, and returns
    /// that name.
    fn link_final(&self) -> Result<PathBuf, BackupError> {
        let first = next_suffix(&self.folder, &self.stamp, |name| {
            let (ours, stamp, n, _) = name_key(self.table, name);
            ours.then_some((stamp, n))
        });
        let base = format!("{}-{}", self.table.name(), self.stamp);
        let names = (first..first.saturating_add(1000))
            .map(|n| self.folder.join(format!("{}.avro", with_suffix(&base, n))));
        link_new(&self.temp, names)?
            .ok_or_else(|| self.io("every name for this second is taken".into()))
    }
}

impl BackupWriter for AvroWriter {
    fn append(&mut self, row: &AnyRow) -> Result<(), BackupError> {
        append_to(&mut self.encoder, row).map_err(|e| self.io(e))
    }

    fn finish(&mut self) -> Result<BackupInfo, BackupError> {
        let encoded = finish_once(&mut self.encoder).map_err(|e| self.io(e))?;
        let rows = encoded.rows;
        encoded
            .sink
            .sync_all()
            .map_err(|e| io_error(&self.temp, &e))?;
        let sha256 = encoded.sha256;
        drop(encoded.sink);
        let target = self.link_final()?;
        self.finished = true;
        // The new name (and the removal of the temporary one) must survive a crash too.
        File::open(&self.folder)
            .and_then(|folder| folder.sync_all())
            .map_err(|e| io_error(&self.folder, &e))?;
        let size = fs::metadata(&target)
            .map_err(|e| io_error(&target, &e))?
            .len();
        let file = target
            .strip_prefix(&self.root)
            .unwrap_or(&target)
            .display()
            .to_string();
        Ok(BackupInfo {
            table: self.table,
            file,
            rows: Some(rows),
            size,
            created_at: Some(self.created_at.clone()),
            codec: self.codec.name().to_owned(),
            schema_version: SCHEMA_VERSION,
            sha256: Some(sha256),
        })
    }
}

impl Drop for AvroWriter {
    fn drop(&mut self) {
        // Close the file first: the Avro writer flushes on drop.
        self.encoder = None;
        if !self.finished {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
