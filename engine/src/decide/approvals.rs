//! Approval rules: `need: any`, `need: N` and `need: all`, who may still
//! approve, and whom an action is waiting for.
//!
//! Each distinct person approves an action at most once. `any` and `N` count
//! distinct people holding one of the listed roles. `all` is met when the
//! people who approved can be matched one-to-one to the listed roles, each to
//! a role they hold on the project *now* ([`Project::roles_of`]): a maximum
//! bipartite matching, recomputed over every approval so far. So a person who
//! is both supervisor and coordinator counts once, for whichever role the
//! others leave open, and a second supervisor can still complete the action.
//!
//! An approval towards `all` is accepted only if it makes the matching grow.
//! One that cannot (every role the person holds is already covered, whichever
//! way the approvers are matched) is refused, naming whom the action still
//! waits for: counting it would let the project wait for nothing, or report
//! an approval that changed nothing. Refusing it never blocks the action:
//! sets of approvers that can be matched form a (transversal) matroid, so if
//! the people on the project could complete it, one of them can still add a
//! useful approval; and an approval that cannot help now cannot help later.

use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;

use super::Project;
use super::rejection::Rejection;
use super::state::{Approval, PersonId};
use crate::definition::{Action, Need};
use crate::reason::{Arg, Reason};

/// Whom an action still waits for, as data: an interface renders its
/// [`WaitingFor::reason`] in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaitingFor {
    /// Roles that nobody who approved holds: an approval from a holder of
    /// each is still needed (role keys, in the action's order).
    pub each_of: Vec<String>,
    /// Further approvals needed besides those for `each_of`, from distinct
    /// people holding any of `any_of`.
    pub more: usize,
    /// Roles whose holders could give the further approvals (role keys, in
    /// the action's order); empty when `more` is 0.
    pub any_of: Vec<String>,
}

impl WaitingFor {
    /// How many more distinct people must approve.
    pub fn approvals(&self) -> usize {
        self.each_of.len() + self.more
    }
}

impl WaitingFor {
    /// Whom the action waits for, as a reason for an interface to put into
    /// words: `waiting-each` (the supervisor and the coordinator),
    /// `waiting-more` (2 more approvals from the steering), or both.
    pub fn reason(&self) -> Reason {
        let more = || {
            vec![
                ("count", Arg::count(self.more)),
                ("roles", Arg::any_of_roles(&self.any_of)),
            ]
        };
        match (self.each_of.is_empty(), self.more) {
            (true, 0) => Reason::new("waiting-nobody", vec![]),
            (true, _) => Reason::new("waiting-more", more()),
            (false, 0) => Reason::new(
                "waiting-each",
                vec![("roles", Arg::all_of_roles(&self.each_of))],
            ),
            (false, _) => {
                let mut args = vec![("each", Arg::all_of_roles(&self.each_of))];
                args.extend(more());
                Reason::new("waiting-each-and-more", args)
            }
        }
    }
}

/// Whom `action` still waits for after the approvals `given`; `None` once its rule is met.
pub(super) fn waiting_for(
    project: &Project<'_>,
    action: &Action,
    given: &[Approval],
) -> Option<WaitingFor> {
    let people = distinct(given);
    let from_anyone = |left: usize| {
        (left > 0).then(|| WaitingFor {
            each_of: Vec::new(),
            more: left,
            any_of: action.by.clone(),
        })
    };
    match action.need {
        Need::Any => from_anyone(1usize.saturating_sub(people.len())),
        Need::AtLeast(n) => from_anyone((n as usize).saturating_sub(people.len())),
        Need::All => {
            let held = holdings(project, &action.by, &people);
            Matching::new(action.by.len(), &held).waiting_for(&action.by, &held)
        }
    }
}

/// The role `actor`'s approval of `action` counts for, or why it cannot count.
///
/// `first_role` is the first of the action's roles the actor holds (the
/// caller has checked there is one). Refused: a second approval by the same
/// person; under `need: all`, an approval that cannot make the matching grow.
pub(super) fn admit(
    project: &Project<'_>,
    action: &Action,
    given: &[Approval],
    actor: PersonId,
    first_role: &str,
) -> Result<String, Rejection> {
    if given.iter().any(|a| a.person == actor) {
        return Err(Rejection::AlreadyApproved {
            action: action.key.clone(),
            waiting_for: waiting_for(project, action, given),
        });
    }
    if action.need != Need::All {
        return Ok(first_role.to_owned());
    }
    let mut people = distinct(given);
    people.push(actor);
    let held = holdings(project, &action.by, &people);
    let newcomer = people.len() - 1;
    let mut matching = Matching::new(action.by.len(), &held[..newcomer]);
    match matching.add(newcomer, &held) {
        Some(role) => Ok(action.by[role].clone()),
        None => Err(Rejection::ApprovalNotNeeded {
            action: action.key.clone(),
            yours: held[newcomer]
                .iter()
                .map(|&r| action.by[r].clone())
                .collect(),
            waiting_for: matching.waiting_for(&action.by, &held[..newcomer]),
        }),
    }
}

/// The distinct people in `given`, in the order they approved.
fn distinct(given: &[Approval]) -> Vec<PersonId> {
    let mut people: Vec<PersonId> = Vec::with_capacity(given.len());
    for a in given {
        if !people.contains(&a.person) {
            people.push(a.person);
        }
    }
    people
}

/// For each person, the indexes (into `by`) of the listed roles they hold now.
fn holdings(project: &Project<'_>, by: &[String], people: &[PersonId]) -> Vec<Vec<usize>> {
    people
        .iter()
        .map(|&p| {
            let roles = project.roles_of(p);
            (0..by.len())
                .filter(|&r| roles.contains(by[r].as_str()))
                .collect()
        })
        .collect()
}

