//! Signed webhooks seen from the service: who may subscribe a URL to a
//! cohort's events (a coordinator of the cohort, or the operator for one
//! cohort or all), which URLs are accepted, the delivery log and resend,
//! and the delivery round: claim due deliveries, hand each to a sender the
//! caller gives (the engine knows nothing of HTTP), record how it ended
//! with a backoff and a terminal `dead`. docs/webhooks.md has the rules.

use std::future::Future;
use std::net::IpAddr;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Engine, Error, Viewer};
use crate::reason::{Arg, Reason};
use crate::store::webhooks::NewHook;
use crate::store::{HookDelivery, HookRecord, Webhook};

/// The event types a subscription may ask for.
pub const EVENTS: &[&str] = &[
    "project.started",
    "project.stage_entered",
    "project.overdue",
    "project.scored",
    "certificate.issued",
    "certificate.revoked",
];

/// The longest URL accepted.
pub const MAX_URL: usize = 2048;

/// Most live subscriptions of one cohort (and of every cohort together).
pub const MAX_PER_COHORT: i64 = 20;

/// How long a claimed delivery is held before another worker may take it
/// over: well over a request's longest time (connect and answer).
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// Deliveries shown at most in one page of the log.
pub const LOG_PAGE: usize = 100;

/// A new subscription with its secret, which is shown this once.
#[derive(Clone, Serialize)]
pub struct NewWebhook {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 of 32 random bytes: what the receiver
    /// verifies signatures with.
    pub secret: String,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("webhook", &self.webhook.id)
            .finish_non_exhaustive()
    }
}

/// What one subscription asks: where, and which events.
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    /// The receiving URL.
    pub url: &'a str,
    /// Event types, each one of [`EVENTS`].
    pub events: &'a [String],
    /// The operator allows private and loopback addresses, and plain http
    /// (development and tests only).
    pub allow_private: bool,
}

/// Why an address may not receive webhooks, by the range it is in; `None`
/// for a public unicast address. IPv4 inside IPv6 (mapped, compatible,
/// NAT64, 6to4) is judged as the IPv4 address it carries.
pub fn forbidden_address(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_unspecified() || a == 0 {
                Some("unspecified")
            } else if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if a == 100 && (64..128).contains(&b) {
                Some("carrier-grade NAT")
            } else if v4.is_multicast() {
                Some("multicast")
            } else if v4.is_broadcast()
                || a >= 240
                // IETF protocol assignments (192.0.0.0/24), benchmarking (198.18.0.0/15).
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (b == 18 || b == 19))
            {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_address(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if v6.is_unique_local() {
                Some("unique-local")
            } else if v6.is_unicast_link_local() || (segments[0] & 0xffc0) == 0xfec0 {
                Some("link-local")
            } else if segments[..6] == [0, 0, 0, 0, 0, 0]
                || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            {
                // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
                let [.., hi, lo] = segments;
                forbidden_address(IpAddr::V4(std::net::Ipv4Addr::from(
                    (u32::from(hi) << 16) | u32::from(lo),
                )))
            } else if segments[0] == 0x2002 {
                // 6to4 carries an IPv4 address in its next 32 bits.
                forbidden_address(IpAddr::V4(std::net::Ipv4Addr::from(
                    (u32::from(segments[1]) << 16) | u32::from(segments[2]),
                )))
            } else {
                None
            }
        }
    }
}

