//! How the OpenAPI document describes the error answers of the handlers: every one is a
//! [`Problem`] in `application/problem+json`, written here once. Each handler declares its set
//! with [`problems!`] and names it in the `responses(...)` of its `#[utoipa::path]`.

use crate::error::{Problem, PROBLEM_JSON};
use std::collections::BTreeMap;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::ToSchema;

/// A write without a valid bearer token.
pub(crate) const NO_TOKEN: &str = "No valid bearer token";
/// A read without a valid bearer token when reads are protected.
pub(crate) const READS_PROTECTED: &str = "Reads are protected and no valid bearer token was sent";
/// A body over `api.body_limit`.
pub(crate) const TOO_LARGE: &str = "Body over the byte limit";
/// A JSON endpoint sent something else.
pub(crate) const NOT_JSON: &str = "A body that is not JSON";
/// The database cannot be reached.
pub(crate) const DATABASE_UNAVAILABLE: &str = "Database unavailable";
/// A report asked for in a format it does not come in.
pub(crate) const REPORT_NOT_ACCEPTABLE: &str =
    "No `format` and the `Accept` header names none of application/json, text/csv, image/svg+xml";
/// A restore that could not run.
pub(crate) const RESTORE_UNAVAILABLE: &str =
    "Database unavailable, or backups not configured; nothing changed";

/// The kind and title a problem answer of `status` most often has, for its example; an
/// operation whose answer of that status is of another kind names it (`409 as (KIND, TITLE)`).
fn usual_kind(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("bad-request", "Bad request"),
        401 => ("unauthorized", "Unauthorized"),
        403 => ("forbidden", "Forbidden"),
        404 => ("not-found", "Not found"),
        405 => ("method-not-allowed", "Method not allowed"),
        406 => ("not-acceptable", "Not acceptable"),
        408 => ("request-timeout", "Request body too slow"),
        409 => (
            "missing-parents",
            "Restore would leave rows without parents",
        ),
        413 => ("body-too-large", "Body too large"),
        415 => ("unsupported-media-type", "Unsupported content type"),
        422 => ("invalid-backup", "Invalid backup file"),
        429 => ("too-many-auth-failures", "Too many failed authentications"),
        503 => ("database-unavailable", "Database unavailable"),
        _ => ("internal", "Internal server error"),
    }
}

/// One documented problem answer: its status, its kind and title when not the usual ones of
/// the status, and what it means.
pub(crate) type Answer<'a> = (u16, Option<(&'a str, &'a str)>, &'a str);

/// The example body of a problem answer.
fn example((status, kind, description): Answer<'_>) -> serde_json::Value {
    let (kind, title) = kind.unwrap_or_else(|| usual_kind(status));
    let mut example = serde_json::json!({
        "type": format!("urn:hiring:problem:{kind}"),
        "title": title,
        "status": status,
        "detail": description,
    });
    if status == 403 {
        example["detail"] =
            "the token \"dashboard\" has the read role; this needs the admin role".into();
        example["token"] = "dashboard".into();
        example["role"] = "read".into();
        example["needed"] = "admin".into();
    }
    example
}

/// The responses of an operation for its documented answers, each a [`Problem`] with an
/// example of its own status.
pub(crate) fn responses(answers: &[Answer<'_>]) -> BTreeMap<String, RefOr<Response>> {
    answers
        .iter()
        .map(|answer| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(Problem::name())))
                .example(Some(example(*answer)))
                .build();
            let response = ResponseBuilder::new()
                .description(answer.2)
                .content(PROBLEM_JSON, content)
                .build();
            (answer.0.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a type whose OpenAPI responses (`utoipa::IntoResponses`) are the given problem
/// answers: `problems!(ListProblems { 400 => "Unknown table", 401 => NO_TOKEN });`, or with the
/// kind and title of an answer that is not the usual one of its status:
/// `409 as ("idempotency-key-in-progress", "Request in progress") => "…"`.
macro_rules! problems {
    ($name:ident {
        $($status:literal $(as ($kind:literal, $title:literal))? => $description:expr),+ $(,)?
    }) => {
        /// The error answers of one operation (for its OpenAPI document).
        pub(crate) struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::routes::problems::responses(&[$((
                    $status,
                    None $(.or(Some(($kind, $title))))?,
                    $description,
                )),+])
            }
        }
    };
}
pub(crate) use problems;
