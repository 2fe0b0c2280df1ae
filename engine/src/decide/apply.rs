//! How each recorded change moves a project's state: the one place these
//! rules live. The core applies every event it records through here, and
//! [`super::replay`] applies a stored log through here, so a replay rebuilds
//! exactly the state the core kept.
//!
//! Checks here are about the log fitting the workflow (the stage moved from
//! is the current one, the action exists, ...): the core never records a
//! change that fails them, so for it they cannot fail; for a stored log they
//! catch one that was tampered with or belongs to another workflow.

use std::sync::Arc;

use jiff::Timestamp;

use super::replay::ReplayError;
use super::state::{
    Approval, Change, Event, Fields, MilestoneState, MilestoneStatus, Moderation, PersonId,
    ProjectState, Scorecard,
};
use super::{Member, Project};
use crate::audit;
use crate::definition::{Stage, Workflow};

/// The state before a project's first event.
pub(super) fn blank() -> ProjectState {
    ProjectState {
        stage: String::new(),
        version: 0,
        entered_at: Timestamp::UNIX_EPOCH,
        deadline: None,
        entry: 0,
        overdue_since: None,
        forms: Default::default(),
        approvals: Default::default(),
        milestones: Default::default(),
        scorecards: Default::default(),
        members: Default::default(),
        accepted: Default::default(),
        extensions: Default::default(),
        moderated: Default::default(),
        set_aside: Default::default(),
        head: audit::GENESIS.to_owned(),
        events: 0,
    }
}

/// How a workflow version is named in a `Started` change: `key@version`.
pub(super) fn workflow_ref(workflow: &Workflow) -> String {
    format!("{}@{}", workflow.key, workflow.version)
}

