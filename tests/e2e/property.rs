//! Random sequences of commands from random people never break the
//! invariants: the stage exists, the version grows by one per accepted
//! command, refused commands change nothing, and the hash chain verifies.

use std::collections::BTreeSet;

use gradflow_engine::audit::{self, StoredLink};
use gradflow_engine::calendar::{Calendar, Weekend};
use gradflow_engine::decide::{self, Command, Event, Fields, Member, Project, ProjectState};
use gradflow_engine::definition::{self, Workflow};
use gradflow_engine::service::Request;
use proptest::prelude::*;

use crate::support::{self, Cohort, Kind, TestDb, day, holder, snapshot};

/// One random step: who acts, which action, which answers, with or without a comment.
#[derive(Debug, Clone)]
struct Step {
    actor: usize,
    action: usize,
    answers: u8,
    comment: bool,
}

fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (0..16usize, 0..64usize, 0..5u8, any::<bool>()).prop_map(
            |(actor, action, answers, comment)| Step {
                actor,
                action,
                answers,
                comment,
            },
        ),
        1..max,
    )
}

/// Every action name a command could carry in this workflow, and a bogus one.
fn action_names(w: &Workflow) -> Vec<String> {
    let mut names = BTreeSet::new();
    for s in &w.stages {
        names.extend(s.actions.iter().map(|a| a.key.clone()));
        for m in &s.milestones {
            for verb in ["submit", "accept", "return"] {
                names.insert(format!("{}.{verb}", m.key));
            }
        }
    }
    names.insert("score".into());
    names.insert("fly".into());
    names.into_iter().collect()
}

