//! Request ids, request logs, bearer-token checks and `HEAD`, applied to every route.

use crate::error::ApiError;
use crate::routes::console;
use crate::startup::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};
use std::time::Instant;
use tracing::Instrument;

/// The header that carries the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Identifies one request in logs, answers and the reject log: a UUID, or the caller's
/// `X-Request-Id` when it is 1 to 64 characters of letters, digits, `-`, `_` and `.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// A new random id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// Accepts a caller's id if it is safe to log and echo.
    pub fn parse(text: &str) -> Option<Self> {
        let valid = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        valid.then(|| Self(text.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let id = req.extensions().get::<RequestId>().cloned();
        ready(Ok(id.unwrap_or_else(RequestId::generate)))
    }
}

/// Gives the request its id, runs it inside a span carrying the id, method and path, logs its
/// status and latency, and echoes the id in `X-Request-Id`.
pub async fn trace_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(RequestId::parse)
        .unwrap_or_else(RequestId::generate);
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
    );
    let started = Instant::now();
    let mut response = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));
    Ok(response)
}

/// Serves `HEAD` wherever `GET` is served: the request is routed and handled as a `GET`, and
/// the server sends the answer's status and headers without its body (actix-web's HTTP/1 codec
/// leaves out the body of an answer to a `HEAD` request).
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Paths whose reads need a token whatever `protect_reads` says (they list the backup files).
const ALWAYS_PROTECTED: &[&str] = &["/api/v1/backups"];

/// Lets a request through when it needs no token or carries a valid one. Every method but
/// `GET`, `HEAD` and `OPTIONS` writes and needs a token; reads need one when `protect_reads` is
/// set, and always on [`ALWAYS_PROTECTED`] paths. Reads of the web console's page and files
/// never need one: they hold no data, and the page is where the token is typed.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // The path as the router matches it (percent-decoded), so no spelling slips past.
    let path = req.match_info().as_str();
    let method_reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let reads = method_reads && !ALWAYS_PROTECTED.contains(&path.trim_end_matches('/'));
    let public = method_reads && console::serves(path);
    let verdict = match req.app_data::<web::Data<AppState>>() {
        Some(_) if public => Ok(()),
        Some(state) if reads && !state.config.protect_reads => Ok(()),
        Some(state) => check(&req, &state.config.tokens),
        None => Err(ApiError::Internal("application state missing".into())),
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(error) => Ok(req.error_response(error)),
    }
}

fn check(req: &ServiceRequest, tokens: &crate::Tokens) -> Result<(), ApiError> {
    if tokens.is_empty() {
        return Err(ApiError::Unauthorized(
            "no API token is configured (HIRING_API_TOKEN or api.tokens), so this endpoint is disabled",
        ));
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    match presented {
        None => Err(ApiError::Unauthorized(
            "this endpoint needs an Authorization: Bearer <token> header",
        )),
        Some(token) if tokens.accepts(token) => Ok(()),
        Some(_) => Err(ApiError::Unauthorized("the bearer token is not valid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_callers_are_checked() {
        assert_eq!(
            RequestId::parse("abc-123_x.y").unwrap().as_str(),
            "abc-123_x.y"
        );
        for bad in ["", "has space", "new\nline", &"x".repeat(65), "ü"] {
            assert!(RequestId::parse(bad).is_none(), "{bad:?}");
        }
        let generated = RequestId::generate();
        assert!(RequestId::parse(generated.as_str()).is_some());
        assert_ne!(generated, RequestId::generate());
    }
}
