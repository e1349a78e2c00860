//! `database.partition_hires_by_year`: the layout of `hired_employees` partitioned by hire year,
//! chosen by the setting before the first load; the reports read the same on either layout.

use super::{config_file, migrate_json, stderr_of};
use crate::support::TestDb;
use std::path::Path;
use std::process::{Command, Output};

/// `hiring args` on `url` with the layout partitioned by hire year asked for.
fn by_year(cwd: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .current_dir(cwd)
        .env("DATABASE_URL", url)
        .env("HIRING_CONFIG", config_file())
        .env("HIRING__DATABASE__PARTITION_HIRES_BY_YEAR", "true")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn stdout_of(output: &Output) -> String {
    assert!(output.status.success(), "{}", stderr_of(output));
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[test]
fn the_setting_partitions_a_new_database_and_the_reports_read_the_same() {
    let (Some(plain), Some(partitioned)) = (TestDb::postgres(), TestDb::postgres()) else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    let fixture = crate::support::reports_fixture_dir();
    let fixture = fixture.to_str().unwrap();
    migrate_json(&plain.url, Path::new(fixture), &[]);
    let args = ["migrate", "--format", "json", "--dir", fixture];
    stdout_of(&by_year(cwd.path(), &partitioned.url, &args));

    assert_eq!(
        partitioned.text(
            "(SELECT string_agg(inhrelid::regclass::text, ',' ORDER BY inhrelid::regclass::text) \
             FROM pg_inherits WHERE inhparent = 'hired_employees'::regclass)"
        ),
        "hired_employees_y2020,hired_employees_y2021,hired_employees_y2022"
    );
    assert_eq!(plain.integer("(SELECT count(*) FROM pg_inherits)"), 0);
    for report in ["hires-by-quarter", "departments-above-mean"] {
        for year in ["2020", "2021", "2022"] {
            let args = ["report", report, "--year", year, "--format", "csv"];
            let plain_report = stdout_of(&super::hiring(&plain.url, &args));
            assert_eq!(
                stdout_of(&by_year(cwd.path(), &partitioned.url, &args)),
                plain_report,
                "{report} {year}"
            );
        }
    }
}

#[test]
fn a_database_holding_hires_keeps_its_layout_and_says_why() {
    let Some(db) = TestDb::postgres() else { return };
    let cwd = tempfile::tempdir().unwrap();
    migrate_json(&db.url, &crate::support::reports_fixture_dir(), &[]);
    let output = by_year(cwd.path(), &db.url, &["rejects"]);
    let stderr = stderr_of(&output);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("partition_hires_by_year")
            && stderr.contains("already holds hires")
            && stderr.contains("restore a backup"),
        "{stderr}"
    );
    assert_eq!(db.integer("(SELECT count(*) FROM pg_inherits)"), 0);
    assert_eq!(db.integer("(SELECT count(*) FROM hired_employees)"), 13);
}

#[test]
fn sqlite_refuses_the_setting_before_making_a_file() {
    let cwd = tempfile::tempdir().unwrap();
    let output = by_year(cwd.path(), "hiring.db", &["rejects"]);
    let stderr = stderr_of(&output);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("needs PostgreSQL"), "{stderr}");
    assert!(!cwd.path().join("hiring.db").exists());
}
