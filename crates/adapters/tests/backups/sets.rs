//! Backup sets on real files and each storage backend: the manifest written last, restores of
//! every table taking one whole, verified set, and the cleanup of stale temporary files.

use super::{contents, dept, fill, hire, job, small, Contents, Setup};
use crate::support::TestDb;
use apache_avro::types::Value;
use hiring_adapters::backup_store::temps::STALE_AFTER;
use hiring_adapters::AvroBackupStore;
use hiring_domain::Table;
use hiring_ports::backup::{Backups, RestoreError, RestoreSource};
use hiring_ports::{
    BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Checksum, Codec, NewSet,
    SetId, SetManifest, StoredFile,
};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Other contents than [`small`], for telling backups apart.
fn other() -> Contents {
    Contents {
        departments: (1..=3).map(dept).collect(),
        jobs: (1..=2).map(job).collect(),
        hires: (1..=4).map(|i| hire(i, 1, 2)).collect(),
    }
}

fn manifest_json(setup: &Setup, id: &SetId) -> serde_json::Value {
    let text = fs::read(setup.files.dir().join(format!("sets/{id}.json"))).unwrap();
    serde_json::from_slice(&text).unwrap()
}

/// Restores every table from the newest whole set and expects a refusal leaving every table
/// as it was.
fn restore_all_refused(setup: &Setup, set: Option<&SetId>) -> RestoreError {
    let before = contents(&setup.storage);
    let err = setup.backups().restore_set(set).unwrap_err();
    assert_eq!(
        contents(&setup.storage),
        before,
        "refused restore changed data"
    );
    err
}

pub(crate) fn a_backup_writes_its_manifest_beside_the_files(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let summary = setup.backups().backup(&[], Codec::Deflate).unwrap();
    let json = manifest_json(&setup, &summary.set);
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["id"], summary.set.as_str());
    assert_eq!(json["created_at"], summary.created_at.as_str());
    assert_eq!(
        summary.set.as_str(),
        summary.files[0].file.split(['-', '.']).nth(1).unwrap(),
        "the set is named after its snapshot's stamp, as its files"
    );
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    for (file, info) in files.iter().zip(&summary.files) {
        let bytes = fs::read(setup.path(&info.file)).unwrap();
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(file["table"], info.table.name());
        assert_eq!(file["file"], info.file.as_str());
        assert_eq!(file["rows"], info.rows.unwrap());
        assert_eq!(file["bytes"], bytes.len() as u64);
        assert_eq!(file["sha256"], digest.as_str());
        assert_eq!(info.sha256.unwrap().to_string(), digest);
    }
    // Nothing but the manifest in sets/: no temporary file left.
    let names: Vec<String> = fs::read_dir(setup.files.dir().join("sets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, [format!("{}.json", summary.set)]);
    // Two backups within a second: two sets, the first manifest untouched.
    let first = fs::read(setup.files.dir().join(format!("sets/{}.json", summary.set))).unwrap();
    let again = setup.backups().backup(&[], Codec::Null).unwrap();
    assert_ne!(again.set, summary.set);
    assert_eq!(
        fs::read(setup.files.dir().join(format!("sets/{}.json", summary.set))).unwrap(),
        first
    );
    let listed: Vec<SetId> = setup
        .backups()
        .sets()
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, [again.set, summary.set], "newest first");
}

/// The Avro store, except that creating a file of `table` fails as a full disk would.
struct FailingOn(Table, AvroBackupStore);

impl BackupStore for FailingOn {
    fn create(
        &self,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Box<dyn BackupWriter>, BackupError> {
        if table == self.0 {
            return Err(BackupError::Io {
                file: table.name().into(),
                message: "No space left on device".into(),
            });
        }
        self.1.create(table, rows, codec)
    }
    fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        self.1.list()
    }
    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError> {
        self.1.newest(table)
    }
    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError> {
        self.1.resolve(table, name)
    }
    fn open(&self, path: &Path) -> Result<Box<dyn BackupReader>, BackupError> {
        self.1.open(path)
    }
    fn checksum(&self, path: &Path) -> Result<(u64, Checksum), BackupError> {
        self.1.checksum(path)
    }
    fn save_set(&self, set: &NewSet) -> Result<SetManifest, BackupError> {
        self.1.save_set(set)
    }
    fn set_ids(&self) -> Result<Vec<SetId>, BackupError> {
        self.1.set_ids()
    }
    fn read_set(&self, id: &SetId) -> Result<SetManifest, BackupError> {
        self.1.read_set(id)
    }
    fn remove_stale_temporaries(&self) -> Result<Vec<String>, BackupError> {
        self.1.remove_stale_temporaries()
    }
    fn stored_files(&self) -> Result<Vec<StoredFile>, BackupError> {
        self.1.stored_files()
    }
    fn remove_file(&self, file: &str) -> Result<bool, BackupError> {
        self.1.remove_file(file)
    }
    fn remove_set(&self, id: &SetId) -> Result<bool, BackupError> {
        self.1.remove_set(id)
    }
}

