//! Use cases: back up tables into backup sets, list them, restore tables from them.
//!
//! A backup reads every requested table from one consistent snapshot of storage and streams each
//! into a file of its own; once every file is complete, a manifest recording each file's rows,
//! size and SHA-256 makes them one set. A run that fails midway writes no manifest.
//!
//! Restoring every table takes one whole set (see [`Backups::restore_set`]) and verifies every
//! file against the manifest before storage is touched. A restore checks every file (table,
//! schema, every record against the domain rules, duplicate ids, foreign keys) while it replaces
//! the tables' contents in one transaction: any problem refuses the whole restore and leaves the
//! tables as they were.

use crate::transfer_progress::{RowCounter, TransferProgress};
use crate::{
    AnyRow, BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, BulkStorage, Codec,
    MissingParents, NewSet, ReplaceError, RepoError, RowSource, SetFile, SetId, SnapshotSink,
};
use hiring_domain::{Id, Table};
use roaring::RoaringBitmap;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Why a backup failed. Files of tables finished before the failure are complete and kept, but
/// no manifest ties them into a set; nothing of the failing table carries a backup's name.
///
/// The messages here and in [`RestoreError`] include their cause, which is therefore not also
/// their `source()`: an error chain printer would print it twice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupRunError {
    /// Writing a backup file failed.
    #[error("backup failed: {0}")]
    Files(BackupError),
    /// Reading the tables failed.
    #[error("backup failed reading the database: {0}")]
    Storage(RepoError),
    /// The backup would take the backup store past its quota; nothing was written.
    #[error("backup refused: the backups take {used} bytes and this one would add about {estimate} bytes, over the quota of {quota} bytes; prune old backups first (hiring backups prune, POST /api/v1/backups/prune)")]
    QuotaExceeded {
        /// Bytes of every backup file in the store.
        used: u64,
        /// Expected bytes of the new backup (the same tables in the newest set).
        estimate: u64,
        /// The quota.
        quota: u64,
    },
}

impl From<BackupError> for BackupRunError {
    fn from(e: BackupError) -> Self {
        Self::Files(e)
    }
}

impl From<RepoError> for BackupRunError {
    fn from(e: RepoError) -> Self {
        Self::Storage(e)
    }
}

impl From<BackupError> for RestoreError {
    fn from(e: BackupError) -> Self {
        Self::Files(e)
    }
}

/// Why a restore was refused. No table was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestoreError {
    /// The backup file is missing, unreadable, damaged, of an incompatible schema, or holds an
    /// invalid record.
    #[error("restore refused, no table changed: {0}")]
    Files(BackupError),
    /// The file holds another table's rows.
    #[error("restore refused, no table changed: {file} is a backup of {found}, not of {expected}")]
    WrongTable {
        /// The file.
        file: String,
        /// The table being restored.
        expected: Table,
        /// The table the file holds.
        found: Table,
    },
    /// The same id appears twice in the file.
    #[error("restore refused, no table changed: {file} holds {table} id {id} more than once")]
    DuplicateId {
        /// The file.
        file: String,
        /// Its table.
        table: Table,
        /// The repeated id.
        id: Id,
    },
    /// The restore would leave `hired_employees` rows pointing at missing departments or jobs.
    #[error("restore refused, no table changed: {}", ReplaceError::MissingParents(.0.clone()))]
    MissingParents(Vec<MissingParents>),
    /// Storage failed.
    #[error("restore failed, no table changed: {0}")]
    Storage(RepoError),
}

/// Which file a table is restored from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreSource {
    /// The newest backup of the table in the backup folder.
    Newest,
    /// A file name received from outside (an API request), resolved strictly inside the backup
    /// folder.
    Named(String),
    /// A path chosen by the local operator (the command line), used as given.
    Path(PathBuf),
}

