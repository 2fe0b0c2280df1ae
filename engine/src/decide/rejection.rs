//! Why a command was refused, as data: every refusal names the workflow's
//! things by key (stage, action, role, milestone, form, field) and gives
//! [`Rejection::reason`], a code with typed arguments that an interface
//! puts into words in the reader's language. Its `Display` is that code and
//! its arguments, for logs.

use super::approvals::WaitingFor;
use super::forms::Problem;
use super::state::MilestoneStatus;
use crate::reason::{Arg, Reason};

/// A refused command. Nothing changes when a command is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.reason())]
pub enum Rejection {
    /// The command was based on an older version of the project.
    Stale {
        /// Version the command saw.
        expected: u64,
        /// Version the project is at.
        actual: u64,
    },
    /// The project is in a terminal stage.
    Finished {
        /// Terminal stage key.
        stage: String,
    },
    /// No such action in the current stage.
    UnknownAction {
        /// Action asked for (as sent).
        action: String,
        /// Current stage key.
        stage: String,
        /// Keys of the actions possible now.
        possible: Vec<String>,
    },
    /// Automatic actions are taken by the engine only.
    Automatic {
        /// Action key.
        action: String,
        /// Its condition, as the workflow writes it.
        condition: String,
    },
    /// The actor holds none of the roles the action allows.
    NotAllowed {
        /// Action key (a stage action, `milestone.step`, `score`,
        /// `give-roles`, `add-evidence`).
        action: String,
        /// Roles that may take it.
        allowed: Vec<String>,
        /// Roles the actor holds on this project.
        yours: Vec<String>,
    },
    /// A comment is required and none was given.
    CommentRequired {
        /// Action key.
        action: String,
    },
    /// The comment is longer than allowed.
    CommentTooLong {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Form answers (or scores) are missing or wrong.
    InvalidFields {
        /// Form key (a rubric's key for scores).
        form: String,
        /// Each problem, with the field it is about.
        problems: Vec<Problem>,
    },
    /// Answers were given to an action that has no form.
    NoForm {
        /// Action key.
        action: String,
    },
    /// The action's condition does not hold.
    ConditionNotMet {
        /// Action key.
        action: String,
        /// Which part of the condition is false, as data.
        why: Reason,
    },
    /// The actor already approved.
    AlreadyApproved {
        /// Action key.
        action: String,
        /// Who still has to approve.
        waiting_for: Option<WaitingFor>,
    },
    /// Under `need: all`, every role the actor could approve as is already
    /// covered by the people who approved, so their approval would not count.
    ApprovalNotNeeded {
        /// Action key.
        action: String,
        /// The action's roles the actor holds.
        yours: Vec<String>,
        /// Who still has to approve.
        waiting_for: Option<WaitingFor>,
    },
    /// The role is not one of the workflow's roles.
    UnknownRole {
        /// Role asked for.
        role: String,
        /// The workflow's roles.
        roles: Vec<String>,
    },
    /// The person already holds the role on this project (given directly).
    AlreadyMember {
        /// Role asked for.
        role: String,
    },
    /// One person may not hold both roles on a project (e.g. the trainee and
    /// an evaluator of the same project).
    ConflictOfInterest {
        /// Role asked for.
        role: String,
        /// The role the person holds that conflicts with it.
        held: String,
    },
    /// The project would hold too few or too many people in a role, against
    /// the `count:`, `min:` or `max:` its workflow gives under `roles:`.
    Holders {
        /// The role.
        role: String,
        /// How many people a project holds in it.
        holders: crate::definition::Holders,
        /// How many it would hold.
        people: usize,
    },
    /// A milestone is not in a state that allows this.
    MilestoneNotReady {
        /// Milestone key.
        milestone: String,
        /// Where it stands.
        status: MilestoneStatus,
        /// The step asked for: `submit`, `accept` or `return`.
        step: &'static str,
    },
    /// The evaluator has already scored this project.
    AlreadyScored,
    /// Every scorecard the assessment asks for is in.
    ScorecardsIn {
        /// How many evaluators score.
        evaluators: u32,
    },
    /// The cohort's calendar cannot place a due date.
    Calendar(String),
    /// The stored state does not fit the workflow version (should never happen).
    UnknownStage(String),
    /// The project's stored log or state does not fit its workflow (should never happen).
    Inconsistent(String),
    /// Automatic actions kept firing each other.
    AutomaticLoop(usize),
    // Committee (issue 15, parts 2 and 3).
    /// A committee is seated only in a stage with an assessment.
    NoAssessment {
        /// The current stage.
        stage: String,
    },
    /// An evaluator who has scored is not replaced (their scorecard stands).
    AlreadyScoredCannotReplace,
    /// The person to replace is not an evaluator of this project.
    NotAnEvaluator {
        /// The evaluator role.
        role: String,
    },
}

impl Rejection {
    /// The stable code of this refusal (one of [`crate::reason::CODES`]).
    pub fn code(&self) -> &'static str {
        self.reason().code
    }

