//! `hiring`: migrate the historical hiring CSV files into SQLite or PostgreSQL, inspect the
//! rows that were rejected, and generate synthetic data.

mod audit;
mod backup;
mod config_cmd;
mod generate;
mod migrate;
mod migrate_input;
mod output;
mod progress;
mod prune;
mod rejects;
mod report;
mod runs;
mod serve;
mod settings;
mod telemetry;
mod wiring;

use clap::{Parser, Subcommand};
use settings::{LogFormat, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use telemetry::{Level, Verbosity};
use wiring::Wiring;

/// The help heading of the options every command takes.
const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "hiring",
    version,
    about = "Migrate and keep hiring data (departments, jobs, hired employees) in SQL"
)]
struct Cli {
    /// Database: postgres://… or postgresql://… for PostgreSQL; sqlite://PATH, sqlite:PATH or a
    /// plain file path for SQLite (any other scheme is refused)
    /// [default: database.url of the config file, data/hiring.db]
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true, help_heading = GLOBAL)]
    database_url: Option<String>,

    /// Configuration file [default: config/default.toml if present]
    #[arg(long, global = true, env = "HIRING_CONFIG", hide_env_values = true, help_heading = GLOBAL)]
    config: Option<PathBuf>,

    /// Create the PostgreSQL database the URL names when the server lacks it (needs the
    /// CREATEDB privilege)
    #[arg(long, global = true, help_heading = GLOBAL)]
    create_database: bool,

    /// Log format (overrides log.format of the config)
    #[arg(long, global = true, value_enum, help_heading = GLOBAL)]
    log_format: Option<LogFormat>,

    /// More log lines (repeatable): -v adds start-up and progress lines (INFO), -vv every
    /// rejected row (DEBUG), -vvv everything (TRACE). Overrides log.filter; RUST_LOG wins
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    verbose: u8,

    /// Fewer log lines (repeatable): -q errors only, -qq none
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose", help_heading = GLOBAL)]
    quiet: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate and load the CSV files, parents first; rejected rows are logged, not inserted.
    Migrate(migrate::Args),
    /// Browse rejected rows, newest first, by table, run, field, reason or source; export
    /// them as CSV or NDJSON.
    Rejects(rejects::Args),
    /// List the load history: every migrate and upload with its counts, duration and outcome.
    Runs(runs::Args),
    /// Write deterministic synthetic CSV files shaped like the real ones.
    Generate(generate::Args),
    /// Back up tables into Avro files (all three by default), from one consistent snapshot.
    Backup(backup::BackupArgs),
    /// List the Avro backups: sets, then files with table, rows, size, created (`hiring
    /// backups prune` removes old ones).
    #[command(args_conflicts_with_subcommands = true)]
    Backups(BackupsCommand),
    /// Replace a table (or, with --all, every table) with its newest or a given backup.
    Restore(backup::RestoreArgs),
    /// List the audit log: who ingested, uploaded, migrated, backed up, restored or pruned
    /// what, when, and how it ended; newest first.
    Audit(audit::Args),
    /// Remove old backups: the earlier name of `hiring backups prune`.
    #[command(hide = true)]
    Prune(prune::Args),
    /// Print a report over the hires of one year: hires-by-quarter or departments-above-mean.
    Report(report::Args),
    /// Serve the HTTP API (batch ingestion, CSV upload, reject log, health, OpenAPI docs).
    Serve(serve::Args),
    /// Print every setting as this run resolves it and where it came from (default, file,
    /// environment, flag), secrets hidden.
    Config(config_cmd::Args),
}

/// `hiring backups [list|prune]`: listing is the default.
#[derive(Debug, clap::Args)]
struct BackupsCommand {
    #[command(subcommand)]
    action: Option<BackupsAction>,

    #[command(flatten)]
    list: backup::ListArgs,
}

#[derive(Debug, Subcommand)]
enum BackupsAction {
    /// List the Avro backups (what `hiring backups` alone does).
    List(backup::ListArgs),
    /// Remove old backups, keeping the newest N complete backup sets (and, with --older-than,
    /// every one younger than that); the newest complete set is never removed.
    Prune(prune::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A reader that stops early (`hiring rejects | head`) ends a command quietly, as it ends
    // other Unix tools, rather than making it panic on a broken pipe. The server keeps Rust's
    // default (SIGPIPE ignored): a client that goes away must never stop it.
    if !matches!(cli.command, Command::Serve(_)) {
        sigpipe::reset();
    }
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", output::escape_controls(&format!("{error:#}")));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    let verbosity = Verbosity {
        default: match cli.command {
            Command::Serve(_) => Level::Info,
            _ => Level::Warn,
        },
        verbose: cli.verbose,
        quiet: cli.quiet,
    };
    telemetry::init(
        cli.log_format.unwrap_or(settings.log.format),
        &verbosity.filter(settings.log.filter.as_deref()),
    );
    let flags = config_cmd::Flags {
        config: cli.config.as_deref(),
        database_url: cli.database_url.as_deref(),
        log_format: cli.log_format.map(LogFormat::name),
        verbosity_filter: (cli.verbose > 0 || cli.quiet > 0).then(|| verbosity.filter(None)),
    };
    let wiring = Wiring::new(settings, cli.database_url.as_deref(), cli.create_database);
    match cli.command {
        Command::Migrate(args) => migrate::run(args, &wiring),
        Command::Rejects(args) => rejects::run(args, &wiring),
        Command::Runs(args) => runs::run(args, &wiring),
        Command::Generate(args) => generate::run(args),
        Command::Backup(args) => backup::backup(args, &wiring),
        Command::Backups(BackupsCommand { action, list }) => match action {
            None => backup::list(list, &wiring),
            Some(BackupsAction::List(args)) => backup::list(args, &wiring),
            Some(BackupsAction::Prune(args)) => prune::run(args, &wiring),
        },
        Command::Restore(args) => backup::restore(args, &wiring),
        Command::Audit(args) => audit::run(args, &wiring),
        Command::Prune(args) => prune::run(args, &wiring),
        Command::Report(args) => report::run(args, &wiring),
        Command::Serve(args) => serve::run(args, &wiring),
        Command::Config(args) => config_cmd::run(args, &flags),
    }
}
