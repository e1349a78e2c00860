//! What the API is told at start: the bearer tokens, whether reads need one, the body limit,
//! how long clients get to send their requests, and how long requests get at shutdown.

use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

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

/// The bearer tokens that open the write and admin endpoints. Never shown in `Debug` output.
#[derive(Clone, Default)]
pub struct Tokens(Arc<Vec<SecretString>>);

impl Tokens {
    /// Keeps every non-blank token, trimmed.
    pub fn new<S: AsRef<str>>(tokens: impl IntoIterator<Item = S>) -> Self {
        Self(Arc::new(
            tokens
                .into_iter()
                .map(|t| t.as_ref().trim().to_owned())
                .filter(|t| !t.is_empty())
                .map(SecretString::from)
                .collect(),
        ))
    }

    /// Tokens separated by commas (the form of `HIRING_API_TOKEN`).
    pub fn from_list(list: &str) -> Self {
        Self::new(list.split(','))
    }

    /// Joins two sets of tokens.
    pub fn union(&self, other: &Tokens) -> Self {
        Self(Arc::new(
            self.0.iter().chain(other.0.iter()).cloned().collect(),
        ))
    }

    /// True when no token is configured: writes are refused.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `presented` is one of the tokens. Every token is compared, each in constant time,
    /// so the time taken does not tell which bytes matched.
    pub fn accepts(&self, presented: &str) -> bool {
        let mut found = subtle::Choice::from(0);
        for token in self.0.iter() {
            found |= token.expose_secret().as_bytes().ct_eq(presented.as_bytes());
        }
        bool::from(found)
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} configured)", self.0.len())
    }
}

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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_trimmed_blank_ones_dropped_and_hidden() {
        let tokens = Tokens::from_list(" alpha , ,beta,");
        assert_eq!(tokens.len(), 2);
        assert!(tokens.accepts("alpha") && tokens.accepts("beta"));
        assert!(!tokens.accepts("alph") && !tokens.accepts("") && !tokens.accepts("alpha "));
        assert_eq!(format!("{tokens:?}"), "Tokens(2 configured)");
        assert!(Tokens::from_list("").is_empty());
        assert!(!Tokens::default().accepts(""));
        assert_eq!(tokens.union(&Tokens::new(["gamma"])).len(), 3);
    }
}
