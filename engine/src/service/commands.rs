//! Commands on projects: start one, give someone a role on it, act on it.
//! Each is load -> decide (pure) -> commit in one transaction.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::stats::{Source, outcome_of};
use super::{Engine, Error, input};
use crate::decide::committee::{Conflicts, NO_CONFLICTS};
use crate::decide::{self, Change, Command, Decision, Fields, Member, Possible, Project};
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store::{FirstUse, Idempotency, NewProject, Pending, ProjectRecord, StoredEvent};

/// What someone asks to do on a project.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Action name (see [`Command::action`]).
    pub action: String,
    /// Form answers or scores.
    pub fields: Fields,
    /// Comment.
    pub comment: Option<String>,
    /// The version the person saw.
    pub expected_version: Option<u64>,
    /// A retry with the same key returns the first result and applies nothing
    /// twice; the same key for a different request is refused.
    pub idempotency_key: Option<String>,
}

/// A project to start: its title and the people named on it, as (email, role).
#[derive(Debug, Clone, Default)]
pub struct ProjectStart {
    /// Title of the improvement.
    pub title: String,
    /// (email, role) pairs; the cohort's own members are added.
    pub members: Vec<(String, String)>,
}

/// The result of an accepted command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Project id.
    pub project: i64,
    /// Version after the command.
    pub version: u64,
    /// Stage after the command.
    pub stage: String,
    /// What changed.
    pub changes: Vec<Change>,
    /// Messages queued.
    pub notifications: usize,
    /// Who those messages go to (person ids, each once, in the order
    /// queued), so an interface can say who was told.
    #[serde(default)]
    pub told: Vec<i64>,
    /// True when this is the stored result of an earlier identical request.
    #[serde(default)]
    pub replayed: bool,
}

/// A project with everything needed to show it.
#[derive(Debug, Clone)]
pub struct View {
    /// The stored project.
    pub record: ProjectRecord,
    /// Its workflow version.
    pub workflow: Arc<Workflow>,
    /// What can be done now, and by whom.
    pub possible: Vec<Possible>,
}

/// Longest idempotency key, in bytes.
const MAX_KEY: usize = 200;

/// How many times a start is planned again when its cohort's calendar
/// changes under it before it gives up with a conflict (`changed`).
const MAX_REPLANS: u32 = 8;

impl Engine {
    /// Starts a project in `cohort`, pinned to the latest published version
    /// of the cohort's workflow, with `members` as (email, role) pairs.
    pub async fn start_project(
        &self,
        cohort: &str,
        title: &str,
        members: &[(String, String)],
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let start = ProjectStart {
            title: title.to_owned(),
            members: members.to_vec(),
        };
        self.start_projects(cohort, std::slice::from_ref(&start), now)
            .await?
            .pop()
            .expect("one result per project")
    }

    /// Starts several projects in `cohort` with one commit for all: the way
    /// to open an intake. The cohort must have a place for every one; each
    /// project gets its own result, and one refused (bad input, a conflict of
    /// interest) is not created and does not hold back the others.
    pub async fn start_projects(
        &self,
        cohort: &str,
        projects: &[ProjectStart],
        now: Timestamp,
    ) -> Result<Vec<Result<Outcome, Error>>, Error> {
        let cohort = self.store.cohort(cohort).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        let calendar = self.calendar(cohort.id, cohort.revision).await?;
        // Input checked first: a project with a bad title or an unknown
        // person is refused without a place taken.
        let mut checked: Vec<Result<(String, Vec<Member>), Error>> =
            Vec::with_capacity(projects.len());
        // Train-the-trainer: a coordinating or judging role given at the
        // start may need a certificate (read once; the workflow only when
        // the program asks anything).
        let needs = self.staff_needs(&program).await?;
        let staff_workflow = if needs == crate::certificate::StaffNeeds::default() {
            None
        } else {
            let stored = self.store.latest_definition(&program.workflow_key).await?;
            Some(self.cached_or_parsed(&stored)?)
        };
        for project in projects {
            let mut check = self.check_start(project).await;
            if let Ok((_, direct)) = &check {
                // A program that requires another's certificate first.
                let trainees: Vec<i64> = direct
                    .iter()
                    .filter(|m| m.role == super::TRAINEE_ROLE)
                    .map(|m| m.person)
                    .collect();
                if let Err(refused) = self.check_prerequisite(&program, &trainees, now).await {
                    check = Err(refused);
                } else if let Some(workflow) = &staff_workflow
                    && let Err(refused) = self
                        .check_staff_members(&program, &needs, workflow, direct, now)
                        .await
                {
                    check = Err(refused);
                }
            }
            checked.push(check);
        }
        let valid: Vec<NewProject<'_>> = checked
            .iter()
            .filter_map(|c| c.as_ref().ok())
            .map(|(title, direct)| NewProject { title, direct })
            .collect();
        let mut created = if valid.is_empty() {
            Vec::new().into_iter()
        } else {
            self.create_started(cohort, calendar, &program, &valid, now, true, &[])
                .await?
                .0
                .into_iter()
                .map(|r| r.map(|(id, decision)| outcome(id, &decision, false)))
                .collect::<Vec<_>>()
                .into_iter()
        };
        Ok(checked
            .into_iter()
            .map(|c| match c {
                Ok(_) => created.next().expect("one result per valid project"),
                Err(e) => Err(e),
            })
            .collect())
    }

