//! `POST /api/v1/{table}`: one validated batch.

use super::{read_body, BodyFormat};
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{IngestQuery, IngestResponse, RowObject, TableName};
use crate::error::{ApiError, Problem, RefusedProblem};
use crate::middleware::RequestId;
use crate::startup::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use hiring_domain::{Batch, Table};
use hiring_ports::ingest::{self, IncomingRow, Mode};

/// Validates 1 to 1000 rows and inserts the valid ones in one transaction; the others are
/// rejected and logged (`rejected_rows`, source `api <request id> row <index>`).
#[utoipa::path(
    post,
    path = "/api/v1/{table}",
    tag = "ingest",
    params(
        ("table" = TableName, Path, description = "departments, jobs or hired_employees"),
        IngestQuery,
    ),
    request_body(
        description = "1 to 1000 rows: a JSON array of row objects, or headerless CSV lines in the file format",
        content(
            (Vec<RowObject> = "application/json"),
            (String = "text/csv"),
        ),
    ),
    responses(
        (status = 200, description = "Valid rows inserted; the others rejected and logged", body = IngestResponse),
        (status = 400, description = "Empty batch, more than 1000 rows, malformed JSON or CSV", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown table", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over the byte limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither JSON nor CSV", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "atomic=true and some rows are invalid: nothing inserted", body = RefusedProblem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable or too busy: nothing inserted", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn post_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<IngestQuery>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let table = super::table(&path)?;
    let format = BodyFormat::of(
        &req,
        &[BodyFormat::Json, BodyFormat::Csv],
        "application/json or text/csv",
    )?;
    let body = read_body(&req, payload, state.config.body_limit).await?;
    let rows = parse_rows(table, format, &body)?;
    let mode = if query.atomic {
        Mode::Atomic
    } else {
        Mode::Partial
    };
    let repos = state.repos.clone();
    let report = spawn_blocking_with_tracing(move || {
        ingest::ingest(&repos, table, request_id.as_str(), rows, mode)
    })
    .await??;
    Ok(HttpResponse::Ok().json(IngestResponse::from(report)))
}

/// The rows of a JSON or CSV body, 1 to 1000 of them.
fn parse_rows(
    table: Table,
    format: BodyFormat,
    body: &[u8],
) -> Result<Batch<IncomingRow>, ApiError> {
    let rows = match format {
        BodyFormat::Json => {
            let value: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))?;
            let serde_json::Value::Array(items) = value else {
                return Err(ApiError::NotAnArray);
            };
            let values = Batch::new(items)?;
            values
                .iter()
                .map(|v| IncomingRow::from_json(table, v))
                .collect()
        }
        BodyFormat::Csv => ingest::rows_from_csv(table, body)?,
    };
    Ok(Batch::new(rows)?)
}
