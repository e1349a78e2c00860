//! The S3 backup store against the port contract: on an in-memory object store always, and on
//! a real S3-compatible server when `HIRING_TEST_S3_URL` (`s3://bucket/prefix`, the bucket
//! existing) and the AWS settings of the environment name one (`scripts/s3_test.sh` does).

use crate::backups::{contents, dept, fill, hire, job, small};
use crate::support::TestDb;
use hiring_adapters::{open, S3BackupStore, S3Location};
use hiring_domain::Table;
use hiring_ports::backup::{prune, Backups, PrunePolicy};
use hiring_ports::{AnyRow, BackupError, BackupStore, Codec};
use object_store::memory::InMemory;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::Path;
use std::sync::Arc;

/// A store on a fresh in-memory bucket, and that bucket.
fn in_memory(prefix: &str) -> (S3BackupStore, Arc<InMemory>) {
    let bucket = Arc::new(InMemory::new());
    let location = S3Location::parse(&format!("s3://test/{prefix}"))
        .unwrap()
        .unwrap();
    let store = S3BackupStore::with_store(location, bucket.clone()).unwrap();
    (store, bucket)
}

/// The store of `HIRING_TEST_S3_URL` under a prefix of its own, if one is named.
fn real(test: &str) -> Option<S3BackupStore> {
    let url = std::env::var("HIRING_TEST_S3_URL").ok()?;
    let unique = format!("{url}/{test}-{}", uuid::Uuid::new_v4());
    let location = S3Location::parse(&unique).unwrap().unwrap();
    Some(S3BackupStore::from_env(location).unwrap())
}

fn keys(bucket: &InMemory) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        use futures_util::TryStreamExt;
        let listed: Vec<_> = bucket.list(None).try_collect().await.unwrap();
        let mut keys: Vec<String> = listed.into_iter().map(|m| m.location.to_string()).collect();
        keys.sort();
        keys
    })
}

fn put(bucket: &InMemory, key: &str, bytes: &'static [u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(bucket.put(&Key::from(key), PutPayload::from_static(bytes)))
        .unwrap();
}

/// Backup, listing, set manifest, restore into another database, pruning.
fn sets_round_trip_and_prune(files: &dyn BackupStore) {
    let (db, other) = (TestDb::sqlite(), TestDb::sqlite());
    let (storage, restored) = (open(&db.url).unwrap(), open(&other.url).unwrap());
    fill(&storage, &small());
    let backups = Backups::new(&*storage.bulk, files);
    let first = backups.backup(&[], Codec::Zstandard).unwrap();
    assert_eq!(first.files.len(), 3);
    for info in &first.files {
        let (bytes, sha256) = files.checksum(Path::new(&info.file)).unwrap();
        assert_eq!((bytes, Some(sha256)), (info.size, info.sha256));
        assert!(
            info.file.starts_with(&format!("{}/", info.table)),
            "{}",
            info.file
        );
    }
    let manifest = files.read_set(&first.set).unwrap();
    assert_eq!(manifest.files.len(), 3);
    let listed = files.list().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[2].rows, Some(20));
    assert_eq!(listed[2].codec, "zstandard");

    Backups::new(&*restored.bulk, files)
        .restore_set(None)
        .unwrap();
    assert_eq!(contents(&restored), small());

    let second = backups.backup(&[Table::Jobs], Codec::Null).unwrap();
    assert_ne!(second.set, first.set);
    assert_eq!(
        files.set_ids().unwrap(),
        [second.set.clone(), first.set.clone()]
    );
    assert_eq!(
        files.newest(Table::Jobs).unwrap().unwrap(),
        Path::new(&second.files[0].file)
    );
    let pruned = prune(files, PrunePolicy::new(1, false).unwrap()).unwrap();
    assert_eq!(pruned.removed_sets.len(), 1);
    assert_eq!(files.set_ids().unwrap(), std::slice::from_ref(&second.set));
    let left: Vec<String> = files
        .stored_files()
        .unwrap()
        .into_iter()
        .map(|f| f.file)
        .collect();
    assert_eq!(left, [second.files[0].file.clone()]);
    assert!(!files.remove_set(&first.set).unwrap(), "already gone");
}

