//! End-to-end tests of `hiring migrate`'s bulk path (the default) next to `--no-bulk`, on both
//! engines: the same rows and rejects, a killed load that leaves nothing behind, a failed one
//! that says what is stored, and two migrations at once. PostgreSQL sets the foreign keys and
//! secondary indexes aside inside the load's transaction; SQLite loads each table in one
//! transaction, the secondary indexes of `hired_employees` dropped inside it and created again
//! before it commits.

use super::{config_file, counts, generated, hiring, migrate_json, stdout_json};
use crate::support::{Engine, TestDb};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use hiring_domain::Record;
use hiring_ports::Repositories;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod concurrent;
mod large_table;

/// A second, empty database on the engine and layout of `db`.
fn another(db: &TestDb) -> TestDb {
    db.another()
}

/// Every stored row of every table, as CSV fields.
fn stored(db: &str) -> Vec<Vec<String>> {
    fn rows<E: Record>(repo: &dyn hiring_ports::TableRepository<E>, out: &mut Vec<Vec<String>>) {
        repo.for_each(&mut |row: E| {
            out.push(row.to_fields());
            Ok(())
        })
        .unwrap();
    }
    let repos: Repositories = hiring_adapters::open(db).unwrap();
    let mut out = Vec::new();
    rows(&*repos.departments, &mut out);
    rows(&*repos.jobs, &mut out);
    rows(&*repos.hired_employees, &mut out);
    out
}

/// Every recorded reject: table, source, raw record and reasons.
fn rejects(db: &str) -> BTreeSet<String> {
    let listed = stdout_json(&hiring(
        db,
        &["rejects", "--format", "json", "--limit", "10000"],
    ));
    listed["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["table"], r["source"], r["raw"], r["errors"]
            )
        })
        .collect()
}

/// The summary without timings.
fn tallies(summary: &Value) -> Vec<(u64, u64, u64, u64)> {
    ["departments", "jobs", "hired_employees"]
        .into_iter()
        .map(|table| counts(summary, table))
        .collect()
}

/// `hiring migrate --format json --dir DIR` on `db`, logging as `rust_log` says.
fn migrate_command(db: &str, dir: &Path, extra: &[&str], rust_log: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hiring"));
    command
        .args([
            "migrate",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ])
        .args(extra)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", rust_log);
    command
}