/// Checks a subscription's URL: an absolute `https` URL with a host and no
/// credentials, at most [`MAX_URL`] long, whose host, when it is an IP
/// address (or `localhost`), is public; `http` and private addresses only
/// with `allow_private`. A name is checked again on every delivery, on the
/// address it resolves to (the one connected to).
pub fn check_url(url: &str, allow_private: bool) -> Result<url::Url, Error> {
    let url = url.trim();
    if url.len() > MAX_URL {
        return Err(Error::Invalid(Reason::new(
            "webhook-url-too-long",
            vec![("limit", Arg::int(MAX_URL as i64))],
        )));
    }
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| u.has_host() && u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| Error::Invalid(Reason::new("webhook-url-invalid", vec![])))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        scheme => {
            return Err(Error::Invalid(Reason::new(
                "webhook-url-https",
                vec![("scheme", Arg::Text(scheme.to_owned()))],
            )));
        }
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Invalid(Reason::new(
            "webhook-url-credentials",
            vec![],
        )));
    }
    if !allow_private {
        let range = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => forbidden_address(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => forbidden_address(IpAddr::V6(v6)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                (name == "localhost" || name.ends_with(".localhost")).then_some("loopback")
            }
            None => None,
        };
        if let Some(range) = range {
            return Err(Error::Invalid(Reason::new(
                "webhook-url-private",
                vec![
                    (
                        "host",
                        Arg::Text(parsed.host_str().unwrap_or_default().to_owned()),
                    ),
                    ("range", Arg::Text(range.to_owned())),
                ],
            )));
        }
    }
    Ok(parsed)
}

/// Checks the event types asked for: at least one, each known; returns
/// them without repeats, in [`EVENTS`]' order.
fn check_events(events: &[String]) -> Result<Vec<String>, Error> {
    let known = || Arg::List(EVENTS.iter().map(|e| Arg::Text((*e).to_owned())).collect());
    if events.iter().all(|e| e.trim().is_empty()) {
        return Err(Error::Invalid(Reason::new(
            "webhook-events-none",
            vec![("known", known())],
        )));
    }
    for event in events {
        let event = event.trim();
        if !event.is_empty() && !EVENTS.contains(&event) {
            return Err(Error::Invalid(Reason::new(
                "webhook-event-unknown",
                vec![
                    ("event", Arg::Text(event.chars().take(100).collect())),
                    ("known", known()),
                ],
            )));
        }
    }
    Ok(EVENTS
        .iter()
        .filter(|known| events.iter().any(|e| e.trim() == **known))
        .map(|e| (*e).to_owned())
        .collect())
}

/// A new secret: `whsec_` and the base64 of 32 random bytes (the Standard
/// Webhooks form).
fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// How failed deliveries are tried again: a delay drawn between half and
/// all of `min(cap, base * 2^(n-1))` after the n-th failed attempt, and
/// dead after `max_attempts` (counted since the last resend).
#[derive(Debug, Clone, Copy)]
pub struct HookRetry {
    /// The bound after the first failure.
    pub base: SignedDuration,
    /// The largest bound.
    pub cap: SignedDuration,
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
}

impl Default for HookRetry {
    /// 30 s doubling up to 1 h, dead after 12 attempts (some four hours of tries).
    fn default() -> Self {
        HookRetry {
            base: SignedDuration::from_secs(30),
            cap: SignedDuration::from_secs(3600),
            max_attempts: 12,
        }
    }
}

impl HookRetry {
    /// When to try again after attempt `attempt` (from 1) failed, or `None`: dead.
    pub fn next_attempt(&self, attempt: u32, now: Timestamp) -> Option<Timestamp> {
        if attempt >= self.max_attempts {
            return None;
        }
        let doubled = self
            .base
            .as_millis()
            .saturating_mul(1_i128 << attempt.saturating_sub(1).min(40));
        let bound = doubled.min(self.cap.as_millis()).max(2);
        let bound = i64::try_from(bound).unwrap_or(i64::MAX);
        let millis = rand::random_range(bound / 2..=bound);
        now.checked_add(SignedDuration::from_millis(millis)).ok()
    }
}

/// A delivery to post, as the sender the caller gives sees it.
#[derive(Clone)]
pub struct HookRequest {
    /// The delivery's row id.
    pub delivery: i64,
    /// The `webhook-id` header: `msg_` and the row id, the same on every attempt.
    pub message_id: String,
    /// Where to post it.
    pub url: String,
    /// The subscription's secret (`whsec_...`); never logged.
    pub secret: String,
    /// The JSON body, exactly as stored.
    pub body: String,
}