pub(crate) fn a_backup_failing_on_the_second_table_makes_no_set(db: &TestDb) {
    let setup = Setup::new(db);
    let failing = FailingOn(Table::Jobs, setup.files.clone());
    let failing_backups = || Backups::new(&*setup.storage.bulk, &failing);

    // No set yet: the departments file of a failed run is no set of every table.
    fill(&setup.storage, &other());
    assert!(failing_backups().backup(&[], Codec::Null).is_err());
    assert_eq!(setup.files.list().unwrap().len(), 1, "departments written");
    assert!(setup.files.set_ids().unwrap().is_empty());
    let err = restore_all_refused(&setup, None);
    assert!(
        err.to_string()
            .contains("there is no backup set of every table"),
        "{err}"
    );

    // A whole set, then a failed run over other contents: the whole set is restored, not the
    // failed run's newer departments with the set's jobs and hires.
    fill(&setup.storage, &small());
    let whole = setup.backups().backup(&[], Codec::Null).unwrap();
    fill(&setup.storage, &other());
    let err = failing_backups().backup(&[], Codec::Null).unwrap_err();
    assert!(err.to_string().contains("No space left"), "{err}");
    assert_eq!(setup.files.set_ids().unwrap(), vec![whole.set.clone()]);
    let restored = setup.backups().restore_all().unwrap();
    assert_eq!(restored.set, Some(whole.set));
    assert_eq!(contents(&setup.storage), small());
}

/// Rewrites the backup file at `path` with the same schema, metadata, record count and size,
/// one letter of its first record's second field changed.
fn reencode_with_one_value_edited(path: &Path) {
    let reader = apache_avro::Reader::new(File::open(path).unwrap()).unwrap();
    let schema = reader.writer_schema().clone();
    let metadata = reader.user_metadata().clone();
    let mut records: Vec<Value> = reader.map(|r| r.unwrap()).collect();
    let Value::Record(fields) = &mut records[0] else {
        panic!("not a record")
    };
    let Value::String(text) = &mut fields[1].1 else {
        panic!("not a string")
    };
    *text = format!("X{}", &text[1..]);
    let mut writer = apache_avro::Writer::new(&schema, Vec::new());
    for (key, value) in metadata {
        writer.add_user_metadata(key, value).unwrap();
    }
    for record in records {
        writer.append(record).unwrap();
    }
    fs::write(path, writer.into_inner().unwrap()).unwrap();
}

pub(crate) fn a_tampered_file_refuses_the_set_and_its_own_restore(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let summary = setup.backups().backup(&[], Codec::Null).unwrap();
    let hires = setup.path(&summary.files[2].file);
    reencode_with_one_value_edited(&hires);
    // Still a valid backup file of the same size and row count: only the checksum tells.
    assert!(setup.files.open(&hires).is_ok());
    assert_eq!(fs::metadata(&hires).unwrap().len(), summary.files[2].size);
    fill(&setup.storage, &other());
    let err = restore_all_refused(&setup, None);
    assert!(
        matches!(&err, RestoreError::Files(BackupError::Mismatch { set, file, .. })
            if *set == summary.set.to_string() && *file == summary.files[2].file),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("changed after the backup"),
        "{err}"
    );

    // Restoring that table alone, by default or by name, is refused too; the others go.
    let before = contents(&setup.storage);
    for source in [
        RestoreSource::Newest,
        RestoreSource::Named(summary.files[2].file.clone()),
        RestoreSource::Path(hires.clone()),
    ] {
        let err = setup
            .backups()
            .restore_table(Table::HiredEmployees, source)
            .unwrap_err();
        assert!(
            matches!(err, RestoreError::Files(BackupError::Mismatch { .. })),
            "{err:?}"
        );
        assert_eq!(contents(&setup.storage), before);
    }
    let mut departments_only = other();
    departments_only.departments = small().departments;
    setup
        .backups()
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap();
    assert_eq!(contents(&setup.storage), departments_only);
}

