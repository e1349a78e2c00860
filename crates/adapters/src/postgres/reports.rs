//! The report queries on PostgreSQL, whose instants are `timestamptz`: a scan bounds the year
//! by two instants.

use super::dialect::PgDialect;
use crate::db::error::StoreError;
use crate::db::reports::{DepartmentRow, QuarterRow, ReportOps, Source};
use diesel::sql_types::{Integer, Timestamptz};
use diesel::{PgConnection, RunQueryDsl};
use hiring_domain::ReportYear;

/// The report queries; see the files.
const QUARTER_COUNTS: &str = include_str!("../sql/pg_quarter_counts.sql");
const DEPARTMENT_COUNTS: &str = include_str!("../sql/pg_department_counts.sql");
const QUARTER_COUNTS_SCAN: &str = include_str!("../sql/pg_quarter_counts_scan.sql");
const DEPARTMENT_COUNTS_SCAN: &str = include_str!("../sql/pg_department_counts_scan.sql");

impl ReportOps for PgDialect {
    fn quarter_rows(
        conn: &mut PgConnection,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<QuarterRow>, StoreError> {
        Ok(match source {
            Source::Aggregate => diesel::sql_query(QUARTER_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            Source::Scan => diesel::sql_query(QUARTER_COUNTS_SCAN)
                .bind::<Timestamptz, _>(year.start())
                .bind::<Timestamptz, _>(year.end())
                .load(conn)?,
        })
    }

    fn department_rows(
        conn: &mut PgConnection,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<DepartmentRow>, StoreError> {
        Ok(match source {
            Source::Aggregate => diesel::sql_query(DEPARTMENT_COUNTS)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            Source::Scan => diesel::sql_query(DEPARTMENT_COUNTS_SCAN)
                .bind::<Timestamptz, _>(year.start())
                .bind::<Timestamptz, _>(year.end())
                .load(conn)?,
        })
    }
}
