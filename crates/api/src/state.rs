//! What every handler shares: the storage ports, the configuration, the backup folder, the
//! health check and the failed-authentication counter. Built once by [`crate::Application`].

use crate::access::AuthFailures;
use crate::blocking::spawn_blocking_with_tracing;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ApiConfig;
use hiring_ports::backup::Backups;
use hiring_ports::health::HealthCheck;
use hiring_ports::replica::{ReadRouter, ReadSource};
use hiring_ports::{BackupStore, RepoError, Repositories};
use std::sync::Arc;

/// What every handler shares.
pub struct AppState {
    /// The storage ports (the primary's, when there is a read replica): every write.
    pub repos: Repositories,
    /// Where the reads that may lag go: the read replica while it is fit, else `repos`.
    pub reads: ReadRouter,
    /// Tokens, read protection, body limit.
    pub config: ApiConfig,
    /// The backup folder (names from requests are resolved strictly inside it); `None` when the
    /// server was built without backups.
    pub backups: Option<Arc<dyn BackupStore>>,
    /// The database check of `/health`, with its own time limit.
    pub health: HealthCheck,
    /// Failed authentications per client address.
    pub(crate) auth_failures: AuthFailures,
    /// What `GET /metrics` shows.
    pub metrics: Metrics,
}

impl AppState {
    /// Runs `job` on the backup use case (the storage's whole tables and the backup folder) off
    /// the async workers; a 503 answer when the server has no backup folder.
    /// Runs `job` off the async workers on the ports reads should use now (the read replica's
    /// while it is fit, else the primary's), and says where they led.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Repositories) -> Result<T, RepoError> + Send + 'static,
    ) -> Result<(T, ReadSource), ApiError> {
        let reads = self.reads.clone();
        spawn_blocking_with_tracing(move || {
            let (repos, source) = reads.reads();
            job(repos).map(|value| (value, source))
        })
        .await?
        .map_err(ApiError::Storage)
    }

    /// Runs `job` on the backup use case like [`AppState::run_backups`], with the snapshot read
    /// where [`AppState::reads`] sends reads; says where that was.
    pub(crate) async fn run_backup_reads<T, E>(
        &self,
        job: impl FnOnce(Backups<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<(T, ReadSource), ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let files = self.backups.clone().ok_or(ApiError::BackupsDisabled)?;
        let reads = self.reads.clone();
        spawn_blocking_with_tracing(move || {
            let (repos, source) = reads.reads();
            job(Backups::new(&*repos.bulk, &*files)).map(|value| (value, source))
        })
        .await?
        .map_err(Into::into)
    }

    pub(crate) async fn run_backups<T, E>(
        &self,
        job: impl FnOnce(Backups<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let files = self.backups.clone().ok_or(ApiError::BackupsDisabled)?;
        let bulk = self.repos.bulk.clone();
        spawn_blocking_with_tracing(move || job(Backups::new(&*bulk, &*files)))
            .await?
            .map_err(Into::into)
    }
}
