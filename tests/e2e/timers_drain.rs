//! The worker's drain with several rounds in flight (`Engine::drain_due`:
//! three at once on PostgreSQL, one at a time on SQLite): every timer due is
//! fired exactly once, in small rounds racing each other for the rows, and
//! each project's history is what one round firing them all would write.
//! Two engines draining the same database at once (two workers, each with
//! its rounds in flight) fire each timer once too. Claims a dead worker left
//! are taken over by each lane's first round only (the later rounds claim
//! pending timers alone), so more of them than those rounds take wait for
//! the next drain: each still fires once. On SQLite and PostgreSQL.
//!
//! The cohort is `support::Cohort`'s (see timers_attack.rs): proposals due
//! on Sunday 15 March 2026; on Saturday 21 March every proposal timer is
//! due at once: both reminders are past the deadline (skipped), the
//! deadline passes and the first escalation goes.

use std::collections::BTreeMap;

use gradflow_engine::decide::Change;
use gradflow_engine::service::{Engine, FireReport};
use jiff::Timestamp;

use crate::support::{Cohort, TestDb, on_both};

on_both!(
    a_drain_with_rounds_in_flight_fires_every_timer_once,
    two_engines_draining_at_once_fire_every_timer_once,
    claims_a_dead_worker_left_are_taken_over_drain_by_drain_and_fire_once,
);

/// Saturday 21 March 2026, 10:00 in Muscat: every proposal timer is due.
const ALL_DUE: &str = "2026-03-21T06:00:00Z";

/// Projects started, each with the four timers of the proposal stage.
const PROJECTS: usize = 12;

/// Rounds this small make the rounds in flight race for neighbouring rows.
const BATCH: usize = 2;

/// What firing every proposal timer at [`ALL_DUE`] writes in each history.
fn expected() -> BTreeMap<String, usize> {
    BTreeMap::from([
        ("deadline passed".to_owned(), 1),
        ("reminded overdue:0".to_owned(), 1),
        ("skipped remind:0".to_owned(), 1),
        ("skipped remind:1".to_owned(), 1),
    ])
}

/// How many of each timer event a project's history holds.
async fn timer_events(engine: &Engine, project: i64) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for e in engine.history(project).await.unwrap() {
        let label = match e.change {
            Change::Reminded { timer } => format!("reminded {timer}"),
            Change::ReminderSkipped { timer } => format!("skipped {timer}"),
            Change::DeadlinePassed => "deadline passed".to_owned(),
            _ => continue,
        };
        *counts.entry(label).or_default() += 1;
    }
    counts
}

/// Starts the projects on a fresh cohort.
async fn start(engine: &Engine) -> Vec<i64> {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    let mut ids = Vec::with_capacity(PROJECTS);
    for i in 0..PROJECTS {
        ids.push(cohort.start(engine, &format!("Project {i}")).await);
    }
    ids
}

/// Drains until a drain finds nothing (a timer given back after a lost
/// race fires on the next one, as in the worker), adding up the reports.
async fn drain_all(engine: &Engine, now: Timestamp) -> FireReport {
    let mut total = FireReport::default();
    for _ in 0..20 {
        let report = engine.drain_due(now, BATCH).await.unwrap();
        total.add(&report);
        if report.claimed == 0 {
            return total;
        }
    }
    panic!("timers keep coming back after 20 drains: {total:?}");
}

/// Every project fired exactly once per timer, nothing left claimed,
/// pending at `now` or failed, and the audit chain whole.
async fn assert_fired_once(engine: &Engine, projects: &[i64]) {
    for &p in projects {
        assert_eq!(
            timer_events(engine, p).await,
            expected(),
            "project {p}: each timer fired once"
        );
    }
    assert!(engine.timers("claimed").await.unwrap().is_empty());
    assert!(engine.timers("failed").await.unwrap().is_empty());
    let done = engine.timers("done").await.unwrap();
    assert_eq!(
        done.len(),
        PROJECTS * 4,
        "the four timers of each project done"
    );
    // A lost race gives a timer back (its `last_error` says so) without
    // counting an attempt: none was refused.
    assert!(done.iter().all(|t| t.attempts == 0), "no timer refused");
    assert!(engine.verify_audit().await.unwrap().broken.is_none());
}

/// Rounds of two timers, several in flight: each timer claimed once, each
/// project's history as one firing of all its timers would leave it.
async fn a_drain_with_rounds_in_flight_fires_every_timer_once(db: &TestDb) {
    let engine = db.engine().await;
    let projects = start(&engine).await;
    let now: Timestamp = ALL_DUE.parse().unwrap();
    let report = drain_all(&engine, now).await;
    assert_eq!(
        report.claimed - report.retried,
        PROJECTS * 4,
        "every timer claimed, once but for races given back: {report:?}"
    );
    assert_eq!(report.refused, 0);
    assert_fired_once(&engine, &projects).await;
}

/// Two engines on one database (two workers), each draining with its
/// rounds in flight at the same instant: still each timer once.
async fn two_engines_draining_at_once_fire_every_timer_once(db: &TestDb) {
    let engine = db.engine().await;
    let projects = start(&engine).await;
    let other = db.engine().await;
    let now: Timestamp = ALL_DUE.parse().unwrap();
    let (a, b) = tokio::join!(drain_all(&engine, now), drain_all(&other, now));
    assert_eq!(
        a.claimed + b.claimed - a.retried - b.retried,
        PROJECTS * 4,
        "every timer claimed once by one engine or the other: {a:?} {b:?}"
    );
    assert_fired_once(&engine, &projects).await;
}

/// A worker died holding every timer of four projects (16 claims whose
/// lease ran out, more than one drain's first rounds take over at two a
/// round): the drains take them over a few at a time, first rounds only,
/// while the other projects fire; in the end each timer fired once and no
/// take-over counted an attempt.
async fn claims_a_dead_worker_left_are_taken_over_drain_by_drain_and_fire_once(db: &TestDb) {
    let engine = db.engine().await;
    let projects = start(&engine).await;
    let held = crate::store_suite::raw_exec(
        db,
        "UPDATE timers SET state = 'claimed', lease_until = 1 WHERE project_id <= $1",
        projects[3],
    )
    .await
    .unwrap();
    assert_eq!(held, 16, "the dead worker's claims: four projects' timers");
    let now: Timestamp = ALL_DUE.parse().unwrap();
    let first = engine.drain_due(now, BATCH).await.unwrap();
    let lanes = if engine.database_kind() == "postgres" {
        gradflow_engine::service::ROUNDS_IN_FLIGHT
    } else {
        1
    };
    assert_eq!(
        crate::support::raw_number(
            db,
            "SELECT COUNT(*) FROM timers WHERE state = 'claimed' AND lease_until = 1"
        )
        .await,
        (16 - BATCH * lanes) as i64,
        "the first drain takes over one round of expired claims per lane, no more: {first:?}"
    );
    assert_eq!(
        crate::support::raw_number(
            db,
            "SELECT COUNT(*) FROM timers WHERE state = 'claimed' AND lease_until <> 1"
        )
        .await,
        0,
        "nothing the drain claimed is left claimed"
    );
    let rest = drain_all(&engine, now).await;
    assert_eq!(
        first.claimed + rest.claimed - first.retried - rest.retried,
        PROJECTS * 4,
        "every timer claimed once but for races given back: {first:?} {rest:?}"
    );
    assert_fired_once(&engine, &projects).await;
}
