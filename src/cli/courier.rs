//! Delivering the outbox: claim the messages that are due, render each with
//! the templates published with its workflow version, hand it to the
//! configured transport, and record how it went — sent, failed (to retry
//! with backoff and jitter) or dead (refused for good, or out of attempts).
//! Each email is written in its recipient's language: the template's
//! variant for it (the default files when there is none), and a digest's
//! own words.
//! The engine knows nothing of SMTP and the mail crate nothing of workflows:
//! this is where the two meet.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use gradflow_engine::service::mail::OutgoingMail;
use gradflow_engine::service::{AccountMail, Delivery, Engine, Error, Kind, Message};
use gradflow_notifications::transport::{self, Transport};
use gradflow_notifications::{
    Address, Budget, Mailer, MessageId, Outgoing, RetryPolicy, Templates,
};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tokio::task::JoinSet;

/// Where and as whom messages go out.
pub struct Courier {
    mailer: Mailer,
    from: Address,
    /// The right-hand side of every Message-ID: the From address's domain.
    domain: String,
    policy: RetryPolicy,
    /// How long a claim holds its messages before another worker may take
    /// them over; renewed while sending.
    lease: SignedDuration,
    /// How long one email has taken lately (claim, render, send, record),
    /// once known: a claim holds no more than half a lease of them.
    per_email: Option<Duration>,
    /// Compiled templates by definition version.
    compiled: HashMap<i64, Arc<Templates>>,
    /// The site's public address (`--public-url`): a certificate's check
    /// address in mail is built on it; without it the mail has none.
    public_url: Option<String>,
}

/// What one delivery round did, counted in emails (a digest or a gathered
/// escalation is one, however many outbox rows it carries).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// Outbox rows claimed.
    pub claimed: usize,
    /// Emails the server (or folder, or log) took.
    pub sent: usize,
    /// Emails that failed and will be tried again.
    pub retrying: usize,
    /// Emails given up on.
    pub dead: usize,
    /// Emails not sent, or not recorded, because their lease ran out and
    /// another worker took them over (that worker sends them).
    pub lost: usize,
}

impl DeliveryReport {
    /// Adds another round's counts.
    pub fn add(&mut self, other: DeliveryReport) {
        self.claimed += other.claimed;
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.dead += other.dead;
        self.lost += other.lost;
    }
}

/// The worker's two readings of time. `now` stamps what happened (sent,
/// next attempt) and is `GRADFLOW_NOW` when that is set. Leases are
/// measured on `lease`: the real clock, which every worker shares; under
/// `GRADFLOW_NOW` (tests and rehearsals) it is shifted by that instant's
/// distance from a fixed reference, so workers given the same
/// `GRADFLOW_NOW` agree, time still passes for their leases, and a worker
/// given a later one finds earlier leases run out.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    fixed: Option<Timestamp>,
}

impl Clock {
    /// The reference a fixed `now` is measured from for leases.
    const REFERENCE: Timestamp = Timestamp::UNIX_EPOCH;

    /// A clock reading the real time, or `fixed` when given.
    pub fn new(fixed: Option<Timestamp>) -> Clock {
        Clock { fixed }
    }

    /// The time things happen at.
    pub fn now(&self) -> Timestamp {
        self.fixed.unwrap_or_else(Timestamp::now)
    }

    /// The time leases are measured on.
    pub fn lease(&self) -> Timestamp {
        let real = Timestamp::now();
        match self.fixed {
            None => real,
            Some(at) => at
                .checked_add(real.duration_since(Clock::REFERENCE))
                .unwrap_or(at),
        }
    }
}

/// Emails claimed at once before the courier knows how long one takes.
const FIRST_CLAIM: usize = 20;

