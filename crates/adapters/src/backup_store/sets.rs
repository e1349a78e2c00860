//! Backup set manifests: `<dir>/sets/<set id>.json`, written last, atomically, never replacing
//! another; and the SHA-256 of files.

use super::files::{io_error, link_new, next_suffix, with_suffix};
use super::format::IO_BUFFER;
use super::store::AvroBackupStore;
use super::temps::temporary_name;
use chrono::{DateTime, Utc};
use hiring_ports::{
    BackupError, Checksum, NewSet, SetId, SetManifest, MANIFEST_VERSION, SCHEMA_VERSION,
};
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The folder of the manifests, inside the backup folder.
pub const SETS_FOLDER: &str = "sets";

impl AvroBackupStore {
    /// The folder of the manifests.
    pub(super) fn sets_folder(&self) -> PathBuf {
        self.dir.join(SETS_FOLDER)
    }

    /// Writes the manifest of `set` under a new id: to a hidden temporary file, fsynced, then
    /// linked to `<id>.json` (`<stamp>`, or `<stamp>-2`, `-3`... past the highest of that second
    /// in the folder), the folder fsynced.
    pub(super) fn write_set(&self, set: &NewSet) -> Result<SetManifest, BackupError> {
        let folder = self.sets_folder();
        fs::create_dir_all(&folder).map_err(|e| io_error(&folder, &e))?;
        let stamp = set_stamp(set);
        let temp = folder.join(temporary_name(&format!("{stamp}.json")));
        let first = next_suffix(&folder, &stamp, |name| {
            let (ours, stamp, n, _) = set_key(name.strip_suffix(".json")?);
            ours.then_some((stamp, n))
        });
        for n in first..first.saturating_add(1000) {
            let manifest =
                manifest_of(set, &with_suffix(&stamp, n)).map_err(|reason| BackupError::Io {
                    file: folder.display().to_string(),
                    message: reason,
                })?;
            write_synced(&temp, &manifest)?;
            let target = folder.join(format!("{}.json", manifest.id));
            let linked = link_new(&temp, std::iter::once(target));
            let _ = fs::remove_file(&temp);
            if linked?.is_some() {
                File::open(&folder)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| io_error(&folder, &e))?;
                return Ok(manifest);
            }
        }
        Err(BackupError::Io {
            file: folder.display().to_string(),
            message: "every set id for this second is taken".into(),
        })
    }

    /// Every manifest's id, newest first (by stamp and suffix; ids of another shape last).
    pub(super) fn list_set_ids(&self) -> Result<Vec<SetId>, BackupError> {
        let folder = self.sets_folder();
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&folder, &e)),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&folder, &e))?;
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if let Ok(id) = SetId::new(id) {
                ids.push((set_key(id.as_str()), id));
            }
        }
        ids.sort_by(|a, b| b.cmp(a));
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// The manifest of set `id`.
    pub(super) fn read_manifest(&self, id: &SetId) -> Result<SetManifest, BackupError> {
        let path = self.sets_folder().join(format!("{id}.json"));
        let shown = format!("{SETS_FOLDER}/{id}.json");
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(BackupError::NotFound(format!(
                    "there is no backup set {id} (no manifest {shown})"
                )))
            }
            Err(e) => return Err(io_error(&path, &e)),
        };
        parse_manifest(&text, id, shown)
    }
}

/// The stamp of the id of `set`'s manifest: its creation time, to the second.
pub(super) fn set_stamp(set: &NewSet) -> String {
    DateTime::parse_from_rfc3339(&set.created_at)
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// The manifest of `set` under the id `id`.
pub(super) fn manifest_of(set: &NewSet, id: &str) -> Result<SetManifest, String> {
    Ok(SetManifest {
        format_version: MANIFEST_VERSION,
        id: SetId::new(id)?,
        created_at: set.created_at.clone(),
        schema_version: SCHEMA_VERSION,
        files: set.files.clone(),
    })
}

/// `manifest` as the JSON text of its file.
pub(super) fn manifest_json(manifest: &SetManifest) -> Result<Vec<u8>, String> {
    let mut text = serde_json::to_vec_pretty(manifest).map_err(|e| e.to_string())?;
    text.push(b'\n');
    Ok(text)
}

/// Reads the manifest text `text` of set `id` (the file `shown`), checking its format version
/// and the id it names.
pub(super) fn parse_manifest(
    text: &[u8],
    id: &SetId,
    shown: String,
) -> Result<SetManifest, BackupError> {
    let corrupt = |reason: String| BackupError::Corrupt {
        file: shown.clone(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| corrupt(format!("not JSON ({e})")))?;
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(MANIFEST_VERSION)) {
        return Err(BackupError::IncompatibleSchema {
            file: shown,
            reason: format!(
                "manifest format version {}; this release reads version {MANIFEST_VERSION}",
                version.map_or_else(|| "missing".into(), |v| v.to_string())
            ),
        });
    }
    let manifest: SetManifest =
        serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))?;
    if &manifest.id != id {
        return Err(corrupt(format!("it names the set {}", manifest.id)));
    }
    Ok(manifest)
}

