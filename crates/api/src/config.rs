//! What the API is told at start: the bearer tokens, whether reads need one, the body limit,
//! the limit on failed authentications.

use crate::tokens::Tokens;

/// Most bytes a batch body (`POST /api/v1/{table}`) may have, unless configured otherwise:
/// 1,000 rows of the longest valid hires fit.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

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
    /// Failed authentications allowed per client address and minute before it is answered 429
    /// (0: no limit).
    pub auth_failures_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            tokens: Tokens::default(),
            protect_reads: false,
            body_limit: DEFAULT_BODY_LIMIT,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
        }
    }
}
