//! A restore's replacement of whole tables: emptied with their constraints and indexes set
//! aside (the bulk load's [`super::bulk::set_aside`]), and on the layout partitioned by year,
//! without the partitions it emptied.

use super::bulk::set_aside;
use crate::db::bulk::SetAside;
use crate::db::error::StoreError;
use diesel::connection::SimpleConnection;
use diesel::PgConnection;
use hiring_domain::Table;

/// Empties the tables of a replacement; `{tables}` is filled in.
const TRUNCATE: &str = include_str!("../sql/pg_truncate.sql");

/// Empties `tables` for a replacement, with their constraints and indexes set aside (see
/// [`crate::db::bulk::BulkLoadOps::set_aside_for_replace`]).
pub(crate) fn set_aside_for_replace(
    conn: &mut PgConnection,
    tables: &[Table],
) -> Result<Option<SetAside>, StoreError> {
    if tables.is_empty() {
        return Ok(None);
    }
    let put_back = set_aside(conn, tables, true, true, false)?;
    let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    conn.batch_execute(&TRUNCATE.replace("{tables}", &names.join(", ")))?;
    if tables.contains(&Table::HiredEmployees) {
        super::partitions::drop_emptied(conn)?;
    }
    Ok(Some(SetAside {
        indexes: put_back.keys_and_indexes(),
        foreign_keys: put_back.foreign_keys,
    }))
}
