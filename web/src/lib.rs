//! gradflow's web application: server-rendered pages and plain HTML forms
//! over the engine service, in Arabic and English.
//!
//! # Layout
//! - [`serve`] and [`Config`]: the server, its layers (request ids, logs,
//!   body limits and timeouts, the Sec-Fetch-Site/Origin check, HSTS behind
//!   TLS) and graceful shutdown.
//! - `server`: the accept loop and its [`Limits`]: a header (and idle)
//!   timeout, connections limited in all and per client address.
//! - `session`: the session cookie, who is signed in, the per-session CSRF token.
//! - [`done`]: the confirmation a form's redirect carries, signed for the session.
//! - [`i18n`]: the Fluent catalogues, the page language, dates.
//! - `pages`: the handlebars templates (compiled in) and status pages.
//! - `metrics`: `/metrics` (Prometheus) and the request counts behind it.
//! - `routes`: one module per page family: `auth`, `home`, `project`
//!   (with `forms`), `evidence`, `cohort`, `profile`, `reset`.
//!
//! **Invariant:** handlers never decide what a person may see or do: reads go
//! through the engine's read policy with the signed-in `Viewer`, commands
//! through `Engine::act` with their email; handlers only map the answers.

pub mod account_mail;
// The JSON API (issue 17).
mod api;
pub mod done;
pub mod i18n;
mod ical;
mod metrics;
mod pages;
pub(crate) mod routes;
mod server;
mod session;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::Engine;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyDeadlineLayer, RequestBodyTimeoutLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use server::{ForwardedHeader, Limits, TrustedProxy};

/// Name prefix of an upload being written in the files folder: the bytes
/// are renamed to their SHA-256 only once complete, and [`serve`] removes
/// what a killed server left under this prefix (see
/// `routes::evidence::sweep_partial_uploads`).
pub const PARTIAL_UPLOAD_PREFIX: &str = ".upload-";

