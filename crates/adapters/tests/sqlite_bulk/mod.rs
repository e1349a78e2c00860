//! SQLite's bulk paths: a migration's [`BulkLoad`] (secondary indexes dropped inside one
//! `BEGIN IMMEDIATE` transaction and created again before it commits) and a restore's
//! replacement. The indexes must come back identical, a failed or abandoned load must leave
//! the schema and the rows as they were, foreign keys stay enforced throughout, readers are
//! never blocked, and a second writer waits for the load.

use hiring_adapters::open_storage;
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Rejection, RowErrors, Table};
use hiring_ports::{AnyRow, BulkLoad, RepoError, Repositories, RowSource, TableRepository};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::TestDb;

fn dept(id: i32) -> Department {
    Department::from_fields(&[&id.to_string(), &format!("Department {id}")]).unwrap()
}

fn job(id: i32) -> Job {
    Job::from_fields(&[&id.to_string(), &format!("Job {id}")]).unwrap()
}

fn hire(id: i32, department: i32, job: i32) -> HiredEmployee {
    let month = 1 + id % 12;
    HiredEmployee::from_fields(&[
        &id.to_string(),
        &format!("Employee {id}"),
        &format!("2021-{month:02}-{:02}T16:02:08Z", 1 + id % 28),
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
}

fn hires(ids: std::ops::RangeInclusive<i32>) -> Vec<HiredEmployee> {
    ids.map(|i| hire(i, 1 + i % 3, 1 + i % 2)).collect()
}

fn id_list(values: impl IntoIterator<Item = i32>) -> Vec<Id> {
    values
        .into_iter()
        .map(|v| Id::new(v.into()).unwrap())
        .collect()
}

fn reject(line: u32) -> Rejection {
    Rejection::new(
        Table::HiredEmployees,
        format!("hired_employees.csv:{line}"),
        format!("{line},,x,1,1"),
        RowErrors::single("name", "is required"),
    )
}

/// A new SQLite database with departments 1..=3 and jobs 1..=2 committed.
fn seeded() -> (TestDb, Repositories) {
    let db = TestDb::sqlite();
    let repos = hiring_adapters::open(&db.url).unwrap();
    repos
        .departments
        .write_batch(&(1..=3).map(dept).collect::<Vec<_>>(), &[])
        .unwrap();
    repos.jobs.write_batch(&[job(1), job(2)], &[]).unwrap();
    (db, repos)
}

/// The definitions of the data tables and their indexes, as another connection sees them.
fn schema(db: &TestDb) -> String {
    db.text(
        "(SELECT group_concat(line, char(10)) FROM (SELECT type || ' ' || name || ': ' || \
         coalesce(sql, '') AS line FROM sqlite_master \
         WHERE tbl_name IN ('departments', 'jobs', 'hired_employees') ORDER BY type, name))",
    )
}

/// `PRAGMA integrity_check` and `PRAGMA foreign_key_check` both clean.
fn assert_consistent(db: &TestDb) {
    assert_eq!(
        db.text("(SELECT group_concat(integrity_check) FROM pragma_integrity_check)"),
        "ok"
    );
    assert_eq!(
        db.integer("(SELECT count(*) FROM pragma_foreign_key_check('hired_employees'))"),
        0
    );
}

fn start<E: Record>(repo: &dyn TableRepository<E>) -> Box<dyn BulkLoad<E>> {
    repo.bulk_load()
        .unwrap()
        .unwrap_or_else(|| panic!("no bulk path for {}", E::TABLE))
}

#[test]
fn sqlite_bulk_load_puts_back_identical_indexes_and_keeps_foreign_keys() {
    let (db, repos) = seeded();
    let before = schema(&db);
    assert!(before.contains("hired_employees_datetime"), "{before}");
    assert!(before.contains("REFERENCES departments"), "{before}");

    let load = start(&*repos.hired_employees);
    assert_eq!(
        load.write_batch(&hires(1..=500), &[reject(3)]).unwrap(),
        500
    );
    // The load sees its own rows; other connections see the committed state, indexes included.
    assert_eq!(load.find_by_ids(&id_list([7, 600])).unwrap(), hires(7..=7));
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(load.write_batch(&hires(501..=1_000), &[]).unwrap(), 500);
    assert_eq!(load.finish().unwrap(), 1_000);

    assert_eq!(schema(&db), before);
    assert_consistent(&db);
    assert_eq!(repos.hired_employees.count().unwrap(), 1_000);
    assert_eq!(repos.rejects.count(Some(Table::HiredEmployees)).unwrap(), 1);
    // The maintained report aggregate counted every hire of the load once.
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 1_000);
    assert!(matches!(
        repos
            .hired_employees
            .write_batch(&[hire(2_000, 99, 1)], &[]),
        Err(RepoError::Conflict(_))
    ));
}

#[test]
fn sqlite_bulk_load_refuses_a_missing_parent_and_stores_nothing() {
    let (db, repos) = seeded();
    let before = schema(&db);
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=100), &[]).unwrap();
    let failed = load.write_batch(&[hire(101, 42, 1)], &[]);
    assert!(matches!(failed, Err(RepoError::Conflict(_))), "{failed:?}");
    assert!(load.finish().is_err(), "a failed load cannot commit");
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_consistent(&db);
}

