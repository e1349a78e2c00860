//! The deprecated addresses of the Flask proof of concept: each answers what its `/api/v1`
//! successor answers, under the same token rules, with `Deprecation` and `Link` headers, and is
//! marked deprecated in the OpenAPI document. Every test on SQLite and on PostgreSQL.

use super::support::TestDb;
use super::{count, json_of, problem, TestApp};
use hiring_domain::Table;
use hiring_generate::{generate, GenerateOptions};
use hiring_ports::audit::{AuditAction, AuditFilter, AuditOutcome};
use hiring_ports::PageLimit;
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

mod backups;
mod poc_page;
mod reports;

/// One part of a multipart form.
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    body: &'a [u8],
}

fn file<'a>(name: &'a str, file_name: &'a str, body: &'a [u8]) -> Part<'a> {
    Part {
        name,
        file_name: Some(file_name),
        body,
    }
}

const BOUNDARY: &str = "----hiring-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of `parts`.
fn form(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let file_name = part
            .file_name
            .map(|f| format!("; filename=\"{f}\""))
            .unwrap_or_default();
        body.extend_from_slice(
            format!(
                "Content-Disposition: form-data; name=\"{}\"{file_name}\r\nContent-Type: text/csv\r\n\r\n",
                part.name
            )
            .as_bytes(),
        );
        body.extend_from_slice(part.body);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn post_form(app: &TestApp, path: &str, parts: &[Part]) -> Response {
    app.post(path)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form(parts))
        .send()
        .unwrap()
}

/// Checks the deprecation headers naming `successor` and passes the answer on.
fn deprecated(response: Response, successor: &str) -> Response {
    let headers = response.headers();
    assert_eq!(headers["deprecation"], "true", "{}", response.url());
    assert_eq!(
        headers["link"].to_str().unwrap(),
        format!("<{successor}>; rel=\"successor-version\"")
    );
    response
}

/// An upload summary without what differs between two requests (source, timing).
fn counts(summary: &Value) -> Value {
    let mut summary = summary.clone();
    let object = summary.as_object_mut().unwrap();
    for varying in ["source", "run", "seconds", "rows_per_second"] {
        assert!(object.remove(varying).is_some(), "{varying} missing");
    }
    summary
}

fn the_upload_form_loads_parents_first_like_the_upload_endpoint(db: &TestDb) {
    let app = TestApp::spawn(db);
    let dir = tempfile::tempdir().unwrap();
    let report = generate(
        dir.path(),
        &GenerateOptions {
            rows: 3000,
            seed: 11,
        },
    )
    .unwrap();
    let read = |table: &str| std::fs::read(dir.path().join(format!("{table}.csv"))).unwrap();
    let (departments, jobs, hires) = (read("departments"), read("jobs"), read("hired_employees"));
    // Children first, and one part known by its file name only: hires wait for their parents.
    let parts = [
        file("first", "hired_employees.csv", &hires),
        file("jobs", "jobs.csv", &jobs),
        file("unused", "", b""),
        file("departments", "d.csv", &departments),
    ];
    let response = deprecated(post_form(&app, "/upload", &parts), "/api/v1/{table}/upload");
    let loaded = json_of(response, 200);
    let tables: Vec<&str> = (loaded.as_array().unwrap().iter())
        .map(|s| s["table"].as_str().unwrap())
        .collect();
    assert_eq!(tables, ["departments", "jobs", "hired_employees"]);
    assert_eq!(loaded[0]["inserted"], 12);
    assert_eq!(loaded[2]["read"], 3000);
    assert_eq!(loaded[2]["rejected"], report.invalid_employees);
    assert_eq!(
        count(db, "hired_employees") as u64,
        3000 - report.invalid_employees
    );
    let source = loaded[2]["source"].as_str().unwrap();
    assert!(
        source.starts_with("api ") && source.ends_with(" upload"),
        "{source}"
    );
    // Each file of the form is audited on its own, parents first, with its own rows.
    let mut filter = AuditFilter::newest(PageLimit::DEFAULT);
    filter.action = Some(AuditAction::Upload);
    let mut entries = hiring_adapters::open(&db.url)
        .unwrap()
        .audit
        .list(&filter)
        .unwrap();
    entries.reverse();
    let audited: Vec<(Option<Table>, u64, AuditOutcome)> = entries
        .iter()
        .map(|e| (e.table, e.rows, e.outcome))
        .collect();
    let inserted = |i: usize| loaded[i]["inserted"].as_u64().unwrap();
    assert_eq!(
        audited,
        [
            (
                Some(Table::Departments),
                inserted(0),
                AuditOutcome::Succeeded
            ),
            (Some(Table::Jobs), inserted(1), AuditOutcome::Succeeded),
            (
                Some(Table::HiredEmployees),
                inserted(2),
                AuditOutcome::Succeeded
            ),
        ]
    );

    // Once more through both addresses: the same summaries.
    let again = json_of(post_form(&app, "/upload", &parts), 200);
    for (i, (table, body)) in [
        ("departments", &departments),
        ("jobs", &jobs),
        ("hired_employees", &hires),
    ]
    .into_iter()
    .enumerate()
    {
        let successor = json_of(
            app.post(&format!("/api/v1/{table}/upload"))
                .header(CONTENT_TYPE, "text/csv")
                .body(body.clone())
                .send()
                .unwrap(),
            200,
        );
        assert_eq!(counts(&again[i]), counts(&successor), "{table}");
        assert_eq!(again[i]["inserted"], 0);
    }
}

