//! SQLite's bulk paths: a migration's load of a table that is empty or small, and a restore's
//! replacement of whole tables.
//!
//! A bulk load holds one pooled connection in one `BEGIN IMMEDIATE` transaction, taken after
//! this process's writer turn for the file ([`super::writer`]): a second load waits for
//! the first, then sees its rows. Inside it, the table's secondary indexes are dropped
//! (`sql/sqlite_set_aside.sql`); hires go in [`HIRES_PER_INSERT`] rows per cached `INSERT`, and
//! are counted for the `hire_counts` aggregate in memory, written once at the end;
//! [`BulkLoad::finish`] writes those counts, creates the indexes again — one sort each
//! (`sql/sqlite_index_build.sql`) instead of a random B-tree insert per row, which is what made
//! large loads slow once the `datetime` index outgrew the page cache — and commits.
//!
//! Foreign keys are checked once per parent, not once per row: SQLite's row-by-row checks are
//! off on the load's connection while it lasts (they cost about half a second per million
//! hires), and [`BulkLoad::finish`] looks up, before it commits, every distinct department and
//! job the written hires reference (the keys of the in-memory counts) and every run their
//! rejects name. One missing refuses the whole load, naming the ids, as a restore does. The
//! write lock is held from the start, so nothing can delete a parent in between; the checks
//! are on again before the connection goes back to the pool, whatever happened.
//!
//! SQLite's DDL is transactional: a load that fails, is dropped unfinished, or whose process
//! dies leaves the table, its indexes and its foreign keys as they were, and stores none of its
//! rows, rejects or counts.
//!
//! The fast path is taken when the table holds at most [`FAST_PATH_MAX_ROWS`] rows once the
//! write lock is held: rebuilding the indexes over the rows already there then costs well under
//! a second, whatever the load brings. A larger table keeps its indexes, and the load is
//! declined (written batch by batch).
//!
//! A restore ([`set_aside_for_replace`]) sets the same indexes aside inside the store's
//! replacement transaction; the store creates them again before its foreign-key check, which
//! is done once per parent: the row-by-row checks are off while it lasts
//! ([`without_row_foreign_keys`]).
//!
//! Readers are never blocked: in WAL mode other connections (the store's key lookups among
//! them) keep reading the last committed state, indexes included, until the load commits.

use super::dialect::SqliteDialect;
use super::writer::{self, WriterGuard};
use crate::db::bulk::SetAside;
use crate::db::dialect::Dialect;
use crate::db::error::{repo_error, StoreError};
use crate::db::hire_counts::Tally;
use crate::db::rejects::RejectOps;
use crate::db::replace::missing_parents_of;
use crate::db::tables::{id_bit, stored_ids, TableOps};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::Text;
use diesel::{RunQueryDsl, SqliteConnection};
use hiring_domain::{HiredEmployee, Id, Record, Rejection, Table};
use hiring_ports::{BulkLoad, LoadStage, RepoError, StageListener};
use roaring::RoaringBitmap;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::marker::PhantomData;

/// Which indexes a bulk write sets aside, with the statements that drop and re-create them.
const SET_ASIDE: &str = include_str!("../sql/sqlite_set_aside.sql");
/// Begins a bulk load.
const BEGIN: &str = include_str!("../sql/sqlite_bulk_begin.sql");
/// Settings for re-creating the indexes set aside, and the usual ones again.
const INDEX_BUILD: &str = include_str!("../sql/sqlite_index_build.sql");
const INDEX_BUILD_END: &str = include_str!("../sql/sqlite_index_build_end.sql");
/// Turn the row-by-row foreign-key checks off for a replacement or a bulk load, and on again
/// after it.
const FOREIGN_KEYS_OFF: &str = include_str!("../sql/sqlite_foreign_keys_off.sql");
const FOREIGN_KEYS_ON: &str = include_str!("../sql/sqlite_foreign_keys_on.sql");

/// Most rows a table may hold, once locked, for a bulk load to set its indexes aside.
/// Rebuilding them over this many rows takes a fraction of a second, so a small load into such
/// a table loses little, while a large one gains several times over; a larger table is loaded
/// batch by batch with its indexes in place.
pub(crate) const FAST_PATH_MAX_ROWS: usize = 100_000;

