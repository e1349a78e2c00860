//! Use cases: the two reports over the hires of one year.
//!
//! The storage does the heavy part — one `GROUP BY` over the year's hires (an index range on
//! `datetime`) — and answers grouped counts: at most one row per department and job, or per
//! department. The ordering and the mean are applied here, in Rust, so that every backend gives
//! byte-identical output whatever its collation: names compare case-insensitively, ties broken
//! byte-wise ([`name_order`]).

use crate::RepoError;
use hiring_domain::{name_order, DepartmentHires, Id, QuarterHires, ReportRow, ReportYear};

/// The hires of one department for one job in one year, per quarter, as storage counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterCounts {
    /// The department's id.
    pub department_id: Id,
    /// The department's name.
    pub department: String,
    /// The job's id.
    pub job_id: Id,
    /// The job's name.
    pub job: String,
    /// Hires in Q1, Q2, Q3 and Q4 (by UTC month).
    pub quarters: [u64; 4],
}

/// Grouped counts of hires, computed by the database.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Reports: Send + Sync {
    /// For every department and job with at least one hire in `year`, the hires per quarter
    /// (any order).
    fn quarter_counts(&self, year: ReportYear) -> Result<Vec<QuarterCounts>, RepoError>;

    /// Every stored department with the number of people it hired in `year` (0 when none), in
    /// any order.
    fn department_counts(&self, year: ReportYear) -> Result<Vec<DepartmentHires>, RepoError>;
}

/// Report 1: for every department and job with a hire in `year`, the hires per quarter, ordered
/// by department then job ([`name_order`]; equal names by id).
pub fn hires_by_quarter(
    reports: &dyn Reports,
    year: ReportYear,
) -> Result<Vec<QuarterHires>, RepoError> {
    let mut counts = reports.quarter_counts(year)?;
    counts.retain(|c| c.quarters.iter().any(|&n| n > 0));
    counts.sort_by(|a, b| {
        name_order(&a.department, &b.department)
            .then_with(|| a.department_id.cmp(&b.department_id))
            .then_with(|| name_order(&a.job, &b.job))
            .then_with(|| a.job_id.cmp(&b.job_id))
    });
    Ok(counts
        .into_iter()
        .map(|c| {
            let [q1, q2, q3, q4] = c.quarters;
            QuarterHires {
                department: c.department,
                job: c.job,
                q1,
                q2,
                q3,
                q4,
            }
        })
        .collect())
}

/// Report 2, with what it was compared against.
#[derive(Debug, Clone, PartialEq)]
pub struct AboveMean {
    /// The mean number of hires per department in the year (every department counts, one
    /// without hires as 0); 0 when there are no departments.
    pub mean: f64,
    /// The departments that hired more than the mean, by hires descending, then id.
    pub departments: Vec<DepartmentHires>,
    /// Every department, those at or below the mean too (for the chart), by hires descending,
    /// then id.
    pub all: Vec<DepartmentHires>,
}

/// Report 2: the departments whose hires in `year` exceed the mean per department.
pub fn departments_above_mean(
    reports: &dyn Reports,
    year: ReportYear,
) -> Result<AboveMean, RepoError> {
    let mut all = reports.department_counts(year)?;
    all.sort_by(|a, b| b.hired.cmp(&a.hired).then_with(|| a.id.cmp(&b.id)));
    let departments = u128::try_from(all.len()).unwrap_or(u128::MAX);
    let total: u128 = all.iter().map(|d| u128::from(d.hired)).sum();
    let mean = if all.is_empty() {
        0.0
    } else {
        total as f64 / all.len() as f64
    };
    // hired > total / n, in exact integers.
    let above: Vec<DepartmentHires> = all
        .iter()
        .filter(|d| u128::from(d.hired) * departments > total)
        .cloned()
        .collect();
    Ok(AboveMean {
        mean,
        departments: above,
        all,
    })
}

