//! Pruning, on a fake backup folder: what is kept, what goes and in which order.

use super::*;
use crate::test_support::{set_id, sets_by_id};
use crate::{Checksum, MockBackupReader, MockBackupStore, SetManifest, StoredFile};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// 2026-12-03 at `hour`:`minute`, UTC.
fn at(hour: u64, minute: u64) -> SystemTime {
    // 2026-12-03T00:00:00Z
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_256_000 + hour * 3600 + minute * 60)
}

fn rfc3339(hour: u64, minute: u64) -> String {
    format!("2026-12-03T{hour:02}:{minute:02}:00.000000Z")
}

/// A file on the fake disk.
#[derive(Clone)]
struct Disk {
    table: Table,
    bytes: u64,
    sha256: Checksum,
    modified: SystemTime,
}

/// The fake folder: manifests (newest first) and files, with every removal logged in order
/// (`set ID`, `file NAME`).
#[derive(Default)]
struct Folder {
    sets: Vec<Result<SetManifest, BackupError>>,
    files: HashMap<String, Disk>,
    vanished: Vec<String>,
    /// Any removal fails the test.
    read_only: bool,
    /// Removing a file fails.
    failing: bool,
}

impl Folder {
    /// Adds the complete set `set` taken at `hour`:00, one file per table listed, written a
    /// minute later.
    fn set(mut self, set: &str, hour: u64, tables: &[Table]) -> Self {
        let mut files = Vec::new();
        for &table in tables {
            let file = format!("{table}/{table}-{set}.avro");
            let disk = Disk {
                table,
                bytes: 100 + hour,
                sha256: Checksum::from_bytes([hour as u8; 32]),
                modified: at(hour, 1),
            };
            files.push(SetFile {
                table,
                file: file.clone(),
                rows: 1,
                bytes: disk.bytes,
                sha256: disk.sha256,
            });
            self.files.insert(file, disk);
        }
        self.sets.push(Ok(SetManifest {
            format_version: crate::MANIFEST_VERSION,
            id: set_id(set),
            created_at: rfc3339(hour, 0),
            schema_version: 1,
            files,
        }));
        self
    }

    /// Adds a file of no set, written at `hour`:`minute`.
    fn stray(mut self, file: &str, hour: u64, minute: u64) -> Self {
        self.files.insert(
            file.to_owned(),
            Disk {
                table: Table::Departments,
                bytes: 7,
                sha256: Checksum::from_bytes([0; 32]),
                modified: at(hour, minute),
            },
        );
        self
    }

    fn without(mut self, file: &str) -> Self {
        self.files.remove(file);
        self
    }

    fn tampered(mut self, file: &str) -> Self {
        if let Some(disk) = self.files.get_mut(file) {
            disk.sha256 = Checksum::from_bytes([0xee; 32]);
        }
        self
    }

    /// A file listed by [`Folder::stored_files`] that is gone by the time it is removed.
    fn vanishing(mut self, file: &str) -> Self {
        self.vanished.push(file.to_owned());
        self
    }

