//! What every handler shares: the storage ports, the configuration, the backup ports, the
//! health check and the failed-authentication counter. Built once by [`crate::Application`].

use crate::access::AuthFailures;
use crate::error::ApiError;
use crate::ApiConfig;
use hiring_ports::health::HealthCheck;
use hiring_ports::{BackupStore, BulkStorage, Repositories};
use std::sync::Arc;

/// What every handler shares.
pub struct AppState {
    /// The storage ports.
    pub repos: Repositories,
    /// Tokens, read protection, body limit.
    pub config: ApiConfig,
    /// What backups and restores use; `None` when the server was built without them.
    pub backups: Option<BackupPorts>,
    /// The database check of `/health`, with its own time limit.
    pub health: HealthCheck,
    /// Failed authentications per client address.
    pub(crate) auth_failures: AuthFailures,
}

impl AppState {
    /// The backup ports, or a 503 answer when the server has none.
    pub(crate) fn backups(&self) -> Result<BackupPorts, ApiError> {
        self.backups.clone().ok_or(ApiError::BackupsDisabled)
    }
}

/// What the backup endpoints need: whole-table storage on the same database as the
/// [`Repositories`], and the backup folder.
#[derive(Clone)]
pub struct BackupPorts {
    /// Consistent snapshots and multi-table replacement.
    pub bulk: Arc<dyn BulkStorage>,
    /// The backup folder (names from requests are resolved strictly inside it).
    pub files: Arc<dyn BackupStore>,
}