fn the_upload_form_follows_the_rules_of_the_upload_endpoint(db: &TestDb) {
    let app = TestApp::spawn(db);
    let departments = file("departments", "departments.csv", b"1,Sales\n2,Legal\n");
    let anonymous = app
        .client
        .post(app.url("/upload"))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form(std::slice::from_ref(&departments)))
        .send()
        .unwrap();
    // The token check's refusals are marked deprecated too.
    problem(deprecated(anonymous, "/api/v1/{table}/upload"), 401);
    let wrong = app
        .client
        .post(app.url("/upload"))
        .bearer_auth("wrong")
        .header(CONTENT_TYPE, "text/csv")
        .body("1,Sales")
        .send()
        .unwrap();
    problem(deprecated(wrong, "/api/v1/{table}/upload"), 401);
    assert_eq!(count(db, "departments"), 0);

    problem(
        deprecated(app.post_csv("/upload", "1,Sales"), "/api/v1/{table}/upload"),
        415,
    );
    for (parts, says) in [
        // (actix-multipart refuses a form without any part as incomplete.)
        (vec![], ""),
        (vec![file("unused", "", b"")], "no file"),
        (vec![file("people", "people.csv", b"1,x")], "\"people\""),
        (
            vec![departments, file("x", "departments.csv", b"3,Other")],
            "two departments files",
        ),
        (vec![file("jobs", "jobs.csv", b"PK\x03\x04 a workbook")], ""),
    ] {
        let refused = problem(post_form(&app, "/upload", &parts), 400);
        assert!(
            refused["detail"].as_str().unwrap().contains(says),
            "{refused}"
        );
    }
    let broken = app
        .post("/upload")
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"jobs\"\r\n\r\n1,Cl"
        ))
        .send()
        .unwrap();
    problem(broken, 400);
    // The whole form is checked before anything is written.
    assert_eq!(count(db, "departments"), 0);
}

