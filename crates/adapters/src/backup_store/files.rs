//! File-system steps shared by the writers: errors naming their file, and publishing a finished
//! temporary file under a new name without ever replacing one.

use hiring_ports::BackupError;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub(super) fn io_error(file: &Path, e: &io::Error) -> BackupError {
    BackupError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    }
}

/// Gives the synced file `temp` the first of `names` that is free, never replacing a file, and
/// removes the temporary name: `None` when every name is taken.
pub(super) fn link_new(
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
