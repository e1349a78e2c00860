//! `hiring serve`: the HTTP API.

use crate::settings::Settings;
use crate::wiring::Wiring;
use anyhow::Context;
use hiring_api::{ApiConfig, Tls, Tokens};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The environment variable holding API tokens, `name:role:secret` separated by commas.
pub const TOKENS_VARIABLE: &str = "HIRING_API_TOKENS";

/// The earlier variable: secrets separated by commas, each an `admin` token.
pub const TOKEN_VARIABLE: &str = "HIRING_API_TOKEN";

/// Arguments of `hiring serve`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "API tokens: HIRING_API_TOKENS (name:role:secret, comma-separated; roles \
read, ingest, admin; secrets of at least 16 characters), HIRING_API_TOKEN (secrets alone, each \
an admin token) and api.tokens of the configuration file. Without any, every request that \
needs a token is refused."
)]
pub struct Args {
    /// Address and port to listen on [default: api.bind of the config, 127.0.0.1:8080]
    #[arg(long, value_name = "ADDRESS:PORT")]
    bind: Option<String>,

    /// Folder of the backups the API writes, lists and restores [default: backup.dir of the
    /// config, avro_files]
    #[arg(
        long,
        value_name = "DIR",
        env = "HIRING_BACKUP_DIR",
        hide_env_values = true
    )]
    backup_dir: Option<PathBuf>,

    /// A streaming read replica of the PostgreSQL database: reports, reject pages and backups'
    /// snapshots are read there while it answers and lags at most database.replica_max_lag_ms
    /// [default: database.replica_url of the config]
    #[arg(
        long,
        value_name = "URL",
        env = "HIRING_REPLICA_URL",
        hide_env_values = true
    )]
    replica_url: Option<String>,

    /// Seconds requests in flight get to finish after SIGTERM or Ctrl-C; those still running
    /// then are cut [default: api.shutdown_grace of the config, 30]
    #[arg(long, value_name = "SECONDS")]
    shutdown_grace: Option<u64>,

    /// Serve HTTPS with this PEM certificate chain (the server's certificate first); needs
    /// --tls-key [default: api.tls_cert of the config]
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert's certificate [default: api.tls_key of the config]
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// Opens the database (applying migrations) and serves until SIGINT or SIGTERM.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let settings = wiring.settings();
    let tokens = tokens(settings)?;
    let tls = tls(&args, settings).context("cannot serve HTTPS")?;
    let repos = wiring.storage()?;
    let reads = wiring.reads(repos, args.replica_url.as_deref())?;
    let backups = wiring.backup_folder(args.backup_dir.as_deref())?;
    tracing::info!(dir = %wiring.backup_location(args.backup_dir.as_deref()), "backup folder of the API");
    let api = &settings.api;
    let config = ApiConfig {
        tokens,
        protect_reads: api.protect_reads,
        body_limit: api.body_limit,
        body_timeout: at_least_a_second("api.body_timeout", api.body_timeout)?,
        body_idle_timeout: at_least_a_second("api.body_idle_timeout", api.body_idle_timeout)?,
        body_min_rate: api.body_min_rate,
        header_timeout: at_least_a_second("api.header_timeout", api.header_timeout)?,
        shutdown_grace: Duration::from_secs(args.shutdown_grace.unwrap_or(api.shutdown_grace)),
        auth_failures_per_minute: api.auth_failures_per_minute,
        tls,
        metrics: api.metrics,
        backup_retention: settings.backup.retention(true)?,
    };
    if config.tokens.is_empty() {
        eprintln!(
            "warning: no API token configured ({TOKENS_VARIABLE}, {TOKEN_VARIABLE} or api.tokens): every request that needs one is refused"
        );
    }
    let bind = args.bind.unwrap_or_else(|| settings.api.bind.clone());
    hiring_api::serve(config, reads, Some(backups), &bind)
        .with_context(|| format!("cannot serve on {bind}"))?;
    Ok(ExitCode::SUCCESS)
}

/// The certificate and key of `--tls-cert` and `--tls-key` (clap makes them go together), or
/// else of `api.tls_cert` and `api.tls_key`, read and checked now, before the server listens.
fn tls(args: &Args, settings: &Settings) -> anyhow::Result<Option<Tls>> {
    let api = &settings.api;
    let (cert, key) = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => (cert, key),
        _ => match (&api.tls_cert, &api.tls_key) {
            (Some(cert), Some(key)) => (cert, key),
            (None, None) => return Ok(None),
            (Some(_), None) => {
                anyhow::bail!("api.tls_cert is set but api.tls_key is not: HTTPS needs both")
            }
            (None, Some(_)) => {
                anyhow::bail!("api.tls_key is set but api.tls_cert is not: HTTPS needs both")
            }
        },
    };
    Ok(Some(Tls::from_pem_files(cert, key)?))
}

/// `seconds` of the setting `key` as a duration; 0 would refuse every request.
fn at_least_a_second(key: &str, seconds: u64) -> anyhow::Result<Duration> {
    anyhow::ensure!(seconds > 0, "{key} must be at least 1 (seconds)");
    Ok(Duration::from_secs(seconds))
}

/// The tokens of `api.tokens`, `HIRING_API_TOKENS` and `HIRING_API_TOKEN`, refused (naming the
/// token and its source, never its secret) when one is too short or two share a name or a
/// secret. Secrets alone are named `default`, `default-2`... across the three sources.
fn tokens(settings: &Settings) -> anyhow::Result<Tokens> {
    let mut tokens = Tokens::parse_entries(settings.api.tokens.iter().map(|t| t.expose_secret()))
        .context("api.tokens")?;
    for variable in [TOKENS_VARIABLE, TOKEN_VARIABLE] {
        let list = std::env::var(variable).unwrap_or_default();
        tokens = tokens
            .with_entries(list.split(','))
            .with_context(|| variable.to_owned())?;
    }
    Ok(tokens)
}
