//! `GET /api/v1/whoami`: the name and role of the caller's token, and what it may do.

use super::problems::problems;
use crate::actions::ACTIONS;
use crate::error::ApiError;
use crate::middleware::Caller;
use crate::state::AppState;
use crate::tokens::Role;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

/// Who the token is and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    /// The token's name.
    #[schema(example = "ops")]
    pub name: String,
    /// The token's role.
    pub role: Role,
    /// The machine names of the actions the role allows, in the order of `actions`.
    #[schema(example = json!(["read_reports", "read_rejects", "list_backups"]))]
    pub allows: Vec<&'static str>,
    /// Every action, with the least role it needs and whether this token may take it.
    pub actions: Vec<ActionAccess>,
}

/// One action and the role it needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionAccess {
    /// The stable machine name: `read_reports`, `read_rejects`, `list_backups`,
    /// `ingest_batches`, `upload_files`, `back_up`, `restore`, `prune_backups`, `read_audit`.
    #[schema(example = "back_up")]
    pub name: &'static str,
    /// The least role that may take it.
    pub needs: Role,
    /// Whether the token's role may take it.
    pub allowed: bool,
}

impl WhoAmI {
    /// What `caller` may do on a server that does (or does not) `protect_reads`.
    pub fn of(caller: Caller, protect_reads: bool) -> Self {
        let actions: Vec<ActionAccess> = ACTIONS
            .iter()
            .map(|action| {
                let needs = action.needs(protect_reads);
                ActionAccess {
                    name: action.name,
                    needs,
                    allowed: caller.role.allows(needs),
                }
            })
            .collect();
        Self {
            allows: actions
                .iter()
                .filter(|a| a.allowed)
                .map(|a| a.name)
                .collect(),
            name: caller.name,
            role: caller.role,
            actions,
        }
    }
}

problems!(WhoamiProblems {
    401 => "No valid bearer token was sent",
    429 => "Too many failed authentications from this address",
});

/// Who the token is and what it may do.
///
/// The name and role of the bearer token sent, and the actions its role allows. Any valid
/// token may ask.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "operations",
    responses(
        (status = 200, description = "The token's name and role, and what it may do", body = WhoAmI),
        WhoamiProblems,
    ),
    security(("bearer" = [])),
)]
pub async fn whoami(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = req
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("whoami reached without a token".into()))?;
    Ok(HttpResponse::Ok().json(WhoAmI::of(caller, state.config.protect_reads)))
}
