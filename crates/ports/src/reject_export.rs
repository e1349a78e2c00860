//! Use case: every reject matching a filter, newest first, written as CSV or NDJSON without
//! holding the log in memory (page by page along the id cursor). The command line and the API
//! export through it, so both write the same columns.

use crate::reports::spreadsheet_text;
use crate::{PageLimit, RejectFilter, RejectLog, RepoError, StoredRejection};
use std::io::Write;

/// Rejects read from the log per page of an export.
const EXPORT_PAGE: u32 = 1000;

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: [&str; 7] = [
    "id",
    "run",
    "table",
    "source",
    "raw",
    "reasons",
    "recorded_at",
];

/// How an export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// A header line, then one line per reject; the reasons are one cell, `field: message`
    /// joined by `; `.
    Csv,
    /// One JSON object per line, as the listing shows a reject.
    Ndjson,
}

impl ExportFormat {
    /// The media type of the export.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Ndjson => "application/x-ndjson",
        }
    }
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the log failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
    /// Writing the export failed (the reader went away).
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Calls `visit` with every reject matching `filter` (its cursor is where it starts; its
/// limit, when `limit` is given, is the most visited), newest first. Returns how many.
pub fn for_each_reject(
    log: &dyn RejectLog,
    filter: &RejectFilter,
    limit: Option<u64>,
    visit: &mut dyn FnMut(&StoredRejection) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    let mut page = filter.clone();
    let mut visited = 0_u64;
    loop {
        let left = limit.map_or(u64::MAX, |l| l - visited);
        let size = u32::try_from(left.min(u64::from(EXPORT_PAGE))).unwrap_or(EXPORT_PAGE);
        if size == 0 {
            return Ok(visited);
        }
        page.limit = PageLimit::new(size).unwrap_or(PageLimit::DEFAULT);
        let rejects = log.list(&page)?;
        for reject in &rejects {
            visit(reject)?;
        }
        visited += rejects.len() as u64;
        match rejects.last() {
            Some(last) if rejects.len() == size as usize => page.before = Some(last.id),
            _ => return Ok(visited),
        }
    }
}

/// Writes every reject matching `filter` (at most `limit`) to `out` in `format`. Returns how
/// many were written.
pub fn export_rejects(
    log: &dyn RejectLog,
    filter: &RejectFilter,
    limit: Option<u64>,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    match format {
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_COLUMNS).map_err(csv_error)?;
            let written = for_each_reject(log, filter, limit, &mut |r| {
                writer.write_record(csv_record(r)).map_err(csv_error)
            })?;
            writer.flush()?;
            Ok(written)
        }
        ExportFormat::Ndjson => for_each_reject(log, filter, limit, &mut |r| {
            serde_json::to_writer(&mut *out, r).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            Ok(())
        }),
    }
}

/// The CSV cells of `r`, in the order of [`CSV_COLUMNS`]. The texts that come from outside
/// (the source, the record, the reasons quoting it) are written so that a spreadsheet never
/// runs them as formulas.
fn csv_record(r: &StoredRejection) -> [String; 7] {
    let reasons: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
    [
        r.id.to_string(),
        r.run.map(|run| run.to_string()).unwrap_or_default(),
        r.table.name().to_owned(),
        spreadsheet_text(&r.source).into_owned(),
        spreadsheet_text(&r.raw).into_owned(),
        spreadsheet_text(&reasons.join("; ")).into_owned(),
        r.recorded_at.clone(),
    ]
}

fn csv_error(e: csv::Error) -> ExportError {
    ExportError::Write(e.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockRejectLog;
    use hiring_domain::{FieldError, RunId, Table};

    fn stored(id: i64) -> StoredRejection {
        StoredRejection {
            id,
            table: Table::Jobs,
            source: format!("jobs.csv:{id}"),
            raw: format!("{id},\"Clerk, senior\""),
            errors: vec![
                FieldError::new("id", "must be positive"),
                FieldError::new("job", "must not be empty"),
            ],
            recorded_at: "2026-12-03T10:00:00Z".into(),
            run: (id % 2 == 0).then(|| RunId::new(4)),
        }
    }

    /// A log holding rejects 1..=n, listed newest first below the cursor.
    fn log_of(n: i64) -> MockRejectLog {
        let mut log = MockRejectLog::new();
        log.expect_list().returning(move |filter| {
            let top = filter.before.unwrap_or(n + 1);
            Ok((1..top)
                .rev()
                .take(filter.limit.get() as usize)
                .map(stored)
                .collect())
        });
        log
    }

    /// What `export_rejects` writes of every reject of `log` in `format`, as text.
    fn exported(log: &MockRejectLog, format: ExportFormat) -> String {
        let mut out = Vec::new();
        export_rejects(log, &RejectFilter::default(), None, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_page_is_visited_along_the_cursor() {
        let log = log_of(2500);
        let mut ids = Vec::new();
        let visited = for_each_reject(&log, &RejectFilter::default(), None, &mut |r| {
            ids.push(r.id);
            Ok(())
        })
        .unwrap();
        assert_eq!(visited, 2500);
        assert_eq!(ids, (1..=2500).rev().collect::<Vec<_>>());
    }

    #[test]
    fn a_limit_stops_the_export() {
        let log = log_of(2500);
        let mut out = Vec::new();
        let written = export_rejects(
            &log,
            &RejectFilter::default(),
            Some(1001),
            ExportFormat::Ndjson,
            &mut out,
        )
        .unwrap();
        assert_eq!(written, 1001);
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1001);
    }

    #[test]
    fn csv_has_a_header_and_quotes_what_needs_it() {
        let text = exported(&log_of(2), ExportFormat::Csv);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id,run,table,source,raw,reasons,recorded_at");
        assert_eq!(
            lines[1],
            "2,4,jobs,jobs.csv:2,\"2,\"\"Clerk, senior\"\"\",id: must be positive; job: must not be empty,2026-12-03T10:00:00Z"
        );
        assert!(lines[2].starts_with("1,,jobs,"), "{}", lines[2]);
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        let mut log = MockRejectLog::new();
        log.expect_list().returning(|_| {
            let mut formula = stored(1);
            formula.raw = "=HYPERLINK(\"http://x\"),Clerk".into();
            let mut negative = stored(2);
            negative.raw = "-3,Clerk".into();
            Ok(vec![negative, formula])
        });
        let text = exported(&log, ExportFormat::Csv);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains(",\"'-3,Clerk\","), "{}", lines[1]);
        assert!(
            lines[2].contains(",\"'=HYPERLINK(\"\"http://x\"\"),Clerk\","),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn ndjson_lines_are_the_listing_objects() {
        let text = exported(&log_of(1), ExportFormat::Ndjson);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["id"], 1);
        assert_eq!(value["run"], serde_json::Value::Null);
        assert_eq!(value["errors"][1]["field"], "job");
    }
}
