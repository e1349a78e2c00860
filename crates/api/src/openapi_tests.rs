//! What a reader of the OpenAPI document (and Swagger UI's Try-it-out) is shown.

use crate::openapi::ApiDoc;
use serde_json::Value;
use utoipa::OpenApi;

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

/// Every operation of the document, as (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            out.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    out
}

#[test]
fn every_error_example_carries_the_status_it_documents() {
    let doc = document();
    let mut checked = 0;
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            let Some(content) = response["content"].get("application/problem+json") else {
                continue;
            };
            let example = &content["example"];
            assert_eq!(
                example["status"].as_u64().map(|s| s.to_string()).as_deref(),
                Some(status.as_str()),
                "{method} {path} {status}: {content}"
            );
            let kind = example["type"].as_str().unwrap_or_default();
            assert!(
                kind.starts_with("urn:hiring:problem:"),
                "{method} {path} {status}: {example}"
            );
            assert!(example["detail"].is_string(), "{method} {path} {status}");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} error answers");
}

#[test]
fn the_batch_body_has_one_working_example_per_table() {
    let doc = document();
    let body = &doc["paths"]["/api/v1/{table}"]["post"]["requestBody"]["content"];
    let columns = [
        ("departments", vec!["id", "department"]),
        ("jobs", vec!["id", "job"]),
        (
            "hired_employees",
            vec!["id", "name", "datetime", "department_id", "job_id"],
        ),
    ];
    for (table, fields) in columns {
        let json = &body["application/json"]["examples"][table]["value"];
        let rows = json.as_array().unwrap_or_else(|| panic!("{table}: {body}"));
        assert!(!rows.is_empty());
        for row in rows {
            let mut keys: Vec<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            let mut expected = fields.clone();
            expected.sort_unstable();
            assert_eq!(keys, expected, "{table}: {row}");
        }
        let csv = body["text/csv"]["examples"][table]["value"]
            .as_str()
            .unwrap();
        for line in csv.lines() {
            assert_eq!(line.split(',').count(), fields.len(), "{table}: {line}");
        }
    }
    assert!(body["application/json"]["example"].is_null());
}

#[test]
fn summaries_are_plain_text() {
    let raw: Vec<String> = operations(&document())
        .into_iter()
        .filter_map(|(method, path, operation)| {
            let summary = operation["summary"].as_str().unwrap_or_default().to_owned();
            (summary.contains('`') || summary.contains('\n'))
                .then(|| format!("{method} {path}: {summary}"))
        })
        .collect();
    assert!(
        raw.is_empty(),
        "summaries with backticks or more than one line:\n{}",
        raw.join("\n")
    );
}
