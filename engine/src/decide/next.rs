//! What comes next on a project, as data: the steps its current stage waits
//! for, whose turn each is (roles, and the people holding them who have not
//! done their part), by when, and whether that is past; who holds which role.
//! Pages put it in words; "waiting for you" and "overdue" are decided here,
//! once, so every page agrees.
//!
//! Rules (docs/pages.md, "What comes next"):
//! - every action has a [`Direction`], read off the definition: it moves the
//!   project **forward** (to a later stage; to a final stage under a `when:`
//!   condition, such as a pass once the scores allow it; a milestone's
//!   submission or acceptance; scoring), sends it **back** (to an earlier
//!   stage or the same one; a milestone returned) or is an **exit** (to a
//!   final stage with no condition: withdraw, reject, cancel — open at any
//!   time, so never a sign that it is someone's turn);
//! - the stage waits for its forward steps that can be taken now; when none
//!   can (every one waits for a condition), for its steps back that can: a
//!   stuck project needs someone's decision. Never for exits;
//! - a person's part is done once they have approved the action or given
//!   their scorecard: they are no longer awaited;
//! - a stage is overdue once its deadline has passed while the project is in
//!   it (whether or not a worker has recorded it yet).

use jiff::Timestamp;
use serde::Serialize;

use super::{Member, MilestoneStatus, PersonId, Possible, ProjectState};
use crate::definition::{Due, SCORE_ACTION, Stage, Unit, Workflow};

/// Which way an action takes a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// On towards the end the workflow is for: the stage's own work.
    Forward,
    /// Back to an earlier (or the same) stage, or a milestone returned.
    Back,
    /// To a final stage with no condition (withdraw, reject): always open.
    Exit,
}

/// Whether `action` of `stage` cannot be undone and ends or sets back
/// someone's work: it ends the project in an ending with a reason asked
/// (withdraw, reject, record a fail), or returns a milestone. Pages show it
/// as a secondary action and ask once more before it is sent.
pub fn irreversible(workflow: &Workflow, stage: &Stage, action: &str) -> bool {
    if let Some((key, verb)) = action.split_once('.') {
        return verb == "return" && stage.milestone(key).is_some();
    }
    stage
        .action(action)
        .is_some_and(|a| a.comment_required && workflow.stage(&a.to).is_some_and(|to| to.terminal))
}

/// The direction of `action` (a stage action's key, `MILESTONE.VERB` or
/// `score`) in `stage` of `workflow`. An action the stage lacks is an exit:
/// nothing waits for it.
pub fn direction(workflow: &Workflow, stage: &Stage, action: &str) -> Direction {
    if action == SCORE_ACTION && stage.assessment.is_some() {
        return Direction::Forward;
    }
    // The chair's moderation is what a wide spread waits for; asking for
    // a rescore is the chair's choice, which nothing waits for.
    if action == super::MODERATE_ACTION && stage.assessment.is_some() {
        return Direction::Forward;
    }
    if let Some((milestone, verb)) = action.split_once('.') {
        return match (stage.milestone(milestone), verb) {
            (Some(_), "submit" | "accept") => Direction::Forward,
            (Some(_), "return") => Direction::Back,
            _ => Direction::Exit,
        };
    }
    let Some(action) = stage.action(action) else {
        return Direction::Exit;
    };
    let position = |key: &str| workflow.stages.iter().position(|s| s.key == key);
    let Some(target) = workflow.stage(&action.to) else {
        return Direction::Exit;
    };
    if target.terminal {
        if action.when.is_some() {
            Direction::Forward
        } else {
            Direction::Exit
        }
    } else if position(&action.to) > position(&stage.key) {
        Direction::Forward
    } else {
        Direction::Back
    }
}

/// One step the current stage waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What to send as the command's action (a stage action's key,
    /// `MILESTONE.VERB` or `score`).
    pub action: String,
    /// Forward, or back when nothing forward can be taken now.
    pub direction: Direction,
    /// The roles whose turn it is (for an approval under way, the roles it
    /// still needs; in the action's order).
    pub roles: Vec<String>,
    /// The people holding those roles who have not done their part, in the
    /// order of the project's members.
    pub awaited: Vec<PersonId>,
    /// The people who have done their part already (approved, scored).
    pub done: Vec<PersonId>,
    /// When it is due: a milestone's due date, else the stage's deadline.
    pub due: Option<Timestamp>,
    /// Its due rule when it is a number of working days after the stage (or
    /// milestone) began: pages say so beside the date.
    pub working_days: Option<u32>,
    /// Its due date has passed.
    pub overdue: bool,
}

/// What comes next on a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Next {
    /// The steps the stage waits for now, in the order of [`super::possible`];
    /// empty in a final stage.
    pub steps: Vec<Step>,
    /// Since when the stage is overdue, if it is ([`overdue_since`]).
    pub overdue_since: Option<Timestamp>,
    /// When the project reached its final stage, once it has.
    pub finished: Option<Timestamp>,
    /// Who holds which role on the project (directly or through the cohort),
    /// in the workflow's order of roles; roles nobody holds are left out.
    pub holders: Vec<(String, Vec<PersonId>)>,
}

