//! Hostile CSV through the API, on SQLite and PostgreSQL: rows with NUL bytes and a line that
//! ends inside a quote are rejected alone, in an upload and in a CSV batch body. (The memory of
//! an upload holding a 100 MB record is measured on a `hiring serve` process by the CLI tests.)

use super::support::TestDb;
use super::{count, json_of, TestApp};
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

/// Line 2 ends inside a quote; lines 1 and 3 to 5 are valid.
const UNCLOSED_QUOTE: &str =
    "1,Sales\r\n2,\"Research\r\n3,Legal\r\n4,\"Support, EMEA\"\r\n5,Training\r\n";

fn upload(app: &TestApp, body: Vec<u8>) -> Response {
    app.post("/api/v1/departments/upload")
        .header(CONTENT_TYPE, "text/csv")
        .body(body)
        .send()
        .unwrap()
}

/// `(source, reasons)` of every reject, oldest first.
fn rejects(app: &TestApp) -> Vec<(String, String)> {
    let log = json_of(app.read("/api/v1/rejects?table=departments"), 200);
    let mut seen: Vec<(String, String)> = log["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let reasons: Vec<String> = r["errors"]
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
                .collect();
            (r["source"].as_str().unwrap().to_owned(), reasons.join("; "))
        })
        .collect();
    seen.reverse();
    seen
}

/// The ids of the departments stored among 1 to 10, and the name of department 4.
fn departments(db: &TestDb) -> (Vec<i64>, String) {
    let ids = (1..=10)
        .filter(|id| {
            db.integer(&format!(
                "(SELECT COUNT(*) FROM departments WHERE id = {id})"
            )) == 1
        })
        .collect();
    (
        ids,
        db.text("(SELECT department FROM departments WHERE id = 4)"),
    )
}

fn an_upload_rejects_nul_rows_wherever_they_are(db: &TestDb) {
    let app = TestApp::spawn(db);
    let mut file = b"1,Sa\x00les\r\n".to_vec();
    for id in 2..=4000 {
        file.extend_from_slice(format!("{id},Department {id}\r\n").as_bytes());
    }
    assert!(file.len() > 64 * 1024);
    file.extend_from_slice(b"4001,Le\x00gal\r\n4002,Training\r\n");
    let summary = json_of(upload(&app, file), 200);
    assert_eq!(
        (&summary["read"], &summary["inserted"], &summary["rejected"]),
        (&Value::from(4002), &Value::from(4000), &Value::from(2))
    );
    let source = summary["source"].as_str().unwrap();
    assert_eq!(
        rejects(&app),
        [
            (
                format!("{source}:1"),
                "record: contains NUL bytes".to_owned()
            ),
            (
                format!("{source}:4001"),
                "record: contains NUL bytes".to_owned()
            ),
        ]
    );
    assert_eq!(count(db, "departments"), 4000);
}

fn an_upload_rejects_an_unclosed_quote_line_only(db: &TestDb) {
    let app = TestApp::spawn(db);
    let summary = json_of(upload(&app, UNCLOSED_QUOTE.into()), 200);
    assert_eq!(
        (&summary["read"], &summary["inserted"], &summary["rejected"]),
        (&Value::from(5), &Value::from(4), &Value::from(1))
    );
    assert_eq!(
        departments(db),
        (vec![1, 3, 4, 5], "Support, EMEA".to_owned())
    );
    let rejects = rejects(&app);
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        rejects[0].0,
        format!("{}:2", summary["source"].as_str().unwrap())
    );
    assert!(
        rejects[0].1.starts_with("record: unclosed quote"),
        "{rejects:?}"
    );
}

fn a_csv_batch_rejects_an_unclosed_quote_and_nul_rows_alone(db: &TestDb) {
    let app = TestApp::spawn(db);
    let body = json_of(app.post_csv("/api/v1/departments", UNCLOSED_QUOTE), 200);
    assert_eq!(
        (&body["received"], &body["inserted"]),
        (&Value::from(5), &Value::from(4))
    );
    let rejected = body["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (&rejected[0]["index"], &rejected[0]["errors"][0]["field"]),
        (&Value::from(1), &Value::from("record"))
    );
    assert!(rejected[0]["errors"][0]["message"]
        .as_str()
        .unwrap()
        .starts_with("unclosed quote"));
    assert_eq!(
        departments(db),
        (vec![1, 3, 4, 5], "Support, EMEA".to_owned())
    );

    let body = json_of(app.post_csv("/api/v1/departments", "6,Ops\n7,\u{0}\n"), 200);
    assert_eq!(body["inserted"], 1);
    assert_eq!(
        body["rejected"][0]["errors"][0]["message"],
        "contains NUL bytes"
    );
}

fn an_upload_skips_a_header_line_but_not_a_near_header(db: &TestDb) {
    let app = TestApp::spawn(db);
    let body = b"\xef\xbb\xbfId, Department\r\n1,Sales\r\n".to_vec();
    let summary = json_of(upload(&app, body), 200);
    assert_eq!(summary["header_skipped"], true, "{summary}");
    assert_eq!(
        (summary["read"].as_u64(), summary["inserted"].as_u64()),
        (Some(1), Some(1))
    );
    let summary = json_of(upload(&app, b"id,dept\n2,Legal\n".to_vec()), 200);
    assert_eq!(summary["header_skipped"], false, "{summary}");
    assert_eq!(
        (summary["read"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    let seen = rejects(&app);
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].0.ends_with(":1"), "{seen:?}");
    assert_eq!(count(db, "departments"), 2);
}

on_every_backend!(
    an_upload_skips_a_header_line_but_not_a_near_header,
    an_upload_rejects_nul_rows_wherever_they_are,
    an_upload_rejects_an_unclosed_quote_line_only,
    a_csv_batch_rejects_an_unclosed_quote_and_nul_rows_alone,
);
