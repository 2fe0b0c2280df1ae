//! Projects: creating them, reading them, and committing a decision —
//! events, state, timers, outbox and idempotency record in one transaction.

use crate::reason::{Arg, Reason};
use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
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

/// Most rows in one multi-row INSERT (well under both databases' limits on bound values).
pub(super) const ROWS_PER_INSERT: usize = 500;

/// Most values bound in one statement of [`write_decisions!`] (well under
/// SQLite's 32,766 and PostgreSQL's 65,535).
pub(super) const MAX_BINDS: usize = 20_000;

/// The values a decision's rows bind in [`write_decisions!`]'s statement.
pub(super) fn binds_of(decision: &Decision) -> usize {
    let events = decision.events.len();
    // Each event may add a member, a file, a webhook delivery.
    7 * events
        + 7 * events
        + 5 * events
        + 1
        + 2 * decision.timers.cancel.len()
        + 7 * decision.timers.set.len()
        + 8 * decision.notifications.len()
}

/// Several writes sent to the database as one statement: on SQLite
/// statements separated by `;`, which sqlx runs in one hand-off to its
/// worker thread; on PostgreSQL one statement of data-modifying `WITH`
/// parts. On PostgreSQL the parts of one statement run in no set order, so
/// a part that must follow another (an insert after a delete of the same
/// table's rows) names it in [`Writes::after`], which makes it read the
/// other's RETURNING rows first.
pub(super) struct Writes<DB: sqlx::Database> {
    query: sqlx::QueryBuilder<DB>,
    postgres: bool,
    parts: usize,
}

impl<DB: sqlx::Database> Writes<DB> {
    /// No writes yet.
    pub(super) fn new(postgres: bool) -> Self {
        Writes {
            query: sqlx::QueryBuilder::default(),
            postgres,
            parts: 0,
        }
    }

    /// Starts the part `name`; push its statement, then call [`Writes::end`].
    pub(super) fn part(&mut self, name: &str) -> &mut sqlx::QueryBuilder<DB> {
        if self.postgres {
            self.query
                .push(if self.parts == 0 { "WITH " } else { ", " });
            self.query.push(name);
            self.query.push(" AS (");
        } else if self.parts > 0 {
            self.query.push("; ");
        }
        self.parts += 1;
        &mut self.query
    }

    /// On PostgreSQL, a condition that holds once every part of `earlier`
    /// (ended with `returning`) has run, joined to the part's rows by
    /// `joined` (`WHERE` or `AND`).
    pub(super) fn after(&mut self, joined: &str, earlier: &[&str]) {
        if self.postgres {
            self.query.push(" ");
            self.query.push(joined);
            self.query.push(" 0 <= (SELECT ");
            for (i, name) in earlier.iter().enumerate() {
                if i > 0 {
                    self.query.push(" + ");
                }
                self.query.push(format!("(SELECT count(*) FROM {name})"));
            }
            if earlier.is_empty() {
                self.query.push("0");
            }
            self.query.push(")");
        }
    }

    /// Ends the current part; `returning`: a later part waits for it.
    pub(super) fn end(&mut self, returning: bool) {
        if self.postgres {
            if returning {
                self.query.push(" RETURNING 1");
            }
            self.query.push(")");
        }
    }

    /// The statement, if there is anything to write.
    pub(super) fn finish(mut self) -> Option<sqlx::QueryBuilder<DB>> {
        if self.parts == 0 {
            return None;
        }
        if self.postgres {
            self.query.push(" SELECT 1");
        }
        Some(self.query)
    }
}

