//! Scale (issue 18, part 7): a store of `--scale-projects` projects (default
//! 1,000,000) in cohorts of 1,000, each cohort with a coordinator of its own
//! and each project with its trainee and supervisor (ordinary sizes of
//! membership), written in bulk through `seed.rs` (rows exactly as the store
//! writes them; the set-up is printed, never a goal). On it:
//!
//! - `Engine::act` against its rate on a small store (one cohort of 1,000)
//!   set up the same way, measured in the same minute (goal: within 20%);
//! - the engine reads of a cohort's board (`GET /cohorts/{id}`: `board_as`,
//!   `names_on`, `milestone_answers_as`) and of a person's home page (`GET /`:
//!   `views_for`, `names_on`, `cohort_by_id`, `cohorts_for`), a trainee's and
//!   a coordinator's, p50/p99 (goal < 20 ms p99);
//! - the board of a 1,000-project cohort through the real web server at
//!   1,000 requests/s held steady: an open loop (each request sent at its
//!   scheduled instant, whatever the answers before it; latency from that
//!   instant, so a server falling behind shows), p99 (goal < 20 ms);
//! - `Engine::verify_audit` over the whole store: projects/s, events/s and
//!   this process's peak memory while it runs (it reads a page at a time);
//! - the peak memory of the commands an operator runs on such a store (the
//!   release `gradflow` binary beside the bench, under `/usr/bin/time`):
//!   `audit verify`, `export`, `backup` (goal < 200 MB each);
//! - the database's size per project.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use gradflow_engine::Durability;
use gradflow_engine::calendar::{MailHours, Weekend};
use gradflow_engine::service::{BoardList, Cohort, Engine, NewCohort, Viewer};
use jiff::Timestamp;

use crate::Ctx;
use crate::drive::drive;
use crate::engine::ActWorker;
use crate::fixture::{self, Subject};
use crate::place::Place;
use crate::report::{Goal, Measure, thousands};
use crate::seed::{self, Due};

/// Projects per cohort.
pub const COHORT_SIZE: usize = 1_000;
/// Goal: a page's engine reads, and the board over HTTP, p99 in µs.
const PAGE_GOAL_US: u32 = 20_000;
/// Goal: `Engine::act` on the large store as a share of its rate on the small one.
const ACT_GOAL: f64 = 0.8;
/// Goal: peak memory of any command, bytes.
const MEMORY_GOAL: u64 = 200 * 1024 * 1024;
/// Board requests per second, held steady.
const HTTP_RATE: f64 = 1_000.0;
/// Coordinators signed in for the HTTP board (their cohorts are asked in turn).
const SESSIONS: usize = 8;
/// The session cookie's name when cookies are not `Secure` (web/src/session.rs).
const SESSION_COOKIE: &str = "gradflow_session";
/// The coordinators' password (set through the engine).
const PASSWORD: &str = "bench-scale-password";

/// A store set up for the group.
struct Built {
    url: String,
    /// Its cohorts, with their coordinators' emails, in id order.
    cohorts: Vec<(Cohort, String)>,
    projects: usize,
    events: u64,
    rows: u64,
    /// Setting up cohorts and people through the engine.
    setting: Duration,
    /// Writing the projects in bulk.
    seeding: Duration,
}

