//! Writing one backup file: a hidden temporary file, flushed, fsynced, then linked to its final
//! name.

use super::files::{io_error, link_new, next_suffix, with_suffix};
use super::format::{avro_codec, schemas, slot, BLOCK_BYTES, IO_BUFFER};
use super::format::{META_CREATED_AT, META_ROWS, META_SCHEMA_VERSION, META_TABLE};
use super::listing::name_key;
use super::store::AvroBackupStore;
use super::temps::temporary_name;
use chrono::{SecondsFormat, Utc};
use hiring_domain::{Record, Table};
use hiring_ports::{
    AnyRow, BackupError, BackupInfo, BackupWriter, Checksum, Codec, SCHEMA_VERSION,
};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

type AvroFileWriter = apache_avro::Writer<'static, BufWriter<HashingFile>>;

/// A file that hashes every byte written to it.
struct HashingFile {
    file: File,
    hasher: Sha256,
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Writes one backup file under a temporary name.
pub(super) struct AvroWriter {
    table: Table,
    declared: u64,
    appended: u64,
    codec: Codec,
    root: PathBuf,
    folder: PathBuf,
    stamp: String,
    created_at: String,
    temp: PathBuf,
    writer: Option<AvroFileWriter>,
    finished: bool,
}

#[derive(serde::Serialize)]
struct DepartmentRecord<'a> {
    id: i32,
    department: &'a str,
}

#[derive(serde::Serialize)]
struct JobRecord<'a> {
    id: i32,
    job: &'a str,
}

#[derive(serde::Serialize)]
struct HireRecord<'a> {
    id: i32,
    name: &'a str,
    datetime: i64,
    department_id: i32,
    job_id: i32,
}

impl AvroWriter {
    pub(super) fn create(
        store: &AvroBackupStore,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Self, BackupError> {
        let schema = &schemas()?.parsed[slot(table)];
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
        let hashing = HashingFile {
            file,
            hasher: Sha256::new(),
        };
        let mut writer = apache_avro::Writer::builder()
            .schema(schema)
            .writer(BufWriter::with_capacity(IO_BUFFER, hashing))
            .codec(avro_codec(codec))
            .block_size(BLOCK_BYTES)
            .build();
        let mut this = Self {
            table,
            declared: rows,
            appended: 0,
            codec,
            root: store.dir.clone(),
            folder,
            stamp,
            created_at: created_at.clone(),
            temp,
            writer: None,
            finished: false,
        };
        for (key, value) in [
            (META_TABLE, table.name().to_owned()),
            (META_ROWS, rows.to_string()),
            (META_SCHEMA_VERSION, SCHEMA_VERSION.to_string()),
            (META_CREATED_AT, created_at),
        ] {
            writer
                .add_user_metadata(key.to_owned(), value)
                .map_err(|e| this.io(e.to_string()))?;
        }
        this.writer = Some(writer);
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
        if row.table() != self.table {
            return Err(self.io(format!(
                "a {} row cannot go into a backup of {}",
                row.table(),
                self.table
            )));
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(self.io("the backup is already finished".into()));
        };
        let result = match row {
            AnyRow::Department(d) => writer.append_ser(DepartmentRecord {
                id: d.id().get(),
                department: d.department(),
            }),
            AnyRow::Job(j) => writer.append_ser(JobRecord {
                id: j.id().get(),
                job: j.job(),
            }),
            AnyRow::HiredEmployee(h) => writer.append_ser(HireRecord {
                id: h.id().get(),
                name: h.name(),
                datetime: h.datetime().micros(),
                department_id: h.department_id().get(),
                job_id: h.job_id().get(),
            }),
        };
        result.map_err(|e| self.io(e.to_string()))?;
        self.appended += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<BackupInfo, BackupError> {
        let Some(writer) = self.writer.take() else {
            return Err(self.io("the backup is already finished".into()));
        };
        if self.appended != self.declared {
            return Err(self.io(format!(
                "{} rows were written but {} were announced",
                self.appended, self.declared
            )));
        }
        let buffered = writer.into_inner().map_err(|e| self.io(e.to_string()))?;
        let hashing = buffered
            .into_inner()
            .map_err(|e| io_error(&self.temp, e.error()))?;
        hashing
            .file
            .sync_all()
            .map_err(|e| io_error(&self.temp, &e))?;
        let sha256 = Checksum::from_bytes(hashing.hasher.finalize().into());
        drop(hashing.file);
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
            rows: Some(self.appended),
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
        self.writer = None;
        if !self.finished {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
