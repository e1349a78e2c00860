//! The bulk paths of the storage: a migration's [`BulkLoad`] and a restore's replacement. On
//! PostgreSQL they set the foreign keys and secondary indexes aside inside the transaction;
//! these tests check that they come back identical, that a failed or abandoned load leaves the
//! schema and the rows as they were, and that concurrent loads wait for each other.

use hiring_adapters::open_storage;
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Table};
use hiring_ports::{AnyRow, BulkLoad, RepoError, Repositories, RowSource};
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
    HiredEmployee::from_fields(&[
        &id.to_string(),
        &format!("Employee {id}"),
        "2021-07-27T16:02:08Z",
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

fn open_pg(db: &TestDb) -> Repositories {
    hiring_adapters::open(&db.url).unwrap()
}

/// Departments 1..=3 and jobs 1..=2, committed.
fn seed(repos: &Repositories) {
    repos
        .departments
        .write_batch(&(1..=3).map(dept).collect::<Vec<_>>(), &[])
        .unwrap();
    repos.jobs.write_batch(&[job(1), job(2)], &[]).unwrap();
}

fn schema(db: &TestDb) -> String {
    db.pg_schema()
}

fn start<E: Record>(repo: &dyn hiring_ports::TableRepository<E>) -> Box<dyn BulkLoad<E>> {
    repo.bulk_load()
        .unwrap()
        .unwrap_or_else(|| panic!("no bulk path for {}", E::TABLE))
}

#[test]
fn pg_bulk_load_puts_back_identical_constraints_and_indexes() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    seed(&repos);
    let before = schema(&db);
    assert!(before.contains("DEFERRABLE"), "{before}");
    assert!(before.contains("hired_employees_datetime"), "{before}");

    let load = start(&*repos.hired_employees);
    // While the load lasts, its table has no foreign keys nor secondary indexes (seen from
    // inside: other sessions still see the committed catalog).
    assert_eq!(load.write_batch(&hires(1..=500), &[]).unwrap(), 500);
    assert_eq!(
        load.find_by_ids(&id_list([7, 600])).unwrap(),
        vec![hires(7..=7)[0].clone()]
    );
    assert_eq!(load.write_batch(&hires(501..=1_000), &[]).unwrap(), 500);
    assert_eq!(load.finish().unwrap(), 1_000);

    assert_eq!(schema(&db), before);
    let (counts, scan) = counts_and_scan(&db);
    assert!(!counts.is_empty());
    assert_eq!(counts, scan);
    assert_eq!(repos.hired_employees.count().unwrap(), 1_000);
    // The foreign keys are enforced again.
    assert!(matches!(
        repos
            .hired_employees
            .write_batch(&[hire(2_000, 99, 1)], &[]),
        Err(RepoError::Conflict(_))
    ));
}

#[test]
fn pg_failed_bulk_load_keeps_schema_and_stores_nothing_then_a_rerun_completes() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    seed(&repos);
    let before = schema(&db);

    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=300), &[]).unwrap();
    // Id 5 again: refused, as the primary key would (the load knows every id it wrote).
    let failed = load.write_batch(
        &hires(301..=400)
            .into_iter()
            .chain(hires(5..=5))
            .collect::<Vec<_>>(),
        &[],
    );
    assert!(matches!(failed, Err(RepoError::Conflict(_))), "{failed:?}");
    // The load is over: further calls fail, and dropping it changes nothing.
    assert!(load.write_batch(&hires(500..=501), &[]).is_err());
    drop(load);

    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);

    // A hire whose department does not exist goes in while the foreign keys are set aside;
    // putting them back refuses it, and the whole load.
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=100), &[]).unwrap();
    load.write_batch(&[hire(101, 99, 1)], &[]).unwrap();
    assert!(matches!(load.finish(), Err(RepoError::Conflict(_))));
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);

    let rerun = start(&*repos.hired_employees);
    rerun.write_batch(&hires(1..=400), &[]).unwrap();
    assert_eq!(rerun.finish().unwrap(), 400);
    assert_eq!(repos.hired_employees.count().unwrap(), 400);
    assert_eq!(schema(&db), before);
}

