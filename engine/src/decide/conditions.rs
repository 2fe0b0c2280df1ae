//! The project's data as conditions see it (the runtime side of
//! [`crate::definition::ConditionSchema`]).

use super::assessment;
use super::state::{Fields, MilestoneStatus, ProjectState};
use crate::definition::{Stage, Workflow};
use crate::expr::{Env, Falsehood, Value};
use crate::reason::{Arg, Reason};

/// A project's data in its current stage.
pub struct ProjectData<'a> {
    /// The workflow.
    pub workflow: &'a Workflow,
    /// The current stage.
    pub stage: &'a Stage,
    /// The state.
    pub state: &'a ProjectState,
    /// Answers being given with a command (form key, answers): conditions
    /// see them in place of the form's stored ones, before they are recorded.
    pub giving: Option<(&'a str, &'a Fields)>,
}

impl Env for ProjectData<'_> {
    fn value(&self, path: &[String]) -> Value {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let status = |key: &str| self.state.milestones.get(key).map(|m| m.status);
        let submitted = |s: Option<MilestoneStatus>| {
            matches!(
                s,
                Some(MilestoneStatus::Submitted | MilestoneStatus::Accepted)
            )
        };
        match parts.as_slice() {
            ["milestones", "all_accepted"] => Value::Bool(
                self.stage
                    .milestones
                    .iter()
                    .all(|m| status(&m.key) == Some(MilestoneStatus::Accepted)),
            ),
            ["milestones", "all_submitted"] => Value::Bool(
                self.stage
                    .milestones
                    .iter()
                    .all(|m| submitted(status(&m.key))),
            ),
            ["milestones", key, "accepted"] => {
                Value::Bool(status(key) == Some(MilestoneStatus::Accepted))
            }
            ["milestones", key, "submitted"] => Value::Bool(submitted(status(key))),
            ["assessment", what] => {
                let Some(a) = &self.stage.assessment else {
                    return Value::Missing;
                };
                let Some(rubric) = self.workflow.rubrics.get(&a.rubric) else {
                    return Value::Missing;
                };
                let outcome =
                    assessment::outcome(rubric, a, &self.state.scorecards, &self.state.moderated);
                match *what {
                    "passed" => Value::Bool(outcome.passed),
                    "needs_moderation" => Value::Bool(outcome.needs_moderation),
                    "count" => Value::Number(outcome.count as f64),
                    "mean" => outcome.mean.map_or(Value::Missing, Value::Number),
                    _ => Value::Missing,
                }
            }
            ["form", form, field] => {
                let answers = match self.giving {
                    Some((giving, answers)) if giving == *form => Some(answers),
                    _ => self.state.forms.get(*form).map(|f| &**f),
                };
                match answers.and_then(|f| f.get(*field)) {
                    Some(serde_json::Value::Bool(b)) => Value::Bool(*b),
                    Some(serde_json::Value::Number(n)) => {
                        n.as_f64().map_or(Value::Missing, Value::Number)
                    }
                    Some(serde_json::Value::String(s)) => Value::Text(s.clone()),
                    _ => Value::Missing,
                }
            }
            _ => Value::Missing,
        }
    }
}

