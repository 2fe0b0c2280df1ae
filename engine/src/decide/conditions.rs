//! The project's data as conditions see it (the runtime side of
//! [`crate::definition::ConditionSchema`]).

use super::assessment;
use super::state::{Fields, MilestoneStatus, ProjectState};
use crate::definition::{Stage, Workflow};
use crate::expr::{Env, Value};

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
                let outcome = assessment::outcome(rubric, a, &self.state.scorecards);
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

    fn say_false(&self, path: &[String]) -> Option<String> {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let title = |key: &str| {
            self.stage
                .milestone(key)
                .map_or(key.to_owned(), |m| m.title.default_text().to_owned())
        };
        Some(match parts.as_slice() {
            ["milestones", "all_accepted"] => {
                let open: Vec<String> = self
                    .stage
                    .milestones
                    .iter()
                    .filter(|m| {
                        self.state.milestones.get(&m.key).map(|s| s.status)
                            != Some(MilestoneStatus::Accepted)
                    })
                    .map(|m| m.title.default_text().to_owned())
                    .collect();
                format!(
                    "every milestone must be accepted first (still open: {})",
                    open.join(", ")
                )
            }
            ["milestones", "all_submitted"] => "every milestone must be submitted first".to_owned(),
            ["milestones", key, "accepted"] => {
                format!("milestone '{}' must be accepted first", title(key))
            }
            ["milestones", key, "submitted"] => {
                format!("milestone '{}' must be submitted first", title(key))
            }
            ["assessment", "passed"] => {
                let a = self.stage.assessment.as_ref()?;
                let rubric = self.workflow.rubrics.get(&a.rubric)?;
                let outcome = assessment::outcome(rubric, a, &self.state.scorecards);
                if outcome.count < a.quorum as usize {
                    format!(
                        "the assessment needs {} scorecards and has {}",
                        a.quorum, outcome.count
                    )
                } else {
                    "the assessment has not reached the rubric's pass mark".to_owned()
                }
            }
            ["assessment", "needs_moderation"] => {
                "the evaluators' scores do not call for moderation".to_owned()
            }
            _ => return None,
        })
    }
}