/// The origin (`https://host[:port]`) of the public address `url`, as a
/// browser writes it in an `Origin` header: scheme and host in lower case,
/// the scheme's default port left out, no path. An error says what is
/// wrong with `url` for the operator.
pub fn public_origin(url: &str) -> Result<String, String> {
    let uri: axum::http::Uri = url
        .parse()
        .map_err(|e| format!("'{url}' is not a web address ({e})"))?;
    let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => "https",
        Some("http") => "http",
        _ => {
            return Err(format!(
                "'{url}' is not a web address: give it as https://HOST or http://HOST:PORT"
            ));
        }
    };
    let authority = uri
        .authority()
        .ok_or_else(|| format!("'{url}' names no host: give it as https://HOST"))?;
    if authority.as_str().contains('@') {
        return Err(format!("'{url}' holds a user name: give only https://HOST"));
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return Err(format!("'{url}' names no host: give it as https://HOST"));
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    Ok(match authority.port_u16() {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// Largest evidence file accepted by default: 10 MiB.
pub const DEFAULT_UPLOAD_LIMIT: u64 = 10 * 1024 * 1024;

/// Evidence one person may upload in all, by default: 200 MiB.
pub const DEFAULT_UPLOAD_QUOTA: u64 = 200 * 1024 * 1024;

/// `Strict-Transport-Security` with `--secure-cookies`: browsers use HTTPS
/// only for a year, so nobody on the way can serve them a plain-HTTP page.
const HSTS: &str = "max-age=31536000";

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder where evidence files are kept, by SHA-256; never served as a folder.
    pub files: PathBuf,
    /// Largest evidence file accepted, in bytes.
    pub upload_limit: u64,
    /// Evidence bytes one person may upload in all (on every project).
    pub upload_quota: u64,
    /// Mark the session cookie `Secure` and `__Host-`, and send HSTS
    /// (served over TLS, or behind a proxy that is).
    pub secure_cookies: bool,
    /// Connections and timeouts: how much of the server one client may hold.
    pub limits: Limits,
    /// Whether people may ask for a password reset link by mail: the link
    /// is queued in the database and a worker (`gradflow worker`, given a
    /// transport) delivers it; the server itself sends no mail. False: people
    /// who forgot their password ask the staff.
    pub password_reset: bool,
    /// The address people reach the site at (`https://gradflow.institute.example`),
    /// for links in mail; never taken from a request's Host header.
    pub public_url: String,
}

/// What every handler shares: the engine and the server's settings.
#[derive(Clone)]
pub(crate) struct App {
    engine: Arc<Engine>,
    config: Arc<Config>,
    /// This server's name among the nodes sharing the files folder (see
    /// `routes::evidence::node_label`): its partial uploads carry it.
    node: Arc<str>,
}

/// The application's routes and layers over `engine`, for the node named
/// `node` (its partial uploads carry the name); every request counted in
/// `metrics`, which `/metrics` serves here when `metrics_here`.
fn router(
    engine: Arc<Engine>,
    config: Config,
    node: &str,
    metrics: &metrics::Metrics,
    metrics_here: bool,
) -> Router {
    let secure = config.secure_cookies;
    let limits = config.limits.clone();
    // A post whose Origin is the public address is this site's own, whatever
    // Host a reverse proxy passed on (nginx's default is the upstream's
    // name). Direct clients are checked as before: Sec-Fetch-Site, else
    // Origin against Host.
    let mut csrf = CsrfLayer::new();
    match public_origin(&config.public_url) {
        Ok(origin) => match csrf.clone().add_trusted_origin(&origin) {
            Ok(with) => csrf = with,
            Err(e) => tracing::warn!("the public address's origin {origin}: {e}"),
        },
        Err(e) if config.public_url.is_empty() => drop(e),
        Err(e) => tracing::warn!("the public address: {e}"),
    }
    let app = App {
        engine,
        config: Arc::new(config),
        node: node.into(),
    };
    // Cross-site form posts are refused (403) before any handler runs;
    // handlers check the per-session token as well. The JSON API is
    // outside this check: it takes bearer tokens only, never the cookie,
    // so a cross-site request carries no authority there.
    let pages = routes::routes(app.clone())
        .layer(csrf)
        .layer(axum::middleware::from_fn(explain_cross_site));
    let mut router = pages.merge(api::routes(app));
    if metrics_here {
        router = router.merge(
            Router::new()
                .route("/metrics", axum::routing::get(metrics::scrape))
                .with_state(metrics.clone()),
        );
    }
    let router = router
        // A body that stalls, or drags on past the deadline, ends its request.
        .layer(RequestBodyTimeoutLayer::new(limits.body_idle_timeout))
        .layer(RequestBodyDeadlineLayer::new(limits.body_deadline))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            // The client's address (behind a trusted proxy, the client the
            // proxy names; see `server`), and as `path` the route's
            // template (`/calendar/{file}`, `/verify/{code}`), never the
            // path itself: a secret in an address is never logged, nor is
            // a query string.
            let client = request
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_string());
            let path = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map_or(metrics::UNMATCHED, axum::extract::MatchedPath::as_str);
            tracing::info_span!("request", id, client = %client, method = %request.method(), path)
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::x_request_id(Counter::default()))
        .layer(axum::middleware::from_fn(close_after_refused_body))
        // Outermost, so every answer is counted (a refused cross-site post,
        // a timeout) by the route's template.
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            metrics::track,
        ));
    if secure {
        router.layer(SetResponseHeaderLayer::overriding(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        ))
    } else {
        router
    }
}

/// Says `Connection: close` on a 413: the body refused for its size is
/// left unread, so the server closes the connection after answering, and
/// a client told so opens a new one for its next request instead of
/// sending it down a connection about to close (where it would be lost).
async fn close_after_refused_body(request: Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    response
}

