//! Token roles and the limit on failed authentications, end to end.

use super::support::TestDb;
use super::{json_of, problem, seed_parents, TestApp, TOKEN};
use hiring_api::{ApiConfig, Tokens};
use reqwest::blocking::{Client, Response};
use reqwest::header::CONTENT_TYPE;
use serde_json::json;
use std::time::Duration;

const READER: &str = "reader-secret-0123456789";
const LOADER: &str = "loader-secret-0123456789";
const OPERATOR: &str = "operator-secret-0123456789";

fn spawn(db: &TestDb, auth_failures_per_minute: u32) -> TestApp {
    let tokens = format!("dash:read:{READER},etl:ingest:{LOADER},ops:admin:{OPERATOR},{TOKEN}");
    TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(&tokens).unwrap(),
            auth_failures_per_minute,
            ..ApiConfig::default()
        },
    )
}

fn send(app: &TestApp, method: &str, path: &str, token: &str) -> Response {
    let request = match method {
        "GET" => app.client.get(app.url(path)),
        _ => app
            .client
            .post(app.url(path))
            .header(CONTENT_TYPE, "application/json"),
    };
    let body = match path {
        "/api/v1/departments" => json!([{"id": 99, "department": "Audit"}]).to_string(),
        "/api/v1/backups" => json!({"tables": ["departments"]}).to_string(),
        _ => "{}".to_owned(),
    };
    let request = if method == "GET" {
        request
    } else {
        request.body(body)
    };
    request.bearer_auth(token).send().unwrap()
}

#[test]
fn each_role_may_do_its_own_and_lesser_things_only() {
    let db = TestDb::sqlite();
    let app = spawn(&db, 10);
    seed_parents(&app);
    // (method, path, least role): 0 read, 1 ingest, 2 admin.
    let routes = [
        ("GET", "/api/v1/rejects", 0),
        ("GET", "/api/v1/backups", 0),
        ("POST", "/api/v1/departments", 1),
        ("POST", "/api/v1/backups", 2),
    ];
    for (rank, token) in [READER, LOADER, OPERATOR].into_iter().enumerate() {
        for (method, path, least) in routes {
            let response = send(&app, method, path, token);
            let status = response.status().as_u16();
            if rank >= least {
                assert!(
                    (200..300).contains(&status),
                    "{token} {method} {path}: {status}"
                );
            } else {
                let p = problem(response, 403);
                let detail = p["detail"].as_str().unwrap();
                assert!(detail.contains("role"), "{detail}");
                assert!(!detail.contains(token), "{detail}");
            }
        }
    }
    // A forbidden write stored nothing: the ingest token wrote department 99 once.
    let stored = json_of(
        app.client
            .get(app.url("/api/v1/rejects"))
            .bearer_auth(READER)
            .send()
            .unwrap(),
        200,
    );
    assert_eq!(stored["rejects"].as_array().unwrap().len(), 1, "{stored}");
    // A restore needs admin too.
    problem(
        send(&app, "POST", "/api/v1/departments/restore", LOADER),
        403,
    );
    problem(send(&app, "POST", "/api/v1/restore", READER), 403);
}

/// A client that connects from `address` (any of 127.0.0.0/8 reaches the server).
fn client_from(address: [u8; 4]) -> Client {
    Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

#[test]
fn an_address_past_its_failed_authentications_is_answered_429_alone() {
    let db = TestDb::sqlite();
    let app = spawn(&db, 3);
    let attacker = client_from([127, 0, 0, 2]);
    let neighbour = client_from([127, 0, 0, 3]);
    let guess = |client: &Client, token: &str| {
        client
            .get(app.url("/api/v1/rejects"))
            .bearer_auth(token)
            .send()
            .unwrap()
    };
    for attempt in 0..3 {
        problem(guess(&attacker, &format!("wrong-guess-{attempt:012}")), 401);
    }
    let refused = guess(&attacker, "wrong-guess-000000000003");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    let p = problem(refused, 429);
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("failed authentications"));
    // Blocked even with the right token, while the wait lasts.
    problem(guess(&attacker, READER), 429);
    // Another address is not.
    json_of(guess(&neighbour, READER), 200);
    problem(guess(&neighbour, "wrong-guess-from-neighbour"), 401);
    // Requests without a token are no guesses: they never count.
    for _ in 0..5 {
        problem(
            neighbour.get(app.url("/api/v1/rejects")).send().unwrap(),
            401,
        );
    }
    json_of(guess(&neighbour, READER), 200);
}
