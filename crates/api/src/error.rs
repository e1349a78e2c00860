//! The one place where failures become HTTP answers: RFC 7807 `application/problem+json`.
//! Server-side failures (5xx) are logged in full and answered without internal details.

use crate::dto::IngestResponse;
pub use crate::problem::{Problem, RefusedProblem};
use crate::slow_body::SlowBody;
use crate::tokens::Role;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use hiring_domain::{BatchError, ReportYearError};
use hiring_ports::backup::{BackupRunError, PruneError, RestoreError};
use hiring_ports::ingest::{IngestError, IngestReport, NotCsv};
use hiring_ports::keyed_ingest::KeyedIngestError;
use hiring_ports::migrate::LoadError;
use hiring_ports::{BackupError, LimitError, RepoError};
use std::time::Duration;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The path names no table.
    #[error("unknown table {0:?}: expected one of departments, jobs, hired_employees")]
    UnknownTable(String),
    /// No route matches the path.
    #[error("no resource at {0}")]
    NotFound(String),
    /// The route exists but not with this method.
    #[error("{method} is not allowed here; allowed: {allow}{hint}")]
    MethodNotAllowed {
        /// The method of the request.
        method: String,
        /// The methods the resource has, as the `Allow` header lists them.
        allow: &'static str,
        /// What to do instead, when there is more to say (starts with its separator).
        hint: &'static str,
    },
    /// The body came too slowly; the connection is closed after the answer.
    #[error(transparent)]
    SlowBody(#[from] SlowBody),
    /// Too few or too many rows.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The body is not JSON.
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON but not an array.
    #[error("the body must be a JSON array of row objects")]
    NotAnArray,
    /// The body is not CSV text.
    #[error(transparent)]
    MalformedCsv(#[from] NotCsv),
    /// A content type the endpoint does not take.
    #[error("unsupported content type {found:?}: send {expected}")]
    UnsupportedMediaType {
        /// What the request said.
        found: String,
        /// What the endpoint takes.
        expected: &'static str,
    },
    /// The body is over the byte limit.
    #[error("the body is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// A malformed query string or body that could not be read.
    #[error("{0}")]
    BadRequest(String),
    /// No valid bearer token.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// A valid token whose role does not allow the request.
    #[error("the token {token:?} has the {role} role; this needs the {needed} role")]
    Forbidden {
        /// The token's name.
        token: String,
        /// The token's role.
        role: Role,
        /// The role the request needs.
        needed: Role,
    },
    /// The client's address failed to authenticate too often.
    #[error("too many failed authentications from this address; try again in {} s", retry_seconds(*.retry_after))]
    TooManyAuthFailures {
        /// How long until the address may try again.
        retry_after: Duration,
    },
    /// `?atomic=true` and some rows are invalid: nothing was written.
    #[error("{} of {} rows are invalid; nothing was written", .0.rejected.len(), .0.received)]
    Refused(Box<IngestReport>),
    /// A backup file could not be listed, written, found or read: 404 for a missing file, 400
    /// for a name leading out of the backup folder, 422 for a damaged or incompatible file,
    /// 500 for a file-system failure.
    #[error(transparent)]
    Backup(BackupError),
    /// A restore was refused and no table changed: 422 when a file does not fit its table
    /// (see [`ApiError::Backup`] for file errors), 409 when the result would leave hires
    /// pointing at missing departments or jobs.
    #[error(transparent)]
    Restore(RestoreError),
    /// The `Idempotency-Key` was used before for a request with another body or options.
    #[error("the Idempotency-Key was used for another request (another body, content type or options): send a new key with a new request")]
    KeyReused,
    /// A request with the same `Idempotency-Key` is still being processed.
    #[error("a request with this Idempotency-Key is still being processed: retry it later")]
    KeyInProgress,
    /// A backup would take the backups past their quota; nothing was written.
    #[error(transparent)]
    BackupQuota(BackupRunError),
    /// The server was built without a backup folder.
    #[error("backups are not configured on this server")]
    BackupsDisabled,
    /// No representation the `Accept` header allows.
    #[error("{0}")]
    NotAcceptable(String),
    /// Storage failed.
    #[error("storage failed: {0}")]
    Storage(RepoError),
    /// A bug or an unexpected failure.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Refused(report) => Self::Refused(Box::new(report)),
            IngestError::Storage(e) => Self::Storage(e),
        }
    }
}

