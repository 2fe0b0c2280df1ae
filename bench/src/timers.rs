//! Timers: how fast the engine fires a backlog of due timers, and how late a
//! worker fires them when they fall due at a steady rate.
//!
//! Both groups start from projects written in bulk (see `seed.rs`): each
//! project in `proposal` with the four timers the core sets on entering it
//! (two reminders, the deadline, the first overdue escalation). Firing goes
//! through the real path, `Engine::fire_due` (claim, load, fire in the pure
//! core, `commit_many`, complete). The checks: every timer done exactly once
//! (claimed once, completed), each project's log grown by exactly the events
//! the core says firing them makes (in order), the expected outbox rows and
//! next escalations, and `Engine::verify_audit` over the whole database.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use gradflow_engine::Durability;
use gradflow_engine::calendar::Calendar;
use gradflow_engine::decide::{self, DueTimer, Member, Project, Timer, TimerKind};
use gradflow_engine::definition::Workflow;
use gradflow_engine::service::{Engine, FireReport};
use jiff::{SignedDuration, Timestamp};

use crate::Ctx;
use crate::fixture::{self, COHORT_CAPACITY};
use crate::place::Place;
use crate::plain::{Claim, Plain};
use crate::report::Goal;
use crate::report::{Measure, thousands};
use crate::seed::{self, Due, Seeded};

/// Goal: timers fired per second with a million due (DESIGN.md §11).
const FIRE_GOAL: f64 = 20_000.0;
/// Goal: p99 lateness at 10,000 due per second.
const LATENESS_GOAL: Duration = Duration::from_secs(1);
/// The engine's claim lease (engine/src/service/scheduler.rs), for the raw claims.
const LEASE: SignedDuration = SignedDuration::from_secs(60);
/// The worker's longest sleep between rounds (src/cli/worker.rs).
const POLL: Duration = Duration::from_secs(2);
/// The worker's least sleep between rounds (src/cli/worker.rs), which it
/// skips after a drain that fired timers when the next is due already.
const MIN_SLEEP: Duration = Duration::from_millis(50);

/// The published workflow and cohorts, as the engine reads them back.
struct Setting {
    workflow: std::sync::Arc<Workflow>,
    calendar: Calendar,
    definition: i64,
    cohorts: Vec<i64>,
    coordinator: i64,
    /// Projects to start, and the timers (of the kind asked for) each starts with.
    projects: usize,
    each: usize,
}

/// Publishes, adds the coordinator and the program, and enough cohorts (all
/// with `dates`) for the projects whose start timers (of `kind`, if given)
/// make `timers`, through the engine at `url`; projects start at `start`.
async fn setting(
    url: &str,
    timers: usize,
    kind: Option<TimerKind>,
    dates: &BTreeMap<String, jiff::civil::Date>,
    start: Timestamp,
) -> anyhow::Result<Setting> {
    let engine = Engine::connect_with(url, Durability::Full).await?;
    let now = fixture::now();
    let directory = fixture::directory(&engine).await?;
    let first = fixture::add_cohort(&engine, "Timer cohort 1", dates.clone(), now).await?;
    let key = fixture::workflow()?.key;
    let definition = engine
        .definitions()
        .await?
        .into_iter()
        .find(|d| d.key == key)
        .context("the bench workflow is not published")?
        .id;
    let mut setting = Setting {
        workflow: engine.workflow(definition).await?,
        calendar: first.calendar()?,
        definition,
        cohorts: vec![first.id],
        coordinator: directory.coordinator,
        projects: 0,
        each: 0,
    };
    setting.each = start_timers(&setting, start)?
        .iter()
        .filter(|t| kind.is_none_or(|k| t.kind == k))
        .count();
    ensure!(setting.each > 0, "a project starts with no such timer");
    setting.projects = timers.div_ceil(setting.each).max(1);
    for i in 2..=setting.projects.div_ceil(COHORT_CAPACITY) {
        let c =
            fixture::add_cohort(&engine, &format!("Timer cohort {i}"), dates.clone(), now).await?;
        setting.cohorts.push(c.id);
    }
    engine.close().await;
    Ok(setting)
}

/// The timers the core sets when a project starts in this setting.
fn start_timers(s: &Setting, now: Timestamp) -> anyhow::Result<Vec<Timer>> {
    let members = sample_members();
    let project = Project {
        id: 1,
        workflow: &s.workflow,
        calendar: &s.calendar,
        members: &members,
        conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
    };
    let d = decide::start(&project, &members[..2], now)
        .map_err(|r| anyhow::anyhow!("the core refused a start: {r}"))?;
    Ok(d.timers.set)
}

