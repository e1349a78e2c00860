//! The report endpoints against the fixture of `crates/adapters/tests/fixtures/reports` (its
//! README explains it), with hand-computed answers: JSON keys and number types, CSV, SVG, and
//! refused years and formats.

use crate::support::TestDb;
use crate::{json_of, problem, TestApp};
use hiring_domain::{Department, HiredEmployee, Job, Record};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};

fn rows<E: Record>(file: &str) -> Vec<E> {
    crate::support::reports_fixture_rows(file)
}

fn seeded(db: &TestDb) -> TestApp {
    let repos = hiring_adapters::open(&db.url).unwrap();
    repos
        .departments
        .write_batch(&rows::<Department>("departments.csv"), &[])
        .unwrap();
    repos
        .jobs
        .write_batch(&rows::<Job>("jobs.csv"), &[])
        .unwrap();
    repos
        .hired_employees
        .write_batch(&rows::<HiredEmployee>("hired_employees.csv"), &[])
        .unwrap();
    TestApp::spawn(db)
}

fn get_with(app: &TestApp, path: &str, accept: &str) -> reqwest::blocking::Response {
    app.client
        .get(app.url(path))
        .header(ACCEPT, accept)
        .send()
        .unwrap()
}

fn q(department: &str, job: &str, quarters: [u64; 4]) -> Value {
    json!({"department": department, "job": job,
           "Q1": quarters[0], "Q2": quarters[1], "Q3": quarters[2], "Q4": quarters[3]})
}

fn reports_answer_json_arrays_with_exactly_the_columns(db: &TestDb) {
    let app = seeded(db);
    let expected_2021 = json!([
        q("accounting", "Analyst", [0, 2, 1, 0]),
        q("accounting", "engineer", [0, 0, 2, 0]),
        q("accounting", "Manager", [0, 0, 0, 2]),
        q("Support", "Analyst", [0, 1, 0, 0]),
        q("Support", "engineer", [2, 0, 0, 0]),
        q("support", "engineer", [1, 0, 0, 0]),
    ]);
    // 2021 is the default year.
    for path in [
        "/api/v1/reports/hires-by-quarter",
        "/api/v1/reports/hires-by-quarter?year=2021&format=json",
    ] {
        let response = app.get(path);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let body = json_of(response, 200);
        // json! compares numbers as numbers: "2" would not equal 2.
        assert_eq!(body, expected_2021, "{path}");
        for row in body.as_array().unwrap() {
            assert_eq!(row.as_object().unwrap().len(), 6);
            assert!(row["Q1"].is_u64());
        }
    }
    assert_eq!(
        json_of(app.get("/api/v1/reports/hires-by-quarter?year=2020"), 200),
        json!([q("Legal", "engineer", [0, 0, 0, 1])])
    );
    assert_eq!(
        json_of(app.get("/api/v1/reports/hires-by-quarter?year=1900"), 200),
        json!([])
    );
    // 11 hires over 5 departments (two of them without hires): a mean of 2.2.
    assert_eq!(
        json_of(app.get("/api/v1/reports/departments-above-mean"), 200),
        json!([
            {"id": 2, "department": "accounting", "hired": 7},
            {"id": 1, "department": "Support", "hired": 3},
        ])
    );
    assert_eq!(
        json_of(
            app.get("/api/v1/reports/departments-above-mean?year=2100"),
            200
        ),
        json!([])
    );
}

fn reports_answer_csv_with_a_header_row(db: &TestDb) {
    let app = seeded(db);
    let by_query = app.get("/api/v1/reports/hires-by-quarter?format=csv");
    let by_accept = get_with(&app, "/api/v1/reports/hires-by-quarter", "text/csv");
    for response in [by_query, by_accept] {
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
        assert_eq!(
            response.text().unwrap(),
            "department,job,Q1,Q2,Q3,Q4\n\
             accounting,Analyst,0,2,1,0\n\
             accounting,engineer,0,0,2,0\n\
             accounting,Manager,0,0,0,2\n\
             Support,Analyst,0,1,0,0\n\
             Support,engineer,2,0,0,0\n\
             support,engineer,1,0,0,0\n"
        );
    }
    let response = get_with(
        &app,
        "/api/v1/reports/departments-above-mean?year=2020",
        "text/csv;q=0.9, application/xml",
    );
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().unwrap(), "id,department,hired\n3,Legal,1\n");
    let empty = app.get("/api/v1/reports/departments-above-mean?year=1999&format=csv");
    assert_eq!(empty.text().unwrap(), "id,department,hired\n");
}

fn reports_answer_svg_charts(db: &TestDb) {
    let app = seeded(db);
    for (path, accept) in [
        ("/api/v1/reports/hires-by-quarter?format=svg", "*/*"),
        ("/api/v1/reports/departments-above-mean", "image/svg+xml"),
        (
            "/api/v1/reports/departments-above-mean?year=1999&format=svg",
            "*/*",
        ),
    ] {
        let response = get_with(&app, path, accept);
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[CONTENT_TYPE], "image/svg+xml", "{path}");
        let text = response.text().unwrap();
        assert!(text.trim_start().starts_with("<svg"), "{path}: {text}");
        assert!(text.trim_end().ends_with("</svg>"), "{path}");
    }
    let chart = app
        .get("/api/v1/reports/hires-by-quarter?format=svg")
        .text()
        .unwrap();
    assert!(
        chart.contains("accounting") && chart.contains("Q3"),
        "{chart}"
    );
    let chart = app
        .get("/api/v1/reports/departments-above-mean?format=svg")
        .text()
        .unwrap();
    assert!(chart.contains("2.20"), "the mean is shown: {chart}");
    // Every department is drawn (the JSON and CSV list only the two above the mean).
    assert_eq!(chart.matches("class=\"ink name\"").count(), 5, "{chart}");
    let empty = app
        .get("/api/v1/reports/hires-by-quarter?year=1999&format=svg")
        .text()
        .unwrap();
    assert!(empty.contains("No hires in 1999"), "{empty}");
}

fn bad_years_and_formats_are_problems(db: &TestDb) {
    let app = TestApp::spawn(db);
    for report in ["hires-by-quarter", "departments-above-mean"] {
        for query in [
            "year=1899",
            "year=2101",
            "year=-2021",
            "year=abc",
            "year=",
            "year=20.5",
            "year=99999999999",
        ] {
            let body = problem(app.get(&format!("/api/v1/reports/{report}?{query}")), 400);
            assert!(
                body["detail"].as_str().unwrap().contains("year"),
                "{query}: {body}"
            );
        }
        let body = problem(app.get(&format!("/api/v1/reports/{report}?year=1899")), 400);
        assert_eq!(
            body["detail"],
            "year must be between 1900 and 2100, got 1899"
        );
        problem(
            app.get(&format!("/api/v1/reports/{report}?format=xml")),
            400,
        );
        problem(
            get_with(
                &app,
                &format!("/api/v1/reports/{report}"),
                "application/xml",
            ),
            406,
        );
        // An explicit format wins over the Accept header.
        let response = get_with(
            &app,
            &format!("/api/v1/reports/{report}?format=json"),
            "application/xml",
        );
        assert_eq!(json_of(response, 200), json!([]));
        problem(
            app.post(&format!("/api/v1/reports/{report}"))
                .send()
                .unwrap(),
            405,
        );
    }
}

on_every_backend!(
    reports_answer_json_arrays_with_exactly_the_columns,
    reports_answer_csv_with_a_header_row,
    reports_answer_svg_charts,
    bad_years_and_formats_are_problems,
);
