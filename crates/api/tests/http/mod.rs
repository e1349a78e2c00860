//! The answers every route gives (`Allow`, `HEAD`, `nosniff`, a JSON byte-order mark, a health
//! check that does not wait for the pool).

use super::support::TestDb;
use super::{json_of, problem, Engine, TestApp, TOKEN};
use hiring_api::{ApiConfig, Application, Tokens};
use hiring_ports::Repositories;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Room for a loaded machine beyond a limit.
const MARGIN: Duration = Duration::from_secs(3);

fn config(change: impl FnOnce(&mut ApiConfig)) -> ApiConfig {
    let mut config = ApiConfig {
        tokens: Tokens::from_list(TOKEN),
        ..ApiConfig::default()
    };
    change(&mut config);
    config
}

#[test]
fn every_405_says_which_methods_are_allowed() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    for (method, path, allow) in [
        ("GET", "/api/v1/departments", "POST"),
        ("PUT", "/api/v1/jobs/upload", "POST"),
        ("DELETE", "/api/v1/departments/restore", "POST"),
        ("GET", "/api/v1/restore", "POST"),
        ("DELETE", "/api/v1/backups", "GET, HEAD, POST"),
        ("POST", "/api/v1/rejects", "GET, HEAD"),
        ("POST", "/api/v1/reports/hires-by-quarter", "GET, HEAD"),
        (
            "PATCH",
            "/api/v1/reports/departments-above-mean",
            "GET, HEAD",
        ),
        ("POST", "/health", "GET, HEAD"),
        ("POST", "/docs", "GET, HEAD"),
        ("POST", "/", "GET, HEAD"),
        ("POST", "/console/app.js", "GET, HEAD"),
        ("GET", "/upload", "POST"),
        ("GET", "/backup", "POST"),
        ("GET", "/restore-backup", "POST"),
        ("POST", "/hired_employees_2021", "GET, HEAD"),
        ("POST", "/departments_above_mean", "GET, HEAD"),
    ] {
        let response = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        let allowed = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = problem(response, 405);
        assert_eq!(allowed.as_deref(), Some(allow), "{method} {path}: {body}");
    }
}

#[test]
fn head_works_wherever_get_does() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    for path in [
        "/health",
        "/api/v1/rejects",
        "/api/v1/reports/hires-by-quarter?year=2021",
        "/api/v1/reports/departments-above-mean?format=svg",
        "/api-docs/openapi.json",
        "/docs/",
        "/",
        "/hired_employees_2021",
    ] {
        let get = app.get(path);
        assert_eq!(get.status(), 200, "GET {path}");
        let content_type = get.headers()[CONTENT_TYPE].clone();
        let length = get.bytes().unwrap().len();
        let head = app.client.head(app.url(path)).send().unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(head.headers()[CONTENT_TYPE], content_type, "HEAD {path}");
        assert_eq!(
            head.headers()["content-length"].to_str().unwrap(),
            length.to_string(),
            "HEAD {path}"
        );
        assert!(head.bytes().unwrap().is_empty(), "HEAD {path} has no body");
    }
}

#[test]
fn every_answer_says_nosniff() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let answers = [
        app.get("/health"),
        app.get("/api-docs/openapi.json"),
        app.get("/docs/"),
        app.get("/docs/swagger-ui-bundle.js"),
        app.get("/api/v1/reports/hires-by-quarter?format=svg"),
        app.get("/api/v1/reports/hires-by-quarter?format=csv"),
        app.get("/console/app.js"),
        app.get("/nothing/here"),
        app.client
            .post(app.url("/api/v1/departments"))
            .send()
            .unwrap(),
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
    ];
    for answer in answers {
        assert_eq!(
            answer
                .headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{} {}",
            answer.url(),
            answer.status()
        );
    }
}

#[test]
fn a_json_batch_may_start_with_a_byte_order_mark() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let body = format!(
        "\u{feff}{}",
        json!([{"id": 1, "department": "Sales"}, {"id": 2, "department": "Legal"}])
    );
    let answer = json_of(
        app.post("/api/v1/departments")
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(answer["inserted"], 2);
    // CSV took one already; a mark anywhere else is still malformed JSON.
    let csv = json_of(app.post_csv("/api/v1/jobs", "\u{feff}1,Clerk\n"), 200);
    assert_eq!(csv["inserted"], 1);
    problem(
        app.post("/api/v1/departments")
            .header(CONTENT_TYPE, "application/json")
            .body("[\u{feff}{\"id\": 3, \"department\": \"X\"}]")
            .send()
            .unwrap(),
        400,
    );
}

/// The database cannot answer: `/health` says so within its own limit of 1 s, not after the
/// pool's connection timeout (5 s on PostgreSQL, 30 s on SQLite). PostgreSQL goes away (every
/// connection cut, new ones refused); on SQLite, whose file does not go away, long reads hold
/// every connection of the pool.
fn health_answers_within_a_second_when_the_database_cannot(db: &TestDb) {
    let (app, repos) = spawn_keeping_repos(db);
    json_of(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        200,
    );
    json_of(app.get("/health"), 200);
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let release = Arc::new(AtomicBool::new(false));
    let holders: Vec<_> = match db.engine {
        Engine::Postgres => {
            super::admin_execute(&format!(
                "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid();"
            ));
            Vec::new()
        }
        // More readers than the pool has connections, each holding its own until released.
        Engine::Sqlite => (0..16)
            .map(|_| {
                let (repos, release) = (repos.clone(), Arc::clone(&release));
                std::thread::spawn(move || {
                    let _ = repos.departments.for_each(&mut |_| {
                        while !release.load(Ordering::SeqCst) {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Ok(())
                    });
                })
            })
            .collect(),
    };
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..2 {
        let started = Instant::now();
        problem(app.get("/health"), 503);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(1) + MARGIN, "{took:?}");
    }
    release.store(true, Ordering::SeqCst);
    for holder in holders {
        holder.join().unwrap();
    }
    if db.engine == Engine::Postgres {
        super::admin_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    }
    json_of(app.get("/health"), 200);
}

/// [`TestApp::spawn`], also giving the server's storage ports.
fn spawn_keeping_repos(db: &TestDb) -> (TestApp, Repositories) {
    let storage = hiring_adapters::open_storage(&db.url).unwrap();
    let repos = storage.repos.clone();
    let backup_dir = tempfile::tempdir().unwrap();
    let (sender, receiver) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config(|_| {}), storage.repos, "127.0.0.1:0").unwrap();
            sender.send((app.port(), app.handle())).unwrap();
            app.run_until_stopped().await.unwrap();
        });
    });
    let (port, handle) = receiver.recv().unwrap();
    let app = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::blocking::Client::new(),
        handle,
        thread: Some(thread),
        backup_dir,
    };
    (app, repos)
}

on_every_backend!(health_answers_within_a_second_when_the_database_cannot);
