//! `hiring serve` refuses tokens that are too short or share a name, wherever they come from
//! (`HIRING_API_TOKENS`, `HIRING_API_TOKEN`, `api.tokens` of the config file): it stops at once,
//! before opening the database or listening, with an error naming the token and its source,
//! never its secret. Secrets given without a name are numbered across the three sources.

use crate::config_file;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a refusal may take: no database is opened, nothing waits.
const QUICKLY: Duration = Duration::from_secs(10);

/// Where the tokens of a case come from.
enum Source<'a> {
    /// `HIRING_API_TOKENS`.
    Tokens(&'a str),
    /// `HIRING_API_TOKEN`.
    Token(&'a str),
    /// The entries of `api.tokens` in the config file.
    Config(&'a [&'a str]),
}

/// What `hiring serve` did.
struct Run {
    code: Option<i32>,
    printed: String,
    took: Duration,
    listened: bool,
    database_created: bool,
}

fn free_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn config_with(dir: &Path, entries: &[&str]) -> PathBuf {
    let path = dir.join("tokens.toml");
    let list: Vec<String> = entries.iter().map(|e| format!("{e:?}")).collect();
    std::fs::write(&path, format!("[api]\ntokens = [{}]\n", list.join(", "))).unwrap();
    path
}

/// Runs `hiring serve` with the tokens of `sources`, watching its port while it runs; a server
/// still running after a while is stopped (and the case fails).
fn serve(sources: &[Source]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("hiring.db");
    let address = free_address();
    let mut command = Command::new(env!("CARGO_BIN_EXE_hiring"));
    command
        .args(["serve", "--bind", &address.to_string()])
        .env("DATABASE_URL", &database)
        .env("HIRING_CONFIG", config_file())
        .env_remove("RUST_LOG")
        .env_remove("HIRING_API_TOKENS")
        .env_remove("HIRING_API_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for source in sources {
        match source {
            Source::Tokens(value) => command.env("HIRING_API_TOKENS", value),
            Source::Token(value) => command.env("HIRING_API_TOKEN", value),
            Source::Config(entries) => {
                command.env("HIRING_CONFIG", config_with(dir.path(), entries))
            }
        };
    }
    let started = Instant::now();
    let mut child = command.spawn().unwrap();
    let mut listened = false;
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > QUICKLY * 3 {
            child.kill().unwrap();
            break;
        }
        listened |= TcpStream::connect_timeout(&address, Duration::from_millis(50)).is_ok();
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code(),
        printed: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        took,
        listened,
        database_created: database.exists(),
    }
}

/// Asserts that `hiring serve` with `sources` was refused at once, said each of `said`, and
/// printed none of `secrets`.
fn assert_refused(case: &str, sources: &[Source], said: &[&str], secrets: &[&str]) {
    let run = serve(sources);
    let printed = &run.printed;
    assert_eq!(run.code, Some(1), "{case}: {printed}");
    assert!(run.took < QUICKLY, "{case}: took {:?}", run.took);
    assert!(!run.listened, "{case}: the server listened: {printed}");
    assert!(
        !run.database_created,
        "{case}: the database was opened: {printed}"
    );
    assert!(printed.starts_with("error: "), "{case}: {printed}");
    for words in said {
        assert!(
            printed.contains(words),
            "{case}: {words:?} not in {printed}"
        );
    }
    for secret in secrets {
        assert!(
            !printed.contains(secret),
            "{case}: the secret shows: {printed}"
        );
    }
}

const LONG: &str = "a-long-enough-secret-0123";
const OTHER: &str = "another-long-secret-4567";

#[test]
fn a_short_secret_stops_serve_at_once_naming_the_token_not_the_secret() {
    let short = "Short-Secret-1";
    assert!(short.len() < 16);
    assert_refused(
        "HIRING_API_TOKENS",
        &[Source::Tokens(&format!(
            "ops:admin:{LONG},etl:ingest:{short}"
        ))],
        &["HIRING_API_TOKENS", "\"etl\"", "shorter than 16 characters"],
        &[short, LONG],
    );
    assert_refused(
        "HIRING_API_TOKEN",
        &[Source::Token(&format!("{LONG},{short}"))],
        &[
            "HIRING_API_TOKEN",
            "\"default-2\"",
            "shorter than 16 characters",
        ],
        &[short, LONG],
    );
    let entry = format!("viewer:read:{short}");
    assert_refused(
        "api.tokens",
        &[Source::Config(&[&entry])],
        &["api.tokens", "\"viewer\"", "shorter than 16 characters"],
        &[short],
    );
}

#[test]
fn two_tokens_with_one_name_stop_serve_at_once_naming_it() {
    let both = format!("ops:admin:{LONG},ops:read:{OTHER}");
    assert_refused(
        "HIRING_API_TOKENS",
        &[Source::Tokens(&both)],
        &["HIRING_API_TOKENS", "two API tokens are named \"ops\""],
        &[LONG, OTHER],
    );
    let entries = [format!("ops:admin:{LONG}"), format!("ops:read:{OTHER}")];
    assert_refused(
        "api.tokens",
        &[Source::Config(&[&entries[0], &entries[1]])],
        &["api.tokens", "two API tokens are named \"ops\""],
        &[LONG, OTHER],
    );
    let from_file = format!("etl:ingest:{LONG}");
    assert_refused(
        "api.tokens and HIRING_API_TOKENS",
        &[
            Source::Config(&[&from_file]),
            Source::Tokens(&format!("etl:read:{OTHER}")),
        ],
        &["HIRING_API_TOKENS", "two API tokens are named \"etl\""],
        &[LONG, OTHER],
    );
}

/// A running `hiring serve`, stopped when dropped (a failing assertion included).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn secrets_without_names_from_several_sources_are_numbered_across_them() {
    let dir = tempfile::tempdir().unwrap();
    let address = free_address();
    let log = dir.path().join("serve.log");
    let secrets = [
        "config-file-secret-0123",
        "tokens-variable-secret-4567",
        "token-variable-secret-89ab",
    ];
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_hiring"))
            .args(["serve", "--bind", &address.to_string()])
            .env("DATABASE_URL", dir.path().join("hiring.db"))
            .env("HIRING_CONFIG", config_with(dir.path(), &[secrets[0]]))
            .env("HIRING_API_TOKENS", secrets[1])
            .env("HIRING_API_TOKEN", secrets[2])
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_err() {
        if let Some(status) = server.0.try_wait().unwrap() {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("hiring serve stopped ({status}): {said}");
        }
        assert!(
            started.elapsed() < QUICKLY * 3,
            "hiring serve never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = reqwest::blocking::Client::new();
    let names: Vec<String> = secrets
        .iter()
        .map(|secret| {
            let who: serde_json::Value = client
                .get(format!("http://{address}/api/v1/whoami"))
                .bearer_auth(secret)
                .send()
                .unwrap()
                .json()
                .unwrap();
            assert_eq!(who["role"], "admin", "{who}");
            who["name"].as_str().unwrap().to_owned()
        })
        .collect();
    drop(server);
    assert_eq!(names, ["default", "default-2", "default-3"]);
}
