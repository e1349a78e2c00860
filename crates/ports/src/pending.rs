//! The batch classifier shared by the use cases that write rows (`migrate`, `ingest`).
//!
//! A [`PendingBatch`] holds rows as received (parsed or refused by the domain rules, with their
//! raw text and position); [`classify`] decides for each row — insert, already present, or
//! reject and why — with one set-wise look-up of the foreign keys and one of the ids already
//! stored; [`commit`] writes the decided rows and rejects in one transaction, classifying again
//! and retrying when a concurrent writer made the batch conflict.

use crate::record_reader::{Fields, Refusal};
use crate::{BulkLoad, KeyLookup, RepoError, TableRepository};
use hiring_domain::{FieldError, Id, Record, Rejection, RowErrors, Table};
use roaring::RoaringBitmap;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};

/// Hashes the keys of the per-batch maps (ids, table and id pairs) with one multiply-rotate per
/// word (the Fx hash) instead of SipHash, which dominated classifying a batch. Keys come from
/// the input, but a batch holds at most a few thousand of them: even keys chosen to collide
/// cost milliseconds, not an outage.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_i32(&mut self, word: i32) {
        self.write_u64(u64::from(word.unsigned_abs()) | (u64::from(word < 0) << 32));
    }

    fn write_isize(&mut self, word: isize) {
        self.write_u64(word as u64);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

/// A map keyed by ids, hashed with [`KeyHasher`].
pub(crate) type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;
/// A set of ids, hashed with [`KeyHasher`].
pub(crate) type KeySet<K> = HashSet<K, BuildHasherDefault<KeyHasher>>;

/// Longest raw record kept in a reject, in bytes; longer ones are cut and marked.
pub(crate) const MAX_RAW_BYTES: usize = 4096;

/// Where the rows of a batch come from; it names each row in rejects.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A file or stream: positions are 1-based lines, rows are `file.csv:LINE`.
    File(String),
    /// An API request: positions are 0-based indexes, rows are `api <request id> row <index>`.
    Api(String),
}

/// Where a batch is checked and written: a table repository, or a bulk load in progress.
pub(crate) trait LoadTarget<E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError>;
    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError>;
}

impl<E: Record> LoadTarget<E> for dyn TableRepository<E> + '_ {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        TableRepository::find_by_ids(self, ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        TableRepository::write_batch(self, rows, rejects)
    }
}

impl<E: Record> LoadTarget<E> for dyn BulkLoad<E> + '_ {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        BulkLoad::find_by_ids(self, ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        BulkLoad::write_batch(self, rows, rejects)
    }
}

/// What to do with a row whose id is already stored or appears earlier in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duplicates {
    /// Same content: already present; different content: a conflict (the migration).
    CompareContent,
    /// Always a reject (the API: a row is new or refused).
    Reject,
}

pub(crate) enum Item<E> {
    Valid(E),
    Invalid(Rejection),
    Taken,
}

/// Rows received but not yet written: their positions, raw text, ids and parsed rows.
pub(crate) struct PendingBatch<E> {
    origin: Origin,
    positions: Vec<u64>,
    pub(crate) ids: Vec<Option<Id>>,
    pub(crate) items: Vec<Item<E>>,
    raw: String,
    raw_ends: Vec<usize>,
}