/// Writes `manifest` as JSON to a new file at `path`, synced to disk.
fn write_synced(path: &Path, manifest: &SetManifest) -> Result<(), BackupError> {
    let text = manifest_json(manifest).map_err(|message| BackupError::Io {
        file: path.display().to_string(),
        message,
    })?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| io_error(path, &e))?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, &e))
}

/// Sort key of a set id: `(matches <stamp>[-<n>], stamp, n, id)`.
pub(super) fn set_key(id: &str) -> (bool, String, u32, String) {
    let (stamp, suffix) = match id.split_once('-') {
        Some((stamp, n)) => (stamp, n.parse::<u32>().ok()),
        None => (id, Some(1)),
    };
    let well_formed = stamp.len() == 16
        && stamp.as_bytes()[8] == b'T'
        && stamp.ends_with('Z')
        && stamp[..8].bytes().all(|b| b.is_ascii_digit())
        && stamp[9..15].bytes().all(|b| b.is_ascii_digit());
    match suffix {
        Some(n) if well_formed => (true, stamp.to_owned(), n, id.to_owned()),
        _ => (false, String::new(), 0, id.to_owned()),
    }
}

/// Size and SHA-256 of the file at `path`, read whole.
pub(super) fn checksum_of(path: &Path, shown: &str) -> Result<(u64, Checksum), BackupError> {
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => {
            BackupError::NotFound(format!("backup file {shown} does not exist"))
        }
        _ => io_error(path, &e),
    })?;
    hash_all(file).map_err(|e| io_error(path, &e))
}

/// Size and SHA-256 of everything `reader` yields.
pub(super) fn hash_all(mut reader: impl Read) -> io::Result<(u64, Checksum)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; IO_BUFFER];
    let mut bytes = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((bytes, Checksum::from_bytes(hasher.finalize().into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiring_ports::BackupStore;

    #[test]
    fn a_set_taken_after_older_ones_of_its_second_were_pruned_still_sorts_newest() {
        let dir = tempfile::tempdir().unwrap();
        let store = AvroBackupStore::new(dir.path().to_path_buf());
        let set = NewSet {
            created_at: "2026-12-03T09:00:00.000000Z".into(),
            files: Vec::new(),
        };
        let ids: Vec<String> = (0..3)
            .map(|_| store.save_set(&set).unwrap().id.to_string())
            .collect();
        assert_eq!(
            ids,
            [
                "20261203T090000Z",
                "20261203T090000Z-2",
                "20261203T090000Z-3"
            ]
        );
        for id in &ids[..2] {
            assert!(store.remove_set(&id.parse().unwrap()).unwrap());
        }
        let next = store.save_set(&set).unwrap().id.to_string();
        assert_eq!(next, "20261203T090000Z-4");
        let listed: Vec<String> = store
            .set_ids()
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(listed, [next, ids[2].clone()], "newest first");
    }

    #[test]
    fn set_ids_sort_by_stamp_then_suffix() {
        let mut ids = vec![
            "20261125T105000Z",
            "20261125T105000Z-2",
            "20261125T105000Z-10",
            "20261124T235959Z",
            "copied",
        ];
        ids.sort_by_key(|id| std::cmp::Reverse(set_key(id)));
        assert_eq!(
            ids,
            [
                "20261125T105000Z-10",
                "20261125T105000Z-2",
                "20261125T105000Z",
                "20261124T235959Z",
                "copied",
            ]
        );
    }
}
