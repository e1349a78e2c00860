//! End-to-end tests of `hiring migrate`'s bulk path on SQLite (one transaction per table, the
//! secondary indexes of `hired_employees` dropped inside it and created again before it
//! commits): a killed load leaves nothing behind, a failed one says what is stored, and two
//! migrations at once lose nothing.

use super::{config_file, counts, generated, hiring, migrate_json};
use crate::support::TestDb;
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The definitions of the data tables and their indexes.
fn schema(db: &TestDb) -> String {
    db.text(
        "(SELECT group_concat(line, char(10)) FROM (SELECT type || ' ' || name || ': ' || \
         coalesce(sql, '') AS line FROM sqlite_master \
         WHERE tbl_name IN ('departments', 'jobs', 'hired_employees') ORDER BY type, name))",
    )
}

/// Whether some connection holds the database's write lock.
fn write_locked(db: &TestDb) -> bool {
    let Ok(mut conn) = SqliteConnection::establish(&db.url) else {
        return false;
    };
    conn.batch_execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; ROLLBACK")
        .is_err()
}

/// `hiring migrate --dir DIR` on `db` as a child process, quiet.
fn spawn_migrate(db: &str, dir: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args([
            "migrate",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ])
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A bulk load of hires killed midway (indexes dropped, rows and rejects written, nothing
/// committed) leaves the table as it was, indexes and foreign keys in place, no hire, no reject
/// and no count; a rerun completes the load.
#[test]
fn a_killed_bulk_load_on_sqlite_leaves_the_schema_and_no_hires() {
    let db = TestDb::sqlite();
    drop(hiring_adapters::open(&db.url).unwrap());
    let before = schema(&db);
    let (dir, report) = generated(150_000, 23);
    let mut child = spawn_migrate(&db.url, dir.path());
    // Parents committed and the write lock held: the load of hires is under way.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !(db.integer("(SELECT count(*) FROM jobs)") == 183 && write_locked(&db)) {
        assert!(Instant::now() < deadline, "the bulk load never started");
        assert!(child.try_wait().unwrap().is_none(), "the load ended first");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the load ended first");
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(schema(&db), before);
    assert_eq!(db.integer("(SELECT count(*) FROM hired_employees)"), 0);
    assert_eq!(
        db.integer("(SELECT count(*) FROM rejected_rows WHERE table_name = 'hired_employees')"),
        0
    );
    assert_eq!(db.integer("(SELECT count(*) FROM hire_counts)"), 0);
    assert_eq!(
        db.text("(SELECT group_concat(integrity_check) FROM pragma_integrity_check)"),
        "ok"
    );

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
    assert_eq!(schema(&db), before);
    assert_eq!(
        db.integer("(SELECT count(*) FROM pragma_foreign_key_check('hired_employees'))"),
        0
    );
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        (150_000 - report.invalid_employees) as i64
    );
}

/// A storage error in the middle of a load of hires (a trigger refusing one row): on the bulk
/// path nothing of the file is stored, its indexes stay, and the message says so; batch by
/// batch, the batches before it stay and the message counts them. A rerun completes the load.
#[test]
fn a_failed_load_says_what_of_the_file_is_stored() {
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
        let before = schema(&db);
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
        assert_eq!(schema(&db), before, "bulk: {bulk}");
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

/// Two `hiring migrate` processes at once on one SQLite file with the same departments and
/// jobs and disjoint hires: the second's loads wait for the first's, then see its rows.
#[test]
fn two_migrations_at_once_on_sqlite_lose_nothing() {
    let db = TestDb::sqlite();
    drop(hiring_adapters::open(&db.url).unwrap());
    const ROWS: u64 = 20_000;
    let (first_dir, first) = generated(ROWS, 31);
    let (second_dir, second) = generated(ROWS, 31);
    let children = [
        spawn_migrate(&db.url, first_dir.path()),
        spawn_migrate(&db.url, second_dir.path()),
    ];
    let mut inserted = 0;
    let mut present = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let (read, ins, pre, rejected) = counts(&summary, "hired_employees");
        assert_eq!(read, ROWS);
        assert_eq!(rejected, first.invalid_employees);
        inserted += ins;
        present += pre;
    }
    // The same files twice: one process inserted each valid hire, the other found it present.
    let valid = ROWS - second.invalid_employees;
    assert_eq!((inserted, present), (valid, valid));
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees)"),
        valid as i64
    );
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        valid as i64
    );
}
