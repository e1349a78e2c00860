//! Restores: dependency order, refusals before storage is touched, invalid records.

use super::*;

#[test]
fn a_plan_of_every_table_replaces_them_in_dependency_order() {
    let store = folder(vec![
        (
            "hired_employees/newest.avro",
            reader(Table::HiredEmployees, "h.avro", vec![Ok(hire_row(1, 1, 1))]),
        ),
        (
            "jobs/newest.avro",
            reader(Table::Jobs, "j.avro", vec![Ok(job_row(1))]),
        ),
        (
            "departments/newest.avro",
            reader(
                Table::Departments,
                "d.avro",
                vec![Ok(dept_row(1)), Ok(dept_row(2))],
            ),
        ),
    ]);
    let (storage, committed) = replacing_storage(None);
    let plan: Vec<(Table, RestoreSource)> = Table::ALL
        .into_iter()
        .rev()
        .map(|t| (t, RestoreSource::Newest))
        .collect();
    let summary = Backups::new(&storage, &store).restore(&plan).unwrap();
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, Table::ALL.to_vec());
    let restored: Vec<(Table, &str, u64)> = summary
        .tables
        .iter()
        .map(|t| (t.table, t.file.as_str(), t.rows))
        .collect();
    assert_eq!(
        restored,
        vec![
            (Table::Departments, "d.avro", 2),
            (Table::Jobs, "j.avro", 1),
            (Table::HiredEmployees, "h.avro", 1)
        ]
    );
}

#[test]
fn a_plan_in_any_order_is_restored_parents_first() {
    let store = folder(vec![
        (
            "hired_employees/newest.avro",
            reader(Table::HiredEmployees, "h.avro", vec![]),
        ),
        (
            "departments/newest.avro",
            reader(Table::Departments, "d.avro", vec![]),
        ),
    ]);
    let (storage, committed) = replacing_storage(None);
    Backups::new(&storage, &store)
        .restore(&[
            (Table::HiredEmployees, RestoreSource::Newest),
            (Table::Departments, RestoreSource::Newest),
        ])
        .unwrap();
    let order: Vec<Table> = committed.lock().unwrap().iter().map(|(t, _)| *t).collect();
    assert_eq!(order, vec![Table::Departments, Table::HiredEmployees]);
}

#[test]
fn a_file_of_another_table_is_refused_before_storage_is_touched() {
    let store = folder(vec![(
        "departments/newest.avro",
        reader(Table::Jobs, "jobs/jobs-1.avro", vec![Ok(job_row(1))]),
    )]);
    let mut storage = MockBulkStorage::new();
    storage.expect_replace().never();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::WrongTable {
            file: "jobs/jobs-1.avro".into(),
            expected: Table::Departments,
            found: Table::Jobs
        }
    );
    assert!(err
        .to_string()
        .contains("is a backup of jobs, not of departments"));
}

#[test]
fn no_backup_at_all_is_a_clear_error() {
    let mut store = MockBackupStore::new();
    store.expect_newest().returning(|_| Ok(None));
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "restore refused, no table changed: there is no backup of jobs"
    );
}

#[test]
fn a_named_file_is_resolved_inside_the_folder_and_refusals_pass_through() {
    let mut store = MockBackupStore::new();
    store
        .expect_resolve()
        .withf(|table, name| *table == Table::Jobs && name == "../etc/passwd")
        .returning(|_, name| {
            Err(BackupError::UnsafeName {
                name: name.to_owned(),
                reason: "it leads out of the backup folder".into(),
            })
        });
    let storage = MockBulkStorage::new();
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Named("../etc/passwd".into()))
        .unwrap_err();
    assert!(matches!(
        err,
        RestoreError::Files(BackupError::UnsafeName { .. })
    ));
}

#[test]
fn an_invalid_record_refuses_the_whole_restore() {
    let invalid = BackupError::InvalidRecord {
        file: "d.avro".into(),
        record: 2,
        errors: RowErrors::from_vec(vec![FieldError::new("department", "is required")]).unwrap(),
    };
    let store = folder(vec![(
        "departments/newest.avro",
        reader(
            Table::Departments,
            "d.avro",
            vec![Ok(dept_row(1)), Err(invalid.clone()), Ok(dept_row(3))],
        ),
    )]);
    let (storage, committed) = replacing_storage(None);
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(err, RestoreError::Files(invalid));
    assert!(committed.lock().unwrap().is_empty(), "nothing committed");
    assert!(err
        .to_string()
        .contains("record 2 is invalid: department: is required"));
}

#[test]
fn a_repeated_id_refuses_the_restore() {
    let store = folder(vec![(
        "jobs/newest.avro",
        reader(
            Table::Jobs,
            "j.avro",
            vec![Ok(job_row(1)), Ok(job_row(2)), Ok(job_row(1))],
        ),
    )]);
    let (storage, committed) = replacing_storage(None);
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::DuplicateId {
            file: "j.avro".into(),
            table: Table::Jobs,
            id: Id::new(1).unwrap()
        }
    );
    assert!(committed.lock().unwrap().is_empty());
}

#[test]
fn missing_parents_are_reported_with_their_ids() {
    let store = folder(vec![(
        "departments/newest.avro",
        reader(Table::Departments, "d.avro", vec![Ok(dept_row(1))]),
    )]);
    let missing = vec![MissingParents {
        parent: Table::Departments,
        column: "department_id",
        ids: vec![Id::new(2).unwrap()],
        missing: 1,
        rows: 3,
    }];
    let (storage, _) = replacing_storage(Some(missing.clone()));
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(err, RestoreError::MissingParents(missing));
    assert!(
        err.to_string()
            .contains("reference departments that do not exist (department_id 2)"),
        "{err}"
    );
}

#[test]
fn a_storage_failure_is_reported_as_such() {
    let store = folder(vec![(
        "jobs/newest.avro",
        reader(Table::Jobs, "j.avro", vec![Ok(job_row(1))]),
    )]);
    let mut storage = MockBulkStorage::new();
    storage
        .expect_replace()
        .returning(|_, _| Err(ReplaceError::Repo(RepoError::Unavailable("down".into()))));
    let err = Backups::new(&storage, &store)
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap_err();
    assert_eq!(
        err,
        RestoreError::Storage(RepoError::Unavailable("down".into()))
    );
}
