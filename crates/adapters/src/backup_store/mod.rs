//! The backup-store port on Avro object container files (the `apache-avro` crate).
//!
//! Layout: `<dir>/<table>/<table>-<UTC yyyymmddThhmmssZ>.avro`, one file per table and backup.
//! When that name is taken (two backups within one second) the file becomes
//! `<table>-<stamp>-2.avro`, `-3`, ...: an existing file is never replaced.
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

mod header;
mod listing;
mod reader;
mod removal;
mod schema_names;
pub mod sets;
pub mod temps;
mod writer;

use apache_avro::Schema;
use hiring_domain::Table;
use hiring_ports::{
    BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Checksum, Codec, NewSet,
    SetId, SetManifest, StoredFile,
};
use reader::AvroReader;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;
use temps::temporary_name;
use writer::AvroWriter;

/// Metadata key: the table the file backs up.
pub const META_TABLE: &str = "hiring.table";
/// Metadata key: how many records the file holds.
pub const META_ROWS: &str = "hiring.rows";
/// Metadata key: the version of the record schema.
pub const META_SCHEMA_VERSION: &str = "hiring.schema_version";
/// Metadata key: when the backup was taken (RFC 3339, UTC, microseconds).
pub const META_CREATED_AT: &str = "hiring.created_at";

/// Uncompressed bytes per Avro block: large enough to compress well and keep the per-block
/// cost low, small enough to keep memory flat.
const BLOCK_BYTES: usize = 256 * 1024;

/// Buffer of the file reader and writer.
const IO_BUFFER: usize = 1 << 20;

/// The Avro record schema of `table`, as shipped in `src/avro/<table>.avsc`.
pub fn schema_json(table: Table) -> &'static str {
    match table {
        Table::Departments => include_str!("../avro/departments.avsc"),
        Table::Jobs => include_str!("../avro/jobs.avsc"),
        Table::HiredEmployees => include_str!("../avro/hired_employees.avsc"),
    }
}

struct Schemas {
    parsed: [Schema; 3],
    canonical: [String; 3],
}

fn schemas() -> Result<&'static Schemas, BackupError> {
    static SCHEMAS: OnceLock<Result<Schemas, String>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let parse = |table: Table| {
                Schema::parse_str(schema_json(table)).map_err(|e| format!("{table}.avsc: {e}"))
            };
            let parsed = [
                parse(Table::Departments)?,
                parse(Table::Jobs)?,
                parse(Table::HiredEmployees)?,
            ];
            let canonical = [
                parsed[0].canonical_form(),
                parsed[1].canonical_form(),
                parsed[2].canonical_form(),
            ];
            Ok(Schemas { parsed, canonical })
        })
        .as_ref()
        .map_err(|e| BackupError::IncompatibleSchema {
            file: "built-in schema".into(),
            reason: e.clone(),
        })
}

fn slot(table: Table) -> usize {
    match table {
        Table::Departments => 0,
        Table::Jobs => 1,
        Table::HiredEmployees => 2,
    }
}

fn avro_codec(codec: Codec) -> apache_avro::Codec {
    match codec {
        Codec::Null => apache_avro::Codec::Null,
        Codec::Deflate => apache_avro::Codec::Deflate(apache_avro::DeflateSettings::default()),
        Codec::Snappy => apache_avro::Codec::Snappy,
        Codec::Zstandard => {
            apache_avro::Codec::Zstandard(apache_avro::ZstandardSettings::default())
        }
    }
}

fn io_error(file: &Path, e: &io::Error) -> BackupError {
    BackupError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    }
}

/// Gives the synced file `temp` the first of `names` that is free, never replacing a file, and
/// removes the temporary name: `None` when every name is taken.
fn link_new(
    temp: &Path,
    names: impl IntoIterator<Item = PathBuf>,
) -> Result<Option<PathBuf>, BackupError> {
    for target in names {
        match fs::hard_link(temp, &target) {
            Ok(()) => {
                fs::remove_file(temp).map_err(|e| io_error(temp, &e))?;
                return Ok(Some(target));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            // A file system without hard links: check, then rename (not atomic against a
            // concurrent backup within the same second).
            Err(_) if !target.exists() => {
                fs::rename(temp, &target).map_err(|e| io_error(&target, &e))?;
                return Ok(Some(target));
            }
            Err(_) => continue,
        }
    }
    Ok(None)
}

/// Backup files in one folder, as Avro object container files.
#[derive(Debug, Clone)]
pub struct AvroBackupStore {
    dir: PathBuf,
}

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
        let mut all = Vec::new();
        for table in Table::ALL {
            for path in self.files_of(table)? {
                match self.info_of(&path) {
                    Ok(info) => all.push(info),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), error = %e, "unreadable backup file left out of the list")
                    }
                }
            }
        }
        Ok(all)
    }

    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError> {
        Ok(self.files_of(table)?.into_iter().next())
    }

    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError> {
        let refuse = |reason: &str| BackupError::UnsafeName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        if name.is_empty() {
            return Err(refuse("it is empty"));
        }
        if name.contains('\0') {
            return Err(refuse("it contains a NUL character"));
        }
        let relative = Path::new(name);
        if relative.has_root() || relative.is_absolute() {
            return Err(refuse("absolute paths are not allowed"));
        }
        let mut parts = 0;
        for component in relative.components() {
            match component {
                Component::Normal(_) => parts += 1,
                Component::CurDir => {}
                Component::ParentDir => return Err(refuse("`..` is not allowed")),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(refuse("absolute paths are not allowed"))
                }
            }
        }
        let candidate = if parts == 1 {
            self.dir.join(table.name()).join(relative)
        } else {
            self.dir.join(relative)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_schemas_parse_and_name_their_tables() {
        let schemas = schemas().unwrap();
        for table in Table::ALL {
            let canonical = &schemas.canonical[slot(table)];
            assert!(
                canonical.contains(&format!("\"name\":\"hiring.{table}\"")),
                "{canonical}"
            );
            for column in table.columns() {
                assert!(canonical.contains(&format!("\"name\":\"{column}\"")));
            }
        }
    }

    #[test]
    fn hire_times_are_timestamp_micros() {
        let schemas = schemas().unwrap();
        let Schema::Record(record) = &schemas.parsed[slot(Table::HiredEmployees)] else {
            panic!("hired_employees.avsc is not a record");
        };
        let types: Vec<(&str, &Schema)> = record
            .fields
            .iter()
            .map(|f| (f.name.as_str(), &f.schema))
            .collect();
        assert_eq!(
            types,
            [
                ("id", &Schema::Int),
                ("name", &Schema::String),
                ("datetime", &Schema::TimestampMicros),
                ("department_id", &Schema::Int),
                ("job_id", &Schema::Int),
            ]
        );
    }
}
