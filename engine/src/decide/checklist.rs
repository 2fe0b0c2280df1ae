//! The graduation checklist (issue 15, part 6): each item of the
//! definition's `checklist:` met or not, as data, and the refusal of an
//! action that issues a certificate while any is not.

use super::conditions::ProjectData;
use super::state::{MilestoneStatus, ProjectState};
use super::{Project, Rejection, current_stage};
use crate::definition::{Action, Workflow};
use crate::expr::{Env, Value};

/// The effect that issues a certificate; an action with it waits for the
/// whole checklist.
pub const ISSUE_CERTIFICATE: &str = "issue_certificate";

/// One checklist item and whether it is met now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemState {
    /// The item's key (its words are the definition's, by this key).
    pub key: String,
    /// Whether its condition holds.
    pub done: bool,
}

/// Each item of the workflow's checklist, in the order written, met or
/// not against the project's state (empty when it declares none, or the
/// project's stage is unknown).
pub fn checklist(workflow: &Workflow, state: &ProjectState) -> Vec<ItemState> {
    let Some(stage) = workflow.stage(&state.stage) else {
        return Vec::new();
    };
    let data = ChecklistData {
        inner: ProjectData {
            workflow,
            stage,
            state,
            giving: None,
        },
    };
    workflow
        .checklist
        .iter()
        .map(|item| ItemState {
            key: item.key.clone(),
            done: item.when.eval(&data),
        })
        .collect()
}

/// The roles that read a project's graduation checklist: everyone on it
/// but those who judge its work (the assessment's evaluators and its
/// chair, [`super::committee::judges`]), so the trainee, the supervisor
/// and the coordinator in the bundled workflows, whatever a definition
/// calls its roles. Empty when the workflow declares no checklist.
pub fn checklist_readers(workflow: &Workflow) -> Vec<String> {
    if workflow.checklist.is_empty() {
        return Vec::new();
    }
    workflow
        .roles
        .iter()
        .filter(|r| !super::committee::judges(workflow, r))
        .cloned()
        .collect()
}

/// Whether someone holding `roles` on a project in `state` is shown its
/// checklist: the workflow declares one, the project is open (an ended
/// project's ending says it all), and they hold one of
/// [`checklist_readers`]. Pages ask this and only render.
pub fn shows_checklist(workflow: &Workflow, state: &ProjectState, roles: &[String]) -> bool {
    let open = workflow.stage(&state.stage).is_some_and(|s| !s.terminal);
    open && {
        let readers = checklist_readers(workflow);
        roles.iter().any(|r| readers.contains(r))
    }
}

/// The keys of the items not met yet.
pub fn missing(workflow: &Workflow, state: &ProjectState) -> Vec<String> {
    checklist(workflow, state)
        .into_iter()
        .filter(|i| !i.done)
        .map(|i| i.key)
        .collect()
}

/// Refused (`checklist-incomplete`, with the items missing) when `action`
/// issues a certificate and the checklist is not complete.
pub(super) fn check(
    project: &Project<'_>,
    state: &ProjectState,
    action: &Action,
) -> Result<(), Rejection> {
    if !action.effects.iter().any(|e| e == ISSUE_CERTIFICATE) {
        return Ok(());
    }
    current_stage(project.workflow, state)?;
    let missing = missing(project.workflow, state);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Rejection::ChecklistIncomplete { missing })
    }
}

/// The project's data as a checklist item sees it: the current stage's,
/// except that a milestone of any stage counts as accepted once accepted
/// in the latest entry of its stage.
struct ChecklistData<'a> {
    inner: ProjectData<'a>,
}

impl Env for ChecklistData<'_> {
    fn value(&self, path: &[String]) -> Value {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let state = self.inner.state;
        let status = |key: &str| {
            if state.accepted.contains(key) {
                Some(MilestoneStatus::Accepted)
            } else {
                state.milestones.get(key).map(|m| m.status)
            }
        };
        let accepted = |key: &str| status(key) == Some(MilestoneStatus::Accepted);
        let submitted = |key: &str| {
            matches!(
                status(key),
                Some(MilestoneStatus::Submitted | MilestoneStatus::Accepted)
            )
        };
        let all = || {
            self.inner
                .workflow
                .stages
                .iter()
                .flat_map(|s| s.milestones.iter())
        };
        match parts.as_slice() {
            ["milestones", "all_accepted"] => Value::Bool(all().all(|m| accepted(&m.key))),
            ["milestones", "all_submitted"] => Value::Bool(all().all(|m| submitted(&m.key))),
            ["milestones", key, "accepted"] => Value::Bool(accepted(key)),
            ["milestones", key, "submitted"] => Value::Bool(submitted(key)),
            _ => self.inner.value(path),
        }
    }
}
