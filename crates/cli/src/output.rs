//! Rendering helpers shared by the commands.

use comfy_table::{presets::UTF8_FULL_CONDENSED, CellAlignment, ContentArrangement, Table};
use std::borrow::Cow;
use std::fmt::Write as _;

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// An aligned table for a terminal.
    Table,
    /// JSON, for scripts.
    Json,
}

/// A table with a header row; columns listed in `right` are right-aligned.
///
/// Every line of every cell goes through [`escape_controls`]: a line break inside a cell stays a
/// line break of that cell, inside its borders. Text whose line breaks are data (a raw record)
/// is escaped by the caller first.
pub fn table(header: &[&str], right: &[usize], rows: Vec<Vec<String>>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    for row in rows {
        table.add_row(row.iter().map(|cell| escape_lines(cell)));
    }
    for &column in right {
        if let Some(column) = table.column_mut(column) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Prints `value` as pretty JSON on standard output.
pub fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Whether `c` must not reach a terminal or a text log as it is: the C0 controls (line breaks,
/// tab, ESC...), DEL, the C1 controls, and the bidirectional embedding, override and isolate
/// controls (U+202A–U+202E, U+2066–U+2069), which can make text read differently from what it
/// holds.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` fit for a terminal or a line of a text log: every unsafe character ([`is_unsafe`])
/// written as a Rust escape (`\n`, `\r`, `\t`, `\u{1b}`), so that names and raw records can
/// neither forge a line nor send escape sequences. Other text is returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.contains(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(c));
            }
            c => escaped.push(c),
        }
    }
    Cow::Owned(escaped)
}

/// [`escape_controls`] on each line of `text`, keeping its line breaks (`\n`).
fn escape_lines(text: &str) -> String {
    text.split('\n')
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_escaped_and_other_text_kept() {
        assert_eq!(
            escape_controls("a\nb\r\tc\u{1b}[31md\u{7f}e\u{85}f\u{9b}g"),
            "a\\nb\\r\\tc\\u{1b}[31md\\u{7f}e\\u{85}f\\u{9b}g"
        );
        assert_eq!(
            escape_controls("x\u{202a}\u{202e}\u{2066}\u{2069}y\0"),
            "x\\u{202a}\\u{202e}\\u{2066}\\u{2069}y\\u{0}"
        );
        // Letters of every script, marks and the zero-width joiner stay.
        let kept = "Ana Díaz, 東京, עברית, e\u{301}, 👩\u{200d}💻 \\n";
        assert!(matches!(escape_controls(kept), Cow::Borrowed(_)));
        assert_eq!(escape_controls(kept), kept);
    }

    #[test]
    fn table_cells_keep_their_lines_but_no_control_character() {
        let rendered = table(
            &["name", "reasons"],
            &[],
            vec![vec!["\u{1b}[31mred".into(), "one\ntwo\r".into()]],
        )
        .to_string();
        assert!(!rendered.contains('\u{1b}'), "{rendered}");
        assert!(!rendered.contains('\r'), "{rendered}");
        assert!(rendered.contains("\\u{1b}[31mred"), "{rendered}");
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines.iter().any(|l| l.contains("one")), "{rendered}");
        assert!(lines.iter().any(|l| l.contains("two\\r")), "{rendered}");
    }
}