fn sample_members() -> Vec<Member> {
    [(1, "trainee"), (2, "supervisor"), (3, "coordinator")]
        .iter()
        .map(|(p, r)| Member {
            person: *p,
            role: (*r).to_owned(),
        })
        .collect()
}

/// What firing one project's timers must leave, from the pure core.
#[derive(Debug, Clone)]
struct Expected {
    /// The change JSON of each event after the start's, in order.
    changes: Vec<String>,
    /// Outbox rows by template (the start's included).
    outbox: BTreeMap<String, i64>,
    /// Timers the firings set (next escalations), left pending.
    new_timers: i64,
    /// The kind fired (`None`: all); timers of other kinds stay pending.
    kind: Option<TimerKind>,
    /// Timers fired per project, and left alone.
    fired: i64,
    untouched: i64,
}

/// Fires one project's start timers through the core as the engine's claims
/// do (a project's timers due at one instant together, instants in order);
/// each firing at its own due instant (`on_time`) or all at the last one.
/// Only timers of kind `only` are fired, if given.
fn expect(
    s: &Setting,
    start: Timestamp,
    on_time: bool,
    only: Option<TimerKind>,
) -> anyhow::Result<Expected> {
    let members = sample_members();
    let project = Project {
        id: 1,
        workflow: &s.workflow,
        calendar: &s.calendar,
        members: &members,
        conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
    };
    let refused = |r: decide::Rejection| anyhow::anyhow!("the core refused: {r}");
    let started = decide::start(&project, &members[..2], start).map_err(refused)?;
    let mut outbox = BTreeMap::new();
    for n in &started.notifications {
        *outbox.entry(n.template.clone()).or_insert(0) += 1;
    }
    let mut state = started.state;
    let mut timers = started.timers.set;
    let all = timers.len() as i64;
    timers.retain(|t| only.is_none_or(|k| t.kind == k));
    timers.sort_by_key(|t| (t.at, t.key.clone()));
    let last = timers.last().map_or(start, |t| t.at);
    let mut changes = Vec::new();
    let mut new_timers = 0;
    let mut i = 0;
    while i < timers.len() {
        let at = timers[i].at;
        let due: Vec<DueTimer> = timers[i..]
            .iter()
            .take_while(|t| t.at == at)
            .enumerate()
            .map(|(k, t)| DueTimer {
                id: (i + k) as i64,
                key: t.key.clone(),
                kind: t.kind,
                at: t.at,
                entry: t.entry,
                to: t.to.clone(),
                template: t.template.clone(),
            })
            .collect();
        i += due.len();
        let now = if on_time { at } else { last };
        let firing = decide::fire(&project, &state, &due, now).map_err(refused)?;
        if let Some(d) = firing.decision {
            changes.extend(d.events.iter().map(|e| e.change_json.clone()));
            for n in &d.notifications {
                *outbox.entry(n.template.clone()).or_insert(0) += 1;
            }
            new_timers += d.timers.set.len() as i64;
            state = d.state;
        }
    }
    Ok(Expected {
        changes,
        outbox,
        new_timers,
        kind: only,
        fired: timers.len() as i64,
        untouched: all - timers.len() as i64,
    })
}

