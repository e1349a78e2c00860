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

/// The responses of an operation for `(status, description)` pairs, each a [`Problem`].
pub(crate) fn responses(answers: &[(u16, &str)]) -> BTreeMap<String, RefOr<Response>> {
    answers
        .iter()
        .map(|(status, description)| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(Problem::name())))
                .build();
            let response = ResponseBuilder::new()
                .description(*description)
                .content(PROBLEM_JSON, content)
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// Declares a type whose OpenAPI responses (`utoipa::IntoResponses`) are the given problem
/// answers: `problems!(ListProblems { 400 => "Unknown table", 401 => NO_TOKEN });`.
macro_rules! problems {
    ($name:ident { $($status:literal => $description:expr),+ $(,)? }) => {
        /// The error answers of one operation (for its OpenAPI document).
        pub(crate) struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::routes::problems::responses(&[$(($status, $description)),+])
            }
        }
    };
}
pub(crate) use problems;
