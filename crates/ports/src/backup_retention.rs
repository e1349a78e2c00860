//! Backups that keep the backup store bounded: a quota checked before writing, and the keep
//! policy (`backup.keep`, `backup.older_than`) applied once the new set is recorded.
//!
//! The quota counts every backup file the store holds (readable or not) plus the expected size
//! of the new backup, taken as the size of the same tables in the newest set: a backup that
//! would take the store past the quota is refused before anything is written. Pruning after the
//! backup never removes the set just written (it is the newest complete set); a prune that fails
//! leaves the backup in place and is reported beside it.

use super::{BackupRunError, BackupSummary, Backups, PruneError, PrunePolicy, PruneSummary};
use crate::{BackupError, Codec};
use hiring_domain::Table;
use serde::Serialize;
use std::time::{Duration, SystemTime};

/// What is applied around each backup: a size quota before, the keep policy after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    keep: Option<u64>,
    older_than: Option<Duration>,
    quota_bytes: Option<u64>,
}

impl Retention {
    /// Nothing applied: no quota, no pruning.
    pub fn none() -> Self {
        Self::default()
    }

    /// Keeps the newest `keep` complete sets after each backup (and, with `older_than`, every
    /// set younger than that); refused when `keep` is 0.
    pub fn keeping(
        self,
        keep: Option<u64>,
        older_than: Option<Duration>,
    ) -> Result<Self, PruneError> {
        if let Some(keep) = keep {
            PrunePolicy::new(keep, false)?;
        }
        Ok(Self {
            keep,
            older_than,
            ..self
        })
    }

    /// Refuses a backup that would take the store past `bytes`.
    pub fn with_quota(self, bytes: Option<u64>) -> Self {
        Self {
            quota_bytes: bytes,
            ..self
        }
    }

    /// The prune applied after a backup taken at `now`, if any.
    fn policy(&self, now: SystemTime) -> Option<PrunePolicy> {
        let keep = self.keep?;
        let policy = PrunePolicy::new(keep, false).ok()?;
        Some(match self.older_than {
            Some(age) => policy.older_than(age, now),
            None => policy,
        })
    }
}

/// A backup and what was pruned after it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetainedBackup {
    /// The backup.
    #[serde(flatten)]
    pub backup: BackupSummary,
    /// What the keep policy removed after it; `None` without a policy, or when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned: Option<PruneSummary>,
    /// Why the prune after the backup failed (the backup itself is complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune_error: Option<String>,
}

impl Backups<'_> {
    /// Backs up `tables` like [`Backups::backup`], refused with
    /// [`BackupRunError::QuotaExceeded`] when the store would grow past the quota, then prunes
    /// by the keep policy (at `now`).
    pub fn backup_retained(
        &self,
        tables: &[Table],
        codec: Codec,
        retention: &Retention,
        now: SystemTime,
    ) -> Result<RetainedBackup, BackupRunError> {
        if let Some(quota) = retention.quota_bytes {
            let (used, estimate) = self.usage(tables)?;
            if used.saturating_add(estimate) > quota {
                return Err(BackupRunError::QuotaExceeded {
                    used,
                    estimate,
                    quota,
                });
            }
        }
        let backup = self.backup(tables, codec)?;
        let (pruned, prune_error) = match retention.policy(now).map(|p| self.prune(p)) {
            None => (None, None),
            Some(Ok(summary)) => (Some(summary), None),
            Some(Err(e)) => {
                tracing::warn!(error = %e, set = %backup.set, "prune after the backup failed; the backup is complete");
                (None, Some(e.to_string()))
            }
        };
        Ok(RetainedBackup {
            backup,
            pruned,
            prune_error,
        })
    }

    /// Bytes of every backup file in the store, and the expected size of a backup of `tables`:
    /// their files in the newest set (0 without a readable set).
    fn usage(&self, tables: &[Table]) -> Result<(u64, u64), BackupError> {
        let used = self
            .files
            .stored_files()?
            .iter()
            .map(|f| f.bytes)
            .fold(0u64, u64::saturating_add);
        let tables = if tables.is_empty() {
            &Table::ALL[..]
        } else {
            tables
        };
        let estimate = match self.files.set_ids()?.first() {
            Some(id) => self.files.read_set(id).map_or(0, |set| {
                set.files
                    .iter()
                    .filter(|f| tables.contains(&f.table))
                    .map(|f| f.bytes)
                    .fold(0u64, u64::saturating_add)
            }),
            None => 0,
        };
        Ok((used, estimate))
    }
}

#[cfg(test)]
#[path = "backup_retention_tests.rs"]
mod tests;
