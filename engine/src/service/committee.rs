//! Committees (issue 15, parts 2 and 3): a cohort's pool with its chair,
//! declared conflicts, and assigning evaluators — automatically when a
//! project enters a stage with an assessment (in the same transaction as
//! the move), on demand for a whole cohort, and replacing one evaluator.
//!
//! The service only loads: the pool, each member's load, organizations and
//! conflicts. The choice is the core's pure [`committee::assign`]; seating
//! the people is the core's [`committee::seat`] (events, mail, timers).
//!
//! **Automatic assignment never blocks a move.** When the pool cannot staff
//! a project entering evaluation, the move goes ahead, a `CommitteeShort`
//! event records it and the cohort's coordinators are mailed; they mend
//! the pool and run `gradflow committee assign --cohort` (which staffs
//! every project lacking evaluators). A cohort with no pool is left alone:
//! evaluators are given by hand, as before pools existed.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;

use super::commands::{Outcome, decision_context};
use super::{Engine, Error, input};
use crate::certificate::Staff;
use crate::decide::committee::{
    self, ConflictWith, Conflicts, Declared, Need, Pool, PoolMember, Seating, TooSmall,
};
use crate::decide::{Change, Decision, Member, Project};
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store::{ConflictRow, Pending, PoolRow, ProjectRecord};

/// The committee's own mail (assignment, the chair seated, scoring reminder,
/// late evaluator, pool too small), in English and Arabic: used when a workflow's published
/// templates do not give their own under the same names.
pub(super) const BUILT_IN_TEMPLATES: &[(&str, &str)] = &[
    (
        "committee_assigned.subject.hbs",
        include_str!("../../templates/committee/committee_assigned.subject.hbs"),
    ),
    (
        "committee_assigned.text.hbs",
        include_str!("../../templates/committee/committee_assigned.text.hbs"),
    ),
    (
        "committee_assigned.ar.subject.hbs",
        include_str!("../../templates/committee/committee_assigned.ar.subject.hbs"),
    ),
    (
        "committee_assigned.ar.text.hbs",
        include_str!("../../templates/committee/committee_assigned.ar.text.hbs"),
    ),
    (
        "committee_chair_assigned.subject.hbs",
        include_str!("../../templates/committee/committee_chair_assigned.subject.hbs"),
    ),
    (
        "committee_chair_assigned.text.hbs",
        include_str!("../../templates/committee/committee_chair_assigned.text.hbs"),
    ),
    (
        "committee_chair_assigned.ar.subject.hbs",
        include_str!("../../templates/committee/committee_chair_assigned.ar.subject.hbs"),
    ),
    (
        "committee_chair_assigned.ar.text.hbs",
        include_str!("../../templates/committee/committee_chair_assigned.ar.text.hbs"),
    ),
    (
        "committee_score_reminder.subject.hbs",
        include_str!("../../templates/committee/committee_score_reminder.subject.hbs"),
    ),
    (
        "committee_score_reminder.text.hbs",
        include_str!("../../templates/committee/committee_score_reminder.text.hbs"),
    ),
    (
        "committee_score_reminder.ar.subject.hbs",
        include_str!("../../templates/committee/committee_score_reminder.ar.subject.hbs"),
    ),
    (
        "committee_score_reminder.ar.text.hbs",
        include_str!("../../templates/committee/committee_score_reminder.ar.text.hbs"),
    ),
    (
        "committee_score_late.subject.hbs",
        include_str!("../../templates/committee/committee_score_late.subject.hbs"),
    ),
    (
        "committee_score_late.text.hbs",
        include_str!("../../templates/committee/committee_score_late.text.hbs"),
    ),
    (
        "committee_score_late.ar.subject.hbs",
        include_str!("../../templates/committee/committee_score_late.ar.subject.hbs"),
    ),
    (
        "committee_score_late.ar.text.hbs",
        include_str!("../../templates/committee/committee_score_late.ar.text.hbs"),
    ),
    (
        "committee_no_chair.subject.hbs",
        include_str!("../../templates/committee/committee_no_chair.subject.hbs"),
    ),
    (
        "committee_no_chair.text.hbs",
        include_str!("../../templates/committee/committee_no_chair.text.hbs"),
    ),
    (
        "committee_no_chair.ar.subject.hbs",
        include_str!("../../templates/committee/committee_no_chair.ar.subject.hbs"),
    ),
    (
        "committee_no_chair.ar.text.hbs",
        include_str!("../../templates/committee/committee_no_chair.ar.text.hbs"),
    ),
    (
        "committee_short.subject.hbs",
        include_str!("../../templates/committee/committee_short.subject.hbs"),
    ),
    (
        "committee_short.text.hbs",
        include_str!("../../templates/committee/committee_short.text.hbs"),
    ),
    (
        "committee_short.ar.subject.hbs",
        include_str!("../../templates/committee/committee_short.ar.subject.hbs"),
    ),
    (
        "committee_short.ar.text.hbs",
        include_str!("../../templates/committee/committee_short.ar.text.hbs"),
    ),
];

