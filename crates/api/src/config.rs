//! What the API is told at start: the bearer tokens, whether reads need one, the body limit,
//! the limit on failed authentications, how long clients get to send their requests, and how
//! long requests get at shutdown, and the certificate of HTTPS.

use crate::metrics::MetricsAccess;
use crate::tls::Tls;
use crate::tokens::Tokens;
use hiring_ports::backup::Retention;
use std::time::Duration;

/// Most bytes a batch body (`POST /api/v1/{table}`) may have, unless configured otherwise:
/// 1,000 rows of the longest valid hires fit.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// How long a buffered body (a batch, a backup or restore request) may take to arrive whole,
/// unless configured otherwise.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the server waits for the next bytes of any body, unless configured otherwise.
pub const DEFAULT_BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The slowest average a body may arrive at (bytes per second of waiting for it), once the server
/// has waited [`ApiConfig::body_idle_timeout`] for it in all, unless configured otherwise.
pub const DEFAULT_BODY_MIN_RATE: u64 = 1024;

/// How long a client may take to send a request's line and headers, unless configured otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// How long requests in flight may run on after a stop signal, unless configured otherwise.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Failed authentications allowed per client address and minute, unless configured otherwise.
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 10;

/// How the API behaves.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Tokens accepted in `Authorization: Bearer <token>`.
    pub tokens: Tokens,
    /// When true, reads (rejects, reports, health, docs) need a token too; the console page and
    /// its files (no data) never do.
    pub protect_reads: bool,
    /// Most bytes of a batch body.
    pub body_limit: usize,
    /// How long a buffered body (batches, backup and restore requests) may take to arrive whole;
    /// past it the answer is 408 and the connection is closed.
    pub body_timeout: Duration,
    /// How long the server waits for the next bytes of any body (streamed uploads included);
    /// past it the answer is 408 and the connection is closed.
    pub body_idle_timeout: Duration,
    /// Once the server has waited `body_idle_timeout` in all for a body, the body must have
    /// brought at least this many bytes per second of that waiting, or it is cut like an idle
    /// one: a client dribbling a byte now and then cannot hold a connection. 0 turns the rule
    /// off.
    pub body_min_rate: u64,
    /// How long a client may take to send a request's line and headers (actix-web's
    /// `client_request_timeout`); past it the answer is 408 and the connection is closed.
    pub header_timeout: Duration,
    /// How long requests in flight may run on after a stop signal; those still running then
    /// are cut (a batch is one transaction: it is rolled back).
    pub shutdown_grace: Duration,
    /// Failed authentications allowed per client address and minute before it is answered 429
    /// (0: no limit).
    pub auth_failures_per_minute: u32,
    /// The certificate and key to serve HTTPS with; plain HTTP without.
    pub tls: Option<Tls>,
    /// Who may read `GET /metrics`: anyone (like the other reads), a `read` token, or nobody
    /// (404).
    pub metrics: MetricsAccess,
    /// The quota checked before each backup through the API, and the keep policy applied
    /// after it.
    pub backup_retention: Retention,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            tokens: Tokens::default(),
            protect_reads: false,
            body_limit: DEFAULT_BODY_LIMIT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            body_idle_timeout: DEFAULT_BODY_IDLE_TIMEOUT,
            body_min_rate: DEFAULT_BODY_MIN_RATE,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
            tls: None,
            metrics: MetricsAccess::Open,
            backup_retention: Retention::none(),
        }
    }
}
