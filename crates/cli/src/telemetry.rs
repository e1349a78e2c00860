//! Tracing set-up: an EnvFilter (RUST_LOG wins over the configured filter) and a JSON switch.
//!
//! In the text format every field of every event and span goes through
//! [`escape_controls`](crate::output::escape_controls): a value holding a line break or an
//! escape sequence (a rejected record, a name) can neither forge a log line nor reach the
//! terminal as a control sequence. The JSON format writes every value exactly (JSON strings
//! escape their control characters themselves).

use crate::output::escape_controls;
use crate::settings::LogFormat;
use std::fmt;
use std::io::IsTerminal;
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{FormatFields, Writer};
use tracing_subscriber::EnvFilter;

/// How many log lines a run writes: the command's own default, the configured filter, and the
/// `-v`/`-q` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verbosity {
    /// The command's level without flags or configuration: `warn` for the commands that run
    /// and end (their results go to standard output), `info` for `serve`.
    pub default: Level,
    /// How many `-v`.
    pub verbose: u8,
    /// How many `-q`.
    pub quiet: u8,
}

/// A command's default level: its rung on the ladder `-v` and `-q` move along (`off`, `error`,
/// `warn`, `info`, `debug`, `trace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Failures and warnings.
    Warn = 2,
    /// Start-up and progress lines too.
    Info = 3,
}

impl Verbosity {
    /// The EnvFilter directive: with `-v` or `-q`, the level they move to from the command's
    /// default (our own crates only get louder than WARN: `-vv` shows every rejected row, not
    /// every driver's chatter); without, `configured` (`log.filter`) or the command's default.
    pub fn filter(&self, configured: Option<&str>) -> String {
        const LADDER: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
        if self.verbose == 0 && self.quiet == 0 {
            if let Some(configured) = configured {
                return configured.to_owned();
            }
        }
        let start = self.default as i32;
        let at = (start + i32::from(self.verbose) - i32::from(self.quiet)).clamp(0, 5);
        let level = LADDER[at as usize];
        match at {
            4 => format!("warn,hiring={level}"),
            _ => level.to_owned(),
        }
    }
}

/// Sends logs to standard error. `RUST_LOG`, when set, wins over `filter`.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second initialisation (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder
            .with_target(false)
            .fmt_fields(EscapedFields)
            .try_init(),
    };
}

/// The text format's fields, as tracing-subscriber's default writes them (`message` bare, then
/// `name=value` separated by spaces), with every control character escaped.
#[derive(Debug, Clone, Copy, Default)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = EscapingVisitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct EscapingVisitor<'writer> {
    writer: Writer<'writer>,
    first: bool,
    result: fmt::Result,
}

impl EscapingVisitor<'_> {
    fn write(&mut self, name: &str, value: fmt::Arguments<'_>) {
        if self.result.is_err() {
            return;
        }
        let text = value.to_string();
        let text = escape_controls(&text);
        let separator = if self.first { "" } else { " " };
        self.first = false;
        self.result = if name == "message" {
            write!(self.writer, "{separator}{text}")
        } else {
            let name = name.strip_prefix("r#").unwrap_or(name);
            write!(self.writer, "{separator}{name}={text}")
        };
    }
}

impl Visit for EscapingVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.write(field.name(), format_args!("{value}"));
        } else {
            self.write(field.name(), format_args!("{value:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // Metadata of records from the `log` crate, which the event format shows already.
        if field.name().starts_with("log.") {
            return;
        }
        self.write(field.name(), format_args!("{value:?}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(default: Level, verbose: u8, quiet: u8, configured: Option<&str>) -> String {
        Verbosity {
            default,
            verbose,
            quiet,
        }
        .filter(configured)
    }

    #[test]
    fn commands_warn_and_serve_informs_by_default() {
        assert_eq!(filter(Level::Warn, 0, 0, None), "warn");
        assert_eq!(filter(Level::Info, 0, 0, None), "info");
    }

    #[test]
    fn the_configured_filter_stands_without_flags() {
        assert_eq!(
            filter(Level::Warn, 0, 0, Some("hiring=debug")),
            "hiring=debug"
        );
        assert_eq!(filter(Level::Warn, 1, 0, Some("hiring=debug")), "info");
    }

    #[test]
    fn each_flag_moves_one_level_and_debug_stays_our_own() {
        assert_eq!(filter(Level::Warn, 1, 0, None), "info");
        assert_eq!(filter(Level::Warn, 2, 0, None), "warn,hiring=debug");
        assert_eq!(filter(Level::Warn, 3, 0, None), "trace");
        assert_eq!(filter(Level::Warn, 9, 0, None), "trace");
        assert_eq!(filter(Level::Warn, 0, 1, None), "error");
        assert_eq!(filter(Level::Warn, 0, 2, None), "off");
        assert_eq!(filter(Level::Warn, 0, 5, None), "off");
        assert_eq!(filter(Level::Info, 1, 0, None), "warn,hiring=debug");
        assert_eq!(filter(Level::Info, 0, 1, None), "warn");
    }
}
