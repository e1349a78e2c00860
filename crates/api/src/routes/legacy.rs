//! The addresses of the old Flask proof of concept, kept as deprecated aliases of the `/api/v1`
//! endpoints: same rules, same token, same answers, plus `Deprecation: true` and a `Link` to the
//! successor on every answer of the resource, the token check's refusals included. Remove this
//! module and its routes once no caller uses them.

use super::problems::{
    problems, DATABASE_UNAVAILABLE, NO_TOKEN, READS_PROTECTED, REPORT_NOT_ACCEPTABLE,
    RESTORE_UNAVAILABLE, TOO_LARGE,
};
use super::request::{self, read_body, BodyFormat};
use super::upload::{load_spooled, spool, UploadSource};
use super::{backups, reports};
use crate::dto::legacy::{LegacyFormatQuery, LegacyRestoreRequest, LegacyUploadForm};
use crate::dto::{
    BackupResponse, DepartmentHiresRow, QuarterHiresRow, ReportQuery, RestoreResponse,
    UploadSummary,
};
use crate::error::ApiError;
use crate::middleware::RequestId;
use crate::state::AppState;
use actix_multipart::{Field, Multipart};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, Header, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use hiring_domain::Table;
use hiring_ports::ingest::NotCsv;

/// What the bodies of `POST /restore-backup` may be.
const RESTORE_TYPES: &str =
    "application/json, application/x-www-form-urlencoded or multipart/form-data";

/// Each alias and its successor, named by the `Link` header of its answers.
const SUCCESSORS: &[(&str, &str)] = &[
    ("/upload", "/api/v1/{table}/upload"),
    ("/backup", "/api/v1/backups"),
    ("/restore-backup", "/api/v1/{table}/restore"),
    (
        "/hired_employees_2021",
        "/api/v1/reports/hires-by-quarter?year=2021",
    ),
    (
        "/departments_above_mean",
        "/api/v1/reports/departments-above-mean",
    ),
];

/// Adds `Deprecation: true` and a `Link` to the successor to every answer of an alias. It wraps
/// the token check, so that its refusals (401) carry them too.
pub async fn mark_deprecated(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The path as the router matches it (percent-decoded): exactly the requests of the aliases.
    let path = req.match_info().as_str();
    let successor = SUCCESSORS
        .iter()
        .find(|(alias, _)| *alias == path)
        .map(|(_, successor)| *successor);
    let mut response = next.call(req).await?.map_into_boxed_body();
    if let Some(successor) = successor {
        let headers = response.headers_mut();
        headers.insert(
            HeaderName::from_static("deprecation"),
            HeaderValue::from_static("true"),
        );
        let link = format!("<{successor}>; rel=\"successor-version\"");
        if let Ok(link) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, link);
        }
    }
    Ok(response)
}

problems!(UploadProblems {
    400 => "Not a readable form, no file, a file twice, an unknown part, a file that is not CSV text, or a malformed Idempotency-Key: nothing was stored",
    401 => NO_TOKEN,
    415 => "Not multipart/form-data",
    503 => "Database unavailable; batches committed before stay stored",
});

/// Deprecated alias of POST /api/v1/{table}/upload for a whole form.
///
/// Deprecated: `POST /api/v1/{table}/upload` once per file. Receives the whole form into
/// temporary files and checks it (part names, no file twice, no file that is not CSV text)
/// before loading anything: a form answered 4xx stored nothing. Then loads the files through
/// the migration use case, parents first, and answers the summary of each table loaded,
/// parents first. A storage failure (503) keeps the files loaded before it.
#[utoipa::path(
    post,
    path = "/upload",
    tag = "legacy",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "As for POST /api/v1/{table}/upload: names the upload in the reject log, so that a retry logs no reject twice", min_length = 1, max_length = 255, pattern = "^[!-~]+$"),
    ),
    request_body(
        description = "A multipart form with the files departments, jobs and/or hired_employees",
        content((LegacyUploadForm = "multipart/form-data")),
    ),
    responses(
        (status = 200, description = "The files were loaded; the summary of each table, parents first", body = Vec<UploadSummary>),
        UploadProblems,
    ),
    security(("bearer" = [])),
)]
#[deprecated = "use POST /api/v1/{table}/upload"]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if !is_multipart(&req) {
        return Err(ApiError::UnsupportedMediaType {
            found: req.content_type().to_owned(),
            expected: "multipart/form-data",
        });
    }
    let key = super::idempotency::key(&req)?;
    let source = UploadSource::new(&request_id, key.as_ref());
    let mut form = Multipart::new(req.headers(), payload);
    let summaries = load_form(&req, &state, &source, &mut form).await?;
    Ok(HttpResponse::Ok().json(summaries))
}

