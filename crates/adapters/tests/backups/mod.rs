//! Backups and restores through the use cases, on Avro files and each storage backend: round
//! trips, consistency under concurrent inserts, and every refusal leaving the tables unchanged.

use hiring_adapters::backup_store::{schema_json, META_ROWS, META_SCHEMA_VERSION, META_TABLE};
use hiring_adapters::{open, AvroBackupStore};
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Table};
use hiring_ports::backup::{Backups, RestoreError, RestoreSource};
use hiring_ports::Repositories;
use hiring_ports::{
    AnyRow, BackupError, BackupStore, Codec, ReplaceError, RepoError, RowSource, SnapshotSink,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::support::TestDb;

mod round_trip;
use round_trip::random_tables_round_trip_for_every_codec;
mod refusals;
use refusals::{
    a_file_of_another_table_is_refused, file_names_are_resolved_only_inside_the_backup_folder,
    incompatible_schemas_are_refused, invalid_and_repeated_records_are_refused,
    truncated_and_corrupt_files_are_refused,
};
mod sets;
mod snapshot;
use sets::{
    a_backup_failing_on_the_second_table_makes_no_set,
    a_backup_writes_its_manifest_beside_the_files,
    a_set_with_a_missing_or_replaced_file_is_refused,
    a_tampered_file_refuses_the_set_and_its_own_restore,
    stale_temporaries_are_removed_by_the_next_backup,
};
use snapshot::{
    a_long_snapshot_gives_every_row_once_in_id_order,
    a_sink_failing_midway_stops_the_snapshot_with_its_error,
};

pub(crate) fn dept(id: i32) -> Department {
    Department::from_fields(&[&id.to_string(), &format!("Department {id}")]).unwrap()
}

pub(crate) fn job(id: i32) -> Job {
    Job::from_fields(&[&id.to_string(), &format!("Job {id}")]).unwrap()
}

pub(crate) fn hire(id: i32, department: i32, job: i32) -> HiredEmployee {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        &format!("Employee {id}"),
        "2021-07-27T16:02:08.123456Z",
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
}

/// Every table's rows, in id order.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Contents {
    pub departments: Vec<Department>,
    pub jobs: Vec<Job>,
    pub hires: Vec<HiredEmployee>,
}

impl Contents {
    pub fn rows(&self) -> Vec<(Table, Vec<AnyRow>)> {
        vec![
            (
                Table::Departments,
                self.departments.iter().cloned().map(AnyRow::from).collect(),
            ),
            (
                Table::Jobs,
                self.jobs.iter().cloned().map(AnyRow::from).collect(),
            ),
            (
                Table::HiredEmployees,
                self.hires.iter().cloned().map(AnyRow::from).collect(),
            ),
        ]
    }
}

/// Collects a snapshot.
#[derive(Default)]
pub(crate) struct Collect(pub(crate) Contents, pub(crate) Vec<(Table, u64)>);

impl SnapshotSink for Collect {
    fn begin_table(&mut self, table: Table, rows: u64) -> Result<(), RepoError> {
        self.1.push((table, rows));
        Ok(())
    }

    fn row(&mut self, row: AnyRow) -> Result<(), RepoError> {
        match row {
            AnyRow::Department(d) => self.0.departments.push(d),
            AnyRow::Job(j) => self.0.jobs.push(j),
            AnyRow::HiredEmployee(h) => self.0.hires.push(h),
        }
        Ok(())
    }

    fn end_table(&mut self, _: Table) -> Result<(), RepoError> {
        Ok(())
    }
}

pub(crate) fn contents(storage: &Repositories) -> Contents {
    let mut collect = Collect::default();
    storage.bulk.snapshot(&Table::ALL, &mut collect).unwrap();
    collect.0
}

/// Rows to give [`hiring_ports::BulkStorage::replace`], table by table.
pub(crate) struct Rows(Vec<(Table, std::vec::IntoIter<AnyRow>)>);