/// Applies `event`'s change to `state`. The caller keeps `head` and
/// `events` (the chain), since the core and a replay check it differently.
pub(super) fn apply(
    project: &Project<'_>,
    state: &mut ProjectState,
    event: &Event,
) -> Result<(), ReplayError> {
    let seq = event.seq;
    let unfit = |reason: String| ReplayError::Unfit { seq, reason };
    if state.events == 0 && !matches!(event.change, Change::Started { .. }) {
        return Err(unfit(
            "the log does not begin with the project's start".into(),
        ));
    }
    match &event.change {
        Change::Started { stage, workflow } => {
            if state.events != 0 {
                return Err(unfit("the project starts a second time".into()));
            }
            let pinned = workflow_ref(project.workflow);
            if *workflow != pinned {
                return Err(unfit(format!(
                    "the log is of workflow {workflow}, but the project is pinned to {pinned}"
                )));
            }
            enter(project, state, stage, event.at, seq)?;
        }
        Change::MemberAdded { person, role } => {
            if !project.workflow.roles.contains(role) {
                return Err(unfit(format!("'{role}' is not a role of the workflow")));
            }
            Arc::make_mut(&mut state.members).push(Member {
                person: *person,
                role: role.clone(),
            });
        }
        Change::ActionTaken {
            action,
            stage,
            role,
            fields,
            ..
        } => {
            let current = current(project, state, seq)?;
            if *stage != current.key {
                return Err(unfit(format!(
                    "action '{action}' is said to be taken in stage '{stage}', but the project is at '{}'",
                    current.key
                )));
            }
            let Some(taken) = current.action(action) else {
                return Err(unfit(format!("stage '{stage}' has no action '{action}'")));
            };
            // Taken by a person (automatic actions have no role): its answers
            // become the form's latest, and it counts as their approval.
            if let (Some(person), Some(role)) = (event.actor, role) {
                if let Some(form) = &taken.form {
                    state.forms.insert(form.clone(), fields.clone());
                }
                state
                    .approvals
                    .entry(action.clone())
                    .or_default()
                    .push(Approval {
                        person,
                        role: role.clone(),
                    });
            }
        }
        Change::ApprovalRecorded { action, .. } => {
            if !state.approvals.contains_key(action) {
                return Err(unfit(format!(
                    "an approval of '{action}' is recorded without the action being taken"
                )));
            }
        }
        Change::Moved { from, to } => {
            if *from != state.stage {
                return Err(unfit(format!(
                    "the project is said to leave stage '{from}', but it is at '{}'",
                    state.stage
                )));
            }
            enter(project, state, to, event.at, seq)?;
        }
        Change::Migrated {
            to_version,
            from_stage,
            to_stage,
            ..
        } => {
            // The caller ([`super::replay`] or the core's migration) gives
            // the version migrated to as `project.workflow`.
            if *from_stage != state.stage {
                return Err(unfit(format!(
                    "the project is said to be migrated from stage '{from_stage}', but it is at '{}'",
                    state.stage
                )));
            }
            if *to_version != project.workflow.version {
                return Err(unfit(format!(
                    "the project is said to be migrated to version {to_version}, but is read against version {}",
                    project.workflow.version
                )));
            }
            enter(project, state, to_stage, event.at, seq)?;
        }
        Change::MilestoneSubmitted { milestone, fields } => {
            milestone_of(project, state, milestone, seq)?;
            let entry = state
                .milestones
                .entry(milestone.clone())
                .or_insert_with(|| MilestoneState {
                    status: MilestoneStatus::Pending,
                    due: None,
                    fields: Fields::new(),
                    late: false,
                });
            entry.status = MilestoneStatus::Submitted;
            entry.fields = fields.clone();
        }
        Change::MilestoneAccepted { milestone, .. } => {
            set_milestone(project, state, milestone, MilestoneStatus::Accepted, seq)?;
            state.accepted.insert(milestone.clone());
        }
        Change::MilestoneReturned { milestone, .. } => {
            set_milestone(project, state, milestone, MilestoneStatus::Returned, seq)?;
        }
        Change::Scored { scores, comment } => {
            let evaluator = scorer(project, state, event.actor, seq)?;
            state.scorecards.insert(
                evaluator,
                Scorecard {
                    scores: scores.clone(),
                    comment: comment.clone(),
                },
            );
        }
        Change::ScoreModerated {
            criterion,
            score,
            reason,
        } => {
            let chair = scorer(project, state, event.actor, seq)?;
            let known = current(project, state, seq)?
                .assessment
                .as_ref()
                .and_then(|a| project.workflow.rubrics.get(&a.rubric))
                .is_some_and(|r| r.criteria.iter().any(|c| c.key == *criterion));
            if !known {
                return Err(unfit(format!(
                    "a moderated score is recorded for '{criterion}', which is not a criterion of the stage's rubric"
                )));
            }
            state.moderated.insert(
                criterion.clone(),
                Moderation {
                    score: *score,
                    reason: reason.clone(),
                    by: chair,
                },
            );
        }
        Change::RescoreRequested { evaluators, .. } => {
            scorer(project, state, event.actor, seq)?;
            for evaluator in evaluators {
                let Some(card) = state.scorecards.remove(evaluator) else {
                    return Err(unfit(format!(
                        "person {evaluator} is asked to score again without having scored"
                    )));
                };
                state.set_aside.insert(*evaluator, card);
            }
            state.moderated.clear();
        }
        Change::DeadlinePassed => {
            if state.deadline.is_none_or(|d| d > event.at) {
                return Err(unfit(
                    "a deadline is said to have passed before it was due".into(),
                ));
            }
            state.overdue_since = state.deadline;
        }
        Change::MilestoneLate { milestone } => {
            milestone_of(project, state, milestone, seq)?;
            if let Some(m) = state.milestones.get_mut(milestone) {
                m.late = true;
            }
        }
        Change::Extended {
            stage,
            milestone,
            due,
            ..
        } => {
            if *stage != state.stage {
                return Err(unfit(format!(
                    "stage '{stage}' is said to be extended, but the project is at '{}'",
                    state.stage
                )));
            }
            let late = *due > event.at;
            match milestone {
                None => {
                    if state.deadline.is_none() {
                        return Err(unfit(format!("stage '{stage}' has no deadline to extend")));
                    }
                    state.deadline = Some(*due);
                    if late {
                        state.overdue_since = None;
                    }
                    state.extensions.insert(DEADLINE.to_owned(), *due);
                }
                Some(key) => {
                    milestone_of(project, state, key, seq)?;
                    if let Some(m) = state.milestones.get_mut(key) {
                        m.due = Some(*due);
                        if late {
                            m.late = false;
                        }
                    }
                    state.extensions.insert(key.clone(), *due);
                }
            }
        }
        Change::CalendarChanged { after, .. } => {
            // The caller gives the calendar of `after` as `project.calendar`
            // (a replay switches to it before applying this event).
            if project.calendar.dates != after.dates || project.calendar.holidays != after.holidays
            {
                return Err(unfit(
                    "the calendar recorded is not the one the project is read against".into(),
                ));
            }
            redate(project, state, event.at, seq)?;
        }
        Change::MemberRemoved { person, role } => {
            let members = Arc::make_mut(&mut state.members);
            let Some(at) = members
                .iter()
                .position(|m| m.person == *person && m.role == *role)
            else {
                return Err(unfit(format!(
                    "person {person} is said to leave role '{role}', which they were not given"
                )));
            };
            members.remove(at);
        }
        Change::Withdrawn { stage, .. } => {
            let current = current(project, state, seq)?;
            if *stage != current.key || current.terminal {
                return Err(unfit(format!(
                    "the project is said to be withdrawn from stage '{stage}', but it is at '{}'",
                    current.key
                )));
            }
            if project.workflow.withdrawal_stage().is_none() {
                return Err(unfit(
                    "the project is withdrawn, but its workflow marks no withdrawal stage".into(),
                ));
            }
        }
        Change::Reminded { .. }
        | Change::ReminderSkipped { .. }
        | Change::EffectRequested { .. }
        | Change::EvidenceAdded { .. }
        | Change::CommitteeShort { .. } => {}
    }
    Ok(())
}

