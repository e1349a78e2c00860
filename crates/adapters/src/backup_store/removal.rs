//! Removing backup files and set manifests (pruning): only names of the store's own shape,
//! strictly inside the backup folder, links never followed nor removed.

use super::files::io_error;
use super::listing::name_key;
use super::names::removable;
use super::sets::SETS_FOLDER;
use super::store::AvroBackupStore;
use hiring_domain::Table;
use hiring_ports::{BackupError, SetId, StoredFile};
use std::fs;
use std::io;
use std::path::Path;

/// Whether `name` is shaped as the store names the backup files of `table`
/// (`<table>-<yyyymmddThhmmssZ>[-<n>].avro`).
fn is_backup_name(table: Table, name: &str) -> bool {
    name_key(table, name).0
}

impl AvroBackupStore {
    /// Every regular file of the table folders named as a backup, sorted by name. A table
    /// folder that is a link is left out, and so are links, folders and files named otherwise.
    pub(super) fn stored(&self) -> Result<Vec<StoredFile>, BackupError> {
        let mut all = Vec::new();
        for table in Table::ALL {
            let folder = self.dir.join(table.name());
            if !real_folder(&folder, table.name())? {
                continue;
            }
            let entries = fs::read_dir(&folder).map_err(|e| io_error(&folder, &e))?;
            for entry in entries {
                let entry = entry.map_err(|e| io_error(&folder, &e))?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if !is_backup_name(table, name) {
                    continue;
                }
                // The entry's own metadata: a link is seen as a link, not as its target.
                let meta = match entry.metadata() {
                    Ok(meta) => meta,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_error(&entry.path(), &e)),
                };
                if !meta.is_file() {
                    continue;
                }
                let modified = meta.modified().map_err(|e| io_error(&entry.path(), &e))?;
                all.push(StoredFile {
                    table,
                    file: format!("{}/{name}", table.name()),
                    bytes: meta.len(),
                    modified,
                });
            }
        }
        all.sort_by(|a, b| a.file.cmp(&b.file));
        Ok(all)
    }

    /// Removes the backup file `file` (`<table>/<backup name>`).
    pub(super) fn remove_backup_file(&self, file: &str) -> Result<bool, BackupError> {
        let (table, name) = removable(file)?;
        self.remove_entry(table.name(), name, file)
    }

    /// Removes the manifest of set `id` (`sets/<id>.json`).
    pub(super) fn remove_manifest(&self, id: &SetId) -> Result<bool, BackupError> {
        // A set id is made of letters, digits and `-`: a plain file name.
        let name = format!("{id}.json");
        self.remove_entry(SETS_FOLDER, &name, &format!("{SETS_FOLDER}/{name}"))
    }

    /// Removes the regular file `name` of the sub-folder `folder` of the backup folder:
    /// `Ok(false)` when it is not there.
    fn remove_entry(&self, folder: &str, name: &str, shown: &str) -> Result<bool, BackupError> {
        let refuse = |reason: &str| BackupError::RemoveRefused {
            name: shown.to_owned(),
            reason: reason.to_owned(),
        };
        let dir = self.dir.join(folder);
        if !real_folder(&dir, folder)? {
            return match fs::symlink_metadata(&dir) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
                _ => Err(refuse(&format!(
                    "its folder {folder} is a link or not a folder"
                ))),
            };
        }
        let path = dir.join(name);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            Ok(meta) if meta.file_type().is_symlink() => return Err(refuse("it is a link")),
            Ok(_) => return Err(refuse("it is not a file")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_error(&path, &e)),
        }
        // Removing a name never follows a link, should one have taken the file's place.
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(BackupError::RemoveFailed {
                file: shown.to_owned(),
                message: e.to_string(),
            }),
        }
    }
}

