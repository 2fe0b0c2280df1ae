//! Approval rules with people who hold several roles.

use proptest::prelude::*;

use super::{Run, bundled, parse, sample};
use crate::decide::{Member, PersonId, Rejection, WaitingFor};
use crate::definition::Workflow;

/// A workflow whose one action `approve` needs `need` approvals from `listed`
/// (some of the roles a, b, c, d; `other` may not approve).
fn approval_workflow(listed: &[&str], need: &str) -> Workflow {
    parse(&format!(
        r#"key: approvals
version: 1
title: Approvals
roles: [a, b, c, d, other]
start: review
stages:
  review:
    actions:
      approve: {{ title: Approve the plan, by: [{}], need: {need}, to: done }}
      drop: {{ by: other, to: done }}
  done: {{ terminal: true }}
"#,
        listed.join(", ")
    ))
}

/// Members from (person, roles) pairs, all through the cohort.
fn holding(people: &[(PersonId, &[&str])]) -> Vec<Member> {
    people
        .iter()
        .flat_map(|(person, roles)| {
            roles.iter().map(|r| Member {
                person: *person,
                role: (*r).to_owned(),
            })
        })
        .collect()
}

fn roles(names: &[&str]) -> Vec<String> {
    names.iter().map(|r| (*r).to_owned()).collect()
}

fn approve(run: &mut Run<'_>, person: PersonId) -> Result<(), Rejection> {
    run.act(person, "approve", Default::default(), None, 2)
}

fn waiting_for(run: &Run<'_>) -> Option<WaitingFor> {
    super::super::possible(&run.project(), &run.state)
        .into_iter()
        .find(|p| p.action == "approve")
        .and_then(|p| p.waiting_for)
}

/// The bug this rule fixes: someone who is both supervisor and coordinator
/// approves first; a second supervisor must still be able to complete it.
#[test]
fn a_person_with_two_roles_counts_once_and_leaves_room_for_another() {
    let w = bundled("graduation-excellence");
    let (trainee, both, supervisor) = (1, 2, 3);
    let members = holding(&[
        (trainee, &["trainee"]),
        (both, &["supervisor", "coordinator"]),
        (supervisor, &["supervisor"]),
    ]);
    let mut run = Run::with_members(&w, members.clone(), &members);
    let proposal = sample(&w.forms["proposal"]);
    run.act(trainee, "submit", proposal, None, 2).unwrap();
    run.act(both, "approve", Default::default(), None, 3)
        .unwrap();
    assert_eq!(run.state.stage, "proposal_review");
    let waiting = waiting_for(&run).unwrap();
    assert_eq!(
        waiting,
        WaitingFor {
            each_of: vec![],
            more: 1,
            any_of: roles(&["supervisor", "coordinator"]),
        }
    );
    assert_eq!(
        waiting.reason().to_string(),
        "waiting-more count=1 roles=[supervisor, coordinator]"
    );
    let again = run.act(both, "approve", Default::default(), None, 3);
    assert!(
        matches!(again, Err(Rejection::AlreadyApproved { .. })),
        "{again:?}"
    );
    run.act(supervisor, "approve", Default::default(), None, 3)
        .unwrap();
    assert_eq!(
        run.state.stage, "implementation",
        "the dual-role approver now counts as the coordinator"
    );
}

#[test]
fn an_approval_that_cannot_count_is_refused_naming_whom_it_waits_for() {
    let w = approval_workflow(&["a", "b"], "all");
    let members = holding(&[(1, &["a"]), (2, &["a"]), (3, &["b"])]);
    let mut run = Run::with_members(&w, members, &[]);
    approve(&mut run, 1).unwrap();
    let waiting = waiting_for(&run).unwrap();
    assert_eq!((waiting.each_of.clone(), waiting.more), (roles(&["b"]), 0));
    assert_eq!(waiting.reason().to_string(), "waiting-each roles=[b]");
    let refused = approve(&mut run, 2).unwrap_err();
    assert!(
        matches!(refused, Rejection::ApprovalNotNeeded { .. }),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "approval-not-needed-waiting action=approve yours=[a] waiting=(waiting-each roles=[b])"
    );
    let twice = approve(&mut run, 1).unwrap_err();
    assert_eq!(
        twice.to_string(),
        "already-approved-waiting action=approve waiting=(waiting-each roles=[b])"
    );
    approve(&mut run, 3).unwrap();
    assert_eq!(run.state.stage, "done");
}

#[test]
fn need_n_and_any_count_distinct_people() {
    let w = approval_workflow(&["a", "b"], "2");
    let members = holding(&[(1, &["a", "b"]), (2, &["b"]), (9, &["other"])]);
    let mut run = Run::with_members(&w, members.clone(), &[]);
    approve(&mut run, 1).unwrap();
    assert_eq!(
        waiting_for(&run).unwrap().reason().to_string(),
        "waiting-more count=1 roles=[a, b]"
    );
    assert!(matches!(
        approve(&mut run, 1),
        Err(Rejection::AlreadyApproved { .. })
    ));
    assert!(matches!(
        approve(&mut run, 9),
        Err(Rejection::NotAllowed { .. })
    ));
    approve(&mut run, 2).unwrap();
    assert_eq!(run.state.stage, "done");

    let w = approval_workflow(&["a", "b"], "any");
    let mut run = Run::with_members(&w, members, &[]);
    approve(&mut run, 2).unwrap();
    assert_eq!(run.state.stage, "done", "one approval is enough");
}

