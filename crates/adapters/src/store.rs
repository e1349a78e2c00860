//! What both diesel backends share: the repository logic (transactions, paging, chunking), the
//! conversion of stored rows into domain entities, the mapping of diesel errors onto
//! [`RepoError`], and the macros that write each backend's typed queries from one definition.
//!
//! A backend supplies a [`Dialect`] (its connection type, how it stores instants and JSON, its
//! statement limits and transaction flavours) and a way to bulk-insert rows; the [`queries!`]
//! macro then writes [`TableOps`] for the three tables and [`RejectOps`] for the reject log, and
//! [`Store`] runs every port method on top of them.

use diesel::r2d2::{ConnectionManager, Pool, R2D2Connection};
use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use hiring_domain::{
    Department, DepartmentHires, FieldError, HireTime, HiredEmployee, Id, Job, Record, Rejection,
    ReportYear, Table, Text,
};
use hiring_ports::reports::QuarterCounts;
use hiring_ports::{
    AnyRow, MissingParents, RejectFilter, ReplaceError, RepoError, RowSink, RowSource,
    SnapshotSink, StoredRejection,
};
use std::borrow::Cow;

/// Rows read per statement by `for_each` (keyset pagination keeps memory flat).
const PAGE_ROWS: i64 = 10_000;

/// Rows taken from the iterator of `replace_all` before they are written.
const REPLACE_CHUNK: usize = 10_000;

/// A failure inside the adapter, before it is translated into a [`RepoError`].
#[derive(Debug)]
pub(crate) enum StoreError {
    /// A statement failed.
    Db(DieselError),
    /// No connection could be taken from the pool.
    Pool(String),
    /// A stored value broke a domain rule.
    Corrupt(String),
    /// A value could not be encoded for storage.
    Encode(String),
    /// An error raised by the caller (a row sink), passed through unchanged.
    Port(RepoError),
    /// A replacement would leave rows pointing at missing parents (rolls the transaction back).
    MissingParents(Vec<MissingParents>),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        Self::Db(e)
    }
}

/// The one place where adapter failures become port errors: constraint violations are
/// conflicts, lost connections and pool timeouts make the database unavailable.
pub(crate) fn repo_error(e: StoreError) -> RepoError {
    match e {
        StoreError::Db(DieselError::DatabaseError(kind, info)) => {
            let message = describe(info.as_ref());
            match kind {
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation => {
                    RepoError::Conflict(message)
                }
                DatabaseErrorKind::ClosedConnection => RepoError::Unavailable(message),
                _ => RepoError::Other(message),
            }
        }
        StoreError::Db(other) => RepoError::Other(other.to_string()),
        StoreError::Pool(message) => RepoError::Unavailable(message),
        StoreError::Corrupt(message) => RepoError::Corrupt(message),
        StoreError::Encode(message) => RepoError::Other(message),
        StoreError::Port(e) => e,
        StoreError::MissingParents(missing) => {
            RepoError::Conflict(ReplaceError::MissingParents(missing).to_string())
        }
    }
}

fn describe(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> String {
    match info.details() {
        Some(details) => format!("{} ({})", info.message(), details.trim()),
        None => info.message().to_owned(),
    }
}

/// What a backend brings to the shared code.
pub(crate) trait Dialect: Sized + Send + Sync + 'static {
    /// The diesel connection.
    type Conn: R2D2Connection + Send + 'static;
    /// The Rust value of an instant column (`datetime`, `recorded_at`).
    type Instant;
    /// The Rust value of the `reasons` column.
    type Json;

    /// Most bind parameters one statement may carry.
    const MAX_PARAMS: usize;
    /// Most ids one lookup statement carries.
    const IDS_PER_QUERY: usize;
    /// Stripes of the `hire_counts` aggregate that writers spread over (1: always stripe 0).
    const HIRE_COUNT_STRIPES: u64;
    /// The statement that defers the foreign-key checks of the current transaction to commit.
    const DEFER_FOREIGN_KEYS: &'static str;

    /// How a hire time is stored.
    fn encode_time(at: HireTime) -> Self::Instant;
    /// Reads a stored hire time back.
    fn decode_time(stored: Self::Instant) -> Result<HireTime, String>;
    /// A stored instant as RFC 3339 UTC text.
    fn instant_text(stored: Self::Instant) -> String;
    /// `text` as the backend can store it (by default unchanged).
    fn storable(text: &str) -> Cow<'_, str> {
        Cow::Borrowed(text)
    }
    /// How the reasons of a reject are stored.
    fn encode_reasons(errors: &[FieldError]) -> Result<Self::Json, StoreError>;
    /// Reads stored reasons back.
    fn decode_reasons(stored: Self::Json) -> Result<Vec<FieldError>, String>;

    /// Runs `f` in a transaction that writes (by default the backend's plain transaction).
    fn write<T, F>(conn: &mut Self::Conn, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    {
        conn.transaction(f)
    }

    /// Runs `f` in a transaction that only reads, from one consistent snapshot (by default the
    /// backend's plain transaction).
    fn read<T, F>(conn: &mut Self::Conn, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    {
        conn.transaction(f)
    }
}

/// The typed queries of one table on one backend (written by [`queries!`]).
pub(crate) trait TableOps<D: Dialect>: Record {
    /// Rows whose ids are in `ids`.
    fn find(conn: &mut D::Conn, ids: &[i32]) -> Result<Vec<Self>, StoreError>;
    /// Up to `limit` rows with ids above `after`, in id order.
    fn page(conn: &mut D::Conn, after: i32, limit: i64) -> Result<Vec<Self>, StoreError>;
    /// Inserts every row, in as few statements as the backend allows.
    fn insert(conn: &mut D::Conn, rows: &[Self]) -> Result<u64, StoreError>;
    /// Like [`TableOps::insert`], leaving the `hire_counts` aggregate alone: for a writer of
    /// many batches in one transaction, which counts them with [`TableOps::tally`] and adds the
    /// tally once with [`TableOps::add_tally`].
    fn insert_uncounted(conn: &mut D::Conn, rows: &[Self]) -> Result<u64, StoreError>;
    /// Counts `rows` into `tally` (only hires count).
    fn tally(rows: &[Self], tally: &mut crate::hire_counts::Tally);
    /// Adds `tally` to the aggregate and empties it.
    fn add_tally(
        conn: &mut D::Conn,
        tally: &mut crate::hire_counts::Tally,
    ) -> Result<(), StoreError>;
    /// Number of rows.
    fn count(conn: &mut D::Conn) -> Result<u64, StoreError>;
    /// Deletes every row.
    fn delete_all(conn: &mut D::Conn) -> Result<u64, StoreError>;
    /// Which of `ids` are stored.
    fn existing(conn: &mut D::Conn, ids: &[i32]) -> Result<Vec<i32>, StoreError>;
    /// Up to `limit` stored ids, smallest first.
    fn first_ids(conn: &mut D::Conn, limit: i64) -> Result<Vec<i32>, StoreError>;
}

/// Up to `limit` ids stored in `table`, smallest first.
pub(crate) fn stored_ids<D: Dialect>(
    conn: &mut D::Conn,
    table: Table,
    limit: i64,
) -> Result<Vec<i32>, StoreError>
where
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    match table {
        Table::Departments => Department::first_ids(conn, limit),
        Table::Jobs => Job::first_ids(conn, limit),
        Table::HiredEmployees => HiredEmployee::first_ids(conn, limit),
    }
}