/// A form refused with a 4xx stores nothing: not the rows of its valid parts, nor their rejects.
fn a_refused_upload_form_stores_nothing(db: &TestDb) {
    let app = TestApp::spawn(db);
    // One valid row and one the rules refuse: loading this part would store both.
    let departments = || file("departments", "departments.csv", b"1,Sales\n2,\n");
    let gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x33\xd4\x71\x2e\x49\x2d\xca\xe6\x02\x00";
    for (parts, says) in [
        (
            vec![departments(), file("x", "departments.csv", b"3,Other")],
            "two departments files",
        ),
        (
            vec![departments(), file("people", "people.csv", b"1,x")],
            "\"people\"",
        ),
        (
            vec![departments(), file("jobs", "jobs.csv", &gzip[..])],
            "gzip",
        ),
        (
            vec![
                departments(),
                file("hired_employees", "hired_employees.csv", b"%PDF-1.7\n1,x"),
            ],
            "PDF",
        ),
        (
            vec![
                file(
                    "hired_employees",
                    "hired_employees.csv",
                    b"1,Ann,2021-07-27T16:02:08Z,1,1\n",
                ),
                departments(),
                file("jobs", "jobs.csv", b"PK\x03\x04\x14\x00\x00\x00"),
            ],
            "ZIP",
        ),
    ] {
        let refused = problem(post_form(&app, "/upload", &parts), 400);
        assert!(
            refused["detail"].as_str().unwrap().contains(says),
            "{refused}"
        );
        for table in ["departments", "jobs", "hired_employees", "rejected_rows"] {
            assert_eq!(count(db, table), 0, "{table} after {refused}");
        }
    }
    // A form cut after a whole valid part.
    let mut cut = form(&[departments()]);
    cut.truncate(cut.len() - format!("--{BOUNDARY}--\r\n").len());
    cut.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"jobs\"\r\n\r\n1,Cl")
            .as_bytes(),
    );
    let refused = app
        .post("/upload")
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(cut)
        .send()
        .unwrap();
    problem(refused, 400);
    assert_eq!(count(db, "departments"), 0);
    assert_eq!(count(db, "rejected_rows"), 0);

    // The same valid part alone is stored, its reject logged.
    let loaded = json_of(post_form(&app, "/upload", &[departments()]), 200);
    assert_eq!(
        (
            loaded[0]["inserted"].as_u64(),
            loaded[0]["rejected"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(count(db, "rejected_rows"), 1);
}

fn the_openapi_document_marks_the_aliases_deprecated(db: &TestDb) {
    let app = TestApp::spawn(db);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    let paths = document["paths"].as_object().unwrap();
    let aliases = [
        ("/upload", "post"),
        ("/backup", "post"),
        ("/restore-backup", "post"),
        ("/hired_employees_2021", "get"),
        ("/departments_above_mean", "get"),
    ];
    for (path, method) in aliases {
        let operation = &paths[path][method];
        assert_eq!(operation["deprecated"], true, "{path}");
        assert_eq!(operation["tags"], json!(["legacy"]), "{path}");
    }
    for (path, item) in paths {
        if !aliases.iter().any(|(alias, _)| alias == path) {
            for operation in item.as_object().unwrap().values() {
                assert!(operation.get("deprecated").is_none(), "{path}");
            }
        }
    }
    let form = &paths["/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"];
    let schema = &document["components"]["schemas"]["LegacyUploadForm"];
    assert_eq!(form["$ref"], "#/components/schemas/LegacyUploadForm");
    for table in ["departments", "jobs", "hired_employees"] {
        assert_eq!(schema["properties"][table]["format"], "binary", "{schema}");
    }
    assert!(schema.get("maxProperties").is_none(), "{schema}");
    let named = &document["components"]["schemas"]["LegacyRestoreRequest"];
    assert_eq!(named["required"], json!(["file"]), "{named}");
    let restore = paths["/restore-backup"]["post"]["requestBody"]["content"]
        .as_object()
        .unwrap();
    let mut types: Vec<&String> = restore.keys().collect();
    types.sort();
    assert_eq!(
        types,
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data"
        ]
    );
}

on_every_backend!(
    the_upload_form_loads_parents_first_like_the_upload_endpoint,
    the_upload_form_follows_the_rules_of_the_upload_endpoint,
    a_refused_upload_form_stores_nothing,
    the_openapi_document_marks_the_aliases_deprecated,
);
