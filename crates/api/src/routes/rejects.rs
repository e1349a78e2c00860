//! `GET /api/v1/rejects` (a page of the reject log) and `GET /api/v1/rejects/export` (every
//! matching reject as CSV or NDJSON, streamed).

use super::problems::{problems, DATABASE_UNAVAILABLE, READS_PROTECTED};
use super::request;
use crate::dto::{
    ExportFormatName, RejectEntry, RejectsExportQuery, RejectsQuery, RejectsResponse,
};
use crate::error::ApiError;
use crate::read_from;
use crate::state::AppState;
use crate::streamed;
use actix_web::{web, HttpResponse};
use hiring_domain::RunId;
use hiring_ports::reject_export::{export_rejects, ExportFormat};
use hiring_ports::{PageLimit, RejectFilter};

problems!(ListRejectsProblems {
    400 => "Unknown table, limit out of range or a malformed filter",
    401 => READS_PROTECTED,
    503 => DATABASE_UNAVAILABLE,
});

/// List rejected rows.
///
/// A page of the reject log, newest first, filtered by table, run, field, reason or source;
/// `next` is the `before` of the following page.
#[utoipa::path(
    get,
    path = "/api/v1/rejects",
    tag = "rejects",
    params(RejectsQuery),
    responses(
        (status = 200, description = "A page of rejects, newest first", body = RejectsResponse),
        ListRejectsProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn list_rejects(
    state: web::Data<AppState>,
    query: web::Query<RejectsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = filter(q.table, q.run, q.field, q.reason, q.source, q.before)?;
    let filter = RejectFilter {
        limit: request::page_limit(q.limit)?,
        ..filter
    };
    let limit = filter.limit.get() as usize;
    let ((total, rejects), source) = state
        .read(move |repos| {
            let rejects = repos.rejects.list(&filter)?;
            let every_page = RejectFilter {
                before: None,
                ..filter
            };
            Ok((repos.rejects.count(&every_page)?, rejects))
        })
        .await?;
    let page = HttpResponse::Ok().json(RejectsResponse::page(total, rejects, limit));
    Ok(read_from::mark(page, &source))
}

problems!(ExportRejectsProblems {
    400 => "Unknown table or format, or a malformed filter",
    401 => READS_PROTECTED,
});

/// Export rejected rows as CSV or NDJSON.
///
/// Every reject matching the filters (at most `limit`), newest first, as a CSV file (columns
/// id, run, table, source, raw, reasons, recorded_at) or NDJSON (one listing object per line),
/// streamed as it is read, from the read replica while it is fit (`Read-From` says where). A
/// failure while streaming cuts the answer short.
#[utoipa::path(
    get,
    path = "/api/v1/rejects/export",
    tag = "rejects",
    params(RejectsExportQuery),
    responses(
        (status = 200, description = "The rejects as a file", content(
            (String = "text/csv"),
            (String = "application/x-ndjson"),
        )),
        ExportRejectsProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn export(
    state: web::Data<AppState>,
    query: web::Query<RejectsExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let filter = filter(q.table, q.run, q.field, q.reason, q.source, q.before)?;
    let (format, file) = match q.format {
        ExportFormatName::Csv => (ExportFormat::Csv, "rejects.csv"),
        ExportFormatName::Ndjson => (ExportFormat::Ndjson, "rejects.ndjson"),
    };
    // Read where reads go now (the replica while it is fit), for the whole stream.
    let (log, source) = state.read(|repos| Ok(repos.rejects.clone())).await?;
    let limit = q.limit;
    let body = streamed::body(move |out| {
        export_rejects(log.as_ref(), &filter, limit, format, out).map(drop)
    });
    let file = HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .streaming(body);
    Ok(read_from::mark(file, &source))
}

/// The filter the query asks for (the page size aside); an empty parameter is no filter.
fn filter(
    table: Option<String>,
    run: Option<i64>,
    field: Option<String>,
    reason: Option<String>,
    source: Option<String>,
    before: Option<i64>,
) -> Result<RejectFilter, ApiError> {
    let given = |v: Option<String>| v.filter(|s| !s.is_empty());
    for (name, value) in [("run", run), ("before", before)] {
        if let Some(value) = value.filter(|v| *v < 1) {
            return Err(ApiError::BadRequest(format!(
                "{name} must be an id (1 or more), got {value}"
            )));
        }
    }
    Ok(RejectFilter {
        table: request::table_filter(table.as_deref())?,
        run: run.map(RunId::new),
        field: given(field),
        reason: given(reason),
        source: given(source),
        before,
        limit: PageLimit::DEFAULT,
    })
}

impl RejectsResponse {
    /// A page of `limit` rejects at most out of `total`; there is a next page when it is full.
    fn page(total: u64, rejects: Vec<hiring_ports::StoredRejection>, limit: usize) -> Self {
        let next = match rejects.last() {
            Some(last) if rejects.len() == limit => Some(last.id),
            _ => None,
        };
        Self {
            total,
            rejects: rejects.into_iter().map(RejectEntry::from).collect(),
            next,
        }
    }
}
