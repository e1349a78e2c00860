//! `hiring rejects`: list the reject log.

use crate::output::{self, Format};
use crate::wiring::Wiring;
use hiring_domain::Table;
use hiring_ports::{PageLimit, RejectFilter};
use std::process::ExitCode;

/// Arguments of `hiring rejects`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only rows meant for this table
    #[arg(long)]
    table: Option<Table>,

    /// Show at most N rows, newest first (1 to 10000)
    #[arg(long, default_value_t = PageLimit::DEFAULT, value_name = "N")]
    limit: PageLimit,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let repos = wiring.storage()?;
    let filter = RejectFilter {
        table: args.table,
        limit: args.limit,
    };
    let rejects = repos.rejects.list(&filter)?;
    let total = repos.rejects.count(args.table)?;
    match args.format {
        Format::Json => output::print_json(&rejects)?,
        Format::Table => {
            let rows = rejects
                .iter()
                .map(|r| {
                    // The raw record's own line breaks are data: shown as `\n`. The reasons
                    // are one per line of their cell.
                    let reasons: Vec<String> = r
                        .errors
                        .iter()
                        .map(|e| output::escape_controls(&e.to_string()).into_owned())
                        .collect();
                    vec![
                        r.table.to_string(),
                        output::escape_controls(&r.source).into_owned(),
                        output::escape_controls(&r.raw).into_owned(),
                        reasons.join("\n"),
                        r.recorded_at.clone(),
                    ]
                })
                .collect();
            println!(
                "{}",
                output::table(
                    &["table", "source", "raw record", "reasons", "recorded at"],
                    &[],
                    rows
                )
            );
            println!("showing {} of {total} rejected rows", rejects.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
