//! The OpenAPI 3 document, generated from the handlers and types.

use crate::{dto, error, routes};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's OpenAPI document (`GET /api-docs/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hiring API",
        description = "Ingest validated batches of departments, jobs and hired employees; upload historical CSV files; read the reject log; back up tables to Avro files and restore them.",
    ),
    paths(
        routes::ingest::post_batch,
        routes::upload::upload,
        routes::rejects::list_rejects,
        routes::rejects::export,
        routes::runs::list_runs,
        routes::runs::get_run,
        routes::audit::list_audit,
        routes::health::health,
        routes::metrics::metrics,
        routes::whoami::whoami,
        routes::reports::hires_by_quarter,
        routes::reports::departments_above_mean,
        routes::backups::create_backup,
        routes::backups::list_backups,
        routes::backups::restore_table,
        routes::backups::restore_all,
        routes::backups::prune_backups,
        routes::tables::list_tables,
        routes::legacy::upload,
        routes::legacy::backup,
        routes::legacy::restore_backup,
        routes::legacy::hired_employees_2021,
        routes::legacy::departments_above_mean,
    ),
    components(schemas(
        dto::IngestResponse,
        dto::RejectedRow,
        dto::FieldProblem,
        dto::RowObject,
        dto::RejectsResponse,
        dto::RejectEntry,
        dto::ExportFormatName,
        dto::RunRecord,
        dto::RunsResponse,
        dto::AuditResponse,
        dto::AuditRecord,
        dto::UploadSummary,
        dto::Health,
        dto::ReplicaHealth,
        dto::TableName,
        dto::TableRows,
        dto::CodecName,
        dto::BackupRequest,
        dto::RestoreRequest,
        dto::RestoreAllRequest,
        dto::BackupFile,
        dto::BackupResponse,
        dto::BackupList,
        dto::BackupSet,
        dto::BackupSetFile,
        dto::RestoredTable,
        dto::RestoreResponse,
        dto::PruneRequest,
        dto::PruneResponse,
        dto::ReportFormat,
        dto::QuarterHiresRow,
        dto::DepartmentHiresRow,
        error::Problem,
        routes::whoami::WhoAmI,
        routes::whoami::ActionAccess,
        crate::tokens::Role,
        error::RefusedProblem,
        dto::legacy::LegacyUploadForm,
        dto::legacy::LegacyRestoreRequest,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "ingest", description = "Write rows (bearer token required)"),
        (name = "rejects", description = "The log of refused rows, and the load history (runs) they belong to"),
        (name = "audit", description = "Who wrote, backed up, restored or pruned what, and how it ended (admin token required)"),
        (name = "operations", description = "Health, metrics, and who a token is"),
        (name = "reports", description = "Reports over one year's hires, as JSON, CSV or an SVG chart"),
        (name = "backups", description = "Avro backups of whole tables and restores from them (bearer token required)"),
        (name = "legacy", description = "Deprecated addresses of the first proof of concept, aliases of the endpoints above (each answer has `Deprecation: true` and a `Link` to its successor)"),
    ),
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the write endpoints name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
