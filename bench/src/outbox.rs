//! The outbox: messages delivered per second into a real SMTP server (an
//! in-process sink on 127.0.0.1), through the path `gradflow worker` takes
//! (src/cli/courier.rs, which the bench cannot import; its minimum is
//! replicated here): `Engine::claim_mail`, the published templates compiled
//! once (`Templates::from_texts`) and rendered with the claimed variables, a
//! `Mailer` on `smtp://127.0.0.1:PORT` sending one message at a time, then
//! `Engine::finish_mail_group`. The raw limit sends the very same rendered
//! messages through a fresh `Mailer` to a fresh sink, with no engine.
//!
//! Both are also run, as information, over one lettre connection with
//! `TCP_NODELAY`: lettre 0.11.23 leaves Nagle on and writes a message's
//! final `.` apart from its body, so each message waits for the server's
//! delayed ACK (40 ms on Linux); these rows show what its fix will give.
//!
//! The messages are `proposal_submitted` (to the supervisor) and
//! `changes_requested` (to the trainee), queued by real transitions; the
//! courier's grouping of escalations and digests does not apply to them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, ensure};
use gradflow_engine::Durability;
use gradflow_engine::service::{Delivery, Engine};
use gradflow_notifications::transport::Config;
use gradflow_notifications::{Address, Mailer, MessageId, Outgoing, Templates, Transport};
use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;

use crate::report::{Measure, thousands};
use crate::smtp::Sink;
use crate::{Ctx, fixture};

/// The From address's domain: the right-hand side of every Message-ID.
const DOMAIN: &str = "bench.example";
/// Messages claimed per round (the worker's default batch).
const CLAIM: usize = 500;

/// How messages reach the sink.
enum Sender {
    /// The notifications crate's `Mailer` (lettre's pooled SMTP transport),
    /// as the courier sends.
    Mailer(Mailer),
    /// One lettre connection over a socket with `TCP_NODELAY` set: what
    /// lettre's fix for the Nagle stall (lettre/lettre#1159, merged, not in
    /// 0.11.23) gives. Informative: the product cannot send this way today.
    NoDelay(Box<AsyncSmtpConnection>),
}

impl Sender {
    async fn open(sink: &Sink, nodelay: bool) -> anyhow::Result<Sender> {
        if !nodelay {
            return Ok(Sender::Mailer(Mailer::open(
                &sink.url().parse::<Config>()?,
            )?));
        }
        let stream = tokio::net::TcpStream::connect(sink.addr()).await?;
        stream.set_nodelay(true)?;
        let conn =
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &ClientId::default())
                .await
                .map_err(|e| anyhow!("cannot open an SMTP connection: {e}"))?;
        Ok(Sender::NoDelay(Box::new(conn)))
    }

    async fn send(&mut self, message: &Outgoing) -> anyhow::Result<()> {
        match self {
            Sender::Mailer(mailer) => {
                mailer
                    .send(message)
                    .await
                    .map_err(|e| anyhow!("not taken: {e}"))?;
            }
            Sender::NoDelay(conn) => {
                let envelope = Envelope::new(
                    Some(message.from.email.parse()?),
                    vec![message.to.email.parse()?],
                )?;
                let bytes = message.to_rfc5322()?;
                conn.send(&envelope, &bytes)
                    .await
                    .map_err(|e| anyhow!("not taken: {e}"))?;
            }
        }
        Ok(())
    }
}

