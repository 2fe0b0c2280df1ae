//! The decision core: `decide(project, state, command, now)`.
//!
//! **Invariant:** no I/O and no clock in here. Given the workflow, the
//! project's state, a command and the time, it returns the events, the new
//! state, the timers and the notifications, or a [`Rejection`] saying why not.
//! The store commits an accepted [`Decision`] in one transaction.
//!
//! Checks run in this order: the action exists in the current stage, the actor
//! holds a role it allows, the answers pass the form, the condition holds,
//! the approval rule is met. (An action's allowed roles are only known once the
//! action is found, so "exists" comes before "allowed".)
//!
//! Every state change goes through a recorded event: the core checks a
//! command, records its changes, and each recorded change is applied to the
//! state by [`apply`](self::apply) — the same code [`replay`] runs over a
//! stored log, so an audit rebuilds exactly what the core kept.
//!
//! # Layout
//! - `mod.rs`: `start`, `decide`, `possible`, and the draft a decision is built in.
//! - `apply.rs`: how each recorded change moves the state.
//! - `approvals.rs`: `need: any | all | N`, and whom an action waits for.
//! - `members.rs`: who may hold which role; `add_member`.
//! - `evidence.rs`: who may add evidence files, and when; `add_evidence`.
//! - `replay.rs`: rebuilding a state from its log, for `audit verify`.
//! - `migrate.rs`: moving a project to another version of its workflow.
//! - `state.rs`: the project state, changes, events, timers, notifications.
//! - `forms.rs`, `assessment.rs`, `conditions.rs`: answers, scorecards, and
//!   the project's data as conditions see it.
//! - `next.rs`: what comes next, whose turn, by when; overdue; waiting for whom.
//! - `improvement.rs`: the before/after measurement on one line.
//! - `rejection.rs`: why a command was refused.
//! - `withdraw.rs`: a project withdrawn from any stage into its workflow's
//!   withdrawal stage.

mod apply;
mod approvals;
mod assessment;
mod checklist;
pub mod committee;
mod conditions;
mod evidence;
mod extend;
mod forms;
mod improvement;
pub mod intake;
mod members;
mod migrate;
mod next;
mod rejection;
mod replay;
mod state;
#[cfg(test)]
mod tests;
mod timers;
mod withdraw;

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;

pub use approvals::WaitingFor;
pub use assessment::{
    CriterionFigures, Decidable, Outcome, Panel, Shortfall, WhyNot, outcome, panel,
};
pub use checklist::{
    ISSUE_CERTIFICATE, ItemState, checklist, checklist_readers, missing, shows_checklist,
};
pub use conditions::ProjectData;
pub use evidence::{NewEvidence, add_evidence, may_add_evidence};
pub use extend::{DATE_GIVERS, Extending, extend, extension_key, recalendar};
pub use forms::Problem;
pub use improvement::{Measured, indicator, measured, milestone_answers};
pub use members::{ROLE_GIVERS, add_member, may_give_roles};
pub use migrate::{MappingError, migrate, resolve_mapping};
pub use next::{Direction, Next, Step, direction, irreversible, next, overdue_since};
pub use rejection::Rejection;
pub use replay::{ReplayError, replay, replay_across, replay_difference};
pub use state::*;
pub use timers::{DueTimer, Firing, fire};
pub use withdraw::{WITHDRAWERS, withdraw};

use crate::audit;
use crate::calendar::Calendar;
use crate::definition::{
    Action, Assessment, MilestoneStep, SCORE_ACTION, Stage, Trigger, Workflow,
};
use crate::expr::Env;

/// The chair's deed of recording moderated scores (fields: criterion key
/// to score; the comment is the reason, required).
pub const MODERATE_ACTION: &str = "moderate-scores";

/// The chair's deed of asking evaluators to score again (field
/// `evaluators`: person ids, a list or separated by commas; the comment is
/// the reason, required).
pub const RESCORE_ACTION: &str = "ask-rescore";

/// Mail template the evaluators asked to score again are sent (from the
/// workflow's `templates/`).
pub const RESCORE_TEMPLATE: &str = "rescore_requested";

/// Longest comment accepted, in characters.
pub const MAX_COMMENT: usize = 5_000;

/// Most automatic moves one command may cause before we call it a loop.
const MAX_AUTOMATIC_MOVES: usize = 16;

/// A person's role on a project (directly, or through the cohort).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// The person.
    pub person: PersonId,
    /// The role.
    pub role: String,
}

/// What the core needs to know about a project besides its state.
#[derive(Debug, Clone, Copy)]
pub struct Project<'a> {
    /// Project id (part of every event hash).
    pub id: i64,
    /// The workflow version the project is pinned to.
    pub workflow: &'a Workflow,
    /// The cohort's calendar.
    pub calendar: &'a Calendar,
    /// Everyone holding a role on the project.
    pub members: &'a [Member],
    /// Organizations and declared conflicts the committee's conflict rules
    /// read ([`committee::NO_CONFLICTS`] when nobody is judged).
    pub conflicts: &'a committee::Conflicts,
}

