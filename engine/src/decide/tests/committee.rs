//! Committees: the pure assignment (a property test over random
//! organizations, pools and declared conflicts), seating evaluators as
//! events with their mail and scoring timers, scoring cancelling them, and
//! replacing an evaluator — each log replaying to the state kept.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::{at_evaluation_without, bundled, holder};
use crate::decide::committee::{
    self, ConflictWith, Declared, Excluded, Need, Pool, PoolMember, Seating,
};
use crate::decide::{Change, Member, PersonId, TimerKind};

fn member(person: PersonId, role: &str) -> Member {
    Member {
        person,
        role: role.to_owned(),
    }
}

/// A random cohort: pool members (ids 100..), trainees (ids 1000..) with
/// organizations, supervisors drawn sometimes from the pool, conflicts.
#[derive(Debug, Clone)]
struct Cohort {
    pool: Vec<(u8, bool)>,
    projects: Vec<(u8, Option<usize>, u8)>,
    declared: Vec<(usize, bool, usize)>,
    wanted: u32,
}

fn cohort() -> impl Strategy<Value = Cohort> {
    (
        prop::collection::vec((0u8..6, prop::bool::weighted(0.1)), 1..16),
        prop::collection::vec(
            (0u8..6, prop::option::weighted(0.3, 0usize..16), 0u8..3),
            1..25,
        ),
        prop::collection::vec((0usize..16, any::<bool>(), 0usize..25), 0..12),
        1u32..4,
    )
        .prop_map(|(pool, projects, declared, wanted)| Cohort {
            pool,
            projects,
            declared,
            wanted,
        })
}

fn org(n: u8) -> String {
    // Organization 0 is "none given", which conflicts with nobody.
    if n == 0 {
        String::new()
    } else {
        format!("Ministry {n}")
    }
}

