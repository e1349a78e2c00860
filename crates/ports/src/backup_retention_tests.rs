//! The quota before a backup and the keep policy after it, on mocks.

use super::*;
use crate::backup::tests::{recording_store, storage_with};
use crate::test_support::{dept_row, set_id};
use crate::{Checksum, MockBackupStore, SetFile, SetManifest, StoredFile};

fn stored(bytes: u64) -> StoredFile {
    StoredFile {
        table: Table::Departments,
        file: format!("departments/departments-{bytes}.avro"),
        bytes,
        modified: SystemTime::UNIX_EPOCH,
    }
}

fn set_file(table: Table, bytes: u64) -> SetFile {
    SetFile {
        table,
        file: format!("{table}/{table}-s1.avro"),
        rows: 1,
        bytes,
        sha256: Checksum::from_bytes([1; 32]),
    }
}

/// A store holding files of `used` bytes in all and one set `s1` of 100 (departments), 200
/// (jobs) and 700 (hired_employees) bytes.
fn holding(store: &mut MockBackupStore, used: &[u64]) {
    let files: Vec<StoredFile> = used.iter().copied().map(stored).collect();
    store
        .expect_stored_files()
        .returning(move || Ok(files.clone()));
    store.expect_set_ids().returning(|| Ok(vec![set_id("s1")]));
    store.expect_read_set().returning(|_| {
        Ok(SetManifest {
            format_version: crate::MANIFEST_VERSION,
            id: set_id("s1"),
            created_at: "2026-12-03T09:00:00Z".into(),
            schema_version: 1,
            files: vec![
                set_file(Table::Departments, 100),
                set_file(Table::Jobs, 200),
                set_file(Table::HiredEmployees, 700),
            ],
        })
    });
}

fn quota(bytes: u64) -> Retention {
    Retention::none().with_quota(Some(bytes))
}

#[test]
fn a_backup_that_would_pass_the_quota_is_refused_before_writing() {
    let (storage, asked) = storage_with(vec![]);
    let mut store = MockBackupStore::new();
    holding(&mut store, &[600, 400]);
    store.expect_create().never();
    store.expect_save_set().never();
    let err = Backups::new(&storage, &store)
        .backup_retained(&[], Codec::Null, &quota(1999), SystemTime::now())
        .unwrap_err();
    assert_eq!(
        err,
        BackupRunError::QuotaExceeded {
            used: 1000,
            estimate: 1000,
            quota: 1999
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("1000") && message.contains("1999") && message.contains("prune"),
        "{message}"
    );
    assert!(asked.lock().unwrap().is_empty(), "no snapshot was taken");
}

#[test]
fn the_estimate_counts_only_the_tables_asked_for() {
    // 1000 used + 100 (departments in the newest set) fits in 1100.
    let (storage, _) = storage_with(vec![(Table::Departments, vec![dept_row(1)])]);
    let (mut store, files) = recording_store();
    holding(&mut store, &[1000]);
    let done = Backups::new(&storage, &store)
        .backup_retained(
            &[Table::Departments],
            Codec::Null,
            &quota(1100),
            SystemTime::now(),
        )
        .unwrap();
    assert_eq!(done.backup.files.len(), 1);
    assert!(done.pruned.is_none() && done.prune_error.is_none());
    assert_eq!(files.lock().unwrap().len(), 1);

    // Every table: 1000 + 1000 is over 1999.
    let (storage, _) = storage_with(vec![]);
    let mut store = MockBackupStore::new();
    holding(&mut store, &[1000]);
    let err = Backups::new(&storage, &store)
        .backup_retained(&[], Codec::Null, &quota(1999), SystemTime::now())
        .unwrap_err();
    assert!(
        matches!(err, BackupRunError::QuotaExceeded { .. }),
        "{err:?}"
    );
}

#[test]
fn without_a_set_the_estimate_is_nothing() {
    let (storage, _) = storage_with(vec![]);
    let (mut store, _) = recording_store();
    store
        .expect_stored_files()
        .returning(|| Ok(vec![stored(10)]));
    store.expect_set_ids().returning(|| Ok(Vec::new()));
    let done = Backups::new(&storage, &store).backup_retained(
        &[],
        Codec::Null,
        &quota(10),
        SystemTime::now(),
    );
    assert!(done.is_ok(), "{done:?}");
}

#[test]
fn the_keep_policy_prunes_after_the_backup() {
    let (storage, _) = storage_with(vec![(Table::Departments, vec![dept_row(1)])]);
    let (mut store, _) = recording_store();
    // No readable set yet: the prune runs and removes nothing.
    store.expect_set_ids().returning(|| Ok(Vec::new()));
    store.expect_stored_files().returning(|| Ok(Vec::new()));
    let retention = Retention::none()
        .keeping(Some(2), Some(Duration::from_secs(86_400)))
        .unwrap();
    let done = Backups::new(&storage, &store)
        .backup_retained(
            &[Table::Departments],
            Codec::Null,
            &retention,
            SystemTime::now(),
        )
        .unwrap();
    let pruned = done.pruned.expect("pruned after the backup");
    assert_eq!(pruned.keep, 2);
    assert_eq!(pruned.older_than_seconds, Some(86_400));
    assert!(!pruned.dry_run);
    assert!(done.prune_error.is_none());
}

#[test]
fn a_failed_prune_leaves_the_backup_and_says_why() {
    let (storage, _) = storage_with(vec![(Table::Departments, vec![dept_row(1)])]);
    let (mut store, files) = recording_store();
    store.expect_set_ids().returning(|| {
        Err(BackupError::Io {
            file: "sets".into(),
            message: "Permission denied".into(),
        })
    });
    let retention = Retention::none().keeping(Some(1), None).unwrap();
    let done = Backups::new(&storage, &store)
        .backup_retained(
            &[Table::Departments],
            Codec::Null,
            &retention,
            SystemTime::now(),
        )
        .unwrap();
    assert!(done.pruned.is_none());
    assert!(
        done.prune_error
            .as_deref()
            .is_some_and(|e| e.contains("Permission denied")),
        "{done:?}"
    );
    assert!(files.lock().unwrap()[0].2, "the backup file was finished");
}

#[test]
fn keeping_no_set_is_refused() {
    assert_eq!(
        Retention::none().keeping(Some(0), None).unwrap_err(),
        PruneError::KeepNothing(0)
    );
    assert!(Retention::none().keeping(None, None).is_ok());
}
