//! Projects: creating them, reading them, and committing a decision —
//! events, state, timers, outbox and idempotency record in one transaction.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
use crate::audit;
use crate::decide::{Decision, Member, ProjectState};

/// A project as loaded for deciding.
#[derive(Debug, Clone)]
pub struct ProjectRecord {
    /// Row id.
    pub id: i64,
    /// Cohort.
    pub cohort_id: i64,
    /// The cohort's calendar revision when loaded (cached calendars are keyed by it).
    pub cohort_revision: i64,
    /// The definition version it is pinned to.
    pub definition_id: i64,
    /// Title of the improvement.
    pub title: String,
    /// Engine state.
    pub state: ProjectState,
    /// Everyone with a role on it, directly or through the cohort.
    pub members: Vec<Member>,
}

/// One line of a project list.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Row id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Cohort name.
    pub cohort: String,
    /// Current stage key.
    pub stage: String,
    /// Version.
    pub version: i64,
    /// Since when its current stage is overdue, if it is.
    pub overdue_since: Option<Timestamp>,
}

/// The part of a stored state a project list needs.
#[derive(serde::Deserialize)]
struct Overdue {
    #[serde(default)]
    overdue_since: Option<Timestamp>,
}

/// A stored event, for history and audit.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    /// Position in the project's log.
    pub seq: i64,
    /// When.
    pub at: Timestamp,
    /// Who (email), if a person.
    pub actor: Option<String>,
    /// What changed.
    pub change: crate::decide::Change,
    /// Hash.
    pub hash: String,
}

/// A project as read for `audit verify`: its stored row and its whole log,
/// all from one snapshot of the database.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Project id.
    pub project: i64,
    /// Cohort.
    pub cohort_id: i64,
    /// The definition version it is pinned to.
    pub definition_id: i64,
    /// The stage column.
    pub stage: String,
    /// The head hash column.
    pub head: String,
    /// The state column (JSON), as stored.
    pub state: String,
    /// Everyone with a role on it, directly or through the cohort.
    pub members: Vec<Member>,
    /// Its events, in `seq` order.
    pub links: Vec<audit::StoredLink>,
}

/// Most rows in one multi-row INSERT (well under both databases' limits on bound values).
const ROWS_PER_INSERT: usize = 500;

/// Writes the rows of decisions whose version check passed, inside an open
/// transaction `$tx`: one statement per table for all of them (multi-row
/// inserts), since round trips dominate the cost.
macro_rules! write_decisions {
    ($tx:expr, $written:expr, $now:expr) => {{
        let written: &[(i64, &Decision)] = $written;
        let now = micros($now);
        let events: Vec<(i64, &crate::decide::Event)> =
            written.iter().flat_map(|(p, d)| d.events.iter().map(move |e| (*p, e))).collect();
        for chunk in events.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) ");
            insert.push_values(chunk, |mut row, (project, event)| {
                row.push_bind(*project)
                    .push_bind(event.seq)
                    .push_bind(micros(event.at))
                    .push_bind(event.actor)
                    .push_bind(event.change_json.as_str())
                    .push_bind(event.prev_hash.as_str())
                    .push_bind(event.hash.as_str());
            });
            insert.build().execute(&mut *$tx).await?;
        }
        // Roles given are recorded as events; project_members is their projection.
        let members: Vec<(i64, i64, &str)> = events
            .iter()
            .filter_map(|(p, e)| match &e.change {
                crate::decide::Change::MemberAdded { person, role } => Some((*p, *person, role.as_str())),
                _ => None,
            })
            .collect();
        for chunk in members.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO project_members (project_id, person_id, role) ");
            insert.push_values(chunk, |mut row, (project, person, role)| {
                row.push_bind(*project).push_bind(*person).push_bind(*role);
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *$tx).await?;
        }
        // Pending timers of a stage that was left are dropped: the events say what happened.
        let left: Vec<i64> = written.iter().filter(|(_, d)| d.timers.cancel_pending).map(|(p, _)| *p).collect();
        for chunk in left.chunks(ROWS_PER_INSERT) {
            let mut delete = sqlx::QueryBuilder::new("DELETE FROM timers WHERE state IN ('pending', 'claimed') AND project_id IN (");
            let mut ids = delete.separated(", ");
            for project in chunk {
                ids.push_bind(*project);
            }
            delete.push(")");
            delete.build().execute(&mut *$tx).await?;
        }
        let timers: Vec<(i64, &crate::decide::Timer)> =
            written.iter().flat_map(|(p, d)| d.timers.set.iter().map(move |t| (*p, t))).collect();
        for chunk in timers.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at) ");
            insert.push_values(chunk, |mut row, (project, timer)| {
                let spec = serde_json::json!({ "to": timer.to, "template": timer.template, "every": timer.every });
                row.push_bind(*project)
                    .push_bind(timer.key.as_str())
                    .push_bind(timer.kind.as_str())
                    .push_bind(micros(timer.at))
                    .push_bind(timer.entry)
                    .push_bind(spec.to_string())
                    .push_bind(now);
            });
            insert.build().execute(&mut *$tx).await?;
        }
        let notes: Vec<(i64, &crate::decide::Notification)> =
            written.iter().flat_map(|(p, d)| d.notifications.iter().map(move |n| (*p, n))).collect();
        for chunk in notes.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at) ",
            );
            insert.push_values(chunk, |mut row, (project, n)| {
                row.push_bind(*project)
                    .push_bind(n.cause)
                    .push_bind(n.template.as_str())
                    .push_bind(n.recipient)
                    .push_bind(format!("{project}:{}:{}:{}", n.cause, n.template, n.recipient))
                    // The Message-ID's left part: the same on every attempt.
                    .push_bind(format!("gradflow.{project}.{}.{}.{}", n.cause, n.template, n.recipient))
                    .push_bind(now)
                    .push_bind(now);
            });
            insert.push(" ON CONFLICT (dedupe_key) DO NOTHING");
            insert.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Moves a project to its new state if it is still at the version the