/// The timer throughput group on one database.
pub async fn throughput(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let group = format!("timers {}", place.kind());
    let start = fixture::now();
    let seed_url = place.fresh("timers").await?;
    let setting = setting(&seed_url, ctx.timers, None, &fixture::dates(), start).await?;
    let projects = setting.projects;
    eprintln!(
        "  … {group}: writing {projects} projects with {} timers each",
        setting.each
    );
    let seeded = seed::write(
        &seed_url,
        &seed::Plan {
            tag: "t",
            projects,
            now: start,
            workflow: &setting.workflow,
            calendar: &setting.calendar,
            definition: setting.definition,
            cohorts: &setting.cohorts,
            coordinator: setting.coordinator,
            due: Due::AsDecided,
        },
    )
    .await?;
    setup_row(ctx, &group, &seeded);
    place.settle(&seed_url).await?;
    let outage_url = place.copy(&seed_url, "outage").await?;
    let raw_on_time_url = place.copy(&seed_url, "raw-on-time").await?;
    let raw_outage_url = place.copy(&seed_url, "raw-outage").await?;
    let earlier_url = place.copy(&seed_url, "earlier").await?;
    let last = *seeded.due.last().context("no timer is due")?;

    // On time: the clock moved to each due instant in turn.
    let on_time = fire_all(ctx, &seed_url, &seeded.due).await?;
    let on_time_rate = ctx.row(
        &group,
        "Engine::fire_due, on time (clock at each due instant)",
        1,
        &mut on_time.measure.clone(),
        &format!(
            "{} timers; {}; latency per round of {}",
            thousands(seeded.timers as f64),
            describe(&on_time.report),
            ctx.timer_batch
        ),
    );
    push_profile(ctx, &format!("{group} on time"), &on_time);
    let expected = expect(&setting, start, true, None)?;
    check(
        ctx,
        &format!("{group} on time"),
        &seed_url,
        &seeded,
        &expected,
    )
    .await?;
    place.discard(&seed_url).await?;

    // After an outage: everything due at once.
    let outage = fire_all(ctx, &outage_url, &[last]).await?;
    let outage_rate = ctx.row(
        &group,
        "Engine::fire_due, after an outage (all due at once)",
        1,
        &mut outage.measure.clone(),
        &format!(
            "{}; reminders past their deadline are discarded",
            describe(&outage.report)
        ),
    );
    push_profile(ctx, &format!("{group} after an outage"), &outage);
    let expected = expect(&setting, start, false, None)?;
    check(
        ctx,
        &format!("{group} after an outage"),
        &outage_url,
        &seeded,
        &expected,
    )
    .await?;
    place.discard(&outage_url).await?;

    // The raw limit: the same claim and complete statements, nothing else,
    // at the same instants as each engine run; then, as information, with
    // the store's earlier claim (see plain::Claim), everything due at once.
    let driver = if place.kind() == "sqlite" {
        "rusqlite, in process"
    } else {
        "one sqlx connection"
    };
    let all_at_once = [last];
    let runs = [
        (
            Claim::Store,
            &raw_on_time_url,
            seeded.due.as_slice(),
            "raw limit: claim + complete, on time",
        ),
        (
            Claim::Store,
            &raw_outage_url,
            all_at_once.as_slice(),
            "raw limit: claim + complete, after an outage",
        ),
        (
            Claim::Earlier,
            &earlier_url,
            all_at_once.as_slice(),
            "(informative) raw after an outage, the earlier claim",
        ),
    ];
    let mut raw_rates = Vec::new();
    for (claim, url, instants, what) in runs {
        let mut m = raw_queue(ctx, url, instants, claim).await?;
        let note = match claim {
            Claim::Store => format!("{driver}; the store's two statements; latency per round"),
            Claim::Earlier => {
                format!("{driver}; the store's earlier claim: one OR, every due timer sorted")
            }
        };
        raw_rates.push(ctx.row(&group, what, 1, &mut m, &note));
        let mut db = Plain::open(url, Durability::Full).await?;
        done_once(&mut db, &seeded, None, seeded.timers).await?;
        db.close().await?;
        ctx.checks.push(format!(
            "{group} {what}: all {} timers claimed once and completed",
            thousands(seeded.timers as f64)
        ));
        place.discard(url).await?;
    }

    ctx.ratio(
        format!("{group}: Engine::fire_due on time / raw claim + complete on time"),
        on_time_rate,
        raw_rates[0],
        None,
    );
    ctx.ratio(
        format!("{group}: Engine::fire_due after an outage / raw claim + complete after an outage"),
        outage_rate,
        raw_rates[1],
        None,
    );
    ctx.ratio(
        format!("{group}: Engine::fire_due on time / goal 20,000/s"),
        on_time_rate,
        FIRE_GOAL,
        Some(Goal::AtLeast(1.0)),
    );
    Ok(())
}

fn setup_row(ctx: &mut Ctx, group: &str, seeded: &Seeded) {
    let mut m = Measure {
        ops: seeded.timers,
        elapsed: seeded.took,
        latencies: Vec::new(),
    };
    ctx.row(
        group,
        "setup: projects and timers in plain SQL",
        1,
        &mut m,
        &format!(
            "timers/s; {} projects, {} rows (not a goal)",
            thousands(seeded.projects as f64),
            thousands(seeded.rows as f64)
        ),
    );
}

