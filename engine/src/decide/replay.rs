//! Rebuilding a project's state from its log, for `audit verify`.
//!
//! The hash chain ([`crate::audit`]) proves that no event was edited or
//! removed; it says nothing about the project row beside the log. A replay
//! re-applies every recorded change with the rules the core used (the same
//! code, [`super::apply`]) and [`replay_difference`] compares the result with
//! the stored state, so a row edited to `certified` is caught.
//!
//! What can be compared: stage, when it was entered, its deadline, form
//! answers, approvals, milestones (status, answers, due dates), scorecards,
//! direct members, head hash and event count. Not the version: it counts
//! accepted commands (a command records one event or several, and nothing in
//! the log marks where one command ends), and it serves only to detect
//! concurrent writers. Deadlines and due dates are worked out from the
//! cohort's calendar as it was when each was planned: a coordinator's change
//! of the cohort's dates or holidays is a `CalendarChanged` event in every
//! open project's log, recording the calendar before and after, so a replay
//! starts from the `before` of the first such event and switches to each
//! event's `after` as it reaches it (and ends on the cohort's calendar of
//! today, or says so).

use super::Project;
use super::apply::{self, apply, workflow_ref};
use super::state::{CalendarDates, Change, Event, ProjectState};
use crate::calendar::Calendar;
use crate::definition::Workflow;

/// Why a log cannot be replayed: it does not fit the project's workflow or
/// calendar, or it is not a chain of consecutive events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// There are no events: the project never started.
    #[error("the log is empty: the project never started")]
    Empty,
    /// An event does not follow its predecessor (a gap, or a broken link).
    #[error("event {seq}: {reason}")]
    Unchained {
        /// The event.
        seq: i64,
        /// What is wrong, in words.
        reason: String,
    },
    /// An event names a stage the workflow does not have.
    #[error("event {seq}: stage '{stage}' is not in the project's workflow")]
    UnknownStage {
        /// The event.
        seq: i64,
        /// The stage named.
        stage: String,
    },
    /// A due date cannot be worked out from the cohort's calendar.
    #[error("event {seq}: a due date cannot be worked out: {reason}")]
    Calendar {
        /// The event.
        seq: i64,
        /// The calendar's explanation.
        reason: String,
    },
    /// An event does not fit the state the earlier ones lead to.
    #[error("event {seq}: {reason}")]
    Unfit {
        /// The event.
        seq: i64,
        /// What does not fit, in words.
        reason: String,
    },
}

impl From<ReplayError> for super::Rejection {
    /// The core applies its own events through the same rules as a replay;
    /// only the calendar can refuse them (a stage's due date that cannot be
    /// placed). The others would be a bug, reported as such.
    fn from(e: ReplayError) -> Self {
        match e {
            ReplayError::Calendar { reason, .. } => super::Rejection::Calendar(reason),
            ReplayError::UnknownStage { stage, .. } => super::Rejection::UnknownStage(stage),
            other => super::Rejection::Inconsistent(other.to_string()),
        }
    }
}

/// Rebuilds a project's state from its events (in `seq` order), re-applying
/// each change as the core did: stages entered with their deadlines and
/// milestones worked out from the calendar at the event's time, form
/// answers, approvals, milestone steps, scorecards and members.
///
/// The result's `version` is left at 0: the log does not record it (see the
/// module notes). Compare with [`replay_difference`].
pub fn replay(project: &Project<'_>, events: &[Event]) -> Result<ProjectState, ReplayError> {
    replay_across(project, &[], events)
}

