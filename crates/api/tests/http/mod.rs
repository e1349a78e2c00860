//! The server's own limits, seen by clients of raw TCP: slow bodies and headers, the shutdown
//! grace, and the answers every route gives (`Allow`, `HEAD`, `nosniff`, a JSON byte-order mark,
//! a health check that does not wait for the pool).

use super::support::TestDb;
use super::{json_of, problem, Engine, TestApp, TOKEN};
use hiring_api::{ApiConfig, Application, Tokens};
use hiring_ports::Repositories;
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Room for a loaded machine beyond a limit, and the most a test waits for a server that keeps
/// a connection.
const MARGIN: Duration = Duration::from_secs(3);
const GIVE_UP: Duration = Duration::from_secs(40);

fn config(change: impl FnOnce(&mut ApiConfig)) -> ApiConfig {
    let mut config = ApiConfig {
        tokens: Tokens::parse(TOKEN).unwrap(),
        ..ApiConfig::default()
    };
    change(&mut config);
    config
}

/// What the server sent on a raw connection, and when it closed it.
struct Exchange {
    answer: String,
    /// From the end of the request head to the server closing the connection.
    closed_after: Duration,
}

impl Exchange {
    fn status(&self) -> &str {
        self.answer.get(9..12).unwrap_or("")
    }
}

fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.base.trim_start_matches("http://")).unwrap()
}

/// A POST head with the token, announcing `length` bytes of `content_type`.
fn post_head(path: &str, content_type: &str, length: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Sends `head` and `start` at once, then one byte of `rest` every `every` until the server
/// closes the connection (or [`GIVE_UP`]): what the server sent and when it closed.
fn dribble(stream: TcpStream, head: &str, start: &[u8], rest: &[u8], every: Duration) -> Exchange {
    let mut writer = stream.try_clone().unwrap();
    let (closed, closing) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut stream = stream;
        let mut answer = Vec::new();
        let mut buffer = [0; 4096];
        // A reset after the answer is a close too.
        while let Ok(n @ 1..) = stream.read(&mut buffer) {
            answer.extend_from_slice(&buffer[..n]);
        }
        let _ = closed.send(());
        String::from_utf8_lossy(&answer).into_owned()
    });
    writer.write_all(head.as_bytes()).unwrap();
    let sent = Instant::now();
    let _ = writer.write_all(start);
    let mut rest = rest.iter();
    let closed_after = loop {
        if closing.recv_timeout(every).is_ok() {
            break sent.elapsed();
        }
        assert!(sent.elapsed() < GIVE_UP, "the server kept the connection");
        if let Some(byte) = rest.next() {
            // Fails once the server has closed: the reader sees it.
            let _ = writer.write_all(&[*byte]);
        }
    };
    Exchange {
        answer: reader.join().unwrap(),
        closed_after,
    }
}

fn assert_slow_body_problem(exchange: &Exchange, detail: &str) {
    assert_eq!(exchange.status(), "408", "{}", exchange.answer);
    let answer = exchange.answer.to_ascii_lowercase();
    assert!(
        answer.contains("content-type: application/problem+json"),
        "{answer}"
    );
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(answer.contains(detail), "{answer}");
}

#[test]
fn a_buffered_body_must_arrive_whole_within_the_body_timeout() {
    let db = TestDb::sqlite();
    // Never idle, fast enough for the rate: only the deadline of the whole body stops it.
    let app = TestApp::spawn_with(
        &db,
        config(|c| {
            c.body_timeout = Duration::from_secs(1);
            c.body_min_rate = 0;
        }),
    );
    let body = br#"[{"id": 1, "department": "Sales"}]"#;
    let exchange = dribble(
        connect(&app),
        &post_head("/api/v1/departments", "application/json", body.len()),
        &body[..1],
        &body[1..],
        Duration::from_millis(100),
    );
    assert_slow_body_problem(&exchange, "within 1 s");
    assert!(exchange.closed_after >= Duration::from_millis(900));
    assert!(
        exchange.closed_after < Duration::from_secs(1) + MARGIN,
        "{:?}",
        exchange.closed_after
    );
    assert_eq!(super::count(&db, "departments"), 0);
}

#[test]
fn an_upload_that_stops_sending_is_cut_after_the_idle_timeout() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(
        &db,
        config(|c| {
            c.body_idle_timeout = Duration::from_secs(1);
            c.body_min_rate = 0;
        }),
    );
    let exchange = dribble(
        connect(&app),
        &post_head("/api/v1/departments/upload", "text/csv", 1000),
        b"1,Sales\n2,Leg",
        b"",
        Duration::from_millis(100),
    );
    assert_slow_body_problem(&exchange, "no bytes of the body came for 1 s");
    assert!(exchange.closed_after >= Duration::from_millis(900));
    assert!(
        exchange.closed_after < Duration::from_secs(1) + MARGIN,
        "{:?}",
        exchange.closed_after
    );
}

