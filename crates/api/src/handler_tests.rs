//! The handlers' answers to failures, through the routes and the token check of the server,
//! with mocked ports: no database, no backup folder.

use crate::access::AuthFailures;
use crate::middleware::{head_as_get, require_token};
use crate::routes::health::TIME_LIMIT;
use crate::startup::routes_of;
use crate::state::AppState;
use crate::{ApiConfig, Tokens};
use actix_web::middleware::from_fn;
use actix_web::{test, web, App};
use hiring_domain::{Department, HiredEmployee, Job};
use hiring_ports::health::HealthCheck;
use hiring_ports::idempotency::{Claim, MockIdempotencyStore};
use hiring_ports::{
    BackupError, BackupStore, MockAuditLog, MockBackupStore, MockBulkStorage, MockKeyLookup,
    MockRejectLog, MockReports, MockTableRepository, RepoError, Repositories,
};
use serde_json::Value;
use std::sync::Arc;

const READER: &str = "reader-secret-0123456789";
const LOADER: &str = "loader-secret-0123456789";
const ADMIN: &str = "admin-secret-0123456789";

/// Ports that answer nothing: a test sets the expectations of those its request reaches (a
/// call it did not expect fails the test).
struct Ports {
    departments: MockTableRepository<Department>,
    keys: MockKeyLookup,
    rejects: MockRejectLog,
    reports: MockReports,
    idempotency: MockIdempotencyStore,
    backups: Option<MockBackupStore>,
}

impl Default for Ports {
    fn default() -> Self {
        Self {
            departments: MockTableRepository::new(),
            keys: MockKeyLookup::new(),
            rejects: MockRejectLog::new(),
            reports: MockReports::new(),
            idempotency: MockIdempotencyStore::new(),
            backups: None,
        }
    }
}

impl Ports {
    /// The state the server would share over these ports.
    fn state(self) -> web::Data<AppState> {
        let repos = Repositories {
            departments: Arc::new(self.departments),
            jobs: Arc::new(MockTableRepository::<Job>::new()),
            hired_employees: Arc::new(MockTableRepository::<HiredEmployee>::new()),
            keys: Arc::new(self.keys),
            rejects: Arc::new(self.rejects),
            reports: Arc::new(self.reports),
            idempotency: Arc::new(self.idempotency),
            audit: Arc::new(MockAuditLog::new()),
            runs: Arc::new(hiring_ports::MockRunLog::new()),
            bulk: Arc::new(MockBulkStorage::new()),
            description: "mock".into(),
        };
        let tokens = format!("reader:read:{READER},loader:ingest:{LOADER},ops:admin:{ADMIN}");
        let config = ApiConfig {
            tokens: Tokens::parse(&tokens).expect("tokens"),
            auth_failures_per_minute: 0,
            ..Default::default()
        };
        let backups = self
            .backups
            .map(|store| Arc::new(store) as Arc<dyn BackupStore>);
        web::Data::new(AppState {
            reads: hiring_ports::replica::ReadRouter::new(
                repos.clone(),
                None,
                std::time::Duration::ZERO,
            ),
            repos,
            auth_failures: AuthFailures::new(config.auth_failures_per_minute),
            config,
            backups,
            health: HealthCheck::new(TIME_LIMIT),
            metrics: crate::metrics::Metrics::new(),
        })
    }
}

/// The status and problem body of the answer of the server's routes and token check to `req`.
async fn problem(ports: Ports, req: test::TestRequest) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .app_data(ports.state())
            .wrap(from_fn(head_as_get))
            .wrap(from_fn(require_token))
            .configure(routes_of),
    )
    .await;
    let response = test::call_service(&app, req.to_request()).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = test::read_body(response).await;
    assert_eq!(content_type, crate::PROBLEM_JSON, "{status}");
    (
        status,
        serde_json::from_slice(&body).expect("a JSON problem"),
    )
}

fn post(path: &str, token: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {token}")))
}

fn json(req: test::TestRequest, body: &str) -> test::TestRequest {
    req.insert_header(("content-type", "application/json"))
        .set_payload(body.to_owned())
}

fn get(path: &str) -> test::TestRequest {
    test::TestRequest::get().uri(path)
}

#[actix_web::test]
async fn a_storage_failure_is_a_5xx_problem_without_its_internal_detail() {
    let mut ports = Ports::default();
    ports.reports.expect_quarter_counts().returning(|_| {
        Err(RepoError::Other(
            "relation \"secret_table\" does not exist".into(),
        ))
    });
    let (status, body) = problem(ports, get("/api/v1/reports/hires-by-quarter")).await;
    assert_eq!(status, 500);
    assert_eq!(body["type"], "urn:hiring:problem:internal");
    assert!(!body.to_string().contains("secret_table"), "{body}");

    let mut ports = Ports::default();
    ports.rejects.expect_list().returning(|_| {
        Err(RepoError::Unavailable(
            "password authentication failed".into(),
        ))
    });
    let (status, body) = problem(
        ports,
        get("/api/v1/rejects").insert_header(("authorization", format!("Bearer {READER}"))),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["type"], "urn:hiring:problem:database-unavailable");
    assert!(!body.to_string().contains("password"), "{body}");
}

