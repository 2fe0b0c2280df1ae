//! Tests of the decision core, driven in memory (no store).
//!
//! - `approvals`: `need: all | any | N` with people holding several roles,
//!   including a property test against a brute-force matcher.
//! - `intake`: applications to a cohort, a property test over random
//!   sequences of actions (capacity, the waiting list's order, offers ending).
//! - `members`: membership recorded in the log (`start`, `add_member`).
//! - `events`: the sealed JSON text is the stored text; reading it back.
//! - `next`: whose turn, who is done, by when; exits are no one's turn.
//! - `replay`: every walk through the bundled workflows, and random commands,
//!   replay to the state the core kept; an edited state is caught.
//! - `timers`: the reminders and escalations a stage entry sets, by the
//!   mail-hours rules.

mod approvals;
mod calendar;
mod committee;
mod events;
mod gaps;
mod intake;
mod members;
mod migrate;
mod moderation;
mod next;
mod replay;
mod timers;

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;

use jiff::Timestamp;

use super::{Command, Decision, Event, Fields, Member, PersonId, Project, ProjectState, Rejection};
use crate::calendar::Calendar;
use crate::definition::{self, Action, FieldKind, Form, Need, Stage, Templates, Workflow};

/// The bundled workflows, by key.
pub(super) const BUNDLED: &[&str] = &[
    "graduation-service",
    "graduation-excellence",
    "service-improvement",
];

/// A bundled workflow, parsed from `workflows/KEY/workflow.yaml`.
pub(super) fn bundled(key: &str) -> Workflow {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../workflows")
        .join(key)
        .join("workflow.yaml");
    definition::load(&path).unwrap().workflow
}

/// A workflow written in a test.
pub(super) fn parse(yaml: &str) -> Workflow {
    definition::parse(yaml, Templates::Unchecked).unwrap()
}

/// Day `n` of the test calendar, at 06:00 UTC.
pub(super) fn day(n: i64) -> Timestamp {
    let first: Timestamp = "2026-01-01T06:00:00Z".parse().unwrap();
    first.checked_add(jiff::Span::new().hours(24 * n)).unwrap()
}

/// A London calendar giving every date `workflow` names as 30 April 2026.
pub(super) fn calendar(workflow: &Workflow) -> Calendar {
    let dates = workflow
        .cohort_dates
        .iter()
        .map(|d| (d.clone(), jiff::civil::date(2026, 4, 30)))
        .collect();
    Calendar::new(
        "Europe/London",
        dates,
        Default::default(),
        Default::default(),
    )
    .unwrap()
}

/// The id of holder `n` (1-based) of `role` in `workflow`: ten per role.
pub(super) fn holder(workflow: &Workflow, role: &str, n: usize) -> PersonId {
    let index = workflow.roles.iter().position(|r| r == role).unwrap();
    (index * 10 + n) as PersonId
}

/// Valid answers for `form`.
pub(super) fn sample(form: &Form) -> Fields {
    let mut fields = Fields::new();
    for f in &form.fields {
        let value = match f.kind {
            FieldKind::Number | FieldKind::Measurement => {
                serde_json::json!(f.min.unwrap_or(1.0).max(1.0))
            }
            FieldKind::Date => serde_json::json!("2026-03-01"),
            FieldKind::Choice => serde_json::json!(f.choices[0].key),
            FieldKind::YesNo => serde_json::json!(true),
            FieldKind::File => serde_json::json!("sha256:0f1e2d"),
            FieldKind::Text | FieldKind::LongText => {
                serde_json::json!(format!("{} answer", f.label.default_text()))
            }
        };
        fields.insert(f.key.clone(), value);
    }
    fields
}

/// A project of one workflow in memory: its people, its state and its log.
/// Every accepted command is checked: the log replays to the state kept.
pub(super) struct Run<'w> {
    pub workflow: &'w Workflow,
    pub calendar: Calendar,
    /// Everyone with a role: direct members and cohort members alike.
    pub members: Vec<Member>,
    pub state: ProjectState,
    pub log: Vec<Event>,
    /// Organizations and declared conflicts the committee's rules read.
    pub conflicts: super::committee::Conflicts,
}

impl<'w> Run<'w> {
    /// Starts a project with three holders of each role (or as many as the
    /// role's `max` allows: one trainee); the holders of the first two
    /// roles are given theirs directly, the rest through the cohort.
    pub fn start(workflow: &'w Workflow) -> Run<'w> {
        let members: Vec<Member> = workflow
            .roles
            .iter()
            .flat_map(|r| {
                let holders = workflow.holders(r).max.map_or(3, |max| max.min(3) as usize);
                (1..=holders).map(move |n| Member {
                    person: holder(workflow, r, n),
                    role: r.clone(),
                })
            })
            .collect();
        let direct: Vec<Member> = members
            .iter()
            .filter(|m| workflow.roles[..2].contains(&m.role))
            .cloned()
            .collect();
        Run::with_members(workflow, members, &direct)
    }

    /// Starts a project with these members, `direct` among them.
    pub fn with_members(
        workflow: &'w Workflow,
        members: Vec<Member>,
        direct: &[Member],
    ) -> Run<'w> {
        let calendar = calendar(workflow);
        let first = {
            let project = Project {
                id: 7,
                workflow,
                calendar: &calendar,
                members: &members,
                conflicts: &crate::decide::committee::NO_CONFLICTS,
            };
            super::start(&project, direct, day(1)).unwrap()
        };
        let mut run = Run {
            workflow,
            calendar,
            members,
            state: super::apply::blank(),
            log: Vec::new(),
            conflicts: Default::default(),
        };
        run.accept(first);
        run
    }

