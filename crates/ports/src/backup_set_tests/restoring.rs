//! Restoring whole sets and files that sets list: which set, and verification first.

use super::*;

#[test]
fn restore_all_takes_the_newest_set_holding_every_table() {
    // The newest set holds jobs only (`backup jobs`): not a backup of every table.
    let jobs_only = manifest("20261203T100000Z", &[Table::Jobs]);
    let whole = manifest("20261203T090000Z", &Table::ALL);
    let older = manifest("20261202T090000Z", &Table::ALL);
    let files = disks(&[&jobs_only, &whole, &older]);
    let store = folder(vec![Ok(jobs_only), Ok(whole), Ok(older)], files);
    let (storage, committed) = replacing_storage(None);
    let summary = Backups::new(&storage, &store).restore_all().unwrap();
    assert_eq!(summary.set, Some(set_id("20261203T090000Z")));
    let files: Vec<&str> = summary.tables.iter().map(|t| t.file.as_str()).collect();
    assert_eq!(
        files,
        Table::ALL
            .iter()
            .map(|t| name("20261203T090000Z", *t))
            .collect::<Vec<_>>()
    );
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, Table::ALL.to_vec());
}

#[test]
fn a_chosen_set_is_restored_whatever_its_tables() {
    let newest = manifest("20261203T090000Z", &Table::ALL);
    let jobs_only = manifest("20261202T090000Z", &[Table::Jobs]);
    let files = disks(&[&newest, &jobs_only]);
    let store = folder(vec![Ok(newest), Ok(jobs_only)], files);
    let (storage, committed) = replacing_storage(None);
    let summary = Backups::new(&storage, &store)
        .restore_set(Some(&set_id("20261202T090000Z")))
        .unwrap();
    assert_eq!(summary.set, Some(set_id("20261202T090000Z")));
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Jobs, vec![job_row(1)])]
    );
}

#[test]
fn an_unknown_set_is_not_found() {
    let store = folder(vec![], HashMap::new());
    let err = Backups::new(&untouched_storage(), &store)
        .restore_set(Some(&set_id("20990101T000000Z")))
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::Files(BackupError::NotFound(
            "there is no backup set 20990101T000000Z".into()
        ))
    );
}

#[test]
fn without_a_set_of_every_table_restore_all_is_refused_pointing_elsewhere() {
    // Files without any manifest (older backups, or a run that failed) never make a set.
    let mut files = HashMap::new();
    for table in Table::ALL {
        files.insert(name("20261203T090000Z", table), Disk::recorded(table));
    }
    let store = folder(
        vec![Ok(manifest("20261203T080000Z", &[Table::Jobs]))],
        files,
    );
    let err = Backups::new(&untouched_storage(), &store)
        .restore_all()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, RestoreError::Files(BackupError::NotFound(_))),
        "{err:?}"
    );
    assert!(
        text.contains("there is no backup set of every table"),
        "{text}"
    );
    assert!(text.contains("choose a set"), "{text}");
}

