//! The body of every error answer: an RFC 7807 problem (`application/problem+json`).

use crate::dto::IngestResponse;
use crate::tokens::Role;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 7807 problem.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// On a 403: the name of the token sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "dashboard")]
    pub token: Option<String>,
    /// On a 403: the role of the token sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// On a 403: the least role the request needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed: Option<Role>,
}

/// The answer to an all-or-nothing batch with invalid rows: a problem plus the per-row errors.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedProblem {
    /// The problem.
    #[serde(flatten)]
    pub problem: Problem,
    /// What became of the batch (nothing inserted) and why each row was refused.
    #[serde(flatten)]
    pub report: IngestResponse,
}