/// decision was made from; evaluates to whether it was. Always the first
/// write of a transaction, so SQLite takes the write lock at once.
macro_rules! advance {
    ($conn:expr, $item:expr, $now:expr) => {{
        let item: &Pending<'_> = $item;
        let state = &item.decision.state;
        sqlx::query(
            "UPDATE projects SET stage = $1, version = $2, head = $3, state = $4, updated_at = $5
             WHERE id = $6 AND version = $7",
        )
        .bind(&state.stage)
        .bind(state.version as i64)
        .bind(&state.head)
        .bind(state_json(state))
        .bind(micros($now))
        .bind(item.project)
        .bind(item.expected as i64)
        .execute(&mut *$conn)
        .await?
        .rows_affected()
            == 1
    }};
}

/// Writes one pending decision with its idempotency record inside `$conn`;
/// evaluates to `Result<(), Error>` (use inside an `async` block).
macro_rules! write_pending {
    ($conn:expr, $item:expr, $now:expr) => {{
        let item: &Pending<'_> = $item;
        if !advance!($conn, item, $now) {
            return Err(Error::Conflict { expected: item.expected });
        }
        if let Some(i) = item.idempotency {
            sqlx::query(
                "INSERT INTO idempotency (actor_id, key, project_id, response, request, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(i.actor)
            .bind(i.key)
            .bind(item.project)
            .bind(i.response)
            .bind(i.request)
            .bind(micros($now))
            .execute(&mut *$conn)
            .await?;
        }
        write_decisions!($conn, &[(item.project, item.decision)], $now);
        Ok::<(), Error>(())
    }};
}

/// A decision to commit, made from version `expected` of `project`.
#[derive(Debug, Clone, Copy)]
pub struct Pending<'a> {
    /// Project id.
    pub project: i64,
    /// The version the decision was made from.
    pub expected: u64,
    /// The decision.
    pub decision: &'a Decision,
    /// Idempotency record to store with it.
    pub idempotency: Option<Idempotency<'a>>,
    /// Claimed timer rows the decision fires: completed with it.
    pub completes: &'a [i64],
}

/// An idempotency record to store with a commit.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    /// Who sent the command.
    pub actor: i64,
    /// Their key.
    pub key: &'a str,
    /// The result to return on a retry (JSON).
    pub response: &'a str,
    /// A fingerprint of the request, so a key reused for another request is told apart.
    pub request: &'a str,
}

/// The first use of an idempotency key: its result and its request's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstUse {
    /// The stored result (JSON).
    pub response: String,
    /// The fingerprint of the request that produced it.
    pub request: String,
}