/// The bitmap key of a stored id; ids below 1 cannot be asked for (they break the id rule).
pub(crate) fn id_bit(id: i32) -> Option<u32> {
    u32::try_from(id).ok()
}

/// The typed queries of the reject log on one backend (written by [`queries!`]).
pub(crate) trait RejectOps: Dialect {
    /// Records `rejects`, skipping those already recorded; returns how many were new.
    fn insert_rejects(conn: &mut Self::Conn, rejects: &[Rejection]) -> Result<u64, StoreError>;
    /// The newest rejects matching `filter`.
    fn list_rejects(
        conn: &mut Self::Conn,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, StoreError>;
    /// How many rejects are recorded, for one table or all.
    fn count_rejects(conn: &mut Self::Conn, table: Option<Table>) -> Result<u64, StoreError>;
}

/// The whole-table statements of one backend (written by [`queries!`]).
pub(crate) trait BulkOps: Dialect {
    /// Makes the foreign keys of the current transaction checked at commit instead of at each
    /// statement.
    fn defer_foreign_keys(conn: &mut Self::Conn) -> Result<(), StoreError>;
    /// The departments and jobs that `hired_employees` rows reference but that do not exist.
    fn missing_parents(conn: &mut Self::Conn) -> Result<Vec<MissingParents>, StoreError>;
}

/// Checked inside a restore before it commits; see the file.
pub(crate) const MISSING_PARENTS_SQL: &str = include_str!("sql/missing_parents.sql");

/// One row of [`MISSING_PARENTS_SQL`].
#[derive(diesel::QueryableByName)]
pub(crate) struct MissingParentRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    hires: i64,
}

/// Where a report's counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The maintained aggregate `hire_counts` (what the reports use).
    Aggregate,
    /// A `GROUP BY` over `hired_employees` itself (to check the aggregate against).
    Scan,
}

/// The report queries of one backend (each backend binds the year its own way).
pub(crate) trait ReportOps: Dialect {
    /// Hires per department, job and quarter in `year` (`sql/*_quarter_counts*.sql`).
    fn quarter_rows(
        conn: &mut Self::Conn,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<QuarterRow>, StoreError>;
    /// Every department with its hires in `year` (`sql/*_department_counts*.sql`).
    fn department_rows(
        conn: &mut Self::Conn,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<DepartmentRow>, StoreError>;
}

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

fn department_hires(row: DepartmentRow) -> Result<DepartmentHires, StoreError> {
    Ok(DepartmentHires {
        id: StoredRow::new("departments", row.id).id("id", row.id)?,
        department: row.department,
        hired: row_count(row.hired),
    })
}

/// Groups the rows of [`MISSING_PARENTS_SQL`] by parent table, naming at most
/// [`MissingParents::MAX_IDS`] ids each.
pub(crate) fn missing_parents(rows: Vec<MissingParentRow>) -> Vec<MissingParents> {
    let mut grouped: Vec<MissingParents> = Vec::new();
    for row in rows {
        let Ok(parent) = row.parent.parse::<Table>() else {
            continue;
        };
        let index = match grouped.iter().position(|m| m.parent == parent) {
            Some(index) => index,
            None => {
                let column = Table::HiredEmployees
                    .parents()
                    .iter()
                    .find(|(t, _)| *t == parent)
                    .map_or("?", |(_, column)| *column);
                grouped.push(MissingParents {
                    parent,
                    column,
                    ids: Vec::new(),
                    missing: 0,
                    rows: 0,
                });
                grouped.len() - 1
            }
        };
        let entry = &mut grouped[index];
        entry.missing += 1;
        entry.rows += row_count(row.hires);
        if entry.ids.len() < MissingParents::MAX_IDS {
            // Stored keys failing the id rule would be reported by reads; name them anyway.
            if let Ok(id) = Id::new(row.id.into()) {
                entry.ids.push(id);
            }
        }
    }
    grouped
}

/// Takes a row of the entity's table out of an [`AnyRow`].
pub(crate) trait FromAnyRow: Sized {
    /// The entity, or `None` for a row of another table.
    fn from_any(row: AnyRow) -> Option<Self>;
}

impl FromAnyRow for Department {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::Department(row) => Some(row),
            _ => None,
        }
    }
}

