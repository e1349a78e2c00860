//! End-to-end tests of `hiring backups prune` and of `backup.keep` applied by `hiring backup`,
//! on SQLite and PostgreSQL.

use super::{backup_json, restore, stored_rows};
use crate::support::TestDb;
use crate::{generated, hiring, migrate_json, stderr_of, stdout_json};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `hiring backups prune --format json --dir DIR ARGS...`.
fn prune(db: &str, dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "backups",
        "prune",
        "--format",
        "json",
        "--dir",
        dir.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    hiring(db, &all)
}

/// The files of a backup summary, as paths in `dir`.
fn files_of(dir: &Path, summary: &Value) -> Vec<PathBuf> {
    summary["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| dir.join(f["file"].as_str().unwrap()))
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn prune_keeps_the_newest_set_which_restores(db: &TestDb) {
    let (csv, _) = generated(300, 4);
    migrate_json(&db.url, csv.path(), &[]);
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    let first = backup_json(&db.url, dir, &[]);
    let (more, _) = generated(600, 5);
    migrate_json(&db.url, more.path(), &[]);
    let second = backup_json(&db.url, dir, &["--codec", "snappy"]);
    let third = backup_json(&db.url, dir, &["--codec", "zstandard"]);
    let at_third = stored_rows(&db.url);
    let (later, _) = generated(900, 6);
    migrate_json(&db.url, later.path(), &[]);
    assert_ne!(stored_rows(&db.url), at_third);

    // The first set loses a file (incomplete); the second its manifest (its files belong to
    // no set); foreign files sit beside the backups.
    let first_files = files_of(dir, &first);
    std::fs::remove_file(&first_files[1]).unwrap();
    let second_id = second["set"].as_str().unwrap();
    std::fs::remove_file(dir.join(format!("sets/{second_id}.json"))).unwrap();
    let foreign = [
        dir.join("notes.txt"),
        dir.join("departments/notes.txt"),
        dir.join("departments/copied.avro"),
    ];
    for file in &foreign[..2] {
        std::fs::write(file, "not a backup").unwrap();
    }
    std::fs::copy(&first_files[0], &foreign[2]).unwrap();
    let mut old: Vec<PathBuf> = vec![first_files[0].clone(), first_files[2].clone()];
    old.extend(files_of(dir, &second));
    let mut expected: Vec<String> = old
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect();
    expected.sort();

    let old_bytes: u64 = old
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();

    // A dry run reports and removes nothing.
    let dry = stdout_json(&prune(&db.url, dir, &["--keep", "1", "--dry-run"]));
    assert_eq!(dry["dry_run"], true);
    assert_eq!(strings(&dry["kept_sets"]), [third["set"].as_str().unwrap()]);
    assert_eq!(
        strings(&dry["removed_sets"]),
        [first["set"].as_str().unwrap()]
    );
    let mut would = strings(&dry["removed_files"]);
    would.sort();
    assert_eq!(would, expected);
    assert!(old.iter().all(|p| p.is_file()));
    assert!(dir
        .join(format!("sets/{}.json", first["set"].as_str().unwrap()))
        .is_file());

    let pruned = stdout_json(&prune(&db.url, dir, &["--keep", "1"]));
    assert_eq!(pruned["dry_run"], false);
    assert_eq!(pruned["removed_sets"], dry["removed_sets"]);
    let mut removed = strings(&pruned["removed_files"]);
    removed.sort();
    assert_eq!(removed, expected);
    assert_eq!(
        (
            pruned["sets_kept"].as_u64(),
            pruned["sets_removed"].as_u64(),
            pruned["files_removed"].as_u64()
        ),
        (Some(1), Some(1), Some(5))
    );
    assert_eq!(pruned["bytes_freed"].as_u64(), Some(old_bytes));
    assert!(old.iter().all(|p| !p.exists()), "old files gone");
    assert!(!dir
        .join(format!("sets/{}.json", first["set"].as_str().unwrap()))
        .exists());
    assert!(files_of(dir, &third).iter().all(|p| p.is_file()));
    assert!(foreign.iter().all(|p| p.is_file()), "foreign files kept");

    // The set kept restores whole; pruning again removes nothing.
    let output = restore(&db.url, dir, &["--all"]);
    assert_eq!(stdout_json(&output)["set"], third["set"]);
    assert_eq!(stored_rows(&db.url), at_third);
    let again = stdout_json(&prune(&db.url, dir, &["--keep", "1"]));
    assert_eq!(again["files_removed"], 0);
    assert_eq!(again["sets_removed"], 0);
    // The earlier name still works.
    let earlier = hiring(
        &db.url,
        &[
            "prune",
            "--keep",
            "1",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(stdout_json(&earlier)["sets_removed"], 0);
}

#[test]
fn prune_needs_a_number_of_sets_from_the_flag_or_the_config() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_str().unwrap();
    let db = "unused.db";
    let output = hiring(db, &["backups", "prune", "--dir", dir]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("--keep N, or backup.keep in the configuration"),
        "{}",
        stderr_of(&output)
    );
    let output = hiring(db, &["backups", "prune", "--keep", "0", "--dir", dir]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("keep at least 1"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(
        hiring(db, &["backups", "prune", "--keep", "-1", "--dir", dir])
            .status
            .code(),
        Some(2)
    );

    let config = folder.path().join("config.toml");
    std::fs::write(&config, "[backup]\nkeep = 4\nolder_than = \"2h\"\n").unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_hiring"))
            .args(["backups", "prune", "--format", "json", "--dir", dir])
            .args(args)
            .env("HIRING_CONFIG", &config)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    assert_eq!(stdout_json(&run(&[]))["keep"], 4);
    assert_eq!(stdout_json(&run(&[]))["older_than_seconds"], 7200);
    let flags = stdout_json(&run(&["--keep", "2", "--older-than", "3d"]));
    assert_eq!(
        (flags["keep"].as_u64(), flags["older_than_seconds"].as_u64()),
        (Some(2), Some(259_200))
    );
    let output = hiring(
        db,
        &[
            "backups",
            "prune",
            "--keep",
            "1",
            "--older-than",
            "a month",
            "--dir",
            dir,
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--older-than"),
        "{}",
        stderr_of(&output)
    );
    let text = String::from_utf8_lossy(
        &hiring(
            db,
            &["backups", "prune", "--keep", "1", "--dry-run", "--dir", dir],
        )
        .stdout,
    )
    .into_owned();
    assert!(text.contains("would remove 0 backup sets"), "{text}");
    assert!(text.contains("dry run: nothing was removed"), "{text}");
}

fn an_age_keeps_recent_sets_and_backup_keep_prunes_after_each_backup(db: &TestDb) {
    let (csv, _) = generated(200, 7);
    migrate_json(&db.url, csv.path(), &[]);
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path();
    let sets: Vec<String> = (0..3)
        .map(|_| {
            backup_json(&db.url, dir, &[])["set"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();

    // Every set is younger than an hour: none goes, whatever --keep says.
    let young = stdout_json(&prune(&db.url, dir, &["--keep", "1", "--older-than", "1h"]));
    assert_eq!(young["sets_removed"], 0, "{young}");
    assert_eq!(young["older_than_seconds"], 3600);
    // With no age to protect them, the older two go.
    let old = stdout_json(&prune(&db.url, dir, &["--keep", "1", "--older-than", "0s"]));
    assert_eq!(
        strings(&old["removed_sets"]),
        [sets[1].clone(), sets[0].clone()]
    );

    // backup.keep = 2: each backup prunes after itself, the new set always kept.
    let config = dir.join("keep.toml");
    std::fs::write(&config, "[backup]\nkeep = 2\n").unwrap();
    let backup = || {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_hiring"))
            .args(["backup", "--format", "json", "--dir", dir.to_str().unwrap()])
            .env("DATABASE_URL", &db.url)
            .env("HIRING_CONFIG", &config)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        stdout_json(&output)
    };
    let fourth = backup();
    assert_eq!(fourth["pruned"]["keep"], 2, "{fourth}");
    assert_eq!(fourth["pruned"]["sets_removed"], 0);
    let fifth = backup();
    assert_eq!(strings(&fifth["pruned"]["removed_sets"]), [sets[2].clone()]);
    let listed = stdout_json(&hiring(
        &db.url,
        &[
            "backups",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ],
    ));
    let kept: Vec<&str> = listed["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        [
            fifth["set"].as_str().unwrap(),
            fourth["set"].as_str().unwrap()
        ]
    );
    // `hiring backups list` is `hiring backups`.
    let list = stdout_json(&hiring(
        &db.url,
        &[
            "backups",
            "list",
            "--format",
            "json",
            "--dir",
            dir.to_str().unwrap(),
        ],
    ));
    assert_eq!(list["sets"], listed["sets"]);
}

on_every_backend!(
    prune_keeps_the_newest_set_which_restores,
    an_age_keeps_recent_sets_and_backup_keep_prunes_after_each_backup
);
