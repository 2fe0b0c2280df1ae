//! Delivery through a mail server: lettre's async SMTP client on tokio, TLS by
//! rustls (the system's certificate authorities), a pool of connections.

use std::error::Error as _;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials as LettreCredentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::config::{ConfigError, Security, SmtpConfig};
use super::{Error, Receipt, Transport};
use crate::message::Outgoing;

/// A mail server, with a pool of open connections. Cheap to clone: clones
/// share the pool.
#[derive(Clone)]
pub struct Smtp {
    shared: Arc<Shared>,
}

struct Shared {
    /// Kept for messages about the server (it prints without the password)
    /// and for building a new pool.
    config: SmtpConfig,
    /// lettre's transport and its pool. Behind a lock only so that it can be
    /// replaced after a timeout (see [`Smtp::send`]); a send clones it out
    /// (an `Arc` inside) and never holds the lock across an await.
    transport: RwLock<AsyncSmtpTransport<Tokio1Executor>>,
}

impl Smtp {
    /// A transport for the server `config` names. Must be called inside a
    /// tokio runtime (the pool starts a task that closes idle connections).
    /// Nothing is connected yet: a server that is down shows on the first
    /// message, as a transient error.
    pub fn new(config: &SmtpConfig) -> Result<Smtp, ConfigError> {
        let transport = build(config)?;
        Ok(Smtp {
            shared: Arc::new(Shared {
                config: config.clone(),
                transport: RwLock::new(transport),
            }),
        })
    }

    /// The configuration in effect.
    pub fn config(&self) -> &SmtpConfig {
        &self.shared.config
    }

    /// `host:port`, for messages.
    fn server(&self) -> String {
        let config = &self.shared.config;
        if config.host.contains(':') {
            format!("[{}]:{}", config.host, config.port)
        } else {
            format!("{}:{}", config.host, config.port)
        }
    }

    fn timed_out(&self) -> Error {
        Error::Unavailable {
            reason: format!(
                "the mail server {} did not answer within {} s",
                self.server(),
                self.shared.config.timeout.as_secs()
            ),
        }
    }

    /// Sorts lettre's error into "this message is refused" and "try later".
    fn classify(&self, error: &lettre::transport::smtp::Error) -> Error {
        let server = self.server();
        if let Some(code) = error.status() {
            let text = error.source().map(|s| s.to_string()).unwrap_or_default();
            let reply = format!("{code} {text}").trim_end().to_owned();
            if is_login_refusal(u16::from(code)) {
                // A 5xx to our login is the configuration's fault, not the
                // message's: failing every message would lose them all.
                return Error::Unavailable {
                    reason: format!(
                        "the mail server {server} refused the login: {reply}; check the user name and password in the transport URL"
                    ),
                };
            }
            if error.is_permanent() {
                return Error::Rejected { reply };
            }
            return Error::Unavailable {
                reason: format!("the mail server {server} asked to try later: {reply}"),
            };
        }
        if error.is_timeout() {
            return self.timed_out();
        }
        let reason = if error.is_tls() {
            format!(
                "the TLS connection to the mail server {server} failed: {}",
                chain(error)
            )
        } else {
            format!(
                "cannot deliver through the mail server {server}: {}",
                chain(error)
            )
        };
        Error::Unavailable { reason }
    }
}

impl Transport for Smtp {
    /// Sends one message within the configured timeout. lettre's own timeout
    /// covers only connecting, so the whole exchange runs under a deadline.
    /// A connection abandoned mid-conversation would go back to lettre's
    /// pool with a reply still on its way, and the next message would read
    /// that stale reply as its own; so after a timeout the pool is replaced
    /// by a new one, and the old pool closes its connections when the last
    /// send using it ends.
    #[tracing::instrument(name = "smtp_send", skip_all, fields(message_id = %message.message_id))]
    async fn send(&self, message: &Outgoing) -> Result<Receipt, Error> {
        let email = message.to_lettre()?;
        let transport = self
            .shared
            .transport
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match tokio::time::timeout(self.shared.config.timeout, transport.send(email)).await {
            Ok(Ok(response)) => {
                let words: Vec<&str> = response.message().collect();
                let detail = format!("{} {}", response.code(), words.join(" "))
                    .trim_end()
                    .to_owned();
                tracing::debug!(reply = %detail, "accepted by the mail server");
                Ok(Receipt { detail })
            }
            Ok(Err(error)) => Err(self.classify(&error)),
            Err(_elapsed) => {
                drop(transport);
                if let Ok(fresh) = build(&self.shared.config) {
                    *self
                        .shared
                        .transport
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = fresh;
                }
                Err(self.timed_out())
            }
        }
    }
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.shared.config.to_string())
            .finish_non_exhaustive()
    }
}

/// lettre's transport for `config`: TLS as configured, the login, the
/// connection timeout, a pool.
fn build(config: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, ConfigError> {
    let refuse = |problem: String| ConfigError {
        url: config.to_string(),
        problem,
    };
    let tls_parameters = || {
        TlsParameters::new(config.host.clone())
            .map_err(|e| refuse(format!("cannot set up TLS for {}: {e}", config.host)))
    };
    let tls = match config.security {
        Security::Plain => Tls::None,
        Security::StartTls => Tls::Required(tls_parameters()?),
        Security::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
        .port(config.port)
        .tls(tls)
        .timeout(Some(config.timeout))
        .pool_config(PoolConfig::new().max_size(config.pool_size));
    if let Some(credentials) = &config.credentials {
        builder = builder.credentials(LettreCredentials::new(
            credentials.username.clone(),
            credentials.password.expose().to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Replies that refuse the login rather than the message (RFC 4954):
/// 530 authentication required, 534 mechanism too weak, 535 credentials
/// invalid, 538 encryption required.
fn is_login_refusal(code: u16) -> bool {
    matches!(code, 530 | 534 | 535 | 538)
}

/// An error and its causes on one line ("Connection error: Connection refused (os error 111)").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
