//! Layered configuration: built-in defaults, then the config file, then `HIRING__` variables.

use anyhow::Context;
use hiring_ports::backup::Retention;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The config file read when none is named.
pub const DEFAULT_CONFIG_FILE: &str = "config/default.toml";

/// Everything the command reads from configuration.
#[derive(Debug, Deserialize)]
pub struct Settings {
    /// Where data is stored.
    pub database: DatabaseSettings,
    /// How logs are written.
    pub log: LogSettings,
    /// Defaults of `hiring migrate`.
    pub migrate: MigrateSettings,
    /// The HTTP API of `hiring serve`.
    pub api: ApiSettings,
    /// Avro backups (`hiring backup`, `backups`, `restore`, `prune` and the API's backup
    /// endpoints).
    pub backup: BackupSettings,
}

/// Where backups are kept.
#[derive(Debug, Deserialize)]
pub struct BackupSettings {
    /// The backup folder (one sub-folder per table); `--dir` or `HIRING_BACKUP_DIR` overrides it.
    pub dir: PathBuf,
    /// Complete backup sets kept: after each backup, and by `hiring backups prune` when
    /// `--keep` is not given (`keep_sets` is its earlier name).
    #[serde(alias = "keep_sets")]
    pub keep: Option<u64>,
    /// With `keep`: sets and files younger than this (`30d`, `12h`) are kept too.
    #[serde(default, deserialize_with = "age")]
    pub older_than: Option<Duration>,
    /// Most bytes the backups may take in all for a backup through the API to be accepted
    /// (`10 GiB`); 0: no quota.
    pub api_quota: bytesize::ByteSize,
}

impl BackupSettings {
    /// What is applied around each backup: the keep policy after it, and, for backups through
    /// the API (`api` true), the quota before it.
    pub fn retention(&self, api: bool) -> anyhow::Result<Retention> {
        let quota = self.api_quota.as_u64();
        Ok(Retention::none()
            .keeping(self.keep, self.older_than)
            .context("invalid backup.keep")?
            .with_quota((api && quota > 0).then_some(quota)))
    }
}

/// An age such as `30d` or `12h 30m` (humantime's format).
fn age<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|text| {
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!("{text:?} is not an age such as 30d or 12h: {e}"))
        })
    })
    .transpose()
}

impl BackupSettings {
    /// The backup folder: `overridden` (a `--dir` flag or `HIRING_BACKUP_DIR`) when given,
    /// otherwise the configured one.
    pub fn dir(&self, overridden: Option<&Path>) -> PathBuf {
        overridden.map_or_else(|| self.dir.clone(), Path::to_path_buf)
    }
}

/// The database to use. The URL may hold a password, so it never shows in `Debug` output.
#[derive(Debug, Deserialize)]
pub struct DatabaseSettings {
    /// `postgres://...` or an SQLite file path.
    pub url: SecretString,
    /// The PostgreSQL database itself when `url` names a connection pooler (PgBouncer in
    /// transaction pooling mode): migrations, bulk loads and restores connect here.
    pub direct_url: Option<SecretString>,
    /// A streaming read replica of the PostgreSQL database (`postgres://...`): `hiring serve`
    /// reads reports, the reject log and backups' snapshots there.
    pub replica_url: Option<SecretString>,
    /// Most milliseconds the replica may lag behind its primary and still be read.
    pub replica_max_lag_ms: u64,
    /// PostgreSQL: lay `hired_employees` out partitioned by hire year, while it is still empty
    /// (refused once it holds a hire). `false` never undoes it.
    #[serde(default)]
    pub partition_hires_by_year: bool,
}

/// Log output.
#[derive(Debug, Deserialize)]
pub struct LogSettings {
    /// `text` or `json`.
    pub format: LogFormat,
    /// An EnvFilter directive such as `info` or `hiring=debug`; without one, each command's
    /// own default (`warn`, `info` for `serve`), moved by `-v` and `-q`.
    pub filter: Option<String>,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// The name as written in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }
}

/// Defaults of `hiring migrate`.
#[derive(Debug, Deserialize)]
pub struct MigrateSettings {
    /// Folder of the three CSV files.
    pub dir: PathBuf,
    /// Rows per transaction.
    pub batch_size: usize,
}

