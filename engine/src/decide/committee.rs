//! Committees: who of a cohort's pool evaluates which project, and seating
//! them on a project as events.
//!
//! [`assign`] is a pure function (no I/O, no clock): given the pool (each
//! member's organization and current load), the declared conflicts and the
//! projects to staff, it picks evaluators deterministically for a seed.
//! Rules, for each project:
//! - never a person from the organization of one of the project's
//!   trainees ([`Excluded::Organization`]);
//! - never one of its supervisors ([`Excluded::Supervisor`]);
//! - never someone who declared a conflict with one of its trainees or
//!   with a trainee's organization ([`Excluded::Declared`]);
//! - never someone holding a role the definition's `conflicts:` forbids
//!   with the evaluator role ([`Excluded::Role`]);
//! - never the pool's chair (who chairs, not scores: [`Excluded::Chair`]),
//!   nor someone already holding the evaluator role ([`Excluded::Assigned`]);
//! - among those left, the least loaded first (load: assignments in the
//!   cohort, counting the ones just made), ties broken by a hash of the
//!   seed, the project and the person. Picking the least loaded each time
//!   keeps the most and least loaded members within one of each other
//!   whenever the exclusions allow it.
//!
//! A project that cannot get the evaluators it asks for gets none, and its
//! [`TooSmall`] says who was excluded and why.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::state::{Change, Decision, Notification, PersonId, Timer, TimerKind};
use super::{Draft, Member, Project, Rejection, members};
use crate::definition::{Assessment, Workflow};
use crate::reason::{Arg, Reason};

/// The role whose holders are the project's trainees.
pub const TRAINEE_ROLE: &str = "trainee";
/// The role whose holders supervise a project.
pub const SUPERVISOR_ROLE: &str = "supervisor";
/// The role the pool's chair is given on a project, when the workflow has it.
pub const CHAIR_ROLE: &str = "chair";
/// The role told when a project's committee could not be assigned.
pub const COORDINATOR_ROLE: &str = "coordinator";

/// Template mailed to an evaluator when they are assigned.
pub const ASSIGNED_TEMPLATE: &str = "committee_assigned";
/// Template mailed to an evaluator before their scoring deadline.
pub const REMINDER_TEMPLATE: &str = "committee_score_reminder";
/// Template mailed to the chair once an evaluator's deadline passed.
pub const LATE_TEMPLATE: &str = "committee_score_late";
/// Template mailed to the pool's chair when they are seated on a project.
pub const CHAIR_TEMPLATE: &str = "committee_chair_assigned";
/// Template mailed to coordinators when a project's committee could not be assigned.
pub const SHORT_TEMPLATE: &str = "committee_short";
/// Template mailed to coordinators when the pool's chair may not chair a
/// project: it waits for a chair given by hand.
pub const NO_CHAIR_TEMPLATE: &str = "committee_no_chair";

/// One member of a cohort's committee pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolMember {
    /// The person.
    pub person: PersonId,
    /// Their organization (empty: none given).
    pub organization: String,
    /// How many projects of the cohort they evaluate now.
    pub load: u32,
    /// Whether they chair the pool.
    pub chair: bool,
}

/// What a person declared a conflict with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictWith {
    /// One trainee.
    Trainee(PersonId),
    /// A whole organization.
    Organization(String),
}

/// A declared conflict: `person` must not evaluate projects touching `with`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// Who may not evaluate.
    pub person: PersonId,
    /// Whom or what they are conflicted with.
    pub with: ConflictWith,
}

/// A project to staff.
#[derive(Debug, Clone)]
pub struct Need<'a> {
    /// Its id (part of the tie-break).
    pub project: i64,
    /// Everyone holding a role on it (directly or through the cohort).
    pub members: &'a [Member],
    /// How many evaluators it asks for in all.
    pub wanted: u32,
    /// People not to pick, besides the rules (the one being replaced).
    pub not: &'a [PersonId],
}

/// Why a pool member may not evaluate a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Excluded {
    /// Same organization as one of its trainees.
    Organization(String),
    /// One of its supervisors.
    Supervisor,
    /// A declared conflict with one of its trainees or their organization.
    Declared(ConflictWith),
    /// Holds a role the definition's `conflicts:` forbids with the evaluator role.
    Role(String),
    /// The pool's chair.
    Chair,
    /// Already an evaluator on it (or the one being replaced).
    Assigned,
}

