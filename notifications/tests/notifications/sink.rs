//! A real SMTP server on 127.0.0.1, inside the test process.
//!
//! The protocol (command parsing, the state machine, replies, dot-unstuffing,
//! 8BITMIME) is the `mailin` crate's SMTP server engine; this file only feeds
//! it the lines read from each connection and writes back its replies. Being
//! in-process, it needs nothing installed on a fresh CI machine, and a test
//! can stop it (closing every connection, as a crashed server would) and
//! start it again on the same port.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// The running server. Dropping it stops it.
pub struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
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
        Sink::serve(listener, rejected, Arc::default())
    }

    /// Starts a server on `addr` (a port a stopped server used), keeping the
    /// messages of `earlier` so a test sees everything that arrived.
    pub async fn restart(addr: SocketAddr, rejected: &[&str], earlier: Vec<Received>) -> Sink {
        let listener = TcpListener::bind(addr).await.expect("bind the port again");
        Sink::serve(listener, rejected, Arc::new(Mutex::new(earlier)))
    }

    fn serve(
        listener: TcpListener,
        rejected: &[&str],
        received: Arc<Mutex<Vec<Received>>>,
    ) -> Sink {
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
                connections.spawn(session(
                    stream,
                    peer.ip(),
                    handler,
                    Arc::clone(&slow_for_sessions),
                ));
                while connections.try_join_next().is_some() {}
            }
        });
        Sink {
            addr,
            received,
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

/// One SMTP conversation: greeting, then each line to mailin and its reply back.
async fn session(
    stream: TcpStream,
    peer: IpAddr,
    handler: Recorder,
    slow: Arc<Mutex<Option<Duration>>>,
) {
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
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        if line == b".\r\n" && response.code == 250 {
            let delay = slow.lock().unwrap().take();
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
        }
        match response.action {
            Action::NoReply => {}
            Action::Reply => {
                if write.write_all(&response.buffer().unwrap()).await.is_err() {
                    return;
                }
            }
            Action::Close | Action::UpgradeTls => {
                let _ = write.write_all(&response.buffer().unwrap()).await;
                return;
            }
        }
    }
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