/// The HTTP API of `hiring serve`. Tokens are secrets: they never show in `Debug` output.
#[derive(Debug, Deserialize)]
pub struct ApiSettings {
    /// Address and port to listen on.
    pub bind: String,
    /// Bearer tokens, each `name:role:secret` or a secret alone (an `admin` token);
    /// `HIRING_API_TOKENS` and `HIRING_API_TOKEN` add more.
    pub tokens: Vec<SecretString>,
    /// Whether reads (rejects, health, docs) need a token too.
    pub protect_reads: bool,
    /// Most bytes of a batch body.
    pub body_limit: usize,
    /// Seconds a buffered body (a batch, a backup or restore request) may take to arrive whole.
    pub body_timeout: u64,
    /// Seconds the server waits for the next bytes of any body, uploads included.
    pub body_idle_timeout: u64,
    /// Slowest average of a body, in bytes per second of waiting, once the server has waited
    /// `body_idle_timeout` for it in all; 0 turns the rule off.
    pub body_min_rate: u64,
    /// Seconds a client may take to send a request's line and headers.
    pub header_timeout: u64,
    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace: u64,
    /// Failed authentications allowed per client address and minute (0: no limit).
    pub auth_failures_per_minute: u32,
    /// PEM file of the certificate chain to serve HTTPS with (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// PEM file of the certificate's private key (with `tls_cert`).
    pub tls_key: Option<PathBuf>,
    /// Who may read `GET /metrics`: `open` (like the other reads), `token` (a `read` token) or
    /// `off` (404).
    pub metrics: hiring_api::MetricsAccess,
}

impl Settings {
    /// Reads the layers. `file` is required when given explicitly; the default file may be
    /// missing.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let path = file.unwrap_or(Path::new(DEFAULT_CONFIG_FILE));
        layered(file)
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("invalid configuration (file {})", path.display()))
    }

    /// The database URL, with a command-line or `DATABASE_URL` value taking precedence.
    pub fn database_url(&self, overridden: Option<&str>) -> String {
        overridden
            .map(str::to_owned)
            .unwrap_or_else(|| self.database.url.expose_secret().to_owned())
    }
}