    /// Creates the checked projects `valid` in `cohort` (planned on
    /// `calendar`, its calendar now) with one commit, planning them again
    /// when the cohort's dates change meanwhile; a place taken for each
    /// when `take_places`; `applications` (intake) written in the same
    /// transaction. Each project's decision, or why it was refused.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn create_started(
        &self,
        cohort: crate::store::Cohort,
        calendar: Arc<crate::calendar::Calendar>,
        program: &crate::store::Program,
        valid: &[NewProject<'_>],
        now: Timestamp,
        take_places: bool,
        applications: &[crate::store::ApplicationWrite],
    ) -> Result<
        (
            Vec<Result<(i64, Decision), Error>>,
            Vec<crate::decide::intake::IntakeEvent>,
        ),
        Error,
    > {
        // A role that judges the work given at the start follows the
        // committee's rules too: one load for the whole intake.
        let direct: Vec<Member> = valid
            .iter()
            .flat_map(|p| p.direct.iter().cloned())
            .collect();
        let conflicts = self.conflicts_for(&direct, None).await?;
        let mut cohort = cohort;
        let mut calendar = calendar;
        let mut replans = 0;
        let (results, pinned) = loop {
            let mut pinned: Option<(i64, Arc<Workflow>)> = None;
            let attempt = self
                .store
                .create_projects(
                    &cohort,
                    &program.workflow_key,
                    valid,
                    now,
                    |stored, id, members, position| {
                        // The text read under the definition's row lock: the
                        // one the project is pinned to. A cached parse is of
                        // a definition that already had projects, whose text
                        // can no longer change.
                        let workflow = match &pinned {
                            Some((definition, workflow)) if *definition == stored.id => {
                                workflow.clone()
                            }
                            _ => {
                                let workflow = self.cached_or_parsed(stored)?;
                                pinned = Some((stored.id, workflow.clone()));
                                workflow
                            }
                        };
                        let project = Project {
                            id,
                            workflow: &workflow,
                            calendar: &calendar,
                            members,
                            conflicts: &conflicts,
                        };
                        decide::start(&project, valid[position].direct, now)
                            .map_err(|r| Error::refused(r, &workflow))
                    },
                    take_places,
                    applications,
                )
                .await;
            match attempt {
                // The cohort's dates changed while these were planned:
                // plan them again on its calendar as it is now.
                Err(crate::store::Error::CohortChanged { .. }) if replans < MAX_REPLANS => {
                    replans += 1;
                    cohort = self.store.cohort_by_id(cohort.id).await?;
                    calendar = self.calendar(cohort.id, cohort.revision).await?;
                }
                attempt => break (attempt?, pinned),
            }
        };
        if let Some((definition, workflow)) = pinned
            && results.0.iter().any(Result::is_ok)
        {
            // Committed with projects: its text is fixed from now on.
            self.workflows
                .lock()
                .expect("cache lock")
                .insert(definition, workflow);
        }
        Ok(results)
    }