/// How often a cohort's assignment is decided again when another process
/// changed one of its projects meanwhile.
const RACE_TRIES: usize = 20;

/// What assigning a cohort's committees did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CohortAssignment {
    /// Projects given evaluators now: (project, evaluator ids).
    pub assigned: Vec<(i64, Vec<i64>)>,
    /// Projects in an assessed stage that had all their evaluators already.
    pub complete: usize,
}

/// A pool member with their current load, for listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PoolEntry {
    /// The member.
    #[serde(flatten)]
    pub member: PoolRow,
    /// Projects of the cohort they evaluate.
    pub load: i64,
}

impl Engine {
    /// Adds the person with `email` to `cohort`'s committee pool (as its
    /// chair when `chair`). Being in a pool reveals no project.
    pub async fn pool_add(
        &self,
        cohort: &str,
        email: &str,
        chair: bool,
        now: Timestamp,
    ) -> Result<(), Error> {
        let cohort = self.store.cohort(cohort).await?;
        let person = self.store.person(&input::email(email)?).await?;
        // Train-the-trainer: the program may ask its committee for a certificate.
        let program = self.store.program_by_id(cohort.program_id).await?;
        self.check_staff(
            &program,
            Some(person.id),
            &person.email,
            Staff::Committee,
            now,
        )
        .await?;
        self.store
            .pool_add(cohort.id, person.id, chair, now)
            .await?;
        Ok(())
    }