/// The scale group on one database.
pub async fn run(ctx: &mut Ctx, place: &mut Place, projects: usize) -> anyhow::Result<()> {
    let group = format!("scale {}", place.kind());
    let small = build(place, "small", COHORT_SIZE.min(projects)).await?;
    eprintln!(
        "  … {group}: writing {} projects in cohorts of {COHORT_SIZE}",
        thousands(projects as f64)
    );
    let large = build(place, "large", projects).await?;
    place.settle(&small.url).await?;
    place.settle(&large.url).await?;
    keep(place, &large.url).await?;
    for (what, b) in [("small store", &small), ("large store", &large)] {
        ctx.facts.push(format!(
            "{group} {what}: {} projects in {} cohorts, {} events, {} rows; cohorts and coordinators through the engine {:.1} s, \
             projects written in bulk {:.1} s ({}/s; set-up, not a goal)",
            thousands(b.projects as f64),
            b.cohorts.len(),
            thousands(b.events as f64),
            thousands(b.rows as f64),
            b.setting.as_secs_f64(),
            b.seeding.as_secs_f64(),
            thousands(b.projects as f64 / b.seeding.as_secs_f64().max(1e-9))
        ));
    }
    let size = database_size(place, &large.url).await?;
    ctx.facts.push(format!(
        "{group}: database size {:.1} MB for {} projects: {:.0} bytes per project (all tables and indexes)",
        size as f64 / 1e6,
        thousands(large.projects as f64),
        size as f64 / large.projects.max(1) as f64
    ));

    // Engine::act: the small store, the large one, the small one again.
    let small_engine = Arc::new(Engine::connect_with(&small.url, Durability::Full).await?);
    let large_engine = Arc::new(Engine::connect_with(&large.url, Durability::Full).await?);
    let mut small_subjects = subjects(&small_engine, &small, ctx.projects).await?;
    let mut large_subjects = subjects(&large_engine, &large, ctx.projects).await?;
    let mut written = 0;
    let mut small_rates = Vec::new();
    let mut large_rate = 0.0;
    for (i, on_large) in [false, true, false].into_iter().enumerate() {
        let (engine, subjects) = if on_large {
            (&large_engine, std::mem::take(&mut large_subjects))
        } else {
            (&small_engine, std::mem::take(&mut small_subjects))
        };
        let (mut workers, mut m) = drive(
            vec![ActWorker::new(engine.clone(), subjects)],
            ctx.warmup,
            ctx.seconds,
        )
        .await?;
        let w = workers.pop().context("no worker")?;
        let what = if on_large {
            format!(
                "Engine::act on {} projects (FULL)",
                thousands(large.projects as f64)
            )
        } else {
            format!(
                "Engine::act on {} projects (FULL){}",
                thousands(small.projects as f64),
                if i == 0 { ", before" } else { ", after" }
            )
        };
        let rate = ctx.row(
            &group,
            &what,
            1,
            &mut m,
            &format!("{} projects in turn", w.subjects.len()),
        );
        if on_large {
            large_rate = rate;
            written += w.events;
            large_subjects = w.subjects;
        } else {
            small_rates.push(rate);
            small_subjects = w.subjects;
        }
    }
    let small_rate = small_rates.iter().sum::<f64>() / small_rates.len() as f64;
    ctx.ratio(
        format!(
            "{group}: Engine::act on {} projects / on {} (mean of before and after)",
            thousands(large.projects as f64),
            thousands(small.projects as f64)
        ),
        large_rate,
        small_rate,
        Some(Goal::AtLeast(ACT_GOAL)),
    );
    small_engine.close().await;
    drop(small_engine);
    place.discard(&small.url).await?;

    // The pages' engine reads, with a viewer, as the handlers make them.
    let engine = large_engine;
    let picks = spread(large.cohorts.len(), 64);
    let mut viewers = Vec::new();
    for &k in &picks {
        let (cohort, email) = &large.cohorts[k];
        viewers.push((cohort.id, viewer(&engine, email).await?));
    }
    let mut board = Measure::default();
    timed(ctx, &mut board, |i| {
        let (cohort, viewer) = &viewers[i % viewers.len()];
        let engine = engine.clone();
        let (cohort, viewer) = (*cohort, viewer.clone());
        async move { board_reads(&engine, &viewer, cohort).await }
    })
    .await?;
    page_row(
        ctx,
        &group,
        "board of a 1,000-project cohort: Engine reads of GET /cohorts/{id}",
        &mut board,
        "the overdue list's first page, a coordinator; board_as + names_on + milestone_answers_as",
    );
    let trainees: Vec<Viewer> = {
        let mut out = Vec::new();
        for s in large_subjects.iter().take(64) {
            out.push(viewer(&engine, &s.trainee.1).await?);
        }
        out
    };
    let mut home = Measure::default();
    timed(ctx, &mut home, |i| {
        let viewer = trainees[i % trainees.len()].clone();
        let engine = engine.clone();
        async move { home_reads(&engine, &viewer).await.map(|_| ()) }
    })
    .await?;
    page_row(
        ctx,
        &group,
        "a trainee's home page: Engine reads of GET /",
        &mut home,
        "views_for + names_on + cohort_by_id + cohorts_for",
    );
    let mut coordinator_home = Measure::default();
    timed(ctx, &mut coordinator_home, |i| {
        let viewer = viewers[i % viewers.len()].1.clone();
        let engine = engine.clone();
        async move {
            let n = home_reads(&engine, &viewer).await?;
            ensure!(
                n == COHORT_SIZE,
                "a coordinator's home page listed {n} projects"
            );
            Ok(())
        }
    })
    .await?;
    page_row(
        ctx,
        &group,
        "a coordinator's home page (1,000 projects): Engine reads of GET /",
        &mut coordinator_home,
        "every project of their cohort listed",
    );

    // The board through the real web server, at a steady rate.
    http_board(ctx, &group, &engine, &large).await?;

    // audit verify over the whole store, a page at a time.
    let mark = crate::machine::mark();
    let t = Instant::now();
    let report = engine.verify_audit().await?;
    let took = t.elapsed().as_secs_f64();
    let usage = crate::machine::usage(&mark);
    if let Some(broken) = report.broken {
        bail!("{group}: the audit chain is broken: {broken}");
    }
    ensure!(
        report.projects == large.projects as u64 && report.events == large.events + written,
        "{group}: audit verify saw {} projects and {} events; {} and {} expected",
        report.projects,
        report.events,
        large.projects,
        large.events + written
    );
    ctx.facts.push(format!(
        "{group}: Engine::verify_audit over {} projects, {} events in {took:.1} s: {}/s projects, {}/s events; \
         this process's peak memory meanwhile {}{}",
        thousands(report.projects as f64),
        thousands(report.events as f64),
        thousands(report.projects as f64 / took.max(1e-9)),
        thousands(report.events as f64 / took.max(1e-9)),
        usage.peak,
        if usage.own_peak {
            ""
        } else {
            " (since the start: no reset)"
        }
    ));
    ctx.checks.push(format!(
        "{group}: audit chain intact over {} projects, {} events (the seeded ones and those Engine::act wrote)",
        thousands(report.projects as f64),
        thousands(report.events as f64)
    ));
    engine.close().await;
    drop(engine);

    commands(ctx, &group, place, &large).await?;
    place.discard(&large.url).await?;
    Ok(())
}

