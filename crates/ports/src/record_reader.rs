//! The CSV reader of the files, uploads and batch bodies: headerless CSV read line by line in
//! bounded memory, whatever the input holds.
//!
//! - A record is one physical line: it ends at the first CR or LF (CRLF, LF and a lone CR all
//!   end a line; blank lines are skipped). A quoted field may not run past the end of its line
//!   (no valid field holds a line break: they are control characters, which the rules refuse),
//!   so a line that ends inside an open quote is refused on its own ("unclosed quote") and the
//!   next line is read as the next record.
//! - A line longer than [`MAX_RECORD_BYTES`] is refused as soon as it passes the limit: only a
//!   prefix of it is kept (for the reject log) and the rest is skipped up to the end of its line,
//!   never buffered. The reader holds at most [`MAX_RECORD_BYTES`] plus one read of input.
//! - A line holding a NUL byte is refused, wherever it is.
//! - A UTF-8 byte-order mark at the start is ignored.
//!
//! The fields of a line without quotes are the slices between its commas; a line with quotes is
//! parsed by `csv-core` (the csv crate's parser: `""` escapes a quote, a quote inside an unquoted
//! field is kept as it is).

use crate::raw_text::MAX_RAW_BYTES;
use std::io::{ErrorKind, Read};

/// Longest record (one line, without its line break) read, in bytes; a longer one is refused.
/// A valid row is at most about 1.1 KB (five fields, names of at most 255 characters).
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// Bytes asked of the input per read.
const READ_CHUNK: usize = 64 * 1024;

/// Bytes of the input a caller may inspect before reading (to refuse a binary file).
pub(crate) const HEAD_BYTES: usize = 8192;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Why a line was refused before its fields were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Longer than [`MAX_RECORD_BYTES`].
    TooLong,
    /// It ends inside a quoted field.
    UnclosedQuote,
    /// It holds a NUL byte.
    Nul,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::TooLong => write!(f, "record is longer than {MAX_RECORD_BYTES} bytes"),
            Refusal::UnclosedQuote => f.write_str(
                "unclosed quote: a quoted field must end on its own line (a line break is never valid in a field)",
            ),
            Refusal::Nul => f.write_str("contains NUL bytes"),
        }
    }
}

/// The fields of one record, borrowed from the reader.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    bytes: &'a [u8],
    /// The end of each field in `bytes`.
    ends: &'a [usize],
    /// True when `bytes` is the line itself (fields separated by one comma, none quoted);
    /// false when it is the parser's output (fields unquoted and laid end to end).
    plain: bool,
}

impl<'a> Fields<'a> {
    /// How many fields.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The byte range of field `i` in [`Fields::bytes`].
    pub(crate) fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] + usize::from(self.plain),
        };
        start..self.ends[i]
    }

    /// Field `i`.
    pub(crate) fn get(&self, i: usize) -> &'a [u8] {
        &self.bytes[self.range(i)]
    }

    /// Every field in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// When the record is its line as read (no field quoted), that line: its fields joined by
    /// commas.
    pub(crate) fn plain_line(&self) -> Option<&'a [u8]> {
        self.plain.then_some(self.bytes)
    }
}

