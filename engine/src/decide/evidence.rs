//! Adding an evidence file to a project: an event in its log (so `audit
//! verify` replays it and nobody can slip a file in unrecorded), allowed to
//! the roles the workflow names under `evidence:`, and only while the
//! project is open.
//!
//! [`may_add_evidence`] is the one place for the rule; the service asks it
//! before a file's bytes are stored, and [`add_evidence`] again when the
//! file is recorded.

use jiff::Timestamp;

use super::state::{Change, Decision, PersonId, ProjectState};
use super::{Draft, Project, Rejection, current_stage};

/// A file whose bytes are stored (by SHA-256), to be recorded on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    /// The name the uploader gave (already checked as one line of text).
    pub name: String,
    /// SHA-256 of the bytes, in hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
}

/// Whether `actor` may add a file to the project now: they hold one of the
/// workflow's `evidence:` roles on it, and it is not finished.
pub fn may_add_evidence(
    project: &Project<'_>,
    state: &ProjectState,
    actor: PersonId,
) -> Result<(), Rejection> {
    let allowed = &project.workflow.evidence;
    let held = project.roles_of(actor);
    if !allowed.iter().any(|r| held.contains(r.as_str())) {
        return Err(Rejection::NotAllowed {
            action: "add-evidence".into(),
            allowed: allowed.clone(),
            yours: held.into_iter().map(str::to_owned).collect(),
        });
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    Ok(())
}

/// Records `file` on the project as one `EvidenceAdded` event by `actor`,
/// if [`may_add_evidence`] allows it. The store writes the file's row in
/// the same transaction.
pub fn add_evidence(
    project: &Project<'_>,
    state: &ProjectState,
    actor: PersonId,
    file: NewEvidence,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    may_add_evidence(project, state, actor)?;
    let mut draft = Draft::new(project, state.clone(), now);
    draft.record(
        Some(actor),
        Change::EvidenceAdded {
            name: file.name,
            sha256: file.sha256,
            size: file.size,
        },
    )?;
    Ok(draft.finish())
}
