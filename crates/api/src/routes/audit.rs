//! `GET /api/v1/audit`: the audit log (admin).

use super::problems::{problems, DATABASE_UNAVAILABLE, NO_TOKEN};
use super::request;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{AuditQuery, AuditRecord, AuditResponse};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use hiring_ports::audit::AuditFilter;

problems!(ListAuditProblems {
    400 => "Unknown action or table, limit or before out of range",
    401 => NO_TOKEN,
    403 => "The token is not an admin token",
    503 => DATABASE_UNAVAILABLE,
});

/// List audit entries.
///
/// The newest audit entries matching the filters: who ingested, uploaded, backed up, restored
/// or pruned what, when, and how it ended.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "The newest entries, newest first", body = AuditResponse),
        ListAuditProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn list_audit(
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(query.into_inner())?;
    let log = state.repos.audit.clone();
    let entries = spawn_blocking_with_tracing(move || log.list(&filter))
        .await?
        .map_err(ApiError::Storage)?;
    Ok(HttpResponse::Ok().json(AuditResponse {
        entries: entries.into_iter().map(AuditRecord::from).collect(),
    }))
}

/// The filter the query asks for; an empty parameter is no filter.
fn filter(query: AuditQuery) -> Result<AuditFilter, ApiError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    let bad = |e: &dyn std::fmt::Display| ApiError::BadRequest(e.to_string());
    let limit = request::page_limit(query.limit)?;
    if let Some(before) = query.before.filter(|b| *b < 1) {
        return Err(ApiError::BadRequest(format!(
            "before must be an entry id (1 or more), got {before}"
        )));
    }
    Ok(AuditFilter {
        action: given(query.action)
            .map(|a| a.parse())
            .transpose()
            .map_err(|e| bad(&e))?,
        actor: given(query.actor),
        table: request::table_filter(query.table.as_deref())?,
        before: query.before,
        limit,
    })
}