impl Project<'_> {
    /// Roles `person` holds on this project.
    pub fn roles_of(&self, person: PersonId) -> BTreeSet<&str> {
        self.members
            .iter()
            .filter(|m| m.person == person)
            .map(|m| m.role.as_str())
            .collect()
    }
}

/// A request to act on a project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Command {
    /// Who acts.
    pub actor: PersonId,
    /// A stage action (`submit`), a milestone action (`baseline.submit`,
    /// `baseline.accept`, `baseline.return`) or `score`.
    pub action: String,
    /// Form answers, or scores for `score`.
    pub fields: Fields,
    /// A comment.
    pub comment: Option<String>,
    /// The version the actor saw; a different current version is a conflict.
    pub expected_version: Option<u64>,
}

/// Begins a project in its workflow's start stage: a `Started` event, then
/// one `MemberAdded` per person given a role on it directly (`direct`, which
/// `project.members` includes; a pair given twice is recorded once). People
/// who hold a role through the cohort are not recorded per project.
///
/// Refused when a direct member's role is not one of the workflow's or
/// conflicts with another role that person holds, or when the project would
/// hold fewer or more people in a role than the workflow's `roles:` says.
pub fn start(
    project: &Project<'_>,
    direct: &[Member],
    now: Timestamp,
) -> Result<Decision, Rejection> {
    let workflow = project.workflow;
    let mut given: Vec<&Member> = Vec::with_capacity(direct.len());
    for member in direct {
        if !given.contains(&member) {
            members::may_hold(project, member.person, &member.role)?;
            given.push(member);
        }
    }
    members::check_holders(project)?;
    let mut draft = Draft::new(project, apply::blank(), now);
    let seq = draft.record(
        None,
        Change::Started {
            stage: workflow.start.clone(),
            workflow: apply::workflow_ref(workflow),
        },
    )?;
    draft.entered(seq)?;
    for member in given {
        draft.record(
            None,
            Change::MemberAdded {
                person: member.person,
                role: member.role.clone(),
            },
        )?;
    }
    draft.run_automatic()?;
    Ok(draft.finish())
}

/// Decides a command against a project's state.
pub fn decide(
    project: &Project<'_>,
    state: &ProjectState,
    command: &Command,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    if let Some(expected) = command.expected_version
        && expected != state.version
    {
        return Err(Rejection::Stale {
            expected,
            actual: state.version,
        });
    }
    // No more bytes than the limit: no more characters either.
    if let Some(comment) = command.comment.as_ref().filter(|c| c.len() > MAX_COMMENT) {
        let length = comment.chars().count();
        if length > MAX_COMMENT {
            return Err(Rejection::CommentTooLong {
                length,
                limit: MAX_COMMENT,
            });
        }
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    let mut draft = Draft::new(project, state.clone(), now);
    let roles = project.roles_of(command.actor);
    match command.action.split_once('.') {
        Some((milestone, verb)) => draft.milestone(stage, milestone, verb, command, &roles)?,
        None => match &stage.assessment {
            Some(assessment) if command.action == SCORE_ACTION => {
                draft.score(assessment, command, &roles)?
            }
            Some(assessment) if command.action == MODERATE_ACTION => {
                draft.moderate(stage, assessment, command, &roles)?
            }
            Some(assessment) if command.action == RESCORE_ACTION => {
                draft.rescore(stage, assessment, command, &roles)?
            }
            _ => draft.stage_action(stage, command, &roles)?,
        },
    }
    draft.run_automatic()?;
    Ok(draft.finish())
}

fn current_stage<'w>(workflow: &'w Workflow, state: &ProjectState) -> Result<&'w Stage, Rejection> {
    workflow
        .stage(&state.stage)
        .ok_or_else(|| Rejection::UnknownStage(state.stage.clone()))
}

/// Something that can be done in the current stage, for showing people.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Possible {
    /// What to send as the command's action.
    pub action: String,
    /// Label.
    pub title: String,
    /// Roles that may do it.
    pub by: Vec<String>,
    /// Why it cannot be done yet, if so: which part of its condition is
    /// false, as data.
    pub blocked: Option<crate::reason::Reason>,
    /// Whom the action still waits for, once some (not all) of the approvals
    /// it needs are given; data, shown in words by its `Display`.
    pub waiting_for: Option<WaitingFor>,
}

impl Possible {
    fn new(action: String, title: String, by: &[String]) -> Possible {
        Possible {
            action,
            title,
            by: by.to_vec(),
            blocked: None,
            waiting_for: None,
        }
    }
}

/// Whether `person`, holding `roles` on `project`, may score assessment `a`
/// at all: refused when no role of theirs scores it, when they hold a role
/// that conflicts with scoring (e.g. through the cohort, where roles are not
/// checked per project), or when the committee's conflict rules exclude
/// them. The one rule for the score action and for a page offering its form.
fn scorer(
    project: &Project<'_>,
    a: &Assessment,
    roles: &BTreeSet<&str>,
    person: PersonId,
) -> Result<(), Rejection> {
    let Some(role) = a.by.iter().find(|r| roles.contains(r.as_str())) else {
        return Err(not_allowed(SCORE_ACTION, &a.by, roles));
    };
    let workflow = project.workflow;
    if let Some(held) = roles
        .iter()
        .find(|held| **held != role.as_str() && workflow.conflicting(held, role))
    {
        return Err(Rejection::ConflictOfInterest {
            role: role.clone(),
            held: (*held).to_owned(),
        });
    }
    judged(project, role, person)
}

