//! `gradflow worker`: fires the timers that fall due — deadlines, reminders,
//! recurring escalations — through the engine, and delivers the outbox,
//! round after round, until stopped (SIGINT or SIGTERM: the round in
//! progress finishes first). Several workers may run on one PostgreSQL
//! database: each timer and each message is claimed by one of them. Signed
//! webhooks are delivered each round beside mail (docs/webhooks.md).

use std::process::ExitCode;
use std::time::Duration;

use gradflow_engine::service::{Engine, FireReport, HookReport, OfferRound};
use jiff::Timestamp;
use serde::Serialize;

use super::Ctx;
use super::args::WorkerArgs;
use super::courier::{Clock, Courier, DeliveryReport};
use super::output::{self, say};
use super::webhooks::Hooks;

/// Longest sleep between rounds: a timer set by another process is noticed this late at most.
const POLL: Duration = Duration::from_secs(2);
/// Least sleep between rounds, but after a round that fired timers when
/// more are due already: a round that finds nothing to do never spins.
const LEAST_SLEEP: Duration = Duration::from_millis(50);

/// The first wait after the database is found away; each failed retry
/// doubles it, up to [`AWAY_MAX`].
const AWAY_FIRST: Duration = Duration::from_secs(1);

/// The longest wait between retries while the database is away.
const AWAY_MAX: Duration = Duration::from_secs(30);

/// What the worker did.
#[derive(Debug, Default, Serialize)]
struct Round {
    timers: FireReport,
    mail: DeliveryReport,
    /// Lapsed waiting-list offers (issue 16, part 2).
    offers: OfferRound,
    /// Webhook deliveries (issue 17, part 3).
    webhooks: HookReport,
}

impl Round {
    fn busy(&self) -> bool {
        self.timers.claimed > 0
            || self.mail.claimed > 0
            || self.offers.busy()
            || self.webhooks.claimed > 0
    }

    fn say(&self) {
        say!(
            "worker: {} timer(s) claimed, {} project(s) changed, {} discarded, {} to retry, {} refused ({} failed); {} email(s) sent, {} to retry, {} dead",
            self.timers.claimed,
            self.timers.fired,
            self.timers.discarded,
            self.timers.retried,
            self.timers.refused,
            self.timers.failed,
            self.mail.sent,
            self.mail.retrying,
            self.mail.dead
        );
        if self.offers.busy() {
            say!(
                "worker: {} lapsed offer(s) claimed, {} expired, {} answered meanwhile, {} to retry, {} given up",
                self.offers.claimed,
                self.offers.expired.len(),
                self.offers.skipped,
                self.offers.retried,
                self.offers.failed
            );
        }
        if self.webhooks.claimed > 0 {
            say!(
                "worker: {} webhook(s) delivered, {} to retry, {} dead, {} subscription(s) disabled",
                self.webhooks.sent,
                self.webhooks.retrying,
                self.webhooks.dead,
                self.webhooks.disabled
            );
        }
    }
}

pub async fn run(ctx: &Ctx, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    super::serve::logs();
    let smtp = transport(args.smtp.as_deref())?;
    let lease = jiff::SignedDuration::from_secs(i64::from(args.mail_lease));
    let mut courier = Courier::open(smtp, &args.from, lease)?.with_public_url(args.public_url);
    let hooks = Hooks::open(&args.webhooks)?;
    let engine = ctx.engine().await?;
    // Leases move with real time even when GRADFLOW_NOW fixes `now`.
    let clock = Clock::new(ctx.fixed_now);
    let mut sweeper = super::people::Sweeper::new(&args.retention, &ctx.db);
    if args.once {
        sweeper.maybe_run(&engine, ctx.now).await;
        let round = round(
            &engine,
            &mut courier,
            &hooks,
            ctx.now,
            &clock,
            args.batch,
            true,
        )
        .await?;
        if ctx.json {
            output::json(&round);
        } else {
            round.say();
        }
        return Ok(ExitCode::SUCCESS);
    }
    let engine = std::sync::Arc::new(engine);
    let metrics = match args.metrics_bind {
        Some(addr) => Some(metrics(&engine, addr).await?),
        None => None,
    };
    let stop = stop_signal();
    tokio::pin!(stop);
    say!(
        "worker: running on {}, mail to {} (stop with Ctrl-C)",
        engine.database_kind(),
        gradflow_engine::redact_url(smtp)
    );
    // While the database is away: since when, and the next wait.
    let mut outage: Option<(std::time::Instant, Duration)> = None;
    loop {
        let now = ctx.fixed_now.unwrap_or_else(Timestamp::now);
        sweeper.maybe_run(&engine, now).await;
        let (wait, hurry) = match work(&engine, &mut courier, &hooks, now, &clock, args.batch).await
        {
            Ok(next) => {
                if let Some((since, _)) = outage.take() {
                    say!(
                        "worker: the database is back after {} s; working again",
                        since.elapsed().as_secs()
                    );
                }
                next
            }
            Err(e) => {
                if !database_away(&e) {
                    return Err(e);
                }
                // Nothing of a failed round is committed: what it claimed
                // waits out its lease and is claimed again.
                match &mut outage {
                    None => {
                        eprintln!(
                            "worker: retrying every {}-{} s until the database is back",
                            AWAY_FIRST.as_secs(),
                            AWAY_MAX.as_secs()
                        );
                        outage = Some((std::time::Instant::now(), AWAY_FIRST));
                        (AWAY_FIRST, false)
                    }
                    Some((_, delay)) => {
                        *delay = (*delay * 2).min(AWAY_MAX);
                        (*delay, false)
                    }
                }
            }
        };
        // Timers fired and more are due already: the next drain at once
        // (the least sleep would make every one of them that much later).
        let least = if hurry { Duration::ZERO } else { LEAST_SLEEP };
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(wait.max(least)) => {}
        }
    }
    if let Some((stop, server)) = metrics {
        let _ = stop.send(());
        let _ = server.await;
    }
    engine.close().await;
    say!("worker: stopped");
    Ok(ExitCode::SUCCESS)
}

