//! The raw text of a row as the reject log keeps it: a record written back as one CSV line, cut
//! to [`MAX_RAW_BYTES`].

use std::fmt::Write as _;

/// Longest raw record kept in a reject, in bytes; longer ones are cut and marked.
pub(crate) const MAX_RAW_BYTES: usize = 4096;

/// Appends the fields of a record as one CSV line (quoted where needed, invalid UTF-8 replaced).
pub(crate) fn push_raw<'f>(out: &mut String, fields: impl Iterator<Item = &'f [u8]>) {
    for (n, field) in fields.enumerate() {
        if n > 0 {
            out.push(',');
        }
        let text = String::from_utf8_lossy(field);
        if text.contains([',', '"', '\r', '\n']) {
            let _ = write!(out, "\"{}\"", text.replace('"', "\"\""));
        } else {
            out.push_str(&text);
        }
    }
}

/// Cuts what was appended to `out` since `start` to [`MAX_RAW_BYTES`], marking the cut.
pub(crate) fn cut_raw(out: &mut String, start: usize) {
    if out.len() - start > MAX_RAW_BYTES {
        let mut cut = start + MAX_RAW_BYTES;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push_str("…[truncated]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_bad_bytes_replaced() {
        let mut out = String::new();
        let fields: [&[u8]; 4] = [b"1", b"a,b", b"say \"hi\"", b"\xff"];
        push_raw(&mut out, fields.into_iter());
        assert_eq!(out, "1,\"a,b\",\"say \"\"hi\"\"\",\u{fffd}");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_after_start() {
        let mut out = String::from("kept:x");
        out.push_str(&"é".repeat(MAX_RAW_BYTES));
        cut_raw(&mut out, 5);
        let cut = out.strip_suffix("…[truncated]").unwrap();
        assert!(cut.starts_with("kept:xé"));
        // The limit falls inside a two-byte character: the cut is one byte earlier.
        assert_eq!(cut.len(), 5 + MAX_RAW_BYTES - 1);

        let mut short = String::from("x,y");
        cut_raw(&mut short, 0);
        assert_eq!(short, "x,y");
    }
}
