//! The first proof of concept's own page, as a browser submits it: an upload form of three
//! parts all named `file` (jobs, departments, hired employees, in that order), a "Backup Now"
//! form doing `GET /backup`, a restore form posting the url-encoded field `avro_file_list`, and
//! two report buttons opening the reports in the browser.

use super::{deprecated, file, post_form, Part};
use crate::support::TestDb;
use crate::{count, json_of, problem, TestApp};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{json, Value};

/// What a browser sends as `Accept` when it navigates to a page.
const BROWSER_ACCEPT: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// The three file inputs of the page, all named `file`, in its order; the browser sends each
/// file under the name it has on the user's disk.
fn page_form<'a>(jobs: &'a [u8], departments: &'a [u8], hires: &'a [u8]) -> [Part<'a>; 3] {
    [
        file("file", "jobs_export.csv", jobs),
        file("file", "deps (2).csv", departments),
        file("file", "hires-2021.csv", hires),
    ]
}

fn the_upload_form_takes_its_parts_by_position(db: &TestDb) {
    let app = TestApp::spawn(db);
    let form = page_form(
        b"1,Recruiter\r\n2,Engineer\r\n",
        b"1,Sales\r\n",
        b"1,Ann,2021-07-27T16:02:08Z,1,2\r\n2,,2021-07-27T16:02:08Z,1,2\r\n",
    );
    // The token rule holds for the page too.
    let refused = app
        .client
        .post(app.url("/upload"))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={}", super::BOUNDARY),
        )
        .body(super::form(&form))
        .send()
        .unwrap();
    problem(refused, 401);
    assert_eq!(count(db, "jobs"), 0);

    let loaded = json_of(
        deprecated(post_form(&app, "/upload", &form), "/api/v1/{table}/upload"),
        200,
    );
    let tables: Vec<&str> = (loaded.as_array().unwrap().iter())
        .map(|s| s["table"].as_str().unwrap())
        .collect();
    assert_eq!(
        tables,
        ["departments", "jobs", "hired_employees"],
        "{loaded}"
    );
    let inserted: Vec<u64> = (loaded.as_array().unwrap().iter())
        .map(|s| s["inserted"].as_u64().unwrap())
        .collect();
    assert_eq!(inserted, [1, 2, 1], "{loaded}");
    assert_eq!(loaded[2]["rejected"], 1);

    // An input left empty (a part with an empty file name) keeps the others in their place.
    let empty_middle = [
        file("file", "more_jobs.csv", b"3,Analyst\r\n"),
        file("file", "", b""),
        file(
            "file",
            "more_hires.csv",
            b"3,Bo,2021-08-01T10:00:00Z,1,3\r\n",
        ),
    ];
    let loaded = json_of(post_form(&app, "/upload", &empty_middle), 200);
    assert_eq!(loaded.as_array().unwrap().len(), 2, "{loaded}");
    assert_eq!(
        (loaded[0]["table"].as_str(), loaded[1]["table"].as_str()),
        (Some("jobs"), Some("hired_employees"))
    );
    assert_eq!(count(db, "hired_employees"), 2);

    // A fourth `file` part is none of the page's inputs: the form is refused whole.
    let [jobs, departments, hires] = page_form(b"4,Clerk\r\n", b"2,Legal\r\n", b"");
    let four = [
        jobs,
        departments,
        hires,
        file("file", "extra.csv", b"5,Other\r\n"),
    ];
    let refused = problem(post_form(&app, "/upload", &four), 400);
    assert!(
        refused["detail"].as_str().unwrap().contains("fourth"),
        "{refused}"
    );
    assert_eq!(count(db, "jobs"), 3);
}