/// Sets up `projects` projects in cohorts of [`COHORT_SIZE`] on a fresh
/// database of `place`: cohorts and coordinators through the engine, the
/// projects through `seed.rs`.
async fn build(place: &mut Place, tag: &str, projects: usize) -> anyhow::Result<Built> {
    let url = place.fresh(&format!("scale-{tag}")).await?;
    let started = Instant::now();
    let engine = Engine::connect_with(&url, Durability::Normal).await?;
    let now = fixture::now();
    fixture::directory(&engine).await?;
    let key = fixture::workflow()?.key;
    let definition = engine
        .definitions()
        .await?
        .into_iter()
        .find(|d| d.key == key)
        .context("the bench workflow is not published")?
        .id;
    let workflow = engine.workflow(definition).await?;
    let mut cohorts = Vec::new();
    for k in 0..projects.div_ceil(COHORT_SIZE) {
        let email = format!("coordinator-{tag}-{k}@bench.example");
        engine
            .add_person(&email, &format!("Coordinator {k}"), "Institute", now)
            .await?;
        let cohort = engine
            .create_cohort(
                NewCohort {
                    program: fixture::PROGRAM.into(),
                    name: format!("Scale cohort {k}"),
                    time_zone: fixture::ZONE.into(),
                    dates: fixture::dates(),
                    holidays: fixture::holidays(),
                    weekend: Weekend::default(),
                    mail_hours: MailHours::default(),
                    capacity: COHORT_SIZE as u32,
                    coordinators: vec![email.clone()],
                },
                now,
            )
            .await?;
        cohorts.push((cohort, email));
    }
    let mut coordinators = Vec::new();
    for (_, email) in &cohorts {
        coordinators.push(engine.person(email).await?.id);
    }
    engine.close().await;
    let setting = started.elapsed();
    let started = Instant::now();
    let (mut events, mut rows) = (0, 0);
    let mut last_said = Instant::now();
    for (k, ((cohort, _), coordinator)) in cohorts.iter().zip(&coordinators).enumerate() {
        let n = COHORT_SIZE.min(projects - k * COHORT_SIZE);
        let seeded = seed::write(
            &url,
            &seed::Plan {
                tag: &format!("{tag}{k}"),
                projects: n,
                now,
                workflow: &workflow,
                calendar: &cohort.calendar()?,
                definition,
                cohorts: &[cohort.id],
                coordinator: *coordinator,
                due: Due::AsDecided,
            },
        )
        .await
        .with_context(|| format!("seeding cohort {k}"))?;
        events += seeded.events;
        rows += seeded.rows;
        if last_said.elapsed() > Duration::from_secs(30) {
            last_said = Instant::now();
            eprintln!(
                "  …   {} of {} projects written ({:.0} s)",
                thousands(((k + 1) * COHORT_SIZE).min(projects) as f64),
                thousands(projects as f64),
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(Built {
        url,
        cohorts,
        projects,
        events,
        rows,
        setting,
        seeding: started.elapsed(),
    })
}

/// With `GRADFLOW_BENCH_SCALE_KEEP=NAME`, a copy of the large store as it
/// was set up is kept after the group, to profile its statements by hand
/// (`EXPLAIN (ANALYZE, BUFFERS)`): the PostgreSQL database NAME (replaced
/// when it exists) or the SQLite file NAME. Drop it by hand afterwards.
async fn keep(place: &Place, url: &str) -> anyhow::Result<()> {
    let Ok(name) = std::env::var("GRADFLOW_BENCH_SCALE_KEEP") else {
        return Ok(());
    };
    match place {
        Place::Sqlite { .. } => {
            let from = url.trim_start_matches("sqlite://");
            std::fs::copy(from, &name).with_context(|| format!("cannot copy {from} to {name}"))?;
            let wal = format!("{from}-wal");
            if Path::new(&wal).exists() {
                std::fs::copy(&wal, format!("{name}-wal"))?;
            }
        }
        Place::Postgres { admin, .. } => {
            ensure!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "GRADFLOW_BENCH_SCALE_KEEP must be a plain lowercase database name, not {name:?}"
            );
            let template = url
                .split('?')
                .next()
                .unwrap_or(url)
                .rsplit('/')
                .next()
                .unwrap_or_default();
            crate::pg::drop(admin, &name).await?;
            crate::pg::create_from(admin, &name, template).await?;
        }
    }
    eprintln!("  … the large store is kept as {name} (GRADFLOW_BENCH_SCALE_KEEP)");
    Ok(())
}

/// `n` indexes spread evenly over `0..len`.
fn spread(len: usize, n: usize) -> Vec<usize> {
    let n = n.min(len).max(1);
    (0..n).map(|i| i * len / n).collect()
}

/// `count` projects spread over the store's cohorts, as the harness drives them.
async fn subjects(engine: &Engine, built: &Built, count: usize) -> anyhow::Result<Vec<Subject>> {
    let picks = spread(built.cohorts.len(), count);
    let per = count.div_ceil(picks.len());
    let mut out = Vec::new();
    for k in picks {
        let summaries = engine.projects(Some(&built.cohorts[k].0)).await?;
        for s in spread(summaries.len(), per) {
            let view = engine.view(summaries[s].id).await?;
            let person = |role: &str| {
                view.record
                    .members
                    .iter()
                    .find(|m| m.role == role)
                    .map(|m| m.person)
                    .with_context(|| format!("project {} has no {role}", view.record.id))
            };
            let (trainee, supervisor) = (person("trainee")?, person("supervisor")?);
            ensure!(
                view.record.state.stage == fixture::PROPOSAL,
                "project {} starts in '{}'",
                view.record.id,
                view.record.state.stage
            );
            out.push(Subject {
                id: view.record.id,
                trainee: (trainee, engine.person_by_id(trainee).await?.email),
                supervisor: (supervisor, engine.person_by_id(supervisor).await?.email),
                coordinator: 0,
                version: view.record.state.version,
                events: 0,
                in_proposal: true,
            });
        }
    }
    out.truncate(count);
    Ok(out)
}

/// The viewer `email` signs in as.
async fn viewer(engine: &Engine, email: &str) -> anyhow::Result<Viewer> {
    Ok(Viewer {
        person: engine.person(email).await?,
        language: None,
    })
}

/// What `GET /cohorts/{id}` asks the engine for.
async fn board_reads(engine: &Engine, viewer: &Viewer, cohort: i64) -> anyhow::Result<()> {
    let board = engine
        .board_as(viewer, cohort, BoardList::Overdue, 1, Timestamp::now())
        .await?;
    let names = engine.names_on(&board.projects).await?;
    let ids: Vec<i64> = board.projects.iter().map(|v| v.record.id).collect();
    engine
        .milestone_answers_as(viewer, board.cohort.id, &ids)
        .await?;
    ensure!(
        board.total.projects == COHORT_SIZE as i64 && !ids.is_empty() && !names.is_empty(),
        "the board of cohort {cohort} counted {} projects and listed {}",
        board.total.projects,
        ids.len()
    );
    Ok(())
}

/// What `GET /` asks the engine for; returns the projects listed.
async fn home_reads(engine: &Engine, viewer: &Viewer) -> anyhow::Result<usize> {
    let views = engine.views_for(viewer).await?;
    engine.names_on(&views).await?;
    let mut seen: HashMap<i64, Cohort> = HashMap::new();
    for v in &views {
        if !seen.contains_key(&v.record.cohort_id) {
            let c = engine.cohort_by_id(v.record.cohort_id).await?;
            seen.insert(c.id, c);
        }
    }
    engine.cohorts_for(viewer).await?;
    ensure!(!views.is_empty(), "a home page listed no project");
    Ok(views.len())
}

/// Runs `op(i)` one after another for the warm-up, then for the measured
/// window, into `m`.
async fn timed<F, Fut>(ctx: &Ctx, m: &mut Measure, mut op: F) -> anyhow::Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let start = Instant::now();
    let from = start + ctx.warmup;
    let end = from + ctx.seconds;
    let mut i = 0;
    let mut last = from;
    loop {
        let t0 = Instant::now();
        if t0 >= end {
            break;
        }
        op(i).await?;
        i += 1;
        let t1 = Instant::now();
        if t0 >= from {
            m.ops += 1;
            m.latencies.push(micros(t1 - t0));
            last = t1;
        }
    }
    m.elapsed = last.saturating_duration_since(from);
    Ok(())
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}

/// Records a page's row with its p99 against the goal.
fn page_row(ctx: &mut Ctx, group: &str, what: &str, m: &mut Measure, note: &str) {
    let p99 = m.quantile(0.99).unwrap_or(0);
    let met = if p99 < PAGE_GOAL_US { "met" } else { "NOT met" };
    ctx.row(
        group,
        what,
        1,
        m,
        &format!("{note}; goal p99 < {} ms: {met}", PAGE_GOAL_US / 1000),
    );
}

/// The board of a 1,000-project cohort through the real web server (in this
/// process, on its own listener), at [`HTTP_RATE`] requests per second.
async fn http_board(
    ctx: &mut Ctx,
    group: &str,
    engine: &Arc<Engine>,
    built: &Built,
) -> anyhow::Result<()> {
    let mut sessions = Vec::new();
    for k in spread(built.cohorts.len(), SESSIONS) {
        let (cohort, email) = &built.cohorts[k];
        engine.set_password(email, PASSWORD).await?;
        let (_, session) = engine.sign_in(email, PASSWORD, Timestamp::now()).await?;
        sessions.push((cohort.id, session.token));
    }
    let files = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let config = gradflow_web::Config {
        files: files.path().join("files"),
        upload_limit: 1024,
        upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
        secure_cookies: false,
        // Every request comes from 127.0.0.1: the per-address limit (64
        // connections) would refuse an open loop's backlog, which is the
        // figure.
        limits: gradflow_web::Limits {
            max_connections: 16_384,
            max_connections_per_address: 16_384,
            ..gradflow_web::Limits::default()
        },
        password_reset: false,
        public_url: base.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradflow_web::serve(
        engine.clone(),
        config,
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let result = open_loop(ctx, &base, &sessions).await;
    let _ = stop.send(());
    server.await??;
    let (mut m, sent, failed) = result?;
    let p99 = m.quantile(0.99).unwrap_or(0);
    let late = m.latencies.iter().filter(|&&l| l >= PAGE_GOAL_US).count();
    let rate = ctx.row(
        group,
        "GET /cohorts/{id} (1,000-project cohort) at 1,000 requests/s held steady",
        0,
        &mut m,
        &format!(
            "open loop: {} requests sent on schedule, latency from each one's scheduled instant; {late} took >= 20 ms, \
             {failed} failed; goal p99 < 20 ms: {}",
            thousands(sent as f64),
            if p99 < PAGE_GOAL_US { "met" } else { "NOT met" }
        ),
    );
    ctx.checks.push(format!(
        "{group}: {} board requests answered 200 with the cohort's page, {failed} failed ({}/s answered of {}/s sent)",
        thousands(m.ops as f64),
        thousands(rate),
        thousands(HTTP_RATE)
    ));
    Ok(())
}

/// Sends `GET /cohorts/{id}` at [`HTTP_RATE`] for the warm-up and the
/// measured window, each at its instant on its own task; returns the
/// measured requests' latencies and how many were sent in all.
async fn open_loop(
    ctx: &Ctx,
    base: &str,
    sessions: &[(i64, String)],
) -> anyhow::Result<(Measure, usize, usize)> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .timeout(Duration::from_secs(30))
        .build()?;
    let interval = Duration::from_secs_f64(1.0 / HTTP_RATE);
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let from = start + ctx.warmup;
    let end = from + ctx.seconds;
    let mut tasks = tokio::task::JoinSet::new();
    let mut i = 0usize;
    loop {
        let at = start + interval * i as u32;
        if at >= end {
            break;
        }
        tokio::time::sleep_until(at).await;
        let (cohort, token) = &sessions[i % sessions.len()];
        let request = client
            .get(format!("{base}/cohorts/{cohort}"))
            .header(reqwest::header::COOKIE, format!("{SESSION_COOKIE}={token}"))
            .send();
        let counted = at >= from;
        tasks.spawn(async move {
            let answer = async {
                let response = request.await?;
                let status = response.status();
                let body = response.text().await?;
                ensure!(
                    status == 200 && body.contains("Scale cohort"),
                    "the board answered {status} ({} bytes)",
                    body.len()
                );
                anyhow::Ok(())
            }
            .await;
            (counted, at, at.elapsed(), answer)
        });
        i += 1;
    }
    let mut m = Measure::default();
    let mut last = from;
    let mut failed = 0;
    while let Some(done) = tasks.join_next().await {
        let (counted, at, took, answer) = done.context("a request task panicked")?;
        if let Err(e) = answer {
            if failed == 0 {
                eprintln!("  … a board request failed: {e:#}");
            }
            failed += 1;
            continue;
        }
        if counted {
            m.ops += 1;
            m.latencies.push(micros(took));
            last = last.max(at + took);
        }
    }
    m.elapsed = last.saturating_duration_since(from);
    Ok((m, i, failed))
}

/// The database's size on disk, bytes.
async fn database_size(place: &Place, url: &str) -> anyhow::Result<u64> {
    match place {
        Place::Sqlite { .. } => {
            let path = url.trim_start_matches("sqlite://");
            let mut size = 0;
            for suffix in ["", "-wal"] {
                if let Ok(m) = std::fs::metadata(format!("{path}{suffix}")) {
                    size += m.len();
                }
            }
            Ok(size)
        }
        Place::Postgres { .. } => {
            use sqlx::Connection;
            let mut c = sqlx::postgres::PgConnection::connect(url).await?;
            let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&mut c)
                .await?;
            c.close().await?;
            Ok(size.max(0) as u64)
        }
    }
}

/// The operator's commands on the store, each the release `gradflow`
/// binary beside the bench under `/usr/bin/time`: peak memory and time.
async fn commands(ctx: &mut Ctx, group: &str, place: &Place, built: &Built) -> anyhow::Result<()> {
    let binary = std::env::current_exe()?.with_file_name("gradflow");
    let time = Path::new("/usr/bin/time");
    if !binary.exists() || !time.exists() {
        ctx.facts.push(format!(
            "{group}: commands' peak memory not measured: needs {} (cargo build --release) and /usr/bin/time",
            binary.display()
        ));
        return Ok(());
    }
    let work = match place {
        Place::Sqlite { dir } => dir.path().to_path_buf(),
        Place::Postgres { .. } => std::env::temp_dir(),
    };
    let scratch = tempfile::tempdir_in(&work)?;
    let files = scratch.path().join("files");
    std::fs::create_dir_all(&files)?;
    let cohort = &built.cohorts[0].0.name;
    let backup = scratch.path().join("backup");
    let runs: Vec<(&str, Vec<String>)> = vec![
        (
            "audit verify",
            vec![
                "audit".into(),
                "verify".into(),
                "--files".into(),
                files.display().to_string(),
            ],
        ),
        (
            "export --cohort (a cohort's people)",
            vec![
                "export".into(),
                "--cohort".into(),
                cohort.clone(),
                "--output".into(),
                scratch.path().join("people.csv").display().to_string(),
            ],
        ),
        (
            "backup",
            vec![
                "backup".into(),
                backup.display().to_string(),
                "--files".into(),
                files.display().to_string(),
            ],
        ),
    ];
    for (what, args) in runs {
        let (peak, seconds) = match measure_command(time, &binary, &built.url, &args).await {
            Ok(figures) => figures,
            Err(e) => {
                // Said, not fatal: the other figures stand.
                ctx.facts
                    .push(format!("{group}: `gradflow {what}` failed: {e:#}"));
                continue;
            }
        };
        ctx.facts.push(format!(
            "{group}: `gradflow {what}` on {} projects: peak memory {:.1} MB in {seconds:.1} s (goal < 200 MB: {})",
            thousands(built.projects as f64),
            peak as f64 / 1_048_576.0,
            if peak < MEMORY_GOAL { "met" } else { "NOT met" }
        ));
    }
    Ok(())
}

/// Runs `binary --db url args` under GNU time; its peak resident memory
/// (bytes) and wall seconds. Fails when the command does.
async fn measure_command(
    time: &Path,
    binary: &PathBuf,
    url: &str,
    args: &[String],
) -> anyhow::Result<(u64, f64)> {
    let mut command = std::process::Command::new(time);
    command
        .arg("-f")
        .arg("gradflow-bench-time %M %e")
        .arg(binary)
        .arg("--db")
        .arg(url)
        .args(args)
        .stdout(std::process::Stdio::null());
    let output = tokio::task::spawn_blocking(move || command.output()).await??;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("gradflow-bench-time "))
        .context("no figures from /usr/bin/time")?;
    ensure!(
        output.status.success(),
        "it failed: {}",
        stderr.lines().take(5).collect::<Vec<_>>().join(" / ")
    );
    let mut parts = line.split_whitespace();
    let kb: u64 = parts.next().context("no peak")?.parse()?;
    let seconds: f64 = parts.next().context("no time")?.parse()?;
    Ok((kb * 1024, seconds))
}
