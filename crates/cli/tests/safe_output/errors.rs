//! An error prints each cause once.

use crate::support::TestDb;
use crate::{hiring, stderr_of};

/// The operating system's message for a path under a regular file.
const NOT_A_FOLDER: &str = "Not a directory";

fn assert_said_once(args: &[&str], db: &str) {
    let output = hiring(db, args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    // The error itself (log lines before it may name the same cause for their own reasons).
    let error = &stderr[stderr.find("error:").unwrap_or(0)..];
    assert_eq!(
        error.matches(NOT_A_FOLDER).count(),
        1,
        "{args:?} repeats its cause:\n{stderr}"
    );
}

#[test]
fn a_folder_under_a_regular_file_is_reported_once() {
    let db = TestDb::sqlite();
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("plain-file");
    std::fs::write(&file, "not a folder").unwrap();
    let under_file = file.join("backups");
    let under_file = under_file.to_str().unwrap();

    assert_said_once(&["backup", "departments", "--dir", under_file], &db.url);
    assert_said_once(&["backup", "--dir", under_file], &db.url);
    let database = file.join("data").join("hiring.db");
    assert_said_once(&["rejects"], database.to_str().unwrap());
}
