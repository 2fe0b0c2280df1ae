//! What the engine remembers about one project, and what a decision produces.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Member;

/// A person's id in the store.
pub type PersonId = i64;

/// Form answers: field name to value.
pub type Fields = Map<String, Value>;

/// The state of one project, stored as JSON beside its stage and version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectState {
    /// Current stage key.
    pub stage: String,
    /// Grows by one with every accepted command; a command carries the version it saw.
    pub version: u64,
    /// When the project entered the current stage.
    pub entered_at: Timestamp,
    /// When the current stage's work is due.
    pub deadline: Option<Timestamp>,
    /// The event (seq) that entered the current stage. Timers carry it, so a
    /// timer that outlived its stage entry is discarded, never fired.
    #[serde(default)]
    pub entry: i64,
    /// Since when the current stage is overdue: its deadline passed while the
    /// project stayed in it. Cleared when the project moves on.
    #[serde(default)]
    pub overdue_since: Option<Timestamp>,
    /// Latest answers per form, kept across stages so later conditions can use them.
    /// Shared (`Arc`): a decision copies the state, and answers are the bulk of it.
    pub forms: BTreeMap<String, Arc<Fields>>,
    /// Approvals gathered so far per action of the current stage.
    pub approvals: BTreeMap<String, Vec<Approval>>,
    /// Milestones of the current stage.
    pub milestones: BTreeMap<String, MilestoneState>,
    /// Scorecards of the current stage's assessment, by evaluator.
    pub scorecards: BTreeMap<PersonId, Scorecard>,
    /// People given a role on this project directly, as its log records them
    /// (people who hold a role through the cohort are not listed). Kept so
    /// the core can refuse a role given twice and an audit can replay who was
    /// added; shared (`Arc`) since a decision copies the state and this
    /// rarely changes. Absent from states stored before it was recorded.
    #[serde(default)]
    pub members: Arc<Vec<Member>>,
    /// Milestones accepted in the latest entry of their stage, kept after
    /// the project leaves it (the graduation checklist reads them); a stage
    /// entered again takes its milestones out until they are accepted anew.
    /// Absent from states stored before it was recorded (see
    /// [`super::replay_difference`]).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub accepted: BTreeSet<String>,
    /// Dates given by an extension in the current stage entry: `deadline`
    /// for the stage's deadline, else a milestone's key. A change of the
    /// cohort's calendar never moves such a date earlier.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extensions: BTreeMap<String, Timestamp>,
    /// The chair's moderated scores of the current stage's assessment, by
    /// criterion: each replaces that criterion's mean of the evaluators'
    /// scores in every figure (`assessment.passed`, the decision panel).
    /// Cleared on entering a stage and by a rescore request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub moderated: BTreeMap<String, Moderation>,
    /// Scorecards the chair set aside by asking their evaluators to score
    /// again, by evaluator (the latest set aside); kept to show the figures
    /// before. Cleared on entering a stage.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set_aside: BTreeMap<PersonId, Scorecard>,
    /// Hash of the last event, the head of the project's audit chain.
    pub head: String,
    /// Number of events in the project's log.
    pub events: i64,
}

/// One approval towards an action: who gave it, and the role it counted for
/// when it was given. With `need: all` the roles are matched afresh to the
/// approvers at each approval, so a later approval may count an earlier
/// approver under another role they hold; `role` keeps what was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Who approved.
    pub person: PersonId,
    /// The role the approval counted for when given.
    pub role: String,
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    /// Not submitted yet.
    Pending,
    /// Submitted, waiting for review.
    Submitted,
    /// Accepted by a reviewer.
    Accepted,
    /// Returned for changes; to be submitted again.
    Returned,
}

/// A milestone's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneState {
    /// Where it stands.
    pub status: MilestoneStatus,
    /// When it is due.
    pub due: Option<Timestamp>,
    /// The latest submission.
    pub fields: Fields,
    /// Its due date passed before it was submitted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

/// One evaluator's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// Score per criterion.
    pub scores: BTreeMap<String, i64>,
    /// Remarks for the chair and the trainee.
    pub comment: Option<String>,
}

/// A moderated score: the chair's score for one criterion, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    /// The score (on the rubric's scale).
    pub score: i64,
    /// Why the chair gave it.
    pub reason: String,
    /// The chair who gave it.
    pub by: PersonId,
}

fn no_fields(fields: &Arc<Fields>) -> bool {
    fields.is_empty()
}

