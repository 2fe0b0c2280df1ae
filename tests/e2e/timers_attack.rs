//! Timers under attack: a project whose timers the engine refuses among many
//! good ones (it must not spin a worker, nor hold back anybody's timers or
//! mail, and ends failed with its reason after its attempts); a stage
//! entered again after its deadline (no escalation at once); reminders that
//! fall due after their deadline while no worker ran (skipped, and said so
//! in the history). On SQLite and PostgreSQL.
//!
//! The cohort is the one `support::Cohort` sets up: Asia/Muscat (UTC+4), a
//! Saturday-Sunday weekend, mail from 09:00 to 17:00, proposals due on
//! Sunday 15 March 2026 at 23:59:59 local. The proposal's reminders (7 days
//! and 1 day before) fall on Sunday 8 and Saturday 14 March, weekend days:
//! they go at the opening of the Friday before each, 6 and 13 March, 09:00.
//! Its escalation goes to the coordinators on Mondays at 09:00.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gradflow_engine::decide::Change;
use gradflow_engine::service::{Engine, FireReport};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::smtp_sink::Sink;
use crate::support::{self, Cohort, TestDb, on_both};

on_both!(
    a_refused_timer_waits_out_its_backoff_and_fails_without_holding_back_the_others,
    a_damaged_timer_or_project_row_holds_back_nobody,
    workers_fire_and_mail_past_a_refused_timer_which_ends_failed,
    two_running_workers_send_the_others_mail_past_a_refused_timer,
    a_stage_entered_again_after_its_deadline_does_not_escalate_at_once,
    reminders_missed_while_no_worker_ran_are_skipped_and_recorded,
);

/// Friday 6 March 2026, 10:00 in Muscat: the 7-day proposal reminders are due.
const FIRST_REMINDERS: &str = "2026-03-06T06:00:00Z";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// Starts `n` projects in the proposal stage.
async fn projects(engine: &Engine, cohort: &Cohort, n: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(cohort.start(engine, &format!("Project {i}")).await);
    }
    ids
}

/// Runs one statement with raw SQL, as someone with the database would.
async fn raw(db: &TestDb, sql: &str, id: i64) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).bind(id).execute(&mut conn).await.unwrap();
    }
}

/// Breaks project `id` so that the engine refuses to fire its timers: its
/// stored stage is one its workflow does not have.
async fn break_project(db: &TestDb, id: i64) {
    raw(
        db,
        "UPDATE projects SET stage = 'nowhere',
             state = REPLACE(state, '\"stage\":\"proposal\"', '\"stage\":\"nowhere\"')
         WHERE id = $1",
        id,
    )
    .await;
}

/// How many of each timer event (`reminded remind:0`, `skipped remind:1`,
/// `deadline passed`) a project's history holds.
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

/// How many messages of `template` a project has in its outbox.
async fn messages(engine: &Engine, project: i64, template: &str) -> usize {
    engine
        .messages(project)
        .await
        .unwrap()
        .iter()
        .filter(|(t, _, _)| t == template)
        .count()
}

