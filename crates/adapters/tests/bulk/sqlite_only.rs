//! SQLite only: missing parents and runs named at the end of a load, the fast path declined for
//! a table that is not small, readers never blocked by a load, concurrent writers.

use super::*;

#[test]
fn sqlite_bulk_load_names_the_missing_parents_and_runs_and_stores_nothing() {
    let db = TestDb::sqlite();
    let repos = seeded(&db);
    let before = db.schema();
    let load = start(&*repos.hired_employees);
    load.write_batch(&hires(1..=100), &[]).unwrap();
    load.write_batch(&[hire(101, 42, 1), hire(102, 42, 7), hire(103, 1, 7)], &[])
        .unwrap();
    match load.finish(&no_stages) {
        Err(RepoError::Conflict(message)) => {
            assert!(message.contains("2 hired_employees rows reference departments that do not exist (department_id 42)"), "{message}");
            assert!(
                message
                    .contains("2 hired_employees rows reference jobs that do not exist (job_id 7)"),
                "{message}"
            );
        }
        other => panic!("expected the missing parents named, got {other:?}"),
    }
    // Rejects naming a run that is not stored are refused too.
    let load = start(&*repos.hired_employees);
    let orphan = reject(1).in_run(Some(hiring_domain::RunId::new(404)));
    load.write_batch(&hires(1..=10), &[orphan]).unwrap();
    let failed = load.finish(&no_stages);
    assert!(
        matches!(&failed, Err(RepoError::Conflict(m)) if m.contains("run 404")),
        "{failed:?}"
    );
    assert_eq!(db.schema(), before);
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);
    assert_consistent(&db);
}

#[test]
fn sqlite_bulk_load_declines_a_table_that_is_not_small() {
    let db = TestDb::sqlite();
    let repos = open_repos(&db);
    // One more than the fast path takes (sqlite::bulk::FAST_PATH_MAX_ROWS).
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
    assert_eq!(load.finish(&no_stages).unwrap(), 1);
    assert_eq!(repos.departments.count().unwrap(), 100_001);
}

/// Readers (the migration's key lookups among them) are never blocked by a load.
#[test]
fn sqlite_reads_answer_during_a_load_of_hires() {
    let db = TestDb::sqlite();
    let repos = seeded(&db);
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
    assert_eq!(load.finish(&no_stages).unwrap(), 7);
    assert_eq!(repos.hired_employees.count().unwrap(), 10);
}

/// Many threads writing batches at once, on two stores of one file: every batch is stored,
/// none fails on a busy database.
#[test]
fn sqlite_concurrent_writers_all_succeed() {
    let db = TestDb::sqlite();
    let repos = seeded(&db);
    let other = open_repos(&db);
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
