//! Finding backup files in the folder: each table's files, newest first.

use super::files::io_error;
use super::reader::AvroReader;
use super::store::AvroBackupStore;
use hiring_domain::Table;
use hiring_ports::{BackupError, BackupInfo};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

impl AvroBackupStore {
    /// The backup files of `table`, newest first (by the stamp and suffix of their names;
    /// names of another shape come last).
    pub(super) fn files_of(&self, table: Table) -> Result<Vec<PathBuf>, BackupError> {
        let folder = self.dir.join(table.name());
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&folder, &e)),
        };
        let root = fs::canonicalize(&self.dir).map_err(|e| io_error(&self.dir, &e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&folder, &e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !name.ends_with(".avro") {
                continue;
            }
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // A link leading out of the backup folder is never listed nor taken as the newest.
            if fs::canonicalize(&path).is_ok_and(|real| real.starts_with(&root)) {
                files.push((name_key(table, name), path));
            } else {
                tracing::warn!(file = %path.display(), "backup file leading out of the backup folder left out");
            }
        }
        files.sort_by(|a, b| b.cmp(a));
        Ok(files.into_iter().map(|(_, path)| path).collect())
    }

    pub(super) fn info_of(&self, path: &Path) -> Result<BackupInfo, BackupError> {
        Ok(AvroReader::open(path, self.display(path))?.info)
    }
}

/// What `read` makes of each of `files`: a file that cannot be read is left out of the list,
/// with a warning naming it as `shown` does.
pub(super) fn readable<F>(
    files: Vec<F>,
    read: impl Fn(&F) -> Result<BackupInfo, BackupError>,
    shown: impl Fn(&F) -> String,
) -> Vec<BackupInfo> {
    files
        .iter()
        .filter_map(|file| {
            read(file)
                .inspect_err(|e| {
                    tracing::warn!(file = %shown(file), error = %e, "unreadable backup file left out of the list")
                })
                .ok()
        })
        .collect()
}

/// Sort key of a backup file name: `(matches the pattern, stamp, suffix, name)`.
pub(super) fn name_key(table: Table, name: &str) -> (bool, String, u32, String) {
    let parsed = name
        .strip_prefix(table.name())
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_suffix(".avro"))
        .and_then(|rest| {
            let (stamp, suffix) = match rest.split_once('-') {
                Some((stamp, n)) => (stamp, n.parse::<u32>().ok()?),
                None => (rest, 1),
            };
            let well_formed = stamp.len() == 16
                && stamp.as_bytes()[8] == b'T'
                && stamp.ends_with('Z')
                && stamp[..8].bytes().all(|b| b.is_ascii_digit())
                && stamp[9..15].bytes().all(|b| b.is_ascii_digit());
            well_formed.then(|| (stamp.to_owned(), suffix))
        });
    match parsed {
        Some((stamp, suffix)) => (true, stamp, suffix, name.to_owned()),
        None => (false, String::new(), 0, name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_sort_by_stamp_then_suffix() {
        let t = Table::Jobs;
        let mut names = vec![
            "jobs-20261125T105000Z.avro",
            "jobs-20261125T105000Z-2.avro",
            "jobs-20261125T105000Z-10.avro",
            "jobs-20261124T235959Z.avro",
            "copied.avro",
        ];
        names.sort_by_key(|n| std::cmp::Reverse(name_key(t, n)));
        assert_eq!(
            names,
            [
                "jobs-20261125T105000Z-10.avro",
                "jobs-20261125T105000Z-2.avro",
                "jobs-20261125T105000Z.avro",
                "jobs-20261124T235959Z.avro",
                "copied.avro",
            ]
        );
    }
}