fn push_profile(ctx: &mut Ctx, name: &str, fired: &Fired) {
    if ctx.profile {
        ctx.profiles.push((
            name.to_owned(),
            fired.measure.elapsed.as_secs_f64(),
            fired.measure.latencies.len(),
            fired.profile.clone(),
        ));
    }
}

fn describe(r: &FireReport) -> String {
    format!(
        "{} claimed, {} project firings committed, {} discarded",
        thousands(r.claimed as f64),
        thousands(r.fired as f64),
        thousands(r.discarded as f64)
    )
}

/// A finished firing run.
struct Fired {
    measure: Measure,
    report: FireReport,
    /// Statements sent, with `--profile-sql`.
    profile: Vec<crate::profile::Line>,
}

/// One `Engine::fire_due` call of a drain.
struct Call {
    /// When it began and ended.
    start: Timestamp,
    end: Timestamp,
    took: Duration,
    report: FireReport,
}

/// Rounds in flight at once on the database at `url`, as
/// `Engine::drain_due` runs them: `ROUNDS_IN_FLIGHT` on PostgreSQL, one on SQLite.
/// `GRADFLOW_BENCH_TIMER_LANES=N` (1 to 4) sets another number on
/// PostgreSQL, to compare (1: the drain before rounds in flight).
fn lanes_for(url: &str) -> usize {
    if !url.starts_with("postgres") {
        return 1;
    }
    std::env::var("GRADFLOW_BENCH_TIMER_LANES")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=4).contains(n))
        .unwrap_or(gradflow_engine::service::ROUNDS_IN_FLIGHT)
}

/// Everything due at `now`, fired as `Engine::drain_due` fires it (`lanes`
/// loops of `fire_due` rounds at once, each until a round finds nothing
/// left to fire), with each call timed: the engine's drain adds the
/// reports up and keeps no times.
async fn drain(
    engine: &Engine,
    now: Timestamp,
    batch: usize,
    lanes: usize,
) -> anyhow::Result<Vec<Call>> {
    let lane = |i: usize| async move {
        let mut calls = Vec::new();
        if i >= lanes {
            return Ok(calls);
        }
        // As `Engine::drain_due`: each lane's first round takes over
        // claims whose lease ran out, the others walk only pending timers.
        let mut take_over = true;
        loop {
            let start = Timestamp::now();
            let t0 = Instant::now();
            let report = engine.fire_round(now, batch, take_over).await?;
            take_over = false;
            let took = t0.elapsed();
            let done = report.claimed == report.retried + report.refused;
            calls.push(Call {
                start,
                end: Timestamp::now(),
                took,
                report,
            });
            if done {
                return Ok::<_, anyhow::Error>(calls);
            }
        }
    };
    let (a, b, c, d) = tokio::join!(lane(0), lane(1), lane(2), lane(3));
    let mut calls = Vec::new();
    for lane in [a, b, c, d] {
        calls.extend(lane?);
    }
    // In the order they began: the order their claims took timers in.
    calls.sort_by_key(|c| c.start);
    Ok(calls)
}

/// Fires everything due at each of `instants` in turn through
/// `Engine::fire_due` (rounds until a round claims nothing, as the worker
/// drains), timing only the rounds.
async fn fire_all(ctx: &Ctx, url: &str, instants: &[Timestamp]) -> anyhow::Result<Fired> {
    let engine = Engine::connect_with(url, Durability::Full).await?;
    let mut measure = Measure::default();
    let mut report = FireReport::default();
    let timers = seeded_count(url).await?;
    if ctx.profile {
        crate::profile::start();
    }
    let lanes = lanes_for(url);
    for &now in instants {
        let t0 = Instant::now();
        let calls = drain(&engine, now, ctx.timer_batch, lanes).await?;
        measure.elapsed += t0.elapsed();
        for call in calls.iter().filter(|c| c.report.claimed > 0) {
            let r = &call.report;
            measure.ops += r.claimed as u64;
            measure.latencies.push(micros(call.took));
            ensure!(
                r.retried == 0,
                "{} timers were given back: nothing else writes, so no firing may lose a race",
                r.retried
            );
            report.add(r);
            // A timer the core refuses is given back and claimed again at
            // once: stop rather than spin (see timers.last_error).
            ensure!(
                report.claimed as u64 <= timers,
                "{} claims for {timers} pending timers: timers keep coming back",
                report.claimed
            );
        }
    }
    let profile = if ctx.profile {
        crate::profile::stop()
    } else {
        Vec::new()
    };
    engine.close().await;
    Ok(Fired {
        measure,
        report,
        profile,
    })
}