impl ProjectData<'_> {
    /// Why `when` is false for this project, as a reason, if it is: the
    /// paths the engine knows (milestones, the assessment, form fields)
    /// name the workflow's things; any other part is given as written.
    pub fn why_false(&self, when: &crate::expr::Expr) -> Option<Reason> {
        when.why_false(self).map(|f| self.reason(f))
    }

    fn reason(&self, falsehood: Falsehood) -> Reason {
        let value = |v: &Value| match v {
            Value::Bool(b) => Arg::Word(if *b { "yes" } else { "no" }),
            Value::Number(n) => Arg::number(*n),
            Value::Text(t) => Arg::Text(t.clone()),
            Value::Missing => Arg::Word("missing"),
        };
        let text = |p: &[String]| Arg::Text(p.join("."));
        match falsehood {
            Falsehood::Flag { path, expected } => self.flag(&path, expected).unwrap_or_else(|| {
                let code = if expected {
                    "value-false"
                } else {
                    "value-true"
                };
                Reason::new(code, vec![("path", text(&path))])
            }),
            Falsehood::Missing { path } => match self.field(&path) {
                Some(field) => Reason::new("field-not-given", vec![("field", field)]),
                None => Reason::new("value-not-given", vec![("path", text(&path))]),
            },
            Falsehood::Compare {
                path,
                op,
                expected,
                actual,
            } => {
                let rest = |first: (&'static str, Arg)| {
                    vec![
                        first,
                        ("op", Arg::Word(op)),
                        ("expected", value(&expected)),
                        ("actual", value(&actual)),
                    ]
                };
                let parts: Vec<&str> = path.iter().map(String::as_str).collect();
                match (parts.as_slice(), &actual) {
                    (["assessment", "count"], _) => {
                        let mut args = rest(("op", Arg::Word(op)));
                        args.remove(0);
                        Reason::new("assessment-count", args)
                    }
                    (["assessment", "mean"], Value::Missing) => Reason::new(
                        "assessment-no-mean",
                        vec![("op", Arg::Word(op)), ("expected", value(&expected))],
                    ),
                    (["assessment", "mean"], _) => {
                        let mut args = rest(("op", Arg::Word(op)));
                        args.remove(0);
                        Reason::new("assessment-mean", args)
                    }
                    _ => match self.field(&path) {
                        Some(field) => Reason::new("field-compare", rest(("field", field))),
                        None => Reason::new("value-compare", rest(("path", text(&path)))),
                    },
                }
            }
            Falsehood::Never { text } => {
                Reason::new("condition-never", vec![("condition", Arg::Text(text))])
            }
            Falsehood::Text { text, .. } => {
                Reason::new("condition-false", vec![("condition", Arg::Text(text))])
            }
        }
    }

    /// `form.X.Y` as a field argument, when the workflow has that field.
    fn field(&self, path: &[String]) -> Option<Arg> {
        match path {
            [form, key, field] if form == "form" => {
                let f = self.workflow.forms.get(key)?;
                f.field(field)?;
                Some(Arg::Field {
                    form: key.clone(),
                    field: field.clone(),
                })
            }
            _ => None,
        }
    }

    /// Words for a yes/no path the engine knows that is not `expected`.
    fn flag(&self, path: &[String], expected: bool) -> Option<Reason> {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let open = |done: fn(Option<MilestoneStatus>) -> bool| {
            let open = self
                .stage
                .milestones
                .iter()
                .filter(|m| !done(self.state.milestones.get(&m.key).map(|s| s.status)))
                .map(|m| Arg::Milestone(m.key.clone()))
                .collect();
            vec![("open", Arg::AllOf(open))]
        };
        let milestone = |key: &str| vec![("milestone", Arg::Milestone(key.to_owned()))];
        Some(match (parts.as_slice(), expected) {
            (["milestones", "all_accepted"], true) => {
                Reason::new("milestones-not-accepted", open(accepted))
            }
            (["milestones", "all_submitted"], true) => {
                Reason::new("milestones-not-submitted", open(submitted))
            }
            (["milestones", key, "accepted"], true) => {
                Reason::new("milestone-not-accepted", milestone(key))
            }
            (["milestones", key, "submitted"], true) => {
                Reason::new("milestone-not-submitted", milestone(key))
            }
            (["assessment", "passed"], true) => {
                let a = self.stage.assessment.as_ref()?;
                let rubric = self.workflow.rubrics.get(&a.rubric)?;
                let outcome =
                    assessment::outcome(rubric, a, &self.state.scorecards, &self.state.moderated);
                if outcome.count < a.quorum as usize {
                    Reason::new(
                        "assessment-quorum",
                        vec![
                            ("needed", Arg::int(a.quorum)),
                            ("count", Arg::count(outcome.count)),
                        ],
                    )
                } else {
                    Reason::new("assessment-not-passed", vec![])
                }
            }
            (["assessment", "needs_moderation"], true) => {
                Reason::new("assessment-no-moderation", vec![])
            }
            (["assessment", "needs_moderation"], false) => {
                Reason::new("assessment-needs-moderation", vec![])
            }
            (["form", _, _], _) => {
                let field = self.field(path)?;
                let code = if expected {
                    "field-is-no"
                } else {
                    "field-is-yes"
                };
                Reason::new(code, vec![("field", field)])
            }
            _ => return None,
        })
    }
}

fn accepted(s: Option<MilestoneStatus>) -> bool {
    s == Some(MilestoneStatus::Accepted)
}

fn submitted(s: Option<MilestoneStatus>) -> bool {
    matches!(
        s,
        Some(MilestoneStatus::Submitted | MilestoneStatus::Accepted)
    )
}
