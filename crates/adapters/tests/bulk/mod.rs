//! The bulk paths of the storage: a migration's [`BulkLoad`] and a restore's replacement, on
//! both engines. PostgreSQL sets the foreign keys and secondary indexes aside inside the
//! transaction; SQLite drops the secondary indexes inside one `BEGIN IMMEDIATE` transaction,
//! creates them again before it commits, and checks the parents the rows reference once, at
//! the end, instead of row by row. These tests check that the schema comes back identical, that
//! a failed or abandoned load leaves the schema and the rows as they were, that concurrent
//! loads wait for each other, and (SQLite) that readers are never blocked.

use hiring_adapters::open;
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Rejection, RowErrors, Table};
use hiring_ports::{
    AnyRow, BulkLoad, LoadStage, RejectFilter, RepoError, Repositories, RowSource, TableRepository,
};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{Engine, TestDb};

/// A finish whose stages nobody watches.
fn no_stages(_: LoadStage) {}

fn dept(id: i32) -> Department {
    Department::from_fields(&[&id.to_string(), &format!("Department {id}")]).unwrap()
}

fn job(id: i32) -> Job {
    Job::from_fields(&[&id.to_string(), &format!("Job {id}")]).unwrap()
}

/// Hire `id`, on a day of 2021 that varies with the id (so that the hires fall in every
/// quarter); [`plant_hires`] writes the same rows.
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