/// The independent statement of the rules: why `p` may not evaluate a
/// project with `members`, written without the module's helper.
fn forbidden(pool: &Pool, p: &PoolMember, members: &[Member], role: &str) -> bool {
    let trainees: Vec<PersonId> = members
        .iter()
        .filter(|m| m.role == "trainee")
        .map(|m| m.person)
        .collect();
    let orgs: BTreeSet<&str> = trainees
        .iter()
        .filter_map(|t| pool.organizations.get(t))
        .map(String::as_str)
        .filter(|o| !o.is_empty())
        .collect();
    let held = members.iter().any(|m| m.person == p.person);
    p.chair
        || held
        || (!p.organization.is_empty() && orgs.contains(p.organization.as_str()))
        || pool.declared.iter().any(|d| {
            d.person == p.person
                && match &d.with {
                    ConflictWith::Trainee(t) => trainees.contains(t),
                    ConflictWith::Organization(o) => orgs.contains(o.as_str()),
                }
        })
        || members
            .iter()
            .any(|m| m.person == p.person && m.role != role)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn assignment_never_breaks_a_rule_and_stays_balanced(c in cohort(), seed in any::<u64>()) {
        let w = bundled("graduation-service");
        let mut pool = Pool::default();
        for (i, (o, chair)) in c.pool.iter().enumerate() {
            pool.members.push(PoolMember {
                person: 100 + i as PersonId,
                organization: org(*o),
                load: 0,
                chair: *chair && !pool.members.iter().any(|m: &PoolMember| m.chair),
            });
        }
        let mut projects: Vec<Vec<Member>> = Vec::new();
        for (i, (o, supervisor, _)) in c.projects.iter().enumerate() {
            let trainee = 1000 + i as PersonId;
            pool.organizations.insert(trainee, org(*o));
            let mut members = vec![member(trainee, "trainee"), member(5000 + i as PersonId, "coordinator")];
            if let Some(s) = supervisor.filter(|s| *s < c.pool.len()) {
                members.push(member(100 + s as PersonId, "supervisor"));
            }
            projects.push(members);
        }
        for (who, by_trainee, target) in &c.declared {
            if *who >= c.pool.len() {
                continue;
            }
            let with = if *by_trainee {
                ConflictWith::Trainee(1000 + (*target % c.projects.len()) as PersonId)
            } else {
                ConflictWith::Organization(org((*target % 6) as u8))
            };
            pool.declared.push(Declared { person: 100 + *who as PersonId, with });
        }
        let needs: Vec<Need<'_>> = projects
            .iter()
            .enumerate()
            .map(|(i, m)| Need { project: i as i64, members: m, wanted: c.wanted, not: &[] })
            .collect();
        let first = committee::assign(&w, "committee", &pool, &needs, seed);
        // Deterministic for a seed.
        prop_assert_eq!(&first, &committee::assign(&w, "committee", &pool, &needs, seed));
        let mut loads: BTreeMap<PersonId, u32> = pool.members.iter().map(|m| (m.person, 0)).collect();
        for (need, result) in needs.iter().zip(&first) {
            let eligible: Vec<&PoolMember> = pool
                .members
                .iter()
                .filter(|p| !forbidden(&pool, p, need.members, "committee"))
                .collect();
            match result {
                Ok(picked) => {
                    prop_assert_eq!(picked.len(), c.wanted as usize);
                    let distinct: BTreeSet<_> = picked.iter().collect();
                    prop_assert_eq!(distinct.len(), picked.len(), "nobody twice");
                    for p in picked {
                        let m = pool.members.iter().find(|m| m.person == *p).unwrap();
                        prop_assert!(!forbidden(&pool, m, need.members, "committee"), "{p} breaks a rule");
                    }
                    // Balanced: nobody eligible left out was less loaded
                    // than someone picked.
                    let most = picked.iter().map(|p| loads[p]).max().unwrap();
                    let least_left = eligible
                        .iter()
                        .filter(|e| !picked.contains(&e.person))
                        .map(|e| loads[&e.person])
                        .min();
                    if let Some(least) = least_left {
                        prop_assert!(most <= least, "picked load {most} over a free member's {least}");
                    }
                    for p in picked {
                        *loads.get_mut(p).unwrap() += 1;
                    }
                }
                Err(short) => {
                    prop_assert!(eligible.len() < c.wanted as usize, "refused with {} eligible", eligible.len());
                    prop_assert_eq!(short.eligible as usize, eligible.len());
                    prop_assert_eq!(short.excluded.len(), pool.members.len() - eligible.len());
                    let reason = short.reason(|id| format!("P{id}"));
                    prop_assert_eq!(reason.code, "committee-pool-too-small");
                }
            }
        }
        // With no exclusion at all, the spread is at most one.
        let free = c.declared.is_empty()
            && c.projects.iter().all(|(_, s, _)| s.is_none())
            && c.pool.iter().all(|(o, chair)| *o == 0 && !chair);
        if free && first.iter().all(Result::is_ok) {
            let max = loads.values().max().unwrap();
            let min = loads.values().min().unwrap();
            prop_assert!(max - min <= 1, "spread {min}..{max}");
        }
    }
}

#[test]
fn a_pool_too_small_says_who_is_excluded_and_why() {
    let w = bundled("graduation-service");
    let mut pool = Pool::default();
    for (person, organization, chair) in [
        (100, "Ministry of Health", false),
        (101, "Ministry of Works", false),
        (102, "", true),
        (103, "", false),
    ] {
        pool.members.push(PoolMember {
            person,
            organization: organization.into(),
            load: 0,
            chair,
        });
    }
    pool.organizations.insert(1, "Ministry of Health".into());
    pool.declared.push(Declared {
        person: 101,
        with: ConflictWith::Trainee(1),
    });
    let members = [
        member(1, "trainee"),
        member(103, "supervisor"),
        member(9, "coordinator"),
    ];
    let need = Need {
        project: 1,
        members: &members,
        wanted: 2,
        not: &[],
    };
    let got = committee::assign(&w, "committee", &pool, &[need], 7)
        .pop()
        .unwrap();
    let short = got.unwrap_err();
    assert_eq!(short.eligible, 0);
    assert_eq!(
        short.excluded,
        vec![
            (100, Excluded::Organization("Ministry of Health".into())),
            (101, Excluded::Declared(ConflictWith::Trainee(1))),
            (102, Excluded::Chair),
            (103, Excluded::Supervisor),
        ]
    );
    let reason = short.reason(|id| format!("P{id}")).to_string();
    assert!(
        reason.starts_with("committee-pool-too-small wanted=2 eligible=0"),
        "{reason}"
    );
    assert!(
        reason.contains("person=\"P103\" why=supervisor"),
        "{reason}"
    );
}

