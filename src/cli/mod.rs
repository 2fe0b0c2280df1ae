//! The commands, each a thin shell over the engine: parse, call, print.

pub mod args;
mod demo;
mod directory;
mod output;
mod project;
mod workflow;

use std::process::ExitCode;

use anyhow::Context;
use gradflow_engine::service::Engine;
use gradflow_engine::store::Store;
use jiff::Timestamp;

use args::{AuditCommand, Cli, Command};

/// What every command needs: the options and, when it uses the database, an engine.
pub struct Ctx {
    /// Print JSON.
    pub json: bool,
    /// The instant to act at.
    pub now: Timestamp,
    db: String,
}

impl Ctx {
    /// Opens the database (migrating it) and wraps it in an engine.
    pub async fn engine(&self) -> anyhow::Result<Engine> {
        let store = Store::connect(&self.db)
            .await
            .with_context(|| format!("cannot open the database {}", output::redact(&self.db)))?;
        Ok(Engine::new(store))
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        json: cli.json,
        now: cli.now.unwrap_or_else(Timestamp::now),
        db: cli.db,
    };
    match cli.command {
        Command::Migrate => {
            ctx.engine().await?;
            output::done(
                &ctx,
                "the database schema is up to date",
                serde_json::json!({ "migrated": true }),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Workflow(command) => workflow::run(&ctx, command).await,
        Command::Person(command) => directory::person(&ctx, command).await,
        Command::Program(command) => directory::program(&ctx, command).await,
        Command::Cohort(command) => directory::cohort(&ctx, command).await,
        Command::Project(command) => project::run(&ctx, command).await,
        Command::Audit(AuditCommand::Verify) => audit_verify(&ctx).await,
        Command::Demo => demo::run(&ctx).await,
    }
}

async fn audit_verify(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let report = engine.store().verify_audit().await?;
    if ctx.json {
        output::json(&report);
    } else if let Some(broken) = &report.broken {
        eprintln!("audit: BROKEN at {broken}");
    } else {
        println!(
            "audit: ok, {} events in {} projects verified",
            report.events, report.projects
        );
    }
    Ok(if report.broken.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
