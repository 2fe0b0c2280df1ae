//! Conflicting commands racing on one project from two connections: exactly
//! one wins, the other is told the project changed; nothing is lost or doubled.

use gradflow_engine::decide::{self, Command, Project, Rejection};
use gradflow_engine::service::{Error, Request};
use gradflow_engine::store::{self, Store};

use crate::support::{Cohort, TestDb, day, holder};

/// Two nodes commit decisions made from the same version at the same moment.
async fn conflicting_commits_from_two_connections(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let (one, two) = (
        Store::connect(&db.url).await.unwrap(),
        Store::connect(&db.url).await.unwrap(),
    );
    for round in 0..10 {
        let id = cohort
            .start_submitted(&engine, &format!("race {round}"))
            .await;
        let record = one.project(id).await.unwrap();
        let workflow = engine.workflow(record.definition_id).await.unwrap();
        let calendar = one
            .cohort_by_id(record.cohort_id)
            .await
            .unwrap()
            .calendar()
            .unwrap();
        let ctx = Project {
            id,
            workflow: &workflow,
            calendar: &calendar,
            members: &record.members,
        };
        let supervisor = one.person(&holder("supervisor", 1)).await.unwrap().id;
        let coordinator = one.person(&holder("coordinator", 1)).await.unwrap().id;
        let endorse = Command {
            actor: supervisor,
            action: "endorse".into(),
            ..Command::default()
        };
        let reject = Command {
            actor: coordinator,
            action: "reject".into(),
            comment: Some("Out of scope".into()),
            ..Command::default()
        };
        let a = decide::decide(&ctx, &record.state, &endorse, day(3)).unwrap();
        let b = decide::decide(&ctx, &record.state, &reject, day(3)).unwrap();
        let v = record.state.version;
        let (ra, rb) = tokio::join!(
            one.commit(id, v, &a, None, day(3)),
            two.commit(id, v, &b, None, day(3))
        );
        let conflicts = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(store::Error::Conflict { .. })))
            .count();
        let wins = [&ra, &rb].iter().filter(|r| matches!(r, Ok(None))).count();
        assert_eq!((wins, conflicts), (1, 1), "round {round}: {ra:?} {rb:?}");
        let after = one.project(id).await.unwrap().state;
        let winner = if ra.is_ok() { &a } else { &b };
        assert_eq!(
            after, winner.state,
            "the stored state is the winner's, whole"
        );
        let events = one.events(id).await.unwrap();
        assert_eq!(
            events.len() as i64,
            winner.state.events,
            "no lost or doubled events"
        );
    }
    assert!(one.verify_audit().await.unwrap().broken.is_none());
}

/// Two people act at once through the engine, both having seen the same version.
async fn racing_people_get_a_conflict_not_a_lost_update(db: &TestDb) {
    let engine = db.engine().await;
    let second = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    for round in 0..10 {
        let id = cohort
            .start_submitted(&engine, &format!("people race {round}"))
            .await;
        let seen = engine.view(id).await.unwrap().record.state.version;
        let endorse = Request {
            action: "endorse".into(),
            expected_version: Some(seen),
            ..Request::default()
        };
        let changes = Request {
            action: "request_changes".into(),
            comment: Some("Clarify".into()),
            expected_version: Some(seen),
            ..Request::default()
        };
        let (supervisor, coordinator) = (holder("supervisor", 1), holder("coordinator", 1));
        let (ra, rb) = tokio::join!(
            engine.act(id, &supervisor, endorse, day(3)),
            second.act(id, &coordinator, changes, day(3)),
        );
        let lost = |r: &Result<_, Error>| {
            matches!(
                r,
                Err(Error::Store(store::Error::Conflict { .. }))
                    | Err(Error::Rejected(Rejection::Stale { .. }))
            )
        };
        assert!(
            ra.is_ok() != rb.is_ok(),
            "round {round}: exactly one wins: {ra:?} {rb:?}"
        );
        assert!(
            lost(&ra) || lost(&rb),
            "round {round}: the other is told of the conflict: {ra:?} {rb:?}"
        );
        let version = engine.view(id).await.unwrap().record.state.version;
        assert_eq!(version, seen + 1);
    }
}

crate::support::on_both!(
    conflicting_commits_from_two_connections,
    racing_people_get_a_conflict_not_a_lost_update
);
