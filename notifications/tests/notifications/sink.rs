//! A real SMTP server on 127.0.0.1, inside the test process.
//!
//! The protocol (command parsing, the state machine, replies, dot-unstuffing,
//! 8BITMIME) is the `mailin` crate's SMTP server engine; this file only feeds
//! it the lines read from each connection and writes back its replies. Being
//! in-process, it needs nothing installed on a fresh CI machine, and a test
//! can stop it (closing every connection, as a crashed server would) and
//! start it again on the same port.
//!
//! It can also offer PIPELINING (RFC 2920; mailin answers each line in
//! order, which is all a pipelining server must do, and the sink notes
//! when a client sent commands ahead of their replies), and speak TLS from
//! the first byte or after STARTTLS, with the certificate in `tls/`
//! (`server.pem` for 127.0.0.1 and localhost, signed by `ca.pem`, a test
//! authority valid until 2126; made once with openssl, never trusted
//! outside these tests).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};

use mailin::response::OK;
use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// A message as the server received it: the envelope and the raw bytes.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub from: String,
    /// Every accepted `RCPT TO`.
    pub to: Vec<String>,
    /// The message, as sent after `DATA` (RFC 5322).
    pub data: Vec<u8>,
}

/// How the server talks, beyond plain SMTP.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Say PIPELINING in the EHLO reply.
    pub pipelining: bool,
    /// Encryption, if any.
    pub tls: Option<Tls>,
}

/// How the server encrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first byte (smtps).
    Implicit,
    /// Plain text until the client says STARTTLS (offered in EHLO).
    StartTls,
}

/// What the server saw of its clients, beyond the messages.
#[derive(Debug, Default)]
pub struct Seen {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// `MAIL FROM` commands that arrived with more commands already behind
    /// them (sent before the reply: pipelined).
    pub pipelined: AtomicUsize,
    /// Messages received over an encrypted connection.
    pub encrypted: AtomicUsize,
}

/// The authority `tls/ca.pem`'s path: a client trusts the test server
/// when `SSL_CERT_FILE` names it.
pub fn test_authority() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notifications/tls/ca.pem")
}

fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/notifications/tls");
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .expect("tls/server.pem")
        .collect::<Result<_, _>>()
        .expect("tls/server.pem holds certificates");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("tls/server.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("the test certificate and key");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A connection, plain or encrypted.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The running server. Dropping it stops it.
pub struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    /// What it saw of its clients.
    pub seen: Arc<Seen>,
    /// A delay for the reply that accepts the next message (a slow server).
    slow: Arc<Mutex<Option<Duration>>>,
    accept: JoinHandle<()>,
}

