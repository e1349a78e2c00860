//! The rows of a batch as received: parsed or refused by the domain rules, with their raw text
//! and position.

use crate::raw_text::cut_raw;
use hiring_domain::{Id, Record, Rejection, RowErrors, RunId};

/// Where the rows of a batch come from; it names each row in rejects.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A file or stream: positions are 1-based lines, rows are `file.csv:LINE`.
    File(String),
    /// An API request: positions are 0-based indexes, rows are `api <request id> row <index>`.
    Api(String),
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
    /// The id of each row: of every valid row, and of a refused one when it is known (see
    /// [`PendingBatch::push_with_id`]).
    pub(crate) ids: Vec<Option<Id>>,
    pub(crate) items: Vec<Item<E>>,
    raw: String,
    raw_ends: Vec<usize>,
    /// The run whose rejects these rows become, when they come from one.
    run: Option<RunId>,
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
            run: None,
        }
    }

    /// The same (empty) batch, whose rejects are recorded as `run`'s.
    pub(crate) fn in_run(mut self, run: Option<RunId>) -> Self {
        self.run = run;
        self
    }

    /// The run whose rejects these rows become.
    pub(crate) fn run(&self) -> Option<RunId> {
        self.run
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

    /// Adds one row at `position`, whose raw text `write_raw` appends to the buffer it is given.
    pub(crate) fn push(
        &mut self,
        position: u64,
        write_raw: impl FnOnce(&mut String),
        parsed: Result<E, RowErrors>,
    ) {
        let id = parsed.as_ref().ok().map(Record::id);
        self.push_with_id(position, write_raw, parsed, id);
    }

    /// [`PendingBatch::push`] of a row whose id the caller already knows: the id of the valid
    /// row, or of a refused one whose id field was valid.
    pub(crate) fn push_with_id(
        &mut self,
        position: u64,
        write_raw: impl FnOnce(&mut String),
        parsed: Result<E, RowErrors>,
        id: Option<Id>,
    ) {
        self.positions.push(position);
        let start = self.raw.len();
        write_raw(&mut self.raw);
        cut_raw(&mut self.raw, start);
        self.raw_ends.push(self.raw.len());
        self.ids.push(id);
        let i = self.items.len();
        self.items.push(match parsed {
            Ok(row) => Item::Valid(row),
            Err(errors) => Item::Invalid(
                Rejection::new(E::TABLE, self.location(i), self.raw_text(i), errors)
                    .in_run(self.run),
            ),
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
    pub(crate) fn position_text(&self, i: usize) -> String {
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
