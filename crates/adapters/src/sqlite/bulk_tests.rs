//! A bulk load's row-by-row foreign-key checks: off while it lasts, on again on the pooled
//! connection after it, however it ends.

use super::bulk::start;
use super::{set_up, Pragmas};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::Integer;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use hiring_domain::{Department, HiredEmployee, Job, Record};
use hiring_ports::RepoError;

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;

/// A migrated database file and a pool of one connection, so that every checkout is the
/// connection the load used.
fn pool_of_one() -> (tempfile::TempDir, SqlitePool) {
    let folder = tempfile::tempdir().unwrap();
    let url = folder.path().join("hiring.db").to_str().unwrap().to_owned();
    let mut conn = SqliteConnection::establish(&url).unwrap();
    set_up(&mut conn).unwrap().unwrap();
    conn.batch_execute(
        "INSERT INTO departments VALUES (1, 'Sales'); INSERT INTO jobs VALUES (1, 'Clerk')",
    )
    .unwrap();
    let pool = Pool::builder()
        .max_size(1)
        .connection_customizer(Box::new(Pragmas))
        .build(ConnectionManager::new(url))
        .unwrap();
    (folder, pool)
}

#[derive(diesel::QueryableByName)]
struct Flag {
    #[diesel(sql_type = Integer)]
    foreign_keys: i32,
}

/// Whether the pooled connection enforces foreign keys.
fn foreign_keys_on(pool: &SqlitePool) -> bool {
    let mut conn = pool.get().unwrap();
    let flag: Flag = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(&mut *conn)
        .unwrap();
    flag.foreign_keys == 1
}

fn hire(id: i64, department: i64) -> HiredEmployee {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        "Ann",
        "2021-01-01T00:00:00Z",
        &department.to_string(),
        "1",
    ])
    .unwrap()
}

fn hires_stored(pool: &SqlitePool) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = pool.get().unwrap();
    diesel::sql_query("SELECT count(*) AS n FROM hired_employees")
        .get_result::<Count>(&mut *conn)
        .unwrap()
        .n
}

#[test]
fn foreign_keys_are_on_again_after_a_committed_load() {
    let (_folder, pool) = pool_of_one();
    assert!(foreign_keys_on(&pool));
    let load = start::<HiredEmployee>(&pool).unwrap().unwrap();
    load.write_batch(&[hire(1, 1), hire(2, 1)], &[]).unwrap();
    assert_eq!(load.finish(&|_| {}).unwrap(), 2);
    assert!(foreign_keys_on(&pool));
    let load = start::<Department>(&pool).unwrap().unwrap();
    drop(load);
    assert!(foreign_keys_on(&pool));
}

#[test]
fn a_missing_parent_is_refused_at_the_end_and_the_checks_are_on_again() {
    let (_folder, pool) = pool_of_one();
    let load = start::<HiredEmployee>(&pool).unwrap().unwrap();
    // Written without a row-by-row check: the end of the load refuses it.
    load.write_batch(&[hire(1, 1), hire(2, 9)], &[]).unwrap();
    match load.finish(&|_| {}) {
        Err(RepoError::Conflict(message)) => {
            assert!(message.contains("department_id 9"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(hires_stored(&pool), 0);
    assert!(foreign_keys_on(&pool));
}

#[test]
fn an_abandoned_load_turns_the_checks_on_again() {
    let (_folder, pool) = pool_of_one();
    let load = start::<Job>(&pool).unwrap().unwrap();
    drop(load);
    assert!(foreign_keys_on(&pool));
}