/// Timers pending in the database at `url`.
async fn seeded_count(url: &str) -> anyhow::Result<u64> {
    let mut db = Plain::open(url, Durability::Full).await?;
    let n = db
        .count("SELECT COUNT(*) FROM timers WHERE state = 'pending'", &[])
        .await?;
    db.close().await?;
    Ok(n as u64)
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}

/// The raw limit: claim and complete rounds at each of `instants` until
/// none is left.
async fn raw_queue(
    ctx: &Ctx,
    url: &str,
    instants: &[Timestamp],
    claim: Claim,
) -> anyhow::Result<Measure> {
    let mut db = Plain::open(url, Durability::Full).await?;
    let mut measure = Measure::default();
    for &now in instants {
        raw_rounds(ctx, &mut db, now, claim, &mut measure).await?;
    }
    db.close().await?;
    Ok(measure)
}

async fn raw_rounds(
    ctx: &Ctx,
    db: &mut Plain,
    now: Timestamp,
    claim: Claim,
    measure: &mut Measure,
) -> anyhow::Result<()> {
    let now_us = now.as_microsecond();
    let lease = now.checked_add(LEASE)?.as_microsecond();
    loop {
        let t0 = Instant::now();
        let claimed = db
            .claim(claim, now_us, lease, ctx.timer_batch as i64)
            .await?;
        if claimed.is_empty() {
            break;
        }
        let ids: Vec<i64> = claimed.iter().map(|c| c.id).collect();
        db.complete(&ids, now_us).await?;
        let took = t0.elapsed();
        measure.elapsed += took;
        measure.ops += ids.len() as u64;
        measure.latencies.push(micros(took));
        // The claimed rows are read, as the store reads them.
        std::hint::black_box(&claimed.last().map(|c| (c.project, &c.rest)));
    }
    Ok(())
}

/// Every seeded timer (of `kind`, if given) done, never refused (a claim is
/// not an attempt): `count` of them. That each was claimed once is the
/// rounds' check (claims add up to the timers due).
async fn done_once(
    db: &mut Plain,
    seeded: &Seeded,
    kind: Option<TimerKind>,
    count: u64,
) -> anyhow::Result<()> {
    let range = [seeded.first_timer, seeded.last_timer];
    let of_kind = kind.map_or_else(String::new, |k| format!(" AND kind = '{}'", k.as_str()));
    let done = db
        .count(
            &format!(
                "SELECT COUNT(*) FROM timers WHERE id >= $1 AND id <= $2{of_kind} \
                 AND state = 'done' AND attempts = 0 AND done_at IS NOT NULL"
            ),
            &range,
        )
        .await?;
    if done != count as i64 {
        let states = db
            .groups(
                &format!(
                    "SELECT attempts, state, COUNT(*) FROM timers WHERE id >= $1 AND id <= $2{of_kind} \
                     GROUP BY attempts, state"
                ),
                &range,
            )
            .await?;
        bail!("{done} of {count} timers done exactly once; (attempts, state, count): {states:?}");
    }
    Ok(())
}

