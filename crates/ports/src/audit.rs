//! The audit log: who changed the stored data or its backups, how, and how it ended. Every
//! ingest, upload, migrate, backup, restore and prune is one entry per table it touched (or one
//! without a table when it failed before reaching one), stored by an [`AuditLog`] and traced
//! (target `hiring::audit`) by [`record`], so that an entry the store cannot take still reaches
//! the logs.

use crate::RepoError;
use hiring_domain::Table;
use serde::Serialize;
use std::time::Duration;

/// Longest actor name kept, in characters.
pub const MAX_ACTOR_CHARS: usize = 200;

/// Longest detail kept, in characters (a longer one is cut and ends with `…`).
pub const MAX_DETAIL_CHARS: usize = 1000;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A batch of rows posted to the API.
    Ingest,
    /// A CSV file uploaded to the API.
    Upload,
    /// CSV files loaded by `hiring migrate`.
    Migrate,
    /// Tables written to backup files.
    Backup,
    /// Tables replaced from backup files.
    Restore,
    /// Old backups removed.
    Prune,
}

impl AuditAction {
    /// Every action, in the order above.
    pub const ALL: [Self; 6] = [
        Self::Ingest,
        Self::Upload,
        Self::Migrate,
        Self::Backup,
        Self::Restore,
        Self::Prune,
    ];

    /// The action's name (`ingest`, `upload`, ...), as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ingest => "ingest",
            Self::Upload => "upload",
            Self::Migrate => "migrate",
            Self::Backup => "backup",
            Self::Restore => "restore",
            Self::Prune => "prune",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A text that names no [`AuditAction`] or [`AuditOutcome`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {found:?}: expected one of {expected}")]
pub struct UnknownName {
    kind: &'static str,
    found: String,
    expected: String,
}

impl UnknownName {
    /// `found` names no `kind`; `expected` lists the names that do.
    pub(crate) fn new(kind: &'static str, found: &str, expected: String) -> Self {
        Self {
            kind,
            found: found.to_owned(),
            expected,
        }
    }
}

impl std::str::FromStr for AuditAction {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| UnknownName {
                kind: "action",
                found: s.to_owned(),
                expected: Self::ALL.map(Self::name).join(", "),
            })
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Done (for a load, some rows may still have been rejected: see the detail).
    Succeeded,
    /// Tried and failed; what was already stored is unchanged.
    Failed,
    /// Not allowed: the caller's role is too small. Nothing was tried.
    Refused,
}

impl AuditOutcome {
    /// Every outcome, in the order above.
    pub const ALL: [Self; 3] = [Self::Succeeded, Self::Failed, Self::Refused];

    /// The outcome's name (`succeeded`, `failed`, `refused`), as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }
}

impl std::fmt::Display for AuditOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for AuditOutcome {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| UnknownName {
                kind: "outcome",
                found: s.to_owned(),
                expected: Self::ALL.map(Self::name).join(", "),
            })
    }
}

/// One entry to record: built with [`AuditEntry::new`] and the setters, which bound its texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    actor: String,
    action: AuditAction,
    outcome: AuditOutcome,
    table: Option<Table>,
    rows: u64,
    detail: String,
    request_id: Option<String>,
    duration: Duration,
}

impl AuditEntry {
    /// `actor` (a token's name, `cli:<user>`) did `action`, which ended with `outcome`; no
    /// table, no rows, no detail yet. An actor longer than [`MAX_ACTOR_CHARS`] is cut.
    pub fn new(actor: &str, action: AuditAction, outcome: AuditOutcome) -> Self {
        Self {
            actor: bounded(actor, MAX_ACTOR_CHARS),
            action,
            outcome,
            table: None,
            rows: 0,
            detail: String::new(),
            request_id: None,
            duration: Duration::ZERO,
        }
    }

    /// The table it touched.
    #[must_use]
    pub fn table(mut self, table: Table) -> Self {
        self.table = Some(table);
        self
    }

    /// The rows it stored, wrote or restored.
    #[must_use]
    pub fn rows(mut self, rows: u64) -> Self {
        self.rows = rows;
        self
    }

    /// What else to know (rejects, the file, the error), cut past [`MAX_DETAIL_CHARS`].
    #[must_use]
    pub fn detail(mut self, detail: &str) -> Self {
        self.detail = bounded(detail, MAX_DETAIL_CHARS);
        self
    }

    /// The HTTP request it answered.
    #[must_use]
    pub fn request_id(mut self, id: &str) -> Self {
        self.request_id = Some(bounded(id, MAX_ACTOR_CHARS));
        self
    }

    /// How long it took.
    #[must_use]
    pub fn took(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }

    /// Who did it.
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// What was done.
    pub fn action(&self) -> AuditAction {
        self.action
    }

    /// How it ended.
    pub fn outcome(&self) -> AuditOutcome {
        self.outcome
    }

    /// The table it touched, if any.
    pub fn table_name(&self) -> Option<Table> {
        self.table
    }

    /// The rows it stored, wrote or restored.
    pub fn row_count(&self) -> u64 {
        self.rows
    }

    /// What else to know.
    pub fn detail_text(&self) -> &str {
        &self.detail
    }

