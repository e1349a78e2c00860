//! The rejects of a planned batch, resolved in one place: what is written to the reject log,
//! what is logged, and what an API answer reports are all read from [`Rejected`].

use super::batch::{Item, PendingBatch};
use super::plan::Plan;
use crate::reject_tally::RejectTally;
use hiring_domain::{FieldError, Record, Rejection, RowErrors};
use std::borrow::Cow;
use std::sync::LazyLock;

/// The reason of a rejected row that carries none (never expected: a row is rejected either by
/// the rules, with their rejection, or by the classifier, with its reasons).
static UNEXPLAINED: LazyLock<[FieldError; 1]> =
    LazyLock::new(|| [FieldError::new("record", "rejected")]);

/// One rejected row of a planned batch, borrowed from the plan and the batch.
pub(crate) struct Rejected<'a, E> {
    batch: &'a PendingBatch<E>,
    /// The row's position in the batch.
    index: usize,
    why: Why<'a>,
}

enum Why<'a> {
    /// The rules refused the row when it was received: its rejection is built already.
    Parsed(&'a Rejection),
    /// The classifier refused it for these reasons.
    Classified(&'a RowErrors),
    Unexplained,
}

impl<'a, E: Record> Rejected<'a, E> {
    /// The row's position in the batch.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// Every reason, in column order.
    pub(crate) fn errors(&self) -> &'a [FieldError] {
        match self.why {
            Why::Parsed(rejection) => rejection.errors(),
            Why::Classified(errors) => errors.as_slice(),
            Why::Unexplained => &UNEXPLAINED[..],
        }
    }

    /// Where the row came from: `file.csv:LINE` or `api <request id> row <index>`.
    fn source(&self) -> Cow<'a, str> {
        match self.why {
            Why::Parsed(rejection) => Cow::Borrowed(rejection.source()),
            _ => Cow::Owned(self.batch.location(self.index)),
        }
    }

    /// The row as received (cut to the reject log's limit).
    fn raw(&self) -> &'a str {
        match self.why {
            Why::Parsed(rejection) => rejection.raw(),
            _ => self.batch.raw_text(self.index),
        }
    }

    /// The record of the reject log.
    pub(crate) fn to_rejection(&self) -> Rejection {
        match self.why {
            Why::Parsed(rejection) => rejection.clone(),
            Why::Classified(errors) => {
                Rejection::new(E::TABLE, self.source(), self.raw(), errors.clone())
                    .in_run(self.batch.run())
            }
            Why::Unexplained => Rejection::new(
                E::TABLE,
                self.source(),
                self.raw(),
                RowErrors::single("record", "rejected"),
            )
            .in_run(self.batch.run()),
        }
    }
}

impl Plan {
    /// The rejects of the plan, in batch order.
    pub(crate) fn rejected<'a, E: Record>(
        &'a self,
        batch: &'a PendingBatch<E>,
    ) -> impl Iterator<Item = Rejected<'a, E>> {
        self.rejects.iter().map(move |(index, errors)| {
            let why = match (errors, &batch.items[*index]) {
                (None, Item::Invalid(rejection)) => Why::Parsed(rejection),
                (Some(errors), _) => Why::Classified(errors),
                (None, _) => Why::Unexplained,
            };
            Rejected {
                batch,
                index: *index,
                why,
            }
        })
    }

    /// The records of the reject log for the plan's rejects.
    pub(crate) fn rejections<E: Record>(&self, batch: &PendingBatch<E>) -> Vec<Rejection> {
        self.rejected(batch).map(|r| r.to_rejection()).collect()
    }
}

/// Logs every reject of `plan` as one DEBUG line (borrowing what it prints from the batch) and
/// counts its reasons in `tally`.
pub(crate) fn log_rejects<E: Record>(
    plan: &Plan,
    batch: &PendingBatch<E>,
    mut tally: Option<&mut RejectTally>,
) {
    let logged = tracing::enabled!(tracing::Level::DEBUG);
    if plan.rejects.is_empty() || (!logged && tally.is_none()) {
        return;
    }
    for rejected in plan.rejected(batch) {
        if let Some(tally) = tally.as_deref_mut() {
            tally.add(&rejected.source(), rejected.errors());
        }
        if logged {
            tracing::debug!(
                table = %E::TABLE,
                source = %rejected.source(),
                raw = %rejected.raw(),
                reasons = %Reasons(rejected.errors()),
                "row rejected"
            );
        }
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
