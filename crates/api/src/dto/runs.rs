//! The wire types of the load history (`GET /api/v1/runs`).

use hiring_ports::runs::StoredRun;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which runs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only runs older than this one: the `next` of the previous page.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// At most this many, newest first (1 to 10000, default 50).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// One run: a `hiring migrate` or an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunRecord {
    /// Its id, which its rejects carry (`GET /api/v1/rejects?run=ID`).
    pub id: i64,
    /// What started it: `migrate` or `upload`.
    pub kind: String,
    /// Who started it: a token's name, or `cli:<user>` for the command line.
    pub actor: String,
    /// What it loads (files, or the uploaded table).
    pub source: String,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended; null while running (or when its process was killed).
    pub finished_at: Option<String>,
    /// `running`, `completed`, `reject_limit`, `interrupted` or `failed`.
    pub outcome: String,
    /// Rows read.
    pub read: u64,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows already stored, skipped.
    pub already_present: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// How long it took, once ended.
    pub seconds: Option<f64>,
    /// Why it failed or stopped.
    pub detail: String,
}

impl From<StoredRun> for RunRecord {
    fn from(r: StoredRun) -> Self {
        Self {
            id: r.id.get(),
            kind: r.kind.name().to_owned(),
            actor: r.actor,
            source: r.source,
            started_at: r.started_at,
            finished_at: r.finished_at,
            outcome: r.outcome.name().to_owned(),
            read: r.counts.read,
            inserted: r.counts.inserted,
            already_present: r.counts.already_present,
            rejected: r.counts.rejected,
            seconds: r.seconds,
            detail: r.detail,
        }
    }
}

/// A page of the load history.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunsResponse {
    /// This page, newest first.
    pub runs: Vec<RunRecord>,
    /// The `before` of the next (older) page; null on the last page.
    pub next: Option<i64>,
}
