//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP Header
//! Field") of the writes that take one: batches and uploads.

use crate::error::ApiError;
use actix_web::HttpRequest;
use hiring_ports::idempotency::IdempotencyKey;

/// The request header naming a write.
pub(crate) const KEY_HEADER: &str = "idempotency-key";

/// The answer header of a batch answered from the outcome stored under its key.
pub(crate) const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The request's idempotency key, `None` without the header; 400 for a malformed one or more
/// than one.
pub(crate) fn key(req: &HttpRequest) -> Result<Option<IdempotencyKey>, ApiError> {
    let mut values = req.headers().get_all(KEY_HEADER);
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::BadRequest(
            "send one Idempotency-Key header, not several".into(),
        ));
    }
    let text = value.to_str().unwrap_or_default();
    IdempotencyKey::new(text)
        .map(Some)
        .map_err(|e| ApiError::BadRequest(format!("Idempotency-Key: {e}")))
}