/// [`replay`] for a project whose log may cross workflow versions: it
/// starts on the version its `Started` event names and follows each
/// `Migrated` event to the version it names, reading each event against
/// the version the project ran then. `earlier` holds the versions the log
/// names besides the one the project is pinned to (`project.workflow`),
/// which the log must end on.
pub fn replay_across(
    project: &Project<'_>,
    earlier: &[&Workflow],
    events: &[Event],
) -> Result<ProjectState, ReplayError> {
    if events.is_empty() {
        return Err(ReplayError::Empty);
    }
    let pinned = project.workflow;
    let find = |version: u32| {
        std::iter::once(pinned)
            .chain(earlier.iter().copied())
            .find(|w| w.key == pinned.key && w.version == version)
    };
    // The calendars the log was planned with: the cohort's of today with
    // the dates and holidays each `CalendarChanged` event records.
    let changes: Vec<(&CalendarDates, &CalendarDates)> = events
        .iter()
        .filter_map(|e| match &e.change {
            Change::CalendarChanged { before, after, .. } => Some((before, after)),
            _ => None,
        })
        .collect();
    let with = |dates: &CalendarDates| {
        let mut calendar = project.calendar.clone();
        calendar.dates.clone_from(&dates.dates);
        calendar.holidays.clone_from(&dates.holidays);
        calendar
    };
    let calendars: Vec<Calendar> = changes
        .first()
        .map(|(before, _)| with(before))
        .into_iter()
        .chain(changes.iter().map(|(_, after)| with(after)))
        .collect();
    let mut current = *project;
    if let Some(first) = calendars.first() {
        current.calendar = first;
    }
    let mut changed = 0;
    let mut state = apply::blank();
    for event in events {
        match &event.change {
            Change::CalendarChanged { before, .. } => {
                if before.dates != current.calendar.dates
                    || before.holidays != current.calendar.holidays
                {
                    return Err(ReplayError::Unfit {
                        seq: event.seq,
                        reason: "the calendar it says the cohort had is not the one the log planned with".into(),
                    });
                }
                changed += 1;
                current.calendar = &calendars[changed];
            }
            Change::Started { workflow, .. } => {
                // A version not given stays the pinned one, which `apply`
                // then finds not to be the one named.
                if let Some(w) = std::iter::once(pinned)
                    .chain(earlier.iter().copied())
                    .find(|w| workflow_ref(w) == *workflow)
                {
                    current.workflow = w;
                }
            }
            Change::Migrated {
                from_version,
                to_version,
                ..
            } => {
                if *from_version != current.workflow.version {
                    return Err(ReplayError::Unfit {
                        seq: event.seq,
                        reason: format!(
                            "the project is said to leave version {from_version}, but it runs version {}",
                            current.workflow.version
                        ),
                    });
                }
                current.workflow = find(*to_version).ok_or_else(|| ReplayError::Unfit {
                    seq: event.seq,
                    reason: format!(
                        "version {to_version} of workflow {} is not published",
                        pinned.key
                    ),
                })?;
            }
            _ => {}
        }
        let unchained = |reason: &str| ReplayError::Unchained {
            seq: event.seq,
            reason: reason.to_owned(),
        };
        if event.seq != state.events + 1 {
            return Err(unchained(&format!(
                "expected event {} here; events are missing or out of order",
                state.events + 1
            )));
        }
        if event.prev_hash != state.head {
            return Err(unchained(
                "its predecessor hash does not match the previous event",
            ));
        }
        apply(&current, &mut state, event)?;
        state.head.clone_from(&event.hash);
        state.events = event.seq;
    }
    if current.calendar.dates != project.calendar.dates
        || current.calendar.holidays != project.calendar.holidays
    {
        return Err(ReplayError::Calendar {
            seq: state.events,
            reason: "the cohort's dates or holidays are not the ones its log last recorded (changed behind the engine's back?)".into(),
        });
    }
    if current.workflow.version != pinned.version {
        return Err(ReplayError::Unfit {
            seq: state.events,
            reason: format!(
                "its log leads to {}, but the project is pinned to {}",
                workflow_ref(current.workflow),
                workflow_ref(pinned)
            ),
        });
    }
    Ok(state)
}

/// The first part of a stored state that differs from the replayed one, named
/// for a sentence ("its stored {part} is not what its events lead to"), or
/// `None` when they agree. The version is not compared (see the module notes);
/// the parts worked out from the calendar come last, so that a difference in
/// what happened is named before one in dates.
pub fn replay_difference(stored: &ProjectState, replayed: &ProjectState) -> Option<&'static str> {
    // Destructured, so a field added to the state fails to compile here until
    // it is compared (or said not to be).
    let ProjectState {
        stage,
        version: _,
        entered_at,
        deadline,
        entry,
        overdue_since,
        forms,
        approvals,
        milestones,
        scorecards,
        members,
        accepted,
        extensions,
        moderated,
        set_aside,
        head,
        events,
    } = stored;
    let other = &replayed.milestones;
    let same_steps = milestones.len() == other.len()
        && milestones.iter().zip(other).all(|((k, a), (l, b))| {
            k == l && a.status == b.status && a.fields == b.fields && a.late == b.late
        });
    let same_dues = milestones
        .values()
        .map(|m| m.due)
        .eq(other.values().map(|m| m.due));
    [
        ("stage", *stage == replayed.stage),
        ("event count", *events == replayed.events),
        ("head hash", *head == replayed.head),
        ("form answers", *forms == replayed.forms),
        ("approvals", *approvals == replayed.approvals),
        ("milestones", same_steps),
        ("scorecards", *scorecards == replayed.scorecards),
        ("members", *members == replayed.members),
        // States stored before milestones were kept after their stage hold
        // none: a stored set may lack what the log accepted, never add to it.
        (
            "accepted milestones",
            accepted.is_subset(&replayed.accepted),
        ),
        ("extensions", *extensions == replayed.extensions),
        ("moderated scores", *moderated == replayed.moderated),
        ("scorecards set aside", *set_aside == replayed.set_aside),
        (
            "time of entering its stage",
            *entered_at == replayed.entered_at,
        ),
        ("deadline", *deadline == replayed.deadline),
        ("stage entry", *entry == replayed.entry),
        ("overdue mark", *overdue_since == replayed.overdue_since),
        ("milestone due dates", same_dues),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(part, _)| part)
}
