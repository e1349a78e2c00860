//! The report queries on SQLite, whose instants are text: a scan bounds the year by two texts.

use super::dialect::SqliteDialect;
use crate::db::error::StoreError;
use crate::db::reports::{ReportOps, ReportQueries, ReportRow, Source};
use diesel::sql_types::{Integer, Text};
use diesel::{RunQueryDsl, SqliteConnection};
use hiring_domain::ReportYear;

/// The first instant of `year` as text that sorts before every stored instant of that year
/// (`2021-01-01T00:00:00`: stored texts carry seconds, maybe a fraction, and `Z` after it).
fn year_bound(year: i32) -> String {
    format!("{year:04}-01-01T00:00:00")
}

impl ReportOps for SqliteDialect {
    const QUARTER_COUNTS: ReportQueries = ReportQueries {
        aggregate: include_str!("../sql/sqlite_quarter_counts.sql"),
        scan: include_str!("../sql/sqlite_quarter_counts_scan.sql"),
    };
    const DEPARTMENT_COUNTS: ReportQueries = ReportQueries {
        aggregate: include_str!("../sql/sqlite_department_counts.sql"),
        scan: include_str!("../sql/sqlite_department_counts_scan.sql"),
    };

    fn year_rows<R: ReportRow>(
        conn: &mut SqliteConnection,
        sql: &str,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<R>, StoreError> {
        Ok(match source {
            Source::Aggregate => diesel::sql_query(sql)
                .bind::<Integer, _>(year.get())
                .load(conn)?,
            Source::Scan => diesel::sql_query(sql)
                .bind::<Text, _>(year_bound(year.get()))
                .bind::<Text, _>(year_bound(year.get() + 1))
                .load(conn)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_bound_sorts_before_every_instant_of_the_year_and_after_the_last_one() {
        let bound = year_bound(2021);
        assert_eq!(bound, "2021-01-01T00:00:00");
        assert!(bound.as_str() <= "2021-01-01T00:00:00Z");
        assert!(bound.as_str() > "2020-12-31T23:59:59.999Z");
        assert_eq!(year_bound(999), "0999-01-01T00:00:00");
    }
}