/// The largest number of `approvers` (role masks over the first `listed`
/// roles) that can be matched to distinct roles, by trying every assignment.
fn brute_rank(approvers: &[u8], listed: usize) -> usize {
    fn best(approvers: &[u8], listed: usize, used: u8) -> usize {
        let Some((first, rest)) = approvers.split_first() else {
            return 0;
        };
        let mut most = best(rest, listed, used);
        for r in 0..listed {
            let bit = 1 << r;
            if first & bit != 0 && used & bit == 0 {
                most = most.max(1 + best(rest, listed, used | bit));
            }
        }
        most
    }
    best(approvers, listed, 0)
}

const ROLES: [&str; 5] = ["a", "b", "c", "d", "other"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// `need: all` against a brute-force matcher, for random role holdings
    /// (each person holds a random non-empty subset of a, b, c, d and
    /// `other`) and random orders of approval attempts (repeats included):
    /// an attempt is accepted exactly when it lets more roles be matched;
    /// the action completes exactly when everyone who tried can be matched to
    /// every listed role (never early); it never gets stuck while someone on
    /// the project could still complete it; and "waiting for" names the
    /// roles nobody who approved holds, and the count still missing.
    #[test]
    fn need_all_completes_exactly_when_a_matching_exists(
        listed in 1usize..=4,
        masks in prop::collection::vec(1u8..32, 1..=6),
        order in prop::collection::vec(0usize..6, 1..=16),
    ) {
        let listed_roles: Vec<&str> = ROLES[..listed].to_vec();
        let w = approval_workflow(&listed_roles, "all");
        let listed_mask = (1u8 << listed) - 1;
        let people: Vec<PersonId> = (1..=masks.len() as PersonId).collect();
        let members: Vec<Member> = people
            .iter()
            .zip(&masks)
            .flat_map(|(p, mask)| {
                ROLES
                    .iter()
                    .enumerate()
                    .filter(move |(i, _)| mask & (1 << i) != 0)
                    .map(move |(_, r)| Member { person: *p, role: (*r).to_owned() })
            })
            .collect();
        let mut run = Run::with_members(&w, members, &[]);
        let mut accepted: Vec<usize> = Vec::new();
        let mut tried: Vec<usize> = Vec::new();
        let rank = |who: &[usize]| {
            let held: Vec<u8> = who.iter().map(|&i| masks[i] & listed_mask).collect();
            brute_rank(&held, listed)
        };
        for &pick in &order {
            let i = pick % masks.len();
            let result = approve(&mut run, people[i]);
            if run.state.stage == "done" && result.is_err() {
                prop_assert!(matches!(result, Err(Rejection::Finished { .. })), "{:?}", result);
                break;
            }
            if masks[i] & listed_mask == 0 {
                prop_assert!(matches!(result, Err(Rejection::NotAllowed { .. })), "{:?}", result);
                continue;
            }
            if !tried.contains(&i) {
                tried.push(i);
            }
            let mut with = accepted.clone();
            with.push(i);
            if accepted.contains(&i) {
                prop_assert!(matches!(result, Err(Rejection::AlreadyApproved { .. })), "{:?}", result);
            } else if rank(&with) > rank(&accepted) {
                prop_assert!(result.is_ok(), "a useful approval is accepted: {:?}", result);
                accepted = with;
            } else {
                prop_assert!(matches!(result, Err(Rejection::ApprovalNotNeeded { .. })), "{:?}", result);
            }
            let complete = rank(&tried) == listed;
            prop_assert_eq!(run.state.stage == "done", complete, "done exactly when a matching covers every role");
            if complete {
                continue;
            }
            prop_assert_eq!(rank(&accepted), accepted.len(), "every accepted approver is matched");
            let waiting = waiting_for(&run);
            if accepted.is_empty() {
                prop_assert_eq!(waiting, None, "nothing is shown before the first approval");
            } else {
                let waiting = waiting.unwrap();
                prop_assert_eq!(waiting.approvals(), listed - accepted.len());
                let nobody: Vec<String> = (0..listed)
                    .filter(|r| accepted.iter().all(|&a| masks[a] & (1 << r) == 0))
                    .map(|r| ROLES[r].to_owned())
                    .collect();
                prop_assert_eq!(&waiting.each_of, &nobody);
                for (r, role) in ROLES[..listed].iter().enumerate() {
                    // A newcomer holding only this role would help exactly when it is named.
                    let mut held: Vec<u8> = accepted.iter().map(|&a| masks[a] & listed_mask).collect();
                    held.push(1 << r);
                    let helps = brute_rank(&held, listed) > accepted.len();
                    let named = waiting.each_of.iter().chain(&waiting.any_of).any(|n| n == role);
                    prop_assert_eq!(helps, named, "{} named iff a holder would help", role);
                }
            }
            let everyone: Vec<usize> = (0..masks.len()).collect();
            if rank(&everyone) == listed {
                let someone = people.iter().any(|&p| run.try_act(p, "approve", Default::default(), None, 2).is_ok());
                prop_assert!(someone, "not stuck: someone can still add a useful approval");
            }
        }
    }
}

#[test]
fn a_dual_role_holder_alone_never_completes_an_action_for_two() {
    // Person 1 holds a and b; a second person holding either completes it.
    for second in ["a", "b"] {
        let w = approval_workflow(&["a", "b"], "all");
        let members = holding(&[(1, &["a", "b"]), (2, &[second])]);
        let mut run = Run::with_members(&w, members, &[]);
        approve(&mut run, 1).unwrap();
        assert_eq!(run.state.stage, "review");
        approve(&mut run, 2).unwrap();
        assert_eq!(run.state.stage, "done", "second holds {second}");
        assert_eq!(
            run.log
                .iter()
                .filter(|e| matches!(e.change, crate::decide::Change::ApprovalRecorded { .. }))
                .count(),
            1
        );
    }
}
