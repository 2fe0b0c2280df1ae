//! The outbox: messages delivered per second into a real SMTP server (an
//! in-process sink on 127.0.0.1 that offers PIPELINING, as Postfix does),
//! through the path `gradflow worker` takes (src/cli/courier.rs, which the
//! bench cannot import; its minimum is replicated here):
//! `Engine::claim_mail`, the published templates compiled once and rendered
//! with the claimed variables, a `Mailer` on `smtp://127.0.0.1:PORT?pool=N`
//! with up to N messages on their way at once (one per connection, as the
//! courier sends), and `Engine::finish_mail_groups` recording together what
//! ended together. The raw limit sends the very same rendered messages
//! through a fresh `Mailer` of the same pool, N at once, to a fresh sink,
//! with no engine.
//!
//! Run with pool=1 (one message at a time, the latency of the whole path)
//! and pool=4 (the default), and pool=4 into a sink that does not offer
//! PIPELINING (three more round trips per message).
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
use tokio::task::JoinSet;

use crate::report::{Goal, Measure, thousands};
use crate::smtp::Sink;
use crate::{Ctx, fixture};

/// The From address's domain: the right-hand side of every Message-ID.
const DOMAIN: &str = "bench.example";
/// Messages claimed per round (the worker's default batch).
const CLAIM: usize = 500;

/// The goal: messages per second from one worker.
const GOAL: f64 = 500.0;
/// The goal: engine delivery against raw sends through the same client.
const RATIO: f64 = 0.8;

/// One way of sending: the pool's size and whether the server pipelines.
#[derive(Clone, Copy)]
struct Way {
    pool: u32,
    pipelining: bool,
}

impl Way {
    fn describe(self) -> String {
        format!(
            "pool={}{}",
            self.pool,
            if self.pipelining {
                ", server pipelines"
            } else {
                ", server does not pipeline"
            }
        )
    }

    fn mailer(self, sink: &Sink) -> anyhow::Result<Mailer> {
        let url = format!("{}?pool={}", sink.url(), self.pool);
        Ok(Mailer::open(&url.parse::<Config>()?)?)
    }
}

/// The outbox group on one database.
pub async fn delivery(ctx: &mut Ctx, place: &mut crate::place::Place) -> anyhow::Result<()> {
    let group = format!("outbox {}", place.kind());
    let queued_url = place.fresh("outbox").await?;
    let queued = queue(ctx, place, &queued_url).await?;
    eprintln!("  … {group}: delivering {queued} messages");
    let ways = [
        Way {
            pool: 1,
            pipelining: true,
        },
        Way {
            pool: 4,
            pipelining: true,
        },
        Way {
            pool: 4,
            pipelining: false,
        },
    ];
    for (n, way) in ways.into_iter().enumerate() {
        let how = way.describe();
        let url = place.copy(&queued_url, &format!("outbox-{n}")).await?;
        let engine = Engine::connect_with(&url, Durability::Full).await?;
        let sink = Sink::start(way.pipelining).await?;
        let mailer = way.mailer(&sink)?;
        if ctx.profile {
            crate::profile::start();
        }
        let run = deliver(&engine, mailer).await?;
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
            &format!("claim_mail + render + send + finish_mail_groups, {how}"),
            way.pool as usize,
            &mut m,
            &format!(
                "messages/s into a local SMTP server, up to {} on their way at once; time in claim {}, render {}, waiting for sends {}, record {}; latency per message (render to recorded)",
                way.pool,
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

        // The raw limit: the same rendered messages through the same
        // client, as many at once, no engine.
        let sink = Sink::start(way.pipelining).await?;
        let mailer = way.mailer(&sink)?;
        let mut raw = Measure::default();
        let started = Instant::now();
        let mut sending = JoinSet::new();
        let mut next = run.sent.iter();
        loop {
            while sending.len() < way.pool as usize {
                let Some(message) = next.next() else { break };
                let (mailer, message) = (mailer.clone(), message.clone());
                sending.spawn(async move {
                    let t0 = Instant::now();
                    mailer.send(&message).await.map(|_| t0.elapsed())
                });
            }
            let Some(done) = sending.join_next().await else {
                break;
            };
            let took = done?.map_err(|e| anyhow!("the raw send: not taken: {e}"))?;
            raw.latencies.push(micros(took));
            raw.ops += 1;
        }
        raw.elapsed = started.elapsed();
        let raw_rate = ctx.row(
            &group,
            &format!("raw limit: SMTP send of the same rendered messages, {how}"),
            way.pool as usize,
            &mut raw,
            &format!(
                "messages/s through the same Mailer, up to {} at once, no engine; latency per message",
                way.pool
            ),
        );
        arrived_once(&sink, &run.sent).context(format!("{what} raw limit"))?;
        ctx.checks.push(format!(
            "{what} raw limit: all {} messages arrived once each",
            thousands(run.sent.len() as f64)
        ));
        let goal = way.pool > 1 && way.pipelining;
        ctx.ratio(
            format!("{group}: engine delivery / raw SMTP sends, {how}"),
            engine_rate,
            raw_rate,
            goal.then_some(Goal::AtLeast(RATIO)),
        );
        if goal {
            ctx.ratio(
                format!("{group}: engine delivery, {how} / the goal of {GOAL} messages/s"),
                engine_rate,
                GOAL,
                Some(Goal::AtLeast(1.0)),
            );
        }
    }
    place.discard(&queued_url).await?;
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

/// Delivers everything due as the courier does: up to the pool's size of
/// messages on their way at once, what ended recorded together.
async fn deliver(engine: &Engine, mailer: Mailer) -> anyhow::Result<Run> {
    let now = fixture::now();
    let from = Address::new(format!("noreply@{DOMAIN}"), "Bench Institute");
    let mut compiled: HashMap<i64, Arc<Templates>> = HashMap::new();
    let width = mailer.parallel();
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
        let mut mails = std::mem::take(&mut claim.mails).into_iter();
        let mut sending = JoinSet::new();
        loop {
            while sending.len() < width {
                let Some(mail) = mails.next() else { break };
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
                run.render += t0.elapsed();
                let (mailer, id) = (mailer.clone(), mail.message.id);
                sending.spawn(async move {
                    let sent = mailer.send(&outgoing).await;
                    (id, outgoing, t0, sent)
                });
            }
            let t1 = Instant::now();
            let Some(first) = sending.join_next().await else {
                break;
            };
            let mut done = vec![first?];
            while let Some(more) = sending.try_join_next() {
                done.push(more?);
            }
            let t2 = Instant::now();
            let mut groups = Vec::with_capacity(done.len());
            let mut begun = Vec::with_capacity(done.len());
            for (id, outgoing, t0, sent) in done {
                sent.map_err(|e| anyhow!("message {id}: not taken: {e}"))?;
                groups.push((vec![id], Delivery::Sent));
                begun.push(t0);
                run.sent.push(outgoing);
            }
            let recorded = engine.finish_mail_groups(&claim, &groups, now).await?;
            ensure!(recorded.iter().all(|r| *r), "a claim lost its messages");
            let t3 = Instant::now();
            run.send += t2 - t1;
            run.record += t3 - t2;
            for t0 in begun {
                run.measure.latencies.push(micros(t3 - t0));
                run.measure.ops += 1;
            }
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
