//! `hiring serve --tls-cert PEM --tls-key PEM`: the two flags go together (one alone is a usage
//! error naming the other, exit code 2), and a certificate or key that cannot be used, from the
//! flags or from `HIRING__API__TLS_CERT`/`_KEY`, stops the server at once (exit code 1), naming
//! the file, before it opens the database or listens.

use crate::config_file;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What `hiring serve` did.
struct Run {
    code: Option<i32>,
    stderr: String,
    listened: bool,
    database_created: bool,
}

/// Runs `hiring serve` with `args` and `env` on a free port; a server still running after a
/// while is stopped (and the case fails).
fn serve(args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("hiring.db");
    let address = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hiring"));
    command
        .args(["serve", "--bind", &address.to_string()])
        .args(args)
        .env("DATABASE_URL", &database)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .env_remove("HIRING__API__TLS_CERT")
        .env_remove("HIRING__API__TLS_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let mut listened = false;
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            break;
        }
        listened |= TcpStream::connect_timeout(&address, Duration::from_millis(50)).is_ok();
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        listened,
        database_created: database.exists(),
    }
}

#[test]
fn one_tls_flag_alone_is_a_usage_error_naming_the_other() {
    for (given, missing) in [("--tls-cert", "--tls-key"), ("--tls-key", "--tls-cert")] {
        let run = serve(&[given, "some.pem"], &[]);
        assert_eq!(run.code, Some(2), "{given}: {}", run.stderr);
        assert!(run.stderr.contains(missing), "{given}: {}", run.stderr);
        assert!(!run.listened && !run.database_created, "{}", run.stderr);
    }
}

/// A case: its name, the flags, the environment, and what the error must name.
type Case<'a> = (&'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[test]
fn an_unusable_certificate_stops_serve_at_once_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, "not a certificate\n").unwrap();
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let cases: [Case; 4] = [
        (
            "flags",
            vec!["--tls-cert", cert, "--tls-key", key],
            vec![],
            cert,
        ),
        (
            "missing certificate",
            vec!["--tls-cert", missing, "--tls-key", key],
            vec![],
            missing,
        ),
        (
            "environment",
            vec![],
            vec![
                ("HIRING__API__TLS_CERT", cert),
                ("HIRING__API__TLS_KEY", key),
            ],
            cert,
        ),
        (
            "key without certificate",
            vec![],
            vec![("HIRING__API__TLS_KEY", key)],
            "api.tls_cert",
        ),
    ];
    for (case, args, env, named) in cases {
        let run = serve(&args, &env);
        let stderr = &run.stderr;
        assert_eq!(run.code, Some(1), "{case}: {stderr}");
        assert!(
            stderr.contains("error: cannot serve HTTPS"),
            "{case}: {stderr}"
        );
        assert!(stderr.contains(named), "{case}: {named} not in {stderr}");
        assert!(!run.listened, "{case}: the server listened: {stderr}");
        assert!(!run.database_created, "{case}: the database was opened");
    }
}
