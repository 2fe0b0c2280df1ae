//! Why something was refused or is not possible yet, as data: a stable
//! code with typed arguments, never a sentence.
//!
//! The core and the service explain themselves with a [`Reason`]; an
//! interface chooses the words (the `gradflow-words` crate renders a reason
//! from its Fluent catalogues in the reader's language, resolving the
//! workflow references below to the definition's titles in that language).
//! `--json` output gives the code and the arguments as they are.
//!
//! [`CODES`] lists every code with the arguments it carries: the catalogue
//! test checks that each has a message in every language and that each
//! message uses only arguments its code gives.

use std::fmt;

use serde::Serialize;

/// A code and its arguments: what happened, as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Stable code (kebab-case), one of [`CODES`].
    pub code: &'static str,
    /// Named arguments, in the order the code lists them.
    pub args: Args,
}

/// A reason's named arguments (serialised as a JSON object).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Args(pub Vec<(&'static str, Arg)>);

impl Serialize for Args {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// One argument of a reason. Workflow references carry keys; the edge
/// turns them into the definition's words in the reader's language.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    /// Text shown as it is: what a person typed, a name, a condition's source.
    Text(String),
    /// A number.
    Number(serde_json::Number),
    /// A fixed word of the engine that a message chooses its words by
    /// (a milestone's status, a comparison, a step): never shown as is.
    Word(&'static str),
    /// A fixed term of the engine said in words (`reason-term-KEY` in the
    /// catalogues), e.g. the name of a refused character.
    Term(&'static str),
    /// A stage of the workflow, by key.
    Stage(String),
    /// An action, by key: a stage action (`endorse`), a milestone's step
    /// (`baseline.submit`), `score`, or one of the engine's own deeds
    /// (`give-roles`, `add-evidence`).
    Action(String),
    /// A role, by key.
    Role(String),
    /// A milestone of the current stage, by key.
    Milestone(String),
    /// A form (or rubric) of the workflow, by key.
    Form(String),
    /// A field of a form, by keys.
    Field {
        /// The form's key.
        form: String,
        /// The field's key.
        field: String,
    },
    /// A choice of a `choice` field, by keys.
    Choice {
        /// The form's key.
        form: String,
        /// The field's key.
        field: String,
        /// The choice's key.
        choice: String,
    },
    /// Roles of which any one will do ("the supervisor or the coordinator").
    AnyOf(Vec<Arg>),
    /// Things that are all meant ("the supervisor and the coordinator").
    AllOf(Vec<Arg>),
    /// Keys or names listed with commas (what a person may type).
    List(Vec<Arg>),
    /// Several reasons, said one after another (a form's problems).
    Reasons(Vec<Reason>),
    /// A reason inside a reason (whom an approval still waits for, why a
    /// condition is false).
    Reason(Box<Reason>),
    /// An item of the workflow's graduation checklist, by key.
    Checklist(String),
}

impl Reason {
    /// A reason with `code` (one of [`CODES`]) and `args`.
    pub fn new(code: &'static str, args: Vec<(&'static str, Arg)>) -> Reason {
        debug_assert!(
            args_of(code).is_some_and(|names| args.iter().all(|(n, _)| names.contains(n))),
            "reason {code} is not in CODES with arguments {:?}",
            args.iter().map(|(n, _)| *n).collect::<Vec<_>>()
        );
        Reason {
            code,
            args: Args(args),
        }
    }

    /// A text not yet given a code of its own (code `message`).
    pub fn message(text: impl Into<String>) -> Reason {
        Reason::new("message", vec![("text", Arg::Text(text.into()))])
    }

    /// The argument called `name`.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.0.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

impl Arg {
    /// A whole number.
    pub fn int(n: impl Into<i64>) -> Arg {
        Arg::Number(serde_json::Number::from(n.into()))
    }

    /// A count.
    pub fn count(n: usize) -> Arg {
        Arg::Number(serde_json::Number::from(n as u64))
    }

    /// A number that may have a fraction (written as an integer when whole).
    pub fn number(n: f64) -> Arg {
        if n.fract() == 0.0 && n.abs() < 1e15 {
            Arg::int(n as i64)
        } else {
            serde_json::Number::from_f64(n).map_or(Arg::Text(n.to_string()), Arg::Number)
        }
    }

    /// Roles of which any one will do.
    pub fn any_of_roles(roles: &[String]) -> Arg {
        Arg::AnyOf(roles.iter().cloned().map(Arg::Role).collect())
    }

    /// Roles that are all meant.
    pub fn all_of_roles(roles: &[String]) -> Arg {
        Arg::AllOf(roles.iter().cloned().map(Arg::Role).collect())
    }
}

/// Code and arguments in plain form (`not-allowed action=endorse ...`),
/// for logs and tests: people read a reason through the catalogues.
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)?;
        for (name, value) in &self.args.0 {
            write!(f, " {name}={value}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, items: &[Arg]| {
            f.write_str("[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str("]")
        };
        match self {
            Arg::Text(t) => write!(f, "{t:?}"),
            Arg::Number(n) => write!(f, "{n}"),
            Arg::Word(w) | Arg::Term(w) => f.write_str(w),
            Arg::Stage(k)
            | Arg::Action(k)
            | Arg::Role(k)
            | Arg::Milestone(k)
            | Arg::Form(k)
            | Arg::Checklist(k) => f.write_str(k),
            Arg::Field { form, field } => write!(f, "{form}.{field}"),
            Arg::Choice { choice, .. } => f.write_str(choice),
            Arg::AnyOf(items) | Arg::AllOf(items) | Arg::List(items) => list(f, items),
            Arg::Reasons(rs) => {
                f.write_str("[")?;
                for (i, r) in rs.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{r}")?;
                }
                f.write_str("]")
            }
            Arg::Reason(r) => write!(f, "({r})"),
        }
    }
}