impl<E: Record> PendingBatch<E> {
    pub(crate) fn new(origin: Origin, n: usize) -> Self {
        Self {
            origin,
            positions: Vec::with_capacity(n),
            ids: Vec::with_capacity(n),
            items: Vec::with_capacity(n),
            raw: String::new(),
            raw_ends: Vec::with_capacity(n),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn clear(&mut self) {
        self.positions.clear();
        self.ids.clear();
        self.items.clear();
        self.raw.clear();
        self.raw_ends.clear();
    }

    /// Adds one CSV record read at `line`.
    pub(crate) fn push_record(&mut self, record: &Fields<'_>, line: u64) {
        // The usual record: a line of a few fields, all UTF-8, none quoted. Its fields are
        // borrowed in place, checked at once, and the line itself is the raw text.
        let mut fields = [""; FAST_FIELDS];
        if let Some((n, text)) = plain_fields(record, &mut fields) {
            let parsed = E::from_fields(&fields[..n]);
            self.push(line, |raw| raw.push_str(text), parsed);
            return;
        }
        let parsed = parse_fields::<E>(record);
        self.push(line, |raw| push_raw(raw, record), parsed);
    }

    /// Adds a line the reader refused at `line` (its raw bytes, or a prefix of them).
    pub(crate) fn push_refused(&mut self, line: u64, raw: &[u8], why: Refusal) {
        let errors = RowErrors::single("record", why.to_string());
        self.push(
            line,
            |out| out.push_str(&String::from_utf8_lossy(raw)),
            Err(errors),
        );
    }

    /// Adds one row at `position`, whose raw text `write_raw` appends to the buffer it is given.
    pub(crate) fn push(
        &mut self,
        position: u64,
        write_raw: impl FnOnce(&mut String),
        parsed: Result<E, RowErrors>,
    ) {
        self.positions.push(position);
        let start = self.raw.len();
        write_raw(&mut self.raw);
        cut_raw(&mut self.raw, start);
        self.raw_ends.push(self.raw.len());
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

    /// Where row `i` came from: `file.csv:LINE` or `api <request id> row <index>`.
    pub(crate) fn location(&self, i: usize) -> String {
        match &self.origin {
            Origin::File(source) => format!("{source}:{}", self.positions[i]),
            Origin::Api(request) => format!("api {request} row {}", self.positions[i]),
        }
    }

    /// Row `i`'s position in words: `line 5` or `row 4`.
    fn position_text(&self, i: usize) -> String {
        match &self.origin {
            Origin::File(_) => format!("line {}", self.positions[i]),
            Origin::Api(_) => format!("row {}", self.positions[i]),
        }
    }

    pub(crate) fn raw_text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.raw_ends[i - 1] };
        &self.raw[start..self.raw_ends[i]]
    }

    pub(crate) fn row(&self, i: usize) -> Option<&E> {
        match &self.items[i] {
            Item::Valid(row) => Some(row),
            _ => None,
        }
    }

    pub(crate) fn valid_rows(&self) -> impl Iterator<Item = (usize, &E)> {
        (0..self.len()).filter_map(|i| self.row(i).map(|row| (i, row)))
    }

    /// Moves the rows at `positions` out of the batch.
    pub(crate) fn take_rows(&mut self, positions: &[usize]) -> Vec<E> {
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
    pub(crate) fn put_back(&mut self, positions: &[usize], rows: Vec<E>) {
        for (&i, row) in positions.iter().zip(rows) {
            self.items[i] = Item::Valid(row);
        }
    }
}

/// Most fields a record may have to take the fast path of [`PendingBatch::push_record`].
const FAST_FIELDS: usize = 8;

/// Fills `out` with the fields of `record` and returns how many there are with the line they
/// were read from, when the record is its line as read (no field quoted), it has at most
/// [`FAST_FIELDS`] fields, and it is UTF-8; `None` otherwise.
fn plain_fields<'r>(
    record: &Fields<'r>,
    out: &mut [&'r str; FAST_FIELDS],
) -> Option<(usize, &'r str)> {
    let n = record.len();
    if n > FAST_FIELDS {
        return None;
    }
    let text = std::str::from_utf8(record.plain_line()?).ok()?;
    for (i, slot) in out.iter_mut().enumerate().take(n) {
        // Fields are cut at commas, which never split a character.
        *slot = text.get(record.range(i))?;
    }
    Some((n, text))
}

/// Converts a record's fields to text (naming each column that is not UTF-8) and applies the
/// domain rules.
pub(crate) fn parse_fields<E: Record>(record: &Fields<'_>) -> Result<E, RowErrors> {
    let (fields, errors) = text_fields(E::TABLE, record);
    if let Some(errors) = RowErrors::from_vec(errors) {
        return Err(errors);
    }
    let fields: Vec<&str> = fields.iter().map(AsRef::as_ref).collect();
    E::from_fields(&fields)
}

/// The fields of `record` as text; a field that is not UTF-8 becomes empty and an error on its
/// column.
pub(crate) fn text_fields<'r>(
    table: Table,
    record: &Fields<'r>,
) -> (Vec<std::borrow::Cow<'r, str>>, Vec<FieldError>) {
    let mut fields = Vec::with_capacity(record.len());
    let mut errors = Vec::new();
    for (n, bytes) in record.iter().enumerate() {
        match std::str::from_utf8(bytes) {
            Ok(text) => fields.push(std::borrow::Cow::Borrowed(text)),
            Err(_) => {
                let column = table.columns().get(n).copied().unwrap_or("record");
                errors.push(FieldError::new(
                    column,
                    "contains bytes that are not valid UTF-8",
                ));
                fields.push(std::borrow::Cow::Borrowed(""));
            }
        }
    }
    (fields, errors)
}

/// Appends the record as one CSV line (quoted where needed, invalid UTF-8 replaced).
pub(crate) fn push_raw(out: &mut String, record: &Fields<'_>) {
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
}

/// Cuts what was appended to `out` since `start` to [`MAX_RAW_BYTES`], marking the cut.
pub(crate) fn cut_raw(out: &mut String, start: usize) {
    if out.len() - start > MAX_RAW_BYTES {
        let mut cut = start + MAX_RAW_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("…[truncated]");
    }
}

pub(crate) enum Decision {
    Insert,
    Present,
    /// `None`: the row failed parsing and carries its own rejection.
    Reject(Option<RowErrors>),
}

/// What to do with each row of a batch, in input order (inserts in id order).
pub(crate) struct Plan {
    pub(crate) inserts: Vec<usize>,
    pub(crate) present: Vec<usize>,
    pub(crate) rejects: Vec<(usize, Option<RowErrors>)>,
    /// Rows of the batch taken into account (all, unless the reject limit cut the batch).
    pub(crate) considered: usize,
}

impl Plan {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            inserts: Vec::with_capacity(len),
            present: Vec::new(),
            rejects: Vec::new(),
            considered: len,
        }
    }

    pub(crate) fn decide(&mut self, i: usize, decision: Decision) {
        match decision {
            Decision::Insert => self.inserts.push(i),
            Decision::Present => self.present.push(i),
            Decision::Reject(errors) => self.rejects.push((i, errors)),
        }
    }

    /// Drops every decision after the reject that passes `limit`, so a stopped load commits
    /// exactly the rows before it (and that reject).
    pub(crate) fn cut_at_reject_limit(&mut self, rejected_before: u64, limit: Option<u64>) {
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

    /// The rejects of the plan, each with its location, raw record and reasons.
    pub(crate) fn rejections<E: Record>(&self, batch: &PendingBatch<E>) -> Vec<Rejection> {
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

/// Decides for every row of the batch: insert, already present, or reject (and why).
/// `accepted` holds ids a dry run accepted without writing them, per table.
pub(crate) fn classify<E: Record>(
    keys: &dyn KeyLookup,
    repo: &(impl LoadTarget<E> + ?Sized),
    batch: &PendingBatch<E>,
    duplicates: Duplicates,
    accepted: &HashMap<Table, RoaringBitmap>,
) -> Result<Plan, RepoError> {
    let valid: Vec<(usize, &E)> = batch.valid_rows().collect();
    let missing_parents = missing_parents(keys, valid.iter().map(|(_, row)| *row), accepted)?;
    let ids: Vec<Id> = valid.iter().map(|(_, row)| row.id()).collect();
    let stored: KeyMap<Id, E> = if ids.is_empty() {
        KeyMap::default()
    } else {
        repo.find_by_ids(&ids)?
            .into_iter()
            .map(|row| (row.id(), row))
            .collect()
    };
    let seen_in_run = accepted.get(&E::TABLE);
    let mut first_in_batch: KeyMap<Id, usize> =
        KeyMap::with_capacity_and_hasher(valid.len(), Default::default());
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
                (!missing_parents.is_empty() && missing_parents.contains(&(parent, key)))
                    .then(|| FieldError::new(column, format!("{parent} {key} does not exist")))
            })
            .collect();
        let id = row.id();
        let mut present = false;
        let stored_row = if stored.is_empty() {
            None
        } else {
            stored.get(&id)
        };
        match (duplicates, stored_row, first_in_batch.get(&id)) {
            (Duplicates::Reject, Some(_), _) => {
                errors.push(FieldError::new("id", format!("id {id} already exists")));
            }
            (Duplicates::Reject, None, Some(&first)) => errors.push(FieldError::new(
                "id",
                format!(
                    "id {id} appears earlier in this batch ({})",
                    batch.position_text(first)
                ),
            )),
            (Duplicates::CompareContent, Some(existing), _) => {
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
            }
            (Duplicates::CompareContent, None, Some(&first)) => {
                if batch.row(first) == Some(row) {
                    present = true;
                } else {
                    errors.push(FieldError::new(
                        "id",
                        format!(
                            "{id} appears earlier in this input ({}) with different content",
                            batch.position_text(first)
                        ),
                    ));
                }
            }
            (_, None, None) => {
                if seen_in_run.is_some_and(|seen| seen.contains(id.get().unsigned_abs())) {
                    errors.push(FieldError::new(
                        "id",
                        format!(
                            "{id} appears earlier in this input (dry run: content not compared)"
                        ),
                    ));
                }
            }
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
    // Concurrent writers that insert in one order cannot deadlock on each other's keys.
    plan.inserts.sort_by_key(|&i| batch.row(i).map(Record::id));
    Ok(plan)
}

/// The (parent table, key) pairs referenced by `rows` that exist neither in storage nor among
/// the ids in `accepted`.
fn missing_parents<'r, E: Record>(
    keys: &dyn KeyLookup,
    rows: impl Iterator<Item = &'r E> + Clone,
    accepted: &HashMap<Table, RoaringBitmap>,
) -> Result<KeySet<(Table, Id)>, RepoError> {
    let mut missing = KeySet::default();
    for &(parent, _) in E::TABLE.parents() {
        let mut wanted: Vec<Id> = rows
            .clone()
            .filter_map(|row| row.parent_id(parent))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            continue;
        }
        let found: KeySet<Id> = keys.existing_ids(parent, &wanted)?.into_iter().collect();
        let seen = accepted.get(&parent);
        for key in wanted {
            let accepted_here = seen.is_some_and(|s| s.contains(key.get().unsigned_abs()));
            if !found.contains(&key) && !accepted_here {
                missing.insert((parent, key));
            }
        }
    }
    Ok(missing)
}

