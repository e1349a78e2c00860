//! PostgreSQL's bulk paths: a migration's load of a table, and a restore's replacement of whole
//! tables. Both follow PostgreSQL's "Populating a Database" advice and pg_restore: inside one
//! transaction, set the foreign keys and secondary indexes aside (read from the catalog,
//! `sql/pg_set_aside.sql`), `COPY` the rows in, then build each index once and re-add each
//! foreign key, checked by one join over the table, and commit. PostgreSQL's DDL is
//! transactional: a load that fails, or whose process dies, rolls back with its schema changes,
//! and the table keeps its constraints and indexes.
//!
//! A bulk load takes an `ACCESS EXCLUSIVE` lock on its table first (`sql/pg_bulk_lock.sql`), so
//! a second load of the same table waits, then sees the first one's rows; readers of the table
//! wait too. Once locked, the table's size decides:
//!
//! - **Small** (at most [`FAST_PATH_MAX_ROWS`] rows): the foreign keys and the secondary indexes
//!   are set aside at once, and the primary key too when the table is empty (the load knows
//!   every id it writes; the key is built again at the first look-up of one of them). Putting
//!   them back costs a fraction of a second over the rows already there.
//! - **Large**: indexes and keys stay (rebuilding them would cost more than maintaining them
//!   for a load smaller than the table); the foreign keys are checked row by row until the load
//!   has written [`SWITCH_FRACTION`]⁻¹ of the table's rows, then set aside: re-adding them costs
//!   one join over the table, about as much as checking that many rows one by one, so the load
//!   never pays much more than twice the better choice, whatever its size.
//!
//! Dropping a foreign key locks the table it references: while it is set aside, `departments`
//! and `jobs` cannot be read by other sessions, so the load lends their keys (which cannot
//! change meanwhile) to the store's key lookups ([`HeldKeys`]).
//!
//! Batches are written by a thread of the load while the caller reads and checks the next ones.

use super::dialect::PgDialect;
use crate::db::error::{repo_error, StoreError};
use crate::db::held_keys::HeldKeys;
use crate::db::hire_counts::Tally;
use crate::db::rejects::RejectOps;
use crate::db::tables::{id_bit, stored_ids, TableOps};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::sql_types::{Array, Bool, Text};
use diesel::{PgConnection, QueryDsl, RunQueryDsl};
use hiring_domain::{Id, Rejection, Table};
use hiring_ports::{BulkLoad, LoadStage, RepoError, StageListener};
use roaring::RoaringBitmap;
use std::cell::RefCell;
use std::sync::mpsc::{Receiver, SyncSender};
use std::thread::JoinHandle;

/// What a bulk write sets aside and how it is put back; see the file.
const SET_ASIDE: &str = include_str!("../sql/pg_set_aside.sql");
/// The lock a bulk load takes first; `{table}` is filled in.
const LOCK: &str = include_str!("../sql/pg_bulk_lock.sql");
/// Run before the indexes are built again.
const INDEX_BUILD: &str = include_str!("../sql/pg_index_build.sql");
/// Locks the parents before their foreign keys are set aside; `{tables}` is filled in.
const LOCK_PARENTS: &str = include_str!("../sql/pg_lock_parents.sql");
/// The planner's estimate of a table's rows.
const TABLE_ROWS: &str = include_str!("../sql/pg_table_rows.sql");

/// A load into a large table sets its foreign keys aside once it has written this fraction
/// (1/n) of the rows the table held: re-adding them scans the table once, which costs about
/// what checking 1/40 of its rows one by one does (measured: 0.5 µs a table row against 20 µs
/// a checked row, for both keys).
pub(crate) const SWITCH_FRACTION: u64 = 40;

/// Most rows a table may hold, once locked, for a bulk load to set its indexes and foreign keys
/// aside from the start. Rebuilding them over this many rows takes well under a second, so a
/// small load into such a table loses little, while a large one gains several times over.
pub(crate) const FAST_PATH_MAX_ROWS: usize = 100_000;

type PgPooled = PooledConnection<ConnectionManager<PgConnection>>;

/// One row of [`SET_ASIDE`].
#[derive(diesel::QueryableByName)]
struct SetAsideRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    drop_sql: String,
    #[diesel(sql_type = Text)]
    create_sql: String,
}

/// What re-creates the constraints and indexes set aside, in the order to run it.
#[derive(Debug, Default)]
pub(super) struct PutBack {
    /// Primary keys and unique constraints.
    keys: Vec<String>,
    /// Indexes that back no constraint.
    indexes: Vec<String>,
    /// Foreign keys, last (they need the keys they reference).
    pub(super) foreign_keys: Vec<String>,
}

