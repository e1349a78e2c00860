//! Rows of CSV files into a pending batch: the fast path for the usual plain line, and the text
//! of fields that may not be UTF-8.

use super::batch::PendingBatch;
use crate::raw_text::push_raw;
use crate::record_reader::{Fields, Refusal};
use hiring_domain::{FieldError, Record, RowErrors, Table};
use std::borrow::Cow;

/// Most fields a record may have to take the fast path of [`PendingBatch::push_record`].
const FAST_FIELDS: usize = 8;

impl<E: Record> PendingBatch<E> {
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
        self.push(line, |raw| push_raw(raw, record.iter()), parsed);
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
}

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
fn parse_fields<E: Record>(record: &Fields<'_>) -> Result<E, RowErrors> {
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
) -> (Vec<Cow<'r, str>>, Vec<FieldError>) {
    let mut fields = Vec::with_capacity(record.len());
    let mut errors = Vec::new();
    for (n, bytes) in record.iter().enumerate() {
        match std::str::from_utf8(bytes) {
            Ok(text) => fields.push(Cow::Borrowed(text)),
            Err(_) => {
                let column = table.columns().get(n).copied().unwrap_or("record");
                errors.push(FieldError::new(
                    column,
                    "contains bytes that are not valid UTF-8",
                ));
                fields.push(Cow::Borrowed(""));
            }
        }
    }
    (fields, errors)
}