impl From<KeyedIngestError> for ApiError {
    fn from(e: KeyedIngestError) -> Self {
        match e {
            KeyedIngestError::KeyReused => Self::KeyReused,
            KeyedIngestError::KeyInProgress => Self::KeyInProgress,
            KeyedIngestError::Ingest(e) => e.into(),
        }
    }
}

impl From<ReportYearError> for ApiError {
    fn from(e: ReportYearError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<LimitError> for ApiError {
    fn from(e: LimitError) -> Self {
        Self::BadRequest(e.to_string())
    }
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::NotCsv { reason, .. } => Self::MalformedCsv(NotCsv(reason)),
            LoadError::Read { message, .. } | LoadError::Interrupted { message, .. } => {
                Self::BadRequest(format!("the upload could not be read: {message}"))
            }
            LoadError::Storage { summary, error } => {
                tracing::error!(
                    read = summary.read,
                    inserted = summary.inserted,
                    "upload stopped; batches committed before stay stored"
                );
                Self::Storage(error)
            }
            // Uploads are never asked to stop: a server shutting down cuts the request.
            LoadError::Cancelled { .. } => Self::Storage(hiring_ports::RepoError::Other(
                "the upload was stopped".to_owned(),
            )),
        }
    }
}

impl From<actix_multipart::MultipartError> for ApiError {
    fn from(e: actix_multipart::MultipartError) -> Self {
        Self::BadRequest(format!("the multipart form could not be read: {e}"))
    }
}

impl From<BackupError> for ApiError {
    fn from(e: BackupError) -> Self {
        Self::Backup(e)
    }
}

impl From<BackupRunError> for ApiError {
    fn from(e: BackupRunError) -> Self {
        match e {
            BackupRunError::Files(e) => Self::Backup(e),
            BackupRunError::Storage(e) => Self::Storage(e),
            quota @ BackupRunError::QuotaExceeded { .. } => Self::BackupQuota(quota),
        }
    }
}

impl From<PruneError> for ApiError {
    fn from(e: PruneError) -> Self {
        match e {
            PruneError::KeepNothing(_) => Self::BadRequest(e.to_string()),
            PruneError::Files(e) => Self::Backup(e),
        }
    }
}

impl From<RestoreError> for ApiError {
    fn from(e: RestoreError) -> Self {
        match e {
            RestoreError::Storage(e) => Self::Storage(e),
            other => Self::Restore(other),
        }
    }
}

/// How one kind of failure is answered: the one table of statuses, kinds and details is
/// [`ApiError::answer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    status: StatusCode,
    /// The kind slug, the end of the problem's `type` URI.
    slug: &'static str,
    title: &'static str,
    /// What the client is told instead of the message; `None`: the message.
    detail: Option<&'static str>,
}

/// What the client is told of a server-side failure (its message stays in the server's log).
const LOGGED: &str = "the server failed to handle the request; it has been logged";

impl Answer {
    /// The message is shown on a client error, hidden on a server-side one.
    fn new(status: StatusCode, slug: &'static str, title: &'static str) -> Self {
        let detail = if status.is_server_error() {
            Some(LOGGED)
        } else {
            None
        };
        Self {
            status,
            slug,
            title,
            detail,
        }
    }

    /// Tells the client `detail` instead (`None`: the message, even on a server-side failure).
    fn telling(self, detail: Option<&'static str>) -> Self {
        Self { detail, ..self }
    }

    /// A bug or a failure of the server's own resources.
    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
        )
    }

    /// A backup file that cannot be restored.
    fn invalid_backup() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-backup",
            "Invalid backup file",
        )
    }
}

/// The answer to a backup-file failure.
fn backup_answer(e: &BackupError) -> Answer {
    match e {
        BackupError::NotFound(_) => Answer::new(
            StatusCode::NOT_FOUND,
            "backup-not-found",
            "Backup not found",
        ),
        BackupError::UnsafeName { .. } => Answer::new(
            StatusCode::BAD_REQUEST,
            "unsafe-file-name",
            "Unsafe backup file name",
        ),
        BackupError::Corrupt { .. }
        | BackupError::IncompatibleSchema { .. }
        | BackupError::InvalidRecord { .. } => Answer::invalid_backup(),
        BackupError::Mismatch { .. } | BackupError::IncompleteSet { .. } => Answer::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-backup-set",
            "Invalid backup set",
        ),
        BackupError::Io { .. }
        | BackupError::RemoveRefused { .. }
        | BackupError::RemoveFailed { .. } => Answer::internal(),
    }
}

