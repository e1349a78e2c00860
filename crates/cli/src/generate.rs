//! `hiring generate`: synthetic CSV files shaped like the historical ones.

use anyhow::Context;
use hiring_generate::{generate, GenerateOptions};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `hiring generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of hired_employees rows
    #[arg(long, value_name = "N")]
    rows: u64,

    /// Folder to write departments.csv, jobs.csv and hired_employees.csv into (created if missing)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Seed of the pseudo-random generator: the same seed gives the same files
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let report = generate(
        &args.out,
        &GenerateOptions {
            rows: args.rows,
            seed: args.seed,
        },
    )
    .with_context(|| format!("cannot write synthetic files into {}", args.out.display()))?;
    println!(
        "wrote {} departments, {} jobs and {} hired employees ({} deliberately invalid) into {}",
        report.departments,
        report.jobs,
        report.hired_employees,
        report.invalid_employees,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