impl Rows {
    pub fn of(contents: &Contents) -> Self {
        Self(
            contents
                .rows()
                .into_iter()
                .map(|(t, rows)| (t, rows.into_iter()))
                .collect(),
        )
    }
}

impl RowSource for Rows {
    fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError> {
        Ok(self
            .0
            .iter_mut()
            .find(|(t, _)| *t == table)
            .and_then(|(_, rows)| rows.next()))
    }
}

/// Replaces every table with `contents`.
pub(crate) fn fill(storage: &Repositories, contents: &Contents) {
    storage
        .bulk
        .replace(&Table::ALL, &mut Rows::of(contents))
        .unwrap();
}

/// Departments 1..=5, jobs 1..=4, hires 1..=20 spread over them.
pub(crate) fn small() -> Contents {
    Contents {
        departments: (1..=5).map(dept).collect(),
        jobs: (1..=4).map(job).collect(),
        hires: (1..=20).map(|i| hire(i, i % 5 + 1, i % 4 + 1)).collect(),
    }
}

struct Setup {
    storage: Repositories,
    folder: tempfile::TempDir,
    files: AvroBackupStore,
}

impl Setup {
    fn new(db: &TestDb) -> Self {
        let storage = open(&db.url).unwrap();
        let folder = tempfile::tempdir().unwrap();
        let files = AvroBackupStore::new(folder.path().join("avro_files"));
        Self {
            storage,
            folder,
            files,
        }
    }

    fn backups(&self) -> Backups<'_> {
        Backups::new(&*self.storage.bulk, &self.files)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.files.dir().join(file)
    }

    /// Backs up every table and returns the files, parents first.
    fn backup_all(&self, codec: Codec) -> Vec<PathBuf> {
        self.backups()
            .backup(&[], codec)
            .unwrap()
            .files
            .iter()
            .map(|f| self.path(&f.file))
            .collect()
    }

    /// Restores `table` from `file` and expects a refusal that leaves everything unchanged.
    fn refused(&self, table: Table, file: &Path) -> RestoreError {
        let before = contents(&self.storage);
        let err = self
            .backups()
            .restore_table(table, RestoreSource::Path(file.to_owned()))
            .unwrap_err();
        assert_eq!(
            contents(&self.storage),
            before,
            "refused restore changed data"
        );
        err
    }
}

fn snapshot_streams_each_table_with_its_count(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let mut collect = Collect::default();
    let total = setup
        .storage
        .bulk
        .snapshot(&[Table::Jobs, Table::HiredEmployees], &mut collect)
        .unwrap();
    assert_eq!(total, 24);
    assert_eq!(
        collect.1,
        vec![(Table::Jobs, 4), (Table::HiredEmployees, 20)]
    );
    assert_eq!(collect.0.jobs, small().jobs);
    assert!(collect.0.departments.is_empty());
}

fn replace_swaps_every_table_in_one_transaction(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    // Other ids everywhere: deleting departments that hires still reference is fine, as the
    // hires are replaced in the same transaction.
    let other = Contents {
        departments: vec![dept(10)],
        jobs: vec![job(20)],
        hires: vec![hire(30, 10, 20)],
    };
    let counts = setup
        .storage
        .bulk
        .replace(&Table::ALL, &mut Rows::of(&other))
        .unwrap();
    assert_eq!(counts, vec![1, 1, 1]);
    assert_eq!(contents(&setup.storage), other);
}

