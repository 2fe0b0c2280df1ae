//! `gradflow migrate`: the one command that applies a pending migration;
//! `--status` lists every migration, applied or pending, and `--dry-run`
//! says what would be applied; neither changes anything.

use std::process::ExitCode;

use gradflow_engine::MigrationState;
use gradflow_engine::service::Engine;
use serde::Serialize;

use super::Ctx;
use super::args::MigrateArgs;
use super::output::{self, say};

/// What `migrate` did or would do, as `--json` prints it.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// `status`, `dry-run` or `migrate`.
    mode: &'static str,
    /// Every migration, applied or pending (after `migrate`: as it left them).
    migrations: &'a [MigrationState],
    /// The versions applied now (`migrate`) or that would be (`dry-run`).
    applied: Vec<i64>,
    /// Whether the schema is current when the command ends.
    current: bool,
}

pub async fn run(ctx: &Ctx, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let engine = Engine::connect_for_migrate(&ctx.db).await?;
    let before = engine.migrations().await?;
    let pending: Vec<&MigrationState> = before.iter().filter(|m| !m.applied).collect();
    if args.status {
        if ctx.json {
            output::json(&Report {
                mode: "status",
                migrations: &before,
                applied: vec![],
                current: pending.is_empty(),
            });
        } else {
            for m in &before {
                say!(
                    "{:04} {:<28} {}",
                    m.version,
                    m.description,
                    if m.applied { "applied" } else { "pending" }
                );
            }
            say!("{}", summary(pending.len()));
        }
    } else if args.dry_run {
        if ctx.json {
            output::json(&Report {
                mode: "dry-run",
                migrations: &before,
                applied: pending.iter().map(|m| m.version).collect(),
                current: pending.is_empty(),
            });
        } else if pending.is_empty() {
            say!("the database schema is up to date: nothing would be applied");
        } else {
            for m in &pending {
                say!("would apply {:04} {}", m.version, m.description);
            }
            say!("nothing was changed (run `gradflow migrate` to apply)");
        }
    } else {
        let applied = engine.migrate().await?;
        let after = engine.migrations().await?;
        if ctx.json {
            output::json(&Report {
                mode: "migrate",
                migrations: &after,
                applied: applied.iter().map(|m| m.version).collect(),
                current: after.iter().all(|m| m.applied),
            });
        } else if applied.is_empty() {
            say!("the database schema is up to date: nothing to apply");
        } else {
            for m in &applied {
                say!("applied {:04} {}", m.version, m.description);
            }
            say!("the database schema is up to date");
        }
    }
    engine.close().await;
    Ok(ExitCode::SUCCESS)
}

/// One line on how many migrations are pending.
fn summary(pending: usize) -> String {
    match pending {
        0 => "the database schema is up to date".to_owned(),
        1 => "1 migration pending: run `gradflow migrate` to apply it".to_owned(),
        n => format!("{n} migrations pending: run `gradflow migrate` to apply them"),
    }
}
