//! A project's log replays to the state the core kept; an edited state or
//! log is caught.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;

use super::{BUNDLED, Run, bundled, sample, walk};
use crate::decide::{
    Change, Fields, Member, ProjectState, ReplayError, Scorecard, replay, replay_difference,
};
use crate::definition::Workflow;

/// Every walk through every bundled workflow to each terminal stage replays,
/// after every command (checked by `Run::accept`) and at the end.
#[test]
fn every_walk_through_the_bundled_workflows_replays() {
    for key in BUNDLED {
        let w = bundled(key);
        for terminal in w.stages.iter().filter(|s| s.terminal) {
            let run = walk(&w, &terminal.key);
            let replayed = replay(&run.project(), &run.log).unwrap();
            assert_eq!(replay_difference(&run.state, &replayed), None, "{key}");
            assert_eq!(replayed.stage, terminal.key);
            assert_eq!(replayed.version, 0, "the log does not say the version");
        }
    }
}

#[test]
fn an_edited_state_is_caught() {
    let w = bundled("graduation-service");
    let run = walk(&w, "evaluation");
    let replayed = replay(&run.project(), &run.log).unwrap();
    type Edit = fn(&mut ProjectState);
    let edits: Vec<(&str, Edit)> = vec![
        ("stage", |s| s.stage = "certified".into()),
        ("event count", |s| s.events += 1),
        ("head hash", |s| s.head = "0".repeat(64)),
        ("form answers", |s| s.forms.clear()),
        ("approvals", |s| {
            s.approvals.insert("pass".into(), vec![]);
        }),
        ("scorecards", |s| {
            let blank = Scorecard {
                scores: Default::default(),
                comment: None,
            };
            s.scorecards.insert(1, blank);
        }),
        ("members", |s| {
            let chair = Member {
                person: 1,
                role: "chair".into(),
            };
            Arc::make_mut(&mut s.members).push(chair);
        }),
        ("time of entering its stage", |s| {
            s.entered_at = jiff::Timestamp::UNIX_EPOCH;
        }),
        ("deadline", |s| s.deadline = None),
    ];
    for (part, edit) in edits {
        let mut edited = run.state.clone();
        edit(&mut edited);
        assert_eq!(replay_difference(&edited, &replayed), Some(part));
    }
    let mut bumped = run.state.clone();
    bumped.version += 5;
    assert_eq!(
        replay_difference(&bumped, &replayed),
        None,
        "the version is not compared"
    );
}

#[test]
fn an_edited_milestone_is_caught() {
    let w = bundled("graduation-service");
    let mut run = walk(&w, "implementation");
    let m = w.stage("implementation").unwrap().milestones[0].clone();
    let trainee = super::holder(&w, &m.by[0], 1);
    let answers = sample(&w.forms[&m.form]);
    run.act(trainee, &format!("{}.submit", m.key), answers, None, 9)
        .unwrap();
    let replayed = replay(&run.project(), &run.log).unwrap();
    let mut edited = run.state.clone();
    edited.milestones.get_mut(&m.key).unwrap().fields = Fields::new();
    assert_eq!(replay_difference(&edited, &replayed), Some("milestones"));
    let mut edited = run.state.clone();
    edited.milestones.get_mut(&m.key).unwrap().due = None;
    assert_eq!(
        replay_difference(&edited, &replayed),
        Some("milestone due dates")
    );
}

#[test]
fn an_edited_or_shortened_log_does_not_replay() {
    let w = bundled("graduation-service");
    let run = walk(&w, "certified");
    let project = run.project();

    assert_eq!(replay(&project, &[]), Err(ReplayError::Empty));

    let mut gap = run.log.clone();
    gap.remove(3);
    assert!(matches!(
        replay(&project, &gap),
        Err(ReplayError::Unchained { seq: 5, .. })
    ));

    // A move rewritten (hash and all) to skip the evaluation: the next event
    // no longer fits the stage the project would be at.
    let mut skipped = run.log.clone();
    let i = skipped
        .iter()
        .position(|e| matches!(&e.change, Change::Moved { to, .. } if to == "evaluation"))
        .unwrap();
    skipped[i].change = Change::Moved {
        from: "implementation".into(),
        to: "certified".into(),
    };
    assert!(matches!(
        replay(&project, &skipped),
        Err(ReplayError::Unfit { .. })
    ));

    // A log of another workflow.
    let other = bundled("service-improvement");
    let theirs = walk(&other, "adopted");
    assert!(matches!(
        replay(&project, &theirs.log),
        Err(ReplayError::Unfit { seq: 1, .. })
    ));
}

/// One random step: who acts, which action, which answers, with or without a comment.
#[derive(Debug, Clone)]
struct Step {
    actor: usize,
    action: usize,
    answers: u8,
    comment: bool,
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

/// Answers for `action` in the current stage: valid, high or low scores, or none.
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
        1 => form.map(sample).unwrap_or_default(),
        score => stage
            .assessment
            .as_ref()
            .map(|a| {
                let r = &w.rubrics[&a.rubric];
                let value = if score == 2 { r.scale_max } else { r.scale_min };
                r.criteria
                    .iter()
                    .map(|c| (c.key.clone(), value.into()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random commands from random people: after every accepted one, the
    /// log replays to the state the core kept (checked by `Run::accept`).
    #[test]
    fn random_commands_replay(
        which in 0..3usize,
        steps in prop::collection::vec(
            (0..32usize, 0..64usize, 0..4u8, any::<bool>()).prop_map(|(actor, action, answers, comment)| Step {
                actor,
                action,
                answers,
                comment,
            }),
            1..80,
        ),
    ) {
        let w = bundled(BUNDLED[which]);
        let mut run = Run::start(&w);
        let names = action_names(&w);
        let people: Vec<i64> = run.members.iter().map(|m| m.person).collect();
        for (i, step) in steps.iter().enumerate() {
            let action = &names[step.action % names.len()];
            let fields = answers(&w, &run.state, action, step.answers);
            let comment = step.comment.then_some("Because.");
            let _ = run.act(people[step.actor % people.len()], action, fields, comment, 2 + i as i64);
        }
    }
}