impl PutBack {
    /// Everything but the foreign keys, in the order to run it.
    pub(super) fn keys_and_indexes(&self) -> Vec<String> {
        if self.keys.is_empty() && self.indexes.is_empty() {
            return Vec::new();
        }
        std::iter::once(INDEX_BUILD.to_owned())
            .chain(self.keys.iter().cloned())
            .chain(self.indexes.iter().cloned())
            .collect()
    }
}

/// Drops the foreign keys and indexes [`SET_ASIDE`] lists for `tables` and returns what
/// re-creates them: with their keys and the foreign keys referencing them too when `emptying`,
/// with their own keys (unless referenced) when `own_keys`; only the foreign keys when
/// `only_foreign_keys`.
pub(super) fn set_aside(
    conn: &mut PgConnection,
    tables: &[Table],
    emptying: bool,
    own_keys: bool,
    only_foreign_keys: bool,
) -> Result<PutBack, StoreError> {
    let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
    let rows = diesel::sql_query(SET_ASIDE)
        .bind::<Array<Text>, _>(&names)
        .bind::<Bool, _>(emptying)
        .bind::<Bool, _>(own_keys)
        .load::<SetAsideRow>(conn)?
        .into_iter()
        .filter(|row| !only_foreign_keys || row.kind == "foreign key")
        .collect::<Vec<_>>();
    let mut put_back = PutBack::default();
    for row in &rows {
        conn.batch_execute(&row.drop_sql)?;
    }
    // Re-created in reverse: keys and indexes first, then the foreign keys that need them.
    for row in rows.into_iter().rev() {
        match row.kind.as_str() {
            "foreign key" => put_back.foreign_keys.push(row.create_sql),
            "key" => put_back.keys.push(row.create_sql),
            _ => put_back.indexes.push(row.create_sql),
        }
    }
    Ok(put_back)
}

/// The largest id stored in `table`.
fn max_id(conn: &mut PgConnection, table: Table) -> Result<Option<i32>, StoreError> {
    use crate::schema::pg::{departments, hired_employees, jobs};
    use diesel::dsl::max;
    Ok(match table {
        Table::Departments => departments::table
            .select(max(departments::id))
            .first(conn)?,
        Table::Jobs => jobs::table.select(max(jobs::id)).first(conn)?,
        Table::HiredEmployees => hired_employees::table
            .select(max(hired_employees::id))
            .first(conn)?,
    })
}

/// One row of [`TABLE_ROWS`].
#[derive(diesel::QueryableByName)]
struct TableRows {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    estimate: i64,
}

/// About how many rows `table` holds (the planner's estimate), at least `at_least`.
fn table_rows(conn: &mut PgConnection, table: Table, at_least: u64) -> Result<u64, StoreError> {
    let estimate = diesel::sql_query(TABLE_ROWS)
        .bind::<Text, _>(table.name())
        .get_result::<TableRows>(conn)?
        .estimate;
    Ok(u64::try_from(estimate).unwrap_or(0).max(at_least))
}

/// Starts a bulk load of `E`'s table, or declines it (see the module documentation).
pub(crate) fn start<E: TableOps<PgDialect>>(
    pool: &Pool<ConnectionManager<PgConnection>>,
    held: &HeldKeys,
) -> Result<Option<Box<dyn BulkLoad<E>>>, StoreError> {
    let mut conn = pool.get().map_err(|e| StoreError::Pool(e.to_string()))?;
    AnsiTransactionManager::begin_transaction(&mut *conn)?;
    let mut session = Session {
        conn,
        put_back: PutBack::default(),
        keys_aside: false,
        held: held.clone(),
        lent: Vec::new(),
        open: true,
        tally: Tally::default(),
    };
    // Any error from here drops `session`, which rolls everything back.
    let conn = &mut *session.conn;
    conn.batch_execute(&LOCK.replace("{table}", E::TABLE.name()))?;
    let limit = i64::try_from(FAST_PATH_MAX_ROWS + 1).unwrap_or(i64::MAX);
    let ids = stored_ids::<PgDialect>(conn, E::TABLE, limit)?;
    let (stored, older, switch_after) = if ids.len() > FAST_PATH_MAX_ROWS {
        // Large: the ids written are tracked, those stored before are looked up in the table.
        let rows = table_rows(conn, E::TABLE, ids.len() as u64)?;
        let older = max_id(conn, E::TABLE)?;
        (RoaringBitmap::new(), older, Some(rows / SWITCH_FRACTION))
    } else {
        // Small: everything set aside now. Into an empty table, the load knows every id it
        // writes, so the primary key can go too until a look-up needs it.
        let empty = ids.is_empty();
        session.put_back = set_aside(conn, &[E::TABLE], false, empty, false)?;
        session.keys_aside = !session.put_back.keys.is_empty();
        if !session.put_back.foreign_keys.is_empty() {
            // Dropping the foreign keys locked the parents: their keys cannot change until the
            // load ends, and other sessions cannot read them meanwhile.
            session.lend_parent_keys(E::TABLE)?;
        }
        let stored: RoaringBitmap = ids.into_iter().filter_map(id_bit).collect();
        (stored, None, None)
    };
    tracing::debug!(
        table = %E::TABLE,
        stored = stored.len(),
        large = switch_after.is_some(),
        "bulk load started"
    );
    let (jobs, received) = std::sync::mpsc::sync_channel::<Job<E>>(QUEUED_BATCHES);
    let worker = std::thread::Builder::new()
        .name(format!("bulk load {}", E::TABLE))
        .spawn(move || work(session, received))
        .map_err(|e| StoreError::Encode(format!("cannot start the bulk load's thread: {e}")))?;
    Ok(Some(Box::new(PgBulkLoad {
        jobs: RefCell::new(Some(jobs)),
        worker: RefCell::new(Some(worker)),
        stored: RefCell::new(stored),
        older,
        switch_after: std::cell::Cell::new(switch_after),
        written: std::cell::Cell::new(0),
        failure: RefCell::new(None),
    })))
}