fn backup_now_through_get_is_refused_with_directions(db: &TestDb) {
    let app = TestApp::spawn(db);
    for response in [app.get("/backup"), app.read("/backup?")] {
        let response = deprecated(response, "/api/v1/backups");
        assert_eq!(response.headers()["allow"], "POST");
        let refused = problem(response, 405);
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains("POST /backup"), "{detail}");
        assert!(detail.contains("console"), "{detail}");
    }
    assert_eq!(std::fs::read_dir(app.backup_dir.path()).unwrap().count(), 0);
}

fn the_restore_form_names_its_file_avro_file_list(db: &TestDb) {
    let app = TestApp::spawn(db);
    json_of(
        app.post_csv("/api/v1/jobs", "1,Recruiter\n2,Engineer\n"),
        200,
    );
    let written = json_of(
        app.post_json("/api/v1/backups", &json!({"tables": ["jobs"]})),
        201,
    );
    let name = written["files"][0]["file"].as_str().unwrap().to_owned();
    db.execute("DELETE FROM jobs WHERE id = 2");

    let body = format!("avro_file_list={}", name.replace('/', "%2F"));
    let send = |with_token: bool| {
        let request = if with_token {
            app.post("/restore-backup")
        } else {
            app.client.post(app.url("/restore-backup"))
        };
        request
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .unwrap()
    };
    problem(send(false), 401);
    assert_eq!(count(db, "jobs"), 1);
    let restored = json_of(deprecated(send(true), "/api/v1/{table}/restore"), 200);
    assert_eq!(restored["tables"][0]["rows"], 2, "{restored}");
    assert_eq!(count(db, "jobs"), 2);

    // The same field in a multipart form.
    db.execute("DELETE FROM jobs WHERE id = 1");
    let part = Part {
        name: "avro_file_list",
        file_name: None,
        body: name.as_bytes(),
    };
    json_of(post_form(&app, "/restore-backup", &[part]), 200);
    assert_eq!(count(db, "jobs"), 2);
}

fn the_report_buttons_open_html_tables(db: &TestDb) {
    let app = TestApp::spawn(db);
    json_of(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "<b>R&D</b>"}, {"id": 2, "department": "Sales"}]),
        ),
        200,
    );
    json_of(app.post_csv("/api/v1/jobs", "1,Recruiter\n"), 200);
    let hires: Vec<Value> = (1..=3)
        .map(|id| json!({"id": id, "name": "N", "datetime": "2021-05-01T00:00:00Z", "department_id": 1, "job_id": 1}))
        .collect();
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);

    let open = |path: &str| {
        app.client
            .get(app.url(path))
            .header(ACCEPT, BROWSER_ACCEPT)
            .send()
            .unwrap()
    };
    for (path, columns) in [
        (
            "/hired_employees_2021",
            &["department", "job", "Q1", "Q2", "Q3", "Q4"][..],
        ),
        (
            "/departments_above_mean",
            &["id", "department", "hired"][..],
        ),
    ] {
        let page = open(path);
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(page.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        let policy = page.headers()["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'none'"), "{policy}");
        let html = page.text().unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        for column in columns {
            assert!(
                html.contains(&format!("<th>{column}</th>")),
                "{path}: {html}"
            );
        }
        assert!(
            html.contains("&lt;b&gt;R&amp;D&lt;/b&gt;"),
            "{path}: {html}"
        );
        assert!(!html.contains("<b>R&D"), "{path}: {html}");
    }
    let above = open("/departments_above_mean").text().unwrap();
    assert!(above.contains("<td>3</td>"), "{above}");
    assert!(above.contains("1.5"), "the mean: {above}");

    // Programs keep their formats: JSON by default, `format=` and `Accept` as before.
    let json = app.get("/hired_employees_2021");
    assert_eq!(json.headers()[CONTENT_TYPE], "application/json");
    let csv = open("/hired_employees_2021?format=csv");
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
}

on_every_backend!(
    the_upload_form_takes_its_parts_by_position,
    backup_now_through_get_is_refused_with_directions,
    the_restore_form_names_its_file_avro_file_list,
    the_report_buttons_open_html_tables,
);
