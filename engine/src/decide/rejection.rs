//! Why a command was refused, in words the person who sent it understands.

use std::fmt;

use super::approvals::WaitingFor;

/// A refused command. Nothing changes when a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The command was based on an older version of the project.
    #[error(
        "the project has changed since you looked at it (you saw version {expected}, it is now at version {actual}); look again and retry"
    )]
    Stale {
        /// Version the command saw.
        expected: u64,
        /// Version the project is at.
        actual: u64,
    },
    /// The project is in a terminal stage.
    #[error("the project is finished (stage '{stage}'); nothing more can be done")]
    Finished {
        /// Terminal stage title.
        stage: String,
    },
    /// No such action in the current stage.
    #[error("'{action}' is not possible while the project is at '{stage}'; {}", possible_now(.possible))]
    UnknownAction {
        /// Action asked for.
        action: String,
        /// Current stage title.
        stage: String,
        /// Actions possible now.
        possible: Vec<String>,
    },
    /// Automatic actions are taken by the engine only.
    #[error("'{action}' happens automatically when {condition}; nobody takes it by hand")]
    Automatic {
        /// Action asked for.
        action: String,
        /// Its condition.
        condition: String,
    },
    /// The actor holds none of the roles the action allows.
    #[error("only {} may {}; {}", Roles(.allowed), Verb(.action), your_roles(.yours))]
    NotAllowed {
        /// Action title.
        action: String,
        /// Roles that may take it.
        allowed: Vec<String>,
        /// Roles the actor holds on this project.
        yours: Vec<String>,
    },
    /// A comment is required and none was given.
    #[error("a comment is required to {}: say what should change and why", Verb(.action))]
    CommentRequired {
        /// Action title.
        action: String,
    },
    /// The comment is longer than allowed.
    #[error("the comment is {length} characters long; at most {limit} are allowed")]
    CommentTooLong {
        /// Its length.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Form answers are missing or wrong.
    #[error("the {form} form is not right: {}", .problems.join("; "))]
    InvalidFields {
        /// Form title.
        form: String,
        /// One line per problem.
        problems: Vec<String>,
    },
    /// The action's condition does not hold.
    #[error("you cannot {} yet: {explanation}", Verb(.action))]
    ConditionNotMet {
        /// Action title.
        action: String,
        /// Which part of the condition is false.
        explanation: String,
    },
    /// The actor already approved.
    #[error("you have already approved '{action}'{}", still_waiting(.waiting_for))]
    AlreadyApproved {
        /// Action title.
        action: String,
        /// Who still has to approve.
        waiting_for: Option<WaitingFor>,
    },
    /// Under `need: all`, every role the actor could approve as is already
    /// covered by the people who approved, so their approval would not count.
    #[error(
        "your approval would not count towards '{action}': the approvals given already cover {}{}",
        AllOf(.yours),
        still_waiting(.waiting_for)
    )]
    ApprovalNotNeeded {
        /// Action title.
        action: String,
        /// The action's roles the actor holds.
        yours: Vec<String>,
        /// Who still has to approve.
        waiting_for: Option<WaitingFor>,
    },
    /// The role is not one of the workflow's roles.
    #[error("'{role}' is not a role on projects of this program; its roles are: {}", .roles.join(", "))]
    UnknownRole {
        /// Role asked for.
        role: String,
        /// The workflow's roles.
        roles: Vec<String>,
    },
    /// The person already holds the role on this project (given directly).
    #[error("this person is already {} on this project", role_name(.role))]
    AlreadyMember {
        /// Role asked for.
        role: String,
    },
    /// One person may not hold both roles on a project (e.g. the trainee and
    /// an evaluator of the same project).
    #[error(
        "a person who is {} on this project cannot also be its {}",
        role_name(.held),
        .role.replace('_', " ")
    )]
    ConflictOfInterest {
        /// Role asked for.
        role: String,
        /// The role the person holds that conflicts with it.
        held: String,
    },
    /// The project would hold too few or too many people in a role, against
    /// the `count:`, `min:` or `max:` its workflow gives under `roles:`.
    #[error(
        "each project of this program has {holders} as {}; this one would have {people}",
        role_name(.role)
    )]
    Holders {
        /// The role.
        role: String,
        /// How many people a project holds in it.
        holders: crate::definition::Holders,
        /// How many it would hold.
        people: usize,
    },
    /// A milestone is not in a state that allows this.
    #[error("milestone '{milestone}' is {status}; it cannot be {verb} now")]
    MilestoneNotReady {
        /// Milestone title.
        milestone: String,
        /// Its status, in words.
        status: String,
        /// What was asked, in words (e.g. "submitted").
        verb: String,
    },
    /// The evaluator has already scored, or every scorecard is in.
    #[error("{0}")]
    ScoringClosed(String),
    /// The cohort's calendar cannot place a due date.
    #[error("a due date cannot be worked out: {0}; ask the coordinator to fix the cohort's dates")]
    Calendar(String),
    /// The stored state does not fit the workflow version (should never happen).
    #[error("the project is in stage '{0}', which its workflow does not have")]
    UnknownStage(String),
    /// The project's stored log or state does not fit its workflow (should never happen).
    #[error("the project's record does not fit its workflow ({0}); nothing was changed")]
    Inconsistent(String),
    /// Automatic actions kept firing each other.
    #[error(
        "automatic actions kept moving the project without end (stopped after {0} moves); the workflow needs fixing"
    )]
    AutomaticLoop(usize),
}

fn possible_now(possible: &[String]) -> String {
    if possible.is_empty() {
        "nothing can be done by hand right now".to_owned()
    } else {
        format!("possible now: {}", possible.join(", "))
    }
}

fn still_waiting(waiting_for: &Option<WaitingFor>) -> String {
    waiting_for
        .as_ref()
        .map(|w| format!("; it is waiting for {w}"))
        .unwrap_or_default()
}

/// A role key inside a sentence: `quality_office` reads "the quality office".
pub(super) fn role_name(role: &str) -> String {
    format!("the {}", role.replace('_', " "))
}

/// Roles that are all meant: "the supervisor and the coordinator".
pub(super) struct AllOf<'a>(pub &'a [String]);

impl fmt::Display for AllOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(|r| role_name(r)).collect();
        match names.as_slice() {
            [] => f.write_str("nobody"),
            [one] => f.write_str(one),
            [init @ .., last] => write!(f, "{} and {last}", init.join(", ")),
        }
    }
}

fn your_roles(roles: &[String]) -> String {
    if roles.is_empty() {
        "you have no role on this project".to_owned()
    } else {
        format!("you are {} on this project", Roles(roles))
    }
}

/// An action title inside a sentence: "Endorse the proposal" reads "endorse the proposal".
pub struct Verb<'a>(pub &'a str);

impl fmt::Display for Verb<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        match chars.next() {
            Some(first) => write!(f, "{}{}", first.to_lowercase(), chars.as_str()),
            None => Ok(()),
        }
    }
}

/// Roles joined for a sentence: "the supervisor or the coordinator".
pub struct Roles<'a>(pub &'a [String]);

impl fmt::Display for Roles<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.0.iter().map(|r| role_name(r)).collect();
        match names.as_slice() {
            [] => f.write_str("nobody"),
            [one] => f.write_str(one),
            [init @ .., last] => write!(f, "{} or {last}", init.join(", ")),
        }
    }
}