/// What a restore did with one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRestore {
    /// The table restored.
    pub table: Table,
    /// The file it was restored from.
    pub file: String,
    /// Rows now stored in the table.
    pub rows: u64,
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreSummary {
    /// The backup set restored, when a whole set was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<SetId>,
    /// The tables, parents first.
    pub tables: Vec<TableRestore>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupSummary {
    /// The set the files make.
    pub set: SetId,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    /// One file per table, parents first.
    pub files: Vec<BackupInfo>,
    /// Temporary files of interrupted backups removed before this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_temporaries: Vec<String>,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// The backup use cases over a storage and a backup folder.
pub struct Backups<'a> {
    storage: &'a dyn BulkStorage,
    files: &'a dyn BackupStore,
    progress: &'a dyn TransferProgress,
}

impl<'a> Backups<'a> {
    /// Works on `storage`, keeping files in `files`.
    pub fn new(storage: &'a dyn BulkStorage, files: &'a dyn BackupStore) -> Self {
        Self {
            storage,
            files,
            progress: &(),
        }
    }

    /// The same use cases, telling `progress` how far each backup or restore has come.
    #[must_use]
    pub fn with_progress(mut self, progress: &'a dyn TransferProgress) -> Self {
        self.progress = progress;
        self
    }

    /// Backs up `tables` (every table when empty) from one consistent snapshot, one file per
    /// table, compressed with `codec`.
    pub fn backup(&self, tables: &[Table], codec: Codec) -> Result<BackupSummary, BackupRunError> {
        let started = Instant::now();
        let removed_temporaries = self.remove_stale_temporaries();
        let tables = in_dependency_order(tables);
        let mut sink = FileSink {
            files: self.files,
            codec,
            current: None,
            written: Vec::with_capacity(tables.len()),
            failure: None,
            progress: self.progress,
            counter: RowCounter::default(),
        };
        let result = self.storage.snapshot(&tables, &mut sink);
        if let Some(failure) = sink.failure.take() {
            return Err(failure.into());
        }
        result?;
        for info in &sink.written {
            tracing::info!(
                table = %info.table,
                file = %info.file,
                rows = info.rows,
                bytes = info.size,
                "backup written"
            );
        }
        let set = self.files.save_set(&new_set(&sink.written)?)?;
        tracing::info!(set = %set.id, files = set.files.len(), "backup set recorded");
        Ok(BackupSummary {
            set: set.id,
            created_at: set.created_at,
            files: sink.written,
            removed_temporaries,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Removes what interrupted backups left behind; a failure to do so is logged, not fatal.
    fn remove_stale_temporaries(&self) -> Vec<String> {
        match self.files.remove_stale_temporaries() {
            Ok(removed) => {
                for file in &removed {
                    tracing::info!(file = %file, "temporary file of an interrupted backup removed");
                }
                removed
            }
            Err(e) => {
                tracing::warn!(error = %e, "temporary files of interrupted backups not removed");
                Vec::new()
            }
        }
    }

    /// Every readable backup, tables in dependency order, newest first.
    pub fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        self.files.list()
    }

    /// Restores one table from `source`, replacing its contents.
    pub fn restore_table(
        &self,
        table: Table,
        source: RestoreSource,
    ) -> Result<RestoreSummary, RestoreError> {
        self.restore(&[(table, source)])
    }

    /// The table of the backup file `name`, received from outside: its folder
    /// (`departments/...`) or its name (`departments-20261125T104500Z.avro`) says; otherwise the
    /// file itself, found in the folder of one of the tables (the first whose folder holds it,
    /// in [`Table::ALL`] order). Unsafe names are refused by [`BackupStore::resolve`].
    pub fn table_of(&self, name: &str) -> Result<Table, BackupError> {
        if let Some(table) = table_named_by(name) {
            return Ok(table);
        }
        for table in Table::ALL {
            match self.files.resolve(table, name) {
                Ok(path) => return Ok(self.files.open(&path)?.info().table),
                Err(BackupError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Err(BackupError::NotFound(format!(
            "there is no backup file {name:?}"
        )))
    }

    /// Restores the table of the backup file `name` (see [`Backups::table_of`]) from it,
    /// replacing its contents.
    pub fn restore_named(&self, name: &str) -> Result<RestoreSummary, RestoreError> {
        let table = self.table_of(name)?;
        self.restore_table(table, RestoreSource::Named(name.to_owned()))
    }

    /// Restores every table from the newest backup set holding all of them, in one
    /// transaction (see [`Backups::restore_set`]).
    pub fn restore_all(&self) -> Result<RestoreSummary, RestoreError> {
        self.restore_set(None)
    }

    /// Replaces the contents of each listed table with its backup, all in one transaction and
    /// in dependency order ([`Table::ALL`]). Every file is checked before storage is touched
    /// (it exists, it is a backup of that table, its schema is compatible, and when a set's
    /// manifest lists it, its checksum and row count are the recorded ones), and every record
    /// while it is written; any problem refuses the whole restore, tables unchanged.
    pub fn restore(&self, plan: &[(Table, RestoreSource)]) -> Result<RestoreSummary, RestoreError> {
        let started = Instant::now();
        let mut ordered: Vec<&(Table, RestoreSource)> = plan.iter().collect();
        // `Table`'s order is the dependency order, parents first.
        ordered.sort_by_key(|(table, _)| *table);
        ordered.dedup_by_key(|(table, _)| *table);
        let mut readers = Vec::with_capacity(ordered.len());
        for (table, source) in ordered {
            let path = match source {
                RestoreSource::Newest => self.files.newest(*table)?.ok_or_else(|| {
                    BackupError::NotFound(format!("there is no backup of {table}"))
                })?,
                RestoreSource::Named(name) => self.files.resolve(*table, name)?,
                RestoreSource::Path(path) => path.clone(),
            };
            let reader = self.files.open(&path)?;
            let info = reader.info();
            if info.table != *table {
                return Err(RestoreError::WrongTable {
                    file: info.file,
                    expected: *table,
                    found: info.table,
                });
            }
            self.verify_if_listed(&path, &info)?;
            readers.push(FileSource::new(*table, reader));
        }
        self.replace_from(readers, None, started)
    }

    /// Replaces the tables of `readers` with their rows in one transaction.
    fn replace_from(
        &self,
        readers: Vec<FileSource>,
        set: Option<SetId>,
        started: Instant,
    ) -> Result<RestoreSummary, RestoreError> {
        let tables: Vec<Table> = readers.iter().map(|r| r.table).collect();
        let mut source = FileSources {
            readers,
            failure: None,
            progress: self.progress,
            counter: RowCounter::default(),
            current: None,
        };
        let result = self.storage.replace(&tables, &mut source);
        if let Some(failure) = source.failure.take() {
            return Err(failure);
        }
        let counts = match result {
            Ok(counts) => counts,
            Err(ReplaceError::MissingParents(missing)) => {
                return Err(RestoreError::MissingParents(missing))
            }
            Err(ReplaceError::Repo(e)) => return Err(RestoreError::Storage(e)),
        };
        let tables = source
            .readers
            .iter()
            .zip(counts)
            .map(|(reader, rows)| TableRestore {
                table: reader.table,
                file: reader.file.clone(),
                rows,
            })
            .collect::<Vec<_>>();
        for t in &tables {
            tracing::info!(table = %t.table, file = %t.file, rows = t.rows, "table restored");
        }
        Ok(RestoreSummary {
            set,
            tables,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// The manifest of the files just written: the snapshot time is when the first was started.
fn new_set(written: &[BackupInfo]) -> Result<NewSet, BackupError> {
    let files = written
        .iter()
        .map(|info| {
            let missing = |what: &str| BackupError::Io {
                file: info.file.clone(),
                message: format!("the finished file reports no {what}"),
            };
            Ok(SetFile {
                table: info.table,
                file: info.file.clone(),
                rows: info.rows.ok_or_else(|| missing("row count"))?,
                bytes: info.size,
                sha256: info.sha256.ok_or_else(|| missing("checksum"))?,
            })
        })
        .collect::<Result<Vec<_>, BackupError>>()?;
    let created_at = written
        .iter()
        .find_map(|info| info.created_at.clone())
        .unwrap_or_default();
    Ok(NewSet { created_at, files })
}

/// The table that the first folder of `name` or the start of its file name (up to the first
/// `-` or `.`) names, if any.
fn table_named_by(name: &str) -> Option<Table> {
    let path = Path::new(name);
    let folder = path
        .parent()
        .and_then(|p| p.iter().next())
        .map(|f| f.to_string_lossy().into_owned());
    let stem = path.file_name().map(|f| {
        let f = f.to_string_lossy();
        f.split(['-', '.']).next().unwrap_or_default().to_owned()
    });
    [folder, stem]
        .into_iter()
        .flatten()
        .find_map(|n| n.parse::<Table>().ok())
}

/// `tables` (every table when empty) once each, parents first.
fn in_dependency_order(tables: &[Table]) -> Vec<Table> {
    Table::ALL
        .into_iter()
        .filter(|t| tables.is_empty() || tables.contains(t))
        .collect()
}

/// Error given to storage when the use case stops a stream on its own account; the real reason
/// is kept aside and reported instead.
fn stopped(reason: &str) -> RepoError {
    RepoError::Other(format!("stopped: {reason}"))
}

/// Streams a snapshot into one backup file per table.
struct FileSink<'a> {
    files: &'a dyn BackupStore,
    codec: Codec,
    current: Option<Box<dyn BackupWriter>>,
    written: Vec<BackupInfo>,
    failure: Option<BackupError>,
    progress: &'a dyn TransferProgress,
    counter: RowCounter,
}

impl FileSink<'_> {
    fn fail(&mut self, e: BackupError) -> RepoError {
        let reason = e.to_string();
        // Dropping the writer removes its unfinished file.
        self.current = None;
        self.failure = Some(e);
        stopped(&reason)
    }
}

impl SnapshotSink for FileSink<'_> {
    fn begin_table(&mut self, table: Table, rows: u64) -> Result<(), RepoError> {
        match self.files.create(table, rows, self.codec) {
            Ok(writer) => {
                self.counter.start(self.progress, table, Some(rows));
                self.current = Some(writer);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn row(&mut self, row: AnyRow) -> Result<(), RepoError> {
        let result = match self.current.as_mut() {
            Some(writer) => {
                self.counter.row(self.progress);
                writer.append(&row)
            }
            None => Err(BackupError::NotFound(format!(
                "{} row given before its table began",
                row.table()
            ))),
        };
        result.map_err(|e| self.fail(e))
    }

    fn end_table(&mut self, table: Table) -> Result<(), RepoError> {
        let result = match self.current.take() {
            Some(mut writer) => writer.finish(),
            None => Err(BackupError::NotFound(format!(
                "{table} ended before it began"
            ))),
        };
        match result {
            Ok(info) => {
                self.counter.end(self.progress);
                self.written.push(info);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}

/// One table's backup file being restored, with the ids seen so far.
struct FileSource {
    table: Table,
    file: String,
    reader: Box<dyn BackupReader>,
    seen: RoaringBitmap,
}

impl FileSource {
    fn new(table: Table, reader: Box<dyn BackupReader>) -> Self {
        Self {
            table,
            file: reader.info().file,
            reader,
            seen: RoaringBitmap::new(),
        }
    }

    fn next(&mut self) -> Result<Option<AnyRow>, RestoreError> {
        let Some(row) = self.reader.next_row()? else {
            return Ok(None);
        };
        if row.table() != self.table {
            return Err(RestoreError::WrongTable {
                file: self.file.clone(),
                expected: self.table,
                found: row.table(),
            });
        }
        let id = row.id();
        // Ids are positive, so they fit the bitmap's u32 keys.
        if !self.seen.insert(id.get().unsigned_abs()) {
            return Err(RestoreError::DuplicateId {
                file: self.file.clone(),
                table: self.table,
                id,
            });
        }
        Ok(Some(row))
    }
}

/// The files of a restore, as the row source storage pulls from.
struct FileSources<'a> {
    readers: Vec<FileSource>,
    failure: Option<RestoreError>,
    progress: &'a dyn TransferProgress,
    counter: RowCounter,
    /// The table being read.
    current: Option<Table>,
}

impl RowSource for FileSources<'_> {
    fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError> {
        let Some(reader) = self.readers.iter_mut().find(|r| r.table == table) else {
            return Ok(None);
        };
        if self.current != Some(table) {
            self.current = Some(table);
            self.counter
                .start(self.progress, table, reader.reader.info().rows);
        }
        let row = reader.next().map_err(|e| {
            let reason = e.to_string();
            self.failure = Some(e);
            stopped(&reason)
        })?;
        match row {
            Some(_) => self.counter.row(self.progress),
            None => {
                self.counter.end(self.progress);
                if self.readers.last().is_some_and(|r| r.table == table) {
                    self.progress.committing();
                }
            }
        }
        Ok(row)
    }
}

#[path = "backup_sets.rs"]
mod sets;
pub use sets::{listing, sets, BackupListing};

#[path = "backup_prune.rs"]
mod prune;
pub use prune::{prune, PruneError, PrunePolicy, PruneSummary};

#[path = "backup_retention.rs"]
mod retention;
pub use retention::{RetainedBackup, Retention};

#[cfg(test)]
#[path = "backup_tests/mod.rs"]
mod tests;

#[cfg(test)]
#[path = "backup_set_tests/mod.rs"]
mod set_tests;

#[cfg(test)]
#[path = "backup_prune_tests.rs"]
mod prune_tests;