/// Deprecated alias of POST /api/v1/backups.
///
/// Deprecated: `POST /api/v1/backups`.
#[utoipa::path(
    post,
    path = "/backup",
    tag = "legacy",
    request_body(
        description = "Optional, as for POST /api/v1/backups",
        content((Option<crate::dto::BackupRequest> = "application/json")),
    ),
    responses(
        (status = 201, description = "The backup files written, parents first", body = BackupResponse),
        backups::CreateBackupProblems,
    ),
    security(("bearer" = [])),
)]
#[deprecated = "use POST /api/v1/backups"]
pub async fn backup(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    backups::create_backup(req, state, payload).await
}

/// `GET /backup`, the "Backup Now" form of the first page: refused, since a write through GET
/// could be triggered from another site (a link, an image), with what to do instead.
pub async fn backup_through_get(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allow: "POST",
        hint: ". A backup is a write and is never made through GET, which a link or an image \
               on another site could send: send POST /backup (or POST /api/v1/backups) with an \
               admin token, or use the web console at /",
    })
}

problems!(RestoreBackupProblems {
    400 => "No file named, an unreadable body, or a file name leading out of the backup folder (`..`, absolute path, link)",
    401 => NO_TOKEN,
    404 => "No such backup file",
    409 => "The result would leave hired_employees rows pointing at missing departments or jobs; nothing changed",
    413 => TOO_LARGE,
    415 => "A body of another type",
    422 => "The file is truncated or corrupt, an incompatible schema, an invalid record or an id twice; nothing changed",
    503 => RESTORE_UNAVAILABLE,
});

/// Deprecated alias of POST /api/v1/{table}/restore.
///
/// Deprecated: `POST /api/v1/{table}/restore` with `{"file": NAME}`. Replaces the table of the
/// named backup file with its contents in one transaction.
#[utoipa::path(
    post,
    path = "/restore-backup",
    tag = "legacy",
    request_body(
        description = "The backup file: JSON `{\"file\": NAME}` or the form field `file`",
        content(
            (LegacyRestoreRequest = "application/json"),
            (LegacyRestoreRequest = "application/x-www-form-urlencoded"),
            (LegacyRestoreRequest = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 200, description = "The table was replaced", body = RestoreResponse),
        RestoreBackupProblems,
    ),
    security(("bearer" = [])),
)]
#[deprecated = "use POST /api/v1/{table}/restore"]
pub async fn restore_backup(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let file = requested_file(&req, payload, state.config.body_limit).await?;
    let restored = state
        .run_backups(move |backups| backups.restore_named(&file))
        .await;
    state.metrics.record_restore("unknown", &restored);
    let summary = restored?;
    crate::audit::note(&req, &summary);
    Ok(HttpResponse::Ok().json(RestoreResponse::from(summary)))
}

problems!(HiredEmployees2021Problems {
    400 => "Unknown format",
    401 => READS_PROTECTED,
    406 => REPORT_NOT_ACCEPTABLE,
    503 => DATABASE_UNAVAILABLE,
});

