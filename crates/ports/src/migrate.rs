//! Use case: load historical CSV files into storage.
//!
//! Rows are read as a stream, validated by the domain rules, checked set-wise per batch against
//! what is stored (foreign keys, ids already present), and written one batch per transaction
//! together with the rejects of that batch. A load that stops midway leaves only whole batches,
//! and rerunning it completes the load without duplicating rows or reject records.

use crate::{RepoError, Repositories, TableRepository};
use hiring_domain::{FieldError, Id, Record, Rejection, RowErrors, Table};
use roaring::RoaringBitmap;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

/// Rows validated and written per transaction unless told otherwise.
pub const DEFAULT_BATCH_SIZE: usize = 10_000;

/// How many times a batch is re-checked and re-written after a concurrent writer made it
/// conflict.
const WRITE_ATTEMPTS: usize = 5;

/// Longest raw record kept in a reject, in bytes; longer ones are cut and marked.
const MAX_RAW_BYTES: usize = 4096;

/// How a load behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Rows per batch (one transaction each). At least 1.
    pub batch_size: usize,
    /// Stop once more than this many rows were rejected in the whole migration.
    pub max_rejects: Option<u64>,
    /// Validate and check against storage without writing anything.
    pub dry_run: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            max_rejects: None,
            dry_run: false,
        }
    }
}

/// What a load did with one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableSummary {
    /// The table loaded.
    pub table: Table,
    /// The file or stream name.
    pub source: String,
    /// Records read (and considered) from the source.
    pub read: u64,
    /// Rows newly stored (or, in a dry run, that would be).
    pub inserted: u64,
    /// Rows whose id was already stored with the same content.
    pub already_present: u64,
    /// Rows refused and logged.
    pub rejected: u64,
    /// Wall time of the load.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
    /// True when the load stopped early because the reject limit was passed.
    pub stopped_early: bool,
    /// True when nothing was written.
    pub dry_run: bool,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl TableSummary {
    fn new(table: Table, source: &str, dry_run: bool) -> Self {
        Self {
            table,
            source: source.to_owned(),
            read: 0,
            inserted: 0,
            already_present: 0,
            rejected: 0,
            elapsed: Duration::ZERO,
            stopped_early: false,
            dry_run,
        }
    }

    /// Records read per second.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.read as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why a load could not go on. Batches committed before the failure stay stored.
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
    /// Storage failed; `summary` counts only what was committed before.
    #[error("storage failed while loading {}: {error}", summary.source)]
    Storage {
        /// What was committed before the failure.
        summary: Box<TableSummary>,
        /// The storage error.
        error: RepoError,
    },
}

