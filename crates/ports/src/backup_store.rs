//! The backup-store port: where backup files of whole tables are written, found and read back.
//!
//! A backup file holds the rows of one table and describes itself (table, row count, schema
//! version, creation time). Files live in one backup folder; names coming from outside (an API
//! request) are only ever resolved inside it.

use crate::{AnyRow, Checksum, NewSet, SetId, SetManifest};
use hiring_domain::{RowErrors, Table};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

/// Version of the record schemas written by this release (stored in every file).
pub const SCHEMA_VERSION: u32 = 1;

/// How the blocks of a backup file are compressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// No compression.
    #[default]
    Null,
    /// Deflate (zlib without header).
    Deflate,
    /// Snappy, with a CRC-32 per block.
    Snappy,
    /// Zstandard.
    Zstandard,
}

impl Codec {
    /// Every codec.
    pub const ALL: [Codec; 4] = [Codec::Null, Codec::Deflate, Codec::Snappy, Codec::Zstandard];

    /// The codec's name as written in files and accepted on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Null => "null",
            Codec::Deflate => "deflate",
            Codec::Snappy => "snappy",
            Codec::Zstandard => "zstandard",
        }
    }
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Codec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Codec::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                format!("unknown codec {s:?}: expected one of null, deflate, snappy, zstandard")
            })
    }
}

/// What a backup file says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    /// The table backed up.
    pub table: Table,
    /// The file, relative to the backup folder when it lies inside it (`departments/departments-20261125T104500Z.avro`),
    /// otherwise as given.
    pub file: String,
    /// Rows the file declares; `None` when its metadata does not say (a file written by another
    /// tool).
    pub rows: Option<u64>,
    /// Size in bytes.
    pub size: u64,
    /// When the backup was taken (RFC 3339, UTC), if the file says.
    pub created_at: Option<String>,
    /// The block compression.
    pub codec: String,
    /// Version of the record schema.
    pub schema_version: u32,
    /// SHA-256 of the file's bytes: known for a file just written, not for a listed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Checksum>,
}

/// A file of the backup folder named as the store names the backup files it writes, readable
/// or not: what pruning may remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// The table whose folder holds it.
    pub table: Table,
    /// The file, relative to the backup folder (`departments/departments-20261125T104500Z.avro`),
    /// as [`BackupInfo::file`] and set manifests name it.
    pub file: String,
    /// Size in bytes.
    pub bytes: u64,
    /// When it was last written.
    pub modified: SystemTime,
}

/// What a backup-store operation can fail with. Nothing here names a file format library.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupError {
    /// No such backup.
    #[error("{0}")]
    NotFound(String),
    /// A file name that would lead out of the backup folder (`../`, an absolute path, a link
    /// pointing outside).
    #[error("refused backup file name {name:?}: {reason}")]
    UnsafeName {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// Reading or writing the file system failed.
    #[error("{file}: {message}")]
    Io {
        /// The file or folder.
        file: String,
        /// The operating system's message.
        message: String,
    },
    /// The file is not a whole, readable backup file (truncated, damaged, not a backup at all).
    #[error("{file} is truncated or corrupt: {reason}")]
    Corrupt {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// The file's record schema is not the one this release reads.
    #[error("{file} has an incompatible schema: {reason}")]
    IncompatibleSchema {
        /// The file.
        file: String,
        /// How it differs.
        reason: String,
    },
    /// A record breaks a data-dictionary rule.
    #[error("{file} record {record} is invalid: {errors}")]
    InvalidRecord {
        /// The file.
        file: String,
        /// The record's position in the file, from 1.
        record: u64,
        /// Every rule it breaks.
        errors: RowErrors,
    },
    /// A file is not the one its backup set's manifest records (its checksum, size, row count
    /// or table differ): it was replaced or edited after the backup.
    #[error("{file} does not match backup set {set}: {reason}")]
    Mismatch {
        /// The set.
        set: String,
        /// The file.
        file: String,
        /// What differs.
        reason: String,
    },
    /// A file that a backup set's manifest lists is missing.
    #[error("backup set {set} is incomplete: {reason}")]
    IncompleteSet {
        /// The set.
        set: String,
        /// What is missing.
        reason: String,
    },
    /// A name the store refuses to remove: not a backup file or manifest of the backup folder
    /// (outside it, through a link, a folder, another kind of file).
    #[error("refused to remove {name:?}: {reason}")]
    RemoveRefused {
        /// The name as given.
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// Removing a file failed (permissions, a read-only file system).
    #[error("{file} could not be removed: {message}")]
    RemoveFailed {
        /// The file.
        file: String,
        /// The operating system's message.
        message: String,
    },
}

/// Writes one backup file. Dropping a writer that was not finished removes what it wrote: no
/// partial file ever carries a backup's name.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait BackupWriter: Send {
    /// Appends one row (of the writer's table).
    fn append(&mut self, row: &AnyRow) -> Result<(), BackupError>;

    /// Completes the file: everything is written and synced to disk, then the file takes its
    /// final name. Fails when the rows appended are not the count announced at creation.
    fn finish(&mut self) -> Result<BackupInfo, BackupError>;
}

/// Reads one backup file, checking each record against the domain rules.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait BackupReader: Send {
    /// What the file says about itself (read when it was opened).
    fn info(&self) -> BackupInfo;

    /// The next row, or `None` at the end of the file. A damaged file, a count of records that
    /// differs from the one the file declares, or a record breaking a rule is an error.
    fn next_row(&mut self) -> Result<Option<AnyRow>, BackupError>;
}

