//! Long operations tell their progress on standard error (plain lines when it is not a
//! terminal): a load its stage, a backup and a restore each table's rows. The summary of a load
//! gives the time of each stage.

use super::{config_file, generated};
use crate::support::TestDb;
use std::process::{Command, Output};

fn hiring(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn texts(output: &Output) -> (String, String) {
    assert!(output.status.success(), "{output:?}");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_load_tells_its_stages_and_times_them() {
    let db = TestDb::sqlite();
    let (dir, _) = generated(5_000, 41);
    let dir = dir.path().to_str().unwrap().to_owned();
    let (stdout, stderr) = texts(&hiring(&db.url, &["migrate", "--dir", &dir]));
    assert!(stdout.contains("time by stage: read and check"), "{stdout}");
    assert!(stdout.contains("commit"), "{stdout}");
    assert!(stderr.contains("hired_employees.csv: "), "{stderr}");
    assert!(stderr.contains("rejected; committing"), "{stderr}");

    let json = hiring(&db.url, &["migrate", "--dir", &dir, "--format", "json"]);
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let stages = &summary[2]["stages"];
    for stage in [
        "read_and_check",
        "write",
        "index_build",
        "key_check",
        "commit",
    ] {
        assert!(stages[stage].is_number(), "{stage} in {stages}");
    }
}

#[test]
fn a_backup_and_a_restore_tell_each_table() {
    let db = TestDb::sqlite();
    let (dir, _) = generated(2_000, 42);
    let backups = tempfile::tempdir().unwrap();
    let backups = backups.path().to_str().unwrap();
    texts(&hiring(
        &db.url,
        &["migrate", "--dir", dir.path().to_str().unwrap()],
    ));
    let (_, stderr) = texts(&hiring(&db.url, &["backup", "--dir", backups]));
    assert!(
        stderr.contains("backing up departments (12 rows)"),
        "{stderr}"
    );
    assert!(stderr.contains("backing up hired_employees ("), "{stderr}");
    let (_, stderr) = texts(&hiring(&db.url, &["restore", "--all", "--dir", backups]));
    assert!(stderr.contains("restoring jobs (183 rows)"), "{stderr}");
    assert!(
        stderr.contains("restoring: checking keys and committing"),
        "{stderr}"
    );
}