/// Told how far a load has come, e.g. to drive a progress bar.
pub trait Progress {
    /// `bytes` of the input and `rows` records have been processed so far.
    fn advance(&self, bytes: u64, rows: u64);
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
            accepted: HashMap::new(),
        }
    }

    /// True once the reject limit was passed; further loads read nothing.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Rows rejected so far in this migration.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// Loads one headerless CSV stream into `table`. `source` names it in rejects and logs
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
        if self.stopped {
            summary.stopped_early = true;
            return Ok(summary);
        }
        let mut reader = BufReader::with_capacity(1 << 16, LineCounter::new(input));
        sniff(&mut reader, source)?;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut record = csv::ByteRecord::new();
        let mut batch = PendingBatch::<E>::new(source, self.options.batch_size);
        loop {
            let more = csv
                .read_byte_record(&mut record)
                .map_err(|e| LoadError::Read {
                    source_name: source.to_owned(),
                    message: e.to_string(),
                })?;
            if more {
                // The reader now stands at or just past the record's final newline.
                let end = csv.position().byte().saturating_sub(1);
                let last_line = csv.get_mut().get_mut().line_at(end);
                let inner_newlines = record.as_slice().iter().filter(|&&b| b == b'\n').count();
                let line = last_line.saturating_sub(inner_newlines as u64);
                batch.push(&record, line);
            }
            if batch.len() >= self.options.batch_size || (!more && batch.len() > 0) {
                let result = self.flush(repo, &mut batch, &mut summary);
                let bytes = csv.position().byte();
                progress.advance(bytes, summary.read);
                if let Err(error) = result {
                    summary.elapsed = started.elapsed();
                    return Err(LoadError::Storage {
                        summary: Box::new(summary),
                        error,
                    });
                }
                if self.stopped {
                    summary.stopped_early = true;
                    break;
                }
            }
            if !more {
                break;
            }
        }
        summary.elapsed = started.elapsed();
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

    /// Checks, writes and counts one batch, then empties it.
    fn flush<E: Record>(
        &mut self,
        repo: &dyn TableRepository<E>,
        batch: &mut PendingBatch<E>,
        summary: &mut TableSummary,
    ) -> Result<(), RepoError> {
        let mut attempt = 1;
        let (plan, inserted) = loop {
            let mut plan = self.classify(repo, batch)?;
            plan.cut_at_reject_limit(self.rejected, self.options.max_rejects);
            let rows = batch.take_rows(&plan.inserts);
            let rejects = plan.rejections(batch);
            if self.options.dry_run {
                break (plan, rows.len() as u64);
            }
            match repo.write_batch(&rows, &rejects) {
                Ok(inserted) => break (plan, inserted),
                Err(RepoError::Conflict(reason)) if attempt < WRITE_ATTEMPTS => {
                    tracing::debug!(%reason, attempt, "batch conflicted with a concurrent writer; checking it again");
                    batch.put_back(&plan.inserts, rows);
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };
        for reject in plan.rejections(batch) {
            tracing::warn!(
                table = %reject.table(),
                source = %reject.source(),
                raw = %reject.raw(),
                reasons = %reject.reasons(),
                "row rejected"
            );
        }
        if self.options.dry_run {
            let seen = self.accepted.entry(E::TABLE).or_default();
            for &i in plan.inserts.iter().chain(&plan.present) {
                if let Some(id) = batch.ids[i] {
                    seen.insert(id.get().unsigned_abs());
                }
            }
        }
        let rejected = plan.rejects.len() as u64;
        summary.read += plan.considered as u64;
        summary.inserted += inserted;
        summary.already_present += plan.present.len() as u64;
        summary.rejected += rejected;
        self.rejected += rejected;
        if plan.considered < batch.len() {
            self.stopped = true;
        }
        batch.clear();
        Ok(())
    }

    /// Decides for every row of the batch: insert, already present, or reject (and why).
    fn classify<E: Record>(
        &self,
        repo: &dyn TableRepository<E>,
        batch: &PendingBatch<E>,
    ) -> Result<Plan, RepoError> {
        let valid: Vec<(usize, &E)> = batch.valid_rows().collect();
        let missing_parents = self.missing_parents(valid.iter().map(|(_, row)| *row))?;
        let ids: Vec<Id> = valid.iter().map(|(_, row)| row.id()).collect();
        let stored: HashMap<Id, E> = if ids.is_empty() {
            HashMap::new()
        } else {
            repo.find_by_ids(&ids)?
                .into_iter()
                .map(|row| (row.id(), row))
                .collect()
        };
        let seen_in_run = self.accepted.get(&E::TABLE);
        let mut first_in_batch: HashMap<Id, usize> = HashMap::with_capacity(valid.len());
        let mut plan = Plan::new(batch.len());
        for i in 0..batch.len() {
            let Some(row) = batch.row(i) else {
                plan.decide(i, Decision::Reject(None));
                continue;
            };
            let mut errors: Vec<FieldError> = E::TABLE
                .parents()
                .iter()
                .filter_map(|&(parent, column)| {
                    let key = row.parent_id(parent)?;
                    missing_parents
                        .contains(&(parent, key))
                        .then(|| FieldError::new(column, format!("{parent} {key} does not exist")))
                })
                .collect();
            let id = row.id();
            let mut present = false;
            if let Some(existing) = stored.get(&id) {
                if existing == row {
                    present = true;
                } else {
                    errors.push(FieldError::new(
                        "id",
                        format!(
                            "{id} is already stored with different content ({}); it is never overwritten",
                            existing.to_fields().join(",")
                        ),
                    ));
                }
            } else if let Some(&first) = first_in_batch.get(&id) {
                if batch.row(first) == Some(row) {
                    present = true;
                } else {
                    errors.push(FieldError::new(
                        "id",
                        format!(
                            "{id} appears earlier in this input (line {}) with different content",
                            batch.lines[first]
                        ),
                    ));
                }
            } else if seen_in_run.is_some_and(|seen| seen.contains(id.get().unsigned_abs())) {
                errors.push(FieldError::new(
                    "id",
                    format!("{id} appears earlier in this input (dry run: content not compared)"),
                ));
            }
            match RowErrors::from_vec(errors) {
                Some(errors) => plan.decide(i, Decision::Reject(Some(errors))),
                None if present => plan.decide(i, Decision::Present),
                None => {
                    first_in_batch.insert(id, i);
                    plan.decide(i, Decision::Insert);
                }
            }
        }
        Ok(plan)
    }

    /// The (parent table, key) pairs referenced by `rows` that exist neither in storage nor, in
    /// a dry run, among the rows accepted so far.
    fn missing_parents<'r, E: Record>(
        &self,
        rows: impl Iterator<Item = &'r E> + Clone,
    ) -> Result<HashSet<(Table, Id)>, RepoError> {
        let mut missing = HashSet::new();
        for &(parent, _) in E::TABLE.parents() {
            let wanted: Vec<Id> = rows
                .clone()
                .filter_map(|row| row.parent_id(parent))
                .collect::<HashSet<Id>>()
                .into_iter()
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let found: HashSet<Id> = self
                .repos
                .keys
                .existing_ids(parent, &wanted)?
                .into_iter()
                .collect();
            let seen = self.accepted.get(&parent);
            for key in wanted {
                let accepted_here = seen.is_some_and(|s| s.contains(key.get().unsigned_abs()));
                if !found.contains(&key) && !accepted_here {
                    missing.insert((parent, key));
                }
            }
        }
        Ok(missing)
    }
}