/// A change recorded in the project's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// The project began in its start stage.
    Started {
        /// Start stage.
        stage: String,
        /// Workflow key and version it is pinned to.
        workflow: String,
    },
    /// Someone took an action (or the engine did, for automatic ones).
    ActionTaken {
        /// Action key.
        action: String,
        /// Stage it was taken in.
        stage: String,
        /// Role the actor acted as.
        #[serde(skip_serializing_if = "Option::is_none")]
        role: Option<String>,
        /// Form answers given (shared with the state's copy).
        #[serde(skip_serializing_if = "no_fields", default)]
        fields: Arc<Fields>,
        /// Comment given.
        #[serde(skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// An approval was recorded; more are needed before the project moves.
    /// Whom the action still waits for is worked out when it is shown (see
    /// [`super::WaitingFor`]), never stored: it is words, and they depend on
    /// the reader's language. (Events stored before this carry a
    /// `waiting_for` text, which reading ignores.)
    ApprovalRecorded {
        /// Action approved.
        action: String,
        /// Role the approval counted for.
        role: String,
    },
    /// The project moved to another stage.
    Moved {
        /// Stage left.
        from: String,
        /// Stage entered.
        to: String,
    },
    /// A milestone was submitted.
    MilestoneSubmitted {
        /// Milestone key.
        milestone: String,
        /// Its form answers.
        fields: Fields,
    },
    /// A reviewer accepted a milestone.
    MilestoneAccepted {
        /// Milestone key.
        milestone: String,
        /// Remarks.
        #[serde(skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// A reviewer returned a milestone for changes.
    MilestoneReturned {
        /// Milestone key.
        milestone: String,
        /// What to change.
        comment: String,
    },
    /// An evaluator submitted scores.
    Scored {
        /// Score per criterion.
        scores: BTreeMap<String, i64>,
        /// Remarks.
        #[serde(skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// The current stage's deadline passed with the project still in it.
    DeadlinePassed,
    /// A milestone's due date passed before it was submitted.
    MilestoneLate {
        /// Milestone key.
        milestone: String,
    },
    /// A reminder or an overdue escalation went out to the people its timer names.
    Reminded {
        /// The timer's key, e.g. `remind:0` or `overdue:0`.
        timer: String,
    },
    /// A reminder that fired after the deadline it announced had passed (its
    /// worker was down at its time): not sent, and recorded so that nobody
    /// wonders where it went.
    ReminderSkipped {
        /// The timer's key, e.g. `remind:0`.
        timer: String,
    },
    /// An action asked for a side effect (e.g. issuing a certificate).
    EffectRequested {
        /// Effect name.
        effect: String,
    },
    /// Someone was given a role on this project directly (at its start, or
    /// later, e.g. an evaluator). Membership is in the log so that an audit
    /// can tell who held which role, and a role inserted behind the engine's
    /// back is caught.
    MemberAdded {
        /// Who was given the role.
        person: PersonId,
        /// The role (one of the workflow's roles).
        role: String,
    },
    /// The project was moved to another version of its workflow by a
    /// coordinator or operator (`gradflow workflow migrate`): from then on
    /// its log is read, and its actions decided, against version
    /// `to_version`. It enters `to_stage` of that version as of this event
    /// (its deadline, reminders and milestones counted from now; approvals,
    /// milestone steps and scorecards of the stage left start afresh; form
    /// answers are kept).
    Migrated {
        /// The version the project ran until now.
        from_version: u32,
        /// The version it runs from now on.
        to_version: u32,
        /// The stage it was at (in `from_version`).
        from_stage: String,
        /// The stage it is at now (in `to_version`).
        to_stage: String,
    },
    /// Someone (the event's actor) added an evidence file to the project.
    /// The bytes are kept by their SHA-256; the hash-chained log says who
    /// added which bytes and when (the `evidence` table is its projection).
    EvidenceAdded {
        /// The file's name, as the uploader gave it.
        name: String,
        /// SHA-256 of its bytes, in hex.
        sha256: String,
        /// Its size in bytes.
        size: i64,
    },
    // Part 5 of issue 15 (extensions and calendar changes).
    /// A coordinator (the event's actor; none for an operator) gave the
    /// project a new date for its current stage's deadline or for one of its
    /// milestones, with a reason. The deadline, reminders, escalations or
    /// the milestone's due date are planned again from it.
    Extended {
        /// The stage whose deadline (or milestone) is moved: the current one.
        stage: String,
        /// The milestone whose due date is moved; absent: the stage's deadline.
        #[serde(skip_serializing_if = "Option::is_none", default)]
        milestone: Option<String>,
        /// The new date.
        due: Timestamp,
        /// Why, as the coordinator wrote it.
        reason: String,
    },
    /// The cohort's calendar changed (named dates or holidays): the
    /// calendar as it was and as it is from now on, so that a replay works
    /// every earlier date out from the calendar of its time. The current
    /// stage's deadline and milestone due dates are worked out again from
    /// `after` (never earlier than an extension), and its timers planned again.
    CalendarChanged {
        /// The cohort's dates and holidays until this event.
        before: CalendarDates,
        /// The cohort's dates and holidays from this event on.
        after: CalendarDates,
        /// Why, as the coordinator wrote it.
        reason: String,
    },
    // Moderation (issue 15, part 4): the chair's answers to a spread of
    // scores that calls for moderation.
    /// The chair (the event's actor) recorded a moderated score for one
    /// criterion of the current stage's assessment, with the reason; it
    /// replaces the evaluators' mean of that criterion in every figure.
    ScoreModerated {
        /// The rubric criterion's key.
        criterion: String,
        /// The moderated score.
        score: i64,
        /// Why.
        reason: String,
    },
    /// The chair (the event's actor) asked evaluators to score again: their
    /// scorecards are set aside (they may score once more), moderated
    /// scores are cleared, and each of them is told by mail.
    RescoreRequested {
        /// The evaluators asked, by person id.
        evaluators: Vec<PersonId>,
        /// Why.
        reason: String,
    },
    // Committee (issue 15, parts 2 and 3).
    /// Someone's role on this project ended, directly given before (an
    /// evaluator replaced by the coordinator). The `project_members` row
    /// goes with it.
    MemberRemoved {
        /// Whose role ended.
        person: PersonId,
        /// The role.
        role: String,
    },
    /// The project entered an assessed stage but the cohort's committee
    /// pool could not staff it (too few members free of conflicts): nobody
    /// was assigned, the move went ahead, and the coordinators were told.
    CommitteeShort {
        /// The evaluator role.
        role: String,
        /// How many evaluators were missing.
        missing: u32,
    },
    // Intake (issue 16, part 5: places).
    /// The project was withdrawn from stage `stage` by its trainee or a
    /// coordinator of its cohort (the event's actor; none for an
    /// operator), with why. A `Moved` into the workflow's withdrawal stage
    /// follows in the same decision; the cohort's place is given back.
    Withdrawn {
        /// The stage it was withdrawn from.
        stage: String,
        /// Why, as the trainee or coordinator wrote it.
        reason: String,
    },
}

/// The parts of a cohort's calendar a coordinator may change: its named
/// dates and its holidays (recorded in a [`Change::CalendarChanged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDates {
    /// Named dates, e.g. `proposal_due`.
    pub dates: BTreeMap<String, jiff::civil::Date>,
    /// Holidays.
    pub holidays: BTreeSet<jiff::civil::Date>,
}

impl Change {
    /// Reads a change back from the JSON text it was stored (and sealed) as.
    pub fn from_json(text: &str) -> Result<Change, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The JSON text a change is sealed and stored as, written once per event.
    pub(super) fn to_json(&self) -> String {
        // Sized for a typical change, so the text is not regrown while written.
        let mut text = Vec::with_capacity(512);
        serde_json::to_writer(&mut text, self).expect("changes serialise");
        String::from_utf8(text).expect("JSON is UTF-8")
    }
}

/// An event: a change, who caused it, when, and its place in the audit chain.
///
/// Not serialised as a whole: the store writes its fields as columns, with
/// `change_json` as the change, so the bytes stored are the bytes hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Position in the project's log, from 1.
    pub seq: i64,
    /// When it happened, to the microsecond (the precision stored and sealed).
    pub at: Timestamp,
    /// Who caused it; `None` when the engine acted by itself.
    pub actor: Option<PersonId>,
    /// What changed.
    pub change: Change,
    /// `change` as the exact JSON text sealed into the hash chain; the store
    /// writes this text, never a fresh serialisation (which could differ, e.g.
    /// after a serde upgrade, and then fail verification).
    pub change_json: String,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// Hash of this event.
    pub hash: String,
}

