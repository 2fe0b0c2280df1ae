//! Places in a cohort and withdrawal (issue 16, parts 2 and 5), end to end
//! on SQLite and PostgreSQL: a trainee withdraws from a stage the workflow
//! offers no withdraw action in, a coordinator or the operator withdraws
//! anyone's project with a reason, each as an event in the project's
//! hash-chained log that `audit verify` replays; timers dropped, the people
//! mailed, the place given back in the same transaction (a full cohort
//! starts one more); who may not is refused with a reason that says who
//! may, and nothing changes.

use gradflow_engine::service::{Engine, Kind as ErrorKind, Viewer};

use crate::support::{
    self, Cohort, TestDb, act, assert_unchanged, day, holder, on_both, raw_number, snapshot,
};

on_both!(
    a_trainee_withdraws_from_any_stage_and_the_place_is_freed,
    a_coordinator_or_the_operator_withdraws_with_a_reason,
    who_may_not_withdraw_is_told_who_may_and_nothing_changes,
    a_workflow_without_a_withdrawal_stage_refuses_with_a_reason,
    the_workflows_own_withdraw_action_frees_the_place_too,
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
    // A reason is required, and one of control characters is refused.
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
