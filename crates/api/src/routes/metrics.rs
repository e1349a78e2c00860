//! `GET /metrics`: the server's metrics for Prometheus, in the OpenMetrics text format.

use super::problems::problems;
use crate::blocking::spawn_blocking_with_tracing;
use crate::error::ApiError;
use crate::metrics::{MetricsAccess, OPENMETRICS_TEXT};
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};

problems!(MetricsProblems {
    401 => "`api.metrics` is `token` (or reads are protected) and no valid bearer token was sent",
    404 => "`api.metrics` is `off`",
    429 => "Too many failed authentications from this address",
});

/// The server's metrics, for Prometheus.
///
/// Requests by method, route pattern and status (`http_requests_total`) and their latency
/// (`http_request_duration_seconds`), rows received by table, entry point and outcome
/// (`hiring_rows_total`), rows per batch (`hiring_batch_rows`), failed authentications
/// (`hiring_auth_failures_total`), restores (`hiring_restores_total`), and the newest backup
/// of each table (`hiring_backup_newest_created_seconds`, `_rows`, `_bytes`), read from the
/// backup folder at each scrape, and the database pool's connections (`hiring_db_connections`). `api.metrics` says who
/// may read them: `open` (like the other reads), `token` (a `read` token) or `off` (404).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "The metrics in the OpenMetrics text format", body = String,
            content_type = "application/openmetrics-text",
            example = json!("# HELP hiring_auth_failures Requests refused because their bearer token is not valid\n# TYPE hiring_auth_failures counter\nhiring_auth_failures_total 0\n# EOF\n")),
        MetricsProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if state.config.metrics == MetricsAccess::Off {
        return Err(ApiError::NotFound(req.path().to_owned()));
    }
    if let Some(store) = state.backups.clone() {
        // The folder is read at each scrape; a listing that fails leaves the last one shown.
        match spawn_blocking_with_tracing(move || store.list()).await? {
            Ok(listing) => state.metrics.show_backups(&listing),
            Err(e) => tracing::warn!(error = %e, "cannot list the backups for the metrics"),
        }
    }
    state.metrics.show_pool(state.repos.bulk.pool_state());
    let text = state
        .metrics
        .render()
        .map_err(|e| ApiError::Internal(format!("cannot render the metrics: {e}")))?;
    Ok(HttpResponse::Ok().content_type(OPENMETRICS_TEXT).body(text))
}
