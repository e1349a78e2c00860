//! Who may do what: the role each request needs, and the limit on failed authentications per
//! client address.

use crate::metrics::MetricsAccess;
use crate::routes::console;
use crate::tokens::Role;
use crate::ApiConfig;
use actix_web::http::Method;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a request needs to be let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Nothing: the console's page and files, and reads of reports, health and docs unless
    /// reads are protected.
    Public,
    /// A token of this role or a greater one.
    Token(Role),
}

/// Reads that always need a token, whatever `protect_reads` says, and the role they need: the
/// reject log holds raw records (personal data), the backup listing names files (and the
/// table counts go with it), the audit log tells who did what; `whoami` answers who the token is.
const PROTECTED_READS: &[(&str, Role)] = &[
    ("/api/v1/rejects", Role::Read),
    ("/api/v1/backups", Role::Read),
    ("/api/v1/tables", Role::Read),
    ("/api/v1/audit", Role::Admin),
    ("/api/v1/whoami", Role::Read),
];

/// Resources that only read: any valid token may write to them, to be told 405, so that the
/// answer does not depend on the token's role.
const READ_ONLY: &[&str] = &[
    "/health",
    "/metrics",
    "/api/v1/rejects",
    "/api/v1/audit",
    "/api/v1/whoami",
    "/api/v1/tables",
    "/api/v1/reports/hires-by-quarter",
    "/api/v1/reports/departments-above-mean",
];

/// Writes that an `ingest` token may make; every other write needs `admin`.
fn ingests(path: &str) -> bool {
    if path == "/upload" {
        return true;
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        [_table, "upload"] => true,
        [name] => !matches!(*name, "backups" | "restore" | "reports"),
        _ => false,
    }
}

/// What a request with `method` on `path` (as the router matches it: percent-decoded) needs.
pub fn needed(method: &Method, path: &str, protect_reads: bool) -> Access {
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    let trimmed = match path.trim_end_matches('/') {
        "" => "/",
        other => other,
    };
    if reads {
        if console::serves(path) {
            return Access::Public;
        }
        if let Some((_, role)) = PROTECTED_READS.iter().find(|(p, _)| *p == trimmed) {
            return Access::Token(*role);
        }
        return if protect_reads {
            Access::Token(Role::Read)
        } else {
            Access::Public
        };
    }
    if READ_ONLY.contains(&trimmed) {
        Access::Token(Role::Read)
    } else if ingests(trimmed) {
        Access::Token(Role::Ingest)
    } else {
        Access::Token(Role::Admin)
    }
}

/// What a request needs on a server configured with `config`: [`needed`], except that reads of
/// `/metrics` need a `read` token when `api.metrics` is `token`.
pub fn needed_on(method: &Method, path: &str, config: &ApiConfig) -> Access {
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if reads && config.metrics == MetricsAccess::Token && path.trim_end_matches('/') == "/metrics" {
        return Access::Token(Role::Read);
    }
    needed(method, path, config.protect_reads)
}

/// Counts failed authentications per client address: past the allowed number per minute, the
/// address is answered 429 until the limit lets it try again, whatever token it presents.
pub struct AuthFailures {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    blocked: Mutex<HashMap<IpAddr, Instant>>,
}

/// Addresses remembered before stale entries are dropped.
const REMEMBERED: usize = 10_000;

impl AuthFailures {
    /// Allows `per_minute` failures a minute per address (as a burst, then one more each
    /// `60 / per_minute` seconds); 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// How long `ip` must still wait, if it is blocked.
    pub fn blocked(&self, ip: IpAddr) -> Option<Duration> {
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let until = *blocked.get(&ip)?;
        until
            .checked_duration_since(Instant::now())
            .filter(|wait| !wait.is_zero())
    }

