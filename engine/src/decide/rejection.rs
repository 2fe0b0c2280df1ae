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
    // Parts 5 and 6 of issue 15 (extensions, calendar changes, the checklist).
    /// An action that issues a certificate, while items of the graduation
    /// checklist are not met.
    ChecklistIncomplete {
        /// Keys of the checklist items not met, in the order written.
        missing: Vec<String>,
    },
    /// An extension's new date is not after now.
    ExtensionInPast {
        /// The date asked for.
        due: jiff::Timestamp,
        /// Now.
        now: jiff::Timestamp,
    },
    /// An extension names a stage the project is no longer (or not yet) at.
    ExtensionStageLeft {
        /// The stage named (the milestone's, for a milestone).
        stage: String,
        /// The stage the project is at.
        current: String,
    },
    /// An extension names a milestone the workflow does not have.
    UnknownMilestone {
        /// The milestone named.
        milestone: String,
    },
    /// An extension names a deadline or due date the stage does not have.
    NothingToExtend {
        /// The current stage.
        stage: String,
        /// The milestone named, if one was.
        milestone: Option<String>,
    },
    // Moderation (issue 15, part 4).
    /// A decision in an assessed stage before the quorum of scorecards is in.
    DecisionBeforeQuorum {
        /// Action key.
        action: String,
        /// Scorecards in.
        have: usize,
        /// The quorum.
        need: u32,
    },
    /// A decision while the evaluators' spread calls for moderation and the
    /// chair has not moderated.
    ModerationNeeded {
        /// Action key.
        action: String,
        /// The rubric's key.
        rubric: String,
        /// The criteria still to moderate.
        criteria: Vec<String>,
    },
    /// A moderated score for a criterion whose spread does not call for it.
    ModerationNotCalledFor {
        /// The rubric's key.
        rubric: String,
        /// The criterion's key.
        criterion: String,
        /// Its spread now (0 before two scores).
        spread: i64,
        /// The rubric's `moderate_spread_above`.
        above: f64,
    },
    /// The rubric has no `moderate_spread_above`: nothing is ever moderated.
    ModerationNotInRubric {
        /// The rubric's key.
        rubric: String,
    },
    /// A moderation that gives no score.
    ModerationNoScores {
        /// The rubric's key.
        rubric: String,
        /// The criteria whose spread calls for moderation.
        criteria: Vec<String>,
    },
    /// A rescore request while no criterion's spread calls for moderation.
    RescoreNotCalledFor {
        /// The rubric's `moderate_spread_above`.
        above: f64,
    },
    /// A rescore request naming nobody.
    RescoreNoEvaluators,
    /// A rescore request naming someone who does not hold the assessment's
    /// role on the project.
    RescoreNotEvaluator {
        /// The person as named (an id).
        person: String,
    },
    /// A rescore request naming an evaluator with no scorecard in.
    RescoreNotScored {
        /// The person's id.
        person: String,
    },
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
    /// The person may not judge this project in `role` by the committee's
    /// conflict rules: from a trainee's organization, their supervisor, or
    /// a conflict declared with a trainee or their organization.
    Conflicted {
        /// The role they would judge in (evaluator, chair).
        role: String,
        /// Why.
        why: super::committee::Excluded,
    },
    // Withdrawal (issue 16, part 5: places).
    /// The workflow marks no stage `withdrawal: true`.
    NoWithdrawalStage {
        /// The workflow's key.
        workflow: String,
    },
    /// The actor is neither the project's trainee nor a coordinator.
    WithdrawalNotAllowed {
        /// The roles whose holders may withdraw a project.
        allowed: Vec<String>,
    },
    /// A withdrawal needs a reason.
    WithdrawalReason,
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
            // Parts 5 and 6 of issue 15.
            Rejection::ChecklistIncomplete { missing } => Reason::new(
                "checklist-incomplete",
                vec![
                    ("count", Arg::count(missing.len())),
                    (
                        "missing",
                        Arg::AllOf(missing.iter().cloned().map(Arg::Checklist).collect()),
                    ),
                ],
            ),
            Rejection::ExtensionInPast { due, now } => Reason::new(
                "extension-in-past",
                vec![
                    ("due", Arg::Text(due.to_string())),
                    ("now", Arg::Text(now.to_string())),
                ],
            ),
            Rejection::ExtensionStageLeft { stage, current } => Reason::new(
                "extension-stage-left",
                vec![
                    ("stage", Arg::Stage(stage.clone())),
                    ("current", Arg::Stage(current.clone())),
                ],
            ),
            Rejection::UnknownMilestone { milestone } => Reason::new(
                "extension-unknown-milestone",
                vec![("milestone", Arg::Text(milestone.clone()))],
            ),
            Rejection::NothingToExtend { stage, milestone } => match milestone {
                None => Reason::new(
                    "extension-no-deadline",
                    vec![("stage", Arg::Stage(stage.clone()))],
                ),
                Some(m) => Reason::new(
                    "extension-no-due-date",
                    vec![("milestone", Arg::Milestone(m.clone()))],
                ),
            },
            Rejection::DecisionBeforeQuorum {
                action: a,
                have,
                need,
            } => Reason::new(
                "decision-before-quorum",
                vec![
                    action(a),
                    ("have", Arg::count(*have)),
                    ("need", Arg::int(*need)),
                ],
            ),
            Rejection::ModerationNeeded {
                action: a,
                rubric,
                criteria,
            } => Reason::new(
                "moderation-needed",
                vec![action(a), ("criteria", criteria_arg(rubric, criteria))],
            ),
            Rejection::ModerationNotCalledFor {
                rubric,
                criterion,
                spread,
                above,
            } => Reason::new(
                "moderation-not-called-for",
                vec![
                    (
                        "criterion",
                        Arg::Field {
                            form: rubric.clone(),
                            field: criterion.clone(),
                        },
                    ),
                    ("spread", Arg::int(*spread)),
                    ("above", Arg::number(*above)),
                ],
            ),
            Rejection::ModerationNotInRubric { rubric } => Reason::new(
                "moderation-not-in-rubric",
                vec![("form", Arg::Form(rubric.clone()))],
            ),
            Rejection::ModerationNoScores { rubric, criteria } => Reason::new(
                "moderation-no-scores",
                vec![("criteria", criteria_arg(rubric, criteria))],
            ),
            Rejection::RescoreNotCalledFor { above } => Reason::new(
                "rescore-not-called-for",
                vec![("above", Arg::number(*above))],
            ),
            Rejection::RescoreNoEvaluators => Reason::new("rescore-no-evaluators", vec![]),
            Rejection::RescoreNotEvaluator { person } => Reason::new(
                "rescore-not-evaluator",
                vec![("person", Arg::Text(person.clone()))],
            ),
            Rejection::RescoreNotScored { person } => Reason::new(
                "rescore-not-scored",
                vec![("person", Arg::Text(person.clone()))],
            ),
            Rejection::NoAssessment { stage } => Reason::new(
                "committee-no-assessment",
                vec![("stage", Arg::Stage(stage.clone()))],
            ),
            Rejection::NoWithdrawalStage { workflow } => Reason::new(
                "withdrawal-no-stage",
                vec![("workflow", Arg::Text(workflow.clone()))],
            ),
            Rejection::WithdrawalNotAllowed { allowed } => Reason::new(
                "withdrawal-not-allowed",
                vec![("allowed", Arg::any_of_roles(allowed))],
            ),
            Rejection::WithdrawalReason => Reason::new("withdrawal-reason", vec![]),
            Rejection::AlreadyScoredCannotReplace => {
                Reason::new("committee-replace-scored", vec![])
            }
            Rejection::NotAnEvaluator { role } => Reason::new(
                "committee-not-evaluator",
                vec![("role", Arg::Role(role.clone()))],
            ),
            Rejection::Conflicted { role, why } => {
                use super::committee::{ConflictWith, Excluded};
                let organization = match why {
                    Excluded::Organization(o)
                    | Excluded::Declared(ConflictWith::Organization(o)) => o.clone(),
                    _ => String::new(),
                };
                Reason::new(
                    "committee-conflicted",
                    vec![
                        ("role", Arg::Role(role.clone())),
                        ("why", Arg::Word(why.word())),
                        ("organization", Arg::Text(organization)),
                    ],
                )
            }
        }
    }
}

/// A rubric's criteria, all meant ("safety and efficiency").
fn criteria_arg(rubric: &str, criteria: &[String]) -> Arg {
    Arg::AllOf(
        criteria
            .iter()
            .map(|c| Arg::Field {
                form: rubric.to_owned(),
                field: c.clone(),
            })
            .collect(),
    )
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
