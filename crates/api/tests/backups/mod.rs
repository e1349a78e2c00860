//! The backup endpoints end to end: back up, list and restore over HTTP, and every refusal
//! leaving the tables as they were. Every test on SQLite and on PostgreSQL.

use super::support::{Engine, TestDb};
use super::{json_of, problem, seed_parents, TestApp};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod prune;

/// The whole contents of `table`, in id order, as one text.
fn contents(db: &TestDb, table: &str) -> String {
    let row = match table {
        "departments" => "id || ':' || department",
        "jobs" => "id || ':' || job",
        _ => "id || ':' || name || ':' || datetime || ':' || department_id || ':' || job_id",
    };
    let sql = match db.engine {
        Engine::Sqlite => format!(
            "(SELECT COALESCE(group_concat(r, ','), '') FROM (SELECT {row} AS r FROM {table} ORDER BY id))"
        ),
        Engine::Postgres => {
            format!("(SELECT COALESCE(string_agg({row}, ',' ORDER BY id), '') FROM {table})")
        }
    };
    db.text(&sql)
}

fn all_contents(db: &TestDb) -> [String; 3] {
    ["departments", "jobs", "hired_employees"].map(|t| contents(db, t))
}

/// Three departments, two jobs, five hires.
fn seed(app: &TestApp) {
    seed_parents(app);
    let hires: Vec<Value> = (1..=5)
        .map(|id| super::hire(id, 1 + id % 3, 1 + id % 2))
        .collect();
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);
}

/// Backs up `body`'s tables and returns the files written.
fn backup(app: &TestApp, body: &Value) -> Vec<Value> {
    let written = json_of(app.post_json("/api/v1/backups", body), 201);
    written["files"].as_array().unwrap().clone()
}

fn restore(app: &TestApp, table: &str, body: &Value) -> reqwest::blocking::Response {
    app.post_json(&format!("/api/v1/{table}/restore"), body)
}

fn listed(app: &TestApp) -> Vec<Value> {
    let response = app
        .client
        .get(app.url("/api/v1/backups"))
        .bearer_auth(super::TOKEN)
        .send()
        .unwrap();
    json_of(response, 200)["backups"]
        .as_array()
        .unwrap()
        .clone()
}

fn backup_list_and_restore_round_trip(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    let before = all_contents(db);
    let files = backup(&app, &json!({}));
    let tables: Vec<&str> = files.iter().map(|f| f["table"].as_str().unwrap()).collect();
    assert_eq!(tables, ["departments", "jobs", "hired_employees"]);
    assert_eq!(files[2]["rows"], 5);
    assert_eq!(files[0]["codec"], "null");
    let list = listed(&app);
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["file"], files[0]["file"]);
    assert!(app
        .backup_dir
        .path()
        .join(files[0]["file"].as_str().unwrap())
        .is_file());

    // An empty body backs up every table too; a body may pick tables and a codec.
    let response = app.post("/api/v1/backups").send().unwrap();
    assert_eq!(json_of(response, 201)["files"].as_array().unwrap().len(), 3);
    let jobs = backup(&app, &json!({"tables": ["jobs"], "codec": "deflate"}));
    assert_eq!((jobs.len(), &jobs[0]["codec"]), (1, &json!("deflate")));
    assert_eq!(listed(&app).len(), 7);

    db.execute(
        "DELETE FROM hired_employees WHERE id > 2; \
         UPDATE departments SET department = 'Changed' WHERE id = 1; \
         INSERT INTO jobs (id, job) VALUES (9, 'Extra')",
    );
    assert_ne!(all_contents(db), before);

    // The newest backup (empty body), a listed name, a bare name.
    let restored = json_of(restore(&app, "hired_employees", &json!({})), 200);
    assert_eq!(
        restored["tables"],
        json!([{"table": "hired_employees", "file": restored["tables"][0]["file"], "rows": 5}])
    );
    json_of(restore(&app, "jobs", &Value::Null), 200);
    let response = app.post("/api/v1/jobs/restore").send().unwrap();
    assert_eq!(json_of(response, 200)["tables"][0]["rows"], 2);
    let name = files[0]["file"].as_str().unwrap();
    json_of(restore(&app, "departments", &json!({"file": name})), 200);
    assert_eq!(all_contents(db), before);

    let bare = Path::new(name).file_name().unwrap().to_str().unwrap();
    db.execute("UPDATE departments SET department = 'Again' WHERE id = 2");
    json_of(restore(&app, "departments", &json!({"file": bare})), 200);
    assert_eq!(all_contents(db), before);

    db.execute("DELETE FROM hired_employees; DELETE FROM jobs");
    let all = json_of(app.post_json("/api/v1/restore", &json!({"all": true})), 200);
    assert_eq!(all["tables"].as_array().unwrap().len(), 3);
    assert_eq!(all_contents(db), before);
    problem(
        app.post_json("/api/v1/restore", &json!({"all": false})),
        400,
    );
    problem(app.post_json("/api/v1/restore", &json!({})), 400);
    problem(
        app.post_json("/api/v1/backups", &json!({"tables": ["x"]})),
        400,
    );
    problem(
        app.post_json("/api/v1/backups", &json!({"codec": "gzip"})),
        400,
    );
}