impl std::fmt::Debug for HookRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookRequest")
            .field("delivery", &self.delivery)
            .field("url", &crate::redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

/// How posting a delivery went, as the sender saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookAttempt {
    /// The receiver answered with this status.
    Answered(u16),
    /// No answer: refused connection, timeout, TLS failure (tried again).
    Failed(String),
    /// Not posted, for good: the address is not allowed (private,
    /// loopback, ...) or the URL cannot be used.
    Refused(String),
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HookReport {
    /// Deliveries claimed.
    pub claimed: usize,
    /// Delivered (a 2xx answer).
    pub sent: usize,
    /// Failed, to be tried again.
    pub retrying: usize,
    /// Given up on (attempts used up, refused address, 410 Gone).
    pub dead: usize,
    /// Subscriptions disabled by a 410 Gone.
    pub disabled: usize,
    /// Not recorded: the lease ran out and another worker took them over.
    pub lost: usize,
}

impl HookReport {
    /// Adds another round's counts.
    pub fn add(&mut self, other: HookReport) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.dead += other.dead;
        self.disabled += other.disabled;
        self.lost += other.lost;
    }
}

/// The record of an attempt of `delivery` that ended as `attempt`, at `now`.
fn record(
    delivery: &HookDelivery,
    attempt: HookAttempt,
    retry: &HookRetry,
    now: Timestamp,
) -> HookRecord {
    let number = u32::try_from(delivery.attempts - delivery.retry_base + 1).unwrap_or(u32::MAX);
    let retry_or_dead = |status: Option<i64>, error: String| match retry.next_attempt(number, now) {
        Some(at) => HookRecord {
            state: "failed",
            next_attempt_at: Some(at),
            status,
            error: Some(error),
            disable: None,
        },
        None => HookRecord {
            state: "dead",
            next_attempt_at: None,
            status,
            error: Some(format!("{error} (gave up after {number} attempts)")),
            disable: None,
        },
    };
    match attempt {
        HookAttempt::Answered(status) if (200..300).contains(&status) => HookRecord {
            state: "sent",
            next_attempt_at: None,
            status: Some(i64::from(status)),
            error: None,
            disable: None,
        },
        HookAttempt::Answered(410) => {
            let why = format!(
                "the receiver answered 410 Gone to delivery {}: the subscription is disabled",
                delivery.id
            );
            HookRecord {
                state: "dead",
                next_attempt_at: None,
                status: Some(410),
                error: Some(why.clone()),
                disable: Some(why),
            }
        }
        HookAttempt::Answered(status) => retry_or_dead(
            Some(i64::from(status)),
            format!("the receiver answered {status}"),
        ),
        HookAttempt::Failed(error) => retry_or_dead(None, error),
        HookAttempt::Refused(error) => HookRecord {
            state: "dead",
            next_attempt_at: None,
            status: None,
            error: Some(error),
            disable: None,
        },
    }
}

impl Engine {
    /// The operator subscribes `subscription` to cohort `cohort`'s events
    /// (`None`: every cohort's). The secret is in the answer, only there.
    pub async fn subscribe(
        &self,
        cohort: Option<i64>,
        subscription: Subscription<'_>,
        now: Timestamp,
    ) -> Result<NewWebhook, Error> {
        if let Some(cohort) = cohort {
            self.store.cohort_by_id(cohort).await?;
        }
        self.add_webhook(cohort, subscription, None, now).await
    }

