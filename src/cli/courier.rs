//! Delivering the outbox: claim the messages that are due, render each with
//! the templates published with its workflow version, hand it to the
//! configured transport, and record how it went — sent, failed (to retry
//! with backoff and jitter) or dead (refused for good, or out of attempts).
//! The engine knows nothing of SMTP and the mail crate nothing of workflows:
//! this is where the two meet.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use gradflow_engine::service::mail::OutgoingMail;
use gradflow_engine::service::{Delivery, Engine};
use gradflow_notifications::transport::{self, Transport};
use gradflow_notifications::{Address, Layout, Mailer, MessageId, Outgoing, RetryPolicy, Templates};
use jiff::Timestamp;
use serde::Serialize;

/// Where and as whom messages go out.
pub struct Courier {
    mailer: Mailer,
    from: Address,
    /// The right-hand side of every Message-ID: the From address's domain.
    domain: String,
    policy: RetryPolicy,
    /// Compiled templates by definition version.
    compiled: HashMap<i64, Arc<Templates>>,
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// Messages the server (or folder, or log) took.
    pub sent: usize,
    /// Messages that failed and will be tried again.
    pub retrying: usize,
    /// Messages given up on.
    pub dead: usize,
}

impl Courier {
    /// A courier sending through the transport `url` (`smtp://`, `smtps://`,
    /// `file://FOLDER`, `log:`) from `from` (`Name <address>` or an address).
    pub fn open(url: &str, from: &str) -> anyhow::Result<Courier> {
        let config: transport::Config = url.parse()?;
        let mailer = Mailer::open(&config)?;
        let from = parse_from(from)?;
        let domain = from
            .email
            .rsplit_once('@')
            .map(|(_, d)| d.to_owned())
            .context("the From address needs a domain, e.g. noreply@institute.example")?;
        Ok(Courier {
            mailer,
            from,
            domain,
            policy: RetryPolicy::default(),
            compiled: HashMap::new(),
        })
    }

    /// Delivers up to `limit` messages due at `now`.
    pub async fn deliver_due(
        &mut self,
        engine: &Engine,
        now: Timestamp,
        limit: usize,
    ) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        for mail in engine.claim_mail(now, limit).await? {
            let delivery = self.deliver(&mail, now).await;
            match &delivery {
                Delivery::Sent => report.sent += 1,
                Delivery::Retry { .. } => report.retrying += 1,
                Delivery::Dead { .. } => report.dead += 1,
            }
            engine.finish_mail(mail.message.id, &delivery, now).await?;
        }
        Ok(report)
    }

    /// Renders and sends one message; says how it ended.
    async fn deliver(&mut self, mail: &OutgoingMail, now: Timestamp) -> Delivery {
        let attempts = u32::try_from(mail.message.attempts).unwrap_or(u32::MAX);
        let retry_or_dead = |error: String, policy: &RetryPolicy| {
            match policy.next_attempt(attempts, now, &mut rand::rng()) {
                Some(at) => Delivery::Retry { at, error },
                None => Delivery::Dead {
                    error: format!("{error} (gave up after {attempts} attempts)"),
                },
            }
        };
        let templates = match self.templates(mail) {
            Ok(t) => t,
            // Published templates that do not compile never will.
            Err(error) => return Delivery::Dead { error },
        };
        let rendered = match templates.render(&mail.message.template, None, &mail.variables) {
            Ok(r) => r,
            Err(e) => return Delivery::Dead { error: e.to_string() },
        };
        let message_id = match MessageId::new(&mail.message.message_id, &self.domain) {
            Ok(id) => id,
            Err(e) => return Delivery::Dead { error: e.to_string() },
        };
        let outgoing = Outgoing {
            message_id,
            from: self.from.clone(),
            to: Address::new(mail.message.email.clone(), mail.name.clone()),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        };
        match self.mailer.send(&outgoing).await {
            Ok(_) => Delivery::Sent,
            Err(e) if e.is_permanent() => Delivery::Dead { error: e.to_string() },
            Err(e) => retry_or_dead(e.to_string(), &self.policy),
        }
    }

    /// The compiled templates of a message's workflow version.
    fn templates(&mut self, mail: &OutgoingMail) -> Result<Arc<Templates>, String> {
        if let Some(t) = self.compiled.get(&mail.definition) {
            return Ok(t.clone());
        }
        let dir = std::path::PathBuf::from(format!("published-definition-{}", mail.definition));
        let compiled = Templates::from_texts(&dir, mail.templates.iter(), &Layout::built_in())
            .map_err(|problems| {
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })?;
        let compiled = Arc::new(compiled);
        self.compiled.insert(mail.definition, compiled.clone());
        Ok(compiled)
    }
}

/// `Name <address>` or a bare address.
fn parse_from(text: &str) -> anyhow::Result<Address> {
    let text = text.trim();
    let address = match text.rsplit_once('<') {
        Some((name, rest)) => {
            let email = rest
                .strip_suffix('>')
                .with_context(|| format!("'{text}' is not a From address: a '<' is not closed"))?;
            Address::new(email.trim(), name.trim().trim_matches('"'))
        }
        None => Address::bare(text),
    };
    gradflow_engine::service::input::email(&address.email)
        .with_context(|| format!("'{text}' is not a From address"))?;
    Ok(address)
}
