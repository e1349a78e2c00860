//! What a load did with one file: [`TableSummary`], as the command line and the API show it.

use crate::reject_tally::ReasonCount;
use crate::StageTimes;
use hiring_domain::{RunId, Table};
use std::time::Duration;

/// What a load did with one file. As JSON (the CLI's and the API's), `elapsed` is `seconds`
/// and `rows_per_second` is added.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSummary {
    /// The table loaded.
    pub table: Table,
    /// The file or stream name.
    pub source: String,
    /// Records read (and considered) from the source.
    pub read: u64,
    /// Rows newly stored (or, in a dry run, that would be).
    pub inserted: u64,
    /// Rows whose id was already stored with the same content.
    pub already_present: u64,
    /// Rows refused and logged.
    pub rejected: u64,
    /// Wall time of the load.
    pub elapsed: Duration,
    /// True when the load stopped early because the reject limit was passed.
    pub stopped_early: bool,
    /// True when nothing was written.
    pub dry_run: bool,
    /// The rejects by field and reason, most frequent first, with a few examples each.
    pub reasons: Vec<ReasonCount>,
    /// The run the load was part of, when it was recorded as one (see [`crate::runs`]).
    pub run: Option<RunId>,
    /// The time spent in each stage of the load; they add up to `elapsed`.
    pub stages: StageTimes,
    /// True when the first line was the table's header and was skipped (see
    /// [`crate::csv_header`]).
    pub header_skipped: bool,
}

impl serde::Serialize for TableSummary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("TableSummary", 14)?;
        out.serialize_field("run", &self.run)?;
        out.serialize_field("table", &self.table)?;
        out.serialize_field("source", &self.source)?;
        out.serialize_field("read", &self.read)?;
        out.serialize_field("inserted", &self.inserted)?;
        out.serialize_field("already_present", &self.already_present)?;
        out.serialize_field("rejected", &self.rejected)?;
        out.serialize_field("seconds", &self.elapsed.as_secs_f64())?;
        out.serialize_field("rows_per_second", &self.rows_per_second())?;
        out.serialize_field("stages", &self.stages)?;
        out.serialize_field("stopped_early", &self.stopped_early)?;
        out.serialize_field("dry_run", &self.dry_run)?;
        out.serialize_field("header_skipped", &self.header_skipped)?;
        out.serialize_field("reasons", &self.reasons)?;
        out.end()
    }
}

impl TableSummary {
    pub(super) fn new(table: Table, source: &str, dry_run: bool) -> Self {
        Self {
            table,
            source: source.to_owned(),
            read: 0,
            inserted: 0,
            already_present: 0,
            rejected: 0,
            elapsed: Duration::ZERO,
            stopped_early: false,
            dry_run,
            reasons: Vec::new(),
            run: None,
            stages: StageTimes::default(),
            header_skipped: false,
        }
    }

    /// Records read per second.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.read as f64 / secs
        } else {
            0.0
        }
    }
}