    /// A coordinator of cohort `cohort` subscribes `subscription` to its
    /// events; anyone else is told there is no such cohort.
    pub async fn subscribe_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        subscription: Subscription<'_>,
        now: Timestamp,
    ) -> Result<NewWebhook, Error> {
        self.coordinated(viewer, cohort).await?;
        self.add_webhook(Some(cohort), subscription, Some(viewer.person.id), now)
            .await
    }

    async fn add_webhook(
        &self,
        cohort: Option<i64>,
        subscription: Subscription<'_>,
        by: Option<i64>,
        now: Timestamp,
    ) -> Result<NewWebhook, Error> {
        let url = check_url(subscription.url, subscription.allow_private)?;
        let events = check_events(subscription.events)?;
        let secret = new_secret();
        let webhook = self
            .store
            .add_webhook(
                &NewHook {
                    cohort,
                    url: url.as_str(),
                    events: &events,
                    secret: &secret,
                    created_by: by,
                    limit: MAX_PER_COHORT,
                },
                now,
            )
            .await?;
        Ok(NewWebhook { webhook, secret })
    }

    /// Every subscription (the operator's view), or those of `cohort`.
    pub async fn webhooks(&self, cohort: Option<i64>) -> Result<Vec<Webhook>, Error> {
        Ok(self.store.webhooks(cohort.map(Some)).await?)
    }

    /// The subscriptions of cohort `cohort`, for a coordinator of it.
    pub async fn webhooks_as(&self, viewer: &Viewer, cohort: i64) -> Result<Vec<Webhook>, Error> {
        self.coordinated(viewer, cohort).await?;
        Ok(self.store.webhooks(Some(Some(cohort))).await?)
    }

    /// Subscription `id`, when `viewer` coordinates its cohort (one for
    /// every cohort is the operator's); not found otherwise.
    pub async fn webhook_as(&self, viewer: &Viewer, id: i64) -> Result<Webhook, Error> {
        let unknown = || {
            Error::NotFound(Reason::new(
                "unknown-webhook",
                vec![("webhook", Arg::int(id))],
            ))
        };
        let webhook = self.store.webhook(id).await?;
        let cohort = webhook.cohort.ok_or_else(unknown)?;
        self.coordinated(viewer, cohort)
            .await
            .map_err(|_| unknown())?;
        Ok(webhook)
    }

    /// Subscription `id` (the operator's view).
    pub async fn webhook(&self, id: i64) -> Result<Webhook, Error> {
        Ok(self.store.webhook(id).await?)
    }

    /// Removes subscription `id` with its delivery log (the operator).
    pub async fn remove_webhook(&self, id: i64) -> Result<(), Error> {
        if self.store.remove_webhook(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(Reason::new(
                "unknown-webhook",
                vec![("webhook", Arg::int(id))],
            )))
        }
    }

    /// Removes subscription `id`, for a coordinator of its cohort.
    pub async fn remove_webhook_as(&self, viewer: &Viewer, id: i64) -> Result<(), Error> {
        self.webhook_as(viewer, id).await?;
        self.remove_webhook(id).await
    }

    /// The delivery log of subscription `id`, newest first: up to `limit`
    /// (at most [`LOG_PAGE`] and one more, so a caller can tell whether
    /// another page follows) older than delivery `before` when given.
    pub async fn webhook_deliveries(
        &self,
        id: i64,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<HookDelivery>, Error> {
        self.store.webhook(id).await?;
        let limit = limit.clamp(1, LOG_PAGE + 1) as i64;
        Ok(self.store.hook_deliveries(id, before, limit).await?)
    }

    /// The delivery log of subscription `id`, for a coordinator of its cohort.
    pub async fn webhook_deliveries_as(
        &self,
        viewer: &Viewer,
        id: i64,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<HookDelivery>, Error> {
        self.webhook_as(viewer, id).await?;
        self.webhook_deliveries(id, before, limit).await
    }

    /// Delivery `id` (the operator's view).
    pub async fn webhook_delivery(&self, id: i64) -> Result<HookDelivery, Error> {
        Ok(self.store.hook_delivery(id).await?)
    }

    /// Delivery `id`, for a coordinator of its subscription's cohort.
    pub async fn webhook_delivery_as(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> Result<HookDelivery, Error> {
        let delivery = self.store.hook_delivery(id).await?;
        self.webhook_as(viewer, delivery.webhook)
            .await
            .map_err(|_| {
                Error::NotFound(Reason::new(
                    "unknown-webhook-delivery",
                    vec![("delivery", Arg::int(id))],
                ))
            })?;
        Ok(delivery)
    }

    /// Puts delivery `id` back in the queue to be posted now: the same
    /// delivery (same `webhook-id` and body), its attempts still counted.
    /// Refused while it is waiting or being posted, or when its
    /// subscription is disabled.
    pub async fn resend_webhook(&self, id: i64, now: Timestamp) -> Result<HookDelivery, Error> {
        let delivery = self.store.hook_delivery(id).await?;
        if self.store.resend_hook(id, now).await? {
            return Ok(self.store.hook_delivery(id).await?);
        }
        let webhook = self.store.webhook(delivery.webhook).await?;
        if webhook.disabled_at.is_some() {
            return Err(Error::Conflict(Reason::new(
                "webhook-disabled",
                vec![("webhook", Arg::int(webhook.id))],
            )));
        }
        let now_state = self.store.hook_delivery(id).await?.state;
        Err(Error::Conflict(Reason::new(
            "webhook-delivery-not-resendable",
            vec![("delivery", Arg::int(id)), ("state", Arg::Text(now_state))],
        )))
    }

    /// Resends delivery `id`, for a coordinator of its subscription's cohort.
    pub async fn resend_webhook_as(
        &self,
        viewer: &Viewer,
        id: i64,
        now: Timestamp,
    ) -> Result<HookDelivery, Error> {
        self.webhook_delivery_as(viewer, id).await?;
        self.resend_webhook(id, now).await
    }

    /// One delivery round: claims up to `limit` deliveries due by `now`
    /// (and those whose lease ran out by `clock`) for [`LEASE`] from
    /// `clock`, posts them all at once through `send`, and records each
    /// as it ends: a 2xx is delivered; a 410 Gone disables the
    /// subscription; another answer or none is tried again after
    /// `retry`'s backoff, dead once its attempts are used up; a refused
    /// address is dead at once. A worker killed meanwhile leaves claims
    /// whose lease runs out: they are posted again, with the same
    /// `webhook-id` (at least once).
    pub async fn deliver_webhooks<F, Fut>(
        &self,
        send: F,
        now: Timestamp,
        clock: Timestamp,
        limit: usize,
        retry: &HookRetry,
    ) -> Result<HookReport, Error>
    where
        F: Fn(HookRequest) -> Fut,
        Fut: Future<Output = HookAttempt> + Send + 'static,
    {
        let token = format!("{:032x}", rand::random::<u128>());
        let lease_until = clock.checked_add(LEASE).unwrap_or(clock);
        let claimed = self
            .store
            .claim_hooks(
                now,
                clock,
                i64::try_from(limit).unwrap_or(i64::MAX),
                (&token, lease_until),
            )
            .await?;
        let mut report = HookReport {
            claimed: claimed.len(),
            ..HookReport::default()
        };
        let mut posting = tokio::task::JoinSet::new();
        for hook in claimed {
            let request = HookRequest {
                delivery: hook.delivery.id,
                message_id: format!("msg_{}", hook.delivery.id),
                url: hook.url,
                secret: hook.secret,
                body: hook.delivery.payload.clone(),
            };
            let attempt = send(request);
            let delivery = hook.delivery;
            posting.spawn(async move { (delivery, attempt.await) });
        }
        // Each as it ends, with those ended meanwhile: one transaction for
        // every delivery that finished while the last was being recorded.
        while let Some(first) = posting.join_next().await {
            let mut ended = vec![first];
            while let Some(more) = posting.try_join_next() {
                ended.push(more);
            }
            let mut records = Vec::with_capacity(ended.len());
            for done in ended {
                let (delivery, attempt) = done.map_err(Error::internal)?;
                let record = record(&delivery, attempt, retry, now);
                records.push((delivery, record));
            }
            let rows: Vec<(i64, &HookRecord)> = records.iter().map(|(d, r)| (d.id, r)).collect();
            let recorded = self.store.finish_hooks(&rows, &token, now).await?;
            for ((delivery, record), recorded) in records.iter().zip(recorded) {
                if !recorded {
                    report.lost += 1;
                    continue;
                }
                match record.state {
                    "sent" => report.sent += 1,
                    "failed" => report.retrying += 1,
                    _ => report.dead += 1,
                }
                if record.disable.is_some() {
                    report.disabled += 1;
                }
                if record.state != "sent" {
                    tracing::warn!(
                        delivery = delivery.id,
                        webhook = delivery.webhook,
                        state = record.state,
                        error = record.error.as_deref().unwrap_or_default(),
                        "a webhook delivery failed"
                    );
                }
            }
        }
        Ok(report)
    }

    /// When the next webhook delivery is due, if any.
    pub async fn next_webhook_due(&self) -> Result<Option<Timestamp>, Error> {
        Ok(self.store.next_hook_due().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_ranges_are_refused_and_public_ones_pass() {
        for (ip, range) in [
            ("127.0.0.1", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("carrier-grade NAT")),
            ("224.0.0.1", Some("multicast")),
            ("0.0.0.0", Some("unspecified")),
            ("255.255.255.255", Some("reserved")),
            ("::", Some("unspecified")),
            ("::1", Some("loopback")),
            ("fd00::1", Some("unique-local")),
            ("fe80::1", Some("link-local")),
            ("ff02::1", Some("multicast")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.0.0.1", Some("private")),
            ("64:ff9b::a9fe:a9fe", Some("link-local")),
            ("2002:c0a8:0101::1", Some("private")),
            ("93.184.216.34", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(forbidden_address(ip), range, "{ip}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://hooks.example.com/x?y=1", false).is_ok());
        let code = |url: &str, allow: bool| check_url(url, allow).unwrap_err().reason().code;
        assert_eq!(
            code("http://hooks.example.com/", false),
            "webhook-url-https"
        );
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert_eq!(code("ftp://hooks.example.com/", true), "webhook-url-https");
        assert_eq!(code("https://127.0.0.1/", false), "webhook-url-private");
        assert_eq!(
            code("https://[::ffff:7f00:1]/", false),
            "webhook-url-private"
        );
        assert_eq!(code("https://LOCALHOST./", false), "webhook-url-private");
        assert_eq!(
            code("https://u:p@hooks.example.com/", false),
            "webhook-url-credentials"
        );
        assert_eq!(code("not a url", false), "webhook-url-invalid");
        assert_eq!(
            code(&format!("https://a.example/{}", "x".repeat(3000)), false),
            "webhook-url-too-long"
        );
    }

    #[test]
    fn events_are_checked() {
        let events =
            |list: &[&str]| check_events(&list.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            events(&["certificate.issued", "project.started", "project.started"]).unwrap(),
            vec!["project.started", "certificate.issued"]
        );
        assert_eq!(
            events(&[]).unwrap_err().reason().code,
            "webhook-events-none"
        );
        assert_eq!(
            events(&["project.deleted"]).unwrap_err().reason().code,
            "webhook-event-unknown"
        );
    }

    #[test]
    fn backoff_doubles_to_its_cap_then_gives_up() {
        let retry = HookRetry::default();
        let now = Timestamp::UNIX_EPOCH;
        let first = retry.next_attempt(1, now).unwrap().duration_since(now);
        assert!(first >= SignedDuration::from_secs(15) && first <= SignedDuration::from_secs(30));
        let late = retry.next_attempt(11, now).unwrap().duration_since(now);
        assert!(late <= SignedDuration::from_secs(3600) && late >= SignedDuration::from_secs(1800));
        assert_eq!(retry.next_attempt(12, now), None);
    }
}
