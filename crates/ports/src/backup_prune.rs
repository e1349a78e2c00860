//! Pruning old backups: keep the newest complete sets, remove what is older.
//!
//! A policy keeps the newest `keep` complete sets (at least one: the newest complete set is
//! always kept). A set counts as complete when every file its manifest lists is there as
//! recorded, its SHA-256 included: a set that could not be restored never stands in for an
//! older one that can. Everything older than the oldest set kept goes: the older sets (complete
//! or not, their manifest first so that an interrupted prune never leaves a set that looks
//! complete but misses files, then their files) and backup files of no set (runs that failed,
//! backups taken before sets). Nothing newer than the oldest set kept is touched (a backup may
//! be in progress), nor any file a kept set lists, nor anything the store does not name as a
//! backup.
//!
//! With an age (`--older-than 30d`), only what is older than that goes: every set taken since
//! (and every file written since) is kept too, however many sets that makes. A set that does
//! not say when it was taken counts as recent.

use super::sets::sets;
use super::Backups;
use crate::{BackupError, BackupStore, SetId, SetStatus, StoredFile};
use serde::Serialize;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// Why a prune was refused or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PruneError {
    /// A policy keeping no set.
    #[error(
        "keep at least 1 backup set: the newest complete set is always kept (asked to keep {0})"
    )]
    KeepNothing(u64),
    /// Listing, checking or removing the backups failed. Sets whose manifest was removed
    /// before the failure are gone; files not yet removed are strays the next prune removes.
    #[error("prune failed: {0}")]
    Files(BackupError),
}

impl From<BackupError> for PruneError {
    fn from(e: BackupError) -> Self {
        Self::Files(e)
    }
}

/// What a prune keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrunePolicy {
    keep: u64,
    dry_run: bool,
    /// With an age: how old, and the moment older than which sets and files may go.
    older_than: Option<(Duration, SystemTime)>,
}

impl PrunePolicy {
    /// Keeps the newest `keep` complete sets (refused when 0); with `dry_run`, only reports
    /// what would be removed.
    pub fn new(keep: u64, dry_run: bool) -> Result<Self, PruneError> {
        if keep == 0 {
            return Err(PruneError::KeepNothing(keep));
        }
        Ok(Self {
            keep,
            dry_run,
            older_than: None,
        })
    }

    /// Also keeps every set taken and every file written less than `age` before `now`.
    pub fn older_than(self, age: Duration, now: SystemTime) -> Self {
        let cutoff = now.checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH);
        Self {
            older_than: Some((age, cutoff)),
            ..self
        }
    }

    /// The age below which nothing is removed, if any.
    pub fn age(&self) -> Option<Duration> {
        self.older_than.map(|(age, _)| age)
    }

    fn cutoff(&self) -> Option<SystemTime> {
        self.older_than.map(|(_, cutoff)| cutoff)
    }

    /// How many complete sets are kept.
    pub fn keep(&self) -> u64 {
        self.keep
    }

    /// Whether nothing is removed.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }
}

/// What a prune removed (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PruneSummary {
    /// Nothing was removed: the summary says what would be.
    pub dry_run: bool,
    /// Complete sets the policy asked to keep.
    pub keep: u64,
    /// With an age: only sets and files older than this many seconds were removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older_than_seconds: Option<u64>,
    /// Sets left in place, newest first: the complete sets kept and every set newer than the
    /// oldest of them.
    pub kept_sets: Vec<SetId>,
    /// Sets whose manifest was removed, newest first.
    pub removed_sets: Vec<SetId>,
    /// Backup files removed, relative to the backup folder.
    pub removed_files: Vec<String>,
    /// How many sets were kept.
    pub sets_kept: u64,
    /// How many sets were removed.
    pub sets_removed: u64,
    /// How many files were removed.
    pub files_removed: u64,
    /// Bytes of the files removed.
    pub bytes_freed: u64,
}