#[actix_web::test]
async fn a_refused_atomic_batch_is_422_with_its_rows_and_writes_nothing() {
    let mut ports = Ports::default();
    ports
        .departments
        .expect_find_by_ids()
        .returning(|_| Ok(vec![]));
    ports
        .keys
        .expect_existing_ids()
        .returning(|_, ids| Ok(ids.to_vec()));
    // No write is expected: one would fail the test.
    let req = json(
        post("/api/v1/departments?atomic=true", LOADER),
        r#"[{"id": 1, "department": "Sales"}, {"id": "x", "department": "Staff"}]"#,
    );
    let (status, body) = problem(ports, req).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["type"], "urn:hiring:problem:invalid-rows");
    assert_eq!(body["inserted"], 0, "{body}");
    assert_eq!(body["rejected"][0]["index"], 1, "{body}");
}

#[actix_web::test]
async fn a_key_still_in_progress_is_409_and_a_reused_key_422() {
    for (claim, status) in [(Claim::InProgress, 409), (Claim::Mismatch, 422)] {
        let mut ports = Ports::default();
        ports
            .idempotency
            .expect_claim()
            .returning(move |_, _| Ok(claim.clone()));
        ports
            .departments
            .expect_find_by_ids()
            .returning(|_| Ok(vec![]));
        let req = json(
            post("/api/v1/departments", LOADER).insert_header(("idempotency-key", "k-1")),
            r#"[{"id": 1, "department": "Sales"}]"#,
        );
        let (got, body) = problem(ports, req).await;
        assert_eq!(got, status, "{body}");
    }
}

#[actix_web::test]
async fn bodies_that_cannot_be_read_are_4xx_before_any_port_is_called() {
    let cases = [
        (
            json(post("/api/v1/jobs", LOADER), "[{"),
            400,
            "malformed-json",
        ),
        (
            json(post("/api/v1/jobs", LOADER), "{}"),
            400,
            "malformed-json",
        ),
        (json(post("/api/v1/jobs", LOADER), "[]"), 400, "batch-size"),
        (
            post("/api/v1/jobs", LOADER)
                .insert_header(("content-type", "text/plain"))
                .set_payload("1,Clerk"),
            415,
            "unsupported-media-type",
        ),
        (
            json(post("/api/v1/employees", LOADER), "[]"),
            404,
            "unknown-table",
        ),
        (
            json(post("/api/v1/jobs", LOADER), "[]").insert_header(("idempotency-key", "a b")),
            400,
            "bad-request",
        ),
    ];
    for (req, status, kind) in cases {
        let (got, body) = problem(Ports::default(), req).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(body["type"], format!("urn:hiring:problem:{kind}"), "{body}");
    }
}

#[actix_web::test]
async fn backup_file_failures_are_404_400_or_422_and_no_folder_503() {
    let restore = || {
        json(
            post("/api/v1/departments/restore", ADMIN),
            r#"{"file": "d.avro"}"#,
        )
    };
    type Failure = fn() -> BackupError;
    let failures: [(Failure, u16, &str); 3] = [
        (
            || BackupError::NotFound("no such file".into()),
            404,
            "backup-not-found",
        ),
        (
            || BackupError::UnsafeName {
                name: "../d.avro".into(),
                reason: "`..` is not allowed".into(),
            },
            400,
            "unsafe-file-name",
        ),
        (
            || BackupError::Corrupt {
                file: "departments/d.avro".into(),
                reason: "truncated".into(),
            },
            422,
            "invalid-backup",
        ),
    ];
    for (failure, status, kind) in failures {
        let mut store = MockBackupStore::new();
        if status == 422 {
            store
                .expect_resolve()
                .returning(|_, name| Ok(std::path::PathBuf::from(name)));
            store.expect_open().returning(move |_| Err(failure()));
        } else {
            store.expect_resolve().returning(move |_, _| Err(failure()));
        }
        let ports = Ports {
            backups: Some(store),
            ..Ports::default()
        };
        let (got, body) = problem(ports, restore()).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(body["type"], format!("urn:hiring:problem:{kind}"), "{body}");
    }
    let (status, body) = problem(Ports::default(), restore()).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["detail"], "backups are not configured on this server",
        "{body}"
    );
}

#[actix_web::test]
async fn a_write_to_a_read_only_resource_is_405_whatever_the_role() {
    for path in [
        "/api/v1/whoami",
        "/api/v1/rejects",
        "/api/v1/audit",
        "/health",
    ] {
        for token in [READER, LOADER, ADMIN] {
            let (status, body) = problem(Ports::default(), post(path, token)).await;
            assert_eq!(status, 405, "POST {path}: {body}");
            assert_eq!(body["type"], "urn:hiring:problem:method-not-allowed");
        }
    }
}
