//! Use case: ingest one batch of rows received through the API.
//!
//! Each row is checked by the same domain rules as in a migration ([`Record::from_fields`]),
//! then set-wise against storage: one look-up of the referenced departments and jobs, one of the
//! batch's ids. Unlike a migration, an id that is already stored (even with identical content)
//! or that appears earlier in the batch is always a reject: a row sent through the API is either
//! new or refused. Valid rows and the rejects are written in one transaction; a batch that
//! conflicts with a concurrent writer is checked again and retried.
//!
//! In [`Mode::Atomic`] the batch is all-or-nothing: when any row is invalid, nothing is written
//! (neither rows nor rejects) and [`IngestError::Refused`] carries every reason.

use crate::migrate::binary_kind;
use crate::pending::{self, Duplicates, LoadTarget, Origin, PendingBatch, Plan};
use crate::raw_text::{cut_raw, push_raw};
use crate::record_reader::{RecordReader, Row};
use crate::{KeyLookup, RepoError, Repositories};
use hiring_domain::{Batch, FieldError, Id, Record, RowErrors, Table};
use serde::Serialize;
use std::collections::HashMap;

/// How many times a batch is checked and written again after a concurrent writer made it
/// conflict. Higher than a migration's: many clients may post overlapping batches at once, and
/// each retry sees what the others committed.
pub const WRITE_ATTEMPTS: usize = 20;

/// One row as received, turned into the fields of its CSV line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingRow {
    raw: String,
    content: Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// Field texts in column order, and violations found while reading them.
    Fields {
        fields: Vec<String>,
        errors: Vec<FieldError>,
    },
    /// Nothing usable: only these reasons.
    Unreadable(RowErrors),
}

impl IncomingRow {
    /// A row given as field texts in [`Table::columns`] order; `raw` is the row as received.
    pub fn from_fields(raw: impl Into<String>, fields: Vec<String>) -> Self {
        Self {
            raw: raw.into(),
            content: Content::Fields {
                fields,
                errors: Vec::new(),
            },
        }
    }

    /// A row that could not be read at all, refused for `errors`.
    pub fn unreadable(raw: impl Into<String>, errors: RowErrors) -> Self {
        Self {
            raw: raw.into(),
            content: Content::Unreadable(errors),
        }
    }

    /// Adds a violation found while reading the row (reported before the domain rules' own).
    pub fn with_error(mut self, error: FieldError) -> Self {
        match &mut self.content {
            Content::Fields { errors, .. } => errors.push(error),
            Content::Unreadable(errors) => {
                let mut all = errors.clone().into_vec();
                all.push(error);
                if let Some(all) = RowErrors::from_vec(all) {
                    *errors = all;
                }
            }
        }
        self
    }