impl FromAnyRow for Job {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::Job(row) => Some(row),
            _ => None,
        }
    }
}

impl FromAnyRow for HiredEmployee {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::HiredEmployee(row) => Some(row),
            _ => None,
        }
    }
}

/// Streams one table of a snapshot into `sink`: its row count, then its rows in id order, page
/// by page.
fn stream_table<D: Dialect, E: TableOps<D> + Into<AnyRow>>(
    conn: &mut D::Conn,
    sink: &mut dyn SnapshotSink,
) -> Result<u64, StoreError> {
    let rows = E::count(conn)?;
    sink.begin_table(E::TABLE, rows).map_err(StoreError::Port)?;
    let mut visited = 0;
    let mut after = i32::MIN;
    loop {
        let page = E::page(conn, after, PAGE_ROWS)?;
        let last_page = i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE_ROWS;
        for row in page {
            after = row.id().get();
            sink.row(row.into()).map_err(StoreError::Port)?;
            visited += 1;
        }
        if last_page {
            break;
        }
    }
    sink.end_table(E::TABLE).map_err(StoreError::Port)?;
    Ok(visited)
}

/// Inserts the rows `source` gives for the entity's table, in chunks. Each chunk is written on
/// a second thread while this one reads the next, so that reading and checking the rows and
/// writing them overlap; at most three chunks are in memory.
fn fill_table<D: Dialect, E: TableOps<D> + FromAnyRow>(
    conn: &mut D::Conn,
    source: &mut dyn RowSource,
) -> Result<u64, StoreError> {
    std::thread::scope(|scope| {
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<E>>(1);
        let writer = scope.spawn(move || {
            // The aggregate is brought up to date once, not chunk after chunk.
            let mut tally = crate::hire_counts::Tally::default();
            let mut stored = 0;
            for chunk in received {
                stored += E::insert_uncounted(conn, &chunk)?;
                E::tally(&chunk, &mut tally);
            }
            E::add_tally(conn, &mut tally)?;
            Ok::<u64, StoreError>(stored)
        });
        let read = read_chunks::<E>(source, |chunk| chunks.send(chunk).is_ok());
        drop(chunks);
        let written = writer.join().unwrap_or_else(|_| {
            Err(StoreError::Encode(
                "the thread writing rows panicked".to_owned(),
            ))
        });
        // A failed write stops the reading early: its error is the one to report.
        let stored = written?;
        read?;
        Ok(stored)
    })
}

/// Reads the rows `source` gives for the entity's table and hands them to `send` in chunks,
/// until the source ends or `send` returns false.
fn read_chunks<E: Record + FromAnyRow>(
    source: &mut dyn RowSource,
    mut send: impl FnMut(Vec<E>) -> bool,
) -> Result<(), StoreError> {
    let mut chunk: Vec<E> = Vec::with_capacity(REPLACE_CHUNK);
    while let Some(row) = source.next_row(E::TABLE).map_err(StoreError::Port)? {
        let given = row.table();
        let row = E::from_any(row).ok_or_else(|| {
            StoreError::Port(RepoError::Other(format!(
                "a {given} row was given for {}",
                E::TABLE
            )))
        })?;
        chunk.push(row);
        if chunk.len() == REPLACE_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(REPLACE_CHUNK));
            if !send(full) {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        send(chunk);
    }
    Ok(())
}

/// `(first, last)` of `ids` when they are sorted, distinct and dense (the span holds fewer
/// than twice as many ids), so that one `id BETWEEN first AND last` statement, whose prepared
/// form the connection caches, finds them: at most twice the rows asked for come back, where a
/// list of ids (`id IN (...)`) is a new statement to prepare for every chunk of ids.
pub(crate) fn dense_span(ids: &[i32]) -> Option<(i32, i32)> {
    let (&first, &last) = (ids.first()?, ids.last()?);
    let span = i64::from(last) - i64::from(first);
    let sorted = ids.windows(2).all(|pair| pair[0] < pair[1]);
    (sorted && span < 2 * i64::try_from(ids.len()).unwrap_or(i64::MAX)).then_some((first, last))
}

/// A stored row whose first column is its id.
pub(crate) trait IdFirst {
    /// The id.
    fn id_first(&self) -> i32;
}

impl<A> IdFirst for (i32, A) {
    fn id_first(&self) -> i32 {
        self.0
    }
}

impl<A, B, C, D> IdFirst for (i32, A, B, C, D) {
    fn id_first(&self) -> i32 {
        self.0
    }
}

/// The id of a stored row, before it is decoded.
pub(crate) fn first_key<R: IdFirst>(row: &R) -> i32 {
    row.id_first()
}

/// A row count from SQL (never negative) as `u64`.
pub(crate) fn row_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A row count from diesel's `execute` as `u64`.
pub(crate) fn affected(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Checks values read back from one stored row, naming the row in every complaint.
struct StoredRow {
    table: &'static str,
    id: i64,
}

impl StoredRow {
    fn new(table: &'static str, id: impl Into<i64>) -> Self {
        Self {
            table,
            id: id.into(),
        }
    }

    fn corrupt(&self, field: &str, message: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!(
            "{} row with id {}: {field} {message}",
            self.table, self.id
        ))
    }

    fn id(&self, field: &str, value: i32) -> Result<Id, StoreError> {
        Id::new(value.into()).map_err(|e| self.corrupt(field, e))
    }

    fn text(&self, field: &str, value: &str) -> Result<Text, StoreError> {
        match Text::parse(value) {
            Ok(text) if text.as_str() == value => Ok(text),
            Ok(_) => Err(self.corrupt(field, "has surrounding white space")),
            Err(e) => Err(self.corrupt(field, e)),
        }
    }
}

