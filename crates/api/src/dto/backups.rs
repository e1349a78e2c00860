//! What `POST /api/v1/backups` takes and answers, and what `GET /api/v1/backups` lists.

use super::table::TableName;
use super::PruneResponse;
use hiring_ports::backup::RetainedBackup;
use hiring_ports::{BackupInfo, Codec, SetFile, SetStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The block compressions of a backup file.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CodecName {
    /// No compression.
    #[default]
    Null,
    /// Deflate.
    Deflate,
    /// Snappy.
    Snappy,
    /// Zstandard.
    Zstandard,
}

impl From<CodecName> for Codec {
    fn from(codec: CodecName) -> Self {
        match codec {
            CodecName::Null => Codec::Null,
            CodecName::Deflate => Codec::Deflate,
            CodecName::Snappy => Codec::Snappy,
            CodecName::Zstandard => Codec::Zstandard,
        }
    }
}

/// What to back up. Every field is optional; an empty body backs up every table uncompressed.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BackupRequest {
    /// The tables to back up, from one consistent snapshot; empty or absent: all three.
    #[serde(default)]
    pub tables: Vec<TableName>,
    /// Block compression (default `null`).
    #[serde(default)]
    pub codec: CodecName,
}

/// One backup file.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupFile {
    /// The table it holds.
    #[schema(example = "departments")]
    pub table: String,
    /// Its name inside the backup folder, as `POST /api/v1/{table}/restore` takes it.
    #[schema(example = "departments/departments-20261125T104500Z.avro")]
    pub file: String,
    /// Rows it declares, when it says.
    pub rows: Option<u64>,
    /// Size in bytes.
    pub size: u64,
    /// When it was taken (RFC 3339, UTC), when it says.
    pub created_at: Option<String>,
    /// Its block compression.
    #[schema(example = "null")]
    pub codec: String,
    /// Version of its record schema.
    pub schema_version: u32,
    /// SHA-256 of its bytes, for a file just written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl From<BackupInfo> for BackupFile {
    fn from(info: BackupInfo) -> Self {
        Self {
            sha256: info.sha256.map(|s| s.to_string()),
            table: info.table.name().to_owned(),
            file: info.file,
            rows: info.rows,
            size: info.size,
            created_at: info.created_at,
            codec: info.codec,
            schema_version: info.schema_version,
        }
    }
}

/// What a backup wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupResponse {
    /// The backup set the files make, as `POST /api/v1/restore` takes it.
    #[schema(example = "20261125T104500Z")]
    pub set: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// One file per table, parents first.
    pub files: Vec<BackupFile>,
    /// Wall time, in seconds.
    pub seconds: f64,
    /// What the server's keep policy (`backup.keep`) removed after the backup; absent without
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pruned: Option<PruneResponse>,
    /// Why pruning after the backup failed; the backup itself is complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prune_error: Option<String>,
}

impl From<RetainedBackup> for BackupResponse {
    fn from(done: RetainedBackup) -> Self {
        let summary = done.backup;
        Self {
            set: summary.set.to_string(),
            created_at: summary.created_at,
            files: summary.files.into_iter().map(BackupFile::from).collect(),
            seconds: summary.seconds,
            pruned: done.pruned.map(PruneResponse::from),
            prune_error: done.prune_error,
        }
    }
}

/// The backup sets and the readable backup files in the backup folder.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupList {
    /// Every backup set that has a manifest, newest first.
    pub sets: Vec<BackupSet>,
    /// Every readable file, in a set or not: tables in dependency order (departments, jobs,
    /// hired_employees), newest first.
    pub backups: Vec<BackupFile>,
}

/// One file of a backup set, as its manifest records it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSetFile {
    /// The table it holds.
    #[schema(example = "departments")]
    pub table: String,
    /// Its name inside the backup folder.
    #[schema(example = "departments/departments-20261125T104500Z.avro")]
    pub file: String,
    /// Rows it holds.
    pub rows: u64,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

impl From<SetFile> for BackupSetFile {
    fn from(file: SetFile) -> Self {
        Self {
            table: file.table.name().to_owned(),
            file: file.file,
            rows: file.rows,
            bytes: file.bytes,
            sha256: file.sha256.to_string(),
        }
    }
}

/// The files of one backup run, tied together by its manifest.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupSet {
    /// Its id, as `POST /api/v1/restore` takes it.
    #[schema(example = "20261125T104500Z")]
    pub id: String,
    /// When the snapshot was taken (RFC 3339, UTC); absent when the manifest is unreadable.
    pub created_at: Option<String>,
    /// Every file is present, readable and of its recorded table, size and row count
    /// (checksums are verified by restores).
    pub complete: bool,
    /// The tables it holds, parents first.
    pub tables: Vec<String>,
    /// Rows over its files.
    pub rows: u64,
    /// Bytes over its files.
    pub bytes: u64,
    /// Why it is not complete.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Its files.
    pub files: Vec<BackupSetFile>,
}

impl From<SetStatus> for BackupSet {
    fn from(set: SetStatus) -> Self {
        Self {
            id: set.id.to_string(),
            created_at: set.created_at,
            complete: set.complete,
            tables: set.tables.iter().map(|t| t.name().to_owned()).collect(),
            rows: set.rows,
            bytes: set.bytes,
            problem: set.problem,
            files: set.files.into_iter().map(Into::into).collect(),
        }
    }
}
