//! `Idempotency-Key`: a batch sent again with its key is answered from the stored outcome and
//! stores nothing; a retried upload stores every row once and logs every reject once; an upload
//! cut short logs what it committed. Every test on SQLite and on PostgreSQL.

use super::support::TestDb;
use super::{count, hire, json_of, problem, seed_parents, TestApp, TOKEN};
use hiring_generate::{generate, GenerateOptions};
use hiring_ports::idempotency::{Claim, ClaimTimes, IdempotencyKey, KeyedRequest};
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The WARN lines logged by this test binary (every test shares the one subscriber).
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

/// Starts capturing WARN lines, once per test binary.
fn capture_logs() {
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || LogWriter(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber");
        logs
    });
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The captured lines holding every one of `parts`.
fn logged_lines(parts: &[&str]) -> Vec<String> {
    let logs = LOGS.get().expect("capture_logs first").lock().unwrap();
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|line| parts.iter().all(|p| line.contains(p)))
        .map(str::to_owned)
        .collect()
}

/// Waits for a captured line holding every one of `parts` (the server logs it on its own
/// thread once the load stopped).
fn wait_for_line(parts: &[&str]) -> String {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if let Some(line) = logged_lines(parts).pop() {
            return line;
        }
        assert!(Instant::now() < deadline, "no log line with {parts:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The number after `name=` in a log line.
fn field(line: &str, name: &str) -> u64 {
    let start = line
        .find(&format!(" {name}="))
        .unwrap_or_else(|| panic!("{name} missing in {line}"))
        + name.len()
        + 2;
    let digits: String = line[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

/// Sends the headers of a CSV upload of `body` with `key` and only its first `sent` bytes, then
/// closes the connection: a client that goes away midway.
fn send_cut_upload(app: &TestApp, path: &str, key: &str, body: &[u8], sent: usize) {
    let address = app.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: text/csv\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..sent]).unwrap();
    stream.flush().unwrap();
    stream.shutdown(std::net::Shutdown::Both).unwrap();
}

fn rejects_of(db: &TestDb, table: &str) -> i64 {
    db.integer(&format!(
        "(SELECT COUNT(*) FROM rejected_rows WHERE table_name = '{table}')"
    ))
}

fn a_cut_upload_retried_with_its_key_stores_and_logs_every_row_once(db: &TestDb) {
    capture_logs();
    let app = TestApp::spawn(db);
    let dir = tempfile::tempdir().unwrap();
    let rows = 25_000;
    let report = generate(dir.path(), &GenerateOptions { rows, seed: 23 }).unwrap();
    let read = |table: &str| std::fs::read(dir.path().join(format!("{table}.csv"))).unwrap();
    for table in ["departments", "jobs"] {
        json_of(
            app.post(&format!("/api/v1/{table}/upload"))
                .header(CONTENT_TYPE, "text/csv")
                .body(read(table))
                .send()
                .unwrap(),
            200,
        );
    }
    let hires = read("hired_employees");
    // A key of its own per database (two layouts share an engine): the captured log is shared
    // by every test.
    let mut url = std::collections::hash_map::DefaultHasher::new();
    std::hash::Hash::hash(&db.url, &mut url);
    let key = format!(
        "cut-upload-{:?}-{:016x}",
        db.engine,
        std::hash::Hasher::finish(&url)
    );
    // Past the first batch of 10,000 rows, cut in the middle of a line.
    let sent = hires.len() * 3 / 5 + 7;
    send_cut_upload(&app, "/api/v1/hired_employees/upload", &key, &hires, sent);

    let source = format!("source=api key {key} upload");
    let line = wait_for_line(&["WARN", "upload interrupted", &source]);
    assert!(line.contains("table=hired_employees"), "{line}");
    assert!(line.contains("Idempotency-Key"), "{line}");
    let (inserted, rejected) = (field(&line, "inserted"), field(&line, "rejected"));
    assert!(inserted > 0, "the first batch was committed: {line}");
    assert!(
        inserted + rejected < rows,
        "the rest was not committed: {line}"
    );
    assert_eq!(field(&line, "already_present"), 0, "{line}");
    assert_eq!(count(db, "hired_employees") as u64, inserted);
    assert_eq!(rejects_of(db, "hired_employees") as u64, rejected);

    let retry = json_of(
        app.post("/api/v1/hired_employees/upload")
            .header(CONTENT_TYPE, "text/csv")
            .header("Idempotency-Key", &key)
            .body(hires.clone())
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(retry["source"], format!("api key {key} upload"));
    assert_eq!(retry["read"], rows);
    assert_eq!(retry["already_present"], inserted);
    assert_eq!(retry["rejected"], report.invalid_employees);
    let valid = rows - report.invalid_employees;
    assert_eq!(retry["inserted"].as_u64().unwrap() + inserted, valid);
    assert_eq!(count(db, "hired_employees") as u64, valid);
    assert_eq!(
        rejects_of(db, "hired_employees") as u64,
        report.invalid_employees
    );
    // The retry completed: nothing more to log about it.
    assert_eq!(
        logged_lines(&["upload interrupted", &source]).len(),
        1,
        "one WARN line for the cut upload"
    );
}

fn uploads_with_a_key_name_it_in_the_reject_log(db: &TestDb) {
    let app = TestApp::spawn(db);
    let upload = |path: &str, key: &str| {
        app.post(path)
            .header(CONTENT_TYPE, "text/csv")
            .header("Idempotency-Key", key)
            .body("1,Sales\n2,\n")
            .send()
            .unwrap()
    };
    let first = json_of(upload("/api/v1/departments/upload", "\"k-1\""), 200);
    assert_eq!(first["source"], "api key k-1 upload");
    assert_eq!(
        (first["inserted"].as_u64(), first["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    let again = json_of(upload("/api/v1/departments/upload", "k-1"), 200);
    assert_eq!(
        (
            again["already_present"].as_u64(),
            again["rejected"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(count(db, "rejected_rows"), 1, "the reject is logged once");
    assert_eq!(
        db.text("(SELECT source FROM rejected_rows)"),
        "api key k-1 upload:2"
    );
    // Without a key, each upload is its own source.
    for _ in 0..2 {
        json_of(
            app.post_csv("/api/v1/departments/upload", "1,Sales\n2,\n"),
            200,
        );
    }
    assert_eq!(count(db, "rejected_rows"), 3);
    for bad in ["", "two words", "é", &"k".repeat(256)] {
        problem(upload("/api/v1/departments/upload", bad), 400);
    }
    assert_eq!(count(db, "rejected_rows"), 3);
}

fn post_keyed(app: &TestApp, path: &str, key: &str, body: &Value) -> Response {
    app.post(path)
        .header(CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .body(body.to_string())
        .send()
        .unwrap()
}

fn a_keyed_batch_sent_twice_is_stored_and_logged_once(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    // Two valid hires and one whose department does not exist.
    let batch = json!([hire(1, 1, 1), hire(2, 9, 1), hire(3, 2, 2)]);
    let path = "/api/v1/hired_employees";
    let first = post_keyed(&app, path, "batch-1", &batch);
    assert_eq!(first.status(), 200);
    assert!(!first.headers().contains_key("idempotent-replayed"));
    let first = first.text().unwrap();
    let answer: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(answer["inserted"], 2);
    assert_eq!(answer["rejected"][0]["index"], 1);
    assert_eq!(count(db, "hired_employees"), 2);
    assert_eq!(count(db, "rejected_rows"), 1);

    let second = post_keyed(&app, path, "batch-1", &batch);
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.text().unwrap(), first, "the same answer");
    // The quoted form of the key is the same key.
    let third = post_keyed(&app, path, "\"batch-1\"", &batch);
    assert_eq!(third.headers()["idempotent-replayed"], "true");
    assert_eq!(count(db, "hired_employees"), 2);
    assert_eq!(count(db, "rejected_rows"), 1, "the reject is logged once");

    // The same key with another request: another body, other options, another content type.
    let reused = problem(
        post_keyed(&app, path, "batch-1", &json!([hire(4, 1, 1)])),
        422,
    );
    assert_eq!(reused["type"], "urn:hiring:problem:idempotency-key-reused");
    problem(
        post_keyed(&app, &format!("{path}?atomic=true"), "batch-1", &batch),
        422,
    );
    let as_csv = app
        .post(path)
        .header(CONTENT_TYPE, "text/csv")
        .header("Idempotency-Key", "batch-1")
        .body(batch.to_string())
        .send()
        .unwrap();
    assert_ne!(as_csv.status(), 200);
    assert_eq!(count(db, "hired_employees"), 2);
    assert_eq!(count(db, "rejected_rows"), 1);

    // Keys are scoped by route: the same key on another table is another request.
    let other = post_keyed(
        &app,
        "/api/v1/jobs",
        "batch-1",
        &json!([{"id": 7, "job": "Clerk"}]),
    );
    assert_eq!(other.status(), 200);
    assert!(!other.headers().contains_key("idempotent-replayed"));
    assert_eq!(count(db, "jobs"), 3);

    // Without a key, sending the batch again rejects and logs every row again.
    json_of(app.post_json(path, &batch), 200);
    assert_eq!(count(db, "rejected_rows"), 4);

    for bad in ["", "two words", &"k".repeat(256), "\"\""] {
        problem(post_keyed(&app, path, bad, &json!([hire(5, 1, 1)])), 400);
    }
    assert_eq!(count(db, "hired_employees"), 2);
}

fn a_refused_keyed_batch_leaves_its_key_free(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    let path = "/api/v1/hired_employees?atomic=true";
    let invalid = json!([hire(1, 1, 1), hire(2, 9, 1)]);
    problem(post_keyed(&app, path, "atomic-1", &invalid), 422);
    problem(post_keyed(&app, path, "atomic-1", &invalid), 422);
    assert_eq!(count(db, "hired_employees") + count(db, "rejected_rows"), 0);
    // Nothing was stored under the key: a corrected batch may use it.
    let valid = json!([hire(1, 1, 1), hire(2, 2, 1)]);
    let stored = json_of(post_keyed(&app, path, "atomic-1", &valid), 200);
    assert_eq!(stored["inserted"], 2);
}

fn a_key_held_by_a_request_in_progress_answers_409(db: &TestDb) {
    let app = TestApp::spawn(db);
    let keys = hiring_adapters::open(&db.url).unwrap().idempotency;
    // Requests on another server, one still running and one that died a while ago.
    let claim = |key: &str, at: i64| {
        let request = KeyedRequest::new(
            IdempotencyKey::new(key).unwrap(),
            "POST /api/v1/departments",
            &[b"elsewhere"],
            "another-server",
        );
        keys.claim(&request, &ClaimTimes::at(at)).unwrap()
    };
    let now = ClaimTimes::now().now;
    assert_eq!(claim("running", now), Claim::Granted);
    assert_eq!(claim("dead", now - 600), Claim::Granted);
    let batch = json!([{"id": 1, "department": "Sales"}]);
    let refused = problem(
        post_keyed(&app, "/api/v1/departments", "running", &batch),
        409,
    );
    assert_eq!(
        refused["type"],
        "urn:hiring:problem:idempotency-key-in-progress"
    );
    assert_eq!(count(db, "departments"), 0);
    // A claim older than the timeout is taken over.
    let taken = json_of(post_keyed(&app, "/api/v1/departments", "dead", &batch), 200);
    assert_eq!(taken["inserted"], 1);
    let replayed = post_keyed(&app, "/api/v1/departments", "dead", &batch);
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(count(db, "departments"), 1);
}

on_every_backend!(
    a_keyed_batch_sent_twice_is_stored_and_logged_once,
    a_refused_keyed_batch_leaves_its_key_free,
    a_key_held_by_a_request_in_progress_answers_409,
    a_cut_upload_retried_with_its_key_stores_and_logs_every_row_once,
    uploads_with_a_key_name_it_in_the_reject_log,
);
