//! What the deprecated addresses of the first proof of concept take (the handlers are in
//! `routes::legacy`). Remove with them.

use super::reports::ReportFormat;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The form of `POST /upload`: any of the three headerless CSV files, each as a part named after
/// its table (or whose file name is `departments.csv`, `jobs.csv`, `hired_employees.csv`).
// (No `min_properties = 1`: utoipa 5.5 writes it as `maxProperties`.)
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct LegacyUploadForm {
    /// `departments.csv`.
    #[schema(value_type = String, format = Binary, required = false)]
    departments: Option<Vec<u8>>,
    /// `jobs.csv`.
    #[schema(value_type = String, format = Binary, required = false)]
    jobs: Option<Vec<u8>>,
    /// `hired_employees.csv`.
    #[schema(value_type = String, format = Binary, required = false)]
    hired_employees: Option<Vec<u8>>,
}

/// Which backup file to restore.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LegacyRestoreRequest {
    /// The backup file, as `GET /api/v1/backups` lists it or bare
    /// (`departments-20261125T104500Z.avro`); its table is read from its name (or folder), else
    /// from the file. `..`, absolute paths and links leading out of the backup folder are refused.
    /// The first page's restore form names this field `avro_file_list`, which is taken too.
    #[serde(alias = "avro_file_list")]
    #[schema(value_type = String, required = true, min_length = 1, example = "departments-20261125T104500Z.avro")]
    pub file: Option<String>,
}

/// The query of `GET /hired_employees_2021`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LegacyFormatQuery {
    /// `json` (the default), `csv` or `svg`; without it the `Accept` header chooses.
    pub format: Option<ReportFormat>,
}