/// `hiring migrate --dir DIR` on `db` as a child process, quiet.
fn spawn_migrate(db: &str, dir: &Path, extra: &[&str]) -> std::process::Child {
    migrate_command(db, dir, extra, "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// PostgreSQL: whether a session holds the `ACCESS EXCLUSIVE` lock of a bulk load on
/// `hired_employees`.
fn hires_locked(db: &TestDb) -> bool {
    db.integer(
        "(SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND granted \
         AND mode = 'AccessExclusiveLock' AND relation = 'hired_employees'::regclass)",
    ) > 0
}

/// SQLite: whether some connection holds the database's write lock.
fn write_locked(db: &TestDb) -> bool {
    let Ok(mut conn) = SqliteConnection::establish(&db.url) else {
        return false;
    };
    conn.batch_execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK")
        .is_err()
}

/// Whether the bulk load of hires is under way: on PostgreSQL its lock is held, on SQLite the
/// parents are committed and the write lock is held.
fn hires_load_under_way(db: &TestDb) -> bool {
    match db.engine {
        Engine::Postgres => hires_locked(db),
        Engine::Sqlite => db.integer("(SELECT count(*) FROM jobs)") == 183 && write_locked(db),
    }
}

fn bulk_and_no_bulk_store_the_same_rows_and_rejects(db: &TestDb) {
    let plain = another(db);
    let (dir, report) = generated(5_000, 17);
    assert!(report.invalid_employees > 0);
    for run in ["first", "rerun"] {
        let bulk = migrate_json(&db.url, dir.path(), &[]);
        let no_bulk = migrate_json(&plain.url, dir.path(), &["--no-bulk"]);
        assert_eq!(tallies(&bulk), tallies(&no_bulk), "{run}");
    }
    let rows = stored(&db.url);
    assert_eq!(
        rows.len() as u64,
        12 + 183 + 5_000 - report.invalid_employees
    );
    assert_eq!(rows, stored(&plain.url));
    let logged = rejects(&db.url);
    assert_eq!(logged.len() as u64, report.invalid_employees);
    assert_eq!(logged, rejects(&plain.url));
}

/// A bulk load of hires killed midway (PostgreSQL: foreign keys and indexes dropped; SQLite:
/// indexes dropped; rows and rejects written, nothing committed) leaves the table as it was,
/// constraints and indexes in place, no hire, no reject and no count; a rerun completes the
/// load.
fn a_killed_bulk_load_leaves_the_schema_and_no_hires(db: &TestDb) {
    drop(hiring_adapters::open(&db.url).unwrap());
    let before = db.schema();
    let (dir, report) = generated(150_000, 23);
    let mut child = spawn_migrate(&db.url, dir.path(), &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while !hires_load_under_way(db) {
        assert!(Instant::now() < deadline, "the bulk load never started");
        assert!(child.try_wait().unwrap().is_none(), "the load ended first");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the load ended first");
    child.kill().unwrap();
    child.wait().unwrap();
    if db.engine == Engine::Postgres {
        // The server rolls the transaction back once it sees the connection gone.
        let deadline = Instant::now() + Duration::from_secs(30);
        while hires_locked(db) {
            assert!(Instant::now() < deadline, "the killed load kept its lock");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    assert_eq!(db.schema(), before);
    assert_eq!(db.integer("(SELECT count(*) FROM hired_employees)"), 0);
    assert_eq!(
        db.integer("(SELECT count(*) FROM rejected_rows WHERE table_name = 'hired_employees')"),
        0
    );
    assert_eq!(db.integer("(SELECT count(*) FROM hire_counts)"), 0);
    if db.engine == Engine::Sqlite {
        assert_eq!(
            db.text("(SELECT group_concat(integrity_check) FROM pragma_integrity_check)"),
            "ok"
        );
    }

    let rerun = migrate_json(&db.url, dir.path(), &[]);
    assert_eq!(
        counts(&rerun, "hired_employees"),
        (
            150_000,
            150_000 - report.invalid_employees,
            0,
            report.invalid_employees
        )
    );
    assert_eq!(counts(&rerun, "departments"), (12, 0, 12, 0));
    assert_eq!(db.schema(), before);
    if db.engine == Engine::Sqlite {
        assert_eq!(
            db.integer("(SELECT count(*) FROM pragma_foreign_key_check('hired_employees'))"),
            0
        );
    }
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        (150_000 - report.invalid_employees) as i64
    );
}

on_every_backend!(
    bulk_and_no_bulk_store_the_same_rows_and_rejects,
    a_killed_bulk_load_leaves_the_schema_and_no_hires,
);

// SQLite only.

/// A storage error in the middle of a load of hires (a trigger refusing one row): on the bulk
/// path nothing of the file is stored, its indexes stay, and the message says so; batch by
/// batch, the batches before it stay and the message counts them. A rerun completes the load.
#[test]
fn a_failed_load_on_sqlite_says_what_of_the_file_is_stored() {
    let (dir, report) = generated(3_000, 29);
    let args = [
        "migrate",
        "--batch-size",
        "500",
        "--dir",
        dir.path().to_str().unwrap(),
    ];
    for bulk in [true, false] {
        let db = TestDb::sqlite();
        drop(hiring_adapters::open(&db.url).unwrap());
        db.execute(
            "CREATE TRIGGER refuse_hire_1700 BEFORE INSERT ON hired_employees \
             WHEN NEW.id = 1700 BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        );
        let before = db.schema();
        let mut with_mode = args.to_vec();
        if !bulk {
            with_mode.push("--no-bulk");
        }
        let output = hiring(&db.url, &with_mode);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("injected failure"), "{stderr}");
        assert!(
            !stderr.contains("batches committed before stay stored"),
            "{stderr}"
        );
        let stored = db.integer("(SELECT count(*) FROM hired_employees)");
        if bulk {
            assert!(
                stderr.contains("hired_employees.csv failed; nothing of it was stored"),
                "{stderr}"
            );
            assert_eq!(stored, 0);
            assert_eq!(db.integer("(SELECT count(*) FROM hire_counts)"), 0);
        } else {
            // Batches of 500: lines 1 to 1500 are committed, the batch holding 1700 is not.
            let rejects = db.integer(
                "(SELECT count(*) FROM rejected_rows WHERE table_name = 'hired_employees')",
            );
            assert!(stored > 0 && rejects > 0);
            assert!(
                stderr.contains(&format!(
                    "the {stored} rows and {rejects} rejects committed before the failure stay stored"
                )),
                "{stderr}"
            );
        }
        assert_eq!(db.schema(), before, "bulk: {bulk}");
        assert_eq!(db.integer("(SELECT count(*) FROM departments)"), 12);

        db.execute("DROP TRIGGER refuse_hire_1700");
        let rerun = migrate_json(&db.url, dir.path(), &[]);
        let (read, inserted, present, rejected) = counts(&rerun, "hired_employees");
        assert_eq!((read, rejected), (3_000, report.invalid_employees));
        assert_eq!(inserted + present, 3_000 - report.invalid_employees);
        assert_eq!(present, stored as u64);
        assert_eq!(
            db.integer("(SELECT sum(hired) FROM hire_counts)"),
            (3_000 - report.invalid_employees) as i64
        );
    }
}