    /// A project's title and direct members, checked.
    async fn check_start(&self, project: &ProjectStart) -> Result<(String, Vec<Member>), Error> {
        let title = input::line("project-title", &project.title)?;
        let mut direct = Vec::with_capacity(project.members.len());
        for (email, role) in &project.members {
            let member = Member {
                person: self.person_id(email).await?,
                role: role.trim().to_owned(),
            };
            if !direct.contains(&member) {
                direct.push(member);
            }
        }
        Ok((title, direct))
    }

    /// Gives the person with `email` `role` on a project (e.g. an evaluator),
    /// as an event in the project's log; `by` is who gave it (`None`: the operator).
    pub async fn assign(
        &self,
        project: i64,
        by: Option<&str>,
        email: &str,
        role: &str,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let actor = match by {
            Some(by) => Some(self.person_id(by).await?),
            None => None,
        };
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        if let Some(actor) = actor {
            let ctx = decision_context(&record, &workflow, &calendar, &NO_CONFLICTS);
            // Before the email is looked up: someone who may not give roles
            // is refused alike whether or not it is registered.
            decide::may_give_roles(&ctx, actor).map_err(|r| Error::refused(r, &workflow))?;
        }
        // Not from the cache: an email corrected by another process must
        // not give the role to whoever had it before.
        let found = self.store.person(&input::email(email)?).await?;
        let person = found.id;
        // The committee's conflict rules judge whoever is given a role
        // that judges the work (an evaluator, the chair).
        let conflicts = self.conflicts_for(&record.members, Some(person)).await?;
        let ctx = decision_context(&record, &workflow, &calendar, &conflicts);
        let decision = decide::add_member(&ctx, &record.state, actor, person, role.trim(), now)
            .map_err(|r| Error::refused(r, &workflow))?;
        // Train-the-trainer: a coordinator's or a judging role may need a
        // certificate of another program.
        if let Some(staff) = crate::certificate::Staff::of_role(&workflow, role.trim()) {
            let cohort = self.store.cohort_by_id(record.cohort_id).await?;
            let program = self.store.program_by_id(cohort.program_id).await?;
            self.check_staff(&program, Some(person), &found.email, staff, now)
                .await?;
        }
        self.commit_one(project, record.state.version, decision, now)
            .await
    }

    /// Runs a command as the person with `actor_email`.
    ///
    /// A command that did not name the version it saw is decided again when
    /// the project changed under it (e.g. a timer fired meanwhile), a few
    /// times, before the conflict is reported.
    pub async fn act(
        &self,
        project: i64,
        actor_email: &str,
        request: Request,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let result = self.act_once(project, actor_email, request, now).await;
        self.commands.count(Source::Person, &result);
        result
    }

    /// [`Engine::act`], uncounted.
    async fn act_once(
        &self,
        project: i64,
        actor_email: &str,
        request: Request,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let mut tries = if request.expected_version.is_none() {
            3
        } else {
            1
        };
        loop {
            tries -= 1;
            let prepared = self
                .prepare(project, actor_email, request.clone(), now, None)
                .await?;
            let result = self
                .commit(vec![prepared], now)
                .await?
                .pop()
                .expect("one result per command");
            match result {
                Err(e) if tries > 0 && e.is_race() => continue,
                other => return other,
            }
        }
    }

    /// Runs independent commands (on different projects) with one commit for
    /// all: the way to go fast when many arrive at once. Each command gets its
    /// own result; one refused or conflicting command does not hold back the others.
    pub async fn act_many(
        &self,
        commands: Vec<(i64, String, Request)>,
        now: Timestamp,
    ) -> Result<Vec<Result<Outcome, Error>>, Error> {
        let n = commands.len() as u64;
        let results = self.act_many_once(commands, now).await;
        match &results {
            Ok(results) => {
                for result in results {
                    self.commands.count(Source::Person, result);
                }
            }
            // Nothing was decided: each command ended as the batch did.
            Err(e) => self.commands.add(Source::Person, outcome_of(e), n),
        }
        results
    }

