//! A load is quiet by default: the progress and the summary, rejects summarised by reason; each
//! rejected row only with `-vv`; nothing but errors with `-q`.

use super::{config_file, generated};
use crate::support::TestDb;
use std::process::{Command, Output};

fn migrate(db: &str, dir: &std::path::Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["migrate", "--dir", dir.to_str().unwrap()])
        .args(flags)
        .env("DATABASE_URL", db)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

#[test]
fn a_large_load_with_rejects_writes_few_lines_by_default() {
    let db = TestDb::sqlite();
    let (dir, report) = generated(100_000, 7);
    let output = migrate(&db.url, dir.path(), &[]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        report.invalid_employees > 3_000,
        "{}",
        report.invalid_employees
    );
    assert!(
        stderr.lines().count() < 60,
        "{} lines:\n{stderr}",
        stderr.lines().count()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("rejects by reason:"), "{stdout}");
    assert!(stdout.lines().count() < 60, "{stdout}");
}

#[test]
fn verbosity_flags_move_the_log_level() {
    let db = TestDb::sqlite();
    let (dir, _) = generated(300, 8);
    let loud = migrate(&db.url, dir.path(), &["-vv"]);
    assert!(loud.status.success());
    let stderr = String::from_utf8_lossy(&loud.stderr);
    assert!(
        stderr.contains("row rejected") && stderr.contains("DEBUG"),
        "{stderr}"
    );
    assert!(stderr.contains("INFO"), "{stderr}");
    let quiet = migrate(&db.url, dir.path(), &["-q"]);
    assert!(quiet.status.success());
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        !stderr.contains("WARN") && !stderr.contains("INFO"),
        "{stderr}"
    );
}

#[path = "progress.rs"]
mod progress;
