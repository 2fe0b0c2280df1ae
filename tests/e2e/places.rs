//! Places in a cohort and withdrawal (issue 16, parts 2 and 5), end to end
//! on SQLite and PostgreSQL: a trainee withdraws from a stage the workflow
//! offers no withdraw action in, a coordinator or the operator withdraws
//! anyone's project with a reason, each as an event in the project's
//! hash-chained log that `audit verify` replays; timers dropped, the people
//! mailed, the place given back in the same transaction (a full cohort
//! starts one more); who may not is refused with a reason that says who
//! may, and nothing changes.

use gradflow_engine::service::{By, Engine, IntakeSettings, Kind as ErrorKind, Viewer};

use crate::processes::spawn;
use crate::support::{
    self, Cohort, TestDb, act, assert_unchanged, day, holder, on_both, raw_number, snapshot,
};

on_both!(
    a_trainee_withdraws_from_any_stage_and_the_place_is_freed,
    a_coordinator_or_the_operator_withdraws_with_a_reason,
    who_may_not_withdraw_is_told_who_may_and_nothing_changes,
    a_workflow_without_a_withdrawal_stage_refuses_with_a_reason,
    the_workflows_own_withdraw_action_frees_the_place_too,
    the_waiting_list_moves_on_withdrawal_decline_and_expiry_in_order,
    an_offer_that_cannot_lapse_is_retried_then_given_up_with_its_reason,
    twenty_processes_accepting_and_withdrawing_keep_capacity_and_the_list_order,
);

const COORDINATOR: &str = "coordinator1@example.org";

/// The service workflow's cohort "small" (room for `capacity`) with
/// coordinator 1, and one project per trainee 1..=`capacity` (supervisor 1).
async fn full_cohort(engine: &Engine, capacity: u32) -> (Cohort, Vec<i64>) {
    let base = Cohort::set_up(engine, "graduation-service").await;
    let mut new = support::new_cohort(&base.workflow, &base.program, "small");
    new.coordinators = vec![COORDINATOR.into()];
    new.capacity = capacity;
    engine.create_cohort(new, day(0)).await.unwrap();
    let cohort = Cohort {
        name: "small".into(),
        ..base
    };
    let mut ids = Vec::new();
    for n in 1..=capacity as usize {
        ids.push(start(engine, n).await.expect("a place is free"));
    }
    (cohort, ids)
}

/// Starts trainee `n`'s project in "small" with supervisor 1.
async fn start(engine: &Engine, n: usize) -> Result<i64, gradflow_engine::service::Error> {
    let members = vec![
        (holder("trainee", n), "trainee".to_owned()),
        (holder("supervisor", 1), "supervisor".to_owned()),
    ];
    engine
        .start_project("small", &format!("Project {n}"), &members, day(1))
        .await
        .map(|o| o.project)
}

async fn taken(db: &TestDb) -> i64 {
    raw_number(db, "SELECT taken FROM cohorts WHERE name = 'small'").await
}

async fn audit_passes(engine: &Engine) {
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "audit: {:?}", report.broken);
}

/// (template, recipient) of the project's queued messages.
async fn mail_of(engine: &Engine, project: i64, template: &str) -> Vec<String> {
    let mut to: Vec<String> = engine
        .messages(project)
        .await
        .unwrap()
        .into_iter()
        .filter(|(t, _, _)| t == template)
        .map(|(_, email, _)| email)
        .collect();
    to.sort();
    to
}

