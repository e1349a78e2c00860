//! The deprecated addresses of the Flask proof of concept: each answers what its `/api/v1`
//! successor answers, under the same token rules, with `Deprecation` and `Link` headers, and is
//! marked deprecated in the OpenAPI document. Every test on SQLite and on PostgreSQL.

use super::support::TestDb;
use super::{count, hire, json_of, problem, seed_parents, TestApp, TOKEN};
use hiring_api::{ApiConfig, Tokens};
use hiring_domain::Table;
use hiring_generate::{generate, GenerateOptions};
use hiring_ports::audit::{AuditAction, AuditFilter, AuditOutcome};
use hiring_ports::PageLimit;
use reqwest::blocking::Response;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};
use std::path::Path;

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
    for varying in ["source", "seconds", "rows_per_second"] {
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

fn backup_and_restore_backup_are_the_backup_endpoints(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    json_of(
        app.post_json(
            "/api/v1/hired_employees",
            &json!([hire(1, 1, 1), hire(2, 2, 2)]),
        ),
        200,
    );
    let written = json_of(
        deprecated(app.post("/backup").send().unwrap(), "/api/v1/backups"),
        201,
    );
    let files: Vec<&str> = (written["files"].as_array().unwrap().iter())
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 3);
    let successor = json_of(
        app.post_json("/api/v1/backups", &json!({"tables": ["jobs"]})),
        201,
    );
    let only_jobs = json_of(app.post_json("/backup", &json!({"tables": ["jobs"]})), 201);
    assert_eq!(only_jobs["files"][0]["rows"], successor["files"][0]["rows"]);
    assert_eq!(only_jobs["files"][0]["table"], "jobs");

    let restore = |file: &str| {
        deprecated(
            app.post_json("/restore-backup", &json!({ "file": file })),
            "/api/v1/{table}/restore",
        )
    };
    // A listed name (the folder says the table), as the successor answers it.
    db.execute("UPDATE departments SET department = 'Changed' WHERE id = 1");
    let restored = json_of(restore(files[0]), 200);
    let again = json_of(
        app.post_json("/api/v1/departments/restore", &json!({ "file": files[0] })),
        200,
    );
    assert_eq!(restored["tables"], again["tables"]);
    assert_eq!(restored["tables"][0]["rows"], 3);
    assert_eq!(
        db.text("(SELECT department FROM departments WHERE id = 1)"),
        "Department 1"
    );

    // A bare name in a form field (the name says the table), urlencoded and multipart.
    let bare = |i: usize| {
        Path::new(files[i])
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    db.execute("DELETE FROM hired_employees WHERE id = 2");
    let response = app
        .post("/restore-backup")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("file={}", bare(2)))
        .send()
        .unwrap();
    assert_eq!(
        json_of(response, 200)["tables"][0]["table"],
        "hired_employees"
    );
    assert_eq!(count(db, "hired_employees"), 2);
    let jobs = bare(1);
    let multipart = [Part {
        name: "file",
        file_name: None,
        body: jobs.as_bytes(),
    }];
    let restored = json_of(post_form(&app, "/restore-backup", &multipart), 200);
    assert_eq!(restored["tables"][0]["table"], "jobs");

    // A name that does not say: the file does.
    let folder = app.backup_dir.path();
    std::fs::copy(folder.join(files[1]), folder.join("jobs/old.avro")).unwrap();
    let restored = json_of(restore("old.avro"), 200);
    assert_eq!(restored["tables"][0]["table"], "jobs");
    assert_eq!(restored["tables"][0]["file"], "jobs/old.avro");
}

