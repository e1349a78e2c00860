//! What `POST /api/v1/backups/prune` takes and answers.

use crate::error::ApiError;
use hiring_ports::backup::{PrunePolicy, PruneSummary};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::time::SystemTime;
use utoipa::ToSchema;

/// How many backup sets to keep. Only a JSON object is taken (serde would otherwise read `[3]`
/// as `{"keep": 3}`), and unknown fields are refused, so that a misspelt `dry_run` never turns
/// a dry run into a real one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(try_from = "Map<String, Value>")]
pub struct PruneRequest {
    /// Complete backup sets to keep, newest first; at least 1.
    #[schema(example = 3, minimum = 1)]
    pub keep: Option<u64>,
    /// Keep every set taken and file written within this age too, however many sets that
    /// makes: `30d`, `12h`, `1week`.
    #[schema(example = "30d")]
    pub older_than: Option<String>,
    /// Only report what would be removed (default `false`).
    #[serde(default)]
    pub dry_run: bool,
}

/// The fields of a [`PruneRequest`] object.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PruneFields {
    keep: Option<u64>,
    older_than: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

impl TryFrom<Map<String, Value>> for PruneRequest {
    type Error = serde_json::Error;

    fn try_from(object: Map<String, Value>) -> Result<Self, Self::Error> {
        let fields: PruneFields = serde_json::from_value(Value::Object(object))?;
        Ok(Self {
            keep: fields.keep,
            older_than: fields.older_than,
            dry_run: fields.dry_run,
        })
    }
}

impl PruneRequest {
    /// The policy the request asks for, at `now`: 400 without `keep`, with `keep` 0 or with an
    /// age that does not read as one.
    pub fn policy(&self, now: SystemTime) -> Result<PrunePolicy, ApiError> {
        let keep = self.keep.ok_or_else(|| {
            ApiError::BadRequest("send {\"keep\": N}: the number of backup sets to keep".into())
        })?;
        let policy = PrunePolicy::new(keep, self.dry_run)?;
        let Some(age) = &self.older_than else {
            return Ok(policy);
        };
        let age = humantime::parse_duration(age).map_err(|e| {
            ApiError::BadRequest(format!(
                "older_than {age:?} is not an age such as 30d or 12h: {e}"
            ))
        })?;
        Ok(policy.older_than(age, now))
    }
}

/// What a prune removed (or, in a dry run, would remove).
#[derive(Debug, Serialize, ToSchema)]
pub struct PruneResponse {
    /// Nothing was removed: the answer says what would be.
    pub dry_run: bool,
    /// Complete sets kept, as asked.
    pub keep: u64,
    /// With an age: only sets and files older than this many seconds were removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub older_than_seconds: Option<u64>,
    /// Sets left in place, newest first: the complete sets kept and every set newer than the
    /// oldest of them.
    pub kept_sets: Vec<String>,
    /// Sets whose manifest was removed, newest first.
    pub removed_sets: Vec<String>,
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

impl From<PruneSummary> for PruneResponse {
    fn from(summary: PruneSummary) -> Self {
        let ids = |ids: Vec<hiring_ports::SetId>| ids.into_iter().map(String::from).collect();
        Self {
            dry_run: summary.dry_run,
            keep: summary.keep,
            older_than_seconds: summary.older_than_seconds,
            kept_sets: ids(summary.kept_sets),
            removed_sets: ids(summary.removed_sets),
            removed_files: summary.removed_files,
            sets_kept: summary.sets_kept,
            sets_removed: summary.sets_removed,
            files_removed: summary.files_removed,
            bytes_freed: summary.bytes_freed,
        }
    }
}
