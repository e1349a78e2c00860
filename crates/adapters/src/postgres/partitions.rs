//! The opt-in layout of `hired_employees` partitioned by hire year (the SQL is in
//! `migrations/postgres/2026-12-06-000000_hires_by_year`): choosing it on an empty table, and
//! the partitions a write needs made before its rows are copied.

use super::dialect::PgDialect;
use crate::db::db_store::DbStore;
use crate::db::error::StoreError;
use chrono::Datelike;
use diesel::sql_types::{Array, Bool, Integer, Text};
use diesel::{PgConnection, RunQueryDsl};
use hiring_domain::HiredEmployee;

/// Gives each year of the hires to write its partition (nothing on the plain layout).
const HIRE_PARTITIONS: &str = include_str!("../sql/pg_hire_partitions.sql");
/// Turns the empty table into the partitioned layout.
const PARTITION_HIRES: &str = include_str!("../sql/pg_partition_hires.sql");
/// Drops the partitions a replacement emptied.
const DROP_HIRE_PARTITIONS: &str = include_str!("../sql/pg_drop_hire_partitions.sql");
/// The layout and its partitions.
const HIRES_PARTITIONED: &str = include_str!("../sql/pg_hires_partitioned.sql");

/// How `hired_employees` is laid out in a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HiresLayout {
    /// One table, `PRIMARY KEY (id)` (the default).
    Plain,
    /// Partitioned by the UTC year of `datetime`: the partitions' names, in order
    /// (`hired_employees_y2021`, ...).
    ByYear(Vec<String>),
}

#[derive(diesel::QueryableByName)]
struct Converted {
    #[diesel(sql_type = Bool)]
    converted: bool,
}

#[derive(diesel::QueryableByName)]
struct Layout {
    #[diesel(sql_type = Bool)]
    partitioned: bool,
    #[diesel(sql_type = Array<Text>)]
    partitions: Vec<String>,
}

/// Makes the partitions of the hire years of `rows` that do not exist yet, in the caller's
/// transaction (see `hiring_hire_partitions`): one statement per batch.
pub(crate) fn make_room(conn: &mut PgConnection, rows: &[HiredEmployee]) -> Result<(), StoreError> {
    let mut years: Vec<i32> = rows.iter().map(|r| r.datetime().get().year()).collect();
    years.sort_unstable();
    years.dedup();
    diesel::sql_query(HIRE_PARTITIONS)
        .bind::<Array<Integer>, _>(&years)
        .execute(conn)?;
    Ok(())
}

/// Drops the partitions of `hired_employees` once a replacement has emptied it, in its
/// transaction: the rows it writes make those of their years again (nothing on the plain
/// layout).
pub(crate) fn drop_emptied(conn: &mut PgConnection) -> Result<(), StoreError> {
    diesel::sql_query(DROP_HIRE_PARTITIONS).execute(conn)?;
    Ok(())
}

/// Why the layout could not be chosen: what PostgreSQL said, with its hint.
fn refusal(e: diesel::result::Error) -> String {
    match &e {
        diesel::result::Error::DatabaseError(_, info) => match info.hint() {
            Some(hint) => format!("{} ({hint})", info.message()),
            None => info.message().to_owned(),
        },
        _ => e.to_string(),
    }
}

impl DbStore<PgDialect> {
    /// Partitions `hired_employees` by hire year while it is empty (on a direct connection):
    /// `true` when it did, `false` when it was partitioned already. Refused, saying why, once
    /// the table holds a hire.
    pub fn partition_hires_by_year(&self) -> Result<bool, String> {
        let mut conn = self
            .store()
            .bulk_pool()
            .get()
            .map_err(|e| format!("no connection to partition hired_employees: {e}"))?;
        diesel::sql_query(PARTITION_HIRES)
            .get_result::<Converted>(&mut *conn)
            .map(|row| row.converted)
            .map_err(refusal)
    }

    /// The layout of `hired_employees`.
    pub fn hires_layout(&self) -> Result<HiresLayout, String> {
        let mut conn = self.store().pool().get().map_err(|e| e.to_string())?;
        let layout = diesel::sql_query(HIRES_PARTITIONED)
            .get_result::<Layout>(&mut *conn)
            .map_err(refusal)?;
        Ok(if layout.partitioned {
            HiresLayout::ByYear(layout.partitions)
        } else {
            HiresLayout::Plain
        })
    }
}
