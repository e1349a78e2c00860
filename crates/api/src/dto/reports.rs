//! What the report endpoints (`GET /api/v1/reports/...`) take and answer.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The query of the report endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The year (UTC), 1900 to 2100; 2021 when absent.
    // Read as text, so that a year that is not a number gets a clear answer.
    #[param(value_type = Option<i32>, minimum = 1900, maximum = 2100, default = 2021, example = 2021)]
    pub year: Option<String>,
    /// `json` (the default), `csv` (with a header row) or `svg` (a chart). Without it the
    /// `Accept` header chooses (`application/json`, `text/csv`, `image/svg+xml`).
    pub format: Option<ReportFormat>,
}

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// A JSON array of row objects.
    Json,
    /// CSV with a header row.
    Csv,
    /// An SVG chart.
    Svg,
}

/// One row of the hires-by-quarter report: hires of a department for a job in each quarter
/// (by UTC month).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuarterHiresRow {
    /// The department.
    #[schema(example = "Staff")]
    pub department: String,
    /// The job.
    #[schema(example = "Manager")]
    pub job: String,
    /// Hires in January to March.
    #[serde(rename = "Q1")]
    pub q1: u64,
    /// Hires in April to June.
    #[serde(rename = "Q2")]
    pub q2: u64,
    /// Hires in July to September.
    #[serde(rename = "Q3")]
    pub q3: u64,
    /// Hires in October to December.
    #[serde(rename = "Q4")]
    pub q4: u64,
}

impl From<hiring_domain::QuarterHires> for QuarterHiresRow {
    fn from(row: hiring_domain::QuarterHires) -> Self {
        Self {
            department: row.department,
            job: row.job,
            q1: row.q1,
            q2: row.q2,
            q3: row.q3,
            q4: row.q4,
        }
    }
}

/// One department that hired more than the mean per department in the year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentHiresRow {
    /// The department's id.
    #[schema(example = 7)]
    pub id: i32,
    /// The department.
    #[schema(example = "Support")]
    pub department: String,
    /// Its hires in the year.
    #[schema(example = 221)]
    pub hired: u64,
}

impl From<hiring_domain::DepartmentHires> for DepartmentHiresRow {
    fn from(row: hiring_domain::DepartmentHires) -> Self {
        Self {
            id: row.id.get(),
            department: row.department,
            hired: row.hired,
        }
    }
}
