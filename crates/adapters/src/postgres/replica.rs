//! A streaming read replica of a PostgreSQL primary (a hot standby): opened without migrating,
//! since it refuses writes and its schema is its primary's, and asked for its lag.

use super::url::with_connect_timeout;
use super::{well_formed, PgStore};
use crate::db::error::StoreError;
use crate::db::store::Store;
use crate::open_error::OpenError;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{Bool, Double, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use hiring_ports::RepoError;
use std::time::Duration;

/// The lag query.
const REPLICA_LAG: &str = include_str!("../sql/pg_replica_lag.sql");

/// A replica has few readers and must fail fast when it is down: its reads go to the primary.
const REPLICA_POOL_SIZE: u32 = 4;
const REPLICA_POOL_TIMEOUT: Duration = Duration::from_secs(1);

/// The age of the newest transaction the replica replayed is its lag only while it replays a
/// backlog. WAL without commits (an idle primary's checkpoints and snapshots of running
/// transactions, a vacuum after a load) also leaves it, for a moment, with WAL received and not
/// replayed, and that age is then how long the primary has gone without a commit. So a replica
/// found behind by more than [`SETTLE_OVER`] seconds (or having replayed nothing yet) is asked
/// again, up to [`SETTLE_ASKS`] times [`SETTLE_PAUSE`] apart: once it has replayed all it had
/// received when first asked, it keeps up, and its lag is the time that took. Behind by less,
/// its lag is taken at once.
const SETTLE_ASKS: u32 = 5;
const SETTLE_PAUSE: Duration = Duration::from_millis(10);
const SETTLE_OVER: f64 = 1.0;

/// One row of [`REPLICA_LAG`].
#[derive(QueryableByName, Debug, Clone)]
struct LagRow {
    #[diesel(sql_type = Nullable<Text>)]
    problem: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    received: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    replayed: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    replayed_seconds: Option<f64>,
    #[diesel(sql_type = Bool)]
    waiting_for_wal: bool,
    #[diesel(embed)]
    identity: Identity,
}

/// Which database of which PostgreSQL cluster a connection reads (`sql/pg_server_identity.sql`):
/// a streaming replica shares its primary's system identifier.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    #[diesel(sql_type = Text)]
    system: String,
    #[diesel(sql_type = Text)]
    database: String,
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "database {} of cluster {}", self.database, self.system)
    }
}

impl LagRow {
    /// Whether it has replayed up to `position` (bytes of WAL).
    fn replayed_up_to(&self, position: Option<f64>) -> bool {
        matches!((self.replayed, position), (Some(done), Some(to)) if done >= to)
    }

    /// Whether it has replayed all it can.
    fn caught_up(&self) -> bool {
        self.waiting_for_wal || self.replayed_up_to(self.received)
    }

    /// Whether its answer may be WAL without commits passing through (see [`SETTLE_ASKS`]).
    fn unsettled(&self) -> bool {
        self.problem.is_none()
            && !self.caught_up()
            && self.replayed_seconds.is_none_or(|s| s > SETTLE_OVER)
    }
}

