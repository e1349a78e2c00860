//! `hiring audit`: list the audit log; and the audit trail of the commands that write
//! (migrate, backup, restore), recorded as `cli:<user>`.

use crate::output::{self, Format};
use crate::wiring::Wiring;
use hiring_domain::Table;
use hiring_ports::audit::{self, AuditAction, AuditFilter, AuditLog, AuditOutcome};
use hiring_ports::audit_facts::{entries, AuditFact, AuditFacts};
use hiring_ports::PageLimit;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `hiring audit`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this action: ingest, upload, migrate, backup, restore or prune
    #[arg(long, value_parser = parse_action)]
    action: Option<AuditAction>,

    /// Only this actor: a token's name, or cli:<user> for the command line
    #[arg(long)]
    actor: Option<String>,

    /// Only entries about this table
    #[arg(long)]
    table: Option<Table>,

    /// Only entries older than this one (the id of the last entry of the previous page)
    #[arg(long, value_name = "ID")]
    before: Option<i64>,

    /// Show at most N entries, newest first (1 to 10000)
    #[arg(long, default_value_t = PageLimit::DEFAULT, value_name = "N")]
    limit: PageLimit,

    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

fn parse_action(text: &str) -> Result<AuditAction, String> {
    text.parse().map_err(|e: audit::UnknownName| e.to_string())
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let repos = wiring.storage()?;
    let filter = AuditFilter {
        action: args.action,
        actor: args.actor,
        table: args.table,
        before: args.before,
        limit: args.limit,
    };
    let listed = repos.audit.list(&filter)?;
    match args.format {
        Format::Json => output::print_json(&listed)?,
        Format::Table => {
            let rows = listed
                .iter()
                .map(|e| {
                    vec![
                        e.id.to_string(),
                        e.recorded_at.clone(),
                        output::escape_controls(&e.actor).into_owned(),
                        e.action.to_string(),
                        e.table.map_or_else(String::new, |t| t.to_string()),
                        e.rows.to_string(),
                        e.outcome.to_string(),
                        output::escape_controls(&e.detail).into_owned(),
                    ]
                })
                .collect();
            let header = [
                "id",
                "recorded at",
                "actor",
                "action",
                "table",
                "rows",
                "outcome",
                "detail",
            ];
            println!("{}", output::table(&header, &[0, 5], rows));
            println!("showing {} entries, newest first", listed.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records what one command did, as `cli:<user>`.
pub struct Trail<'a> {
    log: &'a dyn AuditLog,
    actor: String,
    action: AuditAction,
}

impl<'a> Trail<'a> {
    /// The trail of `action` in `log`, by the user running the command.
    pub fn new(log: &'a dyn AuditLog, action: AuditAction) -> Self {
        Self {
            log,
            actor: actor(),
            action,
        }
    }

    /// Records the result of the part of the command that started at `started`: what it did,
    /// or, when it failed, what it still committed and why it failed. A table named by
    /// `table` is given to a failure that names none.
    pub fn record<T: AuditFacts, E: std::fmt::Display + MaybeFacts>(
        &self,
        table: Option<Table>,
        result: &Result<T, E>,
        started: Instant,
    ) {
        match result {
            Ok(done) => self.store(AuditOutcome::Succeeded, &done.audit_facts(), started),
            Err(error) => self.failed(table, error, started),
        }
    }

    /// Records that the part of the command that started at `started` failed with `error`,
    /// with what it still committed. A table named by `table` is given to a failure that names
    /// none.
    pub fn failed<E: std::fmt::Display + MaybeFacts>(
        &self,
        table: Option<Table>,
        error: &E,
        started: Instant,
    ) {
        let mut facts = error.facts();
        if facts.is_empty() {
            facts.push(AuditFact {
                table,
                rows: 0,
                detail: error.to_string(),
            });
        }
        self.store(AuditOutcome::Failed, &facts, started);
    }

    fn store(&self, outcome: AuditOutcome, facts: &[AuditFact], started: Instant) {
        for entry in entries(
            &self.actor,
            self.action,
            outcome,
            facts,
            None,
            started.elapsed(),
        ) {
            // A failure to store is traced at ERROR with the whole entry by `record`.
            let _ = audit::record(self.log, &entry);
        }
    }
}

/// Records what a command that needs no database otherwise did (pruning the backup folder) in
/// the audit log of the database `wiring` names. When that database cannot be opened, the
/// entry is traced at ERROR with the reason, and the command's result stands.
pub fn record_in<T: AuditFacts, E: std::fmt::Display + MaybeFacts>(
    wiring: &Wiring,
    action: AuditAction,
    result: &Result<T, E>,
    started: Instant,
) {
    match wiring.storage() {
        Ok(repos) => Trail::new(&*repos.audit, action).record(None, result, started),
        Err(error) => tracing::error!(
            target: "hiring::audit",
            actor = actor(),
            action = action.name(),
            outcome = if result.is_ok() { "succeeded" } else { "failed" },
            %error,
            "the audit entry could not be stored: the database cannot be opened"
        ),
    }
}

/// An error that may say what its command committed before failing.
pub trait MaybeFacts {
    /// What was committed, if anything is known.
    fn facts(&self) -> Vec<AuditFact> {
        Vec::new()
    }
}

impl MaybeFacts for hiring_ports::migrate::LoadError {
    fn facts(&self) -> Vec<AuditFact> {
        self.audit_facts()
    }
}

impl MaybeFacts for hiring_ports::backup::RestoreError {}
impl MaybeFacts for hiring_ports::backup::BackupRunError {}
impl MaybeFacts for hiring_ports::backup::PruneError {}

/// The actor of the command line: `cli:` and the user's login name (`$USER`, `$LOGNAME`, or
/// `unknown`).
pub fn actor() -> String {
    let user = ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    format!("cli:{user}")
}
