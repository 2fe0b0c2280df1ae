//! A real SMTP server on 127.0.0.1, inside the bench process, for the outbox
//! group to deliver into. The protocol (commands, replies, the state
//! machine, dot-unstuffing) is the `mailin` crate's server engine, as in the
//! notifications tests' sink; this file feeds it each connection's lines and
//! keeps, per message, its Message-ID and recipients (not the bytes: a large
//! run would hold them all). It can say PIPELINING in its EHLO reply (RFC
//! 2920, as Postfix does): mailin reads one line at a time and answers each
//! in order, which is all pipelining asks of a server.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use mailin::response::OK;
use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What arrived: one (Message-ID without brackets, recipients) per message.
pub type Arrived = Arc<Mutex<Vec<(String, Vec<String>)>>>;

/// The running server; dropping it stops it and closes every connection.
pub struct Sink {
    addr: SocketAddr,
    arrived: Arrived,
    accept: JoinHandle<()>,
}

impl Sink {
    /// Starts a server on a free port that accepts every message, and
    /// offers PIPELINING when `pipelining`.
    pub async fn start(pipelining: bool) -> anyhow::Result<Sink> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let arrived: Arrived = Arc::default();
        let store = Arc::clone(&arrived);
        let accept = tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every session.
            let mut sessions = JoinSet::new();
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let handler = Recorder {
                    store: Arc::clone(&store),
                    to: Vec::new(),
                    data: Vec::new(),
                };
                sessions.spawn(session(stream, peer.ip(), handler, pipelining));
                while sessions.try_join_next().is_some() {}
            }
        });
        Ok(Sink {
            addr,
            arrived,
            accept,
        })
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Everything received so far.
    pub fn arrived(&self) -> Vec<(String, Vec<String>)> {
        self.arrived.lock().expect("sink lock").clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// One SMTP conversation: the greeting, then each line to mailin and its reply back.
async fn session(stream: TcpStream, peer: IpAddr, handler: Recorder, pipelining: bool) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut session = SessionBuilder::new("sink.bench").build(peer, handler);
    let Ok(greeting) = session.greeting().buffer() else {
        return;
    };
    if write.write_all(&greeting).await.is_err() {
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
        let Ok(mut reply) = response.buffer() else {
            return;
        };
        if pipelining && line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"EHLO") {
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

/// Keeps each message's Message-ID and recipients.
struct Recorder {
    store: Arrived,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.to.clear();
        self.data.clear();
        OK
    }

    fn rcpt(&mut self, to: &str) -> Response {
        self.to.push(to.trim_matches(['<', '>']).to_owned());
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let id = message_id(&self.data).unwrap_or_default();
        self.data.clear();
        self.store
            .lock()
            .expect("sink lock")
            .push((id, std::mem::take(&mut self.to)));
        Response::custom(250, "2.0.0 Ok: queued".to_owned())
    }
}

/// The Message-ID header's value without its brackets, from the headers.
fn message_id(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("message-id")
        {
            return Some(value.trim().trim_matches(['<', '>']).to_owned());
        }
    }
    None
}
