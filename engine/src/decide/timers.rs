//! Firing due timers: a deadline passing, reminders before it, recurring
//! escalations after it, milestones falling due. A timer fires as a decision
//! of the engine itself (no actor), so what it causes — events, messages, the
//! next escalation — commits in one transaction with the timer's completion.
//!
//! Rules:
//! - a timer belongs to one stage entry; once the project has left that
//!   entry (or finished), the timer is discarded, never fired;
//! - several reminders of one deadline due at once (after downtime) collapse
//!   into the latest one; none is sent once the deadline itself has passed,
//!   and each one so missed is recorded as `ReminderSkipped`;
//! - a recurring escalation sends one message however many occurrences were
//!   missed, then is set for its next occurrence after `now` (moved later
//!   into the mail hours, never earlier).

use std::str::FromStr;

use jiff::Timestamp;

use super::state::{Change, Decision, MilestoneStatus, ProjectState, Timer, TimerKind};
use super::{Draft, Project, Rejection, current_stage};

/// A due timer as the scheduler claimed it from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct DueTimer {
    /// Its row, to complete.
    pub id: i64,
    /// Its key, e.g. `remind:0`.
    pub key: String,
    /// What it is for.
    pub kind: TimerKind,
    /// When it was due.
    pub at: Timestamp,
    /// The stage entry it belongs to.
    pub entry: i64,
    /// Roles addressed.
    pub to: Vec<String>,
    /// Template sent, if any.
    pub template: Option<String>,
}

/// What firing a project's due timers does.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// The decision to commit, if anything happened (`None`: every timer was
    /// stale or collapsed, and only needs completing).
    pub decision: Option<Decision>,
    /// The timer rows this firing completes: fired, collapsed or discarded.
    pub completed: Vec<i64>,
}

/// Fires `due` (timers of one project that are due at `now`).
pub fn fire(
    project: &Project<'_>,
    state: &ProjectState,
    due: &[DueTimer],
    now: Timestamp,
) -> Result<Firing, Rejection> {
    let completed = due.iter().map(|t| t.id).collect();
    let stage = current_stage(project.workflow, state)?;
    let live: Vec<&DueTimer> = due
        .iter()
        .filter(|t| t.entry == state.entry && !stage.terminal && t.at <= now)
        .collect();
    let mut draft = Draft::new(project, state.clone(), now);
    let now = draft.now;
    // The deadline has passed once its timer is due, or once an escalation
    // after it is (the two may be claimed in different rounds).
    let deadline_due = live.iter().any(|t| {
        t.kind == TimerKind::Deadline
            || (t.kind == TimerKind::Overdue && state.deadline.is_some_and(|d| d <= now))
    });
    if deadline_due && state.overdue_since.is_none() && state.deadline.is_some_and(|d| d <= now) {
        draft.record(None, Change::DeadlinePassed)?;
    }
    for t in live.iter().filter(|t| t.kind == TimerKind::MilestoneDue) {
        let Some(milestone) = t.key.strip_prefix("milestone:") else {
            continue;
        };
        let open = draft.state.milestones.get(milestone).is_some_and(|m| {
            !m.late
                && matches!(
                    m.status,
                    MilestoneStatus::Pending | MilestoneStatus::Returned
                )
        });
        if open {
            draft.record(
                None,
                Change::MilestoneLate {
                    milestone: milestone.to_owned(),
                },
            )?;
        }
    }
    // Before the deadline, only the latest of the reminders due is worth
    // sending; after it, none is, and each one missed is recorded as skipped.
    let deadline_ahead = draft.state.deadline.is_some_and(|d| d > now);
    // A reminder is stale when a later reminder of the same deadline is due
    // too, whether or not it was claimed in this round.
    let reminder_times: Vec<Timestamp> = match draft.state.deadline {
        Some(deadline) => stage
            .reminders
            .iter()
            .filter_map(|r| {
                project
                    .calendar
                    .reminder_time(deadline, r.before, state.entered_at)
                    .ok()
                    .flatten()
            })
            .collect(),
        None => Vec::new(),
    };
    let reminders = live.iter().filter(|t| t.kind == TimerKind::Reminder);
    if deadline_ahead {
        let latest = reminders
            .filter(|t| !reminder_times.iter().any(|at| *at > t.at && *at <= now))
            .max_by_key(|t| (t.at, t.id));
        if let Some(t) = latest {
            send(&mut draft, t)?;
        }
    } else if draft.state.deadline.is_some() {
        for t in reminders {
            draft.record(
                None,
                Change::ReminderSkipped {
                    timer: t.key.clone(),
                },
            )?;
        }
    }
    for t in live.iter().filter(|t| t.kind == TimerKind::Overdue) {
        if draft.state.overdue_since.is_none() {
            continue;
        }
        send(&mut draft, t)?;
        let escalation = t
            .key
            .strip_prefix("overdue:")
            .and_then(|i| usize::from_str(i).ok())
            .and_then(|i| stage.overdue.get(i));
        if let Some(escalation) = escalation
            && let Some(next) = project.calendar.escalation_time(&escalation.every, now)
        {
            draft.timers.set.push(Timer {
                key: t.key.clone(),
                kind: TimerKind::Overdue,
                at: next,
                entry: t.entry,
                to: t.to.clone(),
                template: t.template.clone(),
                every: Some(escalation.every.expression.clone()),
            });
        }
    }
    // An evaluator's scoring reminder and deadline: sent once, only while
    // they still hold the role and have not scored.
    for t in live
        .iter()
        .filter(|t| matches!(t.kind, TimerKind::ScoreReminder | TimerKind::ScoreLate))
    {
        let Some(person) = super::committee::timer_person(&t.key) else {
            continue;
        };
        let Some(role) = stage.assessment.as_ref().map(|a| &a.by[0]) else {
            continue;
        };
        let seated = draft
            .state
            .members
            .iter()
            .any(|m| m.person == person && &m.role == role);
        if !seated || draft.state.scorecards.contains_key(&person) {
            continue;
        }
        let seq = draft.record(
            None,
            Change::Reminded {
                timer: t.key.clone(),
            },
        )?;
        if let Some(template) = &t.template {
            if t.kind == TimerKind::ScoreReminder {
                draft.notifications.push(super::state::Notification {
                    template: template.clone(),
                    recipient: person,
                    cause: seq,
                });
            } else {
                draft.notify_roles(&t.to, template, seq);
            }
        }
    }
    let decision = (!draft.events.is_empty()).then(|| draft.finish());
    Ok(Firing {
        decision,
        completed,
    })
}

/// Records that timer `t` went out and queues its message.
fn send(draft: &mut Draft<'_, '_>, t: &DueTimer) -> Result<(), Rejection> {
    let seq = draft.record(
        None,
        Change::Reminded {
            timer: t.key.clone(),
        },
    )?;
    if let Some(template) = &t.template {
        draft.notify_roles(&t.to, template, seq);
    }
    Ok(())
}

impl FromStr for TimerKind {
    type Err = String;

    /// Reads the stored name back.
    fn from_str(name: &str) -> Result<TimerKind, String> {
        [
            TimerKind::Deadline,
            TimerKind::Reminder,
            TimerKind::Overdue,
            TimerKind::MilestoneDue,
            TimerKind::ScoreReminder,
            TimerKind::ScoreLate,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
        .ok_or_else(|| format!("'{name}' is not a kind of timer"))
    }
}
