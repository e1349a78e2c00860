//! What to do with each row of a batch: insert it, count it as already present, or reject it.

use hiring_domain::RowErrors;

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
}
