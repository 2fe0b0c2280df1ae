//! Accepting connections so that no client can exhaust the server.
//!
//! `axum::serve` sets no header timeout and no connection limit: a client
//! that opens connections and sends nothing, or half a request, holds them
//! (and a file descriptor each) for ever, until the process reaches its
//! open-file limit and answers nobody. This loop serves HTTP/1 with hyper
//! directly and bounds every connection:
//!
//! - **a header deadline**, which is also the **idle timeout**: each
//!   request's headers must arrive within [`Limits::header_timeout`] of the
//!   connection being ready for them (hyper starts the clock when it waits
//!   for a request, the first or the next on a kept-alive connection);
//! - **a connection limit**, in all and per client address: a connection
//!   past either is closed at once, so its descriptor is free again, and one
//!   address cannot take the places every other client needs. Past the
//!   limit in all, an address with no connection open is still let in, up
//!   to a reserve of an eighth more: clients spread over many addresses
//!   that fill the server (until the header timeout clears them) do not
//!   shut out a newcomer, such as the load balancer asking `/healthz`;
//! - request **body** timeouts are layers of the router (see `crate::router`).
//!
//! Shutdown stops accepting, lets requests in flight finish, and closes idle
//! connections.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// How much of the server one client may hold, and for how long.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time allowed for a request's headers to arrive, counted from when the
    /// connection is ready for a request: a kept-alive connection that sends
    /// nothing for this long is closed too.
    pub header_timeout: Duration,
    /// Longest pause allowed while a request's body arrives.
    pub body_idle_timeout: Duration,
    /// Longest time a whole request body may take (the largest upload
    /// included), however steadily it trickles.
    pub body_deadline: Duration,
    /// Connections open at once, from everyone; past it a new one is closed
    /// at once, unless its address has none open (see the reserve). Keep it
    /// and its reserve (an eighth more) well under the open-file limit.
    pub max_connections: usize,
    /// Connections open at once from one client address. Behind a reverse
    /// proxy every client has the proxy's address: raise it to
    /// `max_connections` there, and let the proxy limit each client.
    pub max_connections_per_address: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed. For a request
    /// from one of them the client is the rightmost address in that header
    /// that is not itself a trusted proxy (the one the proxy appended; what
    /// a client wrote there itself is to its left). Sign-in attempts are
    /// counted per client, so behind a proxy one client cannot lock
    /// everyone out. Empty: the connection's address is the client.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_idle_timeout: Duration::from_secs(15),
            body_deadline: Duration::from_secs(120),
            max_connections: 1024,
            max_connections_per_address: 64,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The open connections, counted in all and per client address.
#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A place taken by one connection, given back when it is dropped.
struct Place {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Place {
    /// A place for a connection from `address`, or `None` when the server
    /// or that address is at its limit.
    fn take(open: &Arc<Mutex<Open>>, address: IpAddr, limits: &Limits) -> Option<Place> {
        let mut counts = open.lock().expect("connection counts");
        let mine = counts.by_address.get(&address).copied().unwrap_or(0);
        let reserve = limits.max_connections / 8 + 1;
        let full = counts.total >= limits.max_connections
            && (mine > 0 || counts.total >= limits.max_connections + reserve);
        if full || mine >= limits.max_connections_per_address {
            return None;
        }
        counts.total += 1;
        counts.by_address.insert(address, mine + 1);
        Some(Place {
            open: open.clone(),
            address,
        })
    }
}

/// The client a request comes from: the connection's address, or for a
/// request from a trusted proxy the rightmost address of `X-Forwarded-For`
/// that is not a trusted proxy (see [`Limits::trusted_proxies`]). An entry
/// that is not an address stops the walk: the proxy's address is kept.
fn client_address(
    remote: SocketAddr,
    headers: &hyper::HeaderMap,
    trusted: &[IpAddr],
) -> SocketAddr {
    if !trusted.contains(&remote.ip()) {
        return remote;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    for entry in entries.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return SocketAddr::new(ip, 0),
            Err(_) => return remote,
        }
    }
    remote
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.open.lock().expect("connection counts");
        counts.total -= 1;
        if let Some(n) = counts.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                counts.by_address.remove(&self.address);
            }
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes,
/// then waits for the requests in flight.
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Mutex::new(Open::default()));
    let trusted: Arc<[IpAddr]> = limits.trusted_proxies.clone().into();
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let mut refused: u64 = 0;
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or memory, or a connection reset
                    // before it was accepted: wait a little, then go on.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(place) = Place::take(&open, remote.ip(), &limits) else {
            refused += 1;
            // Once per thousand, so that a flood does not flood the log too.
            if refused % 1000 == 1 {
                tracing::warn!(
                    "connection limit reached ({} in all, {} per address): closing new connections ({refused} so far)",
                    limits.max_connections,
                    limits.max_connections_per_address
                );
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let trusted = trusted.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let client = client_address(remote, request.headers(), &trusted);
            request
                .extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(client));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection from {remote} ended: {e}");
            }
            drop(place);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_read_from_x_forwarded_for_only_behind_a_trusted_proxy() {
        let proxy: SocketAddr = "10.0.0.1:5000".parse().unwrap();
        let trusted: Vec<IpAddr> = vec!["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()];
        let client = |remote: SocketAddr, forwarded: &[&str]| {
            let mut headers = hyper::HeaderMap::new();
            for value in forwarded {
                headers.append("x-forwarded-for", value.parse().unwrap());
            }
            client_address(remote, &headers, &trusted).ip().to_string()
        };
        // What a client wrote itself is to the left of what the proxy added.
        assert_eq!(client(proxy, &["192.0.2.1, 203.0.113.7"]), "203.0.113.7");
        // Through two trusted proxies; the header given twice.
        assert_eq!(
            client(proxy, &["192.0.2.1", "203.0.113.7, 10.0.0.2"]),
            "203.0.113.7"
        );
        // No header, or not an address where the client should be: the proxy.
        assert_eq!(client(proxy, &[]), "10.0.0.1");
        assert_eq!(client(proxy, &["203.0.113.7, unknown"]), "10.0.0.1");
        // Not from a trusted proxy: the header is not believed.
        let direct: SocketAddr = "198.51.100.4:4000".parse().unwrap();
        assert_eq!(client(direct, &["203.0.113.7"]), "198.51.100.4");
    }

    #[test]
    fn places_are_limited_per_address_and_in_all_and_given_back() {
        let limits = Limits {
            max_connections: 3,
            max_connections_per_address: 2,
            ..Limits::default()
        };
        let open = Arc::new(Mutex::new(Open::default()));
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let c: IpAddr = "127.0.0.4".parse().unwrap();
        let d: IpAddr = "127.0.0.5".parse().unwrap();
        let a1 = Place::take(&open, a, &limits).unwrap();
        let _a2 = Place::take(&open, a, &limits).unwrap();
        assert!(Place::take(&open, a, &limits).is_none(), "a third from a");
        let _b1 = Place::take(&open, b, &limits).unwrap();
        assert!(
            Place::take(&open, b, &limits).is_none(),
            "the server is full"
        );
        // A newcomer still gets in, from the reserve (3 / 8 + 1 = 1 place).
        let c1 = Place::take(&open, c, &limits).unwrap();
        assert!(
            Place::take(&open, d, &limits).is_none(),
            "the reserve is used"
        );
        drop(a1);
        assert!(
            Place::take(&open, a, &limits).is_none(),
            "still past the limit"
        );
        drop(c1);
        assert!(
            Place::take(&open, d, &limits).is_some(),
            "a place came back"
        );
    }
}
