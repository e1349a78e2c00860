//! `hiring migrate`: open the files, run the migration use case, render the summary.

use crate::audit::Trail;
use crate::migrate_input::{self, Input, Planned};
use crate::output::{self, Format};
use crate::progress::LoadProgress;
use crate::settings::Settings;
use crate::wiring::Wiring;
use anyhow::Context;
use hiring_domain::Table;
use hiring_ports::audit::AuditAction;
use hiring_ports::migrate::{LoadError, LoadOptions, Progress, TableSummary};
use hiring_ports::migrate_run::{RunEnd, RunHooks, Source};
use hiring_ports::runs::{self, NewRun, RunKind};
use hiring_ports::Cancel;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `hiring migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding departments.csv, jobs.csv and hired_employees.csv (each may also be
    /// .csv.gz, .csv.zst, or a folder of such files named after the table, loaded in name
    /// order) [default: migrate.dir of the config, csv_files]
    #[arg(long, conflicts_with = "file")]
    dir: Option<PathBuf>,

    /// Load only this table (with --file)
    #[arg(long, requires = "file")]
    table: Option<Table>,

    /// A CSV file to load into --table (.csv.gz and .csv.zst are decoded), a quoted glob
    /// ('hired_employees*.csv', loaded in name order), or - for standard input; repeatable
    #[arg(long, requires = "table", value_name = "FILE")]
    file: Vec<PathBuf>,

    /// Stop with exit code 3 once more than N rows were rejected (batches already committed stay)
    #[arg(long, value_name = "N")]
    max_rejects: Option<u64>,

    /// Validate and check against the database without writing anything
    #[arg(long)]
    dry_run: bool,

    /// Write batch by batch, each committed on its own, so readers of the table are never
    /// blocked (by default each table is loaded in one transaction on the database's bulk path,
    /// which on PostgreSQL locks the table until it commits)
    #[arg(long)]
    no_bulk: bool,

    /// Rows per transaction [default: migrate.batch_size of the config, 10000]
    #[arg(long, value_name = "ROWS", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    batch_size: Option<u64>,

    /// Output format of the summary
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Exit code when the load stopped because more rows than `--max-rejects` were rejected.
const EXIT_TOO_MANY_REJECTS: u8 = 3;

/// Exit code when the load was stopped with Ctrl-C (128 + SIGINT, as a shell reports it).
const EXIT_INTERRUPTED: u8 = 130;

/// A flag the first Ctrl-C raises: the load stops before its next batch, keeps what it
/// committed and says so. A second Ctrl-C ends the process at once (a bulk load's open
/// transaction is then rolled back by the database).
fn stop_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let flag = cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if flag.is_cancelled() {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        flag.cancel();
        eprintln!("stopping after the current batch (Ctrl-C again to quit at once)");
    });
    if let Err(error) = installed {
        tracing::debug!(%error, "Ctrl-C is not caught: it ends the load at once");
    }
    cancel
}

/// The files of a run, as its history shows them.
fn described(files: &[Planned]) -> String {
    files
        .iter()
        .map(Planned::shown)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let settings = wiring.settings();
    let files = files_to_load(&args, settings)?;
    let repos = wiring.storage()?;
    tracing::info!(database = %repos.description, dry_run = args.dry_run, "migration started");
    let options = LoadOptions {
        batch_size: args
            .batch_size
            .map_or(settings.migrate.batch_size, |n| n as usize),
        max_rejects: args.max_rejects,
        dry_run: args.dry_run,
        bulk: !args.no_bulk,
        cancel: stop_on_ctrl_c(),
    };
    let trail = Trail::new(&*repos.audit, AuditAction::Migrate);
    let sources = open_all(&files, &trail)?;
    let run = NewRun::new(RunKind::Migrate, &crate::audit::actor(), &described(&files));
    let report = runs::load_as_run(&repos, options, &run, sources, &Hooks { trail: &trail })?;
    let stopped = matches!(report.end, RunEnd::RejectLimit);
    let mut summaries = report.summaries;
    let failure = match report.end {
        RunEnd::Failed {
            error: LoadError::Storage { summary, error },
            ..
        } => {
            let context = format!(
                "loading {} failed; {}",
                path_of(&files, &summary),
                kept(&summary)
            );
            summaries.push(*summary);
            Some(anyhow::Error::new(error).context(context))
        }
        RunEnd::Failed {
            error: LoadError::Cancelled { summary },
            ..
        } => {
            let note = format!(
                "stopped on request while loading {}; {}",
                summary.source,
                kept(&summary)
            );
            summaries.push(*summary);
            render(&summaries, args.format, &repos.description)?;
            eprintln!("{note}");
            return Ok(ExitCode::from(EXIT_INTERRUPTED));
        }
        RunEnd::Failed { error, .. } => Some(anyhow::Error::new(error)),
        RunEnd::Completed | RunEnd::RejectLimit => None,
    };
    render(&summaries, args.format, &repos.description)?;
    if let Some(error) = failure {
        return Err(error);
    }
    if let (Some(run), Format::Table) = (report.run, args.format) {
        println!(
            "run {run}: `hiring runs` lists the history, `hiring rejects --run {run}` its rejects"
        );
    }
    if stopped {
        eprintln!(
            "stopped: more than {} rows were rejected; batches committed before the limit stay stored",
            args.max_rejects.unwrap_or_default()
        );
        return Ok(ExitCode::from(EXIT_TOO_MANY_REJECTS));
    }
    if report.rejected > 0 && !args.dry_run {
        eprintln!(
            "{} rows were rejected and logged; list them with `hiring rejects`",
            report.rejected
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// One line of the summary table, its first column `label`.
fn summary_row(label: &str, s: &TableSummary) -> Vec<String> {
    vec![
        label.to_owned(),
        s.source.clone(),
        s.read.to_string(),
        s.inserted.to_string(),
        s.already_present.to_string(),
        s.rejected.to_string(),
        format!("{:.2}", s.elapsed.as_secs_f64()),
        format!("{:.0}", s.rows_per_second()),
    ]
}

/// The time the loads spent per stage, summed over the files (stages that took no time are
/// left out), or `None` when nothing was loaded.
fn stage_line(summaries: &[TableSummary]) -> Option<String> {
    let mut stages = hiring_ports::StageTimes::default();
    for s in summaries {
        stages.add_all(&s.stages);
    }
    let spent: Vec<String> = stages
        .iter()
        .filter(|(_, time)| !time.is_zero())
        .map(|(stage, time)| {
            format!(
                "{} {:.2} s",
                stage.name().replace('_', " "),
                time.as_secs_f64()
            )
        })
        .collect();
    (!spent.is_empty()).then(|| format!("time by stage: {}", spent.join(", ")))
}

/// The totals of a run of several files, as one more summary.
fn total_of(summaries: &[TableSummary]) -> Option<TableSummary> {
    let (first, rest) = summaries
        .split_first()
        .filter(|(_, rest)| !rest.is_empty())?;
    let mut total = first.clone();
    total.source = String::new();
    for s in rest {
        total.read += s.read;
        total.inserted += s.inserted;
        total.already_present += s.already_present;
        total.rejected += s.rejected;
        total.elapsed += s.elapsed;
        total.stages.add_all(&s.stages);
    }
    Some(total)
}

/// The rejects by table, field and reason, with a few examples each: what a load shows instead
/// of a line per rejected row (`-vv` logs each; `hiring rejects` lists them).
fn print_reasons(summaries: &[TableSummary]) {
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .flat_map(|s| {
            s.reasons.iter().map(move |r| {
                vec![
                    s.table.to_string(),
                    r.field.clone(),
                    r.reason.clone(),
                    r.rows.to_string(),
                    r.examples.join(", "),
                ]
            })
        })
        .collect();
    if !rows.is_empty() {
        println!("rejects by reason:");
        println!(
            "{}",
            output::table(
                &["table", "field", "reason", "rows", "for example"],
                &[3],
                rows
            )
        );
    }
}

/// The path of the file `summary` is of among `files`, as shown in messages.
fn path_of(files: &[Planned], summary: &TableSummary) -> String {
    files
        .iter()
        .find(|p| p.table == summary.table && p.name == summary.source)
        .map_or_else(|| summary.source.clone(), Planned::shown)
}

/// What a failed load left stored of its file, from its summary (which counts only what was
/// committed: nothing at all after a bulk load, which is one transaction).
fn kept(summary: &TableSummary) -> String {
    if summary.inserted == 0 && summary.rejected == 0 {
        "nothing of it was stored; a rerun loads it".to_owned()
    } else {
        format!(
            "the {} rows and {} rejects committed before the failure stay stored; a rerun \
             completes the load",
            summary.inserted, summary.rejected
        )
    }
}

/// The files to load, parents' tables first, all checked to exist before anything is loaded.
fn files_to_load(args: &Args, settings: &Settings) -> anyhow::Result<Vec<Planned>> {
    match args.table {
        Some(table) if !args.file.is_empty() => migrate_input::of_files(table, &args.file),
        _ => migrate_input::in_folder(args.dir.as_deref().unwrap_or(&settings.migrate.dir)),
    }
}

/// Opens every file before anything is loaded. A file that cannot be opened fails the command
/// (recorded in the audit trail) with nothing loaded.
fn open_all(files: &[Planned], trail: &Trail<'_>) -> anyhow::Result<Vec<Source<Input>>> {
    let mut sources = Vec::with_capacity(files.len());
    for planned in files {
        let started = Instant::now();
        let input = migrate_input::open(planned).map_err(|e| LoadError::Read {
            source_name: planned.shown(),
            message: e.to_string(),
        });
        match input {
            Ok(input) => sources.push(Source::new(planned.table, planned.name.clone(), input)),
            Err(error) => {
                trail.failed(Some(planned.table), &error, started);
                return Err(error.into());
            }
        }
    }
    Ok(sources)
}

/// A progress bar per file while it loads, and its audit entry once it ended.
struct Hooks<'a> {
    trail: &'a Trail<'a>,
}

impl RunHooks<Input> for Hooks<'_> {
    fn started(&self, source: &Source<Input>) -> Box<dyn Progress + '_> {
        Box::new(LoadProgress::new(&source.name, source.input.size()))
    }

    fn finished(&self, table: Table, loaded: &Result<TableSummary, LoadError>, started: Instant) {
        self.trail.record(Some(table), loaded, started);
    }
}

fn render(summaries: &[TableSummary], format: Format, database: &str) -> anyhow::Result<()> {
    match format {
        Format::Json => output::print_json(&summaries),
        Format::Table => {
            let mut rows: Vec<Vec<String>> = summaries
                .iter()
                .map(|s| summary_row(s.table.name(), s))
                .collect();
            if let Some(total) = total_of(summaries) {
                rows.push(summary_row("total", &total));
            }
            let header = [
                "table",
                "source",
                "read",
                "inserted",
                "already present",
                "rejected",
                "seconds",
                "rows/s",
            ];
            println!("{}", output::table(&header, &[2, 3, 4, 5, 6, 7], rows));
            if let Some(line) = stage_line(summaries) {
                println!("{line}");
            }
            print_reasons(summaries);
            for s in summaries.iter().filter(|s| s.header_skipped) {
                println!(
                    "{}: header line skipped",
                    output::escape_controls(&s.source)
                );
            }
            let dry = summaries.first().is_some_and(|s| s.dry_run);
            let database = output::escape_controls(database);
            if dry {
                println!("dry run: nothing was written to {database}");
            } else {
                println!("database: {database}");
            }
            Ok(())
        }
    }
    .context("cannot print the summary")
}
