//! The audit trail of the API: every request that writes (ingest, upload, backup, restore,
//! prune) by a known token is recorded once answered, with what the handler noted of it, or
//! with its refusal or failure.

use crate::blocking::spawn_blocking_with_tracing;
use crate::error::ApiError;
use crate::middleware::{Caller, RequestId};
use crate::state::AppState;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use hiring_domain::Table;
use hiring_ports::audit::{self, AuditAction, AuditOutcome};
use hiring_ports::audit_facts::{entries, AuditFact, AuditFacts};
use std::time::Instant;

/// What a handler noted of its request, per table, for the audit trail.
#[derive(Debug, Clone, Default)]
struct Noted(Vec<AuditFact>);

/// Notes what `done` did, to be recorded when the request is answered (successful or not: a
/// failed upload notes the batches it committed).
pub(crate) fn note(req: &HttpRequest, done: &dyn AuditFacts) {
    let facts = done.audit_facts();
    let mut extensions = req.extensions_mut();
    if let Some(noted) = extensions.get_mut::<Noted>() {
        noted.0.extend(facts);
        return;
    }
    extensions.insert(Noted(facts));
}

/// The action a request with `method` on `path` (as the router matches it) is, and the table
/// its path names, if any; `None` for requests that change nothing.
pub fn action_of(method: &Method, path: &str) -> Option<(AuditAction, Option<Table>)> {
    if *method != Method::POST && *method != Method::PUT && *method != Method::DELETE {
        return None;
    }
    let path = path.trim_end_matches('/');
    let legacy = match path {
        "/upload" => Some(AuditAction::Upload),
        "/backup" => Some(AuditAction::Backup),
        "/restore-backup" => Some(AuditAction::Restore),
        _ => None,
    };
    if let Some(action) = legacy {
        return Some((action, None));
    }
    let rest = path.strip_prefix("/api/v1/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let action = match segments.as_slice() {
        ["backups"] => (AuditAction::Backup, None),
        ["backups", "prune"] => (AuditAction::Prune, None),
        ["restore"] => (AuditAction::Restore, None),
        [table, "restore"] => (AuditAction::Restore, table.parse().ok()),
        [table, "upload"] => (AuditAction::Upload, table.parse().ok()),
        ["audit" | "rejects" | "reports" | "whoami"] => return None,
        [table] => (AuditAction::Ingest, table.parse().ok()),
        _ => return None,
    };
    Some(action)
}

/// Records the writes of known callers once answered: each fact the handler noted, as
/// succeeded or failed by the answer's status, or one entry for a refusal (403) or a failure
/// that noted nothing. The answer waits for the entries to be stored (or their failure traced).
pub async fn audit_writes(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some((action, table)) = action_of(req.method(), req.match_info().as_str()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let started = Instant::now();
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(state) = state else {
        return Ok(response);
    };
    let request = response.request();
    let Some(caller) = request.extensions().get::<Caller>().cloned() else {
        return Ok(response);
    };
    let status = response.status();
    let outcome = if status.is_success() {
        AuditOutcome::Succeeded
    } else if status == StatusCode::FORBIDDEN {
        AuditOutcome::Refused
    } else {
        AuditOutcome::Failed
    };
    let mut facts = request
        .extensions()
        .get::<Noted>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    if outcome != AuditOutcome::Succeeded {
        facts = failure_facts(facts, table, status, response.response().error());
    } else if facts.is_empty() {
        facts.push(AuditFact {
            table,
            rows: 0,
            detail: String::new(),
        });
    }
    let request_id = request.extensions().get::<RequestId>().cloned();
    let made = entries(
        &caller.name,
        action,
        outcome,
        &facts,
        request_id.as_ref().map(RequestId::as_str),
        started.elapsed(),
    );
    let log = state.repos.audit.clone();
    // A failure to store is traced with the whole entry by `record`: the answer stands.
    let _ = spawn_blocking_with_tracing(move || {
        for entry in &made {
            let _ = audit::record(&*log, entry);
        }
    })
    .await;
    Ok(response)
}

/// The facts of an answer that is not a success: what the handler noted (batches committed
/// before a failure), each with the reason appended, or one fact naming the path's table.
fn failure_facts(
    noted: Vec<AuditFact>,
    table: Option<Table>,
    status: StatusCode,
    error: Option<&actix_web::Error>,
) -> Vec<AuditFact> {
    let reason = reason(status, error);
    if noted.is_empty() {
        return vec![AuditFact {
            table,
            rows: 0,
            detail: reason,
        }];
    }
    noted
        .into_iter()
        .map(|mut fact| {
            fact.detail = format!("{reason}; {}", fact.detail);
            fact
        })
        .collect()
}

/// The status and the reason the client was given (server-side details stay in the server's
/// log, as in the answer).
fn reason(status: StatusCode, error: Option<&actix_web::Error>) -> String {
    let text = error
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.public_detail());
    match text {
        Some(detail) => format!("{} {}", status.as_u16(), detail),
        None => format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("error")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_route_is_an_action() {
        use AuditAction::*;
        let post = Method::POST;
        let cases = [
            ("/api/v1/jobs", Some((Ingest, Some(Table::Jobs)))),
            ("/api/v1/nope", Some((Ingest, None))),
            (
                "/api/v1/hired_employees/upload",
                Some((Upload, Some(Table::HiredEmployees))),
            ),
            ("/upload", Some((Upload, None))),
            ("/api/v1/backups", Some((Backup, None))),
            ("/backup", Some((Backup, None))),
            ("/api/v1/backups/prune", Some((Prune, None))),
            ("/api/v1/restore", Some((Restore, None))),
            (
                "/api/v1/departments/restore",
                Some((Restore, Some(Table::Departments))),
            ),
            ("/restore-backup", Some((Restore, None))),
            ("/api/v1/audit", None),
            ("/api/v1/reports/hires-by-quarter", None),
            ("/health", None),
        ];
        for (path, expected) in cases {
            assert_eq!(action_of(&post, path), expected, "POST {path}");
        }
        assert_eq!(action_of(&Method::GET, "/api/v1/jobs"), None);
        assert_eq!(action_of(&Method::GET, "/api/v1/backups"), None);
    }

    #[test]
    fn a_failure_keeps_what_was_committed_and_says_why() {
        let noted = vec![AuditFact {
            table: Some(Table::Jobs),
            rows: 5,
            detail: "jobs upload: stopped".into(),
        }];
        let facts = failure_facts(
            noted,
            Some(Table::Jobs),
            StatusCode::SERVICE_UNAVAILABLE,
            None,
        );
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].rows, 5);
        assert_eq!(
            facts[0].detail,
            "503 Service Unavailable; jobs upload: stopped"
        );
        let facts = failure_facts(Vec::new(), None, StatusCode::BAD_REQUEST, None);
        assert_eq!(facts[0].detail, "400 Bad Request");
    }
}