    /// The mock store, and the log of removals.
    fn store(self) -> (MockBackupStore, Arc<Mutex<Vec<String>>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let files = Arc::new(self.files);
        let (ids, by_id) = sets_by_id(self.sets);
        let mut store = MockBackupStore::new();
        store.expect_set_ids().returning(move || Ok(ids.clone()));
        store
            .expect_read_set()
            .returning(move |id| by_id[id].clone());
        let disk = files.clone();
        store.expect_resolve().returning(move |_, name| {
            if disk.contains_key(name) {
                Ok(name.into())
            } else {
                Err(BackupError::NotFound(name.into()))
            }
        });
        let disk = files.clone();
        store.expect_open().returning(move |path| {
            let name = path.to_string_lossy().into_owned();
            let file = &disk[&name];
            let mut reader = MockBackupReader::new();
            reader.expect_info().return_const(BackupInfo {
                table: file.table,
                file: name,
                rows: Some(1),
                size: file.bytes,
                created_at: None,
                codec: "null".into(),
                schema_version: 1,
                sha256: None,
            });
            Ok(Box::new(reader))
        });
        let disk = files.clone();
        store.expect_checksum().returning(move |path| {
            let file = &disk[&*path.to_string_lossy()];
            Ok((file.bytes, file.sha256))
        });
        let disk = files.clone();
        store.expect_stored_files().returning(move || {
            let mut all: Vec<StoredFile> = disk
                .iter()
                .map(|(name, f)| StoredFile {
                    table: f.table,
                    file: name.clone(),
                    bytes: f.bytes,
                    modified: f.modified,
                })
                .collect();
            all.sort_by(|a, b| a.file.cmp(&b.file));
            Ok(all)
        });
        if self.read_only {
            store.expect_remove_set().never();
            store.expect_remove_file().never();
            return (store, log);
        }
        let removed = log.clone();
        store.expect_remove_set().returning(move |id| {
            removed.lock().unwrap().push(format!("set {id}"));
            Ok(true)
        });
        let removed = log.clone();
        let vanished = self.vanished;
        let failing = self.failing;
        store.expect_remove_file().returning(move |file| {
            if failing {
                return Err(BackupError::RemoveFailed {
                    file: file.to_owned(),
                    message: "Permission denied".into(),
                });
            }
            if vanished.iter().any(|v| v == file) {
                return Ok(false);
            }
            removed.lock().unwrap().push(format!("file {file}"));
            Ok(true)
        });
        (store, log)
    }
}

const ALL: [Table; 3] = Table::ALL;

fn three_sets() -> Folder {
    Folder::default()
        .set("s3", 11, &ALL)
        .set("s2", 10, &ALL)
        .set("s1", 9, &ALL)
}

fn ids(sets: &[&str]) -> Vec<SetId> {
    sets.iter().map(|s| set_id(s)).collect()
}

fn policy(keep: u64) -> PrunePolicy {
    PrunePolicy::new(keep, false).unwrap()
}

#[test]
fn keeping_no_set_is_refused() {
    let err = PrunePolicy::new(0, false).unwrap_err();
    assert_eq!(err, PruneError::KeepNothing(0));
    assert!(err.to_string().contains("keep at least 1"), "{err}");
    assert_eq!(PrunePolicy::new(2, true).unwrap().keep(), 2);
}