impl Excluded {
    /// The word a message chooses its words by.
    pub fn word(&self) -> &'static str {
        match self {
            Excluded::Organization(_) => "organization",
            Excluded::Supervisor => "supervisor",
            Excluded::Declared(ConflictWith::Trainee(_)) => "declared-trainee",
            Excluded::Declared(ConflictWith::Organization(_)) => "declared-organization",
            Excluded::Role(_) => "role",
            Excluded::Chair => "chair",
            Excluded::Assigned => "assigned",
        }
    }
}

/// A project the pool cannot staff: how many it asked, how many could be
/// picked, and who was excluded and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooSmall {
    /// The project.
    pub project: i64,
    /// Evaluators still needed.
    pub wanted: u32,
    /// Pool members who could be picked.
    pub eligible: u32,
    /// The others, each with why.
    pub excluded: Vec<(PersonId, Excluded)>,
}

impl TooSmall {
    /// The refusal as data; `name` gives each person's name (the service
    /// reads them: the core knows people by id).
    pub fn reason(&self, name: impl Fn(PersonId) -> String) -> Reason {
        let excluded = self
            .excluded
            .iter()
            .map(|(person, why)| {
                let detail = match why {
                    Excluded::Organization(o)
                    | Excluded::Declared(ConflictWith::Organization(o)) => Arg::Text(o.clone()),
                    Excluded::Declared(ConflictWith::Trainee(t)) => Arg::Text(name(*t)),
                    Excluded::Role(role) => Arg::Role(role.clone()),
                    _ => Arg::Text(String::new()),
                };
                Reason::new(
                    "committee-excluded",
                    vec![
                        ("person", Arg::Text(name(*person))),
                        ("why", Arg::Word(why.word())),
                        ("detail", detail),
                    ],
                )
            })
            .collect();
        Reason::new(
            "committee-pool-too-small",
            vec![
                ("wanted", Arg::int(self.wanted)),
                ("eligible", Arg::int(self.eligible)),
                ("excluded", Arg::Reasons(excluded)),
            ],
        )
    }
}

/// The pool of one cohort and its declared conflicts, as [`assign`] reads them.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    /// Its members.
    pub members: Vec<PoolMember>,
    /// Conflicts declared by anyone (only the pool's matter).
    pub declared: Vec<Declared>,
    /// Organizations of the people on the projects (trainees), by person.
    pub organizations: BTreeMap<PersonId, String>,
}

impl Pool {
    /// The pool's chair, if it has one.
    pub fn chair(&self) -> Option<PersonId> {
        self.members.iter().find(|m| m.chair).map(|m| m.person)
    }
}

/// Why `person` may not evaluate a project with `members`, if they may not.
/// The one check for conflicts a pool member has with a project (the
/// assignment uses it; so does [`Conflicts::judge`], before a role is
/// given, a score, a moderation or a decision is accepted).
pub fn excluded(
    workflow: &Workflow,
    role: &str,
    pool: &Pool,
    candidate: &PoolMember,
    members: &[Member],
) -> Option<Excluded> {
    rules(
        workflow,
        role,
        &pool.organizations,
        &pool.declared,
        candidate.person,
        &candidate.organization,
        members,
    )
}

/// The committee's conflict rules for `person` (of organization `org`) in
/// `role` on a project with `members`; see the module's rules.
fn rules(
    workflow: &Workflow,
    role: &str,
    organizations: &BTreeMap<PersonId, String>,
    declared: &[Declared],
    person: PersonId,
    org: &str,
    members: &[Member],
) -> Option<Excluded> {
    let trainees: BTreeSet<PersonId> = members::holders_of(members, TRAINEE_ROLE);
    let trainee_orgs: Vec<&str> = trainees
        .iter()
        .filter_map(|t| organizations.get(t))
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .collect();
    let of_a_trainee = |org: &str| trainee_orgs.iter().any(|t| same_organization(t, org));
    let org = org.trim();
    if !org.is_empty() && of_a_trainee(org) {
        return Some(Excluded::Organization(org.to_owned()));
    }
    if members::holders_of(members, SUPERVISOR_ROLE).contains(&person) {
        return Some(Excluded::Supervisor);
    }
    for d in declared.iter().filter(|d| d.person == person) {
        let hit = match &d.with {
            ConflictWith::Trainee(t) => trainees.contains(t),
            ConflictWith::Organization(o) => of_a_trainee(o),
        };
        if hit {
            return Some(Excluded::Declared(d.with.clone()));
        }
    }
    let held = members
        .iter()
        .filter(|m| m.person == person && m.role != role)
        .find(|m| workflow.conflicting(&m.role, role));
    if let Some(m) = held {
        return Some(Excluded::Role(m.role.clone()));
    }
    None
}

