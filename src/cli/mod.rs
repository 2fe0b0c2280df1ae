//! The commands, each a thin shell over the engine: parse, call, print.

pub mod args;
mod backup;
mod certificate;
mod committee;
pub mod config;
mod courier;
mod dates;
mod demo;
mod demo_trainers;
mod directory;
mod import;
mod intake;
mod keys;
mod mail;
mod migrate;
mod outbox;
pub mod output;
mod people;
mod places;
mod project;
mod serve;
mod simulate;
mod timers;
mod user;
// API tokens (issue 17, part 1).
mod tokens;
mod versions;
mod worker;
mod workflow;

use std::process::ExitCode;

use gradflow_engine::service::Engine;
use jiff::Timestamp;

use args::{AuditCommand, Cli, Command};
use output::say;

/// What every command needs: the options and, when it uses the database, an engine.
pub struct Ctx {
    /// Print JSON.
    pub json: bool,
    /// The instant to act at.
    pub now: Timestamp,
    /// The instant given with `--now` (a rehearsal's clock), if any.
    pub fixed_now: Option<Timestamp>,
    db: String,
}

impl Ctx {
    /// Opens the database as an engine; its schema must be current (a new,
    /// empty database is given it).
    pub async fn engine(&self) -> anyhow::Result<Engine> {
        connect(&self.db).await
    }
}

/// Opens the database at `url` as an engine; its schema must be current
/// (a new, empty database is given it; only `migrate` applies a pending one).
pub async fn connect(url: &str) -> anyhow::Result<Engine> {
    Ok(Engine::connect(url).await?)
}

/// Runs one command.
pub async fn run(cli: Cli, prepared: config::Prepared) -> anyhow::Result<ExitCode> {
    let ctx = Ctx {
        json: cli.json,
        now: cli.now.unwrap_or_else(Timestamp::now),
        fixed_now: cli.now,
        db: cli.db,
    };
    match cli.command {
        Command::Migrate(args) => migrate::run(&ctx, args).await,
        Command::Workflow(command) => workflow::run(&ctx, command).await,
        Command::Person(command) => directory::person(&ctx, command).await,
        Command::Program(command) => directory::program(&ctx, command).await,
        Command::Cohort(command) => directory::cohort(&ctx, command).await,
        Command::Certificate(command) => certificate::run(&ctx, command).await,
        Command::Project(command) => project::run(&ctx, command).await,
        Command::Audit(AuditCommand::Verify(args)) => audit_verify(&ctx, &args).await,
        Command::Backup(args) => backup::backup(&ctx, &args).await,
        Command::Restore(args) => backup::restore(&ctx, &args).await,
        Command::Outbox(command) => outbox::run(&ctx, command).await,
        Command::Mail(command) => mail::run(&ctx, command).await,
        Command::Timers(command) => timers::run(&ctx, command).await,
        Command::Committee(command) => committee::run(&ctx, command).await,
        Command::Import(args) => import::import(&ctx, &args).await,
        Command::Export(args) => import::export(&ctx, &args).await,
        Command::Keys(command) => keys::run(&ctx, command).await,
        Command::Worker(args) => worker::run(&ctx, args).await,
        Command::Serve(args) => serve::run(&ctx, &args.web).await,
        Command::User(command) => user::run(&ctx, command).await,
        Command::Demo(args) => demo::run(&ctx, &args).await,
        Command::Simulate(args) => simulate::run(&ctx, args).await,
        Command::Config(args::ConfigCommand::Check) => config::run_check(&ctx, &prepared),
        Command::Application(command) => intake::application(&ctx, command).await,
        Command::Offer(command) => places::offer(&ctx, command).await,
    }
}

async fn audit_verify(ctx: &Ctx, args: &args::VerifyArgs) -> anyhow::Result<ExitCode> {
    let engine = ctx.engine().await?;
    let files = args
        .files
        .clone()
        .unwrap_or_else(|| serve::beside(&ctx.db, "files"));
    audit_report(ctx, &engine, &files).await
}

/// Runs `audit verify` on `engine` with the evidence folder `files` and
/// prints what it found; exit 1 when broken.
async fn audit_report(
    ctx: &Ctx,
    engine: &Engine,
    files: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let report = engine.verify_audit_with(Some(files)).await?;
    if ctx.json {
        output::json(&report);
    } else if let Some(broken) = &report.broken {
        eprintln!("audit: BROKEN at {}", output::clean(&broken.to_string()));
    } else if let Some(broken) = &report.cohort_broken {
        eprintln!("audit: BROKEN at {}", output::clean(&broken.to_string()));
    } else {
        say!(
            "audit: ok, {} events in {} projects verified, {} evidence file(s) found with their SHA-256 in {}; {} events in {} cohort logs verified",
            report.events,
            report.projects,
            report.files_checked.unwrap_or(0),
            files.display(),
            report.cohort_events,
            report.cohorts
        );
    }
    if !ctx.json && report.failed_timers > 0 {
        eprintln!(
            "audit: {} timer(s) failed and will not fire (see gradflow timers list --state failed)",
            report.failed_timers
        );
    }
    Ok(if report.is_broken() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