fn backup_endpoints_need_a_token(db: &TestDb) {
    let app = TestApp::spawn(db);
    let anonymous = [
        app.client.post(app.url("/api/v1/backups")),
        app.client.get(app.url("/api/v1/backups")),
        app.client.get(app.url("/api/v1/%62ackups")),
        app.client.post(app.url("/api/v1/departments/restore")),
        app.client.post(app.url("/api/v1/restore")),
    ];
    for request in anonymous {
        let body = problem(request.send().unwrap(), 401);
        assert_eq!(body["type"], "urn:hiring:problem:unauthorized");
    }
    let wrong = app
        .client
        .get(app.url("/api/v1/backups"))
        .bearer_auth("nope")
        .send()
        .unwrap();
    problem(wrong, 401);
    assert_eq!(std::fs::read_dir(app.backup_dir.path()).unwrap().count(), 0);
}

/// `from` copied to `to`, cut to `len` bytes.
fn copy_cut(from: &Path, to: &Path, len: Option<usize>) {
    let mut bytes = std::fs::read(from).unwrap();
    if let Some(len) = len {
        bytes.truncate(len);
    }
    std::fs::write(to, bytes).unwrap();
}

fn refused_restores_leave_the_tables_unchanged(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    let files = backup(&app, &json!({}));
    let dir = app.backup_dir.path();
    let file_of = |i: usize| -> PathBuf { dir.join(files[i]["file"].as_str().unwrap()) };
    db.execute("UPDATE departments SET department = 'Changed since' WHERE id = 1");
    let before = all_contents(db);
    let departments = dir.join("departments");

    // A damaged file named as the newest backup, a truncated one, another table's file.
    std::fs::write(
        departments.join("departments-29991231T235959Z.avro"),
        b"not an avro file at all",
    )
    .unwrap();
    let size = std::fs::metadata(file_of(0)).unwrap().len() as usize;
    copy_cut(&file_of(0), &departments.join("cut.avro"), Some(size - 20));
    copy_cut(&file_of(1), &departments.join("jobs-copy.avro"), None);
    let cases = [
        (json!({}), "corrupt"),
        (json!({"file": "cut.avro"}), "corrupt"),
        (json!({"file": "jobs-copy.avro"}), "jobs"),
        (json!({"file": files[1]["file"]}), "jobs"),
    ];
    for (body, says) in cases {
        let refused = problem(restore(&app, "departments", &body), 422);
        assert_eq!(refused["type"], "urn:hiring:problem:invalid-backup");
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{body}: {detail}");
        assert!(!detail.contains(dir.to_str().unwrap()), "{detail}");
        assert_eq!(all_contents(db), before, "{body}");
    }

    // Names leading out of the folder: `..`, absolute paths, a link pointing outside.
    let outside = tempfile::tempdir().unwrap();
    let escaped = outside.path().join("departments.avro");
    copy_cut(&file_of(0), &escaped, None);
    std::os::unix::fs::symlink(&escaped, departments.join("link.avro")).unwrap();
    std::os::unix::fs::symlink(outside.path(), departments.join("out")).unwrap();
    let unsafe_names = [
        "../x.avro".to_owned(),
        "../../etc/passwd".to_owned(),
        "departments/../../x.avro".to_owned(),
        "/etc/passwd".to_owned(),
        escaped.to_str().unwrap().to_owned(),
        "link.avro".to_owned(),
        "departments/out/departments.avro".to_owned(),
    ];
    for name in unsafe_names {
        let refused = problem(restore(&app, "departments", &json!({"file": name})), 400);
        assert_eq!(
            refused["type"], "urn:hiring:problem:unsafe-file-name",
            "{name}"
        );
        assert_eq!(all_contents(db), before, "{name}");
    }

    for name in ["nope.avro", "jobs/nope.avro", "departments"] {
        let missing = problem(restore(&app, "departments", &json!({"file": name})), 404);
        assert_eq!(
            missing["type"], "urn:hiring:problem:backup-not-found",
            "{name}"
        );
    }
    problem(restore(&app, "employees", &json!({})), 404);
    problem(
        app.post("/api/v1/departments/restore")
            .header("Content-Type", "text/plain")
            .body("cut.avro")
            .send()
            .unwrap(),
        415,
    );
    problem(
        app.post("/api/v1/departments/restore")
            .header("Content-Type", "application/json")
            .body("{\"file\":")
            .send()
            .unwrap(),
        400,
    );
    // A file that is not a backup is left out of the list; nothing was changed.
    let names: Vec<String> = listed(&app)
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&files[0]["file"].as_str().unwrap().to_owned()));
    assert!(!names.iter().any(|n| n.contains("2999")), "{names:?}");
    assert!(!names.iter().any(|n| n.contains("link")), "{names:?}");
    assert_eq!(all_contents(db), before);

    // A link out named like the newest backup is never taken as the newest.
    std::fs::remove_file(departments.join("departments-29991231T235959Z.avro")).unwrap();
    std::os::unix::fs::symlink(
        &escaped,
        departments.join("departments-29991231T235959Z.avro"),
    )
    .unwrap();
    let restored = json_of(restore(&app, "departments", &json!({})), 200);
    assert_eq!(restored["tables"][0]["file"], files[0]["file"]);
}