    /// A JSON row object with the CSV column names as keys. Numbers become their decimal text,
    /// strings stay as they are, and `null` or a missing key becomes an empty field (which the
    /// rules refuse as required). A boolean, array or object value is a violation of its column.
    /// A key that is not a column is a violation of `record`; a value that is not an object is
    /// unreadable.
    pub fn from_json(table: Table, value: &serde_json::Value) -> Self {
        let mut raw = value.to_string();
        cut_raw(&mut raw, 0);
        let expected = table.columns().join(", ");
        let Some(object) = value.as_object() else {
            return Self::unreadable(
                raw,
                RowErrors::single(
                    "record",
                    format!("must be a JSON object with the fields {expected}"),
                ),
            );
        };
        let mut type_errors = Vec::new();
        let fields = table
            .columns()
            .iter()
            .map(|column| match object.get(*column) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(text)) => text.clone(),
                Some(serde_json::Value::Number(number)) => number.to_string(),
                Some(other) => {
                    let mut shown = other.to_string();
                    cut_raw(&mut shown, 0);
                    type_errors.push(FieldError::new(
                        *column,
                        format!("must be a string or a number, got {shown}"),
                    ));
                    String::new()
                }
            })
            .collect();
        let unknown: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|key| !table.columns().contains(key))
            .collect();
        let mut row = Self::from_fields(raw, fields);
        for error in type_errors {
            row = row.with_error(error);
        }
        if unknown.is_empty() {
            row
        } else {
            row.with_error(FieldError::new(
                "record",
                format!(
                    "unknown field {}; expected {expected}",
                    unknown
                        .iter()
                        .map(|k| format!("{k:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ))
        }
    }

    /// The row as received.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The row's id, when its `id` field is a valid one.
    pub fn id(&self) -> Option<Id> {
        match &self.content {
            Content::Fields { fields, .. } => fields.first().and_then(|f| Id::parse(f).ok()),
            Content::Unreadable(_) => None,
        }
    }

    /// Applies the domain rules. A violation found while reading a field replaces the rules'
    /// verdict on that field; violations come in column order, `record` first.
    fn parse<E: Record>(&self) -> Result<E, RowErrors> {
        match &self.content {
            Content::Unreadable(errors) => Err(errors.clone()),
            Content::Fields { fields, errors } => {
                let texts: Vec<&str> = fields.iter().map(String::as_str).collect();
                let parsed = E::from_fields(&texts);
                if errors.is_empty() {
                    return parsed;
                }
                let mut all = errors.clone();
                if let Err(rule_errors) = parsed {
                    all.extend(
                        rule_errors
                            .into_vec()
                            .into_iter()
                            .filter(|e| !errors.iter().any(|r| r.field() == e.field())),
                    );
                }
                let columns = E::TABLE.columns();
                all.sort_by_key(|e| {
                    columns
                        .iter()
                        .position(|c| *c == e.field())
                        .map_or(0, |p| p + 1)
                });
                Err(RowErrors::from_vec(all)
                    .unwrap_or_else(|| RowErrors::single("record", "rejected")))
            }
        }
    }
}

/// Why a CSV body cannot be read as rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the body is not CSV text: {0}")]
pub struct NotCsv(pub String);

/// Reads a headerless CSV body (the file format, read by the files' reader: CRLF or LF, quoted
/// fields, blank lines skipped) into rows for `table`. A field that is not UTF-8 is a violation
/// of its column; a line the reader refuses (an unclosed quote, NUL bytes, longer than
/// [`MAX_RECORD_BYTES`](crate::record_reader::MAX_RECORD_BYTES)) is an unreadable row.
pub fn rows_from_csv(table: Table, body: &[u8]) -> Result<Vec<IncomingRow>, NotCsv> {
    if let Some(reason) = binary_kind(body) {
        return Err(NotCsv(reason.to_owned()));
    }
    let mut reader = RecordReader::new(body);
    let mut rows = Vec::new();
    while let Some((_, row)) = reader.next_row().map_err(|e| NotCsv(e.to_string()))? {
        let mut raw = String::new();
        let row = match row {
            Row::Fields(record) => {
                push_raw(&mut raw, record.iter());
                cut_raw(&mut raw, 0);
                let (fields, errors) = pending::text_fields(table, &record);
                IncomingRow {
                    raw,
                    content: Content::Fields {
                        fields: fields.into_iter().map(|f| f.into_owned()).collect(),
                        errors,
                    },
                }
            }
            Row::Refused { raw: bytes, why } => {
                raw.push_str(&String::from_utf8_lossy(bytes));
                cut_raw(&mut raw, 0);
                IncomingRow::unreadable(raw, RowErrors::single("record", why.to_string()))
            }
        };
        rows.push(row);
    }
    Ok(rows)
}

/// Whether a batch may be stored in part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Valid rows are stored, invalid ones rejected and logged.
    #[default]
    Partial,
    /// All rows or none: any invalid row refuses the whole batch and nothing is written.
    Atomic,
}

/// A row of the batch that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowRejection {
    /// Its position in the batch, from 0.
    pub index: usize,
    /// Its id, when the id field itself was valid.
    pub id: Option<Id>,
    /// Every reason.
    pub errors: Vec<FieldError>,
}

/// What became of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// The table written.
    pub table: Table,
    /// The request the batch came with; rejects are logged as `api <request id> row <index>`.
    pub request_id: String,
    /// Rows received.
    pub received: usize,
    /// Rows stored.
    pub inserted: u64,
    /// Rows refused, in batch order.
    pub rejected: Vec<RowRejection>,
}

