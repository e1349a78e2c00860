//! `/backup` and `/restore-backup`: the backup endpoints under their old addresses, safety rules
//! included.

use super::{deprecated, post_form, Part};
use crate::support::TestDb;
use crate::{count, hire, json_of, problem, seed_parents, TestApp};
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use std::path::Path;

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

on_every_backend!(
    backup_and_restore_backup_are_the_backup_endpoints,
    restore_backup_keeps_the_safety_rules,
);
