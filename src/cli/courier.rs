//! Delivering the outbox: claim the messages that are due, render each with
//! the templates published with its workflow version, hand it to the
//! configured transport, and record how it went — sent, failed (to retry
//! with backoff and jitter) or dead (refused for good, or out of attempts).
//! Each email is written in its recipient's language: the template's
//! variant for it (the default files when there is none), and a digest's
//! own words.
//! The engine knows nothing of SMTP and the mail crate nothing of workflows:
//! this is where the two meet.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use gradflow_engine::service::mail::{OutgoingMail, TemplateUse};
use gradflow_engine::service::{Delivery, Engine};
use gradflow_notifications::transport::{self, Transport};
use gradflow_notifications::{
    Address, Layout, Mailer, MessageId, Outgoing, RetryPolicy, Templates,
};
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
        let (mailer, from, domain) = postbox(url, from)?;
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
        for group in gather(engine.claim_mail(now, limit).await?) {
            let delivery = self.deliver(&group, now).await;
            let count = match &delivery {
                Delivery::Sent => &mut report.sent,
                Delivery::Retry { .. } => &mut report.retrying,
                Delivery::Dead { .. } => &mut report.dead,
            };
            *count += group.len();
            let ids: Vec<i64> = group.iter().map(|m| m.message.id).collect();
            engine.finish_mail_group(&ids, &delivery, now).await?;
        }
        Ok(report)
    }

    /// Renders and sends one email for `group` (one message, escalations
    /// gathered, or a person's digest); says how it ended for all of them.
    async fn deliver(&mut self, group: &[OutgoingMail], now: Timestamp) -> Delivery {
        let first = &group[0];
        let attempts = group
            .iter()
            .map(|m| u32::try_from(m.message.attempts).unwrap_or(u32::MAX))
            .max()
            .unwrap_or(1);
        let (subject, text, html) = match self.compose(group) {
            Ok(parts) => parts,
            // Published templates that do not render never will.
            Err(error) => return Delivery::Dead { error },
        };
        let message_id = match MessageId::new(&first.message.message_id, &self.domain) {
            Ok(id) => id,
            Err(e) => {
                return Delivery::Dead {
                    error: e.to_string(),
                };
            }
        };
        let outgoing = Outgoing {
            message_id,
            from: self.from.clone(),
            to: Address::new(first.message.email.clone(), first.name.clone()),
            subject,
            text,
            html,
        };
        match self.mailer.send(&outgoing).await {
            Ok(_) => Delivery::Sent,
            Err(e) if e.is_permanent() => Delivery::Dead {
                error: e.to_string(),
            },
            Err(e) => match self.policy.next_attempt(attempts, now, &mut rand::rng()) {
                Some(at) => Delivery::Retry {
                    at,
                    error: e.to_string(),
                },
                None => Delivery::Dead {
                    error: format!("{e} (gave up after {attempts} attempts)"),
                },
            },
        }
    }

    /// Subject, text and HTML of the email for `group`.
    fn compose(
        &mut self,
        group: &[OutgoingMail],
    ) -> Result<(String, String, Option<String>), String> {
        let first = &group[0];
        // One recipient per email, so one language.
        let language = first.message.language.as_deref();
        if !first.digest {
            // One message, or escalations gathered: one rendering that lists them all.
            let mut variables = first.variables.clone();
            if group.len() > 1 {
                let projects: Vec<serde_json::Value> = group
                    .iter()
                    .flat_map(|m| {
                        m.variables["projects"]
                            .as_array()
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect();
                variables["projects"] = serde_json::Value::Array(projects);
            }
            let rendered = self
                .templates(first)?
                .render(&first.message.template, language, &variables)
                .map_err(|e| e.to_string())?;
            return Ok((rendered.subject, rendered.text, rendered.html));
        }
        // A digest: each message rendered as it would be alone, one after the
        // other, all in the recipient's language.
        let words = DigestWords::of(language);
        let mut text = (words.opening)(&first.name, group.len());
        for mail in group {
            let rendered = self
                .templates(mail)?
                .render(&mail.message.template, language, &mail.variables)
                .map_err(|e| e.to_string())?;
            text.push_str(&format!(
                "\n== {}\n\n{}\n",
                rendered.subject,
                rendered.text.trim_end()
            ));
        }
        Ok(((words.subject)(group.len()), text, None))
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

/// A digest's own words (its subject and opening) in one language; the
/// messages in it come from the workflow's templates.
struct DigestWords {
    /// The subject, for this many messages.
    subject: fn(usize) -> String,
    /// The greeting and the first line, for a name and this many messages.
    opening: fn(&str, usize) -> String,
}

impl DigestWords {
    /// The words in `language` (`ar`), English for any other or none.
    fn of(language: Option<&str>) -> DigestWords {
        match language {
            // Worded so that the count never needs Arabic's number agreement.
            Some("ar") => DigestWords {
                subject: |n| match n {
                    1 => "تذكيرك من gradflow".to_owned(),
                    n => format!("تذكيراتك من gradflow (العدد: {n})"),
                },
                opening: |name, n| match n {
                    1 => format!("{name}، تحية طيبة،\n\nفيما يلي تذكيرك من gradflow.\n"),
                    n => format!(
                        "{name}، تحية طيبة،\n\nفيما يلي تذكيراتك من gradflow، وعددها {n}.\n"
                    ),
                },
            },
            _ => DigestWords {
                subject: |n| match n {
                    1 => "Your gradflow reminder".to_owned(),
                    n => format!("Your {n} gradflow reminders"),
                },
                opening: |name, n| {
                    format!("Dear {name},\n\nHere are your {n} reminders from gradflow.\n")
                },
            },
        }
    }
}

/// Groups claimed messages into emails: a recipient who takes a digest gets
/// all their reminders and escalations in one; escalations of one template
/// to one person in one cohort are gathered into one listing every project;
/// everything else goes alone.
fn gather(mails: Vec<OutgoingMail>) -> Vec<Vec<OutgoingMail>> {
    let mut groups: Vec<Vec<OutgoingMail>> = Vec::new();
    let mut index: HashMap<(i64, i64, String), usize> = HashMap::new();
    for mail in mails {
        let timed = matches!(mail.usage, TemplateUse::Reminder | TemplateUse::Overdue);
        let key = if mail.digest && timed {
            Some((mail.message.recipient, 0, String::new()))
        } else if mail.usage == TemplateUse::Overdue {
            Some((
                mail.message.recipient,
                mail.cohort,
                mail.message.template.clone(),
            ))
        } else {
            None
        };
        match key {
            Some(key) => match index.get(&key) {
                Some(&i) => groups[i].push(mail),
                None => {
                    index.insert(key, groups.len());
                    groups.push(vec![mail]);
                }
            },
            None => groups.push(vec![mail]),
        }
    }
    groups
}

/// `Name <address>` or a bare address.
/// The transport `url` opens, the From address `from` names, and that
/// address's domain (the right-hand side of every Message-ID).
pub fn postbox(url: &str, from: &str) -> anyhow::Result<(Mailer, Address, String)> {
    let config: transport::Config = url.parse()?;
    let mailer = Mailer::open(&config)?;
    let from = parse_from(from)?;
    let domain = from
        .email
        .rsplit_once('@')
        .map(|(_, d)| d.to_owned())
        .context("the From address needs a domain, e.g. noreply@institute.example")?;
    Ok((mailer, from, domain))
}

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