/// A stored `departments` row as an entity.
pub(crate) fn department_from((id, name): (i32, String)) -> Result<Department, StoreError> {
    let row = StoredRow::new("departments", id);
    Ok(Department::new(
        row.id("id", id)?,
        row.text("department", &name)?,
    ))
}

/// A stored `jobs` row as an entity.
pub(crate) fn job_from((id, name): (i32, String)) -> Result<Job, StoreError> {
    let row = StoredRow::new("jobs", id);
    Ok(Job::new(row.id("id", id)?, row.text("job", &name)?))
}

/// A stored `hired_employees` row as an entity.
pub(crate) fn employee_from<D: Dialect>(
    (id, name, datetime, department_id, job_id): (i32, String, D::Instant, i32, i32),
) -> Result<HiredEmployee, StoreError> {
    let row = StoredRow::new("hired_employees", id);
    Ok(HiredEmployee::new(
        row.id("id", id)?,
        row.text("name", &name)?,
        D::decode_time(datetime).map_err(|e| row.corrupt("datetime", e))?,
        row.id("department_id", department_id)?,
        row.id("job_id", job_id)?,
    ))
}

/// A stored `rejected_rows` row.
pub(crate) type RejectRow<D> = (
    i64,
    String,
    String,
    String,
    <D as Dialect>::Json,
    <D as Dialect>::Instant,
);

/// A stored `rejected_rows` row as the port's type.
pub(crate) fn stored_rejection<D: Dialect>(
    (id, table_name, source, raw, reasons, recorded_at): RejectRow<D>,
) -> Result<StoredRejection, StoreError> {
    let row = StoredRow::new("rejected_rows", id);
    Ok(StoredRejection {
        id,
        table: table_name
            .parse()
            .map_err(|e| row.corrupt("table_name", e))?,
        source,
        raw,
        errors: D::decode_reasons(reasons).map_err(|e| row.corrupt("reasons", e))?,
        recorded_at: D::instant_text(recorded_at),
    })
}

/// Writes [`TableOps`] for the three tables and [`RejectOps`] for dialect `$d`, whose schema is
/// `crate::schema::$s`. `$insert` is a macro of the backend module that bulk-inserts:
/// `$insert!(conn, table, rows: &[E], to_values: impl Fn(&E) -> (column.eq(value), ...))`,
/// which returns the rows inserted (`usize`) and uses `?` on diesel errors.
macro_rules! queries {
    (dialect: $d:ty, schema: $s:ident, insert: $insert:ident) => {
        $crate::hire_counts::hire_count_ops!($d, $s);
        $crate::store::table_ops!(
            $d,
            $insert,
            hiring_domain::Department,
            $s,
            departments,
            |r: &hiring_domain::Department| {
                use diesel::ExpressionMethods;
                use $crate::schema::$s::departments as t;
                (
                    t::id.eq(hiring_domain::Record::id(r).get()),
                    t::department.eq(r.department()),
                )
            },
            $crate::store::department_from
        );
        $crate::store::table_ops!(
            $d,
            $insert,
            hiring_domain::Job,
            $s,
            jobs,
            |r: &hiring_domain::Job| {
                use diesel::ExpressionMethods;
                use $crate::schema::$s::jobs as t;
                (
                    t::id.eq(hiring_domain::Record::id(r).get()),
                    t::job.eq(r.job()),
                )
            },
            $crate::store::job_from
        );
        $crate::store::table_ops!(
            $d,
            $insert,
            hiring_domain::HiredEmployee,
            $s,
            hired_employees,
            |r: &hiring_domain::HiredEmployee| {
                use diesel::ExpressionMethods;
                use $crate::schema::$s::hired_employees as t;
                (
                    t::id.eq(hiring_domain::Record::id(r).get()),
                    t::name.eq(r.name()),
                    t::datetime.eq(<$d as $crate::store::Dialect>::encode_time(r.datetime())),
                    t::department_id.eq(r.department_id().get()),
                    t::job_id.eq(r.job_id().get()),
                )
            },
            $crate::store::employee_from::<$d>
        );

        impl $crate::store::BulkOps for $d {
            fn defer_foreign_keys(conn: &mut Self::Conn) -> Result<(), $crate::store::StoreError> {
                use diesel::connection::SimpleConnection;
                conn.batch_execute(Self::DEFER_FOREIGN_KEYS)?;
                Ok(())
            }

            fn missing_parents(
                conn: &mut Self::Conn,
            ) -> Result<Vec<hiring_ports::MissingParents>, $crate::store::StoreError> {
                use diesel::RunQueryDsl;
                let rows = diesel::sql_query($crate::store::MISSING_PARENTS_SQL)
                    .load::<$crate::store::MissingParentRow>(conn)?;
                Ok($crate::store::missing_parents(rows))
            }
        }

        impl $crate::store::RejectOps for $d {
            fn insert_rejects(
                conn: &mut Self::Conn,
                rejects: &[hiring_domain::Rejection],
            ) -> Result<u64, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut added = 0;
                for chunk in rejects.chunks(Self::MAX_PARAMS / 4) {
                    let values = chunk
                        .iter()
                        .map(|r| {
                            Ok((
                                t::table_name.eq(r.table().name()),
                                t::source.eq(Self::storable(r.source())),
                                t::raw_record.eq(Self::storable(r.raw())),
                                t::reasons.eq(Self::encode_reasons(r.errors())?),
                            ))
                        })
                        .collect::<Result<Vec<_>, $crate::store::StoreError>>()?;
                    added += diesel::insert_into(t::table)
                        .values(values)
                        .on_conflict_do_nothing()
                        .execute(conn)?;
                }
                Ok($crate::store::affected(added))
            }

            fn list_rejects(
                conn: &mut Self::Conn,
                filter: &hiring_ports::RejectFilter,
            ) -> Result<Vec<hiring_ports::StoredRejection>, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table
                    .order(t::id.desc())
                    .limit(i64::from(filter.limit))
                    .into_boxed();
                if let Some(table) = filter.table {
                    query = query.filter(t::table_name.eq(table.name()));
                }
                query
                    .load::<$crate::store::RejectRow<Self>>(conn)?
                    .into_iter()
                    .map($crate::store::stored_rejection::<Self>)
                    .collect()
            }

            fn count_rejects(
                conn: &mut Self::Conn,
                table: Option<hiring_domain::Table>,
            ) -> Result<u64, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::rejected_rows as t;
                let mut query = t::table.count().into_boxed();
                if let Some(table) = table {
                    query = query.filter(t::table_name.eq(table.name()));
                }
                Ok($crate::store::row_count(query.get_result::<i64>(conn)?))
            }
        }
    };
}
pub(crate) use queries;

