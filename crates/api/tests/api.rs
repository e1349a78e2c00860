//! The HTTP API end to end: the server on a free port, a database of its own per test, every
//! test on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../adapters/tests/support/mod.rs"]
#[macro_use]
mod support;

mod audit;
mod backups;
mod batches;
mod console;
mod hostile_csv;
mod http;
mod idempotency;
mod legacy;
mod metrics;
mod readme;
mod replica;
mod runs;
mod service;
mod tables;
mod tls;

use actix_web::dev::ServerHandle;
use hiring_adapters::AvroBackupStore;
use hiring_api::{ApiConfig, Application, Tokens};
use hiring_generate::{generate, GenerateOptions};
use hiring_ports::replica::ReadRouter;
use hiring_ports::BackupStore;
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
        let repos = hiring_adapters::open(&db.url).unwrap();
        Self::spawn_routed(ReadRouter::new(repos, None, Duration::ZERO), config)
    }

    /// A server whose reads are routed by `reads` (a read replica, when it has one).
    fn spawn_routed(reads: ReadRouter, config: ApiConfig) -> Self {
        let backup_dir = tempfile::tempdir().unwrap();
        let backups: Arc<dyn BackupStore> = Arc::new(AvroBackupStore::new(backup_dir.path()));
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app =
                    Application::build_routed(config, reads, Some(backups), "127.0.0.1:0").unwrap();
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

fn admin_execute(sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    diesel::PgConnection::establish(&support::admin_url())
        .unwrap()
        .batch_execute(sql)
        .unwrap();
}

fn hire(id: i64, department: i64, job: i64) -> Value {
    json!({"id": id, "name": format!("Person {id}"), "datetime": "2021-07-27T16:02:08Z", "department_id": department, "job_id": job})
}

#[path = "reports/mod.rs"]
mod reports;

#[path = "roles/mod.rs"]
mod roles;
#[path = "safe_csv/mod.rs"]
mod safe_csv;