/// `/metrics` of this worker on `addr`, until the returned sender says stop.
async fn metrics(
    engine: &std::sync::Arc<Engine>,
    addr: std::net::SocketAddr,
) -> anyhow::Result<(
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("--metrics-bind: cannot listen on {addr}: {e}"))?;
    say!(
        "worker: metrics on http://{}/metrics",
        listener.local_addr()?
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradflow_web::serve_metrics(
        engine.clone(),
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    Ok((stop, server))
}

/// One round, said when it did something; returns how long to sleep before
/// the next (until the next timer or message falls due, at most [`POLL`]),
/// and whether to skip the least sleep: timers were fired (not all given
/// back to fire again) and the next is due already.
async fn work(
    engine: &Engine,
    courier: &mut Courier,
    hooks: &Hooks,
    now: Timestamp,
    clock: &Clock,
    batch: usize,
) -> anyhow::Result<(Duration, bool)> {
    let round = round(engine, courier, hooks, now, clock, batch, false).await?;
    if round.busy() {
        round.say();
    }
    let next = [
        engine.next_timer_due().await?,
        engine.next_mail_due().await?,
        engine.next_webhook_due().await?,
    ]
    .into_iter()
    .flatten()
    .min();
    let wait = match next {
        Some(due) => Duration::try_from(due.duration_since(Timestamp::now()))
            .unwrap_or(Duration::ZERO)
            .min(POLL),
        None => POLL,
    };
    let fired = round.timers.claimed > round.timers.retried;
    Ok((wait, fired && wait.is_zero()))
}

/// Whether `error` is the database being away (a lost connection, a
/// restart): worth waiting for rather than stopping the worker. Its cause
/// is logged by the engine, once per outage.
fn database_away(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|e| e.downcast_ref::<gradflow_engine::service::Error>())
        .any(|e| e.is_unavailable())
}

/// What to say when a worker is started without a transport.
pub(super) const NO_TRANSPORT: &str = "no mail transport: give --smtp (or GRADFLOW_SMTP_URL) \
the mail server to send through, e.g. --smtp smtp://127.0.0.1:25, \
--smtp smtp://USER:PASSWORD@mail.institute.example:587 (STARTTLS) or \
--smtp smtps://USER:PASSWORD@mail.institute.example; for development only, \
--smtp file://FOLDER (an .eml file per message) or --smtp log: (each message \
written to the worker's log, nothing sent). Nothing was claimed or marked sent";

/// The transport named by `--smtp`, or the refusal to start without one:
/// a worker with nowhere to send would mark every message sent and lose it.
pub(super) fn transport(smtp: Option<&str>) -> anyhow::Result<&str> {
    match smtp.map(str::trim) {
        Some(url) if !url.is_empty() => Ok(url),
        _ => anyhow::bail!(NO_TRANSPORT),
    }
}

/// Fires every timer due at `now`, then delivers every message due, then
/// webhooks (every one due when `all_hooks`, as `--once` does; see
/// `Hooks::deliver_due`).
async fn round(
    engine: &Engine,
    courier: &mut Courier,
    hooks: &Hooks,
    now: Timestamp,
    clock: &Clock,
    batch: usize,
    all_hooks: bool,
) -> anyhow::Result<Round> {
    let timers = drain(engine, now, batch).await?;
    // Offers past their deadline lapse before mail goes out, so the
    // offers they make to the next of the list go out this round too.
    let offers = drain_offers(engine, now).await?;
    let mut mail = DeliveryReport::default();
    // Account mail (password reset links) first: someone is waiting for it.
    loop {
        let r = courier
            .deliver_account_due(engine, now, clock, batch)
            .await?;
        mail.add(r);
        if r.claimed == 0 {
            break;
        }
    }
    loop {
        let r = courier.deliver_due(engine, now, clock, batch).await?;
        mail.add(r);
        if r.claimed == 0 {
            break;
        }
    }
    let webhooks = hooks
        .deliver_due(engine, now, clock, batch, all_hooks)
        .await?;
    Ok(Round {
        timers,
        mail,
        offers,
        webhooks,
    })
}

/// Lets lapsed offers lapse until none due at `now` is left to claim.
async fn drain_offers(engine: &Engine, now: Timestamp) -> anyhow::Result<OfferRound> {
    let mut total = OfferRound::default();
    loop {
        let round = engine.expire_due_offers(now).await?;
        // Only a round that let some lapse may have left more to claim.
        let more = round.claimed > 0 && !round.expired.is_empty();
        total.claimed += round.claimed;
        total.expired.extend(round.expired);
        total.skipped += round.skipped;
        total.retried += round.retried;
        total.failed += round.failed;
        if !more {
            return Ok(total);
        }
    }
}

/// Fires rounds until nothing due at `now` is left (several at once on
/// PostgreSQL: see `Engine::drain_due`).
async fn drain(engine: &Engine, now: Timestamp, batch: usize) -> anyhow::Result<FireReport> {
    Ok(engine.drain_due(now, batch).await?)
}

/// Completes on SIGINT or SIGTERM. The handlers are installed when this is
/// called, not when first awaited, so a signal arriving during the first
/// round lets that round finish instead of killing the process.
pub(super) fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt()).ok();
    let terminate = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {}
            () = wait(terminate) => {}
        }
    }
}
