use super::*;

/// A line's fields as text, or its refusal and raw text.
type LineRead = Result<Vec<String>, (Refusal, String)>;

/// What the reader makes of `input`, read `chunk` bytes at a time: each line number with its
/// fields (as text) or its refusal and raw text.
fn rows_of(input: &[u8], chunk: usize) -> Vec<(u64, LineRead)> {
    let mut reader = RecordReader::new(Chunked { rest: input, chunk });
    let mut rows = Vec::new();
    while let Some((line, row)) = reader.next_row().unwrap() {
        rows.push((
            line,
            match row {
                Row::Fields(fields) => Ok(fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect()),
                Row::Refused { raw, why } => Err((why, String::from_utf8_lossy(raw).into_owned())),
            },
        ));
    }
    rows
}

fn fields(texts: &[&str]) -> LineRead {
    Ok(texts.iter().map(|t| (*t).to_owned()).collect())
}

/// Gives its bytes `chunk` at a time, as a socket or a pipe would.
struct Chunked<'a> {
    rest: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

#[test]
fn reads_crlf_lf_bom_quotes_blank_lines_and_a_last_line_without_break() {
    let input = "\u{feff}1,Sales\r\n\r\n2,\"Research, \"\"EMEA\"\"\"\n\n3,a\"b,\n4,Last";
    for chunk in [1, 2, 3, 7, 1 << 20] {
        assert_eq!(
            rows_of(input.as_bytes(), chunk),
            vec![
                (1, fields(&["1", "Sales"])),
                (3, fields(&["2", "Research, \"EMEA\""])),
                (5, fields(&["3", "a\"b", ""])),
                (6, fields(&["4", "Last"])),
            ],
            "read {chunk} bytes at a time"
        );
    }
}

#[test]
fn a_lone_carriage_return_ends_a_line_too() {
    assert_eq!(
        rows_of(b"1,A\r2,B\r\n3,C", 4),
        vec![
            (1, fields(&["1", "A"])),
            (1, fields(&["2", "B"])),
            (2, fields(&["3", "C"]))
        ]
    );
}

#[test]
fn a_line_ending_inside_a_quote_is_refused_alone_and_the_next_lines_are_read() {
    let input = b"1,A\r\n2,\"B\r\n3,C\"\r\n4,D\n5,\"E\"\"";
    for chunk in [1, 5, 1 << 20] {
        assert_eq!(
            rows_of(input, chunk),
            vec![
                (1, fields(&["1", "A"])),
                (2, Err((Refusal::UnclosedQuote, "2,\"B".to_owned()))),
                (3, fields(&["3", "C\""])),
                (4, fields(&["4", "D"])),
                (5, Err((Refusal::UnclosedQuote, "5,\"E\"\"".to_owned()))),
            ]
        );
    }
}

#[test]
fn a_line_with_nul_bytes_is_refused_wherever_it_is() {
    let mut input = b"1,A\x00\n".to_vec();
    for id in 2..20_000 {
        input.extend_from_slice(format!("{id},Department {id}\n").as_bytes());
    }
    input.extend_from_slice(b"20000,\x00\x00\n20001,\"quoted\x00\"\n20002,Z\n");
    let rows = rows_of(&input, 4096);
    assert_eq!(rows.len(), 20_002);
    assert_eq!(rows[0], (1, Err((Refusal::Nul, "1,A\0".to_owned()))));
    assert_eq!(
        rows[19_999],
        (20_000, Err((Refusal::Nul, "20000,\0\0".to_owned())))
    );
    assert!(matches!(rows[20_000], (20_001, Err((Refusal::Nul, _)))));
    assert_eq!(rows[20_001], (20_002, fields(&["20002", "Z"])));
}

#[test]
fn a_line_past_the_limit_is_refused_with_a_prefix_and_skipped_to_its_end() {
    let long = "x".repeat(3 * MAX_RECORD_BYTES + 17);
    let input = format!("1,A\r\n2,{long}\r\n3,B\r\n4,{long}");
    for chunk in [1000, 1 << 20] {
        let rows = rows_of(input.as_bytes(), chunk);
        assert_eq!(rows.len(), 4, "{chunk}");
        assert_eq!(rows[0], (1, fields(&["1", "A"])));
        assert_eq!(rows[2], (3, fields(&["3", "B"])));
        for (row, line) in [(&rows[1], 2), (&rows[3], 4)] {
            let (at, Err((why, raw))) = row else {
                panic!("{row:?}")
            };
            assert_eq!((*at, *why), (line, Refusal::TooLong));
            assert!(raw.starts_with(&format!("{line},xxx")));
            assert!(raw.len() > MAX_RAW_BYTES && raw.len() < MAX_RAW_BYTES + 16);
        }
    }
    assert_eq!(
        Refusal::TooLong.to_string(),
        "record is longer than 65536 bytes"
    );
}

