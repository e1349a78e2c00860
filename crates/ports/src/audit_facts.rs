//! What each action tells the audit log about the tables it touched: one [`AuditFact`] per
//! table, turned into entries by [`entries`].

use crate::audit::{AuditAction, AuditEntry, AuditOutcome};
use crate::backup::{BackupSummary, PruneSummary, RestoreSummary, RetainedBackup};
use crate::ingest::IngestReport;
use crate::migrate::{LoadError, TableSummary};
use hiring_domain::Table;
use std::time::Duration;

/// What an action did to one table (or, without a table, to none in particular).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFact {
    /// The table.
    pub table: Option<Table>,
    /// The rows stored, written or restored.
    pub rows: u64,
    /// What else to know.
    pub detail: String,
}

/// A result that can say what it did, per table, for the audit log.
pub trait AuditFacts {
    /// One fact per table touched.
    fn audit_facts(&self) -> Vec<AuditFact>;
}

impl AuditFacts for IngestReport {
    fn audit_facts(&self) -> Vec<AuditFact> {
        vec![AuditFact {
            table: Some(self.table),
            rows: self.inserted,
            detail: format!(
                "{} received, {} inserted, {} rejected",
                self.received,
                self.inserted,
                self.rejected.len()
            ),
        }]
    }
}

impl AuditFacts for TableSummary {
    fn audit_facts(&self) -> Vec<AuditFact> {
        let mut detail = format!(
            "{}: {} read, {} inserted, {} already stored, {} rejected",
            self.source, self.read, self.inserted, self.already_present, self.rejected
        );
        if self.stopped_early {
            detail.push_str("; stopped at the reject limit");
        }
        if self.dry_run {
            detail.push_str("; dry run, nothing written");
        }
        vec![AuditFact {
            table: Some(self.table),
            rows: self.inserted,
            detail,
        }]
    }
}

impl AuditFacts for BackupSummary {
    fn audit_facts(&self) -> Vec<AuditFact> {
        self.files
            .iter()
            .map(|file| AuditFact {
                table: Some(file.table),
                rows: file.rows.unwrap_or(0),
                detail: format!("set {}: {} ({} bytes)", self.set, file.file, file.size),
            })
            .collect()
    }
}

impl AuditFacts for RestoreSummary {
    fn audit_facts(&self) -> Vec<AuditFact> {
        self.tables
            .iter()
            .map(|restored| AuditFact {
                table: Some(restored.table),
                rows: restored.rows,
                detail: match &self.set {
                    Some(set) => format!("from {} (set {set})", restored.file),
                    None => format!("from {}", restored.file),
                },
            })
            .collect()
    }
}

/// A backup's files, then what the keep policy pruned after it (or why that failed).
impl AuditFacts for RetainedBackup {
    fn audit_facts(&self) -> Vec<AuditFact> {
        let mut facts = self.backup.audit_facts();
        if let Some(pruned) = &self.pruned {
            facts.extend(pruned.audit_facts());
        }
        if let Some(error) = &self.prune_error {
            facts.push(AuditFact {
                table: None,
                rows: 0,
                detail: format!("prune after the backup failed: {error}"),
            });
        }
        facts
    }
}

/// Pruning touches no table: one fact without one, with what went.
impl AuditFacts for PruneSummary {
    fn audit_facts(&self) -> Vec<AuditFact> {
        let (verb, note) = if self.dry_run {
            ("would remove", "; dry run, nothing removed")
        } else {
            ("removed", "")
        };
        let age = self
            .older_than_seconds
            .map_or_else(String::new, |s| format!(" older than {s} s"));
        vec![AuditFact {
            table: None,
            rows: 0,
            detail: format!(
                "keep {}{age}: kept {} sets, {verb} {} sets and {} files ({} bytes){note}",
                self.keep, self.sets_kept, self.sets_removed, self.files_removed, self.bytes_freed
            ),
        }]
    }
}