/// A maximum matching of approvers to roles (Kuhn's augmenting paths:
/// a handful of roles and people, so simplicity beats asymptotics).
pub(crate) struct Matching {
    /// For each role, the approver matched to it.
    owner: Vec<Option<usize>>,
}

impl Matching {
    /// A maximum matching of `held.len()` approvers (tried in order) to `roles` roles.
    pub(crate) fn new(roles: usize, held: &[Vec<usize>]) -> Matching {
        let mut m = Matching {
            owner: vec![None; roles],
        };
        for person in 0..held.len() {
            m.add(person, held);
        }
        m
    }

    /// Tries to match `person` too, re-matching others along an augmenting
    /// path; returns the role `person` ends up with, or `None` if the
    /// matching cannot grow (and is then left as it was).
    fn add(&mut self, person: usize, held: &[Vec<usize>]) -> Option<usize> {
        let mut seen = vec![false; self.owner.len()];
        if self.augment(person, held, &mut seen) {
            self.owner.iter().position(|o| *o == Some(person))
        } else {
            None
        }
    }

    fn augment(&mut self, person: usize, held: &[Vec<usize>], seen: &mut [bool]) -> bool {
        for &role in &held[person] {
            if seen[role] {
                continue;
            }
            seen[role] = true;
            let free = match self.owner[role] {
                None => true,
                Some(other) => self.augment(other, held, seen),
            };
            if free {
                self.owner[role] = Some(person);
                return true;
            }
        }
        false
    }

    /// How many roles are covered.
    pub(crate) fn size(&self) -> usize {
        self.owner.iter().filter(|o| o.is_some()).count()
    }

    /// Whom the action waits for given this (maximum) matching of the
    /// approvers with `held` roles; `None` when every role is covered.
    ///
    /// Roles nobody holds must each get a new approver. The rest of the
    /// missing approvals can come from a holder of any role left uncovered by
    /// *some* maximum matching: the uncovered roles, and every role reachable
    /// from one by an alternating path (role -> an approver holding it -> the
    /// role that approver is matched to), since shifting approvers along the
    /// path frees it.
    fn waiting_for(&self, by: &[String], held: &[Vec<usize>]) -> Option<WaitingFor> {
        let missing = by.len() - self.size();
        if missing == 0 {
            return None;
        }
        let mut open = vec![false; by.len()];
        let mut queue: VecDeque<usize> = VecDeque::new();
        for (role, owner) in self.owner.iter().enumerate() {
            if owner.is_none() {
                open[role] = true;
                queue.push_back(role);
            }
        }
        while let Some(role) = queue.pop_front() {
            for (person, roles) in held.iter().enumerate() {
                if !roles.contains(&role) {
                    continue;
                }
                if let Some(next) = self.owner.iter().position(|o| *o == Some(person))
                    && !open[next]
                {
                    open[next] = true;
                    queue.push_back(next);
                }
            }
        }
        let nobody_holds: BTreeSet<usize> = (0..by.len())
            .filter(|r| !held.iter().any(|roles| roles.contains(r)))
            .collect();
        let more = missing - nobody_holds.len();
        Some(WaitingFor {
            each_of: nobody_holds.iter().map(|&r| by[r].clone()).collect(),
            more,
            any_of: if more == 0 {
                Vec::new()
            } else {
                (0..by.len())
                    .filter(|r| open[*r] && !nobody_holds.contains(r))
                    .map(|r| by[r].clone())
                    .collect()
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(names: &[&str]) -> Vec<String> {
        names.iter().map(|r| (*r).to_owned()).collect()
    }

    #[test]
    fn waiting_for_says_whom_as_data() {
        let both = WaitingFor {
            each_of: roles(&["supervisor", "coordinator"]),
            ..WaitingFor::default()
        };
        assert_eq!(
            both.reason().to_string(),
            "waiting-each roles=[supervisor, coordinator]"
        );
        let more = WaitingFor {
            more: 2,
            any_of: roles(&["steering"]),
            ..WaitingFor::default()
        };
        assert_eq!(
            more.reason().to_string(),
            "waiting-more count=2 roles=[steering]"
        );
        let mixed = WaitingFor {
            each_of: roles(&["chair"]),
            more: 1,
            any_of: roles(&["supervisor", "coordinator"]),
        };
        assert_eq!(
            mixed.reason().to_string(),
            "waiting-each-and-more each=[chair] count=1 roles=[supervisor, coordinator]"
        );
        assert_eq!(mixed.approvals(), 2);
    }

    #[test]
    fn a_matching_shifts_people_to_make_room() {
        // Person 0 holds roles 0 and 1, person 1 only role 0.
        let held = vec![vec![0, 1], vec![0]];
        let mut m = Matching::new(2, &held[..1]);
        assert_eq!(m.size(), 1);
        assert_eq!(m.add(1, &held), Some(0), "person 1 takes role 0");
        assert_eq!(m.size(), 2, "person 0 moved to role 1");
    }

    #[test]
    fn roles_a_newcomer_could_fill() {
        let by = roles(&["a", "b", "c"]);
        // One approver holding a and b: c is needed, plus one of a or b.
        let held = vec![vec![0, 1]];
        let w = Matching::new(3, &held).waiting_for(&by, &held).unwrap();
        assert_eq!(w.each_of, roles(&["c"]));
        assert_eq!(w.more, 1);
        assert_eq!(w.any_of, roles(&["a", "b"]));
        // One approver holding only a: b and c are needed, nothing else.
        let held = vec![vec![0]];
        let w = Matching::new(3, &held).waiting_for(&by, &held).unwrap();
        assert_eq!((w.each_of, w.more), (roles(&["b", "c"]), 0));
    }
}