#[test]
fn pg_abandoned_bulk_load_rolls_back_rows_rejects_and_schema() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    seed(&repos);
    let before = schema(&db);
    let load = start(&*repos.hired_employees);
    let reject = hiring_domain::Rejection::new(
        Table::HiredEmployees,
        "hired_employees.csv:3",
        "3,,x,1,1",
        hiring_domain::RowErrors::single("name", "is empty"),
    );
    load.write_batch(&hires(1..=50), &[reject]).unwrap();
    drop(load);
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(None).unwrap(), 0);
}

/// The key lookups of the migration run on other pooled connections: they must not wait for
/// the load, which locked the parent tables by dropping its foreign keys.
#[test]
fn pg_key_lookups_answer_during_a_load_of_hires() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    seed(&repos);
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=10), &[]).unwrap();
    let (tx, rx) = mpsc::channel();
    let keys = repos.keys.clone();
    std::thread::spawn(move || {
        let found = (
            keys.existing_ids(Table::Departments, &id_list([1, 3, 4])),
            keys.existing_ids(Table::Jobs, &id_list([2, 9])),
        );
        let _ = tx.send(found);
    });
    let (departments, jobs) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("key lookups waited for the bulk load");
    assert_eq!(departments.unwrap(), id_list([1, 3]));
    assert_eq!(jobs.unwrap(), id_list([2]));
    assert_eq!(load.finish().unwrap(), 10);
    // Once the load is over, lookups read the tables again.
    repos.departments.write_batch(&[dept(4)], &[]).unwrap();
    assert_eq!(
        repos
            .keys
            .existing_ids(Table::Departments, &id_list([4]))
            .unwrap(),
        id_list([4])
    );
}

/// Plants `n` hires (ids 1..=n, as [`hires`] makes them) straight into the table.
fn plant_hires(db: &TestDb, n: i32) {
    db.execute(&format!(
        "INSERT INTO hired_employees (id, name, datetime, department_id, job_id) \
         SELECT g, 'Employee ' || g, timestamptz '2021-07-27 16:02:08+00', 1 + g % 3, 1 + g % 2 \
         FROM generate_series(1, {n}) g"
    ));
}

/// The `hire_counts` aggregate and the `GROUP BY` it stands for, as text.
fn counts_and_scan(db: &TestDb) -> (String, String) {
    let counts = db.text(
        "(SELECT coalesce(string_agg(year || '/' || quarter || '/' || department_id || '/' \
         || job_id || '=' || hired, ',' ORDER BY year, quarter, department_id, job_id), '') \
         FROM hire_counts)",
    );
    let scan = db.text(
        "(SELECT coalesce(string_agg(y || '/' || q || '/' || d || '/' || j || '=' || n, ',' \
         ORDER BY y, q, d, j), '') FROM (SELECT \
         EXTRACT(YEAR FROM datetime AT TIME ZONE 'UTC')::integer AS y, \
         EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC')::integer AS q, \
         department_id AS d, job_id AS j, count(*) AS n \
         FROM hired_employees GROUP BY 1, 2, 3, 4) AS s)",
    );
    (counts, scan)
}

