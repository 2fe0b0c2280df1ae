//! Extensions and calendar changes (issue 15, part 5): a coordinator gives
//! one project a new date for its current stage's deadline or one of its
//! milestones ([`extend`]), or changes the cohort's dates or holidays
//! ([`recalendar`], one decision per open project of the cohort). Each is an
//! event in the project's log, and the project's timers (deadline,
//! reminders, escalations, milestone due dates) are planned again in the
//! same decision.

use jiff::Timestamp;

use super::apply::DEADLINE;
use super::state::{CalendarDates, Change, Decision, PersonId, ProjectState};
use super::{Draft, Project, Rejection, current_stage};

/// The roles whose holders may extend a project's dates or change its
/// cohort's calendar: the cohort's coordinators.
pub const DATE_GIVERS: &[&str] = &["coordinator"];

/// What an extension moves: the current stage's deadline, or a milestone's
/// due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extending {
    /// The deadline of stage `.0`, which must be the current one.
    Deadline(String),
    /// The due date of milestone `.0`, which must be one of the current stage's.
    Milestone(String),
}

/// Refused unless `actor` holds one of [`DATE_GIVERS`] on the project
/// (`what` names the deed, `extend` or `change-calendar`).
fn may_give_dates(project: &Project<'_>, actor: PersonId, what: &str) -> Result<(), Rejection> {
    let held = project.roles_of(actor);
    if DATE_GIVERS.iter().any(|r| held.contains(r)) {
        return Ok(());
    }
    Err(Rejection::NotAllowed {
        action: what.into(),
        allowed: DATE_GIVERS.iter().map(|r| (*r).to_owned()).collect(),
        yours: held.into_iter().map(str::to_owned).collect(),
    })
}

/// Gives the project the date `due` for what `extending` names, as one
/// `Extended` event by `actor` (`None`: an operator) with `reason`, and plans
/// its timers again from it.
///
/// Refused when the actor does not coordinate, the project is finished,
/// the project is no longer at the stage named (or the milestone is not
/// one of its current stage's), the stage has no deadline (or the milestone
/// no due date) to move, or `due` is not after `now`.
pub fn extend(
    project: &Project<'_>,
    state: &ProjectState,
    actor: Option<PersonId>,
    extending: &Extending,
    due: Timestamp,
    reason: &str,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    if let Some(actor) = actor {
        may_give_dates(project, actor, "extend")?;
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    let milestone = match extending {
        Extending::Deadline(key) => {
            if project.workflow.stage(key).is_none() {
                return Err(Rejection::UnknownStage(key.clone()));
            }
            if *key != stage.key {
                return Err(Rejection::ExtensionStageLeft {
                    stage: key.clone(),
                    current: stage.key.clone(),
                });
            }
            if state.deadline.is_none() {
                return Err(Rejection::NothingToExtend {
                    stage: key.clone(),
                    milestone: None,
                });
            }
            None
        }
        Extending::Milestone(key) => {
            let Some(m) = stage.milestone(key) else {
                let elsewhere = project
                    .workflow
                    .stages
                    .iter()
                    .find(|s| s.milestone(key).is_some());
                return Err(match elsewhere {
                    Some(s) => Rejection::ExtensionStageLeft {
                        stage: s.key.clone(),
                        current: stage.key.clone(),
                    },
                    None => Rejection::UnknownMilestone {
                        milestone: key.clone(),
                    },
                });
            };
            if state.milestones.get(&m.key).and_then(|s| s.due).is_none() {
                return Err(Rejection::NothingToExtend {
                    stage: stage.key.clone(),
                    milestone: Some(key.clone()),
                });
            }
            Some(key.clone())
        }
    };
    let mut draft = Draft::new(project, state.clone(), now);
    if due <= draft.now {
        return Err(Rejection::ExtensionInPast {
            due,
            now: draft.now,
        });
    }
    draft.record(
        actor,
        Change::Extended {
            stage: stage.key.clone(),
            milestone,
            due,
            reason: reason.to_owned(),
        },
    )?;
    draft.replan_stage_timers()?;
    Ok(draft.finish())
}

/// Records that the cohort's calendar changed from `before` to the one
/// `project.calendar` holds, with `reason`, and plans the project's current
/// dates and timers again from it. `None` for a finished project (nothing
/// of its is planned any more).
///
/// Refused when the actor does not coordinate, or a date cannot be worked
/// out from the new calendar.
pub fn recalendar(
    project: &Project<'_>,
    state: &ProjectState,
    actor: Option<PersonId>,
    before: &CalendarDates,
    reason: &str,
    now: Timestamp,
) -> Result<Option<Decision>, Rejection> {
    if let Some(actor) = actor {
        may_give_dates(project, actor, "change-calendar")?;
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Ok(None);
    }
    let after = CalendarDates {
        dates: project.calendar.dates.clone(),
        holidays: project.calendar.holidays.clone(),
    };
    let mut draft = Draft::new(project, state.clone(), now);
    draft.record(
        actor,
        Change::CalendarChanged {
            before: before.clone(),
            after,
            reason: reason.to_owned(),
        },
    )?;
    draft.replan_stage_timers()?;
    Ok(Some(draft.finish()))
}

/// The key an extension is kept under in [`ProjectState::extensions`].
pub fn extension_key(extending: &Extending) -> &str {
    match extending {
        Extending::Deadline(_) => DEADLINE,
        Extending::Milestone(key) => key,
    }
}
