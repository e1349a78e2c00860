//! What `GET /api/v1/rejects` takes and answers.

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
