//! The rules of backup sets: which set a restore of every table takes, what makes a set
//! complete, and the verification of every file against its manifest before any table is
//! touched.

use super::{Backups, FileSource, RestoreError, RestoreSummary};
use crate::{
    BackupError, BackupInfo, BackupReader, BackupStore, SetFile, SetId, SetManifest, SetStatus,
};
use hiring_domain::Table;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// What the backup folder holds: the sets, and every readable file (in a set or not). As
/// JSON, `{"sets": [...], "backups": [...]}`, as `GET /api/v1/backups` answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupListing {
    /// Every set that has a manifest, newest first.
    pub sets: Vec<SetStatus>,
    /// Every readable backup file: tables in dependency order, newest first.
    #[serde(rename = "backups")]
    pub files: Vec<BackupInfo>,
}

/// The sets and the files of the backup folder `files` (no storage needed).
pub fn listing(files: &dyn BackupStore) -> Result<BackupListing, BackupError> {
    Ok(BackupListing {
        sets: sets(files)?,
        files: files.list()?,
    })
}

/// Every set of `files` that has a manifest, newest first, each saying whether it is complete:
/// every file it lists is present, readable, of its table, of the recorded size and row count.
/// Checksums are only read by restores.
pub fn sets(files: &dyn BackupStore) -> Result<Vec<SetStatus>, BackupError> {
    let mut sets = Vec::new();
    for id in files.set_ids()? {
        let status = match files.read_set(&id) {
            Ok(manifest) => status(files, manifest),
            Err(e) => SetStatus {
                id,
                created_at: None,
                complete: false,
                tables: Vec::new(),
                rows: 0,
                bytes: 0,
                problem: Some(e.to_string()),
                files: Vec::new(),
            },
        };
        sets.push(status);
    }
    Ok(sets)
}

fn status(files: &dyn BackupStore, manifest: SetManifest) -> SetStatus {
    let problem = manifest
        .files
        .iter()
        .find_map(|file| present(files, &manifest.id, file).err())
        .map(|e| e.to_string());
    SetStatus {
        tables: manifest.tables(),
        rows: manifest.files.iter().map(|f| f.rows).sum(),
        bytes: manifest.files.iter().map(|f| f.bytes).sum(),
        complete: problem.is_none(),
        problem,
        id: manifest.id,
        created_at: Some(manifest.created_at),
        files: manifest.files,
    }
}

/// Opens `file` of set `set` when it is there as the manifest records it (its checksum
/// aside).
fn present(
    files: &dyn BackupStore,
    set: &SetId,
    file: &SetFile,
) -> Result<Box<dyn BackupReader>, BackupError> {
    let path = match files.resolve(file.table, &file.file) {
        Ok(path) => path,
        Err(BackupError::NotFound(_)) => {
            return Err(BackupError::IncompleteSet {
                set: set.to_string(),
                reason: format!("its {} file {} is missing", file.table, file.file),
            })
        }
        Err(e) => return Err(e),
    };
    let reader = files.open(&path)?;
    let info = reader.info();
    let mismatch = |reason: String| BackupError::Mismatch {
        set: set.to_string(),
        file: file.file.clone(),
        reason,
    };
    if info.table != file.table {
        return Err(mismatch(format!(
            "it holds {}, the manifest records {}",
            info.table, file.table
        )));
    }
    if info.size != file.bytes {
        return Err(mismatch(format!(
            "it has {} bytes, the manifest records {}",
            info.size, file.bytes
        )));
    }
    rows_as_recorded(info.rows, file.rows).map_err(mismatch)?;
    Ok(reader)
}

/// A file must declare the rows its manifest records; otherwise, why not.
fn rows_as_recorded(declared: Option<u64>, recorded: u64) -> Result<(), String> {
    if declared == Some(recorded) {
        return Ok(());
    }
    let declared = declared.map_or_else(|| "no".into(), |n| n.to_string());
    Err(format!(
        "it declares {declared} rows, the manifest records {recorded}"
    ))
}