    /// Counts one failure of `ip`; when it is one too many, blocks the address and says for how
    /// long.
    pub fn record_failure(&self, ip: IpAddr) -> Option<Duration> {
        let limiter = self.limiter.as_ref()?;
        if limiter.len() > REMEMBERED {
            limiter.retain_recent();
        }
        let not_until = limiter.check_key(&ip).err()?;
        let wait = not_until
            .wait_time_from(DefaultClock::default().now())
            .max(Duration::from_secs(1));
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if blocked.len() > REMEMBERED {
            blocked.retain(|_, until| *until > now);
        }
        blocked.insert(ip, now + wait);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(method: Method, path: &str) -> Access {
        needed(&method, path, false)
    }

    #[test]
    fn every_route_needs_its_role() {
        use Access::{Public, Token};
        let cases = [
            (Method::GET, "/", Public),
            (Method::GET, "/health", Public),
            (Method::HEAD, "/health", Public),
            (Method::GET, "/docs/", Public),
            (Method::GET, "/api-docs/openapi.json", Public),
            (Method::GET, "/api/v1/reports/hires-by-quarter", Public),
            (Method::GET, "/hired_employees_2021", Public),
            (Method::GET, "/api/v1/rejects", Token(Role::Read)),
            (Method::GET, "/api/v1/rejects/", Token(Role::Read)),
            (Method::GET, "/api/v1/backups", Token(Role::Read)),
            (Method::GET, "/api/v1/tables", Token(Role::Read)),
            (Method::POST, "/api/v1/tables", Token(Role::Read)),
            (Method::GET, "/api/v1/audit", Token(Role::Admin)),
            (Method::GET, "/api/v1/whoami", Token(Role::Read)),
            (Method::POST, "/api/v1/hired_employees", Token(Role::Ingest)),
            (Method::POST, "/api/v1/jobs/upload", Token(Role::Ingest)),
            (Method::POST, "/upload", Token(Role::Ingest)),
            (Method::POST, "/api/v1/backups", Token(Role::Admin)),
            (Method::POST, "/api/v1/backups/prune", Token(Role::Admin)),
            (Method::POST, "/api/v1/backups/prune/", Token(Role::Admin)),
            (Method::POST, "/api/v1/restore", Token(Role::Admin)),
            (Method::POST, "/api/v1/jobs/restore", Token(Role::Admin)),
            (Method::POST, "/backup", Token(Role::Admin)),
            (Method::POST, "/restore-backup", Token(Role::Admin)),
            (Method::DELETE, "/api/v1/backups/jobs", Token(Role::Admin)),
            (Method::PUT, "/api/v1/jobs", Token(Role::Ingest)),
            (Method::POST, "/anything/else", Token(Role::Admin)),
        ];
        for (method, path, access) in cases {
            assert_eq!(needs(method.clone(), path), access, "{method} {path}");
        }
    }

    #[test]
    fn writes_to_a_read_only_resource_need_any_token_so_that_every_role_gets_405() {
        for path in [
            "/api/v1/whoami",
            "/api/v1/rejects",
            "/api/v1/audit/",
            "/api/v1/reports/hires-by-quarter",
            "/health",
        ] {
            for method in [Method::POST, Method::PUT, Method::DELETE] {
                assert_eq!(
                    needs(method.clone(), path),
                    Access::Token(Role::Read),
                    "{method} {path}"
                );
            }
        }
    }

    #[test]
    fn protected_reads_need_a_read_token_except_the_console() {
        let get = Method::GET;
        assert_eq!(needed(&get, "/health", true), Access::Token(Role::Read));
        assert_eq!(
            needed(&get, "/api/v1/reports/hires-by-quarter", true),
            Access::Token(Role::Read)
        );
        assert_eq!(needed(&get, "/", true), Access::Public);
        assert_eq!(
            needed(&get, "/api/v1/audit", true),
            Access::Token(Role::Admin)
        );
    }

    #[test]
    fn metrics_need_a_read_token_when_configured_so() {
        let get = Method::GET;
        let config = |metrics, protect_reads| ApiConfig {
            metrics,
            protect_reads,
            ..ApiConfig::default()
        };
        let open = config(MetricsAccess::Open, false);
        assert_eq!(needed_on(&get, "/metrics", &open), Access::Public);
        let protected = config(MetricsAccess::Open, true);
        assert_eq!(
            needed_on(&get, "/metrics", &protected),
            Access::Token(Role::Read)
        );
        let token = config(MetricsAccess::Token, false);
        for path in ["/metrics", "/metrics/"] {
            assert_eq!(needed_on(&get, path, &token), Access::Token(Role::Read));
        }
        assert_eq!(needed_on(&get, "/health", &token), Access::Public);
        let off = config(MetricsAccess::Off, false);
        assert_eq!(needed_on(&get, "/metrics", &off), Access::Public);
        assert_eq!(
            needed_on(&Method::POST, "/metrics", &open),
            Access::Token(Role::Read)
        );
    }

    #[test]
    fn failures_past_the_limit_block_the_address_alone() {
        let failures = AuthFailures::new(3);
        let attacker: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert_eq!(failures.record_failure(attacker), None);
        }
        assert_eq!(failures.blocked(attacker), None);
        let wait = failures
            .record_failure(attacker)
            .expect("the fourth failure blocks");
        assert!(
            wait >= Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(failures.blocked(attacker).is_some());
        assert_eq!(failures.blocked(other), None);
        assert_eq!(failures.record_failure(other), None);
    }

    #[test]
    fn a_limit_of_zero_never_blocks() {
        let failures = AuthFailures::new(0);
        let ip: IpAddr = [10, 0, 0, 1].into();
        for _ in 0..100 {
            assert_eq!(failures.record_failure(ip), None);
        }
        assert_eq!(failures.blocked(ip), None);
    }
}
