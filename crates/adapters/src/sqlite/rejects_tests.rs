//! The reject log's writes on SQLite, seen statement by statement.

use super::dialect::SqliteDialect;
use super::set_up;
use crate::db::rejects::RejectOps;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use hiring_domain::{Rejection, RowErrors, RunId, Table};
use std::sync::{Arc, Mutex};

/// Counts the statements that begin with `UPDATE`.
#[derive(Clone, Default)]
struct Updates(Arc<Mutex<usize>>);

impl Instrumentation for Updates {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            if query.to_string().trim_start().starts_with("UPDATE") {
                *self.0.lock().unwrap() += 1;
            }
        }
    }
}

fn rejects(run: i64, lines: std::ops::Range<usize>) -> Vec<Rejection> {
    lines
        .map(|line| {
            Rejection::new(
                Table::HiredEmployees,
                format!("hired_employees.csv:{line}"),
                format!("{line},,2021-01-01T00:00:00Z,1,1"),
                RowErrors::single("name", "is required"),
            )
            .in_run(Some(RunId::new(run)))
        })
        .collect()
}

/// A load's rejects are all new: writing them is one insert per chunk, with no search for
/// rejects to take over (that search, over every pair of sources and records of a chunk, made
/// a million-row migration three times slower). Rejects met again are taken over by the run.
#[test]
fn new_rejects_are_inserted_without_a_takeover_search() {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    set_up(&mut conn).unwrap().unwrap();
    for run in [1, 2] {
        diesel::sql_query(format!(
            "INSERT INTO runs (id, kind, actor, source) VALUES ({run}, 'migrate', 'test', 'csv')"
        ))
        .execute(&mut conn)
        .unwrap();
    }
    let updates = Updates::default();
    conn.set_instrumentation(updates.clone());
    let first = rejects(1, 0..300);
    assert_eq!(
        SqliteDialect::insert_rejects(&mut conn, &first).unwrap(),
        300
    );
    assert_eq!(*updates.0.lock().unwrap(), 0, "no reject was met again");

    // Run 2 meets 100 of them again, and 50 new ones.
    let second = rejects(2, 200..350);
    SqliteDialect::insert_rejects(&mut conn, &second).unwrap();
    assert!(*updates.0.lock().unwrap() > 0);
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let of_run = |conn: &mut SqliteConnection, run: i64| {
        diesel::sql_query(format!(
            "SELECT count(*) AS n FROM rejected_rows WHERE run_id = {run}"
        ))
        .get_result::<Count>(conn)
        .unwrap()
        .n
    };
    assert_eq!(of_run(&mut conn, 1), 200);
    assert_eq!(of_run(&mut conn, 2), 150);
}
