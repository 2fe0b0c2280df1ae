//! `--only group` (issue 18, part 3): `Engine::act` from 8 clients on
//! SQLite, whose commands share transactions through the group committer,
//! against the single-client raw limit of the same file, at FULL and NORMAL.

use std::sync::Arc;

use gradflow_engine::Durability;
use gradflow_engine::service::Engine;

use crate::drive::drive;
use crate::engine::ActWorker;
use crate::raw::{RawConn, RawWorker, Shape};
use crate::report::Goal;
use crate::{Ctx, audit, copy_db, durability_name, fixture, pure, sqlite_url, start_events};

/// Clients of the group-commit row.
const CLIENTS: usize = 8;

/// The rows: per durability, the raw limit (1 client), `Engine::act` from
/// 1 client and from [`CLIENTS`] clients, with the commands per transaction.
pub async fn run(ctx: &mut Ctx) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let cycle = Arc::new(pure::cycle()?);
    let template = dir.path().join("template.db");
    let engine = Arc::new(Engine::connect_with(&sqlite_url(&template), Durability::Normal).await?);
    let directory = fixture::directory(&engine).await?;
    let (subjects, _) = fixture::start_projects(&engine, &directory, "g", ctx.projects, 1).await?;
    engine.close().await;
    drop(engine);
    let base_events = start_events(&subjects);
    for durability in [Durability::Full, Durability::Normal] {
        let d = durability_name(durability);
        let group = format!("group {d}");
        // The raw limit, one client.
        let file = dir.path().join(format!("raw-{d}.db"));
        copy_db(&template, &file)?;
        let conn = RawConn::sqlite(&sqlite_url(&file), durability).await?;
        let worker = RawWorker::new(conn, Shape::Minimal, cycle.clone(), subjects.clone());
        let (mut workers, mut m) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
        let raw = ctx.row(&group, Shape::Minimal.describe(), 1, &mut m, "through sqlx");
        if let Some(w) = workers.pop() {
            w.into_parts().0.close().await?;
        }
        let mut rates = Vec::new();
        for clients in [1, CLIENTS] {
            let file = dir.path().join(format!("engine-{d}-{clients}.db"));
            copy_db(&template, &file)?;
            let engine = Arc::new(Engine::connect_with(&sqlite_url(&file), durability).await?);
            let workers: Vec<ActWorker> = fixture::split(subjects.clone(), clients)
                .into_iter()
                .map(|s| ActWorker::new(engine.clone(), s))
                .collect();
            let before = engine.group_commits();
            let (workers, mut m) = drive(workers, ctx.warmup, ctx.seconds).await?;
            let after = engine.group_commits();
            let shared = (after.1 - before.1) as f64 / ((after.0 - before.0).max(1)) as f64;
            rates.push(ctx.row(
                &group,
                "Engine::act (group commit)",
                clients,
                &mut m,
                &format!("{shared:.1} commands per transaction"),
            ));
            let written: u64 = workers.iter().map(|w| w.events).sum();
            audit(
                ctx,
                &format!("{group} Engine::act, {clients} clients"),
                &engine,
                base_events + written,
            )
            .await?;
            engine.close().await;
        }
        ctx.ratio(
            format!("{group}: Engine::act, 1 client / raw limit (1 client)"),
            rates[0],
            raw,
            Some(Goal::AtLeast(if durability == Durability::Full {
                0.7
            } else {
                0.5
            })),
        );
        ctx.ratio(
            format!(
                "{group}: Engine::act, {CLIENTS} clients (group commit) / raw limit (1 client)"
            ),
            rates[1],
            raw,
            Some(Goal::AtLeast(1.0)),
        );
    }
    Ok(())
}