/// The checks after firing every seeded timer (of `expected.kind`) of the
/// database at `url`.
async fn check(
    ctx: &mut Ctx,
    what: &str,
    url: &str,
    seeded: &Seeded,
    expected: &Expected,
) -> anyhow::Result<()> {
    let projects = seeded.projects as i64;
    let mut db = Plain::open(url, Durability::Full).await?;
    let fired = (expected.fired * projects) as u64;
    done_once(&mut db, seeded, expected.kind, fired)
        .await
        .context(what.to_owned())?;
    let untouched = db
        .count(
            "SELECT COUNT(*) FROM timers WHERE id >= $1 AND id <= $2 AND state = 'pending' AND attempts = 0",
            &[seeded.first_timer, seeded.last_timer],
        )
        .await?;
    ensure!(
        untouched == expected.untouched * projects,
        "{what}: {untouched} timers not yet due left pending, {} expected",
        expected.untouched * projects
    );
    let later = db
        .count(
            "SELECT COUNT(*) FROM timers WHERE id > $1 AND state = 'pending'",
            &[seeded.last_timer],
        )
        .await?;
    ensure!(
        later == expected.new_timers * projects,
        "{what}: {later} timers set by the firings, {} expected",
        expected.new_timers * projects
    );
    // Each project's log: the start's events, then exactly the expected
    // changes in order (the same text in every project).
    let found = db
        .groups(
            "SELECT seq, change, COUNT(*) FROM events WHERE seq > $1 GROUP BY seq, change ORDER BY seq, change",
            &[seeded.events_each],
        )
        .await?;
    let want: Vec<(i64, String, i64)> = expected
        .changes
        .iter()
        .enumerate()
        .map(|(k, c)| (seeded.events_each + 1 + k as i64, c.clone(), projects))
        .collect();
    if found != want {
        let first = found
            .iter()
            .zip(&want)
            .find(|(f, w)| f != w)
            .map(|(f, w)| format!("found {f:?}, expected {w:?}"))
            .unwrap_or_else(|| format!("{} groups found, {} expected", found.len(), want.len()));
        bail!("{what}: the projects' logs are not what firing their timers makes: {first}");
    }
    let outbox = db
        .groups(
            "SELECT CAST(0 AS BIGINT), template, COUNT(*) FROM outbox GROUP BY template ORDER BY template",
            &[],
        )
        .await?;
    let want: Vec<(i64, String, i64)> = expected
        .outbox
        .iter()
        .map(|(t, n)| (0, t.clone(), n * projects))
        .collect();
    ensure!(
        outbox == want,
        "{what}: outbox rows by template {outbox:?}, expected {want:?}"
    );
    db.close().await?;
    let engine = Engine::connect_with(url, Durability::Full).await?;
    let events = seeded.events + expected.changes.len() as u64 * seeded.projects as u64;
    crate::audit(ctx, what, &engine, events).await?;
    engine.close().await;
    ctx.checks.push(format!(
        "{what}: all {} timers due claimed once and done ({} not yet due untouched); every project's log \
         grew by exactly {:?}; outbox {:?} per project; {} next escalation(s) per project pending",
        thousands(fired as f64),
        thousands((expected.untouched * projects) as f64),
        expected
            .changes
            .iter()
            .map(|c| c.chars().take(60).collect::<String>())
            .collect::<Vec<_>>(),
        expected.outbox,
        expected.new_timers
    ));
    Ok(())
}

