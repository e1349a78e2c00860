//! The opt-in layout of `hired_employees` partitioned by hire year (PostgreSQL only): chosen on
//! an empty table and only then, ids unique across years, a partition per year made as its
//! first hires are written (row by row, in a bulk load or in a restore), and a restore leaving
//! the partitions of the years it holds. The rest of the storage suite runs on this layout too
//! (`postgres_by_year`).

use crate::support::TestDb;
use crate::{assert_conflict, hire, open_db, seed};
use hiring_adapters::{partition_hires_by_year, HiresLayout, OpenError, PgStore};
use hiring_domain::{HiredEmployee, Record, Table};
use hiring_ports::{AnyRow, RepoError, Repositories, RowSource};

fn layout(db: &TestDb) -> HiresLayout {
    PgStore::open(&db.url).unwrap().hires_layout().unwrap()
}

fn by_year(years: &[i32]) -> HiresLayout {
    HiresLayout::ByYear(
        years
            .iter()
            .map(|y| format!("hired_employees_y{y}"))
            .collect(),
    )
}

/// A new database partitioned by year, with departments 1..=3 and jobs 1..=2.
fn seeded_by_year() -> Option<(TestDb, Repositories)> {
    let db = TestDb::postgres_by_year()?;
    let repos = open_db(&db);
    seed(&repos);
    Some((db, repos))
}

/// The rows of one table (a partition, the id table).
fn rows_in(db: &TestDb, table: &str) -> i64 {
    db.integer(&format!("(SELECT count(*) FROM {table})"))
}

fn at(id: i32, datetime: &str) -> HiredEmployee {
    hire(
        id,
        &format!("Employee {id}"),
        datetime,
        1 + id % 3,
        1 + id % 2,
    )
}

#[test]
fn a_new_database_is_plain_and_is_partitioned_once() {
    let Some(db) = TestDb::postgres() else { return };
    open_db(&db);
    assert_eq!(layout(&db), HiresLayout::Plain);
    assert!(partition_hires_by_year(&db.url).unwrap());
    assert_eq!(layout(&db), by_year(&[]));
    // Choosing it again changes nothing.
    assert!(!partition_hires_by_year(&db.url).unwrap());
    assert_eq!(
        db.text("(SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'hired_employees_pkey')"),
        "PRIMARY KEY (id, datetime)"
    );
}

