//! What `GET /health` answers.

use serde::Serialize;
use utoipa::ToSchema;

/// The service's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// `reachable`.
    #[schema(example = "reachable")]
    pub database: String,
}
