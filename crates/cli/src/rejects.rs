//! `hiring rejects`: browse and export the reject log.

use crate::output;
use crate::wiring::Wiring;
use anyhow::Context;
use hiring_domain::{RunId, Table};
use hiring_ports::{reject_export, PageLimit, RejectFilter, StoredRejection};
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

/// Arguments of `hiring rejects`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only rows meant for this table
    #[arg(long)]
    table: Option<Table>,

    /// Only rows the run with this id last met (`hiring runs` lists them)
    #[arg(long, value_name = "ID")]
    run: Option<RunId>,

    /// Only rows refused for this field (`datetime`, `department_id`, `record`...)
    #[arg(long)]
    field: Option<String>,

    /// Only rows one of whose reasons contains this text, in any case
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,

    /// Only rows whose source starts with this text (`hired_employees.csv`, `api`)
    #[arg(long, value_name = "TEXT")]
    source: Option<String>,

    /// Only rows older than the one with this id (the `next` of the previous page)
    #[arg(long, value_name = "ID")]
    before: Option<i64>,

    /// Show at most N rows, newest first: 1 to 10000, 50 unless given; csv and ndjson
    /// export every matching row unless given
    #[arg(long, value_name = "N")]
    limit: Option<PageLimit>,

    /// Output format: a page as a table or JSON, or every matching row as CSV or NDJSON
    #[arg(long, value_enum, default_value = "table")]
    format: RejectsFormat,
}

/// How `hiring rejects` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RejectsFormat {
    /// One page as an aligned table.
    Table,
    /// One page as JSON: `{total, rejects, next}`.
    Json,
    /// Every matching row as CSV with a header line.
    Csv,
    /// Every matching row as one JSON object per line.
    Ndjson,
}

/// One page of the log, as `--format json` prints it.
#[derive(Serialize)]
struct Page<'a> {
    /// Rows matching the filters (before the cursor too).
    total: u64,
    rejects: &'a [StoredRejection],
    /// The `--before` of the next page, when there is one.
    next: Option<i64>,
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let (_, repos) = wiring.storage_and_reads()?;
    let mut filter = RejectFilter {
        table: args.table,
        run: args.run,
        field: args.field,
        reason: args.reason,
        source: args.source,
        before: args.before,
        limit: PageLimit::DEFAULT,
    };
    let export = match args.format {
        RejectsFormat::Csv => Some(reject_export::ExportFormat::Csv),
        RejectsFormat::Ndjson => Some(reject_export::ExportFormat::Ndjson),
        RejectsFormat::Table | RejectsFormat::Json => None,
    };
    if let Some(format) = export {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        reject_export::export_rejects(
            repos.rejects.as_ref(),
            &filter,
            args.limit.map(|l| u64::from(l.get())),
            format,
            &mut out,
        )
        .context("cannot export the rejects")?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    filter.limit = args.limit.unwrap_or_default();
    let rejects = repos.rejects.list(&filter)?;
    let total = repos.rejects.count(&RejectFilter {
        before: None,
        ..filter.clone()
    })?;
    let next = match rejects.last() {
        Some(last) if rejects.len() == filter.limit.get() as usize => Some(last.id),
        _ => None,
    };
    if args.format == RejectsFormat::Json {
        output::print_json(&Page {
            total,
            rejects: &rejects,
            next,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", render(&rejects));
    println!("showing {} of {total} rejected rows", rejects.len());
    if let Some(next) = next {
        println!("next page: --before {next}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The page as a table.
fn render(rejects: &[StoredRejection]) -> comfy_table::Table {
    let rows = rejects
        .iter()
        .map(|r| {
            // The raw record's own line breaks are data: shown as `\n`. The reasons are one per
            // line of their cell.
            let reasons: Vec<String> = r
                .errors
                .iter()
                .map(|e| output::escape_controls(&e.to_string()).into_owned())
                .collect();
            vec![
                r.id.to_string(),
                r.run.map(|run| run.to_string()).unwrap_or_default(),
                r.table.to_string(),
                output::escape_controls(&r.source).into_owned(),
                output::escape_controls(&r.raw).into_owned(),
                reasons.join("\n"),
                r.recorded_at.clone(),
            ]
        })
        .collect();
    output::table(
        &[
            "id",
            "run",
            "table",
            "source",
            "raw record",
            "reasons",
            "recorded at",
        ],
        &[0, 1],
        rows,
    )
}