impl Next {
    /// Whether the stage waits for `person`: a step they may take now is
    /// their turn and their part of it is not done. This is "waiting for
    /// you" on the home page.
    pub fn awaits(&self, person: PersonId) -> bool {
        self.steps.iter().any(|s| s.awaited.contains(&person))
    }

    /// The steps waiting for `person`.
    pub fn steps_for(&self, person: PersonId) -> impl Iterator<Item = &Step> {
        self.steps
            .iter()
            .filter(move |s| s.awaited.contains(&person))
    }

    /// The earliest due date of the steps waited for.
    pub fn due(&self) -> Option<Timestamp> {
        self.steps.iter().filter_map(|s| s.due).min()
    }
}

/// Since when the project's current stage is overdue at `now`: the time its
/// deadline passed, while the project is still in it. The worker records it
/// (`overdue_since`), but a stage is overdue from its deadline on, whether or
/// not a worker has run since: every page asks this one function.
pub fn overdue_since(
    workflow: &Workflow,
    state: &ProjectState,
    now: Timestamp,
) -> Option<Timestamp> {
    if workflow.stage(&state.stage).is_none_or(|s| s.terminal) {
        return None;
    }
    state
        .overdue_since
        .or_else(|| state.deadline.filter(|d| *d < now))
}

/// What comes next on a project of `workflow` with `members`, in `state`,
/// given what is `possible` now ([`super::possible`]) at `now`.
pub fn next(
    workflow: &Workflow,
    members: &[Member],
    state: &ProjectState,
    possible: &[Possible],
    now: Timestamp,
) -> Next {
    let holders = workflow
        .roles
        .iter()
        .filter_map(|role| {
            let mut people: Vec<PersonId> = members
                .iter()
                .filter(|m| &m.role == role)
                .map(|m| m.person)
                .collect();
            people.dedup();
            (!people.is_empty()).then(|| (role.clone(), people))
        })
        .collect();
    let Some(stage) = workflow.stage(&state.stage) else {
        return Next {
            steps: Vec::new(),
            overdue_since: None,
            finished: None,
            holders,
        };
    };
    if stage.terminal {
        return Next {
            steps: Vec::new(),
            overdue_since: None,
            finished: Some(state.entered_at),
            holders,
        };
    }
    let open: Vec<(&Possible, Direction)> = possible
        .iter()
        .filter(|p| p.blocked.is_none())
        .map(|p| (p, direction(workflow, stage, &p.action)))
        .collect();
    let wanted = if open.iter().any(|(_, d)| *d == Direction::Forward) {
        Direction::Forward
    } else {
        Direction::Back
    };
    let steps = open
        .into_iter()
        .filter(|(_, d)| *d == wanted)
        .map(|(p, direction)| step(stage, members, state, p, direction, now))
        .collect();
    Next {
        steps,
        overdue_since: overdue_since(workflow, state, now),
        finished: None,
        holders,
    }
}

/// The step of possible action `p`: whose turn, who is done, by when.
fn step(
    stage: &Stage,
    members: &[Member],
    state: &ProjectState,
    p: &Possible,
    direction: Direction,
    now: Timestamp,
) -> Step {
    let (roles, done): (Vec<String>, Vec<PersonId>) = if p.action == SCORE_ACTION {
        (p.by.clone(), state.scorecards.keys().copied().collect())
    } else {
        let approved: Vec<PersonId> = state
            .approvals
            .get(&p.action)
            .map(|given| given.iter().map(|a| a.person).collect())
            .unwrap_or_default();
        let roles = match &p.waiting_for {
            // The roles still needed, in the action's order.
            Some(w) => {
                p.by.iter()
                    .filter(|r| w.each_of.contains(r) || w.any_of.contains(r))
                    .cloned()
                    .collect()
            }
            None => p.by.clone(),
        };
        (roles, approved)
    };
    let mut awaited: Vec<PersonId> = Vec::new();
    for m in members {
        if roles.contains(&m.role) && !done.contains(&m.person) && !awaited.contains(&m.person) {
            awaited.push(m.person);
        }
    }
    let milestone = p
        .action
        .split_once('.')
        .and_then(|(key, _)| stage.milestone(key));
    let (due, rule) = match milestone {
        Some(m) => {
            let kept = state.milestones.get(&m.key);
            // A submitted milestone waits for its review: the stage's deadline.
            let pending = kept.is_none_or(|k| {
                matches!(
                    k.status,
                    MilestoneStatus::Pending | MilestoneStatus::Returned
                )
            });
            match kept.and_then(|k| k.due).filter(|_| pending) {
                Some(due) => (Some(due), m.due.as_ref()),
                None => (state.deadline, stage.deadline.as_ref()),
            }
        }
        None => (state.deadline, stage.deadline.as_ref()),
    };
    let working_days = match rule {
        Some(Due::After(d)) if d.unit == Unit::BusinessDays => Some(d.amount),
        _ => None,
    };
    Step {
        action: p.action.clone(),
        direction,
        roles,
        awaited,
        done,
        due,
        working_days,
        overdue: due.is_some_and(|d| d < now),
    }
}
