//! The report queries on SQLite, whose instants are text: a scan bounds the year by two texts.

use super::dialect::SqliteDialect;
use crate::db::reports::report_ops;
use diesel::sql_types::Text;
use hiring_domain::ReportYear;

/// The first instant of `year` as text that sorts before every stored instant of that year
/// (`2021-01-01T00:00:00`: stored texts carry seconds, maybe a fraction, and `Z` after it).
fn year_bound(year: i32) -> String {
    format!("{year:04}-01-01T00:00:00")
}

/// The bounds of a scan of `year`: its first instant and that of the next year, as text.
fn year_bounds(year: ReportYear) -> (String, String) {
    (year_bound(year.get()), year_bound(year.get() + 1))
}

report_ops!(SqliteDialect, "sqlite", Text, year_bounds);

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
