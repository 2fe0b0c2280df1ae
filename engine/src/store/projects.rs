//! Projects: creating them, reading them, and committing a decision —
//! events, state, timers, outbox and idempotency record in one transaction.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use super::{Columns, Error, Store, instant, micros, with_db};
use crate::audit;
use crate::decide::{Decision, Member, ProjectState};

/// A project as loaded for deciding.
#[derive(Debug, Clone)]
pub struct ProjectRecord {
    /// Row id.
    pub id: i64,
    /// Cohort.
    pub cohort_id: i64,
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
    /// The change as JSON.
    pub change: serde_json::Value,
    /// Hash.
    pub hash: String,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Projects checked.
    pub projects: u64,
    /// Events checked.
    pub events: u64,
    /// The first break, if any.
    pub broken: Option<audit::Broken>,
}

/// Everyone with a role on project `$1` of cohort `$2`: directly, or through the cohort.
const MEMBERS: &str = "SELECT person_id, role FROM project_members WHERE project_id = $1
     UNION SELECT person_id, role FROM cohort_members WHERE cohort_id = $2";

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
                    .push_bind(serde_json::to_string(&event.change).expect("changes serialise"))
                    .push_bind(event.prev_hash.as_str())
                    .push_bind(event.hash.as_str());
            });
            insert.build().execute(&mut *$tx).await?;
        }
        // Pending timers of a stage that was left are dropped: the events say what happened.
        let left: Vec<i64> = written.iter().filter(|(_, d)| d.timers.cancel_pending).map(|(p, _)| *p).collect();
        for chunk in left.chunks(ROWS_PER_INSERT) {
            let mut delete = sqlx::QueryBuilder::new("DELETE FROM timers WHERE state = 'pending' AND project_id IN (");
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
            let mut insert = sqlx::QueryBuilder::new("INSERT INTO timers (project_id, key, kind, due_at, spec, created_at) ");
            insert.push_values(chunk, |mut row, (project, timer)| {
                let spec = serde_json::json!({ "to": timer.to, "template": timer.template, "every": timer.every });
                row.push_bind(*project)
                    .push_bind(timer.key.as_str())
                    .push_bind(timer.kind.as_str())
                    .push_bind(micros(timer.at))
                    .push_bind(spec.to_string())
                    .push_bind(now);
            });
            insert.build().execute(&mut *$tx).await?;
        }
        let notes: Vec<(i64, &crate::decide::Notification)> =
            written.iter().flat_map(|(p, d)| d.notifications.iter().map(move |n| (*p, n))).collect();
        for chunk in notes.chunks(ROWS_PER_INSERT) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, created_at) ",
            );
            insert.push_values(chunk, |mut row, (project, n)| {
                row.push_bind(*project)
                    .push_bind(n.cause)
                    .push_bind(n.template.as_str())
                    .push_bind(n.recipient)
                    .push_bind(format!("{project}:{}:{}:{}", n.cause, n.template, n.recipient))
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
                "INSERT INTO idempotency (actor_id, key, project_id, response, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(i.actor)
            .bind(i.key)
            .bind(item.project)
            .bind(i.response)
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
}

impl Store {
    /// Creates a project in `cohort` pinned to `definition_id`, with its
    /// members, and commits the start decision that `start` makes from the new
    /// project id — all in one transaction. If `start` refuses, nothing is written.
    pub async fn create_project<E>(
        &self,
        cohort: &super::Cohort,
        definition_id: i64,
        title: &str,
        members: &[(i64, String)],
        now: Timestamp,
        start: impl FnOnce(i64, &[Member]) -> Result<Decision, E>,
    ) -> Result<Result<(i64, Decision), E>, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let id: i64 = sqlx::query(
                "INSERT INTO projects (cohort_id, definition_id, title, stage, version, head, state, created_at, updated_at)
                 VALUES ($1, $2, $3, '', 0, '', '{}', $4, $4) RETURNING id",
            )
            .bind(cohort.id)
            .bind(definition_id)
            .bind(title)
            .bind(micros(now))
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM projects WHERE cohort_id = $1")
                .bind(cohort.id)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if count > i64::from(cohort.capacity) {
                return Err(Error::Refused(format!(
                    "cohort '{}' is full ({} projects)",
                    cohort.name, cohort.capacity
                )));
            }
            for (person, role) in members {
                sqlx::query("INSERT INTO project_members (project_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(person)
                    .bind(role)
                    .execute(&mut *tx)
                    .await?;
            }
            let rows = sqlx::query(
                MEMBERS,
            )
            .bind(id)
            .bind(cohort.id)
            .fetch_all(&mut *tx)
            .await?;
            let all = rows.iter().map(member_row).collect::<Result<Vec<_>, _>>()?;
            let decision = match start(id, &all) {
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
    pub async fn project(&self, id: i64) -> Result<ProjectRecord, Error> {
        self.projects_by_id(&[id])
            .await?
            .pop()
            .ok_or_else(|| Error::NotFound(format!("there is no project {id}")))
    }

    /// Loads several projects with their members in one round trip (ids that
    /// do not exist are left out), in id order.
    pub async fn projects_by_id(&self, ids: &[i64]) -> Result<Vec<ProjectRecord>, Error> {
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
                "SELECT p.id, p.cohort_id, p.definition_id, p.title, p.state, m.person_id, m.role
                 FROM projects p
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

    /// Gives `person` `role` on project `project`.
    pub async fn add_project_member(
        &self,
        project: i64,
        person: i64,
        role: &str,
    ) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query(
            "INSERT INTO project_members (project_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(project)
        .bind(person)
        .bind(role)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Commits an accepted decision made from version `expected` of the
    /// project: one transaction, or [`Error::Conflict`] if the project moved on.
    /// With `idempotency`, a concurrent first use of the same key wins and this
    /// returns that first response instead.
    pub async fn commit(
        &self,
        project: i64,
        expected: u64,
        decision: &Decision,
        idempotency: Option<Idempotency<'_>>,
        now: Timestamp,
    ) -> Result<Option<String>, Error> {
        let pending = Pending {
            project,
            expected,
            decision,
            idempotency,
        };
        self.commit_many(&[pending], now)
            .await?
            .pop()
            .expect("one result per decision")
    }

    /// Commits independent decisions in one transaction (one disk sync, and
    /// one statement per table for all of them). Each succeeds or fails on its
    /// own: a decision whose project moved on gets [`Error::Conflict`] and the
    /// others still commit. Decisions carrying an idempotency key go behind a
    /// savepoint, since a concurrent use of the key must undo only them.
    pub async fn commit_many(
        &self,
        batch: &[Pending<'_>],
        now: Timestamp,
    ) -> Result<Vec<Result<Option<String>, Error>>, Error> {
        let outcomes: Vec<Result<(), Error>> = with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut written = Vec::with_capacity(batch.len());
            for item in batch {
                let outcome = if item.idempotency.is_none() {
                    if advance!(tx, item, now) {
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
                (Err(Error::Database(e)), Some(i)) if super::is_unique_violation(&e) => {
                    self.idempotent_response(i.actor, i.key).await
                }
                (Err(e), _) => Err(e),
            });
        }
        Ok(results)
    }

    /// The stored response of an earlier command with this key, if any.
    pub async fn idempotent_response(
        &self,
        actor: i64,
        key: &str,
    ) -> Result<Option<String>, Error> {
        with_db!(self, pool => Ok(sqlx::query("SELECT response FROM idempotency WHERE actor_id = $1 AND key = $2")
            .bind(actor)
            .bind(key)
            .fetch_optional(pool)
            .await?
            .map(|r| r.text("response"))
            .transpose()?))
    }

    /// A project's history, oldest first.
    pub async fn events(&self, project: i64) -> Result<Vec<StoredEvent>, Error> {
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
                change: serde_json::from_str(&r.text("change")?).map_err(|e| Error::Corrupt(e.to_string()))?,
                hash: r.text("hash")?,
            })
        })
        .collect())
    }

    /// Projects, newest first, optionally of one cohort.
    pub async fn projects(&self, cohort: Option<i64>) -> Result<Vec<Summary>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT p.id, p.title, c.name, p.stage, p.version FROM projects p JOIN cohorts c ON c.id = p.cohort_id
             WHERE $1 IS NULL OR p.cohort_id = $1 ORDER BY p.id DESC",
        )
        .bind(cohort)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| {
            Ok(Summary {
                id: r.int("id")?,
                title: r.text("title")?,
                cohort: r.text("name")?,
                stage: r.text("stage")?,
                version: r.int("version")?,
            })
        })
        .collect())
    }

    /// Pending timers of a project: (key, kind, due).
    pub async fn pending_timers(
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
    pub async fn outbox(&self, project: i64) -> Result<Vec<(String, String, String)>, Error> {
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

    /// Re-computes every project's hash chain; reports the first break.
    pub async fn verify_audit(&self) -> Result<AuditReport, Error> {
        let mut report = AuditReport {
            projects: 0,
            events: 0,
            broken: None,
        };
        let heads: Vec<(i64, String)> = with_db!(self, pool => sqlx::query("SELECT id, head FROM projects ORDER BY id")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.int("id")?, r.text("head")?)))
            .collect::<Result<_, Error>>()?);
        for (project, head) in heads {
            let links: Vec<audit::StoredLink> = with_db!(self, pool => sqlx::query(
                "SELECT seq, at, actor_id, change, prev_hash, hash FROM events WHERE project_id = $1 ORDER BY seq",
            )
            .bind(project)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(audit::StoredLink {
                    project,
                    seq: r.int("seq")?,
                    at: r.int("at")?,
                    actor: r.opt_int("actor_id")?,
                    change: r.text("change")?,
                    prev_hash: r.text("prev_hash")?,
                    hash: r.text("hash")?,
                })
            })
            .collect::<Result<_, Error>>()?);
            report.projects += 1;
            report.events += links.len() as u64;
            if let Err(broken) = audit::verify(project, &links, &head) {
                report.broken = Some(broken);
                break;
            }
        }
        Ok(report)
    }
}

/// The project columns of a row of [`Store::project`].
struct ProjectRow {
    cohort_id: i64,
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