/// Batches handed to the load's thread and not yet written, at most: with the one it writes
/// and the one the caller prepares, memory holds a few batches whatever the load's size.
const QUEUED_BATCHES: usize = 2;

/// Work for the load's thread, done in order.
enum Job<E> {
    /// Write rows and rejects.
    Write(Vec<E>, Vec<Rejection>),
    /// Read the stored rows with these ids and answer.
    Find(Vec<i32>, SyncSender<Result<Vec<E>, RepoError>>),
    /// Set the foreign keys aside (a large table) and answer.
    SetAsideForeignKeys(SyncSender<Result<(), RepoError>>),
    /// Put everything back, commit and answer, telling each stage as it begins.
    Finish(SyncSender<Finishing>),
}

/// What the load's thread tells while it finishes.
enum Finishing {
    /// A stage begins.
    Stage(LoadStage),
    /// It is over: the rows inserted, or why it failed.
    Done(Result<u64, RepoError>),
}

/// The load's thread: writes batches while the caller reads and checks the next ones. Ends at
/// the first failure, or when the load is dropped, rolling back; or once committed.
fn work<E: TableOps<PgDialect>>(
    mut session: Session,
    jobs: Receiver<Job<E>>,
) -> Result<u64, RepoError> {
    let mut inserted = 0;
    for job in jobs {
        match job {
            Job::Write(rows, rejects) => {
                inserted += session.write(&rows, &rejects).map_err(repo_error)?;
            }
            Job::Find(keys, reply) => {
                let found = session.find::<E>(&keys).map_err(repo_error);
                let failed = found.as_ref().err().cloned();
                // The caller waits for the answer, unless it gave up (then nothing is lost).
                let _ = reply.send(found);
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            Job::SetAsideForeignKeys(reply) => {
                let done = session.set_aside_foreign_keys(E::TABLE).map_err(repo_error);
                let failed = done.as_ref().err().cloned();
                let _ = reply.send(done);
                if let Some(e) = failed {
                    return Err(e);
                }
            }
            Job::Finish(reply) => {
                let stage = |stage| {
                    // The caller waits for the answer, unless it gave up.
                    let _ = reply.send(Finishing::Stage(stage));
                };
                let done = session
                    .finish(&stage)
                    .map(|()| inserted)
                    .map_err(repo_error);
                let _ = reply.send(Finishing::Done(done.clone()));
                if done.is_ok() {
                    tracing::debug!(table = %E::TABLE, inserted, "bulk load committed");
                }
                return done;
            }
        }
    }
    Err(RepoError::Other("the bulk load was abandoned".to_owned()))
}

/// The load's connection, in its transaction.
struct Session {
    conn: PgPooled,
    /// What re-creates the keys, indexes and foreign keys set aside.
    put_back: PutBack,
    /// The primary key is set aside (the table was empty): it is built again at the first
    /// look-up of a row the load wrote, or when the load finishes.
    keys_aside: bool,
    held: HeldKeys,
    /// The parent tables whose keys are lent to `held`.
    lent: Vec<Table>,
    /// The transaction is open (neither committed nor rolled back).
    open: bool,
    /// Hires written and not yet added to the `hire_counts` aggregate (added once, in
    /// [`Session::finish`]).
    tally: Tally,
}

impl Session {
    /// Lends the keys of `table`'s parents to the store's key lookups, until the load ends.
    /// The parents must be locked against writers.
    fn lend_parent_keys(&mut self, table: Table) -> Result<(), StoreError> {
        for &(parent, _) in table.parents() {
            let keys = stored_ids::<PgDialect>(&mut self.conn, parent, i64::MAX)?;
            self.held.hold(parent, keys);
            self.lent.push(parent);
        }
        Ok(())
    }

    /// Sets the foreign keys of `table` aside, in a load into a large table.
    fn set_aside_foreign_keys(&mut self, table: Table) -> Result<(), StoreError> {
        let parents: Vec<&str> = table.parents().iter().map(|(t, _)| t.name()).collect();
        if parents.is_empty() {
            return Ok(());
        }
        // Parents first locked against writers and their keys lent, so that the caller's
        // lookups never wait for the exclusive lock that dropping the foreign keys takes.
        self.conn
            .batch_execute(&LOCK_PARENTS.replace("{tables}", &parents.join(", ")))?;
        self.lend_parent_keys(table)?;
        self.put_back = set_aside(&mut self.conn, &[table], false, false, true)?;
        tracing::debug!(%table, "foreign keys set aside");
        Ok(())
    }

    fn write<E: TableOps<PgDialect>>(
        &mut self,
        rows: &[E],
        rejects: &[Rejection],
    ) -> Result<u64, StoreError> {
        let inserted = if rows.is_empty() {
            0
        } else {
            E::tally(rows, &mut self.tally);
            E::insert_uncounted(&mut self.conn, rows)?
        };
        if !rejects.is_empty() {
            PgDialect::insert_rejects(&mut self.conn, rejects)?;
        }
        Ok(inserted)
    }

    fn find<E: TableOps<PgDialect>>(&mut self, keys: &[i32]) -> Result<Vec<E>, StoreError> {
        // An id met again (in an empty table, one the load wrote): the key serves the look-ups
        // from now on.
        self.restore_keys()?;
        E::find(&mut self.conn, keys)
    }

    /// Builds the primary key again if it was set aside.
    fn restore_keys(&mut self) -> Result<(), StoreError> {
        if self.keys_aside {
            self.keys_aside = false;
            self.conn.batch_execute(INDEX_BUILD)?;
            for statement in &self.put_back.keys {
                self.conn.batch_execute(statement)?;
            }
        }
        Ok(())
    }

    /// Puts back what was set aside and commits, telling `stage` as each stage begins.
    fn finish(&mut self, stage: &dyn Fn(LoadStage)) -> Result<(), StoreError> {
        // One upsert of every group the load touched (at most years x 4 x departments x jobs).
        stage(LoadStage::Write);
        self.tally.apply::<PgDialect>(&mut self.conn)?;
        if self.keys_aside || !self.put_back.indexes.is_empty() {
            stage(LoadStage::IndexBuild);
        }
        self.restore_keys()?;
        if !self.put_back.indexes.is_empty() {
            self.conn.batch_execute(INDEX_BUILD)?;
        }
        for statement in &self.put_back.indexes {
            self.conn.batch_execute(statement)?;
        }
        if !self.put_back.foreign_keys.is_empty() {
            stage(LoadStage::KeyCheck);
        }
        for statement in &self.put_back.foreign_keys {
            self.conn.batch_execute(statement)?;
        }
        stage(LoadStage::Commit);
        // Lookups wait for the commit from now on, then see the committed parents.
        self.held.release(&self.lent);
        let committed = AnsiTransactionManager::commit_transaction(&mut *self.conn);
        // Committed, or rolled back by the failed commit: over either way.
        self.open = false;
        Ok(committed?)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.held.release(&self.lent);
        if self.open {
            self.open = false;
            if let Err(e) = AnsiTransactionManager::rollback_transaction(&mut *self.conn) {
                // The pool discards a connection left in a transaction.
                tracing::warn!(error = %e, "rolling back a bulk load failed");
            }
        }
    }
}

/// A bulk load in progress, as its caller holds it: its thread writes the batches.
struct PgBulkLoad<E> {
    jobs: RefCell<Option<SyncSender<Job<E>>>>,
    worker: RefCell<Option<JoinHandle<Result<u64, RepoError>>>>,
    /// Ids stored in the table: those it wrote, and (small table) those found when the load
    /// started.
    stored: RefCell<RoaringBitmap>,
    /// Large table: the largest id stored when the load started (ids up to it are looked up
    /// in the table).
    older: Option<i32>,
    /// Large table: rows to write before the foreign keys are set aside (`None` once done).
    switch_after: std::cell::Cell<Option<u64>>,
    /// Rows handed to the load's thread.
    written: std::cell::Cell<u64>,
    /// Why the load ended early, once known.
    failure: RefCell<Option<RepoError>>,
}

impl<E> PgBulkLoad<E> {
    /// Ends the load: its thread rolls back unless it committed. Returns what the thread
    /// returned.
    fn stop(&self) -> Result<u64, RepoError> {
        self.jobs.borrow_mut().take();
        let worker = self.worker.borrow_mut().take();
        let ended = match worker {
            Some(worker) => worker.join().unwrap_or_else(|_| {
                Err(RepoError::Other(
                    "the bulk load's thread panicked".to_owned(),
                ))
            }),
            None => Err(RepoError::Other("the bulk load has ended".to_owned())),
        };
        if let Err(e) = &ended {
            self.failure.borrow_mut().get_or_insert_with(|| e.clone());
        }
        ended
    }

    /// The error that ended the load, after stopping it.
    fn failed(&self) -> RepoError {
        if let Err(e) = self.stop() {
            return e;
        }
        self.failure
            .borrow()
            .clone()
            .unwrap_or_else(|| RepoError::Other("the bulk load has ended".to_owned()))
    }

    /// Hands `job` to the load's thread.
    fn send(&self, job: Job<E>) -> Result<(), RepoError> {
        if let Some(e) = self.failure.borrow().clone() {
            return Err(e);
        }
        let sent = match self.jobs.borrow().as_ref() {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.failed())
        }
    }
}