fn restore_backup_keeps_the_safety_rules(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    let written = json_of(app.post("/backup").send().unwrap(), 201);
    let name = written["files"][0]["file"].as_str().unwrap().to_owned();
    problem(
        deprecated(
            app.client
                .post(app.url("/restore-backup"))
                .header(CONTENT_TYPE, "application/json")
                .body(json!({ "file": name }).to_string())
                .send()
                .unwrap(),
            "/api/v1/{table}/restore",
        ),
        401,
    );
    problem(
        deprecated(
            app.client.post(app.url("/backup")).send().unwrap(),
            "/api/v1/backups",
        ),
        401,
    );

    let outside = tempfile::tempdir().unwrap();
    let escaped = outside.path().join("departments-20200101T000000Z.avro");
    std::fs::copy(app.backup_dir.path().join(&name), &escaped).unwrap();
    let link = app
        .backup_dir
        .path()
        .join("departments/departments-link.avro");
    std::os::unix::fs::symlink(&escaped, link).unwrap();
    let before = db.text("(SELECT department FROM departments WHERE id = 1)");
    for unsafe_name in [
        "../x.avro",
        "../../etc/passwd",
        "departments/../../departments-1.avro",
        "/etc/passwd",
        escaped.to_str().unwrap(),
        "departments-link.avro",
    ] {
        let refused = problem(
            app.post_json("/restore-backup", &json!({ "file": unsafe_name })),
            400,
        );
        assert_eq!(
            refused["type"], "urn:hiring:problem:unsafe-file-name",
            "{unsafe_name}"
        );
    }
    for missing in [
        "departments-20990101T000000Z.avro",
        "nothing.avro",
        "jobs/none.avro",
    ] {
        problem(
            app.post_json("/restore-backup", &json!({ "file": missing })),
            404,
        );
    }
    for unnamed in [json!({}), json!({"file": ""}), json!(null)] {
        problem(app.post_json("/restore-backup", &unnamed), 400);
    }
    problem(app.post("/restore-backup").send().unwrap(), 400);
    problem(app.post_json("/restore-backup", &json!({"file": 5})), 400);
    problem(
        app.post("/restore-backup")
            .header(CONTENT_TYPE, "text/plain")
            .body(name.clone())
            .send()
            .unwrap(),
        415,
    );
    assert_eq!(
        db.text("(SELECT department FROM departments WHERE id = 1)"),
        before
    );
}

fn the_report_aliases_answer_the_2021_reports(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    // 2021: five hires in department 2, one in each of the others (the mean is 7 / 3).
    let mut hires: Vec<Value> = (1..=5).map(|id| hire(id, 2, 1)).collect();
    hires.push(hire(6, 1, 1));
    hires.push(json!({"id": 7, "name": "Early", "datetime": "2021-01-02T03:04:05Z", "department_id": 3, "job_id": 2}));
    hires.push(json!({"id": 8, "name": "Earlier", "datetime": "2020-03-04T05:06:07Z", "department_id": 3, "job_id": 2}));
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);

    let same = |alias: &str, successor: &str, link: &str| {
        let old = deprecated(app.get(alias), link);
        let new = app.get(successor);
        assert_eq!(old.status(), new.status(), "{alias}");
        assert_eq!(
            old.headers()[CONTENT_TYPE],
            new.headers()[CONTENT_TYPE],
            "{alias}"
        );
        let old = old.text().unwrap();
        assert_eq!(old, new.text().unwrap(), "{alias}");
        old
    };
    let quarters = "/api/v1/reports/hires-by-quarter?year=2021";
    let above = "/api/v1/reports/departments-above-mean";
    let json = same("/hired_employees_2021", quarters, quarters);
    assert_eq!(
        serde_json::from_str::<Value>(&json)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    same("/hired_employees_2021?year=2020", quarters, quarters);
    same(
        "/hired_employees_2021?format=csv",
        &format!("{quarters}&format=csv"),
        quarters,
    );
    same(
        "/hired_employees_2021?format=svg",
        &format!("{quarters}&format=svg"),
        quarters,
    );
    let json = same(
        "/departments_above_mean",
        &format!("{above}?year=2021"),
        above,
    );
    assert_eq!(json, r#"[{"id":2,"department":"Department 2","hired":5}]"#);
    same(
        "/departments_above_mean?year=2020",
        &format!("{above}?year=2020"),
        above,
    );
    same(
        "/departments_above_mean?format=csv",
        &format!("{above}?format=csv"),
        above,
    );
    problem(
        deprecated(app.get("/departments_above_mean?year=1800"), above),
        400,
    );
    problem(
        deprecated(app.get("/hired_employees_2021?format=xml"), quarters),
        400,
    );
}

fn the_report_aliases_follow_protected_reads(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            protect_reads: true,
            ..ApiConfig::default()
        },
    );
    for (path, successor) in [
        (
            "/hired_employees_2021",
            "/api/v1/reports/hires-by-quarter?year=2021",
        ),
        // Another spelling of the same address, as the router decodes it.
        (
            "/hired_employees%5F2021",
            "/api/v1/reports/hires-by-quarter?year=2021",
        ),
        (
            "/departments_above_mean",
            "/api/v1/reports/departments-above-mean",
        ),
    ] {
        problem(deprecated(app.get(path), successor), 401);
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        json_of(deprecated(response, successor), 200);
    }
    // Other addresses' refusals are not marked.
    let refused = app.get("/api/v1/reports/departments-above-mean");
    assert!(!refused.headers().contains_key("deprecation"));
    assert!(!refused.headers().contains_key("link"));
    problem(refused, 401);
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
    backup_and_restore_backup_are_the_backup_endpoints,
    restore_backup_keeps_the_safety_rules,
    the_report_aliases_answer_the_2021_reports,
    the_report_aliases_follow_protected_reads,
    the_openapi_document_marks_the_aliases_deprecated,
);
