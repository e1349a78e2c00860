use crate::{FieldError, RowErrors, Table};
use serde::Serialize;

/// A row that was not stored, with where it came from and every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    table: Table,
    source: String,
    raw: String,
    errors: Vec<FieldError>,
}

impl Rejection {
    /// `source` locates the row (`hired_employees.csv:67`, `api <request> row 3`); `raw` is the
    /// record as received.
    pub fn new(
        table: Table,
        source: impl Into<String>,
        raw: impl Into<String>,
        errors: RowErrors,
    ) -> Self {
        Self {
            table,
            source: source.into(),
            raw: raw.into(),
            errors: errors.into_vec(),
        }
    }

    /// The table the row was meant for.
    pub fn table(&self) -> Table {
        self.table
    }

    /// Where the row came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The record as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Every reason the row was refused.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The reasons on one line.
    pub fn reasons(&self) -> String {
        self.errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}