/// Writes the rows of decisions whose version check passed, inside an open
/// transaction `$tx` (`$postgres`: which database): events, members,
/// evidence, timers, outbox rows and webhook deliveries, all in one
/// statement for as many decisions as [`MAX_BINDS`] allows, since round
/// trips (on SQLite, hand-offs to sqlx's worker thread) dominate the cost.
macro_rules! write_decisions {
    ($tx:expr, $written:expr, $now:expr, $postgres:expr) => {
        write_decisions!($tx, $written, $now, $postgres, None)
    };
    ($tx:expr, $written:expr, $now:expr, $postgres:expr, $keyed:expr) => {{
        let all: &[(i64, &Decision)] = $written;
        let postgres: bool = $postgres;
        // An idempotency record (project, record) written with the first rows.
        let mut keyed: Option<(i64, $crate::store::Idempotency<'_>)> = $keyed;
        let now = micros($now);
        let mut from = 0;
        while from < all.len() {
            let mut to = from;
            let mut binds = 0;
            while to < all.len() && (to == from || binds + $crate::store::projects::binds_of(all[to].1) <= $crate::store::projects::MAX_BINDS) {
                binds += $crate::store::projects::binds_of(all[to].1);
                to += 1;
            }
            let written = &all[from..to];
            from = to;
            let mut writes = $crate::store::projects::Writes::new(postgres);
            if let Some((project, i)) = keyed.take() {
                let insert = writes.part("ik");
                insert.push("INSERT INTO idempotency (actor_id, key, project_id, response, request, created_at) VALUES (");
                let mut values = insert.separated(", ");
                values
                    .push_bind(i.actor)
                    .push_bind(i.key)
                    .push_bind(project)
                    .push_bind(i.response)
                    .push_bind(i.request)
                    .push_bind(now);
                insert.push(")");
                writes.end(false);
            }
            let events: Vec<(i64, &crate::decide::Event)> =
                written.iter().flat_map(|(p, d)| d.events.iter().map(move |e| (*p, e))).collect();
            if !events.is_empty() {
                let insert = writes.part("ev");
                insert.push("INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) ");
                insert.push_values(&events, |mut row, (project, event)| {
                    row.push_bind(*project)
                        .push_bind(event.seq)
                        .push_bind(micros(event.at))
                        .push_bind(event.actor)
                        .push_bind(event.change_json.as_str())
                        .push_bind(event.prev_hash.as_str())
                        .push_bind(event.hash.as_str());
                });
                writes.end(false);
            }
            // Roles given are recorded as events; project_members is their projection.
            let members: Vec<(i64, i64, &str)> = events
                .iter()
                .filter_map(|(p, e)| match &e.change {
                    crate::decide::Change::MemberAdded { person, role } => Some((*p, *person, role.as_str())),
                    _ => None,
                })
                .collect();
            // A role ended (an evaluator replaced) removes its row, after
            // the roles given (as the events are applied).
            let removed: Vec<(i64, i64, &str)> = events
                .iter()
                .filter_map(|(p, e)| match &e.change {
                    crate::decide::Change::MemberRemoved { person, role } => Some((*p, *person, role.as_str())),
                    _ => None,
                })
                .collect();
            if !members.is_empty() {
                let insert = writes.part("ma");
                insert.push("INSERT INTO project_members (project_id, person_id, role) ");
                insert.push_values(&members, |mut row, (project, person, role)| {
                    row.push_bind(*project).push_bind(*person).push_bind(*role);
                });
                insert.push(" ON CONFLICT DO NOTHING");
                writes.end(!removed.is_empty());
            }
            if !removed.is_empty() {
                let delete = writes.part("mr");
                delete.push("DELETE FROM project_members WHERE (project_id, person_id, role) IN (");
                delete.push_values(&removed, |mut row, (project, person, role)| {
                    row.push_bind(*project).push_bind(*person).push_bind(*role);
                });
                delete.push(")");
                if !members.is_empty() {
                    writes.after("AND", &["ma"]);
                }
                writes.end(false);
            }
            // Evidence files added are events too; the evidence table is their projection.
            let files: Vec<(i64, &crate::decide::Event, &str, &str, i64)> = events
                .iter()
                .filter_map(|(p, e)| match &e.change {
                    crate::decide::Change::EvidenceAdded { name, sha256, size } => Some((*p, *e, name.as_str(), sha256.as_str(), *size)),
                    _ => None,
                })
                .collect();
            if !files.is_empty() {
                let insert = writes.part("fi");
                insert.push("INSERT INTO evidence (project_id, sha256, name, size, uploader_id, at, event_seq) ");
                insert.push_values(&files, |mut row, (project, event, name, sha256, size)| {
                    row.push_bind(*project)
                        .push_bind(*sha256)
                        .push_bind(*name)
                        .push_bind(*size)
                        .push_bind(event.actor)
                        .push_bind(micros(event.at))
                        .push_bind(event.seq);
                });
                writes.end(false);
            }
            let timers: Vec<(i64, &crate::decide::Timer)> =
                written.iter().flat_map(|(p, d)| d.timers.set.iter().map(move |t| (*p, t))).collect();
            let mut dropped: Vec<&str> = Vec::new();
            // Pending timers of a stage that was left are dropped: the events say what happened.
            let left: Vec<i64> = written.iter().filter(|(_, d)| d.timers.cancel_pending).map(|(p, _)| *p).collect();
            if !left.is_empty() {
                let delete = writes.part("tl");
                delete.push("DELETE FROM timers WHERE state IN ('pending', 'claimed') AND project_id IN (");
                let mut ids = delete.separated(", ");
                for project in &left {
                    ids.push_bind(*project);
                }
                delete.push(")");
                writes.end(!timers.is_empty());
                dropped.push("tl");
            }
            // Timers cancelled by key (an evaluator scored or was replaced).
            let keyed: Vec<(i64, &str)> = written
                .iter()
                .flat_map(|(p, d)| d.timers.cancel.iter().map(move |k| (*p, k.as_str())))
                .collect();
            if !keyed.is_empty() {
                let delete = writes.part("tk");
                // The projects' list alone is what leads SQLite to their
                // live timers (`timers_live_key`); the pairs, as a `VALUES`
                // list, would have it read every timer in the store.
                delete.push("DELETE FROM timers WHERE state IN ('pending', 'claimed') AND project_id IN (");
                let mut projects: Vec<i64> = keyed.iter().map(|(p, _)| *p).collect();
                projects.dedup();
                let mut ids = delete.separated(", ");
                for project in &projects {
                    ids.push_bind(*project);
                }
                delete.push(") AND (project_id, key) IN (");
                delete.push_values(&keyed, |mut row, (project, key)| {
                    row.push_bind(*project).push_bind(*key);
                });
                delete.push(")");
                writes.end(!timers.is_empty());
                dropped.push("tk");
            }
            if !timers.is_empty() {
                let insert = writes.part("ts");
                insert.push("INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at) ");
                if postgres && !dropped.is_empty() {
                    insert.push("SELECT * FROM (");
                }
                insert.push_values(&timers, |mut row, (project, timer)| {
                    let spec = serde_json::json!({ "to": timer.to, "template": timer.template, "every": timer.every });
                    row.push_bind(*project)
                        .push_bind(timer.key.as_str())
                        .push_bind(timer.kind.as_str())
                        .push_bind(micros(timer.at))
                        .push_bind(timer.entry)
                        .push_bind(spec.to_string())
                        .push_bind(now);
                });
                if postgres && !dropped.is_empty() {
                    insert.push(") AS v");
                    writes.after("WHERE", &dropped);
                }
                writes.end(false);
            }
            let notes: Vec<(i64, &crate::decide::Notification)> =
                written.iter().flat_map(|(p, d)| d.notifications.iter().map(move |n| (*p, n))).collect();
            if !notes.is_empty() {
                let insert = writes.part("ob");
                insert.push(
                    "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at) ",
                );
                insert.push_values(&notes, |mut row, (project, n)| {
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
                writes.end(false);
            }
            // Webhook deliveries of what the decisions recorded, in their transaction.
            let hooks: Vec<$crate::store::webhooks::HookEvent> = written
                .iter()
                .flat_map(|(p, d)| $crate::store::webhooks::decision_events(*p, d))
                .collect();
            if !hooks.is_empty() {
                let insert = writes.part("wh");
                $crate::store::webhooks::push_hooks!(insert, &hooks, $now);
                writes.end(false);
            }
            if let Some(mut statement) = writes.finish() {
                statement.build().execute(&mut *$tx).await?;
            }
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
            "UPDATE projects SET stage = $1, version = $2, head = $3, state = $4, updated_at = $5, overdue_since = $8
             WHERE id = $6 AND version = $7",
        )
        .bind(&state.stage)
        .bind(state.version as i64)
        .bind(&state.head)
        .bind(state_json(state))
        .bind(micros($now))
        .bind(item.project)
        .bind(item.expected as i64)
        .bind(state.overdue_since.map(micros))
        .execute(&mut *$conn)
        .await?
        .rows_affected()
            == 1
    }};
}

/// Moves every project of `$items` (each at most once) to its new state if
/// it is still at the version its decision was made from, in one statement
/// per chunk; evaluates to the ids of the projects moved. On PostgreSQL the
/// rows are first locked in id order, so two batches touching the same
/// projects wait for each other instead of deadlocking.
macro_rules! advance_many {
    ($tx:expr, $items:expr, $now:expr, $postgres:expr) => {{
        let items: &[&Pending<'_>] = $items;
        let mut moved: std::collections::HashSet<i64> = std::collections::HashSet::with_capacity(items.len());
        for chunk in items.chunks(ROWS_PER_INSERT) {
            // One row needs no order: its UPDATE locks it.
            if $postgres && chunk.len() > 1 {
                let ids: Vec<i64> = chunk.iter().map(|item| item.project).collect();
                let mut lock = sqlx::QueryBuilder::new("SELECT id FROM projects WHERE id IN (");
                let mut list = lock.separated(", ");
                for id in &ids {
                    list.push_bind(*id);
                }
                lock.push(") ORDER BY id FOR UPDATE");
                lock.build().fetch_all(&mut *$tx).await?;
            }
            // VALUES columns are named column1, column2, ... in both databases.
            let mut update = sqlx::QueryBuilder::new(
                "UPDATE projects SET stage = v.column3, version = v.column4, head = v.column5, state = v.column6, overdue_since = v.column7, updated_at = ",
            );
            update.push_bind(micros($now));
            update.push(" FROM (");
            update.push_values(chunk, |mut row, item| {
                let state = &item.decision.state;
                row.push_bind(item.project)
                    .push_bind(item.expected as i64)
                    .push_bind(state.stage.as_str())
                    .push_bind(state.version as i64)
                    .push_bind(state.head.as_str())
                    .push_bind(state_json(state))
                    .push_bind(state.overdue_since.map(micros));
            });
            // RETURNING says exactly which moved: a project that lost the race
            // may even hold the same version and head (the same command at the
            // same instant from another node), so nothing read afterwards could.
            update.push(") AS v WHERE projects.id = v.column1 AND projects.version = v.column2 RETURNING projects.id");
            for row in update.build().fetch_all(&mut *$tx).await? {
                moved.insert(row.int("id")?);
            }
        }
        moved
    }};
}

/// Writes one pending decision with its idempotency record inside `$conn`;
/// evaluates to `Result<(), Error>` (use inside an `async` block).
macro_rules! write_pending {
    ($conn:expr, $item:expr, $now:expr, $postgres:expr) => {{
        let item: &Pending<'_> = $item;
        if !advance!($conn, item, $now) {
            return Err(Error::Conflict {
                expected: item.expected,
            });
        }
        // The idempotency record is a part of the rows' statement: a
        // concurrent use of the key fails it whole (a unique violation).
        write_decisions!(
            $conn,
            &[(item.project, item.decision)],
            $now,
            $postgres,
            item.idempotency.map(|i| (item.project, i))
        );
        Ok::<(), Error>(())
    }};
}

/// Adds to each of `$rows` (read under their locks) everyone holding a
/// role on it through cohort `$cohort`, and the roles of its projection
/// (`project_members`: states stored before they listed their members):
/// a project as a migration or a change of dates decides on it.
macro_rules! with_members {
    ($tx:expr, $cohort:expr, $rows:expr) => {{
        let rows: &mut Vec<MigrationRow> = $rows;
        let cohort: i64 = $cohort;
        let cohort_members: Vec<Member> = sqlx::query("SELECT person_id, role FROM cohort_members WHERE cohort_id = $1")
            .bind(cohort)
            .fetch_all(&mut *$tx)
            .await?
            .iter()
            .map(member_row)
            .collect::<Result<_, _>>()?;
        let projected = sqlx::query(
            "SELECT m.project_id, m.person_id, m.role FROM project_members m JOIN projects p ON p.id = m.project_id WHERE p.cohort_id = $1",
        )
        .bind(cohort)
        .fetch_all(&mut *$tx)
        .await?;
        for row in rows.iter_mut() {
            for r in &projected {
                if r.int("project_id")? == row.id {
                    let member = member_row(r)?;
                    if !row.members.contains(&member) {
                        row.members.push(member);
                    }
                }
            }
            for member in &cohort_members {
                if !row.members.contains(member) {
                    row.members.push(member.clone());
                }
            }
        }
    }};
}

/// Moves each project of `$decisions` to its new state if it is still at
/// the version it was read at in `$rows` (under their locks), pinning it to
/// definition `$definition` when given (a migration); a project changed
/// meanwhile is [`Error::Conflict`] and nothing of the transaction stays.
macro_rules! advance_read {
    ($tx:expr, $decisions:expr, $rows:expr, $definition:expr, $now:expr) => {{
        let rows: &[MigrationRow] = $rows;
        let definition: Option<i64> = $definition;
        for (id, decision) in $decisions {
            let expected = rows.iter().find(|r| r.id == *id).map_or(0, |r| r.state.version);
            let state = &decision.state;
            let moved = sqlx::query(
                "UPDATE projects SET definition_id = COALESCE($1, definition_id), stage = $2, version = $3, head = $4, state = $5, overdue_since = $6, updated_at = $7
                 WHERE id = $8 AND version = $9",
            )
            .bind(definition)
            .bind(&state.stage)
            .bind(state.version as i64)
            .bind(&state.head)
            .bind(state_json(state))
            .bind(state.overdue_since.map(micros))
            .bind(micros($now))
            .bind(*id)
            .bind(expected as i64)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if moved != 1 {
                return Err(Error::Conflict { expected });
            }
        }
    }};
}

/// Creates projects inside the open write transaction `$tx` (the body of
/// [`Store::create_projects`], and of the import's `import_cohort`, which
/// writes people first in the same transaction): takes the places (when
/// `$take_places`), pins the definition, inserts the rows and writes each
/// start `$start` decides. Evaluates to each project's result; when `$start`
/// refused every one, nothing of them is written (the caller rolls back).
/// Returns early from the enclosing function with the cohort full or changed.
macro_rules! create_in {
    ($tx:ident, $postgres:expr, $cohort:expr, $workflow_key:expr, $projects:expr, $now:expr, $start:expr, $take_places:expr) => {{
        let postgres: bool = $postgres;
        let cohort: &super::Cohort = $cohort;
        let workflow_key: &str = $workflow_key;
        let projects: &[NewProject<'_>] = $projects;
        let now: Timestamp = $now;
        let start = $start;
        let take_places: bool = $take_places;
        let count = if take_places { projects.len() as i64 } else { 0 };
        'create: {
            // The place is taken only on the calendar the projects were
            // planned on: this statement locks the cohort's row (SQLite's
            // write lock is already held), so a change of its dates either
            // committed before (the revision moved: nothing is written, the
            // caller plans again) or waits until these projects are in.
            let placed = sqlx::query("UPDATE cohorts SET taken = taken + $2 WHERE id = $1 AND taken + $2 <= capacity AND revision = $3")
                .bind(cohort.id)
                .bind(count)
                .bind(cohort.revision)
                .execute(&mut *$tx)
                .await?
                .rows_affected();
            if placed == 0 {
                let row = sqlx::query("SELECT taken, revision FROM cohorts WHERE id = $1")
                    .bind(cohort.id)
                    .fetch_one(&mut *$tx)
                    .await?;
                if row.int("revision")? != cohort.revision {
                    $tx.rollback().await?;
                    return Err(Error::CohortChanged { expected: cohort.revision });
                }
                let taken = row.int("taken")?;
                let left = (i64::from(cohort.capacity) - taken).max(0);
                let cohort_name = ("cohort", Arg::Text(cohort.name.clone()));
                let capacity = ("capacity", Arg::int(cohort.capacity));
                return Err(Error::Refused(if left == 0 {
                    Reason::new("cohort-full", vec![cohort_name, capacity])
                } else {
                    Reason::new(
                        "cohort-places",
                        vec![
                            cohort_name,
                            capacity,
                            ("left", Arg::int(left)),
                            ("count", Arg::int(count)),
                        ],
                    )
                }));
            }
            let definition = sqlx::query(
                "UPDATE definitions SET projects = projects + $2
                 WHERE id = COALESCE(
                     (SELECT definition_id FROM cohorts WHERE id = $3),
                     (SELECT id FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1))
                 RETURNING id, key, version, title, source, source_hash, templates",
            )
            .bind(workflow_key)
            .bind(projects.len() as i64)
            .bind(cohort.id)
            .fetch_optional(&mut *$tx)
            .await?
            .map(|r| super::directory::definition_row(&r))
            .transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("no workflow '{workflow_key}' is published"))))?;
            // Rows first, to learn their ids: `head` holds each row's position
            // in `projects` until its first event is written.
            let mut ids = vec![0_i64; projects.len()];
            let positions: Vec<(usize, &NewProject<'_>)> = projects.iter().enumerate().collect();
            for chunk in positions.chunks(ROWS_PER_INSERT) {
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO projects (cohort_id, definition_id, title, stage, version, head, state, created_at, updated_at) ",
                );
                insert.push_values(chunk, |mut row, (position, project)| {
                    row.push_bind(cohort.id)
                        .push_bind(definition.id)
                        .push_bind(project.title)
                        .push_bind("")
                        .push_bind(0_i64)
                        .push_bind(position.to_string())
                        .push_bind("{}")
                        .push_bind(micros(now))
                        .push_bind(micros(now));
                });
                insert.push(" RETURNING id, head");
                for row in insert.build().fetch_all(&mut *$tx).await? {
                    let position: usize = row.text("head")?.parse().map_err(|_| Error::Corrupt("a new project's position".into()))?;
                    ids[position] = row.int("id")?;
                }
            }
            let cohort_members: Vec<Member> = sqlx::query("SELECT person_id, role FROM cohort_members WHERE cohort_id = $1")
                .bind(cohort.id)
                .fetch_all(&mut *$tx)
                .await?
                .iter()
                .map(member_row)
                .collect::<Result<_, _>>()?;
            let mut results = Vec::with_capacity(projects.len());
            let mut refused = Vec::new();
            for (position, (project, &id)) in projects.iter().zip(&ids).enumerate() {
                let mut all = project.direct.to_vec();
                for member in &cohort_members {
                    if !all.contains(member) {
                        all.push(member.clone());
                    }
                }
                let result = start(&definition, id, &all, position).map(|decision| (id, decision));
                if result.is_err() {
                    refused.push(id);
                }
                results.push(result);
            }
            if refused.len() == projects.len() {
                break 'create results;
            }
            if !refused.is_empty() {
                let mut delete = sqlx::QueryBuilder::new("DELETE FROM projects WHERE id IN (");
                let mut list = delete.separated(", ");
                for id in &refused {
                    list.push_bind(*id);
                }
                delete.push(")");
                delete.build().execute(&mut *$tx).await?;
                let gone = refused.len() as i64;
                sqlx::query("UPDATE cohorts SET taken = taken - $2 WHERE id = $1")
                    .bind(cohort.id)
                    .bind(if take_places { gone } else { 0 })
                    .execute(&mut *$tx)
                    .await?;
                sqlx::query("UPDATE definitions SET projects = projects - $2 WHERE id = $1")
                    .bind(definition.id)
                    .bind(gone)
                    .execute(&mut *$tx)
                    .await?;
            }
            let started: Vec<Pending<'_>> = results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .map(|(id, decision)| Pending { project: *id, expected: 0, decision, idempotency: None, completes: &[], certificate: None, frees: None })
                .collect();
            let moving: Vec<&Pending<'_>> = started.iter().collect();
            let moved = advance_many!($tx, &moving, now, postgres);
            if moved.len() != started.len() {
                return Err(Error::Corrupt(format!(
                    "{} of {} new projects could not be given their first state",
                    started.len() - moved.len(),
                    started.len()
                )));
            }
            let written: Vec<(i64, &Decision)> = started.iter().map(|p| (p.project, p.decision)).collect();
            write_decisions!($tx, &written, now, postgres);
            results
        }
    }};
}
// The import writes people and starts projects in one transaction
// (store/import.rs): the macros `create_in` expands to are named there.
pub(super) use {advance_many, create_in, write_decisions};

/// A project to create: its title and the people given a role on it directly.
#[derive(Debug, Clone, Copy)]
pub struct NewProject<'a> {
    /// Title of the improvement.
    pub title: &'a str,
    /// Members named at the start (the cohort's are added).
    pub direct: &'a [Member],
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
    /// The certificate the decision issues (its action requested
    /// `issue_certificate`): written in the same transaction, numbered there.
    pub certificate: Option<&'a super::NewCertificate>,
    /// The cohort whose place the decision gives back (the project entered
    /// its workflow's withdrawal stage): `taken - 1` in the same transaction.
    pub frees: Option<i64>,
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
    /// Creates projects in `cohort`, all in one transaction, each pinned to
    /// the version the cohort is pinned to (read in the transaction, so a
    /// `cohort pin` meanwhile is seen whole or not at all; the latest
    /// published version of `workflow_key` for a cohort without a pin) and started by `start`
    /// (given the definition read under its row lock, the new id, everyone
    /// with a role on it — `direct` members and the cohort's — and the
    /// project's position in `projects`). The cohort's places are taken and
    /// the definition's project count raised by the statements that check
    /// them, so capacity holds and the text a project starts on can never be
    /// replaced, however many start at once. The cohort must have a place for
    /// every one of them. A project `start` refuses is not created and takes
    /// no place; when it refuses all, nothing is written. `start` plans on
    /// the calendar of `cohort.revision`: when the cohort's dates changed
    /// since, nothing is written and the answer is
    /// [`Error::CohortChanged`] (a project never starts on an old calendar).
    ///
    /// A place is taken for each project only when `take_places` (an
    /// offer taken already holds its place), and
    /// writing `applications` (intake: the application accepted, its
    /// project set to the first one started) in the same transaction: a
    /// lost race on one of them ([`Error::Conflict`]) writes nothing.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn create_projects<E>(
        &self,
        cohort: &super::Cohort,
        workflow_key: &str,
        projects: &[NewProject<'_>],
        now: Timestamp,
        mut start: impl FnMut(&super::StoredDefinition, i64, &[Member], usize) -> Result<Decision, E>,
        take_places: bool,
        applications: &[super::intake::ApplicationWrite],
    ) -> Result<
        (
            Vec<Result<(i64, Decision), E>>,
            Vec<crate::decide::intake::IntakeEvent>,
        ),
        Error,
    > {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let results = create_in!(tx, postgres, cohort, workflow_key, projects, now, &mut start, take_places);
            if results.iter().all(Result::is_err) {
                tx.rollback().await?;
                return Ok((results, Vec::new()));
            }
            let started: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok()).map(|(id, _)| *id).collect();
            let first = started.first().copied();
            let intake = if applications.is_empty() {
                Vec::new()
            } else {
                super::intake::write_applications!(tx, cohort.id, applications, first, now)
            };
            tx.commit().await?;
            Ok((results, intake))
        })
    }

    /// Loads a project with its members.
    pub(crate) async fn project(&self, id: i64) -> Result<ProjectRecord, Error> {
        self.projects_by_id(&[id]).await?.pop().ok_or_else(|| {
            Error::NotFound(Reason::new(
                "unknown-project",
                vec![("project", Arg::int(id))],
            ))
        })
    }

    /// Loads several projects with their members in one round trip (ids that
    /// do not exist are left out), in id order.
    pub(crate) async fn projects_by_id(&self, ids: &[i64]) -> Result<Vec<ProjectRecord>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        macro_rules! in_ids {
            ($query:expr, $ids:expr) => {{
                $query.push(" IN (");
                let mut list = $query.separated(", ");
                for id in $ids {
                    list.push_bind(*id);
                }
                $query.push(")");
            }};
        }
        // One statement: the rows (with their cohort's calendar revision),
        // then the members of their cohorts. Those given a role directly are
        // in each state (its `members`); those holding one through the cohort
        // are the cohort's (a few rows per cohort), told apart by a NULL id.
        // The rows are picked once (a materialized CTE) and their cohorts
        // taken from them: with the id list written twice, PostgreSQL tested
        // each cohort member against a cohort's projects and the whole list
        // (46 ms of a 1,000-project home page, 0.2 ms this way).
        let mut rows: Vec<(i64, ProjectRow)> = Vec::with_capacity(ids.len());
        let mut through_cohort: std::collections::HashMap<i64, Vec<Member>> =
            std::collections::HashMap::new();
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(
                "WITH picked AS MATERIALIZED (SELECT p.id, p.cohort_id, c.revision, p.definition_id, p.title, p.state
                 FROM projects p JOIN cohorts c ON c.id = p.cohort_id WHERE p.id",
            );
            in_ids!(query, ids);
            query.push(
                ") SELECT id, cohort_id, revision, definition_id, title, state, NULL AS person_id, NULL AS role FROM picked
                 UNION ALL SELECT NULL, m.cohort_id, NULL, NULL, NULL, NULL, m.person_id, m.role
                 FROM cohort_members m WHERE m.cohort_id IN (SELECT DISTINCT cohort_id FROM picked)",
            );
            for row in query.build().fetch_all(pool).await? {
                match row.opt_int("id")? {
                    Some(id) => rows.push((
                        id,
                        ProjectRow {
                            cohort_id: row.int("cohort_id")?,
                            cohort_revision: row.int("revision")?,
                            definition_id: row.int("definition_id")?,
                            title: row.text("title")?,
                            state: row.text("state")?,
                        },
                    )),
                    None => through_cohort
                        .entry(row.int("cohort_id")?)
                        .or_default()
                        .push(member_row(&row)?),
                }
            }
        });
        rows.sort_unstable_by_key(|(id, _)| *id);
        for members in through_cohort.values_mut() {
            members.sort_unstable_by(|a, b| (a.person, &a.role).cmp(&(b.person, &b.role)));
        }
        let mut records: Vec<ProjectRecord> = Vec::with_capacity(rows.len());
        for (id, row) in rows {
            let state: ProjectState = serde_json::from_str(&row.state)
                .map_err(|e| Error::Corrupt(format!("project {id} state: {e}")))?;
            records.push(ProjectRecord {
                id,
                cohort_id: row.cohort_id,
                cohort_revision: row.cohort_revision,
                definition_id: row.definition_id,
                title: row.title,
                members: state.members.to_vec(),
                state,
            });
        }
        // States stored before they listed their members: from the projection.
        let unlisted: Vec<i64> = records
            .iter()
            .filter(|r| r.members.is_empty())
            .map(|r| r.id)
            .collect();
        let projected = self
            .members_of("project_members", "project_id", &unlisted)
            .await?;
        for record in &mut records {
            let extra = [
                projected.get(&record.id),
                through_cohort.get(&record.cohort_id),
            ];
            for member in extra.into_iter().flatten().flatten() {
                if !record.members.contains(member) {
                    record.members.push(member.clone());
                }
            }
        }
        Ok(records)
    }

    /// The members listed in `table` (`project_members` or `cohort_members`)
    /// for each of `owners` (ids in its `column`), by owner.
    async fn members_of(
        &self,
        table: &'static str,
        column: &'static str,
        owners: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<Member>>, Error> {
        let mut members: std::collections::HashMap<i64, Vec<Member>> =
            std::collections::HashMap::new();
        if owners.is_empty() {
            return Ok(members);
        }
        with_db!(self, pool => {
            let mut query = sqlx::QueryBuilder::new(format!("SELECT {column} AS owner, person_id, role FROM {table} WHERE {column} IN ("));
            let mut list = query.separated(", ");
            for id in owners {
                list.push_bind(*id);
            }
            query.push(format!(") ORDER BY {column}, person_id, role"));
            for row in query.build().fetch_all(pool).await? {
                members.entry(row.int("owner")?).or_default().push(member_row(&row)?);
            }
        });
        Ok(members)
    }

    /// Commits a decision that records an evidence file of `size` bytes
    /// uploaded by `uploader`, only if their files stay within `quota`
    /// bytes. The quota is read inside the commit's transaction, after
    /// taking the uploader's row (PostgreSQL; on SQLite the write lock does
    /// it), so uploads racing from several nodes are counted one after the
    /// other. `Ok(false)`: over the quota, nothing written; a project that
    /// moved meanwhile is a conflict.
    pub(crate) async fn commit_evidence(
        &self,
        item: &Pending<'_>,
        uploader: i64,
        size: i64,
        quota: i64,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                sqlx::query("SELECT id FROM people WHERE id = $1 FOR UPDATE")
                    .bind(uploader)
                    .execute(&mut *tx)
                    .await?;
            }
            let used = sqlx::query("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total FROM evidence WHERE uploader_id = $1")
                .bind(uploader)
                .fetch_one(&mut *tx)
                .await?
                .int("total")?;
            if used.saturating_add(size) > quota {
                tx.rollback().await?;
                return Ok(false);
            }
            if !advance!(tx, item, now) {
                tx.rollback().await?;
                return Err(Error::Conflict { expected: item.expected });
            }
            write_decisions!(tx, &[(item.project, item.decision)], now, postgres);
            tx.commit().await?;
            Ok(true)
        })
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
        let postgres = self.kind() == "postgres";
        let outcomes: Vec<Result<(), Error>> = with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Decisions without an idempotency key, on a project not seen
            // before in the batch, are moved together (round trips dominate
            // the cost); the others one by one after them, in batch order.
            let mut seen = std::collections::HashSet::with_capacity(batch.len());
            let together: Vec<bool> = batch
                .iter()
                .map(|item| item.idempotency.is_none() && seen.insert(item.project))
                .collect();
            let bulk: Vec<&Pending<'_>> = batch.iter().zip(&together).filter(|(_, t)| **t).map(|(item, _)| item).collect();
            let moved = advance_many!(tx, &bulk, now, postgres);
            let completes: Vec<i64> = bulk
                .iter()
                .filter(|item| moved.contains(&item.project))
                .flat_map(|item| item.completes.iter().copied())
                .collect();
            for chunk in completes.chunks(ROWS_PER_INSERT) {
                super::timers::complete!(tx, chunk, now);
            }
            let mut outcomes = Vec::with_capacity(batch.len());
            let mut written = Vec::with_capacity(batch.len());
            for (item, together) in batch.iter().zip(together) {
                let outcome = if together {
                    if moved.contains(&item.project) {
                        written.push((item.project, item.decision));
                        Ok(())
                    } else {
                        Err(Error::Conflict { expected: item.expected })
                    }
                } else if item.idempotency.is_none() {
                    if advance!(tx, item, now) {
                        super::timers::complete!(tx, item.completes, now);
                        written.push((item.project, item.decision));
                        Ok(())
                    } else {
                        Err(Error::Conflict { expected: item.expected })
                    }
                } else if batch.len() == 1 {
                    async { write_pending!(tx, item, now, postgres) }.await
                } else {
                    let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
                    let outcome = async { write_pending!(savepoint, item, now, postgres) }.await;
                    if outcome.is_ok() {
                        savepoint.commit().await?;
                    } else {
                        savepoint.rollback().await?;
                    }
                    outcome
                };
                outcomes.push(outcome);
            }
            write_decisions!(tx, &written, now, postgres);
            let issued: Vec<&super::NewCertificate> = batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| outcome.is_ok())
                .filter_map(|(item, _)| item.certificate)
                .collect();
            super::certificates::issue!(tx, issued, now);
            let freed: Vec<i64> = batch
                .iter()
                .zip(&outcomes)
                .filter(|(_, outcome)| outcome.is_ok())
                .filter_map(|(item, _)| item.frees)
                .collect();
            super::places::free_places!(tx, freed, now);
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
        Ok(self.events_of(&[project]).await?.pop().unwrap_or_default())
    }

    /// The histories of `projects`, each oldest first, in the order given
    /// (a project that does not exist has none); a few statements for all.
    pub(crate) async fn events_of(&self, projects: &[i64]) -> Result<Vec<Vec<StoredEvent>>, Error> {
        let mut by_project: std::collections::HashMap<i64, Vec<StoredEvent>> =
            std::collections::HashMap::new();
        for chunk in projects.chunks(ROWS_PER_INSERT) {
            with_db!(self, pool => {
                let mut query = sqlx::QueryBuilder::new(
                    "SELECT e.project_id, e.seq, e.at, p.email, e.change, e.hash FROM events e LEFT JOIN people p ON p.id = e.actor_id
                     WHERE e.project_id IN (",
                );
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(") ORDER BY e.project_id, e.seq");
                for r in query.build().fetch_all(pool).await? {
                    let project = r.int("project_id")?;
                    let event = StoredEvent {
                        seq: r.int("seq")?,
                        at: instant(r.int("at")?)?,
                        actor: r.try_get("email")?,
                        change: crate::decide::Change::from_json(&r.text("change")?)
                            .map_err(|e| Error::Corrupt(format!("project {project}, event {}: {e}", r.int("seq").unwrap_or(0))))?,
                        hash: r.text("hash")?,
                    };
                    by_project.entry(project).or_default().push(event);
                }
            });
        }
        Ok(projects
            .iter()
            .map(|id| by_project.remove(id).unwrap_or_default())
            .collect())
    }

    /// Projects, newest first, optionally of one cohort.
    pub(crate) async fn projects(&self, cohort: Option<i64>) -> Result<Vec<Summary>, Error> {
        with_db!(self, pool => sqlx::query(
            "SELECT p.id, p.title, c.name, p.stage, p.version, p.overdue_since FROM projects p JOIN cohorts c ON c.id = p.cohort_id
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
                overdue_since: r.opt_int("overdue_since")?.map(instant).transpose()?,
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
            // `state IN (...)` leads SQLite to the project's live timers
            // (`timers_live_key`); `state = 'pending'` alone would have it
            // read every pending timer in the store through `timers_due`.
            "SELECT key, kind, due_at FROM timers
             WHERE project_id = $1 AND state IN ('pending', 'claimed') AND state = 'pending' ORDER BY due_at, key",
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
}

/// A project of a cohort as a migration reads it, under its lock.
#[derive(Debug, Clone)]
pub struct MigrationRow {
    /// Project id.
    pub id: i64,
    /// The definition it runs now.
    pub definition_id: i64,
    /// Its state.
    pub state: ProjectState,
    /// Everyone with a role on it, directly or through the cohort.
    pub members: Vec<Member>,
}

impl Store {
    /// Moves the projects of `cohort` that do not run `target` yet to it, in
    /// ONE transaction: the rows are locked (PostgreSQL; SQLite's write lock
    /// does it) and read, `plan` (the decision core, given every row)
    /// decides each move or refuses the whole migration, and then each
    /// project's row (its definition too), its events, timers and messages
    /// are written, `target`'s project count is raised by the projects moved
    /// (the versions they leave keep theirs: their logs still read against
    /// them, so their text must never change) and the cohort is pinned to
    /// `target`. A refusal, or `dry_run`, changes nothing; so does a change
    /// of the cohort's dates since `cohort` was read ([`Error::CohortChanged`]:
    /// the projects would be planned on the old calendar).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn migrate_cohort<E>(
        &self,
        cohort: &super::Cohort,
        target: &super::StoredDefinition,
        by: &str,
        dry_run: bool,
        now: Timestamp,
        plan: impl FnOnce(&[MigrationRow]) -> Result<Vec<(i64, Decision)>, E>,
    ) -> Result<Result<Vec<(i64, Decision)>, E>, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                // Migrations and pins of one cohort wait for each other.
                sqlx::query("SELECT id FROM cohorts WHERE id = $1 FOR UPDATE")
                    .bind(cohort.id)
                    .execute(&mut *tx)
                    .await?;
            }
            // The projects are planned on the calendar of `cohort.revision`.
            let revision = sqlx::query("SELECT revision FROM cohorts WHERE id = $1")
                .bind(cohort.id)
                .fetch_one(&mut *tx)
                .await?
                .int("revision")?;
            if revision != cohort.revision {
                tx.rollback().await?;
                return Err(Error::CohortChanged { expected: cohort.revision });
            }
            let lock = if postgres { " FOR UPDATE" } else { "" };
            let sql = format!(
                "SELECT id, definition_id, state FROM projects WHERE cohort_id = $1 AND definition_id <> $2 ORDER BY id{lock}"
            );
            let mut rows: Vec<MigrationRow> = Vec::new();
            for r in sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(cohort.id)
                .bind(target.id)
                .fetch_all(&mut *tx)
                .await?
            {
                let id = r.int("id")?;
                let state: ProjectState = serde_json::from_str(&r.text("state")?)
                    .map_err(|e| Error::Corrupt(format!("project {id} state: {e}")))?;
                rows.push(MigrationRow {
                    id,
                    definition_id: r.int("definition_id")?,
                    members: state.members.to_vec(),
                    state,
                });
            }
            // Members held through the cohort, and those of states stored
            // before they listed their members (from the projection).
            with_members!(tx, cohort.id, &mut rows);
            let decisions = match plan(&rows) {
                Ok(decisions) => decisions,
                Err(refused) => {
                    tx.rollback().await?;
                    return Ok(Err(refused));
                }
            };
            if dry_run {
                tx.rollback().await?;
                return Ok(Ok(decisions));
            }
            advance_read!(tx, &decisions, &rows, Some(target.id), now);
            let written: Vec<(i64, &Decision)> = decisions.iter().map(|(id, d)| (*id, d)).collect();
            write_decisions!(tx, &written, now, postgres);
            if !decisions.is_empty() {
                sqlx::query("UPDATE definitions SET projects = projects + $2 WHERE id = $1")
                    .bind(target.id)
                    .bind(decisions.len() as i64)
                    .execute(&mut *tx)
                    .await?;
            }
            super::directory::pin_in!(tx, cohort.id, target.id, "migrate", by, now);
            tx.commit().await?;
            Ok(Ok(decisions))
        })
    }
}