/// A worker meets a project whose timers the engine refuses among good
/// ones: the good ones fire, the bad one is not claimed again until its
/// backoff is over (before, it was claimed again at once, for ever), each
/// refusal counts an attempt, and after the fifth it is failed with the
/// reason, listed by `timers(failed)` and counted by the audit.
async fn a_refused_timer_waits_out_its_backoff_and_fails_without_holding_back_the_others(
    db: &TestDb,
) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let ids = projects(&engine, &cohort, 6).await;
    let bad = ids[2];
    break_project(db, bad).await;
    // A worker died holding another project's reminder: its claim's lease
    // ran out. Taking it over is not an attempt.
    let orphan = ids[4];
    raw(
        db,
        "UPDATE timers SET state = 'claimed', lease_until = 1
         WHERE project_id = $1 AND key = 'remind:0'",
        orphan,
    )
    .await;

    let mut now = at(FIRST_REMINDERS);
    let first = engine.fire_due(now, 100).await.unwrap();
    assert_eq!(
        (first.claimed, first.fired, first.refused, first.failed),
        (6, 5, 1, 0),
        "the five good projects fire, the bad one is refused: {first:?}"
    );
    let again = engine.fire_due(now, 100).await.unwrap();
    assert_eq!(
        again,
        FireReport::default(),
        "a refused timer is not claimed again at once (a worker would spin on it)"
    );
    for id in ids.iter().filter(|id| **id != bad) {
        assert_eq!(
            timer_events(&engine, *id).await,
            BTreeMap::from([("reminded remind:0".to_owned(), 1)]),
            "project {id}"
        );
        assert_eq!(messages(&engine, *id, "deadline_reminder").await, 1);
    }

    let attempts_sql = format!(
        "SELECT attempts FROM timers WHERE project_id = {orphan} AND key = 'remind:0' AND state = 'done'"
    );
    assert_eq!(
        support::raw_number(db, &attempts_sql).await,
        0,
        "a claim taken over from a dead worker is not an attempt"
    );

    // Each retry comes after its backoff: 1, 4, 16, 64 minutes.
    let mut attempts = vec![first.refused];
    for wait in [1, 4, 16, 64] {
        let early = now
            .checked_add(SignedDuration::from_secs(wait * 60 - 1))
            .unwrap();
        assert_eq!(
            engine.fire_due(early, 100).await.unwrap().claimed,
            0,
            "not tried again before its backoff of {wait} minute(s) is over"
        );
        now = now.checked_add(SignedDuration::from_mins(wait)).unwrap();
        let round = engine.fire_due(now, 100).await.unwrap();
        attempts.push(round.refused);
        if wait == 64 {
            assert_eq!(round.failed, 1, "the fifth refusal fails it: {round:?}");
        }
    }
    assert_eq!(attempts, vec![1; 5]);
    let later = now.checked_add(SignedDuration::from_hours(24)).unwrap();
    assert_eq!(
        engine.fire_due(later, 100).await.unwrap().refused,
        0,
        "a failed timer is never tried again"
    );

    let failed = engine.timers("failed").await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let f = &failed[0];
    assert_eq!(
        (f.project, f.key.as_str(), f.attempts),
        (bad, "remind:0", 5)
    );
    assert!(
        f.last_error
            .as_deref()
            .is_some_and(|e| e.contains("nowhere")),
        "the reason is kept: {f:?}"
    );
    assert_eq!(engine.verify_audit().await.unwrap().failed_timers, 1);
    assert!(engine.timers("stuck").await.is_err());

    // The operator mends the project and tries the timer again: it fires.
    raw(
        db,
        "UPDATE projects SET stage = 'proposal',
             state = REPLACE(state, '\"stage\":\"nowhere\"', '\"stage\":\"proposal\"')
         WHERE id = $1",
        bad,
    )
    .await;
    engine.retry_timer(f.id).await.unwrap();
    assert!(
        engine.retry_timer(f.id).await.is_err(),
        "only a failed timer"
    );
    let round = engine.fire_due(later, 100).await.unwrap();
    assert_eq!((round.claimed, round.fired), (1, 1), "{round:?}");
    assert_eq!(
        timer_events(&engine, bad).await,
        BTreeMap::from([("reminded remind:0".to_owned(), 1)])
    );
}

/// A timer row damaged in the database (its kind unreadable) used to fail
/// the whole claim, and a project whose stored state does not read back the
/// whole round, so no worker could fire anything, round after round: now
/// the timer fails alone, with the reason, the project's timers are refused
/// (an attempt each), and the others fire.
async fn a_damaged_timer_or_project_row_holds_back_nobody(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let ids = projects(&engine, &cohort, 3).await;
    raw(
        db,
        "UPDATE timers SET kind = 'bogus' WHERE project_id = $1 AND key = 'remind:0'",
        ids[1],
    )
    .await;
    raw(
        db,
        "UPDATE projects SET state = 'damaged' WHERE id = $1",
        ids[2],
    )
    .await;
    let round = engine.fire_due(at(FIRST_REMINDERS), 100).await.unwrap();
    assert_eq!(
        (round.claimed, round.fired, round.refused),
        (2, 1, 1),
        "{round:?}"
    );
    let waiting = engine.timers("pending").await.unwrap();
    assert!(
        waiting.iter().any(|t| t.project == ids[2]
            && t.key == "remind:0"
            && t.attempts == 1
            && t.retry_at.is_some()
            && t.last_error.as_deref().is_some_and(|e| e.contains("state"))),
        "{waiting:?}"
    );
    let failed = engine.timers("failed").await.unwrap();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].project, ids[1]);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("bogus")),
        "{failed:?}"
    );
    assert_eq!(messages(&engine, ids[0], "deadline_reminder").await, 1);
}

