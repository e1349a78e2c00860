//! What an upload (`POST /api/v1/{table}/upload`) answers.

use hiring_ports::migrate::TableSummary;
use serde::Serialize;
use utoipa::ToSchema;

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadSummary {
    /// The run of the load history this upload is (`GET /api/v1/runs/{id}`); its rejects
    /// carry it (`GET /api/v1/rejects?run=ID`).
    pub run: Option<i64>,
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
    /// True when the first line was the table's column names (`id,department`...) and was
    /// skipped as a header.
    pub header_skipped: bool,
}

impl From<TableSummary> for UploadSummary {
    fn from(s: TableSummary) -> Self {
        Self {
            run: s.run.map(hiring_domain::RunId::get),
            table: s.table.name().to_owned(),
            rows_per_second: s.rows_per_second(),
            source: s.source,
            read: s.read,
            inserted: s.inserted,
            already_present: s.already_present,
            rejected: s.rejected,
            seconds: s.elapsed.as_secs_f64(),
            header_skipped: s.header_skipped,
        }
    }
}
