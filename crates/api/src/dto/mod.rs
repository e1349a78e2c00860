//! What the API sends and takes, as documented in the OpenAPI document: one module per
//! resource.

mod audit;
mod backups;
mod health;
mod ingest;
pub mod legacy;
mod prune;
mod rejects;
mod reports;
mod restore;
mod runs;
mod table;
mod upload;

pub use audit::{AuditQuery, AuditRecord, AuditResponse};
pub use backups::{
    BackupFile, BackupList, BackupRequest, BackupResponse, BackupSet, BackupSetFile, CodecName,
};
pub use health::{Health, ReplicaHealth};
pub use ingest::{FieldProblem, IngestQuery, IngestResponse, RejectedRow, RowObject};
pub use prune::{PruneRequest, PruneResponse};
pub use rejects::{
    ExportFormatName, RejectEntry, RejectsExportQuery, RejectsQuery, RejectsResponse,
};
pub use reports::{DepartmentHiresRow, QuarterHiresRow, ReportFormat, ReportQuery};
pub use restore::{RestoreAllRequest, RestoreRequest, RestoreResponse, RestoredTable};
pub use runs::{RunRecord, RunsQuery, RunsResponse};
pub use table::{TableName, TableRows};
pub use upload::UploadSummary;