    pub fn project(&self) -> Project<'_> {
        Project {
            id: 7,
            workflow: self.workflow,
            calendar: &self.calendar,
            members: &self.members,
            conflicts: &self.conflicts,
        }
    }

    /// Decides a command on day `n` without keeping the result.
    pub fn try_act(
        &self,
        actor: PersonId,
        action: &str,
        fields: Fields,
        comment: Option<&str>,
        n: i64,
    ) -> Result<Decision, Rejection> {
        let command = Command {
            actor,
            action: action.to_owned(),
            fields,
            comment: comment.map(str::to_owned),
            expected_version: Some(self.state.version),
        };
        super::decide(&self.project(), &self.state, &command, day(n))
    }

    /// Decides a command on day `n` and keeps the result if accepted.
    pub fn act(
        &mut self,
        actor: PersonId,
        action: &str,
        fields: Fields,
        comment: Option<&str>,
        n: i64,
    ) -> Result<(), Rejection> {
        let before = self.state.clone();
        match self.try_act(actor, action, fields, comment, n) {
            Ok(decision) => {
                self.accept(decision);
                Ok(())
            }
            Err(why) => {
                assert_eq!(self.state, before, "a refusal changes nothing");
                Err(why)
            }
        }
    }

    /// Keeps an accepted decision, checking the log replays to its state.
    pub fn accept(&mut self, decision: Decision) {
        assert_eq!(decision.events[0].prev_hash, self.state.head);
        self.log.extend(decision.events);
        self.state = decision.state;
        let replayed = super::replay(&self.project(), &self.log).unwrap();
        assert_eq!(
            super::replay_difference(&self.state, &replayed),
            None,
            "the log replays to the state kept"
        );
        assert_eq!(
            ProjectState {
                version: self.state.version,
                ..replayed
            },
            self.state,
            "a replay rebuilds every field but the version"
        );
    }
}

/// The actions leading from the start to `target`, as (stage, action) pairs.
pub(super) fn path_to<'w>(workflow: &'w Workflow, target: &str) -> Vec<(&'w Stage, &'w Action)> {
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
fn approvers(workflow: &Workflow, action: &Action) -> Vec<PersonId> {
    match action.need {
        Need::Any => vec![holder(workflow, &action.by[0], 1)],
        Need::All => action.by.iter().map(|r| holder(workflow, r, 1)).collect(),
        Need::AtLeast(n) => (1..=n as usize)
            .map(|i| holder(workflow, &action.by[0], i))
            .collect(),
    }
}

/// A run of `workflow` at its evaluation stage in which nobody holds
/// `roles` yet (a committee and chair to seat or give by hand).
pub(super) fn at_evaluation_without<'w>(workflow: &'w Workflow, roles: &[&str]) -> Run<'w> {
    let mut run = walk(workflow, "evaluation");
    run.members.retain(|m| !roles.contains(&m.role.as_str()));
    run
}

/// Walks a new project of `workflow` to stage `target`: milestones submitted
/// and accepted, assessments scored, approvals gathered, every step asserted
/// (and replayed, by [`Run::accept`]).
pub(super) fn walk<'w>(workflow: &'w Workflow, target: &str) -> Run<'w> {
    let w = workflow;
    let mut run = Run::start(w);
    let mut today = 2;
    for (stage, action) in path_to(w, target) {
        today += 1;
        for m in &stage.milestones {
            let form = &w.forms[&m.form];
            let by = holder(w, &m.by[0], 1);
            run.act(by, &format!("{}.submit", m.key), sample(form), None, today)
                .unwrap_or_else(|e| panic!("{}: submitting {} failed: {e}", w.key, m.key));
            let reviewer = holder(w, &m.review_by[0], 1);
            run.act(
                reviewer,
                &format!("{}.accept", m.key),
                Fields::new(),
                None,
                today,
            )
            .unwrap_or_else(|e| panic!("{}: accepting {} failed: {e}", w.key, m.key));
        }
        if let Some(a) = &stage.assessment {
            for evaluator in 1..=a.evaluators as usize {
                let scores = scores_for(action, w, stage, evaluator);
                run.act(holder(w, &a.by[0], evaluator), "score", scores, None, today)
                    .unwrap();
                if run.state.stage != stage.key {
                    break; // an automatic action moved the project on
                }
            }
        }
        if action.auto {
            assert_eq!(
                run.state.stage, action.to,
                "{}: {} fired",
                w.key, action.key
            );
            continue;
        }
        let fields = action
            .form
            .as_ref()
            .map(|f| sample(&w.forms[f]))
            .unwrap_or_default();
        let comment = action.comment_required.then_some("Recorded for the walk.");
        let people = approvers(w, action);
        for (i, who) in people.iter().enumerate() {
            run.act(*who, &action.key, fields.clone(), comment, today)
                .unwrap_or_else(|e| panic!("{}: {} by {who} failed: {e}", w.key, action.key));
            let expected = if i + 1 == people.len() {
                &action.to
            } else {
                &stage.key
            };
            assert_eq!(
                &run.state.stage, expected,
                "{}: {} by {who}",
                w.key, action.key
            );
        }
    }
    assert_eq!(run.state.stage, target);
    run
}
