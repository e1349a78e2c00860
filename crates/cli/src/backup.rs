//! `hiring backup`, `hiring backups` and `hiring restore`: wire the storage and the backup folder,
//! call the backup use cases, render their results.

use crate::audit::Trail;
use crate::output::{self, Format};
use crate::progress::TransferBar;
use crate::wiring::Wiring;
use anyhow::bail;
use hiring_domain::Table;
use hiring_ports::audit::AuditAction;
use hiring_ports::backup::{Backups, RestoreSource, RestoreSummary};
use hiring_ports::{BackupInfo, Codec, SetId, SetStatus};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

/// The backup folder argument shared by the backup commands.
#[derive(Debug, clap::Args)]
pub struct Folder {
    /// Folder of the backups (one sub-folder per table) [default: backup.dir of the config,
    /// avro_files]
    #[arg(long, env = "HIRING_BACKUP_DIR", hide_env_values = true)]
    pub(crate) dir: Option<PathBuf>,
}

/// Arguments of `hiring backup`.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Tables to back up [default: all three], from one consistent snapshot
    #[arg(value_name = "TABLE")]
    tables: Vec<Table>,

    #[command(flatten)]
    folder: Folder,

    /// Block compression
    #[arg(long, default_value = "null", value_parser = codec_parser())]
    codec: Codec,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Arguments of `hiring backups`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    folder: Folder,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Arguments of `hiring restore`.
#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The table to restore
    #[arg(
        value_name = "TABLE",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    table: Option<Table>,

    /// Restore every table of one backup set (the newest holding every table, or --set),
    /// parents first, in one transaction, after checking every file against its manifest
    #[arg(long)]
    all: bool,

    /// The backup set to restore with --all, as `hiring backups` lists it
    #[arg(long, value_name = "ID", requires = "all", value_parser = parse_set)]
    set: Option<SetId>,

    /// The backup file to restore [default: the newest backup of the table]
    #[arg(long, value_name = "PATH", conflicts_with = "all")]
    file: Option<PathBuf>,

    #[command(flatten)]
    folder: Folder,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// A codec as people read it: `null` (the Avro name) is "none".
fn codec_label(codec: &str) -> &str {
    if codec == Codec::Null.name() {
        "none"
    } else {
        codec
    }
}

/// The codecs, listed with what they do in `backup --help`.
fn codec_parser() -> impl clap::builder::TypedValueParser<Value = Codec> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("null").help("No compression: the fastest to write and read"),
        PossibleValue::new("deflate").help("Deflate: smaller, slower"),
        PossibleValue::new("snappy").help("Snappy: fast, lightly compressed"),
        PossibleValue::new("zstandard").help("Zstandard: small and fast to read"),
    ])
    .try_map(|name| name.parse::<Codec>())
}

fn parse_set(text: &str) -> Result<SetId, String> {
    text.parse()
}