fn replace_refuses_dangling_hires_naming_the_ids(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let before = contents(&setup.storage);
    let only_two = Contents {
        departments: vec![dept(1), dept(2)],
        ..Contents::default()
    };
    let err = setup
        .storage
        .bulk
        .replace(&[Table::Departments], &mut Rows::of(&only_two))
        .unwrap_err();
    let ReplaceError::MissingParents(missing) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].parent, Table::Departments);
    assert_eq!(missing[0].column, "department_id");
    let ids: Vec<i32> = missing[0].ids.iter().map(|id| id.get()).collect();
    assert_eq!(ids, [3, 4, 5]);
    assert_eq!(missing[0].rows, 12);
    assert_eq!(contents(&setup.storage), before);

    let orphans = Contents {
        hires: vec![hire(1, 1, 1), hire(2, 77, 88)],
        ..Contents::default()
    };
    let err = setup
        .storage
        .bulk
        .replace(&[Table::HiredEmployees], &mut Rows::of(&orphans))
        .unwrap_err();
    assert!(err.to_string().contains("department_id 77"), "{err}");
    assert!(err.to_string().contains("job_id 88"), "{err}");
    assert_eq!(contents(&setup.storage), before);
}

/// A replacement may set the row-by-row foreign-key checks aside (SQLite turns them off for
/// its transaction): afterwards, successful or refused, every pooled connection enforces them
/// again.
fn foreign_keys_hold_again_after_a_replace(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let orphans = Contents {
        hires: vec![hire(1, 77, 1)],
        ..Contents::default()
    };
    assert!(setup
        .storage
        .bulk
        .replace(&[Table::HiredEmployees], &mut Rows::of(&orphans))
        .is_err());
    fill(&setup.storage, &small());
    let before = contents(&setup.storage);
    // More attempts than the pool has connections, each on whichever connection it hands out.
    for id in 100..116 {
        let refused = setup
            .storage
            .hired_employees
            .write_batch(&[hire(id, 77, 1)], &[]);
        assert!(
            matches!(refused, Err(RepoError::Conflict(_))),
            "{refused:?}"
        );
    }
    assert_eq!(contents(&setup.storage), before);
}

/// A source that fails after a few rows.
struct Failing(u32);

impl RowSource for Failing {
    fn next_row(&mut self, _: Table) -> Result<Option<AnyRow>, RepoError> {
        self.0 += 1;
        if self.0 > 3 {
            Err(RepoError::Other("the file broke".into()))
        } else {
            Ok(Some(dept(100 + self.0 as i32).into()))
        }
    }
}

fn a_failing_source_leaves_every_table_unchanged(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let before = contents(&setup.storage);
    let err = setup
        .storage
        .bulk
        .replace(&Table::ALL, &mut Failing(0))
        .unwrap_err();
    assert_eq!(
        err,
        ReplaceError::Repo(RepoError::Other("the file broke".into()))
    );
    assert_eq!(contents(&setup.storage), before);
}

fn backup_and_restore_round_trip_every_codec(db: &TestDb) {
    let setup = Setup::new(db);
    let data = small();
    for codec in Codec::ALL {
        fill(&setup.storage, &data);
        let summary = setup.backups().backup(&[], codec).unwrap();
        let rows: Vec<Option<u64>> = summary.files.iter().map(|f| f.rows).collect();
        assert_eq!(rows, vec![Some(5), Some(4), Some(20)]);
        assert!(summary.files.iter().all(|f| f.codec == codec.name()));
        fill(&setup.storage, &Contents::default());
        let restored = setup.backups().restore_all().unwrap();
        assert_eq!(restored.tables.len(), 3);
        assert_eq!(contents(&setup.storage), data, "{codec}");
    }
    let listed = setup.backups().list().unwrap();
    assert_eq!(
        listed.len(),
        12,
        "four backups of three tables, none overwritten"
    );
    assert_eq!(listed[0].table, Table::Departments);
    assert_eq!(listed[0].codec, "zstandard", "newest first");
}