async fn a_trainee_withdraws_from_any_stage_and_the_place_is_freed(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, ids) = full_cohort(&engine, 2).await;
    let refused = start(&engine, 3).await.unwrap_err();
    assert_eq!(refused.reason().code, "cohort-full");
    // Project 1 waits for its supervisor's endorsement: the workflow gives
    // the trainee no withdraw action there.
    let answers = support::sample(&cohort.workflow.forms["proposal"]);
    act(
        &engine,
        ids[0],
        &holder("trainee", 1),
        "submit",
        answers,
        None,
        2,
    )
    .await
    .unwrap();
    assert!(!engine.pending_timers(ids[0]).await.unwrap().is_empty());
    let outcome = engine
        .withdraw_trainee(
            ids[0],
            Some(&holder("trainee", 1)),
            "  I am moving to another ministry  ",
            day(3),
        )
        .await
        .unwrap();
    assert_eq!(outcome.outcome.stage, "withdrawn");
    let history = engine.history(ids[0]).await.unwrap();
    let last: Vec<String> = history[history.len() - 2..]
        .iter()
        .map(|e| support::change_type(&e.change))
        .collect();
    assert_eq!(last, ["withdrawn", "moved"]);
    match &history[history.len() - 2].change {
        gradflow_engine::decide::Change::Withdrawn { stage, reason } => {
            assert_eq!(stage, "endorsement");
            assert_eq!(reason, "I am moving to another ministry");
        }
        other => panic!("expected a withdrawal, got {other:?}"),
    }
    assert_eq!(
        history[history.len() - 2].actor.as_deref(),
        Some(holder("trainee", 1).as_str())
    );
    assert!(engine.pending_timers(ids[0]).await.unwrap().is_empty());
    assert_eq!(
        mail_of(&engine, ids[0], "project_withdrawn").await,
        [
            COORDINATOR.to_owned(),
            holder("supervisor", 1),
            holder("trainee", 1)
        ]
    );
    // The place is free: a third trainee starts; the cohort is full again.
    assert_eq!(taken(db).await, 1);
    start(&engine, 3).await.unwrap();
    assert_eq!(taken(db).await, 2);
    assert_eq!(
        start(&engine, 1).await.unwrap_err().reason().code,
        "cohort-full"
    );
    // Withdrawn once: a second withdrawal is refused and frees nothing.
    let again = engine
        .withdraw_trainee(ids[0], None, "twice", day(4))
        .await
        .unwrap_err();
    assert_eq!(again.reason().code, "finished");
    assert_eq!(taken(db).await, 2);
    audit_passes(&engine).await;
}

async fn a_coordinator_or_the_operator_withdraws_with_a_reason(db: &TestDb) {
    let engine = db.engine().await;
    let (_, ids) = full_cohort(&engine, 3).await;
    // The coordinator, signed in, withdraws project 1 at its proposal.
    let coordinator = Viewer {
        person: engine.person(COORDINATOR).await.unwrap(),
        language: None,
    };
    let outcome = engine
        .withdraw_trainee_as(&coordinator, ids[0], "left the institute", day(2))
        .await
        .unwrap();
    assert_eq!(outcome.outcome.stage, "withdrawn");
    assert!(
        outcome.outcome.told.len() >= 3,
        "told: {:?}",
        outcome.outcome.told
    );
    // The operator withdraws project 2 (no one named in its log).
    engine
        .withdraw_trainee(ids[1], None, "duplicate enrolment", day(2))
        .await
        .unwrap();
    let history = engine.history(ids[1]).await.unwrap();
    assert!(history.iter().rev().take(2).all(|e| e.actor.is_none()));
    // A coordinator gives a reason (the trainee may leave it out), and one
    // of control characters is refused.
    for reason in ["", "   "] {
        let refused = engine
            .withdraw_trainee(ids[2], Some(COORDINATOR), reason, day(2))
            .await
            .unwrap_err();
        assert_eq!(refused.reason().code, "withdrawal-reason", "{reason:?}");
    }
    let refused = engine
        .withdraw_trainee(ids[2], Some(COORDINATOR), "bad\u{202e}text", day(2))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Invalid);
    assert_eq!(taken(db).await, 1);
    // The trainee may leave their own project without a word.
    engine
        .withdraw_trainee(ids[2], Some(&holder("trainee", 3)), "", day(2))
        .await
        .unwrap();
    assert_eq!(taken(db).await, 0);
    audit_passes(&engine).await;
}