/// The lateness group on one database: timers due at `ctx.lateness_rate`
/// per second for `ctx.lateness_seconds` of real time, fired by a worker
/// loop as `gradflow worker` runs it; each timer's lateness is from its due
/// time to the end of the `fire_due` call that committed it.
pub async fn lateness(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let group = format!("lateness {}", place.kind());
    let rate = ctx.lateness_rate;
    let window = ctx.lateness_seconds;
    // Cohort dates ahead of today, so reminders fired now are sent (a
    // reminder past its deadline is discarded).
    let today = Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get(fixture::ZONE)?)
        .date();
    let dates = fixture::dates_after(today);
    let url = place.fresh("lateness").await?;
    let start = Timestamp::now();
    // Reminders only: the deadline and the escalation of a stage whose
    // deadline is ahead cannot fire yet (the core refuses a deadline passed
    // early), so they keep their real time, weeks away.
    let kind = TimerKind::Reminder;
    let setting = setting(
        &url,
        (rate * window).round() as usize,
        Some(kind),
        &dates,
        start,
    )
    .await?;
    let projects = setting.projects;
    let count = (projects * setting.each) as u64;
    eprintln!(
        "  … {group}: writing {projects} projects with {} reminders each",
        setting.each
    );
    let seeded = seed::write(
        &url,
        &seed::Plan {
            tag: "l",
            projects,
            now: start,
            workflow: &setting.workflow,
            calendar: &setting.calendar,
            definition: setting.definition,
            cohorts: &setting.cohorts,
            coordinator: setting.coordinator,
            due: Due::Spread {
                per_second: rate,
                kind,
            },
        },
    )
    .await?;
    setup_row(ctx, &group, &seeded);
    place.settle(&url).await?;

    let engine = Engine::connect_with(&url, Durability::Full).await?;
    // A connection open, as a running worker has.
    engine.next_timer_due().await?;
    let base = shift_onto_clock(place, &url, &seeded, count).await?;
    eprintln!(
        "  … {group}: {} reminders due at {}/s from now on",
        thousands(count as f64),
        thousands(rate)
    );
    if ctx.profile {
        crate::profile::start();
    }
    let drains = work(
        &engine,
        count,
        base,
        window,
        ctx.timer_batch,
        lanes_for(&url),
    )
    .await?;
    if ctx.profile {
        let wall = Timestamp::now().duration_since(base).as_secs_f64();
        let rounds = drains.iter().map(|d| d.calls.len()).sum();
        ctx.profiles
            .push((group.clone(), wall, rounds, crate::profile::stop()));
    }
    engine.close().await;

    let mut db = Plain::open(&url, Durability::Full).await?;
    let rows = db
        .triples(
            "SELECT id, due_at, done_at FROM timers WHERE id >= $1 AND id <= $2 AND kind = 'reminder'",
            &[seeded.first_timer, seeded.last_timer],
        )
        .await?;
    db.close().await?;
    let late = lateness_of(rows, &drains)?;
    let last_commit = drains
        .iter()
        .flat_map(|d| d.calls.iter().filter(|c| c.1 > 0))
        .map(|c| c.0)
        .max()
        .unwrap_or(base);
    let mut m = Measure {
        ops: count,
        elapsed: Duration::try_from(last_commit.duration_since(base)).unwrap_or_default(),
        latencies: late.iter().map(|d| micros(*d)).collect(),
    };
    let max = late.iter().max().copied().unwrap_or_default();
    let p99 = m.quantile(0.99).unwrap_or(0);
    ctx.row(
        &group,
        &format!(
            "worker loop, {} due/s for {window} s: lateness",
            thousands(rate)
        ),
        1,
        &mut m,
        &format!(
            "timers/s fired; p50/p99 = due -> committed; max {:.3} s; {} rounds; goal p99 < 1 s: {}",
            max.as_secs_f64(),
            drains.iter().map(|d| d.calls.len()).sum::<usize>(),
            if u128::from(p99) < LATENESS_GOAL.as_micros() {
                "met"
            } else {
                "NOT met"
            }
        ),
    );
    ctx.ratio(
        format!("{group}: p99 lateness / goal 1 s"),
        f64::from(p99) / 1e6,
        LATENESS_GOAL.as_secs_f64(),
        Some(Goal::Below(1.0)),
    );
    // A project's timers are `projects / rate` s apart: fired on time, each
    // is a firing of its own, as in the on-time throughput run.
    let expected = expect(&setting, start, true, Some(kind))?;
    let spacing = Duration::from_secs_f64(projects as f64 / rate);
    if max < spacing {
        check(ctx, &group, &url, &seeded, &expected).await?;
    } else {
        let mut db = Plain::open(&url, Durability::Full).await?;
        done_once(&mut db, &seeded, Some(kind), count).await?;
        db.close().await?;
        let engine = Engine::connect_with(&url, Durability::Full).await?;
        let report = engine.verify_audit().await?;
        engine.close().await;
        if let Some(broken) = report.broken {
            bail!("{group}: the audit chain is broken: {broken}");
        }
        ctx.checks.push(format!(
            "{group}: all reminders done once and the audit chain intact; the per-project log check \
             is skipped: the worker fell {:.1} s behind, more than the {:.1} s between a project's timers",
            max.as_secs_f64(),
            spacing.as_secs_f64()
        ));
    }
    place.discard(&url).await?;
    Ok(())
}

/// Moves the seeded reminders (due from the epoch on) onto the clock: the
/// first is due a moment after the move (and, on PostgreSQL, the vacuum of
/// the rows it left dead) ends. Returns that instant.
async fn shift_onto_clock(
    place: &Place,
    url: &str,
    seeded: &Seeded,
    count: u64,
) -> anyhow::Result<Timestamp> {
    // Generous: the update rewrites every row and index entry.
    let margin = Duration::from_millis(1_000 + count / 40);
    let mut db = Plain::open(url, Durability::Full).await?;
    let base = Timestamp::now().checked_add(SignedDuration::try_from(margin)?)?;
    let moved = db
        .execute(
            "UPDATE timers SET due_at = due_at + $1 WHERE id >= $2 AND id <= $3 AND kind = 'reminder'",
            &[base.as_microsecond(), seeded.first_timer, seeded.last_timer],
        )
        .await?;
    ensure!(moved == count, "{moved} reminders moved, {count} written");
    db.close().await?;
    place.settle(url).await?;
    let now = Timestamp::now();
    ensure!(
        now < base,
        "moving the timers onto the clock took too long: it ended {} after the first was due",
        now.duration_since(base)
    );
    Ok(base)
}