/// The layers merged, each value remembering where it came from (`Value::origin`: none for a
/// default, the file's path, or the environment).
pub fn layered(file: Option<&Path>) -> Result<config::Config, config::ConfigError> {
    let (path, required) = match file {
        Some(path) => (path, true),
        None => (Path::new(DEFAULT_CONFIG_FILE), false),
    };
    config::Config::builder()
        .set_default("database.url", "data/hiring.db")?
        .set_default("database.replica_max_lag_ms", 10_000)?
        .set_default("log.format", "text")?
        .set_default("migrate.dir", "csv_files")?
        .set_default("migrate.batch_size", 10_000)?
        .set_default("api.bind", "127.0.0.1:8080")?
        .set_default("api.tokens", Vec::<String>::new())?
        .set_default("api.protect_reads", false)?
        .set_default("api.body_limit", hiring_api::DEFAULT_BODY_LIMIT as u64)?
        .set_default(
            "api.body_timeout",
            hiring_api::DEFAULT_BODY_TIMEOUT.as_secs(),
        )?
        .set_default(
            "api.body_idle_timeout",
            hiring_api::DEFAULT_BODY_IDLE_TIMEOUT.as_secs(),
        )?
        .set_default("api.body_min_rate", hiring_api::DEFAULT_BODY_MIN_RATE)?
        .set_default(
            "api.header_timeout",
            hiring_api::DEFAULT_HEADER_TIMEOUT.as_secs(),
        )?
        .set_default(
            "api.shutdown_grace",
            hiring_api::DEFAULT_SHUTDOWN_GRACE.as_secs(),
        )?
        .set_default(
            "api.auth_failures_per_minute",
            hiring_api::DEFAULT_AUTH_FAILURES_PER_MINUTE,
        )?
        .set_default("api.metrics", "open")?
        .set_default("backup.dir", "avro_files")?
        .set_default("backup.api_quota", "10 GiB")?
        .add_source(config::File::from(path).required(required))
        .add_source(
            config::Environment::with_prefix("HIRING")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_database_url() {
        let settings = Settings {
            database: DatabaseSettings {
                url: SecretString::from("postgres://app:hunter2@db/hiring"),
                direct_url: Some(SecretString::from("postgres://app:hunter5@db:5432/hiring")),
                replica_url: Some(SecretString::from("postgres://app:hunter4@replica/hiring")),
                replica_max_lag_ms: 10_000,
                partition_hires_by_year: false,
            },
            log: LogSettings {
                format: LogFormat::Text,
                filter: Some("info".into()),
            },
            migrate: MigrateSettings {
                dir: "csv_files".into(),
                batch_size: 10,
            },
            api: ApiSettings {
                bind: "127.0.0.1:8080".into(),
                tokens: vec![SecretString::from("tok-hunter3")],
                protect_reads: false,
                body_limit: 1024,
                body_timeout: 30,
                body_idle_timeout: 30,
                body_min_rate: 1024,
                header_timeout: 5,
                shutdown_grace: 30,
                auth_failures_per_minute: 10,
                tls_cert: None,
                tls_key: None,
                metrics: hiring_api::MetricsAccess::Open,
            },
            backup: BackupSettings {
                dir: "avro_files".into(),
                keep: None,
                older_than: None,
                api_quota: bytesize::ByteSize::gib(10),
            },
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("hunter3"), "{shown}");
        assert!(!shown.contains("hunter4"), "{shown}");
        assert!(!shown.contains("hunter5"), "{shown}");
        assert_eq!(
            settings.database_url(None),
            "postgres://app:hunter2@db/hiring"
        );
        assert_eq!(settings.database_url(Some("other.db")), "other.db");
    }

    #[test]
    fn an_explicit_missing_file_is_an_error_and_the_default_may_be_missing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        assert!(Settings::load(Some(&missing)).is_err());
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "[migrate]\nbatch_size = 7\n[log]\nformat = \"json\"\n",
        )
        .unwrap();
        let settings = Settings::load(Some(&file)).unwrap();
        assert_eq!(settings.migrate.batch_size, 7);
        assert_eq!(settings.log.format, LogFormat::Json);
        assert_eq!(settings.migrate.dir, PathBuf::from("csv_files"));
        assert_eq!(settings.api.bind, "127.0.0.1:8080");
        assert!(settings.api.tokens.is_empty() && !settings.api.protect_reads);
        assert_eq!(settings.backup.dir, PathBuf::from("avro_files"));
        assert_eq!(settings.backup.keep, None);
        assert_eq!(
            settings.backup.dir(Some(Path::new("elsewhere"))),
            PathBuf::from("elsewhere")
        );
        std::fs::write(&file, "[backup]\ndir = \"/srv/backups\"\nkeep_sets = 4\n").unwrap();
        let settings = Settings::load(Some(&file)).unwrap();
        assert_eq!(settings.backup.dir(None), PathBuf::from("/srv/backups"));
        assert_eq!(settings.backup.keep, Some(4));
    }

    #[test]
    fn retention_settings_have_defaults_and_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[log]\nfilter = \"info\"\n").unwrap();
        let backup = Settings::load(Some(&file)).unwrap().backup;
        assert_eq!((backup.keep, backup.older_than), (None, None));
        assert_eq!(backup.api_quota, bytesize::ByteSize::gib(10));
        assert_eq!(
            backup.retention(true).unwrap(),
            Retention::none().with_quota(Some(10 << 30))
        );
        assert_eq!(backup.retention(false).unwrap(), Retention::none());

        std::fs::write(
            &file,
            "[backup]\nkeep = 3\nolder_than = \"30d\"\napi_quota = \"512 MiB\"\n",
        )
        .unwrap();
        let backup = Settings::load(Some(&file)).unwrap().backup;
        assert_eq!(backup.keep, Some(3));
        assert_eq!(backup.older_than, Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(backup.api_quota.as_u64(), 512 << 20);
        let expected = Retention::none()
            .keeping(Some(3), Some(Duration::from_secs(30 * 86_400)))
            .unwrap();
        assert_eq!(
            backup.retention(true).unwrap(),
            expected.with_quota(Some(512 << 20))
        );

        std::fs::write(&file, "[backup]\napi_quota = 0\n").unwrap();
        let backup = Settings::load(Some(&file)).unwrap().backup;
        assert_eq!(backup.retention(true).unwrap(), Retention::none());

        std::fs::write(&file, "[backup]\nkeep = 0\n").unwrap();
        let err = Settings::load(Some(&file)).unwrap().backup.retention(false);
        assert!(format!("{:#}", err.unwrap_err()).contains("keep at least 1"));

        std::fs::write(&file, "[backup]\nolder_than = \"a month\"\n").unwrap();
        let err = format!("{:#}", Settings::load(Some(&file)).unwrap_err());
        assert!(err.contains("not an age such as 30d"), "{err}");
    }

    #[test]
    fn the_api_time_limits_have_defaults_and_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "[log]\nfilter = \"info\"\n").unwrap();
        let limits = |file: &std::path::Path| {
            let api = Settings::load(Some(file)).unwrap().api;
            (
                api.body_timeout,
                api.body_idle_timeout,
                api.body_min_rate,
                api.header_timeout,
                api.shutdown_grace,
            )
        };
        assert_eq!(limits(&file), (30, 30, 1024, 5, 30));
        std::fs::write(
            &file,
            "[api]\nbody_timeout = 7\nbody_idle_timeout = 3\nbody_min_rate = 0\n\
             header_timeout = 2\nshutdown_grace = 9\n",
        )
        .unwrap();
        assert_eq!(limits(&file), (7, 3, 0, 2, 9));
    }
}
