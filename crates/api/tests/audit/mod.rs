//! The audit log end to end: every write by a token is recorded with its name, action, table,
//! rows, outcome and request, refusals and failures included; `GET /api/v1/audit` lists them
//! for admins only.

use super::support::TestDb;
use super::{json_of, problem, TestApp};
use hiring_api::{ApiConfig, Tokens};
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

const LOADER: &str = "loader-secret-0123456789";
const OPERATOR: &str = "operator-secret-0123456789";
const READER: &str = "reader-secret-0123456789";

fn spawn(db: &TestDb) -> TestApp {
    let tokens = format!("etl:ingest:{LOADER},ops:admin:{OPERATOR},dash:read:{READER}");
    TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(&tokens).unwrap(),
            ..ApiConfig::default()
        },
    )
}

fn post(app: &TestApp, token: &str, path: &str, content_type: &str, body: &str) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header(CONTENT_TYPE, content_type)
        .body(body.to_owned())
        .send()
        .unwrap()
}

fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/audit{query}")))
        .bearer_auth(OPERATOR)
        .send()
        .unwrap();
    json_of(response, 200)["entries"]
        .as_array()
        .unwrap()
        .clone()
}

fn request_id(response: &Response) -> String {
    response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned()
}

fn every_write_is_audited_with_its_token_table_rows_and_outcome(db: &TestDb) {
    let app = spawn(db);
    let batch = json!([{"id": 1, "department": "Sales"}, {"id": 2, "department": ""}]);
    let ingested = post(
        &app,
        LOADER,
        "/api/v1/departments",
        "application/json",
        &batch.to_string(),
    );
    let ingest_id = request_id(&ingested);
    json_of(ingested, 200);
    json_of(
        post(
            &app,
            LOADER,
            "/api/v1/jobs/upload",
            "text/csv",
            "1,Recruiter\r\n2,Engineer\r\n",
        ),
        200,
    );
    problem(
        post(&app, LOADER, "/api/v1/backups", "application/json", "{}"),
        403,
    );
    problem(
        post(&app, LOADER, "/api/v1/jobs", "application/json", "[{"),
        400,
    );
    json_of(
        post(&app, OPERATOR, "/api/v1/backups", "application/json", "{}"),
        201,
    );
    json_of(
        post(
            &app,
            OPERATOR,
            "/api/v1/departments/restore",
            "application/json",
            "",
        ),
        200,
    );

    let entries = audit(&app, "");
    let shape: Vec<(String, String, Value, u64, String)> = entries
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["table"].clone(),
                e["rows"].as_u64().unwrap(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let row = |actor: &str, action: &str, table: Value, rows: u64, outcome: &str| {
        (
            actor.to_owned(),
            action.to_owned(),
            table,
            rows,
            outcome.to_owned(),
        )
    };
    assert_eq!(
        shape,
        vec![
            row("ops", "restore", json!("departments"), 1, "succeeded"),
            row("ops", "backup", json!("hired_employees"), 0, "succeeded"),
            row("ops", "backup", json!("jobs"), 2, "succeeded"),
            row("ops", "backup", json!("departments"), 1, "succeeded"),
            row("etl", "ingest", json!("jobs"), 0, "failed"),
            row("etl", "backup", Value::Null, 0, "refused"),
            row("etl", "upload", json!("jobs"), 2, "succeeded"),
            row("etl", "ingest", json!("departments"), 1, "succeeded"),
        ],
        "{entries:#?}"
    );
    let ingest = &entries[7];
    assert_eq!(ingest["request_id"], ingest_id.as_str());
    assert_eq!(ingest["detail"], "2 received, 1 inserted, 1 rejected");
    assert!(
        ingest["recorded_at"].as_str().unwrap().ends_with('Z'),
        "{ingest}"
    );
    assert!(ingest["duration_ms"].is_u64());
    assert!(
        entries[4]["detail"].as_str().unwrap().starts_with("400 "),
        "{}",
        entries[4]
    );
    assert!(
        entries[3]["detail"]
            .as_str()
            .unwrap()
            .contains("departments"),
        "{}",
        entries[3]
    );
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");

    // Filters and paging.
    let jobs = audit(&app, "?table=jobs");
    assert_eq!(jobs.len(), 3, "{jobs:#?}");
    let etl_ingests = audit(&app, "?actor=etl&action=ingest");
    assert_eq!(etl_ingests.len(), 2);
    let page = audit(&app, "?limit=2");
    assert_eq!(page.len(), 2);
    let next = audit(&app, &format!("?limit=2&before={}", page[1]["id"]));
    assert_eq!(next[0]["id"], entries[2]["id"]);
    problem(app.read_with(OPERATOR, "/api/v1/audit?action=delete"), 400);
    problem(app.read_with(OPERATOR, "/api/v1/audit?limit=0"), 400);
    assert_eq!(
        problem(app.read_with(OPERATOR, "/api/v1/audit?limit=10001"), 400)["detail"],
        "limit must be between 1 and 10000, got 10001"
    );

    // Only admins read it, and reading it is not a write.
    problem(app.read_with(LOADER, "/api/v1/audit"), 403);
    problem(app.read_with(READER, "/api/v1/audit"), 403);
    assert_eq!(audit(&app, "").len(), entries.len());
}

fn a_failed_restore_is_audited_as_failed(db: &TestDb) {
    let app = spawn(db);
    let missing = json!({"file": "departments/none.avro"}).to_string();
    problem(
        post(
            &app,
            OPERATOR,
            "/api/v1/departments/restore",
            "application/json",
            &missing,
        ),
        404,
    );
    let entries = audit(&app, "?action=restore");
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["outcome"], "failed");
    assert_eq!(entries[0]["table"], "departments");
    assert!(
        entries[0]["detail"].as_str().unwrap().starts_with("404 "),
        "{}",
        entries[0]
    );
}

fn pruning_is_audited_with_what_went(db: &TestDb) {
    let app = spawn(db);
    for _ in 0..2 {
        json_of(
            post(&app, OPERATOR, "/api/v1/backups", "application/json", "{}"),
            201,
        );
        // Backup sets are named by the second they were taken.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    let keep = json!({"keep": 1}).to_string();
    json_of(
        post(
            &app,
            OPERATOR,
            "/api/v1/backups/prune",
            "application/json",
            &keep,
        ),
        200,
    );
    let entries = audit(&app, "?action=prune");
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0]["actor"], "ops");
    assert_eq!(entries[0]["outcome"], "succeeded");
    assert_eq!(entries[0]["table"], Value::Null);
    assert!(
        entries[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("keep 1: kept 1 sets, removed 1 sets and 3 files"),
        "{}",
        entries[0]
    );
}

on_every_backend!(
    pruning_is_audited_with_what_went,
    every_write_is_audited_with_its_token_table_rows_and_outcome,
    a_failed_restore_is_audited_as_failed,
);