/// The answer to a refused restore.
fn restore_answer(e: &RestoreError) -> Answer {
    match e {
        RestoreError::Files(e) => backup_answer(e),
        RestoreError::WrongTable { .. } | RestoreError::DuplicateId { .. } => {
            Answer::invalid_backup()
        }
        RestoreError::MissingParents(_) => Answer::new(
            StatusCode::CONFLICT,
            "missing-parents",
            "Restore would leave rows without parents",
        ),
        RestoreError::Storage(_) => Answer::internal(),
    }
}

/// Whole seconds to wait, rounded up, at least 1.
fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl ApiError {
    /// How the error is answered: status, kind and what the client is told. Adding a variant
    /// is one arm here.
    fn answer(&self) -> Answer {
        use StatusCode as S;
        match self {
            Self::UnknownTable(_) => Answer::new(S::NOT_FOUND, "unknown-table", "Unknown table"),
            Self::NotFound(_) => Answer::new(S::NOT_FOUND, "not-found", "Not found"),
            Self::MethodNotAllowed { .. } => Answer::new(
                S::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
            ),
            Self::SlowBody(_) => Answer::new(
                S::REQUEST_TIMEOUT,
                "request-timeout",
                "Request body too slow",
            ),
            Self::Batch(_) => Answer::new(S::BAD_REQUEST, "batch-size", "Batch size out of range"),
            Self::MalformedJson(_) | Self::NotAnArray => {
                Answer::new(S::BAD_REQUEST, "malformed-json", "Malformed JSON")
            }
            Self::MalformedCsv(_) => Answer::new(S::BAD_REQUEST, "malformed-csv", "Malformed CSV"),
            Self::UnsupportedMediaType { .. } => Answer::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported content type",
            ),
            Self::TooLarge { .. } => {
                Answer::new(S::PAYLOAD_TOO_LARGE, "body-too-large", "Body too large")
            }
            Self::BadRequest(_) => Answer::new(S::BAD_REQUEST, "bad-request", "Bad request"),
            Self::Unauthorized(_) => Answer::new(S::UNAUTHORIZED, "unauthorized", "Unauthorized"),
            Self::Forbidden { .. } => Answer::new(S::FORBIDDEN, "forbidden", "Forbidden"),
            Self::TooManyAuthFailures { .. } => Answer::new(
                S::TOO_MANY_REQUESTS,
                "too-many-auth-failures",
                "Too many failed authentications",
            ),
            Self::NotAcceptable(_) => {
                Answer::new(S::NOT_ACCEPTABLE, "not-acceptable", "Not acceptable")
            }
            Self::Refused(_) => Answer::new(S::UNPROCESSABLE_ENTITY, "invalid-rows", "Invalid rows"),
            Self::KeyReused => Answer::new(
                S::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
            ),
            Self::KeyInProgress => Answer::new(
                S::CONFLICT,
                "idempotency-key-in-progress",
                "Request in progress",
            ),
            Self::Backup(e) => backup_answer(e),
            Self::Restore(e) => restore_answer(e),
            Self::BackupQuota(_) => Answer::new(
                S::INSUFFICIENT_STORAGE,
                "backup-quota-exceeded",
                "Backup quota exceeded",
            )
            .telling(None),
            Self::BackupsDisabled => Answer::new(
                S::SERVICE_UNAVAILABLE,
                "backups-disabled",
                "Backups not configured",
            )
            .telling(None),
            Self::Storage(RepoError::Conflict(_)) => Answer::new(
                S::SERVICE_UNAVAILABLE,
                "busy",
                "Too many concurrent writers",
            )
            .telling(Some(
                "concurrent writers kept conflicting with this batch; nothing was written, send it again",
            )),
            Self::Storage(RepoError::Unavailable(_)) => Answer::new(
                S::SERVICE_UNAVAILABLE,
                "database-unavailable",
                "Database unavailable",
            )
            .telling(Some(
                "the database cannot be reached; nothing was written, try again later",
            )),
            Self::Storage(_) | Self::Internal(_) => Answer::internal(),
        }
    }

    /// What the client is told went wrong (server-side details stay in the server's log).
    pub(crate) fn public_detail(&self) -> String {
        self.answer()
            .detail
            .map_or_else(|| self.to_string(), str::to_owned)
    }

    fn problem(&self) -> Problem {
        let answer = self.answer();
        let (token, role, needed) = match self {
            Self::Forbidden {
                token,
                role,
                needed,
            } => (Some(token.clone()), Some(*role), Some(*needed)),
            _ => (None, None, None),
        };
        Problem {
            kind: format!("urn:hiring:problem:{}", answer.slug),
            title: answer.title.to_owned(),
            status: answer.status.as_u16(),
            detail: self.public_detail(),
            token,
            role,
            needed,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.answer().status
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, status = status.as_u16(), "request failed");
        } else {
            tracing::info!(error = %self, status = status.as_u16(), "request refused");
        }
        let mut response = HttpResponse::build(status);
        response.content_type(PROBLEM_JSON);
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyAuthFailures { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_seconds(*retry_after)));
            }
            Self::Storage(RepoError::Conflict(_) | RepoError::Unavailable(_)) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header((header::ALLOW, *allow));
            }
            // The rest of the body may still be on its way: the connection cannot be reused.
            Self::SlowBody(_) => {
                response.force_close();
            }
            _ => {}
        }
        match self {
            Self::Refused(report) => response.json(RefusedProblem {
                problem: self.problem(),
                report: IngestResponse::from(report.as_ref().clone()),
            }),
            _ => response.json(self.problem()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(error: ApiError) -> (u16, serde_json::Value) {
        let response = error.error_response();
        let status = response.status().as_u16();
        let bytes = response.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn server_side_failures_hide_their_details() {
        let (status, body) = body_of(ApiError::Storage(RepoError::Other(
            "relation \"secret_table\" does not exist".into(),
        )));
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("secret_table"), "{body}");
        let (status, body) = body_of(ApiError::Storage(RepoError::Unavailable(
            "password authentication failed for user app".into(),
        )));
        assert_eq!(status, 503);
        assert!(!body.to_string().contains("password"), "{body}");
        assert_eq!(body["type"], "urn:hiring:problem:database-unavailable");
    }

    #[test]
    fn backup_and_restore_failures_map_to_documented_statuses() {
        let file = || "departments/d.avro".to_owned();
        let cases = [
            (
                ApiError::from(BackupError::NotFound("no such file".into())),
                404,
            ),
            (
                BackupError::UnsafeName {
                    name: "../x".into(),
                    reason: "`..` is not allowed".into(),
                }
                .into(),
                400,
            ),
            (
                RestoreError::Files(BackupError::Corrupt {
                    file: file(),
                    reason: "truncated".into(),
                })
                .into(),
                422,
            ),
            (
                RestoreError::WrongTable {
                    file: file(),
                    expected: hiring_domain::Table::Departments,
                    found: hiring_domain::Table::Jobs,
                }
                .into(),
                422,
            ),
            (RestoreError::MissingParents(Vec::new()).into(), 409),
        ];
        for (error, status) in cases {
            let (got, body) = body_of(error);
            assert_eq!(got, status, "{body}");
            assert!(!body["detail"].as_str().unwrap().is_empty());
        }
        let (status, body) = body_of(
            BackupRunError::Files(BackupError::Io {
                file: "/srv/secret/backups".into(),
                message: "disk full".into(),
            })
            .into(),
        );
        assert_eq!(status, 500);
        assert!(!body.to_string().contains("secret"), "{body}");
    }

    #[test]
    fn client_errors_say_what_was_wrong() {
        let (status, body) = body_of(ApiError::UnknownTable("employees".into()));
        assert_eq!(status, 404);
        assert_eq!(body["status"], 404);
        assert_eq!(body["title"], "Unknown table");
        assert!(body["detail"].as_str().unwrap().contains("hired_employees"));
        assert!(
            body.get("role").is_none() && body.get("needed").is_none(),
            "{body}"
        );
    }

    #[test]
    fn a_forbidden_request_says_both_roles_in_fields_of_their_own() {
        let (status, body) = body_of(ApiError::Forbidden {
            token: "dashboard".into(),
            role: Role::Read,
            needed: Role::Admin,
        });
        assert_eq!(status, 403);
        assert_eq!(body["type"], "urn:hiring:problem:forbidden");
        assert_eq!(
            (&body["token"], &body["role"], &body["needed"]),
            (
                &serde_json::json!("dashboard"),
                &serde_json::json!("read"),
                &serde_json::json!("admin")
            ),
            "{body}"
        );
    }
}