/// `rows` as CSV text: the header row ([`ReportRow::COLUMNS`]) even when there are no rows, then
/// one line per row (LF line endings, fields quoted when needed).
///
/// The text is meant for spreadsheets too, so a cell that a spreadsheet would run as a formula
/// (one starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written as text, the way
/// OWASP recommends for CSV injection: prefixed with a single quote and quoted
/// (`"'=HYPERLINK(…)"`). The numbers of a report are unsigned, so they never start with one of
/// those and stay numbers; JSON answers are not touched.
pub fn to_csv<R: ReportRow>(rows: &[R]) -> String {
    let mut out = String::new();
    push_line(&mut out, R::COLUMNS.iter().copied());
    for row in rows {
        let fields = row.fields();
        push_line(&mut out, fields.iter().map(String::as_str));
    }
    out
}

/// Appends one CSV line of `cells` to `out`.
fn push_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (n, cell) in cells.enumerate() {
        if n > 0 {
            out.push(',');
        }
        push_cell(out, cell);
    }
    out.push('\n');
}

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell` as a spreadsheet shows it as text: prefixed with a single quote when it starts like a
/// formula (OWASP's advice against CSV injection), unchanged otherwise. The CSV writer quotes it.
pub fn spreadsheet_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// Appends one CSV cell: quoted when it holds a separator, a quote or a line break (quotes
/// doubled), and neutralised with a leading `'` (and quoted) when it could start a formula.
fn push_cell(out: &mut String, cell: &str) {
    let formula = cell.starts_with(FORMULA_STARTS);
    if !formula && !cell.contains([',', '"', '\n', '\r']) {
        out.push_str(cell);
        return;
    }
    out.push('"');
    if formula {
        out.push('\'');
    }
    out.push_str(&cell.replace('"', "\"\""));
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockReports;

    fn id(n: i64) -> Id {
        Id::new(n).unwrap()
    }

    fn counts(department: (i64, &str), job: (i64, &str), quarters: [u64; 4]) -> QuarterCounts {
        QuarterCounts {
            department_id: id(department.0),
            department: department.1.into(),
            job_id: id(job.0),
            job: job.1.into(),
            quarters,
        }
    }

    fn dept(n: i64, name: &str, hired: u64) -> DepartmentHires {
        DepartmentHires {
            id: id(n),
            department: name.into(),
            hired,
        }
    }

    #[test]
    fn quarters_are_ordered_by_department_then_job_case_insensitively() {
        let year = ReportYear::new(2021).unwrap();
        let mut reports = MockReports::new();
        reports
            .expect_quarter_counts()
            .withf(move |y| *y == year)
            .returning(|_| {
                Ok(vec![
                    counts((3, "support"), (1, "zeta"), [1, 0, 0, 0]),
                    counts((2, "Support"), (2, "alpha"), [0, 2, 0, 0]),
                    counts((1, "accounting"), (3, "Beta"), [0, 0, 3, 0]),
                    counts((1, "accounting"), (4, "alpha"), [0, 0, 0, 4]),
                    counts((1, "accounting"), (5, "ALPHA"), [1, 1, 1, 1]),
                    counts((4, "Nobody"), (5, "ALPHA"), [0, 0, 0, 0]),
                ])
            });
        let rows = hires_by_quarter(&reports, year).unwrap();
        let order: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.department.as_str(), r.job.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("accounting", "ALPHA"),
                ("accounting", "alpha"),
                ("accounting", "Beta"),
                ("Support", "alpha"),
                ("support", "zeta"),
            ]
        );
        assert_eq!(rows[2].quarters(), [0, 0, 3, 0]);
    }

    #[test]
    fn only_departments_strictly_above_the_mean_are_listed_by_hires_then_id() {
        let mut reports = MockReports::new();
        reports.expect_department_counts().returning(|_| {
            // 0 + 3 + 9 + 9 + 4 = 25 over 5 departments: the mean is 5.
            Ok(vec![
                dept(5, "Empty", 0),
                dept(4, "Four", 9),
                dept(1, "One", 3),
                dept(2, "Two", 9),
                dept(3, "Three", 4),
            ])
        });
        let report = departments_above_mean(&reports, ReportYear::DEFAULT).unwrap();
        assert_eq!(report.mean, 5.0);
        assert_eq!(report.departments, [dept(2, "Two", 9), dept(4, "Four", 9)]);
        assert_eq!(
            report.all,
            [
                dept(2, "Two", 9),
                dept(4, "Four", 9),
                dept(3, "Three", 4),
                dept(1, "One", 3),
                dept(5, "Empty", 0),
            ]
        );
    }

    #[test]
    fn a_department_at_the_mean_is_not_above_it() {
        let mut reports = MockReports::new();
        reports
            .expect_department_counts()
            .returning(|_| Ok(vec![dept(1, "A", 2), dept(2, "B", 2), dept(3, "C", 2)]));
        let report = departments_above_mean(&reports, ReportYear::DEFAULT).unwrap();
        assert_eq!(report.mean, 2.0);
        assert!(report.departments.is_empty());
        assert_eq!(report.all.len(), 3);

        let mut reports = MockReports::new();
        reports.expect_department_counts().returning(|_| Ok(vec![]));
        let report = departments_above_mean(&reports, ReportYear::DEFAULT).unwrap();
        assert_eq!(report.mean, 0.0);
        assert!(report.departments.is_empty());
        assert!(report.all.is_empty());
    }

    #[test]
    fn storage_failures_are_passed_on() {
        let mut reports = MockReports::new();
        reports
            .expect_quarter_counts()
            .returning(|_| Err(RepoError::Unavailable("down".into())));
        assert_eq!(
            hires_by_quarter(&reports, ReportYear::DEFAULT),
            Err(RepoError::Unavailable("down".into()))
        );
    }

    #[test]
    fn csv_has_the_header_even_without_rows_and_quotes_when_needed() {
        assert_eq!(to_csv::<QuarterHires>(&[]), "department,job,Q1,Q2,Q3,Q4\n");
        assert_eq!(
            to_csv(&[dept(1, "Sales, North", 4), dept(2, "The \"A\" team", 0)]),
            "id,department,hired\n1,\"Sales, North\",4\n2,\"The \"\"A\"\" team\",0\n"
        );
        assert_eq!(
            to_csv(&[dept(3, "Line\nbreak", 1), dept(4, "Carriage\rreturn", 2)]),
            "id,department,hired\n3,\"Line\nbreak\",1\n4,\"Carriage\rreturn\",2\n"
        );
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        let rows = [
            dept(1, "=HYPERLINK(\"http://evil.example\",\"x\")", 10),
            dept(2, "+1+cmd|' /C calc'!A0", 9),
            dept(3, "-2+3", 8),
            dept(4, "@SUM(A1:A9)", 7),
            dept(5, "\tTab", 6),
            dept(6, "\rReturn", 5),
        ];
        assert_eq!(
            to_csv(&rows),
            "id,department,hired\n\
             1,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",10\n\
             2,\"'+1+cmd|' /C calc'!A0\",9\n\
             3,\"'-2+3\",8\n\
             4,\"'@SUM(A1:A9)\",7\n\
             5,\"'\tTab\",6\n\
             6,\"'\rReturn\",5\n"
        );
        // Only the first character counts; numbers stay bare numbers.
        let rows = [QuarterHires {
            department: "R&D = research".into(),
            job: "a-b".into(),
            q1: 1,
            q2: 0,
            q3: 22,
            q4: 333,
        }];
        assert_eq!(
            to_csv(&rows),
            "department,job,Q1,Q2,Q3,Q4\nR&D = research,a-b,1,0,22,333\n"
        );
    }
}
