//! Idempotency keys: a client names a write with a key of its own (the `Idempotency-Key` header
//! of the IETF httpapi draft "The Idempotency-Key HTTP Header Field") so that sending it again —
//! after a timeout, a dropped connection, a crash — neither stores nor logs anything twice.

use crate::RepoError;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Longest key, in characters.
pub const MAX_KEY_LEN: usize = 255;

/// A client's idempotency key: 1 to [`MAX_KEY_LEN`] visible ASCII characters (`!` to `~`, no
/// space). The draft's Structured Field string form (`"…"`) is accepted too and means the text
/// between the quotes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// Why a text is not an [`IdempotencyKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an idempotency key is 1 to 255 visible ASCII characters (no space), optionally in double quotes")]
pub struct InvalidKey;

impl IdempotencyKey {
    /// The key written as `text`, bare or as a quoted string.
    pub fn new(text: &str) -> Result<Self, InvalidKey> {
        let quoted = text.len() >= 2 && text.starts_with('"') && text.ends_with('"');
        let key = if quoted {
            &text[1..text.len() - 1]
        } else {
            text
        };
        let visible = key.bytes().all(|b| b.is_ascii_graphic());
        let escapes = quoted && key.contains(['"', '\\']);
        if (1..=MAX_KEY_LEN).contains(&key.len()) && visible && !escapes {
            Ok(Self(key.to_owned()))
        } else {
            Err(InvalidKey)
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How long the outcome of a keyed batch is kept: a retry within this time is answered with
/// it. Older keys are deleted by the next keyed batch (lazily).
pub const KEY_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a claimed key whose batch has not completed counts as in progress (answered 409);
/// after that its request is taken to have died with its server, and the key may be claimed
/// again. Only the current holder of a claim can complete it.
pub const CLAIM_TIMEOUT: Duration = Duration::from_secs(60);

/// A keyed write as it is compared with its retries: the key, the route it was sent to
/// (`POST /api/v1/jobs`: keys are scoped by route), a SHA-256 fingerprint of what it asks, and
/// the request that claims it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    key: IdempotencyKey,
    route: String,
    fingerprint: String,
    claimant: String,
}

impl KeyedRequest {
    /// `parts` are everything that makes two requests the same (options, content type, body),
    /// each fingerprinted with its length so that no two lists of parts collide.
    pub fn new(key: IdempotencyKey, route: &str, parts: &[&[u8]], claimant: &str) -> Self {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        let fingerprint = hash.finalize().iter().fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
        Self {
            key,
            route: route.to_owned(),
            fingerprint,
            claimant: claimant.to_owned(),
        }
    }

    /// The key.
    pub fn key(&self) -> &IdempotencyKey {
        &self.key
    }

    /// The route the key is scoped to.
    pub fn route(&self) -> &str {
        &self.route
    }

    /// The SHA-256 of the request's parts, in lowercase hex.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The request that claims the key (its request id).
    pub fn claimant(&self) -> &str {
        &self.claimant
    }
}

/// The instants a claim is decided at, in seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTimes {
    /// Now: the time of a new claim.
    pub now: i64,
    /// Claims made before this and not completed may be taken over.
    pub stale_before: i64,
    /// Keys claimed before this are deleted.
    pub expired_before: i64,
}

impl ClaimTimes {
    /// The times of a claim made now, with [`CLAIM_TIMEOUT`] and [`KEY_RETENTION`].
    pub fn now() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self::at(now)
    }

    /// The times of a claim made at `now`.
    pub fn at(now: i64) -> Self {
        let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        Self {
            now,
            stale_before: now.saturating_sub(secs(CLAIM_TIMEOUT)),
            expired_before: now.saturating_sub(secs(KEY_RETENTION)),
        }
    }
}

/// The answer a completed keyed write gave, stored with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    /// Its HTTP status.
    pub status: u16,
    /// Its body (JSON).
    pub body: String,
}

/// What a claim of a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is now the request's: write, completing it in the same transaction.
    Granted,
    /// The key was completed by an earlier request with the same fingerprint: its answer.
    Replay(StoredOutcome),
    /// The key was completed by a request with another fingerprint (another body or options).
    Mismatch,
    /// Another request holds the key and has not completed yet (whatever it asked).
    InProgress,
}

/// The outcome that completes a claimed key, written in the same transaction as the batch
/// (see [`crate::TableRepository::write_batch_completing`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The claimed request.
    pub request: KeyedRequest,
    /// The answer to store.
    pub outcome: StoredOutcome,
}

/// The keys of keyed writes and their outcomes.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait IdempotencyStore: Send + Sync {
    /// Deletes the keys claimed before `times.expired_before`, then claims `request`'s key for
    /// its claimant: granted when the key is new, or held by an uncompleted claim made before
    /// `times.stale_before` (which is taken over). Otherwise says what holds it: a completed
    /// request (replayed when its fingerprint is `request`'s) or one in progress.
    fn claim(&self, request: &KeyedRequest, times: &ClaimTimes) -> Result<Claim, RepoError>;

    /// Gives up `request`'s claim (its write stored nothing), unless completed or taken over.
    fn release(&self, request: &KeyedRequest) -> Result<(), RepoError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        for good in [
            "a",
            "8e03978e-40d5-43e8-bc93-6894a57f9324",
            "!~:/\"x",
            &"k".repeat(255),
        ] {
            assert_eq!(IdempotencyKey::new(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "a b",
            "tab\there",
            "é",
            "\u{7f}",
            &"k".repeat(256),
            "\"\"",
            "\"a\\b\"",
        ] {
            assert_eq!(IdempotencyKey::new(bad), Err(InvalidKey), "{bad:?}");
        }
    }

    #[test]
    fn fingerprints_tell_requests_apart_by_every_part() {
        let key = || IdempotencyKey::new("k").unwrap();
        let of = |parts: &[&[u8]]| KeyedRequest::new(key(), "POST /x", parts, "r1");
        let first = of(&[b"json", b"[1]"]);
        assert_eq!(first.fingerprint().len(), 64);
        assert_eq!(first.fingerprint(), of(&[b"json", b"[1]"]).fingerprint());
        assert_ne!(first.fingerprint(), of(&[b"json", b"[2]"]).fingerprint());
        assert_ne!(first.fingerprint(), of(&[b"jso", b"n[1]"]).fingerprint());
        assert_eq!(
            KeyedRequest::new(key(), "POST /x", &[], "r1").fingerprint(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "no parts: the SHA-256 of nothing"
        );
    }

    #[test]
    fn claims_go_stale_after_the_timeout_and_keys_expire_after_the_retention() {
        let times = ClaimTimes::at(1_000_000);
        assert_eq!(times.stale_before, 1_000_000 - 60);
        assert_eq!(times.expired_before, 1_000_000 - 86_400);
    }

    #[test]
    fn a_quoted_key_is_the_text_between_the_quotes() {
        let key = IdempotencyKey::new("\"8e03978e-40d5\"").unwrap();
        assert_eq!(key.as_str(), "8e03978e-40d5");
        assert_eq!(IdempotencyKey::new("\"").unwrap().as_str(), "\"");
    }
}