    /// Removes the person with `email` from `cohort`'s pool (their current
    /// assignments stay; reassign them).
    pub async fn pool_remove(&self, cohort: &str, email: &str) -> Result<(), Error> {
        let cohort_row = self.store.cohort(cohort).await?;
        let email = input::email(email)?;
        let person = self.store.person(&email).await?;
        if self.store.pool_remove(cohort_row.id, person.id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(Reason::new(
                "committee-not-in-pool",
                vec![("email", Arg::Text(email))],
            )))
        }
    }

    /// `cohort`'s pool with each member's load in the assessment role
    /// `role` (the evaluators' role, e.g. `committee`).
    pub async fn pool(&self, cohort: &str, role: &str) -> Result<Vec<PoolEntry>, Error> {
        let cohort = self.store.cohort(cohort).await?;
        let loads: BTreeMap<i64, i64> = self
            .store
            .committee_loads(cohort.id, role)
            .await?
            .into_iter()
            .collect();
        Ok(self
            .store
            .pool(cohort.id)
            .await?
            .into_iter()
            .map(|m| PoolEntry {
                load: loads.get(&m.person).copied().unwrap_or(0),
                member: m,
            })
            .collect())
    }

    /// Records that the person with `email` may not evaluate projects of
    /// the trainee with `trainee` (an email), or of trainees of
    /// `organization` — exactly one of the two — because of `reason`; `by`
    /// is who recorded it (an email, or `None` for the operator). Returns
    /// its id.
    pub async fn declare_conflict(
        &self,
        email: &str,
        trainee: Option<&str>,
        organization: Option<&str>,
        reason: &str,
        by: Option<&str>,
        now: Timestamp,
    ) -> Result<i64, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let reason = input::line("reason", reason)?;
        let by = match by {
            Some(by) => self.conflict_recorder(&person, &input::email(by)?).await?,
            None => "operator".to_owned(),
        };
        let (trainee, organization) = match (trainee, organization) {
            (Some(t), None) => (Some(self.store.person(&input::email(t)?).await?.id), None),
            (None, Some(o)) => (None, Some(input::line("organization", o)?)),
            _ => {
                return Err(Error::Invalid(Reason::new(
                    "committee-conflict-target",
                    vec![],
                )));
            }
        };
        Ok(self
            .store
            .declare_conflict(
                person.id,
                trainee,
                organization.as_deref(),
                &reason,
                &by,
                now,
            )
            .await?)
    }

    /// `by`, who records a conflict of `person`: the person themselves, or
    /// a coordinator (of any cohort: conflicts are the institute's, not a
    /// cohort's); anyone else is refused, naming who may.
    async fn conflict_recorder(
        &self,
        person: &crate::store::Person,
        by: &str,
    ) -> Result<String, Error> {
        if by == person.email {
            return Ok(person.email.clone());
        }
        let recorder = self.store.person(by).await?;
        if self
            .store
            .coordinated_cohorts(recorder.id)
            .await?
            .is_empty()
        {
            return Err(Error::Forbidden(Reason::new(
                "committee-conflict-recorder",
                vec![
                    ("by", Arg::Text(recorder.email)),
                    ("email", Arg::Text(person.email.clone())),
                ],
            )));
        }
        Ok(recorder.email)
    }

    /// Declared conflicts of `cohort`'s pool members (all with `None`).
    pub async fn conflicts(&self, cohort: Option<&str>) -> Result<Vec<ConflictRow>, Error> {
        let id = match cohort {
            Some(name) => Some(self.store.cohort(name).await?.id),
            None => None,
        };
        Ok(self.store.conflicts(id).await?)
    }

    /// Gives every project of `cohort` that is in a stage with an
    /// assessment the evaluators it still lacks, from the cohort's pool;
    /// `by` is who asks (a coordinator of the cohort; `None`: the operator).
    /// All or nothing: when the pool cannot staff one project, nothing
    /// changes and the refusal says who was excluded and why. Safe to run
    /// from several processes at once: a project another one staffed
    /// meanwhile is decided again and needs nobody more.
    pub async fn assign_cohort(
        &self,
        cohort: &str,
        by: Option<&str>,
        now: Timestamp,
    ) -> Result<CohortAssignment, Error> {
        let cohort = self.store.cohort(cohort).await?;
        let actor = match by {
            Some(by) => {
                let person = self.store.person(&input::email(by)?).await?;
                if !self
                    .store
                    .coordinated_cohorts(person.id)
                    .await?
                    .contains(&cohort.id)
                {
                    return Err(Error::Forbidden(Reason::new(
                        "not-allowed-none",
                        vec![
                            ("action", Arg::Action("give-roles".into())),
                            (
                                "allowed",
                                Arg::any_of_roles(&[committee::COORDINATOR_ROLE.to_owned()]),
                            ),
                        ],
                    )));
                }
                Some(person.id)
            }
            None => None,
        };
        let mut result = CohortAssignment::default();
        for _ in 0..RACE_TRIES {
            let ids = self.store.cohort_project_ids(cohort.id).await?;
            let records = self.store.projects_by_id(&ids).await?;
            let mut staffed = Vec::new();
            // Projects by workflow version and evaluator role.
            let mut contexts = Vec::new();
            for record in &records {
                let (workflow, calendar) = self.context(record).await?;
                let Some(stage) = workflow.stage(&record.state.stage) else {
                    continue;
                };
                if stage.terminal {
                    continue;
                }
                let Some(assessment) = &stage.assessment else {
                    continue;
                };
                contexts.push((record, workflow.clone(), calendar, assessment.by[0].clone()));
            }
            if contexts.is_empty() {
                return Ok(result);
            }
            let members: Vec<Member> = contexts
                .iter()
                .flat_map(|(r, ..)| r.members.iter().cloned())
                .collect();
            let pool = self.load_pool(cohort.id, &contexts[0].3, &members).await?;
            if pool.members.is_empty() {
                return Err(Error::Conflict(Reason::new(
                    "committee-no-pool",
                    vec![("cohort", Arg::Text(cohort.name.clone()))],
                )));
            }
            let needs: Vec<Need<'_>> = contexts
                .iter()
                .map(|(r, w, _, _)| Need {
                    project: r.id,
                    members: &r.members,
                    wanted: w
                        .stage(&r.state.stage)
                        .and_then(|s| s.assessment.as_ref())
                        .map_or(0, |a| a.evaluators),
                    not: &[],
                })
                .collect::<Vec<_>>();
            // One role per cohort in practice (one workflow); the first
            // project's decides the loads counted.
            let picks = committee::assign(
                &contexts[0].1,
                &contexts[0].3,
                &pool,
                &needs,
                cohort.id as u64,
            );
            if let Some(short) = picks.iter().find_map(|p| p.as_ref().err()) {
                return Err(self.too_small(short).await?);
            }
            let mut decisions: Vec<(i64, u64, Decision)> = Vec::new();
            for ((record, workflow, calendar, _), picked) in contexts.iter().zip(picks) {
                let picked = picked.expect("checked above");
                if picked.is_empty() {
                    result.complete += 1;
                    continue;
                }
                let ctx = decision_context(record, workflow, calendar, &committee::NO_CONFLICTS);
                let (chair, chair_excluded) = self.chair_for(&pool, workflow, &ctx);
                let seating = Seating {
                    evaluators: picked.clone(),
                    chair,
                    chair_excluded,
                    ..Seating::default()
                };
                let decision = committee::seat(&ctx, &record.state, None, actor, &seating, now)
                    .map_err(|r| Error::refused(r, workflow))?;
                decisions.push((record.id, record.state.version, decision));
                staffed.push((record.id, picked));
            }
            if decisions.is_empty() {
                return Ok(result);
            }
            let pending: Vec<Pending<'_>> = decisions
                .iter()
                .map(|(project, expected, decision)| Pending {
                    project: *project,
                    expected: *expected,
                    decision,
                    idempotency: None,
                    completes: &[],
                    certificate: None,
                    frees: None,
                })
                .collect();
            let committed = match self.store.commit_many(&pending, now).await {
                Ok(c) => c,
                Err(crate::store::Error::Busy) => continue,
                Err(e) => return Err(e.into()),
            };
            let mut raced = false;
            for (r, s) in committed.into_iter().zip(staffed) {
                match r {
                    Ok(_) => result.assigned.push(s),
                    Err(crate::store::Error::Conflict { .. }) => raced = true,
                    Err(e) => return Err(e.into()),
                }
            }
            if !raced {
                return Ok(result);
            }
            // Another process changed some projects: decide those again.
            result.complete = 0;
        }
        Err(Error::Conflict(Reason::new("changed", vec![])))
    }

    /// [`Engine::assign_cohort`] for a signed-in coordinator of cohort
    /// `cohort` (by id): the board's button. A cohort they do not
    /// coordinate is not found, like one that does not exist.
    pub async fn assign_cohort_as(
        &self,
        viewer: &super::Viewer,
        cohort: i64,
        now: Timestamp,
    ) -> Result<CohortAssignment, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        self.assign_cohort(&cohort.name, Some(&viewer.person.email), now)
            .await
    }

    /// Replaces evaluator `out` (an email) on `project` by another pool
    /// member, chosen by the same rules; `by` is the coordinator asking
    /// (`None`: the operator). An evaluator who has scored is not replaced.
    pub async fn reassign(
        &self,
        project: i64,
        out: &str,
        by: Option<&str>,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let actor = match by {
            Some(by) => Some(self.person_id(by).await?),
            None => None,
        };
        let out = self.store.person(&input::email(out)?).await?.id;
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        let ctx = decision_context(&record, &workflow, &calendar, &committee::NO_CONFLICTS);
        if let Some(actor) = actor {
            crate::decide::may_give_roles(&ctx, actor).map_err(|r| Error::refused(r, &workflow))?;
        }
        let stage = workflow
            .stage(&record.state.stage)
            .ok_or_else(|| Error::internal("unknown stage"))?;
        let Some(assessment) = &stage.assessment else {
            return Err(Error::refused(
                crate::decide::Rejection::NoAssessment {
                    stage: stage.key.clone(),
                },
                &workflow,
            ));
        };
        let role = assessment.by[0].clone();
        let staying: Vec<Member> = record
            .members
            .iter()
            .filter(|m| !(m.person == out && m.role == role))
            .cloned()
            .collect();
        let pool = self
            .load_pool(record.cohort_id, &role, &record.members)
            .await?;
        let not = [out];
        let need = Need {
            project: record.id,
            members: &staying,
            wanted: assessment.evaluators,
            not: &not,
        };
        let seed = record.state.version ^ record.id as u64;
        let picked = match committee::assign(&workflow, &role, &pool, &[need], seed).pop() {
            Some(Ok(p)) => p,
            Some(Err(short)) => return Err(self.too_small(&short).await?),
            None => Vec::new(),
        };
        let seating = Seating {
            evaluators: picked,
            replaced: Some(out),
            ..Seating::default()
        };
        let decision = committee::seat(&ctx, &record.state, None, actor, &seating, now)
            .map_err(|r| Error::refused(r, &workflow))?;
        self.commit_one(project, record.state.version, decision, now)
            .await
    }

    /// After `decision` (made from `record`): when it entered a stage with
    /// an assessment and the cohort has a pool, the decision that also
    /// seats the evaluators the project lacks (or records that the pool
    /// could not, telling the coordinators); `None`: nothing to seat. Never
    /// refuses the move: only reading the pool can fail.
    pub(super) async fn with_committee(
        &self,
        record: &ProjectRecord,
        project: &Project<'_>,
        decision: &Decision,
        now: Timestamp,
    ) -> Result<Option<Decision>, Error> {
        let entered = decision.events.iter().rev().find_map(|e| match &e.change {
            Change::Moved { to, .. } | Change::Migrated { to_stage: to, .. } => Some(to),
            _ => None,
        });
        if entered != Some(&decision.state.stage) {
            return Ok(None);
        }
        let workflow = project.workflow;
        let Some(assessment) = workflow
            .stage(&decision.state.stage)
            .and_then(|s| s.assessment.as_ref())
        else {
            return Ok(None);
        };
        let role = &assessment.by[0];
        let pool = self
            .load_pool(record.cohort_id, role, &record.members)
            .await?;
        if pool.members.is_empty() {
            return Ok(None);
        }
        let need = Need {
            project: record.id,
            members: &record.members,
            wanted: assessment.evaluators,
            not: &[],
        };
        let seed =
            u64::from_str_radix(decision.state.head.get(..16).unwrap_or("0"), 16).unwrap_or(0);
        let seating = match committee::assign(workflow, role, &pool, &[need], seed).pop() {
            Some(Ok(evaluators)) if evaluators.is_empty() => return Ok(None),
            Some(Ok(evaluators)) => {
                let (chair, chair_excluded) = self.chair_for(&pool, workflow, project);
                Seating {
                    evaluators,
                    chair,
                    chair_excluded,
                    ..Seating::default()
                }
            }
            Some(Err(short)) => Seating {
                short: Some(short.wanted),
                ..Seating::default()
            },
            None => return Ok(None),
        };
        let seat = |seating: &Seating| {
            committee::seat(
                project,
                &record.state,
                Some(decision.clone()),
                None,
                seating,
                now,
            )
        };
        Ok(match seat(&seating) {
            Ok(seated) => Some(seated),
            // Seating refused (e.g. the role's holders would exceed the
            // workflow's limit): the move stands, the coordinators are told.
            Err(_) => seat(&Seating {
                short: Some(assessment.evaluators),
                ..Seating::default()
            })
            .ok(),
        })
    }

    /// The pool's chair, if they may chair this project; and whether the
    /// pool has a chair who may not (a conflict), so the coordinators are
    /// told the project waits for one.
    fn chair_for(
        &self,
        pool: &Pool,
        workflow: &Workflow,
        project: &Project<'_>,
    ) -> (Option<i64>, bool) {
        let Some(chair) = pool.members.iter().find(|m| m.chair) else {
            return (None, false);
        };
        match committee::excluded(
            workflow,
            committee::CHAIR_ROLE,
            pool,
            chair,
            project.members,
        ) {
            None => (Some(chair.person), false),
            Some(_) => (None, true),
        }
    }

    /// `cohort`'s pool as the core reads it: members with organizations and
    /// loads in `role`, their declared conflicts, and the organizations of
    /// the people in `members`.
    async fn load_pool(&self, cohort: i64, role: &str, members: &[Member]) -> Result<Pool, Error> {
        let rows = self.store.pool(cohort).await?;
        if rows.is_empty() && !role.is_empty() {
            return Ok(Pool::default());
        }
        let loads: BTreeMap<i64, i64> = if role.is_empty() {
            BTreeMap::new()
        } else {
            self.store
                .committee_loads(cohort, role)
                .await?
                .into_iter()
                .collect()
        };
        let declared = self
            .store
            .conflicts(Some(cohort))
            .await?
            .into_iter()
            .map(declared)
            .collect();
        let (_, organizations) = self.organizations_of(members, None).await?;
        Ok(Pool {
            members: rows
                .into_iter()
                .map(|r| PoolMember {
                    load: u32::try_from(loads.get(&r.person).copied().unwrap_or(0))
                        .unwrap_or(u32::MAX),
                    person: r.person,
                    organization: r.organization,
                    chair: r.chair,
                })
                .collect(),
            declared,
            organizations,
        })
    }

    /// What the committee's conflict rules read on a project with
    /// `members` (and for `also`, someone about to be given a role): each
    /// person's organization and the conflicts they declared.
    pub(super) async fn conflicts_for(
        &self,
        members: &[Member],
        also: Option<i64>,
    ) -> Result<Conflicts, Error> {
        let (ids, organizations) = self.organizations_of(members, also).await?;
        let declared = self
            .store
            .conflicts_of(&ids)
            .await?
            .into_iter()
            .map(declared)
            .collect();
        Ok(Conflicts {
            organizations,
            declared,
        })
    }

    /// The distinct people of `members` (and `also`, someone about to be
    /// given a role), by id, and each one's organization: what the
    /// committee's rules compare.
    async fn organizations_of(
        &self,
        members: &[Member],
        also: Option<i64>,
    ) -> Result<(Vec<i64>, BTreeMap<i64, String>), Error> {
        let ids: Vec<i64> = members
            .iter()
            .map(|m| m.person)
            .chain(also)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let organizations = self
            .store
            .people_by_id(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p.organization))
            .collect();
        Ok((ids, organizations))
    }

    /// The refusal for a pool too small, with people's names.
    async fn too_small(&self, short: &TooSmall) -> Result<Error, Error> {
        let mut ids: Vec<i64> = short.excluded.iter().map(|(p, _)| *p).collect();
        for (_, why) in &short.excluded {
            if let committee::Excluded::Declared(ConflictWith::Trainee(t)) = why {
                ids.push(*t);
            }
        }
        let names: BTreeMap<i64, String> = self
            .store
            .people_by_id(&ids)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        Ok(Error::Conflict(short.reason(|id| {
            names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))
        })))
    }
}

/// A stored declared conflict as the core reads it.
pub(super) fn declared(c: ConflictRow) -> Declared {
    Declared {
        person: c.person,
        with: match (c.trainee, c.organization) {
            (Some(t), _) => ConflictWith::Trainee(t),
            (None, o) => ConflictWith::Organization(o.unwrap_or_default()),
        },
    }
}
