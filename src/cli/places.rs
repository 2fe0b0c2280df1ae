//! `gradflow project withdraw` (issue 16, part 5): a trainee's project
//! ended as withdrawn from any stage, its place in the cohort given back.

use std::process::ExitCode;

use clap::Args;
use gradflow_engine::service::Engine;

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

/// `gradflow project withdraw ID --reason TEXT [--as EMAIL]`.
pub async fn withdraw(ctx: &Ctx, engine: &Engine, args: WithdrawArgs) -> anyhow::Result<ExitCode> {
    let outcome = engine
        .withdraw_trainee(args.id, args.by.as_deref(), &args.reason, ctx.now)
        .await?;
    if ctx.json {
        output::json(&outcome);
    } else {
        say!(
            "project {} withdrawn (stage {}); its place in the cohort is free; {} message(s) queued",
            outcome.project,
            outcome.stage,
            outcome.notifications
        );
    }
    Ok(ExitCode::SUCCESS)
}