/// Answers for `action` in the project's current stage: valid, high or low scores, junk or none.
fn answers(w: &Workflow, state: &ProjectState, action: &str, kind: u8) -> Fields {
    let stage = w.stage(&state.stage).unwrap();
    let form = if let Some((m, _)) = action.split_once('.') {
        stage.milestone(m).map(|m| &w.forms[&m.form])
    } else {
        stage
            .action(action)
            .and_then(|a| a.form.as_ref())
            .map(|f| &w.forms[f])
    };
    match kind {
        0 => Fields::new(),
        1 => form.map(support::sample).unwrap_or_default(),
        2 => [("colour".to_owned(), "blue".into())].into_iter().collect(),
        score => stage
            .assessment
            .as_ref()
            .map(|a| {
                let r = &w.rubrics[&a.rubric];
                let value = if score == 3 { r.scale_max } else { r.scale_min };
                r.criteria
                    .iter()
                    .map(|c| (c.key.clone(), value.into()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn links(project: i64, events: &[Event]) -> Vec<StoredLink> {
    events
        .iter()
        .map(|e| StoredLink {
            project,
            seq: e.seq,
            at: e.at.as_microsecond(),
            actor: e.actor,
            change: e.change_json.clone(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        })
        .collect()
}

fn pure_run(w: &Workflow, steps: &[Step]) -> Result<(), TestCaseError> {
    let calendar = Calendar::new(
        "Europe/London",
        w.cohort_dates
            .iter()
            .map(|d| (d.clone(), jiff::civil::date(2026, 4, 30)))
            .collect(),
        Default::default(),
        Weekend::default(),
    )
    .unwrap();
    // Person ids 0..16: each holds one role, several hold the same role
    // (as many as the role takes: one trainee).
    let mut members: Vec<Member> = Vec::new();
    for i in 0..16 {
        let role = &w.roles[i % w.roles.len()];
        let held = members.iter().filter(|m| &m.role == role).count();
        if w.holders(role).max.is_none_or(|max| held < max as usize) {
            members.push(Member {
                person: i as i64,
                role: role.clone(),
            });
        }
    }
    let project = Project {
        id: 42,
        workflow: w,
        calendar: &calendar,
        members: &members,
        conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
    };
    let names = action_names(w);
    // Every member is given their role directly, as the start records it.
    let first = decide::start(&project, &members, day(1)).unwrap();
    prop_assert_eq!(
        first.events.len(),
        1 + members.len(),
        "started, then one member_added each"
    );
    let mut state = first.state;
    let mut log = first.events;
    for (i, step) in steps.iter().enumerate() {
        let action = &names[step.action % names.len()];
        let command = Command {
            actor: step.actor as i64,
            action: action.clone(),
            fields: answers(w, &state, action, step.answers),
            comment: step.comment.then(|| "Because.".to_owned()),
            expected_version: Some(state.version),
        };
        let before = state.clone();
        match decide::decide(&project, &state, &command, day(2 + i as i64)) {
            Ok(d) => {
                prop_assert_eq!(
                    d.state.version,
                    before.version + 1,
                    "the version grows by one"
                );
                prop_assert!(w.stage(&d.state.stage).is_some(), "the stage exists");
                prop_assert!(!d.events.is_empty());
                prop_assert_eq!(
                    &d.events[0].prev_hash,
                    &before.head,
                    "the chain continues from the head"
                );
                for (k, e) in d.events.iter().enumerate() {
                    prop_assert_eq!(e.seq, before.events + 1 + k as i64);
                }
                prop_assert_eq!(&d.state.head, &d.events.last().unwrap().hash);
                log.extend(d.events);
                state = d.state;
            }
            Err(why) => {
                let text = why.to_string();
                prop_assert!(
                    !text.is_empty() && !text.contains("Some(") && !text.contains('{'),
                    "plain words: {}",
                    text
                );
                prop_assert_eq!(&state, &before, "a refusal changes nothing");
            }
        }
    }
    prop_assert!(
        audit::verify(42, &links(42, &log), &state.head).is_ok(),
        "the hash chain verifies"
    );
    let replayed = decide::replay(&project, &log).expect("the log replays");
    prop_assert_eq!(
        decide::replay_difference(&state, &replayed),
        None,
        "replaying the log gives the state the core kept"
    );
    Ok(())
}

fn bundled(key: &str) -> Workflow {
    definition::load(&support::bundled(key)).unwrap().workflow
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_commands_keep_the_core_invariants(which in 0..3usize, steps in steps(60)) {
        pure_run(&bundled(support::BUNDLED[which]), &steps)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// The same through the engine and a real SQLite file: refused commands leave
    /// every table as it was, accepted ones bump the version by one, the chain verifies.
    #[test]
    fn random_commands_through_the_store_keep_the_invariants(steps in steps(30)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let db = TestDb::new(Kind::Sqlite).await.unwrap();
            let engine = db.engine().await;
            let cohort = Cohort::set_up(&engine, "graduation-service").await;
            let w = cohort.workflow.clone();
            let id = cohort.start(&engine, "random").await;
            let names = action_names(&w);
            let people: Vec<String> = w.roles.iter().flat_map(|r| (1..=3).map(move |n| holder(r, n))).collect();
            for (i, step) in steps.iter().enumerate() {
                let state = engine.view(id).await.unwrap().record.state;
                let action = &names[step.action % names.len()];
                let request = Request {
                    action: action.clone(),
                    fields: answers(&w, &state, action, step.answers),
                    comment: step.comment.then(|| "Because.".to_owned()),
                    ..Request::default()
                };
                let before = snapshot(&db).await;
                match engine.act(id, &people[step.actor % people.len()], request, day(2 + i as i64)).await {
                    Ok(o) => prop_assert_eq!(o.version, state.version + 1),
                    Err(e) => {
                        let changed = snapshot(&db).await.changes_since(&before);
                        prop_assert!(changed.is_empty(), "a refused command ({}) changed the database:\n{}", e, changed.join("\n"));
                    }
                }
            }
            let audit = engine.verify_audit().await.unwrap();
            prop_assert!(audit.broken.is_none(), "{:?}", audit.broken);
            Ok(())
        })?;
    }
}