async fn who_may_not_withdraw_is_told_who_may_and_nothing_changes(db: &TestDb) {
    let engine = db.engine().await;
    let (_, ids) = full_cohort(&engine, 2).await;
    let before = snapshot(db).await;
    // The supervisor, and another trainee, hold no right to withdraw it.
    for who in [holder("supervisor", 1), holder("trainee", 2)] {
        let refused = engine
            .withdraw_trainee(ids[0], Some(&who), "not mine to end", day(2))
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Forbidden, "{who}");
        assert_eq!(refused.reason().code, "withdrawal-not-allowed", "{who}");
        let words = gradflow_words::error("en", &refused);
        assert!(
            words.contains("trainee") && words.contains("coordinator"),
            "{words}"
        );
        let arabic = gradflow_words::error("ar", &refused);
        assert!(!arabic.contains("may withdraw"), "{arabic}");
    }
    // Signed in as someone who may not see the project: not found.
    let stranger = Viewer {
        person: engine.person(&holder("trainee", 2)).await.unwrap(),
        language: None,
    };
    let hidden = engine
        .withdraw_trainee_as(&stranger, ids[0], "not mine", day(2))
        .await
        .unwrap_err();
    assert_eq!(hidden.kind(), ErrorKind::NotFound);
    // Unknown people and projects.
    let unknown = engine
        .withdraw_trainee(ids[0], Some("nobody@example.org"), "x", day(2))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    let unknown = engine
        .withdraw_trainee(9_999_999, None, "x", day(2))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_unchanged(db, &before, "refused withdrawals").await;
}

async fn a_workflow_without_a_withdrawal_stage_refuses_with_a_reason(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "service-improvement").await;
    let id = cohort.start(&engine, "Queue at the counter").await;
    let before = snapshot(db).await;
    let refused = engine
        .withdraw_trainee(id, None, "no longer needed", day(2))
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "withdrawal-no-stage");
    let words = gradflow_words::error("en", &refused);
    assert!(
        words.contains("service-improvement") && words.contains("withdrawal: true"),
        "{words}"
    );
    assert_unchanged(db, &before, "a refused withdrawal").await;
}

async fn the_workflows_own_withdraw_action_frees_the_place_too(db: &TestDb) {
    let engine = db.engine().await;
    let (_, ids) = full_cohort(&engine, 2).await;
    act(
        &engine,
        ids[1],
        &holder("trainee", 2),
        "withdraw",
        Default::default(),
        Some("changed jobs"),
        2,
    )
    .await
    .unwrap();
    assert_eq!(taken(db).await, 1);
    start(&engine, 3).await.unwrap();
    assert_eq!(taken(db).await, 2);
    audit_passes(&engine).await;
}

/// Candidate `n`'s email (people of their own, outside the cohort's roles).
fn candidate(n: usize) -> String {
    format!("candidate{n}@example.org")
}

/// Cohort "small" (room for `capacity`, coordinator 1) of the service
/// workflow, open for applications with offers open 3 days, and a request
/// from each of candidates 1..=`candidates` (no endorsement needed): the
/// applications' ids, in order.
async fn open_cohort(engine: &Engine, capacity: u32, candidates: usize) -> (i64, Vec<i64>) {
    let base = Cohort::set_up(engine, "graduation-service").await;
    let mut new = support::new_cohort(&base.workflow, &base.program, "small");
    new.coordinators = vec![COORDINATOR.into()];
    new.capacity = capacity;
    engine.create_cohort(new, day(0)).await.unwrap();
    let cohort = engine
        .open_intake(
            "small",
            IntakeSettings { offer_days: 3 },
            By::Operator,
            day(0),
        )
        .await
        .unwrap();
    let mut ids = Vec::new();
    for n in 1..=candidates {
        engine
            .add_person(
                &candidate(n),
                &format!("Candidate {n}"),
                "Ministry of Health",
                day(0),
            )
            .await
            .unwrap();
        let viewer = engine.acting_as(&candidate(n)).await.unwrap();
        let changed = engine
            .request_as(
                &viewer,
                cohort.id,
                None,
                "I serve clients at the counter",
                day(1),
            )
            .await
            .unwrap();
        ids.push(changed.application.id);
    }
    (cohort.id, ids)
}

