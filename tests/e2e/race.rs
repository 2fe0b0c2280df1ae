//! Conflicting commands racing on one project from two nodes (two engines,
//! each with its own pool): exactly one wins, the other is told the project
//! changed; nothing is lost or doubled.

use std::sync::Arc;

use gradflow_engine::decide::{self, Command, Decision, Project};
use gradflow_engine::service::{Engine, Error, Kind, Outcome, Request};
use tokio::sync::Barrier;

use crate::support::{Cohort, TestDb, day, holder};

/// Runs `request` as `who` on `engine` once every racer is at the barrier.
fn racer(
    engine: &Arc<Engine>,
    barrier: &Arc<Barrier>,
    id: i64,
    who: String,
    request: Request,
) -> tokio::task::JoinHandle<Result<Outcome, Error>> {
    let (engine, barrier) = (engine.clone(), barrier.clone());
    tokio::spawn(async move {
        barrier.wait().await;
        engine.act(id, &who, request, day(3)).await
    })
}

/// Two nodes run conflicting commands, both based on the version they saw,
/// at the same moment: one wins, the other gets a conflict, and the stored
/// project is the winner's decision, whole.
async fn conflicting_commits_from_two_connections(db: &TestDb) {
    let setup = db.engine().await;
    let cohort = Cohort::set_up(&setup, "graduation-service").await;
    let one = Arc::new(db.engine().await);
    let two = Arc::new(db.engine().await);
    let (supervisor, coordinator) = (holder("supervisor", 1), holder("coordinator", 1));
    let supervisor_id = setup.person(&supervisor).await.unwrap().id;
    let coordinator_id = setup.person(&coordinator).await.unwrap().id;
    for round in 0..10 {
        let id = cohort
            .start_submitted(&setup, &format!("race {round}"))
            .await;
        // What each command would do from the version both nodes saw,
        // worked out by the pure core: the stored state must be one of these.
        let seen = setup.view(id).await.unwrap();
        let calendar = setup
            .cohort_by_id(seen.record.cohort_id)
            .await
            .unwrap()
            .calendar()
            .unwrap();
        let ctx = Project {
            id,
            workflow: &seen.workflow,
            calendar: &calendar,
            members: &seen.record.members,
            conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
        };
        let version = seen.record.state.version;
        let endorse = Request {
            action: "endorse".into(),
            expected_version: Some(version),
            ..Request::default()
        };
        let reject = Request {
            action: "reject".into(),
            comment: Some("Out of scope".into()),
            expected_version: Some(version),
            ..Request::default()
        };
        let predicted = |actor, request: &Request| -> Decision {
            let command = Command {
                actor,
                action: request.action.clone(),
                fields: request.fields.clone(),
                comment: request.comment.clone(),
                expected_version: request.expected_version,
            };
            decide::decide(&ctx, &seen.record.state, &command, day(3)).unwrap()
        };
        let a = predicted(supervisor_id, &endorse);
        let b = predicted(coordinator_id, &reject);

        let barrier = Arc::new(Barrier::new(2));
        let ra = racer(&one, &barrier, id, supervisor.clone(), endorse);
        let rb = racer(&two, &barrier, id, coordinator.clone(), reject);
        let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());

        let conflicts = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(e) if e.kind() == Kind::Conflict))
            .count();
        let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
        assert_eq!((wins, conflicts), (1, 1), "round {round}: {ra:?} {rb:?}");
        let (winner, outcome) = match (&ra, &rb) {
            (Ok(o), _) => (&a, o),
            (_, Ok(o)) => (&b, o),
            _ => unreachable!(),
        };
        assert_eq!(
            outcome.changes,
            winner
                .events
                .iter()
                .map(|e| e.change.clone())
                .collect::<Vec<_>>(),
            "round {round}: the winner did what it would do alone"
        );
        let after = one.view(id).await.unwrap().record.state;
        assert_eq!(
            after, winner.state,
            "round {round}: the stored state is the winner's, whole"
        );
        let events = two.history(id).await.unwrap();
        assert_eq!(
            events.len() as i64,
            winner.state.events,
            "round {round}: no lost or doubled events"
        );
        let tail: Vec<_> = events[events.len() - winner.events.len()..]
            .iter()
            .map(|e| (e.seq, e.hash.clone()))
            .collect();
        let sealed: Vec<_> = winner
            .events
            .iter()
            .map(|e| (e.seq, e.hash.clone()))
            .collect();
        assert_eq!(
            tail, sealed,
            "round {round}: the winner's events, as sealed"
        );
        let mut timers: Vec<String> = one
            .pending_timers(id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.0)
            .collect();
        timers.sort();
        let mut planned: Vec<String> = winner.timers.set.iter().map(|t| t.key.clone()).collect();
        planned.sort();
        assert_eq!(timers, planned, "round {round}: the winner's timers");
    }
    let audit = one.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
}

/// Two people act at once through two engines, both having seen the same version.
async fn racing_people_get_a_conflict_not_a_lost_update(db: &TestDb) {
    let engine = Arc::new(db.engine().await);
    let second = Arc::new(db.engine().await);
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
        let barrier = Arc::new(Barrier::new(2));
        let ra = racer(&engine, &barrier, id, holder("supervisor", 1), endorse);
        let rb = racer(&second, &barrier, id, holder("coordinator", 1), changes);
        let (ra, rb) = (ra.await.unwrap(), rb.await.unwrap());
        let lost = |r: &Result<_, Error>| matches!(r, Err(e) if e.kind() == Kind::Conflict);
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