    /// [`Engine::act_many`], uncounted.
    async fn act_many_once(
        &self,
        commands: Vec<(i64, String, Request)>,
        now: Timestamp,
    ) -> Result<Vec<Result<Outcome, Error>>, Error> {
        // `None` marks a command that was prepared and awaits its commit result.
        let mut results: Vec<Option<Result<Outcome, Error>>> = Vec::with_capacity(commands.len());
        let mut ready = Vec::new();
        let ids: Vec<i64> = commands.iter().map(|(project, _, _)| *project).collect();
        let mut loaded: HashMap<i64, ProjectRecord> = self
            .store
            .projects_by_id(&ids)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        for (project, email, request) in commands {
            // A second command on the same project loads it afresh (and will conflict).
            match self
                .prepare(project, &email, request, now, loaded.remove(&project))
                .await
            {
                Ok(prepared) => {
                    ready.push(prepared);
                    results.push(None);
                }
                Err(refused) => results.push(Some(Err(refused))),
            }
        }
        let mut committed = self.commit(ready, now).await?.into_iter();
        Ok(results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| committed.next().expect("one result per prepared command"))
            })
            .collect())
    }

    /// Loads (unless `loaded` is given), checks and decides a command, without writing anything.
    async fn prepare(
        &self,
        project: i64,
        actor_email: &str,
        request: Request,
        now: Timestamp,
        loaded: Option<ProjectRecord>,
    ) -> Result<Prepared, Error> {
        let actor = self.person_id(actor_email).await?;
        if let Some(comment) = &request.comment {
            input::comment(comment)?;
        }
        let fingerprint = request
            .idempotency_key
            .as_deref()
            .map(|key| {
                if key.is_empty() || key.len() > MAX_KEY {
                    return Err(Error::Invalid(Reason::new(
                        "idempotency-key",
                        vec![("max", Arg::count(MAX_KEY))],
                    )));
                }
                Ok(fingerprint(project, &request))
            })
            .transpose()?;
        if let (Some(key), Some(fingerprint)) = (&request.idempotency_key, &fingerprint)
            && let Some(first) = self.store.first_use(actor, key).await?
        {
            return replay(key, fingerprint, &first).map(Prepared::Replay);
        }
        let record = match loaded {
            Some(record) => record,
            None => self.store.project(project).await?,
        };
        let (workflow, calendar) = self.context(&record).await?;
        // In an assessed stage people score, moderate and decide: the
        // committee's conflict rules read organizations and declarations.
        let assessed = workflow
            .stage(&record.state.stage)
            .is_some_and(|s| s.assessment.is_some());
        let conflicts = if assessed {
            self.conflicts_for(&record.members, None).await?
        } else {
            Conflicts::default()
        };
        let ctx = decision_context(&record, &workflow, &calendar, &conflicts);
        let command = Command {
            actor,
            action: request.action,
            fields: request.fields,
            comment: request.comment,
            expected_version: request.expected_version,
        };
        let decision = match decide::decide(&ctx, &record.state, &command, now) {
            Ok(decision) => decision,
            // A concurrent retry of the same keyed request may have committed
            // between the key lookup and the load: its result is the answer.
            Err(refused) => {
                if let (Some(key), Some(fingerprint)) = (&request.idempotency_key, &fingerprint)
                    && let Some(first) = self.store.first_use(actor, key).await?
                {
                    return replay(key, fingerprint, &first).map(Prepared::Replay);
                }
                return Err(Error::refused(refused, &workflow));
            }
        };
        // Entering a stage with an assessment seats its committee in the same decision.
        let decision = match self.with_committee(&record, &ctx, &decision, now).await? {
            Some(seated) => seated,
            None => decision,
        };
        let certificate = self
            .certificate_for(&record, &workflow, &calendar, &decision, now)
            .await?
            .map(Box::new);
        let frees = frees_place(&record, &workflow, &decision);
        let outcome = outcome(project, &decision, false);
        let response = serde_json::to_string(&outcome).expect("outcome serialises");
        let idempotency = request
            .idempotency_key
            .zip(fingerprint)
            .map(|(key, request)| Keyed {
                actor,
                key,
                response,
                request,
            });
        Ok(Prepared::Decided {
            project,
            expected: record.state.version,
            decision: Box::new(decision),
            outcome,
            idempotency,
            certificate,
            frees,
        })
    }

    /// Commits one decision made from `record`'s version (a role given, a
    /// file added), or the store's conflict when the project moved on.
    pub(super) async fn commit_one(
        &self,
        project: i64,
        expected: u64,
        decision: Decision,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        self.commit_freeing(project, expected, decision, None, now)
            .await
    }

    /// [`Engine::commit_one`], giving back a place of cohort `frees` in
    /// the same transaction (a withdrawal).
    pub(super) async fn commit_freeing(
        &self,
        project: i64,
        expected: u64,
        decision: Decision,
        frees: Option<i64>,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let prepared = Prepared::Decided {
            project,
            expected,
            outcome: outcome(project, &decision, false),
            decision: Box::new(decision),
            idempotency: None,
            certificate: None,
            frees,
        };
        self.commit(vec![prepared], now)
            .await?
            .pop()
            .expect("one result per command")
    }

    /// Commits prepared commands in one transaction; replays need no write.
    /// On SQLite a single decided command goes through the group
    /// committer, sharing a transaction with the commands that arrive with
    /// it (SQLite has one writer at a time anyway). PostgreSQL runs
    /// concurrent transactions side by side and flushes their commits
    /// together itself: there, funnelling them through one committer was
    /// slower (8 clients, issue 18), so each commits on its own.
    async fn commit(
        &self,
        prepared: Vec<Prepared>,
        now: Timestamp,
    ) -> Result<Vec<Result<Outcome, Error>>, Error> {
        let (prepared, committed) = if prepared.len() == 1
            && matches!(prepared[0], Prepared::Decided { .. })
            && self.store.kind() == "sqlite"
        {
            let one = prepared.into_iter().next().expect("one command");
            let (one, committed) = self.group.commit(one, now).await?;
            (vec![one], vec![committed])
        } else {
            let pending: Vec<Pending<'_>> = prepared.iter().filter_map(Prepared::pending).collect();
            let committed = if pending.is_empty() {
                Vec::new()
            } else {
                self.store.commit_many(&pending, now).await?
            };
            drop(pending);
            (prepared, committed)
        };
        // Places given back (a workflow action into the withdrawal stage)
        // go to the first of each cohort's waiting list.
        let mut freed: Vec<i64> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Decided { frees, .. } => Some(*frees),
                Prepared::Replay(_) => None,
            })
            .zip(&committed)
            .filter(|(_, result)| matches!(result, Ok(None)))
            .filter_map(|(frees, _)| frees)
            .collect();
        freed.sort_unstable();
        freed.dedup();
        for cohort in freed {
            self.offer_freed(cohort, now).await?;
        }
        let mut committed = committed.into_iter();
        let mut results = Vec::with_capacity(prepared.len());
        for p in &prepared {
            results.push(match p {
                Prepared::Replay(outcome) => Ok(outcome.clone()),
                Prepared::Decided {
                    outcome,
                    idempotency,
                    ..
                } => match committed.next().expect("one result per decision") {
                    Ok(None) => Ok(outcome.clone()),
                    Ok(Some(first)) => {
                        let keyed = idempotency.as_ref().expect("only keyed commands replay");
                        replay(&keyed.key, &keyed.request, &first)
                    }
                    Err(e) => Err(e.into()),
                },
            });
        }
        Ok(results)
    }

    /// How many transactions the group committer ran and how many commands
    /// they carried, since this engine was opened: commands per transaction
    /// is how much committing together saved (for benchmarks and tests).
    pub fn group_commits(&self) -> (u64, u64) {
        self.group.counts()
    }

    /// A project's history, oldest first.
    pub async fn history(&self, project: i64) -> Result<Vec<StoredEvent>, Error> {
        Ok(self.store.events(project).await?)
    }

    /// The histories of several projects, each oldest first, in the order
    /// given: for reports over a whole cohort.
    pub async fn histories(&self, projects: &[i64]) -> Result<Vec<Vec<StoredEvent>>, Error> {
        Ok(self.store.events_of(projects).await?)
    }

    /// A project's pending timers: (key, kind, when).
    pub async fn pending_timers(
        &self,
        project: i64,
    ) -> Result<Vec<(String, String, Timestamp)>, Error> {
        Ok(self.store.pending_timers(project).await?)
    }

    /// A project's messages: (template, recipient email, state).
    pub async fn messages(&self, project: i64) -> Result<Vec<(String, String, String)>, Error> {
        Ok(self.store.outbox(project).await?)
    }

    /// A project with its workflow and what can be done next.
    pub async fn view(&self, project: i64) -> Result<View, Error> {
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        let ctx = decision_context(&record, &workflow, &calendar, &NO_CONFLICTS);
        let possible = decide::possible(&ctx, &record.state);
        Ok(View {
            record,
            workflow,
            possible,
        })
    }
}