#[test]
fn the_layout_is_refused_once_a_hire_is_stored() {
    let Some(db) = TestDb::postgres() else { return };
    let repos = open_db(&db);
    seed(&repos);
    repos
        .hired_employees
        .write_batch(&[at(1, "2021-03-01T00:00:00Z")], &[])
        .unwrap();
    match partition_hires_by_year(&db.url) {
        Err(OpenError::Layout(message)) => {
            assert!(message.contains("already holds hires"), "{message}");
            assert!(message.contains("restore a backup"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(layout(&db), HiresLayout::Plain);
    assert_eq!(repos.hired_employees.count().unwrap(), 1);
}

#[test]
fn sqlite_has_no_partitions() {
    let db = TestDb::sqlite();
    assert!(matches!(
        partition_hires_by_year(&db.url),
        Err(OpenError::PartitionsNotPostgres)
    ));
}

#[test]
fn each_year_gets_its_partition_and_ids_stay_unique_across_years() {
    let Some((db, repos)) = seeded_by_year() else {
        return;
    };
    let written = [
        at(1, "2021-12-31T23:59:59.999999Z"),
        at(2, "2022-01-01T00:00:00Z"),
        // 2021 in UTC, whatever the offset it was written with.
        at(3, "2022-01-01T00:30:00+01:00"),
    ];
    assert_eq!(repos.hired_employees.write_batch(&written, &[]).unwrap(), 3);
    assert_eq!(layout(&db), by_year(&[2021, 2022]));
    assert_eq!(rows_in(&db, "hired_employees_y2021"), 2);
    assert_eq!(rows_in(&db, "hired_employees_y2022"), 1);

    // Id 2 again, in another year (a partition of its own): refused, nothing written.
    assert_conflict(repos.hired_employees.write_batch(
        &[at(4, "2023-05-01T00:00:00Z"), at(2, "2024-05-01T00:00:00Z")],
        &[],
    ));
    // Twice in one batch, in two years.
    assert_conflict(repos.hired_employees.write_batch(
        &[at(5, "2025-05-01T00:00:00Z"), at(5, "2026-05-01T00:00:00Z")],
        &[],
    ));
    assert_eq!(repos.hired_employees.count().unwrap(), 3);
    assert_eq!(rows_in(&db, "hired_employee_ids"), 3);
    assert_eq!(layout(&db), by_year(&[2021, 2022]));
}

#[test]
fn a_bulk_load_of_a_new_year_goes_into_a_new_partition() {
    let Some((db, repos)) = seeded_by_year() else {
        return;
    };
    repos
        .hired_employees
        .write_batch(&[at(1, "2021-03-01T00:00:00Z")], &[])
        .unwrap();
    let schema = db.schema();

    let load = repos.hired_employees.bulk_load().unwrap().unwrap();
    let year: Vec<_> = (2..=500)
        .map(|i| at(i, &format!("2022-{:02}-10T08:00:00Z", 1 + i % 12)))
        .collect();
    assert_eq!(load.write_batch(&year, &[]).unwrap(), 499);
    // A stored id in the new year's rows is a conflict there too.
    assert!(load
        .write_batch(&[at(1, "2022-06-01T00:00:00Z")], &[])
        .is_err());
    drop(load);
    assert_eq!(repos.hired_employees.count().unwrap(), 1);

    let load = repos.hired_employees.bulk_load().unwrap().unwrap();
    assert_eq!(load.write_batch(&year, &[]).unwrap(), 499);
    assert_eq!(load.finish(&|_| {}).unwrap(), 499);
    assert_eq!(layout(&db), by_year(&[2021, 2022]));
    assert_eq!(rows_in(&db, "hired_employees_y2022"), 499);
    assert_eq!(rows_in(&db, "hired_employee_ids"), 500);
    // The new partition has the parent's indexes, built once the load put them back.
    assert_eq!(db.schema(), schema);
    assert_eq!(
        db.integer("(SELECT count(*) FROM pg_indexes WHERE tablename = 'hired_employees_y2022')"),
        db.integer("(SELECT count(*) FROM pg_indexes WHERE tablename = 'hired_employees_y2021')")
    );
    assert_eq!(db.integer("(SELECT sum(hired) FROM hire_counts)"), 500);
}

/// Every row of `hires`, for a replacement of that one table.
struct Hires(std::vec::IntoIter<HiredEmployee>);

impl RowSource for Hires {
    fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError> {
        Ok(match table {
            Table::HiredEmployees => self.0.next().map(AnyRow::HiredEmployee),
            _ => None,
        })
    }
}

#[test]
fn a_restore_keeps_the_partitions_of_the_years_it_holds() {
    let Some((db, repos)) = seeded_by_year() else {
        return;
    };
    let old = [at(1, "2019-01-01T00:00:00Z"), at(2, "2020-01-01T00:00:00Z")];
    repos.hired_employees.write_batch(&old, &[]).unwrap();
    let schema = db.schema();

    let new = vec![at(2, "2022-02-02T00:00:00Z"), at(7, "2023-03-03T00:00:00Z")];
    repos
        .bulk
        .replace(
            &[Table::HiredEmployees],
            &mut Hires(new.clone().into_iter()),
        )
        .unwrap();
    assert_eq!(layout(&db), by_year(&[2022, 2023]));
    assert_eq!(db.schema(), schema);
    let mut stored = repos
        .hired_employees
        .find_by_ids(&[new[0].id(), new[1].id()])
        .unwrap();
    stored.sort_by_key(|h| h.id());
    assert_eq!(stored, new);
    assert_eq!(rows_in(&db, "hired_employee_ids"), 2);
    assert_conflict(
        repos
            .hired_employees
            .write_batch(&[at(7, "2024-01-01T00:00:00Z")], &[]),
    );

    // A refused replacement changes neither the rows nor the partitions.
    let repeated = vec![at(8, "2030-01-01T00:00:00Z"), at(8, "2031-01-01T00:00:00Z")];
    assert!(repos
        .bulk
        .replace(&[Table::HiredEmployees], &mut Hires(repeated.into_iter()))
        .is_err());
    assert_eq!(layout(&db), by_year(&[2022, 2023]));
    assert_eq!(repos.hired_employees.count().unwrap(), 2);
}

#[test]
fn a_table_left_in_a_partitions_place_is_named() {
    let Some((db, repos)) = seeded_by_year() else {
        return;
    };
    db.execute("CREATE TABLE hired_employees_y2024 (LIKE hired_employees)");
    let error = repos
        .hired_employees
        .write_batch(&[at(1, "2024-01-01T00:00:00Z")], &[])
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("hired_employees_y2024"), "{message}");
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
}