/// A writer dropped or failing before `finish` leaves no object, even after parts went out.
fn unfinished_writers_leave_nothing(files: &dyn BackupStore) {
    // Well over one 8 MiB part of uncompressed records.
    let rows = 400_000u64;
    let mut writer = files
        .create(Table::HiredEmployees, rows, Codec::Null)
        .unwrap();
    for i in 1..=300_000 {
        writer.append(&AnyRow::from(hire(i, 1, 1))).unwrap();
    }
    drop(writer);
    let mut short = files.create(Table::Departments, 2, Codec::Null).unwrap();
    short.append(&AnyRow::from(dept(1))).unwrap();
    assert!(short.finish().is_err(), "one row of the two announced");
    drop(short);
    assert_eq!(files.stored_files().unwrap(), []);
    assert_eq!(files.list().unwrap(), []);

    // The same large file finished is whole, and reads back.
    let mut writer = files
        .create(Table::HiredEmployees, rows, Codec::Null)
        .unwrap();
    for i in 1..=400_000 {
        writer.append(&AnyRow::from(hire(i, 1, 1))).unwrap();
    }
    let info = writer.finish().unwrap();
    assert!(
        info.size > 8 << 20,
        "{} bytes: more than one part",
        info.size
    );
    let mut reader = files.open(Path::new(&info.file)).unwrap();
    let mut read = 0;
    while reader.next_row().unwrap().is_some() {
        read += 1;
    }
    assert_eq!(read, rows);
    assert_eq!(
        files.checksum(Path::new(&info.file)).unwrap().1,
        info.sha256.unwrap()
    );
}

/// Two files of one table in one second get two names, the first left as it was.
fn names_are_never_shared(files: &dyn BackupStore) {
    let mut a = files.create(Table::Jobs, 1, Codec::Null).unwrap();
    let mut b = files.create(Table::Jobs, 2, Codec::Null).unwrap();
    a.append(&AnyRow::from(job(1))).unwrap();
    b.append(&AnyRow::from(job(1))).unwrap();
    b.append(&AnyRow::from(job(2))).unwrap();
    let (a, b) = (a.finish().unwrap(), b.finish().unwrap());
    assert_ne!(a.file, b.file);
    let c = {
        let mut c = files.create(Table::Jobs, 0, Codec::Null).unwrap();
        c.finish().unwrap()
    };
    assert_eq!(files.list().unwrap().len(), 3, "{a:?} {b:?} {c:?}");
    assert_eq!(
        files.checksum(Path::new(&a.file)).unwrap().1,
        a.sha256.unwrap()
    );
}

#[test]
fn in_memory_sets_round_trip_and_prune() {
    sets_round_trip_and_prune(&in_memory("team/hiring").0);
}

#[test]
fn in_memory_unfinished_writers_leave_nothing() {
    let (files, bucket) = in_memory("p");
    unfinished_writers_leave_nothing(&files);
    assert_eq!(keys(&bucket).len(), 1, "{:?}", keys(&bucket));
}

#[test]
fn in_memory_names_are_never_shared() {
    names_are_never_shared(&in_memory("").0);
}

#[test]
fn names_from_outside_and_damaged_objects_are_refused() {
    let (files, bucket) = in_memory("p");
    let damaged = "p/departments/departments-20260101T000000Z.avro";
    put(&bucket, damaged, b"not avro at all");
    put(&bucket, "p/departments/notes.txt", b"hello");
    put(
        &bucket,
        "elsewhere/departments/departments-20260101T000000Z.avro",
        b"x",
    );
    for name in ["../x.avro", "/etc/passwd", "departments/../../x.avro", ""] {
        assert!(
            matches!(
                files.resolve(Table::Departments, name),
                Err(BackupError::UnsafeName { .. })
            ),
            "{name:?}"
        );
    }
    assert!(matches!(
        files.resolve(Table::Jobs, "jobs-20260101T000000Z.avro"),
        Err(BackupError::NotFound(_))
    ));
    let found = files
        .resolve(Table::Departments, "departments-20260101T000000Z.avro")
        .unwrap();
    assert!(matches!(
        files.open(&found),
        Err(BackupError::Corrupt { .. })
    ));
    assert_eq!(files.list().unwrap(), [], "unreadable files are left out");
    let stored: Vec<String> = files
        .stored_files()
        .unwrap()
        .into_iter()
        .map(|f| f.file)
        .collect();
    assert_eq!(stored, ["departments/departments-20260101T000000Z.avro"]);
    for refused in ["sets/x.json", "departments/notes.txt", "departments"] {
        assert!(
            matches!(
                files.remove_file(refused),
                Err(BackupError::RemoveRefused { .. })
            ),
            "{refused}"
        );
    }
    assert!(files.remove_file(&stored[0]).unwrap());
    assert!(!files.remove_file(&stored[0]).unwrap());
    assert_eq!(
        keys(&bucket).len(),
        2,
        "only the backup file went: {:?}",
        keys(&bucket)
    );
    assert!(files.remove_stale_temporaries().unwrap().is_empty());
}

#[test]
fn real_s3_sets_round_trip_and_prune() {
    if let Some(files) = real("sets") {
        sets_round_trip_and_prune(&files);
    }
}

#[test]
fn real_s3_unfinished_writers_leave_nothing() {
    if let Some(files) = real("unfinished") {
        unfinished_writers_leave_nothing(&files);
    }
}

#[test]
fn real_s3_names_are_never_shared() {
    if let Some(files) = real("names") {
        names_are_never_shared(&files);
    }
}
