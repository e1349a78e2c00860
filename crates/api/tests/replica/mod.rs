//! A server with a read replica: reports, reject pages and backups' snapshots are read on the
//! replica while it is fit, with `Read-From` and `Replica-Lag-Ms` saying so; writes go to the
//! primary; a replica too far behind or down is skipped for the primary, and `/health` says why.
//! The "replica" here is a second SQLite database whose lag a test sets: the routing is the
//! same whatever the backend (`scripts/replica_test.sh` runs a real PostgreSQL standby).

use super::{hire, json_of, seed_parents, TestApp, TOKEN};
use hiring_api::{ApiConfig, Tokens};
use hiring_ports::replica::{ReadRouter, Replica, ReplicaLag};
use hiring_ports::RepoError;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::TestDb;

/// A lag the test sets, in milliseconds; `u64::MAX` stands for a replica that does not answer.
#[derive(Default)]
struct SetLag(AtomicU64);

impl ReplicaLag for SetLag {
    fn lag(&self) -> Result<Duration, RepoError> {
        match self.0.load(Ordering::SeqCst) {
            u64::MAX => Err(RepoError::Unavailable("connection refused".to_owned())),
            ms => Ok(Duration::from_millis(ms)),
        }
    }
}

struct Routed {
    app: TestApp,
    primary: TestDb,
    replica: TestDb,
    lag: Arc<SetLag>,
}

/// A primary holding hires 1..=4 and a replica holding hires 1..=2 of the same parents (it is
/// behind), both served by one server that allows 1 s of lag and asks a replica that did not
/// answer again at once.
fn routed() -> Routed {
    let (primary, replica) = (TestDb::sqlite(), TestDb::sqlite());
    let lag = Arc::new(SetLag::default());
    let config = ApiConfig {
        tokens: Tokens::parse(TOKEN).unwrap(),
        ..ApiConfig::default()
    };
    // Fill the replica through a server of its own, as its primary would have.
    let behind = TestApp::spawn_with(&replica, config.clone());
    seed_parents(&behind);
    json_of(
        behind.post_json(
            "/api/v1/hired_employees",
            &json!([hire(1, 1, 1), hire(2, 2, 2)]),
        ),
        200,
    );
    drop(behind);
    let reads = ReadRouter::new(
        hiring_adapters::open(&primary.url).unwrap(),
        Some(Replica {
            repos: hiring_adapters::open(&replica.url).unwrap(),
            lag: lag.clone(),
        }),
        Duration::from_secs(1),
    )
    .recheck_after(Duration::ZERO);
    let app = TestApp::spawn_routed(reads, config);
    seed_parents(&app);
    let hires: Vec<Value> = (1..=4).map(|id| hire(id, 1 + id % 3, 1 + id % 2)).collect();
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);
    Routed {
        app,
        primary,
        replica,
        lag,
    }
}

/// The total of the hires-by-quarter report, and where it was read.
fn report(app: &TestApp) -> (u64, Option<String>, Option<String>) {
    let response = app.get("/api/v1/reports/hires-by-quarter?year=2021");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (from, lag) = (header("read-from"), header("replica-lag-ms"));
    let rows = json_of(response, 200);
    let total = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            ["Q1", "Q2", "Q3", "Q4"]
                .iter()
                .map(|q| row[q].as_u64().unwrap())
                .sum::<u64>()
        })
        .sum();
    (total, from, lag)
}

#[test]
fn reads_go_to_a_fit_replica_and_writes_to_the_primary() {
    let routed = routed();
    let app = &routed.app;
    // Writes went to the primary only.
    assert_eq!(super::count(&routed.primary, "hired_employees"), 4);
    assert_eq!(super::count(&routed.replica, "hired_employees"), 2);

    routed.lag.0.store(250, Ordering::SeqCst);
    assert_eq!(report(app), (2, Some("replica".into()), Some("250".into())));
    let rejects = app.read("/api/v1/rejects");
    assert_eq!(rejects.headers()["read-from"], "replica");
    json_of(rejects, 200);
    let health = json_of(app.get("/health"), 200);
    assert_eq!(
        health["replica"],
        json!({"status": "serving", "lag_ms": 250})
    );

    // A backup's snapshot is read on the replica too.
    let backup = app.post_json("/api/v1/backups", &json!({"tables": ["hired_employees"]}));
    assert_eq!(backup.headers()["read-from"], "replica");
    assert_eq!(json_of(backup, 201)["files"][0]["rows"], 2);
}

#[test]
fn a_replica_too_far_behind_or_down_is_skipped_for_the_primary() {
    let routed = routed();
    let app = &routed.app;
    routed.lag.0.store(1_001, Ordering::SeqCst);
    assert_eq!(report(app), (4, Some("primary".into()), None));
    let health = json_of(app.get("/health"), 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["replica"]["status"], "skipped");
    assert_eq!(
        health["replica"]["reason"],
        "the replica is 1001 ms behind its primary, more than the 1000 ms allowed"
    );

    routed.lag.0.store(u64::MAX, Ordering::SeqCst);
    assert_eq!(report(app), (4, Some("primary".into()), None));
    let health = json_of(app.get("/health"), 200);
    let reason = health["replica"]["reason"].as_str().unwrap();
    assert!(reason.contains("connection refused"), "{reason}");

    // Back in time: the replica serves again.
    routed.lag.0.store(0, Ordering::SeqCst);
    assert_eq!(report(app), (2, Some("replica".into()), Some("0".into())));
}

/// The lines of the rejects export as CSV (its header aside), and where it was read.
fn exported(app: &TestApp) -> (usize, Option<String>) {
    let response = app.read("/api/v1/rejects/export?format=csv");
    let from = response
        .headers()
        .get("read-from")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(response.status(), 200);
    let body = response.text().unwrap();
    (body.lines().count().saturating_sub(1), from)
}

#[test]
fn the_rejects_export_is_read_where_reads_go() {
    let routed = routed();
    let app = &routed.app;
    // A reject logged on the primary only (the replica is behind).
    let answer = app.post_json(
        "/api/v1/hired_employees",
        &json!([{"id": 9, "name": "", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1}]),
    );
    json_of(answer, 200);
    assert_eq!(exported(app), (0, Some("replica".into())));
    routed.lag.0.store(u64::MAX, Ordering::SeqCst);
    assert_eq!(exported(app), (1, Some("primary".into())));
}

#[test]
fn without_a_replica_answers_say_nothing_of_one() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let response = app.get("/api/v1/reports/hires-by-quarter?year=2021");
    assert!(response.headers().get("read-from").is_none());
    let health = json_of(app.get("/health"), 200);
    assert!(health.get("replica").is_none(), "{health}");
}