/// The outbox group on one database.
pub async fn delivery(ctx: &mut Ctx, place: &mut crate::place::Place) -> anyhow::Result<()> {
    let group = format!("outbox {}", place.kind());
    let url = place.fresh("outbox").await?;
    let queued = queue(ctx, place, &url).await?;
    eprintln!("  … {group}: delivering {queued} messages");
    let nodelay_url = place.copy(&url, "outbox-nodelay").await?;
    for (url, nodelay) in [(url, false), (nodelay_url, true)] {
        let how = if nodelay {
            "(informative) sends on one TCP_NODELAY connection"
        } else {
            "through the Mailer"
        };
        let engine = Engine::connect_with(&url, Durability::Full).await?;
        let sink = Sink::start().await?;
        let sender = Sender::open(&sink, nodelay).await?;
        if ctx.profile {
            crate::profile::start();
        }
        let run = deliver(&engine, sender).await?;
        if ctx.profile {
            ctx.profiles.push((
                format!("{group} {how}"),
                run.measure.elapsed.as_secs_f64(),
                run.sent.len(),
                crate::profile::stop(),
            ));
        }
        let mut m = run.measure.clone();
        let engine_rate = ctx.row(
            &group,
            &format!("claim_mail + render + send + finish_mail, {how}"),
            1,
            &mut m,
            &format!(
                "messages/s into a local SMTP server; time in claim {}, render {}, send {}, record {}; latency per message",
                share(run.claim, run.measure.elapsed),
                share(run.render, run.measure.elapsed),
                share(run.send, run.measure.elapsed),
                share(run.record, run.measure.elapsed)
            ),
        );
        let what = format!("{group} {how}");
        arrived_once(&sink, &run.sent).context(what.clone())?;
        for state in ["pending", "claimed", "failed", "dead"] {
            let left = engine.mail(Some(state), 10).await?.len();
            ensure!(left == 0, "{what}: {left} message(s) left {state}");
        }
        let sent = engine.mail(Some("sent"), usize::MAX >> 1).await?.len();
        ensure!(
            sent == queued,
            "{what}: {sent} of {queued} messages recorded sent"
        );
        ctx.checks.push(format!(
            "{what}: all {} messages arrived once each (by Message-ID, to the right recipient) and are recorded sent",
            thousands(queued as f64)
        ));
        engine.close().await;
        drop(sink);
        place.discard(&url).await?;

        // The raw limit: the same rendered messages, sent one at a time, no engine.
        let sink = Sink::start().await?;
        let mut sender = Sender::open(&sink, nodelay).await?;
        let mut raw = Measure::default();
        let started = Instant::now();
        for message in &run.sent {
            let t0 = Instant::now();
            sender.send(message).await.context("the raw send")?;
            raw.latencies.push(micros(t0.elapsed()));
            raw.ops += 1;
        }
        raw.elapsed = started.elapsed();
        let raw_rate = ctx.row(
            &group,
            &format!("raw limit: SMTP send of the same rendered messages, {how}"),
            1,
            &mut raw,
            "messages/s, one at a time, no engine; latency per message",
        );
        arrived_once(&sink, &run.sent).context(format!("{what} raw limit"))?;
        ctx.checks.push(format!(
            "{what} raw limit: all {} messages arrived once each",
            thousands(run.sent.len() as f64)
        ));
        ctx.ratio(
            format!("{group}: engine delivery / raw SMTP sends, {how}"),
            engine_rate,
            raw_rate,
            None,
        );
    }
    Ok(())
}

/// Sets up projects whose transitions queue `ctx.mails` messages (rounded
/// up to an even number), through the engine; returns how many are queued.
async fn queue(ctx: &Ctx, place: &crate::place::Place, url: &str) -> anyhow::Result<usize> {
    let engine = Arc::new(Engine::connect_with(url, Durability::Full).await?);
    let now = fixture::now();
    let directory = fixture::directory(&engine).await?;
    // Each project queues one message per transition: submit, then request_changes.
    let projects = ctx.mails.div_ceil(2).max(1);
    let parallel = if place.kind() == "postgres" { 8 } else { 1 };
    let (mut subjects, _) =
        fixture::start_projects(&engine, &directory, "m", projects, parallel).await?;
    crate::engine::step_each(&engine, &mut subjects, 50, now).await?;
    crate::engine::step_each(&engine, &mut subjects, 50, now).await?;
    let queued = engine.mail(Some("pending"), usize::MAX >> 1).await?.len();
    ensure!(
        queued == 2 * projects,
        "{queued} messages queued by {projects} projects' two transitions, {} expected",
        2 * projects
    );
    engine.close().await;
    Ok(queued)
}