/// Whether `dir` (the sub-folder `shown` of the backup folder) is a folder itself, not a link:
/// `false` when it is missing or is something else (logged).
fn real_folder(dir: &Path, shown: &str) -> Result<bool, BackupError> {
    match fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(true),
        Ok(_) => {
            tracing::warn!(folder = %shown, "backup sub-folder that is a link or not a folder left alone");
            Ok(false)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_error(dir, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiring_ports::BackupStore;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    const DEPT: &str = "departments/departments-20261203T090000Z.avro";
    const JOBS: &str = "jobs/jobs-20261203T090000Z-2.avro";

    /// A backup folder with two backup-named files, foreign files beside them, and a folder
    /// outside it holding a file that links lead to.
    struct Folder {
        _root: tempfile::TempDir,
        store: AvroBackupStore,
        outside: PathBuf,
    }

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn folder() -> Folder {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("backups");
        let outside = root.path().join("outside");
        write(&outside.join("precious.avro"), "keep me");
        for (name, text) in [
            (DEPT, "departments backup"),
            (JOBS, "jobs"),
            ("departments/notes.txt", "foreign"),
            ("departments/copied.avro", "foreign"),
            (
                "departments/.departments-20261203T090000Z.avro.1-0.tmp",
                "temp",
            ),
            ("notes.txt", "foreign"),
            ("sets/20261203T090000Z.json", "{}"),
        ] {
            write(&dir.join(name), text);
        }
        symlink(
            outside.join("precious.avro"),
            dir.join("departments/departments-20261203T080000Z.avro"),
        )
        .unwrap();
        fs::create_dir_all(dir.join("departments/departments-20261203T070000Z.avro")).unwrap();
        Folder {
            store: AvroBackupStore::new(dir),
            _root: root,
            outside,
        }
    }

    #[test]
    fn only_backup_named_regular_files_are_listed() {
        let f = folder();
        let listed = f.store.stored_files().unwrap();
        let names: Vec<&str> = listed.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(names, [DEPT, JOBS]);
        assert_eq!(listed[0].table, Table::Departments);
        assert_eq!(listed[0].bytes, "departments backup".len() as u64);
        let modified = fs::metadata(f.store.dir().join(DEPT))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(listed[0].modified, modified);
        assert!(AvroBackupStore::new(f.store.dir().join("missing"))
            .stored_files()
            .unwrap()
            .is_empty());
    }

    #[test]
    fn a_table_folder_that_is_a_link_is_neither_listed_nor_removed_from() {
        let f = folder();
        let jobs = f.outside.join("jobs-20261203T090000Z.avro");
        write(&jobs, "outside");
        symlink(&f.outside, f.store.dir().join("hired_employees")).unwrap();
        write(
            &f.outside.join("hired_employees-20261203T090000Z.avro"),
            "x",
        );
        let names: Vec<String> = f
            .store
            .stored_files()
            .unwrap()
            .into_iter()
            .map(|s| s.file)
            .collect();
        assert_eq!(names, [DEPT, JOBS]);
        let err = f
            .store
            .remove_file("hired_employees/hired_employees-20261203T090000Z.avro")
            .unwrap_err();
        assert!(matches!(err, BackupError::RemoveRefused { .. }), "{err:?}");
        assert!(f
            .outside
            .join("hired_employees-20261203T090000Z.avro")
            .is_file());
    }

    #[test]
    fn a_backup_file_is_removed_once_and_a_vanished_one_is_no_error() {
        let f = folder();
        assert!(f.store.remove_file(DEPT).unwrap());
        assert!(!f.store.dir().join(DEPT).exists());
        assert!(!f.store.remove_file(DEPT).unwrap());
        assert!(!f
            .store
            .remove_file("hired_employees/hired_employees-20261203T090000Z.avro")
            .unwrap());
        for kept in [
            "departments/notes.txt",
            "departments/copied.avro",
            "notes.txt",
            JOBS,
        ] {
            assert!(f.store.dir().join(kept).is_file(), "{kept}");
        }
    }

    #[test]
    fn names_that_are_not_backup_files_of_the_folder_are_refused() {
        let f = folder();
        for name in [
            "departments/notes.txt",
            "departments/copied.avro",
            "notes.txt",
            "../outside/precious.avro",
            "departments/../../outside/precious.avro",
            "departments/../jobs/jobs-20261203T090000Z-2.avro",
            "/etc/passwd",
            "sets/20261203T090000Z.json",
            "employees/employees-20261203T090000Z.avro",
            "departments/departments-20261203T080000Z.avro",
            "departments/departments-20261203T070000Z.avro",
            "",
        ] {
            let err = f.store.remove_file(name).unwrap_err();
            assert!(
                matches!(&err, BackupError::RemoveRefused { name: n, .. } if n == name),
                "{name}: {err:?}"
            );
        }
        // The link was refused: neither it nor its target is gone.
        let link = f
            .store
            .dir()
            .join("departments/departments-20261203T080000Z.avro");
        assert!(fs::symlink_metadata(&link).is_ok());
        assert_eq!(
            fs::read_to_string(f.outside.join("precious.avro")).unwrap(),
            "keep me"
        );
        assert!(f.store.dir().join(JOBS).is_file());
    }

    #[test]
    fn a_manifest_is_removed_without_its_files() {
        let f = folder();
        let id: SetId = "20261203T090000Z".parse().unwrap();
        assert_eq!(f.store.set_ids().unwrap(), std::slice::from_ref(&id));
        assert!(f.store.remove_set(&id).unwrap());
        assert!(f.store.set_ids().unwrap().is_empty());
        assert!(!f.store.remove_set(&id).unwrap());
        assert!(f.store.dir().join(DEPT).is_file());
        let empty = tempfile::tempdir().unwrap();
        assert!(!AvroBackupStore::new(empty.path()).remove_set(&id).unwrap());
    }
}
