//! Withdrawal (issue 16, part 5): a trainee ends their own project, or a
//! coordinator of its cohort ends anyone's, from whatever stage it is in
//! (not only where the workflow offers an action to), into the terminal
//! stage the workflow marks `withdrawal: true`. One `Withdrawn` event (who,
//! from where, why) and a `Moved` into that stage: its timers are dropped,
//! `on: withdrawal` and `enter STAGE` rules mail whom they name. The place
//! it held in the cohort is given back by the store in the same transaction.

use jiff::Timestamp;

use super::state::{Change, Decision, PersonId, ProjectState};
use super::{Draft, Project, Rejection, current_stage};
use crate::definition::Trigger;

/// The roles whose holders may withdraw a project: its trainee (their own)
/// and the coordinators of its cohort.
pub const WITHDRAWERS: &[&str] = &["trainee", "coordinator"];

/// Withdraws the project: `actor` (`None`: an operator) with `reason`
/// (which the trainee may leave empty; a coordinator or the operator
/// gives one).
///
/// Refused when the actor holds none of [`WITHDRAWERS`] on the project,
/// the reason is empty when it is needed, the project is finished, or the
/// workflow marks no withdrawal stage.
pub fn withdraw(
    project: &Project<'_>,
    state: &ProjectState,
    actor: Option<PersonId>,
    reason: &str,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    // The trainee ending their own project may say why; anyone else must.
    let mut own = false;
    if let Some(actor) = actor {
        let held = project.roles_of(actor);
        if !WITHDRAWERS.iter().any(|r| held.contains(r)) {
            return Err(Rejection::WithdrawalNotAllowed {
                allowed: WITHDRAWERS.iter().map(|r| (*r).to_owned()).collect(),
            });
        }
        own = held.contains(WITHDRAWERS[0]);
    }
    let reason = reason.trim();
    if reason.is_empty() && !own {
        return Err(Rejection::WithdrawalReason);
    }
    let length = reason.chars().count();
    if length > super::MAX_COMMENT {
        return Err(Rejection::CommentTooLong {
            length,
            limit: super::MAX_COMMENT,
        });
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    let Some(to) = project.workflow.withdrawal_stage() else {
        return Err(Rejection::NoWithdrawalStage {
            workflow: project.workflow.key.clone(),
        });
    };
    let mut draft = Draft::new(project, state.clone(), now);
    let from = stage.key.clone();
    let seq = draft.record(
        actor,
        Change::Withdrawn {
            stage: from.clone(),
            reason: reason.to_owned(),
        },
    )?;
    draft.notify(&Trigger::Withdrawal, seq);
    let moved = draft.record(
        actor,
        Change::Moved {
            from: from.clone(),
            to: to.key.clone(),
        },
    )?;
    draft.notify(&Trigger::Leave(from), moved);
    draft.entered(moved)?;
    Ok(draft.finish())
}
