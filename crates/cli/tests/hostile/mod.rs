//! Hostile CSV files through the built binary: a record of 100 MB leaves the memory of
//! `hiring migrate` and of a `hiring serve` upload flat (peak resident memory read from
//! `/proc/<pid>/status`), rows with NUL bytes or an unclosed quote are rejected alone, on
//! SQLite and PostgreSQL. The big files are generated in the test.

use super::support::TestDb;
use super::{config_file, counts, stdout_json};
use hiring_ports::{PageLimit, RejectFilter};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The field of the big record.
const BIG_FIELD: usize = 100 * 1024 * 1024;
/// Most the peak resident memory may grow by, loading the big record.
const MAX_GROWTH_KIB: u64 = 50 * 1024;

/// `(source, reasons, raw)` of every reject, by source.
fn rejects(db: &TestDb) -> Vec<(String, String, String)> {
    let repos = hiring_adapters::open(&db.url).unwrap();
    let mut rejects: Vec<_> = repos
        .rejects
        .list(&RejectFilter {
            table: None,
            limit: PageLimit::new(1000).unwrap(),
            ..RejectFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| {
            let reasons: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
            (r.source, reasons.join("; "), r.raw)
        })
        .collect();
    rejects.sort();
    rejects
}

/// The departments stored, by id.
fn departments(db: &TestDb) -> Vec<String> {
    let repos = hiring_adapters::open(&db.url).unwrap();
    let ids: Vec<_> = (1..=10)
        .map(|i| hiring_domain::Id::new(i).unwrap())
        .collect();
    let mut rows: Vec<String> = repos
        .departments
        .find_by_ids(&ids)
        .unwrap()
        .iter()
        .map(|d| hiring_domain::Record::to_fields(d).join(","))
        .collect();
    rows.sort();
    rows
}

fn migrate_file(db: &TestDb, file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["migrate", "--format", "json", "--table", "departments"])
        .arg("--file")
        .arg(file)
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", "error")
        .output()
        .expect("the binary runs")
}

fn nul_rows_are_rejected_wherever_they_are(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("departments.csv");
    std::fs::write(&file, nul_file()).unwrap();
    let summary = stdout_json(&migrate_file(db, &file));
    assert_eq!(counts(&summary, "departments"), (4002, 4000, 0, 2));
    let seen: Vec<(String, String)> = rejects(db)
        .into_iter()
        .map(|(source, reasons, _)| (source, reasons))
        .collect();
    let name = "departments.csv";
    assert_eq!(
        seen,
        [
            (format!("{name}:1"), "record: contains NUL bytes".to_owned()),
            (
                format!("{name}:4001"),
                "record: contains NUL bytes".to_owned()
            ),
        ]
    );
}

fn an_unclosed_quote_rejects_its_line_only(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("departments.csv");
    std::fs::write(&file, UNCLOSED_QUOTE).unwrap();
    let summary = stdout_json(&migrate_file(db, &file));
    assert_eq!(counts(&summary, "departments"), (5, 4, 0, 1));
    assert_eq!(
        departments(db),
        ["1,Sales", "3,Legal", "4,Support, EMEA", "5,Training"]
    );
    let rejects = rejects(db);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].0, "departments.csv:2");
    assert!(
        rejects[0].1.starts_with("record: unclosed quote"),
        "{rejects:?}"
    );
    assert_eq!(rejects[0].2, "2,\"Research");
}

on_every_backend!(
    nul_rows_are_rejected_wherever_they_are,
    an_unclosed_quote_rejects_its_line_only,
);

/// Departments 1 to 4002, more than 64 KiB; lines 1 and 4001 hold NUL bytes.
fn nul_file() -> Vec<u8> {
    let mut file = b"1,Sa\x00les\r\n".to_vec();
    for id in 2..=4000 {
        file.extend_from_slice(format!("{id},Department {id}\r\n").as_bytes());
    }
    assert!(file.len() > 64 * 1024);
    file.extend_from_slice(b"4001,Le\x00gal\r\n4002,Training\r\n");
    file
}

/// Line 2 ends inside a quote; lines 1 and 3 to 5 are valid.
const UNCLOSED_QUOTE: &str =
    "1,Sales\r\n2,\"Research\r\n3,Legal\r\n4,\"Support, EMEA\"\r\n5,Training\r\n";

