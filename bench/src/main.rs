//! gradflow-bench: throughput of the pure decision core, of the engine on
//! SQLite and PostgreSQL, of its timers and its outbox, and of the raw
//! limits they are measured against. Prints figures and ratios; never
//! asserts timings. See README.md.

/// mimalloc: the engine allocates many small, short-lived values per
/// decision (answers, events, timers); it measured 12% faster than the
/// system allocator on the decision core.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod api;
mod committee;
mod drive;
mod engine;
mod fixture;
mod import;
mod intake;
mod machine;
mod outbox;
mod pg;
mod place;
mod plain;
mod profile;
mod pure;
mod raw;
mod report;
mod seed;
mod smtp;
mod timers;
mod verify;
mod webhooks;
// Issue 18, part 3: Engine::act from 8 clients with group commit (SQLite).
mod group;
// issue 18, part 1: SpiffWorkflow, the peer (limits).
mod spiff;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use gradflow_engine::Durability;
use gradflow_engine::service::Engine;

use crate::drive::drive;
use crate::engine::{ActManyWorker, ActWorker};
use crate::fixture::Subject;
use crate::place::Place;
use crate::raw::{RawConn, RawWorker, Shape};
use crate::report::{Goal, Measure, Ratio, Row, thousands};

/// Environment variable naming a PostgreSQL server to measure.
const PG_ENV: &str = "GRADFLOW_BENCH_POSTGRES_URL";
/// Goal of the pure core, decisions per second on one core.
const CORE_GOAL: f64 = 500_000.0;
/// Goal of engine throughput as a share of the raw limit.
const RATIO_GOAL: f64 = 0.7;

/// Measures gradflow's engine against the raw database limit.
#[derive(Debug, Parser)]
#[command(name = "gradflow-bench", version, about)]
struct Args {
    /// Seconds per measurement (after a short warm-up).
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Projects under load per measurement.
    #[arg(long, default_value_t = 200)]
    projects: usize,
    /// Commands per transaction in the batched runs (Engine::act_many).
    #[arg(long, default_value_t = 50)]
    batch: usize,
    /// Due timers in the timer throughput group (the goal is stated for 1,000,000).
    #[arg(long, default_value_t = 100_000)]
    timers: usize,
    /// Timers claimed per Engine::fire_due round (the worker's default).
    #[arg(long, default_value_t = 500)]
    timer_batch: usize,
    /// Timers falling due per second in the lateness group.
    #[arg(long, default_value_t = 10_000.0)]
    lateness_rate: f64,
    /// Seconds of real time the lateness group's timers fall due over.
    #[arg(long, default_value_t = 30.0)]
    lateness_seconds: f64,
    /// Outbox messages delivered in the outbox group.
    #[arg(long, default_value_t = 500)]
    mails: usize,
    /// Add up the engine's SQL statements (count, time) during the timer,
    /// outbox and SQLite `Engine::act` measurements and print where the time went.
    #[arg(long)]
    profile_sql: bool,
    /// Run only these parts (repeat the option for several; default: all).
    #[arg(long, value_enum)]
    only: Vec<Only>,
}

/// The parts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Only {
    /// The pure decision core.
    Core,
    /// Transitions on SQLite.
    Sqlite,
    /// Transitions on PostgreSQL.
    Postgres,
    /// Timers fired per second, against the raw queue (SQLite, and PostgreSQL if set).
    Timers,
    /// Timer lateness under a steady rate (SQLite, and PostgreSQL if set).
    Lateness,
    /// Outbox messages delivered per second into a local SMTP server.
    Outbox,
    /// Committee assignment in memory: 3 evaluators x 1,000 projects from a pool of 100.
    Committee,
    /// The public certificate check, `/verify/CODE`, over HTTP.
    Verify,
    /// Accepting 1,000 applications into a cohort (SQLite, and PostgreSQL if set).
    Intake,
    /// A 10,000-row CSV checked and imported (SQLite, and PostgreSQL if set).
    Import,
    /// Signed webhook deliveries per second into a local receiver.
    Webhooks,
    /// The JSON API: listing a cohort's 1,000 projects and posting actions,
    /// 8 clients, against the raw limit (SQLite, and PostgreSQL if set).
    Api,
    /// `Engine::act` from 1 and 8 clients with group commit on SQLite,
    /// against the single-client raw limit (FULL and NORMAL).
    Group,
}

/// What the run has found so far.
struct Ctx {
    seconds: Duration,
    warmup: Duration,
    projects: usize,
    batch: usize,
    rows: Vec<Row>,
    ratios: Vec<Ratio>,
    checks: Vec<String>,
    facts: Vec<String>,
    /// What each group used (time, memory, load).
    usage: Vec<(String, machine::Usage)>,
    timers: usize,
    timer_batch: usize,
    lateness_rate: f64,
    lateness_seconds: f64,
    mails: usize,
    /// Whether `--profile-sql` is on.
    profile: bool,
    /// Sections profiled: name, wall seconds, rounds, statements.
    profiles: Vec<(String, f64, usize, Vec<profile::Line>)>,
}

