//! An incremental load into a table that already holds more than the bulk paths' fast-path
//! limit, bulk and `--no-bulk` side by side.

use super::{another, migrate_command, rejects, stored, tallies};
use crate::support::{Engine, TestDb};
use crate::{counts, generated, migrate_json, stdout_json};
use hiring_generate::GenerateReport;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

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

on_every_backend!(bulk_and_no_bulk_agree_on_a_large_table);
