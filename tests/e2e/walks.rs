//! Every bundled workflow walked from its start to each of its terminal
//! stages, through the engine and the store, as the people of each role.
//!
//! The walker is driven by the definition, not by hand-written scripts: it
//! finds a path of actions to the target stage, and on the way submits and
//! accepts milestones, fills forms with valid answers, gathers the approvals
//! each rule needs, and scores assessments (high, low, or far apart when the
//! path needs a pass, a fail, or moderation).

use std::collections::{BTreeMap, VecDeque};

use gradflow_engine::decide::{Change, Fields};
use gradflow_engine::definition::{Action, Need, Stage, Workflow};
use gradflow_engine::service::Engine;

use crate::support::{self, Cohort, TestDb, act, holder};

/// The actions leading from the start to `target`, as (stage, action) pairs.
fn path_to<'w>(workflow: &'w Workflow, target: &str) -> Vec<(&'w Stage, &'w Action)> {
    let mut came_from: BTreeMap<&str, (&Stage, &Action)> = BTreeMap::new();
    let mut queue = VecDeque::from([workflow.start.as_str()]);
    while let Some(key) = queue.pop_front() {
        let stage = workflow.stage(key).unwrap();
        for action in &stage.actions {
            if action.to != workflow.start && !came_from.contains_key(action.to.as_str()) {
                came_from.insert(action.to.as_str(), (stage, action));
                queue.push_back(action.to.as_str());
            }
        }
    }
    let mut path = Vec::new();
    let mut at = target;
    while at != workflow.start {
        let (stage, action) = came_from[at];
        path.push((stage, action));
        at = &stage.key;
    }
    path.reverse();
    path
}

/// Scores that make the condition of `action` come true.
fn scores_for(action: &Action, workflow: &Workflow, stage: &Stage, evaluator: usize) -> Fields {
    let rubric = &workflow.rubrics[&stage.assessment.as_ref().unwrap().rubric];
    let when = action
        .when
        .as_ref()
        .map(|w| w.source().to_owned())
        .unwrap_or_default();
    let score = if when.contains("needs_moderation") {
        if evaluator == 1 {
            rubric.scale_max
        } else {
            rubric.scale_min
        }
    } else if when.contains("!assessment.passed") {
        rubric.scale_min
    } else {
        rubric.scale_max
    };
    rubric
        .criteria
        .iter()
        .map(|c| (c.key.clone(), serde_json::json!(score)))
        .collect()
}

/// People who together satisfy `action`'s approval rule.
fn approvers(action: &Action) -> Vec<String> {
    match action.need {
        Need::Any => vec![holder(&action.by[0], 1)],
        Need::All => action.by.iter().map(|r| holder(r, 1)).collect(),
        Need::AtLeast(n) => (1..=n as usize).map(|i| holder(&action.by[0], i)).collect(),
    }
}

/// Walks a new project of `cohort` to `target`, asserting every step.
async fn walk(engine: &Engine, cohort: &Cohort, target: &str) {
    let w = &cohort.workflow;
    let id = cohort.start(engine, &format!("walk to {target}")).await;
    let mut today = 2;
    for (stage, action) in path_to(w, target) {
        today += 1;
        for m in &stage.milestones {
            let form = &w.forms[&m.form];
            let submitted = act(
                engine,
                id,
                &holder(&m.by[0], 1),
                &format!("{}.submit", m.key),
                support::sample(form),
                None,
                today,
            )
            .await;
            submitted.unwrap_or_else(|e| panic!("{}: submitting {} failed: {e}", w.key, m.key));
            let accepted = act(
                engine,
                id,
                &holder(&m.review_by[0], 1),
                &format!("{}.accept", m.key),
                Fields::new(),
                None,
                today,
            )
            .await;
            accepted.unwrap_or_else(|e| panic!("{}: accepting {} failed: {e}", w.key, m.key));
        }
        if let Some(a) = &stage.assessment {
            for evaluator in 1..=a.evaluators as usize {
                let scores = scores_for(action, w, stage, evaluator);
                let outcome = act(
                    engine,
                    id,
                    &holder(&a.by[0], evaluator),
                    "score",
                    scores,
                    None,
                    today,
                )
                .await
                .unwrap();
                if outcome.stage != stage.key {
                    break; // an automatic action moved the project on
                }
            }
        }
        let fields = action
            .form
            .as_ref()
            .map(|f| support::sample(&w.forms[f]))
            .unwrap_or_default();
        let comment = action.comment_required.then_some("Recorded for the walk.");
        if action.auto {
            let view = engine.view(id).await.unwrap();
            assert_eq!(
                view.record.state.stage, action.to,
                "{}: automatic action {} did not fire",
                w.key, action.key
            );
            continue;
        }
        let people = approvers(action);
        for (i, who) in people.iter().enumerate() {
            let outcome = act(engine, id, who, &action.key, fields.clone(), comment, today)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "{}: {} by {who} in {} failed: {e}",
                        w.key, action.key, stage.key
                    )
                });
            let expected = if i + 1 == people.len() {
                &action.to
            } else {
                &stage.key
            };
            assert_eq!(
                &outcome.stage, expected,
                "{}: {} by {who}",
                w.key, action.key
            );
        }
    }
    let view = engine.view(id).await.unwrap();
    assert_eq!(view.record.state.stage, target);
    assert!(
        view.possible.is_empty(),
        "nothing can be done in a terminal stage"
    );
    assert!(
        engine.pending_timers(id).await.unwrap().is_empty(),
        "a finished project has no pending timers"
    );
}

async fn every_bundled_workflow_reaches_every_terminal_stage(db: &TestDb) {
    let engine = db.engine().await;
    for key in support::BUNDLED {
        let cohort = Cohort::set_up(&engine, key).await;
        let terminals: Vec<String> = cohort
            .workflow
            .stages
            .iter()
            .filter(|s| s.terminal)
            .map(|s| s.key.clone())
            .collect();
        assert!(terminals.len() >= 2, "{key} has several endings");
        for target in &terminals {
            walk(&engine, &cohort, target).await;
        }
    }
    let audit = engine.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
    assert!(audit.events > 50);
}

async fn certification_requests_the_certificate_and_notifies(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    walk(&engine, &cohort, "certified").await;
    let id = engine.projects(None).await.unwrap()[0].id;
    let history = engine.history(id).await.unwrap();
    assert!(history.iter().any(|e| matches!(
        &e.change,
        Change::EffectRequested { effect } if effect == "issue_certificate"
    )));
    let outbox = engine.messages(id).await.unwrap();
    let certified: Vec<_> = outbox
        .iter()
        .filter(|(t, _, _)| t == "certified")
        .map(|(_, to, _)| to.clone())
        .collect();
    assert!(
        certified.contains(&holder("trainee", 1)),
        "the trainee hears of the certificate: {outbox:?}"
    );
    assert!(
        outbox
            .iter()
            .any(|(t, to, _)| t == "proposal_submitted" && *to == holder("supervisor", 1))
    );
    let reviews = outbox
        .iter()
        .filter(|(t, to, _)| t == "milestone_submitted" && *to == holder("coordinator", 1));
    assert_eq!(
        reviews.count(),
        2,
        "the coordinator hears of each submitted milestone: {outbox:?}"
    );
}

support::on_both!(
    every_bundled_workflow_reaches_every_terminal_stage,
    certification_requests_the_certificate_and_notifies
);