// Part 5 of issue 15: extensions and calendar changes.

/// What a change of dates reads under its locks: the cohort's dates and
/// holidays as they are now, and the projects asked for.
#[derive(Debug, Clone)]
pub struct DatesRead {
    /// The cohort's dates and holidays, as committed.
    pub calendar: crate::decide::CalendarDates,
    /// The projects, each with everyone holding a role on it.
    pub rows: Vec<MigrationRow>,
}

/// What a change of dates writes: the decisions, and the cohort's new
/// dates and holidays when they change.
pub type DatesPlan = (Vec<(i64, Decision)>, Option<crate::decide::CalendarDates>);

impl Store {
    /// Extensions and calendar changes, in one transaction: the cohort's
    /// row and the projects asked for (`projects`, or every project of the
    /// cohort) are locked and read, `plan` decides, and its decisions are
    /// committed with the cohort's new dates and holidays (its revision
    /// raised, so every cached calendar is read again). A refusal of `plan`
    /// changes nothing.
    pub(crate) async fn change_dates<E>(
        &self,
        cohort: i64,
        projects: Option<&[i64]>,
        now: Timestamp,
        plan: impl FnOnce(&DatesRead) -> Result<DatesPlan, E>,
    ) -> Result<Result<Vec<(i64, Decision)>, E>, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Changes of one cohort's dates wait for each other (SQLite's
            // write lock, taken as the transaction begins, does it there).
            let lock = if postgres { " FOR UPDATE" } else { "" };
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT dates, holidays FROM cohorts WHERE id = $1{lock}"
            )))
            .bind(cohort)
            .fetch_one(&mut *tx)
            .await?;
            let calendar = crate::decide::CalendarDates {
                dates: serde_json::from_str(&row.text("dates")?)
                    .map_err(|e| Error::Corrupt(format!("cohort {cohort} dates: {e}")))?,
                holidays: serde_json::from_str(&row.text("holidays")?)
                    .map_err(|e| Error::Corrupt(format!("cohort {cohort} holidays: {e}")))?,
            };
            let mut select = sqlx::QueryBuilder::new(
                "SELECT id, definition_id, state FROM projects WHERE cohort_id = ",
            );
            select.push_bind(cohort);
            if let Some(ids) = projects {
                select.push(" AND id IN (");
                let mut list = select.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                list.push_unseparated(")");
                if ids.is_empty() {
                    select.push(" AND 1 = 0");
                }
            }
            select.push(" ORDER BY id");
            select.push(lock);
            let mut rows: Vec<MigrationRow> = Vec::new();
            if projects.is_none_or(|ids| !ids.is_empty()) {
                for r in select.build().fetch_all(&mut *tx).await? {
                    let id = r.int("id")?;
                    let state: ProjectState = serde_json::from_str(&r.text("state")?)
                        .map_err(|e| Error::Corrupt(format!("project {id} state: {e}")))?;
                    rows.push(MigrationRow {
                        id,
                        definition_id: r.int("definition_id")?,
                        members: state.members.to_vec(),
                        state,
                    });
                }
            }
            // Members held through the cohort, and the projection's rows
            // (as a migration reads them).
            with_members!(tx, cohort, &mut rows);
            let read = DatesRead { calendar, rows };
            let (decisions, new_calendar) = match plan(&read) {
                Ok(planned) => planned,
                Err(refused) => {
                    tx.rollback().await?;
                    return Ok(Err(refused));
                }
            };
            advance_read!(tx, &decisions, &read.rows, None::<i64>, now);
            let written: Vec<(i64, &Decision)> = decisions.iter().map(|(id, d)| (*id, d)).collect();
            write_decisions!(tx, &written, now, postgres);
            if let Some(calendar) = &new_calendar {
                sqlx::query("UPDATE cohorts SET dates = $1, holidays = $2, revision = revision + 1 WHERE id = $3")
                    .bind(serde_json::to_string(&calendar.dates).expect("dates serialise"))
                    .bind(serde_json::to_string(&calendar.holidays).expect("holidays serialise"))
                    .bind(cohort)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(Ok(decisions))
        })
    }

    /// The projects of cohort `cohort` in which person `person` holds role
    /// `role` directly, by id.
    pub(crate) async fn projects_held(
        &self,
        cohort: i64,
        person: i64,
        role: &str,
    ) -> Result<Vec<i64>, Error> {
        with_db!(self, pool => {
            let rows = sqlx::query(
                "SELECT p.id FROM projects p JOIN project_members m ON m.project_id = p.id
                 WHERE p.cohort_id = $1 AND m.person_id = $2 AND m.role = $3 ORDER BY p.id",
            )
            .bind(cohort)
            .bind(person)
            .bind(role)
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| r.int("id")).collect()
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

pub(super) fn member_row(r: &impl Columns) -> Result<Member, Error> {
    Ok(Member {
        person: r.int("person_id")?,
        role: r.text("role")?,
    })
}

pub(super) fn state_json(state: &ProjectState) -> String {
    serde_json::to_string(state).expect("state serialises")
}

// Issue 16, part 5 (places): a withdrawal with its application and offer.
impl Store {
    /// Withdraws a project in one transaction: its decision (`item`, from
    /// the version read), the cohort's places changed by `places` (the
    /// project's place given back, an offer's taken: -1 or 0), and its
    /// application's change with the offer to the next of the waiting list
    /// (`writes`, with their events in the cohort's log and their mail). A
    /// project or application moved meanwhile is [`Error::Conflict`] and
    /// nothing stays.
    pub(crate) async fn withdraw_project(
        &self,
        item: &Pending<'_>,
        cohort: i64,
        places: i64,
        writes: &[super::ApplicationWrite],
        now: Timestamp,
    ) -> Result<(), Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The cohort's row first, as every intake write locks it.
            sqlx::query(
                "UPDATE cohorts SET taken = CASE WHEN taken + $2 < 0 THEN 0 ELSE taken + $2 END WHERE id = $1",
            )
            .bind(cohort)
            .bind(places)
            .execute(&mut *tx)
            .await?;
            if !advance!(tx, item, now) {
                return Err(Error::Conflict { expected: item.expected });
            }
            write_decisions!(tx, &[(item.project, item.decision)], now, postgres);
            if !writes.is_empty() {
                let _ = super::intake::write_applications!(tx, cohort, writes, None, now);
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
