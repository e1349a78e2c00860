//! `GET /health`: is the database reachable?

use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::Health;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;
use actix_web::{web, HttpResponse};
use hiring_ports::{health, RepoError};

/// 200 when the database answers, 503 when it does not.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        (status = 401, description = "Reads are protected and no valid bearer token was sent", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unreachable", body = Problem, content_type = "application/problem+json"),
    ),
    security((), ("bearer" = [])),
)]
pub async fn health(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let repos = state.repos.clone();
    spawn_blocking_with_tracing(move || health::check(&repos))
        .await?
        // Whatever the failure, the database is not usable now.
        .map_err(|e| ApiError::Storage(RepoError::Unavailable(e.to_string())))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
        database: "reachable".into(),
    }))
}