/// The attack, with the binary: two `worker --once` processes at a time
/// (two nodes), rounds at the times the refused timer's backoff allows.
/// Every good project's reminder is fired once and its mail arrives; the
/// workers finish every round (before, `--once` never returned and no mail
/// went out); the bad timer ends failed after five attempts, and
/// `gradflow timers list` and `audit verify` say so.
async fn workers_fire_and_mail_past_a_refused_timer_which_ends_failed(db: &TestDb) {
    refused_timer_rounds(db, 2).await;
}

/// The attack above with `workers` `worker --once` processes a round.
pub(crate) async fn refused_timer_rounds(db: &TestDb, workers: usize) {
    const PROJECTS: usize = 40;
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    // Published again with the binary, with its templates, for the worker.
    let file = support::bundled("graduation-service").display().to_string();
    let published = run(db, "2026-01-01T06:00:00Z", &["workflow", "publish", &file]).await;
    assert!(published.ok, "{}", published.output);
    let ids = projects(&engine, &cohort, PROJECTS).await;
    let bad = ids[PROJECTS / 2];
    break_project(db, bad).await;
    let sink = Sink::start(&[]).await;
    let smtp = sink.url();

    let mut now = at(FIRST_REMINDERS);
    let mut rounds = Vec::new();
    for wait in [0, 1, 4, 16, 64] {
        now = now.checked_add(SignedDuration::from_mins(wait)).unwrap();
        let when = now.to_string();
        let args = [
            "--json", "worker", "--once", "--batch", "7", "--smtp", &smtp,
        ];
        if workers == 3 {
            let (a, b, c) = tokio::join!(
                run(db, &when, &args),
                run(db, &when, &args),
                run(db, &when, &args)
            );
            rounds.extend([a, b, c]);
        } else {
            assert_eq!(workers, 2, "two or three workers a round");
            let (a, b) = tokio::join!(run(db, &when, &args), run(db, &when, &args));
            rounds.extend([a, b]);
        }
    }
    let mut refused = 0;
    let mut failed = 0;
    for round in &rounds {
        assert!(round.ok, "every worker round ends:\n{}", round.output);
        let report: Value = serde_json::from_str(&round.stdout).unwrap();
        refused += report["timers"]["refused"].as_u64().unwrap();
        failed += report["timers"]["failed"].as_u64().unwrap();
    }
    assert_eq!((refused, failed), (5, 1), "five refusals, then failed");

    // Each good trainee got the reminder once; nobody else got anything.
    let dead = engine.mail(Some("dead"), 3).await.unwrap();
    assert!(dead.is_empty(), "{dead:?}");
    let received = sink.received();
    assert_eq!(
        received.len(),
        PROJECTS - 1,
        "one reminder per good project:\n{}",
        rounds
            .iter()
            .map(|r| r.output.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for id in ids.iter().filter(|id| **id != bad) {
        assert_eq!(
            timer_events(&engine, *id).await,
            BTreeMap::from([("reminded remind:0".to_owned(), 1)]),
            "project {id}"
        );
    }
    let listed = run(
        db,
        &now.to_string(),
        &["timers", "list", "--state", "failed"],
    )
    .await;
    assert!(
        listed.ok
            && listed.stdout.contains(&format!("project {bad}"))
            && listed.stdout.contains("remind:0")
            && listed.stdout.contains("attempts 5")
            && listed.stdout.contains("nowhere"),
        "{}",
        listed.output
    );
    let audit = run(db, &now.to_string(), &["audit", "verify"]).await;
    assert!(
        audit.output.contains("1 timer(s) failed"),
        "audit verify tells of the failed timer:\n{}",
        audit.output
    );
    eprintln!(
        "attack ({}): {} projects, 1 refused; {workers} workers; {} worker rounds, {} emails received, {} refusals, {} failed",
        if db.is_sqlite() { "sqlite" } else { "postgres" },
        PROJECTS,
        rounds.len(),
        received.len(),
        refused,
        failed
    );
}

/// Two workers run (not `--once`), as two nodes do, while one project's
/// timer is refused: every other project's reminder arrives, once, and the
/// refused timer was tried once (its backoff has not run out on the fixed
/// clock), not claimed again and again. Before, the first round never ended
/// and no mail went out at all.
async fn two_running_workers_send_the_others_mail_past_a_refused_timer(db: &TestDb) {
    const PROJECTS: usize = 100;
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let file = support::bundled("graduation-service").display().to_string();
    let published = run(db, "2026-01-01T06:00:00Z", &["workflow", "publish", &file]).await;
    assert!(published.ok, "{}", published.output);
    let ids = projects(&engine, &cohort, PROJECTS).await;
    let bad = ids[PROJECTS / 3];
    break_project(db, bad).await;
    let sink = Sink::start(&[]).await;
    let smtp = sink.url();
    let args = ["worker", "--batch", "9", "--smtp", &smtp];
    let mut workers: Vec<std::process::Child> = (0..2)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_gradflow"))
                .arg("--db")
                .arg(&db.url)
                .args(args)
                .env_remove("GRADFLOW_DATABASE_URL")
                .env("GRADFLOW_NOW", FIRST_REMINDERS)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the gradflow binary runs")
        })
        .collect();
    let patience = Instant::now() + Duration::from_secs(90);
    while sink.count() < PROJECTS - 1 && Instant::now() < patience {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer, for any duplicate to arrive.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for w in &mut workers {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(w.id().to_string())
            .status();
        let _ = w.wait();
    }
    let received = sink.received();
    let mut per_message_id: BTreeMap<String, usize> = BTreeMap::new();
    for m in &received {
        *per_message_id.entry(m.message_id()).or_default() += 1;
    }
    let duplicated = per_message_id.values().filter(|n| **n > 1).count();
    assert_eq!(
        (received.len(), duplicated),
        (PROJECTS - 1, 0),
        "every good project's reminder arrives once"
    );
    let attempts = support::raw_number(
        db,
        &format!("SELECT attempts FROM timers WHERE project_id = {bad} AND key = 'remind:0'"),
    )
    .await;
    assert_eq!(attempts, 1, "the refused timer waits out its backoff");
    eprintln!(
        "running workers ({}): {} projects, 1 refused; {} emails received, {} duplicated, {} lost",
        if db.is_sqlite() { "sqlite" } else { "postgres" },
        PROJECTS,
        received.len(),
        duplicated,
        (PROJECTS - 1).saturating_sub(per_message_id.len())
    );
}

/// A supervisor sends a proposal back after its deadline: the project
/// enters the proposal stage again. Its Monday escalation is not sent at
/// once for the Monday before it came back (before, every such project
/// escalated at the first worker round), but on the next Monday; the
/// deadline passing is recorded at once.
async fn a_stage_entered_again_after_its_deadline_does_not_escalate_at_once(db: &TestDb) {
    const PROJECTS: usize = 10;
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let mut ids = Vec::new();
    for i in 0..PROJECTS {
        ids.push(
            cohort
                .start_submitted(&engine, &format!("Project {i}"))
                .await,
        );
    }
    // Wednesday 18 March, 10:00 in Muscat: changes requested, after the deadline.
    let back = at("2026-03-18T06:00:00Z");
    for id in &ids {
        let request = gradflow_engine::service::Request {
            action: "request_changes".into(),
            comment: Some("Say more about the client visit".into()),
            ..Default::default()
        };
        engine
            .act(*id, &support::holder("supervisor", 1), request, back)
            .await
            .unwrap();
    }
    let soon = at("2026-03-18T06:05:00Z");
    engine.fire_due(soon, 1000).await.unwrap();
    let mut escalations = 0;
    for id in &ids {
        let events = timer_events(&engine, *id).await;
        assert_eq!(
            events.get("deadline passed"),
            Some(&1),
            "project {id}: {events:?}"
        );
        escalations += events.get("reminded overdue:0").copied().unwrap_or(0);
        escalations += messages(&engine, *id, "overdue_notice").await;
    }
    assert_eq!(
        escalations, 0,
        "no escalation at once for a Monday before the re-entry"
    );
    // Monday 23 March, 09:30 in Muscat: the next Monday escalates, once each.
    engine
        .fire_due(at("2026-03-23T05:30:00Z"), 1000)
        .await
        .unwrap();
    for id in &ids {
        let events = timer_events(&engine, *id).await;
        assert_eq!(
            events.get("reminded overdue:0"),
            Some(&1),
            "project {id}: {events:?}"
        );
    }
}

/// No worker ran from before the first reminder until after the deadline:
/// neither reminder is sent (the deadline is gone), and each is in the
/// project's history as skipped (before, they vanished without a trace).
/// In another cohort, whose deadline is a week later, both reminders are
/// late but the deadline is ahead: the latest of them is sent.
async fn reminders_missed_while_no_worker_ran_are_skipped_and_recorded(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let missed = cohort.start(&engine, "Missed").await;
    let mut later = support::new_cohort(&cohort.workflow, &cohort.program, "Later cohort");
    later
        .dates
        .insert("proposal_due".into(), jiff::civil::date(2026, 3, 22));
    engine.create_cohort(later, support::day(0)).await.unwrap();
    let late = engine
        .start_project("Later cohort", "Late", &cohort.members(), support::day(1))
        .await
        .unwrap()
        .project;
    // Saturday 21 March, 10:00 in Muscat, the first worker round since
    // before 6 March.
    engine
        .fire_due(at("2026-03-21T06:00:00Z"), 1000)
        .await
        .unwrap();
    assert_eq!(
        timer_events(&engine, missed).await,
        BTreeMap::from([
            ("deadline passed".to_owned(), 1),
            ("reminded overdue:0".to_owned(), 1),
            ("skipped remind:0".to_owned(), 1),
            ("skipped remind:1".to_owned(), 1),
        ]),
        "each reminder missed is in the history"
    );
    assert_eq!(messages(&engine, missed, "deadline_reminder").await, 0);
    assert_eq!(
        timer_events(&engine, late).await,
        BTreeMap::from([("reminded remind:1".to_owned(), 1)]),
        "the latest reminder goes, late, while the deadline is ahead"
    );
    assert_eq!(
        messages(&engine, late, "deadline_reminder").await,
        4,
        "the trainee and the three supervisors, once each"
    );
    assert!(engine.verify_audit().await.unwrap().broken.is_none());
}

/// What a run of the binary gave.
struct Ran {
    ok: bool,
    stdout: String,
    output: String,
}

/// Runs `gradflow ARGS` at `now`, killed (and reported as hung) after 90 s.
async fn run(db: &TestDb, now: &str, args: &[&str]) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gradflow"));
    command
        .arg("--db")
        .arg(&db.url)
        .args(args)
        .env_remove("GRADFLOW_DATABASE_URL")
        .env_remove("GRADFLOW_SMTP_URL")
        .env("GRADFLOW_MAIL_FROM", "Institute <noreply@institute.test>")
        .env("GRADFLOW_NOW", now)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let shown = args.join(" ");
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the gradflow binary runs");
        let deadline = Instant::now() + Duration::from_secs(90);
        let mut hung = false;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    hung = true;
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let out = child.wait_with_output().expect("its output");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        Ran {
            ok: !hung && out.status.success(),
            output: format!(
                "$ gradflow {shown} -> {}\n{stdout}{stderr}",
                if hung {
                    "killed after hanging".to_owned()
                } else {
                    out.status.to_string()
                }
            ),
            stdout,
        }
    })
    .await
    .unwrap()
}