/// Runs `hiring backup`.
pub fn backup(args: BackupArgs, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let (storage, reads) = wiring.storage_and_reads()?;
    let files = wiring.backup_folder(args.folder.dir.as_deref())?;
    let started = Instant::now();
    let progress = TransferBar::new("backing up");
    let retention = wiring.settings().backup.retention(false)?;
    let backed_up = Backups::new(&*reads.bulk, &*files)
        .with_progress(&progress)
        .backup_retained(&args.tables, args.codec, &retention, SystemTime::now());
    drop(progress);
    Trail::new(&*storage.audit, AuditAction::Backup).record(None, &backed_up, started);
    let retained = backed_up?;
    let summary = &retained.backup;
    match args.format {
        Format::Json => output::print_json(&retained)?,
        Format::Table => {
            print_files(&summary.files);
            let rows: u64 = summary.files.iter().filter_map(|f| f.rows).sum();
            println!(
                "backed up {rows} rows of {} from {} in {:.2} s: backup set {}",
                tables_of(summary.files.iter().map(|f| f.table)),
                output::escape_controls(&storage.description),
                summary.seconds,
                summary.set
            );
            if !summary.removed_temporaries.is_empty() {
                println!(
                    "removed {} temporary files of interrupted backups",
                    summary.removed_temporaries.len()
                );
            }
            if let Some(pruned) = &retained.pruned {
                println!("pruning by backup.keep = {}:", pruned.keep);
                let folder = wiring.backup_location(args.folder.dir.as_deref());
                crate::prune::print_summary(pruned, &folder);
            }
            if let Some(error) = &retained.prune_error {
                eprintln!(
                    "warning: the backup is complete, but pruning by backup.keep failed: {}",
                    output::escape_controls(error)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `hiring backups`.
pub fn list(args: ListArgs, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let files = wiring.backup_folder(args.folder.dir.as_deref())?;
    // Listing reads the folder only: no database is opened.
    let listed = hiring_ports::backup::listing(&*files)?;
    match args.format {
        Format::Json => output::print_json(&listed)?,
        Format::Table => {
            print_sets(&listed.sets);
            print_files(&listed.files);
            println!(
                "{} backup sets, {} backup files in {}",
                listed.sets.len(),
                listed.files.len(),
                wiring.backup_location(args.folder.dir.as_deref())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `hiring restore`.
pub fn restore(args: RestoreArgs, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let files = wiring.backup_folder(args.folder.dir.as_deref())?;
    let plan = match (args.all, args.table, args.file) {
        (true, _, _) => None,
        (false, Some(table), Some(path)) => Some(vec![(table, RestoreSource::Path(path))]),
        (false, Some(table), None) => Some(vec![(table, RestoreSource::Newest)]),
        (false, None, _) => bail!("name a TABLE to restore, or --all"),
    };
    let storage = wiring.storage()?;
    let progress = TransferBar::new("restoring");
    let backups = Backups::new(&*storage.bulk, &*files).with_progress(&progress);
    let started = Instant::now();
    let restored = match plan {
        Some(plan) => backups.restore(&plan),
        None => backups.restore_set(args.set.as_ref()),
    };
    drop(progress);
    Trail::new(&*storage.audit, AuditAction::Restore).record(args.table, &restored, started);
    let summary = restored?;
    match args.format {
        Format::Json => output::print_json(&summary)?,
        Format::Table => print_restore(&summary, &output::escape_controls(&storage.description)),
    }
    Ok(ExitCode::SUCCESS)
}

fn tables_of(tables: impl Iterator<Item = Table>) -> String {
    tables.map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

fn print_files(files: &[BackupInfo]) {
    let rows = files
        .iter()
        .map(|f| {
            vec![
                f.table.to_string(),
                f.file.clone(),
                f.rows.map_or_else(|| "?".into(), |n| n.to_string()),
                human_size(f.size),
                f.created_at.clone().unwrap_or_else(|| "?".into()),
                codec_label(&f.codec).to_owned(),
            ]
        })
        .collect();
    println!(
        "{}",
        output::table(
            &["table", "file", "rows", "size", "created", "codec"],
            &[2, 3],
            rows
        )
    );
}

fn print_sets(sets: &[SetStatus]) {
    let rows = sets
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.created_at.clone().unwrap_or_else(|| "?".into()),
                if s.complete { "yes" } else { "no" }.into(),
                tables_of(s.tables.iter().copied()),
                s.rows.to_string(),
                human_size(s.bytes),
                s.problem.clone().unwrap_or_default(),
            ]
        })
        .collect();
    println!(
        "{}",
        output::table(
            &["set", "created", "complete", "tables", "rows", "size", "problem"],
            &[4, 5],
            rows
        )
    );
}

fn print_restore(summary: &RestoreSummary, database: &str) {
    let rows = summary
        .tables
        .iter()
        .map(|t| vec![t.table.to_string(), t.file.clone(), t.rows.to_string()])
        .collect();
    println!(
        "{}",
        output::table(&["table", "restored from", "rows"], &[2], rows)
    );
    let from = summary
        .set
        .as_ref()
        .map(|set| format!(" from backup set {set}"))
        .unwrap_or_default();
    println!(
        "restored {}{from} into {database} in one transaction in {:.2} s",
        tables_of(summary.tables.iter().map(|t| t.table)),
        summary.seconds
    );
}

/// `1234567` as `1.2 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }
}
