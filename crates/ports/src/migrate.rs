//! Use case: load historical CSV files into storage.
//!
//! Rows are read as a stream, validated by the domain rules, checked set-wise per batch against
//! what is stored (foreign keys, ids already present), and written one batch per transaction
//! together with the rejects of that batch. A load that stops midway leaves only whole batches,
//! and rerunning it completes the load without duplicating rows or reject records.

use crate::csv_header::is_header;
use crate::load_stages::StageClock;
use crate::pending::{self, Duplicates, LoadTarget, Origin, PendingBatch, WRITE_ATTEMPTS};
use crate::record_reader::{RecordReader, Row};
use crate::reject_tally::RejectTally;
use crate::{BulkLoad, LoadStage, RepoError, Repositories, TableRepository};
use hiring_domain::{Record, RunId, Table};
use roaring::RoaringBitmap;
use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Rows validated and written per transaction unless told otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 10_000;

/// How a load behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Rows per batch (one transaction each). At least 1.
    pub batch_size: usize,
    /// Stop once more than this many rows were rejected in the whole migration.
    pub max_rejects: Option<u64>,
    /// Validate and check against storage without writing anything.
    pub dry_run: bool,
    /// Load each table in one transaction on the adapter's bulk path when it offers one (see
    /// [`TableRepository::bulk_load`]): much faster into an empty table, but a load that stops
    /// midway keeps nothing of that table, and other writers of the table wait until it ends.
    pub bulk: bool,
    /// Raised to stop the load before its next batch (see [`LoadError::Cancelled`]).
    pub cancel: crate::Cancel,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            max_rejects: None,
            dry_run: false,
            bulk: false,
            cancel: crate::Cancel::default(),
        }
    }
}

/// Why a load could not go on. What was committed before the failure stays stored: the batches
/// before it, or nothing of the file when it was loaded in one transaction (a bulk load).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The input is not CSV text.
    #[error("{source_name} is not a CSV text file: {reason}")]
    NotCsv {
        /// The file or stream name.
        source_name: String,
        /// What gave it away.
        reason: String,
    },
    /// Reading the input failed.
    #[error("cannot read {source_name}: {message}")]
    Read {
        /// The file or stream name.
        source_name: String,
        /// The I/O error.
        message: String,
    },
    /// Reading the input failed after the load began (the client went away, the body broke
    /// off); `summary` counts only what was committed before.
    #[error("cannot read {}: {message}", summary.source)]
    Interrupted {
        /// What was committed before the failure.
        summary: Box<TableSummary>,
        /// The I/O error.
        message: String,
    },
    /// The load was asked to stop (see [`LoadOptions::cancel`]) and did before its next batch;
    /// `summary` counts only what was committed before.
    #[error("stopped on request while loading {}", summary.source)]
    Cancelled {
        /// What was committed before the stop.
        summary: Box<TableSummary>,
    },
    /// Storage failed; `summary` counts only what was committed before.
    #[error("storage failed while loading {}: {error}", summary.source)]
    Storage {
        /// What was committed before the failure.
        summary: Box<TableSummary>,
        /// The storage error.
        error: RepoError,
    },
}

impl LoadError {
    /// What the load committed before it failed, when it began.
    pub fn committed(&self) -> Option<&TableSummary> {
        match self {
            Self::Interrupted { summary, .. }
            | Self::Storage { summary, .. }
            | Self::Cancelled { summary } => Some(summary),
            Self::NotCsv { .. } | Self::Read { .. } => None,
        }
    }
}

/// A bulk load in progress, when the adapter offered one.
type Bulk<E> = Option<Box<dyn BulkLoad<E>>>;

/// Why streaming a file stopped.
enum Stop {
    Read(String),
    Cancelled,
    Storage(RepoError),
}

/// Told how far a load has come, e.g. to drive a progress bar.
pub trait Progress {
    /// `bytes` of the input and `rows` records have been processed so far.
    fn advance(&self, bytes: u64, rows: u64);

    /// `rejected` rows of the load were refused so far (told with each advance).
    fn rejected(&self, _rejected: u64) {}

    /// The load entered `stage` (after reading and checking: index build, key check, commit).
    fn stage(&self, _stage: LoadStage) {}
}

impl Progress for () {
    fn advance(&self, _bytes: u64, _rows: u64) {}
}