#[test]
fn sqlite_failed_bulk_load_keeps_schema_and_stores_nothing_then_a_rerun_completes() {
    let (db, repos) = seeded();
    let before = schema(&db);

    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=300), &[reject(1)]).unwrap();
    // Id 5 again: the primary key stays in place during the load and refuses it.
    let batch: Vec<HiredEmployee> = hires(301..=400).into_iter().chain(hires(5..=5)).collect();
    let failed = load.write_batch(&batch, &[]);
    assert!(matches!(failed, Err(RepoError::Conflict(_))), "{failed:?}");
    // The load is over: further calls fail, and dropping it changes nothing.
    assert!(load.write_batch(&hires(500..=501), &[]).is_err());
    assert!(load.find_by_ids(&id_list([1])).is_err());
    drop(load);

    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(None).unwrap(), 0);
    assert_eq!(db.integer("(SELECT count(*) FROM hire_counts)"), 0);
    assert_consistent(&db);

    let rerun = start(&*repos.hired_employees);
    rerun.write_batch(&hires(1..=400), &[reject(1)]).unwrap();
    assert_eq!(rerun.finish().unwrap(), 400);
    assert_eq!(repos.hired_employees.count().unwrap(), 400);
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 400);
    assert_eq!(schema(&db), before);
    assert_consistent(&db);
    // The connection went back to the pool usable, with its usual settings.
    assert_eq!(
        repos.hired_employees.find_by_ids(&id_list([400])).unwrap(),
        hires(400..=400)
    );
}

#[test]
fn sqlite_abandoned_bulk_load_rolls_back_rows_rejects_and_schema() {
    let (db, repos) = seeded();
    let before = schema(&db);
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=50), &[reject(3)]).unwrap();
    drop(load);
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(None).unwrap(), 0);
    // A writer can go on at once: the load let go of the write lock and of its turn.
    let started = Instant::now();
    repos
        .hired_employees
        .write_batch(&hires(1..=5), &[])
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn sqlite_bulk_load_declines_a_table_that_is_not_small() {
    let db = TestDb::sqlite();
    let repos = hiring_adapters::open(&db.url).unwrap();
    // One more than the fast path takes (sqlite_bulk::FAST_PATH_MAX_ROWS).
    db.execute(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100001) \
         INSERT INTO departments (id, department) SELECT n, 'Department ' || n FROM g",
    );
    assert!(repos.departments.bulk_load().unwrap().is_none());
    // Declining released the write lock: a plain write goes on.
    repos.jobs.write_batch(&[job(1)], &[]).unwrap();
    db.execute("DELETE FROM departments WHERE id > 100000");
    let load = start(&*repos.departments);
    // Rows stored before the load are found through it.
    assert_eq!(
        load.find_by_ids(&id_list([100_000, 100_001])).unwrap(),
        vec![dept(100_000)]
    );
    assert_eq!(load.write_batch(&[dept(100_001)], &[]).unwrap(), 1);
    assert_eq!(load.finish().unwrap(), 1);
    assert_eq!(repos.departments.count().unwrap(), 100_001);
}

/// Readers (the migration's key lookups among them) are never blocked by a load.
#[test]
fn sqlite_reads_answer_during_a_load_of_hires() {
    let (_db, repos) = seeded();
    repos
        .hired_employees
        .write_batch(&hires(1..=3), &[])
        .unwrap();
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(4..=10), &[]).unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = repos.clone();
    std::thread::spawn(move || {
        let found = (
            reader
                .keys
                .existing_ids(Table::Departments, &id_list([1, 3, 4])),
            reader.keys.existing_ids(Table::Jobs, &id_list([2, 9])),
            reader.hired_employees.count(),
            reader.hired_employees.find_by_ids(&id_list([2, 5])),
        );
        let _ = tx.send(found);
    });
    let (departments, jobs, count, found) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("reads waited for the bulk load");
    assert_eq!(departments.unwrap(), id_list([1, 3]));
    assert_eq!(jobs.unwrap(), id_list([2]));
    assert_eq!(count.unwrap(), 3);
    assert_eq!(found.unwrap(), hires(2..=2));
    assert_eq!(load.finish().unwrap(), 7);
    assert_eq!(repos.hired_employees.count().unwrap(), 10);
}

