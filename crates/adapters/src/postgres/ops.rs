//! Every `*Ops` trait of the shared storage code for [`PgDialect`]: the typed queries written
//! by the shared macros from the PostgreSQL schema (`crate::schema::pg`), and the rest by hand.
//! Rows are inserted with one binary `COPY ... FROM STDIN` per batch.

use super::bulk;
use super::dialect::PgDialect;
use crate::db::audit_log::audit_ops;
use crate::db::bulk::{BulkLoadOps, SetAside};
use crate::db::error::{repo_error, StoreError};
use crate::db::held_keys::HeldKeys;
use crate::db::hire_counts::hire_count_ops;
use crate::db::idempotency_keys::key_ops;
use crate::db::rejects::reject_ops;
use crate::db::replace::{missing_parents, BulkOps, MissingParentRow, MISSING_PARENTS_SQL};
use crate::db::rows::{department_from, employee_from, job_from};
use crate::db::runs::run_ops;
use crate::db::tables::{table_ops, TableOps};
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{PgConnection, RunQueryDsl};
use hiring_domain::{Department, HiredEmployee, Job, Table};
use hiring_ports::{BulkLoad, MissingParents, RepoError};

table_ops! {
    dialect: PgDialect,
    entity: Department,
    table: pg::departments,
    from_row: department_from,
    insert: |conn, rows| {
        use crate::schema::pg::departments as t;
        use diesel::prelude::ExecuteCopyFromDsl;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        let values: Vec<_> = rows
            .iter()
            .map(|r| (t::id.eq(r.id().get()), t::department.eq(r.department())))
            .collect();
        Ok(diesel::copy_from(t::table).from_insertable(values).execute(conn)?)
    },
}

table_ops! {
    dialect: PgDialect,
    entity: Job,
    table: pg::jobs,
    from_row: job_from,
    insert: |conn, rows| {
        use crate::schema::pg::jobs as t;
        use diesel::prelude::ExecuteCopyFromDsl;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        let values: Vec<_> = rows
            .iter()
            .map(|r| (t::id.eq(r.id().get()), t::job.eq(r.job())))
            .collect();
        Ok(diesel::copy_from(t::table).from_insertable(values).execute(conn)?)
    },
}

table_ops! {
    dialect: PgDialect,
    entity: HiredEmployee,
    table: pg::hired_employees,
    from_row: employee_from::<PgDialect>,
    insert: |conn, rows| {
        use crate::db::dialect::Dialect;
        use crate::schema::pg::hired_employees as t;
        use diesel::prelude::ExecuteCopyFromDsl;
        use diesel::ExpressionMethods;
        use hiring_domain::Record;
        let values: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    t::id.eq(r.id().get()),
                    t::name.eq(r.name()),
                    t::datetime.eq(PgDialect::encode_time(r.datetime())),
                    t::department_id.eq(r.department_id().get()),
                    t::job_id.eq(r.job_id().get()),
                )
            })
            .collect();
        // Partitioned by year: a year's first hires get its partition first.
        super::partitions::make_room(conn, rows)?;
        Ok(diesel::copy_from(t::table).from_insertable(values).execute(conn)?)
    },
}

hire_count_ops!(PgDialect, pg);
reject_ops!(PgDialect, pg);
key_ops!(PgDialect);
audit_ops!(PgDialect, pg);
run_ops!(PgDialect, pg, diesel::sql_types::Timestamptz, "now()");

impl BulkOps for PgDialect {
    fn missing_parents(conn: &mut PgConnection) -> Result<Vec<MissingParents>, StoreError> {
        let rows = diesel::sql_query(MISSING_PARENTS_SQL).load::<MissingParentRow>(conn)?;
        Ok(missing_parents(rows))
    }
}

/// Loads into empty or small tables, and restores, with indexes and foreign keys set aside
/// (see [`bulk`]).
impl BulkLoadOps for PgDialect {
    fn bulk_load_holding<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<PgConnection>>,
        held: &HeldKeys,
    ) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        bulk::start::<E>(pool, held).map_err(repo_error)
    }

    fn set_aside_for_replace(
        conn: &mut PgConnection,
        tables: &[Table],
    ) -> Result<Option<SetAside>, StoreError> {
        super::replace::set_aside_for_replace(conn, tables)
    }
}