impl Sink {
    /// Starts a server on a free port that accepts every recipient except
    /// those in `rejected`, which get `550 5.1.1 ... User unknown`.
    pub async fn start(rejected: &[&str]) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port on 127.0.0.1");
        Sink::serve(listener, rejected, Arc::default(), Options::default())
    }

    /// Starts a server on a free port as [`Sink::start`] does, talking as
    /// `options` say.
    pub async fn start_with(rejected: &[&str], options: Options) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port on 127.0.0.1");
        Sink::serve(listener, rejected, Arc::default(), options)
    }

    /// Starts a server on `addr` (a port a stopped server used), keeping the
    /// messages of `earlier` so a test sees everything that arrived.
    pub async fn restart(addr: SocketAddr, rejected: &[&str], earlier: Vec<Received>) -> Sink {
        let listener = TcpListener::bind(addr).await.expect("bind the port again");
        Sink::serve(
            listener,
            rejected,
            Arc::new(Mutex::new(earlier)),
            Options::default(),
        )
    }

    fn serve(
        listener: TcpListener,
        rejected: &[&str],
        received: Arc<Mutex<Vec<Received>>>,
        options: Options,
    ) -> Sink {
        let seen: Arc<Seen> = Arc::default();
        let seen_by_sessions = Arc::clone(&seen);
        let acceptor = options.tls.map(|_| tls_acceptor());
        let addr = listener.local_addr().unwrap();
        let rejected: Arc<Vec<String>> = Arc::new(rejected.iter().map(|s| s.to_string()).collect());
        let store = Arc::clone(&received);
        let slow: Arc<Mutex<Option<Duration>>> = Arc::default();
        let slow_for_sessions = Arc::clone(&slow);
        let accept = tokio::spawn(async move {
            // Connections live in this set: aborting the accept task drops
            // it, which aborts them all, so stopping closes every socket.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let handler = Recorder {
                    rejected: Arc::clone(&rejected),
                    store: Arc::clone(&store),
                    from: String::new(),
                    to: Vec::new(),
                    data: Vec::new(),
                };
                seen_by_sessions.connections.fetch_add(1, Ordering::SeqCst);
                connections.spawn(session(
                    stream,
                    peer.ip(),
                    handler,
                    Arc::clone(&slow_for_sessions),
                    options,
                    acceptor.clone(),
                    Arc::clone(&seen_by_sessions),
                ));
                while connections.try_join_next().is_some() {}
            }
        });
        Sink {
            addr,
            received,
            seen,
            slow,
            accept,
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT` plus `settings` (e.g. `?timeout=5`).
    pub fn url(&self, settings: &str) -> String {
        format!("smtp://{}{settings}", self.addr)
    }

    /// Makes the server wait `delay` before it says it accepted the next
    /// message (it keeps the message all the same), like a server that is
    /// slow to answer.
    pub fn delay_next_acceptance(&self, delay: Duration) {
        *self.slow.lock().unwrap() = Some(delay);
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Stops listening and drops every open connection; returns what was
    /// received, for [`Sink::restart`].
    pub async fn stop(mut self) -> Vec<Received> {
        self.accept.abort();
        let _ = (&mut self.accept).await;
        self.received()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// One SMTP conversation: (TLS,) greeting, then each line to mailin and
/// its reply back; STARTTLS puts TLS on the connection and goes on.
async fn session(
    stream: TcpStream,
    peer: IpAddr,
    handler: Recorder,
    slow: Arc<Mutex<Option<Duration>>>,
    options: Options,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    seen: Arc<Seen>,
) {
    let mut builder = SessionBuilder::new("sink.test");
    if options.tls == Some(Tls::StartTls) {
        builder.enable_start_tls();
    }
    let mut session = builder.build(peer, handler);
    let mut encrypted = false;
    let mut io: Box<dyn Io> = match (options.tls, &acceptor) {
        (Some(Tls::Implicit), Some(acceptor)) => match acceptor.accept(stream).await {
            Ok(tls) => {
                encrypted = true;
                session.tls_active();
                Box::new(tls)
            }
            Err(_) => return,
        },
        _ => Box::new(stream),
    };
    if io
        .write_all(&session.greeting().buffer().unwrap())
        .await
        .is_err()
    {
        return;
    }
    loop {
        let mut reader = BufReader::new(io);
        let mut line = Vec::new();
        let mut replies = Vec::new();
        let upgrade = loop {
            line.clear();
            match reader.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line.len() > 10
                && line[..10].eq_ignore_ascii_case(b"MAIL FROM:")
                && !reader.buffer().is_empty()
            {
                seen.pipelined.fetch_add(1, Ordering::SeqCst);
            }
            let response = session.process(&line);
            if line == b".\r\n" && response.code == 250 {
                if encrypted {
                    seen.encrypted.fetch_add(1, Ordering::SeqCst);
                }
                let delay = slow.lock().unwrap().take();
                if let Some(delay) = delay {
                    tokio::time::sleep(delay).await;
                }
            }
            let mut reply = response.buffer().unwrap();
            if options.pipelining && line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"EHLO") {
                reply = offer_pipelining(reply);
            }
            // Replies to pipelined commands go out together once the
            // commands read are answered (as Postfix does).
            match response.action {
                Action::NoReply => {}
                Action::Reply => replies.extend_from_slice(&reply),
                Action::Close => {
                    replies.extend_from_slice(&reply);
                    let _ = reader.get_mut().write_all(&replies).await;
                    return;
                }
                Action::UpgradeTls => {
                    replies.extend_from_slice(&reply);
                    if reader.get_mut().write_all(&replies).await.is_err() {
                        return;
                    }
                    replies.clear();
                    break true;
                }
            }
            if reader.buffer().is_empty() && !replies.is_empty() {
                if reader.get_mut().write_all(&replies).await.is_err() {
                    return;
                }
                replies.clear();
            }
        };
        io = reader.into_inner();
        if upgrade {
            let Some(acceptor) = &acceptor else { return };
            match acceptor.accept(io).await {
                Ok(tls) => {
                    encrypted = true;
                    session.tls_active();
                    io = Box::new(tls);
                }
                Err(_) => return,
            }
        }
    }
}

/// An EHLO reply (`250-name ...`, then a line per extension, the last
/// `250 ...`) with `250-PIPELINING` after its first line.
fn offer_pipelining(reply: Vec<u8>) -> Vec<u8> {
    let Some(end) = reply.windows(2).position(|w| w == b"\r\n") else {
        return reply;
    };
    if !reply.starts_with(b"250") {
        return reply;
    }
    let mut out = reply[..end + 2].to_vec();
    if end + 2 == reply.len() {
        // A one-line reply: it goes on, and PIPELINING is the last line.
        out[3] = b'-';
        out.extend_from_slice(b"250 PIPELINING\r\n");
    } else {
        out.extend_from_slice(b"250-PIPELINING\r\n");
        out.extend_from_slice(&reply[end + 2..]);
    }
    out
}

/// Decides on recipients and keeps what arrives.
struct Recorder {
    rejected: Arc<Vec<String>>,
    store: Arc<Mutex<Vec<Received>>>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, from: &str) -> Response {
        self.from = from.to_owned();
        self.to.clear();
        self.data.clear();
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        let address = to.trim_matches(['<', '>']);
        if self.rejected.iter().any(|r| r == address) {
            return Response::custom(
                550,
                format!("5.1.1 <{address}>: Recipient address rejected: User unknown"),
            );
        }
        self.to.push(address.to_owned());
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received {
            from: self.from.clone(),
            to: self.to.clone(),
            data: std::mem::take(&mut self.data),
        };
        self.store.lock().unwrap().push(message);
        Response::custom(250, "2.0.0 Ok: queued".to_owned())
    }
}