    /// The HTTP request it answered, if any.
    pub fn request(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long it took, in whole milliseconds.
    pub fn duration_ms(&self) -> u64 {
        u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX)
    }
}

/// `text` cut to at most `max` characters, the last one `…` when cut.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep: String = text.chars().take(max.saturating_sub(1)).collect();
            keep + "…"
        }
    }
}

/// An entry as kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAuditEntry {
    /// Position in the log (increasing).
    pub id: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub recorded_at: String,
    /// Who did it.
    pub actor: String,
    /// What was done.
    pub action: AuditAction,
    /// The table it touched, if any.
    pub table: Option<Table>,
    /// The rows it stored, wrote or restored.
    pub rows: u64,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// What else to know.
    pub detail: String,
    /// The HTTP request it answered, if any.
    pub request_id: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// Which entries to list: the newest `limit` matching every filter given, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only this table.
    pub table: Option<Table>,
    /// Only entries older than this position (the next page after an entry).
    pub before: Option<i64>,
    /// At most this many.
    pub limit: crate::PageLimit,
}

impl AuditFilter {
    /// The newest `limit` entries, whatever they are.
    pub fn newest(limit: crate::PageLimit) -> Self {
        Self {
            action: None,
            actor: None,
            table: None,
            before: None,
            limit,
        }
    }
}

/// Where audit entries are kept.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait AuditLog: Send + Sync {
    /// Stores `entry`, stamped with the time now; returns its position.
    fn append(&self, entry: &AuditEntry) -> Result<i64, RepoError>;

    /// The newest entries matching `filter`, newest first.
    fn list(&self, filter: &AuditFilter) -> Result<Vec<StoredAuditEntry>, RepoError>;
}

/// Records `entry`: traces it (INFO, target `hiring::audit`) and stores it. The action it
/// describes has already happened, so a store that fails does not undo or fail it: the failure
/// is traced at ERROR with the whole entry, and returned for callers that want to say more.
pub fn record(log: &dyn AuditLog, entry: &AuditEntry) -> Result<i64, RepoError> {
    macro_rules! traced {
        ($level:ident, $($extra:tt)*) => {
            tracing::$level!(
                target: "hiring::audit",
                actor = entry.actor(),
                action = entry.action().name(),
                table = entry.table_name().map(Table::name),
                rows = entry.row_count(),
                outcome = entry.outcome().name(),
                detail = entry.detail_text(),
                request_id = entry.request(),
                duration_ms = entry.duration_ms(),
                $($extra)*
            )
        };
    }
    traced!(info, "audit");
    log.append(entry).inspect_err(|error| {
        traced!(error, error = %error, "the audit entry could not be stored");
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_list_the_known() {
        for action in AuditAction::ALL {
            assert_eq!(action.name().parse::<AuditAction>(), Ok(action));
        }
        for outcome in AuditOutcome::ALL {
            assert_eq!(outcome.name().parse::<AuditOutcome>(), Ok(outcome));
        }
        let error = "delete".parse::<AuditAction>().unwrap_err().to_string();
        assert_eq!(
            error,
            "unknown action \"delete\": expected one of ingest, upload, migrate, backup, restore, prune"
        );
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_DETAIL_CHARS + 10);
        let entry = AuditEntry::new(&"a".repeat(500), AuditAction::Ingest, AuditOutcome::Failed)
            .detail(&long);
        assert_eq!(entry.actor().chars().count(), MAX_ACTOR_CHARS);
        assert!(entry.actor().ends_with('…'));
        assert_eq!(entry.detail_text().chars().count(), MAX_DETAIL_CHARS);
        assert!(entry.detail_text().ends_with("é…"));
        let short = AuditEntry::new("ops", AuditAction::Ingest, AuditOutcome::Failed).detail("x");
        assert_eq!(short.detail_text(), "x");
        let exact = "b".repeat(MAX_DETAIL_CHARS);
        let entry = AuditEntry::new("ops", AuditAction::Prune, AuditOutcome::Succeeded)
            .detail(&exact)
            .took(Duration::from_micros(2_500));
        assert_eq!(entry.detail_text(), exact);
        assert_eq!(entry.duration_ms(), 2);
    }

    #[test]
    fn record_stores_the_entry_and_returns_its_position() {
        let entry = AuditEntry::new("etl", AuditAction::Ingest, AuditOutcome::Succeeded)
            .table(Table::Jobs)
            .rows(3);
        let mut log = MockAuditLog::new();
        let expected = entry.clone();
        log.expect_append()
            .withf(move |e| *e == expected)
            .times(1)
            .returning(|_| Ok(7));
        assert_eq!(record(&log, &entry), Ok(7));
    }

    #[test]
    fn a_store_failure_is_returned_not_panicked() {
        let entry = AuditEntry::new("etl", AuditAction::Backup, AuditOutcome::Succeeded);
        let mut log = MockAuditLog::new();
        log.expect_append()
            .returning(|_| Err(RepoError::Unavailable("database is down".into())));
        assert_eq!(
            record(&log, &entry),
            Err(RepoError::Unavailable("database is down".into()))
        );
    }
}