fn a_restore_that_would_orphan_hires_names_the_ids(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    backup(&app, &json!({"tables": ["departments"]}));
    json_of(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 7, "department": "New"}]),
        ),
        200,
    );
    json_of(
        app.post_json(
            "/api/v1/hired_employees",
            &json!([super::hire(10, 7, 1), super::hire(11, 7, 2)]),
        ),
        200,
    );
    let before = all_contents(db);
    let refused = problem(restore(&app, "departments", &json!({})), 409);
    assert_eq!(refused["type"], "urn:hiring:problem:missing-parents");
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("department_id 7"), "{detail}");
    assert!(detail.contains("2 hired_employees rows"), "{detail}");
    assert_eq!(all_contents(db), before);
}

/// The sets of `GET /api/v1/backups`.
fn sets(app: &TestApp) -> Vec<Value> {
    let response = app
        .client
        .get(app.url("/api/v1/backups"))
        .bearer_auth(super::TOKEN)
        .send()
        .unwrap();
    json_of(response, 200)["sets"].as_array().unwrap().clone()
}

fn backup_sets_are_listed_chosen_and_verified(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    let first = json_of(app.post_json("/api/v1/backups", &json!({})), 201);
    let at_first = all_contents(db);
    db.execute("UPDATE departments SET department = 'Renamed' WHERE id = 1");
    let second = json_of(
        app.post_json("/api/v1/backups", &json!({"codec": "zstandard"})),
        201,
    );
    let at_second = all_contents(db);
    assert!(second["files"][0]["sha256"].as_str().unwrap().len() == 64);

    let listed = sets(&app);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], second["set"]);
    assert_eq!(listed[1]["id"], first["set"]);
    assert_eq!(listed[0]["complete"], true);
    assert_eq!(
        listed[0]["tables"],
        json!(["departments", "jobs", "hired_employees"])
    );
    assert_eq!(
        listed[0]["files"][2]["sha256"],
        second["files"][2]["sha256"]
    );

    // The set chosen, then the newest by default.
    let restored = json_of(
        app.post_json(
            "/api/v1/restore",
            &json!({"all": true, "set": first["set"]}),
        ),
        200,
    );
    assert_eq!(restored["set"], first["set"]);
    assert_eq!(all_contents(db), at_first);
    let restored = json_of(app.post_json("/api/v1/restore", &json!({"all": true})), 200);
    assert_eq!(restored["set"], second["set"]);
    assert_eq!(all_contents(db), at_second);

    // A file of the newest set edited in place: 422, nothing changed, for the set and for the
    // table alone.
    db.execute("UPDATE jobs SET job = 'Changed since' WHERE id = 1");
    let before = all_contents(db);
    let jobs = app
        .backup_dir
        .path()
        .join(second["files"][1]["file"].as_str().unwrap());
    let mut bytes = std::fs::read(&jobs).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 0x01;
    std::fs::write(&jobs, &bytes).unwrap();
    for (path, body) in [
        ("/api/v1/restore", json!({"all": true})),
        ("/api/v1/jobs/restore", json!({})),
    ] {
        let refused = problem(app.post_json(path, &body), 422);
        assert_eq!(
            refused["type"], "urn:hiring:problem:invalid-backup-set",
            "{path}"
        );
        let detail = refused["detail"].as_str().unwrap();
        assert!(detail.contains("does not match backup set"), "{detail}");
        assert_eq!(all_contents(db), before, "{path}");
    }

    // A missing file: the set is listed incomplete and refused.
    std::fs::remove_file(&jobs).unwrap();
    assert_eq!(sets(&app)[0]["complete"], false);
    let refused = problem(app.post_json("/api/v1/restore", &json!({"all": true})), 422);
    assert!(refused["detail"].as_str().unwrap().contains("is missing"));
    assert_eq!(all_contents(db), before);

    // A malformed or unknown set.
    problem(
        app.post_json("/api/v1/restore", &json!({"all": true, "set": "../sets"})),
        400,
    );
    let missing = problem(
        app.post_json(
            "/api/v1/restore",
            &json!({"all": true, "set": "20000101T000000Z"}),
        ),
        404,
    );
    assert_eq!(missing["type"], "urn:hiring:problem:backup-not-found");
    assert_eq!(all_contents(db), before);
}

