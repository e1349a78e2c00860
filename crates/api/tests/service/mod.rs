//! The service around the batches: bearer tokens, protected reads, health and the reject log, a
//! database that goes away, the OpenAPI document.

use super::support::TestDb;
use super::*;

fn writes_need_a_valid_bearer_token(db: &TestDb) {
    let app = TestApp::spawn(db);
    let body = r#"[{"id": 1, "department": "Sales"}]"#;
    let send = |token: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/departments"))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().unwrap()
    };
    let response = send(None);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, 401);
    problem(send(Some("test-token-012345678")), 401);
    problem(send(Some("")), 401);
    problem(
        app.client
            .post(app.url("/api/v1/departments/upload"))
            .header(CONTENT_TYPE, "text/csv")
            .body("1,Sales")
            .send()
            .unwrap(),
        401,
    );
    assert_eq!(count(db, "departments"), 0);
    json_of(send(Some(SECOND_TOKEN)), 200);
    // Reads of reports and health are open by default; the reject log (personal data) never is.
    json_of(app.get("/health"), 200);
    json_of(app.get("/api/v1/reports/hires-by-quarter"), 200);
    problem(app.get("/api/v1/rejects"), 401);
    json_of(app.read("/api/v1/rejects"), 200);
}

fn without_tokens_writes_are_refused_and_reads_can_be_protected(db: &TestDb) {
    let open = TestApp::spawn_with(db, ApiConfig::default());
    let p = problem(
        open.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        401,
    );
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("no API token is configured"));
    drop(open);
    let protected = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            protect_reads: true,
            ..ApiConfig::default()
        },
    );
    for path in [
        "/api/v1/rejects",
        "/health",
        "/api-docs/openapi.json",
        "/docs/",
    ] {
        problem(protected.get(path), 401);
        let response = protected
            .client
            .get(protected.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
}

fn health_and_the_reject_log(db: &TestDb) {
    let app = TestApp::spawn(db);
    assert_eq!(
        json_of(app.get("/health"), 200),
        json!({"status": "ok", "database": "reachable"})
    );
    app.post_csv("/api/v1/departments", "0,a\n-1,b\n1,ok");
    app.post_csv("/api/v1/jobs", "x,Clerk");
    let all = json_of(app.read("/api/v1/rejects"), 200);
    assert_eq!(all["total"], 3);
    assert_eq!(all["rejects"][0]["table"], "jobs", "newest first");
    assert!(all["rejects"][0]["recorded_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let one = json_of(app.read("/api/v1/rejects?table=departments&limit=1"), 200);
    assert_eq!(
        (
            one["total"].as_u64(),
            one["rejects"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    problem(app.read("/api/v1/rejects?table=employees"), 400);
    problem(app.read("/api/v1/rejects?limit=0"), 400);
    assert_eq!(
        problem(app.read("/api/v1/rejects?limit=10001"), 400)["detail"],
        "limit must be between 1 and 10000, got 10001"
    );
    json_of(app.read("/api/v1/rejects?limit=10000"), 200);
    problem(app.read("/api/v1/rejects?limit=ten"), 400);
    problem(app.get("/api/v1/nothing/here"), 404);
    problem(app.get("/api/v1/departments"), 405);
}

/// The database goes away (every connection cut, new ones refused) and comes back: health
/// follows it and writes work again, without restarting the server. On PostgreSQL only: an
/// SQLite file does not go away.
fn a_database_that_goes_away_and_comes_back_needs_no_restart(db: &TestDb) {
    if db.engine != Engine::Postgres {
        return;
    }
    let app = TestApp::spawn(db);
    json_of(app.get("/health"), 200);
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let cut = format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid();"
    );
    admin_execute(&cut);
    problem(app.get("/health"), 503);
    let p = problem(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        503,
    );
    assert!(!p["detail"].as_str().unwrap().contains(&name), "{p}");
    admin_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"));
    json_of(app.get("/health"), 200);
    let body = json_of(
        app.post_json(
            "/api/v1/departments",
            &json!([{"id": 1, "department": "A"}]),
        ),
        200,
    );
    assert_eq!(body["inserted"], 1);
}

fn the_openapi_document_and_docs_page_are_served(db: &TestDb) {
    let app = TestApp::spawn(db);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/{table}",
        "/api/v1/{table}/upload",
        "/api/v1/rejects",
        "/health",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    assert!(document["components"]["securitySchemes"]["bearer"].is_object());
    let page = app.get("/docs/");
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "the page loads nothing from the internet"
    );
    assert_eq!(app.get("/docs/swagger-ui.css").status(), 200);
    assert_eq!(app.get("/docs/swagger-ui-bundle.js").status(), 200);
    assert_eq!(app.get("/docs").status(), 200, "redirected to /docs/");
}

on_every_backend!(
    writes_need_a_valid_bearer_token,
    without_tokens_writes_are_refused_and_reads_can_be_protected,
    health_and_the_reject_log,
    a_database_that_goes_away_and_comes_back_needs_no_restart,
    the_openapi_document_and_docs_page_are_served,
);
