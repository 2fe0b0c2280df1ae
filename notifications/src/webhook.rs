//! Posting a signed webhook delivery (Standard Webhooks,
//! <https://www.standardwebhooks.com/>): the headers `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">`, keyed by the subscription's secret
//! (`whsec_` and base64).
//!
//! The receiving address is judged on the address actually connected to:
//! this client resolves names itself and hands the connection only the
//! addresses the caller's policy allows (no DNS rebinding between a check
//! and the connection), and an IP address written in the URL is judged
//! before anything is sent. Redirects are never followed, no proxy is used,
//! and a request that takes longer than its timeout fails. The client is
//! hyper-util's, TLS rustls with ring and the system's roots.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Says why an IP address may not receive webhooks (the range it is in),
/// or `None` when it may: the engine's rule, given by the caller.
pub type Policy = fn(IpAddr) -> Option<&'static str>;

/// How a post went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The receiver answered with this status.
    Answered(u16),
    /// No answer (refused connection, timeout, TLS failure): worth trying again.
    Failed(String),
    /// Not sent, for good: the address is not allowed, or the URL or the
    /// secret cannot be used.
    Refused(String),
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the webhook client: {0}")]
pub struct SetupError(String);

/// The secret cannot sign: not `whsec_` and base64.
#[derive(Debug, thiserror::Error)]
#[error("the subscription's secret is not whsec_ and base64")]
pub struct BadSecret;

/// The connector: our resolver under plain TCP, rustls (ring) over it.
type Connector =
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector<Resolver>>;

/// The resolver, as the connector takes it.
#[derive(Clone, Copy)]
struct Resolver {
    allow_private: bool,
    policy: Policy,
}

/// The addresses a name resolves to that the policy allows.
type Addrs = std::vec::IntoIter<SocketAddr>;

impl tower::Service<hyper_util::client::legacy::connect::dns::Name> for Resolver {
    type Response = Addrs;
    type Error = Box<dyn StdError + Send + Sync>;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Addrs, Self::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: hyper_util::client::legacy::connect::dns::Name) -> Self::Future {
        let host = name.as_str().to_owned();
        let Resolver {
            allow_private,
            policy,
        } = *self;
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if allow_private {
                return Ok(found.into_iter());
            }
            let allowed: Vec<SocketAddr> = found
                .iter()
                .filter(|a| policy(a.ip()).is_none())
                .copied()
                .collect();
            if allowed.is_empty()
                && let Some(first) = found.first()
            {
                let error: Self::Error = Box::new(Forbidden {
                    host,
                    address: first.ip(),
                    range: policy(first.ip()).unwrap_or("private"),
                });
                return Err(error);
            }
            Ok(allowed.into_iter())
        })
    }
}

/// An HTTP client posting signed deliveries.
#[derive(Clone)]
pub struct Sender {
    client: hyper_util::client::legacy::Client<Connector, http_body_util::Full<hyper::body::Bytes>>,
    timeout: Duration,
    allow_private: bool,
    policy: Policy,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("timeout", &self.timeout)
            .field("allow_private", &self.allow_private)
            .finish_non_exhaustive()
    }
}

/// A name resolved only to addresses the policy refuses.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to {address}, a {range} address; webhooks go only to public addresses")]
struct Forbidden {
    host: String,
    address: IpAddr,
    range: &'static str,
}

impl Sender {
    /// A client whose requests give up after `timeout` (connecting within
    /// half of it), refusing addresses `policy` refuses unless
    /// `allow_private` (development and tests: then plain http is allowed
    /// too). TLS: rustls with ring and the system's root certificates.
    pub fn new(
        allow_private: bool,
        policy: Policy,
        timeout: Duration,
    ) -> Result<Sender, SetupError> {
        let tls = crate::tls::client_config().map_err(|e| SetupError(e.to_string()))?;
        let mut tcp =
            hyper_util::client::legacy::connect::HttpConnector::new_with_resolver(Resolver {
                allow_private,
                policy,
            });
        tcp.enforce_http(false);
        tcp.set_connect_timeout(Some(timeout / 2));
        tcp.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(30))
                .build(connector);
        Ok(Sender {
            client,
            timeout,
            allow_private,
            policy,
        })
    }

    /// Posts `body` to `url` signed with `secret` as message `id`, stamped
    /// with the current time (receivers refuse stale timestamps, so a
    /// retry is signed afresh). Redirects are not followed: a 3xx is an
    /// answer like any other that is not 2xx.
    pub async fn post(&self, url: &str, id: &str, secret: &str, body: &str) -> Posted {
        let Ok(parsed) = url::Url::parse(url) else {
            return Posted::Refused("the subscription's URL cannot be read".into());
        };
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            scheme => {
                return Posted::Refused(format!(
                    "the subscription's URL uses {scheme}; webhooks are posted over https only"
                ));
            }
        }
        if !self.allow_private {
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
                Some(url::Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
                _ => None,
            };
            if let Some(address) = literal
                && let Some(range) = (self.policy)(address)
            {
                return Posted::Refused(format!(
                    "{address} is a {range} address; webhooks go only to public addresses"
                ));
            }
        }
        let timestamp = jiff::Timestamp::now().as_second();
        let signature = match sign(secret, id, timestamp, body) {
            Ok(signature) => signature,
            Err(e) => return Posted::Refused(e.to_string()),
        };
        // The fragment is never sent; the rest as the URL says.
        let mut target = parsed.clone();
        target.set_fragment(None);
        let request = hyper::Request::post(target.as_str())
            .header("content-type", "application/json")
            .header(
                "user-agent",
                concat!("gradflow-webhooks/", env!("CARGO_PKG_VERSION")),
            )
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(http_body_util::Full::new(hyper::body::Bytes::from(
                body.to_owned(),
            )));
        let request = match request {
            Ok(request) => request,
            Err(e) => return Posted::Refused(format!("the request cannot be made: {e}")),
        };
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Err(_) => Posted::Failed(format!(
                "the receiver did not answer within {} s",
                self.timeout.as_secs()
            )),
            Ok(Ok(response)) => Posted::Answered(response.status().as_u16()),
            Ok(Err(e)) => {
                if let Some(forbidden) = cause::<Forbidden>(&e) {
                    return Posted::Refused(forbidden.to_string());
                }
                Posted::Failed(describe(&e))
            }
        }
    }
}

/// The first cause of `error` of type `T`.
fn cause<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// A failure in words, without the URL (which may carry a token in its
/// path or query): whether it could connect, then its innermost cause.
fn describe(error: &hyper_util::client::legacy::Error) -> String {
    let kind = if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let mut inner: &(dyn StdError + 'static) = error;
    while let Some(source) = inner.source() {
        inner = source;
    }
    let outer: &(dyn StdError + 'static) = error;
    if std::ptr::addr_eq(inner, outer) {
        format!("the request {kind}")
    } else {
        format!("the request {kind}: {inner}")
    }
}

/// The `webhook-signature` value for message `id` at `timestamp` (Unix
/// seconds) with `body`, keyed by `secret` (`whsec_` and base64; the
/// prefix is optional): `v1,` and the base64 of its HMAC-SHA256.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, BadSecret> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = b64
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| BadSecret)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| BadSecret)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Ok(format!("v1,{}", b64.encode(mac.finalize().into_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference
    /// libraries (their shared test vector).
    #[test]
    fn signs_as_the_specification_does() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_secret_that_is_not_base64_cannot_sign() {
        assert!(sign("whsec_***", "msg_1", 1, "{}").is_err());
    }
}
