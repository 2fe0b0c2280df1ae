//! Delivery through a mail server: lettre's async SMTP client on tokio, TLS by
//! rustls (the system's certificate authorities), a pool of connections of
//! our own.
//!
//! Each connection is a TCP socket with `TCP_NODELAY` set, handed to lettre
//! (`AsyncSmtpConnection::connect_with_transport`): lettre writes a
//! message's final `.` apart from its body, and with Nagle's algorithm on
//! that line waits for the server's delayed ACK (40 ms on Linux), which held
//! delivery to about 22 messages/s. Implicit TLS (`smtps`) is put on the
//! socket here (tokio-rustls) before lettre reads the greeting; STARTTLS is
//! lettre's, over the same socket.
//!
//! When the server says PIPELINING in its EHLO reply (RFC 2920), a message's
//! `MAIL FROM`, `RCPT TO` and `DATA` go out in one write and their replies
//! are read back in order: one round trip instead of three. A refused
//! recipient is that message's failure; the connection is reset (`RSET`)
//! and goes on with the next message.

use std::error::Error as _;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{
    Credentials as LettreCredentials, DEFAULT_MECHANISMS,
};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::config::{ConfigError, Security, SmtpConfig};
use super::{Error, Receipt, Transport};
use crate::message::Outgoing;

/// A connection left idle longer than this is closed rather than reused:
/// servers hang up on idle clients (Postfix after 300 s), and a reused
/// connection the server closed costs a failed write before a fresh one.
const IDLE_LIMIT: Duration = Duration::from_secs(50);

/// A mail server, with a pool of open connections. Cheap to clone: clones
/// share the pool.
#[derive(Clone)]
pub struct Smtp {
    shared: Arc<Shared>,
}

struct Shared {
    /// Kept for messages about the server (it prints without the password).
    config: SmtpConfig,
    /// How the connection is encrypted, ready to use.
    tls: Encryption,
    /// The name we give in EHLO (this machine's host name).
    hello: ClientId,
    /// The login, in lettre's form.
    credentials: Option<LettreCredentials>,
    /// Connections open and idle, most recently used last; at most
    /// `pool_size`. Taken out while a message is sent on one (the lock is
    /// never held across an await), put back after a clean exchange.
    idle: Mutex<Vec<Idle>>,
}

/// What encrypts a connection.
enum Encryption {
    /// Nothing (a local relay).
    None,
    /// STARTTLS, by lettre, with these parameters.
    StartTls(TlsParameters),
    /// TLS from the first byte, by tokio-rustls, for this server name.
    Tls(
        tokio_rustls::TlsConnector,
        rustls::pki_types::ServerName<'static>,
    ),
}

/// An open connection to the server, ready for a message.
struct Connection {
    smtp: AsyncSmtpConnection,
    /// The server said PIPELINING in its EHLO reply.
    pipelining: bool,
}

/// A connection in the pool, and since when.
struct Idle {
    connection: Connection,
    since: Instant,
}

