//! The validated workflow: what the engine runs. Every reference in it has been
//! checked, so the decision core can look things up without failing.

use std::collections::BTreeMap;

use jiff::civil;

use super::duration::Duration;
use super::label::Label;
use super::schedule::Schedule;
use crate::expr::Expr;

/// Who may add evidence files when a definition does not say (`evidence:`
/// absent): the project's trainee and supervisor, those of them that are
/// roles of the workflow.
pub const DEFAULT_EVIDENCE_ROLES: &[&str] = &["trainee", "supervisor"];

/// A workflow definition that passed validation.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// Stable identifier shared by all versions, e.g. `graduation-service`.
    pub key: String,
    /// Version number; a (key, version) that has projects never changes.
    pub version: u32,
    /// Title shown to people.
    pub title: Label,
    /// Longer explanation for staff.
    pub description: Option<Label>,
    /// Roles people can hold on a project of this workflow.
    pub roles: Vec<String>,
    /// How many people a project holds in a role, for the roles whose number
    /// `roles:` limits (`count:`, `min:`, `max:`); ask [`Workflow::holders`].
    pub holders: BTreeMap<String, Holders>,
    /// Named dates every cohort running this workflow must give.
    pub cohort_dates: Vec<String>,
    /// Roles one person may not hold together on a project (conflicts of
    /// interest), as written under `conflicts:`; ask [`Workflow::conflicting`].
    pub conflicts: Vec<Conflict>,
    /// The roles whose holders may add evidence files to a project while it
    /// is open, as written under `evidence:`, or else those of
    /// [`DEFAULT_EVIDENCE_ROLES`] the workflow has.
    pub evidence: Vec<String>,
    /// The stage a new project starts in.
    pub start: String,
    /// Stages in the order they are written.
    pub stages: Vec<Stage>,
    /// Forms by key.
    pub forms: BTreeMap<String, Form>,
    /// Rubrics by key.
    pub rubrics: BTreeMap<String, Rubric>,
    /// Who is told what, and when.
    pub notifications: Vec<NotificationRule>,
    /// A before/after measurement pairing, shown as one line
    /// ("Waiting time 80 → 25 min (−69%)") on the project page and the board.
    pub improvement: Option<Improvement>,
    /// The graduation checklist (`checklist:`), in the order written: what
    /// must hold before an action with `effects: [issue_certificate]` may be
    /// taken, shown to the trainee, supervisor and coordinator with what is
    /// still missing. Empty when the workflow declares none.
    pub checklist: Vec<ChecklistItem>,
}

/// One item of the graduation checklist: words for people and a condition
/// in the `when:` language, read against the project's data (every
/// milestone of the workflow, the current stage's assessment, every form).
#[derive(Debug, Clone)]
pub struct ChecklistItem {
    /// Identifier, unique within the checklist.
    pub key: String,
    /// What the item asks, for people.
    pub title: Label,
    /// When the item is met.
    pub when: Expr,
}

impl Workflow {
    /// The cohort dates this workflow needs that `dates` (a cohort's, by
    /// name) does not give, in the definition's order.
    pub fn missing_cohort_dates<V>(
        &self,
        dates: &std::collections::BTreeMap<String, V>,
    ) -> Vec<&str> {
        self.cohort_dates
            .iter()
            .filter(|d| !dates.contains_key(*d))
            .map(String::as_str)
            .collect()
    }

    /// The stage called `key`, if the workflow has one.
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The terminal stage a withdrawal ends a project in (`withdrawal:
    /// true`), if the workflow marks one.
    pub fn withdrawal_stage(&self) -> Option<&Stage> {
        self.stages.iter().find(|s| s.withdrawal)
    }

    /// Whether one person may not hold both roles `a` and `b` on the same
    /// project, because `conflicts:` pairs them (in either order, or with
    /// `with: all`). A role never conflicts with itself; unknown roles
    /// conflict with nothing. Called when people are given roles on a project.
    pub fn conflicting(&self, a: &str, b: &str) -> bool {
        let pairs = |role: &str, other: &str, c: &Conflict| {
            c.role == role
                && if c.all {
                    self.roles.iter().any(|r| r == other)
                } else {
                    c.with.iter().any(|w| w == other)
                }
        };
        a != b
            && self
                .conflicts
                .iter()
                .any(|c| pairs(a, b, c) || pairs(b, a, c))
    }