/// One line of the input: its fields, or why it was refused.
#[derive(Debug)]
pub(crate) enum Row<'a> {
    /// A record.
    Fields(Fields<'a>),
    /// A refused line: a prefix of its raw bytes (at least [`MAX_RAW_BYTES`] when it is longer),
    /// and why.
    Refused { raw: &'a [u8], why: Refusal },
}

/// Reads the records of a headerless CSV stream, one line at a time, in bounded memory.
pub(crate) struct RecordReader<R> {
    input: R,
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// `buf[start..scanned]` holds no line break.
    scanned: usize,
    /// `buf[start..scanned]` holds a NUL byte.
    nul: bool,
    eof: bool,
    at_start: bool,
    /// The line of the next record (1-based: line breaks LF consumed so far, plus one).
    line: u64,
    /// Bytes consumed so far.
    consumed: u64,
    parser: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The kept prefix of a line too long to buffer.
    prefix: Vec<u8>,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `input`.
    pub(crate) fn new(input: R) -> Self {
        let mut reader = Self {
            input,
            buf: vec![0; MAX_RECORD_BYTES + READ_CHUNK],
            start: 0,
            end: 0,
            scanned: 0,
            nul: false,
            eof: false,
            at_start: true,
            line: 1,
            consumed: 0,
            parser: csv_core::Reader::new(),
            out: Vec::new(),
            ends: Vec::with_capacity(16),
            prefix: Vec::new(),
        };
        prime(&mut reader.parser);
        reader
    }

    /// The first bytes of the input (up to [`HEAD_BYTES`], fewer only when the input is
    /// shorter), read but not consumed. Call it before the first [`RecordReader::next_row`].
    pub(crate) fn head(&mut self) -> std::io::Result<&[u8]> {
        while self.end - self.start < HEAD_BYTES && !self.eof {
            self.fill()?;
        }
        let end = self.end.min(self.start + HEAD_BYTES);
        Ok(&self.buf[self.start..end])
    }

    /// Bytes of the input consumed so far (every record returned, and the line breaks and
    /// blank lines before the next one).
    pub(crate) fn position(&self) -> u64 {
        self.consumed
    }

    /// The next record and the 1-based line it is on; `None` at the end of the input.
    pub(crate) fn next_row(&mut self) -> std::io::Result<Option<(u64, Row<'_>)>> {
        loop {
            if self.at_start {
                if self.end - self.start < BOM.len() && !self.eof {
                    self.fill()?;
                    continue;
                }
                self.at_start = false;
                if self.buf[self.start..self.end].starts_with(BOM) {
                    self.advance(BOM.len());
                    self.scanned = self.start;
                }
            }
            if let Some(at) = self.find_break() {
                let (line_start, nul) = (self.start, self.nul);
                let line = self.line;
                self.take_break(at);
                if at == line_start {
                    continue;
                }
                return Ok(Some((line, self.row(line_start..at, nul))));
            }
            if self.end - self.start > MAX_RECORD_BYTES {
                let line = self.line;
                self.skip_long_line()?;
                let raw = &self.prefix[..];
                let why = Refusal::TooLong;
                return Ok(Some((line, Row::Refused { raw, why })));
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let (line_start, line_end, nul) = (self.start, self.end, self.nul);
                self.advance(line_end - line_start);
                self.scanned = self.start;
                self.nul = false;
                return Ok(Some((self.line, self.row(line_start..line_end, nul))));
            }
            self.fill()?;
        }
    }

    /// The offset of the first line break in the unread bytes, noting NUL bytes on the way.
    fn find_break(&mut self) -> Option<usize> {
        loop {
            let rest = &self.buf[self.scanned..self.end];
            match memchr::memchr3(b'\n', b'\r', 0, rest) {
                Some(i) if rest[i] == 0 => {
                    self.nul = true;
                    self.scanned += i + 1;
                }
                Some(i) => {
                    self.scanned += i;
                    return Some(self.scanned);
                }
                None => {
                    self.scanned = self.end;
                    return None;
                }
            }
        }
    }

    /// Consumes the unread bytes up to and including the line break at `at`.
    fn take_break(&mut self, at: usize) {
        if self.buf[at] == b'\n' {
            self.line += 1;
        }
        self.advance(at + 1 - self.start);
        self.scanned = self.start;
        self.nul = false;
    }

    fn advance(&mut self, n: usize) {
        self.start += n;
        self.consumed += n as u64;
    }

    /// Reads more input after the unread bytes (moved to the front of the buffer first).
    fn fill(&mut self) -> std::io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.scanned -= self.start;
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.read_into(self.end)?;
        self.end += n;
        Ok(())
    }

    /// Reads into the buffer from `at`, retrying when interrupted; 0 at the end (noted).
    fn read_into(&mut self, at: usize) -> std::io::Result<usize> {
        loop {
            match self.input.read(&mut self.buf[at..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Keeps a prefix of the line at the front of the unread bytes (longer than the limit and
    /// without a line break so far) and discards the rest of it, through its line break.
    fn skip_long_line(&mut self) -> std::io::Result<()> {
        self.prefix.clear();
        let keep = (MAX_RAW_BYTES + 4).min(self.end - self.start);
        self.prefix
            .extend_from_slice(&self.buf[self.start..self.start + keep]);
        self.advance(self.end - self.start);
        loop {
            self.start = 0;
            self.end = 0;
            self.scanned = 0;
            if self.eof {
                break;
            }
            self.end = self.read_into(0)?;
            if let Some(i) = memchr::memchr2(b'\n', b'\r', &self.buf[..self.end]) {
                self.take_break(i);
                break;
            }
            self.advance(self.end);
        }
        self.nul = false;
        Ok(())
    }

    /// The record of the line `buf[range]`.
    fn row(&mut self, range: std::ops::Range<usize>, nul: bool) -> Row<'_> {
        let line = &self.buf[range];
        if line.len() > MAX_RECORD_BYTES {
            let raw = &line[..MAX_RAW_BYTES + 4];
            return Row::Refused {
                raw,
                why: Refusal::TooLong,
            };
        }
        if nul {
            let raw = line;
            return Row::Refused {
                raw,
                why: Refusal::Nul,
            };
        }
        if memchr::memchr(b'"', line).is_none() {
            self.ends.clear();
            self.ends.extend(memchr::memchr_iter(b',', line));
            self.ends.push(line.len());
            return Row::Fields(Fields {
                bytes: line,
                ends: &self.ends,
                plain: true,
            });
        }
        match parse_quoted(&mut self.parser, line, &mut self.out, &mut self.ends) {
            Some(nout) => Row::Fields(Fields {
                bytes: &self.out[..nout],
                ends: &self.ends,
                plain: false,
            }),
            None => {
                prime(&mut self.parser);
                Row::Refused {
                    raw: line,
                    why: Refusal::UnclosedQuote,
                }
            }
        }
    }
}

/// Resets `parser` and gets it past its first read, so that it never takes a byte-order mark at
/// the start of a later line for the file's own.
fn prime(parser: &mut csv_core::Reader) {
    parser.reset();
    let mut ends = [0; 1];
    let _ = parser.read_record(b"\n", &mut [0; 1], &mut ends);
}

/// Parses `line` (a whole line without its line break) with `parser` into `out` and `ends`.
/// `None` when the line ends inside a quoted field: `parser` must then be reset.
fn parse_quoted(
    parser: &mut csv_core::Reader,
    line: &[u8],
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> Option<usize> {
    use csv_core::ReadRecordResult;
    // The unquoted fields are never longer than the line.
    if out.len() < line.len() + 1 {
        out.resize(line.len() + 1, 0);
    }
    ends.clear();
    ends.resize(ends.capacity().max(16), 0);
    let (mut input, mut ended) = (line, false);
    let (mut nout, mut nend) = (0, 0);
    loop {
        let (result, nin, o, e) = parser.read_record(input, &mut out[nout..], &mut ends[nend..]);
        input = &input[nin..];
        nout += o;
        nend += e;
        match result {
            ReadRecordResult::Record => {
                ends.truncate(nend);
                return Some(nout);
            }
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            // Not expected (the output has room for the whole line): taken as unreadable.
            ReadRecordResult::OutputFull => return None,
            ReadRecordResult::InputEmpty | ReadRecordResult::End if input.is_empty() => {
                if ended {
                    return None;
                }
                // The line break ends the record, unless a quoted field is still open.
                input = b"\n";
                ended = true;
            }
            ReadRecordResult::InputEmpty | ReadRecordResult::End => {}
        }
    }
}

#[cfg(test)]
#[path = "record_reader_tests.rs"]
mod tests;