async fn state_of(engine: &Engine, application: i64) -> String {
    engine
        .application_as(By::Operator, application)
        .await
        .unwrap()
        .state
        .as_str()
        .to_owned()
}

/// Places taken equal the projects not withdrawn plus the open offers,
/// and never pass capacity.
async fn places_hold(db: &TestDb, capacity: i64) {
    let taken = taken(db).await;
    let live = raw_number(
        db,
        "SELECT COUNT(*) FROM projects p JOIN cohorts c ON c.id = p.cohort_id WHERE c.name = 'small' AND p.stage <> 'withdrawn'",
    )
    .await;
    let offered = raw_number(
        db,
        "SELECT COUNT(*) FROM applications WHERE state = 'offered'",
    )
    .await;
    assert_eq!(
        taken,
        live + offered,
        "taken = started and not withdrawn + offered"
    );
    assert!(taken <= capacity, "taken {taken} > capacity {capacity}");
}

async fn intake_mail(db: &TestDb, kind: &str) -> i64 {
    raw_number(
        db,
        &format!("SELECT COUNT(*) FROM account_mail WHERE kind = '{kind}'"),
    )
    .await
}

async fn the_waiting_list_moves_on_withdrawal_decline_and_expiry_in_order(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, apps) = open_cohort(&engine, 2, 5).await;
    // Two accepted (their projects started), the third refused: full.
    let accepted = engine
        .accept_as(By::Operator, cohort, &apps[..3], day(2))
        .await
        .unwrap();
    assert!(accepted[0].is_ok() && accepted[1].is_ok());
    assert_eq!(
        accepted[2].as_ref().unwrap_err().reason().code,
        "cohort-full"
    );
    let project1 = accepted[0].as_ref().unwrap().project.unwrap();
    // Candidates 3, 4 and 5 wait, in that order.
    for &app in &apps[2..] {
        engine
            .wait_list_as(By::Operator, app, day(2))
            .await
            .unwrap();
    }
    places_hold(db, 2).await;
    // Trainee 1 withdraws from their project: the application is
    // withdrawn and candidate 3, the first waiting, is offered the place
    // in the same transaction; no place is given twice.
    let done = engine
        .withdraw_trainee(project1, Some(&candidate(1)), "a new post abroad", day(3))
        .await
        .unwrap();
    assert_eq!(done.outcome.stage, "withdrawn");
    assert_eq!(done.application, Some(apps[0]));
    assert_eq!(done.offered, Some(apps[2]));
    assert_eq!(state_of(&engine, apps[0]).await, "withdrawn");
    assert_eq!(state_of(&engine, apps[2]).await, "offered");
    assert_eq!(taken(db).await, 2);
    places_hold(db, 2).await;
    let offer = engine.application_as(By::Operator, apps[2]).await.unwrap();
    assert_eq!(offer.offer_expires, Some(day(6)));
    // Nobody but the candidate answers their offer.
    let other = engine.acting_as(&candidate(4)).await.unwrap();
    assert!(engine.take_offer_as(&other, apps[2], day(3)).await.is_err());
    // Candidate 3 declines: candidate 4 is offered it.
    let me = engine.acting_as(&candidate(3)).await.unwrap();
    let declined = engine.decline_offer_as(&me, apps[2], day(4)).await.unwrap();
    assert_eq!(declined.offered, Some(apps[3]));
    assert_eq!(state_of(&engine, apps[3]).await, "offered");
    places_hold(db, 2).await;
    // Candidate 4 lets it lapse: nothing before its deadline, then the
    // worker's round expires it and offers candidate 5.
    assert_eq!(engine.expire_due_offers(day(6)).await.unwrap().claimed, 0);
    let round = engine.expire_due_offers(day(8)).await.unwrap();
    assert_eq!(round.expired.len(), 1, "{round:?}");
    assert_eq!(round.expired[0].offered, Some(apps[4]));
    assert_eq!(state_of(&engine, apps[3]).await, "expired");
    // A lapsed offer is not taken.
    let late = engine.acting_as(&candidate(4)).await.unwrap();
    assert!(engine.take_offer_as(&late, apps[3], day(8)).await.is_err());
    // Candidate 5 takes theirs: the project starts on the held place.
    let five = engine.acting_as(&candidate(5)).await.unwrap();
    let taken_offer = engine.take_offer_as(&five, apps[4], day(9)).await.unwrap();
    let project5 = taken_offer.project.expect("the project started");
    assert_eq!(state_of(&engine, apps[4]).await, "accepted");
    assert_eq!(taken(db).await, 2);
    places_hold(db, 2).await;
    let view = engine.view(project5).await.unwrap();
    assert_eq!(view.record.state.stage, "proposal");
    // Nothing more waits: the next withdrawal just frees the place.
    let done = engine
        .withdraw_trainee(project5, Some(COORDINATOR), "left the ministry", day(10))
        .await
        .unwrap();
    assert_eq!(done.offered, None);
    assert_eq!(taken(db).await, 1);
    places_hold(db, 2).await;
    // The mail: the coordinators told of each freed place, each offer and
    // its lapse told to its candidate.
    assert!(intake_mail(db, "intake_offered").await >= 3);
    assert!(intake_mail(db, "intake_expired").await >= 1);
    assert!(intake_mail(db, "intake_place_freed").await >= 2);
    audit_passes(&engine).await;
}

