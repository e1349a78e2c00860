//! What `GET /metrics` shows, in the OpenMetrics text format: requests by method, route pattern
//! and status, their latency, the rows each entry point took in or turned away, the batch sizes,
//! failed authentications and restores. Every label value comes from a bounded set (route
//! patterns, never raw paths; table names the route accepted), so the series stay few.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use hiring_ports::backup::RestoreSummary;
use hiring_ports::{BackupInfo, PoolState};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use serde::Deserialize;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use crate::state::AppState;

/// The content type of the answer of `GET /metrics`.
pub const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Who may read `GET /metrics` (`api.metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricsAccess {
    /// Like the other reads: public, unless reads are protected.
    #[default]
    Open,
    /// A `read` token (or a greater one), like the reject log.
    Token,
    /// No endpoint: 404.
    Off,
}

/// The labels of a request counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

/// The labels of a request timed.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: String,
    route: String,
}

/// The labels of rows counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RowLabels {
    table: String,
    entry_point: String,
    outcome: String,
}

/// The label of a table.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TableLabel {
    table: String,
}

/// The labels of a restore.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RestoreLabels {
    table: String,
    outcome: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Where rows came in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryPoint {
    /// `POST /api/v1/{table}`.
    Batch,
    /// `POST /api/v1/{table}/upload`.
    Upload,
    /// `POST /upload` (deprecated).
    LegacyUpload,
}

impl EntryPoint {
    fn label(self) -> &'static str {
        match self {
            Self::Batch => "batch",
            Self::Upload => "upload",
            Self::LegacyUpload => "legacy_upload",
        }
    }
}

/// What one load did with its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Rows written.
    pub inserted: u64,
    /// Rows refused (logged in the reject log).
    pub rejected: u64,
    /// Rows already stored, left as they were.
    pub already_present: u64,
}

/// The server's metrics and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histograms<LatencyLabels>,
    rows: Family<RowLabels, Counter>,
    batch_rows: Histograms<TableLabel>,
    auth_failures: Counter,
    restores: Family<RestoreLabels, Counter>,
    backup_created: Family<TableLabel, Gauge<f64, AtomicU64>>,
    backup_rows: Family<TableLabel, Gauge>,
    backup_bytes: Family<TableLabel, Gauge>,
    connections: Family<ConnectionLabel, Gauge>,
}

/// The label of database connections.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectionLabel {
    state: String,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn batch_histogram() -> Histogram {
    // 1 to 1024 rows (a batch holds at most 1000).
    Histogram::new(exponential_buckets(1.0, 2.0, 11))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric at zero, registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency: Histograms<LatencyLabels> =
            Family::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by method and route pattern",
            latency.clone(),
        );
        let rows = Family::<RowLabels, Counter>::default();
        registry.register(
            "hiring_rows",
            "Rows received, by table, entry point (batch, upload, legacy_upload) and outcome (inserted, rejected, already_present)",
            rows.clone(),
        );
        let batch_rows: Histograms<TableLabel> =
            Family::new_with_constructor(batch_histogram as fn() -> Histogram);
        registry.register(
            "hiring_batch_rows",
            "Rows per batch (POST /api/v1/{table}), by table",
            batch_rows.clone(),
        );
        let auth_failures = Counter::default();
        registry.register(
            "hiring_auth_failures",
            "Requests refused because their bearer token is not valid",
            auth_failures.clone(),
        );
        let restores = Family::<RestoreLabels, Counter>::default();
        registry.register(
            "hiring_restores",
            "Tables restored from a backup, by table and outcome (restored, failed)",
            restores.clone(),
        );
        let backup_created = Family::<TableLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "hiring_backup_newest_created_seconds",
            "When the newest backup of each table was taken (Unix time, read from the backup folder at each scrape)",
            backup_created.clone(),
        );
        let backup_rows = Family::<TableLabel, Gauge>::default();
        registry.register(
            "hiring_backup_newest_rows",
            "Rows of the newest backup of each table",
            backup_rows.clone(),
        );
        let backup_bytes = Family::<TableLabel, Gauge>::default();
        registry.register(
            "hiring_backup_newest_bytes",
            "Size of the newest backup file of each table",
            backup_bytes.clone(),
        );
        let connections = Family::<ConnectionLabel, Gauge>::default();
        registry.register(
            "hiring_db_connections",
            "Database connections of the pool, by state (in_use, idle), at the scrape",
            connections.clone(),
        );
        Self {
            registry,
            connections,
            backup_created,
            backup_rows,
            backup_bytes,
            requests,
            latency,
            rows,
            batch_rows,
            auth_failures,
            restores,
        }
    }

    /// Counts one answered request and its latency.
    pub fn record_request(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method: method.clone(),
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                method,
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Counts the rows of one load into `table` through `entry_point`.
    pub fn record_rows(&self, table: &str, entry_point: EntryPoint, counts: RowCounts) {
        for (outcome, n) in [
            ("inserted", counts.inserted),
            ("rejected", counts.rejected),
            ("already_present", counts.already_present),
        ] {
            let counter = self.rows.get_or_create(&RowLabels {
                table: table.to_owned(),
                entry_point: entry_point.label().to_owned(),
                outcome: outcome.to_owned(),
            });
            counter.inc_by(n);
        }
    }

    /// Records the size of one batch into `table`.
    pub fn record_batch(&self, table: &str, rows: usize) {
        self.batch_rows
            .get_or_create(&TableLabel {
                table: table.to_owned(),
            })
            .observe(rows as f64);
    }

    /// Counts one failed authentication.
    pub fn record_auth_failure(&self) {
        self.auth_failures.inc();
    }

    /// Counts the tables of one restore: each table restored, or one failure under `failed_as`
    /// (the table asked for, `all` for a set, `unknown` when the file was to tell).
    pub fn record_restore<E>(&self, failed_as: &str, result: &Result<RestoreSummary, E>) {
        let count = |table: &str, outcome: &str| {
            self.restores
                .get_or_create(&RestoreLabels {
                    table: table.to_owned(),
                    outcome: outcome.to_owned(),
                })
                .inc();
        };
        match result {
            Ok(summary) => {
                for restored in &summary.tables {
                    count(&restored.table.to_string(), "restored");
                }
            }
            Err(_) => count(failed_as, "failed"),
        }
    }

    /// Shows the newest backup of each table in `listing` (newest first per table, as
    /// `BackupStore::list` gives it); tables without one show none.
    pub fn show_backups(&self, listing: &[BackupInfo]) {
        self.backup_created.clear();
        self.backup_rows.clear();
        self.backup_bytes.clear();
        let mut seen = Vec::new();
        for info in listing {
            if seen.contains(&info.table) {
                continue;
            }
            seen.push(info.table);
            let label = TableLabel {
                table: info.table.to_string(),
            };
            let created = info
                .created_at
                .as_deref()
                .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
            if let Some(created) = created {
                let seconds = created.timestamp_millis() as f64 / 1000.0;
                self.backup_created.get_or_create(&label).set(seconds);
            }
            if let Some(rows) = info.rows {
                self.backup_rows
                    .get_or_create(&label)
                    .set(i64::try_from(rows).unwrap_or(i64::MAX));
            }
            self.backup_bytes
                .get_or_create(&label)
                .set(i64::try_from(info.size).unwrap_or(i64::MAX));
        }
    }

    /// Shows the database pool's connections.
    pub fn show_pool(&self, pool: Option<PoolState>) {
        self.connections.clear();
        if let Some(pool) = pool {
            let in_use = pool.connections.saturating_sub(pool.idle);
            for (state, n) in [("in_use", in_use), ("idle", pool.idle)] {
                self.connections
                    .get_or_create(&ConnectionLabel {
                        state: state.to_owned(),
                    })
                    .set(i64::from(n));
            }
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The method as a label: the standard ones by name, any other `OTHER`, so that a client
/// cannot make new series by inventing methods.
fn method_label(method: &Method) -> String {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if KNOWN.contains(method) {
        method.as_str().to_owned()
    } else {
        "OTHER".to_owned()
    }
}

/// Counts every request with its route pattern (`/api/v1/{table}`; `unmatched` when no route
/// took it), its status and its latency.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let response = next.call(req).await?;
    if let Some(state) = state {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.record_request(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_every_metric_and_counts_rows() {
        let metrics = Metrics::new();
        metrics.record_request(&Method::GET, "/api/v1/{table}", 200, 0.01);
        metrics.record_request(&Method::from_bytes(b"BREW").unwrap(), "unmatched", 405, 0.0);
        metrics.record_rows(
            "jobs",
            EntryPoint::Batch,
            RowCounts {
                inserted: 3,
                rejected: 1,
                already_present: 0,
            },
        );
        metrics.record_batch("jobs", 4);
        metrics.record_auth_failure();
        metrics.record_restore::<()>("jobs", &Err(()));
        let text = metrics.render().unwrap();
        for line in [
            "http_requests_total{method=\"GET\",route=\"/api/v1/{table}\",status=\"200\"} 1",
            "http_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"405\"} 1",
            "http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/{table}\"} 1",
            "hiring_rows_total{table=\"jobs\",entry_point=\"batch\",outcome=\"inserted\"} 3",
            "hiring_rows_total{table=\"jobs\",entry_point=\"batch\",outcome=\"rejected\"} 1",
            "hiring_rows_total{table=\"jobs\",entry_point=\"batch\",outcome=\"already_present\"} 0",
            "hiring_batch_rows_count{table=\"jobs\"} 1",
            "hiring_auth_failures_total 1",
            "hiring_restores_total{table=\"jobs\",outcome=\"failed\"} 1",
            "# EOF",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }
}