/// One migration run over one or more files, sharing the reject limit and, in a dry run, the ids
/// accepted so far (so `hired_employees` can refer to departments that a dry run did not write).
pub struct Migration<'a> {
    repos: &'a Repositories,
    options: LoadOptions,
    rejected: u64,
    stopped: bool,
    accepted: HashMap<Table, RoaringBitmap>,
    /// The reasons of the current load's rejects.
    tally: RejectTally,
    /// The run whose rejects these loads record.
    run: Option<RunId>,
}

impl<'a> Migration<'a> {
    /// Starts a migration against `repos`.
    pub fn new(repos: &'a Repositories, mut options: LoadOptions) -> Self {
        options.batch_size = options.batch_size.max(1);
        Self {
            repos,
            options,
            rejected: 0,
            stopped: false,
            tally: RejectTally::default(),
            accepted: HashMap::new(),
            run: None,
        }
    }

    /// The same migration, recording its rejects as `run`'s (see [`crate::runs`]).
    #[must_use]
    pub fn in_run(mut self, run: Option<RunId>) -> Self {
        self.run = run;
        self
    }

    /// True once the reject limit was passed; further loads read nothing.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The run whose rejects these loads record.
    pub fn run(&self) -> Option<RunId> {
        self.run
    }

    /// Rows rejected so far in this migration.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Loads one CSV stream into `table`, headerless or starting with the table's header line
    /// (skipped, see [`crate::csv_header`]). `source` names it in rejects and logs
    /// (`hired_employees.csv` gives sources like `hired_employees.csv:67`).
    pub fn load(
        &mut self,
        table: Table,
        input: impl Read,
        source: &str,
        progress: &dyn Progress,
    ) -> Result<TableSummary, LoadError> {
        let repos = self.repos;
        match table {
            Table::Departments => self.load_into(&*repos.departments, input, source, progress),
            Table::Jobs => self.load_into(&*repos.jobs, input, source, progress),
            Table::HiredEmployees => {
                self.load_into(&*repos.hired_employees, input, source, progress)
            }
        }
    }

    fn load_into<E: Record>(
        &mut self,
        repo: &dyn TableRepository<E>,
        input: impl Read,
        source: &str,
        progress: &dyn Progress,
    ) -> Result<TableSummary, LoadError> {
        let started = Instant::now();
        let mut summary = TableSummary::new(E::TABLE, source, self.options.dry_run);
        summary.run = self.run;
        if self.stopped {
            summary.stopped_early = true;
            return Ok(summary);
        }
        let mut reader = RecordReader::new(input);
        sniff(&mut reader, source)?;
        let bulk = if self.options.bulk && !self.options.dry_run {
            repo.bulk_load().map_err(|error| LoadError::Storage {
                summary: Box::new(summary.clone()),
                error,
            })?
        } else {
            None
        };
        let in_one_transaction = bulk.is_some();
        progress.stage(LoadStage::ReadAndCheck);
        let (streamed, bulk) = self.stream(repo, bulk, &mut reader, &mut summary, progress);
        // Streaming is reading and checking, overlapped with writing: the time not spent
        // writing is reading and checking.
        let streaming = started
            .elapsed()
            .saturating_sub(summary.stages.get(LoadStage::Write));
        summary.stages.add(LoadStage::ReadAndCheck, streaming);
        let result = match (streamed, bulk) {
            // Asked to stop after the last batch: the load is dropped, so rolled back.
            (Ok(()), Some(_)) if self.options.cancel.is_cancelled() => Err(Stop::Cancelled),
            (Ok(()), Some(load)) => {
                let announce = |stage| progress.stage(stage);
                let clock = StageClock::new(&announce);
                let finished = load.finish(&clock);
                summary.stages.add_all(&clock.stop());
                finished.map(|_| ()).map_err(Stop::Storage)
            }
            (result, _) => result,
        };
        if let Err(stop) = result {
            let tally = std::mem::take(&mut self.tally);
            if in_one_transaction {
                // Whatever the bulk load wrote was rolled back with it.
                self.rejected -= summary.rejected;
                summary.inserted = 0;
                summary.already_present = 0;
                summary.rejected = 0;
            } else {
                summary.reasons = tally.into_reasons();
            }
            summary.elapsed = started.elapsed();
            return Err(match stop {
                Stop::Read(message) => LoadError::Interrupted {
                    summary: Box::new(summary),
                    message,
                },
                Stop::Cancelled => LoadError::Cancelled {
                    summary: Box::new(summary),
                },
                Stop::Storage(error) => LoadError::Storage {
                    summary: Box::new(summary),
                    error,
                },
            });
        }
        summary.elapsed = started.elapsed();
        summary.reasons = std::mem::take(&mut self.tally).into_reasons();
        tracing::info!(
            table = %summary.table,
            source = %summary.source,
            read = summary.read,
            inserted = summary.inserted,
            already_present = summary.already_present,
            rejected = summary.rejected,
            seconds = summary.elapsed.as_secs_f64(),
            dry_run = summary.dry_run,
            stopped_early = summary.stopped_early,
            "table loaded"
        );
        Ok(summary)
    }

