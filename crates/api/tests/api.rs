//! The HTTP API end to end: the server on a free port, a database of its own per test, every
//! test on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../adapters/tests/support/mod.rs"]
#[macro_use]
mod support;

mod audit;
mod backups;
mod console;
mod hostile_csv;
mod http;
mod idempotency;
mod legacy;

use actix_web::dev::ServerHandle;
use hiring_adapters::AvroBackupStore;
use hiring_api::{ApiConfig, Application, BackupPorts, Tokens};
use hiring_generate::{generate, GenerateOptions};
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;
use support::{Engine, TestDb};

const TOKEN: &str = "test-token-0123456789";
const SECOND_TOKEN: &str = "second-token-0123456789";

/// A server running on its own thread, stopped when dropped.
struct TestApp {
    base: String,
    client: Client,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
    /// The server's backup folder.
    backup_dir: tempfile::TempDir,
}

impl TestApp {
    fn spawn(db: &TestDb) -> Self {
        Self::spawn_with(
            db,
            ApiConfig {
                tokens: Tokens::parse(&format!("{TOKEN},{SECOND_TOKEN}")).unwrap(),
                ..ApiConfig::default()
            },
        )
    }

    fn spawn_with(db: &TestDb, config: ApiConfig) -> Self {
        let storage = hiring_adapters::open_storage(&db.url).unwrap();
        let backup_dir = tempfile::tempdir().unwrap();
        let backups = BackupPorts {
            bulk: storage.bulk,
            files: Arc::new(AvroBackupStore::new(backup_dir.path())),
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app =
                    Application::build_with_backups(config, storage.repos, backups, "127.0.0.1:0")
                        .unwrap();
                sender.send((app.port(), app.handle())).unwrap();
                app.run_until_stopped().await.unwrap();
            });
        });
        let (port, handle) = receiver.recv().unwrap();
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: Client::builder()
                .timeout(Duration::from_secs(300))
                .build()
                .unwrap(),
            handle,
            thread: Some(thread),
            backup_dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().unwrap()
    }

    /// A GET with the test token (the reject log and the backup listing need one).
    fn read(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
    }

    /// A GET with `token`.
    fn read_with(&self, token: &str, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .unwrap()
    }

    /// A POST with the test token.
    fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(TOKEN)
    }

    fn post_json(&self, path: &str, body: &Value) -> Response {
        self.post(path)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .unwrap()
    }

    fn post_csv(&self, path: &str, body: &str) -> Response {
        self.post(path)
            .header(CONTENT_TYPE, "text/csv")
            .body(body.to_owned())
            .send()
            .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(true));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn json_of(response: Response, status: u16) -> Value {
    let got = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Checks an RFC 7807 answer and returns it.
fn problem(response: Response, status: u16) -> Value {
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/problem+json",
        "status {}",
        response.status()
    );
    let body = json_of(response, status);
    assert_eq!(body["status"], status);
    for key in ["type", "title", "detail"] {
        assert!(body[key].is_string(), "{key} missing in {body}");
    }
    body
}

fn count(db: &TestDb, table: &str) -> i64 {
    db.integer(&format!("(SELECT COUNT(*) FROM {table})"))
}

fn seed_parents(app: &TestApp) {
    let departments: Vec<Value> = (1..=3)
        .map(|i| json!({"id": i, "department": format!("Department {i}")}))
        .collect();
    json_of(
        app.post_json("/api/v1/departments", &json!(departments)),
        200,
    );
    json_of(
        app.post_csv("/api/v1/jobs", "1,Recruiter\r\n2,Engineer\r\n"),
        200,
    );
}

fn hire(id: i64, department: i64, job: i64) -> Value {
    json!({"id": id, "name": format!("Person {id}"), "datetime": "2021-07-27T16:02:08Z", "department_id": department, "job_id": job})
}