/// The folder of backup files.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait BackupStore: Send + Sync {
    /// Starts a new backup file of `table` that will hold exactly `rows` rows, never replacing
    /// an existing file.
    fn create(
        &self,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Box<dyn BackupWriter>, BackupError>;

    /// Every readable backup in the folder: tables in [`Table::ALL`] order, newest first.
    /// Files that cannot be read are left out (and logged).
    fn list(&self) -> Result<Vec<BackupInfo>, BackupError>;

    /// The newest backup file of `table`, if any.
    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError>;

    /// Resolves a file name received from outside, strictly inside the backup folder: a bare
    /// file name is looked up in the folder of `table`, a relative path from the backup
    /// folder. `..`, absolute paths and links leading outside the folder are refused.
    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError>;

    /// Opens a backup file for reading, checking its header and schema.
    fn open(&self, path: &Path) -> Result<Box<dyn BackupReader>, BackupError>;

    /// Size and SHA-256 of a file's bytes, read whole.
    fn checksum(&self, path: &Path) -> Result<(u64, Checksum), BackupError>;

    /// Records a set whose files are all complete: its manifest is written last, atomically,
    /// under a new id (never replacing another set's), and returned.
    fn save_set(&self, set: &NewSet) -> Result<SetManifest, BackupError>;

    /// The ids of every set that has a manifest, newest first.
    fn set_ids(&self) -> Result<Vec<SetId>, BackupError>;

    /// The manifest of set `id`: `NotFound` when there is none, `Corrupt` when it is
    /// unreadable.
    fn read_set(&self, id: &SetId) -> Result<SetManifest, BackupError>;

    /// Removes the temporary files that interrupted backups left behind (never one still being
    /// written) and returns their names.
    fn remove_stale_temporaries(&self) -> Result<Vec<String>, BackupError>;

    /// Every file of the table folders named as the store names backups, readable or not
    /// (damaged files and files of failed runs included). Links, hidden temporary files and
    /// files named otherwise are left out: they are not backups the store wrote.
    fn stored_files(&self) -> Result<Vec<StoredFile>, BackupError>;

    /// Removes the backup file `file` (named as [`BackupStore::stored_files`] names it),
    /// strictly inside the backup folder, never following a link: `Ok(false)` when it is
    /// already gone.
    fn remove_file(&self, file: &str) -> Result<bool, BackupError>;

    /// Removes the manifest of set `id` (never its files): `Ok(false)` when it is already gone.
    fn remove_set(&self, id: &SetId) -> Result<bool, BackupError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_parse_from_their_names() {
        for codec in Codec::ALL {
            assert_eq!(codec.name().parse::<Codec>().unwrap(), codec);
        }
        assert!("gzip".parse::<Codec>().unwrap_err().contains("zstandard"));
        assert_eq!(Codec::default(), Codec::Null);
    }
}
