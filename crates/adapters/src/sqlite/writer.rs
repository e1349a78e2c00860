//! One writer at a time per SQLite database file, queued in this process.
//!
//! SQLite lets one transaction write at a time. A writer that finds the write lock taken gets
//! `SQLITE_BUSY` and sleeps in SQLite's busy handler, polling with growing sleeps (up to 100 ms
//! each), so under concurrent writers (the API posting batches on several threads) the lock
//! often sits free while everyone sleeps. Every writer of this process therefore first takes a
//! [`WriterLock`] shared by all stores open on the same file, before `BEGIN IMMEDIATE`: waiting
//! writers queue on a condition variable and the next one starts the moment the previous one
//! commits. Writers in other processes still meet SQLite's own lock and busy handler.
//!
//! The wait is bounded by [`MAX_WAIT`] (the connections' `busy_timeout`): past it the writer
//! goes on to `BEGIN IMMEDIATE` and SQLite decides, as it would without this lock, so a thread
//! that writes while it holds a bulk load open fails as before instead of waiting forever.

use diesel::sql_types::Text;
use diesel::{RunQueryDsl, SqliteConnection};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

/// The file a connection writes to (`pragma_database_list`), the key of its lock.
const DATABASE_FILE: &str = include_str!("../sql/sqlite_database_file.sql");

/// Longest wait for the lock: the `busy_timeout` of `sql/sqlite_pragmas.sql`.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Whether a writer of this process holds the file's write turn.
#[derive(Debug, Default)]
pub(crate) struct WriterLock {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// A writer's turn; the next writer goes when it is dropped.
#[derive(Debug)]
pub(crate) struct WriterGuard(Arc<WriterLock>);

impl WriterLock {
    /// Waits for the turn (at most [`MAX_WAIT`]; `None` when that passed).
    fn acquire(self: &Arc<Self>) -> Option<WriterGuard> {
        let deadline = Instant::now() + MAX_WAIT;
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        while *taken {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                tracing::debug!("waited too long for this process's other SQLite writer");
                return None;
            }
            taken = self
                .freed
                .wait_timeout(taken, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *taken = true;
        Some(WriterGuard(Arc::clone(self)))
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        *self.0.taken.lock().unwrap_or_else(PoisonError::into_inner) = false;
        self.0.freed.notify_one();
    }
}

/// Every file's lock, while some store holds it.
fn registry() -> &'static Mutex<HashMap<String, Weak<WriterLock>>> {
    static LOCKS: OnceLock<Mutex<HashMap<String, Weak<WriterLock>>>> = OnceLock::new();
    LOCKS.get_or_init(Default::default)
}

/// One row of [`DATABASE_FILE`].
#[derive(diesel::QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = Text)]
    file: String,
}

/// The file `conn` has open, as SQLite names it.
fn database_file(conn: &mut SqliteConnection) -> Option<String> {
    diesel::sql_query(DATABASE_FILE)
        .get_result::<DatabaseFile>(conn)
        .map(|row| row.file)
        .ok()
}

/// The lock of the file `conn` has open, created when no store holds it yet. A store keeps the
/// result for as long as it lives, so that every store on the file shares one lock.
pub(crate) fn register(conn: &mut SqliteConnection) -> Arc<WriterLock> {
    let Some(file) = database_file(conn) else {
        return Arc::default();
    };
    let mut locks = registry().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(lock) = locks.get(&file).and_then(Weak::upgrade) {
        return lock;
    }
    locks.retain(|_, lock| lock.strong_count() > 0);
    let lock = Arc::new(WriterLock::default());
    locks.insert(file, Arc::downgrade(&lock));
    lock
}

/// Waits for the write turn on the file `conn` has open. `None` when no store registered the
/// file, or the wait passed [`MAX_WAIT`]: the caller then writes without it.
pub(crate) fn turn(conn: &mut SqliteConnection) -> Option<WriterGuard> {
    let file = database_file(conn)?;
    let lock = registry()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&file)
        .and_then(Weak::upgrade)?;
    lock.acquire()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_take_turns_and_a_waiter_starts_when_the_turn_is_freed() {
        let lock = Arc::new(WriterLock::default());
        let first = lock.acquire().expect("a free lock");
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let lock = Arc::clone(&lock);
            std::thread::spawn(move || {
                let guard = lock.acquire();
                tx.send(guard.is_some()).expect("the test waits");
            })
        };
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(true));
        waiter.join().expect("the waiter ends");
        assert!(lock.acquire().is_some(), "the waiter's turn was given back");
    }
}