#[test]
fn an_upload_that_dribbles_is_cut_by_the_minimum_rate() {
    let db = TestDb::sqlite();
    // A byte every 200 ms is never idle for 1 s, but brings 5 bytes a second, under 100.
    let app = TestApp::spawn_with(
        &db,
        config(|c| {
            c.body_idle_timeout = Duration::from_secs(1);
            c.body_min_rate = 100;
        }),
    );
    let rest = "3,Legal\n".repeat(100);
    let exchange = dribble(
        connect(&app),
        &post_head("/api/v1/departments/upload", "text/csv", 8 + rest.len()),
        b"1,Sales\n",
        rest.as_bytes(),
        Duration::from_millis(200),
    );
    assert_slow_body_problem(&exchange, "slower than 100 bytes per second");
    assert!(
        exchange.closed_after < Duration::from_secs(1) + MARGIN,
        "{:?}",
        exchange.closed_after
    );
}

#[test]
fn a_slow_but_steady_upload_is_not_cut() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(
        &db,
        config(|c| {
            c.body_idle_timeout = Duration::from_secs(1);
            c.body_min_rate = 100;
        }),
    );
    // 30 lines of about 20 bytes, one every 100 ms: about 200 bytes a second for 3 s, with the
    // last line sent at once after a pause of 700 ms.
    let lines: Vec<String> = (1..=30)
        .map(|i| format!("{i},Department {i:05}\n"))
        .collect();
    let length: usize = lines.iter().map(String::len).sum();
    let mut stream = connect(&app);
    stream
        .write_all(post_head("/api/v1/departments/upload", "text/csv", length).as_bytes())
        .unwrap();
    for (i, line) in lines.iter().enumerate() {
        let pause = if i == 29 { 700 } else { 100 };
        std::thread::sleep(Duration::from_millis(pause));
        stream.write_all(line.as_bytes()).unwrap();
    }
    let mut answer = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut buffer = [0; 4096];
    while !answer.contains("\"inserted\"") {
        let n = stream.read(&mut buffer).unwrap();
        assert!(n > 0, "closed: {answer}");
        answer.push_str(&String::from_utf8_lossy(&buffer[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"inserted\":30"), "{answer}");
}

#[test]
fn headers_that_do_not_arrive_within_the_header_timeout_close_the_connection() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(&db, config(|c| c.header_timeout = Duration::from_secs(1)));
    let exchange = dribble(
        connect(&app),
        "",
        b"GET /health HTTP/1.1\r\n",
        b"Host: test\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
        Duration::from_millis(100),
    );
    assert_eq!(exchange.status(), "408", "{}", exchange.answer);
    assert!(
        exchange.closed_after < Duration::from_secs(1) + MARGIN,
        "{:?}",
        exchange.closed_after
    );
}

#[test]
fn requests_still_running_are_cut_after_the_shutdown_grace() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(&db, config(|c| c.shutdown_grace = Duration::from_secs(1)));
    // An upload that stays in flight: half its body, then nothing (the idle timeout is 30 s).
    let mut stream = connect(&app);
    stream
        .write_all(post_head("/api/v1/departments/upload", "text/csv", 1000).as_bytes())
        .unwrap();
    stream.write_all(b"1,Sales\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    actix_web::rt::System::new().block_on(app.handle.stop(true));
    let stopped_after = started.elapsed();
    assert!(
        stopped_after >= Duration::from_millis(900),
        "the request was given its grace: {stopped_after:?}"
    );
    assert!(
        stopped_after < Duration::from_secs(1) + MARGIN,
        "{stopped_after:?}"
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    match stream.read_to_end(&mut Vec::new()) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            panic!("the connection is still open")
        }
        // Closed or reset.
        _ => {}
    }
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
        // The token is needed by the reject log only; every other path answers with or without.
        let get = app
            .client
            .get(app.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        assert_eq!(get.status(), 200, "GET {path}");
        let content_type = get.headers()[CONTENT_TYPE].clone();
        let length = get.bytes().unwrap().len();
        let head = app
            .client
            .head(app.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
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
    let storage = hiring_adapters::open(&db.url).unwrap();
    let repos = storage.clone();
    let backup_dir = tempfile::tempdir().unwrap();
    let (sender, receiver) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(config(|_| {}), storage, None, "127.0.0.1:0").unwrap();
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
