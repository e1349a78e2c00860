//! `hiring backups prune` (also `hiring prune`): removes old backups, keeping the newest complete backup sets, through the
//! prune use case; renders what it removed.

use crate::audit;
use crate::backup::{human_size, Folder};
use crate::output::{self, Format};
use crate::wiring::Wiring;
use anyhow::bail;
use hiring_ports::audit::AuditAction;
use hiring_ports::backup::{prune, PrunePolicy, PruneSummary};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

/// Arguments of `hiring backups prune`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Complete backup sets to keep, newest first; at least 1 [default: backup.keep of the
    /// config]
    #[arg(long, value_name = "N")]
    keep: Option<u64>,

    /// Keep every set taken and file written within this age too (`30d`, `12h`), however many
    /// sets that makes [default: backup.older_than of the config]
    #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
    older_than: Option<Duration>,

    /// Only report what would be removed; remove nothing
    #[arg(long)]
    dry_run: bool,

    #[command(flatten)]
    folder: Folder,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Runs `hiring backups prune`.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let settings = wiring.settings();
    let Some(keep) = args.keep.or(settings.backup.keep) else {
        bail!("say how many backup sets to keep: --keep N, or backup.keep in the configuration");
    };
    let policy = PrunePolicy::new(keep, args.dry_run)?;
    let policy = match args.older_than.or(settings.backup.older_than) {
        Some(age) => policy.older_than(age, SystemTime::now()),
        None => policy,
    };
    let files = wiring.backup_folder(args.folder.dir.as_deref())?;
    // Pruning works on the folder only; the database only takes its audit entry.
    let started = Instant::now();
    let pruned = prune(&*files, policy);
    audit::record_in(wiring, AuditAction::Prune, &pruned, started);
    let summary = pruned?;
    match args.format {
        Format::Json => output::print_json(&summary)?,
        Format::Table => print_summary(
            &summary,
            &wiring.backup_location(args.folder.dir.as_deref()),
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what a prune removed and kept.
pub fn print_summary(summary: &PruneSummary, folder: &str) {
    let verb = if summary.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let rows: Vec<Vec<String>> = summary
        .removed_sets
        .iter()
        .map(|id| vec!["set".to_owned(), id.to_string()])
        .chain(
            summary
                .removed_files
                .iter()
                .map(|file| vec!["file".to_owned(), file.clone()]),
        )
        .collect();
    if !rows.is_empty() {
        println!("{}", output::table(&[verb, "name"], &[], rows));
    }
    let kept = summary
        .kept_sets
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{verb} {} backup sets and {} backup files ({}) from {folder}; kept {} backup sets{}{}",
        summary.sets_removed,
        summary.files_removed,
        human_size(summary.bytes_freed),
        summary.sets_kept,
        if kept.is_empty() { "" } else { ": " },
        kept
    );
    if summary.dry_run {
        println!("dry run: nothing was removed");
    }
}
