//! The reports ([`hiring_ports::reports::Reports`]): each backend runs its own queries
//! ([`ReportOps`], written by [`report_ops!`] from `sql/*_counts*.sql`) and binds the year its
//! own way; their rows become the port's types here.

use super::dialect::Dialect;
use super::error::StoreError;
use super::rows::{row_count, StoredRow};
use super::store::Store;
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel::QueryableByName;
use hiring_domain::{DepartmentHires, ReportYear};
use hiring_ports::reports::QuarterCounts;
use hiring_ports::RepoError;

/// Where a report's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The maintained aggregate `hire_counts` (what the reports use).
    Aggregate,
    /// A `GROUP BY` over `hired_employees` itself (to check the aggregate against).
    Scan,
}

/// One report's queries: over the maintained aggregate, and the plain scan.
pub(crate) struct ReportQueries {
    /// Binds the year (`sql/*_counts.sql`).
    pub(crate) aggregate: &'static str,
    /// Binds the first instant of the year and the first of the next (`sql/*_counts_scan.sql`).
    pub(crate) scan: &'static str,
}

impl ReportQueries {
    /// The query that reads `source`.
    fn sql(&self, source: Source) -> &'static str {
        match source {
            Source::Aggregate => self.aggregate,
            Source::Scan => self.scan,
        }
    }
}

/// The report queries of one backend, and how it binds a year to them (written by
/// [`report_ops!`]).
pub(crate) trait ReportOps: Dialect {
    /// Hires per department, job and quarter in a year (`sql/*_quarter_counts*.sql`).
    const QUARTER_COUNTS: ReportQueries;
    /// Every department with its hires in a year (`sql/*_department_counts*.sql`).
    const DEPARTMENT_COUNTS: ReportQueries;

    /// The rows of the report query `sql`, which reads `source`, for `year`.
    fn year_rows<R: ReportRow>(
        conn: &mut Self::Conn,
        sql: &str,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<R>, StoreError>;
}

/// A row of a report query, as either backend reads it.
pub(crate) trait ReportRow: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static {}

impl ReportRow for QuarterRow {}

impl ReportRow for DepartmentRow {}

/// Writes [`ReportOps`] for dialect `$d`, whose queries are `sql/$prefix_*counts*.sql`: the
/// aggregate's bind the year, the scans' the two `$bound` values `$bounds(year)` returns (the
/// first instant of the year and that of the next).
macro_rules! report_ops {
    ($d:ty, $prefix:literal, $bound:ty, $bounds:expr) => {
        impl $crate::db::reports::ReportOps for $d {
            const QUARTER_COUNTS: $crate::db::reports::ReportQueries =
                $crate::db::reports::ReportQueries {
                    aggregate: include_str!(concat!("../sql/", $prefix, "_quarter_counts.sql")),
                    scan: include_str!(concat!("../sql/", $prefix, "_quarter_counts_scan.sql")),
                };
            const DEPARTMENT_COUNTS: $crate::db::reports::ReportQueries =
                $crate::db::reports::ReportQueries {
                    aggregate: include_str!(concat!("../sql/", $prefix, "_department_counts.sql")),
                    scan: include_str!(concat!("../sql/", $prefix, "_department_counts_scan.sql")),
                };

            fn year_rows<R: $crate::db::reports::ReportRow>(
                conn: &mut Self::Conn,
                sql: &str,
                year: hiring_domain::ReportYear,
                source: $crate::db::reports::Source,
            ) -> Result<Vec<R>, $crate::db::error::StoreError> {
                use diesel::RunQueryDsl;
                let query = diesel::sql_query(sql);
                Ok(match source {
                    $crate::db::reports::Source::Aggregate => query
                        .bind::<diesel::sql_types::Integer, _>(year.get())
                        .load(conn)?,
                    $crate::db::reports::Source::Scan => {
                        let (start, end) = $bounds(year);
                        query
                            .bind::<$bound, _>(start)
                            .bind::<$bound, _>(end)
                            .load(conn)?
                    }
                })
            }
        }
    };
}
pub(crate) use report_ops;

/// One row of the quarter-counts query.
#[derive(diesel::QueryableByName)]
pub(crate) struct QuarterRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    department_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    department: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    job_id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    job: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    q1: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    q2: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    q3: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    q4: i64,
}

/// One row of the department-counts query.
#[derive(diesel::QueryableByName)]
pub(crate) struct DepartmentRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    department: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    hired: i64,
}

/// A quarter-counts row as the port's type.
fn quarter_counts(row: QuarterRow) -> Result<QuarterCounts, StoreError> {
    let stored = StoredRow::new("hired_employees group of department", row.department_id);
    Ok(QuarterCounts {
        department_id: stored.id("department_id", row.department_id)?,
        department: row.department,
        job_id: stored.id("job_id", row.job_id)?,
        job: row.job,
        quarters: [row.q1, row.q2, row.q3, row.q4].map(row_count),
    })
}

/// A department-counts row as the port's type.
fn department_hires(row: DepartmentRow) -> Result<DepartmentHires, StoreError> {
    Ok(DepartmentHires {
        id: StoredRow::new("departments", row.id).id("id", row.id)?,
        department: row.department,
        hired: row_count(row.hired),
    })
}

impl<D: ReportOps> Store<D> {
    /// See [`hiring_ports::reports::Reports::quarter_counts`]; `source` picks the aggregate or
    /// a scan.
    pub(crate) fn quarter_counts(
        &self,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<QuarterCounts>, RepoError> {
        self.with_conn(|conn| {
            D::year_rows(conn, D::QUARTER_COUNTS.sql(source), year, source)?
                .into_iter()
                .map(quarter_counts)
                .collect()
        })
    }

    /// See [`hiring_ports::reports::Reports::department_counts`]; `source` picks the aggregate
    /// or a scan.
    pub(crate) fn department_counts(
        &self,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<DepartmentHires>, RepoError> {
        self.with_conn(|conn| {
            D::year_rows(conn, D::DEPARTMENT_COUNTS.sql(source), year, source)?
                .into_iter()
                .map(department_hires)
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_with_an_invalid_job_id_is_corrupt() {
        let row = QuarterRow {
            department_id: 2,
            department: "Sales".to_owned(),
            job_id: -4,
            job: "Clerk".to_owned(),
            q1: 1,
            q2: 0,
            q3: 0,
            q4: -1,
        };
        match quarter_counts(row) {
            Err(StoreError::Corrupt(message)) => assert!(
                message.starts_with("hired_employees group of department row with id 2: job_id "),
                "{message}"
            ),
            other => panic!("expected a corrupt group, got {other:?}"),
        }
    }

    #[test]
    fn counts_are_carried_over() {
        let row = DepartmentRow {
            id: 3,
            department: "Sales".to_owned(),
            hired: 12,
        };
        let hires = department_hires(row).unwrap();
        assert_eq!((hires.id.get(), hires.hired), (3, 12));
    }
}
