//! The report queries on PostgreSQL, whose instants are `timestamptz`: a scan bounds the year
//! by two instants.

use super::dialect::PgDialect;
use crate::db::error::StoreError;
use crate::db::reports::{ReportOps, ReportQueries, ReportRow, Source};
use diesel::sql_types::{Integer, Timestamptz};
use diesel::{PgConnection, RunQueryDsl};
use hiring_domain::ReportYear;

impl ReportOps for PgDialect {
    const QUARTER_COUNTS: ReportQueries = ReportQueries {
        aggregate: include_str!("../sql/pg_quarter_counts.sql"),
        scan: include_str!("../sql/pg_quarter_counts_scan.sql"),
    };
    const DEPARTMENT_COUNTS: ReportQueries = ReportQueries {
        aggregate: include_str!("../sql/pg_department_counts.sql"),
        scan: include_str!("../sql/pg_department_counts_scan.sql"),
    };

    fn year_rows<R: ReportRow>(
        conn: &mut PgConnection,
        sql: &str,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<R>, StoreError> {
        Ok(match source {
            Source::Aggregate => diesel::sql_query(sql)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            Source::Scan => diesel::sql_query(sql)
                .bind::<Timestamptz, _>(year.start())
                .bind::<Timestamptz, _>(year.end())
                .load(conn)?,
        })
    }
}
