//! The maintained aggregate the reports read (`hire_counts`) always equals a `GROUP BY` over
//! `hired_employees`: after batch writes, migrations on the bulk and the batch path, whole-table
//! replacement, restores, and when the migration that creates it fills it from stored hires.

use crate::backups::{fill, Contents, Rows};
use crate::support::{Engine, TestDb};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use hiring_adapters::{open, PgStore, SqliteStore};
use hiring_domain::{DepartmentHires, HiredEmployee, Record, ReportYear, Table};
use hiring_generate::{generate, GenerateOptions};
use hiring_ports::migrate::{LoadOptions, Migration};
use hiring_ports::reports::QuarterCounts;
use hiring_ports::RepoError;
use hiring_ports::Repositories;

type Reports = (Vec<QuarterCounts>, Vec<DepartmentHires>);

fn sorted((mut quarters, mut departments): Reports) -> Reports {
    quarters.sort_by_key(|q| (q.department_id, q.job_id));
    departments.sort_by_key(|d| d.id);
    (quarters, departments)
}

/// Both reports' counts of `year` as the reports read them (from the aggregate).
fn from_aggregate(storage: &Repositories, year: ReportYear) -> Reports {
    let reports = &storage.reports;
    sorted((
        reports.quarter_counts(year).unwrap(),
        reports.department_counts(year).unwrap(),
    ))
}

/// The same counts by a plain `GROUP BY` over every hire.
fn from_scan(db: &TestDb, year: ReportYear) -> Reports {
    let (quarters, departments): (Result<_, RepoError>, Result<_, RepoError>) = match db.engine {
        Engine::Sqlite => {
            let store = SqliteStore::open(&db.url).unwrap();
            (
                store.quarter_counts_by_scan(year),
                store.department_counts_by_scan(year),
            )
        }
        Engine::Postgres => {
            let store = PgStore::open(&db.url).unwrap();
            (
                store.quarter_counts_by_scan(year),
                store.department_counts_by_scan(year),
            )
        }
    };
    sorted((quarters.unwrap(), departments.unwrap()))
}

/// Checks every year the generator and the tests use, and that they hold hires at all.
fn assert_exact(db: &TestDb, storage: &Repositories, step: &str) {
    let mut hires = 0;
    for year in 2018..=2024 {
        let year = ReportYear::new(year).unwrap();
        let aggregate = from_aggregate(storage, year);
        assert_eq!(
            aggregate,
            from_scan(db, year),
            "{step}: year {}",
            year.get()
        );
        hires += aggregate.1.iter().map(|d| d.hired).sum::<u64>();
    }
    let stored = storage.hired_employees.count().unwrap();
    assert_eq!(hires, stored, "{step}: every stored hire is counted once");
}

fn migrate_generated(storage: &Repositories, rows: u64, seed: u64, bulk: bool) {
    let folder = tempfile::tempdir().unwrap();
    generate(folder.path(), &GenerateOptions { rows, seed }).unwrap();
    let options = LoadOptions {
        bulk,
        batch_size: 700,
        ..LoadOptions::default()
    };
    let mut migration = Migration::new(storage, options);
    for table in Table::ALL {
        let path = folder.path().join(table.file_name());
        let file = std::fs::File::open(&path).unwrap();
        migration.load(table, file, table.file_name(), &()).unwrap();
    }
}

/// Hires with new ids spread over several years and quarters.
fn more_hires(first_id: i32, n: i32) -> Vec<HiredEmployee> {
    (0..n)
        .map(|i| {
            let id = first_id + i;
            let at = format!(
                "{}-{:02}-{:02}T{:02}:00:00Z",
                2019 + i % 4,
                1 + i % 12,
                1 + i % 28,
                i % 24
            );
            let department = (1 + i % 5).to_string();
            let job = (1 + i % 7).to_string();
            HiredEmployee::from_fields(&[&id.to_string(), "New Hire", &at, &department, &job])
                .unwrap()
        })
        .collect()
}

fn the_aggregate_follows_every_write_path(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    migrate_generated(&storage, 3_000, 7, true);
    assert_exact(
        db,
        &storage,
        "migrate into empty tables (bulk path where offered)",
    );
    migrate_generated(&storage, 3_500, 8, false);
    assert_exact(db, &storage, "migrate batch by batch into stored tables");
    let added = more_hires(1_000_000, 900);
    storage.hired_employees.write_batch(&added, &[]).unwrap();
    assert_exact(db, &storage, "API-style batch");
    // Concurrent writers (threads of one server) add to the same groups, on PostgreSQL each in
    // the stripe of its thread.
    std::thread::scope(|scope| {
        for writer in 0..8 {
            let repo = &storage.hired_employees;
            scope.spawn(move || {
                repo.write_batch(&more_hires(2_000_000 + writer * 1_000, 200), &[])
                    .unwrap()
            });
        }
    });
    assert_exact(db, &storage, "concurrent API-style batches");
    if db.engine == Engine::Postgres {
        assert!(db.integer("(SELECT count(DISTINCT stripe) FROM hire_counts)") > 1);
    }
    storage
        .hired_employees
        .replace_all(&mut added.into_iter().take(100))
        .unwrap();
    assert_exact(db, &storage, "replace_all of hired_employees");
    let stored = crate::backups::contents(&storage);
    let snapshot = Contents {
        departments: stored.departments,
        jobs: stored.jobs,
        hires: more_hires(5, 50),
    };
    storage
        .bulk
        .replace(&Table::ALL, &mut Rows::of(&snapshot))
        .unwrap();
    assert_exact(db, &storage, "restore of every table");
    fill(&storage, &Contents::default());
    assert_exact(db, &storage, "restore of empty tables");
}

/// The migration that creates the aggregate fills it from the hires already stored.
fn the_migration_fills_the_aggregate_from_stored_hires(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    migrate_generated(&storage, 2_000, 3, false);
    let before = from_aggregate(&storage, ReportYear::DEFAULT);
    drop(storage);
    // Undo the migration by hand, as if the database predated it.
    let undo = "DROP TABLE hire_counts; \
        DELETE FROM __diesel_schema_migrations \
        WHERE version IN ('20261126000000', '20261128000000');";
    match db.engine {
        Engine::Sqlite => SqliteConnection::establish(&db.url)
            .unwrap()
            .batch_execute(undo)
            .unwrap(),
        Engine::Postgres => PgConnection::establish(&db.url)
            .unwrap()
            .batch_execute(undo)
            .unwrap(),
    }
    let storage = open(&db.url).unwrap();
    assert!(!before.0.is_empty());
    assert_eq!(from_aggregate(&storage, ReportYear::DEFAULT), before);
    assert_exact(db, &storage, "after the migration ran on stored hires");
}

on_every_backend!(
    the_aggregate_follows_every_write_path,
    the_migration_fills_the_aggregate_from_stored_hires,
);
