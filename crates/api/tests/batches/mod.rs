//! Batches: JSON and CSV rows validated, inserted and rejected row by row; atomic batches; request
//! ids; bad bodies; whole-file uploads; concurrent clients.

use super::support::TestDb;
use super::*;

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
    whole_files_upload_through_the_migration,
    concurrent_clients_lose_and_duplicate_nothing,
    concurrent_overlapping_ids_are_stored_once_and_the_rest_rejected,
);