/// serde reads a JSON array as a struct, field by field: `[true, null]` would be `{"all": true}`. A
/// body that is not an object is refused, and changes nothing.
fn bodies_that_are_not_json_objects_are_refused(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    backup(&app, &json!({}));
    db.execute("UPDATE departments SET department = 'Changed since' WHERE id = 1");
    let before = all_contents(db);
    let sets_before = sets(&app).len();
    let cases = [
        ("/api/v1/restore", json!([true, null])),
        ("/api/v1/departments/restore", json!([null])),
        ("/api/v1/backups", json!([["jobs"], "null"])),
        ("/api/v1/backups", json!(7)),
        ("/api/v1/restore", json!("all")),
        ("/restore-backup", json!(["departments/none.avro"])),
    ];
    for (path, body) in cases {
        let refused = problem(app.post_json(path, &body), 400);
        assert!(
            refused["detail"].as_str().unwrap().contains("JSON object"),
            "{path} {body}: {refused}"
        );
        assert_eq!(all_contents(db), before, "{path} {body}");
    }
    assert_eq!(sets(&app).len(), sets_before);
}

on_every_backend!(
    bodies_that_are_not_json_objects_are_refused,
    backup_sets_are_listed_chosen_and_verified,
    backup_list_and_restore_round_trip,
    backup_endpoints_need_a_token,
    refused_restores_leave_the_tables_unchanged,
    a_restore_that_would_orphan_hires_names_the_ids,
);