/// A command ready to commit, or the stored result of an earlier identical one.
#[derive(Debug)]
pub(super) enum Prepared {
    /// Already done: the first result.
    Replay(Outcome),
    /// Decided, to be committed.
    Decided {
        project: i64,
        expected: u64,
        decision: Box<Decision>,
        outcome: Outcome,
        idempotency: Option<Keyed>,
        /// The certificate the decision issues, written in its transaction.
        certificate: Option<Box<crate::store::NewCertificate>>,
        /// The cohort whose place the decision gives back (the project
        /// enters its workflow's withdrawal stage).
        frees: Option<i64>,
    },
}

impl Prepared {
    /// What the store commits of a decided command (none for a replay).
    pub(super) fn pending(&self) -> Option<Pending<'_>> {
        match self {
            Prepared::Decided {
                project,
                expected,
                decision,
                idempotency,
                certificate,
                frees,
                ..
            } => Some(Pending {
                project: *project,
                expected: *expected,
                decision,
                idempotency: idempotency.as_ref().map(|k| Idempotency {
                    actor: k.actor,
                    key: &k.key,
                    response: &k.response,
                    request: &k.request,
                }),
                completes: &[],
                certificate: certificate.as_deref(),
                frees: *frees,
            }),
            Prepared::Replay(_) => None,
        }
    }
}

