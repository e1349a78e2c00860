//! What `GET /api/v1/rejects` and `GET /api/v1/rejects/export` take and answer.

use super::ingest::FieldProblem;
use hiring_ports::StoredRejection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which rejects to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectsQuery {
    /// Only rows meant for this table (`departments`, `jobs` or `hired_employees`).
    pub table: Option<String>,
    /// Only rows the run with this id last met (see `GET /api/v1/runs`).
    pub run: Option<i64>,
    /// Only rows refused for this field (`datetime`, `department_id`, `record`...), exactly.
    pub field: Option<String>,
    /// Only rows one of whose reasons contains this text, in any case.
    pub reason: Option<String>,
    /// Only rows whose source starts with this text (`hired_employees.csv`, `api`).
    pub source: Option<String>,
    /// Only rows older than the one with this id: the `next` of the previous page.
    pub before: Option<i64>,
    /// At most this many, newest first (1 to 10000, default 50).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// Which rejects to export, and how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectsExportQuery {
    /// `csv` (a header line, then one line per reject) or `ndjson` (one JSON object per line).
    pub format: ExportFormatName,
    /// Only rows meant for this table.
    pub table: Option<String>,
    /// Only rows the run with this id last met.
    pub run: Option<i64>,
    /// Only rows refused for this field, exactly.
    pub field: Option<String>,
    /// Only rows one of whose reasons contains this text, in any case.
    pub reason: Option<String>,
    /// Only rows whose source starts with this text.
    pub source: Option<String>,
    /// Only rows older than the one with this id.
    pub before: Option<i64>,
    /// At most this many, newest first; every matching row when absent.
    #[param(minimum = 1)]
    pub limit: Option<u64>,
}

/// The format of an export.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormatName {
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// A rejected row in the reject log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectEntry {
    /// Position in the log (the cursor: `before` takes it).
    pub id: i64,
    /// The run that last met it (a migrate or an upload), if one did.
    pub run: Option<i64>,
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
            run: r.run.map(hiring_domain::RunId::get),
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
    /// Rejects matching the filters, in all pages.
    pub total: u64,
    /// This page, newest first.
    pub rejects: Vec<RejectEntry>,
    /// The `before` of the next (older) page; null on the last page.
    pub next: Option<i64>,
}