/// Restores every table from the only set, whose file of `table` is `disk`, and expects a
/// refusal before storage is touched.
fn refused_with(table: Table, disk: Option<Disk>) -> BackupError {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let mut files = disks(&[&set]);
    match disk {
        Some(disk) => files.insert(name("20261203T090000Z", table), disk),
        None => files.remove(&name("20261203T090000Z", table)),
    };
    let store = folder(vec![Ok(set)], files);
    match Backups::new(&untouched_storage(), &store).restore_all() {
        Err(RestoreError::Files(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_edited_file_of_the_set_is_refused_before_any_table_is_touched() {
    // Same size and row count, other bytes: only the checksum tells.
    let edited = Disk {
        sha256: sum(2),
        ..Disk::recorded(Table::HiredEmployees)
    };
    let err = refused_with(Table::HiredEmployees, Some(edited));
    assert!(matches!(err, BackupError::Mismatch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("hired_employees/hired_employees-20261203T090000Z.avro"),
        "{text}"
    );
    assert!(
        text.contains("does not match backup set 20261203T090000Z"),
        "{text}"
    );
    assert!(
        text.contains(&format!("its SHA-256 is {}", sum(2))),
        "{text}"
    );
}

#[test]
fn a_missing_file_of_the_set_is_refused() {
    let err = refused_with(Table::Jobs, None);
    assert_eq!(
        err.to_string(),
        "backup set 20261203T090000Z is incomplete: its jobs file \
         jobs/jobs-20261203T090000Z.avro is missing"
    );
}

#[test]
fn a_file_of_another_size_row_count_or_table_is_refused() {
    let recorded = Disk::recorded(Table::Departments);
    let longer = Disk {
        size: 120,
        ..recorded.clone()
    };
    assert!(refused_with(Table::Departments, Some(longer))
        .to_string()
        .contains("it has 120 bytes, the manifest records 100"));
    let fewer = Disk {
        declared: 1,
        rows: vec![dept_row(1)],
        ..recorded.clone()
    };
    assert!(refused_with(Table::Departments, Some(fewer))
        .to_string()
        .contains("it declares 1 rows, the manifest records 2"));
    let other = Disk::recorded(Table::Jobs);
    assert!(refused_with(Table::Departments, Some(other))
        .to_string()
        .contains("it holds jobs, the manifest records departments"));
}

#[test]
fn an_unreadable_manifest_before_a_whole_set_refuses_the_restore() {
    let whole = manifest("20261202T090000Z", &Table::ALL);
    let files = disks(&[&whole]);
    let broken = BackupError::Corrupt {
        file: "sets/x.json".into(),
        reason: "not JSON".into(),
    };
    let store = folder(vec![Err(broken.clone()), Ok(whole)], files);
    let err = Backups::new(&untouched_storage(), &store)
        .restore_all()
        .unwrap_err();
    assert_eq!(err, RestoreError::Files(broken));
}

#[test]
fn a_single_table_restore_verifies_a_file_that_a_set_lists() {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let file = name("20261203T090000Z", Table::Jobs);
    let mut files = disks(&[&set]);
    files.get_mut(&file).unwrap().sha256 = sum(9);
    let store = folder(vec![Ok(set)], files);
    let err = Backups::new(&untouched_storage(), &store)
        .restore_table(Table::Jobs, RestoreSource::Named(file))
        .unwrap_err();
    assert!(
        matches!(&err, RestoreError::Files(BackupError::Mismatch { set, .. }) if set == "20261203T090000Z"),
        "{err:?}"
    );
}

#[test]
fn a_single_table_restore_of_a_listed_file_as_recorded_goes_through() {
    let set = manifest("20261203T090000Z", &Table::ALL);
    let store = folder(vec![Ok(set.clone())], disks(&[&set]));
    let (storage, committed) = replacing_storage(None);
    Backups::new(&storage, &store)
        .restore_table(
            Table::Jobs,
            RestoreSource::Named(name("20261203T090000Z", Table::Jobs)),
        )
        .unwrap();
    assert_eq!(
        *committed.lock().unwrap(),
        vec![(Table::Jobs, vec![job_row(1)])]
    );
}

#[test]
fn a_file_no_set_lists_is_restored_without_a_checksum() {
    let files: HashMap<String, Disk> = [(
        "jobs/from-elsewhere.avro".to_owned(),
        Disk::recorded(Table::Jobs),
    )]
    .into();
    let (store, checksums) =
        counting_folder(vec![Ok(manifest("20261203T090000Z", &Table::ALL))], files);
    let (storage, committed) = replacing_storage(None);
    Backups::new(&storage, &store)
        .restore_table(
            Table::Jobs,
            RestoreSource::Named("jobs/from-elsewhere.avro".into()),
        )
        .unwrap();
    assert_eq!(committed.lock().unwrap().len(), 1);
    assert_eq!(*checksums.lock().unwrap(), 0);
}

#[test]
fn the_listing_says_which_sets_are_complete() {
    let whole = manifest("20261203T090000Z", &Table::ALL);
    let damaged = manifest("20261202T090000Z", &Table::ALL);
    let mut files = disks(&[&whole, &damaged]);
    files.remove(&name("20261202T090000Z", Table::HiredEmployees));
    let broken = BackupError::Corrupt {
        file: "sets/x.json".into(),
        reason: "not JSON".into(),
    };
    let (mut store, checksums) = counting_folder(vec![Ok(whole), Ok(damaged), Err(broken)], files);
    store.expect_list().returning(|| Ok(Vec::new()));
    let storage = MockBulkStorage::new();
    let listing = Backups::new(&storage, &store).listing().unwrap();
    let sets: Vec<(&str, bool, usize, u64)> = listing
        .sets
        .iter()
        .map(|s| (s.id.as_str(), s.complete, s.tables.len(), s.rows))
        .collect();
    assert_eq!(
        sets,
        vec![
            ("20261203T090000Z", true, 3, 6),
            ("20261202T090000Z", false, 3, 6),
            ("broken2", false, 0, 0),
        ]
    );
    assert!(listing.sets[1]
        .problem
        .as_deref()
        .unwrap()
        .contains("hired_employees-20261202T090000Z.avro is missing"));
    assert!(listing.sets[2]
        .problem
        .as_deref()
        .unwrap()
        .contains("not JSON"));
    assert_eq!(
        *checksums.lock().unwrap(),
        0,
        "listing never reads whole files"
    );
}