/// One drain of the worker: the `now` it fired at, and each `fire_due`
/// call's end and claimed count, in the order the calls began.
struct Drain {
    now: Timestamp,
    calls: Vec<(Timestamp, usize)>,
}

/// The worker loop of src/cli/worker.rs (timers only: the outbox is the
/// outbox group's): drain everything due at `now` (several rounds in flight
/// on PostgreSQL, as `Engine::drain_due`), then sleep until the
/// next timer is due (at most the 2 s poll; at least 50 ms, unless the
/// drain fired timers and the next is due already). Runs until all
/// `count` timers are claimed.
async fn work(
    engine: &Engine,
    count: u64,
    base: Timestamp,
    window: f64,
    batch: usize,
    lanes: usize,
) -> anyhow::Result<Vec<Drain>> {
    let give_up = base.checked_add(SignedDuration::from_secs_f64(window * 10.0 + 60.0))?;
    let mut drains = Vec::new();
    let mut claimed = 0u64;
    // Sleep until the first is due, as an idle worker would.
    if let Ok(wait) = Duration::try_from(base.duration_since(Timestamp::now())) {
        tokio::time::sleep(wait.min(POLL)).await;
    }
    while claimed < count {
        let now = Timestamp::now();
        ensure!(
            now < give_up,
            "the worker fired {claimed} of {count} timers in {window} s x 10"
        );
        let mut this = Drain {
            now,
            calls: Vec::new(),
        };
        for call in drain(engine, now, batch, lanes).await? {
            this.calls.push((call.end, call.report.claimed));
            claimed += call.report.claimed as u64;
        }
        ensure!(
            claimed <= count,
            "{claimed} claims for {count} timers: timers came back (refused by the core and \
             released: see timers.last_error)"
        );
        // Fired timers (none given back here: nothing else writes), as the
        // worker counts them.
        let fired = this.calls.iter().any(|c| c.1 > 0);
        drains.push(this);
        let next = engine.next_timer_due().await?;
        let wait = match next {
            Some(due) => Duration::try_from(due.duration_since(Timestamp::now()))
                .unwrap_or(Duration::ZERO)
                .min(POLL),
            None => POLL,
        };
        // The worker skips its least sleep after a drain that fired when
        // the next timer is due already.
        let least = if fired && wait.is_zero() {
            Duration::ZERO
        } else {
            MIN_SLEEP
        };
        if claimed < count {
            tokio::time::sleep(wait.max(least)).await;
        }
    }
    Ok(drains)
}

/// Each timer's lateness: from its due time to the end of the `fire_due`
/// call that committed it. Timers completed in one drain carry its `now` as
/// `done_at`; the drain's calls, in the order they began (each claims
/// first), claimed them in (due, id) order, so the first call's count of
/// them went with the first call, and so on.
fn lateness_of(
    rows: Vec<(i64, i64, Option<i64>)>,
    drains: &[Drain],
) -> anyhow::Result<Vec<Duration>> {
    let mut by_drain: BTreeMap<i64, Vec<(i64, i64)>> = BTreeMap::new();
    for (id, due, done) in rows {
        let done = done.with_context(|| format!("timer {id} was not completed"))?;
        by_drain.entry(done).or_default().push((due, id));
    }
    let mut late = Vec::new();
    for drain in drains {
        let Some(mut timers) = by_drain.remove(&drain.now.as_microsecond()) else {
            continue;
        };
        timers.sort_unstable();
        let total: usize = drain.calls.iter().map(|c| c.1).sum();
        ensure!(
            total == timers.len(),
            "a drain claimed {total} timers but {} carry its time",
            timers.len()
        );
        let mut rest = timers.as_slice();
        for &(end, n) in &drain.calls {
            let (mine, tail) = rest.split_at(n);
            rest = tail;
            for &(due, _) in mine {
                let due = Timestamp::from_microsecond(due)?;
                late.push(Duration::try_from(end.duration_since(due)).unwrap_or_default());
            }
        }
    }
    ensure!(
        by_drain.is_empty(),
        "{} timers were completed at a time no drain ran at",
        by_drain.values().map(Vec::len).sum::<usize>()
    );
    Ok(late)
}
