//! Hostile input through the use cases: records past the length limit, NUL bytes anywhere,
//! unclosed quotes. The reader itself is tested in `record_reader_tests.rs`.

use crate::ingest::{ingest, rows_from_csv, Mode};
use crate::migrate::{LoadError, LoadOptions, Migration, TableSummary};
use crate::record_reader::MAX_RECORD_BYTES;
use crate::test_support::{dept, keys, recording_repo, repos, Written};
use crate::MockTableRepository;
use hiring_domain::{Batch, Department, Rejection, Table};

fn load(input: &[u8]) -> (Result<TableSummary, LoadError>, Written<Department>) {
    let (repo, written) = recording_repo(vec![]);
    let repos = repos(
        repo,
        MockTableRepository::new(),
        MockTableRepository::new(),
        keys(),
    );
    let result = Migration::new(&repos, LoadOptions::default()).load(
        Table::Departments,
        input,
        "departments.csv",
        &(),
    );
    (result, written)
}

fn stored(written: &Written<Department>) -> (Vec<Department>, Vec<Rejection>) {
    let writes = written.lock().unwrap();
    (
        writes.iter().flat_map(|(rows, _)| rows.clone()).collect(),
        writes.iter().flat_map(|(_, r)| r.clone()).collect(),
    )
}

#[test]
fn a_record_past_the_limit_is_rejected_alone_with_a_bounded_raw_text() {
    let input = format!(
        "1,Sales\r\n2,{}\r\n3,Legal\r\n",
        "x".repeat(4 * MAX_RECORD_BYTES)
    );
    let (result, written) = load(input.as_bytes());
    let summary = result.unwrap();
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (3, 2, 1)
    );
    let (rows, rejects) = stored(&written);
    assert_eq!(rows, vec![dept(1, "Sales"), dept(3, "Legal")]);
    assert_eq!(rejects[0].source(), "departments.csv:2");
    assert_eq!(
        rejects[0].reasons(),
        "record: record is longer than 65536 bytes"
    );
    assert!(rejects[0].raw().starts_with("2,xxx") && rejects[0].raw().len() < 4200);
}

#[test]
fn a_row_with_nul_bytes_is_rejected_at_the_start_in_the_middle_and_past_64_kib() {
    let mut input = b"1,Sa\x00les\r\n".to_vec();
    for id in 2..=4000 {
        input.extend_from_slice(format!("{id},Department {id}\r\n").as_bytes());
    }
    assert!(input.len() > 64 * 1024);
    input.extend_from_slice(b"4001,\x00\r\n4002,Last\r\n");
    let (result, written) = load(&input);
    let summary = result.unwrap();
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (4002, 4000, 2)
    );
    let (_, rejects) = stored(&written);
    let seen: Vec<(&str, String)> = rejects.iter().map(|r| (r.source(), r.reasons())).collect();
    assert_eq!(
        seen,
        [
            ("departments.csv:1", "record: contains NUL bytes".to_owned()),
            (
                "departments.csv:4001",
                "record: contains NUL bytes".to_owned()
            ),
        ]
    );
    let (result, _) = load(b"1,A\r\n2,B\x00\r\n3,C");
    assert_eq!(result.unwrap().rejected, 1, "a short file is no exception");
}

#[test]
fn an_evidently_binary_file_is_still_refused_up_front() {
    let utf16: Vec<u8> = "1,Sales\r\n2,Legal\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (result, written) = load(&utf16);
    let message = result.unwrap_err().to_string();
    assert!(message.contains("not a CSV text file"), "{message}");
    let with_bom: Vec<u8> = [&b"\xff\xfe"[..], &utf16].concat();
    assert!(load(&with_bom)
        .0
        .unwrap_err()
        .to_string()
        .contains("UTF-16"));
    assert!(load(b"%PDF-1.7\n1,a").0.is_err());
    assert!(written.lock().unwrap().is_empty());
}

#[test]
fn an_unclosed_quote_rejects_its_line_only() {
    let input = b"1,Sales\r\n2,\"Research\r\n3,Legal\r\n4,\"Support, EMEA\"\r\n5,Training\r\n";
    let (result, written) = load(input);
    let summary = result.unwrap();
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (5, 4, 1)
    );
    let (rows, rejects) = stored(&written);
    assert_eq!(
        rows,
        vec![
            dept(1, "Sales"),
            dept(3, "Legal"),
            dept(4, "Support, EMEA"),
            dept(5, "Training")
        ]
    );
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        (rejects[0].source(), rejects[0].raw()),
        ("departments.csv:2", "2,\"Research")
    );
    assert!(rejects[0].reasons().starts_with("record: unclosed quote"));
}

#[test]
fn a_csv_body_reads_lines_like_the_files() {
    let rows = rows_from_csv(
        Table::Departments,
        b"1,Sales\n2,\"Research\n3,Legal\n4,Le\x00gal\n5,Support\n",
    )
    .unwrap();
    assert_eq!(rows.len(), 5);
    let (repo, written) = recording_repo(vec![]);
    let repos = repos(
        repo,
        MockTableRepository::new(),
        MockTableRepository::new(),
        keys(),
    );
    let report = ingest(
        &repos,
        Table::Departments,
        "r1",
        Batch::new(rows).unwrap(),
        Mode::Partial,
    )
    .unwrap();
    assert_eq!(report.inserted, 3);
    let rejected: Vec<(usize, String)> = report
        .rejected
        .iter()
        .map(|r| (r.index, r.errors[0].message().to_owned()))
        .collect();
    assert!(rejected[0].1.starts_with("unclosed quote"), "{rejected:?}");
    assert_eq!(rejected[0].0, 1);
    assert_eq!(rejected[1], (3, "contains NUL bytes".to_owned()));
    let (rows, _) = stored(&written);
    assert_eq!(
        rows,
        vec![dept(1, "Sales"), dept(3, "Legal"), dept(5, "Support")]
    );
}