#[test]
fn seating_mails_evaluators_and_the_chair_plans_their_deadline_and_scoring_cancels_it() {
    let w = bundled("graduation-service");
    let mut run = at_evaluation_without(&w, &["committee", "chair"]);
    let seating = Seating {
        evaluators: vec![201, 202],
        chair: Some(203),
        ..Seating::default()
    };
    let decision = committee::seat(
        &run.project(),
        &run.state,
        None,
        None,
        &seating,
        super::day(40),
    )
    .unwrap();
    let added: Vec<(PersonId, String)> = decision
        .events
        .iter()
        .filter_map(|e| match &e.change {
            Change::MemberAdded { person, role } => Some((*person, role.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        added,
        vec![
            (201, "committee".into()),
            (202, "committee".into()),
            (203, "chair".into())
        ]
    );
    let mailed: Vec<(PersonId, &str)> = decision
        .notifications
        .iter()
        .map(|n| (n.recipient, n.template.as_str()))
        .collect();
    assert_eq!(
        mailed,
        vec![
            (201, committee::ASSIGNED_TEMPLATE),
            (202, committee::ASSIGNED_TEMPLATE),
            (203, committee::CHAIR_TEMPLATE)
        ]
    );
    let keys: Vec<(&str, TimerKind)> = decision
        .timers
        .set
        .iter()
        .map(|t| (t.key.as_str(), t.kind))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("score-remind:201:0", TimerKind::ScoreReminder),
            ("score-late:201", TimerKind::ScoreLate),
            ("score-remind:202:0", TimerKind::ScoreReminder),
            ("score-late:202", TimerKind::ScoreLate),
        ]
    );
    let late = decision
        .timers
        .set
        .iter()
        .find(|t| t.key == "score-late:201")
        .unwrap();
    let reminder = decision
        .timers
        .set
        .iter()
        .find(|t| t.key == "score-remind:201:0")
        .unwrap();
    assert!(reminder.at < late.at);
    assert!(
        !decision.timers.cancel_pending,
        "the stage's own timers stay"
    );
    run.accept(decision);
    run.members.extend([
        member(201, "committee"),
        member(202, "committee"),
        member(203, "chair"),
    ]);

    // Scoring cancels that evaluator's timers, not the other's.
    let stage = w.stage("evaluation").unwrap();
    let scores = super::scores_for(stage.action("pass").unwrap(), &w, stage, 1);
    let scored = run.try_act(201, "score", scores, None, 41).unwrap();
    assert_eq!(
        scored.timers.cancel,
        vec!["score-remind:201:0".to_owned(), "score-late:201".to_owned()]
    );
    run.accept(scored);

    // The scored evaluator is not replaced; the other is, by one event each.
    let refused = committee::seat(
        &run.project(),
        &run.state,
        None,
        Some(holder(&w, "coordinator", 1)),
        &Seating {
            evaluators: vec![204],
            replaced: Some(201),
            ..Seating::default()
        },
        super::day(42),
    )
    .unwrap_err();
    assert_eq!(refused.reason().code, "committee-replace-scored");
    let replaced = committee::seat(
        &run.project(),
        &run.state,
        None,
        Some(holder(&w, "coordinator", 1)),
        &Seating {
            evaluators: vec![204],
            replaced: Some(202),
            ..Seating::default()
        },
        super::day(42),
    )
    .unwrap();
    assert!(matches!(
        replaced.events[0].change,
        Change::MemberRemoved { person: 202, .. }
    ));
    assert_eq!(
        replaced.timers.cancel,
        vec!["score-remind:202:0".to_owned(), "score-late:202".to_owned()]
    );
    assert!(
        replaced
            .timers
            .set
            .iter()
            .any(|t| t.key == "score-late:204")
    );
    run.accept(replaced);
    assert!(!run.state.members.iter().any(|m| m.person == 202));
    assert!(
        run.state
            .members
            .iter()
            .any(|m| m.person == 204 && m.role == "committee")
    );
}
