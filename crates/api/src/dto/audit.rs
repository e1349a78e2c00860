//! The wire types of the audit log (`GET /api/v1/audit`).

use hiring_ports::audit::StoredAuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which audit entries to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this action: `ingest`, `upload`, `migrate`, `backup`, `restore` or `prune`.
    pub action: Option<String>,
    /// Only this actor (a token's name, or `cli:<user>` for the command line).
    pub actor: Option<String>,
    /// Only this table (`departments`, `jobs` or `hired_employees`).
    pub table: Option<String>,
    /// Only entries older than this one (the `id` of the last entry of the previous page).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// At most this many, newest first (1 to 10000, default 50).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    /// Position in the log (increasing).
    pub id: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// Who: a token's name, or `cli:<user>` for the command line.
    pub actor: String,
    /// What: `ingest`, `upload`, `migrate`, `backup`, `restore` or `prune`.
    pub action: String,
    /// The table it touched, if any.
    pub table: Option<String>,
    /// The rows stored, written or restored (for a failed load: committed before it failed).
    pub rows: u64,
    /// How it ended: `succeeded`, `failed` or `refused` (the token's role was too small).
    pub outcome: String,
    /// What else to know: counts, files, or why it failed.
    pub detail: String,
    /// The HTTP request it answered (`X-Request-Id`), if any.
    pub request_id: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

impl From<StoredAuditEntry> for AuditRecord {
    fn from(e: StoredAuditEntry) -> Self {
        Self {
            id: e.id,
            recorded_at: e.recorded_at,
            actor: e.actor,
            action: e.action.name().to_owned(),
            table: e.table.map(|t| t.name().to_owned()),
            rows: e.rows,
            outcome: e.outcome.name().to_owned(),
            detail: e.detail,
            request_id: e.request_id,
            duration_ms: e.duration_ms,
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditResponse {
    /// The entries, newest first.
    pub entries: Vec<AuditRecord>,
}