fn json_rows_are_validated_inserted_and_rejects_logged(db: &TestDb) {
    let app = TestApp::spawn(db);
    let response = app.post_json(
        "/api/v1/departments",
        &json!([
            {"id": 1, "department": "Sales"},
            {"id": 2, "department": ""},
            {"id": "3", "department": "Legal"},
            {"id": 0, "department": "\u{7}", "colour": "red"}
        ]),
    );
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = json_of(response, 200);
    assert_eq!(body["table"], "departments");
    assert_eq!(body["request_id"], header_id.as_str());
    assert_eq!(
        (body["received"].as_u64(), body["inserted"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(
        body["rejected"][0],
        json!({"index": 1, "id": 2, "errors": [{"field": "department", "message": "is required"}]})
    );
    let fields: Vec<&str> = body["rejected"][1]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["record", "id", "department"]);
    assert_eq!(body["rejected"][1]["id"], Value::Null);
    assert_eq!(count(db, "departments"), 2);

    let log = json_of(app.read("/api/v1/rejects?table=departments"), 200);
    assert_eq!(log["total"], 2);
    let sources: Vec<&str> = log["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            format!("api {header_id} row 3"),
            format!("api {header_id} row 1")
        ]
    );
    assert_eq!(log["rejects"][1]["raw"], r#"{"department":"","id":2}"#);
}

fn csv_bodies_use_the_file_format(db: &TestDb) {
    let app = TestApp::spawn(db);
    let body = json_of(
        app.post_csv(
            "/api/v1/jobs",
            "\u{feff}1,Recruiter\r\n2,\"Engineer, Senior\"\r\n\r\nx,Clerk\n4,Too,many",
        ),
        200,
    );
    assert_eq!(
        (body["received"].as_u64(), body["inserted"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(body["rejected"][0]["index"], 2);
    assert_eq!(body["rejected"][1]["errors"][0]["field"], "record");
    assert_eq!(
        db.text("(SELECT job FROM jobs WHERE id = 2)"),
        "Engineer, Senior"
    );
}

fn duplicates_and_missing_parents_are_per_row_rejections(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    json_of(
        app.post_json("/api/v1/hired_employees", &json!([hire(1, 1, 1)])),
        200,
    );
    let body = json_of(
        app.post_json(
            "/api/v1/hired_employees",
            &json!([
                hire(1, 1, 1),
                hire(2, 2, 2),
                hire(2, 2, 2),
                hire(3, 9, 1),
                hire(4, 1, 7)
            ]),
        ),
        200,
    );
    assert_eq!(body["inserted"], 1);
    let reasons: Vec<String> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["field"].as_str().unwrap(),
                        e["message"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "id: id 1 already exists",
            "id: id 2 appears earlier in this batch (row 1)",
            "department_id: departments 9 does not exist",
            "job_id: jobs 7 does not exist"
        ]
    );
    assert_eq!(count(db, "hired_employees"), 2);
    assert_eq!(count(db, "rejected_rows"), 4);
}

fn an_atomic_batch_is_all_or_nothing(db: &TestDb) {
    let app = TestApp::spawn(db);
    let refused = problem(
        app.post_json(
            "/api/v1/departments?atomic=true",
            &json!([{"id": 1, "department": "Sales"}, {"id": -4, "department": "Legal"}]),
        ),
        422,
    );
    assert_eq!(refused["inserted"], 0);
    assert_eq!(refused["rejected"][0]["index"], 1);
    assert_eq!(refused["rejected"][0]["errors"][0]["field"], "id");
    assert_eq!(count(db, "departments"), 0);
    assert_eq!(count(db, "rejected_rows"), 0);
    let body = json_of(
        app.post_json(
            "/api/v1/departments?atomic=true",
            &json!([{"id": 1, "department": "Sales"}, {"id": 4, "department": "Legal"}]),
        ),
        200,
    );
    assert_eq!(body["inserted"], 2);
}

fn a_caller_request_id_is_kept_and_a_bad_one_replaced(db: &TestDb) {
    let app = TestApp::spawn(db);
    let response = app
        .post("/api/v1/departments")
        .header(CONTENT_TYPE, "application/json")
        .header("X-Request-Id", "client-42")
        .body(r#"[{"id": 1, "department": ""}]"#)
        .send()
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-42");
    let body = json_of(response, 200);
    assert_eq!(body["request_id"], "client-42");
    assert_eq!(
        db.text("(SELECT source FROM rejected_rows)"),
        "api client-42 row 0"
    );
    let response = app
        .client
        .get(app.url("/health"))
        .header("X-Request-Id", "no spaces allowed")
        .send()
        .unwrap();
    let echoed = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(echoed.len(), 36, "a UUID replaces {echoed:?}");
}

fn bad_bodies_are_problems_and_insert_nothing(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            body_limit: 64 * 1024,
            ..ApiConfig::default()
        },
    );
    let p = problem(app.post_json("/api/v1/departments", &json!([])), 400);
    assert!(
        p["detail"].as_str().unwrap().contains("at least 1 row"),
        "{p}"
    );
    let many: Vec<Value> = (1..=1001)
        .map(|i| json!({"id": i, "department": "D"}))
        .collect();
    let p = problem(app.post_json("/api/v1/departments", &json!(many)), 400);
    assert!(
        p["detail"].as_str().unwrap().contains("at most 1000"),
        "{p}"
    );
    let huge = json!([{"id": 1, "department": "x".repeat(70 * 1024)}]);
    problem(app.post_json("/api/v1/departments", &huge), 413);
    let huge_csv = format!("1,{}\n", "y".repeat(70 * 1024));
    problem(
        app.post("/api/v1/departments")
            .header(CONTENT_TYPE, "text/csv")
            .header("Transfer-Encoding", "chunked")
            .body(reqwest::blocking::Body::new(std::io::Cursor::new(huge_csv)))
            .send()
            .unwrap(),
        413,
    );
    let p = problem(
        app.post("/api/v1/departments")
            .header(CONTENT_TYPE, "application/json")
            .body(r#"[{"id": 1,"#)
            .send()
            .unwrap(),
        400,
    );
    assert_eq!(p["title"], "Malformed JSON");
    problem(app.post_json("/api/v1/departments", &json!({"id": 1})), 400);
    problem(
        app.post_csv("/api/v1/departments", &"\u{0}".repeat(32)),
        400,
    );
    let p = problem(
        app.post("/api/v1/departments")
            .header(CONTENT_TYPE, "application/xml")
            .body("<rows/>")
            .send()
            .unwrap(),
        415,
    );
    assert!(p["detail"].as_str().unwrap().contains("text/csv"));
    problem(
        app.post("/api/v1/departments")
            .body("1,Sales")
            .send()
            .unwrap(),
        415,
    );
    let p = problem(app.post_csv("/api/v1/employees", "1,Sales"), 404);
    assert!(p["detail"].as_str().unwrap().contains("hired_employees"));
    problem(
        app.post_csv("/api/v1/departments?atomic=perhaps", "1,Sales"),
        400,
    );
    assert_eq!(count(db, "departments"), 0);
    assert_eq!(count(db, "rejected_rows"), 0);
}

fn writes_need_a_valid_bearer_token(db: &TestDb) {
    let app = TestApp::spawn(db);
    let body = r#"[{"id": 1, "department": "Sales"}]"#;
    let send = |token: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/departments"))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().unwrap()
    };
    let response = send(None);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401);
    problem(send(Some("test-token-012345678")), 401);
    problem(send(Some("")), 401);
    problem(
        app.client
            .post(app.url("/api/v1/departments/upload"))
            .header(CONTENT_TYPE, "text/csv")
            .body("1,Sales")
            .send()
            .unwrap(),
        401,
    );
    assert_eq!(count(db, "departments"), 0);
    json_of(send(Some(SECOND_TOKEN)), 200);
    // Reads of reports and health are open by default; the reject log (personal data) never is.
    json_of(app.get("/health"), 200);
    json_of(app.get("/api/v1/reports/hires-by-quarter"), 200);
    problem(app.get("/api/v1/rejects"), 401);
    json_of(app.read("/api/v1/rejects"), 200);
}

fn without_tokens_writes_are_refused_and_reads_can_be_protected(db: &TestDb) {
    let open = TestApp::spawn_with(db, ApiConfig::default());
    let p = problem(
        open.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        401,
    );
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("no API token is configured"));
    drop(open);
    let protected = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            protect_reads: true,
            ..ApiConfig::default()
        },
    );
    for path in [
        "/api/v1/rejects",
        "/health",
        "/api-docs/openapi.json",
        "/docs/",
    ] {
        problem(protected.get(path), 401);
        let response = protected
            .client
            .get(protected.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

fn health_and_the_reject_log(db: &TestDb) {
    let app = TestApp::spawn(db);
    assert_eq!(
        json_of(app.get("/health"), 200),
        json!({"status": "ok", "database": "reachable"})
    );
    app.post_csv("/api/v1/departments", "0,a\n-1,b\n1,ok");
    app.post_csv("/api/v1/jobs", "x,Clerk");
    let all = json_of(app.read("/api/v1/rejects"), 200);
    assert_eq!(all["total"], 3);
    assert_eq!(all["rejects"][0]["table"], "jobs", "newest first");
    assert!(all["rejects"][0]["recorded_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let one = json_of(app.read("/api/v1/rejects?table=departments&limit=1"), 200);
    assert_eq!(
        (
            one["total"].as_u64(),
            one["rejects"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    problem(app.read("/api/v1/rejects?table=employees"), 400);
    problem(app.read("/api/v1/rejects?limit=0"), 400);
    assert_eq!(
        problem(app.read("/api/v1/rejects?limit=10001"), 400)["detail"],
        "limit must be between 1 and 10000, got 10001"
    );
    json_of(app.read("/api/v1/rejects?limit=10000"), 200);
    problem(app.read("/api/v1/rejects?limit=ten"), 400);
    problem(app.get("/api/v1/nothing/here"), 404);
    problem(app.get("/api/v1/departments"), 405);
}

/// The database goes away (every connection cut, new ones refused) and comes back: health
/// follows it and writes work again, without restarting the server. On PostgreSQL only: an
/// SQLite file does not go away.
fn a_database_that_goes_away_and_comes_back_needs_no_restart(db: &TestDb) {
    if db.engine != Engine::Postgres {
        return;
    }
    let app = TestApp::spawn(db);
    json_of(app.get("/health"), 200);
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let cut = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    );
    admin_execute(&cut);
    problem(app.get("/health"), 503);
    let p = problem(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        503,
    );
    assert!(!p["detail"].as_str().unwrap().contains(&name), "{p}");
    admin_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    json_of(app.get("/health"), 200);
    let body = json_of(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        200,
    );
    assert_eq!(body["inserted"], 1);
}

fn admin_execute(sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    diesel::PgConnection::establish(&support::admin_url())
        .unwrap()
        .batch_execute(sql)
        .unwrap();
}

fn whole_files_upload_through_the_migration(db: &TestDb) {
    let app = TestApp::spawn(db);
    let dir = tempfile::tempdir().unwrap();
    let report = generate(
        dir.path(),
        &GenerateOptions {
            rows: 3000,
            seed: 5,
        },
    )
    .unwrap();
    let upload = |table: &str| {
        let file = std::fs::File::open(dir.path().join(format!("{table}.csv"))).unwrap();
        app.post(&format!("/api/v1/{table}/upload"))
            .header(CONTENT_TYPE, "text/csv")
            .body(reqwest::blocking::Body::new(file))
            .send()
            .unwrap()
    };
    let departments = json_of(upload("departments"), 200);
    assert_eq!(
        (
            departments["read"].as_u64(),
            departments["inserted"].as_u64()
        ),
        (Some(12), Some(12))
    );
    json_of(upload("jobs"), 200);
    let hires = json_of(upload("hired_employees"), 200);
    assert_eq!(hires["read"], 3000);
    assert_eq!(hires["rejected"], report.invalid_employees);
    assert_eq!(
        hires["inserted"].as_u64().unwrap() + report.invalid_employees,
        3000
    );
    let source = hires["source"].as_str().unwrap();
    assert!(
        source.starts_with("api ") && source.ends_with(" upload"),
        "{source}"
    );
    let again = json_of(upload("hired_employees"), 200);
    assert_eq!(again["inserted"], 0);
    assert_eq!(again["already_present"], hires["inserted"]);
    assert_eq!(
        count(db, "hired_employees") as u64,
        hires["inserted"].as_u64().unwrap()
    );
    problem(
        app.post("/api/v1/jobs/upload")
            .header(CONTENT_TYPE, "text/csv")
            .body(&b"PK\x03\x04 a workbook"[..])
            .send()
            .unwrap(),
        400,
    );
    problem(
        app.post("/api/v1/jobs/upload")
            .header(CONTENT_TYPE, "application/json")
            .body("[]")
            .send()
            .unwrap(),
        415,
    );
    problem(app.post_csv("/api/v1/people/upload", "1,x"), 404);
}

fn the_openapi_document_and_docs_page_are_served(db: &TestDb) {
    let app = TestApp::spawn(db);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/{table}",
        "/api/v1/{table}/upload",
        "/api/v1/rejects",
        "/health",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    let page = app.get("/docs/");
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "the page loads nothing from the internet"
    );
    assert_eq!(app.get("/docs/swagger-ui.css").status(), 200);
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").status(), 200);
    assert_eq!(app.get("/docs").status(), 200, "redirected to /docs/");
}

const CLIENTS: i64 = 8;
const BATCHES: i64 = 50;
const ROWS: i64 = 1000;

/// Posts `BATCHES` batches of `ROWS` departments per client at once, the ids of batch `b` of
/// client `c` being `first_id(c, b)..+ROWS`. Returns the summed inserted and rejected counts.
fn post_concurrently(app: &TestApp, first_id: fn(i64, i64) -> i64) -> (u64, u64) {
    std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                scope.spawn(move || {
                    let (mut inserted, mut rejected) = (0, 0);
                    for b in 0..BATCHES {
                        let start = first_id(c, b);
                        let rows: Vec<Value> = (start..start + ROWS)
                            .map(|id| json!({"id": id, "department": format!("D{id}")}))
                            .collect();
                        let body = json_of(app.post_json("/api/v1/departments", &json!(rows)), 200);
                        inserted += body["inserted"].as_u64().unwrap();
                        rejected += body["rejected"].as_array().unwrap().len() as u64;
                    }
                    (inserted, rejected)
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().unwrap())
            .fold((0, 0), |(i, r), (ci, cr)| (i + ci, r + cr))
    })
}

fn concurrent_clients_lose_and_duplicate_nothing(db: &TestDb) {
    let app = TestApp::spawn(db);
    let (inserted, rejected) = post_concurrently(&app, |c, b| (c * BATCHES + b) * ROWS + 1);
    let total = (CLIENTS * BATCHES * ROWS) as u64;
    assert_eq!((inserted, rejected), (total, 0));
    assert_eq!(count(db, "departments") as u64, total);
    assert_eq!(
        db.integer("(SELECT COUNT(DISTINCT id) FROM departments)") as u64,
        total
    );
}

fn concurrent_overlapping_ids_are_stored_once_and_the_rest_rejected(db: &TestDb) {
    let app = TestApp::spawn(db);
    // Client c covers ids c*25000+1 ..= c*25000+50000: every id but the first and last 25,000
    // is sent by two clients, in opposite batch orders for neighbours.
    let (inserted, rejected) = post_concurrently(&app, |c, b| {
        let b = if c % 2 == 0 { b } else { BATCHES - 1 - b };
        c * (BATCHES * ROWS / 2) + b * ROWS + 1
    });
    let sent = (CLIENTS * BATCHES * ROWS) as u64;
    let distinct = ((CLIENTS + 1) * BATCHES * ROWS / 2) as u64;
    assert_eq!(inserted, distinct);
    assert_eq!(rejected, sent - distinct);
    assert_eq!(count(db, "departments") as u64, distinct);
    assert_eq!(count(db, "rejected_rows") as u64, sent - distinct);
}

on_every_backend!(
    json_rows_are_validated_inserted_and_rejects_logged,
    csv_bodies_use_the_file_format,
    duplicates_and_missing_parents_are_per_row_rejections,
    an_atomic_batch_is_all_or_nothing,
    a_caller_request_id_is_kept_and_a_bad_one_replaced,
    bad_bodies_are_problems_and_insert_nothing,
    writes_need_a_valid_bearer_token,
    without_tokens_writes_are_refused_and_reads_can_be_protected,
    health_and_the_reject_log,
    a_database_that_goes_away_and_comes_back_needs_no_restart,
    whole_files_upload_through_the_migration,
    the_openapi_document_and_docs_page_are_served,
    concurrent_clients_lose_and_duplicate_nothing,
    concurrent_overlapping_ids_are_stored_once_and_the_rest_rejected,
);

#[path = "reports/mod.rs"]
mod reports;

#[path = "roles/mod.rs"]
mod roles;
#[path = "safe_csv/mod.rs"]
mod safe_csv;