pub(crate) fn a_set_with_a_missing_or_replaced_file_is_refused(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &other());
    let older = setup.backups().backup(&[], Codec::Null).unwrap();
    fill(&setup.storage, &small());
    let newer = setup.backups().backup(&[], Codec::Snappy).unwrap();
    fill(&setup.storage, &Contents::default());

    // A file replaced by another valid backup of the same table.
    let jobs = setup.path(&newer.files[1].file);
    let saved = fs::read(&jobs).unwrap();
    fs::copy(setup.path(&older.files[1].file), &jobs).unwrap();
    let err = restore_all_refused(&setup, None);
    assert!(
        matches!(err, RestoreError::Files(BackupError::Mismatch { .. })),
        "{err:?}"
    );

    // A file missing: refused, and listed as incomplete.
    fs::remove_file(&jobs).unwrap();
    let err = restore_all_refused(&setup, None);
    assert!(
        matches!(err, RestoreError::Files(BackupError::IncompleteSet { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("is missing"), "{err}");
    let sets = setup.backups().sets().unwrap();
    assert_eq!(
        sets.iter().map(|s| s.complete).collect::<Vec<_>>(),
        [false, true]
    );
    assert!(sets[0].problem.as_deref().unwrap().contains("is missing"));

    // The older set, chosen, restores; the file put back, the newer one restores again.
    let restored = setup.backups().restore_set(Some(&older.set)).unwrap();
    assert_eq!(restored.set, Some(older.set.clone()));
    assert_eq!(contents(&setup.storage), other());
    fs::write(&jobs, saved).unwrap();
    setup.backups().restore_all().unwrap();
    assert_eq!(contents(&setup.storage), small());

    // An unknown set.
    let err = restore_all_refused(&setup, Some(&"20000101T000000Z".parse().unwrap()));
    assert!(
        matches!(err, RestoreError::Files(BackupError::NotFound(_))),
        "{err:?}"
    );
}

/// A hidden temporary file `name` in `folder`, last written `age` ago.
fn temporary(folder: &Path, name: &str, age: std::time::Duration) -> PathBuf {
    fs::create_dir_all(folder).unwrap();
    let path = folder.join(name);
    fs::write(&path, b"half a backup").unwrap();
    let file = File::options().write(true).open(&path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
    path
}

pub(crate) fn stale_temporaries_are_removed_by_the_next_backup(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let dir = setup.files.dir().to_owned();
    let long_ago = STALE_AFTER * 2;
    let stale_jobs = temporary(
        &dir.join("jobs"),
        ".jobs-20260101T000000Z.avro.1-0.tmp",
        long_ago,
    );
    let stale_set = temporary(
        &dir.join("sets"),
        ".20260101T000000Z.json.1-1.tmp",
        long_ago,
    );
    let fresh = temporary(
        &dir.join("departments"),
        ".departments-20260101T000000Z.avro.1-2.tmp",
        std::time::Duration::ZERO,
    );
    // Not hidden, or not a temporary name: never touched.
    let kept = temporary(&dir.join("jobs"), "notes.tmp", long_ago);
    // An old temporary file still being written (its writer holds the lock).
    let mut writer = setup
        .files
        .create(Table::Departments, 1, Codec::Null)
        .unwrap();
    let writing = fs::read_dir(dir.join("departments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p != &fresh)
        .unwrap();
    File::options()
        .write(true)
        .open(&writing)
        .unwrap()
        .set_modified(SystemTime::now() - long_ago)
        .unwrap();

    let summary = setup.backups().backup(&[], Codec::Null).unwrap();
    let mut removed = summary.removed_temporaries.clone();
    removed.sort();
    assert_eq!(
        removed,
        [
            "jobs/.jobs-20260101T000000Z.avro.1-0.tmp",
            "sets/.20260101T000000Z.json.1-1.tmp"
        ]
    );
    assert!(!stale_jobs.exists() && !stale_set.exists());
    assert!(fresh.exists() && kept.exists());
    assert!(writing.exists(), "a file being written is left alone");
    writer.append(&dept(1).into()).unwrap();
    writer.finish().unwrap();
    assert!(!writing.exists());
}
