//! `GET /api/v1/runs` and `GET /api/v1/runs/{id}`: the load history (every `hiring migrate`
//! and every upload).

use super::problems::{problems, DATABASE_UNAVAILABLE, READS_PROTECTED};
use super::request;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{RunRecord, RunsQuery, RunsResponse};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use hiring_domain::RunId;
use hiring_ports::runs::RunFilter;

problems!(ListRunsProblems {
    400 => "Limit or before out of range",
    401 => READS_PROTECTED,
    503 => DATABASE_UNAVAILABLE,
});

/// List load runs.
///
/// The newest runs: when each started, what it loaded, its counts, duration and outcome;
/// `next` is the `before` of the following page.
#[utoipa::path(
    get,
    path = "/api/v1/runs",
    tag = "rejects",
    params(RunsQuery),
    responses(
        (status = 200, description = "A page of runs, newest first", body = RunsResponse),
        ListRunsProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn list_runs(
    state: web::Data<AppState>,
    query: web::Query<RunsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    if let Some(before) = q.before.filter(|b| *b < 1) {
        return Err(ApiError::BadRequest(format!(
            "before must be a run id (1 or more), got {before}"
        )));
    }
    let filter = RunFilter {
        before: q.before.map(RunId::new),
        limit: request::page_limit(q.limit)?,
    };
    let limit = filter.limit.get() as usize;
    let log = state.repos.runs.clone();
    let runs = spawn_blocking_with_tracing(move || log.list(&filter))
        .await?
        .map_err(ApiError::Storage)?;
    let next = match runs.last() {
        Some(last) if runs.len() == limit => Some(last.id.get()),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(RunsResponse {
        runs: runs.into_iter().map(RunRecord::from).collect(),
        next,
    }))
}

problems!(GetRunProblems {
    401 => READS_PROTECTED,
    404 => "No run has this id",
    503 => DATABASE_UNAVAILABLE,
});

/// Get one load run.
///
/// One run of the load history.
#[utoipa::path(
    get,
    path = "/api/v1/runs/{id}",
    tag = "rejects",
    params(("id" = i64, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run", body = RunRecord),
        GetRunProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn get_run(
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = RunId::new(path.into_inner());
    let log = state.repos.runs.clone();
    let run = spawn_blocking_with_tracing(move || log.get(id))
        .await?
        .map_err(ApiError::Storage)?
        .ok_or_else(|| ApiError::NotFound(format!("run {id}")))?;
    Ok(HttpResponse::Ok().json(RunRecord::from(run)))
}