/// Writes [`TableOps`] of one table (`crate::schema::$s::$t`) for dialect `$d`.
macro_rules! table_ops {
    ($d:ty, $insert:ident, $entity:ty, $s:ident, $t:ident, $to_values:expr, $from_row:expr) => {
        impl $crate::store::TableOps<$d> for $entity {
            fn find(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                ids: &[i32],
            ) -> Result<Vec<Self>, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let mut found = Vec::with_capacity(ids.len());
                if let Some((low, high)) = $crate::store::dense_span(ids) {
                    for row in t::table.filter(t::id.between(low, high)).load(conn)? {
                        // Rows in the gaps were not asked for: not even decoded.
                        if ids.binary_search(&$crate::store::first_key(&row)).is_ok() {
                            found.push($from_row(row)?);
                        }
                    }
                    return Ok(found);
                }
                for chunk in ids.chunks(<$d as $crate::store::Dialect>::IDS_PER_QUERY) {
                    for row in t::table.filter(t::id.eq_any(chunk)).load(conn)? {
                        found.push($from_row(row)?);
                    }
                }
                Ok(found)
            }

            fn page(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                after: i32,
                limit: i64,
            ) -> Result<Vec<Self>, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                t::table
                    .filter(t::id.gt(after))
                    .order(t::id)
                    .limit(limit)
                    .load(conn)?
                    .into_iter()
                    .map($from_row)
                    .collect()
            }

            fn insert(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                rows: &[Self],
            ) -> Result<u64, $crate::store::StoreError> {
                let inserted = <Self as $crate::store::TableOps<$d>>::insert_uncounted(conn, rows)?;
                <$entity as $crate::hire_counts::Counted>::inserted::<$d>(conn, rows)?;
                Ok(inserted)
            }

            fn insert_uncounted(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                rows: &[Self],
            ) -> Result<u64, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let inserted = $insert!(conn, t::table, rows, $to_values);
                Ok($crate::store::affected(inserted))
            }

            fn tally(rows: &[Self], tally: &mut $crate::hire_counts::Tally) {
                <$entity as $crate::hire_counts::Counted>::tally(rows, tally);
            }

            fn add_tally(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                tally: &mut $crate::hire_counts::Tally,
            ) -> Result<(), $crate::store::StoreError> {
                tally.apply::<$d>(conn)
            }

            fn count(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
            ) -> Result<u64, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                Ok($crate::store::row_count(
                    t::table.count().get_result::<i64>(conn)?,
                ))
            }

            fn delete_all(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
            ) -> Result<u64, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let deleted = diesel::delete(t::table).execute(conn)?;
                <$entity as $crate::hire_counts::Counted>::emptied::<$d>(conn)?;
                Ok($crate::store::affected(deleted))
            }

            fn first_ids(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                limit: i64,
            ) -> Result<Vec<i32>, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                Ok(t::table
                    .select(t::id)
                    .order(t::id)
                    .limit(limit)
                    .load(conn)?)
            }

            fn existing(
                conn: &mut <$d as $crate::store::Dialect>::Conn,
                ids: &[i32],
            ) -> Result<Vec<i32>, $crate::store::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let mut found = Vec::with_capacity(ids.len());
                if let Some((low, high)) = $crate::store::dense_span(ids) {
                    let stored = t::table
                        .select(t::id)
                        .filter(t::id.between(low, high))
                        .load::<i32>(conn)?;
                    found.extend(
                        stored
                            .into_iter()
                            .filter(|id| ids.binary_search(id).is_ok()),
                    );
                    return Ok(found);
                }
                for chunk in ids.chunks(<$d as $crate::store::Dialect>::IDS_PER_QUERY) {
                    found.extend(
                        t::table
                            .select(t::id)
                            .filter(t::id.eq_any(chunk))
                            .load::<i32>(conn)?,
                    );
                }
                Ok(found)
            }
        }
    };
}
pub(crate) use table_ops;

/// A backend's bulk path for large loads (see [`hiring_ports::BulkLoad`]).
pub(crate) trait BulkLoadOps: Dialect {
    /// Starts a bulk load of `E`'s table on a connection of `pool`, or declines (`None`).
    fn bulk_load<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<Self::Conn>>,
    ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<E>>>, RepoError> {
        let _ = pool;
        Ok(None)
    }

