//! Accepting 1,000 applications (issue 16's figure): a cohort open for
//! applications with 1,000 requests to join (set up through the engine,
//! not timed), then a coordinator's accepts one at a time through
//! `Engine::accept_as`: each a transaction that takes a place under the
//! cohort's row lock, moves the application, seals an event into the
//! cohort's hash-chained log, queues its mail and starts the trainee's
//! project (its own events, timers and mail). Figures: accepts per second,
//! p50/p99, and the ratio to the raw limit (one UPDATE + one INSERT per
//! transaction, in plain SQL) measured on the same database.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, ensure};
use gradflow_engine::Durability;
use gradflow_engine::service::{By, Engine, IntakeSettings};

use crate::drive::drive;
use crate::place::Place;
use crate::raw::{RawConn, RawWorker, Shape};
use crate::report::{Measure, thousands};
use crate::{Ctx, fixture, pure};

/// Applications accepted.
pub const APPLICATIONS: usize = 1_000;

/// Sets up the cohort on a fresh database of `place`, times the accepts,
/// checks what they wrote, and measures the raw limit beside them.
pub async fn accept(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let url = place.fresh("intake").await?;
    let engine = Arc::new(Engine::connect_with(&url, Durability::Full).await?);
    let directory = fixture::directory(&engine).await?;
    let now = fixture::now();
    let cohort = engine
        .open_intake(
            fixture::COHORT,
            IntakeSettings::default(),
            By::Operator,
            now,
        )
        .await?;
    let mut ids = Vec::with_capacity(APPLICATIONS);
    for i in 0..APPLICATIONS {
        let email = format!("candidate{i}@bench.example");
        engine
            .add_person(&email, &format!("Candidate {i}"), "Bench", now)
            .await?;
        let viewer = engine.acting_as(&email).await?;
        let changed = engine
            .request_as(&viewer, cohort.id, None, "I serve clients", now)
            .await
            .with_context(|| format!("request {i}"))?;
        ids.push(changed.application.id);
    }
    let group = format!("intake {}", place.kind());
    let mut m = Measure::default();
    let started = Instant::now();
    for id in &ids {
        let one = Instant::now();
        let mut result = engine
            .accept_as(By::Operator, cohort.id, &[*id], now)
            .await?;
        result
            .pop()
            .context("one result")?
            .with_context(|| format!("accepting application {id}"))?;
        m.latencies
            .push(u32::try_from(one.elapsed().as_micros()).unwrap_or(u32::MAX));
    }
    m.elapsed = started.elapsed();
    m.ops = ids.len() as u64;
    let rate = ctx.row(
        &group,
        &format!(
            "Engine::accept_as: {} applications, one at a time",
            thousands(APPLICATIONS as f64)
        ),
        1,
        &mut m,
        "a place, the application, a cohort event, mail and the project started",
    );
    let after = engine.cohort(fixture::COHORT).await?;
    ensure!(
        after.taken as usize == APPLICATIONS,
        "{group}: {} places taken, {APPLICATIONS} expected",
        after.taken
    );
    let projects = engine.projects(Some(&after)).await?.len();
    ensure!(
        projects == APPLICATIONS,
        "{group}: {projects} projects started, {APPLICATIONS} expected"
    );
    let report = engine.verify_audit().await?;
    ensure!(
        !report.is_broken(),
        "{group}: audit verify found the logs broken"
    );
    ctx.checks.push(format!(
        "{group}: {} accepted, {} places taken, {} projects started, every project and cohort log verifies",
        thousands(APPLICATIONS as f64),
        after.taken,
        projects
    ));
    // The raw limit on the same database: plain transactions on projects.
    let (subjects, _) = fixture::start_projects(&engine, &directory, "raw", 50, 1).await?;
    engine.close().await;
    let conn = match place {
        Place::Sqlite { .. } => RawConn::sqlite(&url, Durability::Full).await?,
        Place::Postgres { .. } => RawConn::pg(&url).await?,
    };
    let cycle = Arc::new(pure::cycle()?);
    let worker = RawWorker::new(conn, Shape::Minimal, cycle, subjects);
    let (mut workers, mut raw) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
    let raw_rate = ctx.row(&group, Shape::Minimal.describe(), 1, &mut raw, "");
    if let Some(w) = workers.pop() {
        w.into_parts().0.close().await?;
    }
    ctx.ratio(
        format!("{group}: Engine::accept_as / raw limit"),
        rate,
        raw_rate,
        None,
    );
    Ok(())
}
