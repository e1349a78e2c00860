//! The history of runs on the `runs` table (the same on both backends, but for the type of the
//! instants: `timestamptz` on PostgreSQL, RFC 3339 text on SQLite, stamped by the database).

use super::dialect::Dialect;
use super::error::StoreError;
use super::rows::row_count;
use super::store::Store;
use hiring_domain::RunId;
use hiring_ports::runs::{NewRun, RunCounts, RunEnding, RunFilter, StoredRun};
use hiring_ports::RepoError;

/// A stored `runs` row: id, kind, actor, source, started_at, finished_at, outcome, read_rows,
/// inserted, already_present, rejected, duration_ms, detail.
pub(crate) type RunRow<D> = (
    i64,
    String,
    String,
    String,
    <D as Dialect>::Instant,
    Option<<D as Dialect>::Instant>,
    String,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    String,
);

/// A stored row as the port's type; a value no run could have written is reported as corrupt,
/// naming the row.
pub(crate) fn stored_run<D: Dialect>(row: RunRow<D>) -> Result<StoredRun, StoreError> {
    let (id, kind, actor, source, started, finished, outcome, read, inserted, present, rejected) = (
        row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10,
    );
    let (duration_ms, detail) = (row.11, row.12);
    let corrupt = |field: &str, e: &dyn std::fmt::Display| {
        StoreError::Corrupt(format!("runs row with id {id}: {field} {e}"))
    };
    Ok(StoredRun {
        id: RunId::new(id),
        kind: kind.parse().map_err(|e| corrupt("kind", &e))?,
        actor,
        source,
        started_at: D::instant_text(started),
        finished_at: finished.map(D::instant_text),
        outcome: outcome.parse().map_err(|e| corrupt("outcome", &e))?,
        counts: RunCounts {
            read: row_count(read),
            inserted: row_count(inserted),
            already_present: row_count(present),
            rejected: row_count(rejected),
        },
        seconds: duration_ms.map(|ms| row_count(ms) as f64 / 1000.0),
        detail,
    })
}

/// A count as stored.
pub(crate) fn stored_count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The statements on the runs of one backend (written by [`run_ops!`]).
pub(crate) trait RunOps: Dialect {
    /// Stores `run` as running; returns its id.
    fn start_run(conn: &mut Self::Conn, run: &NewRun) -> Result<i64, StoreError>;
    /// Records how run `id` ended; returns the rows changed (0: no such run).
    fn finish_run(conn: &mut Self::Conn, id: i64, ending: &RunEnding) -> Result<usize, StoreError>;
    /// The newest runs matching `filter`, or run `only`.
    fn list_runs(
        conn: &mut Self::Conn,
        filter: &RunFilter,
        only: Option<i64>,
    ) -> Result<Vec<StoredRun>, StoreError>;
}

/// Writes [`RunOps`] for dialect `$d`, whose diesel schema is `crate::schema::$s`, whose
/// instants have SQL type `$instant` and whose current instant is the SQL `$now`.
macro_rules! run_ops {
    ($d:ty, $s:ident, $instant:ty, $now:literal) => {
        impl $crate::db::runs::RunOps for $d {
            fn start_run(
                conn: &mut Self::Conn,
                run: &hiring_ports::runs::NewRun,
            ) -> Result<i64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::runs as t;
                Ok(diesel::insert_into(t::table)
                    .values((
                        t::kind.eq(run.kind.name()),
                        t::actor.eq(&run.actor),
                        t::source.eq(<Self as $crate::db::dialect::Dialect>::storable(
                            &run.source,
                        )),
                    ))
                    .returning(t::id)
                    .get_result::<i64>(conn)?)
            }

            fn finish_run(
                conn: &mut Self::Conn,
                id: i64,
                ending: &hiring_ports::runs::RunEnding,
            ) -> Result<usize, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::db::runs::stored_count;
                use $crate::schema::$s::runs as t;
                let ms = u64::try_from(ending.duration.as_millis()).unwrap_or(u64::MAX);
                Ok(diesel::update(t::table.find(id))
                    .set((
                        t::finished_at.eq(diesel::dsl::sql::<$instant>($now).nullable()),
                        t::outcome.eq(ending.outcome.name()),
                        t::read_rows.eq(stored_count(ending.counts.read)),
                        t::inserted.eq(stored_count(ending.counts.inserted)),
                        t::already_present.eq(stored_count(ending.counts.already_present)),
                        t::rejected.eq(stored_count(ending.counts.rejected)),
                        t::duration_ms.eq(Some(stored_count(ms))),
                        t::detail.eq(<Self as $crate::db::dialect::Dialect>::storable(
                            &ending.detail,
                        )),
                    ))
                    .execute(conn)?)
            }

            fn list_runs(
                conn: &mut Self::Conn,
                filter: &hiring_ports::runs::RunFilter,
                only: Option<i64>,
            ) -> Result<Vec<hiring_ports::runs::StoredRun>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::runs as t;
                let mut query = t::table
                    .order(t::id.desc())
                    .limit(i64::from(filter.limit))
                    .into_boxed();
                if let Some(before) = filter.before {
                    query = query.filter(t::id.lt(before.get()));
                }
                if let Some(id) = only {
                    query = query.filter(t::id.eq(id));
                }
                query
                    .load::<$crate::db::runs::RunRow<Self>>(conn)?
                    .into_iter()
                    .map($crate::db::runs::stored_run::<Self>)
                    .collect()
            }
        }
    };
}
pub(crate) use run_ops;

impl<D: RunOps> Store<D> {
    /// See [`hiring_ports::runs::RunLog::start`].
    pub(crate) fn start_run(&self, run: &NewRun) -> Result<RunId, RepoError> {
        self.with_conn(|conn| D::write(conn, |conn| D::start_run(conn, run)))
            .map(RunId::new)
    }

    /// See [`hiring_ports::runs::RunLog::finish`].
    pub(crate) fn finish_run(&self, id: RunId, ending: &RunEnding) -> Result<(), RepoError> {
        let changed =
            self.with_conn(|conn| D::write(conn, |conn| D::finish_run(conn, id.get(), ending)))?;
        if changed == 0 {
            return Err(RepoError::Other(format!("no run has the id {id}")));
        }
        Ok(())
    }

    /// See [`hiring_ports::runs::RunLog::list`] and [`hiring_ports::runs::RunLog::get`].
    pub(crate) fn list_runs(
        &self,
        filter: &RunFilter,
        only: Option<RunId>,
    ) -> Result<Vec<StoredRun>, RepoError> {
        self.with_conn(|conn| {
            D::read(conn, |conn| {
                D::list_runs(conn, filter, only.map(RunId::get))
            })
        })
    }
}