/// Refused when the committee's conflict rules exclude `person` from
/// judging `project` in `role` (a declared conflict, the trainee's
/// organization, their supervisor).
fn judged(project: &Project<'_>, role: &str, person: PersonId) -> Result<(), Rejection> {
    match project
        .conflicts
        .judge(project.workflow, role, person, project.members)
    {
        Some(why) => Err(Rejection::Conflicted {
            role: role.to_owned(),
            why,
        }),
        None => Ok(()),
    }
}

/// Why `person` may not score `project` in its current stage whatever they
/// answer — the score action's own refusal ([`scorer`]: not an evaluator,
/// a conflicting role, a conflict of interest), so a page need not offer
/// the form; `None` when they may, or when the stage assesses nothing.
/// `project.conflicts` must be loaded (as for a command that judges).
pub fn score_refusal(
    project: &Project<'_>,
    state: &ProjectState,
    person: PersonId,
) -> Option<Rejection> {
    let stage = current_stage(project.workflow, state).ok()?;
    let a = stage.assessment.as_ref()?;
    scorer(project, a, &project.roles_of(person), person).err()
}

/// Everything that can be done in the project's current stage, and by whom.
pub fn possible(project: &Project<'_>, state: &ProjectState) -> Vec<Possible> {
    let Ok(stage) = current_stage(project.workflow, state) else {
        return Vec::new();
    };
    let data = ProjectData {
        workflow: project.workflow,
        stage,
        state,
        giving: None,
    };
    let mut out = Vec::new();
    for m in &stage.milestones {
        let status = state
            .milestones
            .get(&m.key)
            .map_or(MilestoneStatus::Pending, |s| s.status);
        match status {
            MilestoneStatus::Pending | MilestoneStatus::Returned => out.push(Possible::new(
                format!("{}.submit", m.key),
                format!("submit {}", m.title.default_text()),
                &m.by,
            )),
            MilestoneStatus::Submitted => {
                for verb in ["accept", "return"] {
                    let title = format!("{verb} {}", m.title.default_text());
                    out.push(Possible::new(
                        format!("{}.{verb}", m.key),
                        title,
                        &m.review_by,
                    ));
                }
            }
            MilestoneStatus::Accepted => {}
        }
    }
    if let Some(a) = &stage.assessment
        && state.scorecards.len() < a.evaluators as usize
    {
        out.push(Possible::new(SCORE_ACTION.into(), "score".into(), &a.by));
    }
    if let Some(a) = &stage.assessment
        && assessment::criterion_figures(project.workflow, a, state)
            .iter()
            .any(|c| c.spread_too_wide)
    {
        let chairs = chairs(project.workflow, stage);
        let mut moderate = Possible::new(MODERATE_ACTION.into(), "moderate scores".into(), &chairs);
        // Every wide criterion moderated: nothing waits for it any more
        // (the chair may still moderate again).
        if !matches!(
            assessment::undecidable(project.workflow, stage, state),
            Some(assessment::Undecidable::Moderate { .. })
        ) {
            moderate.blocked = Some(crate::reason::Reason::new(
                "assessment-no-moderation",
                vec![],
            ));
        }
        out.push(moderate);
        out.push(Possible::new(
            RESCORE_ACTION.into(),
            "ask evaluators to score again".into(),
            &chairs,
        ));
    }
    for action in stage.actions.iter().filter(|a| !a.auto) {
        let mut p = Possible::new(
            action.key.clone(),
            action.title.default_text().to_owned(),
            &action.by,
        );
        p.blocked = action
            .when
            .as_ref()
            .and_then(|w| data.why_false(w))
            .or_else(|| {
                is_decision(project.workflow, stage, action)
                    .then(|| undecided(stage, &action.key, project.workflow, state))
                    .flatten()
            })
            .or_else(|| {
                checklist::check(project, state, action)
                    .err()
                    .map(|r| r.reason())
            });
        p.waiting_for = state
            .approvals
            .get(&action.key)
            .filter(|given| !given.is_empty())
            .and_then(|given| approvals::waiting_for(project, action, given));
        out.push(p);
    }
    out
}

/// A decision being built: the state as it changes, and what to commit.
struct Draft<'p, 'a> {
    project: &'p Project<'a>,
    state: ProjectState,
    now: Timestamp,
    events: Vec<Event>,
    timers: TimerPlan,
    notifications: Vec<Notification>,
}