/// How many times a batch is re-checked and re-written after a concurrent writer made it
/// conflict, by default.
pub(crate) const WRITE_ATTEMPTS: usize = 5;

/// Plans the batch with `plan_for` and, when `write` agrees, writes its inserts and rejects in
/// one transaction. On a [`RepoError::Conflict`] the batch is planned and written again, at most
/// `attempts` times in all. Returns the plan and the rows inserted (0 when not written).
pub(crate) fn commit<E: Record>(
    repo: &(impl LoadTarget<E> + ?Sized),
    batch: &mut PendingBatch<E>,
    attempts: usize,
    mut plan_for: impl FnMut(&PendingBatch<E>) -> Result<Plan, RepoError>,
    write: impl Fn(&Plan) -> bool,
) -> Result<(Plan, u64), RepoError> {
    let mut attempt = 1;
    loop {
        let plan = plan_for(batch)?;
        if !write(&plan) {
            return Ok((plan, 0));
        }
        let rows = batch.take_rows(&plan.inserts);
        let rejects = plan.rejections(batch);
        match repo.write_batch(&rows, &rejects) {
            Ok(inserted) => return Ok((plan, inserted)),
            Err(RepoError::Conflict(reason)) if attempt < attempts => {
                tracing::debug!(%reason, attempt, "batch conflicted with a concurrent writer; checking it again");
                batch.put_back(&plan.inserts, rows);
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Logs every reject of `plan` as one WARN line, borrowing what it prints from the batch.
pub(crate) fn warn_rejects<E: Record>(plan: &Plan, batch: &PendingBatch<E>) {
    if plan.rejects.is_empty() || !tracing::enabled!(tracing::Level::WARN) {
        return;
    }
    let fallback = [FieldError::new("record", "rejected")];
    for (i, errors) in &plan.rejects {
        let (source, raw, reasons) = match (errors, &batch.items[*i]) {
            (None, Item::Invalid(rejection)) => (
                std::borrow::Cow::Borrowed(rejection.source()),
                rejection.raw(),
                rejection.errors(),
            ),
            (Some(errors), _) => (
                batch.location(*i).into(),
                batch.raw_text(*i),
                errors.as_slice(),
            ),
            (None, _) => (batch.location(*i).into(), batch.raw_text(*i), &fallback[..]),
        };
        tracing::warn!(
            table = %E::TABLE,
            source = %source,
            raw = %raw,
            reasons = %Reasons(reasons),
            "row rejected"
        );
    }
}

/// Reasons on one line, as [`Rejection::reasons`] prints them.
struct Reasons<'a>(&'a [FieldError]);

impl std::fmt::Display for Reasons<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, error) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
