//! `POST /api/v1/{table}`: one validated batch.

use super::idempotency;
use super::problems::{problems, NO_TOKEN, TOO_LARGE};
use super::request::{self, read_body, BodyFormat};
use crate::audit;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{IngestQuery, IngestResponse, RowObject, TableName};
use crate::error::ApiError;
use crate::metrics::{EntryPoint, RowCounts};
use crate::middleware::RequestId;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::mime;
use actix_web::{web, HttpRequest, HttpResponse};
use hiring_domain::{Batch, Table};
use hiring_ports::idempotency::KeyedRequest;
use hiring_ports::ingest::{self, IncomingRow, IngestReport, Mode};
use hiring_ports::keyed_ingest::{ingest_keyed, KeyedIngest};

problems!(PostBatchProblems {
    400 => "Empty batch, more than 1000 rows, malformed JSON or CSV, a malformed Idempotency-Key",
    401 => NO_TOKEN,
    404 => "Unknown table",
    409 as ("idempotency-key-in-progress", "Request in progress") => "A request with the same Idempotency-Key is still being processed: nothing inserted; retry later",
    413 => TOO_LARGE,
    415 => "Neither JSON nor CSV",
    422 as ("invalid-rows", "Invalid rows") => "Nothing inserted: atomic=true and some rows are invalid (the problem then also carries the batch's report and per-row errors, as the schema RefusedProblem), or the Idempotency-Key was used for another request",
    503 => "Database unavailable or too busy: nothing inserted",
});

/// Insert a batch of 1 to 1000 rows.
///
/// Validates 1 to 1000 rows and inserts the valid ones in one transaction; the others are
/// rejected and logged (`rejected_rows`, source `api <request id> row <index>`).
///
/// With an `Idempotency-Key` header the answer is stored with the rows, in the same
/// transaction, for 24 hours: sending the same request again (same key, table, body, content
/// type and `atomic`) stores and logs nothing and gets the stored answer, with
/// `Idempotent-Replayed: true`. The same key with another request is refused (422); while the
/// first request is still being processed, a retry gets 409.
#[utoipa::path(
    post,
    path = "/api/v1/{table}",
    tag = "ingest",
    params(
        ("table" = TableName, Path, description = "departments, jobs or hired_employees"),
        IngestQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Names the request so that a retry stores and logs nothing twice: 1 to 255 visible ASCII characters (a UUID, say), bare or in double quotes", min_length = 1, max_length = 255, pattern = "^[!-~]+$"),
    ),
    request_body(
        description = "1 to 1000 rows: a JSON array of row objects, or headerless CSV lines in the file format",
        content(
            (Vec<RowObject> = "application/json", examples(
                ("departments" = (summary = "For POST /api/v1/departments", value = json!([
                    {"id": 13, "department": "Data Platform"},
                    {"id": 14, "department": "Customer Success"}
                ]))),
                ("jobs" = (summary = "For POST /api/v1/jobs", value = json!([
                    {"id": 201, "job": "Data Steward"},
                    {"id": 202, "job": "Analytics Engineer"}
                ]))),
                ("hired_employees" = (summary = "For POST /api/v1/hired_employees (department 1 and job 2 must exist)", value = json!([
                    {"id": 5001, "name": "Ana Díaz", "datetime": "2021-07-27T16:02:08Z", "department_id": 1, "job_id": 2},
                    {"id": 5002, "name": "Li Wei", "datetime": "2021-11-07T02:48:42Z", "department_id": 1, "job_id": 2}
                ]))),
            )),
            (String = "text/csv", examples(
                ("departments" = (summary = "For POST /api/v1/departments", value = json!("13,Data Platform\n14,Customer Success\n"))),
                ("jobs" = (summary = "For POST /api/v1/jobs", value = json!("201,Data Steward\n202,Analytics Engineer\n"))),
                ("hired_employees" = (summary = "For POST /api/v1/hired_employees (department 1 and job 2 must exist)", value = json!("5001,Ana Díaz,2021-07-27T16:02:08Z,1,2\n5002,Li Wei,2021-11-07T02:48:42Z,1,2\n"))),
            )),
        ),
    ),
    responses(
        (status = 200, description = "Valid rows inserted; the others rejected and logged. A retry with the same Idempotency-Key and request gets the first answer again", body = IngestResponse,
            headers(("Idempotent-Replayed" = String, description = "`true` when the answer is the one stored under the Idempotency-Key by an earlier request; nothing was written now"))),
        PostBatchProblems,
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
    let table = request::table(&path)?;
    let format = BodyFormat::of(
        &req,
        &[BodyFormat::Json, BodyFormat::Csv],
        "application/json or text/csv",
    )?;
    let key = idempotency::key(&req)?;
    let body = read_body(&req, payload, state.config.body_limit).await?;
    let rows = parse_rows(table, format, &body)?;
    let mode = if query.atomic {
        Mode::Atomic
    } else {
        Mode::Partial
    };
    let repos = state.repos.clone();
    if let Some(key) = key {
        // Everything that makes two batches the same request.
        let content: &[u8] = match format {
            BodyFormat::Json => b"json",
            BodyFormat::Csv => b"csv",
        };
        let options: &[u8] = if query.atomic { b"atomic" } else { b"partial" };
        let parts = [content, options, &body];
        let route = format!("POST /api/v1/{table}");
        let request = KeyedRequest::new(key, &route, &parts, request_id.as_str());
        return post_keyed(&req, &state, table, rows, mode, request).await;
    }
    let report = spawn_blocking_with_tracing(move || {
        ingest::ingest(&repos, table, request_id.as_str(), rows, mode)
    })
    .await??;
    audit::note(&req, &report);
    count_rows(&state, &report);
    Ok(HttpResponse::Ok().json(IngestResponse::from(report)))
}

/// Ingests a batch under its idempotency key: the first time, the answer is stored with the
/// rows; a retry of the same request gets the stored answer, with `Idempotent-Replayed: true`.
async fn post_keyed(
    req: &HttpRequest,
    state: &AppState,
    table: Table,
    rows: Batch<IncomingRow>,
    mode: Mode,
    request: KeyedRequest,
) -> Result<HttpResponse, ApiError> {
    let repos = state.repos.clone();
    let outcome = spawn_blocking_with_tracing(move || {
        let render = |report: &IngestReport| {
            serde_json::to_string(&IngestResponse::from(report.clone())).unwrap_or_default()
        };
        ingest_keyed(&repos, table, rows, mode, &request, &render)
    })
    .await??;
    Ok(match outcome {
        KeyedIngest::Done { body, report } => {
            audit::note(req, &report);
            count_rows(state, &report);
            HttpResponse::Ok()
                .content_type(mime::APPLICATION_JSON)
                .body(body)
        }
        KeyedIngest::Replayed(stored) => {
            let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
            HttpResponse::build(status)
                .content_type(mime::APPLICATION_JSON)
                .insert_header((idempotency::REPLAYED_HEADER, "true"))
                .body(stored.body)
        }
    })
}

/// Counts the rows of one batch and its size, for `GET /metrics`.
fn count_rows(state: &AppState, report: &IngestReport) {
    let table = report.table.to_string();
    let rejected = report.rejected.len() as u64;
    let counts = RowCounts {
        inserted: report.inserted,
        rejected,
        // Valid rows not inserted: already stored.
        already_present: (report.received as u64).saturating_sub(report.inserted + rejected),
    };
    state.metrics.record_rows(&table, EntryPoint::Batch, counts);
    state.metrics.record_batch(&table, report.received);
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