    /// Like [`BulkLoadOps::bulk_load`], for a load that may lock its parent tables against
    /// every other connection while it lasts: it then lends their keys to `held`, so that the
    /// store's key lookups answer without waiting for it. By default, [`BulkLoadOps::bulk_load`].
    fn bulk_load_holding<E: TableOps<Self>>(
        pool: &Pool<ConnectionManager<Self::Conn>>,
        held: &HeldKeys,
    ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<E>>>, RepoError> {
        let _ = held;
        Self::bulk_load::<E>(pool)
    }

    /// Called first in a replacement's transaction, before `tables` (parents first) are
    /// emptied with [`TableOps::delete_all`] and filled: a backend may set constraints and
    /// indexes aside and empty the tables its own faster way, returning what puts them back.
    /// By default nothing (`None`).
    fn set_aside_for_replace(
        conn: &mut Self::Conn,
        tables: &[Table],
    ) -> Result<Option<SetAside>, StoreError> {
        let _ = (conn, tables);
        Ok(None)
    }

    /// Runs `replace` (a replacement's whole transaction, which ends with the set-wise
    /// missing-parents check) on `conn`, with the session settings that check allows: a backend
    /// whose foreign keys are checked row by row may turn them off for it. By default as is.
    fn replacing<T>(
        conn: &mut Self::Conn,
        replace: impl FnOnce(&mut Self::Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        replace(conn)
    }
}

/// What [`BulkLoadOps::set_aside_for_replace`] set aside: the statements that put it back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SetAside {
    /// Rebuild the indexes and key constraints, run once the tables are filled.
    pub(crate) indexes: Vec<String>,
    /// Re-add the foreign keys. When there are any, re-adding them must check every foreign
    /// key the replacement could break: the missing-parents query then runs only when they
    /// refuse, to name the ids.
    pub(crate) foreign_keys: Vec<String>,
}

/// Runs `statements` in order.
fn run_statements<C: Connection>(conn: &mut C, statements: &[String]) -> Result<(), StoreError> {
    for statement in statements {
        diesel::connection::SimpleConnection::batch_execute(conn, statement)?;
    }
    Ok(())
}

/// The keys of parent tables that a bulk load in progress holds locked (so they cannot change
/// until it ends), lent to the store's key lookups: those would otherwise wait for the lock,
/// while the load waits for them. Shared by the clones of one store.
#[derive(Debug, Clone, Default)]
pub(crate) struct HeldKeys(std::sync::Arc<std::sync::RwLock<Vec<TableKeys>>>);

/// The sorted keys of one table.
type TableKeys = (Table, Vec<i32>);

impl HeldKeys {
    /// Lends the keys of `table` (sorted and without duplicates) until [`HeldKeys::release`].
    pub(crate) fn hold(&self, table: Table, mut keys: Vec<i32>) {
        keys.sort_unstable();
        keys.dedup();
        let mut held = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|(t, _)| *t != table);
        held.push((table, keys));
    }

    /// Takes back the keys of `tables`.
    pub(crate) fn release(&self, tables: &[Table]) {
        let mut held = self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|(t, _)| !tables.contains(t));
    }

    /// Which of `keys` are stored in `table`, when its keys are held.
    fn existing(&self, table: Table, keys: &[i32]) -> Option<Vec<i32>> {
        let held = self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (_, stored) = held.iter().find(|(t, _)| *t == table)?;
        Some(
            keys.iter()
                .copied()
                .filter(|key| stored.binary_search(key).is_ok())
                .collect(),
        )
    }
}

/// A pool of one backend's connections and the port methods written once over [`Dialect`].
pub(crate) struct Store<D: Dialect> {
    pool: Pool<ConnectionManager<D::Conn>>,
    description: String,
    held: HeldKeys,
}

impl<D: Dialect> Clone for Store<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            description: self.description.clone(),
            held: self.held.clone(),
        }
    }
}

