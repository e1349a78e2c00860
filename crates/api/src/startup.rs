//! Wiring: the routes, the middleware, the server.

use crate::error::ApiError;
use crate::middleware::{require_token, trace_requests};
use crate::openapi::ApiDoc;
use crate::routes;
use crate::ApiConfig;
use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hiring_ports::Repositories;
use std::net::TcpListener;
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
    pub fn build(
        config: ApiConfig,
        repos: Repositories,
        address: &str,
    ) -> std::io::Result<Application> {
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        if config.tokens.is_empty() {
            tracing::warn!(
                "no API token is configured (HIRING_API_TOKEN or api.tokens): every write is refused with 401"
            );
        }
        tracing::info!(
            address = %listener.local_addr()?,
            database = %repos.description,
            tokens = config.tokens.len(),
            protect_reads = config.protect_reads,
            "HTTP API listening"
        );
        let state = web::Data::new(AppState { repos, config });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("invalid query string: {e}")).into()
                }))
                .wrap(from_fn(require_token))
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

/// Opens an actix system on this thread and serves on `address` until a stop signal.
pub fn serve(config: ApiConfig, repos: Repositories, address: &str) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(config, repos, address)?;
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
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", ApiDoc::openapi()));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(req.path().to_owned()))
}

async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed(req.method().to_string()))
}
