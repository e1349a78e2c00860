//! Names and raw records with line breaks and escape sequences reach neither the text log nor
//! the tables as they are; the JSON log and JSON output keep them exactly.

use crate::support::TestDb;
use crate::{hiring, stderr_of, stdout_json};
use serde_json::Value;
use std::path::Path;

const FORGED: &str = "2021-11-07T02:48:42.000000Z  INFO forged line";
const RED: &str = "\u{1b}[31m";

/// Hires that would forge a log line (a quoted line break followed by a fake log line: the
/// record ends at the line break, both halves are rejected) and colour the terminal (an ANSI
/// sequence in a name).
fn hostile_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("departments.csv"), "1,Sales\n").unwrap();
    std::fs::write(dir.path().join("jobs.csv"), "1,Analyst\n").unwrap();
    std::fs::write(
        dir.path().join("hired_employees.csv"),
        format!(
            "1,\"Ann\n{FORGED}\",2021-02-01T00:00:00Z,1,1\n\
             2,{RED}Bob,2021-02-01T00:00:00Z,1,1\n\
             3,Cy,2021-02-01T00:00:00Z,1,1\n"
        ),
    )
    .unwrap();
    dir
}

fn migrate(db: &str, dir: &Path, log_format: &str) -> String {
    let output = hiring(
        db,
        &[
            "migrate",
            // Each rejected row is logged at DEBUG.
            "-vv",
            "--log-format",
            log_format,
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    stderr_of(&output)
}

/// No ESC byte in `text`, and the fake log line never a line of its own: only ever inside the
/// line of the record it belongs to (a CSV record ends at its line, so the text after the line
/// break is a record, rejected, of its own).
fn assert_no_forgery(text: &str) {
    assert!(!text.contains('\u{1b}'), "an ESC byte got through:\n{text}");
    for line in text.lines().filter(|l| l.contains(FORGED)) {
        assert!(
            !line.trim_start().starts_with(FORGED) && !line.trim_start().starts_with("2021-11-07"),
            "forged line {line:?} in:\n{text}"
        );
    }
}

#[test]
fn text_log_and_reject_table_escape_line_breaks_and_escape_sequences() {
    let db = TestDb::sqlite();
    let files = hostile_files();
    let log = migrate(&db.url, files.path(), "text");
    assert_no_forgery(&log);
    let warnings: Vec<&str> = log.lines().filter(|l| l.contains("row rejected")).collect();
    assert_eq!(warnings.len(), 3, "{log}");
    assert!(
        log.contains("raw=1,\"Ann reasons=record: unclosed quote"),
        "the broken record is logged alone:\n{log}"
    );
    assert!(log.contains("\\u{1b}[31mBob"), "{log}");

    let output = hiring(&db.url, &["rejects"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    assert_no_forgery(&table);
    assert!(table.contains("\\u{1b}[31mBob"), "{table}");
}

#[test]
fn json_log_and_json_rejects_keep_the_exact_text() {
    let db = TestDb::sqlite();
    let files = hostile_files();
    let log = migrate(&db.url, files.path(), "json");
    let raws: Vec<String> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|event| event["fields"]["message"] == "row rejected")
        .map(|event| event["fields"]["raw"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(raws.len(), 3, "{log}");
    assert!(raws.iter().any(|r| r == "1,\"Ann"), "{raws:?}");
    assert!(raws.iter().any(|r| r.contains(FORGED)), "{raws:?}");
    assert!(
        raws.iter().any(|r| r.contains(&format!("{RED}Bob"))),
        "{raws:?}"
    );

    let rejects = stdout_json(&hiring(&db.url, &["rejects", "--format", "json"]));
    let raws: Vec<&str> = rejects["rejects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["raw"].as_str().unwrap())
        .collect();
    assert!(raws.contains(&"1,\"Ann"), "{raws:?}");
    assert!(
        raws.iter().any(|r| r.contains(&format!("{RED}Bob"))),
        "{raws:?}"
    );
}

#[test]
fn error_messages_escape_control_characters() {
    let db = TestDb::sqlite();
    let output = hiring(&db.url, &["migrate", "--dir", "no\u{1b}[2Jsuch\nfolder"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_of(&output);
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    assert!(stderr.contains("no\\u{1b}[2Jsuch\\nfolder"), "{stderr}");
}

/// `hiring … | head` closes the pipe early: the command stops quietly, as other Unix tools do,
/// instead of panicking with "failed printing to stdout: Broken pipe".
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let db = TestDb::sqlite();
    // Far more rejects than a pipe holds (64 KiB): the command is still printing when the
    // reader goes away.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("departments.csv"), "1,Sales\n").unwrap();
    std::fs::write(dir.path().join("jobs.csv"), "1,Analyst\n").unwrap();
    let bad: String = (1..=3000)
        .map(|i| format!("{i},Person {i},not a time,1,1\n"))
        .collect();
    std::fs::write(dir.path().join("hired_employees.csv"), bad).unwrap();
    let loaded = hiring(&db.url, &["migrate", "--dir", dir.path().to_str().unwrap()]);
    assert!(loaded.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["rejects", "--limit", "3000", "--format", "json"])
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", crate::config_file())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one byte, then close the pipe while the command still has lines to print.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}