/// Hires per multi-row `INSERT` on the bulk path: one cached statement binds this many rows,
/// so the per-statement costs (diesel's statement lookup, SQLite's step and reset) are paid once
/// per chunk. With the indexes set aside there is no index page for SQLite's statement journal
/// to keep, which is what makes multi-row statements slower on the plain path.
const HIRES_PER_INSERT: usize = 32;

type SqlitePooled = PooledConnection<ConnectionManager<SqliteConnection>>;

/// One row of [`SET_ASIDE`].
#[derive(diesel::QueryableByName)]
struct SetAsideRow {
    #[diesel(sql_type = Text)]
    drop_sql: String,
    #[diesel(sql_type = Text)]
    create_sql: String,
}

/// Drops the secondary indexes of `tables` and returns the statements that create them again.
fn set_aside(conn: &mut SqliteConnection, tables: &[Table]) -> Result<SetAside, StoreError> {
    let mut put_back = SetAside::default();
    put_back.indexes.push(INDEX_BUILD.to_owned());
    for table in tables {
        let rows = diesel::sql_query(SET_ASIDE)
            .bind::<Text, _>(table.name())
            .load::<SetAsideRow>(conn)?;
        for row in rows {
            conn.batch_execute(&row.drop_sql)?;
            put_back.indexes.push(row.create_sql);
        }
    }
    if put_back.indexes.len() == 1 {
        // Nothing was set aside.
        put_back.indexes.clear();
    } else {
        put_back.indexes.push(INDEX_BUILD_END.to_owned());
    }
    Ok(put_back)
}

/// Drops the secondary indexes of the tables a replacement empties and fills (see
/// [`crate::db::bulk::BulkLoadOps::set_aside_for_replace`]); the store creates them again once the rows
/// are in. The caller's transaction is already open.
pub(crate) fn set_aside_for_replace(
    conn: &mut SqliteConnection,
    tables: &[Table],
) -> Result<Option<SetAside>, StoreError> {
    let put_back = set_aside(conn, tables)?;
    Ok((!put_back.indexes.is_empty()).then_some(put_back))
}

/// Runs `replace` (a replacement's transaction) with SQLite's row-by-row foreign-key checks off:
/// the replacement checks every hire's parents set-wise before it commits (the store's
/// missing-parents query), and with the row checks on SQLite could not empty a child table by
/// dropping its pages (the truncate optimization) and would look each hire's parents up as it
/// is written. `PRAGMA foreign_keys` takes effect only outside a transaction, so it is turned off
/// before `replace` begins one and on again after it ends, whatever happens, panics included,
/// before the connection goes back to the pool.
pub(crate) fn without_row_foreign_keys<T>(
    conn: &mut SqliteConnection,
    replace: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    /// Turns the checks on again when dropped.
    struct Off<'c>(&'c mut SqliteConnection);
    impl Drop for Off<'_> {
        fn drop(&mut self) {
            if let Err(e) = self.0.batch_execute(FOREIGN_KEYS_ON) {
                tracing::error!(error = %e, "could not turn SQLite foreign keys on again");
            }
        }
    }
    conn.batch_execute(FOREIGN_KEYS_OFF)?;
    let off = Off(conn);
    replace(&mut *off.0)
}

/// Inserts `hires`, [`HIRES_PER_INSERT`] per statement, the rest one by one: how hires go into
/// a table whose secondary indexes are set aside ([`TableOps::insert_unindexed`]). Returns the
/// rows inserted.
pub(crate) fn insert_hires(
    conn: &mut SqliteConnection,
    hires: &[HiredEmployee],
) -> Result<usize, StoreError> {
    use crate::schema::sqlite::hired_employees as t;
    use diesel::ExpressionMethods;
    // Owned values: a statement is cached by its type, which must not borrow.
    let values = |hire: &HiredEmployee| {
        (
            t::id.eq(hire.id().get()),
            t::name.eq(hire.name().to_owned()),
            t::datetime.eq(<SqliteDialect as Dialect>::encode_time(hire.datetime())),
            t::department_id.eq(hire.department_id().get()),
            t::job_id.eq(hire.job_id().get()),
        )
    };
    let mut inserted = 0;
    let mut chunks = hires.chunks_exact(HIRES_PER_INSERT);
    for chunk in &mut chunks {
        let rows: [_; HIRES_PER_INSERT] = std::array::from_fn(|i| values(&chunk[i]));
        inserted += diesel::insert_into(t::table).values(rows).execute(conn)?;
    }
    for hire in chunks.remainder() {
        inserted += diesel::insert_into(t::table)
            .values(values(hire))
            .execute(conn)?;
    }
    Ok(inserted)
}