impl Store {
    /// Creates a project in cohort `cohort`, pinned to the latest published
    /// version of `workflow_key`, and commits the start decision that `start`
    /// makes from that definition, the new project id and everyone with a role
    /// on it (`direct` members and the cohort's) — all in one transaction.
    /// The cohort's place is taken and the definition's project count raised
    /// by the statements that check them, so capacity holds and the text a
    /// project starts on can never be replaced, however many start at once.
    /// If `start` refuses, nothing is written.
    pub(crate) async fn create_project<E>(
        &self,
        cohort: &super::Cohort,
        workflow_key: &str,
        title: &str,
        direct: &[Member],
        now: Timestamp,
        start: impl FnOnce(&super::StoredDefinition, i64, &[Member]) -> Result<Decision, E>,
    ) -> Result<Result<(i64, Decision), E>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let placed = sqlx::query("UPDATE cohorts SET taken = taken + 1 WHERE id = $1 AND taken < capacity")
                .bind(cohort.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if placed == 0 {
                return Err(Error::Refused(format!(
                    "cohort '{}' is full: all {} places are taken",
                    cohort.name, cohort.capacity
                )));
            }
            let definition = sqlx::query(
                "UPDATE definitions SET projects = projects + 1
                 WHERE id = (SELECT id FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1)
                 RETURNING id, key, version, title, source, source_hash, templates",
            )
            .bind(workflow_key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| super::directory::definition_row(&r))
            .transpose()?
            .ok_or_else(|| Error::NotFound(format!("no workflow '{workflow_key}' is published")))?;
            let id: i64 = sqlx::query(
                "INSERT INTO projects (cohort_id, definition_id, title, stage, version, head, state, created_at, updated_at)
                 VALUES ($1, $2, $3, '', 0, '', '{}', $4, $4) RETURNING id",
            )
            .bind(cohort.id)
            .bind(definition.id)
            .bind(title)
            .bind(micros(now))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let mut all = direct.to_vec();
            for row in sqlx::query("SELECT person_id, role FROM cohort_members WHERE cohort_id = $1")
                .bind(cohort.id)
                .fetch_all(&mut *tx)
                .await?
            {
                let member = member_row(&row)?;
                if !all.contains(&member) {
                    all.push(member);
                }
            }
            let decision = match start(&definition, id, &all) {
                Ok(decision) => decision,
                Err(refused) => return Ok(Err(refused)),
            };
            sqlx::query("UPDATE projects SET stage = $1, version = $2, head = $3, state = $4 WHERE id = $5")
                .bind(&decision.state.stage)
                .bind(decision.state.version as i64)
                .bind(&decision.state.head)
                .bind(state_json(&decision.state))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            write_decisions!(tx, &[(id, &decision)], now);
            tx.commit().await?;
            Ok(Ok((id, decision)))
        })
    }

    /// Loads a project with its members.
    pub(crate) async fn project(&self, id: i64) -> Result<ProjectRecord, Error> {
        self.projects_by_id(&[id])
            .await?
            .pop()
            .ok_or_else(|| Error::NotFound(format!("there is no project {id}")))
    }

    /// Loads several projects with their members in one round trip (ids that
    /// do not exist are left out), in id order.
    pub(crate) async fn projects_by_id(&self, ids: &[i64]) -> Result<Vec<ProjectRecord>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The project row repeated once per member (or once, with no member).
        macro_rules! in_ids {
            ($query:expr) => {{
                $query.push(" IN (");
                let mut list = $query.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                $query.push(")");
            }};
        }
        let rows: Vec<(i64, ProjectRow, Option<Member>)> = with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT p.id, p.cohort_id, c.revision, p.definition_id, p.title, p.state, m.person_id, m.role
                 FROM projects p JOIN cohorts c ON c.id = p.cohort_id
                 LEFT JOIN (SELECT project_id AS pid, person_id, role FROM project_members WHERE project_id",
            );
            in_ids!(query);
            query.push(
                " UNION SELECT pr.id AS pid, cm.person_id, cm.role
                   FROM projects pr JOIN cohort_members cm ON cm.cohort_id = pr.cohort_id WHERE pr.id",
            );
            in_ids!(query);
            query.push(") m ON m.pid = p.id WHERE p.id");
            in_ids!(query);
            query.push(" ORDER BY p.id");
            query
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| {
                    let member = match row.opt_int("person_id")? {
                        Some(person) => Some(Member { person, role: row.text("role")? }),
                        None => None,
                    };
                    let project = ProjectRow {
                        cohort_id: row.int("cohort_id")?,
                        cohort_revision: row.int("revision")?,
                        definition_id: row.int("definition_id")?,
                        title: row.text("title")?,
                        state: row.text("state")?,
                    };
                    Ok((row.int("id")?, project, member))
                })
                .collect::<Result<_, Error>>()?
        });
        let mut records: Vec<ProjectRecord> = Vec::new();
        for (id, row, member) in rows {
            if records.last().is_none_or(|r| r.id != id) {
                let state: ProjectState = serde_json::from_str(&row.state)
                    .map_err(|e| Error::Corrupt(format!("project {id} state: {e}")))?;
                records.push(ProjectRecord {
                    id,
                    cohort_id: row.cohort_id,
                    cohort_revision: row.cohort_revision,
                    definition_id: row.definition_id,
                    title: row.title,
                    state,
                    members: Vec::new(),
                });
            }
            if let (Some(m), Some(record)) = (member, records.last_mut()) {
                record.members.push(m);
            }
        }
        Ok(records)
    }

    /// Commits independent decisions in one transaction (one disk sync, and
    /// one statement per table for all of them). Each succeeds or fails on its
    /// own: a decision whose project moved on gets [`Error::Conflict`] and the
    /// others still commit. Decisions carrying an idempotency key go behind a
    /// savepoint, since a concurrent use of the key must undo only them.
    /// A decision that lost a race, or whose key was used first by a
    /// concurrent retry, comes back as `Ok(Some(first use))` when its key is
    /// already stored: the caller returns that first result or refuses the key.
    pub(crate) async fn commit_many(
        &self,
        batch: &[Pending<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Option<FirstUse>, Error>>, Error> {
        let outcomes: Vec<Result<(), Error>> = with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut written = Vec::with_capacity(batch.len());
            for item in batch {
                let outcome = if item.idempotency.is_none() {
                    if advance!(tx, item, now) {
                        super::timers::complete!(tx, item.completes, now);
                        written.push((item.project, item.decision));
                        Ok(())
                    } else {
                        Err(Error::Conflict { expected: item.expected })
                    }
                } else if batch.len() == 1 {
                    async { write_pending!(tx, item, now) }.await
                } else {
                    let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
                    let outcome = async { write_pending!(savepoint, item, now) }.await;
                    if outcome.is_ok() {
                        savepoint.commit().await?;
                    } else {
                        savepoint.rollback().await?;
                    }
                    outcome
                };
                outcomes.push(outcome);
            }
            write_decisions!(tx, &written, now);
            if outcomes.iter().any(Result::is_ok) {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            outcomes
        });
        let mut results = Vec::with_capacity(batch.len());
        for (item, outcome) in batch.iter().zip(outcomes) {
            results.push(match (outcome, item.idempotency) {
                (Ok(()), _) => Ok(None),
                // The same key committed first by a concurrent retry: either
                // the key's row collided, or the retry moved the project on.
                (Err(Error::Database(e)), Some(i)) if super::is_unique_violation(&e) => {
                    self.first_use(i.actor, i.key).await
                }
                (Err(conflict @ Error::Conflict { .. }), Some(i)) => {
                    match self.first_use(i.actor, i.key).await? {
                        Some(first) => Ok(Some(first)),
                        None => Err(conflict),
                    }
                }
                (Err(e), _) => Err(e),
            });
        }
        Ok(results)
    }

    /// The first use of `key` by `actor`, if any.
    pub(crate) async fn first_use(&self, actor: i64, key: &str) -> Result<Option<FirstUse>, Error> {
        with_db!(self, pool => Ok(sqlx::query("SELECT response, request FROM idempotency WHERE actor_id = $1 AND key = $2")
            .bind(actor)
            .bind(key)
            .fetch_optional(pool)
            .await?
            .map(|r| Ok::<_, Error>(FirstUse { response: r.text("response")?, request: r.text("request")? }))
            .transpose()?))
    }

    /// A project's history, oldest first.
    pub(crate) async fn events(&self, project: i64) -> Result<Vec<StoredEvent>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT e.seq, e.at, p.email, e.change, e.hash FROM events e LEFT JOIN people p ON p.id = e.actor_id
             WHERE e.project_id = $1 ORDER BY e.seq",
        )
        .bind(project)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(StoredEvent {
                seq: r.int("seq")?,
                at: instant(r.int("at")?)?,
                actor: r.try_get("email")?,
                change: crate::decide::Change::from_json(&r.text("change")?)
                    .map_err(|e| Error::Corrupt(format!("project {project}, event {}: {e}", r.int("seq").unwrap_or(0))))?,
                hash: r.text("hash")?,
            })
        })
        .collect())
    }

    /// Projects, newest first, optionally of one cohort.
    pub(crate) async fn projects(&self, cohort: Option<i64>) -> Result<Vec<Summary>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT p.id, p.title, c.name, p.stage, p.version, p.state FROM projects p JOIN cohorts c ON c.id = p.cohort_id
             WHERE $1 IS NULL OR p.cohort_id = $1 ORDER BY p.id DESC",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            let id = r.int("id")?;
            let state: Overdue = serde_json::from_str(&r.text("state")?)
                .map_err(|e| Error::Corrupt(format!("project {id} state: {e}")))?;
            Ok(Summary {
                id,
                title: r.text("title")?,
                cohort: r.text("name")?,
                stage: r.text("stage")?,
                version: r.int("version")?,
                overdue_since: state.overdue_since,
            })
        })
        .collect())
    }

    /// Pending timers of a project: (key, kind, due).
    pub(crate) async fn pending_timers(
        &self,
        project: i64,
    ) -> Result<Vec<(String, String, Timestamp)>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT key, kind, due_at FROM timers WHERE project_id = $1 AND state = 'pending' ORDER BY due_at, key",
        )
        .bind(project)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.text("key")?, r.text("kind")?, instant(r.int("due_at")?)?)))
        .collect())
    }

    /// Outbox rows of a project: (template, recipient email, state).
    pub(crate) async fn outbox(
        &self,
        project: i64,
    ) -> Result<Vec<(String, String, String)>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT o.template, p.email, o.state FROM outbox o JOIN people p ON p.id = o.recipient_id
             WHERE o.project_id = $1 ORDER BY o.id",
        )
        .bind(project)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((r.text("template")?, r.text("email")?, r.text("state")?)))
        .collect())
    }

    /// Every project's row, members and log, read in one snapshot so that
    /// writers committing meanwhile cannot make a sound chain look broken.
    /// A column that does not decode is reported with its project and event.
    pub(crate) async fn audit_snapshot(&self) -> Result<Vec<AuditRow>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let mut rows: Vec<AuditRow> = Vec::new();
            for r in sqlx::query("SELECT id, cohort_id, definition_id, stage, head, state FROM projects ORDER BY id")
                .fetch_all(&mut *tx)
                .await?
            {
                let project = r.int("id")?;
                let column = |e: Error| Error::Corrupt(format!("project {project}: {e}"));
                rows.push(AuditRow {
                    project,
                    cohort_id: r.int("cohort_id").map_err(column)?,
                    definition_id: r.int("definition_id").map_err(column)?,
                    stage: r.text("stage").map_err(column)?,
                    head: r.text("head").map_err(column)?,
                    state: r.text("state").map_err(column)?,
                    members: Vec::new(),
                    links: Vec::new(),
                });
            }
            let index: std::collections::HashMap<i64, usize> =
                rows.iter().enumerate().map(|(i, r)| (r.project, i)).collect();
            for r in sqlx::query(
                "SELECT m.project_id AS pid, m.person_id, m.role FROM project_members m
                 UNION SELECT p.id AS pid, c.person_id, c.role FROM projects p JOIN cohort_members c ON c.cohort_id = p.cohort_id",
            )
            .fetch_all(&mut *tx)
            .await?
            {
                if let Some(&i) = index.get(&r.int("pid")?) {
                    rows[i].members.push(member_row(&r)?);
                }
            }
            for r in sqlx::query(
                "SELECT project_id, seq, at, actor_id, change, prev_hash, hash FROM events ORDER BY project_id, seq",
            )
            .fetch_all(&mut *tx)
            .await?
            {
                let project = r.int("project_id")?;
                let seq = r.int("seq").map_err(|e| Error::Corrupt(format!("project {project}: an event's seq: {e}")))?;
                let column = |e: Error| Error::Corrupt(format!("project {project}, event {seq}: {e}"));
                let link = audit::StoredLink {
                    project,
                    seq,
                    at: r.int("at").map_err(column)?,
                    actor: r.opt_int("actor_id").map_err(column)?,
                    change: r.text("change").map_err(column)?,
                    prev_hash: r.text("prev_hash").map_err(column)?,
                    hash: r.text("hash").map_err(column)?,
                };
                match index.get(&project) {
                    Some(&i) => rows[i].links.push(link),
                    None => return Err(Error::Corrupt(format!("event {seq} belongs to project {project}, which does not exist"))),
                }
            }
            tx.commit().await?;
            Ok(rows)
        })
    }
}

/// The project columns of a row of [`Store::project`].
struct ProjectRow {
    cohort_id: i64,
    cohort_revision: i64,
    definition_id: i64,
    title: String,
    state: String,
}

fn member_row(r: &impl Columns) -> Result<Member, Error> {
    Ok(Member {
        person: r.int("person_id")?,
        role: r.text("role")?,
    })
}

fn state_json(state: &ProjectState) -> String {
    serde_json::to_string(state).expect("state serialises")
}
