//! Wiring: the routes, the middleware, the server.

use crate::access::AuthFailures;
use crate::error::ApiError;
use crate::metrics::{count_requests, Metrics};
use crate::middleware::{head_as_get, require_token, trace_requests};
use crate::openapi::ApiDoc;
use crate::pacing::pace_bodies;
use crate::routes;
use crate::state::AppState;
use crate::ApiConfig;
use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hiring_ports::health::HealthCheck;
use hiring_ports::replica::ReadRouter;
use hiring_ports::{BackupStore, Repositories};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The `Allow` header of a resource that is only read (`HEAD` goes wherever `GET` does).
const READS: &str = "GET, HEAD";
/// The `Allow` header of a resource that is only written.
const WRITES: &str = "POST";

/// A server bound to its port, not yet running.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `address` (`127.0.0.1:8080`; port 0 picks a free one) and builds the server on
    /// `repos`, speaking HTTPS when [`ApiConfig::tls`] is given. The backup endpoints work on
    /// the `backups` folder, and answer 503 without one.
    /// Must be called inside an actix or tokio runtime. SIGINT and SIGTERM stop it gracefully:
    /// new requests are refused, requests in flight get [`ApiConfig::shutdown_grace`] to finish
    /// (each batch is one transaction), then those still running are cut.
    pub fn build(
        config: ApiConfig,
        repos: Repositories,
        backups: Option<Arc<dyn BackupStore>>,
        address: &str,
    ) -> std::io::Result<Application> {
        Self::build_routed(
            config,
            ReadRouter::new(repos, None, Duration::ZERO),
            backups,
            address,
        )
    }

    /// Like [`Application::build`], with the reads that may lag (reports, the reject log's
    /// pages, backups' snapshots) routed by `reads`: to its read replica while it is fit, each
    /// answer saying where it was read (`Read-From`, `Replica-Lag-Ms`). Every write goes to
    /// its primary.
    pub fn build_routed(
        config: ApiConfig,
        reads: ReadRouter,
        backups: Option<Arc<dyn BackupStore>>,
        address: &str,
    ) -> std::io::Result<Application> {
        let repos = reads.primary().clone();
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        if config.tokens.is_empty() {
            tracing::warn!(
                "no API token is configured (HIRING_API_TOKENS, HIRING_API_TOKEN or api.tokens): every request that needs one is refused with 401"
            );
        }
        let address = listener.local_addr()?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(
            address = %address,
            url = %format!("{scheme}://{address}"),
            scheme,
            database = %repos.description,
            replica = reads.has_replica(),
            tokens = config.tokens.len(),
            protect_reads = config.protect_reads,
            backups = backups.is_some(),
            body_timeout_s = config.body_timeout.as_secs_f64(),
            body_idle_timeout_s = config.body_idle_timeout.as_secs_f64(),
            body_min_rate = config.body_min_rate,
            shutdown_grace_s = config.shutdown_grace.as_secs_f64(),
            "HTTP API listening"
        );
        let grace = config.shutdown_grace;
        let header_timeout = config.header_timeout;
        let tls = config.tls.clone();
        let state = web::Data::new(AppState {
            repos,
            reads,
            auth_failures: AuthFailures::new(config.auth_failures_per_minute),
            config,
            backups,
            health: HealthCheck::new(routes::health::TIME_LIMIT),
            metrics: Metrics::new(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest(format!("invalid query string: {e}")).into()
                }))
                // A path segment that cannot be what the route expects (a run id past i64)
                // names nothing: a problem answer like any other unknown resource.
                .app_data(web::PathConfig::default().error_handler(|e, req| {
                    ApiError::NotFound(format!("{}: {e}", req.path())).into()
                }))
                // Innermost: the router sees a HEAD as a GET.
                .wrap(from_fn(head_as_get))
                .wrap(from_fn(pace_bodies))
                .wrap(from_fn(require_token))
                // Outside the token check, so that refusals (403) are recorded too.
                .wrap(from_fn(crate::audit::audit_writes))
                // Outside the token check, so that the aliases' 401s are marked deprecated too.
                .wrap(from_fn(routes::legacy::mark_deprecated))
                .wrap(from_fn(trace_requests))
                // Outside the token check, so that refusals are counted too.
                .wrap(from_fn(count_requests))
                // Outermost, so that every answer has it (a handler's own value stays).
                .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
                .configure(routes_of)
                .default_service(web::to(not_found))
        })
        .client_request_timeout(header_timeout)
        // Whole seconds, rounded up: actix-web takes no finer grace.
        .shutdown_timeout(whole_seconds(grace))
        .shutdown_signal(stop_signal(grace));
        let server = match tls {
            Some(tls) => server.listen_rustls_0_23(listener, tls.server_config())?,
            None => server.listen(listener)?,
        }
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