/// Whether two organization names are the same organization as the
/// conflict rules see it: people write the same ministry with other
/// capitals or spaces ("ministry of  education" is the "Ministry of
/// Education"), so case and runs of white space do not count. Compared
/// word by word without allocating: assignment asks it for every
/// candidate of every project.
pub(crate) fn same_organization(a: &str, b: &str) -> bool {
    fn lowercase(word: &str) -> impl Iterator<Item = char> + '_ {
        word.chars().flat_map(char::to_lowercase)
    }
    let (mut x, mut y) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q || lowercase(p).eq(lowercase(q)) => {}
            _ => return false,
        }
    }
}

/// What the committee's conflict rules read on one project besides its
/// members' roles: the organizations of its people (and of anyone being
/// given a role) and the conflicts they declared. The service loads it for
/// a command that judges someone ([`NO_CONFLICTS`] where nothing is judged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conflicts {
    /// Each person's organization (empty: none given).
    pub organizations: BTreeMap<PersonId, String>,
    /// Conflicts the people declared.
    pub declared: Vec<Declared>,
}

/// No organizations and no declared conflicts: for reading a project, or
/// deciding what judges nobody (a timer, an extension).
pub static NO_CONFLICTS: Conflicts = Conflicts {
    organizations: BTreeMap::new(),
    declared: Vec::new(),
};

impl Conflicts {
    /// Why `person` may not hold `role` on a project with `members` by the
    /// committee's rules (the trainee's organization, their supervisor, a
    /// declared conflict), when `role` judges the work ([`judges`]). A role
    /// the definition's `conflicts:` forbids is the core's
    /// `conflict-of-interest`, not repeated here.
    pub fn judge(
        &self,
        workflow: &Workflow,
        role: &str,
        person: PersonId,
        members: &[Member],
    ) -> Option<Excluded> {
        if !judges(workflow, role) {
            return None;
        }
        let org = self.organizations.get(&person).map_or("", String::as_str);
        match rules(
            workflow,
            role,
            &self.organizations,
            &self.declared,
            person,
            org,
            members,
        ) {
            Some(Excluded::Role(_)) => None,
            other => other,
        }
    }
}

/// Whether `role` judges a project's work in `workflow`: it scores an
/// assessment (its `by:`), takes an assessed stage's decisions (its chair,
/// who moderates), or is the [`CHAIR_ROLE`]. The committee's conflict
/// rules hold for these roles only (a supervisor of the trainee's own
/// organization is the rule, not a conflict).
pub fn judges(workflow: &Workflow, role: &str) -> bool {
    if role == CHAIR_ROLE && workflow.roles.iter().any(|r| r == CHAIR_ROLE) {
        return true;
    }
    workflow.stages.iter().any(|s| {
        s.assessment.as_ref().is_some_and(|a| {
            a.by.iter().any(|r| r == role) || super::chairs(workflow, s).iter().any(|r| r == role)
        })
    })
}