impl Courier {
    /// A courier sending through the transport `url` (`smtp://`, `smtps://`,
    /// `file://FOLDER`, `log:`) from `from` (`Name <address>` or an address),
    /// holding what it claims for `lease` (renewed while it sends).
    ///
    /// A lease under twice the SMTP timeout is refused: one slow email
    /// could outlive it, another worker would take the claim over and send
    /// that email again, and neither would ever record it.
    pub fn open(url: &str, from: &str, lease: SignedDuration) -> anyhow::Result<Courier> {
        let (mailer, from, domain) = postbox(url, from)?;
        if let Mailer::Smtp(smtp) = &mailer {
            let timeout = smtp.config().timeout.as_secs();
            let seconds = lease.as_secs();
            if u64::try_from(seconds).unwrap_or(0) < timeout.saturating_mul(2) {
                anyhow::bail!(
                    "--mail-lease {seconds} is shorter than twice the mail server's timeout \
                     (timeout={timeout} s): a slow server would outlive the lease and another \
                     worker would send the same email again; give --mail-lease {} or more, \
                     or a shorter timeout=SECONDS in the SMTP URL",
                    timeout.saturating_mul(2)
                );
            }
        }
        Ok(Courier {
            mailer,
            from,
            domain,
            policy: RetryPolicy::default(),
            lease,
            per_email: None,
            compiled: HashMap::new(),
            public_url: None,
        })
    }

    /// The courier with the site's public address `public_url` (checked
    /// by the caller, as serve's `--public-url` is): a certificate mail
    /// carries its public check address.
    pub fn with_public_url(mut self, public_url: Option<String>) -> Courier {
        self.public_url = public_url;
        self
    }

    /// `variables` with `certificate.check`, the public check address of
    /// the certificate they name, when there is one and the public address
    /// is known (else it stays empty: templates then say to ask the institute).
    fn with_check(&self, variables: &serde_json::Value) -> serde_json::Value {
        let mut variables = variables.clone();
        if let Some(public_url) = &self.public_url
            && let Some(certificate) = variables.get_mut("certificate")
            && let Some(Ok(code)) = certificate
                .get("code")
                .and_then(serde_json::Value::as_str)
                .filter(|code| !code.is_empty())
                .map(gradflow_engine::certificate::Code::parse)
        {
            certificate["check"] = serde_json::Value::String(code.check_address(public_url));
        }
        variables
    }

    /// How many messages to claim: at most `limit`, and no more than can be
    /// sent in half a lease at the pace emails have gone lately.
    fn claim_size(&self, limit: usize) -> usize {
        let half = self.lease.unsigned_abs() / 2;
        let fits = match self.per_email {
            Some(each) if !each.is_zero() => {
                usize::try_from(half.as_nanos() / each.as_nanos()).unwrap_or(usize::MAX)
            }
            Some(_) => usize::MAX,
            None => FIRST_CLAIM,
        };
        fits.clamp(1, limit.max(1))
    }

    /// Remembers how long an email took (a moving average).
    fn observe(&mut self, took: Duration) {
        self.per_email = Some(match self.per_email {
            Some(each) => (each * 3 + took) / 4,
            None => took,
        });
    }