/// How one message's exchange failed.
enum Failure {
    /// The server replied with a refusal; the connection is in a known
    /// state (reset, or the message ended) and can carry the next message.
    Reply(lettre::transport::smtp::Error),
    /// The connection broke, or the client refused to go on; it is dropped.
    /// `before_body`: nothing of the message was sent yet, so sending it on
    /// another connection cannot deliver it twice.
    Broken {
        error: lettre::transport::smtp::Error,
        before_body: bool,
    },
    /// The server cannot take the message as it is (nothing was sent); the
    /// connection stays as it was.
    Client(&'static str),
}

impl Smtp {
    /// A transport for the server `config` names. Nothing is connected yet:
    /// a server that is down shows on the first message, as a transient
    /// error.
    pub fn new(config: &SmtpConfig) -> Result<Smtp, ConfigError> {
        let refuse = |problem: String| ConfigError {
            url: config.to_string(),
            problem,
        };
        let tls = match config.security {
            Security::Plain => Encryption::None,
            Security::StartTls => Encryption::StartTls(
                TlsParameters::new(config.host.clone())
                    .map_err(|e| refuse(format!("cannot set up TLS for {}: {e}", config.host)))?,
            ),
            Security::Tls => {
                let name = rustls::pki_types::ServerName::try_from(config.host.clone())
                    .map_err(|e| refuse(format!("cannot set up TLS for {}: {e}", config.host)))?;
                let client = crate::tls::client_config()
                    .map_err(|e| refuse(format!("cannot set up TLS: {e}")))?;
                Encryption::Tls(tokio_rustls::TlsConnector::from(Arc::new(client)), name)
            }
        };
        let credentials = config
            .credentials
            .as_ref()
            .map(|c| LettreCredentials::new(c.username.clone(), c.password.expose().to_owned()));
        Ok(Smtp {
            shared: Arc::new(Shared {
                config: config.clone(),
                tls,
                hello: ClientId::default(),
                credentials,
                idle: Mutex::new(Vec::new()),
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

    /// An idle connection young enough to reuse, if any.
    fn take_idle(&self) -> Option<Connection> {
        let mut idle = self
            .shared
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Stale ones are dropped (closing their sockets).
        idle.retain(|c| c.since.elapsed() < IDLE_LIMIT);
        idle.pop().map(|c| c.connection)
    }

    /// Puts a connection back for the next message, unless the pool is full.
    fn put_back(&self, connection: Connection) {
        let mut idle = self
            .shared
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.shared.config.pool_size as usize {
            idle.push(Idle {
                connection,
                since: Instant::now(),
            });
        }
    }

    /// Opens a connection: TCP with `TCP_NODELAY`, TLS as configured, EHLO,
    /// the login.
    async fn connect(&self) -> Result<Connection, Error> {
        let config = &self.shared.config;
        let server = self.server();
        let tcp = TcpStream::connect((config.host.as_str(), config.port))
            .await
            .map_err(|e| Error::Unavailable {
                reason: format!(
                    "cannot deliver through the mail server {server}: Connection error: {e}"
                ),
            })?;
        tcp.set_nodelay(true).map_err(|e| Error::Unavailable {
            reason: format!("cannot set TCP_NODELAY on the connection to {server}: {e}"),
        })?;
        let stream: Box<dyn AsyncTokioStream> =
            match &self.shared.tls {
                Encryption::Tls(connector, name) => {
                    let tls = connector.connect(name.clone(), tcp).await.map_err(|e| {
                        Error::Unavailable {
                            reason: format!(
                                "the TLS connection to the mail server {server} failed: {e}"
                            ),
                        }
                    })?;
                    Box::new(Encrypted(tls))
                }
                Encryption::None | Encryption::StartTls(_) => Box::new(tcp),
            };
        let hello = &self.shared.hello;
        let mut smtp = AsyncSmtpConnection::connect_with_transport(stream, hello)
            .await
            .map_err(|e| self.classify(&e))?;
        if let Encryption::StartTls(parameters) = &self.shared.tls {
            // Refuses a server that does not offer STARTTLS: never a
            // fallback to plain text.
            smtp.starttls(parameters.clone(), hello)
                .await
                .map_err(|e| self.classify(&e))?;
        }
        // lettre keeps no note of PIPELINING: ask again and read the reply.
        let ehlo = smtp
            .command(Ehlo::new(hello.clone()))
            .await
            .map_err(|e| self.classify(&e))?;
        let pipelining = offers_pipelining(&ehlo);
        if let Some(credentials) = &self.shared.credentials {
            smtp.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(|e| self.classify(&e))?;
        }
        Ok(Connection { smtp, pipelining })
    }

    /// Sends one message on a pooled connection or a new one. A pooled
    /// connection the server closed meanwhile fails before any of the
    /// message is sent; the message then goes on a new connection.
    async fn exchange(&self, envelope: &Envelope, bytes: &[u8]) -> Result<Receipt, Error> {
        let (mut connection, reused) = match self.take_idle() {
            Some(connection) => (connection, true),
            None => (self.connect().await?, false),
        };
        let mut outcome = transact(&mut connection, envelope, bytes).await;
        if reused
            && matches!(
                outcome,
                Err(Failure::Broken {
                    before_body: true,
                    ..
                })
            )
        {
            drop(connection);
            connection = self.connect().await?;
            outcome = transact(&mut connection, envelope, bytes).await;
        }
        match outcome {
            Ok(response) => {
                self.put_back(connection);
                let words: Vec<&str> = response.message().collect();
                let detail = format!("{} {}", response.code(), words.join(" "))
                    .trim_end()
                    .to_owned();
                tracing::debug!(reply = %detail, "accepted by the mail server");
                Ok(Receipt { detail })
            }
            Err(Failure::Reply(error)) => {
                self.put_back(connection);
                Err(self.classify(&error))
            }
            Err(Failure::Broken { error, .. }) => Err(self.classify(&error)),
            Err(Failure::Client(why)) => {
                self.put_back(connection);
                Err(Error::Unavailable {
                    reason: format!(
                        "cannot deliver through the mail server {}: {why}",
                        self.server()
                    ),
                })
            }
        }
    }
}

impl Transport for Smtp {
    /// Sends one message within the configured timeout, connecting
    /// included. A connection abandoned mid-conversation could still have
    /// a reply on its way, which the next message would read as its own: so
    /// the connection is owned by the exchange, and a timeout drops it with
    /// the exchange (closing it) instead of returning it to the pool.
    #[tracing::instrument(name = "smtp_send", skip_all, fields(message_id = %message.message_id))]
    async fn send(&self, message: &Outgoing) -> Result<Receipt, Error> {
        let email = message.to_lettre()?;
        let envelope = email.envelope().clone();
        let bytes = email.formatted();
        match tokio::time::timeout(self.shared.config.timeout, self.exchange(&envelope, &bytes))
            .await
        {
            Ok(outcome) => outcome,
            Err(_elapsed) => Err(self.timed_out()),
        }
    }
}

/// One message's transaction: `MAIL FROM`, `RCPT TO`, `DATA` (in one write
/// when the server pipelines, their replies read in order), then the
/// message. After a refusal before the message, the transaction is reset
/// (`RSET`) so the connection can carry the next one.
async fn transact(
    connection: &mut Connection,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<Response, Failure> {
    let smtp = &mut connection.smtp;
    let broken = |error: lettre::transport::smtp::Error, before_body: bool| Failure::Broken {
        error,
        before_body,
    };
    let mut parameters = Vec::new();
    let ascii = |address: &lettre::Address| AsRef::<str>::as_ref(address).is_ascii();
    let non_ascii = envelope.from().is_some_and(|a| !ascii(a)) || !envelope.to().iter().all(ascii);
    if non_ascii {
        if !smtp.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Failure::Client(
                "an address is not ASCII and the server does not take SMTPUTF8",
            ));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !smtp.server_info().supports_feature(Extension::EightBitMime) {
            return Err(Failure::Client(
                "the message is not ASCII and the server does not take 8BITMIME",
            ));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(envelope.from().cloned(), parameters);
    let recipients: Vec<Rcpt> = envelope
        .to()
        .iter()
        .map(|to| Rcpt::new(to.clone(), Vec::new()))
        .collect();

    // The first refusal, if any; a broken connection ends it all at once.
    let mut refused = None;
    let note = |refused: &mut Option<_>,
                reply: Result<Response, lettre::transport::smtp::Error>| {
        match reply {
            Ok(_) => Ok(()),
            Err(error) if error.status().is_some() => {
                refused.get_or_insert(error);
                Ok(())
            }
            Err(error) => Err(error),
        }
    };
    if connection.pipelining {
        let mut batch = mail.to_string();
        for rcpt in &recipients {
            batch.push_str(&rcpt.to_string());
        }
        batch.push_str(&Data.to_string());
        // Writes all three, reads MAIL's reply; then one reply per RCPT and DATA's.
        note(&mut refused, smtp.command(batch).await).map_err(|e| broken(e, true))?;
        for _ in &recipients {
            note(&mut refused, smtp.read_response().await).map_err(|e| broken(e, true))?;
        }
        let data = smtp.read_response().await;
        match (refused, data) {
            (None, Ok(_)) => {}
            (None, Err(error)) if error.status().is_some() => {
                reset(smtp).await.map_err(|e| broken(e, true))?;
                return Err(Failure::Reply(error));
            }
            (None, Err(error)) => return Err(broken(error, true)),
            (Some(error), Ok(_)) => {
                // A server that took DATA after refusing the envelope: end
                // the empty message (it has no recipient to go to).
                smtp.message(b"").await.ok();
                reset(smtp).await.map_err(|e| broken(e, false))?;
                return Err(Failure::Reply(error));
            }
            (Some(error), Err(data)) => {
                if data.status().is_none() {
                    return Err(broken(data, true));
                }
                reset(smtp).await.map_err(|e| broken(e, true))?;
                return Err(Failure::Reply(error));
            }
        }
    } else {
        let steps = std::iter::once(mail.to_string())
            .chain(recipients.iter().map(ToString::to_string))
            .chain(std::iter::once(Data.to_string()));
        for step in steps {
            note(&mut refused, smtp.command(step).await).map_err(|e| broken(e, true))?;
            if let Some(error) = refused.take() {
                reset(smtp).await.map_err(|e| broken(e, true))?;
                return Err(Failure::Reply(error));
            }
        }
    }
    match smtp.message(bytes).await {
        Ok(response) => Ok(response),
        // The server refused the message at its end: the transaction is over.
        Err(error) if error.status().is_some() => Err(Failure::Reply(error)),
        Err(error) => Err(broken(error, false)),
    }
}

/// Ends a refused transaction so the connection can carry the next message.
async fn reset(smtp: &mut AsyncSmtpConnection) -> Result<(), lettre::transport::smtp::Error> {
    smtp.command(Rset).await.map(|_| ())
}

/// Whether an EHLO reply offers PIPELINING (RFC 2920).
fn offers_pipelining(ehlo: &Response) -> bool {
    ehlo.message().skip(1).any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|word| word.eq_ignore_ascii_case("PIPELINING"))
    })
}

/// A socket with TLS from the first byte, as lettre takes a stream.
#[derive(Debug)]
struct Encrypted(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncRead for Encrypted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

impl fmt::Debug for Smtp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.shared.config.to_string())
            .finish_non_exhaustive()
    }
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
