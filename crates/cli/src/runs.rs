//! `hiring runs`: the load history. Every `hiring migrate` and every upload is a run.

use crate::output::{self, Format};
use crate::wiring::Wiring;
use anyhow::Context;
use hiring_domain::RunId;
use hiring_ports::runs::{RunFilter, StoredRun};
use hiring_ports::PageLimit;
use std::process::ExitCode;

/// Arguments of `hiring runs`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Show only this run
    #[arg(value_name = "ID")]
    id: Option<RunId>,

    /// Only runs older than this one (the id of the last run of the previous page)
    #[arg(long, value_name = "ID", conflicts_with = "id")]
    before: Option<RunId>,

    /// Show at most N runs, newest first (1 to 10000)
    #[arg(long, default_value_t = PageLimit::DEFAULT, value_name = "N", conflicts_with = "id")]
    limit: PageLimit,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let repos = wiring.storage()?;
    let runs = match args.id {
        Some(id) => {
            let run = repos
                .runs
                .get(id)?
                .with_context(|| format!("no run has id {id} (`hiring runs` lists them)"))?;
            vec![run]
        }
        None => repos.runs.list(&RunFilter {
            before: args.before,
            limit: args.limit,
        })?,
    };
    match (args.format, args.id) {
        (Format::Json, Some(_)) => output::print_json(&runs[0])?,
        (Format::Json, None) => output::print_json(&runs)?,
        (Format::Table, _) => {
            println!("{}", render(&runs));
            if args.id.is_none() {
                println!("showing {} runs, newest first", runs.len());
            }
            if let Some(run) = runs
                .iter()
                .find(|r| r.counts.rejected > 0)
                .filter(|_| runs.len() == 1)
            {
                println!("its rejects: hiring rejects --run {}", run.id);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The runs as a table.
fn render(runs: &[StoredRun]) -> comfy_table::Table {
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.started_at.clone(),
                r.kind.to_string(),
                output::escape_controls(&r.actor).into_owned(),
                output::escape_controls(&r.source).into_owned(),
                r.counts.read.to_string(),
                r.counts.inserted.to_string(),
                r.counts.already_present.to_string(),
                r.counts.rejected.to_string(),
                r.seconds.map_or_else(String::new, |s| format!("{s:.1} s")),
                r.outcome.to_string(),
                output::escape_controls(&r.detail).into_owned(),
            ]
        })
        .collect();
    let header = [
        "id",
        "started at",
        "kind",
        "actor",
        "source",
        "read",
        "inserted",
        "present",
        "rejected",
        "took",
        "outcome",
        "detail",
    ];
    output::table(&header, &[0, 5, 6, 7, 8, 9], rows)
}