    /// Claims up to `limit` messages due at `now` (fewer when emails go
    /// slowly: see [`Courier::claim_size`]) and delivers them, renewing the
    /// claim's lease as it goes; a message whose lease was lost to another
    /// worker is neither sent nor recorded here.
    pub async fn deliver_due(
        &mut self,
        engine: &Engine,
        now: Timestamp,
        clock: &Clock,
        limit: usize,
    ) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let size = self.claim_size(limit);
        let mut claim = engine
            .claim_mail(now, clock.lease(), size, self.lease)
            .await?;
        report.claimed = claim.len();
        let unprepared = std::mem::take(&mut claim.unprepared);
        for (message, error) in unprepared {
            let delivery = self.unprepared(&message, &error, clock.now());
            log_failure(
                "outbox",
                &[message.id],
                message.recipient,
                &message.email,
                &delivery,
            );
            let recorded = engine
                .finish_mail_group(&claim, &[message.id], &delivery, clock.now())
                .await?;
            report.count(&delivery, recorded);
        }
        let mut groups = gather(std::mem::take(&mut claim.mails));
        // Renewed when a quarter of the lease has passed: every email
        // starts with at least three quarters of a lease left.
        let renew_every = self.lease / 4;
        let mut renewed = clock.lease();
        let mut index = 0;
        // Emails on their way, one per connection of the pool, and emails
        // whose delivery ended and is not recorded yet. What ends while a
        // record is being written is recorded together by the next one.
        let width = self.mailer.parallel();
        let mut sending: JoinSet<Sending> = JoinSet::new();
        let mut ended: Vec<Ended> = Vec::new();
        let mut since = Instant::now();
        loop {
            while sending.len() < width && index < groups.len() {
                if clock.lease().duration_since(renewed) >= renew_every {
                    let left: Vec<i64> = groups[index..]
                        .iter()
                        .flatten()
                        .map(|m| m.message.id)
                        .collect();
                    renewed = clock.lease();
                    let held: BTreeSet<i64> = engine
                        .renew_mail(&mut claim, &left, renewed)
                        .await?
                        .into_iter()
                        .collect();
                    for group in &mut groups[index..] {
                        let before = group.len();
                        group.retain(|m| held.contains(&m.message.id));
                        if group.len() < before {
                            report.lost += 1;
                            tracing::warn!(
                                lost = before - group.len(),
                                "a claim's lease ran out and another worker took its messages over; they are left to it"
                            );
                        }
                    }
                }
                let group = &groups[index];
                index += 1;
                if group.is_empty() {
                    continue;
                }
                let ids: Vec<i64> = group.iter().map(|m| m.message.id).collect();
                let (person, email) = (group[0].message.recipient, group[0].message.email.clone());
                // This attempt's number: the deliveries tried before, plus one.
                let attempt = group
                    .iter()
                    .map(|m| attempt_number(&m.message))
                    .max()
                    .unwrap_or(1);
                match self.prepare(group) {
                    Ok(outgoing) => {
                        let mailer = self.mailer.clone();
                        sending.spawn(async move {
                            let sent = mailer.send(&outgoing).await.map(|_| ());
                            (ids, person, email, attempt, sent)
                        });
                    }
                    Err(delivery) => ended.push(Ended {
                        ids,
                        person,
                        email,
                        delivery,
                    }),
                }
            }
            if let Some(first) = sending.join_next().await {
                let mut done = vec![first];
                while let Some(more) = sending.try_join_next() {
                    done.push(more);
                }
                for joined in done {
                    let (ids, person, email, attempt, sent) =
                        joined.context("a mail send stopped unexpectedly")?;
                    let delivery = match sent {
                        Ok(()) => Delivery::Sent,
                        Err(e) if e.is_permanent() => Delivery::Dead {
                            error: e.to_string(),
                        },
                        Err(e) => self.retry(attempt, clock.now(), e.to_string()),
                    };
                    ended.push(Ended {
                        ids,
                        person,
                        email,
                        delivery,
                    });
                }
            }
            if ended.is_empty() {
                break;
            }
            let batch = std::mem::take(&mut ended);
            for e in &batch {
                log_failure("outbox", &e.ids, e.person, &e.email, &e.delivery);
            }
            let groups_ended: Vec<(Vec<i64>, Delivery)> =
                batch.into_iter().map(|e| (e.ids, e.delivery)).collect();
            let recorded = engine
                .finish_mail_groups(&claim, &groups_ended, clock.now())
                .await?;
            // The pace per email over this stretch, all connections together.
            let count = u32::try_from(groups_ended.len()).unwrap_or(u32::MAX).max(1);
            self.observe(since.elapsed() / count);
            since = Instant::now();
            for ((_, delivery), recorded) in groups_ended.iter().zip(recorded) {
                report.count(delivery, recorded);
            }
        }
        Ok(report)
    }

    /// Claims the account mail (password reset links) due at `now` and
    /// delivers it: at most `limit`, and no more than half a lease can send.
    /// Links that expired are scrubbed first, and never sent.
    pub async fn deliver_account_due(
        &mut self,
        engine: &Engine,
        now: Timestamp,
        clock: &Clock,
        limit: usize,
    ) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport::default();
        let size = self.claim_size(limit);
        let claim = engine
            .claim_account_mail(now, clock.lease(), size, self.lease)
            .await?;
        report.claimed = claim.mails.len();
        for mail in &claim.mails {
            let started = Instant::now();
            let delivery = self.deliver_account(mail, clock.now()).await;
            log_failure(
                "account_mail",
                &[mail.id],
                mail.person,
                &mail.email,
                &delivery,
            );
            let recorded = engine
                .finish_account_mail(&claim, mail.id, &delivery, clock.now())
                .await?;
            self.observe(started.elapsed());
            report.count(&delivery, recorded);
        }
        Ok(report)
    }

    /// Renders and sends one account message. The link is a secret: the
    /// log transport logs that the message went, never its text.
    async fn deliver_account(&self, mail: &AccountMail, now: Timestamp) -> Delivery {
        let (subject, text) = if mail.kind.starts_with("intake_") {
            // Intake mail (applications to a cohort): no link, its words
            // chosen by its kind, what it says in its data.
            match gradflow_web::account_mail::intake(
                mail.language.as_deref(),
                &mail.name,
                &mail.kind,
                mail.data.as_deref().unwrap_or("{}"),
            ) {
                Some(words) => words,
                None => {
                    return Delivery::Dead {
                        error: format!("no words for intake mail '{}'", mail.kind),
                    };
                }
            }
        } else {
            let Some(link) = mail.link.as_deref().filter(|_| mail.expires_at > now) else {
                return Delivery::Dead {
                    error: "the link expired before it could be sent".to_owned(),
                };
            };
            gradflow_web::account_mail::password_reset(mail.language.as_deref(), &mail.name, link)
        };
        let message_id = match MessageId::new(&mail.message_id, &self.domain) {
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
            to: Address::new(mail.email.clone(), mail.name.clone()),
            subject,
            text,
            html: None,
        };
        if let Mailer::Log(_) = &self.mailer {
            // A reset link is a secret; an intake message names people and
            // their reasons: neither goes to the log.
            let what = if mail.kind.starts_with("intake_") {
                "an intake message, whose text is not logged"
            } else {
                "a password reset link, which is not logged"
            };
            tracing::info!(
                account_mail = mail.id,
                person = mail.person,
                kind = %mail.kind,
                "mail not sent (log transport): {what}"
            );
            return Delivery::Sent;
        }
        let attempt = u32::try_from(mail.attempts)
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        match self.mailer.send(&outgoing).await {
            Ok(_) => Delivery::Sent,
            Err(e) if e.is_permanent() => Delivery::Dead {
                error: e.to_string(),
            },
            Err(e) => self.retry(attempt, now, e.to_string()),
        }
    }

    /// How a message that could not be put together ends: dead when it
    /// never can be (what it is about is gone or invalid), else tried again
    /// later like a message the server turned away for now.
    fn unprepared(&self, message: &Message, error: &Error, now: Timestamp) -> Delivery {
        let reason = format!("cannot prepare the message: {error}");
        if matches!(error.kind(), Kind::Invalid | Kind::NotFound) {
            return Delivery::Dead { error: reason };
        }
        if let Some(detail) = error.detail() {
            tracing::warn!(message = message.id, %detail, "a message could not be prepared; it will be tried again");
        }
        self.retry(attempt_number(message), now, reason)
    }

    /// Try again later with backoff, or dead once attempts are used up.
    fn retry(&self, attempt: u32, now: Timestamp, error: String) -> Delivery {
        match self.policy.next_attempt(attempt, now, &mut rand::rng()) {
            Some(at) => Delivery::Retry { at, error },
            None => Delivery::Dead {
                error: format!("{error} (gave up after {attempt} attempts)"),
            },
        }
    }

    /// Renders the email for `group` (one message, escalations gathered,
    /// or a person's digest), or says how it ends without being sent.
    fn prepare(&mut self, group: &[OutgoingMail]) -> Result<Outgoing, Delivery> {
        let first = &group[0];
        let (subject, text, html) = match self.compose(group) {
            Ok(parts) => parts,
            // Published templates that do not render never will.
            Err(error) => return Err(Delivery::Dead { error }),
        };
        let message_id = match MessageId::new(&first.message.message_id, &self.domain) {
            Ok(id) => id,
            Err(e) => {
                return Err(Delivery::Dead {
                    error: e.to_string(),
                });
            }
        };
        Ok(Outgoing {
            message_id,
            from: self.from.clone(),
            to: Address::new(first.message.email.clone(), first.name.clone()),
            subject,
            text,
            html,
        })
    }

    /// Subject, text and HTML of the email for `group`.
    fn compose(
        &mut self,
        group: &[OutgoingMail],
    ) -> Result<(String, String, Option<String>), String> {
        let first = &group[0];
        // One recipient per email, so one language; one budget for the email.
        let language = first.message.language.as_deref();
        let mut budget = Budget::default();
        if !first.digest {
            // One message, or escalations gathered: one rendering that lists them all.
            let mut variables = self.with_check(&first.variables);
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
                .render_within(&first.message.template, language, &variables, &mut budget)
                .map_err(|e| e.to_string())?;
            return Ok((rendered.subject, rendered.text, rendered.html));
        }
        // A digest: each message rendered as it would be alone, one after the
        // other, all in the recipient's language.
        let words = DigestWords::of(language);
        let mut text = (words.opening)(&first.name, group.len());
        for mail in group {
            let variables = self.with_check(&mail.variables);
            let rendered = self
                .templates(mail)?
                .render_within(&mail.message.template, language, &variables, &mut budget)
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
        let compiled = Templates::published(mail.definition, mail.templates.iter())?;
        let compiled = Arc::new(compiled);
        self.compiled.insert(mail.definition, compiled.clone());
        Ok(compiled)
    }
}

