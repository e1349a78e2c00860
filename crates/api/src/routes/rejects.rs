//! `GET /api/v1/rejects`: the reject log.

use super::problems::{problems, DATABASE_UNAVAILABLE, READS_PROTECTED};
use super::request;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{RejectEntry, RejectsQuery, RejectsResponse};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use hiring_ports::{RejectFilter, RepoError};

problems!(ListRejectsProblems {
    400 => "Unknown table or limit out of range",
    401 => READS_PROTECTED,
    503 => DATABASE_UNAVAILABLE,
});

/// The newest rejected rows, for one table or all.
#[utoipa::path(
    get,
    path = "/api/v1/rejects",
    tag = "rejects",
    params(RejectsQuery),
    responses(
        (status = 200, description = "The newest rejects, newest first", body = RejectsResponse),
        ListRejectsProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn list_rejects(
    state: web::Data<AppState>,
    query: web::Query<RejectsQuery>,
) -> Result<HttpResponse, ApiError> {
    let table = request::table_filter(query.table.as_deref())?;
    let limit = request::page_limit(query.limit)?;
    let repos = state.repos.clone();
    let (total, rejects) = spawn_blocking_with_tracing(move || {
        let rejects = repos.rejects.list(&RejectFilter { table, limit })?;
        Ok::<_, RepoError>((repos.rejects.count(table)?, rejects))
    })
    .await?
    .map_err(ApiError::Storage)?;
    Ok(HttpResponse::Ok().json(RejectsResponse {
        total,
        rejects: rejects.into_iter().map(RejectEntry::from).collect(),
    }))
}
