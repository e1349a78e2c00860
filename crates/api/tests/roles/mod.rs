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

/// Every action `whoami` names, with a route that takes it (its method and path).
const ACTION_ROUTES: &[(&str, &str, &str)] = &[
    (
        "read_reports",
        "GET",
        "/api/v1/reports/hires-by-quarter?year=2021",
    ),
    ("read_rejects", "GET", "/api/v1/rejects"),
    ("list_backups", "GET", "/api/v1/backups"),
    ("ingest_batches", "POST", "/api/v1/departments"),
    ("upload_files", "POST", "/api/v1/jobs/upload"),
    ("back_up", "POST", "/api/v1/backups"),
    ("restore", "POST", "/api/v1/restore"),
    ("prune_backups", "POST", "/api/v1/backups/prune"),
    ("read_audit", "GET", "/api/v1/audit"),
];

fn whoami(app: &TestApp, token: &str) -> serde_json::Value {
    json_of(
        app.client
            .get(app.url("/api/v1/whoami"))
            .bearer_auth(token)
            .send()
            .unwrap(),
        200,
    )
}

#[test]
fn whoami_names_the_token_its_role_and_the_actions_it_allows() {
    let db = TestDb::sqlite();
    let app = spawn(&db, 10);
    let reads = ["read_reports", "read_rejects", "list_backups"];
    let ingests = [&reads[..], &["ingest_batches", "upload_files"]].concat();
    let all: Vec<&str> = ACTION_ROUTES.iter().map(|(name, ..)| *name).collect();
    for (token, name, role, allows) in [
        (READER, "dash", "read", reads.to_vec()),
        (LOADER, "etl", "ingest", ingests),
        (OPERATOR, "ops", "admin", all.clone()),
        (TOKEN, "default", "admin", all.clone()),
    ] {
        let who = whoami(&app, token);
        assert_eq!((&who["name"], &who["role"]), (&json!(name), &json!(role)));
        assert_eq!(who["allows"], json!(allows), "{token}");
        let listed: Vec<&str> = who["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(listed, all);
        assert!(!who.to_string().contains(token), "{who}");
    }
    // Without a valid token: 401, and nothing else answers who it is.
    problem(app.get("/api/v1/whoami"), 401);
    problem(
        app.client
            .get(app.url("/api/v1/whoami"))
            .bearer_auth("not-a-valid-token-at-all")
            .send()
            .unwrap(),
        401,
    );
    let head = app
        .client
        .head(app.url("/api/v1/whoami"))
        .bearer_auth(READER)
        .send()
        .unwrap();
    assert_eq!(head.status(), 200);
    problem(send(&app, "POST", "/api/v1/whoami", OPERATOR), 405);
}

#[test]
fn the_role_whoami_says_an_action_needs_is_the_role_its_route_demands() {
    let db = TestDb::sqlite();
    let app = spawn(&db, 10);
    let actions = whoami(&app, READER)["actions"].clone();
    for action in actions.as_array().unwrap() {
        let name = action["name"].as_str().unwrap();
        let (_, method, path) = ACTION_ROUTES
            .iter()
            .find(|(n, ..)| *n == name)
            .unwrap_or_else(|| panic!("no route for {name}"));
        let response = send(&app, method, path, READER);
        if action["allowed"] == true {
            assert_eq!(action["needs"], "read", "{action}");
            assert_ne!(response.status(), 403, "{name}");
            assert_ne!(response.status(), 401, "{name}");
        } else {
            let refused = problem(response, 403);
            assert_eq!(refused["needed"], action["needs"], "{name}: {refused}");
            assert_eq!(
                (&refused["token"], &refused["role"]),
                (&json!("dash"), &json!("read")),
                "{refused}"
            );
        }
    }
}

#[test]
fn the_openapi_document_describes_whoami_and_the_roles_of_a_403() {
    let db = TestDb::sqlite();
    let app = spawn(&db, 10);
    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    let whoami = &document["paths"]["/api/v1/whoami"]["get"];
    for status in ["200", "401"] {
        assert!(whoami["responses"][status].is_object(), "{whoami}");
    }
    assert_eq!(whoami["security"], json!([{"bearer": []}]), "{whoami}");
    let schemas = &document["components"]["schemas"];
    for field in ["name", "role", "allows", "actions"] {
        assert!(
            schemas["WhoAmI"]["properties"][field].is_object(),
            "{field}"
        );
    }
    for field in ["token", "role", "needed"] {
        assert!(
            schemas["Problem"]["properties"][field].is_object(),
            "{field}"
        );
    }
    assert_eq!(schemas["Role"]["enum"], json!(["read", "ingest", "admin"]));
}
