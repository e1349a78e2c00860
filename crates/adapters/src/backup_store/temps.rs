//! Temporary files left by interrupted backups: hidden files named `.<name>.<pid>-<n>.tmp` in
//! the table folders and in `sets/`.
//!
//! The next backup removes those that are stale: not locked by the process writing them (a
//! writer holds a lock on its temporary file until it is complete) and not written to for
//! [`STALE_AFTER`] (a writer writes at least every megabyte, so a file being written is always
//! younger than that; this also covers file systems without locks).

use super::files::io_error;
use super::store::AvroBackupStore;
use hiring_domain::Table;
use hiring_ports::BackupError;
use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// How long a temporary file must have been left unwritten to be removed.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Makes temporary names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new hidden temporary name for the file `name`: `.<name>.<pid>-<n>.tmp`.
pub(super) fn temporary_name(name: &str) -> String {
    format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

impl AvroBackupStore {
    /// Removes the stale temporary files (see the module) and returns them, relative to the
    /// backup folder.
    pub(super) fn remove_stale(&self, now: SystemTime) -> Result<Vec<String>, BackupError> {
        let mut folders: Vec<PathBuf> =
            Table::ALL.iter().map(|t| self.dir.join(t.name())).collect();
        folders.push(self.sets_folder());
        let mut removed = Vec::new();
        for folder in folders {
            let entries = match fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_error(&folder, &e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| io_error(&folder, &e))?;
                let path = entry.path();
                let is_candidate = entry.file_name().to_str().is_some_and(is_temporary)
                    && entry.file_type().is_ok_and(|t| t.is_file());
                if is_candidate && is_stale(&path, now) {
                    match fs::remove_file(&path) {
                        Ok(()) => removed.push(self.display(&path)),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io_error(&path, &e)),
                    }
                }
            }
        }
        Ok(removed)
    }
}

/// Not written to for [`STALE_AFTER`] and not locked by a writer.
fn is_stale(path: &Path, now: SystemTime) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age >= STALE_AFTER));
    if !old {
        return false;
    }
    match file.try_lock() {
        Ok(()) => true,
        Err(TryLockError::WouldBlock) => false,
        // No locks on this file system: the age alone decides.
        Err(TryLockError::Error(_)) => true,
    }
}
