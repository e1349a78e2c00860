//! `POST /api/v1/backups/prune` end to end: old sets go, the newest set still restores, a dry
//! run removes nothing, bad requests are refused. Every test on SQLite and on PostgreSQL.

use super::{all_contents, seed, sets};
use crate::support::TestDb;
use crate::{json_of, problem, TestApp};
use hiring_api::{ApiConfig, Tokens};
use hiring_ports::backup::Retention;
use serde_json::{json, Value};
use std::path::PathBuf;

fn prune(app: &TestApp, body: &Value) -> reqwest::blocking::Response {
    app.post_json("/api/v1/backups/prune", body)
}

fn ids(sets: &[Value]) -> Vec<Value> {
    sets.iter().map(|s| s["id"].clone()).collect()
}

fn pruning_keeps_the_newest_sets_and_the_newest_restores(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    let written: Vec<Value> = (0..3)
        .map(|_| json_of(app.post_json("/api/v1/backups", &json!({})), 201))
        .collect();
    let at_newest = all_contents(db);
    let dir = app.backup_dir.path();
    let files_of = |set: &Value| -> Vec<PathBuf> {
        set["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| dir.join(f["file"].as_str().unwrap()))
            .collect()
    };
    let foreign = dir.join("departments/notes.txt");
    std::fs::write(&foreign, "not a backup").unwrap();

    let dry = json_of(prune(&app, &json!({"keep": 2, "dry_run": true})), 200);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["removed_sets"], json!([written[0]["set"]]));
    assert_eq!(dry["files_removed"], 3);
    assert_eq!(sets(&app).len(), 3, "a dry run removes nothing");
    assert!(files_of(&written[0]).iter().all(|f| f.is_file()));

    let pruned = json_of(prune(&app, &json!({"keep": 1})), 200);
    assert_eq!(pruned["dry_run"], false);
    assert_eq!(pruned["kept_sets"], json!([written[2]["set"]]));
    assert_eq!(
        pruned["removed_sets"],
        json!([written[1]["set"], written[0]["set"]])
    );
    assert_eq!(
        (
            &pruned["sets_kept"],
            &pruned["sets_removed"],
            &pruned["files_removed"]
        ),
        (&json!(1), &json!(2), &json!(6))
    );
    assert!(pruned["bytes_freed"].as_u64().unwrap() > 0);
    assert_eq!(ids(&sets(&app)), [written[2]["set"].clone()]);
    assert!(written[..2].iter().flat_map(files_of).all(|f| !f.exists()));
    assert!(files_of(&written[2]).iter().all(|f| f.is_file()));
    assert!(foreign.is_file());

    db.execute("DELETE FROM hired_employees; UPDATE jobs SET job = 'Changed' WHERE id = 1");
    let restored = json_of(app.post_json("/api/v1/restore", &json!({"all": true})), 200);
    assert_eq!(restored["set"], written[2]["set"]);
    assert_eq!(all_contents(db), at_newest);
}

fn bad_prune_requests_are_refused(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    json_of(app.post_json("/api/v1/backups", &json!({})), 201);
    for body in [
        json!({"keep": 0}),
        json!({"keep": -1}),
        json!({"keep": "all"}),
        json!({}),
        json!({"keep": 1, "dryrun": true}),
        json!({"keep": 1, "older_than": "a month"}),
        json!({"keep": 1, "older_than": 30}),
        json!([1]),
    ] {
        let refused = problem(prune(&app, &body), 400);
        assert!(
            refused["type"] == "urn:hiring:problem:bad-request"
                || refused["type"] == "urn:hiring:problem:malformed-json",
            "{body}: {refused}"
        );
    }
    let zero = problem(prune(&app, &json!({"keep": 0})), 400);
    assert!(
        zero["detail"].as_str().unwrap().contains("keep at least 1"),
        "{zero}"
    );
    let response = app
        .post("/api/v1/backups/prune")
        .header("Content-Type", "application/json")
        .body("{\"keep\": ")
        .send()
        .unwrap();
    problem(response, 400);
    problem(app.post("/api/v1/backups/prune").send().unwrap(), 400);
    assert_eq!(sets(&app).len(), 1, "nothing removed");
}

fn pruning_needs_an_admin_token(db: &TestDb) {
    let loader = "loader-secret-0123456789";
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(&format!(
                "etl:ingest:{loader},dash:read:reader-secret-0123456789"
            ))
            .unwrap(),
            ..ApiConfig::default()
        },
    );
    let url = app.url("/api/v1/backups/prune");
    let body = json!({"keep": 1}).to_string();
    let anonymous = app
        .client
        .post(&url)
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .unwrap();
    problem(anonymous, 401);
    for token in [loader, "reader-secret-0123456789"] {
        let refused = app
            .client
            .post(&url)
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .unwrap();
        problem(refused, 403);
    }
    let get = app.client.get(&url).bearer_auth(loader).send().unwrap();
    problem(get, 405);
}