impl Ctx {
    /// Records a measurement and returns its rate.
    fn row(&mut self, group: &str, what: &str, clients: usize, m: &mut Measure, note: &str) -> f64 {
        let mut row = Row::of(group, what, clients, m);
        row.note = note.to_owned();
        eprintln!(
            "  … {group}: {what} ({clients} client{}): {}/s",
            if clients == 1 { "" } else { "s" },
            thousands(row.rate)
        );
        let rate = row.rate;
        self.rows.push(row);
        rate
    }

    fn ratio(&mut self, what: String, a: f64, b: f64, goal: Option<Goal>) {
        if b > 0.0 {
            self.ratios.push(Ratio {
                what,
                value: a / b,
                goal,
            });
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if args.projects == 0
        || args.batch == 0
        || args.timers == 0
        || args.timer_batch == 0
        || args.mails == 0
        || !positive(args.seconds)
        || !positive(args.lateness_rate)
        || !positive(args.lateness_seconds)
    {
        eprintln!(
            "bench: --projects, --batch, --timers, --timer-batch, --mails, --seconds, \
             --lateness-rate and --lateness-seconds must be positive"
        );
        return ExitCode::FAILURE;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let seconds = Duration::from_secs_f64(args.seconds);
    let mut ctx = Ctx {
        seconds,
        warmup: (seconds / 4).min(Duration::from_millis(500)),
        projects: args.projects,
        batch: args.batch.max(1),
        rows: Vec::new(),
        ratios: Vec::new(),
        checks: Vec::new(),
        facts: Vec::new(),
        usage: Vec::new(),
        timers: args.timers,
        timer_batch: args.timer_batch,
        lateness_rate: args.lateness_rate,
        lateness_seconds: args.lateness_seconds,
        mails: args.mails,
        profile: args.profile_sql,
        profiles: Vec::new(),
    };
    if args.profile_sql {
        profile::install()?;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("gradflow-bench {}", env!("CARGO_PKG_VERSION"));
    println!(
        "machine: {cores} core(s) available; profile: {}",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    if cfg!(debug_assertions) {
        println!(
            "WARNING: this is a debug build; its figures mean nothing. Run: cargo run --release -p gradflow-bench"
        );
    }
    println!(
        "settings: {} s per measurement after a {} ms warm-up; {} projects; batches of {}; workflow graduation-service (submit <-> request_changes)",
        args.seconds,
        ctx.warmup.as_millis(),
        args.projects,
        ctx.batch
    );
    println!(
        "timers: {} due, rounds of {}; lateness: {}/s over {} s; outbox: {} messages",
        thousands(args.timers as f64),
        args.timer_batch,
        thousands(args.lateness_rate),
        args.lateness_seconds,
        thousands(args.mails as f64)
    );
    println!();

    let want = |part: Only| args.only.is_empty() || args.only.contains(&part);
    let pg_url = std::env::var(PG_ENV)
        .ok()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if want(Only::Core) {
        eprintln!("pure decision core…");
        let mark = machine::mark();
        core_part(&mut ctx)?;
        ctx.usage.push(("core".into(), machine::usage(&mark)));
    }
    if want(Only::Committee) {
        eprintln!("committee assignment…");
        let mark = machine::mark();
        committee_part(&mut ctx)?;
        ctx.usage.push(("committee".into(), machine::usage(&mark)));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    if want(Only::Sqlite) {
        eprintln!("SQLite…");
        let mark = machine::mark();
        runtime.block_on(sqlite_part(&mut ctx))?;
        ctx.usage
            .push(("sqlite transitions".into(), machine::usage(&mark)));
    }
    let mut pg_skipped = None;
    if want(Only::Postgres) {
        match &pg_url {
            Some(url) => {
                eprintln!("PostgreSQL…");
                let mark = machine::mark();
                runtime.block_on(postgres_part(&mut ctx, url))?;
                ctx.usage
                    .push(("postgres transitions".into(), machine::usage(&mark)));
            }
            None => {
                pg_skipped = Some(format!(
                    "PostgreSQL: skipped; to measure it, set {PG_ENV}=postgres://USER[:PASSWORD]@HOST:PORT/DB \
                     (a role allowed to CREATE DATABASE; fresh gradflow_bench_* databases are created and dropped)"
                ));
            }
        }
    }
    for part in [
        Only::Timers,
        Only::Lateness,
        Only::Outbox,
        Only::Verify,
        Only::Intake,
        Only::Import,
        Only::Webhooks,
        Only::Api,
    ] {
        if !want(part) {
            continue;
        }
        for database in ["sqlite", "postgres"] {
            let mut place = match (database, &pg_url) {
                ("sqlite", _) => Place::sqlite()?,
                (_, Some(url)) => Place::postgres(url),
                (_, None) => continue,
            };
            let name = format!("{} {database}", part_name(part));
            eprintln!("{name}…");
            let mark = machine::mark();
            let result = runtime.block_on(async {
                let result = match part {
                    Only::Timers => timers::throughput(&mut ctx, &mut place).await,
                    Only::Lateness => timers::lateness(&mut ctx, &mut place).await,
                    Only::Verify => verify::check(&mut ctx, &mut place).await,
                    Only::Intake => intake::accept(&mut ctx, &mut place).await,
                    Only::Import => import_part(&mut ctx, &mut place).await,
                    Only::Webhooks => webhooks::delivery(&mut ctx, &mut place).await,
                    Only::Api => api::run(&mut ctx, &mut place).await,
                    _ => outbox::delivery(&mut ctx, &mut place).await,
                };
                let cleaned = place.cleanup().await;
                result.and(cleaned)
            });
            ctx.usage.push((name, machine::usage(&mark)));
            result?;
        }
    }
    if want(Only::Group) {
        eprintln!("group commit on SQLite…");
        let mark = machine::mark();
        runtime.block_on(group::run(&mut ctx))?;
        ctx.usage
            .push(("group commit sqlite".into(), machine::usage(&mark)));
    }
    drop(runtime);

    for f in &ctx.facts {
        println!("{f}");
    }
    if !ctx.facts.is_empty() {
        println!();
    }
    report::print_table(&ctx.rows);
    println!();
    if !ctx.ratios.is_empty() {
        println!("ratios");
        report::print_ratios(&ctx.ratios);
        println!();
    }
    if !ctx.checks.is_empty() {
        println!("checks (a benchmark that silently does wrong work is worse than none)");
        for c in &ctx.checks {
            println!("  {c}");
        }
        println!();
    }
    for (name, wall, rounds, lines) in &ctx.profiles {
        report::print_profile(name, *wall, *rounds, lines);
    }
    if let Some(line) = pg_skipped {
        println!("{line}");
    }
    println!(
        "what each group used (peak memory: this process's VmHWM, reset at the start of each group; \
         the PostgreSQL server is another process, counted among the others' cores)"
    );
    report::print_usage(&ctx.usage);
    println!("total time: {:.1} s", started.elapsed().as_secs_f64());
    println!("bench: done");
    Ok(())
}

fn part_name(part: Only) -> &'static str {
    match part {
        Only::Core => "core",
        Only::Sqlite => "sqlite",
        Only::Postgres => "postgres",
        Only::Timers => "timers",
        Only::Lateness => "lateness",
        Only::Outbox => "outbox",
        Only::Committee => "committee",
        Only::Verify => "verify",
        Only::Intake => "intake",
        Only::Import => "import",
        Only::Webhooks => "webhooks",
        Only::Api => "api",
        Only::Group => "group",
    }
}

/// Committee assignment (issue 15): time per cohort and the load spread.
async fn import_part(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let run = import::run(place).await?;
    ctx.facts.push(format!(
        "import {}: a {}-row CSV ({:.1} MB, {} projects): check (dry run) {:.2} s, import in one transaction {:.2} s; \
         peak memory {} (this process's VmHWM over both)",
        place.kind(),
        thousands(import::ROWS as f64),
        run.bytes as f64 / 1_000_000.0,
        thousands(run.started as f64),
        run.check,
        run.import,
        run.peak
    ));
    ctx.checks.push(format!(
        "import {}: every row read, every person created, {} projects started and as many places taken",
        place.kind(),
        thousands(run.started as f64)
    ));
    Ok(())
}

fn committee_part(ctx: &mut Ctx) -> anyhow::Result<()> {
    let mut run = committee::run(ctx.seconds)?;
    let median = run.measure.quantile(0.5).unwrap_or(0);
    let p99 = run.measure.quantile(0.99).unwrap_or(0);
    let (most, least) = run.loads;
    let note = format!(
        "{} evaluators x {} projects from a pool of {}: median {:.1} ms per cohort (p99 {:.1} ms), \
         {:.2} µs per project; load {least}..{most} (spread {}); {} project(s) refused",
        committee::EVALUATORS,
        thousands(committee::PROJECTS as f64),
        committee::POOL,
        f64::from(median) / 1000.0,
        f64::from(p99) / 1000.0,
        f64::from(median) / committee::PROJECTS as f64,
        most - least,
        run.refused
    );
    ctx.facts.push(format!("committee assignment: {note}"));
    ctx.checks.push(format!(
        "committee: every evaluator picked obeys the rules (organization, supervisor, declared conflicts, chair); load spread {}",
        most - least
    ));
    ctx.row(
        "committee (memory)",
        "assign(): whole cohorts",
        1,
        &mut run.measure,
        &note,
    );
    Ok(())
}

fn core_part(ctx: &mut Ctx) -> anyhow::Result<()> {
    let mut run = pure::run(ctx.seconds, ctx.warmup)?;
    let rate = run.measure.rate();
    let spread = match (run.slices.first(), run.slices.last()) {
        (Some(lo), Some(hi)) => format!(
            "; 250 ms slices {}..{}/s (median {})",
            thousands(*lo),
            thousands(*hi),
            thousands(run.slices[run.slices.len() / 2])
        ),
        _ => String::new(),
    };
    let note = format!(
        "goal {}/s; {:.2} µs/decision; {}/s events sealed{spread}",
        thousands(CORE_GOAL),
        1e6 / rate.max(1e-9),
        thousands(run.events as f64 / run.measure.elapsed.as_secs_f64())
    );
    ctx.row(
        "core (memory)",
        "decide(): accepted transitions",
        1,
        &mut run.measure,
        &note,
    );
    ctx.ratio(
        "core: decisions/s / goal 500,000/s".into(),
        rate,
        CORE_GOAL,
        Some(Goal::AtLeast(1.0)),
    );
    ctx.checks.push(format!(
        "core: every decision continued the chain; audit::verify re-checked {} events of a fresh 1,000-decision run",
        thousands(run.verified as f64)
    ));
    Ok(())
}

fn durability_name(d: Durability) -> &'static str {
    match d {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Copies the SQLite file `from` (and its WAL, if any) to `to`.
fn copy_db(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::copy(from, to).with_context(|| format!("copy {}", from.display()))?;
    let wal = format!("{}-wal", from.display());
    if Path::new(&wal).exists() {
        std::fs::copy(&wal, format!("{}-wal", to.display()))?;
    }
    Ok(())
}

/// Checks the audit chain of every project (and replays it against the
/// stored state) and that the log holds exactly `expected` events.
async fn audit(ctx: &mut Ctx, what: &str, engine: &Engine, expected: u64) -> anyhow::Result<()> {
    let t = Instant::now();
    let report = engine.verify_audit().await?;
    if let Some(broken) = report.broken {
        bail!("{what}: the audit chain is broken: {broken}");
    }
    ensure!(
        report.events == expected,
        "{what}: {} events stored, {} expected",
        report.events,
        expected
    );
    ctx.checks.push(format!(
        "{what}: audit chain intact over {} projects, {} events (as expected; verified in {:.2} s)",
        report.projects,
        thousands(report.events as f64),
        t.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn start_events(subjects: &[Subject]) -> u64 {
    subjects.iter().map(|s| s.events as u64).sum()
}

/// Which SQLite driver a raw figure went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Driver {
    /// sqlx: each statement handed to the connection's worker thread.
    Sqlx,
    /// rusqlite: synchronous, in process, on the caller's thread.
    Rusqlite,
}

impl Driver {
    fn name(self) -> &'static str {
        match self {
            Driver::Sqlx => "sqlx",
            Driver::Rusqlite => "rusqlite",
        }
    }
}

/// A raw figure of the sqlite group: its shape, driver and rate.
#[derive(Debug, Clone, Copy)]
struct RawRate {
    shape: Shape,
    driver: Driver,
    rate: f64,
}

/// The fastest raw figure of `shape` among `rates`: (rate, driver's name).
fn fastest(rates: &[RawRate], shape: Shape) -> (f64, &'static str) {
    rates
        .iter()
        .filter(|r| r.shape == shape)
        .max_by(|a, b| a.rate.total_cmp(&b.rate))
        .map_or((0.0, "none"), |r| (r.rate, r.driver.name()))
}

/// The label of a raw row: its shape (with N when batched) and driver.
fn raw_label(shape: Shape, driver: Driver, batch: usize) -> String {
    let what = shape.describe().replace("N x", &format!("{batch} x"));
    format!("{what} ({})", driver.name())
}

/// Clients of the sqlite group's concurrent row (the goal's 8).
const SQLITE_CLIENTS: usize = 8;
/// The goal's bound on the concurrent clients' p99 latency, in µs.
const SQLITE_P99_GOAL_US: f64 = 10_000.0;
/// The single-client goal at NORMAL (FULL's is [`RATIO_GOAL`]).
const NORMAL_RATIO_GOAL: f64 = 0.5;

/// Runs one raw shape on a fresh copy of `template` through `driver`;
/// checks the events it wrote and returns its rate.
#[allow(clippy::too_many_arguments)]
async fn sqlite_raw(
    ctx: &mut Ctx,
    dir: &Path,
    template: &Path,
    durability: Durability,
    shape: Shape,
    driver: Driver,
    cycle: &Arc<pure::Cycle>,
    subjects: &[Subject],
) -> anyhow::Result<f64> {
    let d = durability_name(durability);
    let group = if shape == Shape::Ping {
        "sqlite".to_owned()
    } else {
        format!("sqlite {d}")
    };
    let file = dir.join(format!("raw-{d}-{shape:?}-{}.db", driver.name()));
    copy_db(template, &file)?;
    let label = raw_label(shape, driver, ctx.batch.min(subjects.len()));
    let note = match shape {
        Shape::Ping => "calibration: the cost of one await on the database",
        Shape::Batched => "changes/s (projects moved); latency per transaction",
        _ => "",
    };
    let (rate, written, before, after) = match driver {
        Driver::Sqlx => {
            let mut conn = RawConn::sqlite(&sqlite_url(&file), durability).await?;
            let before = conn.count_events().await?;
            let worker =
                RawWorker::new(conn, shape, cycle.clone(), subjects.to_vec()).with_batch(ctx.batch);
            let (mut workers, mut m) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
            let rate = ctx.row(&group, &label, 1, &mut m, note);
            let w = workers.pop().context("no worker")?;
            let written = w.events;
            let (mut conn, _) = w.into_parts();
            let after = conn.count_events().await?;
            conn.close().await?;
            (rate, written, before, after)
        }
        Driver::Rusqlite => {
            let worker =
                raw::LiteWorker::open(&file, durability, shape, cycle.clone(), subjects.to_vec())?
                    .with_batch(ctx.batch);
            if shape == Shape::Ping {
                ctx.facts.push(format!(
                    "rusqlite {} (bundled, the store's own SQLite through sqlx is the same library): \
                     synchronous calls on the client's task thread, statements prepared once",
                    worker.version()
                ));
            }
            let before = worker.count_events()?;
            let (mut workers, mut m) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
            let rate = ctx.row(&group, &label, 1, &mut m, note);
            let w = workers.pop().context("no worker")?;
            let after = w.count_events()?;
            (rate, w.events, before, after)
        }
    };
    ensure!(
        after - before == written as i64,
        "{group} {label}: {} events inserted, {written} expected",
        after - before
    );
    if shape != Shape::Ping {
        ctx.checks.push(format!(
            "{group} {label}: every UPDATE hit its row at the expected version; {} events inserted as expected",
            thousands(written as f64)
        ));
    }
    std::fs::remove_file(&file).ok();
    Ok(rate)
}

async fn sqlite_part(ctx: &mut Ctx) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let cycle = Arc::new(pure::cycle()?);

    // One template file, set up once through the engine, copied for each run.
    let template = dir.path().join("template.db");
    let engine = Arc::new(Engine::connect_with(&sqlite_url(&template), Durability::Normal).await?);
    let directory = fixture::directory(&engine).await?;
    let (subjects, took) =
        fixture::start_projects(&engine, &directory, "s", ctx.projects, 1).await?;
    let mut setup = Measure {
        ops: subjects.len() as u64,
        elapsed: took,
        latencies: Vec::new(),
    };
    ctx.row(
        "sqlite NORMAL",
        "setup: Engine::start_project",
        1,
        &mut setup,
        "creating projects (not a goal)",
    );
    engine.close().await;
    drop(engine);
    let base_events = start_events(&subjects);

    // Calibration: what one statement costs through each driver.
    let mut pings = Vec::new();
    for driver in [Driver::Sqlx, Driver::Rusqlite] {
        let rate = sqlite_raw(
            ctx,
            dir.path(),
            &template,
            Durability::Full,
            Shape::Ping,
            driver,
            &cycle,
            &subjects,
        )
        .await?;
        pings.push(rate);
    }
    ctx.ratio(
        "sqlite: SELECT 1 sqlx / rusqlite (the hop to sqlx's worker thread)".into(),
        pings[0],
        pings[1],
        None,
    );

    let mut act_full = 0.0;
    let mut act_normal = 0.0;
    for durability in [Durability::Full, Durability::Normal] {
        let d = durability_name(durability);
        let group = format!("sqlite {d}");

        // Engine::act, one client.
        let file = dir.path().join(format!("engine-{d}.db"));
        copy_db(&template, &file)?;
        let engine = Arc::new(Engine::connect_with(&sqlite_url(&file), durability).await?);
        let worker = ActWorker::new(engine.clone(), subjects.clone());
        if ctx.profile {
            profile::start();
        }
        let (workers, mut m) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
        if ctx.profile {
            ctx.profiles.push((
                format!("{group} Engine::act (1 client)"),
                m.elapsed.as_secs_f64(),
                m.ops as usize,
                profile::stop(),
            ));
        }
        let engine_rate = ctx.row(
            &group,
            "Engine::act (load + decide + commit)",
            1,
            &mut m,
            "",
        );
        match durability {
            Durability::Full => act_full = engine_rate,
            Durability::Normal => act_normal = engine_rate,
        }
        let written: u64 = workers.iter().map(|w| w.events).sum();
        audit(
            ctx,
            &format!("{group} Engine::act"),
            &engine,
            base_events + written,
        )
        .await?;
        engine.close().await;
        drop(engine);
        std::fs::remove_file(&file).ok();

        // Engine::act, 8 concurrent clients, each on its own projects.
        let file = dir.path().join(format!("engine8-{d}.db"));
        copy_db(&template, &file)?;
        let engine = Arc::new(Engine::connect_with(&sqlite_url(&file), durability).await?);
        let workers: Vec<ActWorker> = fixture::split(subjects.clone(), SQLITE_CLIENTS)
            .into_iter()
            .map(|s| ActWorker::new(engine.clone(), s))
            .collect();
        let clients = workers.len();
        let (workers, mut m) = drive(workers, ctx.warmup, ctx.seconds).await?;
        let p99 = m.quantile(0.99).map_or(0.0, f64::from);
        let concurrent_rate = ctx.row(
            &group,
            "Engine::act (load + decide + commit)",
            clients,
            &mut m,
            "each client on its own projects",
        );
        let written: u64 = workers.iter().map(|w| w.events).sum();
        audit(
            ctx,
            &format!("{group} Engine::act, {clients} clients"),
            &engine,
            base_events + written,
        )
        .await?;
        engine.close().await;
        drop(engine);
        std::fs::remove_file(&file).ok();

        // Engine::act_many: one transaction per batch.
        let file = dir.path().join(format!("batch-{d}.db"));
        copy_db(&template, &file)?;
        let engine = Arc::new(Engine::connect_with(&sqlite_url(&file), durability).await?);
        let worker = ActManyWorker::new(engine.clone(), subjects.clone(), ctx.batch);
        let (workers, mut m) = drive(vec![worker], ctx.warmup, ctx.seconds).await?;
        let batch_rate = ctx.row(
            &group,
            &format!(
                "Engine::act_many (batches of {})",
                ctx.batch.min(subjects.len())
            ),
            1,
            &mut m,
            "transitions/s; latency per batch",
        );
        let written: u64 = workers.iter().map(|w| w.events).sum();
        audit(
            ctx,
            &format!("{group} Engine::act_many"),
            &engine,
            base_events + written,
        )
        .await?;
        engine.close().await;
        drop(engine);
        std::fs::remove_file(&file).ok();

        // The raw limits, through both drivers.
        if durability == Durability::Full {
            let file = dir.path().join("version.db");
            copy_db(&template, &file)?;
            let mut conn = RawConn::sqlite(&sqlite_url(&file), durability).await?;
            let v = conn.version().await?;
            conn.close().await?;
            ctx.facts.push(format!(
                "SQLite {v} (bundled): WAL, foreign keys on, the store's page cache; one connection for each raw limit; the store's pool has 4"
            ));
        }
        let mut rates = Vec::new();
        for driver in [Driver::Sqlx, Driver::Rusqlite] {
            for shape in [
                Shape::Minimal,
                Shape::WithReads,
                Shape::EngineIo,
                Shape::Batched,
            ] {
                let rate = sqlite_raw(
                    ctx,
                    dir.path(),
                    &template,
                    durability,
                    shape,
                    driver,
                    &cycle,
                    &subjects,
                )
                .await?;
                rates.push(RawRate {
                    shape,
                    driver,
                    rate,
                });
            }
        }
        let (raw, raw_by) = fastest(&rates, Shape::Minimal);
        let (reads, reads_by) = fastest(&rates, Shape::WithReads);
        let (io, io_by) = fastest(&rates, Shape::EngineIo);
        let (batched, batched_by) = fastest(&rates, Shape::Batched);
        let goal = match durability {
            Durability::Full => RATIO_GOAL,
            Durability::Normal => NORMAL_RATIO_GOAL,
        };
        ctx.ratio(
            format!("{group}: Engine::act / raw limit ({raw_by}, the fastest)"),
            engine_rate,
            raw,
            Some(Goal::AtLeast(goal)),
        );
        ctx.ratio(
            format!("{group}: Engine::act / raw + reads ({reads_by}, the fastest)"),
            engine_rate,
            reads,
            None,
        );
        ctx.ratio(
            format!(
                "{group}: Engine::act / raw with all the engine's reads and rows ({io_by}, the fastest)"
            ),
            engine_rate,
            io,
            None,
        );
        ctx.ratio(
            format!(
                "{group}: Engine::act, {clients} clients / single-client raw limit ({raw_by}, the fastest)"
            ),
            concurrent_rate,
            raw,
            Some(Goal::AtLeast(1.0)),
        );
        ctx.ratio(
            format!("{group}: Engine::act, {clients} clients: p99 / 10 ms"),
            p99,
            SQLITE_P99_GOAL_US,
            Some(Goal::Below(1.0)),
        );
        ctx.ratio(
            format!("{group}: Engine::act_many / raw batched ({batched_by}, the fastest)"),
            batch_rate,
            batched,
            None,
        );
        ctx.ratio(
            format!(
                "{group}: Engine::act_many / raw limit ({raw_by}, one command per transaction)"
            ),
            batch_rate,
            raw,
            Some(Goal::AtLeast(RATIO_GOAL)),
        );
        for shape in [Shape::Minimal, Shape::EngineIo] {
            let of = |driver| {
                rates
                    .iter()
                    .find(|r| r.shape == shape && r.driver == driver)
                    .map_or(0.0, |r| r.rate)
            };
            ctx.ratio(
                format!("{group}: {} sqlx / rusqlite", shape.describe()),
                of(Driver::Sqlx),
                of(Driver::Rusqlite),
                None,
            );
        }
    }
    ctx.facts.push(format!(
        "engine transaction shape (from the core): submit writes {} events, {} timers{}, {} outbox row(s); \
         request_changes writes {} events, {} timers{}, {} outbox row(s); state JSON {}/{} bytes",
        cycle.submit.events.len(),
        cycle.submit.timers.len(),
        if cycle.submit.cancel_pending {
            " (after cancelling pending ones)"
        } else {
            ""
        },
        cycle.submit.notifications.len(),
        cycle.request_changes.events.len(),
        cycle.request_changes.timers.len(),
        if cycle.request_changes.cancel_pending {
            " (after cancelling pending ones)"
        } else {
            ""
        },
        cycle.request_changes.notifications.len(),
        cycle.submit.state.len(),
        cycle.request_changes.state.len(),
    ));
    spiff::peer(ctx, act_full, act_normal).await?;
    Ok(())
}

async fn postgres_part(ctx: &mut Ctx, admin_url: &str) -> anyhow::Result<()> {
    let name = pg::fresh_name();
    pg::create(admin_url, &name).await.with_context(|| {
        format!(
            "cannot create database {name} via {}",
            pg::redact(admin_url)
        )
    })?;
    let url = pg::with_database(admin_url, &name);
    let result = postgres_runs(ctx, &url).await;
    let dropped = pg::drop(admin_url, &name).await;
    match (&result, dropped) {
        (_, Ok(())) => ctx
            .checks
            .push(format!("postgres: database {name} created and dropped")),
        (Ok(()), Err(e)) => {
            return Err(e.context(format!("cannot drop database {name}; drop it by hand")));
        }
        (Err(_), Err(e)) => eprintln!("bench: also could not drop database {name}: {e:#}"),
    }
    result
}

/// Puts workers' projects back in one list, by id.
fn gather(groups: impl IntoIterator<Item = Vec<Subject>>) -> Vec<Subject> {
    let mut all: Vec<Subject> = groups.into_iter().flatten().collect();
    all.sort_by_key(|s| s.id);
    all
}

async fn postgres_runs(ctx: &mut Ctx, url: &str) -> anyhow::Result<()> {
    const CLIENTS: [usize; 2] = [1, 8];
    let group = "postgres";
    let cycle = Arc::new(pure::cycle()?);
    let engine = Arc::new(Engine::connect_with(url, Durability::Full).await?);
    let directory = fixture::directory(&engine).await?;
    // Set A for the engine, set B for the raw limit.
    let (mut set_a, took) =
        fixture::start_projects(&engine, &directory, "a", ctx.projects, 8).await?;
    let mut setup = Measure {
        ops: set_a.len() as u64,
        elapsed: took,
        latencies: Vec::new(),
    };
    ctx.row(
        group,
        "setup: Engine::start_project",
        8,
        &mut setup,
        "creating projects (not a goal)",
    );
    let (mut set_b, _) = fixture::start_projects(&engine, &directory, "b", ctx.projects, 8).await?;
    let mut expected = start_events(&set_a) + start_events(&set_b);

    let mut engine_rates = Vec::new();
    for clients in CLIENTS {
        let workers: Vec<ActWorker> = fixture::split(set_a, clients)
            .into_iter()
            .map(|s| ActWorker::new(engine.clone(), s))
            .collect();
        pg::vacuum(url).await?;
        let (workers, mut m) = drive(workers, ctx.warmup, ctx.seconds).await?;
        engine_rates.push(ctx.row(
            group,
            "Engine::act (load + decide + commit)",
            clients,
            &mut m,
            "",
        ));
        expected += workers.iter().map(|w| w.events).sum::<u64>();
        set_a = gather(workers.into_iter().map(|w| w.subjects));
    }
    let mut batch_rates = Vec::new();
    for clients in CLIENTS {
        let workers: Vec<ActManyWorker> = fixture::split(set_a, clients)
            .into_iter()
            .map(|s| ActManyWorker::new(engine.clone(), s, ctx.batch))
            .collect();
        let batch = ctx.batch.min(ctx.projects.div_ceil(clients));
        pg::vacuum(url).await?;
        let (workers, mut m) = drive(workers, ctx.warmup, ctx.seconds).await?;
        batch_rates.push(ctx.row(
            group,
            &format!("Engine::act_many (batches of {batch})"),
            clients,
            &mut m,
            "transitions/s; latency per batch",
        ));
        expected += workers.iter().map(|w| w.events).sum::<u64>();
        set_a = gather(workers.into_iter().map(|w| w.subjects));
    }
    // Before the raw runs, whose hashes are placeholders.
    audit(ctx, "postgres engine runs", &engine, expected).await?;

    let mut raw_rates = Vec::new();
    let mut ping = RawWorker::new(
        RawConn::pg(url).await?,
        Shape::Ping,
        cycle.clone(),
        set_b.clone(),
    );
    let v = ping.version().await?;
    let (mut workers, mut m) = drive(vec![ping], ctx.warmup, ctx.seconds).await?;
    ctx.row(
        group,
        Shape::Ping.describe(),
        1,
        &mut m,
        "calibration: the cost of one await on the database",
    );
    if let Some(w) = workers.pop() {
        w.into_parts().0.close().await?;
    }
    for clients in CLIENTS {
        for shape in [Shape::Minimal, Shape::EngineIo] {
            let mut workers = Vec::new();
            for s in fixture::split(set_b, clients) {
                workers.push(RawWorker::new(
                    RawConn::pg(url).await?,
                    shape,
                    cycle.clone(),
                    s,
                ));
            }
            pg::vacuum(url).await?;
            let before = workers[0].count_events().await?;
            let (mut workers, mut m) = drive(workers, ctx.warmup, ctx.seconds).await?;
            let rate = ctx.row(group, shape.describe(), clients, &mut m, "");
            let written: u64 = workers.iter().map(|w| w.events).sum();
            let after = workers[0].count_events().await?;
            ensure!(
                after - before == written as i64,
                "postgres {}: {} events inserted, {written} expected",
                shape.describe(),
                after - before
            );
            ctx.checks.push(format!(
                "postgres {} ({clients} client{}): every UPDATE hit its row at the expected version; {} events inserted as expected",
                shape.describe(),
                if clients == 1 { "" } else { "s" },
                thousands(written as f64)
            ));
            let mut groups = Vec::new();
            for w in workers.drain(..) {
                let (conn, s) = w.into_parts();
                conn.close().await?;
                groups.push(s);
            }
            set_b = gather(groups);
            raw_rates.push((clients, shape, rate));
        }
    }
    ctx.facts.push(format!(
        "PostgreSQL {v}: engine pool of up to 16 connections; each raw client on its own connection"
    ));
    for (i, clients) in CLIENTS.iter().enumerate() {
        let raw = raw_rates
            .iter()
            .find(|r| r.0 == *clients && r.1 == Shape::Minimal)
            .map_or(0.0, |r| r.2);
        let io = raw_rates
            .iter()
            .find(|r| r.0 == *clients && r.1 == Shape::EngineIo)
            .map_or(0.0, |r| r.2);
        let c = if *clients == 1 {
            "1 client".to_owned()
        } else {
            format!("{clients} clients")
        };
        ctx.ratio(
            format!("postgres {c}: Engine::act / raw limit (sqlx, {c})"),
            engine_rates[i],
            raw,
            Some(Goal::AtLeast(RATIO_GOAL)),
        );
        ctx.ratio(
            format!(
                "postgres {c}: Engine::act / raw with all the engine's reads and rows (sqlx, {c})"
            ),
            engine_rates[i],
            io,
            None,
        );
        ctx.ratio(
            format!("postgres {c}: Engine::act_many / raw limit (sqlx, {c}, one command per transaction)"),
            batch_rates[i],
            raw,
            Some(Goal::AtLeast(RATIO_GOAL)),
        );
    }
    engine.close().await;
    Ok(())
}
