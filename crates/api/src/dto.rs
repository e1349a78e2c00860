//! What the API sends and takes, as documented in the OpenAPI document.

use hiring_domain::FieldError;
use hiring_ports::ingest::IngestReport;
use hiring_ports::migrate::TableSummary;
use hiring_ports::StoredRejection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One broken rule of a row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The column, or `record` for the row as a whole.
    #[schema(example = "datetime")]
    pub field: String,
    /// Why the value was refused.
    #[schema(example = "is required")]
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(e: &FieldError) -> Self {
        Self {
            field: e.field().to_owned(),
            message: e.message().to_owned(),
        }
    }
}

/// A row of the batch that was not inserted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Position of the row in the batch, from 0.
    pub index: usize,
    /// The row's id, when its `id` field was valid.
    pub id: Option<i32>,
    /// Every reason.
    pub errors: Vec<FieldProblem>,
}

/// What became of a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IngestResponse {
    /// The table written.
    #[schema(example = "hired_employees")]
    pub table: String,
    /// The request's id; rejects are logged with the source `api <request id> row <index>`.
    pub request_id: String,
    /// Rows received.
    pub received: usize,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows refused, in batch order.
    pub rejected: Vec<RejectedRow>,
}

impl From<IngestReport> for IngestResponse {
    fn from(report: IngestReport) -> Self {
        Self {
            table: report.table.name().to_owned(),
            request_id: report.request_id,
            received: report.received,
            inserted: report.inserted,
            rejected: report
                .rejected
                .into_iter()
                .map(|r| RejectedRow {
                    index: r.index,
                    id: r.id.map(|id| id.get()),
                    errors: r.errors.iter().map(FieldProblem::from).collect(),
                })
                .collect(),
        }
    }
}

/// One row of a JSON batch: the CSV column names of the table as keys. Which keys a table takes:
/// `departments` `id, department`; `jobs` `id, job`; `hired_employees`
/// `id, name, datetime, department_id, job_id`. Ids are positive 32-bit integers (numbers or
/// decimal strings), `datetime` an RFC 3339 timestamp with a zone.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RowObject {
    /// The row's primary key.
    #[schema(example = 1)]
    id: Option<i64>,
    /// `departments`: the department's name.
    department: Option<String>,
    /// `jobs`: the job's title.
    job: Option<String>,
    /// `hired_employees`: the employee's name.
    name: Option<String>,
    /// `hired_employees`: when the employee was hired.
    #[schema(example = "2021-11-07T02:48:42Z")]
    datetime: Option<String>,
    /// `hired_employees`: the department's id.
    department_id: Option<i64>,
    /// `hired_employees`: the job's id.
    job_id: Option<i64>,
}

/// Options of a batch.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IngestQuery {
    /// All rows or none: with an invalid row, answer 422 and insert nothing.
    #[serde(default)]
    pub atomic: bool,
}

/// Which rejects to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectsQuery {
    /// Only rows meant for this table (`departments`, `jobs` or `hired_employees`).
    pub table: Option<String>,
    /// At most this many, newest first (1 to 10000, default 50).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// A rejected row in the reject log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectEntry {
    /// Position in the log.
    pub id: i64,
    /// The table the row was meant for.
    pub table: String,
    /// Where the row came from (`hired_employees.csv:67`, `api <request id> row 3`).
    pub source: String,
    /// The record as received.
    pub raw: String,
    /// Every reason it was refused.
    pub errors: Vec<FieldProblem>,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
}

impl From<StoredRejection> for RejectEntry {
    fn from(r: StoredRejection) -> Self {
        Self {
            id: r.id,
            table: r.table.name().to_owned(),
            source: r.source,
            raw: r.raw,
            errors: r.errors.iter().map(FieldProblem::from).collect(),
            recorded_at: r.recorded_at,
        }
    }
}

/// A page of the reject log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectsResponse {
    /// Rejects recorded in all (for the table, when one is given).
    pub total: u64,
    /// The newest ones, newest first.
    pub rejects: Vec<RejectEntry>,
}

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadSummary {
    /// The table loaded.
    pub table: String,
    /// The name the upload has in the reject log (`api <request id> upload`, then `:LINE`).
    pub source: String,
    /// Records read.
    pub read: u64,
    /// Rows newly stored.
    pub inserted: u64,
    /// Rows whose id was already stored with the same content.
    pub already_present: u64,
    /// Rows refused and logged.
    pub rejected: u64,
    /// Wall time of the load.
    pub seconds: f64,
    /// Records read per second.
    pub rows_per_second: f64,
}

impl From<TableSummary> for UploadSummary {
    fn from(s: TableSummary) -> Self {
        Self {
            table: s.table.name().to_owned(),
            rows_per_second: s.rows_per_second(),
            source: s.source,
            read: s.read,
            inserted: s.inserted,
            already_present: s.already_present,
            rejected: s.rejected,
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

/// The service's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// `reachable`.
    #[schema(example = "reachable")]
    pub database: String,
}

/// The tables rows can be written to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableName {
    /// `id, department`.
    Departments,
    /// `id, job`.
    Jobs,
    /// `id, name, datetime, department_id, job_id`.
    HiredEmployees,
}