/// Starts a bulk load of `E`'s table, or declines it (see the module documentation).
pub(crate) fn start<E: TableOps<SqliteDialect>>(
    pool: &Pool<ConnectionManager<SqliteConnection>>,
) -> Result<Option<Box<dyn BulkLoad<E>>>, StoreError> {
    let mut conn = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
    let turn = writer::turn(&mut conn);
    let mut load = SqliteBulkLoad::<E> {
        conn: RefCell::new(conn),
        stored: RefCell::new(RoaringBitmap::new()),
        put_back: SetAside::default(),
        inserted: Cell::new(0),
        tally: RefCell::new(Tally::default()),
        runs: RefCell::new(BTreeSet::new()),
        open: Cell::new(false),
        _rows: PhantomData,
        _turn: turn,
    };
    // Any error from here drops `load`, which rolls back and restores the settings, the
    // row-by-row foreign-key checks among them (off only outside a transaction: first).
    let conn = load.conn.get_mut();
    conn.batch_execute(FOREIGN_KEYS_OFF)?;
    AnsiTransactionManager::begin_transaction_sql(&mut **conn, BEGIN)?;
    load.open.set(true);
    let limit = i64::try_from(FAST_PATH_MAX_ROWS + 1).unwrap_or(i64::MAX);
    let ids = stored_ids::<SqliteDialect>(conn, E::TABLE, limit)?;
    if ids.len() > FAST_PATH_MAX_ROWS {
        tracing::debug!(table = %E::TABLE, "bulk load declined: the table is not small");
        return Ok(None);
    }
    load.stored
        .get_mut()
        .extend(ids.into_iter().filter_map(id_bit));
    load.put_back = set_aside(conn, &[E::TABLE])?;
    tracing::debug!(
        table = %E::TABLE,
        stored = load.stored.get_mut().len(),
        indexes_set_aside = load.put_back.indexes.len(),
        "bulk load started"
    );
    Ok(Some(Box::new(load)))
}

/// A bulk load in progress: one pooled connection in one transaction.
struct SqliteBulkLoad<E> {
    conn: RefCell<SqlitePooled>,
    /// Ids stored in the table: those found when the load started and those it wrote.
    stored: RefCell<RoaringBitmap>,
    /// What re-creates the indexes set aside.
    put_back: SetAside,
    inserted: Cell<u64>,
    /// The hires written, counted for the `hire_counts` aggregate once, at the end; their
    /// parents are checked from its keys.
    tally: RefCell<Tally>,
    /// The runs the rejects written name, checked at the end.
    runs: RefCell<BTreeSet<i64>>,
    /// The transaction is open (neither committed nor rolled back).
    open: Cell<bool>,
    _rows: PhantomData<fn() -> E>,
    /// This process's other writers of the file wait until the load ends (dropped last).
    _turn: Option<WriterGuard>,
}

impl<E> SqliteBulkLoad<E> {
    /// Runs `f` on the load's connection; after any failure the transaction is rolled back
    /// and the load refuses further work.
    fn run<T>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> Result<T, StoreError>,
    ) -> Result<T, RepoError> {
        if !self.open.get() {
            return Err(RepoError::Other(
                "the bulk load was rolled back after an earlier failure".to_owned(),
            ));
        }
        let mut conn = self.conn.borrow_mut();
        let result = f(&mut conn);
        if result.is_err() {
            drop(conn);
            self.roll_back();
        }
        result.map_err(repo_error)
    }

    fn roll_back(&self) {
        if self.open.replace(false) {
            let mut conn = self.conn.borrow_mut();
            if let Err(e) = AnsiTransactionManager::rollback_transaction(&mut **conn) {
                // The pool discards a connection left in a transaction.
                tracing::warn!(error = %e, "rolling back a bulk load failed");
            }
        }
    }

    /// Gives the connection its usual settings back, whatever the load got to (it returns to
    /// the pool): called once its transaction is over.
    fn restore_settings(&self) {
        let mut conn = self.conn.borrow_mut();
        for settings in [INDEX_BUILD_END, FOREIGN_KEYS_ON] {
            if let Err(e) = conn.batch_execute(settings) {
                tracing::error!(error = %e, "restoring the settings of a bulk load's connection failed");
            }
        }
    }
}

