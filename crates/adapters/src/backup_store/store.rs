//! The backup store itself: one folder, and how its paths are shown.

use std::fs;
use std::path::{Path, PathBuf};

/// Backup files in one folder, as Avro object container files.
#[derive(Debug, Clone)]
pub struct AvroBackupStore {
    pub(super) dir: PathBuf,
}

impl AvroBackupStore {
    /// Keeps backups under `dir` (created on the first backup).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The backup folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` as shown to people: relative to the backup folder when inside it.
    pub(super) fn display(&self, path: &Path) -> String {
        if let Ok(relative) = path.strip_prefix(&self.dir) {
            return relative.display().to_string();
        }
        if let (Ok(root), Ok(real)) = (fs::canonicalize(&self.dir), fs::canonicalize(path)) {
            if let Ok(relative) = real.strip_prefix(root) {
                return relative.display().to_string();
            }
        }
        path.display().to_string()
    }
}