impl<E: TableOps<PgDialect>> BulkLoad<E> for PgBulkLoad<E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        let mut keys: Vec<i32> = {
            let stored = self.stored.borrow();
            ids.iter()
                .map(|id| id.get())
                .filter(|&id| {
                    self.older.is_some_and(|max| id <= max)
                        || id_bit(id).is_some_and(|b| stored.contains(b))
                })
                .collect()
        };
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        keys.sort_unstable();
        keys.dedup();
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.send(Job::Find(keys, reply))?;
        answer.recv().unwrap_or_else(|_| Err(self.failed()))
    }

    /// Hands the batch to the load's thread and returns at once: a failure of the database
    /// shows at a later call, and at the latest in [`BulkLoad::finish`] (nothing is stored then).
    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        // A row whose id the load wrote (or, small table, found), or given twice, is refused as
        // the primary key (maybe set aside) would refuse it, and ends the load. In a large
        // table the key, kept, refuses ids stored before.
        let mut ids = RoaringBitmap::new();
        let taken = {
            let stored = self.stored.borrow();
            rows.iter()
                .map(|row| row.id().get())
                .find(|&id| id_bit(id).is_some_and(|b| stored.contains(b) || !ids.insert(b)))
        };
        if let Some(id) = taken {
            let conflict =
                RepoError::Conflict(format!("{} row with id {id} is already stored", E::TABLE));
            self.failure.borrow_mut().get_or_insert(conflict.clone());
            let _ = self.stop();
            return Err(conflict);
        }
        if rows.is_empty() && rejects.is_empty() {
            return Ok(0);
        }
        self.send(Job::Write(rows.to_vec(), rejects.to_vec()))?;
        *self.stored.borrow_mut() |= ids;
        self.written.set(self.written.get() + rows.len() as u64);
        if let Some(after) = self.switch_after.get() {
            if self.written.get() > after {
                self.switch_after.set(None);
                let (reply, answer) = std::sync::mpsc::sync_channel(1);
                self.send(Job::SetAsideForeignKeys(reply))?;
                answer.recv().unwrap_or_else(|_| Err(self.failed()))?;
            }
        }
        Ok(rows.len() as u64)
    }

    fn finish(self: Box<Self>, stage: &dyn StageListener) -> Result<u64, RepoError> {
        let (reply, answer) = std::sync::mpsc::sync_channel(LoadStage::ALL.len());
        self.send(Job::Finish(reply))?;
        let done = loop {
            match answer.recv() {
                Ok(Finishing::Stage(next)) => stage.enter(next),
                Ok(Finishing::Done(done)) => break done,
                Err(_) => break Err(self.failed()),
            }
        };
        let _ = self.stop();
        done
    }
}

impl<E> Drop for PgBulkLoad<E> {
    fn drop(&mut self) {
        // Waits for the thread, so that the rollback is over when the load is gone.
        let _ = self.stop();
    }
}