fn open_repos(db: &TestDb) -> Repositories {
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

/// The store of `db`, with departments 1..=3 and jobs 1..=2 committed.
fn seeded(db: &TestDb) -> Repositories {
    let repos = open_repos(db);
    seed(&repos);
    repos
}

/// SQLite: `PRAGMA integrity_check` and `PRAGMA foreign_key_check` both clean. PostgreSQL: the
/// `hire_counts` aggregate matches the `GROUP BY` it stands for.
fn assert_consistent(db: &TestDb) {
    match db.engine {
        Engine::Sqlite => {
            assert_eq!(
                db.text("(SELECT group_concat(integrity_check) FROM pragma_integrity_check)"),
                "ok"
            );
            assert_eq!(
                db.integer("(SELECT count(*) FROM pragma_foreign_key_check('hired_employees'))"),
                0
            );
        }
        Engine::Postgres => {
            let (counts, scan) = counts_and_scan(db);
            assert_eq!(counts, scan);
        }
    }
}

/// PostgreSQL only: the `hire_counts` aggregate and the `GROUP BY` it stands for, as text.
fn counts_and_scan(db: &TestDb) -> (String, String) {
    let counts = db.text(
        "(SELECT coalesce(string_agg(year || '/' || quarter || '/' || department_id || '/' \
         || job_id || '=' || hired, ',' ORDER BY year, quarter, department_id, job_id), '') \
         FROM (SELECT year, quarter, department_id, job_id, sum(hired) AS hired \
         FROM hire_counts GROUP BY 1, 2, 3, 4) AS c)",
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

/// PostgreSQL only: plants `n` hires (ids 1..=n, as [`hires`] makes them) straight into the
/// table.
fn plant_hires(db: &TestDb, n: i32) {
    db.execute(&format!(
        "INSERT INTO hired_employees (id, name, datetime, department_id, job_id) \
         SELECT g, 'Employee ' || g, make_timestamptz(2021, 1 + g % 12, 1 + g % 28, 16, 2, 8, \
         'UTC'), 1 + g % 3, 1 + g % 2 \
         FROM generate_series(1, {n}) g"
    ));
}

fn start<E: Record>(repo: &dyn TableRepository<E>) -> Box<dyn BulkLoad<E>> {
    repo.bulk_load()
        .unwrap()
        .unwrap_or_else(|| panic!("no bulk path for {}", E::TABLE))
}

fn bulk_load_puts_back_identical_schema_and_enforces_foreign_keys(db: &TestDb) {
    let repos = seeded(db);
    let before = db.schema();
    assert!(before.contains("hired_employees_datetime"), "{before}");
    match db.engine {
        Engine::Postgres => assert!(before.contains("DEFERRABLE"), "{before}"),
        Engine::Sqlite => assert!(before.contains("REFERENCES departments"), "{before}"),
    }

    let load = start(&*repos.hired_employees);
    // While the load lasts, on PostgreSQL its table has no foreign keys nor secondary indexes
    // (seen from inside: other sessions still see the committed catalog).
    assert_eq!(
        load.write_batch(&hires(1..=500), &[reject(3)]).unwrap(),
        500
    );
    // The load sees its own rows.
    assert_eq!(load.find_by_ids(&id_list([7, 600])).unwrap(), hires(7..=7));
    if db.engine == Engine::Sqlite {
        // Other connections see the committed state, indexes included. (On PostgreSQL the load
        // holds its table exclusively: a count from another session would wait for it.)
        assert_eq!(db.schema(), before);
        assert_eq!(repos.hired_employees.count().unwrap(), 0);
    }
    assert_eq!(load.write_batch(&hires(501..=1_000), &[]).unwrap(), 500);
    let stages = std::cell::RefCell::new(Vec::new());
    let record = |stage: LoadStage| stages.borrow_mut().push(stage);
    assert_eq!(load.finish(&record).unwrap(), 1_000);
    // The indexes set aside are built again, then the load commits.
    let stages = stages.into_inner();
    assert!(stages.contains(&LoadStage::IndexBuild), "{stages:?}");
    assert_eq!(stages.last(), Some(&LoadStage::Commit), "{stages:?}");

    assert_eq!(db.schema(), before);
    assert_consistent(db);
    if db.engine == Engine::Postgres {
        assert!(!counts_and_scan(db).0.is_empty());
    }
    assert_eq!(repos.hired_employees.count().unwrap(), 1_000);
    assert_eq!(
        repos
            .rejects
            .count(&RejectFilter {
                table: Some(Table::HiredEmployees),
                ..RejectFilter::default()
            })
            .unwrap(),
        1
    );
    // The maintained report aggregate counted every hire of the load once.
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 1_000);
    // The foreign keys are enforced again.
    assert!(matches!(
        repos
            .hired_employees
            .write_batch(&[hire(2_000, 99, 1)], &[]),
        Err(RepoError::Conflict(_))
    ));
}

fn failed_bulk_load_keeps_schema_and_stores_nothing_then_a_rerun_completes(db: &TestDb) {
    let repos = seeded(db);
    let before = db.schema();

    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=300), &[reject(1)]).unwrap();
    // Id 5 again: refused, as the primary key would (SQLite: the key stays in place during the
    // load; PostgreSQL: the load knows every id it wrote).
    let batch: Vec<HiredEmployee> = hires(301..=400).into_iter().chain(hires(5..=5)).collect();
    let failed = load.write_batch(&batch, &[]);
    assert!(matches!(failed, Err(RepoError::Conflict(_))), "{failed:?}");
    // The load is over: further calls fail, and dropping it changes nothing.
    assert!(load.write_batch(&hires(500..=501), &[]).is_err());
    assert!(load.find_by_ids(&id_list([1])).is_err());
    drop(load);

    assert_eq!(db.schema(), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);
    assert_eq!(db.integer("(SELECT count(*) FROM hire_counts)"), 0);
    assert_consistent(db);

    // A hire whose department does not exist goes in while the foreign keys are set aside
    // (PostgreSQL) or their row-by-row checks are off (SQLite); the end of the load refuses it,
    // and the whole load.
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=100), &[reject(1)]).unwrap();
    load.write_batch(&[hire(101, 99, 1)], &[]).unwrap();
    assert!(matches!(
        load.finish(&no_stages),
        Err(RepoError::Conflict(_))
    ));
    assert_eq!(db.schema(), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);

    let rerun = start(&*repos.hired_employees);
    rerun.write_batch(&hires(1..=400), &[reject(1)]).unwrap();
    assert_eq!(rerun.finish(&no_stages).unwrap(), 400);
    assert_eq!(repos.hired_employees.count().unwrap(), 400);
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 400);
    assert_eq!(db.schema(), before);
    assert_consistent(db);
    // The connection went back to the pool usable, with its usual settings.
    assert_eq!(
        repos.hired_employees.find_by_ids(&id_list([400])).unwrap(),
        hires(400..=400)
    );
}

fn abandoned_bulk_load_rolls_back_rows_rejects_and_schema(db: &TestDb) {
    let repos = seeded(db);
    let before = db.schema();
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=50), &[reject(3)]).unwrap();
    drop(load);
    assert_eq!(db.schema(), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);
    // A writer can go on at once: the load let go of its locks and of its turn.
    let started = Instant::now();
    repos
        .hired_employees
        .write_batch(&hires(1..=5), &[])
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A second load of the same table (another store: another pool) waits for the first, then
/// sees its rows.
fn a_second_bulk_load_waits_then_sees_the_first_ones_rows(db: &TestDb) {
    let first = open_repos(db);
    let second = open_repos(db);
    let load = start(&*first.departments);
    load.write_batch(&(1..=5).map(dept).collect::<Vec<_>>(), &[])
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let load = second.departments.bulk_load().unwrap().unwrap();
        let started = Instant::now();
        let seen = load.find_by_ids(&id_list(1..=6)).unwrap();
        load.write_batch(&[dept(6)], &[]).unwrap();
        load.finish(&no_stages).unwrap();
        tx.send((started, seen.len())).unwrap();
    });
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "the second load did not wait"
    );
    let finished = Instant::now();
    load.finish(&no_stages).unwrap();
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

