//! Running commands the one way: load, decide (pure), commit in one
//! transaction. The CLI, and later the web server and workers, all come
//! through here, so authorization and rules live in one place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::decide::{self, Change, Command, Decision, Fields, Possible, Project, Rejection};
use crate::definition::{self, Templates, Workflow};
use crate::store::{self, Idempotency, Pending, ProjectRecord, Store};

/// Why a command did not go through.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused it; nothing changed.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// The store failed or refused; nothing changed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

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
    /// A retry with the same key returns the first result and applies nothing twice.
    pub idempotency_key: Option<String>,
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

/// The engine service: a store plus caches of parsed workflows and calendars.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    /// Parsed workflows by definition id; a published (key, version) with projects never changes.
    workflows: Mutex<HashMap<i64, Arc<Workflow>>>,
    /// Person ids by email: people are never renamed or removed, so the
    /// lookup on every command is saved.
    people: Mutex<HashMap<String, i64>>,
    /// Calendars by cohort id: a cohort's zone, dates and holidays do not
    /// change once created (no command edits them yet; one that does must
    /// clear this entry).
    calendars: Mutex<HashMap<i64, Arc<Calendar>>>,
}

impl Engine {
    /// An engine over `store`.
    pub fn new(store: Store) -> Engine {
        Engine {
            store,
            workflows: Mutex::new(HashMap::new()),
            people: Mutex::new(HashMap::new()),
            calendars: Mutex::new(HashMap::new()),
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The parsed workflow of definition `id`.
    pub async fn workflow(&self, id: i64) -> Result<Arc<Workflow>, Error> {
        if let Some(w) = self.workflows.lock().expect("cache lock").get(&id) {
            return Ok(w.clone());
        }
        let stored = self.store.definition(id).await?;
        self.remember(&stored)
    }

    /// Parses a stored definition and caches it under its id. Starting a
    /// project always comes through here with the text just read, so a
    /// version replaced before it had projects is never served stale.
    fn remember(&self, stored: &store::StoredDefinition) -> Result<Arc<Workflow>, Error> {
        let workflow =
            definition::parse(&stored.source, Templates::Unchecked).map_err(|problems| {
                store::Error::Corrupt(format!(
                    "published workflow {} v{} no longer validates: {}",
                    stored.key, stored.version, problems[0].message
                ))
            })?;
        let workflow = Arc::new(workflow);
        self.workflows
            .lock()
            .expect("cache lock")
            .insert(stored.id, workflow.clone());
        Ok(workflow)
    }

    /// The workflow version a project is pinned to and its cohort's calendar.
    async fn context(
        &self,
        record: &ProjectRecord,
    ) -> Result<(Arc<Workflow>, Arc<Calendar>), Error> {
        let workflow = self.workflow(record.definition_id).await?;
        let cached = self
            .calendars
            .lock()
            .expect("cache lock")
            .get(&record.cohort_id)
            .cloned();
        let calendar = match cached {
            Some(calendar) => calendar,
            None => {
                let calendar = Arc::new(
                    self.store
                        .cohort_by_id(record.cohort_id)
                        .await?
                        .calendar()?,
                );
                self.calendars
                    .lock()
                    .expect("cache lock")
                    .insert(record.cohort_id, calendar.clone());
                calendar
            }
        };
        Ok((workflow, calendar))
    }

    /// The id of the person registered as `email`.
    async fn person_id(&self, email: &str) -> Result<i64, Error> {
        let email = email.trim().to_lowercase();
        if let Some(id) = self.people.lock().expect("cache lock").get(&email) {
            return Ok(*id);
        }
        let id = self.store.person(&email).await?.id;
        self.people.lock().expect("cache lock").insert(email, id);
        Ok(id)
    }

    /// Starts a project in `cohort`, pinned to the latest published version
    /// of the cohort's workflow, with `members` as (email, role) pairs.
    pub async fn start_project(
        &self,
        cohort: &str,
        title: &str,
        members: &[(String, String)],
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let cohort = self.store.cohort(cohort).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        let stored = self.store.latest_definition(&program.workflow_key).await?;
        let workflow = self.remember(&stored)?;
        let calendar = cohort.calendar()?;
        let mut people = Vec::new();
        for (email, role) in members {
            check_role(&workflow, role)?;
            people.push((self.person_id(email).await?, role.clone()));
        }
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            return Err(store::Error::Refused(
                "a project needs a title of 1 to 300 characters".into(),
            )
            .into());
        }
        let created = self
            .store
            .create_project(&cohort, stored.id, title, &people, now, |id, members| {
                decide::start(
                    &Project {
                        id,
                        workflow: &workflow,
                        calendar: &calendar,
                        members,
                    },
                    now,
                )
            })
            .await?;
        let (id, decision) = created?;
        Ok(outcome(id, &decision, false))
    }

    /// Gives the person with `email` `role` on a project (e.g. an evaluator).
    pub async fn assign(&self, project: i64, email: &str, role: &str) -> Result<(), Error> {
        let record = self.store.project(project).await?;
        let workflow = self.workflow(record.definition_id).await?;
        check_role(&workflow, role)?;
        let person = self.person_id(email).await?;
        Ok(self.store.add_project_member(project, person, role).await?)
    }

    /// Runs a command as the person with `actor_email`.
    pub async fn act(
        &self,
        project: i64,
        actor_email: &str,
        request: Request,
        now: Timestamp,
    ) -> Result<Outcome, Error> {
        let prepared = self
            .prepare(project, actor_email, request, now, None)
            .await?;
        self.commit(vec![prepared], now)
            .await?
            .pop()
            .expect("one result per command")
    }

    /// Runs independent commands (on different projects) with one commit for
    /// all: the way to go fast when many arrive at once. Each command gets its
    /// own result; one refused or conflicting command does not hold back the others.
    pub async fn act_many(
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
        if let Some(key) = &request.idempotency_key
            && let Some(first) = self.store.idempotent_response(actor, key).await?
        {
            return Ok(Prepared::Replay(replay(&first)?));
        }
        let record = match loaded {
            Some(record) => record,
            None => self.store.project(project).await?,
        };
        let (workflow, calendar) = self.context(&record).await?;
        let ctx = decision_context(&record, &workflow, &calendar);
        let command = Command {
            actor,
            action: request.action,
            fields: request.fields,
            comment: request.comment,
            expected_version: request.expected_version,
        };
        let decision = decide::decide(&ctx, &record.state, &command, now)?;
        let outcome = outcome(project, &decision, false);
        let response = serde_json::to_string(&outcome).expect("outcome serialises");
        let idempotency = request.idempotency_key.map(|key| (actor, key, response));
        Ok(Prepared::Decided {
            project,
            expected: record.state.version,
            decision: Box::new(decision),
            outcome,
            idempotency,
        })
    }

    /// Commits prepared commands in one transaction; replays need no write.
    async fn commit(
        &self,
        prepared: Vec<Prepared>,
        now: Timestamp,
    ) -> Result<Vec<Result<Outcome, Error>>, Error> {
        let pending: Vec<Pending<'_>> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Decided {
                    project,
                    expected,
                    decision,
                    idempotency,
                    ..
                } => Some(Pending {
                    project: *project,
                    expected: *expected,
                    decision,
                    idempotency: idempotency
                        .as_ref()
                        .map(|(actor, key, response)| Idempotency {
                            actor: *actor,
                            key,
                            response,
                        }),
                }),
                Prepared::Replay(_) => None,
            })
            .collect();
        let mut committed = if pending.is_empty() {
            Vec::new().into_iter()
        } else {
            self.store.commit_many(&pending, now).await?.into_iter()
        };
        let mut results = Vec::with_capacity(prepared.len());
        for p in prepared {
            results.push(match p {
                Prepared::Replay(outcome) => Ok(outcome),
                Prepared::Decided { outcome, .. } => {
                    match committed.next().expect("one result per decision") {
                        Ok(None) => Ok(outcome),
                        Ok(Some(first)) => replay(&first),
                        Err(e) => Err(e.into()),
                    }
                }
            });
        }
        Ok(results)
    }

    /// A project with its workflow and what can be done next.
    pub async fn view(&self, project: i64) -> Result<View, Error> {
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        let ctx = decision_context(&record, &workflow, &calendar);
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
enum Prepared {
    /// Already done: the first result.
    Replay(Outcome),
    /// Decided, to be committed.
    Decided {
        project: i64,
        expected: u64,
        decision: Box<Decision>,
        outcome: Outcome,
        /// (actor, key, response) to store with it.
        idempotency: Option<(i64, String, String)>,
    },
}

/// What the decision core needs to know about a stored project.
fn decision_context<'a>(
    record: &'a ProjectRecord,
    workflow: &'a Workflow,
    calendar: &'a Calendar,
) -> Project<'a> {
    Project {
        id: record.id,
        workflow,
        calendar,
        members: &record.members,
    }
}

fn check_role(workflow: &Workflow, role: &str) -> Result<(), Error> {
    if workflow.roles.iter().any(|r| r == role) {
        Ok(())
    } else {
        Err(store::Error::Refused(format!(
            "'{role}' is not a role of workflow {}; its roles are: {}",
            workflow.key,
            workflow.roles.join(", ")
        ))
        .into())
    }
}

fn outcome(project: i64, decision: &Decision, replayed: bool) -> Outcome {
    Outcome {
        project,
        version: decision.state.version,
        stage: decision.state.stage.clone(),
        changes: decision.events.iter().map(|e| e.change.clone()).collect(),
        notifications: decision.notifications.len(),
        replayed,
    }
}

fn replay(stored: &str) -> Result<Outcome, Error> {
    let mut first: Outcome = serde_json::from_str(stored)
        .map_err(|e| store::Error::Corrupt(format!("stored idempotent response: {e}")))?;
    first.replayed = true;
    Ok(first)
}