    /// How many people a project holds in `role`: as `roles:` says, or any
    /// number when it says nothing.
    pub fn holders(&self, role: &str) -> Holders {
        self.holders.get(role).copied().unwrap_or_default()
    }

    /// Every template name the workflow refers to (notifications, reminders, escalations).
    pub fn templates(&self) -> std::collections::BTreeSet<&str> {
        let mut names: std::collections::BTreeSet<&str> = self
            .notifications
            .iter()
            .map(|n| n.template.as_str())
            .collect();
        for stage in &self.stages {
            names.extend(stage.reminders.iter().map(|r| r.template.as_str()));
            names.extend(stage.overdue.iter().map(|o| o.template.as_str()));
        }
        names
    }
}

/// How many people a project holds in one role: from `min` to `max`
/// (no upper bound without `max`). Checked when a project starts (both
/// bounds) and when someone is given the role (the upper one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Holders {
    /// At least this many.
    pub min: u32,
    /// At most this many, if bounded.
    pub max: Option<u32>,
}

impl Holders {
    /// Whether a project may hold `people` in the role.
    pub fn allows(self, people: usize) -> bool {
        people >= self.min as usize && self.max.is_none_or(|max| people <= max as usize)
    }
}

impl std::fmt::Display for Holders {
    /// "exactly 1 person", "at least 2 people", "1 to 3 people", "at most 1 person".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let people = |n: u32| if n == 1 { "person" } else { "people" };
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max} {}", people(max)),
            Some(max) if self.min == 0 => write!(f, "at most {max} {}", people(max)),
            Some(max) => write!(f, "{} to {max} {}", self.min, people(max)),
            None => write!(f, "at least {} {}", self.min, people(self.min)),
        }
    }
}

/// A conflict of interest: one person holding `role` on a project may not
/// also hold any role in `with` there (and the other way round).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The role, e.g. `trainee`.
    pub role: String,
    /// The roles it may not be combined with, as listed (empty with `all`).
    pub with: Vec<String>,
    /// `with: all`: every other role of the workflow. Kept as a flag rather
    /// than a list of every role, so a file of many roles and many such lines
    /// stays as small in memory as it is on disk.
    pub all: bool,
}

/// One step of the workflow.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Identifier used in `to:` and `start:`.
    pub key: String,
    /// Title shown to people (the key, `_` shown as a space, when none is given).
    pub title: Label,
    /// What happens here, for people.
    pub description: Option<Label>,
    /// A terminal stage ends the project; it has no actions.
    pub terminal: bool,
    /// The terminal stage a withdrawal ends a project in, from any stage
    /// that is not terminal (`withdrawal: true`; at most one per workflow).
    pub withdrawal: bool,
    /// When the stage's work is due.
    pub deadline: Option<Due>,
    /// Reminders before the deadline.
    pub reminders: Vec<Reminder>,
    /// Recurring escalations once the deadline has passed.
    pub overdue: Vec<Overdue>,
    /// Deliverables submitted and reviewed one by one while in this stage.
    pub milestones: Vec<Milestone>,
    /// A committee assessment held in this stage.
    pub assessment: Option<Assessment>,
    /// What can be done here.
    pub actions: Vec<Action>,
}

impl Stage {
    /// The action called `key` in this stage.
    pub fn action(&self, key: &str) -> Option<&Action> {
        self.actions.iter().find(|a| a.key == key)
    }

    /// The milestone called `key` in this stage.
    pub fn milestone(&self, key: &str) -> Option<&Milestone> {
        self.milestones.iter().find(|m| m.key == key)
    }
}

/// When something falls due.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// A named date of the cohort; end of that day in the cohort's zone unless a time is given.
    CohortDate {
        /// The name listed in `cohort_dates`.
        name: String,
        /// Local time of day; `None` means the end of the day.
        time: Option<civil::Time>,
    },
    /// A duration after entering the stage.
    After(Duration),
}

/// A reminder sent some time before a deadline.
#[derive(Debug, Clone)]
pub struct Reminder {
    /// How long before the deadline.
    pub before: Duration,
    /// Roles reminded.
    pub to: Vec<String>,
    /// Template used.
    pub template: String,
}