    /// Reads every record of `reader` and checks, writes and counts it batch by batch into `bulk`
    /// when given (each batch tried once: a failure ends the load), otherwise into `repo`
    /// (each batch tried at most [`WRITE_ATTEMPTS`] times). Gives `bulk` back.
    ///
    /// Two threads share the work: this one reads and parses the records into batches, a
    /// scoped worker checks and writes them in order, so that parsing the next batch overlaps
    /// writing the last one. At most two parsed batches wait for the worker.
    fn stream<E: Record, R: Read>(
        &mut self,
        repo: &dyn TableRepository<E>,
        bulk: Bulk<E>,
        reader: &mut RecordReader<R>,
        summary: &mut TableSummary,
        progress: &dyn Progress,
    ) -> (Result<(), Stop>, Bulk<E>) {
        let origin = Origin::File(summary.source.clone());
        let batch_size = self.options.batch_size;
        let run = self.run;
        let rejected = AtomicU64::new(0);
        let rejected = &rejected;
        let mut header_skipped = false;
        let written_to = &mut *summary;
        let (result, bulk) = std::thread::scope(|scope| {
            let (full_tx, full_rx) = mpsc::sync_channel::<PendingBatch<E>>(1);
            let (empty_tx, empty_rx) = mpsc::channel::<PendingBatch<E>>();
            let span = tracing::Span::current();
            let worker = scope.spawn(move || {
                let _entered = span.enter();
                let result = self.write_batches(
                    repo,
                    bulk.as_deref(),
                    (full_rx, &empty_tx),
                    written_to,
                    rejected,
                );
                (result, bulk)
            });
            let read = read_batches(
                (reader, E::TABLE.columns(), &mut header_skipped),
                (&origin, run),
                batch_size,
                &full_tx,
                &empty_rx,
                (progress, rejected),
            );
            // Ends the worker's stream of batches (it stops earlier on an error or the limit).
            drop(full_tx);
            let (written, bulk) = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            // A storage error comes first; a load stopped by the reject limit ignores what
            // could not be read after the limit.
            let result = match (written, read) {
                (Err(stop), _) => Err(stop),
                (Ok(true), _) => Ok(()),
                (Ok(false), read) => read,
            };
            (result, bulk)
        });
        summary.header_skipped = header_skipped;
        (result, bulk)
    }

    /// Checks, writes and counts the batches of `batches` in order, handing each back emptied
    /// to `emptied`. `Ok(true)` when the reject limit stopped the load.
    fn write_batches<E: Record>(
        &mut self,
        repo: &dyn TableRepository<E>,
        bulk: Option<&dyn BulkLoad<E>>,
        (batches, emptied): (
            mpsc::Receiver<PendingBatch<E>>,
            &mpsc::Sender<PendingBatch<E>>,
        ),
        summary: &mut TableSummary,
        rejected: &AtomicU64,
    ) -> Result<bool, Stop> {
        for mut batch in batches {
            if self.options.cancel.is_cancelled() {
                return Err(Stop::Cancelled);
            }
            match bulk {
                Some(load) => self.flush(load, 1, &mut batch, summary),
                None => self.flush(repo, WRITE_ATTEMPTS, &mut batch, summary),
            }
            .map_err(Stop::Storage)?;
            rejected.store(summary.rejected, Ordering::Relaxed);
            if self.stopped {
                summary.stopped_early = true;
                return Ok(true);
            }
            // Handed back whole: the reader empties it, so that its rows are freed by the
            // thread that allocated them. The reader may be gone already (it failed or
            // finished): the batch is not needed then.
            let _ = emptied.send(batch);
        }
        Ok(false)
    }

