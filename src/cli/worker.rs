//! `gradflow worker`: fires the timers that fall due — deadlines, reminders,
//! recurring escalations — through the engine, round after round, until
//! stopped (SIGINT or SIGTERM: the round in progress finishes first).
//! Several workers may run on one PostgreSQL database: each timer is claimed
//! by one of them.

use std::process::ExitCode;
use std::time::Duration;

use gradflow_engine::service::{Engine, FireReport};
use jiff::Timestamp;

use super::Ctx;
use super::args::WorkerArgs;
use super::output::{self, say};

/// Longest sleep between rounds: a timer set by another process is noticed this late at most.
const POLL: Duration = Duration::from_secs(2);

pub async fn run(ctx: &Ctx, args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    if args.once {
        let total = drain(&engine, ctx.now, args.batch).await?;
        if ctx.json {
            output::json(&total);
        } else {
            say!(
                "worker: {} timer(s) claimed, {} project(s) changed, {} discarded, {} to retry",
                total.claimed,
                total.fired,
                total.discarded,
                total.retried
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stop = stop_signal();
    tokio::pin!(stop);
    say!("worker: running on {} (stop with Ctrl-C)", engine.database_kind());
    loop {
        let now = ctx.fixed_now.unwrap_or_else(Timestamp::now);
        let round = drain(&engine, now, args.batch).await?;
        if round.claimed > 0 {
            say!(
                "worker: {} timer(s) claimed, {} project(s) changed, {} discarded, {} to retry",
                round.claimed,
                round.fired,
                round.discarded,
                round.retried
            );
        }
        let wait = match engine.next_timer_due().await? {
            Some(due) => Duration::try_from(due.duration_since(Timestamp::now()))
                .unwrap_or(Duration::ZERO)
                .min(POLL),
            None => POLL,
        };
        tokio::select! {
            _ = &mut stop => break,
            () = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
        }
    }
    engine.close().await;
    say!("worker: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Fires rounds until nothing due at `now` is left.
async fn drain(engine: &Engine, now: Timestamp, batch: usize) -> anyhow::Result<FireReport> {
    let mut total = FireReport::default();
    loop {
        let round = engine.fire_due(now, batch).await?;
        total.claimed += round.claimed;
        total.fired += round.fired;
        total.discarded += round.discarded;
        total.retried += round.retried;
        // Timers given back after a lost race wait for the next round.
        if round.claimed == 0 || round.claimed == round.retried {
            return Ok(total);
        }
    }
}

/// Completes on SIGINT or SIGTERM.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminate = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = interrupt => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
