//! The one place the `hiring` binary builds its adapters: every command gets its storage and its
//! backup folder from here, so the backend and the folder are chosen the same way everywhere.

use crate::output;
use crate::settings::Settings;
use hiring_adapters::{backup_store_at, Backend, OpenError};
use hiring_ports::replica::{ReadRouter, ReadSource};
use hiring_ports::{BackupStore, Repositories};
use secrecy::ExposeSecret;
use std::path::Path;
use std::sync::Arc;

/// The resolved settings of one run and what they wire.
pub struct Wiring {
    settings: Settings,
    database_url: String,
    create_database: bool,
}

impl Wiring {
    /// Wires `settings`, with the database URL of `--database-url` (or `DATABASE_URL`) when
    /// given; `create_database` (`--create-database`) creates a PostgreSQL database the server
    /// lacks.
    pub fn new(settings: Settings, database_url: Option<&str>, create_database: bool) -> Self {
        let database_url = settings.database_url(database_url);
        Self {
            settings,
            database_url,
            create_database,
        }
    }

    /// The settings of this run.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Opens the database (the backend picked from its URL) and applies pending migrations.
    /// A new SQLite file is never made quietly: its absolute path is logged at WARN, so that a
    /// run from another folder than meant is noticed.
    pub fn storage(&self) -> anyhow::Result<Repositories> {
        let new_file = hiring_adapters::sqlite_file(&self.database_url)
            .filter(|path| !path.exists())
            .map(|path| std::path::absolute(&path).unwrap_or(path));
        let postgres = Backend::from_url(&self.database_url) == Ok(Backend::Postgres);
        let by_year = self.settings.database.partition_hires_by_year;
        if by_year && !postgres {
            // Refused before an SQLite file is made.
            anyhow::bail!(
                "database.partition_hires_by_year is set: {}",
                OpenError::PartitionsNotPostgres
            );
        }
        let direct_url = self.settings.database.direct_url.as_ref();
        // Behind a pooler, on the database server itself: a pooler has no `postgres` database.
        if self.create_database && postgres && hiring_adapters::create_database(self.server_url())?
        {
            tracing::info!("created the PostgreSQL database the URL names");
        }
        let opened = match direct_url {
            Some(direct) => {
                hiring_adapters::open_pooled(&self.database_url, direct.expose_secret())
            }
            None => hiring_adapters::open(&self.database_url),
        };
        let repos = opened.map_err(|e| match e {
            OpenError::NoSuchDatabase { .. } => {
                anyhow::anyhow!("{e}; or run again with --create-database to create it")
            }
            e => e.into(),
        })?;
        // Once the schema is there: the layout is chosen on the table the migrations made.
        if by_year
            && hiring_adapters::partition_hires_by_year(self.server_url())
                .map_err(|e| anyhow::anyhow!("database.partition_hires_by_year is set: {e}"))?
        {
            tracing::info!("hired_employees is now partitioned by hire year");
        }
        if let Some(path) = new_file {
            tracing::warn!(
                path = %path.display(),
                "no database file was there: created a new, empty one (relative paths resolve against the working directory)"
            );
        }
        Ok(repos)
    }

    /// The database server itself: `database.direct_url` behind a pooler, else the database URL.
    fn server_url(&self) -> &str {
        let direct = self.settings.database.direct_url.as_ref();
        direct.map_or(self.database_url.as_str(), |url| url.expose_secret())
    }

    /// Where reads may go: the read replica of `flag` (`--replica-url`, `HIRING_REPLICA_URL`),
    /// else of `database.replica_url`, while it answers and lags at most
    /// `database.replica_max_lag_ms`, and while it is a copy of the primary's database (a replica
    /// configured for another database is skipped, saying so); `primary` otherwise, and for every
    /// write.
    pub fn reads(&self, primary: Repositories, flag: Option<&str>) -> anyhow::Result<ReadRouter> {
        let database = &self.settings.database;
        let url = flag.or(database.replica_url.as_ref().map(|url| url.expose_secret()));
        let primary_url = self.server_url();
        let replica = url
            .map(|url| hiring_adapters::open_replica(url, primary_url))
            .transpose()
            .map_err(|e| anyhow::anyhow!("cannot use the read replica: {e}"))?;
        if let Some(replica) = &replica {
            tracing::info!(replica = %replica.repos.description, "reads go to the read replica while it is fit");
        }
        let max_lag = std::time::Duration::from_millis(database.replica_max_lag_ms);
        Ok(ReadRouter::new(primary, replica, max_lag))
    }

    /// The primary's ports (every write, the audit trail among them) and the ports a command's
    /// reads use: the read replica's of `database.replica_url` while it is fit ([`Wiring::reads`]),
    /// else the primary's. Where the reads go is logged (a skipped replica at WARN, with why).
    pub fn storage_and_reads(&self) -> anyhow::Result<(Repositories, Repositories)> {
        let primary = self.storage()?;
        let router = self.reads(primary.clone(), None)?;
        let (reads, source) = router.reads();
        match &source {
            ReadSource::Primary => {}
            ReadSource::Replica { lag } => {
                tracing::info!(lag_ms = lag.as_millis(), "reading on the read replica");
            }
            ReadSource::ReplicaSkipped { reason } => {
                tracing::warn!(%reason, "the read replica is skipped: reading the primary");
            }
        }
        let reads = reads.clone();
        Ok((primary, reads))
    }

    /// The backup folder: `flag` (`--dir`, `HIRING_BACKUP_DIR`), else `backup.dir` of the
    /// configuration; an `s3://bucket/prefix` URL is a prefix of an S3 bucket.
    pub fn backup_folder(&self, flag: Option<&Path>) -> anyhow::Result<Arc<dyn BackupStore>> {
        let location = self.settings.backup.dir(flag);
        backup_store_at(&location).map_err(|e| {
            anyhow::anyhow!(
                "cannot use the backup folder {}: {e}",
                output::escape_controls(&location.display().to_string())
            )
        })
    }

    /// Where [`Wiring::backup_folder`] keeps the backups, as shown to people.
    pub fn backup_location(&self, flag: Option<&Path>) -> String {
        let location = self.settings.backup.dir(flag);
        output::escape_controls(&location.display().to_string()).into_owned()
    }
}