/// Opens an actix system on this thread and serves on `address` until a stop signal, reads
/// routed by `reads` ([`Application::build_routed`]); the backup endpoints work when `backups`
/// is given.
pub fn serve(
    config: ApiConfig,
    reads: ReadRouter,
    backups: Option<Arc<dyn BackupStore>>,
    address: &str,
) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build_routed(config, reads, backups, address)?;
        application.run_until_stopped().await?;
        tracing::info!("HTTP API stopped");
        Ok(())
    })
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM, then says how long requests in flight get. Either
/// signal starts a graceful stop.
async fn stop_signal(grace: Duration) {
    #[cfg(unix)]
    let terminate = async {
        match actix_web::rt::signal::unix::signal(
            actix_web::rt::signal::unix::SignalKind::terminate(),
        ) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    let signal = tokio::select! {
        _ = actix_web::rt::signal::ctrl_c() => "SIGINT",
        () = terminate => "SIGTERM",
    };
    tracing::info!(
        signal,
        grace_s = whole_seconds(grace),
        "stopping: no new requests; requests in flight get {} s to finish, then are cut",
        whole_seconds(grace)
    );
}

/// `duration` in whole seconds, rounded up.
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// A resource at `path` answering `route`, and 405 with `Allow: allow` to other methods.
fn resource(path: &str, allow: &'static str, route: actix_web::Route) -> actix_web::Resource {
    web::resource(path)
        .route(route)
        .default_service(method_not_allowed(allow))
}

pub(crate) fn routes_of(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(
        "/health",
        READS,
        web::get().to(routes::health::health),
    ))
    .service(resource(
        "/metrics",
        READS,
        web::get().to(routes::metrics::metrics),
    ))
    .service(resource(
        "/api/v1/rejects",
        READS,
        web::get().to(routes::rejects::list_rejects),
    ))
    .service(resource(
        "/api/v1/rejects/export",
        READS,
        web::get().to(routes::rejects::export),
    ))
    .service(resource(
        "/api/v1/runs",
        READS,
        web::get().to(routes::runs::list_runs),
    ))
    .service(resource(
        "/api/v1/runs/{id}",
        READS,
        web::get().to(routes::runs::get_run),
    ))
    .service(resource(
        "/api/v1/audit",
        READS,
        web::get().to(routes::audit::list_audit),
    ))
    .service(resource(
        "/api/v1/whoami",
        READS,
        web::get().to(routes::whoami::whoami),
    ))
    .service(resource(
        "/api/v1/reports/hires-by-quarter",
        READS,
        web::get().to(routes::reports::hires_by_quarter),
    ))
    .service(resource(
        "/api/v1/reports/departments-above-mean",
        READS,
        web::get().to(routes::reports::departments_above_mean),
    ))
    .service(
        web::resource("/api/v1/backups")
            .route(web::post().to(routes::backups::create_backup))
            .route(web::get().to(routes::backups::list_backups))
            .default_service(method_not_allowed("GET, HEAD, POST")),
    )
    .service(resource(
        "/api/v1/tables",
        READS,
        web::get().to(routes::tables::list_tables),
    ))
    .service(resource(
        "/api/v1/backups/prune",
        WRITES,
        web::post().to(routes::backups::prune_backups),
    ))
    .service(resource(
        "/api/v1/restore",
        WRITES,
        web::post().to(routes::backups::restore_all),
    ))
    .service(resource(
        "/api/v1/{table}/restore",
        WRITES,
        web::post().to(routes::backups::restore_table),
    ))
    .service(resource(
        "/api/v1/{table}",
        WRITES,
        web::post().to(routes::ingest::post_batch),
    ))
    .service(resource(
        "/api/v1/{table}/upload",
        WRITES,
        web::post().to(routes::upload::upload),
    ))
    .service(resource(
        "/docs",
        READS,
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/docs/"))
                .finish()
        }),
    ))
    .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", ApiDoc::openapi()))
    .service(resource("/", READS, web::get().to(routes::console::index)))
    .service(resource(
        "/console/{file}",
        READS,
        web::get().to(routes::console::asset),
    ))
    .configure(legacy_routes);
}

/// The deprecated addresses of the Flask proof of concept (see [`routes::legacy`]; its
/// `mark_deprecated` middleware adds their `Deprecation` and `Link` headers).
#[allow(deprecated)]
fn legacy_routes(cfg: &mut web::ServiceConfig) {
    use routes::legacy;
    cfg.service(resource("/upload", WRITES, web::post().to(legacy::upload)))
        .service(
            resource("/backup", WRITES, web::post().to(legacy::backup))
                .route(web::get().to(legacy::backup_through_get)),
        )
        .service(resource(
            "/restore-backup",
            WRITES,
            web::post().to(legacy::restore_backup),
        ))
        .service(resource(
            "/hired_employees_2021",
            READS,
            web::get().to(legacy::hired_employees_2021),
        ))
        .service(resource(
            "/departments_above_mean",
            READS,
            web::get().to(legacy::departments_above_mean),
        ));
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(req.path().to_owned()))
}

/// Answers 405 with `Allow: allow`, the methods of the resource.
fn method_not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move |req: HttpRequest| async move {
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            allow,
            hint: "",
        })
    })
}
