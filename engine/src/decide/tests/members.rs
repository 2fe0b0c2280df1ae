//! Membership in the log: `start` records the direct members, `add_member`
//! gives a role later, both through the one membership rule.

use super::{Run, bundled, day, holder, path_to, walk};
use crate::decide::{Change, Member, Rejection, add_member, start};

#[test]
fn start_records_each_direct_member_once_and_not_the_cohort() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    let added: Vec<(i64, String)> = run
        .log
        .iter()
        .filter_map(|e| match &e.change {
            Change::MemberAdded { person, role } => Some((*person, role.clone())),
            _ => None,
        })
        .collect();
    // Run::start gives the first two roles directly: the one trainee and
    // three supervisors.
    assert_eq!(added.len(), 4, "{added:?}");
    assert!(added.iter().all(|(_, r)| w.roles[..2].contains(r)));
    assert!(matches!(run.log[0].change, Change::Started { .. }));
    assert_eq!(run.state.members.len(), 4);
    assert_eq!(run.state.version, 1, "starting is one command");

    let trainee = Member {
        person: holder(&w, "trainee", 1),
        role: "trainee".into(),
    };
    let twice = vec![trainee.clone(), trainee.clone()];
    let project = run.project();
    let decision = start(&project, &twice, day(1)).unwrap();
    assert_eq!(decision.state.members.as_slice(), &[trainee]);
}

#[test]
fn start_refuses_a_role_the_workflow_does_not_have() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    let stranger = Member {
        person: 99,
        role: "auditor".into(),
    };
    let refused = start(&run.project(), &[stranger], day(1)).unwrap_err();
    assert!(
        matches!(refused, Rejection::UnknownRole { .. }),
        "{refused:?}"
    );
    assert!(
        refused
            .to_string()
            .starts_with("unknown-role role=\"auditor\""),
        "{refused}"
    );
}

#[test]
fn a_member_added_later_is_one_event_and_one_version() {
    let w = bundled("graduation-service");
    let mut run = Run::start(&w);
    let evaluator = 77;
    let decision = add_member(
        &run.project(),
        &run.state,
        Some(holder(&w, "coordinator", 1)),
        evaluator,
        "committee",
        day(2),
    )
    .unwrap();
    assert_eq!(decision.events.len(), 1);
    assert_eq!(decision.state.version, run.state.version + 1);
    assert_eq!(
        decision.events[0].change,
        Change::MemberAdded {
            person: evaluator,
            role: "committee".into()
        }
    );
    assert!(decision.notifications.is_empty() && decision.timers.set.is_empty());
    run.accept(decision);
    run.members.push(Member {
        person: evaluator,
        role: "committee".into(),
    });
    let again = add_member(
        &run.project(),
        &run.state,
        None,
        evaluator,
        "committee",
        day(2),
    );
    assert_eq!(
        again.unwrap_err().to_string(),
        "already-member role=committee"
    );
    let unknown = add_member(&run.project(), &run.state, None, evaluator, "judge", day(2));
    assert!(matches!(unknown, Err(Rejection::UnknownRole { .. })));
}

#[test]
fn only_a_coordinator_gives_roles_and_a_refusal_says_so() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    for role in ["trainee", "supervisor"] {
        let refused = add_member(
            &run.project(),
            &run.state,
            Some(holder(&w, role, 1)),
            77,
            "committee",
            day(2),
        )
        .unwrap_err();
        assert!(
            matches!(refused, Rejection::NotAllowed { .. }),
            "{refused:?}"
        );
        assert_eq!(
            refused.to_string(),
            format!("not-allowed-yours action=give-roles allowed=[coordinator] yours=[{role}]")
        );
    }
    let stranger = add_member(
        &run.project(),
        &run.state,
        Some(999),
        77,
        "committee",
        day(2),
    );
    assert!(matches!(stranger, Err(Rejection::NotAllowed { .. })));
    let coordinator = Some(holder(&w, "coordinator", 1));
    assert!(
        add_member(
            &run.project(),
            &run.state,
            coordinator,
            77,
            "committee",
            day(2)
        )
        .is_ok()
    );
    assert!(add_member(&run.project(), &run.state, None, 77, "committee", day(2)).is_ok());
}

#[test]
fn a_role_held_through_the_cohort_may_still_be_given_directly() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    // Run::start gives the coordinator role through the cohort.
    let coordinator = holder(&w, "coordinator", 1);
    let decision = add_member(
        &run.project(),
        &run.state,
        None,
        coordinator,
        "coordinator",
        day(2),
    );
    assert!(decision.is_ok(), "{decision:?}");
}

#[test]
fn a_finished_project_takes_no_new_members() {
    let w = bundled("graduation-service");
    let terminal = w.stages.iter().find(|s| s.terminal).unwrap();
    assert!(!path_to(&w, &terminal.key).is_empty());
    let run = walk(&w, &terminal.key);
    let refused = add_member(&run.project(), &run.state, None, 5, "committee", day(90));
    assert!(
        matches!(refused, Err(Rejection::Finished { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_project_starts_with_exactly_one_trainee_and_takes_no_second() {
    let w = bundled("graduation-service");
    let run = Run::start(&w);
    let trainee = |n| Member {
        person: holder(&w, "trainee", n),
        role: "trainee".into(),
    };
    let others: Vec<Member> = run
        .members
        .iter()
        .filter(|m| m.role != "trainee")
        .cloned()
        .collect();
    for trainees in [vec![], vec![trainee(1), trainee(2)]] {
        let mut members = others.clone();
        members.extend(trainees.iter().cloned());
        let mut project = run.project();
        project.members = &members;
        let refused = start(&project, &trainees, day(1)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "holders-exactly role=trainee count=1 people={}",
                trainees.len()
            )
        );
    }
    let refused = add_member(
        &run.project(),
        &run.state,
        None,
        holder(&w, "trainee", 2),
        "trainee",
        day(2),
    )
    .unwrap_err();
    assert!(
        matches!(refused, Rejection::Holders { ref role, people: 2, .. } if role == "trainee"),
        "{refused:?}"
    );
    // Given directly to the person who is the trainee already: still one.
    let again = add_member(
        &run.project(),
        &run.state,
        None,
        holder(&w, "trainee", 1),
        "trainee",
        day(2),
    )
    .unwrap_err();
    assert!(
        matches!(again, Rejection::AlreadyMember { .. }),
        "{again:?}"
    );
}