/// Picks evaluators in `role` for each of `needs` (in the order given) from
/// `pool`; see the module's rules. Each result is the people to add (as
/// many as the project still lacks: none when it has enough), or why the
/// pool is too small for it. Deterministic for a given input and `seed`.
pub fn assign(
    workflow: &Workflow,
    role: &str,
    pool: &Pool,
    needs: &[Need<'_>],
    seed: u64,
) -> Vec<Result<Vec<PersonId>, TooSmall>> {
    let mut loads: BTreeMap<PersonId, u32> =
        pool.members.iter().map(|m| (m.person, m.load)).collect();
    let mut out = Vec::with_capacity(needs.len());
    for need in needs {
        let holding = members::holders_of(need.members, role);
        let missing = need.wanted.saturating_sub(holding.len() as u32);
        if missing == 0 {
            out.push(Ok(Vec::new()));
            continue;
        }
        let mut eligible = Vec::new();
        let mut excluded_list = Vec::new();
        for m in &pool.members {
            let why = if holding.contains(&m.person) || need.not.contains(&m.person) {
                Some(Excluded::Assigned)
            } else if m.chair {
                Some(Excluded::Chair)
            } else {
                excluded(workflow, role, pool, m, need.members)
            };
            match why {
                Some(why) => excluded_list.push((m.person, why)),
                None => eligible.push(m.person),
            }
        }
        if (eligible.len() as u32) < missing {
            out.push(Err(TooSmall {
                project: need.project,
                wanted: missing,
                eligible: eligible.len() as u32,
                excluded: excluded_list,
            }));
            continue;
        }
        eligible.sort_by_key(|p| (loads[p], tie_break(seed, need.project, *p), *p));
        let picked: Vec<PersonId> = eligible.into_iter().take(missing as usize).collect();
        for p in &picked {
            *loads.get_mut(p).expect("a pool member") += 1;
        }
        out.push(Ok(picked));
    }
    out
}

/// A well-mixed 64-bit hash of the seed, project and person (splitmix64),
/// so ties fall differently per project instead of always on the same person.
fn tie_break(seed: u64, project: i64, person: PersonId) -> u64 {
    let mut z = seed
        ^ (project as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (person as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of evaluator `person`'s scoring reminder number `i`.
pub fn reminder_key(person: PersonId, i: usize) -> String {
    format!("score-remind:{person}:{i}")
}

/// The key of evaluator `person`'s scoring deadline (the escalation to the chair).
pub fn late_key(person: PersonId) -> String {
    format!("score-late:{person}")
}

/// The evaluator a scoring timer's key names.
pub fn timer_person(key: &str) -> Option<PersonId> {
    let rest = key
        .strip_prefix("score-late:")
        .or_else(|| key.strip_prefix("score-remind:"))?;
    rest.split(':').next()?.parse().ok()
}

/// What to seat on a project: evaluators to add, one to remove, a chair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seating {
    /// Evaluators to add.
    pub evaluators: Vec<PersonId>,
    /// The evaluator replaced (reassignment).
    pub replaced: Option<PersonId>,
    /// The chair to give the chair role, if the project has none.
    pub chair: Option<PersonId>,
    /// The pool has a chair who may not chair this project (a conflict):
    /// if it has no chair yet, record it and tell the coordinators.
    pub chair_excluded: bool,
    /// The pool could not staff the project entering the stage: record it
    /// and tell the coordinators (the number of evaluators still missing).
    pub short: Option<u32>,
}

/// Records that the project has evaluators but no chair (only a chair
/// moderates and decides) and tells the coordinators, who give the role by
/// hand: a `CommitteeShort` of one chair.
fn no_chair(draft: &mut Draft<'_, '_>) -> Result<(), Rejection> {
    let seq = draft.record(
        None,
        Change::CommitteeShort {
            role: CHAIR_ROLE.to_owned(),
            missing: 1,
        },
    )?;
    draft.notify_roles(&[COORDINATOR_ROLE.to_owned()], NO_CHAIR_TEMPLATE, seq);
    Ok(())
}

/// Seats `seating` on a project in the stage it is in: continues `base` (a
/// decision that moved it there, to commit in the same transaction) or
/// starts from `state`. Each evaluator is a `MemberAdded` event in the
/// assessment's role, mailed [`ASSIGNED_TEMPLATE`], with their scoring
/// deadline's reminders and escalation planned as timers when the
/// assessment has `score_within:`; a replaced evaluator's role is ended
/// (`MemberRemoved`) and their timers cancelled; a chair seated is mailed
/// [`CHAIR_TEMPLATE`].
pub fn seat(
    project: &Project<'_>,
    state: &super::state::ProjectState,
    base: Option<Decision>,
    actor: Option<PersonId>,
    seating: &Seating,
    now: Timestamp,
) -> Result<Decision, Rejection> {
    let mut draft = match base {
        Some(decision) => Draft::resume(project, decision, now),
        None => Draft::new(project, state.clone(), now),
    };
    let stage = super::current_stage(project.workflow, &draft.state)?;
    if stage.terminal {
        return Err(Rejection::Finished {
            stage: stage.key.clone(),
        });
    }
    let Some(assessment) = &stage.assessment else {
        return Err(Rejection::NoAssessment {
            stage: stage.key.clone(),
        });
    };
    let role = assessment.by[0].clone();
    if let Some(old) = seating.replaced {
        if draft.state.scorecards.contains_key(&old) {
            return Err(Rejection::AlreadyScoredCannotReplace);
        }
        if !draft
            .state
            .members
            .iter()
            .any(|m| m.person == old && m.role == role)
        {
            return Err(Rejection::NotAnEvaluator { role: role.clone() });
        }
        draft.record(
            actor,
            Change::MemberRemoved {
                person: old,
                role: role.clone(),
            },
        )?;
        cancel_score_timers(&mut draft, assessment, old);
    }
    let mut members: Vec<Member> = project.members.to_vec();
    if let Some(old) = seating.replaced {
        members.retain(|m| !(m.person == old && m.role == role));
    }
    if let Some(short) = seating.short {
        let seq = draft.record(
            None,
            Change::CommitteeShort {
                role: role.clone(),
                missing: short,
            },
        )?;
        draft.notify_roles(&[COORDINATOR_ROLE.to_owned()], SHORT_TEMPLATE, seq);
    }
    for person in &seating.evaluators {
        let seated = Project {
            members: &members,
            ..*project
        };
        members::may_hold(&seated, *person, &role)?;
        let seq = draft.record(
            actor,
            Change::MemberAdded {
                person: *person,
                role: role.clone(),
            },
        )?;
        members.push(Member {
            person: *person,
            role: role.clone(),
        });
        push_note(&mut draft, ASSIGNED_TEMPLATE, *person, seq);
        plan_score_timers(&mut draft, assessment, *person)?;
    }
    if let Some(chair) = seating.chair
        && project.workflow.roles.iter().any(|r| r == CHAIR_ROLE)
        && !members.iter().any(|m| m.role == CHAIR_ROLE)
    {
        let seated = Project {
            members: &members,
            ..*project
        };
        // A chair with a conflict on this project is not seated (the
        // coordinator gives the role by hand), never refused as a whole.
        if members::may_hold(&seated, chair, CHAIR_ROLE).is_err() {
            no_chair(&mut draft)?;
        } else {
            let seq = draft.record(
                actor,
                Change::MemberAdded {
                    person: chair,
                    role: CHAIR_ROLE.to_owned(),
                },
            )?;
            members.push(Member {
                person: chair,
                role: CHAIR_ROLE.to_owned(),
            });
            // Told like the evaluators: the chair moderates and decides.
            push_note(&mut draft, CHAIR_TEMPLATE, chair, seq);
        }
    } else if seating.chair_excluded
        && project.workflow.roles.iter().any(|r| r == CHAIR_ROLE)
        && !members.iter().any(|m| m.role == CHAIR_ROLE)
    {
        no_chair(&mut draft)?;
    }
    let seated = Project {
        members: &members,
        ..*project
    };
    members::within_holders(&seated, &role, members::holders_of(&members, &role).len())?;
    Ok(draft.finish())
}

pub(super) fn push_note(
    draft: &mut Draft<'_, '_>,
    template: &str,
    recipient: PersonId,
    cause: i64,
) {
    let n = Notification {
        template: template.to_owned(),
        recipient,
        cause,
    };
    if !draft.notifications.contains(&n) {
        draft.notifications.push(n);
    }
}

/// Plans `person`'s scoring reminders and deadline from now, if the
/// assessment has `score_within:`.
pub(super) fn plan_score_timers(
    draft: &mut Draft<'_, '_>,
    assessment: &Assessment,
    person: PersonId,
) -> Result<(), Rejection> {
    let Some(within) = assessment.score_within else {
        return Ok(());
    };
    let calendar = draft.project.calendar;
    let now = draft.now;
    let deadline = calendar
        .after(now, within)
        .map_err(|e| Rejection::Calendar(e.to_string()))?;
    let entry = draft.state.entry;
    for (i, before) in assessment.score_reminders.iter().enumerate() {
        let at = calendar
            .reminder_time(deadline, *before, now)
            .map_err(|e| Rejection::Calendar(e.to_string()))?;
        if let Some(at) = at {
            draft.timers.set.push(Timer {
                key: reminder_key(person, i),
                kind: TimerKind::ScoreReminder,
                at,
                entry,
                to: Vec::new(),
                template: Some(REMINDER_TEMPLATE.to_owned()),
                every: None,
            });
        }
    }
    draft.timers.set.push(Timer {
        key: late_key(person),
        kind: TimerKind::ScoreLate,
        at: calendar.next_opening(deadline).unwrap_or(deadline),
        entry,
        to: vec![CHAIR_ROLE.to_owned()],
        template: Some(LATE_TEMPLATE.to_owned()),
        every: None,
    });
    Ok(())
}

/// Cancels `person`'s scoring timers (they scored, or were replaced).
pub(super) fn cancel_score_timers(
    draft: &mut Draft<'_, '_>,
    assessment: &Assessment,
    person: PersonId,
) {
    if assessment.score_within.is_none() {
        return;
    }
    let mut keys: Vec<String> = (0..assessment.score_reminders.len())
        .map(|i| reminder_key(person, i))
        .collect();
    keys.push(late_key(person));
    draft.timers.set.retain(|t| !keys.contains(&t.key));
    for key in keys {
        if !draft.timers.cancel.contains(&key) {
            draft.timers.cancel.push(key);
        }
    }
}