/// Refuses input that is evidently not text.
fn sniff<R: Read>(reader: &mut BufReader<R>, source: &str) -> Result<(), LoadError> {
    let head = reader.fill_buf().map_err(|e| LoadError::Read {
        source_name: source.to_owned(),
        message: e.to_string(),
    })?;
    let not_csv = |reason: &str| LoadError::NotCsv {
        source_name: source.to_owned(),
        reason: reason.to_owned(),
    };
    let head = &head[..head.len().min(8192)];
    for (magic, kind) in [
        (
            &b"PK\x03\x04"[..],
            "it is a ZIP archive (an Excel workbook?)",
        ),
        (&b"%PDF"[..], "it is a PDF document"),
        (&b"\x1f\x8b"[..], "it is gzip-compressed"),
        (&b"Obj\x01"[..], "it is an Avro file"),
    ] {
        if head.starts_with(magic) {
            return Err(not_csv(kind));
        }
    }
    if head.contains(&0) {
        return Err(not_csv("it contains NUL bytes (a binary file?)"));
    }
    Ok(())
}

/// Passes bytes through while noting where lines end, so a record's line can be told from its
/// byte offset (the csv crate's own line numbers drift on CRLF files and blank lines).
struct LineCounter<R> {
    inner: R,
    read: u64,
    /// Offsets of newlines read but not yet passed by [`LineCounter::line_at`].
    newlines: std::collections::VecDeque<u64>,
    lines_before: u64,
}

impl<R: Read> LineCounter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            read: 0,
            newlines: std::collections::VecDeque::new(),
            lines_before: 0,
        }
    }

    /// The 1-based line holding byte `offset`. Offsets must not decrease between calls.
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.newlines.front().is_some_and(|&nl| nl < offset) {
            self.newlines.pop_front();
            self.lines_before += 1;
        }
        self.lines_before + 1
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let base = self.read;
        self.newlines.extend(
            buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| base + i as u64),
        );
        self.read += n as u64;
        Ok(n)
    }
}

enum Item<E> {
    Valid(E),
    Invalid(Rejection),
    Taken,
}

/// Records read but not yet written: their lines, raw text, ids and parsed rows.
struct PendingBatch<E> {
    lines: Vec<u64>,
    ids: Vec<Option<Id>>,
    items: Vec<Item<E>>,
    raw: String,
    raw_ends: Vec<usize>,
    source: String,
}

impl<E: Record> PendingBatch<E> {
    fn new(source: &str, n: usize) -> Self {
        Self {
            source: source.to_owned(),
            lines: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            raw: String::new(),
            raw_ends: Vec::with_capacity(n),
        }
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn clear(&mut self) {
        self.lines.clear();
        self.ids.clear();
        self.items.clear();
        self.raw.clear();
        self.raw_ends.clear();
    }

    fn push(&mut self, record: &csv::ByteRecord, line: u64) {
        self.lines.push(line);
        push_raw(&mut self.raw, record);
        self.raw_ends.push(self.raw.len());
        let parsed = parse_fields::<E>(record);
        self.ids.push(parsed.as_ref().ok().map(Record::id));
        let i = self.items.len();
        self.items.push(match parsed {
            Ok(row) => Item::Valid(row),
            Err(errors) => Item::Invalid(Rejection::new(
                E::TABLE,
                self.location(i),
                self.raw_text(i),
                errors,
            )),
        });
    }

    /// Where row `i` came from: `file.csv:line`.
    fn location(&self, i: usize) -> String {
        format!("{}:{}", self.source, self.lines[i])
    }

    fn raw_text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.raw_ends[i - 1] };
        &self.raw[start..self.raw_ends[i]]
    }

    fn row(&self, i: usize) -> Option<&E> {
        match &self.items[i] {
            Item::Valid(row) => Some(row),
            _ => None,
        }
    }

    fn valid_rows(&self) -> impl Iterator<Item = (usize, &E)> {
        (0..self.len()).filter_map(|i| self.row(i).map(|row| (i, row)))
    }

    /// Moves the rows at `positions` out of the batch.
    fn take_rows(&mut self, positions: &[usize]) -> Vec<E> {
        positions
            .iter()
            .filter_map(
                |&i| match std::mem::replace(&mut self.items[i], Item::Taken) {
                    Item::Valid(row) => Some(row),
                    other => {
                        self.items[i] = other;
                        None
                    }
                },
            )
            .collect()
    }

    /// Undoes [`PendingBatch::take_rows`].
    fn put_back(&mut self, positions: &[usize], rows: Vec<E>) {
        for (&i, row) in positions.iter().zip(rows) {
            self.items[i] = Item::Valid(row);
        }
    }
}