/// Why a batch was not (or not entirely) processed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// [`Mode::Atomic`] and some rows are invalid: nothing was written.
    #[error("{} of {} rows are invalid; nothing was written", .0.rejected.len(), .0.received)]
    Refused(IngestReport),
    /// Storage failed (or concurrent writers kept conflicting): nothing was written.
    #[error(transparent)]
    Storage(#[from] RepoError),
}

/// Validates `rows` for `table` and stores the valid ones with the rejects in one transaction.
/// `request_id` names the rows in the reject log.
pub fn ingest(
    repos: &Repositories,
    table: Table,
    request_id: &str,
    rows: Batch<IncomingRow>,
    mode: Mode,
) -> Result<IngestReport, IngestError> {
    let (keys, none) = (&*repos.keys, &|_: &[RowRejection]| ());
    match table {
        Table::Departments => ingest_into(keys, &*repos.departments, request_id, rows, mode, none),
        Table::Jobs => ingest_into(keys, &*repos.jobs, request_id, rows, mode, none),
        Table::HiredEmployees => {
            ingest_into(keys, &*repos.hired_employees, request_id, rows, mode, none)
        }
    }
}

/// [`ingest`] into `repo`, telling `on_write` the rejected rows of every attempt to write.
pub(crate) fn ingest_into<E: Record, T: LoadTarget<E> + ?Sized>(
    keys: &dyn KeyLookup,
    repo: &T,
    request_id: &str,
    rows: Batch<IncomingRow>,
    mode: Mode,
    on_write: &dyn Fn(&[RowRejection]),
) -> Result<IngestReport, IngestError> {
    let received = rows.len();
    let mut batch = PendingBatch::<E>::new(Origin::Api(request_id.to_owned()), received);
    for (index, row) in rows.into_inner().into_iter().enumerate() {
        let parsed = row.parse::<E>();
        // A valid row's id is the one the rules parsed; only a refused row's is read apart.
        let id = match &parsed {
            Ok(valid) => Some(valid.id()),
            Err(_) => row.id(),
        };
        batch.push_with_id(index as u64, |out| out.push_str(&row.raw), parsed, id);
    }
    let nothing_accepted = HashMap::new();
    let atomic = mode == Mode::Atomic;
    // The rejected rows of the last plan made: the one `commit` returns.
    let mut rejected = Vec::new();
    let (plan, inserted) = pending::commit(
        repo,
        &mut batch,
        WRITE_ATTEMPTS,
        |batch| pending::classify(keys, repo, batch, Duplicates::Reject, &nothing_accepted),
        |plan, batch| {
            rejected = row_rejections(plan, batch);
            let write = !atomic || rejected.is_empty();
            if write {
                on_write(&rejected);
            }
            write
        },
    )?;
    pending::log_rejects(&plan, &batch, None);
    let report = IngestReport {
        table: E::TABLE,
        request_id: request_id.to_owned(),
        received,
        inserted,
        rejected,
    };
    tracing::info!(
        table = %report.table,
        request_id,
        received,
        inserted,
        rejected = report.rejected.len(),
        atomic,
        "batch ingested"
    );
    if atomic && !report.rejected.is_empty() {
        return Err(IngestError::Refused(report));
    }
    Ok(report)
}

/// The rejects of `plan` as the answer reports them, with the id of each row when known.
fn row_rejections<E: Record>(plan: &Plan, batch: &PendingBatch<E>) -> Vec<RowRejection> {
    plan.rejected(batch)
        .map(|rejected| RowRejection {
            index: rejected.index(),
            id: batch.ids[rejected.index()],
            errors: rejected.errors().to_vec(),
        })
        .collect()
}

#[cfg(test)]
#[path = "ingest_tests.rs"]
mod tests;