impl<'p, 'a> Draft<'p, 'a> {
    fn new(project: &'p Project<'a>, state: ProjectState, now: Timestamp) -> Self {
        // Events are stored and sealed to the microsecond, and a replay
        // enters stages at the events' times: decide at that precision too.
        let now = Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now);
        Draft {
            project,
            state,
            now,
            // A move records two or three events: room for them at once.
            events: Vec::with_capacity(4),
            timers: TimerPlan::default(),
            notifications: Vec::new(),
        }
    }

    /// Continues `decision` (made from the same project), so that more
    /// changes commit with it in one transaction.
    fn resume(project: &'p Project<'a>, decision: Decision, now: Timestamp) -> Self {
        let mut draft = Draft::new(project, decision.state, now);
        draft.state.version -= 1;
        draft.events = decision.events;
        draft.timers = decision.timers;
        draft.notifications = decision.notifications;
        draft
    }

    fn finish(mut self) -> Decision {
        self.state.version += 1;
        Decision {
            events: self.events,
            state: self.state,
            timers: self.timers,
            notifications: self.notifications,
        }
    }

    /// Appends an event, sealing it into the audit chain, and applies its
    /// change to the state; returns its seq.
    fn record(&mut self, actor: Option<PersonId>, change: Change) -> Result<i64, Rejection> {
        let seq = self.state.events + 1;
        // Serialised once: these bytes are hashed, and the store writes them.
        let change_json = change.to_json();
        let link = audit::Sealed {
            project: self.project.id,
            seq,
            at: self.now.as_microsecond(),
            actor,
            change: &change_json,
        };
        let hash = audit::hash(&self.state.head, link);
        let prev_hash = std::mem::replace(&mut self.state.head, hash.clone());
        let event = Event {
            seq,
            at: self.now,
            actor,
            change,
            change_json,
            prev_hash,
            hash,
        };
        apply::apply(self.project, &mut self.state, &event)?;
        self.state.events = seq;
        self.events.push(event);
        Ok(seq)
    }

    /// Queues the notifications whose rule matches `trigger`.
    fn notify(&mut self, trigger: &Trigger, cause: i64) {
        self.notify_when(|on| on.matches(trigger), cause);
    }

    /// Queues the notifications whose rule's trigger passes `matches` (the
    /// hot paths test a borrowed key instead of building a [`Trigger`]).
    fn notify_when(&mut self, matches: impl Fn(&Trigger) -> bool, cause: i64) {
        let workflow = self.project.workflow;
        for rule in workflow.notifications.iter().filter(|r| matches(&r.on)) {
            self.notify_roles(&rule.to, &rule.template, cause);
        }
    }

    /// Queues the notifications of entering `stage` (`on: enter STAGE`).
    fn notify_enter(&mut self, stage: &str, cause: i64) {
        self.notify_when(|on| matches!(on, Trigger::Enter(s) if s == stage), cause);
    }

    /// Queues the notifications of taking `action` (`on: action ACTION`).
    fn notify_action(&mut self, action: &str, cause: i64) {
        self.notify_when(|on| matches!(on, Trigger::Action(a) if a == action), cause);
    }

    /// Queues `template` for everyone holding one of `roles` (each person once).
    fn notify_roles(&mut self, roles: &[String], template: &str, cause: i64) {
        let mut recipients: Vec<PersonId> = self
            .project
            .members
            .iter()
            .filter(|m| roles.contains(&m.role))
            .map(|m| m.person)
            .collect();
        recipients.sort_unstable();
        recipients.dedup();
        for recipient in recipients {
            let n = Notification {
                template: template.to_owned(),
                recipient,
                cause,
            };
            if !self.notifications.contains(&n) {
                self.notifications.push(n);
            }
        }
    }

    fn calendar_error(e: crate::calendar::Error) -> Rejection {
        Rejection::Calendar(e.to_string())
    }

    /// After the project entered its current stage (applied by event
    /// `cause`): replaces the timers with the stage's deadline, reminders,
    /// escalations and milestone due dates, and tells who is to be told.
    fn entered(&mut self, cause: i64) -> Result<(), Rejection> {
        self.set_stage_timers()?;
        let stage = current_stage(self.project.workflow, &self.state)?;
        self.plan_seated_evaluators()?;
        self.notify_enter(&stage.key, cause);
        Ok(())
    }

    /// In an assessed stage just entered: evaluators seated before it began
    /// (given by hand, or through the cohort) get their scoring deadline
    /// from now, as those the pool seats on entry do.
    fn plan_seated_evaluators(&mut self) -> Result<(), Rejection> {
        let stage = current_stage(self.project.workflow, &self.state)?;
        if let Some(a) = &stage.assessment {
            for person in members::holders_of(self.project.members, &a.by[0]) {
                if !self.state.scorecards.contains_key(&person) {
                    committee::plan_score_timers(self, a, person)?;
                }
            }
        }
        Ok(())
    }

    /// Plans the current stage's own timers again (an extension, a
    /// calendar change), replacing them by key: the evaluators' scoring
    /// reminders and deadlines, planned from each one's seating, stay.
    fn replan_stage_timers(&mut self) -> Result<(), Rejection> {
        self.set_stage_timers()?;
        let stage = current_stage(self.project.workflow, &self.state)?;
        if stage.assessment.is_none() {
            // No scoring timers to keep: every pending one goes at once.
            return Ok(());
        }
        self.timers.cancel_pending = false;
        let keys = std::iter::once("deadline".to_owned())
            .chain((0..stage.reminders.len()).map(|i| timer_key("remind:", i)))
            .chain((0..stage.overdue.len()).map(|i| timer_key("overdue:", i)))
            .chain(
                stage
                    .milestones
                    .iter()
                    .map(|m| format!("milestone:{}", m.key)),
            );
        for key in keys {
            if !self.timers.cancel.contains(&key) {
                self.timers.cancel.push(key);
            }
        }
        Ok(())
    }

    /// Replaces the project's timers with its current stage entry's:
    /// deadline, reminders still ahead of now, escalations and milestone
    /// due dates.
    fn set_stage_timers(&mut self) -> Result<(), Rejection> {
        let calendar = self.project.calendar;
        let stage = current_stage(self.project.workflow, &self.state)?;
        let now = self.now;
        self.timers.cancel_pending = true;
        self.timers.set.clear();
        let entry = self.state.entry;
        let timer = |key: String,
                     kind,
                     at,
                     to: &[String],
                     template: Option<&String>,
                     every: Option<String>| Timer {
            key,
            kind,
            at,
            entry,
            to: to.to_vec(),
            template: template.cloned(),
            every,
        };
        if let Some(deadline) = self.state.deadline {
            self.timers.set.push(timer(
                "deadline".into(),
                TimerKind::Deadline,
                deadline,
                &[],
                None,
                None,
            ));
            for (i, r) in stage.reminders.iter().enumerate() {
                // A reminder whose time is at or before the entry is not sent.
                let at = calendar
                    .reminder_time(deadline, r.before, now)
                    .map_err(Self::calendar_error)?;
                if let Some(at) = at {
                    self.timers.set.push(timer(
                        timer_key("remind:", i),
                        TimerKind::Reminder,
                        at,
                        &r.to,
                        Some(&r.template),
                        None,
                    ));
                }
            }
            for (i, o) in stage.overdue.iter().enumerate() {
                // Occurrences at or before the entry are not sent: a stage
                // entered again after its deadline escalates from then on.
                if let Some(at) = calendar.escalation_time(&o.every, deadline.max(now)) {
                    self.timers.set.push(timer(
                        timer_key("overdue:", i),
                        TimerKind::Overdue,
                        at,
                        &o.to,
                        Some(&o.template),
                        Some(o.every.expression.clone()),
                    ));
                }
            }
        }
        for m in &stage.milestones {
            if let Some(at) = self.state.milestones.get(&m.key).and_then(|s| s.due) {
                self.timers.set.push(timer(
                    format!("milestone:{}", m.key),
                    TimerKind::MilestoneDue,
                    at,
                    &m.by,
                    None,
                    None,
                ));
            }
        }
        Ok(())
    }

    /// Leaves the current stage through `action`.
    fn move_through(&mut self, actor: Option<PersonId>, action: &Action) -> Result<(), Rejection> {
        // A certificate waits for the whole graduation checklist.
        checklist::check(self.project, &self.state, action)?;
        let from = self.state.stage.clone();
        let seq = self.record(
            actor,
            Change::Moved {
                from: from.clone(),
                to: action.to.clone(),
            },
        )?;
        self.notify_when(|on| matches!(on, Trigger::Leave(s) if *s == from), seq);
        for effect in &action.effects {
            self.record(
                actor,
                Change::EffectRequested {
                    effect: effect.clone(),
                },
            )?;
        }
        self.entered(seq)
    }

    /// Takes automatic actions whose condition holds, until none does.
    fn run_automatic(&mut self) -> Result<(), Rejection> {
        for _ in 0..MAX_AUTOMATIC_MOVES {
            let stage = current_stage(self.project.workflow, &self.state)?;
            let data = ProjectData {
                workflow: self.project.workflow,
                stage,
                state: &self.state,
                giving: None,
            };
            let ready = stage.actions.iter().find(|a| {
                a.auto
                    && a.when.as_ref().is_some_and(|w| w.eval(&data))
                    && checklist::check(self.project, &self.state, a).is_ok()
            });
            let Some(action) = ready else { return Ok(()) };
            let seq = self.record(
                None,
                Change::ActionTaken {
                    action: action.key.clone(),
                    stage: stage.key.clone(),
                    role: None,
                    fields: Arc::default(),
                    comment: None,
                },
            )?;
            self.notify_action(&action.key, seq);
            self.move_through(None, action)?;
        }
        Err(Rejection::AutomaticLoop(MAX_AUTOMATIC_MOVES))
    }

    fn stage_action(
        &mut self,
        stage: &Stage,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<(), Rejection> {
        let Some(action) = stage.action(&command.action) else {
            let possible = possible(self.project, &self.state)
                .into_iter()
                .map(|p| p.action)
                .collect();
            return Err(Rejection::UnknownAction {
                action: command.action.clone(),
                stage: stage.key.clone(),
                possible,
            });
        };
        if action.auto {
            let condition = action
                .when
                .as_ref()
                .map_or_else(String::new, |w| w.source().to_owned());
            return Err(Rejection::Automatic {
                action: action.key.clone(),
                condition,
            });
        }
        let Some(first_role) = action.by.iter().find(|r| roles.contains(r.as_str())) else {
            return Err(not_allowed(&action.key, &action.by, roles));
        };
        let comment = given_comment(command);
        if action.comment_required && comment.is_none() {
            return Err(Rejection::CommentRequired {
                action: action.key.clone(),
            });
        }
        let fields = match &action.form {
            Some(form_key) => {
                let form = &self.project.workflow.forms[form_key];
                let fields = forms::check(form, &command.fields).map_err(|problems| {
                    Rejection::InvalidFields {
                        form: form.key.clone(),
                        problems,
                    }
                })?;
                Arc::new(fields)
            }
            None if command.fields.is_empty() => Arc::default(),
            None => {
                return Err(Rejection::NoForm {
                    action: action.key.clone(),
                });
            }
        };
        if let Some(when) = &action.when {
            // The condition sees the answers being given; recording the
            // action (below) is what stores them.
            let data = ProjectData {
                workflow: self.project.workflow,
                stage,
                state: &self.state,
                giving: action.form.as_deref().map(|form| (form, &*fields)),
            };
            if let Some(why) = data.why_false(when) {
                return Err(Rejection::ConditionNotMet {
                    action: action.key.clone(),
                    why,
                });
            }
        }
        // In an assessed stage, no decision before quorum or while the
        // spread calls for moderation the chair has not given; nor by
        // someone the committee's conflict rules exclude. Other actions
        // (withdraw, reject) are open at any time.
        let decision = is_decision(self.project.workflow, stage, action);
        if decision {
            self.judge(first_role, command.actor)?;
        }
        let undecidable = if decision {
            assessment::undecidable(self.project.workflow, stage, &self.state)
        } else {
            None
        };
        match undecidable {
            Some(assessment::Undecidable::Quorum { have, need }) => {
                return Err(Rejection::DecisionBeforeQuorum {
                    action: action.key.clone(),
                    have,
                    need,
                });
            }
            Some(assessment::Undecidable::Moderate { criteria }) => {
                return Err(Rejection::ModerationNeeded {
                    action: action.key.clone(),
                    rubric: stage
                        .assessment
                        .as_ref()
                        .map(|a| a.rubric.clone())
                        .unwrap_or_default(),
                    criteria,
                });
            }
            None => {}
        }
        let given = self
            .state
            .approvals
            .get(&action.key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let role = approvals::admit(self.project, action, given, command.actor, first_role)?;
        let seq = self.record(
            Some(command.actor),
            Change::ActionTaken {
                action: action.key.clone(),
                stage: stage.key.clone(),
                role: Some(role.clone()),
                fields,
                comment,
            },
        )?;
        self.notify_action(&action.key, seq);
        let given = self
            .state
            .approvals
            .get(&action.key)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if approvals::waiting_for(self.project, action, given).is_some() {
            self.record(
                Some(command.actor),
                Change::ApprovalRecorded {
                    action: action.key.clone(),
                    role,
                },
            )?;
            Ok(())
        } else {
            self.move_through(Some(command.actor), action)
        }
    }

    fn milestone(
        &mut self,
        stage: &Stage,
        key: &str,
        verb: &str,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<(), Rejection> {
        let unknown = |draft: &Self| Rejection::UnknownAction {
            action: command.action.clone(),
            stage: stage.key.clone(),
            possible: possible(draft.project, &draft.state)
                .into_iter()
                .map(|p| p.action)
                .collect(),
        };
        let Some(milestone) = stage.milestone(key) else {
            return Err(unknown(self));
        };
        let status = self
            .state
            .milestones
            .get(key)
            .map_or(MilestoneStatus::Pending, |m| m.status);
        let not_ready = |step: &'static str| Rejection::MilestoneNotReady {
            milestone: key.to_owned(),
            status,
            step,
        };
        let comment = given_comment(command);
        let change = match verb {
            "submit" => {
                if !milestone.by.iter().any(|r| roles.contains(r.as_str())) {
                    return Err(not_allowed(&command.action, &milestone.by, roles));
                }
                if !matches!(status, MilestoneStatus::Pending | MilestoneStatus::Returned) {
                    return Err(not_ready("submit"));
                }
                let form = &self.project.workflow.forms[&milestone.form];
                let fields = forms::check(form, &command.fields).map_err(|problems| {
                    Rejection::InvalidFields {
                        form: form.key.clone(),
                        problems,
                    }
                })?;
                Change::MilestoneSubmitted {
                    milestone: key.to_owned(),
                    fields,
                }
            }
            "accept" | "return" => {
                let title = command.action.clone();
                if !milestone
                    .review_by
                    .iter()
                    .any(|r| roles.contains(r.as_str()))
                {
                    return Err(not_allowed(&title, &milestone.review_by, roles));
                }
                if status != MilestoneStatus::Submitted {
                    return Err(not_ready(if verb == "accept" {
                        "accept"
                    } else {
                        "return"
                    }));
                }
                let accepted = verb == "accept";
                if !accepted && comment.is_none() {
                    return Err(Rejection::CommentRequired { action: title });
                }
                match comment {
                    Some(c) if !accepted => Change::MilestoneReturned {
                        milestone: key.to_owned(),
                        comment: c,
                    },
                    comment => Change::MilestoneAccepted {
                        milestone: key.to_owned(),
                        comment,
                    },
                }
            }
            _ => return Err(unknown(self)),
        };
        let step = match change {
            Change::MilestoneSubmitted { .. } => MilestoneStep::Submitted,
            Change::MilestoneReturned { .. } => MilestoneStep::Returned,
            _ => MilestoneStep::Accepted,
        };
        let seq = self.record(Some(command.actor), change)?;
        self.notify(
            &Trigger::Milestone {
                key: key.to_owned(),
                step,
            },
            seq,
        );
        Ok(())
    }

    fn score(
        &mut self,
        a: &Assessment,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<(), Rejection> {
        scorer(self.project, a, roles, command.actor)?;
        if self.state.scorecards.contains_key(&command.actor) {
            return Err(Rejection::AlreadyScored);
        }
        if self.state.scorecards.len() >= a.evaluators as usize {
            return Err(Rejection::ScorecardsIn {
                evaluators: a.evaluators,
            });
        }
        let rubric = &self.project.workflow.rubrics[&a.rubric];
        let scores = assessment::check_scores(rubric, &command.fields).map_err(|problems| {
            Rejection::InvalidFields {
                form: rubric.key.clone(),
                problems,
            }
        })?;
        let comment = given_comment(command);
        self.record(Some(command.actor), Change::Scored { scores, comment })?;
        committee::cancel_score_timers(self, a, command.actor);
        Ok(())
    }

    /// Refused when the committee's conflict rules exclude `person` from
    /// judging this project in `role` (a declared conflict, the trainee's
    /// organization, their supervisor).
    fn judge(&self, role: &str, person: PersonId) -> Result<(), Rejection> {
        judged(self.project, role, person)
    }

    /// The chair's reason for a moderation deed: the comment, required;
    /// refused to a chair the committee's conflict rules exclude.
    fn chair_reason(
        &self,
        stage: &Stage,
        deed: &str,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<String, Rejection> {
        let chairs = chairs(self.project.workflow, stage);
        let Some(chair) = chairs.iter().find(|r| roles.contains(r.as_str())) else {
            return Err(not_allowed(deed, &chairs, roles));
        };
        self.judge(chair, command.actor)?;
        given_comment(command).ok_or_else(|| Rejection::CommentRequired {
            action: deed.to_owned(),
        })
    }

    /// The chair records a moderated score for each criterion given; each
    /// criterion's spread must call for moderation.
    fn moderate(
        &mut self,
        stage: &Stage,
        a: &Assessment,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<(), Rejection> {
        let reason = self.chair_reason(stage, MODERATE_ACTION, command, roles)?;
        let rubric = &self.project.workflow.rubrics[&a.rubric];
        let Some(above) = rubric.moderate_spread_above else {
            return Err(Rejection::ModerationNotInRubric {
                rubric: rubric.key.clone(),
            });
        };
        let scores = assessment::check_moderated(rubric, &command.fields).map_err(|problems| {
            Rejection::InvalidFields {
                form: rubric.key.clone(),
                problems,
            }
        })?;
        let figures = assessment::criterion_figures(self.project.workflow, a, &self.state);
        if scores.is_empty() {
            return Err(Rejection::ModerationNoScores {
                rubric: rubric.key.clone(),
                criteria: figures
                    .iter()
                    .filter(|c| c.spread_too_wide)
                    .map(|c| c.key.clone())
                    .collect(),
            });
        }
        for criterion in scores.keys() {
            let figure = figures.iter().find(|c| c.key == *criterion);
            if !figure.is_some_and(|c| c.spread_too_wide) {
                return Err(Rejection::ModerationNotCalledFor {
                    rubric: rubric.key.clone(),
                    criterion: criterion.clone(),
                    spread: figure.and_then(|c| c.spread).unwrap_or(0),
                    above,
                });
            }
        }
        for (criterion, score) in scores {
            self.record(
                Some(command.actor),
                Change::ScoreModerated {
                    criterion,
                    score,
                    reason: reason.clone(),
                },
            )?;
        }
        Ok(())
    }

    /// The chair asks evaluators who scored to score again; each is told.
    fn rescore(
        &mut self,
        stage: &Stage,
        a: &Assessment,
        command: &Command,
        roles: &BTreeSet<&str>,
    ) -> Result<(), Rejection> {
        let reason = self.chair_reason(stage, RESCORE_ACTION, command, roles)?;
        let rubric = &self.project.workflow.rubrics[&a.rubric];
        let Some(above) = rubric.moderate_spread_above else {
            return Err(Rejection::ModerationNotInRubric {
                rubric: rubric.key.clone(),
            });
        };
        let named = named_people(command.fields.get("evaluators"));
        if named.is_empty() {
            return Err(Rejection::RescoreNoEvaluators);
        }
        let mut evaluators: Vec<PersonId> = Vec::with_capacity(named.len());
        for name in named {
            let person = name.parse::<PersonId>().ok().filter(|p| {
                let theirs = self.project.roles_of(*p);
                a.by.iter().any(|r| theirs.contains(r.as_str()))
            });
            let Some(person) = person else {
                return Err(Rejection::RescoreNotEvaluator { person: name });
            };
            if !self.state.scorecards.contains_key(&person) {
                return Err(Rejection::RescoreNotScored { person: name });
            }
            if !evaluators.contains(&person) {
                evaluators.push(person);
            }
        }
        let figures = assessment::criterion_figures(self.project.workflow, a, &self.state);
        if !figures.iter().any(|c| c.spread_too_wide) {
            return Err(Rejection::RescoreNotCalledFor { above });
        }
        let seq = self.record(
            Some(command.actor),
            Change::RescoreRequested {
                evaluators: evaluators.clone(),
                reason,
            },
        )?;
        for recipient in evaluators {
            let n = Notification {
                template: RESCORE_TEMPLATE.to_owned(),
                recipient,
                cause: seq,
            };
            if !self.notifications.contains(&n) {
                self.notifications.push(n);
            }
        }
        Ok(())
    }
}

/// Why no decision `action` can be taken in an assessed `stage` now,
/// whatever its condition: before quorum, or while moderation is needed.
fn undecided(
    stage: &Stage,
    action: &str,
    workflow: &Workflow,
    state: &ProjectState,
) -> Option<crate::reason::Reason> {
    let rejection = match assessment::undecidable(workflow, stage, state)? {
        assessment::Undecidable::Quorum { have, need } => Rejection::DecisionBeforeQuorum {
            action: action.to_owned(),
            have,
            need,
        },
        assessment::Undecidable::Moderate { criteria } => Rejection::ModerationNeeded {
            action: action.to_owned(),
            rubric: stage
                .assessment
                .as_ref()
                .map(|a| a.rubric.clone())
                .unwrap_or_default(),
            criteria,
        },
    };
    Some(rejection.reason())
}

/// People named in a field: a list, or text separated by commas or
/// spaces; each as written (trimmed), empty ones dropped, at most 100.
fn named_people(value: Option<&serde_json::Value>) -> Vec<String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let all: Vec<String> = match value {
        Some(serde_json::Value::Array(items)) => items.iter().map(text).collect(),
        Some(v) => text(v).split([',', ' ']).map(str::to_owned).collect(),
        None => Vec::new(),
    };
    all.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .take(100)
        .collect()
}

/// The roles that chair an assessed stage: those taking its actions that
/// move the project on or back (never an exit such as withdraw, open to
/// others); they moderate and decide.
pub(crate) fn chairs(workflow: &Workflow, stage: &Stage) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for action in stage
        .actions
        .iter()
        .filter(|a| !a.auto && direction(workflow, stage, &a.key) != Direction::Exit)
    {
        for role in &action.by {
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        }
    }
    roles
}

/// Whether `action` is one of an assessed `stage`'s decisions, which wait
/// for the quorum and for moderation: an action taken by people that moves
/// the project on or back, or an exit taken only by the roles that decide
/// (a fail the chair records). Other exits (withdraw, reject) stay open,
/// as do comments, evidence and milestones; a stage without an assessment
/// has no decisions to hold back.
pub(crate) fn is_decision(workflow: &Workflow, stage: &Stage, action: &Action) -> bool {
    if stage.assessment.is_none() || action.auto {
        return false;
    }
    if direction(workflow, stage, &action.key) != Direction::Exit {
        return true;
    }
    let chairs = chairs(workflow, stage);
    !action.by.is_empty() && action.by.iter().all(|r| chairs.contains(r))
}

/// A stage timer's key: `prefix` and the index of its rule, e.g.
/// `remind:0` (as `format!` writes it, without its machinery: a hot path).
fn timer_key(prefix: &str, i: usize) -> String {
    let mut key = String::with_capacity(prefix.len() + 4);
    key.push_str(prefix);
    if i < 10 {
        key.push(char::from(b'0' + i as u8));
    } else {
        key.push_str(&i.to_string());
    }
    key
}

fn given_comment(command: &Command) -> Option<String> {
    command
        .comment
        .as_ref()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
}

fn not_allowed(action: &str, allowed: &[String], roles: &BTreeSet<&str>) -> Rejection {
    Rejection::NotAllowed {
        action: action.to_owned(),
        allowed: allowed.to_vec(),
        yours: roles.iter().map(|r| (*r).to_owned()).collect(),
    }
}

/// The project's data for conditions, in its current stage (for `show`).
pub fn data<'a>(workflow: &'a Workflow, state: &'a ProjectState) -> Option<impl Env + 'a> {
    let stage = workflow.stage(&state.stage)?;
    Some(ProjectData {
        workflow,
        stage,
        state,
        giving: None,
    })
}
