//! Every `hiring migrate` is a run: `hiring runs` lists the history, `hiring rejects --run ID`
//! shows that run's rejects, and the reject log pages, filters and exports.

use super::{generated, hiring, migrate_json, stdout_json};
use crate::support::TestDb;
use serde_json::Value;

fn run_of(summary: &Value) -> i64 {
    summary[0]["run"]
        .as_i64()
        .expect("the summary names its run")
}

fn each_migrate_is_a_run_with_its_rejects(db: &TestDb) {
    let (dir, report) = generated(2_000, 31);
    let first = run_of(&migrate_json(&db.url, dir.path(), &[]));
    let second = run_of(&migrate_json(&db.url, dir.path(), &[]));
    assert!(second > first);

    let runs = stdout_json(&hiring(&db.url, &["runs", "--format", "json"]));
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], second, "newest first");
    assert_eq!(runs[0]["kind"], "migrate");
    assert_eq!(runs[0]["outcome"], "completed");
    assert_eq!(runs[1]["read"].as_u64().unwrap(), 2_000 + 12 + 183);
    assert_eq!(runs[1]["rejected"], report.invalid_employees);
    assert!(runs[1]["source"]
        .as_str()
        .unwrap()
        .contains("hired_employees.csv"));

    let one = stdout_json(&hiring(
        &db.url,
        &["runs", &first.to_string(), "--format", "json"],
    ));
    assert_eq!(one["id"], first);
    let table = hiring(&db.url, &["runs"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("completed") && text.contains("showing 2 runs"),
        "{text}"
    );
    let missing = hiring(&db.url, &["runs", "999999"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no run has id 999999"));

    // A rerun meets the same rejects again: they are the second run's now.
    let page = stdout_json(&hiring(
        &db.url,
        &[
            "rejects",
            "--run",
            &second.to_string(),
            "--format",
            "json",
            "--limit",
            "10000",
        ],
    ));
    assert_eq!(page["total"], report.invalid_employees);
    assert!(page["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["run"] == second));
    let none = stdout_json(&hiring(
        &db.url,
        &["rejects", "--run", &first.to_string(), "--format", "json"],
    ));
    assert_eq!(none["total"], 0);
}

fn rejects_page_filter_and_export(db: &TestDb) {
    let (dir, report) = generated(2_000, 32);
    migrate_json(&db.url, dir.path(), &[]);
    let total = report.invalid_employees;
    assert!(total > 20, "{total}");

    let mut seen = Vec::new();
    let mut args = vec![
        "rejects".to_owned(),
        "--format".into(),
        "json".into(),
        "--limit".into(),
        "7".into(),
    ];
    loop {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let page = stdout_json(&hiring(&db.url, &argv));
        assert_eq!(page["total"], total);
        seen.extend(
            page["rejects"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_i64().unwrap()),
        );
        let Some(next) = page["next"].as_i64() else {
            break;
        };
        args.truncate(5);
        args.extend(["--before".into(), next.to_string()]);
    }
    assert_eq!(seen.len() as u64, total);
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, each once"
    );

    let by_field = stdout_json(&hiring(
        &db.url,
        &["rejects", "--field", "datetime", "--format", "json"],
    ));
    let by_reason = stdout_json(&hiring(
        &db.url,
        &["rejects", "--reason", "REQUIRED", "--format", "json"],
    ));
    let by_source = stdout_json(&hiring(
        &db.url,
        &[
            "rejects",
            "--source",
            "hired_employees.csv",
            "--format",
            "json",
        ],
    ));
    assert_eq!(by_source["total"], total);
    assert!(by_field["total"].as_u64().unwrap() > 0);
    assert!(by_field["total"].as_u64().unwrap() < total);
    for r in by_field["rejects"].as_array().unwrap() {
        assert!(
            r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "datetime"),
            "{r}"
        );
    }
    assert!(by_reason["total"].as_u64().unwrap() > 0);

    let csv = hiring(&db.url, &["rejects", "--format", "csv"]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "run",
            "table",
            "source",
            "raw",
            "reasons",
            "recorded_at"
        ]
    );
    assert_eq!(
        reader.records().count() as u64,
        total,
        "every reject, not a page"
    );

    let ndjson = hiring(
        &db.url,
        &[
            "rejects",
            "--format",
            "ndjson",
            "--limit",
            "5",
            "--table",
            "hired_employees",
        ],
    );
    let lines: Vec<Value> = String::from_utf8(ndjson.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|l| l["table"] == "hired_employees"));

    let table = hiring(&db.url, &["rejects", "--limit", "3"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(&format!("showing 3 of {total}")), "{text}");
    assert!(text.contains("next page: --before"), "{text}");
}

on_every_backend!(
    each_migrate_is_a_run_with_its_rejects,
    rejects_page_filter_and_export
);

/// Ctrl-C (SIGINT) stops a load before its next batch: it exits 130, says what was kept and
/// that a rerun completes the load, and the run is recorded as interrupted.
#[test]
fn ctrl_c_stops_the_load_and_says_what_was_kept() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let db = TestDb::sqlite();
    let (dir, _) = generated(200_000, 33);
    let child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["migrate", "--no-bulk", "--batch-size", "200", "--dir"])
        .arg(dir.path())
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", super::config_file())
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let started = hiring_adapters::open(&db.url)
            .ok()
            .and_then(|repos| repos.hired_employees.count().ok())
            .is_some_and(|n| n > 0);
        if started {
            break;
        }
        assert!(Instant::now() < deadline, "the load never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped on request"), "{stderr}");
    assert!(stderr.contains("a rerun completes the load"), "{stderr}");

    let runs = stdout_json(&hiring(&db.url, &["runs", "--format", "json"]));
    assert_eq!(runs[0]["outcome"], "interrupted", "{runs}");
    assert!(runs[0]["inserted"].as_u64().unwrap() > 0, "{runs}");
}
