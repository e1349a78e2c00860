//! What `POST /api/v1/{table}/restore` and `POST /api/v1/restore` take and answer.

use hiring_ports::backup::RestoreSummary;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