#[test]
fn a_line_at_the_limit_is_read_and_one_byte_more_is_refused() {
    let at_limit = format!("1,{}", "y".repeat(MAX_RECORD_BYTES - 2));
    let over = format!("2,{}", "y".repeat(MAX_RECORD_BYTES - 1));
    let rows = rows_of(format!("{at_limit}\n{over}\n3,C").as_bytes(), 1 << 20);
    assert!(rows[0].1.is_ok());
    assert!(matches!(rows[1], (2, Err((Refusal::TooLong, _)))));
    assert_eq!(rows[2], (3, fields(&["3", "C"])));
}

#[test]
fn memory_stays_bounded_whatever_the_line_length() {
    /// Endless `x`s: a field that never ends.
    struct Endless(u64);
    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Ok(0);
            }
            let n = (buf.len() as u64).min(self.0) as usize;
            buf[..n].fill(b'x');
            self.0 -= n as u64;
            Ok(n)
        }
    }
    let mut reader = RecordReader::new(std::io::Read::chain(
        &b"1,"[..],
        std::io::Read::chain(Endless(50 << 20), &b"\n2,B\n"[..]),
    ));
    let capacity = reader.buf.capacity();
    let (line, row) = reader.next_row().unwrap().unwrap();
    assert!(
        matches!(
            row,
            Row::Refused {
                why: Refusal::TooLong,
                ..
            }
        ) && line == 1
    );
    assert_eq!(reader.buf.capacity(), capacity, "the buffer never grows");
    assert!(reader.prefix.capacity() < 2 * MAX_RAW_BYTES);
    let (line, row) = reader.next_row().unwrap().unwrap();
    assert!(matches!(row, Row::Fields(f) if f.len() == 2) && line == 2);
    assert!(reader.next_row().unwrap().is_none());
    assert_eq!(reader.position(), 2 + (50 << 20) + 5);
}

#[test]
fn the_head_is_read_without_being_consumed() {
    let input = format!("\u{feff}{}", "1,A\n".repeat(5000));
    let mut reader = RecordReader::new(Chunked {
        rest: input.as_bytes(),
        chunk: 100,
    });
    let head = reader.head().unwrap();
    assert_eq!(head.len(), HEAD_BYTES);
    assert!(head.starts_with(BOM));
    let (line, row) = reader.next_row().unwrap().unwrap();
    assert!(matches!(row, Row::Fields(f) if f.get(0) == b"1") && line == 1);
    let mut short = RecordReader::new(&b"1,A"[..]);
    assert_eq!(short.head().unwrap(), b"1,A");
}

#[test]
fn plain_lines_are_their_own_raw_text_and_quoted_ones_are_not() {
    let mut reader = RecordReader::new(&b"1,Sales,,x\n2,\"Sales, EMEA\"\n"[..]);
    let (_, Row::Fields(first)) = reader.next_row().unwrap().unwrap() else {
        panic!()
    };
    assert_eq!(first.plain_line(), Some(&b"1,Sales,,x"[..]));
    assert_eq!((first.len(), first.range(3)), (4, 9..10));
    let (_, Row::Fields(second)) = reader.next_row().unwrap().unwrap() else {
        panic!()
    };
    assert_eq!(second.plain_line(), None);
    assert_eq!(second.get(1), b"Sales, EMEA");
}

#[test]
fn many_quoted_fields_fit() {
    let line: String = (0..5000).map(|i| format!("\"{i}\",")).collect();
    let rows = rows_of(format!("{line}\n1,A").as_bytes(), 1 << 20);
    let Ok(texts) = &rows[0].1 else {
        panic!("{:?}", rows[0])
    };
    assert_eq!((texts.len(), texts[4999].as_str()), (5001, "4999"));
    assert_eq!(rows[1], (2, fields(&["1", "A"])));
}

#[test]
fn read_errors_are_passed_on() {
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let err = RecordReader::new(Failing).next_row().unwrap_err();
    assert_eq!(err.to_string(), "disk on fire");
}