/// `1,Sales`, then department 2 with a field of [`BIG_FIELD`] bytes, then `3,Legal`.
fn big_record() -> impl Read {
    let field = std::io::repeat(b'x').take(BIG_FIELD as u64);
    (&b"1,Sales\n2,"[..])
        .chain(field)
        .chain(&b"\n3,Legal\n"[..])
}

fn big_record_len() -> u64 {
    (BIG_FIELD + "1,Sales\n2,".len() + "\n3,Legal\n".len()) as u64
}

/// The peak resident memory of process `pid` so far, in KiB (`None` once it has exited).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs `hiring migrate` on `file` and returns its output with its peak resident memory in KiB,
/// sampled until it exits.
fn migrate_measured(db: &TestDb, file: &Path) -> (Output, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["migrate", "--format", "json", "--table", "departments"])
        .arg("--file")
        .arg(file)
        .env("DATABASE_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[test]
fn a_100_mb_record_leaves_the_memory_of_migrate_flat() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.csv");
    std::fs::write(&small, "1,Sales\n2,Research\n3,Legal\n").unwrap();
    let big = dir.path().join("big.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
    std::io::copy(&mut big_record(), &mut out).unwrap();
    out.flush().unwrap();
    drop(out);

    let (output, baseline) = migrate_measured(&TestDb::sqlite(), &small);
    assert_eq!(counts(&stdout_json(&output), "departments"), (3, 3, 0, 0));
    let db = TestDb::sqlite();
    let (output, peak) = migrate_measured(&db, &big);
    assert_eq!(counts(&stdout_json(&output), "departments"), (3, 2, 0, 1));
    eprintln!("migrate: peak {peak} KiB, {baseline} KiB for a small file");
    assert!(
        peak < baseline + MAX_GROWTH_KIB,
        "peak {peak} KiB against {baseline} KiB for a small file"
    );
    let rejects = rejects(&db);
    assert_eq!(rejects[0].0, "big.csv:2");
    assert_eq!(rejects[0].1, "record: record is longer than 65536 bytes");
    assert!(rejects[0].2.starts_with("2,xxx") && rejects[0].2.len() < 5000);
}

/// A `hiring serve` child on a free port of 127.0.0.1, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

const TOKEN: &str = "hostile-test-token";

impl Server {
    fn start(db: &TestDb) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &db.url)
            .env("HIRING_CONFIG", config_file())
            .env("HIRING_API_TOKEN", TOKEN)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (sender, receiver) = std::sync::mpsc::channel();
        // Reads the address from the start-up line, then drains the log so the server never
        // blocks writing it.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if line.contains("HTTP API listening") {
                    let address = line
                        .split_whitespace()
                        .find_map(|word| word.strip_prefix("address="))
                        .map(str::to_owned);
                    let _ = sender.send(address);
                }
            }
        });
        let address = receiver
            .recv_timeout(Duration::from_secs(60))
            .expect("the server starts")
            .expect("the start-up line names the address");
        Self {
            child,
            base: format!("http://{address}"),
        }
    }

    fn upload(&self, body: reqwest::blocking::Body) -> serde_json::Value {
        let response = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()
            .unwrap()
            .post(format!("{}/api/v1/departments/upload", self.base))
            .bearer_auth(TOKEN)
            .header("Content-Type", "text/csv")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    }

    fn peak_rss_kib(&self) -> u64 {
        peak_rss_kib(self.child.id()).expect("the server runs")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_100_mb_record_leaves_the_memory_of_an_upload_flat() {
    let db = TestDb::sqlite();
    let server = Server::start(&db);
    let small = server.upload("4,Support\n5,Training\n".into());
    assert_eq!(
        (small["read"].as_u64(), small["inserted"].as_u64()),
        (Some(2), Some(2))
    );
    let baseline = server.peak_rss_kib();
    let body = reqwest::blocking::Body::sized(big_record(), big_record_len());
    let big = server.upload(body);
    let peak = server.peak_rss_kib();
    assert_eq!(
        (&big["read"], &big["inserted"], &big["rejected"]),
        (&3.into(), &2.into(), &1.into())
    );
    eprintln!("upload: peak {peak} KiB, {baseline} KiB after a small upload");
    assert!(
        peak < baseline + MAX_GROWTH_KIB,
        "peak {peak} KiB against {baseline} KiB after a small upload"
    );
    let source = big["source"].as_str().unwrap();
    let rejects = rejects(&db);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].0, format!("{source}:2"));
    assert_eq!(rejects[0].1, "record: record is longer than 65536 bytes");
}
