//! What `GET /health` answers.

use serde::Serialize;
use utoipa::ToSchema;

/// The service's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// `reachable`.
    #[schema(example = "reachable")]
    pub database: String,
    /// The read replica, when the server has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaHealth>,
}

/// Whether the read replica serves reads.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// `serving`: reads go to the replica; `skipped`: they go to the primary.
    #[schema(example = "serving")]
    pub status: String,
    /// How far the replica is behind its primary, in milliseconds, when it serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_ms: Option<u64>,
    /// Why it is skipped: it does not answer, or lags more than allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ReplicaHealth {
    /// What `source` says of the replica; `None` without one.
    pub fn of(source: &hiring_ports::replica::ReadSource) -> Option<Self> {
        use hiring_ports::replica::ReadSource;
        match source {
            ReadSource::Primary => None,
            ReadSource::Replica { lag } => Some(Self {
                status: "serving".into(),
                lag_ms: Some(u64::try_from(lag.as_millis()).unwrap_or(u64::MAX)),
                reason: None,
            }),
            ReadSource::ReplicaSkipped { reason } => Some(Self {
                status: "skipped".into(),
                lag_ms: None,
                reason: Some(reason.clone()),
            }),
        }
    }
}