fn files_are_laid_out_by_table_and_describe_themselves(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let files = setup.backup_all(Codec::Deflate);
    for (table, file) in Table::ALL.iter().zip(&files) {
        let folder = file.parent().unwrap();
        assert_eq!(folder, setup.files.dir().join(table.name()));
        let name = file.file_name().unwrap().to_str().unwrap();
        let stamp = name
            .strip_prefix(&format!("{table}-"))
            .and_then(|n| n.strip_suffix(".avro"))
            .unwrap();
        assert_eq!(stamp.len(), 16, "{name}");
        assert!(stamp.ends_with('Z') && &stamp[8..9] == "T", "{name}");
        // Nothing but the finished file in the folder.
        let entries: Vec<_> = std::fs::read_dir(folder).unwrap().collect();
        assert_eq!(entries.len(), 1);
        let reader = apache_avro::Reader::new(std::fs::File::open(file).unwrap()).unwrap();
        let meta = reader.user_metadata();
        assert_eq!(meta[META_TABLE], table.name().as_bytes());
        assert_eq!(meta[META_SCHEMA_VERSION], b"1");
        assert!(meta.contains_key("hiring.created_at"));
        let expected = small()
            .rows()
            .into_iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, rows)| rows.len());
        assert_eq!(reader.count(), expected);
    }
    // The same second again: a second file, the first one untouched.
    let first = std::fs::read(&files[0]).unwrap();
    let again = setup.backup_all(Codec::Null);
    assert_ne!(again[0], files[0]);
    assert_eq!(std::fs::read(&files[0]).unwrap(), first);
}

fn an_unfinished_backup_leaves_no_file(db: &TestDb) {
    let setup = Setup::new(db);
    let mut writer = setup.files.create(Table::Jobs, 2, Codec::Null).unwrap();
    writer.append(&job(1).into()).unwrap();
    // Fewer rows than announced: refused, and nothing is left behind.
    assert!(writer.finish().is_err());
    drop(writer);
    let mut writer = setup.files.create(Table::Jobs, 1, Codec::Null).unwrap();
    writer.append(&job(1).into()).unwrap();
    drop(writer);
    let folder = setup.files.dir().join("jobs");
    let left: Vec<_> = std::fs::read_dir(folder).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(setup.files.list().unwrap().is_empty());
}

fn restore_picks_the_newest_backup_by_default(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    setup.backups().backup(&[Table::Jobs], Codec::Null).unwrap();
    let mut fewer = small();
    fewer.jobs[3] = Job::from_fields(&["4", "Renamed"]).unwrap();
    fill(&setup.storage, &fewer);
    setup
        .backups()
        .backup(&[Table::Jobs], Codec::Snappy)
        .unwrap();
    fill(&setup.storage, &small());
    let summary = setup
        .backups()
        .restore_table(Table::Jobs, RestoreSource::Newest)
        .unwrap();
    assert!(summary.tables[0].file.starts_with("jobs/jobs-"));
    assert_eq!(contents(&setup.storage).jobs, fewer.jobs);
}

fn restore_all_replaces_tables_that_reference_each_other(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    setup.backup_all(Codec::Zstandard);
    // New departments and hires pointing at them: restoring departments alone would dangle,
    // restoring everything in one transaction does not.
    let mut later = small();
    later.departments.push(dept(99));
    later.hires.push(hire(500, 99, 1));
    fill(&setup.storage, &later);
    let err = setup
        .backups()
        .restore_table(Table::Departments, RestoreSource::Newest)
        .unwrap_err();
    assert!(
        matches!(&err, RestoreError::MissingParents(m) if m[0].ids == [Id::new(99).unwrap()]),
        "{err:?}"
    );
    assert!(err.to_string().contains("department_id 99"), "{err}");
    assert_eq!(
        contents(&setup.storage),
        later,
        "unchanged after the refusal"
    );
    setup.backups().restore_all().unwrap();
    assert_eq!(contents(&setup.storage), small());
}

