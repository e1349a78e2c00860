//! Bad PostgreSQL URLs with passwords, shared by the adapter and command-line suites.

/// Malformed (and a few well-formed but unreachable) URLs, each with the pieces of its password
/// that must not be shown. Every password is built from `S3C` and `RET`.
pub const CASES: &[(&str, &[&str])] = &[
    ("postgres://user:S3CRET@[::1:5499/db", &["S3CRET"]),
    ("postgresql://user:S3CRET@[::1:5499/db", &["S3CRET"]),
    ("postgres://user:S3CRET@::1]:5499/db", &["S3CRET"]),
    ("postgres://user:S3CRET@127.0.0.1:port/db", &["S3CRET"]),
    ("postgres://user:S3CRET@127.0.0.1:99999/db", &["S3CRET"]),
    ("postgres://user:S3C%zzRET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3CRET%@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3C%00RET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://us%zzer:S3CRET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3C@RET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3C/RET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3C/R@ET@127.0.0.1:1/db", &["S3C", "R@ET"]),
    (
        "postgres://127.0.0.1:1/db?password=S3C%zzRET",
        &["S3C", "RET"],
    ),
    (
        "postgres://127.0.0.1:1/db?password=S3C=RET",
        &["S3C", "RET"],
    ),
    ("postgres://127.0.0.1:1/db?sslmode=disable&password", &[]),
    ("postgres://127.0.0.1:1/db?pass%77ord=S3CRET", &["S3CRET"]),
    (
        "postgres://user:S3CRET@/hiring_no_such_db_for_url_tests",
        &["S3CRET"],
    ),
    ("postgres://user:S3C RET@127.0.0.1:1/db", &["S3C", "RET"]),
    ("postgres://user:S3CRET@no such host/db", &["S3CRET"]),
    (
        "postgresql://user:S3C%52ET@127.0.0.1:1/db",
        &["S3C", "S3CRET"],
    ),
    ("POSTGRES://user:S3CRET@127.0.0.1:1/db", &["S3CRET"]),
    ("postgres:/user:S3CRET@127.0.0.1:1/db", &["S3CRET"]),
    ("postgres://user:S3CRET@127.0.0.1:1/db", &["S3CRET"]),
];