impl<D: Dialect> std::fmt::Debug for Store<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// The distinct keys of `ids`, in order (a key asked twice is looked up once).
fn keys(ids: &[Id]) -> Vec<i32> {
    let mut keys: Vec<i32> = ids.iter().map(|id| id.get()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl<D> Store<D>
where
    D: RejectOps + BulkOps + ReportOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    /// Wraps a pool; `description` names the storage without secrets.
    pub(crate) fn new(pool: Pool<ConnectionManager<D::Conn>>, description: String) -> Self {
        Self {
            pool,
            description,
            held: HeldKeys::default(),
        }
    }

    /// The storage, as `sqlite data/hiring.db` or `postgresql host:port/dbname`.
    pub(crate) fn description(&self) -> &str {
        &self.description
    }

    /// Runs `f` on a pooled connection and translates its failure.
    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut D::Conn) -> Result<T, StoreError>,
    ) -> Result<T, RepoError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| repo_error(StoreError::Pool(e.to_string())))?;
        f(&mut conn).map_err(repo_error)
    }

    pub(crate) fn find_by_ids<E: TableOps<D>>(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys(ids);
        self.with_conn(|conn| D::read(conn, |conn| E::find(conn, &keys)))
    }

    pub(crate) fn write_batch<E: TableOps<D>>(
        &self,
        rows: &[E],
        rejects: &[Rejection],
    ) -> Result<u64, RepoError> {
        if rows.is_empty() && rejects.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| {
            D::write(conn, |conn| {
                let inserted = if rows.is_empty() {
                    0
                } else {
                    E::insert(conn, rows)?
                };
                if !rejects.is_empty() {
                    D::insert_rejects(conn, rejects)?;
                }
                Ok(inserted)
            })
        })
    }

    pub(crate) fn bulk_load<E: TableOps<D>>(
        &self,
    ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<E>>>, RepoError> {
        D::bulk_load_holding::<E>(&self.pool, &self.held)
    }

    pub(crate) fn count<E: TableOps<D>>(&self) -> Result<u64, RepoError> {
        self.with_conn(|conn| E::count(conn))
    }

    pub(crate) fn for_each<E: TableOps<D>>(
        &self,
        sink: &mut dyn RowSink<E>,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::read(conn, |conn| {
                let mut visited = 0;
                // Below every valid id, so that rows breaking the rules are reported too.
                let mut after = i32::MIN;
                loop {
                    let page = E::page(conn, after, PAGE_ROWS)?;
                    let last_page = i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE_ROWS;
                    for row in page {
                        after = row.id().get();
                        sink.accept(row).map_err(StoreError::Port)?;
                        visited += 1;
                    }
                    if last_page {
                        return Ok(visited);
                    }
                }
            })
        })
    }

    pub(crate) fn replace_all<E: TableOps<D>>(
        &self,
        rows: &mut dyn Iterator<Item = E>,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::write(conn, |conn| {
                E::delete_all(conn)?;
                let mut stored = 0;
                loop {
                    let chunk: Vec<E> = (&mut *rows).take(REPLACE_CHUNK).collect();
                    if chunk.is_empty() {
                        return Ok(stored);
                    }
                    stored += E::insert(conn, &chunk)?;
                }
            })
        })
    }

    pub(crate) fn snapshot(
        &self,
        tables: &[Table],
        sink: &mut dyn SnapshotSink,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::read(conn, |conn| {
                let mut total = 0;
                for table in tables {
                    total += match table {
                        Table::Departments => stream_table::<D, Department>(conn, sink)?,
                        Table::Jobs => stream_table::<D, Job>(conn, sink)?,
                        Table::HiredEmployees => stream_table::<D, HiredEmployee>(conn, sink)?,
                    };
                }
                Ok(total)
            })
        })
    }

    pub(crate) fn replace(
        &self,
        tables: &[Table],
        source: &mut dyn RowSource,
    ) -> Result<Vec<u64>, ReplaceError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| repo_error(StoreError::Pool(e.to_string())))?;
        D::replacing(&mut conn, |conn| {
            D::write(conn, |conn| {
                let set_aside = D::set_aside_for_replace(conn, tables)?;
                D::defer_foreign_keys(conn)?;
                // Children first, although with deferred checks the order only spares work.
                for table in tables.iter().rev() {
                    match table {
                        Table::Departments => <Department as TableOps<D>>::delete_all(conn)?,
                        Table::Jobs => <Job as TableOps<D>>::delete_all(conn)?,
                        Table::HiredEmployees => <HiredEmployee as TableOps<D>>::delete_all(conn)?,
                    };
                }
                let mut counts = Vec::with_capacity(tables.len());
                for table in tables {
                    counts.push(match table {
                        Table::Departments => fill_table::<D, Department>(conn, source)?,
                        Table::Jobs => fill_table::<D, Job>(conn, source)?,
                        Table::HiredEmployees => fill_table::<D, HiredEmployee>(conn, source)?,
                    });
                }
                let mut refused = None;
                if let Some(set_aside) = &set_aside {
                    run_statements(conn, &set_aside.indexes)?;
                    // Re-added foreign keys check every row; only when they refuse (rolled back to
                    // a savepoint) does the missing-parents query run, to name the ids.
                    if !set_aside.foreign_keys.is_empty() {
                        match conn.transaction(|conn| run_statements(conn, &set_aside.foreign_keys))
                        {
                            Ok(()) => return Ok(counts),
                            Err(e) => refused = Some(e),
                        }
                    }
                }
                let missing = D::missing_parents(conn)?;
                match (missing.is_empty(), refused) {
                    (false, _) => Err(StoreError::MissingParents(missing)),
                    (true, Some(e)) => Err(e),
                    (true, None) => Ok(counts),
                }
            })
        })
        .map_err(|e| match e {
            StoreError::MissingParents(missing) => ReplaceError::MissingParents(missing),
            other => ReplaceError::Repo(repo_error(other)),
        })
    }

    pub(crate) fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys(ids);
        let found = match self.held.existing(table, &keys) {
            Some(found) => found,
            None => self.with_conn(|conn| {
                D::read(conn, |conn| match table {
                    Table::Departments => <Department as TableOps<D>>::existing(conn, &keys),
                    Table::Jobs => <Job as TableOps<D>>::existing(conn, &keys),
                    Table::HiredEmployees => <HiredEmployee as TableOps<D>>::existing(conn, &keys),
                })
            })?,
        };
        found
            .into_iter()
            .map(|id| {
                Id::new(id.into())
                    .map_err(|e| RepoError::Corrupt(format!("{table} row with id {id}: id {e}")))
            })
            .collect()
    }

    pub(crate) fn record_rejects(&self, rejects: &[Rejection]) -> Result<u64, RepoError> {
        if rejects.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| D::write(conn, |conn| D::insert_rejects(conn, rejects)))
    }

    pub(crate) fn list_rejects(
        &self,
        filter: &RejectFilter,
    ) -> Result<Vec<StoredRejection>, RepoError> {
        self.with_conn(|conn| D::list_rejects(conn, filter))
    }

    pub(crate) fn count_rejects(&self, table: Option<Table>) -> Result<u64, RepoError> {
        self.with_conn(|conn| D::count_rejects(conn, table))
    }

    pub(crate) fn quarter_counts(
        &self,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<QuarterCounts>, RepoError> {
        self.with_conn(|conn| {
            D::quarter_rows(conn, year, source)?
                .into_iter()
                .map(quarter_counts)
                .collect()
        })
    }

    pub(crate) fn department_counts(
        &self,
        year: ReportYear,
        source: Source,
    ) -> Result<Vec<DepartmentHires>, RepoError> {
        self.with_conn(|conn| {
            D::department_rows(conn, year, source)?
                .into_iter()
                .map(department_hires)
                .collect()
        })
    }
}

