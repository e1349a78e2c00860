//! What `POST /api/v1/{table}` takes and answers.

use hiring_domain::FieldError;
use hiring_ports::ingest::IngestReport;
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