/// A finished delivery run.
struct Run {
    measure: Measure,
    /// Every message as sent.
    sent: Vec<Outgoing>,
    /// Time in `claim_mail`, rendering, sending and `finish_mail`.
    claim: Duration,
    render: Duration,
    send: Duration,
    record: Duration,
}

/// Delivers everything due as the courier does, one message at a time.
async fn deliver(engine: &Engine, mut sender: Sender) -> anyhow::Result<Run> {
    let now = fixture::now();
    let from = Address::new(format!("noreply@{DOMAIN}"), "Bench Institute");
    let mut compiled: HashMap<i64, Arc<Templates>> = HashMap::new();
    let mut run = Run {
        measure: Measure::default(),
        sent: Vec::new(),
        claim: Duration::ZERO,
        render: Duration::ZERO,
        send: Duration::ZERO,
        record: Duration::ZERO,
    };
    let started = Instant::now();
    loop {
        let t0 = Instant::now();
        let mut claim = engine
            .claim_mail(now, now, CLAIM, gradflow_engine::service::mail::LEASE)
            .await?;
        run.claim += t0.elapsed();
        if claim.is_empty() {
            break;
        }
        if let Some((message, e)) = claim.unprepared.first() {
            return Err(anyhow!("message {} cannot be prepared: {e}", message.id));
        }
        for mail in std::mem::take(&mut claim.mails) {
            let t0 = Instant::now();
            let templates = match compiled.get(&mail.definition) {
                Some(t) => t.clone(),
                None => {
                    let t = Templates::published(mail.definition, mail.templates.iter())
                        .map_err(|p| anyhow!("the published templates do not compile: {p}"))?;
                    let t = Arc::new(t);
                    compiled.insert(mail.definition, t.clone());
                    t
                }
            };
            let rendered = templates
                .render(&mail.message.template, None, &mail.variables)
                .map_err(|e| anyhow!("message {} does not render: {e}", mail.message.id))?;
            let outgoing = Outgoing {
                message_id: MessageId::new(&mail.message.message_id, DOMAIN)?,
                from: from.clone(),
                to: Address::new(mail.message.email.clone(), mail.name.clone()),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
            };
            let t1 = Instant::now();
            sender
                .send(&outgoing)
                .await
                .with_context(|| format!("message {}", mail.message.id))?;
            let t2 = Instant::now();
            engine
                .finish_mail_group(&claim, &[mail.message.id], &Delivery::Sent, now)
                .await?;
            let t3 = Instant::now();
            run.render += t1 - t0;
            run.send += t2 - t1;
            run.record += t3 - t2;
            run.measure.latencies.push(micros(t3 - t0));
            run.measure.ops += 1;
            run.sent.push(outgoing);
        }
    }
    run.measure.elapsed = started.elapsed();
    Ok(run)
}

/// Every message of `sent` arrived exactly once, to its recipient alone.
fn arrived_once(sink: &Sink, sent: &[Outgoing]) -> anyhow::Result<()> {
    let arrived = sink.arrived();
    ensure!(
        arrived.len() == sent.len(),
        "{} messages arrived, {} sent",
        arrived.len(),
        sent.len()
    );
    let mut seen: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
    for (id, to) in &arrived {
        ensure!(
            seen.insert(id.as_str(), to).is_none(),
            "message <{id}> arrived twice"
        );
    }
    for message in sent {
        let id = message.message_id.as_str();
        let to = seen
            .get(id)
            .with_context(|| format!("message <{id}> never arrived"))?;
        ensure!(
            to.as_slice() == [message.to.email.clone()],
            "message <{id}> arrived for {to:?}, not {}",
            message.to.email
        );
    }
    Ok(())
}

fn share(part: Duration, whole: Duration) -> String {
    format!(
        "{:.0}%",
        100.0 * part.as_secs_f64() / whole.as_secs_f64().max(1e-9)
    )
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}
