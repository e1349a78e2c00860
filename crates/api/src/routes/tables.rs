//! `GET /api/v1/tables`: how many rows each table holds, e.g. to say what a restore replaces.

use super::problems::{problems, DATABASE_UNAVAILABLE, NO_TOKEN};
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::TableRows;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};

problems!(ListTablesProblems {
    401 => NO_TOKEN,
    503 => DATABASE_UNAVAILABLE,
});

/// Count each table's rows.
///
/// The three tables, parents first, with the rows each holds now.
#[utoipa::path(
    get,
    path = "/api/v1/tables",
    tag = "backups",
    responses(
        (status = 200, description = "Each table and its rows, parents first", body = Vec<TableRows>),
        ListTablesProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn list_tables(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let repos = state.repos.clone();
    let counted = spawn_blocking_with_tracing(move || repos.table_rows())
        .await?
        .map_err(ApiError::Storage)?;
    let tables: Vec<TableRows> = counted
        .into_iter()
        .map(|(table, rows)| TableRows {
            table: table.name().to_owned(),
            rows,
        })
        .collect();
    Ok(HttpResponse::Ok().json(tables))
}
