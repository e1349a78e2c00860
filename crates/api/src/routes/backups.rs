//! `POST /api/v1/backups`, `GET /api/v1/backups`, `POST /api/v1/{table}/restore` and
//! `POST /api/v1/restore`, `POST /api/v1/backups/prune`: the backup use cases of `hiring-ports` over HTTP. A file name from a
//! request is only ever resolved inside the backup folder.

use super::problems::{problems, NOT_JSON, NO_TOKEN, RESTORE_UNAVAILABLE, TOO_LARGE};
use super::request::{self, read_body, BodyFormat};
use crate::dto::{
    BackupList, BackupRequest, BackupResponse, PruneRequest, PruneResponse, RestoreAllRequest,
    RestoreRequest, RestoreResponse, TableName,
};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use hiring_domain::Table;
use hiring_ports::backup::RestoreSource;
use hiring_ports::SetId;
use serde::de::DeserializeOwned;
use std::time::SystemTime;

problems!(CreateBackupProblems {
    400 => "Malformed JSON or an unknown table or codec in the body",
    401 => NO_TOKEN,
    413 => TOO_LARGE,
    415 => NOT_JSON,
    503 => "Database unavailable, or backups not configured",
    507 => "The backups would pass their quota (backup.api_quota): prune old backups first; nothing was written",
});

