//! The reports over the hires of one year: their validated year and their rows.

use crate::Id;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;

/// The calendar year a report covers: `1900..=2100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ReportYear(i32);

/// A year outside [`ReportYear::MIN`]`..=`[`ReportYear::MAX`], or text that is not a year.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportYearError {
    /// A number out of range.
    #[error("year must be between {min} and {max}, got {0}", min = ReportYear::MIN, max = ReportYear::MAX)]
    OutOfRange(i64),
    /// Not a whole number.
    #[error("year must be a whole number between {min} and {max}, got {0:?}", min = ReportYear::MIN, max = ReportYear::MAX)]
    NotANumber(String),
}

impl ReportYear {
    /// The first year a report can cover.
    pub const MIN: i32 = 1900;
    /// The last year a report can cover.
    pub const MAX: i32 = 2100;
    /// The year reports cover when none is given.
    pub const DEFAULT: ReportYear = ReportYear(2021);

    /// Accepts [`ReportYear::MIN`]`..=`[`ReportYear::MAX`].
    pub fn new(year: i64) -> Result<Self, ReportYearError> {
        match i32::try_from(year) {
            Ok(y) if (Self::MIN..=Self::MAX).contains(&y) => Ok(Self(y)),
            _ => Err(ReportYearError::OutOfRange(year)),
        }
    }

    /// Parses a decimal year (surrounding spaces allowed) and applies [`ReportYear::new`].
    pub fn parse(text: &str) -> Result<Self, ReportYearError> {
        let trimmed = text.trim();
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(ReportYearError::NotANumber(trimmed.to_owned()));
        }
        match trimmed.parse::<i64>() {
            Ok(year) => Self::new(year),
            Err(_) => Err(ReportYearError::NotANumber(trimmed.to_owned())),
        }
    }

    /// The year.
    pub fn get(self) -> i32 {
        self.0
    }

    /// The first instant of the year (inclusive), UTC.
    pub fn start(self) -> DateTime<Utc> {
        first_instant(self.0)
    }

    /// The first instant of the next year (exclusive), UTC.
    pub fn end(self) -> DateTime<Utc> {
        first_instant(self.0 + 1)
    }
}

impl Default for ReportYear {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for ReportYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

fn first_instant(year: i32) -> DateTime<Utc> {
    // Years 1900..=2101 always have a first of January.
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(DateTime::<Utc>::MIN_UTC, |t| t.and_utc())
}

/// A report's row: its columns, and its fields in that order as text (for CSV and tables).
pub trait ReportRow {
    /// The column names, exactly as they head a CSV file and name the JSON keys.
    const COLUMNS: &'static [&'static str];
    /// The fields in [`ReportRow::COLUMNS`] order.
    fn fields(&self) -> Vec<String>;
}

/// One row of the hires-by-quarter report: how many people a department hired for a job in each
/// quarter of the year (by UTC month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarterHires {
    /// The department's name.
    pub department: String,
    /// The job's name.
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

impl QuarterHires {
    /// The four quarters' counts, Q1 first.
    pub fn quarters(&self) -> [u64; 4] {
        [self.q1, self.q2, self.q3, self.q4]
    }
}

impl ReportRow for QuarterHires {
    const COLUMNS: &'static [&'static str] = &["department", "job", "Q1", "Q2", "Q3", "Q4"];

    fn fields(&self) -> Vec<String> {
        let mut fields = vec![self.department.clone(), self.job.clone()];
        fields.extend(self.quarters().iter().map(ToString::to_string));
        fields
    }
}

/// One department's hires in the year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentHires {
    /// The department's id.
    pub id: Id,
    /// The department's name.
    pub department: String,
    /// How many people it hired in the year.
    pub hired: u64,
}

impl ReportRow for DepartmentHires {
    const COLUMNS: &'static [&'static str] = &["id", "department", "hired"];

    fn fields(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.department.clone(),
            self.hired.to_string(),
        ]
    }
}

/// The order of names in reports: compared case-insensitively (Unicode lowercase), ties broken
/// byte-wise, so that `apple` < `Banana` < `banana` whatever the database's collation.
pub fn name_order(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_in_range_are_accepted() {
        assert_eq!(ReportYear::new(1900).unwrap().get(), 1900);
        assert_eq!(ReportYear::new(2100).unwrap().get(), 2100);
        assert_eq!(ReportYear::parse(" 2021 ").unwrap(), ReportYear::DEFAULT);
        assert_eq!(ReportYear::default().get(), 2021);
    }

    #[test]
    fn other_years_and_text_are_refused() {
        for bad in [1899, 2101, 0, -2021, i64::MAX] {
            assert_eq!(
                ReportYear::new(bad).unwrap_err(),
                ReportYearError::OutOfRange(bad)
            );
        }
        for bad in ["", "abc", "2021.5", "20e2", "99999999999999999999"] {
            assert!(
                matches!(ReportYear::parse(bad), Err(ReportYearError::NotANumber(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            ReportYear::new(1899).unwrap_err().to_string(),
            "year must be between 1900 and 2100, got 1899"
        );
    }

    #[test]
    fn the_year_spans_utc_instants() {
        let year = ReportYear::new(2021).unwrap();
        assert_eq!(year.start().to_rfc3339(), "2021-01-01T00:00:00+00:00");
        assert_eq!(year.end().to_rfc3339(), "2022-01-01T00:00:00+00:00");
    }

    #[test]
    fn rows_serialize_with_exactly_the_report_columns() {
        let row = QuarterHires {
            department: "Staff".into(),
            job: "Manager".into(),
            q1: 0,
            q2: 1,
            q3: 2,
            q4: 3,
        };
        let json = serde_json::to_value(&row).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), QuarterHires::COLUMNS.len());
        for column in QuarterHires::COLUMNS {
            assert!(json.get(column).is_some(), "{column} missing in {json}");
        }
        assert_eq!(json["Q4"], 3);
        assert_eq!(row.fields(), ["Staff", "Manager", "0", "1", "2", "3"]);
        let row = DepartmentHires {
            id: Id::new(7).unwrap(),
            department: "Support".into(),
            hired: 12,
        };
        assert_eq!(
            serde_json::to_value(&row).unwrap(),
            serde_json::json!({"id": 7, "department": "Support", "hired": 12})
        );
        assert_eq!(row.fields(), ["7", "Support", "12"]);
    }

    #[test]
    fn names_order_case_insensitively_then_byte_wise() {
        let mut names = vec!["banana", "Banana", "apple", "Cherry", "B", "b"];
        names.sort_by(|a, b| name_order(a, b));
        assert_eq!(names, ["apple", "B", "b", "Banana", "banana", "Cherry"]);
    }
}
