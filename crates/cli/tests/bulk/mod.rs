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
use hiring_generate::GenerateReport;
use hiring_ports::Repositories;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A second, empty database on the engine of `db`.
fn another(db: &TestDb) -> TestDb {
    match db.engine {
        Engine::Sqlite => TestDb::sqlite(),
        Engine::Postgres => TestDb::postgres().expect("the server of the first database"),
    }
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
    listed
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

/// Hires in the base of [`bulk_and_no_bulk_agree_on_a_large_table`]: enough that more than
/// 100,000 are valid (about 3.6% of generated rows are not), so that the table holds more than
/// the bulk paths' `FAST_PATH_MAX_ROWS` (100,000) once seeded. The constant is not configurable.
const LARGE_BASE: u64 = 104_500;

/// Rows per batch of the incremental load: PostgreSQL's large-table route sets the foreign keys
/// aside after the first batch that takes the rows written past 1/40 of the table (about 2,520
/// rows, 6 batches), so the rows after it are checked against the keys the load holds.
const INCREMENTAL_BATCH: &str = "500";

/// `hiring migrate --format json --dir DIR` with the adapters' debug logs on: the summary and
/// standard error.
fn migrate_logged(db: &str, dir: &Path, extra: &[&str]) -> (Value, String) {
    let output = migrate_command(db, dir, extra, "hiring_adapters=debug")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (stdout_json(&output), stderr)
}

/// The `hire_counts` aggregate summed over its stripes (which depend on the writing thread),
/// one line per group, in order.
fn hire_count_groups(db: &TestDb) -> String {
    let line = "CAST(year AS TEXT) || ' ' || CAST(quarter AS TEXT) || ' ' || \
                CAST(department_id AS TEXT) || ' ' || CAST(job_id AS TEXT) || ' ' || \
                CAST(sum(hired) AS TEXT)";
    let groups = "FROM hire_counts GROUP BY year, quarter, department_id, job_id \
                  HAVING sum(hired) <> 0";
    db.text(&match db.engine {
        Engine::Postgres => format!(
            "(SELECT coalesce(string_agg(line, E'\\n' ORDER BY line), '') \
             FROM (SELECT {line} AS line {groups}) AS g)"
        ),
        Engine::Sqlite => format!(
            "(SELECT coalesce(group_concat(line, char(10)), '') \
             FROM (SELECT {line} AS line {groups} ORDER BY line))"
        ),
    })
}

/// The lines of a generated CSV file (CRLF-separated, none after the last).
fn csv_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

/// `line` (`id,name,...`) with its name replaced.
fn renamed(line: &str, name: &str) -> String {
    let mut fields: Vec<&str> = line.split(',').collect();
    fields[1] = name;
    fields.join(",")
}

/// The incremental files of [`bulk_and_no_bulk_agree_on_a_large_table`] and what the load of
/// their hires must count: (read, inserted, already present, rejected).
struct Incremental {
    dir: tempfile::TempDir,
    hires: (u64, u64, u64, u64),
}

/// Departments with one more (13), the same jobs, and hires: 6,000 generated ones (ids moved
/// past the base, some invalid), and four groups of special rows spread over the file (at its
/// start, before the switch to set-aside foreign keys, after it, and at the end): rows
/// duplicating stored hires (same content: present; other content: rejected), rows filling an
/// id the base rejected, rows naming a missing department or job, invalid rows, rows
/// referencing the new department, and rows repeating earlier rows of the file, in the same
/// batch or an earlier one, with the same or other content.
fn incremental_files(base: &Path, base_report: &GenerateReport) -> Incremental {
    const NEW: u64 = 6_000;
    let (generated_dir, new_report) = generated(NEW, 43);
    let dir = tempfile::tempdir().unwrap();
    let mut departments = std::fs::read_to_string(base.join("departments.csv")).unwrap();
    departments.push_str("\r\n13,Incremental Research");
    std::fs::write(dir.path().join("departments.csv"), departments).unwrap();
    std::fs::copy(base.join("jobs.csv"), dir.path().join("jobs.csv")).unwrap();

    let base_lines = csv_lines(&base.join("hired_employees.csv"));
    let invalid: BTreeSet<u64> = base_report.invalid_rows.iter().map(|&(_, l)| l).collect();
    assert_eq!(invalid.len() as u64, base_report.invalid_employees);
    // Line n of a generated file holds id n.
    let valid_base: Vec<u64> = (1..=LARGE_BASE)
        .filter(|id| !invalid.contains(id))
        .collect();
    let gaps: Vec<u64> = invalid.iter().copied().collect();
    let base_line = |id: u64| base_lines[id as usize - 1].clone();

    let new_invalid: BTreeSet<u64> = new_report.invalid_rows.iter().map(|&(_, l)| l).collect();
    let new_lines: Vec<String> = csv_lines(&generated_dir.path().join("hired_employees.csv"))
        .into_iter()
        .map(|line| {
            let (id, rest) = line.split_once(',').unwrap();
            format!("{},{rest}", id.parse::<u64>().unwrap() + LARGE_BASE)
        })
        .collect();
    let first_valid_new = (1..=NEW).find(|id| !new_invalid.contains(id)).unwrap();

    let (mut present, mut rejected, mut inserted) = (0, new_report.invalid_employees, 0);
    inserted += NEW - new_report.invalid_employees;
    let when = "2021-05-05T10:00:00Z";
    let group = |g: u64, present: &mut u64, rejected: &mut u64, inserted: &mut u64| {
        let new_id = 1_000_000 + 100 * g;
        let stored = [
            valid_base[g as usize * 11 + 1],
            valid_base[valid_base.len() - 1 - g as usize],
        ];
        let gap = gaps[g as usize];
        let new_department = format!("{new_id},Nova Recruit {g},{when},13,7");
        let mut lines = vec![
            base_line(stored[0]),
            renamed(&base_line(stored[0]), "Someone Else"),
            base_line(stored[1]),
            renamed(&base_line(stored[1]), "Someone Else"),
            format!("{gap},Gap Filler {g},{when},2,3"),
            format!("{},No Department {g},{when},99,3", new_id + 1),
            format!("{},No Job {g},{when},2,999", new_id + 2),
            new_department.clone(),
            new_department.clone(),
            renamed(&new_department, "Not Nova"),
            format!("{},,{when},2,3", new_id + 3),
            format!("{},Bad Date {g},2021-13-01T00:00:00Z,2,3", new_id + 4),
            format!("x{g},Bad Id,{when},2,3"),
        ];
        *present += 3;
        *rejected += 8;
        *inserted += 2;
        if g > 0 {
            let earlier = 1_000_000 + 100 * (g - 1);
            lines.extend([
                new_lines[first_valid_new as usize - 1].clone(),
                renamed(&new_lines[first_valid_new as usize - 1], "Someone Else"),
                format!("{earlier},Nova Recruit {},{when},13,7", g - 1),
                format!("{},Gap Filler {},{when},2,3", gaps[g as usize - 1], g - 1),
                format!("{},Gap Filler,{when},2,3", gaps[g as usize - 1]),
                // The id of the earlier group's row without a department, now valid.
                format!("{},No Department,{when},2,3", earlier + 1),
            ]);
            *present += 3;
            *rejected += 2;
            *inserted += 1;
        }
        lines
    };
    let mut lines = Vec::new();
    let cuts = [0, 1_500, 4_000, NEW as usize];
    for (g, window) in cuts.windows(2).enumerate() {
        lines.extend(group(g as u64, &mut present, &mut rejected, &mut inserted));
        lines.extend_from_slice(&new_lines[window[0]..window[1]]);
    }
    lines.extend(group(3, &mut present, &mut rejected, &mut inserted));
    std::fs::write(dir.path().join("hired_employees.csv"), lines.join("\r\n")).unwrap();
    let read = lines.len() as u64;
    assert_eq!(read, present + rejected + inserted);
    Incremental {
        dir,
        hires: (read, inserted, present, rejected),
    }
}

/// An incremental load into a table that already holds more than 100,000 hires, bulk and
/// `--no-bulk` into two databases seeded alike: PostgreSQL's bulk path keeps the indexes and
/// keys, checks the foreign keys row by row, then sets them aside once 1/40 of the table is
/// written and re-adds them with one join; SQLite's declines and loads batch by batch. Either
/// way both databases end with the same rows, rejects, counts and summaries, and the schema as
/// the migrations made it.
fn bulk_and_no_bulk_agree_on_a_large_table(db: &TestDb) {
    let plain = another(db);
    let (base, base_report) = generated(LARGE_BASE, 41);
    let valid_base = LARGE_BASE - base_report.invalid_employees;
    assert!(
        valid_base > 100_000,
        "{valid_base} hires do not make a large table"
    );
    for target in [db, &plain] {
        let seeded = migrate_json(&target.url, base.path(), &[]);
        assert_eq!(
            counts(&seeded, "hired_employees"),
            (LARGE_BASE, valid_base, 0, base_report.invalid_employees)
        );
    }
    let schema = db.schema();
    assert_eq!(plain.schema(), schema);

    let incremental = incremental_files(base.path(), &base_report);
    let batch = ["--batch-size", INCREMENTAL_BATCH];
    let (bulk, bulk_log) = migrate_logged(&db.url, incremental.dir.path(), &batch);
    let (no_bulk, _) = migrate_logged(
        &plain.url,
        incremental.dir.path(),
        &[&batch[..], &["--no-bulk"]].concat(),
    );
    // The route this test is about was taken.
    match db.engine {
        Engine::Postgres => {
            assert!(bulk_log.contains("large=true"), "{bulk_log}");
            assert!(bulk_log.contains("foreign keys set aside"), "{bulk_log}");
        }
        Engine::Sqlite => {
            assert!(
                bulk_log.contains("bulk load declined: the table is not small"),
                "{bulk_log}"
            );
        }
    }
    assert_eq!(tallies(&bulk), tallies(&no_bulk));
    assert_eq!(counts(&bulk, "departments"), (13, 1, 12, 0));
    assert_eq!(counts(&bulk, "jobs"), (183, 0, 183, 0));
    assert_eq!(counts(&bulk, "hired_employees"), incremental.hires);

    let rows = stored(&db.url);
    let (_, inserted, _, _) = incremental.hires;
    assert_eq!(rows.len() as u64, 13 + 183 + valid_base + inserted);
    assert!(rows == stored(&plain.url), "the stored rows differ");
    let logged = rejects(&db.url);
    assert_eq!(
        logged.len() as u64,
        base_report.invalid_employees + incremental.hires.3
    );
    assert_eq!(logged, rejects(&plain.url));
    let groups = hire_count_groups(db);
    assert_eq!(groups, hire_count_groups(&plain));
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        (valid_base + inserted) as i64
    );

    // Every constraint and index back, validated and usable.
    assert_eq!(db.schema(), schema);
    assert_eq!(plain.schema(), schema);
    if db.engine == Engine::Postgres {
        assert_eq!(
            db.integer(
                "(SELECT count(*) FROM pg_index WHERE indrelid IN ('departments'::regclass, \
                 'jobs'::regclass, 'hired_employees'::regclass) \
                 AND NOT (indisvalid AND indisready AND indislive))"
            ),
            0
        );
    }
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

/// `src` with every positive integer id of its rows moved up by `offset`.
fn shift_ids(src: &Path, dst: &Path, offset: u64) {
    std::fs::create_dir_all(dst).unwrap();
    for table in ["departments.csv", "jobs.csv"] {
        std::fs::copy(src.join(table), dst.join(table)).unwrap();
    }
    let text = std::fs::read_to_string(src.join("hired_employees.csv")).unwrap();
    let shifted: Vec<String> = text
        .split('\n')
        .map(|line| match line.split_once(',') {
            Some((id, rest)) => match id.parse::<u64>() {
                Ok(n) if n > 0 && id == n.to_string() => format!("{},{rest}", n + offset),
                _ => line.to_owned(),
            },
            None => line.to_owned(),
        })
        .collect();
    std::fs::write(dst.join("hired_employees.csv"), shifted.join("\n")).unwrap();
}

/// Two `hiring migrate` processes at once on one database, with the same departments and jobs
/// and disjoint hires: the second waits for the first's table lock, then sees its rows; nothing
/// is lost and nothing is stored twice.
fn two_migrations_of_disjoint_hires_at_once_lose_nothing(db: &TestDb) {
    drop(hiring_adapters::open(&db.url).unwrap());
    const ROWS: u64 = 20_000;
    let (first_dir, first) = generated(ROWS, 31);
    let (raw_dir, second) = generated(ROWS, 32);
    let second_dir = tempfile::tempdir().unwrap();
    shift_ids(raw_dir.path(), second_dir.path(), ROWS);

    let children = [
        spawn_migrate(&db.url, first_dir.path(), &[]),
        spawn_migrate(&db.url, second_dir.path(), &[]),
    ];
    let summaries: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success(), "{:?}", output.status);
            serde_json::from_slice(&output.stdout).unwrap()
        })
        .collect();

    let valid = 2 * ROWS - first.invalid_employees - second.invalid_employees;
    let sum = |table: &str, pick: fn((u64, u64, u64, u64)) -> u64| -> u64 {
        summaries.iter().map(|s| pick(counts(s, table))).sum()
    };
    // Each parent row inserted by one process, found present by the other.
    assert_eq!(sum("departments", |c| c.1), 12);
    assert_eq!(sum("departments", |c| c.2), 12);
    assert_eq!(sum("jobs", |c| c.1), 183);
    assert_eq!(sum("hired_employees", |c| c.1), valid);
    assert_eq!(sum("hired_employees", |c| c.2), 0);
    assert_eq!(
        sum("hired_employees", |c| c.3),
        first.invalid_employees + second.invalid_employees
    );
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees)"),
        valid as i64
    );
    assert_eq!(
        db.integer("(SELECT count(*) FROM hired_employees WHERE id > 20000)"),
        (ROWS - second.invalid_employees) as i64
    );
    assert_eq!(db.integer("(SELECT count(*) FROM departments)"), 12);
    assert_eq!(db.integer("(SELECT count(*) FROM jobs)"), 183);
    assert_eq!(
        db.integer("(SELECT sum(hired) FROM hire_counts)"),
        valid as i64
    );
}

/// Two `hiring migrate` processes at once on one database with the same files: the second's
/// loads wait for the first's, then see its rows, so each valid hire is inserted by one process
/// and found present by the other.
fn two_migrations_of_the_same_files_at_once_store_each_hire_once(db: &TestDb) {
    drop(hiring_adapters::open(&db.url).unwrap());
    const ROWS: u64 = 20_000;
    let (first_dir, first) = generated(ROWS, 31);
    let (second_dir, second) = generated(ROWS, 31);
    let children = [
        spawn_migrate(&db.url, first_dir.path(), &[]),
        spawn_migrate(&db.url, second_dir.path(), &[]),
    ];
    let mut inserted = 0;
    let mut present = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{:?}", output.status);
        let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
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

on_every_backend!(
    bulk_and_no_bulk_store_the_same_rows_and_rejects,
    bulk_and_no_bulk_agree_on_a_large_table,
    a_killed_bulk_load_leaves_the_schema_and_no_hires,
    two_migrations_of_disjoint_hires_at_once_lose_nothing,
    two_migrations_of_the_same_files_at_once_store_each_hire_once,
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
