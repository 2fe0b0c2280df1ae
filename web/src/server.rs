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
//! Shutdown stops accepting, lets requests in flight finish for at most
//! [`Limits::shutdown_grace`], and closes idle connections; a client still
//! holding a request after the grace does not keep the server alive.
//!
//! Behind reverse proxies ([`Limits::trusted_proxies`]) the client of a
//! request is read from the header the proxy writes ([`ForwardedHeader`]):
//! the right-most address that is not itself a trusted proxy.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
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
    /// Reverse proxies (addresses or ranges) whose forwarding header is
    /// believed. For a request from one of them the client is the
    /// right-most address in that header that is not itself a trusted
    /// proxy (the one the nearest untrusted hop was seen from; what a client
    /// wrote there itself is to its left). Sign-in attempts are counted per
    /// client, so behind a proxy one client cannot lock everyone out.
    /// Empty: the connection's address is the client.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Which header the trusted proxies write the client into; the other
    /// is never read (a proxy passes on what a client wrote in a header it
    /// does not set itself).
    pub forwarded_header: ForwardedHeader,
    /// After the stop signal, how long requests in flight may take to
    /// finish before the server exits anyway.
    pub shutdown_grace: Duration,
}

/// A trusted reverse proxy: one address (`10.0.0.5`, `2001:db8::5`) or a
/// range in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrustedProxy(ipnet::IpNet);

impl TrustedProxy {
    /// Whether `ip` is this proxy, or in its range (an IPv4 address mapped
    /// into IPv6, as a dual-stack socket reports it, counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for TrustedProxy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(TrustedProxy(ipnet::IpNet::from(ip.to_canonical())));
        }
        s.parse::<ipnet::IpNet>()
            .map(|net| TrustedProxy(net.trunc()))
            .map_err(|_| {
                format!(
                    "'{s}' is neither an IP address nor a range (give 10.0.0.5, 10.0.0.0/8 or 2001:db8::/32)"
                )
            })
    }
}

impl std::fmt::Display for TrustedProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The header a trusted proxy writes the client's address into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, ...` (nginx's
    /// `$proxy_add_x_forwarded_for`, Caddy, HAProxy's `forwardfor`).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"`.
    Forwarded,
}

impl FromStr for ForwardedHeader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(ForwardedHeader::XForwardedFor),
            "forwarded" => Ok(ForwardedHeader::Forwarded),
            other => Err(format!(
                "'{other}' is not a forwarding header: give x-forwarded-for or forwarded"
            )),
        }
    }
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
            forwarded_header: ForwardedHeader::XForwardedFor,
            shutdown_grace: Duration::from_secs(20),
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
/// request from a trusted proxy the right-most address of the forwarding
/// header that is not a trusted proxy (see [`Limits::trusted_proxies`]). An
/// entry that is not an address (`unknown`, an obfuscated `_hidden`, a
/// garbled value) stops the walk: the last trusted hop's address is kept.
fn client_address(
    remote: SocketAddr,
    headers: &hyper::HeaderMap,
    trusted: &[TrustedProxy],
    header: ForwardedHeader,
) -> SocketAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|t| t.contains(ip));
    if !is_trusted(remote.ip()) {
        return remote;
    }
    let values = headers
        .get_all(match header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        })
        .iter()
        .map(|value| value.to_str().ok());
    let mut entries: Vec<Option<IpAddr>> = Vec::new();
    for value in values {
        let Some(value) = value else {
            // Not text: nothing in it can be believed.
            entries.push(None);
            continue;
        };
        for element in value.split(',') {
            entries.push(match header {
                ForwardedHeader::XForwardedFor => forwarded_address(element),
                ForwardedHeader::Forwarded => forwarded_for(element),
            });
        }
    }
    let mut client = remote;
    for entry in entries.iter().rev() {
        match entry {
            Some(ip) if is_trusted(*ip) => client = SocketAddr::new(*ip, 0),
            Some(ip) => return SocketAddr::new(*ip, 0),
            None => return client,
        }
    }
    client
}

/// The `for=` node of one element of a `Forwarded` header (RFC 7239:
/// `for=192.0.2.60;proto=http;by=203.0.113.43`), as an address; `None`
/// when the element names none.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("for")
            .then(|| forwarded_address(value))?
    })
}

