//! The report queries on PostgreSQL, whose instants are `timestamptz`: a scan bounds the year
//! by two instants.

use super::dialect::PgDialect;
use crate::db::reports::report_ops;
use diesel::sql_types::Timestamptz;
use hiring_domain::ReportYear;

report_ops!(PgDialect, "pg", Timestamptz, |year: ReportYear| (
    year.start(),
    year.end()
));