/// A load that failed midway still committed its earlier batches: they are its fact.
impl AuditFacts for LoadError {
    fn audit_facts(&self) -> Vec<AuditFact> {
        let (summary, reason) = match self {
            Self::Interrupted { summary, message } => (summary, message.clone()),
            Self::Storage { summary, error } => (summary, error.to_string()),
            Self::Cancelled { summary } => (summary, "asked to".to_owned()),
            Self::NotCsv { .. } | Self::Read { .. } => return Vec::new(),
        };
        vec![AuditFact {
            table: Some(summary.table),
            rows: summary.inserted,
            detail: format!(
                "{}: stopped ({reason}); {} rows committed before stay stored",
                summary.source, summary.inserted
            ),
        }]
    }
}

/// The entries of one action by `actor` that ended with `outcome`: one per fact, or one
/// without a table when there is none. Each carries the request id, if any, and the time the
/// whole action took.
pub fn entries(
    actor: &str,
    action: AuditAction,
    outcome: AuditOutcome,
    facts: &[AuditFact],
    request_id: Option<&str>,
    took: Duration,
) -> Vec<AuditEntry> {
    let entry = |fact: Option<&AuditFact>| {
        let mut entry = AuditEntry::new(actor, action, outcome).took(took);
        if let Some(fact) = fact {
            if let Some(table) = fact.table {
                entry = entry.table(table);
            }
            entry = entry.rows(fact.rows).detail(&fact.detail);
        }
        if let Some(id) = request_id {
            entry = entry.request_id(id);
        }
        entry
    };
    if facts.is_empty() {
        vec![entry(None)]
    } else {
        facts.iter().map(|f| entry(Some(f))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> TableSummary {
        TableSummary {
            table: Table::Jobs,
            source: "jobs.csv".into(),
            read: 10,
            inserted: 7,
            already_present: 1,
            rejected: 2,
            elapsed: Duration::from_secs(1),
            stopped_early: true,
            dry_run: false,
            reasons: Vec::new(),
            run: None,
            stages: crate::StageTimes::default(),
            header_skipped: false,
        }
    }

    #[test]
    fn a_load_says_what_it_read_stored_and_rejected() {
        assert_eq!(
            summary().audit_facts(),
            vec![AuditFact {
                table: Some(Table::Jobs),
                rows: 7,
                detail: "jobs.csv: 10 read, 7 inserted, 1 already stored, 2 rejected; stopped at the reject limit".into(),
            }]
        );
    }

    #[test]
    fn a_failed_load_counts_what_it_committed() {
        let error = LoadError::Storage {
            summary: Box::new(summary()),
            error: crate::RepoError::Unavailable("gone".into()),
        };
        let facts = error.audit_facts();
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].rows, 7);
        assert!(
            facts[0]
                .detail
                .contains("7 rows committed before stay stored"),
            "{}",
            facts[0].detail
        );
        let unread = LoadError::Read {
            source_name: "x".into(),
            message: "gone".into(),
        };
        assert!(unread.audit_facts().is_empty());
    }

    #[test]
    fn one_entry_per_fact_or_one_without_a_table() {
        let facts = [
            AuditFact {
                table: Some(Table::Departments),
                rows: 3,
                detail: "a".into(),
            },
            AuditFact {
                table: Some(Table::Jobs),
                rows: 4,
                detail: "b".into(),
            },
        ];
        let took = Duration::from_millis(12);
        let made = entries(
            "ops",
            AuditAction::Backup,
            AuditOutcome::Succeeded,
            &facts,
            Some("req-1"),
            took,
        );
        assert_eq!(made.len(), 2);
        assert_eq!(made[1].table_name(), Some(Table::Jobs));
        assert_eq!(made[1].row_count(), 4);
        assert_eq!(made[1].request(), Some("req-1"));
        assert_eq!(made[1].duration_ms(), 12);
        let none = entries(
            "ops",
            AuditAction::Restore,
            AuditOutcome::Failed,
            &[],
            None,
            took,
        );
        assert_eq!(none.len(), 1);
        assert_eq!(none[0].table_name(), None);
        assert_eq!(none[0].row_count(), 0);
    }
}