/// A recurring message once a deadline has passed.
#[derive(Debug, Clone)]
pub struct Overdue {
    /// When it recurs, in the cohort's time zone.
    pub every: Schedule,
    /// Roles told.
    pub to: Vec<String>,
    /// Template used.
    pub template: String,
}

/// A deliverable within a stage: submitted by one role, reviewed by another.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// Identifier, unique within the workflow.
    pub key: String,
    /// Title shown to people (the key when none is given).
    pub title: Label,
    /// Form filled in when submitting.
    pub form: String,
    /// When it is due.
    pub due: Option<Due>,
    /// Roles that submit it.
    pub by: Vec<String>,
    /// Roles that accept it or return it for changes.
    pub review_by: Vec<String>,
}

/// A committee assessment against a rubric.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Rubric scored.
    pub rubric: String,
    /// Roles that score.
    pub by: Vec<String>,
    /// How many evaluators are assigned to each project.
    pub evaluators: u32,
    /// How many scorecards are needed before a result counts.
    pub quorum: u32,
    /// Each evaluator's time to score, counted from their assignment
    /// (`score_within:`); `None`: no per-evaluator deadline.
    pub score_within: Option<Duration>,
    /// Reminders to a late evaluator, this long before their deadline
    /// (`score_reminders:`, only with `score_within:`).
    pub score_reminders: Vec<Duration>,
}

/// Something people do in a stage, moving the project to another stage.
#[derive(Debug, Clone)]
pub struct Action {
    /// Identifier, e.g. `submit`.
    pub key: String,
    /// Label shown to people (the key, `_` shown as a space, when none is given).
    pub title: Label,
    /// Roles that may take it (empty for automatic actions).
    pub by: Vec<String>,
    /// Stage the project moves to.
    pub to: String,
    /// How many approvals are needed before the move happens.
    pub need: Need,
    /// Whether a comment must be given.
    pub comment_required: bool,
    /// Form filled in with the action.
    pub form: Option<String>,
    /// Condition that must hold.
    pub when: Option<Expr>,
    /// Taken by the engine itself as soon as `when` holds.
    pub auto: bool,
    /// Effects requested when the action completes, e.g. `issue_certificate`.
    pub effects: Vec<String>,
}

/// An approval rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// One person holding any of the roles.
    Any,
    /// One distinct person for each listed role.
    All,
    /// This many distinct people holding any of the roles.
    AtLeast(u32),
}

/// Effects the engine knows how to request.
pub const KNOWN_EFFECTS: &[&str] = &["issue_certificate"];

/// A form with typed fields.
#[derive(Debug, Clone)]
pub struct Form {
    /// Identifier.
    pub key: String,
    /// Title shown to people (the key when none is given).
    pub title: Label,
    /// Fields in written order.
    pub fields: Vec<Field>,
}

impl Form {
    /// The field called `key`.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// A form field and its rules.
#[derive(Debug, Clone)]
pub struct Field {
    /// Identifier.
    pub key: String,
    /// Label shown to people (the key when none is given).
    pub label: Label,
    /// What kind of value it holds.
    pub kind: FieldKind,
    /// Whether it must be given.
    pub required: bool,
    /// Smallest allowed number.
    pub min: Option<f64>,
    /// Largest allowed number.
    pub max: Option<f64>,
    /// Longest allowed text, in characters.
    pub max_length: Option<u32>,
    /// Allowed values of a choice, with their titles.
    pub choices: Vec<Choice>,
    /// Unit of a measurement, e.g. `minutes`.
    pub unit: Option<Label>,
}

/// One allowed value of a `choice` field.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The value stored in the answers and compared in conditions.
    pub key: String,
    /// What people read (the key with spaces for `_` when no title is given).
    pub title: Label,
}

impl Field {
    /// The title of choice `key` in `lang`, if it is one of this field's choices.
    pub fn choice_title(&self, key: &str, lang: &str) -> Option<&str> {
        self.choices
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.title.get(lang))
    }
}

