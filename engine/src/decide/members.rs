//! Who may hold which role on a project, and giving someone a role: an
//! event in the project's log, so an audit can tell who held what.
//!
//! [`may_hold`] is the one place for the rules about holding a role; both
//! [`super::start`] and [`add_member`] go through it.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::state::{Change, Decision, PersonId, ProjectState};
use super::{Draft, Project, Rejection, current_stage};

/// The roles whose holders may give people roles on a project: the cohort's
/// coordinators (who assign evaluators, among others).
pub const ROLE_GIVERS: &[&str] = &["coordinator"];

/// Gives `person` the role `role` on a project, directly (not through the
/// cohort), as one `MemberAdded` event; `actor` is who gave it (`None` for
/// the operator or the engine), who must hold one of [`ROLE_GIVERS`]. The store adds the person to the project's
/// members with the same transaction.
///
/// Refused when the actor may not give roles, when the project is finished, when `role` is not one of the
/// workflow's roles, when the person already holds it directly, when it
/// conflicts with a role they hold (see [`may_hold`]), or when the project
/// would hold more people in the role than the workflow allows.
pub fn add_member(
    project: &Project<'_>,
    state: &ProjectState,
    actor: Option<PersonId>,
    person: PersonId,
    role: &str,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    if let Some(actor) = actor {
        may_give_roles(project, actor)?;
    }
    let stage = current_stage(project.workflow, state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    if state
        .members
        .iter()
        .any(|m| m.person == person && m.role == role)
    {
        return Err(Rejection::AlreadyMember {
            role: role.to_owned(),
        });
    }
    may_hold(project, person, role)?;
    // Someone holding it through the cohort is counted already.
    let mut holding = holders_of(project.members, role);
    holding.insert(person);
    within_holders(project, role, holding.len())?;
    let mut draft = Draft::new(project, state.clone(), now);
    let seq = draft.record(
        actor,
        Change::MemberAdded {
            person,
            role: role.to_owned(),
        },
    )?;
    // An evaluator given by hand while the stage's assessment is open is
    // told, and gets the scoring deadline and reminders, as an assigned
    // one is.
    if let Some(a) = &stage.assessment
        && a.by[0] == role
        && !state.scorecards.contains_key(&person)
    {
        super::committee::push_note(&mut draft, super::committee::ASSIGNED_TEMPLATE, person, seq);
        super::committee::plan_score_timers(&mut draft, a, person)?;
    }
    Ok(draft.finish())
}

/// The distinct people holding `role` among `members`.
pub(super) fn holders_of(members: &[super::Member], role: &str) -> BTreeSet<PersonId> {
    members
        .iter()
        .filter(|m| m.role == role)
        .map(|m| m.person)
        .collect()
}

/// Whether a project may hold `people` in `role`, as the workflow's
/// `roles:` says (`count:`, `min:`, `max:`).
pub(super) fn within_holders(
    project: &Project<'_>,
    role: &str,
    people: usize,
) -> Result<(), Rejection> {
    let holders = project.workflow.holders(role);
    if holders.allows(people) {
        Ok(())
    } else {
        Err(Rejection::Holders {
            role: role.to_owned(),
            holders,
            people,
        })
    }
}

/// Every role the workflow limits holds as many people as it says, with
/// the project's members as they are at its start.
pub(super) fn check_holders(project: &Project<'_>) -> Result<(), Rejection> {
    for role in project.workflow.holders.keys() {
        within_holders(project, role, holders_of(project.members, role).len())?;
    }
    Ok(())
}

/// Whether `actor` may give people roles on this project: they hold one of
/// [`ROLE_GIVERS`] on it. Asked before the person to be given a role is
/// even looked up, so that someone who may not give roles learns nothing
/// (such as whether an email is registered) from the answer.
pub fn may_give_roles(project: &Project<'_>, actor: PersonId) -> Result<(), Rejection> {
    let held: BTreeSet<&str> = project
        .members
        .iter()
        .filter(|m| m.person == actor)
        .map(|m| m.role.as_str())
        .collect();
    if ROLE_GIVERS.iter().any(|r| held.contains(r)) {
        return Ok(());
    }
    Err(Rejection::NotAllowed {
        action: "give-roles".into(),
        allowed: ROLE_GIVERS.iter().map(|r| (*r).to_owned()).collect(),
        yours: held.into_iter().map(str::to_owned).collect(),
    })
}

/// Whether `person` may hold `role` on this project, besides the roles they
/// hold already (in `project.members`: directly or through the cohort).
///
/// The one place for these rules: the role must be one of the workflow's,
/// and must not conflict with another role the person holds. Conflicts of
/// interest (pairs of roles one person may not hold, such as trainee and
/// committee) come from the definition's `conflicts:`; a role that judges
/// the work also follows the committee's rules
/// ([`super::committee::Conflicts::judge`]).
pub(super) fn may_hold(
    project: &Project<'_>,
    person: PersonId,
    role: &str,
) -> Result<(), Rejection> {
    let workflow = project.workflow;
    if !workflow.roles.iter().any(|r| r == role) {
        return Err(Rejection::UnknownRole {
            role: role.to_owned(),
            roles: workflow.roles.clone(),
        });
    }
    let mut held: BTreeSet<&str> = project.roles_of(person);
    held.remove(role);
    if let Some(other) = held.into_iter().find(|h| workflow.conflicting(h, role)) {
        return Err(Rejection::ConflictOfInterest {
            role: role.to_owned(),
            held: other.to_owned(),
        });
    }
    // A role that judges the work (evaluator, chair) is refused by the
    // committee's rules too: organization, supervisor, declared conflicts.
    if let Some(why) = project
        .conflicts
        .judge(workflow, role, person, project.members)
    {
        return Err(Rejection::Conflicted {
            role: role.to_owned(),
            why,
        });
    }
    Ok(())
}
