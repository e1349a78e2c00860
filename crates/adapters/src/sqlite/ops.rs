//! Every `*Ops` trait of the shared storage code for [`SqliteDialect`]: the typed queries
//! written by the shared macros from the SQLite schema (`crate::schema::sqlite`), and the rest
//! by hand.

use super::bulk;
use super::dialect::SqliteDialect;
use crate::db::audit_log::audit_ops;
use crate::db::bulk::{BulkLoadOps, SetAside};
use crate::db::error::{repo_error, StoreError};
use crate::db::hire_counts::hire_count_ops;
use crate::db::idempotency_keys::key_ops;
use crate::db::rejects::reject_ops;
use crate::db::replace::{missing_parents, BulkOps, MissingParentRow, MISSING_PARENTS_SQL};
use crate::db::rows::{department_from, employee_from, job_from};
use crate::db::runs::run_ops;
use crate::db::tables::{table_ops, TableOps};
use diesel::query_builder::InsertStatement;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{Insertable, RunQueryDsl, SqliteConnection};
use hiring_domain::{Department, HiredEmployee, Job, Table};
use hiring_ports::{BulkLoad, MissingParents, RepoError};

/// Inserts `rows` with one prepared single-row `INSERT` per row, in the caller's transaction,
/// and returns how many were inserted. Measured on a million hires, this beats multi-row
/// `INSERT`s by about a quarter: a statement that writes several rows and may fail half-way (a
/// key or foreign-key violation) makes SQLite keep a statement journal of every index page it
/// touches, which a single-row statement does not need. Diesel caches the prepared statement,
/// so each row costs one bind and one step, as in `sqlite3 .import`.
///
/// Hires written while the table's secondary indexes are set aside (a bulk load or a restore,
/// which call [`TableOps::insert_unindexed`]) go in several rows per statement instead (see
/// [`bulk::insert_hires`]): with no index page to journal, that is the faster form.
fn insert_rows<'r, E, T, V>(
    conn: &mut SqliteConnection,
    table: T,
    rows: &'r [E],
    to_values: impl Fn(&'r E) -> V,
) -> Result<usize, StoreError>
where
    T: diesel::Table + Copy,
    V: Insertable<T>,
    InsertStatement<T, V::Values>: ExecuteDsl<SqliteConnection>,
{
    let mut inserted = 0;
    for values in rows.iter().map(to_values) {
        inserted += diesel::insert_into(table).values(values).execute(conn)?;
    }
    Ok(inserted)
}

table_ops! {
    dialect: SqliteDialect,
    entity: Department,
    table: sqlite::departments,
    from_row: department_from,
    insert: |conn, rows| {
        use crate::schema::sqlite::departments as t;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        insert_rows(conn, t::table, rows, |r| {
            (t::id.eq(r.id().get()), t::department.eq(r.department()))
        })
    },
}

table_ops! {
    dialect: SqliteDialect,
    entity: Job,
    table: sqlite::jobs,
    from_row: job_from,
    insert: |conn, rows| {
        use crate::schema::sqlite::jobs as t;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        insert_rows(conn, t::table, rows, |r| {
            (t::id.eq(r.id().get()), t::job.eq(r.job()))
        })
    },
}

table_ops! {
    dialect: SqliteDialect,
    entity: HiredEmployee,
    table: sqlite::hired_employees,
    from_row: employee_from::<SqliteDialect>,
    insert: |conn, rows| {
        use crate::db::dialect::Dialect;
        use crate::schema::sqlite::hired_employees as t;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        insert_rows(conn, t::table, rows, |r| {
            (
                t::id.eq(r.id().get()),
                t::name.eq(r.name()),
                t::datetime.eq(SqliteDialect::encode_time(r.datetime())),
                t::department_id.eq(r.department_id().get()),
                t::job_id.eq(r.job_id().get()),
            )
        })
    },
    insert_unindexed: |conn, rows| bulk::insert_hires(conn, rows),
}

hire_count_ops!(SqliteDialect, sqlite);
reject_ops!(SqliteDialect, sqlite);
key_ops!(SqliteDialect);
audit_ops!(SqliteDialect, sqlite);
run_ops!(
    SqliteDialect,
    sqlite,
    diesel::sql_types::Text,
    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
);

impl BulkOps for SqliteDialect {
    fn missing_parents(conn: &mut SqliteConnection) -> Result<Vec<MissingParents>, StoreError> {
        let rows = diesel::sql_query(MISSING_PARENTS_SQL).load::<MissingParentRow>(conn)?;
        Ok(missing_parents(rows))
    }
}

/// Loads into empty or small tables, and restores, with secondary indexes set aside (see
/// [`bulk`]).
impl BulkLoadOps for SqliteDialect {
    fn bulk_load<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<SqliteConnection>>,
    ) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        bulk::start::<E>(pool).map_err(repo_error)
    }

    fn set_aside_for_replace(
        conn: &mut SqliteConnection,
        tables: &[Table],
    ) -> Result<Option<SetAside>, StoreError> {
        bulk::set_aside_for_replace(conn, tables)
    }

    fn replacing<T>(
        conn: &mut SqliteConnection,
        replace: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        bulk::without_row_foreign_keys(conn, replace)
    }
}
