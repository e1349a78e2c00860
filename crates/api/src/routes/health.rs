//! `GET /health`: is the database reachable?

use super::problems::{problems, READS_PROTECTED};
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{Health, ReplicaHealth};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use hiring_ports::RepoError;
use std::time::Duration;

/// How long the database has to answer a health check: much less than the pools' connection
/// timeouts, so that a load balancer hears of a database that is down at once.
pub const TIME_LIMIT: Duration = Duration::from_secs(1);

problems!(HealthProblems {
    401 => READS_PROTECTED,
    503 => "The database is unreachable or did not answer within 1 s",
});

/// Health of the service and its database.
///
/// 200 when the database answers, 503 when it fails or has not answered within [`TIME_LIMIT`].
/// With a read replica, `replica` says whether it serves reads, its lag, or why it is skipped
/// (reads then go to the primary; the service stays healthy).
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        HealthProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let repos = state.repos.clone();
    let health = state.health.clone();
    let reads = state.reads.clone();
    let replica = spawn_blocking_with_tracing(move || {
        health.check(&repos)?;
        Ok::<_, RepoError>(ReplicaHealth::of(&reads.reads().1))
    })
    .await?
    // Whatever the failure, the database is not usable now.
    .map_err(|e| ApiError::Storage(RepoError::Unavailable(e.to_string())))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: "reachable".into(),
        replica,
    }))
}
