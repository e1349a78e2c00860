//! End-to-end tests of `hiring backup`, `hiring backups` and `hiring restore`, on SQLite and
//! PostgreSQL.

use super::{generated, hiring, migrate_json, stderr_of, stdout_json};
use crate::support::TestDb;
use serde_json::Value;
use std::path::Path;

mod prune;

fn backup_json(db: &str, dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["backup", "--format", "json", "--dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    stdout_json(&hiring(db, &args))
}

/// Rows per table, as `backup` reports them (it reads the whole table).
fn stored_rows(db: &str) -> Vec<u64> {
    let scratch = tempfile::tempdir().unwrap();
    let summary = backup_json(db, scratch.path(), &[]);
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rows"].as_u64().unwrap())
        .collect()
}

fn backup_list_and_restore_through_the_command(db: &TestDb) {
    let (csv, _) = generated(1_000, 9);
    migrate_json(&db.url, csv.path(), &[]);
    let before = stored_rows(&db.url);
    let dir = tempfile::tempdir().unwrap();
    let summary = backup_json(&db.url, dir.path(), &["--codec", "zstandard"]);
    let files = summary["files"].as_array().unwrap();
    let tables: Vec<&str> = files.iter().map(|f| f["table"].as_str().unwrap()).collect();
    assert_eq!(tables, ["departments", "jobs", "hired_employees"]);
    assert!(files.iter().all(|f| f["codec"] == "zstandard"));
    let hires_file = dir.path().join(files[2]["file"].as_str().unwrap());
    assert!(hires_file.is_file());

    // One table only.
    let jobs = backup_json(&db.url, dir.path(), &["jobs"]);
    assert_eq!(jobs["files"].as_array().unwrap().len(), 1);

    let listed = stdout_json(&hiring(
        &db.url,
        &[
            "backups",
            "--format",
            "json",
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    ));
    // Named as `GET /api/v1/backups` names them.
    assert_eq!(listed["backups"].as_array().unwrap().len(), 4);
    let sets = listed["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0]["set"], Value::Null);
    assert_eq!(sets[0]["id"], jobs["set"]);
    assert_eq!(sets[0]["tables"], serde_json::json!(["jobs"]));
    assert_eq!(sets[1]["id"], summary["set"]);
    assert!(sets.iter().all(|s| s["complete"] == true));

    // Restoring everything gives the same contents back.
    let restored = stdout_json(&hiring(
        &db.url,
        &[
            "restore",
            "--all",
            "--format",
            "json",
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    ));
    // The newest set of every table: the one-table backup since is not one.
    assert_eq!(restored["set"], summary["set"]);
    let rows: Vec<u64> = restored["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["rows"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, before);
    assert_eq!(stored_rows(&db.url), before);

    // A file of another table is refused with exit code 1; nothing changes.
    let output = hiring(
        &db.url,
        &[
            "restore",
            "departments",
            "--file",
            hires_file.to_str().unwrap(),
            "--dir",
            dir.path().to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("is a backup of hired_employees, not of departments"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(stored_rows(&db.url), before);

    // A truncated file too.
    let bytes = std::fs::read(&hires_file).unwrap();
    let cut = dir.path().join("cut.avro");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let output = hiring(
        &db.url,
        &[
            "restore",
            "hired_employees",
            "--file",
            cut.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("truncated or corrupt"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(stored_rows(&db.url), before);
}

/// `hiring restore ARGS... --dir DIR`.
fn restore(db: &str, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "restore",
        "--format",
        "json",
        "--dir",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    hiring(db, &all)
}

fn backup_sets_through_the_command(db: &TestDb) {
    let (csv, _) = generated(300, 4);
    migrate_json(&db.url, csv.path(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let first = backup_json(&db.url, dir.path(), &[]);
    let before = stored_rows(&db.url);
    let (more, _) = generated(600, 5);
    migrate_json(&db.url, more.path(), &[]);
    let second = backup_json(&db.url, dir.path(), &["--codec", "snappy"]);
    let after = stored_rows(&db.url);
    assert_ne!(before, after);

    // --set chooses; the default is the newest set.
    let output = restore(
        &db.url,
        dir.path(),
        &["--all", "--set", first["set"].as_str().unwrap()],
    );
    assert_eq!(stdout_json(&output)["set"], first["set"]);
    assert_eq!(stored_rows(&db.url), before);
    let output = restore(&db.url, dir.path(), &["--all"]);
    assert_eq!(stdout_json(&output)["set"], second["set"]);
    assert_eq!(stored_rows(&db.url), after);

    // A file of the newest set edited in place (same size): refused, exit 1, nothing changed;
    // restoring that table alone is refused too.
    let hires = dir
        .path()
        .join(second["files"][2]["file"].as_str().unwrap());
    let original = std::fs::read(&hires).unwrap();
    let mut edited = original.clone();
    let at = edited.len() - 40;
    edited[at] ^= 0x01;
    std::fs::write(&hires, &edited).unwrap();
    restore(
        &db.url,
        dir.path(),
        &["--all", "--set", first["set"].as_str().unwrap()],
    );
    assert_eq!(stored_rows(&db.url), before);
    for args in [&["--all"][..], &["hired_employees"][..]] {
        let output = restore(&db.url, dir.path(), args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let message = stderr_of(&output);
        assert!(message.contains("does not match backup set"), "{message}");
        assert!(message.contains("changed after the backup"), "{message}");
        assert_eq!(stored_rows(&db.url), before, "{args:?}");
    }
    std::fs::write(&hires, &original).unwrap();

    // Backups without a manifest (taken before sets): --all refuses and says what to do; a
    // table restores from its file.
    std::fs::remove_dir_all(dir.path().join("sets")).unwrap();
    let output = restore(&db.url, dir.path(), &["--all"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("there is no backup set of every table"),
        "{}",
        stderr_of(&output)
    );
    let output = restore(
        &db.url,
        dir.path(),
        &["hired_employees", "--file", hires.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert_eq!(stored_rows(&db.url)[2], after[2]);
}

on_every_backend!(
    backup_list_and_restore_through_the_command,
    backup_sets_through_the_command,
);

#[test]
fn backups_render_for_people_and_bad_arguments_exit_with_2() {
    let db = TestDb::sqlite();
    let (csv, _) = generated(50, 2);
    migrate_json(&db.url, csv.path(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let output = hiring(&db.url, &["backup", "--dir", folder, "departments"]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let output = hiring(&db.url, &["backups", "--dir", folder]);
    let text = String::from_utf8_lossy(&output.stdout);
    for word in [
        "set",
        "complete",
        "tables",
        "table",
        "file",
        "rows",
        "size",
        "created",
        "departments/departments-",
        "1 backup sets, 1 backup files",
        "none",
    ] {
        assert!(text.contains(word), "{word} missing from\n{text}");
    }
    let output = hiring(&db.url, &["restore", "jobs", "--dir", folder]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_of(&output).contains("there is no backup of jobs"));

    for args in [
        &["backup", "--codec", "gzip"][..],
        &["backup", "employees"][..],
        &["restore"][..],
        &["restore", "jobs", "--all"][..],
        &["restore", "--set", "20261203T090000Z"][..],
        &["restore", "--all", "--set", "../x"][..],
    ] {
        let output = hiring(&db.url, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn the_backup_folder_comes_from_the_config_unless_a_flag_or_variable_names_another() {
    let db = TestDb::sqlite();
    let (csv, _) = generated(20, 3);
    migrate_json(&db.url, csv.path(), &[]);
    let root = tempfile::tempdir().unwrap();
    let folder = |name: &str| root.path().join(name);
    let config = root.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[backup]\ndir = {:?}\n",
            folder("from-file").to_str().unwrap()
        ),
    )
    .unwrap();
    let run = |envs: &[(&str, &Path)], args: &[&str]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hiring"));
        command
            .args(["backup", "departments"])
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("HIRING_CONFIG", &config)
            .env_remove("HIRING_BACKUP_DIR")
            .env_remove("HIRING__BACKUP__DIR")
            .env_remove("RUST_LOG");
        for (key, value) in envs {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
    };
    let backups_in = |name: &str| {
        std::fs::read_dir(folder(name).join("departments"))
            .map(|entries| entries.count())
            .unwrap_or(0)
    };
    run(&[], &[]);
    assert_eq!(backups_in("from-file"), 1);
    run(&[("HIRING__BACKUP__DIR", &folder("layered"))], &[]);
    assert_eq!(backups_in("layered"), 1);
    run(
        &[
            ("HIRING__BACKUP__DIR", &folder("layered")),
            ("HIRING_BACKUP_DIR", &folder("variable")),
        ],
        &[],
    );
    assert_eq!(backups_in("variable"), 1);
    let flag = folder("flag");
    run(
        &[("HIRING_BACKUP_DIR", &folder("variable"))],
        &["--dir", flag.to_str().unwrap()],
    );
    assert_eq!(
        (
            backups_in("flag"),
            backups_in("variable"),
            backups_in("layered")
        ),
        (1, 1, 1)
    );
}
