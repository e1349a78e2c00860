//! What the API sends and takes, as documented in the OpenAPI document.

mod audit;
mod prune;

pub use audit::{AuditQuery, AuditRecord, AuditResponse};
use hiring_domain::{FieldError, Table};
use hiring_ports::backup::{BackupSummary, RestoreSummary};
use hiring_ports::ingest::IngestReport;
use hiring_ports::migrate::TableSummary;
use hiring_ports::{BackupInfo, Codec, SetFile, SetStatus, StoredRejection};
pub use prune::{PruneRequest, PruneResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One broken rule of a row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The column, or `record` for the row as a whole.
    #[schema(example = "datetime")]
    pub field: String,
    /// Why the value was refused.
    #[schema(example = "is required")]
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(e: &FieldError) -> Self {
        Self {
            field: e.field().to_owned(),
            message: e.message().to_owned(),
        }
    }
}

/// A row of the batch that was not inserted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RejectedRow {
    /// Position of the row in the batch, from 0.
    pub index: usize,
    /// The row's id, when its `id` field was valid.
    pub id: Option<i32>,
    /// Every reason.
    pub errors: Vec<FieldProblem>,
}

/// What became of a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IngestResponse {
    /// The table written.
    #[schema(example = "hired_employees")]
    pub table: String,
    /// The request's id; rejects are logged with the source `api <request id> row <index>`.
    pub request_id: String,
    /// Rows received.
    pub received: usize,
    /// Rows inserted.
    pub inserted: u64,
    /// Rows refused, in batch order.
    pub rejected: Vec<RejectedRow>,
}

impl From<IngestReport> for IngestResponse {
    fn from(report: IngestReport) -> Self {
        Self {
            table: report.table.name().to_owned(),
            request_id: report.request_id,
            received: report.received,
            inserted: report.inserted,
            rejected: report
                .rejected
                .into_iter()
                .map(|r| RejectedRow {
                    index: r.index,
                    id: r.id.map(|id| id.get()),
                    errors: r.errors.iter().map(FieldProblem::from).collect(),
                })
                .collect(),
        }
    }
}

/// One row of a JSON batch: the CSV column names of the table as keys. Which keys a table takes:
/// `departments` `id, department`; `jobs` `id, job`; `hired_employees`
/// `id, name, datetime, department_id, job_id`. Ids are positive 32-bit integers (numbers or
/// decimal strings), `datetime` an RFC 3339 timestamp with a zone.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RowObject {
    /// The row's primary key.
    #[schema(example = 1)]
    id: Option<i64>,
    /// `departments`: the department's name.
    department: Option<String>,
    /// `jobs`: the job's title.
    job: Option<String>,
    /// `hired_employees`: the employee's name.
    name: Option<String>,
    /// `hired_employees`: when the employee was hired.
    #[schema(example = "2021-11-07T02:48:42Z")]
    datetime: Option<String>,
    /// `hired_employees`: the department's id.
    department_id: Option<i64>,
    /// `hired_employees`: the job's id.
    job_id: Option<i64>,
}

/// Options of a batch.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IngestQuery {
    /// All rows or none: with an invalid row, answer 422 and insert nothing.
    #[serde(default)]
    pub atomic: bool,
}

/// Which rejects to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RejectsQuery {
    /// Only rows meant for this table (`departments`, `jobs` or `hired_employees`).
    pub table: Option<String>,
    /// At most this many, newest first (1 to 10000, default 50).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// A rejected row in the reject log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectEntry {
    /// Position in the log.
    pub id: i64,
    /// The table the row was meant for.
    pub table: String,
    /// Where the row came from (`hired_employees.csv:67`, `api <request id> row 3`).
    pub source: String,
    /// The record as received.
    pub raw: String,
    /// Every reason it was refused.
    pub errors: Vec<FieldProblem>,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
}

impl From<StoredRejection> for RejectEntry {
    fn from(r: StoredRejection) -> Self {
        Self {
            id: r.id,
            table: r.table.name().to_owned(),
            source: r.source,
            raw: r.raw,
            errors: r.errors.iter().map(FieldProblem::from).collect(),
            recorded_at: r.recorded_at,
        }
    }
}