/// Puts the project into stage `key` at `at`: its deadline and milestones
/// worked out from the cohort's calendar, approvals and scorecards afresh.
fn enter(
    project: &Project<'_>,
    state: &mut ProjectState,
    key: &str,
    at: Timestamp,
    seq: i64,
) -> Result<(), ReplayError> {
    let calendar = project.calendar;
    let stage = project
        .workflow
        .stage(key)
        .ok_or_else(|| ReplayError::UnknownStage {
            seq,
            stage: key.to_owned(),
        })?;
    let due = |due| {
        calendar.due(due, at).map_err(|e| ReplayError::Calendar {
            seq,
            reason: e.to_string(),
        })
    };
    // In place: the stage's text reuses its allocation when it fits.
    state.stage.clear();
    state.stage.push_str(key);
    state.entered_at = at;
    state.entry = seq;
    state.overdue_since = None;
    state.approvals.clear();
    state.scorecards.clear();
    state.moderated.clear();
    state.set_aside.clear();
    state.milestones.clear();
    state.extensions.clear();
    state.deadline = stage.deadline.as_ref().map(due).transpose()?;
    for m in &stage.milestones {
        let fresh = MilestoneState {
            status: MilestoneStatus::Pending,
            due: m.due.as_ref().map(due).transpose()?,
            fields: Fields::new(),
            late: false,
        };
        state.accepted.remove(&m.key);
        state.milestones.insert(m.key.clone(), fresh);
    }
    Ok(())
}

/// The key under which [`ProjectState::extensions`] keeps an extended
/// stage deadline (milestones are kept under their own keys).
pub(super) const DEADLINE: &str = "deadline";

/// Works the current stage's deadline and milestone due dates out again
/// from `project.calendar` (a cohort's calendar changed at `at`), counted
/// from when the stage was entered; a date an extension gave is never moved
/// earlier. A deadline or due date moved past `at` is no longer overdue or late.
fn redate(
    project: &Project<'_>,
    state: &mut ProjectState,
    at: Timestamp,
    seq: i64,
) -> Result<(), ReplayError> {
    let stage = current(project, state, seq)?;
    if stage.terminal {
        return Err(ReplayError::Unfit {
            seq,
            reason: "a finished project's dates are said to be planned again".into(),
        });
    }
    let from = state.entered_at;
    let due = |due, kept: Option<&Timestamp>| {
        project
            .calendar
            .due(due, from)
            .map(|d| kept.map_or(d, |k| d.max(*k)))
            .map_err(|e| ReplayError::Calendar {
                seq,
                reason: e.to_string(),
            })
    };
    if let Some(d) = &stage.deadline {
        let new = due(d, state.extensions.get(DEADLINE))?;
        if new > at {
            state.overdue_since = None;
        } else if state.overdue_since.is_some() {
            state.overdue_since = Some(new);
        }
        state.deadline = Some(new);
    }
    for m in &stage.milestones {
        if let (Some(d), Some(s)) = (&m.due, state.milestones.get_mut(&m.key)) {
            let new = due(d, state.extensions.get(&m.key))?;
            if new > at {
                s.late = false;
            }
            s.due = Some(new);
        }
    }
    Ok(())
}

fn current<'w>(
    project: &Project<'w>,
    state: &ProjectState,
    seq: i64,
) -> Result<&'w Stage, ReplayError> {
    project
        .workflow
        .stage(&state.stage)
        .ok_or_else(|| ReplayError::UnknownStage {
            seq,
            stage: state.stage.clone(),
        })
}

fn milestone_of(
    project: &Project<'_>,
    state: &ProjectState,
    key: &str,
    seq: i64,
) -> Result<(), ReplayError> {
    let stage = current(project, state, seq)?;
    match stage.milestone(key) {
        Some(_) => Ok(()),
        None => Err(ReplayError::Unfit {
            seq,
            reason: format!("stage '{}' has no milestone '{key}'", stage.key),
        }),
    }
}

fn set_milestone(
    project: &Project<'_>,
    state: &mut ProjectState,
    key: &str,
    status: MilestoneStatus,
    seq: i64,
) -> Result<(), ReplayError> {
    milestone_of(project, state, key, seq)?;
    match state.milestones.get_mut(key) {
        Some(m) if m.status == MilestoneStatus::Submitted => {
            m.status = status;
            Ok(())
        }
        _ => Err(ReplayError::Unfit {
            seq,
            reason: format!("milestone '{key}' is reviewed without being submitted"),
        }),
    }
}

fn scorer(
    project: &Project<'_>,
    state: &ProjectState,
    actor: Option<PersonId>,
    seq: i64,
) -> Result<PersonId, ReplayError> {
    let stage = current(project, state, seq)?;
    let unfit = |reason: &str| ReplayError::Unfit {
        seq,
        reason: reason.to_owned(),
    };
    if stage.assessment.is_none() {
        return Err(unfit(
            "scores are recorded in a stage without an assessment",
        ));
    }
    actor.ok_or_else(|| unfit("scores are recorded without an evaluator"))
}
