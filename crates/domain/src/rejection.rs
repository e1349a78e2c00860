use crate::{FieldError, RowErrors, Table};
use serde::Serialize;

/// A row that was not stored, with where it came from and every reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    table: Table,
    source: String,
    raw: String,
    errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<RunId>,
}

/// The id of a run: one `hiring migrate` or one upload, whose rejects carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct RunId(i64);

impl RunId {
    /// The run stored under `id`.
    pub fn new(id: i64) -> Self {
        Self(id)
    }

    /// The stored id.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for RunId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
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
            run: None,
        }
    }

    /// The same rejection, recorded by `run` (or by no run).
    #[must_use]
    pub fn in_run(mut self, run: Option<RunId>) -> Self {
        self.run = run;
        self
    }

    /// The run that recorded it, when it came from one.
    pub fn run(&self) -> Option<RunId> {
        self.run
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
