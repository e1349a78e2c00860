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

impl From<TableName> for Table {
    fn from(name: TableName) -> Self {
        match name {
            TableName::Departments => Table::Departments,
            TableName::Jobs => Table::Jobs,
            TableName::HiredEmployees => Table::HiredEmployees,
        }
    }
}