/// Every code, with the names of the arguments it carries.
pub const CODES: &[(&str, &[&str])] = &[
    // Refusals of the decision core (`decide::Rejection`).
    ("stale", &["expected", "actual"]),
    ("finished", &["stage"]),
    ("unknown-action", &["action", "stage", "possible"]),
    ("nothing-possible", &["action", "stage"]),
    ("automatic", &["action", "condition"]),
    ("not-allowed-none", &["action", "allowed"]),
    ("not-allowed-yours", &["action", "allowed", "yours"]),
    ("comment-required", &["action"]),
    ("comment-too-long", &["length", "limit"]),
    ("invalid-fields", &["form", "problems"]),
    ("no-form", &["action"]),
    ("condition-not-met", &["action", "why"]),
    ("already-approved", &["action"]),
    ("already-approved-waiting", &["action", "waiting"]),
    ("approval-not-needed", &["action", "yours"]),
    (
        "approval-not-needed-waiting",
        &["action", "yours", "waiting"],
    ),
    ("unknown-role", &["role", "roles"]),
    ("already-member", &["role"]),
    ("conflict-of-interest", &["role", "held"]),
    ("holders-exactly", &["role", "count", "people"]),
    ("holders-at-least", &["role", "min", "people"]),
    ("holders-at-most", &["role", "max", "people"]),
    ("holders-between", &["role", "min", "max", "people"]),
    ("milestone-not-ready", &["milestone", "status", "step"]),
    ("already-scored", &[]),
    ("scorecards-in", &["evaluators"]),
    ("calendar", &["problem"]),
    ("unknown-stage", &["stage"]),
    ("inconsistent", &["problem"]),
    ("automatic-loop", &["moves"]),
    // Moderation and the scoring rules (issue 15, part 4: moderation).
    ("decision-before-quorum", &["action", "have", "need"]),
    ("moderation-needed", &["action", "criteria"]),
    (
        "moderation-not-called-for",
        &["criterion", "spread", "above"],
    ),
    ("moderation-not-in-rubric", &["form"]),
    ("moderation-no-scores", &["criteria"]),
    ("rescore-not-called-for", &["above"]),
    ("rescore-no-evaluators", &[]),
    ("rescore-not-evaluator", &["person"]),
    ("rescore-not-scored", &["person"]),
    // End of moderation's codes.
    // Whom an action still waits for (`decide::WaitingFor`).
    ("waiting-nobody", &[]),
    ("waiting-each", &["roles"]),
    ("waiting-more", &["count", "roles"]),
    ("waiting-each-and-more", &["each", "count", "roles"]),
    // A form's answer (`decide` form checks), one per problem.
    ("field-unknown", &["name", "fields"]),
    ("field-required", &["field"]),
    ("field-not-number", &["field", "value"]),
    ("field-below-min", &["field", "value", "min"]),
    ("field-above-max", &["field", "value", "max"]),
    ("field-not-yes-no", &["field", "value"]),
    ("field-not-date", &["field", "value"]),
    ("field-not-choice", &["field", "value", "choices"]),
    ("field-not-text", &["field", "value"]),
    ("field-too-long", &["field", "length", "limit"]),
    ("field-one-line", &["field"]),
    ("field-characters", &["field", "kind", "char", "name"]),
    // A scorecard's scores.
    ("criterion-unknown", &["name", "criteria"]),
    ("score-missing", &["criterion"]),
    ("score-not-whole", &["criterion", "value"]),
    ("score-off-scale", &["criterion", "value", "min", "max"]),
    // Why a condition is false (`Possible::blocked`, `condition-not-met`).
    ("milestones-not-accepted", &["open"]),
    ("milestones-not-submitted", &["open"]),
    ("milestone-not-accepted", &["milestone"]),
    ("milestone-not-submitted", &["milestone"]),
    ("assessment-quorum", &["needed", "count"]),
    ("assessment-not-passed", &[]),
    ("assessment-no-moderation", &[]),
    ("assessment-needs-moderation", &[]),
    ("assessment-count", &["op", "expected", "actual"]),
    ("assessment-mean", &["op", "expected", "actual"]),
    ("assessment-no-mean", &["op", "expected"]),
    ("field-is-no", &["field"]),
    ("field-is-yes", &["field"]),
    ("field-not-given", &["field"]),
    ("field-compare", &["field", "op", "expected", "actual"]),
    ("value-false", &["path"]),
    ("value-true", &["path"]),
    ("value-not-given", &["path"]),
    ("value-compare", &["path", "op", "expected", "actual"]),
    ("condition-false", &["condition"]),
    ("condition-never", &["condition"]),
    // The service's own refusals (`service::Error`).
    ("message", &["text"]),
    ("internal", &[]),
    ("busy", &["seconds"]),
    ("database-away", &[]),
    ("changed", &[]),
    ("read-only", &[]),
    ("unknown-person", &["email"]),
    ("unknown-project", &["project"]),
    ("unknown-message", &["message"]),
    ("message-not-resendable", &["message", "state"]),
    ("person-exists", &["email"]),
    ("erase-open-roles", &["email", "projects"]),
    ("program-exists", &["program"]),
    ("cohort-exists", &["cohort"]),
    ("cohort-full", &["cohort", "capacity"]),
    ("cohort-places", &["cohort", "capacity", "left", "count"]),
    ("text-empty", &["what"]),
    ("text-too-long", &["what", "length", "limit"]),
    ("text-characters", &["what", "kind", "char", "name"]),
    ("not-an-email", &["email"]),
    ("language-unknown", &["language", "languages"]),
    ("comment-characters", &["kind", "char", "name"]),
    ("evidence-empty", &[]),
    ("evidence-quota", &["quota"]),
    ("evidence-name-mark", &["char", "name"]),
    ("passwords-busy", &[]),
    ("reset-link-used", &[]),
    ("password-wrong", &[]),
    ("too-many-attempts", &["minutes"]),
    ("sign-in-refused", &[]),
    ("password-too-short", &["min", "length"]),
    ("password-too-long", &["max"]),
    // Parts 5 and 6 of issue 15 (extensions, calendar changes, the checklist).
    ("checklist-incomplete", &["count", "missing"]),
    ("extension-in-past", &["due", "now"]),
    ("extension-stage-left", &["stage", "current"]),
    ("extension-unknown-milestone", &["milestone"]),
    ("extension-no-deadline", &["stage"]),
    ("extension-no-due-date", &["milestone"]),
    ("extension-no-project", &["email", "cohort"]),
    ("extension-reason-required", &[]),
    ("calendar-unknown-date", &["date", "dates"]),
    ("calendar-not-coordinator", &["email", "cohort"]),
    ("extension-bad-date", &["date"]),
    // calendar2 (issue 15, second round): the coordinators' dates form.
    ("extension-trainees", &["limit"]),
    ("calendar-unchanged", &[]),
    ("calendar-too-many-holidays", &["holidays", "limit"]),
    // Committee (issue 15, parts 2 and 3): pools, conflicts, assignment.
    (
        "committee-pool-too-small",
        &["wanted", "eligible", "excluded"],
    ),
    ("committee-excluded", &["person", "why", "detail"]),
    ("committee-no-assessment", &["stage"]),
    ("committee-replace-scored", &[]),
    ("committee-not-evaluator", &["role"]),
    ("committee-no-pool", &["cohort"]),
    ("committee-not-in-pool", &["email"]),
    ("committee-conflict-target", &[]),
    ("committee-conflict-recorder", &["by", "email"]),
    // Committee and moderation gaps (issue 15, second round: committee2).
    ("committee-conflicted", &["role", "why", "organization"]),
    // Certificates (issue 15, parts 1 and 7: certs).
    ("certificate-code-too-long", &[]),
    ("certificate-code-characters", &[]),
    ("certificate-code-malformed", &[]),
    ("pattern-placeholder-unknown", &["pattern", "placeholder"]),
    ("pattern-no-sequence", &["pattern"]),
    ("pattern-unbalanced", &["pattern"]),
    ("pattern-text", &["pattern"]),
    ("validity-unknown", &["validity"]),
    ("prerequisite-cycle", &["program", "required"]),
    ("prerequisite-missing", &["person", "program", "required"]),
    ("certificate-unknown", &["certificate"]),
    ("certificate-number-ambiguous", &["number"]),
    ("certificate-revoked", &["number"]),
    // Open Badges 3.0 (issue 15, part 8: badges).
    ("signing-key-changed", &[]),
    ("credential-public-url", &["url"]),
    // Loading a cohort's people from a spreadsheet (issue 16, part 3: import).
    ("import-too-large", &["limit"]),
    ("import-too-many-rows", &["limit"]),
    ("import-not-utf8", &[]),
    ("import-empty", &[]),
    ("import-csv", &["detail"]),
    ("import-column-unknown", &["column", "columns"]),
    ("import-column-twice", &["column"]),
    ("import-column-missing", &["column"]),
    ("import-row-width", &["found", "expected"]),
    ("import-formula", &["column"]),
    ("import-duplicate-email", &["email", "first"]),
    ("import-role-unknown", &["role", "roles"]),
    ("import-role-missing", &[]),
    ("import-chair-twice", &["first"]),
    ("import-supervisor-missing", &[]),
    ("import-supervisor-self", &[]),
    ("import-supervisor-unknown", &["email"]),
    (
        "import-supervisor-organization",
        &["email", "organization", "trainee"],
    ),
    ("import-organization-missing", &["role"]),
    ("import-trainee-only", &["column"]),
    ("import-changed", &["email"]),
    // Intake (issue 16, part 1: apply): applications to a cohort.
    ("intake-closed", &["cohort"]),
    ("intake-not-supervisor", &[]),
    ("intake-self-nomination", &[]),
    ("intake-other-organization", &["email", "organization"]),
    ("intake-endorsement-needed", &["cohort"]),
    ("intake-self-endorsement", &[]),
    ("intake-not-a-supervisor", &["email"]),
    ("intake-supervisor-organization", &["email", "organization"]),
    ("intake-offer-days", &["days", "max"]),
    ("intake-no-cohort", &["cohort"]),
    ("application-exists", &["cohort"]),
    ("application-closed", &["state"]),
    ("application-not-allowed", &["deed"]),
    ("application-state", &["deed", "state"]),
    ("application-accepted", &[]),
    ("application-needs-endorsement", &[]),
    ("application-reason-required", &["deed"]),
    ("application-not-first", &[]),
    ("application-offer-expired", &["expires"]),
    ("application-offer-open", &["expires"]),
    ("application-unknown", &["application"]),
    ("application-cohort", &["application", "cohort"]),
    // Withdrawal and places (issue 16, parts 2 and 5: places).
    ("withdrawal-no-stage", &["workflow"]),
    ("withdrawal-not-allowed", &["allowed"]),
    ("withdrawal-reason", &[]),
    // Trainers who were trainees (issue 16, part 4).
    (
        "trainer-certificate-missing",
        &["person", "role", "program", "required"],
    ),
    ("person-page-unknown", &["person"]),
    // Calendar feeds (issue 17, part 4).
    ("calendar-unknown", &[]),
    // Webhooks (issue 17, part 3).
    ("webhook-url-invalid", &[]),
    ("webhook-url-too-long", &["limit"]),
    ("webhook-url-https", &["scheme"]),
    ("webhook-url-credentials", &[]),
    ("webhook-url-private", &["host", "range"]),
    ("webhook-events-none", &["known"]),
    ("webhook-event-unknown", &["event", "known"]),
    ("webhook-too-many", &["limit"]),
    ("unknown-webhook", &["webhook"]),
    ("unknown-webhook-delivery", &["delivery"]),
    ("webhook-delivery-not-resendable", &["delivery", "state"]),
    ("webhook-disabled", &["webhook"]),
    // API tokens and the JSON API (issue 17, part 1).
    ("token-invalid", &[]),
    ("token-missing", &[]),
    ("token-read-only", &[]),
    ("token-scope", &["scope"]),
    ("token-expiry", &["days"]),
    ("token-unknown", &["id"]),
    ("api-content-type", &["expected"]),
    ("api-malformed", &["line", "column"]),
    ("api-unknown-field", &["field"]),
    ("api-wrong-type", &["field", "expected"]),
    ("api-missing-field", &["field"]),
    ("api-too-large", &["limit"]),
    ("api-bad-cursor", &[]),
    ("api-bad-parameter", &["name"]),
    ("api-not-found", &[]),
    ("api-method", &["method", "allowed"]),
    ("idempotency-key", &["max"]),
    ("idempotency-key-reused", &["key"]),
];

/// The arguments `code` carries, if it is one of [`CODES`].
pub fn args_of(code: &str) -> Option<&'static [&'static str]> {
    CODES.iter().find(|(c, _)| *c == code).map(|(_, a)| *a)
}