/// Implements every port for `$store`, a newtype around a [`Store`], by delegating to it.
macro_rules! impl_ports {
    ($store:ty) => {
        $crate::store::impl_ports!(@table $store, hiring_domain::Department);
        $crate::store::impl_ports!(@table $store, hiring_domain::Job);
        $crate::store::impl_ports!(@table $store, hiring_domain::HiredEmployee);
        $crate::idempotency_keys::impl_idempotency!($store);

        impl hiring_ports::KeyLookup for $store {
            fn existing_ids(
                &self,
                table: hiring_domain::Table,
                ids: &[hiring_domain::Id],
            ) -> Result<Vec<hiring_domain::Id>, hiring_ports::RepoError> {
                self.0.existing_ids(table, ids)
            }
        }

        impl hiring_ports::BulkStorage for $store {
            fn snapshot(
                &self,
                tables: &[hiring_domain::Table],
                sink: &mut dyn hiring_ports::SnapshotSink,
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.snapshot(tables, sink)
            }

            fn replace(
                &self,
                tables: &[hiring_domain::Table],
                source: &mut dyn hiring_ports::RowSource,
            ) -> Result<Vec<u64>, hiring_ports::ReplaceError> {
                self.0.replace(tables, source)
            }
        }

        impl hiring_ports::reports::Reports for $store {
            fn quarter_counts(
                &self,
                year: hiring_domain::ReportYear,
            ) -> Result<Vec<hiring_ports::reports::QuarterCounts>, hiring_ports::RepoError> {
                self.0.quarter_counts(year, $crate::store::Source::Aggregate)
            }

            fn department_counts(
                &self,
                year: hiring_domain::ReportYear,
            ) -> Result<Vec<hiring_domain::DepartmentHires>, hiring_ports::RepoError> {
                self.0.department_counts(year, $crate::store::Source::Aggregate)
            }
        }

        impl $store {
            /// The hires-by-quarter counts of `year` computed by a `GROUP BY` over every hire
            /// of the year, bypassing the maintained aggregate the reports read: for checking
            /// that aggregate, and as the plain query in benchmarks.
            pub fn quarter_counts_by_scan(
                &self,
                year: hiring_domain::ReportYear,
            ) -> Result<Vec<hiring_ports::reports::QuarterCounts>, hiring_ports::RepoError> {
                self.0.quarter_counts(year, $crate::store::Source::Scan)
            }

            /// The departments' hires in `year` computed by a `GROUP BY` over every hire of
            /// the year, bypassing the maintained aggregate (see
            /// [`Self::quarter_counts_by_scan`]).
            pub fn department_counts_by_scan(
                &self,
                year: hiring_domain::ReportYear,
            ) -> Result<Vec<hiring_domain::DepartmentHires>, hiring_ports::RepoError> {
                self.0.department_counts(year, $crate::store::Source::Scan)
            }
        }

        impl hiring_ports::RejectLog for $store {
            fn record(
                &self,
                rejects: &[hiring_domain::Rejection],
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.record_rejects(rejects)
            }

            fn list(
                &self,
                filter: &hiring_ports::RejectFilter,
            ) -> Result<Vec<hiring_ports::StoredRejection>, hiring_ports::RepoError> {
                self.0.list_rejects(filter)
            }

            fn count(
                &self,
                table: Option<hiring_domain::Table>,
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.count_rejects(table)
            }
        }
    };
    (@table $store:ty, $entity:ty) => {
        impl hiring_ports::TableRepository<$entity> for $store {
            fn find_by_ids(
                &self,
                ids: &[hiring_domain::Id],
            ) -> Result<Vec<$entity>, hiring_ports::RepoError> {
                self.0.find_by_ids(ids)
            }

            fn write_batch(
                &self,
                rows: &[$entity],
                rejects: &[hiring_domain::Rejection],
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.write_batch(rows, rejects)
            }

            fn write_batch_completing(
                &self,
                rows: &[$entity],
                rejects: &[hiring_domain::Rejection],
                completion: &hiring_ports::idempotency::Completion,
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.write_batch_completing(rows, rejects, completion)
            }

            fn count(&self) -> Result<u64, hiring_ports::RepoError> {
                self.0.count::<$entity>()
            }

            fn for_each(
                &self,
                sink: &mut dyn hiring_ports::RowSink<$entity>,
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.for_each(sink)
            }

            fn replace_all(
                &self,
                rows: &mut dyn Iterator<Item = $entity>,
            ) -> Result<u64, hiring_ports::RepoError> {
                self.0.replace_all(rows)
            }

            fn bulk_load(
                &self,
            ) -> Result<Option<Box<dyn hiring_ports::BulkLoad<$entity>>>, hiring_ports::RepoError>
            {
                self.0.bulk_load::<$entity>()
            }
        }
    };
}
pub(crate) use impl_ports;

/// Runs the embedded migrations that are not applied yet.
pub(crate) fn run_migrations<C>(
    conn: &mut C,
    migrations: diesel_migrations::EmbeddedMigrations,
) -> Result<(), String>
where
    C: diesel_migrations::MigrationHarness<C::Backend> + diesel::Connection,
{
    conn.run_pending_migrations(migrations)
        .map(|applied| {
            for version in applied {
                tracing::info!(%version, "applied migration");
            }
        })
        .map_err(|e| e.to_string())
}
