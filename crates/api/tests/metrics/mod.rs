//! `GET /metrics`: the counters move with the requests, rows and failures, the route label is
//! the pattern, and `api.metrics` decides who may read them.

use super::*;
use hiring_api::MetricsAccess;

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The text of one scrape, checked for its status and content type.
fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CONTENT_TYPE], OPENMETRICS);
    let text = response.text().unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    text
}

/// The value of one series (name and labels, exactly as written) in `text`.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

fn rows(table: &str, entry_point: &str, outcome: &str) -> String {
    format!("hiring_rows_total{{table=\"{table}\",entry_point=\"{entry_point}\",outcome=\"{outcome}\"}}")
}

fn counters_move_with_batches_uploads_and_failures(db: &TestDb) {
    let app = TestApp::spawn(db);
    let before = scrape(&app);
    assert_eq!(
        value(&before, &rows("departments", "batch", "inserted")),
        None
    );
    assert_eq!(value(&before, "hiring_auth_failures_total"), Some(0.0));

    let batch = json!([
        {"id": 1, "department": "Sales"},
        {"id": 2, "department": ""},
        {"id": 3, "department": "Operations"},
    ]);
    json_of(app.post_json("/api/v1/departments", &batch), 200);
    json_of(
        app.post_csv("/api/v1/jobs/upload", "1,Clerk\r\n-2,Bad id\r\n"),
        200,
    );
    json_of(app.post_csv("/api/v1/jobs/upload", "1,Clerk\r\n"), 200);
    problem(
        app.read_with("not-a-token-0123456789", "/api/v1/rejects"),
        401,
    );
    problem(app.get("/no/such/page"), 404);
    problem(app.post("/api/v1/jobs/restore").send().unwrap(), 404);

    let after = scrape(&app);
    let expected = [
        (rows("departments", "batch", "inserted"), 2.0),
        (rows("departments", "batch", "rejected"), 1.0),
        (rows("departments", "batch", "already_present"), 0.0),
        (rows("jobs", "upload", "inserted"), 1.0),
        (rows("jobs", "upload", "rejected"), 1.0),
        (rows("jobs", "upload", "already_present"), 1.0),
        ("hiring_batch_rows_count{table=\"departments\"}".into(), 1.0),
        ("hiring_batch_rows_sum{table=\"departments\"}".into(), 3.0),
        ("hiring_auth_failures_total".into(), 1.0),
        (
            "hiring_restores_total{table=\"jobs\",outcome=\"failed\"}".into(),
            1.0,
        ),
        (
            "http_requests_total{method=\"POST\",route=\"/api/v1/{table}\",status=\"200\"}".into(),
            1.0,
        ),
        (
            "http_requests_total{method=\"POST\",route=\"/api/v1/{table}/upload\",status=\"200\"}"
                .into(),
            2.0,
        ),
        (
            "http_requests_total{method=\"GET\",route=\"/api/v1/rejects\",status=\"401\"}".into(),
            1.0,
        ),
        (
            "http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}".into(),
            1.0,
        ),
        // The first scrape, counted once answered.
        (
            "http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}".into(),
            1.0,
        ),
        (
            "http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/{table}/upload\"}"
                .into(),
            2.0,
        ),
    ];
    for (series, count) in expected {
        assert_eq!(value(&after, &series), Some(count), "{series} in\n{after}");
    }
    // The batches above opened connections of the pool.
    let idle = value(&after, "hiring_db_connections{state=\"idle\"}").unwrap();
    let in_use = value(&after, "hiring_db_connections{state=\"in_use\"}").unwrap();
    assert!(idle + in_use >= 1.0, "{after}");
    // Label values are route patterns, never the paths asked for.
    for raw in [
        "/api/v1/departments",
        "/api/v1/jobs/upload",
        "/no/such/page",
    ] {
        assert!(!after.contains(&format!("\"{raw}\"")), "{raw} in\n{after}");
    }
}

fn the_newest_backup_of_each_table_is_shown(db: &TestDb) {
    let app = TestApp::spawn(db);
    let jobs_rows = "hiring_backup_newest_rows{table=\"jobs\"}";
    assert_eq!(value(&scrape(&app), jobs_rows), None);
    json_of(
        app.post_csv("/api/v1/jobs", "1,Clerk\r\n2,Engineer\r\n"),
        200,
    );
    json_of(
        app.post_json("/api/v1/backups", &json!({"tables": ["jobs"]})),
        201,
    );
    let after = scrape(&app);
    assert_eq!(value(&after, jobs_rows), Some(2.0), "{after}");
    let bytes = value(&after, "hiring_backup_newest_bytes{table=\"jobs\"}").unwrap();
    assert!(bytes > 0.0, "{after}");
    let created = value(
        &after,
        "hiring_backup_newest_created_seconds{table=\"jobs\"}",
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - created).abs() < 300.0, "{created} vs {now}");
    assert_eq!(
        value(&after, "hiring_backup_newest_rows{table=\"departments\"}"),
        None
    );
}

fn the_document_lists_metrics_as_served(db: &TestDb) {
    let app = TestApp::spawn(db);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    let operation = &document["paths"]["/metrics"]["get"];
    let content = &operation["responses"]["200"]["content"];
    assert!(
        content["application/openmetrics-text"].is_object(),
        "{operation}"
    );
    // The media type answered is the one documented, with its parameters.
    assert!(OPENMETRICS.starts_with("application/openmetrics-text;"));
    for status in ["401", "404"] {
        assert!(operation["responses"][status].is_object(), "{operation}");
    }
}

fn a_token_setting_needs_a_read_token(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(&format!("{TOKEN},reader:read:{SECOND_TOKEN}")).unwrap(),
            metrics: MetricsAccess::Token,
            ..ApiConfig::default()
        },
    );
    problem(app.get("/metrics"), 401);
    let response = app.read_with(SECOND_TOKEN, "/metrics");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CONTENT_TYPE], OPENMETRICS);
    // The rest of the reads stay open.
    assert_eq!(app.get("/health").status(), 200);
}

fn off_means_no_endpoint(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            metrics: MetricsAccess::Off,
            ..ApiConfig::default()
        },
    );
    problem(app.get("/metrics"), 404);
    problem(app.read("/metrics"), 404);
}

on_every_backend!(
    counters_move_with_batches_uploads_and_failures,
    the_newest_backup_of_each_table_is_shown,
    the_document_lists_metrics_as_served,
    a_token_setting_needs_a_read_token,
    off_means_no_endpoint,
);