impl<E: TableOps<SqliteDialect>> BulkLoad<E> for SqliteBulkLoad<E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        let mut keys: Vec<i32> = {
            let stored = self.stored.borrow();
            ids.iter()
                .map(|id| id.get())
                .filter(|&id| id_bit(id).is_some_and(|b| stored.contains(b)))
                .collect()
        };
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        keys.sort_unstable();
        keys.dedup();
        self.run(|conn| E::find(conn, &keys))
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        let inserted = self.run(|conn| {
            let inserted = if rows.is_empty() {
                0
            } else {
                E::tally(rows, &mut self.tally.borrow_mut());
                E::insert_unindexed(conn, rows)?
            };
            if !rejects.is_empty() {
                self.runs
                    .borrow_mut()
                    .extend(rejects.iter().filter_map(|r| r.run().map(|run| run.get())));
                SqliteDialect::insert_rejects(conn, rejects)?;
            }
            Ok(inserted)
        })?;
        self.stored
            .borrow_mut()
            .extend(rows.iter().filter_map(|row| id_bit(row.id().get())));
        self.inserted.set(self.inserted.get() + inserted);
        Ok(inserted)
    }

    fn finish(self: Box<Self>, stage: &dyn StageListener) -> Result<u64, RepoError> {
        self.run(|conn| {
            stage.enter(LoadStage::Write);
            check_references(conn, &self.tally.borrow(), &self.runs.borrow())?;
            self.tally.borrow_mut().apply::<SqliteDialect>(conn)?;
            if !self.put_back.indexes.is_empty() {
                stage.enter(LoadStage::IndexBuild);
            }
            for statement in &self.put_back.indexes {
                conn.batch_execute(statement)?;
            }
            Ok(())
        })?;
        stage.enter(LoadStage::Commit);
        let committed = {
            let mut conn = self.conn.borrow_mut();
            AnsiTransactionManager::commit_transaction(&mut **conn)
        };
        // Committed, or rolled back by the failed commit: over either way.
        self.open.set(false);
        committed.map_err(|e| repo_error(StoreError::Db(e)))?;
        tracing::debug!(table = %E::TABLE, inserted = self.inserted.get(), "bulk load committed");
        Ok(self.inserted.get())
    }
}

/// The checks of the foreign keys a load's rows were written without: every department and
/// job that `tally`'s hires reference, and every run in `runs`, must be stored.
fn check_references(
    conn: &mut SqliteConnection,
    tally: &Tally,
    runs: &BTreeSet<i64>,
) -> Result<(), StoreError> {
    let missing = missing_parents_of::<SqliteDialect>(conn, tally.parent_ids())?;
    if !missing.is_empty() {
        return Err(StoreError::MissingParents(missing));
    }
    let named: Vec<i64> = runs.iter().copied().collect();
    let stored: BTreeSet<i64> = {
        use crate::schema::sqlite::runs as r;
        use diesel::{ExpressionMethods, QueryDsl};
        r::table
            .select(r::id)
            .filter(r::id.eq_any(&named))
            .load::<i64>(conn)?
            .into_iter()
            .collect()
    };
    match named.iter().find(|run| !stored.contains(run)) {
        Some(run) => Err(StoreError::Port(RepoError::Conflict(format!(
            "the rejects name run {run}, which is not stored"
        )))),
        None => Ok(()),
    }
}

impl<E> Drop for SqliteBulkLoad<E> {
    fn drop(&mut self) {
        self.roll_back();
        self.restore_settings();
    }
}
