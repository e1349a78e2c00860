//! `hiring migrate` and `hiring serve` never print the password of a bad `DATABASE_URL`.

use crate::config_file;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../adapters/tests/url_secrets/cases.rs"]
mod cases;

/// Runs `hiring args` with `DATABASE_URL=url`; a command still running after a while is
/// stopped (and the test fails: every URL here is refused or unreachable).
fn run(url: &str, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hiring"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .env_remove("HIRING_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn migrate_and_serve_never_print_the_password_of_a_bad_database_url() {
    let csv = tempfile::tempdir().unwrap();
    for table in ["departments", "jobs", "hired_employees"] {
        std::fs::write(csv.path().join(format!("{table}.csv")), "").unwrap();
    }
    let migrate = ["migrate", "--dir", csv.path().to_str().unwrap()];
    let serve = ["serve", "--bind", "127.0.0.1:0"];
    for (url, secrets) in cases::CASES {
        for args in [&migrate[..], &serve[..]] {
            let output = run(url, args);
            let printed = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            assert_eq!(output.status.code(), Some(1), "{url} {args:?}: {printed}");
            for secret in *secrets {
                assert!(!printed.contains(secret), "{url} {args:?}: {printed}");
            }
        }
    }
}
