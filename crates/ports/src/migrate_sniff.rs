//! Refusing input that is evidently not CSV text before a load begins.

use super::LoadError;
use crate::record_reader::{RecordReader, HEAD_BYTES};
use std::io::Read;

/// Refuses input that is evidently not text.
pub(super) fn sniff<R: Read>(reader: &mut RecordReader<R>, source: &str) -> Result<(), LoadError> {
    let head = reader.head().map_err(|e| LoadError::Read {
        source_name: source.to_owned(),
        message: e.to_string(),
    })?;
    match binary_kind(head) {
        Some(reason) => Err(LoadError::NotCsv {
            source_name: source.to_owned(),
            reason: reason.to_owned(),
        }),
        None => Ok(()),
    }
}

/// What gives away that input starting with `head` is not text, if anything does: the magic
/// number of a known binary format at the start, or NUL bytes making up at least a quarter of
/// its first [`HEAD_BYTES`] (UTF-16 text, an image, a database file...). A few NUL bytes are
/// not enough: a line holding one is a rejected row, wherever it is.
pub fn binary_kind(head: &[u8]) -> Option<&'static str> {
    let head = &head[..head.len().min(HEAD_BYTES)];
    for (magic, kind) in [
        (
            &b"PK\x03\x04"[..],
            "it is a ZIP archive (an Excel workbook?)",
        ),
        (&b"%PDF"[..], "it is a PDF document"),
        (&b"\x1f\x8b"[..], "it is gzip-compressed"),
        (&b"Obj\x01"[..], "it is an Avro file"),
        (&b"SQLite format 3\x00"[..], "it is an SQLite database"),
        (&b"\xff\xfe"[..], "it is UTF-16 text (save it as UTF-8)"),
        (&b"\xfe\xff"[..], "it is UTF-16 text (save it as UTF-8)"),
    ] {
        if head.starts_with(magic) {
            return Some(kind);
        }
    }
    let nul = memchr::memchr_iter(0, head).count();
    if nul >= MIN_BINARY_NUL && nul * 4 >= head.len() {
        return Some("it is mostly NUL bytes (a binary file?)");
    }
    None
}

/// Fewest NUL bytes in the head of a file that is refused for them (see [`binary_kind`]).
const MIN_BINARY_NUL: usize = 16;
