//! `gradflow project withdraw` and `gradflow offer take|decline|stuck|retry`
//! (issue 16, parts 2 and 5): a trainee's project ended as withdrawn from
//! any stage, its place given back and offered to the next of the waiting
//! list; a candidate's answer to an offer; the offers the worker could not
//! let lapse.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use gradflow_engine::service::{Changed, Engine};

use super::output::say;
use super::{Ctx, output};

/// Options of `project withdraw`.
#[derive(Debug, Args)]
pub struct WithdrawArgs {
    /// Project id.
    pub id: i64,
    /// Why the project ends (recorded in its history and mailed).
    #[arg(long)]
    pub reason: String,
    /// Who withdraws it (email): the project's trainee or a coordinator of
    /// its cohort; the operator when left out.
    #[arg(long = "as", value_name = "EMAIL")]
    pub by: Option<String>,
}

/// `gradflow offer ...`.
#[derive(Debug, Subcommand)]
pub enum OfferCommand {
    /// Take the place an application was offered (the candidate): the
    /// project starts on it.
    Take {
        /// Application id.
        application: i64,
        /// The candidate (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// Decline the place an application was offered (the candidate): it
    /// goes to the next of the waiting list.
    Decline {
        /// Application id.
        application: i64,
        /// The candidate (email).
        #[arg(long = "as", value_name = "EMAIL")]
        by: String,
    },
    /// Offers past their deadline that the worker could not let lapse:
    /// still being tried, or given up with the reason.
    Stuck,
    /// Put an offer the worker gave up on back in its queue.
    Retry {
        /// Application id.
        application: i64,
    },
}

/// `gradflow project withdraw ID --reason TEXT [--as EMAIL]`.
pub async fn withdraw(ctx: &Ctx, engine: &Engine, args: WithdrawArgs) -> anyhow::Result<ExitCode> {
    let done = engine
        .withdraw_trainee(args.id, args.by.as_deref(), &args.reason, ctx.now)
        .await?;
    if ctx.json {
        output::json(&done);
    } else {
        say!(
            "project {} withdrawn (stage {}); its place in the cohort is free; {} message(s) queued",
            done.outcome.project,
            done.outcome.stage,
            done.outcome.notifications
        );
        if let Some(application) = done.application {
            say!("application {application} withdrawn");
        }
        if let Some(offered) = done.offered {
            say!("the place was offered to application {offered}, the first of the waiting list");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `gradflow offer ...`.
pub async fn offer(ctx: &Ctx, command: OfferCommand) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    match command {
        OfferCommand::Take { application, by } => {
            let viewer = engine.acting_as(&by).await?;
            let changed = engine.take_offer_as(&viewer, application, ctx.now).await?;
            said(ctx, &changed, "taken");
        }
        OfferCommand::Decline { application, by } => {
            let viewer = engine.acting_as(&by).await?;
            let changed = engine
                .decline_offer_as(&viewer, application, ctx.now)
                .await?;
            said(ctx, &changed, "declined");
        }
        OfferCommand::Stuck => {
            let stuck = engine.stuck_offers().await?;
            if ctx.json {
                output::json(&stuck);
            } else if stuck.is_empty() {
                say!("no offer is stuck");
            } else {
                for s in stuck {
                    say!(
                        "application {} (cohort {}): lapsed {}, {} failed tries{}",
                        s.application,
                        s.cohort,
                        s.offer_expires,
                        s.attempts,
                        s.failure
                            .map(|f| format!(", given up: {f}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        OfferCommand::Retry { application } => {
            engine.retry_offer(application).await?;
            say!("offer {application} is back in the queue; the worker lets it lapse next round");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn said(ctx: &Ctx, changed: &Changed, what: &str) {
    if ctx.json {
        output::json(changed);
        return;
    }
    say!(
        "offer {what}: application {} is {}",
        changed.application.id,
        changed.application.state.as_str()
    );
    if let Some(project) = changed.project {
        say!("project {project} started");
    }
    if let Some(offered) = changed.offered {
        say!("the place was offered to application {offered}, the first of the waiting list");
    }
}
