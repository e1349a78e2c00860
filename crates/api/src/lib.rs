//! # hiring-api
//!
//! The HTTP API of the hiring toolkit (actix-web). It is thin: each handler parses the request,
//! calls a use case of `hiring-ports` (the same rules as `hiring migrate`) on the blocking pool,
//! and renders the result. Errors become RFC 7807 problems in one place ([`ApiError`]).
//!
//! | route | what |
//! |---|---|
//! | `POST /api/v1/{table}` | 1 to 1000 rows (JSON array or headerless CSV), validated; valid rows inserted in one transaction, the others rejected and logged; `?atomic=true` for all-or-nothing |
//! | `POST /api/v1/{table}/upload` | a whole CSV file, streamed through the migration use case |
//! | `GET /api/v1/rejects?table=&limit=` | the reject log |
//! | `POST /api/v1/backups`, `GET /api/v1/backups` | back up tables into the backup folder (Avro), list the backups (token always required) |
//! | `GET /api/v1/tables` | the rows each table holds now, parents first (token always required) |
//! | `POST /api/v1/{table}/restore`, `POST /api/v1/restore` | replace a table (or every table) with a backup in one transaction (token required) |
//! | `POST /api/v1/backups/prune` | remove old backups, keeping the newest `keep` complete sets (`admin` token) |
//! | `GET /api/v1/reports/hires-by-quarter?year=`, `GET /api/v1/reports/departments-above-mean?year=` | the two reports over one year's hires, as JSON, CSV (`?format=csv` or `Accept: text/csv`) or an SVG chart (`?format=svg`) |
//! | `GET /api/v1/audit?action=&actor=&table=&before=&limit=` | the audit log: every ingest, upload, backup, restore and prune, by whom, newest first (admin) |
//! | `GET /api/v1/whoami` | the name and role of the caller's token and the actions it allows (any valid token) |
//! | `GET /metrics` | the metrics for Prometheus (OpenMetrics text; `api.metrics`: `open`, `token` or `off`) |
//! | `GET /health` | 200 when the database answers, 503 otherwise |
//! | `GET /api-docs/openapi.json`, `GET /docs/` | the OpenAPI document and Swagger UI (served by the binary) |
//! | `GET /`, `GET /console/{file}` | the web console (HTML, CSS and JavaScript modules embedded in the binary) |
//! | `POST /upload`, `POST /backup`, `POST /restore-backup`, `GET /hired_employees_2021`, `GET /departments_above_mean` | deprecated aliases of the proof of concept's addresses (`Deprecation: true`, `Link` to the successor) |
//!
//! Requests other than reads of reports, health, docs and the console need
//! `Authorization: Bearer <token>` ([`Tokens`]) whose [`Role`] allows them: `read` for the reject
//! log and the backup listing (and every read when [`ApiConfig::protect_reads`] is set, except
//! the console page and its files), `ingest` for batches and uploads, `admin` for backups,
//! restores and the audit log. Every write by a token is recorded in the audit log, refusals
//! (403) included. Past [`ApiConfig::auth_failures_per_minute`] failed
//! authentications, an address is answered 429. With [`ApiConfig::tls`] ([`Tls`], PEM files)
//! the server speaks HTTPS only.
//!
//! ```no_run
//! # use std::sync::Arc;
//! # async fn run() -> std::io::Result<()> {
//! let repos = hiring_adapters::open("data/hiring.db").expect("storage");
//! let config = hiring_api::ApiConfig {
//!     tokens: hiring_api::Tokens::parse("etl:ingest:a-long-random-secret").expect("tokens"),
//!     ..Default::default()
//! };
//! let backups = hiring_adapters::AvroBackupStore::new("avro_files");
//! let app = hiring_api::Application::build(config, repos, Some(Arc::new(backups)), "127.0.0.1:0")?;
//! println!("listening on port {}", app.port());
//! app.run_until_stopped().await
//! # }
//! ```

mod access;
mod actions;
mod audit;
mod blocking;
mod charts;
mod config;
pub mod dto;
mod error;
#[cfg(test)]
mod handler_tests;
pub mod metrics;
pub mod middleware;
pub mod openapi;
#[cfg(test)]
mod openapi_tests;
mod pacing;
mod problem;
pub mod read_from;
mod report_html;
mod routes;
mod slow_body;
mod startup;
mod state;
mod streamed;
mod tls;
mod tokens;

pub use config::{
    ApiConfig, DEFAULT_AUTH_FAILURES_PER_MINUTE, DEFAULT_BODY_IDLE_TIMEOUT, DEFAULT_BODY_LIMIT,
    DEFAULT_BODY_MIN_RATE, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_SHUTDOWN_GRACE,
};
pub use error::{ApiError, Problem, RefusedProblem, PROBLEM_JSON};
pub use metrics::MetricsAccess;
pub use slow_body::SlowBody;
pub use startup::{serve, Application};
pub use state::AppState;
pub use tls::{Tls, TlsError};
pub use tokens::{ApiToken, Role, TokenError, Tokens, MIN_SECRET_CHARS};
