//! Moving a running project to another version of its workflow
//! (`gradflow workflow migrate`): which stage of the new version each
//! project goes to (the mapping, checked against both versions before
//! anything moves), and the decision that moves one project.
//!
//! Rules:
//! - a stage of the old version maps to the stage the coordinator names;
//!   one they do not name maps to the stage of the same key in the new
//!   version, if it has one; every stage a running project is at must so
//!   map to a stage of the new version that is not an ending (a project is
//!   ended by its actions, never by a migration);
//! - a project moved enters its new stage as of the migration: a
//!   `Migrated` event, then the stage's deadline, reminders still ahead,
//!   escalations and milestone due dates counted from now (the old stage
//!   entry's pending timers are discarded), approvals, milestone steps and
//!   scorecards of the stage left start afresh (they were given under the
//!   old version's rules), form answers are kept; no mail is sent for the
//!   entry, and automatic actions whose condition holds are taken, as after
//!   any entry.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::state::{Change, Decision, ProjectState};
use super::{Draft, Project, Rejection, current_stage};
use crate::definition::Workflow;

/// Why a stage mapping cannot be used; every problem found, as data.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct MappingError {
    /// Stages running projects are at that map to nothing in the new version.
    pub missing: Vec<String>,
    /// Stages mapped from that no earlier version of the workflow has.
    pub unknown_from: Vec<String>,
    /// Mappings (old, new) whose new stage the new version does not have.
    pub unknown_to: Vec<(String, String)>,
    /// Mappings (old, new) whose new stage is an ending.
    pub ending: Vec<(String, String)>,
}

impl MappingError {
    fn is_empty(&self) -> bool {
        self.missing.is_empty()
            && self.unknown_from.is_empty()
            && self.unknown_to.is_empty()
            && self.ending.is_empty()
    }

    fn describe(&self) -> String {
        let pairs = |list: &[(String, String)]| {
            list.iter()
                .map(|(a, b)| format!("{a}={b}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "running projects are at stages the new version does not have and no --map names: {} (add --map STAGE=NEW_STAGE for each)",
                self.missing.join(", ")
            ));
        }
        if !self.unknown_from.is_empty() {
            parts.push(format!(
                "no version of the workflow has these stages: {}",
                self.unknown_from.join(", ")
            ));
        }
        if !self.unknown_to.is_empty() {
            parts.push(format!(
                "the new version has no stage named in: {}",
                pairs(&self.unknown_to)
            ));
        }
        if !self.ending.is_empty() {
            parts.push(format!(
                "a running project cannot be moved into an ending stage: {}",
                pairs(&self.ending)
            ));
        }
        parts.join("; ")
    }
}

/// Checks `mapping` (old stage -> new stage) against the new version `to`,
/// the earlier versions `from` and the stages running projects are `at`,
/// and returns where each of those stages goes. Every problem is reported
/// at once.
pub fn resolve_mapping(
    to: &Workflow,
    from: &[&Workflow],
    at: &BTreeSet<String>,
    mapping: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, MappingError> {
    let mut error = MappingError::default();
    for (old, new) in mapping {
        if !from.iter().any(|w| w.stage(old).is_some()) {
            error.unknown_from.push(old.clone());
        }
        match to.stage(new) {
            None => error.unknown_to.push((old.clone(), new.clone())),
            Some(stage) if stage.terminal => error.ending.push((old.clone(), new.clone())),
            Some(_) => {}
        }
    }
    let mut resolved = BTreeMap::new();
    for stage in at {
        match mapping.get(stage) {
            Some(new) => {
                resolved.insert(stage.clone(), new.clone());
            }
            None => match to.stage(stage) {
                Some(same) if !same.terminal => {
                    resolved.insert(stage.clone(), stage.clone());
                }
                _ => error.missing.push(stage.clone()),
            },
        }
    }
    if error.is_empty() {
        Ok(resolved)
    } else {
        Err(error)
    }
}

/// Moves a project running `project.workflow` to version `to` of the same
/// workflow, into `to_stage` (see the module's rules).
pub fn migrate(
    project: &Project<'_>,
    state: &ProjectState,
    to: &Workflow,
    to_stage: &str,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    let from = project.workflow;
    if from.key != to.key {
        return Err(Rejection::Inconsistent(format!(
            "the project runs workflow {}, not {}",
            from.key, to.key
        )));
    }
    let stage = current_stage(from, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    match to.stage(to_stage) {
        None => return Err(Rejection::UnknownStage(to_stage.to_owned())),
        Some(s) if s.terminal => {
            return Err(Rejection::Inconsistent(format!(
                "stage '{to_stage}' of version {} is an ending",
                to.version
            )));
        }
        Some(_) => {}
    }
    let moved = Project {
        workflow: to,
        ..*project
    };
    let mut draft = Draft::new(&moved, state.clone(), now);
    draft.record(
        None,
        Change::Migrated {
            from_version: from.version,
            to_version: to.version,
            from_stage: state.stage.clone(),
            to_stage: to_stage.to_owned(),
        },
    )?;
    draft.set_stage_timers()?;
    draft.plan_seated_evaluators()?;
    draft.run_automatic()?;
    Ok(draft.finish())
}
