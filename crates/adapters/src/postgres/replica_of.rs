//! A read replica tied to its primary: read only while it is a copy of the primary's database,
//! so that a replica URL left in the configuration is never read for another database (one
//! named by `--database-url`, say).

use super::replica::Identity;
use super::url::with_connect_timeout;
use super::PgStore;
use diesel::{Connection, PgConnection, RunQueryDsl};
use hiring_ports::replica::ReplicaLag;
use hiring_ports::RepoError;
use std::sync::OnceLock;
use std::time::Duration;

/// Which database of which cluster a connection reads.
const SERVER_IDENTITY: &str = include_str!("../sql/pg_server_identity.sql");

/// The lag of a replica, measured only while it serves a copy of its primary's database.
pub struct ReplicaOf {
    replica: PgStore,
    primary_url: String,
    /// The primary's identity, asked once it answers.
    primary: OnceLock<Identity>,
}

impl ReplicaOf {
    /// `replica`, tied to the primary at `primary_url` (asked on the first lag check, not now).
    pub(crate) fn new(replica: PgStore, primary_url: &str) -> Self {
        Self {
            replica,
            primary_url: with_connect_timeout(primary_url),
            primary: OnceLock::new(),
        }
    }

    /// The primary's identity, asked on a connection of its own the first time.
    fn primary(&self) -> Result<&Identity, RepoError> {
        if let Some(identity) = self.primary.get() {
            return Ok(identity);
        }
        let unknown = |e: &dyn std::fmt::Display| {
            RepoError::Unavailable(format!("cannot ask the primary which database it is: {e}"))
        };
        let mut conn = PgConnection::establish(&self.primary_url).map_err(|e| unknown(&e))?;
        let identity = diesel::sql_query(SERVER_IDENTITY)
            .get_result::<Identity>(&mut conn)
            .map_err(|e| unknown(&e))?;
        Ok(self.primary.get_or_init(|| identity))
    }
}

impl ReplicaLag for ReplicaOf {
    fn lag(&self) -> Result<Duration, RepoError> {
        let primary = self.primary()?;
        self.replica.lag_behind(primary)
    }
}