fn restore_all_is_one_transaction(db: &TestDb) {
    let setup = Setup::new(db);
    fill(&setup.storage, &small());
    let files = setup.backup_all(Codec::Null);
    // Damage the newest hires file: departments and jobs must not be restored either. The
    // set's sizes and checksums tell before any table is touched.
    let hires = std::fs::read(&files[2]).unwrap();
    std::fs::write(&files[2], &hires[..hires.len() - 30]).unwrap();
    let changed = Contents {
        departments: vec![dept(1)],
        jobs: vec![job(1)],
        hires: vec![hire(1, 1, 1)],
    };
    fill(&setup.storage, &changed);
    let err = setup.backups().restore_all().unwrap_err();
    assert!(
        matches!(err, RestoreError::Files(BackupError::Mismatch { .. })),
        "{err:?}"
    );
    assert_eq!(contents(&setup.storage), changed);
}

fn a_backup_taken_during_inserts_restores_consistently(db: &TestDb) {
    let setup = Setup::new(db);
    let base = Contents {
        departments: (1..=10).map(dept).collect(),
        jobs: (1..=10).map(job).collect(),
        hires: (1..=60_000)
            .map(|i| hire(i, i % 10 + 1, i % 10 + 1))
            .collect(),
    };
    fill(&setup.storage, &base);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let repos = setup.storage.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            // Each round: a new department, then in another transaction hires pointing at it.
            // A backup reading the tables at different moments would catch hires without their
            // department.
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) && round < 2_000 {
                round += 1;
                let department = 1_000 + round;
                repos
                    .departments
                    .write_batch(&[dept(department)], &[])
                    .unwrap();
                let hires: Vec<HiredEmployee> = (0..50)
                    .map(|k| hire(1_000_000 + round * 100 + k, department, 1))
                    .collect();
                repos.hired_employees.write_batch(&hires, &[]).unwrap();
            }
            round
        })
    };
    // Let the writer get going, then back up while it runs.
    while contents_count(&setup.storage) < 3 {
        std::thread::yield_now();
    }
    setup.backup_all(Codec::Snappy);
    stop.store(true, Ordering::Relaxed);
    let rounds = writer.join().unwrap();
    assert!(rounds > 1);
    fill(&setup.storage, &Contents::default());
    setup.backups().restore_all().unwrap();
    let restored = contents(&setup.storage);
    assert!(restored.hires.len() >= 60_000);
    let departments: std::collections::HashSet<i32> =
        restored.departments.iter().map(|d| d.id().get()).collect();
    assert!(restored
        .hires
        .iter()
        .all(|h| departments.contains(&h.department_id().get())));
}

fn contents_count(storage: &Repositories) -> u64 {
    storage.departments.count().unwrap().saturating_sub(10)
}

on_every_backend!(
    snapshot_streams_each_table_with_its_count,
    replace_swaps_every_table_in_one_transaction,
    replace_refuses_dangling_hires_naming_the_ids,
    foreign_keys_hold_again_after_a_replace,
    a_failing_source_leaves_every_table_unchanged,
    backup_and_restore_round_trip_every_codec,
    files_are_laid_out_by_table_and_describe_themselves,
    an_unfinished_backup_leaves_no_file,
    restore_picks_the_newest_backup_by_default,
    restore_all_replaces_tables_that_reference_each_other,
    restore_all_is_one_transaction,
    truncated_and_corrupt_files_are_refused,
    a_file_of_another_table_is_refused,
    incompatible_schemas_are_refused,
    invalid_and_repeated_records_are_refused,
    file_names_are_resolved_only_inside_the_backup_folder,
    a_backup_taken_during_inserts_restores_consistently,
    random_tables_round_trip_for_every_codec,
    a_backup_writes_its_manifest_beside_the_files,
    a_backup_failing_on_the_second_table_makes_no_set,
    a_tampered_file_refuses_the_set_and_its_own_restore,
    a_set_with_a_missing_or_replaced_file_is_refused,
    stale_temporaries_are_removed_by_the_next_backup,
    a_long_snapshot_gives_every_row_once_in_id_order,
    a_sink_failing_midway_stops_the_snapshot_with_its_error,
);