/// A page of the reject log.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectsResponse {
    /// Rejects recorded in all (for the table, when one is given).
    pub total: u64,
    /// The newest ones, newest first.
    pub rejects: Vec<RejectEntry>,
}

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadSummary {
    /// The table loaded.
    pub table: String,
    /// The name the upload has in the reject log (`api <request id> upload`, then `:LINE`).
    pub source: String,
    /// Records read.
    pub read: u64,
    /// Rows newly stored.
    pub inserted: u64,
    /// Rows whose id was already stored with the same content.
    pub already_present: u64,
    /// Rows refused and logged.
    pub rejected: u64,
    /// Wall time of the load.
    pub seconds: f64,
    /// Records read per second.
    pub rows_per_second: f64,
}

impl From<TableSummary> for UploadSummary {
    fn from(s: TableSummary) -> Self {
        Self {
            table: s.table.name().to_owned(),
            rows_per_second: s.rows_per_second(),
            source: s.source,
            read: s.read,
            inserted: s.inserted,
            already_present: s.already_present,
            rejected: s.rejected,
            seconds: s.elapsed.as_secs_f64(),
        }
    }
}

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

/// The tables rows can be written to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TableName {
    /// `id, department`.
    Departments,
    /// `id, job`.
    Jobs,
    /// `id, name, datetime, department_id, job_id`.
    HiredEmployees,
}

impl From<TableName> for Table {
    fn from(name: TableName) -> Self {
        match name {
            TableName::Departments => Table::Departments,
            TableName::Jobs => Table::Jobs,
            TableName::HiredEmployees => Table::HiredEmployees,
        }
    }
}

/// The block compressions of a backup file.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CodecName {
    /// No compression.
    #[default]
    Null,
    /// Deflate.
    Deflate,
    /// Snappy.
    Snappy,
    /// Zstandard.
    Zstandard,
}

impl From<CodecName> for Codec {
    fn from(codec: CodecName) -> Self {
        match codec {
            CodecName::Null => Codec::Null,
            CodecName::Deflate => Codec::Deflate,
            CodecName::Snappy => Codec::Snappy,
            CodecName::Zstandard => Codec::Zstandard,
        }
    }
}

/// What to back up. Every field is optional; an empty body backs up every table uncompressed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BackupRequest {
    /// The tables to back up, from one consistent snapshot; empty or absent: all three.
    #[serde(default)]
    pub tables: Vec<TableName>,
    /// Block compression (default `null`).
    #[serde(default)]
    pub codec: CodecName,
}

/// Which backup a table is restored from. An empty body restores the table's newest backup.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RestoreRequest {
    /// A backup file name, as `GET /api/v1/backups` lists it (`departments/departments-20261125T104500Z.avro`)
    /// or bare (`departments-20261125T104500Z.avro`, looked up in the table's folder). Only
    /// resolved inside the backup folder: `..`, absolute paths and links leading out are refused.
    #[schema(example = "departments-20261125T104500Z.avro")]
    pub file: Option<String>,
}

/// A request to restore every table of one backup set.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RestoreAllRequest {
    /// Must be `true`: restore every table of one backup set, parents first, in one transaction.
    #[serde(default)]
    pub all: bool,
    /// The backup set, as `GET /api/v1/backups` lists it; absent: the newest set holding every
    /// table.
    #[schema(example = "20261125T104500Z")]
    pub set: Option<String>,
}