/// Back up tables to Avro files.
///
/// Backs up the tables (all three by default) from one consistent snapshot into the backup
/// folder, one Avro file per table; an existing file is never replaced.
#[utoipa::path(
    post,
    path = "/api/v1/backups",
    tag = "backups",
    request_body(
        description = "Optional: which tables and which compression; an empty body backs up every table uncompressed",
        content((Option<BackupRequest> = "application/json")),
    ),
    responses(
        (status = 201, description = "The backup files written, parents first", body = BackupResponse),
        CreateBackupProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn create_backup(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: BackupRequest = optional_json(&req, payload, state.config.body_limit).await?;
    let tables: Vec<Table> = body.tables.into_iter().map(Table::from).collect();
    let retention = state.config.backup_retention;
    let (done, source) = state
        .run_backup_reads(move |backups| {
            backups.backup_retained(&tables, body.codec.into(), &retention, SystemTime::now())
        })
        .await?;
    crate::audit::note(&req, &done);
    let created = HttpResponse::Created().json(BackupResponse::from(done));
    Ok(crate::read_from::mark(created, &source))
}

problems!(ListBackupsProblems {
    401 => NO_TOKEN,
    503 => "Backups not configured",
});

/// List backup sets and backup files.
///
/// The backup sets (newest first, each saying whether it is complete) and the readable backup
/// files (tables in dependency order, newest first) in the backup folder.
#[utoipa::path(
    get,
    path = "/api/v1/backups",
    tag = "backups",
    responses(
        (status = 200, description = "The backups", body = BackupList),
        ListBackupsProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn list_backups(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let listed = state.run_backups(|backups| backups.listing()).await?;
    Ok(HttpResponse::Ok().json(BackupList {
        sets: listed.sets.into_iter().map(Into::into).collect(),
        backups: listed.files.into_iter().map(Into::into).collect(),
    }))
}

problems!(RestoreTableProblems {
    400 => "Malformed JSON, or a file name leading out of the backup folder (`..`, absolute path, link)",
    401 => NO_TOKEN,
    404 => "Unknown table, no such backup file, or no backup of the table",
    409 => "The result would leave hired_employees rows pointing at missing departments or jobs (the ids are named); nothing changed",
    413 => TOO_LARGE,
    415 => NOT_JSON,
    422 => "The file is truncated or corrupt, holds another table, an incompatible schema, an invalid record or an id twice; nothing changed",
    503 => RESTORE_UNAVAILABLE,
});

/// Restore a table from a backup file.
///
/// Replaces the table's contents with its newest backup, or the named file, in one
/// transaction. Every record passes the ingestion rules; any problem refuses the whole restore
/// and leaves the table as it was.
#[utoipa::path(
    post,
    path = "/api/v1/{table}/restore",
    tag = "backups",
    params(("table" = TableName, Path, description = "departments, jobs or hired_employees")),
    request_body(
        description = "Optional: the backup file to restore; an empty body restores the table's newest backup",
        content((Option<RestoreRequest> = "application/json")),
    ),
    responses(
        (status = 200, description = "The table was replaced", body = RestoreResponse),
        RestoreTableProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn restore_table(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let table = request::table(&path)?;
    let body: RestoreRequest = optional_json(&req, payload, state.config.body_limit).await?;
    let source = body
        .file
        .map_or(RestoreSource::Newest, RestoreSource::Named);
    let restored = state
        .run_backups(move |backups| backups.restore_table(table, source))
        .await;
    state.metrics.record_restore(&table.to_string(), &restored);
    let summary = restored?;
    crate::audit::note(&req, &summary);
    Ok(HttpResponse::Ok().json(RestoreResponse::from(summary)))
}

problems!(RestoreAllProblems {
    400 => "Malformed JSON, `all` is not true, or a malformed set id",
    401 => NO_TOKEN,
    404 => "No such set, or no set holding every table",
    409 => "The result would leave hired_employees rows pointing at missing departments or jobs (the ids are named); nothing changed",
    413 => TOO_LARGE,
    415 => NOT_JSON,
    422 => "A file of the set is missing or not the one recorded (checksum, size, row count), or is truncated or corrupt, holds another table, an incompatible schema, an invalid record or an id twice; nothing changed",
    503 => RESTORE_UNAVAILABLE,
});

/// Restore a whole backup set.
///
/// Restores every table of one backup set (the one named, or else the newest set holding every
/// table), parents first, in one transaction. Every file is checked against the set's manifest
/// (present, SHA-256, size, row count) before any table is touched.
#[utoipa::path(
    post,
    path = "/api/v1/restore",
    tag = "backups",
    request_body(
        description = "`{\"all\": true}`, optionally with `\"set\": ID`",
        content((RestoreAllRequest = "application/json")),
    ),
    responses(
        (status = 200, description = "Every table was replaced", body = RestoreResponse),
        RestoreAllProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn restore_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: RestoreAllRequest = optional_json(&req, payload, state.config.body_limit).await?;
    if !body.all {
        return Err(ApiError::BadRequest(
            "send {\"all\": true} to restore every table of a backup set".into(),
        ));
    }
    let set = body
        .set
        .map(|id| id.parse::<SetId>().map_err(ApiError::BadRequest))
        .transpose()?;
    let restored = state
        .run_backups(move |backups| backups.restore_set(set.as_ref()))
        .await;
    state.metrics.record_restore("all", &restored);
    let summary = restored?;
    crate::audit::note(&req, &summary);
    Ok(HttpResponse::Ok().json(RestoreResponse::from(summary)))
}

problems!(PruneBackupsProblems {
    400 => "Malformed JSON, an unknown field, no `keep`, or `keep` 0",
    401 => NO_TOKEN,
    403 => "A token without the admin role",
    413 => TOO_LARGE,
    415 => NOT_JSON,
    500 => "A file could not be removed; sets whose manifest was removed before stay removed",
    503 => "Backups not configured",
});

/// Remove old backups.
///
/// Removes old backups: keeps the newest `keep` complete backup sets (every file there with
/// its recorded size and SHA-256) and removes the older sets (manifest first, then files) and
/// backup files of no set older than the oldest set kept. Nothing newer than that set, no file
/// a kept set lists and no file not named as a backup is touched. `dry_run` only reports.
#[utoipa::path(
    post,
    path = "/api/v1/backups/prune",
    tag = "backups",
    request_body(
        description = "`{\"keep\": N}` (N at least 1), optionally with `\"dry_run\": true`",
        content((PruneRequest = "application/json")),
    ),
    responses(
        (status = 200, description = "What was removed (or would be, in a dry run) and what was kept", body = PruneResponse),
        PruneBackupsProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn prune_backups(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body: PruneRequest = optional_json(&req, payload, state.config.body_limit).await?;
    let policy = body.policy(SystemTime::now())?;
    let summary = state
        .run_backups(move |backups| backups.prune(policy))
        .await?;
    crate::audit::note(&req, &summary);
    Ok(HttpResponse::Ok().json(PruneResponse::from(summary)))
}

/// A JSON object body read into `T`, or `T::default()` when the body is empty or `null`.
async fn optional_json<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<T, ApiError> {
    let body = read_body(req, payload, limit).await?;
    if body.is_empty() {
        return Ok(T::default());
    }
    BodyFormat::of(req, &[BodyFormat::Json], "application/json")?;
    if body.trim_ascii() == b"null" {
        return Ok(T::default());
    }
    request::json_object(&body)
}