fn replace_puts_back_identical_schema_and_a_refused_one_changes_nothing(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    let repos = &storage;
    seed(repos);
    repos
        .hired_employees
        .write_batch(&hires(1..=20), &[])
        .unwrap();
    let before = db.schema();

    // Hires pointing at a department the new departments lack: refused, nothing changed.
    let mut source = Rows((1..=2).map(|i| AnyRow::from(dept(i))).collect());
    let refused = storage.bulk.replace(&[Table::Departments], &mut source);
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(db.schema(), before);
    assert_eq!(repos.departments.count().unwrap(), 3);
    assert_eq!(repos.hired_employees.count().unwrap(), 20);

    // A replacement of the hires alone, then of every table.
    let mut source = Rows(hires(30..=60).into_iter().map(AnyRow::from).collect());
    let counts = storage
        .bulk
        .replace(&[Table::HiredEmployees], &mut source)
        .unwrap();
    assert_eq!(counts, vec![31]);
    assert_eq!(db.schema(), before);
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 31);
    let mut rows: Vec<AnyRow> = (1..=4).map(|i| AnyRow::from(dept(i))).collect();
    rows.extend([job(1), job(2)].map(AnyRow::from));
    rows.extend(hires(100..=150).into_iter().map(AnyRow::from));
    let counts = storage.bulk.replace(&Table::ALL, &mut Rows(rows)).unwrap();
    assert_eq!(counts, vec![4, 2, 51]);
    assert_eq!(db.schema(), before);
    assert_consistent(db);
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

on_every_backend!(
    bulk_load_puts_back_identical_schema_and_enforces_foreign_keys,
    failed_bulk_load_keeps_schema_and_stores_nothing_then_a_rerun_completes,
    abandoned_bulk_load_rolls_back_rows_rejects_and_schema,
    a_second_bulk_load_waits_then_sees_the_first_ones_rows,
    replace_puts_back_identical_schema_and_a_refused_one_changes_nothing,
);

// PostgreSQL only.

/// The key lookups of the migration run on other pooled connections: they must not wait for
/// the load, which locked the parent tables by dropping its foreign keys.
#[test]
fn pg_key_lookups_answer_during_a_load_of_hires() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = seeded(&db);
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
    assert_eq!(load.finish(&no_stages).unwrap(), 10);
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

/// A table above the small-table limit (postgres::bulk::FAST_PATH_MAX_ROWS, 100,000) keeps its
/// indexes and keys; its foreign keys are set aside once the load has written 1/40 of its rows.
#[test]
fn pg_bulk_load_into_a_large_table_sets_only_the_foreign_keys_aside_midway() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = seeded(&db);
    plant_hires(&db, 100_001);
    // Planted rows bypass the aggregate: count them as the migration creating it does.
    db.execute(
        "INSERT INTO hire_counts (year, quarter, department_id, job_id, hired) \
         SELECT EXTRACT(YEAR FROM datetime AT TIME ZONE 'UTC')::integer, \
         EXTRACT(QUARTER FROM datetime AT TIME ZONE 'UTC')::integer, \
         department_id, job_id, count(*) FROM hired_employees GROUP BY 1, 2, 3, 4",
    );
    let before = db.schema();

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
    assert_eq!(load.finish(&no_stages).unwrap(), 3_000);
    assert_eq!(db.schema(), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 103_001);
    let (counts, scan) = counts_and_scan(&db);
    assert_eq!(counts, scan);

    // An id stored before the load: the primary key, kept, refuses it and the whole load.
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(300_000..=300_010), &[]).unwrap();
    let refused = load
        .write_batch(&hires(9..=9), &[])
        .and_then(|_| load.finish(&no_stages));
    assert!(
        matches!(refused, Err(RepoError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(repos.hired_employees.count().unwrap(), 103_001);
    assert_eq!(db.schema(), before);
}

#[test]
fn pg_bulk_load_of_a_small_table_finds_the_rows_stored_before() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_repos(&db);
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

mod sqlite_only;