/// Prunes the backup folder `files` by `policy` (see the module).
pub fn prune(files: &dyn BackupStore, policy: PrunePolicy) -> Result<PruneSummary, PruneError> {
    let statuses = sets(files)?;
    let plan = plan(files, &statuses, policy.keep, policy.cutoff())?;
    let mut summary = PruneSummary {
        dry_run: policy.dry_run,
        keep: policy.keep,
        older_than_seconds: policy.age().map(|age| age.as_secs()),
        kept_sets: plan.kept,
        removed_sets: Vec::new(),
        removed_files: Vec::new(),
        sets_kept: 0,
        sets_removed: 0,
        files_removed: 0,
        bytes_freed: 0,
    };
    // Manifests first: a set is never left looking complete with files missing.
    for id in plan.removed {
        if policy.dry_run || files.remove_set(&id)? {
            tracing::info!(set = %id, dry_run = policy.dry_run, "backup set removed");
            summary.removed_sets.push(id);
        }
    }
    for file in plan.files {
        if policy.dry_run || files.remove_file(&file.file)? {
            tracing::info!(file = %file.file, bytes = file.bytes, dry_run = policy.dry_run, "backup file removed");
            summary.bytes_freed += file.bytes;
            summary.removed_files.push(file.file);
        }
    }
    summary.sets_kept = summary.kept_sets.len() as u64;
    summary.sets_removed = summary.removed_sets.len() as u64;
    summary.files_removed = summary.removed_files.len() as u64;
    Ok(summary)
}

/// The sets kept and removed, and the files to remove.
struct Plan {
    kept: Vec<SetId>,
    removed: Vec<SetId>,
    files: Vec<StoredFile>,
}

/// Splits `statuses` (newest first) after the `keep`-th complete set (or the last, when there
/// are fewer), or after the last set taken since `cutoff` when that is further, and picks the
/// files older than the split (and than `cutoff`) that no kept set lists. Without a complete
/// set nothing is removed.
fn plan(
    files: &dyn BackupStore,
    statuses: &[SetStatus],
    keep: u64,
    cutoff: Option<SystemTime>,
) -> Result<Plan, BackupError> {
    let mut oldest_kept = None;
    let mut complete = 0;
    for (i, status) in statuses.iter().enumerate() {
        if complete == keep {
            break;
        }
        if status.complete && verified(files, status) {
            complete += 1;
            oldest_kept = Some(i);
        }
    }
    let recent = |status: &SetStatus| match (cutoff, status.created_at.as_deref()) {
        (None, _) => false,
        (Some(cutoff), Some(at)) => parse_time(at).is_none_or(|at| at >= cutoff),
        (Some(_), None) => true,
    };
    let oldest_kept = oldest_kept.map(|boundary| {
        statuses
            .iter()
            .rposition(recent)
            .map_or(boundary, |last_recent| boundary.max(last_recent))
    });
    let Some(boundary) = oldest_kept else {
        return Ok(Plan {
            kept: statuses.iter().map(|s| s.id.clone()).collect(),
            removed: Vec::new(),
            files: Vec::new(),
        });
    };
    let (kept, removed) = statuses.split_at(boundary + 1);
    let listed = |sets: &[SetStatus]| -> HashSet<String> {
        sets.iter()
            .flat_map(|s| s.files.iter().map(|f| f.file.clone()))
            .collect()
    };
    let protected = listed(kept);
    let of_removed = listed(removed);
    let since = kept[boundary].created_at.as_deref().and_then(parse_time);
    let old = |file: &StoredFile| {
        let before_kept = match since {
            Some(since) => file.modified < since,
            // When the oldest kept set says not when it was taken, only the files of the older
            // sets are known to be older.
            None => of_removed.contains(&file.file),
        };
        before_kept && cutoff.is_none_or(|cutoff| file.modified < cutoff)
    };
    let files = files
        .stored_files()?
        .into_iter()
        .filter(|f| !protected.contains(&f.file) && old(f))
        .collect();
    Ok(Plan {
        kept: kept.iter().map(|s| s.id.clone()).collect(),
        removed: removed.iter().map(|s| s.id.clone()).collect(),
        files,
    })
}

/// Whether every file of the (complete) set `status` has its recorded size and SHA-256.
fn verified(files: &dyn BackupStore, status: &SetStatus) -> bool {
    status.files.iter().all(|file| {
        let checked = files
            .resolve(file.table, &file.file)
            .and_then(|path| files.checksum(&path));
        match checked {
            Ok((bytes, sha256)) => bytes == file.bytes && sha256 == file.sha256,
            Err(e) => {
                tracing::warn!(set = %status.id, file = %file.file, error = %e, "backup set file unreadable: the set is not counted as complete");
                false
            }
        }
    })
}

/// An RFC 3339 time as a system time.
fn parse_time(text: &str) -> Option<SystemTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| SystemTime::from(at.with_timezone(&chrono::Utc)))
}

impl Backups<'_> {
    /// Prunes the backup folder by `policy` (see [`prune`]).
    pub fn prune(&self, policy: PrunePolicy) -> Result<PruneSummary, PruneError> {
        prune(self.files, policy)
    }
}
