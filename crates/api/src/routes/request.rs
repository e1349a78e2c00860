//! What handlers read from a request: the table of the path, the format of the body, the
//! body itself within its limits.

use crate::error::ApiError;
use crate::slow_body::SlowBody;
use crate::state::AppState;
use crate::DEFAULT_BODY_TIMEOUT;
use actix_web::{web, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use hiring_domain::Table;
use hiring_ports::PageLimit;

/// The table named in the path.
pub(crate) fn table(name: &str) -> Result<Table, ApiError> {
    name.parse()
        .map_err(|_| ApiError::UnknownTable(name.to_owned()))
}

/// The table a query parameter names; an absent or empty one is no table (no filter).
pub(crate) fn table_filter(name: Option<&str>) -> Result<Option<Table>, ApiError> {
    match name {
        None | Some("") => Ok(None),
        Some(name) => name
            .parse()
            .map(Some)
            .map_err(|e: hiring_domain::UnknownTable| ApiError::BadRequest(e.to_string())),
    }
}

/// The page size a query parameter asks for, the default when absent.
pub(crate) fn page_limit(limit: Option<u32>) -> Result<PageLimit, ApiError> {
    Ok(limit.map(PageLimit::new).transpose()?.unwrap_or_default())
}

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFormat {
    /// `application/json` (or another `+json` type).
    Json,
    /// `text/csv`.
    Csv,
}

impl BodyFormat {
    /// The format the request's `Content-Type` names, among `accepted`.
    pub(crate) fn of(
        req: &HttpRequest,
        accepted: &[BodyFormat],
        expected: &'static str,
    ) -> Result<Self, ApiError> {
        let found = req.content_type().to_owned();
        let format = match req.mime_type() {
            Ok(Some(mime))
                if mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json") =>
            {
                Some(Self::Json)
            }
            Ok(Some(mime)) if mime.type_() == "text" && mime.subtype() == "csv" => Some(Self::Csv),
            _ => None,
        };
        format
            .filter(|f| accepted.contains(f))
            .ok_or(ApiError::UnsupportedMediaType { found, expected })
    }
}

/// A JSON body that must be an object, read into `T`. serde would read an array as the struct's
/// fields in order (`[true, null]` as `{"all": true}`): only an object is a request.
pub(crate) fn json_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if !body.trim_ascii_start().starts_with(b"{") {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::MalformedJson(e.to_string()))
}

/// A UTF-8 byte-order mark, which some tools put at the start of JSON and CSV text.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The whole body, refused as soon as it passes `limit` bytes or when it has not arrived whole
/// within `api.body_timeout` (408, and the connection is closed). A leading UTF-8 byte-order
/// mark is dropped: JSON bodies take one as CSV bodies do.
pub(crate) async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let deadline = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_BODY_TIMEOUT, |state| state.config.body_timeout);
    let mut body = actix_web::rt::time::timeout(deadline, read_all(req, payload, limit))
        .await
        .map_err(|_| SlowBody::Deadline(deadline))??;
    if body.starts_with(BOM) {
        let _ = body.split_to(BOM.len());
    }
    Ok(body)
}

async fn read_all(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::TooLarge { limit });
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
