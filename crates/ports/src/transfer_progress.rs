//! Told how far a backup or a restore has come, e.g. to drive a progress bar.

use hiring_domain::Table;

/// Rows between two [`TransferProgress::rows`] calls.
pub const ROWS_PER_REPORT: u64 = 10_000;

/// Told how far a backup or restore has come. Every method does nothing unless implemented.
pub trait TransferProgress {
    /// Rows of `table` start to be written (a backup) or read (a restore); `rows` of them in
    /// all, when known.
    fn table(&self, _table: Table, _rows: Option<u64>) {}

    /// `done` rows of the current table were written or read so far (every
    /// [`ROWS_PER_REPORT`] rows, and at the table's end).
    fn rows(&self, _done: u64) {}

    /// Every row is read; storage checks the keys and commits (a restore).
    fn committing(&self) {}
}

impl TransferProgress for () {}

/// Counts the rows of the current table and reports them every [`ROWS_PER_REPORT`].
#[derive(Default)]
pub(crate) struct RowCounter {
    done: u64,
}

impl RowCounter {
    /// A table starts.
    pub(crate) fn start(
        &mut self,
        progress: &dyn TransferProgress,
        table: Table,
        rows: Option<u64>,
    ) {
        self.done = 0;
        progress.table(table, rows);
    }

    /// One more row.
    pub(crate) fn row(&mut self, progress: &dyn TransferProgress) {
        self.done += 1;
        if self.done.is_multiple_of(ROWS_PER_REPORT) {
            progress.rows(self.done);
        }
    }

    /// The table ended.
    pub(crate) fn end(&mut self, progress: &dyn TransferProgress) {
        progress.rows(self.done);
    }
}
