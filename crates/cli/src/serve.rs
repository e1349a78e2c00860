//! `hiring serve`: the HTTP API.

use crate::settings::Settings;
use anyhow::Context;
use hiring_api::{ApiConfig, Tokens};
use secrecy::ExposeSecret;
use std::process::ExitCode;

/// The environment variable holding API tokens, separated by commas.
pub const TOKEN_VARIABLE: &str = "HIRING_API_TOKEN";

/// Arguments of `hiring serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on [default: api.bind of the config, 127.0.0.1:8080]
    #[arg(long, value_name = "ADDRESS:PORT")]
    bind: Option<String>,
}

/// Opens the database (applying migrations) and serves until SIGINT or SIGTERM.
pub fn run(args: Args, settings: &Settings, database_url: &str) -> anyhow::Result<ExitCode> {
    let repos = hiring_adapters::open(database_url)?;
    let configured = Tokens::new(settings.api.tokens.iter().map(|t| t.expose_secret()));
    let from_env = Tokens::from_list(&std::env::var(TOKEN_VARIABLE).unwrap_or_default());
    let config = ApiConfig {
        tokens: configured.union(&from_env),
        protect_reads: settings.api.protect_reads,
        body_limit: settings.api.body_limit,
    };
    if config.tokens.is_empty() {
        eprintln!(
            "warning: no API token configured ({TOKEN_VARIABLE} or api.tokens): writes are refused"
        );
    }
    let bind = args.bind.unwrap_or_else(|| settings.api.bind.clone());
    hiring_api::serve(config, repos, &bind).with_context(|| format!("cannot serve on {bind}"))?;
    Ok(ExitCode::SUCCESS)
}