/// Converts a record's fields to text and applies the domain rules.
fn parse_fields<E: Record>(record: &csv::ByteRecord) -> Result<E, RowErrors> {
    let mut fields: Vec<&str> = Vec::with_capacity(record.len());
    let mut bad_columns = Vec::new();
    for (n, bytes) in record.iter().enumerate() {
        match std::str::from_utf8(bytes) {
            Ok(text) => fields.push(text),
            Err(_) => {
                bad_columns.push(E::TABLE.columns().get(n).copied().unwrap_or("record"));
                fields.push("");
            }
        }
    }
    if !bad_columns.is_empty() {
        let errors = bad_columns
            .into_iter()
            .map(|column| FieldError::new(column, "contains bytes that are not valid UTF-8"))
            .collect();
        return Err(
            RowErrors::from_vec(errors).unwrap_or_else(|| RowErrors::single("record", "invalid"))
        );
    }
    E::from_fields(&fields)
}

/// Appends the record as one CSV line (quoted where needed, invalid UTF-8 replaced), at most
/// [`MAX_RAW_BYTES`].
fn push_raw(out: &mut String, record: &csv::ByteRecord) {
    let start = out.len();
    for (n, field) in record.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let text = String::from_utf8_lossy(field);
        if text.contains([',', '"', '\r', '\n']) {
            let _ = write!(out, "\"{}\"", text.replace('"', "\"\""));
        } else {
            out.push_str(&text);
        }
    }
    if out.len() - start > MAX_RAW_BYTES {
        let mut cut = start + MAX_RAW_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("…[truncated]");
    }
}

enum Decision {
    Insert,
    Present,
    /// `None`: the row failed parsing and carries its own rejection.
    Reject(Option<RowErrors>),
}

/// What to do with each row of a batch, in input order.
struct Plan {
    inserts: Vec<usize>,
    present: Vec<usize>,
    rejects: Vec<(usize, Option<RowErrors>)>,
    /// Rows of the batch taken into account (all, unless the reject limit cut the batch).
    considered: usize,
}

impl Plan {
    fn new(len: usize) -> Self {
        Self {
            inserts: Vec::with_capacity(len),
            present: Vec::new(),
            rejects: Vec::new(),
            considered: len,
        }
    }

    fn decide(&mut self, i: usize, decision: Decision) {
        match decision {
            Decision::Insert => self.inserts.push(i),
            Decision::Present => self.present.push(i),
            Decision::Reject(errors) => self.rejects.push((i, errors)),
        }
    }

    /// Drops every decision after the reject that passes `limit`, so a stopped load commits
    /// exactly the rows before it (and that reject).
    fn cut_at_reject_limit(&mut self, rejected_before: u64, limit: Option<u64>) {
        let Some(limit) = limit else { return };
        let allowed = limit.saturating_sub(rejected_before);
        if (self.rejects.len() as u64) <= allowed {
            return;
        }
        // The (allowed + 1)-th reject of this batch is the one that passes the limit.
        let last = self.rejects[allowed as usize].0;
        self.considered = last + 1;
        self.inserts.retain(|&i| i <= last);
        self.present.retain(|&i| i <= last);
        self.rejects.retain(|(i, _)| *i <= last);
    }

    fn rejections<E: Record>(&self, batch: &PendingBatch<E>) -> Vec<Rejection> {
        self.rejects
            .iter()
            .map(|(i, errors)| match (errors, &batch.items[*i]) {
                (None, Item::Invalid(rejection)) => rejection.clone(),
                (Some(errors), _) => Rejection::new(
                    E::TABLE,
                    batch.location(*i),
                    batch.raw_text(*i),
                    errors.clone(),
                ),
                (None, _) => Rejection::new(
                    E::TABLE,
                    batch.location(*i),
                    batch.raw_text(*i),
                    RowErrors::single("record", "rejected"),
                ),
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