/// The idempotency record a keyed command stores with its commit.
#[derive(Debug)]
pub(super) struct Keyed {
    actor: i64,
    key: String,
    /// The result, as JSON.
    response: String,
    /// The request's fingerprint.
    request: String,
}

/// The cohort whose place `decision` gives back: the project enters the
/// stage its workflow marks `withdrawal: true` (by a withdrawal, or by a
/// workflow action leading there) from any other.
pub(super) fn frees_place(
    record: &ProjectRecord,
    workflow: &Workflow,
    decision: &Decision,
) -> Option<i64> {
    let stage = workflow.withdrawal_stage()?;
    (decision.state.stage == stage.key && record.state.stage != stage.key)
        .then_some(record.cohort_id)
}

/// What the decision core needs to know about a stored project.
pub(super) fn decision_context<'a>(
    record: &'a ProjectRecord,
    workflow: &'a Workflow,
    calendar: &'a crate::calendar::Calendar,
    conflicts: &'a Conflicts,
) -> Project<'a> {
    Project {
        id: record.id,
        workflow,
        calendar,
        members: &record.members,
        conflicts,
    }
}

pub(super) fn outcome(project: i64, decision: &Decision, replayed: bool) -> Outcome {
    Outcome {
        project,
        version: decision.state.version,
        stage: decision.state.stage.clone(),
        changes: decision.events.iter().map(|e| e.change.clone()).collect(),
        notifications: decision.notifications.len(),
        told: told(decision),
        replayed,
    }
}

/// The recipients of `decision`'s notifications, each once, in the order queued.
fn told(decision: &Decision) -> Vec<i64> {
    let mut told: Vec<i64> = Vec::new();
    for n in &decision.notifications {
        if !told.contains(&n.recipient) {
            told.push(n.recipient);
        }
    }
    told
}

/// What identifies a request for idempotency: the project, the action and
/// everything it carries (not the version it saw: a retry may see a newer one).
fn fingerprint(project: i64, request: &Request) -> String {
    let text = serde_json::json!({
        "project": project,
        "action": request.action,
        "fields": request.fields,
        "comment": request.comment,
    })
    .to_string();
    crate::audit::to_hex(&Sha256::digest(text.as_bytes()))
}

/// The first result of `key`, if `fingerprint` is the request that used it first.
fn replay(key: &str, fingerprint: &str, first: &FirstUse) -> Result<Outcome, Error> {
    // A key stored before requests were fingerprinted matches any request.
    if !first.request.is_empty() && first.request != fingerprint {
        return Err(Error::Conflict(Reason::new(
            "idempotency-key-reused",
            vec![("key", Arg::Text(key.escape_default().to_string()))],
        )));
    }
    let mut outcome: Outcome = serde_json::from_str(&first.response)
        .map_err(|e| Error::internal(format!("stored idempotent response: {e}")))?;
    outcome.replayed = true;
    Ok(outcome)
}