/// An address as a forwarding header writes it: `192.0.2.1`, `2001:db8::1`,
/// or RFC 7239's node forms, quoted or not: `"[2001:db8::1]:4711"`,
/// `192.0.2.1:4711`, `[2001:db8::1]`.
fn forwarded_address(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    let raw = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    if let Ok(ip) = raw.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = raw.strip_prefix('[') {
        let (ip, _port) = rest.split_once(']')?;
        return ip
            .parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|ip| IpAddr::V6(ip).to_canonical());
    }
    let (ip, port) = raw.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
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
    let trusted: Arc<[TrustedProxy]> = limits.trusted_proxies.clone().into();
    let header = limits.forwarded_header;
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
            let client = client_address(remote, request.headers(), &trusted, header);
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
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        let held = open.lock().expect("connection counts").total;
        tracing::warn!(
            "requests still unfinished after the shutdown grace of {} s: closing {held} connection(s)",
            limits.shutdown_grace.as_secs()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_with(
        header: ForwardedHeader,
        trusted: &[&str],
        remote: &str,
        values: &[&str],
    ) -> String {
        let trusted: Vec<TrustedProxy> = trusted.iter().map(|t| t.parse().unwrap()).collect();
        let mut headers = hyper::HeaderMap::new();
        let name = match header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        };
        for value in values {
            headers.append(name, value.parse().unwrap());
        }
        client_address(remote.parse().unwrap(), &headers, &trusted, header)
            .ip()
            .to_string()
    }

    #[test]
    fn the_client_is_read_from_x_forwarded_for_only_behind_a_trusted_proxy() {
        let trusted = ["10.0.0.1", "10.0.0.2"];
        let client = |remote: &str, forwarded: &[&str]| {
            client_with(ForwardedHeader::XForwardedFor, &trusted, remote, forwarded)
        };
        let proxy = "10.0.0.1:5000";
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
        // Behind the second proxy, garbage: the last trusted hop.
        assert_eq!(client(proxy, &["garbage, 10.0.0.2"]), "10.0.0.2");
        // Not from a trusted proxy: the header is not believed.
        assert_eq!(
            client("198.51.100.4:4000", &["203.0.113.7"]),
            "198.51.100.4"
        );
        // A dual-stack socket's IPv4-mapped peer is the IPv4 proxy.
        assert_eq!(
            client("[::ffff:10.0.0.1]:5000", &["203.0.113.7"]),
            "203.0.113.7"
        );
    }

    #[test]
    fn trusted_proxies_may_be_ranges() {
        let trusted = ["10.0.0.0/8", "2001:db8::/32"];
        let client = |remote: &str, forwarded: &[&str]| {
            client_with(ForwardedHeader::XForwardedFor, &trusted, remote, forwarded)
        };
        // A chain of proxies inside the range: the right-most outsider.
        assert_eq!(
            client("10.1.2.3:80", &["6.6.6.6, 203.0.113.7, 10.9.9.9, 10.0.0.4"]),
            "203.0.113.7"
        );
        assert_eq!(client("[2001:db8::7]:80", &["2001:db9::1"]), "2001:db9::1");
        assert_eq!(client("11.0.0.1:80", &["203.0.113.7"]), "11.0.0.1");
        assert!("10.0.0.0/33".parse::<TrustedProxy>().is_err());
        assert!("proxy.example".parse::<TrustedProxy>().is_err());
        // A range given with host bits is the range.
        assert_eq!(
            "10.1.2.3/8".parse::<TrustedProxy>().unwrap().to_string(),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn the_client_is_read_from_the_standard_forwarded_header() {
        let trusted = ["10.0.0.1", "10.0.0.2"];
        let client = |forwarded: &[&str]| {
            client_with(
                ForwardedHeader::Forwarded,
                &trusted,
                "10.0.0.1:443",
                forwarded,
            )
        };
        assert_eq!(
            client(&["for=192.0.2.60;proto=http;by=203.0.113.43"]),
            "192.0.2.60"
        );
        // IPv6 in brackets, quoted, with a port; names are case-insensitive.
        assert_eq!(
            client(&["for=6.6.6.6, For=\"[2001:db8:cafe::17]:4711\""]),
            "2001:db8:cafe::17"
        );
        assert_eq!(client(&["for=\"192.0.2.9:8080\";proto=https"]), "192.0.2.9");
        // A chain: the right-most element that is not a trusted proxy.
        assert_eq!(
            client(&["for=6.6.6.6", "for=198.51.100.17, for=10.0.0.2"]),
            "198.51.100.17"
        );
        // An obfuscated or unknown node stops the walk at the proxy.
        assert_eq!(client(&["for=198.51.100.17, for=_hidden"]), "10.0.0.1");
        assert_eq!(client(&["for=unknown"]), "10.0.0.1");
        assert_eq!(client(&["proto=https"]), "10.0.0.1");
        // Only the header named is read.
        let xff_only = client_with(ForwardedHeader::Forwarded, &trusted, "10.0.0.1:443", &[]);
        assert_eq!(xff_only, "10.0.0.1");
        let mut headers = hyper::HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.7".parse().unwrap());
        let trusted: Vec<TrustedProxy> = vec!["10.0.0.1".parse().unwrap()];
        assert_eq!(
            client_address(
                "10.0.0.1:443".parse().unwrap(),
                &headers,
                &trusted,
                ForwardedHeader::Forwarded
            )
            .ip()
            .to_string(),
            "10.0.0.1",
            "X-Forwarded-For is not read when the proxy writes Forwarded"
        );
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
