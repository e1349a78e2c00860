//! Report CSV over HTTP writes names that a spreadsheet would run as formulas as text, on the
//! current addresses and on the deprecated aliases; JSON keeps them exactly.

use crate::support::TestDb;
use crate::{json_of, TestApp};
use serde_json::json;

const FORMULA: &str = r#"=HYPERLINK("http://evil.example","x")"#;
const NEUTRALISED: &str = r#""'=HYPERLINK(""http://evil.example"",""x"")""#;

fn seeded(db: &TestDb) -> TestApp {
    let app = TestApp::spawn(db);
    let batches = [
        (
            "/api/v1/departments",
            json!([{"id": 1, "department": FORMULA}, {"id": 2, "department": "+Sales"}]),
        ),
        ("/api/v1/jobs", json!([{"id": 1, "job": "@SUM(A1:A9)"}])),
        (
            "/api/v1/hired_employees",
            json!([{"id": 1, "name": "-Ann", "datetime": "2021-02-01T00:00:00Z",
                    "department_id": 1, "job_id": 1}]),
        ),
    ];
    for (path, body) in batches {
        let answer = json_of(app.post_json(path, &body), 200);
        assert_eq!(
            answer["inserted"],
            body.as_array().unwrap().len(),
            "{answer}"
        );
    }
    app
}

#[test]
fn report_csv_writes_formula_like_names_as_text() {
    let db = TestDb::sqlite();
    let app = seeded(&db);
    let quarters = format!("department,job,Q1,Q2,Q3,Q4\n{NEUTRALISED},\"'@SUM(A1:A9)\",1,0,0,0\n");
    let above = format!("id,department,hired\n1,{NEUTRALISED},1\n");
    for (path, expected) in [
        ("/api/v1/reports/hires-by-quarter?format=csv", &quarters),
        ("/hired_employees_2021?format=csv", &quarters),
        ("/api/v1/reports/departments-above-mean?format=csv", &above),
        ("/departments_above_mean?format=csv", &above),
    ] {
        let response = app.get(path);
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(&response.text().unwrap(), expected, "{path}");
    }
    assert_eq!(
        json_of(app.get("/api/v1/reports/departments-above-mean"), 200),
        json!([{"id": 1, "department": FORMULA, "hired": 1}])
    );
}