/// A second load of the same table (another store: another pool) waits for the first, then
/// sees its rows.
#[test]
fn sqlite_a_second_bulk_load_waits_then_sees_the_first_ones_rows() {
    let db = TestDb::sqlite();
    let first = hiring_adapters::open(&db.url).unwrap();
    let second = hiring_adapters::open(&db.url).unwrap();
    let load = start(&*first.departments);
    load.write_batch(&(1..=5).map(dept).collect::<Vec<_>>(), &[])
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let load = second.departments.bulk_load().unwrap().unwrap();
        let started = Instant::now();
        let seen = load.find_by_ids(&id_list(1..=6)).unwrap();
        load.write_batch(&[dept(6)], &[]).unwrap();
        load.finish().unwrap();
        tx.send((started, seen.len())).unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "the second load did not wait"
    );
    let finished = Instant::now();
    load.finish().unwrap();
    let (started, seen) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    waiter.join().unwrap();
    assert!(started >= finished);
    assert_eq!(seen, 5);
    assert_eq!(first.departments.count().unwrap(), 6);
}

/// Many threads writing batches at once, on two stores of one file: every batch is stored,
/// none fails on a busy database.
#[test]
fn sqlite_concurrent_writers_all_succeed() {
    let (db, repos) = seeded();
    let other = hiring_adapters::open(&db.url).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let repos = if t % 2 == 0 {
                repos.clone()
            } else {
                other.clone()
            };
            std::thread::spawn(move || {
                for b in 0..10 {
                    let first = 1 + (t * 10 + b) * 100;
                    repos
                        .hired_employees
                        .write_batch(&hires(first..=first + 99), &[])
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(repos.hired_employees.count().unwrap(), 8_000);
    assert_consistent(&db);
}

/// Rows for [`hiring_ports::BulkStorage::replace`].
struct Rows(Vec<AnyRow>);

impl RowSource for Rows {
    fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError> {
        match self.0.iter().position(|r| r.table() == table) {
            Some(i) => Ok(Some(self.0.remove(i))),
            None => Ok(None),
        }
    }
}

#[test]
fn sqlite_replace_puts_back_identical_indexes_and_a_refused_one_changes_nothing() {
    let db = TestDb::sqlite();
    let storage = open_storage(&db.url).unwrap();
    let repos = &storage.repos;
    repos
        .departments
        .write_batch(&(1..=3).map(dept).collect::<Vec<_>>(), &[])
        .unwrap();
    repos.jobs.write_batch(&[job(1), job(2)], &[]).unwrap();
    repos
        .hired_employees
        .write_batch(&hires(1..=20), &[])
        .unwrap();
    let before = schema(&db);

    // Hires pointing at a department the new departments lack: refused, nothing changed.
    let mut source = Rows((1..=2).map(|i| AnyRow::from(dept(i))).collect());
    let refused = storage.bulk.replace(&[Table::Departments], &mut source);
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(schema(&db), before);
    assert_eq!(repos.departments.count().unwrap(), 3);
    assert_eq!(repos.hired_employees.count().unwrap(), 20);

    // A replacement of the hires alone, then of every table.
    let mut source = Rows(hires(30..=60).into_iter().map(AnyRow::from).collect());
    let counts = storage
        .bulk
        .replace(&[Table::HiredEmployees], &mut source)
        .unwrap();
    assert_eq!(counts, vec![31]);
    assert_eq!(schema(&db), before);
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 31);
    let mut rows: Vec<AnyRow> = (1..=4).map(|i| AnyRow::from(dept(i))).collect();
    rows.extend([job(1), job(2)].map(AnyRow::from));
    rows.extend(hires(100..=150).into_iter().map(AnyRow::from));
    let counts = storage.bulk.replace(&Table::ALL, &mut Rows(rows)).unwrap();
    assert_eq!(counts, vec![4, 2, 51]);
    assert_eq!(schema(&db), before);
    assert_consistent(&db);
    assert_eq!(
        repos
            .hired_employees
            .find_by_ids(&id_list([1, 100]))
            .unwrap(),
        hires(100..=100)
    );
    // Keys and foreign keys are enforced again.
    assert!(repos
        .hired_employees
        .write_batch(&hires(100..=100), &[])
        .is_err());
    assert!(repos
        .hired_employees
        .write_batch(&[hire(999, 42, 1)], &[])
        .is_err());
}
