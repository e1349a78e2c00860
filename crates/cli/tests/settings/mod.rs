//! `hiring config`: where every setting came from, secrets hidden; a new SQLite file is never
//! made quietly.

use std::process::{Command, Output};

fn hiring(cwd: &std::path::Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hiring"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("HIRING_CONFIG")
        .env_remove("HIRING_BACKUP_DIR")
        .env_remove("RUST_LOG");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn setting<'a>(settings: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    settings
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {settings}"))
}

#[test]
fn config_says_where_each_setting_came_from_and_hides_secrets() {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join("mine.toml"),
        "[migrate]\nbatch_size = 500\n[api]\ntokens = [\"ops:admin:a-long-random-secret-1\"]\n",
    )
    .unwrap();
    let output = hiring(
        cwd.path(),
        &[
            ("HIRING__API__BIND", "0.0.0.0:9000"),
            ("HIRING__API__TLS_CERT", "tls/cert.pem"),
            ("DATABASE_URL", "postgres://app:hunter2@db/hiring"),
        ],
        &["config", "--config", "mine.toml", "--format", "json"],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains("hunter2") && !text.contains("a-long-random-secret"),
        "{text}"
    );
    let settings: serde_json::Value = serde_json::from_str(&text).unwrap();
    let from = |key| setting(&settings, key)["from"].as_str().unwrap().to_owned();
    assert_eq!(from("config file"), "flag --config");
    assert_eq!(from("migrate.batch_size"), "file mine.toml");
    assert_eq!(from("api.bind"), "env HIRING__API__BIND");
    assert_eq!(from("database.url"), "env DATABASE_URL");
    assert_eq!(from("migrate.dir"), "default");
    assert_eq!(from("backup.keep"), "unset");
    assert_eq!(from("backup.older_than"), "unset");
    assert_eq!(from("backup.api_quota"), "default");
    assert_eq!(setting(&settings, "backup.api_quota")["value"], "10 GiB");
    assert_eq!(from("api.tls_cert"), "env HIRING__API__TLS_CERT");
    assert_eq!(from("api.tls_key"), "unset");
    let cert = setting(&settings, "api.tls_cert")["resolves_to"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        std::path::Path::new(&cert).is_absolute() && cert.ends_with("cert.pem"),
        "{cert}"
    );
    assert_eq!(setting(&settings, "api.tokens")["value"], "1 (hidden)");
    assert_eq!(
        setting(&settings, "database.url")["value"],
        "postgres://app:***@db/hiring"
    );
    let dir = setting(&settings, "migrate.dir")["resolves_to"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        std::path::Path::new(&dir).is_absolute() && dir.ends_with("csv_files"),
        "{dir}"
    );
}

#[test]
fn a_new_sqlite_file_is_announced_with_its_absolute_path() {
    let cwd = tempfile::tempdir().unwrap();
    let output = hiring(cwd.path(), &[], &["rejects"]);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected = std::path::absolute(cwd.path().join("data/hiring.db")).unwrap();
    assert!(
        stderr.contains("created a new, empty one")
            && stderr.contains(&*expected.to_string_lossy()),
        "{stderr}"
    );
    let again = hiring(cwd.path(), &[], &["rejects"]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("created a new"));
}
