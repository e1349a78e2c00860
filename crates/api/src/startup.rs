//! Wiring: the routes, the middleware, the server.

use crate::access::AuthFailures;
use crate::error::ApiError;
use crate::middleware::{require_token, trace_requests};
use crate::openapi::ApiDoc;
use crate::routes;
use crate::ApiConfig;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hiring_ports::{BackupStore, BulkStorage, Repositories};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// How long in-flight requests may run on after a stop signal.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// What every handler shares.
pub struct AppState {
    /// The storage ports.
    pub repos: Repositories,
    /// Tokens, read protection, body limit.
    pub config: ApiConfig,
    /// What backups and restores use; `None` when the server was built without them.
    pub backups: Option<BackupPorts>,
    /// Failed authentications per client address.
    pub(crate) auth_failures: AuthFailures,
}

impl AppState {
    /// The backup ports, or a 503 answer when the server has none.
    pub(crate) fn backups(&self) -> Result<BackupPorts, ApiError> {
        self.backups.clone().ok_or(ApiError::BackupsDisabled)
    }
}

/// What the backup endpoints need: whole-table storage on the same database as the
/// [`Repositories`], and the backup folder.
#[derive(Clone)]
pub struct BackupPorts {
    /// Consistent snapshots and multi-table replacement.
    pub bulk: Arc<dyn BulkStorage>,
    /// The backup folder (names from requests are resolved strictly inside it).
    pub files: Arc<dyn BackupStore>,
}

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `address` (`127.0.0.1:8080`; port 0 picks a free one) and builds the server. Must
    /// be called inside an actix or tokio runtime. SIGINT and SIGTERM stop it gracefully:
    /// requests in flight finish (each batch is one transaction), new ones are refused.
    /// The backup endpoints answer 503: see [`Application::build_with_backups`].
    pub fn build(
        config: ApiConfig,
        repos: Repositories,
        address: &str,
    ) -> std::io::Result<Application> {
        Self::build_with(config, repos, None, address)
    }

    /// Like [`Application::build`], with the backup endpoints working on `backups`.
    pub fn build_with_backups(
        config: ApiConfig,
        repos: Repositories,
        backups: BackupPorts,
        address: &str,
    ) -> std::io::Result<Application> {
        Self::build_with(config, repos, Some(backups), address)
    }

    fn build_with(
        config: ApiConfig,
        repos: Repositories,
        backups: Option<BackupPorts>,
        address: &str,
    ) -> std::io::Result<Application> {
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        if config.tokens.is_empty() {
            tracing::warn!(
                "no API token is configured (HIRING_API_TOKENS, HIRING_API_TOKEN or api.tokens): every request that needs one is refused with 401"
            );
        }
        tracing::info!(
            address = %listener.local_addr()?,
            database = %repos.description,
            tokens = config.tokens.len(),
            protect_reads = config.protect_reads,
            backups = backups.is_some(),
            "HTTP API listening"
        );
        let state = web::Data::new(AppState {
            repos,
            auth_failures: AuthFailures::new(config.auth_failures_per_minute),
            config,
            backups,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("invalid query string: {e}")).into()
                }))
                .wrap(from_fn(require_token))
                // Outside the token check, so that the aliases' 401s are marked deprecated too.
                .wrap(from_fn(routes::legacy::mark_deprecated))
                .wrap(from_fn(trace_requests))
                .configure(routes_of)
                .default_service(web::to(not_found))
        })
        .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs())
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (a signal or [`ServerHandle::stop`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens an actix system on this thread and serves on `address` until a stop signal; the backup
/// endpoints work when `backups` is given.
pub fn serve(
    config: ApiConfig,
    repos: Repositories,
    backups: Option<BackupPorts>,
    address: &str,
) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build_with(config, repos, backups, address)?;
        application.run_until_stopped().await?;
        tracing::info!("HTTP API stopped");
        Ok(())
    })
}

fn routes_of(cfg: &mut web::ServiceConfig) {
    cfg.route("/health", web::get().to(routes::health::health))
        .service(
            web::resource("/api/v1/rejects")
                .route(web::get().to(routes::rejects::list_rejects))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/reports/hires-by-quarter")
                .route(web::get().to(routes::reports::hires_by_quarter))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/reports/departments-above-mean")
                .route(web::get().to(routes::reports::departments_above_mean))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/backups")
                .route(web::post().to(routes::backups::create_backup))
                .route(web::get().to(routes::backups::list_backups))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/restore")
                .route(web::post().to(routes::backups::restore_all))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/{table}/restore")
                .route(web::post().to(routes::backups::restore_table))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/{table}")
                .route(web::post().to(routes::ingest::post_batch))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/api/v1/{table}/upload")
                .route(web::post().to(routes::upload::upload))
                .default_service(web::to(method_not_allowed)),
        )
        .route(
            "/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/docs/"))
                    .finish()
            }),
        )
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", ApiDoc::openapi()))
        .service(
            web::resource("/")
                .route(web::get().to(routes::console::index))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            web::resource("/console/{file}")
                .route(web::get().to(routes::console::asset))
                .default_service(web::to(method_not_allowed)),
        )
        .configure(legacy_routes);
}

/// The deprecated addresses of the Flask proof of concept (see [`routes::legacy`]; its
/// `mark_deprecated` middleware adds their `Deprecation` and `Link` headers).
#[allow(deprecated)]
fn legacy_routes(cfg: &mut web::ServiceConfig) {
    use routes::legacy;
    let alias = |path: &str, route: actix_web::Route| {
        web::resource(path)
            .route(route)
            .default_service(web::to(method_not_allowed))
    };
    cfg.service(alias("/upload", web::post().to(legacy::upload)))
        .service(alias("/backup", web::post().to(legacy::backup)))
        .service(alias(
            "/restore-backup",
            web::post().to(legacy::restore_backup),
        ))
        .service(alias(
            "/hired_employees_2021",
            web::get().to(legacy::hired_employees_2021),
        ))
        .service(alias(
            "/departments_above_mean",
            web::get().to(legacy::departments_above_mean),
        ));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(req.path().to_owned()))
}

async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed(req.method().to_string()))
}