/// Gives the Sec-Fetch-Site/Origin check's bare 403 the status page, in
/// the browser's language.
async fn explain_cross_site(request: Request, next: axum::middleware::Next) -> Response {
    let lang = request
        .headers()
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(i18n::Lang::En, i18n::Lang::negotiate);
    let response = next.run(request).await;
    if response.extensions().get::<ProtectionError>().is_some() {
        tracing::warn!("cross-site form post refused");
        return pages::Fail::status_in(&pages::Frame::anonymous(lang), 403, "error-csrf", None)
            .into_response();
    }
    response
}

/// Serves `engine` on `listener` until `shutdown` completes, then finishes
/// the requests in flight (for at most `config.limits.shutdown_grace`) and
/// returns. Connections are held to `config.limits` (see [`Limits`]).
/// Uploads a killed server left half-written in the files folder are
/// removed first (see [`PARTIAL_UPLOAD_PREFIX`]).
/// `/metrics` is served on `listener` too (docs/OPERATIONS.md, "Metrics and
/// logs"); [`serve_with_metrics`] serves it on an address of its own.
pub async fn serve(
    engine: Arc<Engine>,
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_metrics(engine, config, listener, None, shutdown).await
}

/// [`serve`], with `/metrics` on `metrics` alone when given (an address
/// the public does not reach: `serve --metrics-bind`), not on `listener`.
/// Both stop together when `shutdown` completes.
pub async fn serve_with_metrics(
    engine: Arc<Engine>,
    config: Config,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    std::fs::create_dir_all(&config.files)?;
    let node = routes::evidence::node_label(listener.local_addr()?);
    routes::evidence::sweep_partial_uploads(&config.files, &node, config.limits.body_deadline)
        .await;
    let limits = config.limits.clone();
    let counts = metrics::Metrics::new(engine.clone());
    let app = router(engine, config, &node, &counts, metrics.is_none());
    let Some(metrics) = metrics else {
        return server::run(listener, app, limits, shutdown).await;
    };
    // One shutdown for both servers.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let until = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let metrics_limits = Limits {
        shutdown_grace: std::time::Duration::from_secs(1),
        ..Limits::default()
    };
    tokio::try_join!(
        server::run(listener, app, limits, until(stopped.clone())),
        server::run(
            metrics,
            metrics::router(counts),
            metrics_limits,
            until(stopped)
        ),
    )?;
    Ok(())
}

/// Serves `/metrics` alone on `listener` until `shutdown` completes: a
/// process without pages (`gradflow worker --metrics-bind`), whose figures
/// are its engine's (commands it ran, the queues in the database).
pub async fn serve_metrics(
    engine: Arc<Engine>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = Limits {
        shutdown_grace: std::time::Duration::from_secs(1),
        ..Limits::default()
    };
    let router = metrics::router(metrics::Metrics::new(engine));
    server::run(listener, router, limits, shutdown).await
}

/// Request ids: a number per process start plus a counter, e.g. `4f1a-17`.
#[derive(Clone)]
struct Counter {
    start: u32,
    next: Arc<AtomicU64>,
}

impl Default for Counter {
    fn default() -> Self {
        Counter {
            start: rand::random(),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for Counter {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let id = format!("{:08x}-{n}", self.start);
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::public_origin;

    #[test]
    fn the_public_origin_is_written_as_browsers_write_origin() {
        assert_eq!(
            public_origin("https://Gradflow.Institute.example/").unwrap(),
            "https://gradflow.institute.example"
        );
        assert_eq!(
            public_origin("https://gradflow.example:443/sub/path").unwrap(),
            "https://gradflow.example"
        );
        assert_eq!(
            public_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(public_origin("http://[::1]:80").unwrap(), "http://[::1]");
        for bad in [
            "gradflow.example",
            "ftp://gradflow.example",
            "https://user:pw@gradflow.example",
            "",
        ] {
            assert!(public_origin(bad).is_err(), "{bad:?}");
        }
    }
}