    /// Checks, writes and counts one batch (the caller empties it).
    fn flush<E: Record>(
        &mut self,
        repo: &(impl LoadTarget<E> + ?Sized),
        attempts: usize,
        batch: &mut PendingBatch<E>,
        summary: &mut TableSummary,
    ) -> Result<(), RepoError> {
        let keys = &*self.repos.keys;
        let (rejected_before, max_rejects) = (self.rejected, self.options.max_rejects);
        let accepted = &self.accepted;
        let (started, mut checking) = (Instant::now(), Duration::ZERO);
        let (plan, inserted) = pending::commit(
            repo,
            batch,
            attempts,
            |batch| {
                let check = Instant::now();
                let mut plan =
                    pending::classify(keys, repo, batch, Duplicates::CompareContent, accepted)?;
                plan.cut_at_reject_limit(rejected_before, max_rejects);
                checking += check.elapsed();
                Ok(plan)
            },
            |_, _| !self.options.dry_run,
        )?;
        let writing = started.elapsed().saturating_sub(checking);
        summary.stages.add(LoadStage::Write, writing);
        pending::log_rejects(&plan, batch, Some(&mut self.tally));
        let inserted = if self.options.dry_run {
            let seen = self.accepted.entry(E::TABLE).or_default();
            for &i in plan.inserts.iter().chain(&plan.present) {
                if let Some(id) = batch.ids[i] {
                    seen.insert(id.get().unsigned_abs());
                }
            }
            plan.inserts.len() as u64
        } else {
            inserted
        };
        let rejected = plan.rejects.len() as u64;
        summary.read += plan.considered as u64;
        summary.inserted += inserted;
        summary.already_present += plan.present.len() as u64;
        summary.rejected += rejected;
        self.rejected += rejected;
        if plan.considered < batch.len() {
            self.stopped = true;
        }
        Ok(())
    }
}

/// Reads every record of `reader` into batches of `batch_size` rows (reusing those handed back
/// on `emptied`) and sends each full batch, and the last one, to `full`, reporting progress
/// after each. A first record that is the header of `columns` is skipped (and `skipped` set).
/// Stops early, without error, when the receiver is gone.
fn read_batches<E: Record, R: Read>(
    (reader, columns, skipped): (&mut RecordReader<R>, &[&str], &mut bool),
    (origin, run): (&Origin, Option<RunId>),
    batch_size: usize,
    full: &mpsc::SyncSender<PendingBatch<E>>,
    emptied: &mpsc::Receiver<PendingBatch<E>>,
    (progress, rejected): (&dyn Progress, &AtomicU64),
) -> Result<(), Stop> {
    let mut batch = PendingBatch::<E>::new(origin.clone(), batch_size).in_run(run);
    let mut read = 0_u64;
    let mut first = true;
    loop {
        let next = reader.next_row().map_err(|e| Stop::Read(e.to_string()))?;
        if std::mem::take(&mut first) {
            if let Some((_, Row::Fields(fields))) = &next {
                if is_header(fields.iter(), columns) {
                    *skipped = true;
                    continue;
                }
            }
        }
        let more = match next {
            Some((line, Row::Fields(fields))) => {
                batch.push_record(&fields, line);
                true
            }
            Some((line, Row::Refused { raw, why })) => {
                batch.push_refused(line, raw, why);
                true
            }
            None => false,
        };
        read += u64::from(more);
        if batch.len() >= batch_size || (!more && batch.len() > 0) {
            let next = match emptied.try_recv() {
                Ok(mut used) => {
                    used.clear();
                    used
                }
                Err(_) => PendingBatch::new(origin.clone(), batch_size).in_run(run),
            };
            if full.send(std::mem::replace(&mut batch, next)).is_err() {
                return Ok(());
            }
            progress.advance(reader.position(), read);
            progress.rejected(rejected.load(Ordering::Relaxed));
        }
        if !more {
            return Ok(());
        }
    }
}

#[path = "migrate_summary.rs"]
mod summary;
pub use summary::TableSummary;

#[path = "migrate_sniff.rs"]
mod sniff;
pub use sniff::binary_kind;
use sniff::sniff;

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "hostile_input_tests.rs"]
mod hostile_input_tests;
