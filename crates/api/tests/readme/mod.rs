//! The README's examples answer what the README shows.

use super::support::TestDb;
use super::*;

const README: &str = include_str!("../../../../README.md");
const HTTP_API: &str = include_str!("../../../../docs/http-api.md");

/// The body (`-d '…'`) of the first example posting to `path` in `doc`, and the answer shown
/// under it (the `# ` lines that follow), as JSON.
fn example(doc: &str, path: &str) -> (Value, Value) {
    let start = doc
        .find(&format!("curl -s http://127.0.0.1:8080{path} \\"))
        .unwrap_or_else(|| panic!("no example posting to {path}"));
    let rest = &doc[start..];
    let body_start = rest.find("-d '").expect("a -d body") + 4;
    let body_len = rest[body_start..].find('\'').expect("the body's end");
    let body = &rest[body_start..body_start + body_len];
    let answer: String = rest[body_start + body_len..]
        .lines()
        .skip(1)
        .take_while(|line| line.starts_with('#'))
        .map(|line| line.trim_start_matches('#').trim())
        .collect();
    let answer = answer.replace("\"…\"", "null");
    (
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")),
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer}")),
    )
}

fn the_batch_example_answers_as_shown(db: &TestDb) {
    let (body, shown) = example(README, "/api/v1/hired_employees");
    assert_eq!(
        example(HTTP_API, "/api/v1/hired_employees"),
        (body.clone(), shown.clone()),
        "README.md and docs/http-api.md show the same batch example"
    );
    let app = TestApp::spawn(db);
    seed_parents(&app);
    let mut answer = json_of(app.post_json("/api/v1/hired_employees", &body), 200);
    assert!(answer["request_id"].is_string(), "{answer}");
    answer["request_id"] = Value::Null;
    assert_eq!(answer, shown);
}

on_every_backend!(the_batch_example_answers_as_shown);
