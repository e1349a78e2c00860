//! `GET /api/v1/reports/hires-by-quarter` and `GET /api/v1/reports/departments-above-mean`: the
//! two reports over the hires of one year, as JSON, CSV or an SVG chart.

use super::problems::{problems, DATABASE_UNAVAILABLE, READS_PROTECTED, REPORT_NOT_ACCEPTABLE};
use crate::charts;
use crate::dto::{DepartmentHiresRow, QuarterHiresRow, ReportFormat, ReportQuery};
use crate::error::ApiError;
use crate::read_from;
use crate::report_html;
use crate::state::AppState;
use actix_web::http::header::{self, Header};
use actix_web::{web, HttpRequest, HttpResponse};
use hiring_domain::{ReportRow, ReportYear};
use hiring_ports::reports::{self, Reports};
use hiring_ports::RepoError;
use serde::Serialize;

/// The media type of CSV answers.
const TEXT_CSV: &str = "text/csv; charset=utf-8";
/// The media type of chart answers.
const IMAGE_SVG: &str = "image/svg+xml";
/// The media type of the report pages of the deprecated addresses.
const TEXT_HTML: &str = "text/html; charset=utf-8";

problems!(ReportProblems {
    400 => "Year not a whole number or outside 1900..=2100, or unknown format",
    401 => READS_PROTECTED,
    406 => REPORT_NOT_ACCEPTABLE,
    503 => DATABASE_UNAVAILABLE,
});

/// Hires per department and job by quarter.
///
/// For every department and job with a hire in the year, the hires per quarter (by UTC month),
/// ordered by department then job (case-insensitively, ties broken byte-wise).
#[utoipa::path(
    get,
    path = "/api/v1/reports/hires-by-quarter",
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "One row per department and job with hires in the year; CSV has the header `department,job,Q1,Q2,Q3,Q4`; the chart stacks the quarters per department", content(
            (Vec<QuarterHiresRow> = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        ReportProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn hires_by_quarter(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    report(
        &req,
        &state,
        &query,
        reports::hires_by_quarter,
        |rows, format, year| match format {
            ReportFormat::Json => json(rows.into_iter().map(QuarterHiresRow::from)),
            ReportFormat::Csv => csv(&rows),
            ReportFormat::Svg => svg(charts::hires_by_quarter(&rows, year)),
        },
    )
    .await
}

/// Departments that hired more than the mean.
///
/// The departments whose hires in the year exceed the mean per department (every department
/// counts, one without hires as 0), by hires descending, then id.
#[utoipa::path(
    get,
    path = "/api/v1/reports/departments-above-mean",
    tag = "reports",
    params(ReportQuery),
    responses(
        (status = 200, description = "The departments above the mean; CSV has the header `id,department,hired`; the chart shows every department's hires against the mean", content(
            (Vec<DepartmentHiresRow> = "application/json"),
            (String = "text/csv"),
            (String = "image/svg+xml"),
        )),
        ReportProblems,
    ),
    security((), ("bearer" = [])),
)]
pub async fn departments_above_mean(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    report(
        &req,
        &state,
        &query,
        reports::departments_above_mean,
        |report, format, year| match format {
            ReportFormat::Json => {
                json(report.departments.into_iter().map(DepartmentHiresRow::from))
            }
            ReportFormat::Csv => csv(&report.departments),
            ReportFormat::Svg => svg(charts::departments_above_mean(&report, year)),
        },
    )
    .await
}

/// Hires by quarter as an HTML page, for a deprecated address opened in a browser; `successor`
/// is where the report lives now.
pub(super) async fn hires_by_quarter_page(
    req: &HttpRequest,
    state: &AppState,
    query: &ReportQuery,
    successor: &'static str,
) -> Result<HttpResponse, ApiError> {
    report(
        req,
        state,
        query,
        reports::hires_by_quarter,
        move |rows, _, year| {
            let title = format!("Hires by quarter, {year}");
            Ok(html(report_html::page(&title, &rows, "", successor)))
        },
    )
    .await
}

/// The departments above the mean as an HTML page, with the mean, for a deprecated address
/// opened in a browser.
pub(super) async fn departments_above_mean_page(
    req: &HttpRequest,
    state: &AppState,
    query: &ReportQuery,
    successor: &'static str,
) -> Result<HttpResponse, ApiError> {
    report(
        req,
        state,
        query,
        reports::departments_above_mean,
        move |report, _, year| {
            let title = format!("Departments that hired more than the mean, {year}");
            let note = format!("Mean hires per department in {year}: {:.2}", report.mean);
            Ok(html(report_html::page(
                &title,
                &report.departments,
                &note,
                successor,
            )))
        },
    )
    .await
}

/// Reads the year and format the request asks for, fetches the report off the async workers
/// and renders it.
async fn report<T: Send + 'static>(
    req: &HttpRequest,
    state: &AppState,
    query: &ReportQuery,
    fetch: fn(&dyn Reports, ReportYear) -> Result<T, RepoError>,
    render: impl FnOnce(T, ReportFormat, ReportYear) -> Result<HttpResponse, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let (year, format) = parse(req, query)?;
    let (report, source) = state
        .read(move |repos| fetch(&*repos.reports, year))
        .await?;
    Ok(read_from::mark(render(report, format, year)?, &source))
}

/// The year (default 2021) and the format: `?format=` first, else the `Accept` header.
fn parse(req: &HttpRequest, query: &ReportQuery) -> Result<(ReportYear, ReportFormat), ApiError> {
    let year = match query.year.as_deref() {
        None => ReportYear::DEFAULT,
        Some(year) => ReportYear::parse(year)?,
    };
    let format = match query.format {
        Some(format) => format,
        None => negotiate(req)?,
    };
    Ok((year, format))
}

/// The format the `Accept` header prefers; JSON when it is absent, empty or unreadable.
fn negotiate(req: &HttpRequest) -> Result<ReportFormat, ApiError> {
    let Some(value) = req.headers().get(header::ACCEPT) else {
        return Ok(ReportFormat::Json);
    };
    let Ok(accept) = header::Accept::parse(req) else {
        return Ok(ReportFormat::Json);
    };
    if accept.is_empty() {
        return Ok(ReportFormat::Json);
    }
    for mime in accept.ranked() {
        let format = match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("*", "*") | ("application", "*" | "json") => ReportFormat::Json,
            ("text", "csv" | "*") => ReportFormat::Csv,
            ("image", "svg" | "*") => ReportFormat::Svg,
            _ => continue,
        };
        return Ok(format);
    }
    Err(ApiError::NotAcceptable(format!(
        "cannot answer {:?}: accept application/json, text/csv or image/svg+xml, or use ?format=json|csv|svg",
        value.to_str().unwrap_or("?")
    )))
}

fn json<R: Serialize>(rows: impl Iterator<Item = R>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(rows.collect::<Vec<_>>()))
}

fn csv<R: ReportRow>(rows: &[R]) -> Result<HttpResponse, ApiError> {
    let text = reports::to_csv(rows);
    Ok(HttpResponse::Ok().content_type(TEXT_CSV).body(text))
}

fn svg(chart: String) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().content_type(IMAGE_SVG).body(chart))
}

fn html(page: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(TEXT_HTML)
        .insert_header((header::CONTENT_SECURITY_POLICY, report_html::POLICY))
        .body(page)
}