/// The kinds of form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Paragraphs of text.
    LongText,
    /// A number.
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of a fixed list of values.
    Choice,
    /// A reference to an uploaded file.
    File,
    /// A measured number with a unit (e.g. waiting time in minutes).
    Measurement,
    /// Yes or no.
    YesNo,
}

impl FieldKind {
    /// Every kind with the name used in definitions.
    pub const ALL: &[(&str, FieldKind)] = &[
        ("text", FieldKind::Text),
        ("long_text", FieldKind::LongText),
        ("number", FieldKind::Number),
        ("date", FieldKind::Date),
        ("choice", FieldKind::Choice),
        ("file", FieldKind::File),
        ("measurement", FieldKind::Measurement),
        ("yes_no", FieldKind::YesNo),
    ];

    /// The name used in definitions.
    pub fn name(self) -> &'static str {
        FieldKind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("text", |(n, _)| n)
    }
}

/// A scoring rubric.
#[derive(Debug, Clone)]
pub struct Rubric {
    /// Identifier.
    pub key: String,
    /// Title shown to people (the key when none is given).
    pub title: Label,
    /// Lowest score.
    pub scale_min: i64,
    /// Highest score.
    pub scale_max: i64,
    /// Criteria in written order.
    pub criteria: Vec<Criterion>,
    /// Pass when the weighted mean is at least this.
    pub pass_mean: Option<f64>,
    /// Pass only when every criterion's mean score is at least this.
    pub pass_each: Option<i64>,
    /// Evaluators disagreeing by more than this on a criterion flag the project for moderation.
    pub moderate_spread_above: Option<f64>,
}

/// One rubric criterion.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// Identifier.
    pub key: String,
    /// Title shown to people (the key when none is given).
    pub title: Label,
    /// Weight in the mean.
    pub weight: f64,
    /// A descriptor per score level.
    pub levels: BTreeMap<i64, Label>,
}

/// A before/after measurement pairing (`improvement:`): two number or
/// measurement answers of milestones, the one before the change and the
/// one after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Improvement {
    /// What is measured, for people: as written, else the after field's label.
    pub title: Label,
    /// The measurement before the change.
    pub before: Measure,
    /// The measurement after the change.
    pub after: Measure,
    /// Which way is better, if the definition says.
    pub better: Option<Better>,
    /// The unit shown after the numbers: as written, else the after field's.
    pub unit: Option<Label>,
    /// A choice field (form, field) whose chosen title names what is
    /// measured in place of `title`, e.g. the charter's indicator.
    pub indicator: Option<(String, String)>,
}

/// One side of an [`Improvement`]: a milestone's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    /// The milestone's key.
    pub milestone: String,
    /// The field of its form, a number or a measurement.
    pub field: String,
}

/// Which way a measurement improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (waiting time, complaints).
    Lower,
    /// Higher is better (satisfaction).
    Higher,
}

/// Who is told what, and when.
#[derive(Debug, Clone)]
pub struct NotificationRule {
    /// The moment that triggers it.
    pub on: Trigger,
    /// Roles told.
    pub to: Vec<String>,
    /// Template used.
    pub template: String,
}

/// Moments a notification can follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The project enters this stage.
    Enter(String),
    /// The project leaves this stage.
    Leave(String),
    /// Someone takes this action (in any stage).
    Action(String),
    /// The project is withdrawn (`on: withdrawal`): a trainee or a
    /// coordinator ended it from whatever stage it was in, into the stage
    /// marked `withdrawal: true` (not a workflow action that leads there).
    Withdrawal,
    /// A milestone (`*` for any) reaches a step of its review.
    Milestone {
        /// Milestone key, or `*`.
        key: String,
        /// The step.
        step: MilestoneStep,
    },
}

/// Steps of a milestone's review that notifications can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MilestoneStep {
    /// Submitted (or submitted again).
    Submitted,
    /// Accepted by a reviewer.
    Accepted,
    /// Returned for changes.
    Returned,
}

impl Trigger {
    /// Whether a rule on `self` fires for the moment `actual`.
    pub fn matches(&self, actual: &Trigger) -> bool {
        match (self, actual) {
            (Trigger::Milestone { key, step }, Trigger::Milestone { key: k, step: s }) => {
                step == s && (key == "*" || key == k)
            }
            _ => self == actual,
        }
    }
}
