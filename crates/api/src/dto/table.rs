//! The tables a request names.

use hiring_domain::Table;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// How many rows one table holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct TableRows {
    /// The table.
    #[schema(example = "departments")]
    pub table: String,
    /// The rows it holds now.
    #[schema(example = 12)]
    pub rows: u64,
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
