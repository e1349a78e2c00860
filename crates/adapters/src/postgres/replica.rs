//! A streaming read replica of a PostgreSQL primary (a hot standby): opened without migrating,
//! since it refuses writes and its schema is its primary's, and asked for its lag.

use super::url::with_connect_timeout;
use super::{well_formed, PgStore};
use crate::db::error::StoreError;
use crate::db::store::Store;
use crate::open_error::OpenError;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{Double, Nullable, Text};
use diesel::RunQueryDsl;
use hiring_ports::replica::ReplicaLag;
use hiring_ports::RepoError;
use std::time::Duration;

/// The lag query.
const REPLICA_LAG: &str = include_str!("../sql/pg_replica_lag.sql");

/// A replica has few readers and must fail fast when it is down: its reads go to the primary.
const REPLICA_POOL_SIZE: u32 = 4;
const REPLICA_POOL_TIMEOUT: Duration = Duration::from_secs(1);

/// One row of [`REPLICA_LAG`].
#[derive(diesel::QueryableByName)]
struct LagRow {
    #[diesel(sql_type = Nullable<Text>)]
    problem: Option<String>,
    #[diesel(sql_type = Nullable<Double>)]
    lag_seconds: Option<f64>,
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
            let row = diesel::sql_query(REPLICA_LAG).get_result::<LagRow>(conn)?;
            match (row.problem, row.lag_seconds) {
                (Some(problem), _) => Err(StoreError::Port(RepoError::Unavailable(problem))),
                (None, Some(seconds)) => Ok(Duration::from_secs_f64(seconds.max(0.0))),
                (None, None) => Err(StoreError::Port(RepoError::Unavailable(
                    "the replica has replayed no transaction yet".to_owned(),
                ))),
            }
        })
    }
}