impl Backups<'_> {
    /// The sets and the files of the backup folder (see [`listing`]).
    pub fn listing(&self) -> Result<BackupListing, BackupError> {
        listing(self.files)
    }

    /// The sets of the backup folder (see [`sets`]).
    pub fn sets(&self) -> Result<Vec<SetStatus>, BackupError> {
        sets(self.files)
    }

    /// Opens `file` of set `set` after checking it is exactly the file recorded: present, of
    /// its size, SHA-256, table and row count.
    fn verified(&self, set: &SetId, file: &SetFile) -> Result<Box<dyn BackupReader>, BackupError> {
        let reader = present(self.files, set, file)?;
        let path = self.files.resolve(file.table, &file.file)?;
        let (bytes, sha256) = self.files.checksum(&path)?;
        let mismatch = |reason: String| BackupError::Mismatch {
            set: set.to_string(),
            file: file.file.clone(),
            reason,
        };
        if bytes != file.bytes {
            return Err(mismatch(format!(
                "it has {bytes} bytes, the manifest records {}",
                file.bytes
            )));
        }
        if sha256 != file.sha256 {
            return Err(mismatch(format!(
                "its SHA-256 is {sha256}, the manifest records {}: it was changed after the backup",
                file.sha256
            )));
        }
        Ok(reader)
    }

    /// The set a restore of every table takes: `id`, or else the newest set holding every
    /// table. A set with an unreadable manifest on the way is refused, not skipped.
    fn chosen_set(&self, id: Option<&SetId>) -> Result<SetManifest, BackupError> {
        if let Some(id) = id {
            return self.files.read_set(id);
        }
        for id in self.files.set_ids()? {
            let manifest = self.files.read_set(&id)?;
            if Table::ALL.iter().all(|t| manifest.file_of(*t).is_some()) {
                return Ok(manifest);
            }
        }
        Err(BackupError::NotFound(
            "there is no backup set of every table (a set is what one backup run wrote, \
             recorded by its manifest; backups taken before sets, or by a run that failed, \
             have none): take a new backup, choose a set, or restore tables one by one from \
             their files"
                .into(),
        ))
    }

    /// Restores every table of one backup set, parents first, in one transaction: the set
    /// `id`, or else the newest set holding every table. Before storage is touched every file
    /// of the set must be there, of its recorded size, SHA-256, table and row count; a file
    /// missing, replaced or edited refuses the whole restore, tables unchanged.
    pub fn restore_set(&self, id: Option<&SetId>) -> Result<RestoreSummary, RestoreError> {
        let started = Instant::now();
        let manifest = self.chosen_set(id)?;
        let mut files: Vec<&SetFile> = manifest.files.iter().collect();
        files.sort_by_key(|f| f.table);
        let mut readers = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            if files[..i].iter().any(|f| f.table == file.table) {
                return Err(BackupError::Corrupt {
                    file: format!("manifest of set {}", manifest.id),
                    reason: format!("it lists {} twice", file.table),
                }
                .into());
            }
            let reader = self.verified(&manifest.id, file)?;
            readers.push(FileSource::new(file.table, reader));
        }
        tracing::info!(set = %manifest.id, "backup set verified");
        self.replace_from(readers, Some(manifest.id), started)
    }

    /// When a set's manifest lists the file at `path`, checks it is the file recorded. Sets
    /// whose manifest cannot be read are left out (and logged).
    pub(super) fn verify_if_listed(
        &self,
        path: &Path,
        info: &BackupInfo,
    ) -> Result<(), BackupError> {
        for id in self.files.set_ids()? {
            let manifest = match self.files.read_set(&id) {
                Ok(manifest) => manifest,
                Err(e) => {
                    tracing::warn!(set = %id, error = %e, "unreadable backup set manifest left out");
                    continue;
                }
            };
            let Some(file) = manifest.files.iter().find(|f| f.file == info.file) else {
                continue;
            };
            let (bytes, sha256) = self.files.checksum(path)?;
            let mismatch = |reason: String| BackupError::Mismatch {
                set: id.to_string(),
                file: info.file.clone(),
                reason,
            };
            if bytes != file.bytes || sha256 != file.sha256 {
                return Err(mismatch(format!(
                    "its SHA-256 is {sha256} ({bytes} bytes), the manifest records {} ({} bytes): \
                     it was changed after the backup",
                    file.sha256, file.bytes
                )));
            }
            rows_as_recorded(info.rows, file.rows).map_err(mismatch)?;
        }
        Ok(())
    }
}