/// Deprecated alias of GET /api/v1/reports/hires-by-quarter?year=2021.
///
/// Deprecated: `GET /api/v1/reports/hires-by-quarter?year=2021`.
#[utoipa::path(
    get,
    path = "/hired_employees_2021",
    tag = "legacy",
    params(LegacyFormatQuery),
    responses(
        (status = 200, description = "As GET /api/v1/reports/hires-by-quarter?year=2021", content(
            (Vec<QuarterHiresRow> = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        HiredEmployees2021Problems,
    ),
    security((), ("bearer" = [])),
)]
#[deprecated = "use GET /api/v1/reports/hires-by-quarter?year=2021"]
pub async fn hired_employees_2021(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LegacyFormatQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = ReportQuery {
        year: Some("2021".to_owned()),
        format: query.into_inner().format,
    };
    if query.format.is_none() && prefers_html(&req) {
        let successor = "/api/v1/reports/hires-by-quarter?year=2021";
        return reports::hires_by_quarter_page(&req, &state, &query, successor).await;
    }
    reports::hires_by_quarter(req, state, web::Query(query)).await
}

/// Deprecated alias of GET /api/v1/reports/departments-above-mean.
///
/// Deprecated: `GET /api/v1/reports/departments-above-mean` (2021 unless `?year=`).
#[utoipa::path(
    get,
    path = "/departments_above_mean",
    tag = "legacy",
    params(ReportQuery),
    responses(
        (status = 200, description = "As GET /api/v1/reports/departments-above-mean", content(
            (Vec<DepartmentHiresRow> = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        reports::ReportProblems,
    ),
    security((), ("bearer" = [])),
)]
#[deprecated = "use GET /api/v1/reports/departments-above-mean"]
pub async fn departments_above_mean(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.format.is_none() && prefers_html(&req) {
        let successor = "/api/v1/reports/departments-above-mean";
        return reports::departments_above_mean_page(&req, &state, &query, successor).await;
    }
    reports::departments_above_mean(req, state, query).await
}

/// True when the `Accept` header ranks an HTML page before every format a report comes in, as
/// a browser does when it opens the address (the first page's report buttons).
fn prefers_html(req: &HttpRequest) -> bool {
    let Ok(accept) = header::Accept::parse(req) else {
        return false;
    };
    accept
        .ranked()
        .iter()
        .find_map(
            |mime| match (mime.type_().as_str(), mime.subtype().as_str()) {
                ("text", "html") => Some(true),
                ("*", "*") | ("application", "json" | "*") | ("text", "csv" | "*") => Some(false),
                ("image", "svg" | "*") => Some(false),
                _ => None,
            },
        )
        .unwrap_or(false)
}

fn is_multipart(req: &HttpRequest) -> bool {
    matches!(req.mime_type(), Ok(Some(m)) if m.type_() == "multipart" && m.subtype() == "form-data")
}

/// Receives the whole form, then loads its files through one migration run, parents first;
/// the summaries parents first. A form refused for any of its parts stores nothing.
async fn load_form(
    req: &HttpRequest,
    state: &AppState,
    source: &UploadSource,
    form: &mut Multipart,
) -> Result<Vec<UploadSummary>, ApiError> {
    let files = receive_form(form).await?;
    load_spooled(req, state, source, files).await
}

/// Spools every file part of `form` to a temporary file and checks the form as a whole — each
/// part names a table, no table twice, at least one file, no file that the migration would
/// refuse as not text — before anything is loaded.
async fn receive_form(form: &mut Multipart) -> Result<Vec<(Table, std::fs::File)>, ApiError> {
    let mut files: Vec<(Table, std::fs::File)> = Vec::new();
    let mut positional = 0;
    while let Some(field) = form.next().await {
        let field = field?;
        let table = table_of_part(&field, &mut positional)?;
        // Fused: a field must not be polled again once it has ended.
        let mut field = field.fuse();
        if let Some(table) = table {
            if files.iter().any(|(t, _)| *t == table) {
                return Err(ApiError::BadRequest(format!(
                    "the form has two {table} files"
                )));
            }
            let spooled = spool(&mut field).await?;
            if let Some(reason) = spooled.not_text {
                return Err(ApiError::MalformedCsv(NotCsv(format!(
                    "{reason} (the {table} file)"
                ))));
            }
            files.push((table, spooled.file));
        }
        while field.next().await.transpose()?.is_some() {}
    }
    if files.is_empty() {
        return Err(ApiError::BadRequest(
            "the form has no file: send parts named departments, jobs or hired_employees".into(),
        ));
    }
    Ok(files)
}

/// The tables of the parts named `file` of the first page's upload form, in its order.
const PAGE_ORDER: [Table; 3] = [Table::Jobs, Table::Departments, Table::HiredEmployees];

/// The table a part of the upload form holds: its name, else its file name, else — for the
/// parts named `file` of the first page's form — its place among them (`positional` counts
/// them); `None` for a file input left empty (a file name but no file).
fn table_of_part(field: &Field, positional: &mut usize) -> Result<Option<Table>, ApiError> {
    let disposition = field.content_disposition();
    let name = disposition.and_then(|d| d.get_name()).unwrap_or_default();
    let file_name = disposition.and_then(|d| d.get_filename());
    let place = (name == "file").then(|| {
        *positional += 1;
        *positional - 1
    });
    if file_name == Some("") {
        return Ok(None);
    }
    let by_file = file_name.and_then(|f| Table::ALL.into_iter().find(|t| t.file_name() == f));
    if let Some(table) = name.parse::<Table>().ok().or(by_file) {
        return Ok(Some(table));
    }
    match place {
        Some(place) => PAGE_ORDER.get(place).copied().map(Some).ok_or_else(|| {
            ApiError::BadRequest(
                "the form has a fourth part named file: the first page's form has three (jobs, \
                 departments, hired employees, in that order)"
                    .into(),
            )
        }),
        None => Err(ApiError::BadRequest(format!(
            "the form part {name:?} (file {:?}) is none of departments, jobs, hired_employees",
            file_name.unwrap_or_default()
        ))),
    }
}

/// The backup file named by the body of `POST /restore-backup`.
async fn requested_file(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<String, ApiError> {
    let request = if is_multipart(req) {
        file_field(Multipart::new(req.headers(), payload), limit).await?
    } else {
        let body = read_body(req, payload, limit).await?;
        let urlencoded = matches!(req.mime_type(), Ok(Some(m)) if m.essence_str() == "application/x-www-form-urlencoded");
        if body.is_empty() {
            LegacyRestoreRequest::default()
        } else if urlencoded {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::BadRequest("the form is not UTF-8 text".into()))?;
            // The query-string parser is the form parser (both are `application/x-www-form-urlencoded`).
            web::Query::<LegacyRestoreRequest>::from_query(text)
                .map_err(|e| ApiError::BadRequest(format!("the form could not be read: {e}")))?
                .into_inner()
        } else {
            BodyFormat::of(req, &[BodyFormat::Json], RESTORE_TYPES)?;
            request::json_object::<LegacyRestoreRequest>(&body)?
        }
    };
    request.file.filter(|f| !f.is_empty()).ok_or_else(|| {
        ApiError::BadRequest(
            "name the backup file to restore: {\"file\": NAME} or the form field file (or avro_file_list)".into(),
        )
    })
}

/// The field `file` (or `avro_file_list`, as the first page names it) of a multipart form, each
/// part read up to `limit` bytes.
async fn file_field(mut form: Multipart, limit: usize) -> Result<LegacyRestoreRequest, ApiError> {
    let mut request = LegacyRestoreRequest::default();
    while let Some(field) = form.next().await {
        let mut field = field?;
        let bytes = field
            .bytes(limit)
            .await
            .map_err(|_| ApiError::TooLarge { limit })??;
        let named = matches!(field.name(), Some("file" | "avro_file_list"));
        if named && request.file.is_none() {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| ApiError::BadRequest("the field file is not UTF-8 text".into()))?;
            request.file = Some(text);
        }
    }
    Ok(request)
}