#[test]
fn older_sets_go_manifest_first_then_their_files() {
    let (store, log) = three_sets().store();
    let summary = prune(&store, policy(1)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3"]));
    assert_eq!(summary.removed_sets, ids(&["s2", "s1"]));
    assert_eq!(summary.removed_files.len(), 6);
    assert!(summary.removed_files.iter().all(|f| !f.contains("s3")));
    assert_eq!(
        (
            summary.sets_kept,
            summary.sets_removed,
            summary.files_removed
        ),
        (1, 2, 6)
    );
    assert_eq!(summary.bytes_freed, 3 * 110 + 3 * 109);
    assert!(!summary.dry_run);
    let log = log.lock().unwrap();
    assert_eq!(log[..2], ["set s2", "set s1"], "manifests first: {log:?}");
    assert!(log[2..].iter().all(|l| l.starts_with("file ")), "{log:?}");
    assert_eq!(log.len(), 8);
}

#[test]
fn keeping_two_removes_the_third() {
    let (store, _) = three_sets().store();
    let summary = prune(&store, policy(2)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2"]));
    assert_eq!(summary.removed_sets, ids(&["s1"]));
    assert!(summary.removed_files.iter().all(|f| f.contains("s1")));
    assert_eq!(summary.files_removed, 3);
}

#[test]
fn a_dry_run_reports_the_same_and_removes_nothing() {
    let folder = || three_sets().stray("departments/departments-old.avro", 8, 0);
    let (real, _) = folder().store();
    let expected = prune(&real, policy(1)).unwrap();
    assert_eq!(expected.files_removed, 7);
    let mut dry_folder = folder();
    dry_folder.read_only = true;
    let (store, log) = dry_folder.store();
    let dry = prune(&store, PrunePolicy::new(1, true).unwrap()).unwrap();
    assert!(dry.dry_run);
    assert_eq!(
        PruneSummary {
            dry_run: false,
            ..dry
        },
        expected
    );
    assert!(log.lock().unwrap().is_empty());
}

#[test]
fn nothing_newer_than_the_oldest_kept_set_is_touched() {
    // s4: a set whose jobs file is missing, newer than the kept set; a file of a backup in
    // progress; strays before and after the kept set; s1: an incomplete older set.
    let (store, log) = Folder::default()
        .set("s4", 12, &ALL)
        .without("jobs/jobs-s4.avro")
        .set("s3", 11, &ALL)
        .set("s1", 9, &ALL)
        .without("departments/departments-s1.avro")
        .stray("departments/departments-running.avro", 13, 0)
        .stray("departments/departments-after.avro", 11, 0)
        .stray("departments/departments-before.avro", 10, 59)
        .store();
    let summary = prune(&store, policy(1)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s4", "s3"]));
    assert_eq!(summary.removed_sets, ids(&["s1"]));
    let mut removed = summary.removed_files.clone();
    removed.sort();
    assert_eq!(
        removed,
        [
            "departments/departments-before.avro",
            "hired_employees/hired_employees-s1.avro",
            "jobs/jobs-s1.avro",
        ]
    );
    assert_eq!(log.lock().unwrap()[0], "set s1");
}

#[test]
fn a_set_whose_file_was_changed_does_not_count_as_complete() {
    let (store, _) = three_sets().tampered("jobs/jobs-s3.avro").store();
    let summary = prune(&store, policy(1)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2"]));
    assert_eq!(summary.removed_sets, ids(&["s1"]));
    assert!(summary.removed_files.iter().all(|f| f.contains("s1")));
}

#[test]
fn without_a_complete_set_nothing_is_removed() {
    let (store, log) = Folder::default()
        .set("s2", 10, &ALL)
        .without("jobs/jobs-s2.avro")
        .stray("departments/departments-old.avro", 1, 0)
        .store();
    let summary = prune(&store, policy(1)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s2"]));
    assert!(summary.removed_sets.is_empty() && summary.removed_files.is_empty());
    assert!(log.lock().unwrap().is_empty());

    let (store, _) = Folder::default().store();
    let summary = prune(&store, policy(3)).unwrap();
    assert_eq!((summary.sets_kept, summary.sets_removed), (0, 0));
}

#[test]
fn with_fewer_complete_sets_than_asked_only_older_incomplete_ones_go() {
    let (store, _) = Folder::default()
        .set("s3", 11, &ALL)
        .set("s2", 10, &[Table::Jobs])
        .set("s1", 9, &ALL)
        .without("jobs/jobs-s1.avro")
        .store();
    let summary = prune(&store, policy(5)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2"]));
    assert_eq!(summary.removed_sets, ids(&["s1"]));
    assert_eq!(summary.files_removed, 2);
}

#[test]
fn a_file_listed_by_a_kept_set_is_never_removed() {
    // s3 lists the departments file of s2 (written before s3 was taken).
    let mut folder = three_sets();
    if let Ok(s3) = &mut folder.sets[0] {
        s3.files[0].file = "departments/departments-s2.avro".into();
        s3.files[0].bytes = 110;
        s3.files[0].sha256 = Checksum::from_bytes([10; 32]);
    }
    let (store, _) = folder.without("departments/departments-s3.avro").store();
    let summary = prune(&store, policy(1)).unwrap();
    assert_eq!(summary.removed_sets, ids(&["s2", "s1"]));
    assert!(!summary
        .removed_files
        .contains(&"departments/departments-s2.avro".to_owned()));
    assert_eq!(summary.files_removed, 5);
}

#[test]
fn a_file_gone_meanwhile_is_not_counted() {
    let (store, _) = three_sets().vanishing("jobs/jobs-s1.avro").store();
    let summary = prune(&store, policy(2)).unwrap();
    assert_eq!(summary.removed_files.len(), 2);
    assert_eq!(summary.files_removed, 2);
    assert_eq!(summary.bytes_freed, 2 * 109);
}

#[test]
fn a_failed_removal_stops_the_prune() {
    let mut folder = three_sets();
    folder.failing = true;
    let (store, log) = folder.store();
    let err = prune(&store, policy(1)).unwrap_err();
    assert!(
        matches!(&err, PruneError::Files(BackupError::RemoveFailed { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("Permission denied"), "{err}");
    // The manifests went first: no set is left looking complete.
    assert_eq!(log.lock().unwrap()[..2], ["set s2", "set s1"]);
}

/// `keep` sets, and nothing taken or written less than `hours` before 2026-12-03 12:00.
fn keep_younger(keep: u64, hours: u64) -> PrunePolicy {
    policy(keep).older_than(Duration::from_secs(hours * 3600), at(12, 0))
}

#[test]
fn an_age_keeps_every_set_taken_since() {
    // s3 at 11:00, s2 at 10:00, s1 at 09:00; now is 12:00.
    let (store, _) = three_sets().store();
    let summary = prune(&store, keep_younger(1, 2)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2"]));
    assert_eq!(summary.removed_sets, ids(&["s1"]));
    assert!(summary.removed_files.iter().all(|f| f.contains("s1")));
    assert_eq!(summary.older_than_seconds, Some(7200));

    // Sets older than the age still stay when `keep` asks for them.
    let (store, _) = three_sets().store();
    let summary = prune(&store, keep_younger(3, 1)).unwrap();
    assert!(summary.removed_sets.is_empty() && summary.removed_files.is_empty());

    // Everything younger: nothing goes.
    let (store, log) = three_sets().store();
    let summary = prune(&store, keep_younger(1, 24)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2", "s1"]));
    assert!(log.lock().unwrap().is_empty());
    assert_eq!(policy(1).age(), None);
    assert_eq!(keep_younger(1, 24).age(), Some(Duration::from_secs(86_400)));
}

#[test]
fn an_age_keeps_files_written_since_even_of_no_set() {
    // The kept set s3 (11:00) is older than the age boundary's strays at 10:30 only by the
    // set order: with a 2-hour age (cutoff 10:00), a stray of 09:30 goes, one of 10:30 stays.
    let (store, _) = three_sets()
        .stray("departments/departments-0930.avro", 9, 30)
        .stray("departments/departments-1030.avro", 10, 30)
        .store();
    let summary = prune(&store, keep_younger(1, 2)).unwrap();
    assert!(summary
        .removed_files
        .contains(&"departments/departments-0930.avro".to_owned()));
    assert!(!summary
        .removed_files
        .contains(&"departments/departments-1030.avro".to_owned()));

    // A 30-minute age at 12:00 with keep 1: s2 and s1 go, and so does the 10:30 stray.
    let (store, _) = three_sets()
        .stray("departments/departments-1030.avro", 10, 30)
        .store();
    let summary = prune(
        &store,
        keep_younger(1, 0).older_than(Duration::from_secs(1800), at(12, 0)),
    )
    .unwrap();
    assert_eq!(summary.removed_sets, ids(&["s2", "s1"]));
    assert!(summary
        .removed_files
        .contains(&"departments/departments-1030.avro".to_owned()));
}

#[test]
fn a_set_that_says_not_when_it_was_taken_counts_as_recent() {
    let mut folder = three_sets();
    if let Ok(s1) = &mut folder.sets[2] {
        s1.created_at = "unknown".into();
    }
    let (store, _) = folder.store();
    let summary = prune(&store, keep_younger(1, 2)).unwrap();
    assert_eq!(summary.kept_sets, ids(&["s3", "s2", "s1"]));
    assert!(summary.removed_sets.is_empty());
}
