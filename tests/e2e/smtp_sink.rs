//! A real SMTP server on 127.0.0.1, inside the test process, for the
//! `gradflow worker` processes to deliver to.
//!
//! Adapted from the mail crate's test sink (notifications/tests/notifications/sink.rs;
//! test crates cannot share modules): the protocol (command parsing, the
//! state machine, replies, dot-unstuffing) is the `mailin` crate's SMTP
//! server engine, fed the lines read from each connection. What this one
//! adds: the addresses it refuses can change while it runs (a mailbox that
//! comes back), and it parses what arrived as RFC 5322. It offers
//! PIPELINING in its EHLO reply, as Postfix does, so the workers under test
//! send each message's envelope in one go (refusals included); the mail
//! crate's tests cover a server that does not.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::MessageParser;
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

impl Received {
    /// The message parsed as RFC 5322.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.data)
            .expect("an RFC 5322 message")
    }

    /// Its Message-ID without the angle brackets.
    pub fn message_id(&self) -> String {
        self.parsed()
            .message_id()
            .expect("every message has a Message-ID")
            .to_owned()
    }

    /// Its plain-text part, with CRLF line ends made LF.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .expect("a text part")
            .replace("\r\n", "\n")
    }

    /// Its subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }
}

/// Addresses the server refuses, shared with every session: a test may
/// change them while the server runs.
type Refused = Arc<Mutex<BTreeSet<String>>>;

/// What a test may change while the server runs, shared with every session.
#[derive(Default)]
struct Behaviour {
    /// Addresses answered `451 4.2.0 ... try again later` (a full mailbox).
    deferred: BTreeSet<String>,
    /// How long the server takes to answer the end of each message.
    delay: Duration,
}

type Shared = Arc<Mutex<Behaviour>>;

/// The running server. Dropping it stops it.
pub struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Refused,
    behaviour: Shared,
    accept: JoinHandle<()>,
}

impl Sink {
    /// Starts a server on a free port that accepts every recipient except
    /// those in `refused`, which get `550 5.1.1 ... User unknown`.
    pub async fn start(refused: &[&str]) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port on 127.0.0.1");
        let refused = refused.iter().map(|s| (*s).to_owned()).collect();
        Sink::serve(listener, Arc::new(Mutex::new(refused)), Arc::default())
    }

    /// Starts a server on `addr` (a port a stopped server used), keeping the
    /// messages of `earlier` so a test sees everything that arrived.
    pub async fn restart(addr: SocketAddr, earlier: Vec<Received>) -> Sink {
        let listener = TcpListener::bind(addr).await.expect("bind the port again");
        Sink::serve(listener, Arc::default(), Arc::new(Mutex::new(earlier)))
    }

    fn serve(listener: TcpListener, refused: Refused, received: Arc<Mutex<Vec<Received>>>) -> Sink {
        let addr = listener.local_addr().unwrap();
        let store = Arc::clone(&received);
        let refused_by_sessions = Arc::clone(&refused);
        let behaviour = Shared::default();
        let behaviour_of_sessions = Arc::clone(&behaviour);
        let accept = tokio::spawn(async move {
            // Connections live in this set: aborting the accept task drops
            // it, which aborts them all, so stopping closes every socket.
            let mut connections = JoinSet::new();
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let handler = Recorder {
                    refused: Arc::clone(&refused_by_sessions),
                    behaviour: Arc::clone(&behaviour_of_sessions),
                    store: Arc::clone(&store),
                    from: String::new(),
                    to: Vec::new(),
                    data: Vec::new(),
                };
                connections.spawn(session(stream, peer.ip(), handler));
                while connections.try_join_next().is_some() {}
            }
        });
        Sink {
            addr,
            received,
            refused,
            behaviour,
            accept,
        }
    }

    /// From now on, answers the end of each message after `delay` (a slow
    /// server: the message is kept, the sender waits for the answer).
    pub fn slow_down(&self, delay: Duration) {
        self.behaviour.lock().unwrap().delay = delay;
    }

    /// From now on, answers mail for `address` with a temporary refusal
    /// (`451`: try again later) until [`Sink::accept`].
    pub fn defer(&self, address: &str) {
        self.behaviour
            .lock()
            .unwrap()
            .deferred
            .insert(address.to_owned());
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// From now on, accepts mail for `address` (a mailbox that was refused).
    pub fn accept(&self, address: &str) {
        self.refused.lock().unwrap().remove(address);
        self.behaviour.lock().unwrap().deferred.remove(address);
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// How many messages arrived so far.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Stops listening and drops every open connection (as a crashed server
    /// would); returns what was received, for [`Sink::restart`].
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

/// One SMTP conversation: greeting, then each line to mailin and its reply back.
async fn session(stream: TcpStream, peer: IpAddr, handler: Recorder) {
    let behaviour = Arc::clone(&handler.behaviour);
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut session = SessionBuilder::new("sink.test").build(peer, handler);
    if write
        .write_all(&session.greeting().buffer().unwrap())
        .await
        .is_err()
    {
        return;
    }
    let mut line = Vec::new();
    // Replies to pipelined commands go out together once the commands read
    // are answered (as Postfix does): one small write per reply would wait
    // on Nagle's algorithm for the client's delayed ACK.
    let mut replies = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        // The end of a message's data: a slow server takes its time to answer.
        if line == b".\r\n" {
            let delay = behaviour.lock().unwrap().delay;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
        let mut reply = response.buffer().unwrap();
        if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"EHLO") {
            reply = offer_pipelining(reply);
        }
        match response.action {
            Action::NoReply => {}
            Action::Reply => replies.extend_from_slice(&reply),
            Action::Close | Action::UpgradeTls => {
                replies.extend_from_slice(&reply);
                let _ = write.write_all(&replies).await;
                return;
            }
        }
        if reader.buffer().is_empty() && !replies.is_empty() {
            if write.write_all(&replies).await.is_err() {
                return;
            }
            replies.clear();
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
    refused: Refused,
    behaviour: Shared,
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
        if self.refused.lock().unwrap().contains(address) {
            return Response::custom(
                550,
                format!("5.1.1 <{address}>: Recipient address rejected: User unknown"),
            );
        }
        if self.behaviour.lock().unwrap().deferred.contains(address) {
            return Response::custom(
                451,
                format!("4.2.0 <{address}>: Mailbox busy, try again later"),
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
