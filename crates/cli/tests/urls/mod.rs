//! Which database URLs the binary takes: a mistyped or foreign scheme is an error naming the
//! accepted forms, never a stray SQLite file.

use crate::config_file;
use std::path::Path;
use std::process::{Command, Output};

fn hiring_in(cwd: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .current_dir(cwd)
        .env("DATABASE_URL", url)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

#[test]
fn a_foreign_or_mistyped_scheme_is_refused_and_creates_nothing() {
    for url in [
        "mysql://root:hunter2@localhost/hiring",
        "postgress://me:hunter2@localhost/hiring",
        "file:///tmp/hiring.db",
    ] {
        let cwd = tempfile::tempdir().unwrap();
        let output = hiring_in(cwd.path(), url, &["report", "hires-by-quarter"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{url} was accepted: {stderr}");
        assert!(
            stderr.contains("unsupported database URL scheme")
                && stderr.contains("postgresql://")
                && stderr.contains("sqlite:PATH"),
            "{url}: {stderr}"
        );
        assert!(!stderr.contains("hunter2"), "{url}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
        assert!(left.is_empty(), "{url} created {left:?}");
    }
}

#[test]
fn sqlite_urls_with_and_without_slashes_name_the_same_file() {
    let cwd = tempfile::tempdir().unwrap();
    for url in ["sqlite:data/h.db", "sqlite://data/h.db", "data/h.db"] {
        let output = hiring_in(cwd.path(), url, &["report", "hires-by-quarter"]);
        assert!(
            output.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let files: Vec<_> = std::fs::read_dir(cwd.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".db"))
        .collect();
    assert_eq!(files, ["h.db"]);
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 1);
}

#[test]
fn a_missing_postgres_database_gets_a_hint_and_create_database_makes_it() {
    let Some(db) = crate::support::TestDb::postgres_absent() else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    let output = hiring_in(cwd.path(), &db.url, &["rejects"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("has no database") && stderr.contains("--create-database"),
        "{stderr}"
    );
    for run in 0..2 {
        let output = hiring_in(cwd.path(), &db.url, &["rejects", "--create-database"]);
        assert!(
            output.status.success(),
            "run {run}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let output = hiring_in(cwd.path(), &db.url, &["rejects"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn create_database_behind_a_pooler_creates_it_on_the_direct_url() {
    let Some(db) = crate::support::TestDb::postgres_absent() else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    // A pooler that does not answer: the database is still created, on the direct URL (a
    // pooler has no `postgres` database to create it from), before the command stops on it.
    let output = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(["rejects", "--create-database"])
        .current_dir(cwd.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/hiring")
        .env("HIRING__DATABASE__DIRECT_URL", &db.url)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(db.integer("(SELECT 1)"), 1, "the database exists: {stderr}");
}