/// The replica's lag from the rows `ask` returns, asking again after `pause` while the first
/// answer is [`LagRow::unsettled`] and the WAL it had received is not replayed.
fn settled_lag(
    mut ask: impl FnMut() -> Result<LagRow, StoreError>,
    pause: impl Fn(),
) -> Result<Duration, StoreError> {
    let first = ask()?;
    let mut row = first.clone();
    if first.unsettled() {
        for asked in 1..SETTLE_ASKS {
            pause();
            row = ask()?;
            if row.problem.is_none() && (row.waiting_for_wal || row.replayed_up_to(first.received))
            {
                return Ok(SETTLE_PAUSE * asked);
            }
        }
    }
    match row {
        LagRow {
            problem: Some(problem),
            ..
        } => Err(StoreError::Port(RepoError::Unavailable(problem))),
        row if row.caught_up() => Ok(Duration::ZERO),
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

impl PgStore {
    /// How far this replica is behind `primary`; refused when it is not a copy of that
    /// primary's database (another cluster, or another database of it).
    pub(crate) fn lag_behind(&self, primary: &Identity) -> Result<Duration, RepoError> {
        self.store().with_conn(|conn| {
            settled_lag(
                || {
                    let row = diesel::sql_query(REPLICA_LAG).get_result::<LagRow>(conn)?;
                    match &row.identity {
                        found if row.problem.is_none() && found != primary => {
                            Err(StoreError::Port(RepoError::Unavailable(format!(
                                "it is not a replica of the primary's database: it serves {found}, the primary {primary}"
                            ))))
                        }
                        _ => Ok(row),
                    }
                },
                || std::thread::sleep(SETTLE_PAUSE),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// An answer: WAL received and replayed up to those positions, the newest transaction
    /// replayed that many seconds ago.
    fn row(received: f64, replayed: f64, replayed_seconds: Option<f64>) -> LagRow {
        LagRow {
            problem: None,
            received: Some(received),
            replayed: Some(replayed),
            replayed_seconds,
            waiting_for_wal: false,
            identity: Identity {
                system: "7716254499829074110".into(),
                database: "hiring".into(),
            },
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
    fn wal_without_commits_passing_through_is_no_lag() {
        // Idle for an hour, a record received and not replayed yet, then replayed.
        let (lag, asked) = lag_of(&[
            row(200.0, 100.0, Some(3600.0)),
            row(200.0, 200.0, Some(3600.0)),
        ]);
        assert_eq!((lag, asked), (Ok(SETTLE_PAUSE), 2));
        // A vacuum streaming: never caught up when asked, but keeping up with what it received.
        let rows = [
            row(200.0, 100.0, None),
            row(300.0, 150.0, None),
            row(400.0, 250.0, None),
        ];
        assert_eq!(lag_of(&rows), (Ok(SETTLE_PAUSE * 2), 3));
    }

    #[test]
    fn a_replica_waiting_for_wal_has_replayed_all_it_can() {
        // Received up to a page boundary past the last record, nothing replayed since it
        // started, waiting for more: caught up, for as long as the primary stays idle.
        let waiting = LagRow {
            waiting_for_wal: true,
            ..row(16384.0, 14768.0, None)
        };
        assert_eq!(lag_of(&[waiting]), (Ok(Duration::ZERO), 1));
    }

    #[test]
    fn a_backlog_that_stays_is_the_age_of_the_newest_replayed_transaction() {
        let rows: Vec<_> = (0..5)
            .map(|i| row(1000.0, 100.0 + f64::from(i), Some(30.0)))
            .collect();
        let (lag, asked) = lag_of(&rows);
        assert_eq!(lag, Ok(Duration::from_secs(30)));
        assert_eq!(asked, 5);
        let rows: Vec<_> = (0..5).map(|_| row(1000.0, 100.0, None)).collect();
        let (lag, _) = lag_of(&rows);
        assert!(lag.unwrap_err().contains("replayed no transaction yet"));
    }

    #[test]
    fn a_small_lag_or_a_caught_up_replica_is_taken_at_once() {
        let small = row(200.0, 100.0, Some(0.25));
        assert_eq!(lag_of(&[small]), (Ok(Duration::from_millis(250)), 1));
        assert_eq!(
            lag_of(&[row(200.0, 200.0, Some(90.0))]),
            (Ok(Duration::ZERO), 1)
        );
        assert_eq!(lag_of(&[row(200.0, 200.0, None)]), (Ok(Duration::ZERO), 1));
        let stopped = LagRow {
            problem: Some("the replica is not receiving from its primary".into()),
            received: None,
            replayed: None,
            ..row(0.0, 0.0, None)
        };
        let (lag, asked) = lag_of(&[stopped]);
        assert!(lag.unwrap_err().contains("not receiving"));
        assert_eq!(asked, 1);
    }
}