/// An email on its way, as its send task ends: its outbox rows, its
/// recipient (person id) and address, the attempt's number, and the outcome.
type Sending = (Vec<i64>, i64, String, u32, Result<(), transport::Error>);

/// An email whose delivery ended, not yet recorded.
struct Ended {
    /// Its outbox rows.
    ids: Vec<i64>,
    /// Its recipient (person id), and address (kept out of the log).
    person: i64,
    email: String,
    /// How it ended.
    delivery: Delivery,
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
/// everything else goes alone ([`OutgoingMail::gathers`] says which gather;
/// the claim holds all of a recipient's that are due).
fn gather(mails: Vec<OutgoingMail>) -> Vec<Vec<OutgoingMail>> {
    let mut groups: Vec<Vec<OutgoingMail>> = Vec::new();
    let mut index: HashMap<(i64, i64, String), usize> = HashMap::new();
    for mail in mails {
        let key = if !mail.gathers() {
            None
        } else if mail.digest {
            Some((mail.message.recipient, 0, String::new()))
        } else {
            Some((
                mail.message.recipient,
                mail.cohort,
                mail.message.template.clone(),
            ))
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

/// The number of the delivery about to be tried for `message`: those
/// tried before (claims that never tried one do not count), plus one.
/// Logs a delivery that failed, with its reason, at WARN. The recipient is
/// named by person id and the message by its queue (`outbox`, or
/// `account_mail` for reset links) and id, never by address or
/// content: addresses are personal data, and `outbox show ID` tells staff
/// the rest. A server's reply that quotes the address (`550 <x@y>: user
/// unknown`) is logged with the address replaced by `<person N>`.
fn log_failure(queue: &str, ids: &[i64], person: i64, email: &str, delivery: &Delivery) {
    let redact = |error: &str| {
        if email.is_empty() {
            error.to_owned()
        } else {
            error.replace(email, &format!("person {person}"))
        }
    };
    match delivery {
        Delivery::Sent => {}
        Delivery::Retry { at, error } => tracing::warn!(
            queue,
            ids = ?ids,
            person,
            retry_at = %at,
            reason = %redact(error),
            "mail not sent; it will be tried again"
        ),
        Delivery::Dead { error } => tracing::warn!(
            queue,
            ids = ?ids,
            person,
            reason = %redact(error),
            "mail not sent and given up on (dead); `gradflow outbox retry ID` sends it again"
        ),
    }
}

fn attempt_number(message: &Message) -> u32 {
    u32::try_from(message.attempts - message.retry_base)
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

impl DeliveryReport {
    /// Counts one email by how it ended, or as lost when it was not
    /// recorded because another worker holds it now.
    fn count(&mut self, delivery: &Delivery, recorded: bool) {
        let count = match delivery {
            _ if !recorded => &mut self.lost,
            Delivery::Sent => &mut self.sent,
            Delivery::Retry { .. } => &mut self.retrying,
            Delivery::Dead { .. } => &mut self.dead,
        };
        *count += 1;
    }
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
