//! `gradflow serve`: the web application, until SIGINT or SIGTERM, after
//! which requests in flight finish before it exits.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use gradflow_engine::service::Engine;

use super::Ctx;
use super::args::{LogFormat, WebArgs};
use super::output::say;

pub async fn run(ctx: &Ctx, web: &WebArgs) -> anyhow::Result<ExitCode> {
    logs();
    let engine = ctx.engine().await?;
    serve(engine, &ctx.db, web).await
}

/// The log format `--log` (`GRADFLOW_LOG`) chose, set once at start.
static LOG_FORMAT: std::sync::OnceLock<LogFormat> = std::sync::OnceLock::new();

/// Remembers `--log` for [`logs`].
pub fn log_format(format: LogFormat) {
    let _ = LOG_FORMAT.set(format);
}

/// Request logs (with their request id) on standard error, at `info`;
/// `RUST_LOG`-style filters are not read, to keep the build lean. With
/// `--log json`, one JSON object per line: `timestamp`, `level`,
/// `target`, `message` (and the event's other fields) at the top, and the
/// request's fields (`id`, `client`, `method`, `path`: the route's
/// template, never the path itself) under `span`.
pub fn logs() {
    use tracing_subscriber::filter::LevelFilter;
    let builder = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::INFO)
        .with_writer(std::io::stderr);
    let _ = match LOG_FORMAT.get().copied().unwrap_or(LogFormat::Text) {
        LogFormat::Text => builder
            .with_target(false)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_ansi(false)
            .try_init(),
    };
}

/// Serves `engine` (opened from `db`) until stopped.
pub async fn serve(engine: Engine, db: &str, web: &WebArgs) -> anyhow::Result<ExitCode> {
    let files = web.files.clone().unwrap_or_else(|| default_files(db));
    // The server sends no mail: a reset link is queued with its token and
    // a worker delivers it. `--smtp` says that this installation has mail
    // (the workers' transport), so resets are offered; it is checked here
    // so a typo is caught at start, but nothing is sent through it.
    let password_reset = match &web.smtp {
        None => false,
        Some(url) => {
            let (mailer, _, _) = super::courier::postbox(url, &web.from)
                .context("--smtp (which offers password reset links by mail)")?;
            if matches!(mailer, gradflow_notifications::Mailer::Log(_)) {
                say!(
                    "gradflow: password reset is not offered with --smtp log: (a link written to no mailbox helps nobody); give the workers' SMTP server or file://FOLDER"
                );
                false
            } else {
                true
            }
        }
    };
    let listener = tokio::net::TcpListener::bind(web.bind)
        .await
        .with_context(|| format!("cannot listen on {}", web.bind))?;
    let metrics = match web.metrics_bind {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("--metrics-bind: cannot listen on {addr}"))?,
        ),
        None => None,
    };
    let public_url = public_url(web, listener.local_addr()?)?;
    for proxy in &web.trusted_proxies {
        if proxy.contains("0.0.0.0".parse()?) && proxy.contains("255.255.255.255".parse()?)
            || proxy.contains("::".parse()?)
                && proxy.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse()?)
        {
            say!(
                "gradflow: --trusted-proxy {proxy} trusts every address: any client can then name its own address (give the proxies' addresses or their network)"
            );
        }
    }
    let config = gradflow_web::Config {
        files: files.clone(),
        upload_limit: web.upload_limit_mib.saturating_mul(1024 * 1024),
        upload_quota: web.upload_quota_mib.saturating_mul(1024 * 1024),
        secure_cookies: web.secure_cookies,
        limits: gradflow_web::Limits {
            max_connections: web.max_connections.max(1),
            max_connections_per_address: web.max_connections_per_address.max(1),
            trusted_proxies: web.trusted_proxies.clone(),
            forwarded_header: web.forwarded_header,
            shutdown_grace: std::time::Duration::from_secs(web.shutdown_grace),
            ..gradflow_web::Limits::default()
        },
        password_reset,
        public_url,
    };
    say!(
        "gradflow: serving http://{} ({} database, evidence files in {}); stop with Ctrl-C",
        listener.local_addr()?,
        engine.database_kind(),
        files.display()
    );
    match &metrics {
        Some(metrics) => say!(
            "gradflow: metrics on http://{}/metrics only",
            metrics.local_addr()?
        ),
        None => say!(
            "gradflow: metrics on http://{}/metrics (keep it from the public: --metrics-bind, or the proxy)",
            listener.local_addr()?
        ),
    }
    if password_reset {
        say!(
            "gradflow: password reset links are queued in the database and mailed by a worker (`gradflow worker --smtp ...`; the demo runs its own)"
        );
    }
    let engine = Arc::new(engine);
    gradflow_web::serve_with_metrics(
        engine.clone(),
        config,
        listener,
        metrics,
        super::worker::stop_signal(),
    )
    .await
    .context("the web server stopped")?;
    // A request still holding a connection after the grace must not hold
    // the exit either.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), engine.close()).await;
    say!("gradflow: stopped");
    Ok(ExitCode::SUCCESS)
}

/// The address people reach the site at: `--public-url`, checked, or
/// `http://BIND` for a server only this machine reaches. Beyond loopback
/// (`0.0.0.0`, a LAN address) it must be given: links in mail built on the
/// bound address (`http://0.0.0.0:8080`) lead nowhere.
fn public_url(web: &WebArgs, bound: std::net::SocketAddr) -> anyhow::Result<String> {
    match &web.public_url {
        Some(url) => {
            gradflow_web::public_origin(url).map_err(|e| anyhow::anyhow!("--public-url {e}"))?;
            Ok(url.trim_end_matches('/').to_owned())
        }
        None if bound.ip().to_canonical().is_loopback() => Ok(format!("http://{bound}")),
        None => anyhow::bail!(
            "--public-url is required when serve listens beyond this machine (--bind {}): give the address people reach it at, e.g. --public-url https://gradflow.institute.example (links in mail are built on it)",
            web.bind
        ),
    }
}

/// Evidence files beside the SQLite file (`x.db` -> `x-files`), or
/// `gradflow-files` in the working folder for PostgreSQL.
fn default_files(db: &str) -> PathBuf {
    beside(db, "files")
}

/// A folder named for the SQLite file of `db` and `what`, beside it
/// (`x.db` -> `x-WHAT`), or `gradflow-WHAT` in the working folder.
pub fn beside(db: &str, what: &str) -> PathBuf {
    let Some(path) = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
    else {
        return PathBuf::from(format!("gradflow-{what}"));
    };
    let path = PathBuf::from(path.split('?').next().unwrap_or(path));
    let stem = path
        .file_stem()
        .map_or_else(|| "gradflow".into(), |s| s.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}-{what}"))
}

#[cfg(test)]
mod tests {
    use super::default_files;
    use std::path::PathBuf;

    #[test]
    fn evidence_files_live_beside_the_sqlite_file() {
        assert_eq!(
            default_files("sqlite://gradflow.db"),
            PathBuf::from("gradflow-files")
        );
        assert_eq!(
            default_files("sqlite:///var/lib/g/main.db?mode=rwc"),
            PathBuf::from("/var/lib/g/main-files")
        );
        assert_eq!(
            default_files("postgres://u@h/db"),
            PathBuf::from("gradflow-files")
        );
    }
}