/// A table above the small-table limit (pg_bulk::FAST_PATH_MAX_ROWS, 100,000) keeps its
/// indexes and keys; its foreign keys are set aside once the load has written 1/40 of its rows.
#[test]
fn pg_bulk_load_into_a_large_table_sets_only_the_foreign_keys_aside_midway() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    seed(&repos);
    plant_hires(&db, 100_001);
    // Planted rows bypass the aggregate: count them as the migration creating it does.
    db.execute(
        "INSERT INTO hire_counts (year, quarter, department_id, job_id, hired) \
         SELECT 2021, 3, department_id, job_id, count(*) FROM hired_employees GROUP BY 3, 4",
    );
    let before = schema(&db);

    let load = start(&*repos.hired_employees);
    // Rows stored before the load are found through it.
    assert_eq!(
        load.find_by_ids(&id_list([5, 200_000])).unwrap(),
        hires(5..=5)
    );
    // Dropping a foreign key locks its parent exclusively: seen in pg_locks.
    let jobs_locked = || {
        db.integer(
            "(SELECT count(*) FROM pg_locks WHERE relation = 'jobs'::regclass \
             AND mode = 'AccessExclusiveLock' AND granted)",
        )
    };
    load.write_batch(&hires(200_001..=202_000), &[]).unwrap();
    assert_eq!(jobs_locked(), 0);
    // 1/40 of the table written: the foreign keys go, lookups still answer.
    load.write_batch(&hires(202_001..=203_000), &[]).unwrap();
    assert_eq!(jobs_locked(), 1);
    let keys = repos.keys.clone();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(keys.existing_ids(Table::Jobs, &id_list([1, 2, 3])));
    });
    let found = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("key lookups waited for the bulk load");
    assert_eq!(found.unwrap(), id_list([1, 2]));
    assert_eq!(load.find_by_ids(&id_list([7, 202_500])).unwrap().len(), 2);
    assert_eq!(load.finish().unwrap(), 3_000);
    assert_eq!(schema(&db), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 103_001);
    let (counts, scan) = counts_and_scan(&db);
    assert_eq!(counts, scan);

    // An id stored before the load: the primary key, kept, refuses it and the whole load.
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(300_000..=300_010), &[]).unwrap();
    let refused = load
        .write_batch(&hires(9..=9), &[])
        .and_then(|_| load.finish());
    assert!(
        matches!(refused, Err(RepoError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(repos.hired_employees.count().unwrap(), 103_001);
    assert_eq!(schema(&db), before);
}

#[test]
fn pg_bulk_load_of_a_small_table_finds_the_rows_stored_before() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_pg(&db);
    db.execute(
        "INSERT INTO departments (id, department) \
         SELECT g, 'Department ' || g FROM generate_series(1, 100000) g",
    );
    let load = start(&*repos.departments);
    assert_eq!(
        load.find_by_ids(&id_list([100_000, 100_001])).unwrap(),
        vec![dept(100_000)]
    );
    assert!(matches!(
        load.write_batch(&[dept(7)], &[]),
        Err(RepoError::Conflict(_))
    ));
}

/// A second load of the same table (another process: another pool) waits for the first, then
/// sees its rows.
#[test]
fn pg_a_second_bulk_load_waits_then_sees_the_first_ones_rows() {
    let Some(db) = TestDb::postgres() else { return };
    let first = open_pg(&db);
    let second = open_pg(&db);
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
fn pg_replace_puts_back_identical_constraints_and_a_refused_one_changes_nothing() {
    let Some(db) = TestDb::postgres() else { return };
    let storage = open_storage(&db.url).unwrap();
    seed(&storage.repos);
    storage
        .repos
        .hired_employees
        .write_batch(&hires(1..=20), &[])
        .unwrap();
    let before = schema(&db);

    // Hires pointing at a department that the new departments lack: refused, nothing changed.
    let mut source = Rows((1..=2).map(|i| AnyRow::from(dept(i))).collect());
    let refused = storage.bulk.replace(&[Table::Departments], &mut source);
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(schema(&db), before);
    assert_eq!(storage.repos.departments.count().unwrap(), 3);
    assert_eq!(storage.repos.hired_employees.count().unwrap(), 20);

    // A whole replacement of every table.
    let mut rows: Vec<AnyRow> = (1..=4).map(|i| AnyRow::from(dept(i))).collect();
    rows.extend([job(1), job(2)].map(AnyRow::from));
    rows.extend(hires(100..=150).into_iter().map(AnyRow::from));
    let counts = storage.bulk.replace(&Table::ALL, &mut Rows(rows)).unwrap();
    assert_eq!(counts, vec![4, 2, 51]);
    assert_eq!(schema(&db), before);
    assert_eq!(
        storage
            .repos
            .hired_employees
            .find_by_ids(&id_list([1, 100]))
            .unwrap(),
        hires(100..=100)
    );
    // Keys and foreign keys are enforced again.
    assert!(storage
        .repos
        .hired_employees
        .write_batch(&hires(100..=100), &[])
        .is_err());
    assert!(storage
        .repos
        .hired_employees
        .write_batch(&[hire(999, 42, 1)], &[])
        .is_err());
}
