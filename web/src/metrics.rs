//! `/metrics`: what an operator's Prometheus scrapes, in the Prometheus
//! text format 0.0.4 (or OpenMetrics 1.0 when the scraper asks for it),
//! written by the Prometheus project's own client (`prometheus-client`).
//!
//! - `gradflow_http_requests_total{method, route, status}` and
//!   `gradflow_http_request_duration_seconds{route}` (a histogram), counted
//!   by [`track`] for every request this process answered. `route` is the
//!   route's template (`/projects/{id}`), `unmatched` for a request no
//!   route took: never the path itself, so a secret in an address (a
//!   calendar feed's, a certificate's code) never becomes a label, and the
//!   label values are bounded by the routes the code has. `method` is one
//!   of the standard methods or `other`.
//! - `gradflow_commands_total{source, outcome}`: commands this process ran
//!   (`Engine::command_counts`).
//! - `gradflow_queue_items{queue, state}`: every queue's items by state,
//!   read from the database at each scrape (`Engine::queue_counts`), so
//!   the figures are the same whichever process serves them;
//!   `gradflow_database_up` says whether that read worked.
//!
//! docs/OPERATIONS.md, "Metrics and logs", lists them for operators.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::Engine;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The `route` of a request that no route took (a 404 of the fallback).
pub const UNMATCHED: &str = "unmatched";

/// The `Content-Type` of an OpenMetrics answer.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets, in seconds: Prometheus's defaults (5 ms to 10 s).
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of a request counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The label of a request's latency.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// The labels of a command counted.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    source: &'static str,
    outcome: &'static str,
}

/// The labels of a queue's count.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
    state: &'static str,
}

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// This process's request counts and latencies, and the engine whose
/// figures a scrape reads. Cheap to clone (shared).
#[derive(Clone)]
pub(crate) struct Metrics {
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    engine: Arc<Engine>,
    /// One scrape reads the database at a time: a crowd asking for
    /// `/metrics` waits in turn instead of running the counts at once.
    reading: Arc<tokio::sync::Mutex<()>>,
}

impl Metrics {
    /// Nothing counted yet, figures from `engine`.
    pub(crate) fn new(engine: Arc<Engine>) -> Metrics {
        Metrics {
            requests: Family::default(),
            latency: Family::new_with_constructor(histogram as fn() -> Histogram),
            engine,
            reading: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Every metric, its figures read now.
    async fn registry(&self) -> Registry {
        let mut registry = Registry::default();
        registry.register(
            "gradflow_http_requests",
            "HTTP requests answered by this process, by method, route template (never the path itself; `unmatched` when no route took it) and status",
            self.requests.clone(),
        );
        registry.register_with_unit(
            "gradflow_http_request_duration",
            "Time from a request's arrival to its response's head, by route template",
            Unit::Seconds,
            self.latency.clone(),
        );
        let commands = Family::<CommandLabels, Counter>::default();
        for c in self.engine.command_counts() {
            commands
                .get_or_create(&CommandLabels {
                    source: c.source,
                    outcome: c.outcome,
                })
                .inc_by(c.count);
        }
        registry.register(
            "gradflow_commands",
            "Commands run by this process, by source (person: a page, the API or the CLI; timer: a due timer fired) and outcome (done, refused, conflict, not_found, error)",
            commands,
        );
        let up = Gauge::<i64>::default();
        let counts = {
            let _turn = self.reading.lock().await;
            self.engine.queue_counts(jiff::Timestamp::now()).await
        };
        match counts {
            Ok(counts) => {
                up.set(1);
                let queues = Family::<QueueLabels, Gauge>::default();
                for c in counts {
                    queues
                        .get_or_create(&QueueLabels {
                            queue: c.queue,
                            state: c.state,
                        })
                        .set(c.count);
                }
                registry.register(
                    "gradflow_queue_items",
                    "Items in each queue by state, read from the database at this scrape (every process's work): timers (due, pending, claimed, done, failed), outbox and account_mail messages (pending, claimed, sent, failed, dead), offers of freed places (offered, retrying, failed)",
                    queues,
                );
            }
            Err(e) => {
                if !e.is_unavailable() {
                    tracing::warn!("metrics: the queue counts: {e}");
                }
            }
        }
        registry.register(
            "gradflow_database_up",
            "1 when this scrape read the queue counts from the database, 0 when it could not",
            up,
        );
        registry
    }
}

/// Counts each request by method, route template and status, and its
/// latency by route, once its response is ready.
pub(crate) async fn track(
    State(metrics): State<Metrics>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let method = method_label(request.method());
    let start = Instant::now();
    let response = next.run(request).await;
    let elapsed = start.elapsed().as_secs_f64();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
        })
        .observe(elapsed);
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// A method as a label: the standard ones by name, any other (a client
/// may send any token) as `other`, so the label's values stay few.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `GET /metrics`: the Prometheus text format 0.0.4, or OpenMetrics 1.0
/// when the `Accept` header names `application/openmetrics-text`.
pub(crate) async fn scrape(State(metrics): State<Metrics>, headers: HeaderMap) -> Response {
    let registry = metrics.registry().await;
    let openmetrics = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("application/openmetrics-text"));
    let mut body = String::new();
    let (written, content_type) = if openmetrics {
        (
            prometheus_client::encoding::text::encode(&mut body, &registry),
            OPENMETRICS,
        )
    } else {
        (
            prometheus_client::encoding::prometheus_text::encode(&mut body, &registry),
            prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
        )
    };
    if let Err(e) = written {
        tracing::warn!("metrics: encoding: {e}");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-store")],
        body,
    )
        .into_response()
}

/// The router of a metrics-only address (`serve --metrics-bind`):
/// `/metrics`, and 404 for anything else.
pub(crate) fn router(metrics: Metrics) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(metrics)
}

#[cfg(test)]
mod tests {
    use super::method_label;
    use axum::http::Method;

    #[test]
    fn a_method_outside_the_standard_ones_is_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
