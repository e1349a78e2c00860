//! Runs: every `hiring migrate` and every CSV upload is one run, stored with an id before its
//! first row is read. Its rejects carry that id (`hiring rejects --run ID`), and when it ends
//! the run records its counts, duration and outcome, so `hiring runs` and `GET /api/v1/runs`
//! list the load history. A run whose process was killed stays `running`.

use crate::migrate::{LoadError, LoadOptions, Migration, TableSummary};
use crate::migrate_run::{RunEnd, RunHooks, RunReport, Source};
use crate::{PageLimit, RepoError, Repositories};
use hiring_domain::RunId;
use serde::Serialize;
use std::io::Read;
use std::time::{Duration, Instant};

/// Longest source description and detail kept, in characters (longer ones end with `…`).
pub const MAX_RUN_TEXT_CHARS: usize = 1000;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// `hiring migrate`.
    Migrate,
    /// A CSV file (or the form of the old `POST /upload`) uploaded to the API.
    Upload,
}

/// How a run ended (or that it has not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Started and not ended: still loading, or its process was killed.
    Running,
    /// Every source was loaded (some rows may have been rejected).
    Completed,
    /// Stopped once more rows than the reject limit were rejected.
    RejectLimit,
    /// Stopped on the request of its user (Ctrl-C); what was committed stays.
    Interrupted,
    /// A source could not be read or stored; what was committed before stays.
    Failed,
}

macro_rules! named {
    ($ty:ident, $kind:literal, $($variant:ident => $name:literal),+ $(,)?) => {
        impl $ty {
            /// Every value.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name stored and shown.
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = crate::audit::UnknownName;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| crate::audit::UnknownName::new(
                        $kind,
                        s,
                        Self::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", "),
                    ))
            }
        }
    };
}

named!(RunKind, "run kind", Migrate => "migrate", Upload => "upload");
named!(
    RunOutcome,
    "run outcome",
    Running => "running",
    Completed => "completed",
    RejectLimit => "reject_limit",
    Interrupted => "interrupted",
    Failed => "failed",
);

/// A run about to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    /// What started it.
    pub kind: RunKind,
    /// Who started it (`cli:<user>`, a token's name).
    pub actor: String,
    /// What it loads (the files, the uploaded file's name), cut to [`MAX_RUN_TEXT_CHARS`].
    pub source: String,
}

impl NewRun {
    /// A run of `kind` by `actor` loading `source`.
    pub fn new(kind: RunKind, actor: &str, source: &str) -> Self {
        Self {
            kind,
            actor: crate::audit::bounded(actor, crate::audit::MAX_ACTOR_CHARS),
            source: crate::audit::bounded(source, MAX_RUN_TEXT_CHARS),
        }
    }
}

/// Rows counted over every source of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Records read.
    pub read: u64,
    /// Rows newly stored.
    pub inserted: u64,
    /// Rows already stored with the same content.
    pub already_present: u64,
    /// Rows refused and logged.
    pub rejected: u64,
}

impl RunCounts {
    fn add(&mut self, s: &TableSummary) {
        self.read += s.read;
        self.inserted += s.inserted;
        self.already_present += s.already_present;
        self.rejected += s.rejected;
    }
}

/// How a run ended, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnding {
    /// The outcome.
    pub outcome: RunOutcome,
    /// Its counts.
    pub counts: RunCounts,
    /// How long it took.
    pub duration: Duration,
    /// Why it failed or stopped, empty otherwise; cut to [`MAX_RUN_TEXT_CHARS`].
    pub detail: String,
}

impl RunEnding {
    /// The ending of a run that produced `report` in `duration`.
    pub fn of(report: &RunReport, duration: Duration) -> Self {
        let mut counts = RunCounts::default();
        for summary in &report.summaries {
            counts.add(summary);
        }
        let (outcome, detail) = match &report.end {
            RunEnd::Completed => (RunOutcome::Completed, String::new()),
            RunEnd::RejectLimit => (
                RunOutcome::RejectLimit,
                format!("stopped after {} rejected rows", report.rejected),
            ),
            RunEnd::Failed { error, .. } => {
                if let Some(summary) = error.committed() {
                    counts.add(summary);
                }
                let outcome = match error {
                    LoadError::Cancelled { .. } => RunOutcome::Interrupted,
                    _ => RunOutcome::Failed,
                };
                (outcome, error.to_string())
            }
        };
        Self {
            outcome,
            counts,
            duration,
            detail: crate::audit::bounded(&detail, MAX_RUN_TEXT_CHARS),
        }
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRun {
    /// Its id.
    pub id: RunId,
    /// What started it.
    pub kind: RunKind,
    /// Who started it.
    pub actor: String,
    /// What it loads.
    pub source: String,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended, if it did.
    pub finished_at: Option<String>,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Its counts (zero until it ends).
    #[serde(flatten)]
    pub counts: RunCounts,
    /// How long it took, in seconds, once ended.
    pub seconds: Option<f64>,
    /// Why it failed or stopped.
    pub detail: String,
}

/// Which runs to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs older than this one (the cursor of the next page).
    pub before: Option<RunId>,
    /// At most this many, newest first.
    pub limit: PageLimit,
}

/// The history of runs.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait RunLog: Send + Sync {
    /// Stores `run` as running; returns its id.
    fn start(&self, run: &NewRun) -> Result<RunId, RepoError>;

    /// Records how run `id` ended. Fails with [`RepoError::Other`] when no run has that id.
    fn finish(&self, id: RunId, ending: &RunEnding) -> Result<(), RepoError>;

    /// The newest runs matching `filter`, newest first.
    fn list(&self, filter: &RunFilter) -> Result<Vec<StoredRun>, RepoError>;

    /// Run `id`, if stored.
    fn get(&self, id: RunId) -> Result<Option<StoredRun>, RepoError>;
}

/// Loads `sources` as one run (see [`Migration::load_all`]): stores `run` first (unless the
/// load is a dry run, which records nothing), tags every reject with its id, and records how it
/// ended. The report's `run` is the id. A failure to record the ending is logged, not
/// returned: the rows are stored by then, and the run stays `running` in the history.
pub fn load_as_run<R: Read>(
    repos: &Repositories,
    options: LoadOptions,
    run: &NewRun,
    sources: Vec<Source<R>>,
    hooks: &dyn RunHooks<R>,
) -> Result<RunReport, RepoError> {
    let started = Instant::now();
    let id = if options.dry_run {
        None
    } else {
        Some(repos.runs.start(run)?)
    };
    let mut report = Migration::new(repos, options)
        .in_run(id)
        .load_all(sources, hooks);
    report.run = id;
    if let Some(id) = id {
        let ending = RunEnding::of(&report, started.elapsed());
        if let Err(error) = repos.runs.finish(id, &ending) {
            tracing::warn!(run = %id, %error, "the run's ending could not be recorded");
        }
    }
    Ok(report)
}

#[cfg(test)]
#[path = "runs_tests.rs"]
mod tests;