/// Makes every append to the cohorts' logs fail (a stand-in for a write
/// that cannot succeed), or undoes it.
async fn break_cohort_log(db: &TestDb, broken: bool) {
    use sqlx::Connection;
    let statements: &[&str] = match (db.is_sqlite(), broken) {
        (true, true) => &[
            "CREATE TRIGGER test_refuse BEFORE INSERT ON cohort_events BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        ],
        (true, false) => &["DROP TRIGGER test_refuse"],
        (false, true) => &[
            "CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER test_refuse BEFORE INSERT ON cohort_events FOR EACH ROW EXECUTE FUNCTION test_refuse()",
        ],
        (false, false) => &["DROP TRIGGER test_refuse ON cohort_events"],
    };
    for sql in statements {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if db.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
}

async fn an_offer_that_cannot_lapse_is_retried_then_given_up_with_its_reason(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, apps) = open_cohort(&engine, 1, 3).await;
    let accepted = engine
        .accept_as(By::Operator, cohort, &apps[..1], day(2))
        .await
        .unwrap();
    let project = accepted[0].as_ref().unwrap().project.unwrap();
    engine
        .wait_list_as(By::Operator, apps[1], day(2))
        .await
        .unwrap();
    engine
        .wait_list_as(By::Operator, apps[2], day(2))
        .await
        .unwrap();
    engine
        .withdraw_trainee(project, None, "moved away", day(2))
        .await
        .unwrap();
    assert_eq!(state_of(&engine, apps[1]).await, "offered");
    break_cohort_log(db, true).await;
    // Each round tries once; the next waits out its backoff (a minute,
    // doubled each time); after 8 failures it is given up for good.
    let mut now = day(6);
    let mut tries = 0;
    loop {
        let round = engine.expire_due_offers(now).await.unwrap();
        let again = engine.expire_due_offers(now).await.unwrap();
        assert_eq!(again.claimed, 0, "tried twice in one backoff");
        tries += round.claimed;
        if round.failed == 1 {
            break;
        }
        assert_eq!(round.retried, 1, "{round:?}");
        now = now
            .checked_add(jiff::SignedDuration::from_hours(25))
            .unwrap();
        assert!(tries < 20, "never given up");
    }
    assert_eq!(tries, 8);
    let stuck = engine.stuck_offers().await.unwrap();
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0].application, apps[1]);
    assert!(stuck[0].failure.is_some());
    // Given up: it holds its place, and no later round loops on it.
    assert_eq!(state_of(&engine, apps[1]).await, "offered");
    let later = now
        .checked_add(jiff::SignedDuration::from_hours(100))
        .unwrap();
    assert_eq!(engine.expire_due_offers(later).await.unwrap().claimed, 0);
    places_hold(db, 1).await;
    // Mended, and put back by the operator: it lapses, the next is offered.
    break_cohort_log(db, false).await;
    engine.retry_offer(apps[1]).await.unwrap();
    let round = engine.expire_due_offers(later).await.unwrap();
    assert_eq!(round.expired.len(), 1);
    assert_eq!(state_of(&engine, apps[1]).await, "expired");
    assert_eq!(state_of(&engine, apps[2]).await, "offered");
    assert!(engine.stuck_offers().await.unwrap().is_empty());
    places_hold(db, 1).await;
    audit_passes(&engine).await;
}