/// A timer to be stored with the decision and fired later by the scheduler.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    /// Unique per project while pending, e.g. `deadline`, `remind:0`, `milestone:baseline`.
    pub key: String,
    /// What it is for.
    pub kind: TimerKind,
    /// When it fires.
    pub at: Timestamp,
    /// The stage entry (seq of the entering event) it belongs to.
    pub entry: i64,
    /// Roles addressed when it fires.
    pub to: Vec<String>,
    /// Template used, if it sends mail.
    pub template: Option<String>,
    /// Recurrence (crontab, in the cohort's zone) after the first firing.
    pub every: Option<String>,
}

/// Kinds of timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    /// The stage's deadline.
    Deadline,
    /// A reminder before the deadline.
    Reminder,
    /// A recurring escalation after the deadline.
    Overdue,
    /// A milestone's due date.
    MilestoneDue,
    /// A reminder to one evaluator before their scoring deadline (its key names them).
    ScoreReminder,
    /// One evaluator's scoring deadline: the chair is told if they have not scored.
    ScoreLate,
}

impl TimerKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Deadline => "deadline",
            TimerKind::Reminder => "reminder",
            TimerKind::Overdue => "overdue",
            TimerKind::MilestoneDue => "milestone_due",
            TimerKind::ScoreReminder => "score_reminder",
            TimerKind::ScoreLate => "score_late",
        }
    }
}

/// Timers to change along with a decision.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimerPlan {
    /// Cancel the project's pending timers first (the project left its stage).
    pub cancel_pending: bool,
    /// Timers to set.
    pub set: Vec<Timer>,
    /// Keys of pending timers to cancel (an evaluator scored or was replaced).
    pub cancel: Vec<String>,
}

/// A message to send, written to the outbox in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Template name.
    pub template: String,
    /// Who receives it.
    pub recipient: PersonId,
    /// The event (seq) that caused it; with the recipient it makes the dedupe key.
    pub cause: i64,
}

/// Everything an accepted command changes, committed by the store in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// New events, sealed into the audit chain.
    pub events: Vec<Event>,
    /// The project's state afterwards.
    pub state: ProjectState,
    /// Timers to cancel and set.
    pub timers: TimerPlan,
    /// Messages to send.
    pub notifications: Vec<Notification>,
}
