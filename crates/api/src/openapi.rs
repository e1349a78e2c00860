//! The OpenAPI 3 document, generated from the handlers and types.

use crate::{dto, error, routes};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The API's OpenAPI document (`GET /api-docs/openapi.json`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hiring API",
        description = "Ingest validated batches of departments, jobs and hired employees; upload historical CSV files; read the reject log.",
    ),
    paths(
        routes::ingest::post_batch,
        routes::upload::upload,
        routes::rejects::list_rejects,
        routes::health::health,
    ),
    components(schemas(
        dto::IngestResponse,
        dto::RejectedRow,
        dto::FieldProblem,
        dto::RowObject,
        dto::RejectsResponse,
        dto::RejectEntry,
        dto::UploadSummary,
        dto::Health,
        dto::TableName,
        error::Problem,
        error::RefusedProblem,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "ingest", description = "Write rows (bearer token required)"),
        (name = "rejects", description = "The log of refused rows"),
        (name = "operations", description = "Health"),
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