    /// This refusal as a code with arguments, for an interface to put into words.
    pub fn reason(&self) -> Reason {
        let action = |a: &str| ("action", Arg::Action(a.to_owned()));
        let waiting = |w: &Option<WaitingFor>| w.as_ref().map(WaitingFor::reason);
        match self {
            Rejection::Stale { expected, actual } => Reason::new(
                "stale",
                vec![
                    ("expected", Arg::int(*expected as i64)),
                    ("actual", Arg::int(*actual as i64)),
                ],
            ),
            Rejection::Finished { stage } => {
                Reason::new("finished", vec![("stage", Arg::Stage(stage.clone()))])
            }
            Rejection::UnknownAction {
                action: asked,
                stage,
                possible,
            } => {
                let stage = ("stage", Arg::Stage(stage.clone()));
                let asked = ("action", Arg::Text(asked.clone()));
                if possible.is_empty() {
                    Reason::new("nothing-possible", vec![asked, stage])
                } else {
                    // Keys: what a person types to take one.
                    let possible = possible.iter().cloned().map(Arg::Text).collect();
                    Reason::new(
                        "unknown-action",
                        vec![asked, stage, ("possible", Arg::List(possible))],
                    )
                }
            }
            Rejection::Automatic {
                action: a,
                condition,
            } => Reason::new(
                "automatic",
                vec![action(a), ("condition", Arg::Text(condition.clone()))],
            ),
            Rejection::NotAllowed {
                action: a,
                allowed,
                yours,
            } => {
                let code = if yours.is_empty() {
                    "not-allowed-none"
                } else {
                    "not-allowed-yours"
                };
                let mut args = vec![action(a), ("allowed", Arg::any_of_roles(allowed))];
                if !yours.is_empty() {
                    args.push(("yours", Arg::any_of_roles(yours)));
                }
                Reason::new(code, args)
            }
            Rejection::CommentRequired { action: a } => {
                Reason::new("comment-required", vec![action(a)])
            }
            Rejection::CommentTooLong { length, limit } => Reason::new(
                "comment-too-long",
                vec![
                    ("length", Arg::count(*length)),
                    ("limit", Arg::count(*limit)),
                ],
            ),
            Rejection::InvalidFields { form, problems } => Reason::new(
                "invalid-fields",
                vec![
                    ("form", Arg::Form(form.clone())),
                    (
                        "problems",
                        Arg::Reasons(problems.iter().map(|p| p.reason.clone()).collect()),
                    ),
                ],
            ),
            Rejection::NoForm { action: a } => Reason::new("no-form", vec![action(a)]),
            Rejection::ConditionNotMet { action: a, why } => Reason::new(
                "condition-not-met",
                vec![action(a), ("why", Arg::Reason(Box::new(why.clone())))],
            ),
            Rejection::AlreadyApproved {
                action: a,
                waiting_for,
            } => match waiting(waiting_for) {
                Some(w) => Reason::new(
                    "already-approved-waiting",
                    vec![action(a), ("waiting", Arg::Reason(Box::new(w)))],
                ),
                None => Reason::new("already-approved", vec![action(a)]),
            },
            Rejection::ApprovalNotNeeded {
                action: a,
                yours,
                waiting_for,
            } => {
                let mut args = vec![action(a), ("yours", Arg::all_of_roles(yours))];
                match waiting(waiting_for) {
                    Some(w) => {
                        args.push(("waiting", Arg::Reason(Box::new(w))));
                        Reason::new("approval-not-needed-waiting", args)
                    }
                    None => Reason::new("approval-not-needed", args),
                }
            }
            Rejection::UnknownRole { role, roles } => Reason::new(
                "unknown-role",
                vec![
                    ("role", Arg::Text(role.clone())),
                    (
                        "roles",
                        Arg::AllOf(roles.iter().cloned().map(Arg::Text).collect()),
                    ),
                ],
            ),
            Rejection::AlreadyMember { role } => {
                Reason::new("already-member", vec![("role", Arg::Role(role.clone()))])
            }
            Rejection::ConflictOfInterest { role, held } => Reason::new(
                "conflict-of-interest",
                vec![
                    ("role", Arg::Role(role.clone())),
                    ("held", Arg::Role(held.clone())),
                ],
            ),
            Rejection::Holders {
                role,
                holders,
                people,
            } => {
                let role = ("role", Arg::Role(role.clone()));
                let people = ("people", Arg::count(*people));
                let min = ("min", Arg::int(holders.min));
                match holders.max {
                    Some(max) if max == holders.min => Reason::new(
                        "holders-exactly",
                        vec![role, ("count", Arg::int(max)), people],
                    ),
                    Some(max) if holders.min == 0 => Reason::new(
                        "holders-at-most",
                        vec![role, ("max", Arg::int(max)), people],
                    ),
                    Some(max) => Reason::new(
                        "holders-between",
                        vec![role, min, ("max", Arg::int(max)), people],
                    ),
                    None => Reason::new("holders-at-least", vec![role, min, people]),
                }
            }
            Rejection::MilestoneNotReady {
                milestone,
                status,
                step,
            } => Reason::new(
                "milestone-not-ready",
                vec![
                    ("milestone", Arg::Milestone(milestone.clone())),
                    ("status", Arg::Word(status_word(*status))),
                    ("step", Arg::Word(step)),
                ],
            ),
            Rejection::AlreadyScored => Reason::new("already-scored", vec![]),
            Rejection::ScorecardsIn { evaluators } => {
                Reason::new("scorecards-in", vec![("evaluators", Arg::int(*evaluators))])
            }
            Rejection::Calendar(problem) => {
                Reason::new("calendar", vec![("problem", Arg::Text(problem.clone()))])
            }
            Rejection::UnknownStage(stage) => {
                Reason::new("unknown-stage", vec![("stage", Arg::Text(stage.clone()))])
            }
            Rejection::Inconsistent(problem) => Reason::new(
                "inconsistent",
                vec![("problem", Arg::Text(problem.clone()))],
            ),
            Rejection::AutomaticLoop(moves) => {
                Reason::new("automatic-loop", vec![("moves", Arg::count(*moves))])
            }
            Rejection::NoAssessment { stage } => Reason::new(
                "committee-no-assessment",
                vec![("stage", Arg::Stage(stage.clone()))],
            ),
            Rejection::AlreadyScoredCannotReplace => {
                Reason::new("committee-replace-scored", vec![])
            }
            Rejection::NotAnEvaluator { role } => Reason::new(
                "committee-not-evaluator",
                vec![("role", Arg::Role(role.clone()))],
            ),
        }
    }
}

/// A milestone's status as the word messages choose by.
fn status_word(status: MilestoneStatus) -> &'static str {
    match status {
        MilestoneStatus::Pending => "pending",
        MilestoneStatus::Submitted => "submitted",
        MilestoneStatus::Accepted => "accepted",
        MilestoneStatus::Returned => "returned",
    }
}
