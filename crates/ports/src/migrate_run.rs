//! Use case: load several CSV sources in one migration, parents first.
//!
//! Every entry point that loads more than one file (`hiring migrate`, the form of the old
//! `POST /upload`) goes through [`Migration::load_all`]: the sources are loaded in the
//! dependency order of [`Table`] whatever order they are given in, one after the other, and
//! the run stops at the first source that fails or once the reject limit is passed. What was
//! committed before stays stored.

use crate::migrate::{LoadError, Migration, Progress, TableSummary};
use hiring_domain::Table;
use std::io::Read;
use std::time::Instant;

/// One source of a run: the table it fills, its name in rejects and logs
/// (`hired_employees.csv` gives rejects from `hired_employees.csv:67`), and its headerless CSV
/// text.
#[derive(Debug)]
pub struct Source<R> {
    /// The table the rows go to.
    pub table: Table,
    /// The name of the source in rejects and logs.
    pub name: String,
    /// The CSV text.
    pub input: R,
}

impl<R> Source<R> {
    /// The source `name` of `table`, read from `input`.
    pub fn new(table: Table, name: impl Into<String>, input: R) -> Self {
        Self {
            table,
            name: name.into(),
            input,
        }
    }
}

/// Told about each source of a run as it is loaded (a progress bar, an audit trail, a log).
pub trait RunHooks<R> {
    /// The load of `source` begins; what it returns is told how far the load has come, and is
    /// dropped once the load ends.
    fn started(&self, source: &Source<R>) -> Box<dyn Progress + '_> {
        let _ = source;
        Box::new(())
    }

    /// The load of a source of `table` that began at `started` ended with `loaded`: its
    /// summary, or why it failed with what it committed before. Every source whose load began
    /// gets this call, the one that failed included.
    fn finished(&self, table: Table, loaded: &Result<TableSummary, LoadError>, started: Instant) {
        let _ = (table, loaded, started);
    }
}

impl<R> RunHooks<R> for () {}

/// How a run ended.
#[derive(Debug)]
pub enum RunEnd {
    /// Every source was loaded.
    Completed,
    /// More rows than the reject limit were rejected: the source being loaded then stopped
    /// early (its summary says so) and the sources after it were not loaded. Batches committed
    /// before the limit stay stored.
    RejectLimit,
    /// Loading the source of `table` failed; the sources after it were not loaded. `error`
    /// holds what the failed source committed, when it committed anything (see [`LoadError`]).
    Failed {
        /// The table of the source that failed.
        table: Table,
        /// Why it failed.
        error: LoadError,
    },
}

/// What a run did.
#[derive(Debug)]
pub struct RunReport {
    /// The run's id in the history, when it was recorded as one (see [`crate::runs`]).
    pub run: Option<hiring_domain::RunId>,
    /// The summary of each source loaded to its end or to the reject limit, parents first (not
    /// the one that failed: its error holds what it committed).
    pub summaries: Vec<TableSummary>,
    /// Rows rejected in the whole run.
    pub rejected: u64,
    /// How the run ended.
    pub end: RunEnd,
}

impl Migration<'_> {
    /// Loads `sources` one after the other, parents first whatever their order (ties keep
    /// it), telling `hooks` about each. Stops at the first source that fails, or once more
    /// rows than the reject limit of the migration were rejected: the sources after it are
    /// not read.
    pub fn load_all<R: Read>(
        &mut self,
        mut sources: Vec<Source<R>>,
        hooks: &dyn RunHooks<R>,
    ) -> RunReport {
        // `Table` orders by dependency: parents before the tables that reference them.
        sources.sort_by_key(|source| source.table);
        let mut summaries = Vec::with_capacity(sources.len());
        let mut end = RunEnd::Completed;
        for source in sources {
            if self.stopped() {
                break;
            }
            let started = Instant::now();
            let table = source.table;
            let loaded = {
                let progress = hooks.started(&source);
                self.load(table, source.input, &source.name, &*progress)
            };
            hooks.finished(table, &loaded, started);
            match loaded {
                Ok(summary) => summaries.push(summary),
                Err(error) => {
                    end = RunEnd::Failed { table, error };
                    break;
                }
            }
        }
        if matches!(end, RunEnd::Completed) && self.stopped() {
            end = RunEnd::RejectLimit;
        }
        RunReport {
            run: self.run(),
            summaries,
            rejected: self.rejected(),
            end,
        }
    }
}

#[cfg(test)]
#[path = "migrate_run_tests.rs"]
mod tests;
