//! The load history and the reject log through the API: every upload is a run whose rejects
//! carry its id; the log pages along its cursor, filters, and exports as CSV and NDJSON.

use super::*;

/// Uploads departments with `bad` rejected rows (empty names) among `good` valid ones.
fn upload_departments(app: &TestApp, first: u32, good: u32, bad: u32) -> Value {
    let mut body = String::new();
    for i in first..first + good {
        body.push_str(&format!("{i},Department {i}\r\n"));
    }
    for i in first + good..first + good + bad {
        body.push_str(&format!("{i},\r\n"));
    }
    json_of(app.post_csv("/api/v1/departments/upload", &body), 200)
}

fn every_upload_is_a_run_listed_with_its_counts(db: &TestDb) {
    let app = TestApp::spawn(db);
    let first = upload_departments(&app, 1, 5, 2);
    let second = upload_departments(&app, 100, 3, 1);
    let (one, two) = (
        first["run"].as_i64().unwrap(),
        second["run"].as_i64().unwrap(),
    );
    assert!(two > one, "{first} {second}");

    let page = json_of(app.read("/api/v1/runs"), 200);
    let runs = page["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{page}");
    assert_eq!(runs[0]["id"], two, "newest first");
    assert_eq!(runs[0]["kind"], "upload");
    assert_eq!(runs[0]["outcome"], "completed");
    assert_eq!(runs[0]["read"], 4);
    assert_eq!(runs[0]["inserted"], 3);
    assert_eq!(runs[0]["rejected"], 1);
    assert!(runs[0]["actor"].is_string());
    assert!(runs[0]["seconds"].as_f64().unwrap() >= 0.0);
    assert!(runs[0]["finished_at"].is_string());
    assert_eq!(page["next"], Value::Null);

    let paged = json_of(app.read("/api/v1/runs?limit=1"), 200);
    assert_eq!(paged["runs"][0]["id"], two);
    assert_eq!(paged["next"], two);
    let older = json_of(app.read(&format!("/api/v1/runs?limit=1&before={two}")), 200);
    assert_eq!(older["runs"][0]["id"], one);

    let single = json_of(app.read(&format!("/api/v1/runs/{one}")), 200);
    assert_eq!(single["rejected"], 2);
    problem(app.read("/api/v1/runs/999999"), 404);
    // An id no run can have (past i64, or not a number) is a problem answer too.
    problem(app.read("/api/v1/runs/9223372036854775808"), 404);
    problem(app.read("/api/v1/runs/abc"), 404);
    problem(app.read("/api/v1/runs?before=0"), 400);

    let of_first = json_of(app.read(&format!("/api/v1/rejects?run={one}")), 200);
    assert_eq!(of_first["total"], 2, "{of_first}");
    assert!(of_first["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["run"] == one));
}

fn the_reject_log_pages_along_its_cursor_and_filters(db: &TestDb) {
    let app = TestApp::spawn(db);
    upload_departments(&app, 1, 0, 7);
    json_of(
        app.post_csv("/api/v1/jobs/upload", "1,Clerk\r\n-2,Bad id\r\n"),
        200,
    );
    let mut seen = Vec::new();
    let mut path = "/api/v1/rejects?table=departments&limit=3".to_owned();
    loop {
        let page = json_of(app.read(&path), 200);
        assert_eq!(page["total"], 7, "the total counts every page: {page}");
        for reject in page["rejects"].as_array().unwrap() {
            seen.push(reject["id"].as_i64().unwrap());
        }
        match page["next"].as_i64() {
            Some(next) => path = format!("/api/v1/rejects?table=departments&limit=3&before={next}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats: {seen:?}"
    );

    let by_field = json_of(app.read("/api/v1/rejects?field=id"), 200);
    assert_eq!(by_field["total"], 1, "{by_field}");
    assert_eq!(by_field["rejects"][0]["table"], "jobs");
    let by_reason = json_of(app.read("/api/v1/rejects?reason=REQUIRED"), 200);
    assert_eq!(by_reason["total"], 7, "{by_reason}");
    let by_source = json_of(app.read("/api/v1/rejects?source=api&table=jobs"), 200);
    assert_eq!(by_source["total"], 1);
    let none = json_of(app.read("/api/v1/rejects?source=nowhere"), 200);
    assert_eq!(none["total"], 0);
    assert_eq!(none["next"], Value::Null);
    problem(app.read("/api/v1/rejects?run=0"), 400);
    problem(app.read("/api/v1/rejects?table=nope"), 400);
}

fn rejects_export_as_csv_and_ndjson(db: &TestDb) {
    let app = TestApp::spawn(db);
    upload_departments(&app, 1, 1, 3);
    let csv = app.read("/api/v1/rejects/export?format=csv");
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("rejects.csv"));
    let text = csv.text().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,run,table,source,raw,reasons,recorded_at");
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1].contains(",departments,"), "{text}");

    let ndjson = app.read("/api/v1/rejects/export?format=ndjson&limit=2");
    assert_eq!(ndjson.headers()[CONTENT_TYPE], "application/x-ndjson");
    let text = ndjson.text().unwrap();
    let objects: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2, "{text}");
    assert!(objects[0]["id"].as_i64() > objects[1]["id"].as_i64());
    assert_eq!(objects[0]["table"], "departments");

    let filtered = app
        .read("/api/v1/rejects/export?format=csv&table=jobs")
        .text()
        .unwrap();
    assert_eq!(filtered.lines().count(), 1, "the header only: {filtered}");
    problem(app.read("/api/v1/rejects/export?format=xml"), 400);
}

on_every_backend!(
    every_upload_is_a_run_listed_with_its_counts,
    the_reject_log_pages_along_its_cursor_and_filters,
    rejects_export_as_csv_and_ndjson,
);