/// One backup file.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupFile {
    /// The table it holds.
    #[schema(example = "departments")]
    pub table: String,
    /// Its name inside the backup folder, as `POST /api/v1/{table}/restore` takes it.
    #[schema(example = "departments/departments-20261125T104500Z.avro")]
    pub file: String,
    /// Rows it declares, when it says.
    pub rows: Option<u64>,
    /// Size in bytes.
    pub size: u64,
    /// When it was taken (RFC 3339, UTC), when it says.
    pub created_at: Option<String>,
    /// Its block compression.
    #[schema(example = "null")]
    pub codec: String,
    /// Version of its record schema.
    pub schema_version: u32,
    /// SHA-256 of its bytes, for a file just written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl From<BackupInfo> for BackupFile {
    fn from(info: BackupInfo) -> Self {
        Self {
            sha256: info.sha256.map(|s| s.to_string()),
            table: info.table.name().to_owned(),
            file: info.file,
            rows: info.rows,
            size: info.size,
            created_at: info.created_at,
            codec: info.codec,
            schema_version: info.schema_version,
        }
    }
}

/// What a backup wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupResponse {
    /// The backup set the files make, as `POST /api/v1/restore` takes it.
    #[schema(example = "20261125T104500Z")]
    pub set: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// One file per table, parents first.
    pub files: Vec<BackupFile>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

impl From<BackupSummary> for BackupResponse {
    fn from(summary: BackupSummary) -> Self {
        Self {
            set: summary.set.to_string(),
            created_at: summary.created_at,
            files: summary.files.into_iter().map(BackupFile::from).collect(),
            seconds: summary.seconds,
        }
    }
}

/// The backup sets and the readable backup files in the backup folder.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupList {
    /// Every backup set that has a manifest, newest first.
    pub sets: Vec<BackupSet>,
    /// Every readable file, in a set or not: tables in dependency order (departments, jobs,
    /// hired_employees), newest first.
    pub backups: Vec<BackupFile>,
}

/// One file of a backup set, as its manifest records it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSetFile {
    /// The table it holds.
    #[schema(example = "departments")]
    pub table: String,
    /// Its name inside the backup folder.
    #[schema(example = "departments/departments-20261125T104500Z.avro")]
    pub file: String,
    /// Rows it holds.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

impl From<SetFile> for BackupSetFile {
    fn from(file: SetFile) -> Self {
        Self {
            table: file.table.name().to_owned(),
            file: file.file,
            rows: file.rows,
            bytes: file.bytes,
            sha256: file.sha256.to_string(),
        }
    }
}

/// The files of one backup run, tied together by its manifest.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSet {
    /// Its id, as `POST /api/v1/restore` takes it.
    #[schema(example = "20261125T104500Z")]
    pub id: String,
    /// When the snapshot was taken (RFC 3339, UTC); absent when the manifest is unreadable.
    pub created_at: Option<String>,
    /// Every file is present, readable and of its recorded table, size and row count
    /// (checksums are verified by restores).
    pub complete: bool,
    /// The tables it holds, parents first.
    pub tables: Vec<String>,
    /// Rows over its files.
    pub rows: u64,
    /// Bytes over its files.
    pub bytes: u64,
    /// Why it is not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Its files.
    pub files: Vec<BackupSetFile>,
}

impl From<SetStatus> for BackupSet {
    fn from(set: SetStatus) -> Self {
        Self {
            id: set.id.to_string(),
            created_at: set.created_at,
            complete: set.complete,
            tables: set.tables.iter().map(|t| t.name().to_owned()).collect(),
            rows: set.rows,
            bytes: set.bytes,
            problem: set.problem,
            files: set.files.into_iter().map(Into::into).collect(),
        }
    }
}

/// What a restore did with one table.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoredTable {
    /// The table restored.
    #[schema(example = "departments")]
    pub table: String,
    /// The file it was restored from.
    pub file: String,
    /// Rows now stored in the table.
    pub rows: u64,
}

/// What a restore did; every table listed was replaced in one transaction.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestoreResponse {
    /// The backup set restored, when a whole set was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
    /// The tables, parents first.
    pub tables: Vec<RestoredTable>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

impl From<RestoreSummary> for RestoreResponse {
    fn from(summary: RestoreSummary) -> Self {
        Self {
            set: summary.set.map(|s| s.to_string()),
            tables: summary
                .tables
                .into_iter()
                .map(|t| RestoredTable {
                    table: t.table.name().to_owned(),
                    file: t.file,
                    rows: t.rows,
                })
                .collect(),
            seconds: summary.seconds,
        }
    }
}

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