fn the_prune_route_is_documented(db: &TestDb) {
    let app = TestApp::spawn(db);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    let post = &document["paths"]["/api/v1/backups/prune"]["post"];
    assert_eq!(post["tags"], json!(["backups"]));
    for status in ["200", "400", "401"] {
        assert!(post["responses"][status].is_object(), "{status} missing");
    }
    let backup = &document["paths"]["/api/v1/backups"]["post"];
    assert!(backup["responses"]["507"].is_object(), "507 missing");
    let schemas = &document["components"]["schemas"];
    assert!(schemas["PruneRequest"]["properties"]["keep"].is_object());
    assert!(schemas["PruneRequest"]["properties"]["older_than"].is_object());
    assert!(schemas["BackupResponse"]["properties"]["pruned"].is_object());
    assert!(schemas["PruneResponse"]["properties"]["bytes_freed"].is_object());
}

fn an_age_keeps_recent_sets(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed(&app);
    for _ in 0..2 {
        json_of(app.post_json("/api/v1/backups", &json!({})), 201);
    }
    let young = json_of(prune(&app, &json!({"keep": 1, "older_than": "1h"})), 200);
    assert_eq!(young["older_than_seconds"], 3600);
    assert_eq!(young["sets_removed"], 0, "{young}");
    let old = json_of(prune(&app, &json!({"keep": 1, "older_than": "0s"})), 200);
    assert_eq!(old["sets_removed"], 1, "{old}");
    assert_eq!(sets(&app).len(), 1);
    let refused = problem(
        prune(&app, &json!({"keep": 1, "older_than": "a month"})),
        400,
    );
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("not an age such as 30d"),
        "{refused}"
    );
}

/// The server's configuration with `retention` for backups, and the test token.
fn retaining(retention: Retention) -> ApiConfig {
    ApiConfig {
        tokens: Tokens::parse(crate::TOKEN).unwrap(),
        backup_retention: retention,
        ..ApiConfig::default()
    }
}

fn the_keep_policy_prunes_after_each_backup(db: &TestDb) {
    let retention = Retention::none().keeping(Some(2), None).unwrap();
    let app = TestApp::spawn_with(db, retaining(retention));
    seed(&app);
    let written: Vec<Value> = (0..3)
        .map(|_| json_of(app.post_json("/api/v1/backups", &json!({})), 201))
        .collect();
    assert_eq!(written[1]["pruned"]["sets_removed"], 0);
    assert_eq!(written[2]["pruned"]["keep"], 2);
    assert_eq!(
        written[2]["pruned"]["removed_sets"],
        json!([written[0]["set"]])
    );
    assert_eq!(
        ids(&sets(&app)),
        [written[2]["set"].clone(), written[1]["set"].clone()]
    );
}

fn a_backup_past_the_quota_is_refused_and_writes_nothing(db: &TestDb) {
    let app = TestApp::spawn_with(db, retaining(Retention::none().with_quota(Some(1))));
    seed(&app);
    // The first backup has nothing to measure against: the folder is empty.
    let first = json_of(app.post_json("/api/v1/backups", &json!({})), 201);
    assert!(first.get("pruned").is_none(), "{first}");
    let files_before = std::fs::read_dir(app.backup_dir.path().join("departments"))
        .unwrap()
        .count();
    let refused = problem(app.post_json("/api/v1/backups", &json!({})), 507);
    assert_eq!(refused["type"], "urn:hiring:problem:backup-quota-exceeded");
    let detail = refused["detail"].as_str().unwrap();
    assert!(
        detail.contains("over the quota of 1 bytes") && detail.contains("prune"),
        "{refused}"
    );
    assert_eq!(sets(&app).len(), 1, "no set was written");
    assert_eq!(
        std::fs::read_dir(app.backup_dir.path().join("departments"))
            .unwrap()
            .count(),
        files_before
    );
    // Pruning frees nothing here (one set, always kept): the quota still refuses.
    json_of(prune(&app, &json!({"keep": 1})), 200);
    problem(app.post_json("/api/v1/backups", &json!({})), 507);
}

on_every_backend!(
    an_age_keeps_recent_sets,
    the_keep_policy_prunes_after_each_backup,
    a_backup_past_the_quota_is_refused_and_writes_nothing,
    the_prune_route_is_documented,
    pruning_keeps_the_newest_sets_and_the_newest_restores,
    bad_prune_requests_are_refused,
    pruning_needs_an_admin_token,
);
