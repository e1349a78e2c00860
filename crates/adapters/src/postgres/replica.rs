//! A streaming read replica of a PostgreSQL primary (a hot standby): opened without migrating,
//! since it refuses writes and its schema is its primary's, and asked for its lag.

use super::url::with_connect_timeout;
use super::{well_formed, PgStore};
use crate::db::error::StoreError;
use crate::db::store::Store;
use crate::open_error::OpenError;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{Bool, Double, Nullable, Text};
use diesel::RunQueryDsl;
use hiring_ports::replica::ReplicaLag;
use hiring_ports::RepoError;
use std::time::Duration;

/// The lag query.
const REPLICA_LAG: &str = include_str!("../sql/pg_replica_lag.sql");

/// A replica has few readers and must fail fast when it is down: its reads go to the primary.
const REPLICA_POOL_SIZE: u32 = 4;
const REPLICA_POOL_TIMEOUT: Duration = Duration::from_secs(1);

/// An idle primary still writes a WAL record now and then (checkpoints, snapshots of running
/// transactions): for a moment the replica has received it and not replayed it yet, and the age
/// of the newest transaction it replayed is then how long the primary has been idle, not a lag.
/// A replica found behind by more than [`SETTLE_OVER`] (or having replayed nothing yet) is
/// therefore asked again, up to [`SETTLE_ASKS`] times [`SETTLE_PAUSE`] apart: one that catches
/// up is read at lag zero, a real backlog stays. Behind by less, its lag is taken at once.
const SETTLE_ASKS: u32 = 3;
const SETTLE_PAUSE: Duration = Duration::from_millis(10);
const SETTLE_OVER: f64 = 1.0;

/// One row of [`REPLICA_LAG`].
#[derive(diesel::QueryableByName, Debug, Clone)]
struct LagRow {
    #[diesel(sql_type = Nullable<Text>)]
    problem: Option<String>,
    #[diesel(sql_type = Bool)]
    caught_up: bool,
    #[diesel(sql_type = Nullable<Double>)]
    replayed_seconds: Option<f64>,
}

impl LagRow {
    /// Whether the answer may be a passing WAL record of an idle primary (see [`SETTLE_ASKS`]).
    fn unsettled(&self) -> bool {
        self.problem.is_none()
            && !self.caught_up
            && self.replayed_seconds.is_none_or(|s| s > SETTLE_OVER)
    }
}

/// The replica's lag from the rows `ask` returns, asking again while [`LagRow::unsettled`],
/// after `pause`.
fn settled_lag(
    mut ask: impl FnMut() -> Result<LagRow, StoreError>,
    pause: impl Fn(),
) -> Result<Duration, StoreError> {
    let mut row = ask()?;
    for _ in 1..SETTLE_ASKS {
        if !row.unsettled() {
            break;
        }
        pause();
        row = ask()?;
    }
    match row {
        LagRow {
            problem: Some(problem),
            ..
        } => Err(StoreError::Port(RepoError::Unavailable(problem))),
        LagRow {
            caught_up: true, ..
        } => Ok(Duration::ZERO),
        LagRow {
            replayed_seconds: Some(seconds),
            ..
        } => Ok(Duration::from_secs_f64(seconds.max(0.0))),
        LagRow {
            replayed_seconds: None,
            ..
        } => Err(StoreError::Port(RepoError::Unavailable(
            "the replica has replayed no transaction yet".to_owned(),
        ))),
    }
}

impl PgStore {
    /// The store of the read replica at `url`, without connecting: a replica that is down when
    /// the process starts is skipped until it answers. No migration runs. A malformed URL is
    /// refused at once; error messages never show the password.
    pub fn open_replica(url: &str) -> Result<Self, OpenError> {
        let parts = well_formed(url)?;
        let pool = Pool::builder()
            .max_size(REPLICA_POOL_SIZE)
            .min_idle(Some(0))
            .connection_timeout(REPLICA_POOL_TIMEOUT)
            .build_unchecked(ConnectionManager::new(with_connect_timeout(url)));
        Ok(Self::new(
            Store::new(pool, format!("replica {}", parts.description())),
            (),
        ))
    }
}

impl ReplicaLag for PgStore {
    fn lag(&self) -> Result<Duration, RepoError> {
        self.store().with_conn(|conn| {
            settled_lag(
                || Ok(diesel::sql_query(REPLICA_LAG).get_result::<LagRow>(conn)?),
                || std::thread::sleep(SETTLE_PAUSE),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn row(caught_up: bool, replayed_seconds: Option<f64>) -> LagRow {
        LagRow {
            problem: None,
            caught_up,
            replayed_seconds,
        }
    }

    /// The lag `settled_lag` gives for the answers `rows`, and how many it asked for.
    fn lag_of(rows: &[LagRow]) -> (Result<Duration, String>, usize) {
        let asked = Cell::new(0);
        let lag = settled_lag(
            || {
                asked.set(asked.get() + 1);
                Ok(rows[asked.get() - 1].clone())
            },
            || {},
        );
        (lag.map_err(|e| format!("{e:?}")), asked.get())
    }

    #[test]
    fn an_idle_primarys_passing_record_is_no_lag() {
        // Idle for an hour, a record received and not replayed yet, then replayed.
        let (lag, asked) = lag_of(&[row(false, Some(3600.0)), row(true, Some(3600.0))]);
        assert_eq!(lag, Ok(Duration::ZERO));
        assert_eq!(asked, 2);
        // Nothing replayed since the replica started, caught up at the next ask.
        let (lag, _) = lag_of(&[row(false, None), row(true, None)]);
        assert_eq!(lag, Ok(Duration::ZERO));
    }

    #[test]
    fn a_backlog_that_stays_is_the_lag() {
        let rows = [
            row(false, Some(30.0)),
            row(false, Some(30.0)),
            row(false, Some(30.5)),
        ];
        let (lag, asked) = lag_of(&rows);
        assert_eq!(lag, Ok(Duration::from_secs_f64(30.5)));
        assert_eq!(asked, 3);
        let (lag, _) = lag_of(&[row(false, None), row(false, None), row(false, None)]);
        assert!(lag.unwrap_err().contains("replayed no transaction yet"));
    }

    #[test]
    fn a_small_lag_or_a_caught_up_replica_is_taken_at_once() {
        assert_eq!(
            lag_of(&[row(false, Some(0.25))]),
            (Ok(Duration::from_millis(250)), 1)
        );
        assert_eq!(lag_of(&[row(true, Some(90.0))]), (Ok(Duration::ZERO), 1));
        let stopped = LagRow {
            problem: Some("the replica is not receiving from its primary".into()),
            caught_up: false,
            replayed_seconds: None,
        };
        let (lag, asked) = lag_of(&[stopped]);
        assert!(lag.unwrap_err().contains("not receiving"));
        assert_eq!(asked, 1);
    }
}