const RACED: &str = "Raced 2026";

/// Application ids of cohort RACED whose state is `state`, by position.
async fn in_state(db: &TestDb, state: &str) -> Vec<i64> {
    let n = raw_number(
        db,
        &format!("SELECT COUNT(*) FROM applications WHERE state = '{state}'"),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(
            raw_number(
                db,
                &format!("SELECT id FROM applications WHERE state = '{state}' ORDER BY position, id LIMIT 1 OFFSET {i}"),
            )
            .await,
        );
    }
    ids
}

async fn twenty_processes_accepting_and_withdrawing_keep_capacity_and_the_list_order(db: &TestDb) {
    spawn::set_up_service(db, 20);
    spawn::ok(db, &["person", "supervisor", spawn::SUPERVISOR, "on"]);
    spawn::create_cohort(db, RACED, 5, &[]);
    spawn::ok(
        db,
        &["cohort", "intake", "open", RACED, "--offer-days", "2"],
    );
    let mut ids = Vec::new();
    for n in 1..=20 {
        let run = spawn::ok(
            db,
            &[
                "--json",
                "application",
                "nominate",
                "--cohort",
                RACED,
                "--person",
                &spawn::trainee(n),
                "--reason",
                "ready",
                "--as",
                spawn::SUPERVISOR,
            ],
        );
        ids.push(run.json()["application"]["id"].as_i64().unwrap());
    }
    let first: Vec<String> = ids[..5].iter().map(i64::to_string).collect();
    let mut accept = vec!["application", "accept", "--cohort", RACED];
    accept.extend(first.iter().map(String::as_str));
    spawn::ok(db, &accept);
    for id in &ids[5..] {
        spawn::ok(db, &["application", "wait", &id.to_string()]);
    }
    let mut projects = Vec::new();
    for id in &ids[..5] {
        projects.push(
            raw_number(
                db,
                &format!("SELECT project_id FROM applications WHERE id = {id}"),
            )
            .await,
        );
    }
    // Twenty at once: each of the five trainees withdrawn twice (by the
    // coordinator and by themselves), and ten waiting candidates accepted
    // out of turn by the coordinator.
    let mut races: Vec<Vec<String>> = Vec::new();
    for (i, p) in projects.iter().enumerate() {
        let p = p.to_string();
        races.push(spawn::args(&[
            "project",
            "withdraw",
            &p,
            "--reason",
            "left",
            "--as",
            spawn::COORDINATOR,
        ]));
        races.push(spawn::args(&[
            "project",
            "withdraw",
            &p,
            "--reason",
            "",
            "--as",
            &spawn::trainee(i + 1),
        ]));
    }
    for id in &ids[5..15] {
        races.push(spawn::args(&[
            "application",
            "accept",
            "--cohort",
            RACED,
            &id.to_string(),
            "--as",
            spawn::COORDINATOR,
        ]));
    }
    let runs = spawn::at_once(db, races);
    // Each project withdrawn exactly once; the other try says it is finished.
    let withdrawn = runs[..10].iter().filter(|r| r.ok()).count();
    assert_eq!(withdrawn, 5, "{runs:#?}");
    for r in runs[..10].iter().filter(|r| !r.ok()) {
        assert!(
            r.stderr.contains("finished") || r.stderr.contains("withdrawn"),
            "{r}"
        );
    }
    for p in &projects {
        let n = raw_number(db, &format!("SELECT COUNT(*) FROM events WHERE project_id = {p} AND change LIKE '%\"type\":\"withdrawn\"%'")).await;
        assert_eq!(n, 1, "project {p} withdrawn {n} times");
    }
    // Every freed place went to the first of the list, in order, as an
    // offer made in the withdrawal's transaction; an accept out of turn
    // found the cohort full (a place is never free between the two).
    let offered = in_state(db, "offered").await;
    let accepted_late = runs[10..].iter().filter(|r| r.ok()).count();
    let taken = raw_number(
        db,
        &format!("SELECT taken FROM cohorts WHERE name = '{RACED}'"),
    )
    .await;
    assert_eq!(taken, 5, "no place lost or given twice");
    let live = raw_number(
        db,
        &format!("SELECT COUNT(*) FROM projects p JOIN cohorts c ON c.id = p.cohort_id WHERE c.name = '{RACED}' AND p.stage <> 'withdrawn'"),
    )
    .await;
    assert_eq!(live + offered.len() as i64, taken);
    assert_eq!(offered.len() + accepted_late, 5, "{runs:#?}");
    let waiting = in_state(db, "waiting").await;
    let moved: Vec<i64> = ids[5..]
        .iter()
        .copied()
        .filter(|id| !waiting.contains(id))
        .collect();
    assert_eq!(
        moved,
        ids[5..5 + moved.len()].to_vec(),
        "the list kept its order"
    );
    assert_eq!(
        offered,
        moved
            .iter()
            .copied()
            .filter(|id| offered.contains(id))
            .collect::<Vec<_>>()
    );
    // Two workers at once let the lapsed offers lapse: each once, and the
    // next of the list offered each place.
    let offered_before = offered.clone();
    {
        use sqlx::Connection;
        let sql = sqlx::AssertSqlSafe(
            "UPDATE applications SET offer_expires = 0 WHERE state = 'offered'".to_owned(),
        );
        if db.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(sql).execute(&mut conn).await.unwrap();
        }
    }
    let workers = spawn::at_once(
        db,
        vec![
            spawn::args(&["worker", "--once", "--smtp", "log:"]),
            spawn::args(&["worker", "--once", "--smtp", "log:"]),
        ],
    );
    assert!(workers.iter().all(spawn::Run::ok), "{workers:#?}");
    for id in &offered_before {
        let expired = raw_number(
            db,
            &format!("SELECT COUNT(*) FROM cohort_events WHERE data LIKE '%\"application\":{id},%' AND data LIKE '%\"to\":\"expired\"%'"),
        )
        .await;
        assert_eq!(expired, 1, "offer {id} expired {expired} times");
    }
    let expired = in_state(db, "expired").await;
    assert_eq!(expired.len(), offered_before.len());
    let taken = raw_number(
        db,
        &format!("SELECT taken FROM cohorts WHERE name = '{RACED}'"),
    )
    .await;
    assert_eq!(taken, 5);
    let waiting_after = in_state(db, "waiting").await;
    assert_eq!(
        waiting_after,
        waiting[offered_before.len()..].to_vec(),
        "the next ones, in order"
    );
    spawn::ok(db, &["audit", "verify"]);
}
