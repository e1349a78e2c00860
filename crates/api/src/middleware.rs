//! Request ids, request logs, bearer-token checks (roles, failure limit) and `HEAD`, applied to
//! every route.

use crate::access::{self, Access};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tokens::Role;
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

/// Who made a request: the name and role of its valid token. Handlers and the audit trail
/// read it from the request's extensions; requests that needed no token have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// The token's role.
    pub role: Role,
}

/// Lets a request through when it needs no token (see [`access::needed`]) or carries a valid
/// one whose role allows it: 401 without a valid token, 403 with one whose role is too small,
/// 429 (with `Retry-After`) for an address past its failed authentications. Each failure is
/// logged with the client's address.
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        let error = ApiError::Internal("application state missing".into());
        return Ok(req.error_response(error));
    };
    // The path as the router matches it (percent-decoded), so no spelling slips past.
    let path = req.match_info().as_str().to_owned();
    let needed = match access::needed_on(req.method(), &path, &state.config) {
        Access::Public => return Ok(next.call(req).await?.map_into_boxed_body()),
        Access::Token(role) => role,
    };
    match authorize(&req, &state, needed, &path) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_boxed_body())
        }
        Err(error) => {
            // A valid token with too small a role: the audit trail records who was refused.
            if let ApiError::Forbidden { token, role, .. } = &error {
                req.extensions_mut().insert(Caller {
                    name: token.clone(),
                    role: *role,
                });
            }
            Ok(req.error_response(error))
        }
    }
}

fn authorize(
    req: &ServiceRequest,
    state: &AppState,
    needed: Role,
    path: &str,
) -> Result<Caller, ApiError> {
    let client = req.peer_addr().map(|a| a.ip());
    if let Some(wait) = client.and_then(|ip| state.auth_failures.blocked(ip)) {
        return Err(ApiError::TooManyAuthFailures { retry_after: wait });
    }
    let tokens = &state.config.tokens;
    if tokens.is_empty() {
        return Err(ApiError::Unauthorized(
            "no API token is configured (HIRING_API_TOKENS, HIRING_API_TOKEN or api.tokens), so this endpoint is disabled",
        ));
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(presented) = presented else {
        return Err(ApiError::Unauthorized(
            "this endpoint needs an Authorization: Bearer <token> header",
        ));
    };
    let Some(token) = tokens.identify(presented) else {
        let address = client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        tracing::warn!(client = %address, method = %req.method(), path, "authentication failed: the bearer token is not valid");
        state.metrics.record_auth_failure();
        if let Some(wait) = client.and_then(|ip| state.auth_failures.record_failure(ip)) {
            tracing::warn!(client = %address, retry_after_secs = wait.as_secs(), "too many failed authentications from this address");
            return Err(ApiError::TooManyAuthFailures { retry_after: wait });
        }
        return Err(ApiError::Unauthorized("the bearer token is not valid"));
    };
    if !token.role().allows(needed) {
        return Err(ApiError::Forbidden {
            token: token.name().to_owned(),
            role: token.role(),
            needed,
        });
    }
    Ok(Caller {
        name: token.name().to_owned(),
        role: token.role(),
    })
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
