//! Progress of the long commands on standard error: a bar on a terminal, a plain line every few
//! seconds otherwise. A load shows its rows, rows per second, rejects and stage; a backup or
//! restore each table's rows.

use crate::output;
use hiring_domain::Table;
use hiring_ports::migrate::Progress;
use hiring_ports::transfer_progress::TransferProgress;
use hiring_ports::LoadStage;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a plain progress line is written when standard error is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// A bar, or the time of the last plain line.
enum Output {
    Bar(ProgressBar),
    Lines(Mutex<Instant>),
}

impl Output {
    fn new(len: u64, template: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::Lines(Mutex::new(Instant::now()));
        }
        let bar = ProgressBar::new(len);
        bar.set_style(style(template));
        Self::Bar(bar)
    }

    /// Writes a plain line when one is due (or `now`).
    fn line(&self, now: bool, text: impl FnOnce() -> String) {
        if let Self::Lines(last) = self {
            let Ok(mut last) = last.lock() else { return };
            if now || last.elapsed() >= PLAIN_EVERY {
                *last = Instant::now();
                eprintln!("{}", text());
            }
        }
    }
}

impl Drop for Output {
    /// Clears the bar once its work is over.
    fn drop(&mut self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// While the rows stream: the share of the file read, then rows, rows/s and rejects.
const READING: &str = "{prefix:22} [{bar:30}] {percent:>3}% {msg} eta {eta}";
/// Once every row is read: what the load is doing and for how long.
const FINISHING: &str = "{prefix:22} {spinner} {msg} ({elapsed})";

/// The progress of loading one file of `size` bytes.
pub struct LoadProgress {
    source: String,
    size: u64,
    out: Output,
    rows: AtomicU64,
    rejected: AtomicU64,
    started: Instant,
}

impl LoadProgress {
    /// The progress of loading `source`, a file of `size` bytes (0 when unknown ahead: standard
    /// input, a compressed file).
    pub fn new(source: &str, size: u64) -> Self {
        let out = Output::new(size, if size == 0 { FINISHING } else { READING });
        if let Output::Bar(bar) = &out {
            bar.set_prefix(output::escape_controls(source).into_owned());
        }
        Self {
            source: output::escape_controls(source).into_owned(),
            size,
            out,
            rows: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    /// Rows, rows per second and rejects so far.
    fn counts(&self) -> String {
        let rows = self.rows.load(Ordering::Relaxed);
        let seconds = self.started.elapsed().as_secs_f64();
        let rate = if seconds > 0.0 {
            rows as f64 / seconds
        } else {
            0.0
        };
        format!(
            "{rows} rows, {rate:.0} rows/s, {} rejected",
            self.rejected.load(Ordering::Relaxed)
        )
    }
}

impl Progress for LoadProgress {
    fn advance(&self, bytes: u64, rows: u64) {
        self.rows.store(rows, Ordering::Relaxed);
        match &self.out {
            Output::Bar(bar) => {
                bar.set_position(bytes);
                bar.set_message(self.counts());
            }
            lines => lines.line(false, || match (bytes * 100).checked_div(self.size) {
                Some(percent) => format!("{}: {percent}%, {}", self.source, self.counts()),
                None => format!("{}: {}", self.source, self.counts()),
            }),
        }
    }

    fn rejected(&self, rejected: u64) {
        self.rejected.store(rejected, Ordering::Relaxed);
    }

    fn stage(&self, stage: LoadStage) {
        if stage == LoadStage::ReadAndCheck {
            return;
        }
        let text = format!("{}; {}", self.counts(), stage.doing());
        match &self.out {
            Output::Bar(bar) => {
                bar.set_style(style(FINISHING));
                bar.reset_elapsed();
                bar.set_message(text);
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            lines => lines.line(true, || format!("{}: {text}", self.source)),
        }
    }
}

/// Each table of a backup (`verb` "backing up") or restore ("restoring"): its rows so far.
pub struct TransferBar {
    verb: &'static str,
    out: Mutex<Option<Output>>,
    table: Mutex<Option<(Table, Option<u64>)>>,
}

/// A table's rows, with their total when known.
const TABLE_ROWS: &str = "{prefix:22} [{bar:30}] {pos}/{len} rows {per_sec} eta {eta}";

impl TransferBar {
    /// The progress of a backup or restore.
    pub fn new(verb: &'static str) -> Self {
        Self {
            verb,
            out: Mutex::new(None),
            table: Mutex::new(None),
        }
    }

    fn current(&self) -> String {
        match self.table.lock().ok().and_then(|t| *t) {
            Some((table, _)) => format!("{} {table}", self.verb),
            None => self.verb.to_owned(),
        }
    }
}

impl TransferProgress for TransferBar {
    fn table(&self, table: Table, rows: Option<u64>) {
        if let Ok(mut current) = self.table.lock() {
            *current = Some((table, rows));
        }
        let out = Output::new(rows.unwrap_or(0), TABLE_ROWS);
        if let Output::Bar(bar) = &out {
            bar.set_prefix(self.current());
        }
        let of = rows.map_or_else(String::new, |r| format!(" ({r} rows)"));
        out.line(true, || format!("{}{of}", self.current()));
        if let Ok(mut slot) = self.out.lock() {
            // The bar of the table before is cleared as it is replaced.
            *slot = Some(out);
        }
    }

    fn rows(&self, done: u64) {
        let Ok(slot) = self.out.lock() else { return };
        match slot.as_ref() {
            Some(Output::Bar(bar)) => bar.set_position(done),
            Some(lines) => lines.line(false, || format!("{}: {done} rows", self.current())),
            None => {}
        }
    }

    fn committing(&self) {
        let out = Output::new(0, FINISHING);
        match &out {
            Output::Bar(bar) => {
                bar.set_prefix(self.verb);
                bar.set_message("checking keys and committing");
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            lines => lines.line(true, || {
                format!("{}: checking keys and committing", self.verb)
            }),
        }
        if let Ok(mut slot) = self.out.lock() {
            *slot = Some(out);
        }
    }
}

impl Drop for TransferBar {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.out.lock() {
            slot.take();
        }
    }
}
