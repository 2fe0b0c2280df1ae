//! `gradflow timers list|retry`: the timers the worker fires, for operators;
//! above all those that failed (the engine refused them on every attempt)
//! and why; a failed timer can be tried again once its cause is mended.

use std::process::ExitCode;

use super::args::TimersCommand;
use super::output::say;
use super::{Ctx, output};

pub async fn run(ctx: &Ctx, command: TimersCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        TimersCommand::List { state } => {
            let timers = engine.timers(&state).await?;
            if ctx.json {
                output::json(&timers);
            } else if timers.is_empty() {
                say!("no {state} timers");
            } else {
                for t in timers {
                    let retry = t
                        .retry_at
                        .filter(|_| t.state == "pending")
                        .map(|at| format!(", next try {at}"))
                        .unwrap_or_default();
                    let error = t
                        .last_error
                        .as_deref()
                        .map(|e| format!("  [{}]", output::clean(e)))
                        .unwrap_or_default();
                    say!(
                        "#{:<6} {:<7} project {:<5} {:<16} due {} attempts {}{retry}{error}",
                        t.id,
                        t.state,
                        t.project,
                        output::clean(&t.key),
                        t.due_at,
                        t.attempts
                    );
                }
            }
        }
        TimersCommand::Retry { id } => {
            engine.retry_timer(id).await?;
            output::done(
                ctx,
                &format!("timer {id} will be tried again by the worker"),
                serde_json::json!({ "retried": id }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
