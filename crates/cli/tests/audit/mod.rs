//! The audit trail of the command line: `hiring migrate`, `backup` and `restore` are recorded
//! as `cli:<user>`, failures included, and `hiring audit` lists them.

use super::support::TestDb;
use super::{config_file, stdout_json};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn hiring_as(user: &str, db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env("USER", user)
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

fn shipped_files() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../csv_files"))
}

fn commands_that_write_are_audited_as_the_user(db: &TestDb) {
    let backups = tempfile::tempdir().unwrap();
    let folder = backups.path().to_str().unwrap();
    let csv = shipped_files().to_str().unwrap();
    assert!(hiring_as("ana", &db.url, &["migrate", "--dir", csv])
        .status
        .success());
    assert!(
        hiring_as("ana", &db.url, &["backup", "--dir", folder, "jobs"])
            .status
            .success()
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(
        hiring_as("ana", &db.url, &["backup", "--dir", folder, "jobs"])
            .status
            .success()
    );
    let pruned = hiring_as("ana", &db.url, &["prune", "--keep", "1", "--dir", folder]);
    assert!(
        pruned.status.success(),
        "{}",
        String::from_utf8_lossy(&pruned.stderr)
    );
    let empty = tempfile::tempdir().unwrap();
    let refused = hiring_as(
        "bo",
        &db.url,
        &["restore", "jobs", "--dir", empty.path().to_str().unwrap()],
    );
    assert!(!refused.status.success());

    let listed = stdout_json(&hiring_as("x", &db.url, &["audit", "--format", "json"]));
    let entries = listed.as_array().unwrap();
    let shape: Vec<(&str, &str, &str, u64, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap(),
                e["table"].as_str().unwrap_or(""),
                e["rows"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        vec![
            ("cli:bo", "restore", "jobs", 0, "failed"),
            ("cli:ana", "prune", "", 0, "succeeded"),
            ("cli:ana", "backup", "jobs", 183, "succeeded"),
            ("cli:ana", "backup", "jobs", 183, "succeeded"),
            ("cli:ana", "migrate", "hired_employees", 1940, "succeeded"),
            ("cli:ana", "migrate", "jobs", 183, "succeeded"),
            ("cli:ana", "migrate", "departments", 12, "succeeded"),
        ],
        "{listed:#}"
    );
    assert!(
        entries[0]["detail"]
            .as_str()
            .unwrap()
            .contains("there is no backup of jobs"),
        "{}",
        entries[0]
    );
    assert!(
        entries[1]["detail"]
            .as_str()
            .unwrap()
            .starts_with("keep 1: kept 1 sets, removed 1 sets and 1 files"),
        "{}",
        entries[1]
    );
    assert_eq!(
        entries[4]["detail"],
        "hired_employees.csv: 2000 read, 1940 inserted, 0 already stored, 60 rejected"
    );

    let filtered = stdout_json(&hiring_as(
        "x",
        &db.url,
        &[
            "audit", "--actor", "cli:ana", "--action", "migrate", "--limit", "2", "--format",
            "json",
        ],
    ));
    let tables: Vec<&Value> = filtered
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["table"])
        .collect();
    assert_eq!(
        tables,
        [&Value::from("hired_employees"), &Value::from("jobs")]
    );

    let table = hiring_as("x", &db.url, &["audit"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("showing 7 entries, newest first"), "{text}");
    let bad = hiring_as("x", &db.url, &["audit", "--action", "delete"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("expected one of ingest, upload, migrate"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

on_every_backend!(commands_that_write_are_audited_as_the_user);

#[test]
fn audit_entries_are_traced_too() {
    let db = TestDb::sqlite();
    let csv = shipped_files().to_str().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["--log-format", "json", "migrate", "--dir", csv])
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env("USER", "ana")
        .env("RUST_LOG", "hiring::audit=info")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    let events: Vec<Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|e| e["target"] == "hiring::audit")
        .collect();
    assert_eq!(events.len(), 3, "{stderr}");
    let fields = &events[2]["fields"];
    assert_eq!(fields["actor"], "cli:ana", "{stderr}");
    assert_eq!(fields["action"], "migrate");
    assert_eq!(fields["table"], "hired_employees");
    assert_eq!(fields["rows"], 1940);
    assert_eq!(fields["outcome"], "succeeded");
}
