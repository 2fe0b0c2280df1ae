//! Bulk set-up for the timer groups: a million due timers in seconds.
//!
//! `Engine::start_project` is one transaction per project; the 250,000
//! projects a million timers hang on would take minutes. So each project's
//! start is decided by the same pure core the engine calls (`decide::start`,
//! with the workflow and the cohort's calendar as the engine reads them back,
//! the trainee and supervisor given their roles, the coordinator through the
//! cohort) and its rows are written with plain SQL exactly as the store
//! writes them (`create_project` and `write_decisions` in
//! engine/src/store/projects.rs): the project row with its state and chain
//! head, its hash-chained events, `project_members`, its timers with the
//! stage entry they belong to and their spec, any outbox rows, and the
//! cohort's `taken` and the definition's `projects` counters. People are
//! plain rows too. `Engine::verify_audit` accepts the result.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use gradflow_engine::calendar::Calendar;
use gradflow_engine::decide::{self, Change, Member, Project, TimerKind};
use gradflow_engine::definition::Workflow;
use jiff::Timestamp;
use sqlx::Connection;

use crate::fixture::COHORT_CAPACITY;
use crate::plain::Plain;

/// Projects decided and written per transaction.
const CHUNK: usize = 5_000;

/// When the seeded timers are due.
#[derive(Debug, Clone, Copy)]
pub enum Due {
    /// As the core set them from the cohort's dates.
    AsDecided,
    /// The timers of kind `kind`: one every `1 / per_second` s from 0 (the
    /// epoch), in the order the core set them (every project's first such
    /// timer, then every second one, ...: a project's timers are `projects /
    /// per_second` s apart); the caller moves them onto the clock just before
    /// firing them. Timers of other kinds keep the time the core set.
    Spread {
        /// Timers due per second.
        per_second: f64,
        /// The kind spread.
        kind: TimerKind,
    },
}

/// What to write.
pub struct Plan<'a> {
    /// Tags the people's emails.
    pub tag: &'a str,
    /// Projects to start.
    pub projects: usize,
    /// When they start.
    pub now: Timestamp,
    /// The published workflow (as the engine parsed it).
    pub workflow: &'a Workflow,
    /// The cohorts' calendar (every cohort of the plan has the same).
    pub calendar: &'a Calendar,
    /// The definition row projects are pinned to.
    pub definition: i64,
    /// Cohorts, filled in turn up to their capacity.
    pub cohorts: &'a [i64],
    /// The cohorts' coordinator.
    pub coordinator: i64,
    /// When the timers are due.
    pub due: Due,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Seeded {
    /// Projects.
    pub projects: usize,
    /// Timers (all pending).
    pub timers: u64,
    /// Timer rows written have ids in `first_timer..=last_timer`.
    pub first_timer: i64,
    /// See `first_timer`.
    pub last_timer: i64,
    /// Events written (the start's).
    pub events: u64,
    /// Events per project.
    pub events_each: i64,
    /// Outbox rows written.
    pub outbox: u64,
    /// The distinct instants timers are due at, ascending.
    pub due: Vec<Timestamp>,
    /// Rows written in all tables.
    pub rows: u64,
    /// How long it took.
    pub took: Duration,
}

struct ProjectRow {
    id: i64,
    cohort: i64,
    title: String,
    stage: String,
    version: i64,
    head: String,
    state: String,
}

struct EventRow {
    project: i64,
    seq: i64,
    at: i64,
    actor: Option<i64>,
    change: String,
    prev: String,
    hash: String,
}

struct TimerRow {
    project: i64,
    key: String,
    kind: &'static str,
    due: i64,
    entry: i64,
    spec: String,
}

struct OutboxRow {
    project: i64,
    cause: i64,
    template: String,
    recipient: i64,
}

/// One chunk's rows.
#[derive(Default)]
struct Rows {
    /// id, email, name.
    people: Vec<(i64, String, &'static str)>,
    projects: Vec<ProjectRow>,
    events: Vec<EventRow>,
    /// project, person, role.
    members: Vec<(i64, i64, String)>,
    timers: Vec<TimerRow>,
    outbox: Vec<OutboxRow>,
}

impl Rows {
    fn len(&self) -> u64 {
        (self.people.len()
            + self.projects.len()
            + self.events.len()
            + self.members.len()
            + self.timers.len()
            + self.outbox.len()) as u64
    }
}

/// Starts `plan.projects` projects in the database `url` (set up through the
/// engine, which is closed) and writes their rows.
pub async fn write(url: &str, plan: &Plan<'_>) -> anyhow::Result<Seeded> {
    ensure!(
        plan.cohorts.len() * COHORT_CAPACITY >= plan.projects,
        "{} projects do not fit in {} cohorts",
        plan.projects,
        plan.cohorts.len()
    );
    let started = Instant::now();
    let mut db = Plain::open(url, gradflow_engine::Durability::Normal).await?;
    let mut seeded = Seeded {
        projects: plan.projects,
        timers: 0,
        first_timer: db.count("SELECT MAX(id) FROM timers", &[]).await? + 1,
        last_timer: 0,
        events: 0,
        events_each: 0,
        outbox: 0,
        due: Vec::new(),
        rows: 0,
        took: Duration::ZERO,
    };
    prepare(&mut db).await?;
    let people = next_ids(&mut db, "people", 2 * plan.projects).await?;
    let projects = next_ids(&mut db, "projects", plan.projects).await?;
    let mut due = BTreeSet::new();
    let now = plan.now.as_microsecond();
    let mut from = 0;
    while from < plan.projects {
        let to = (from + CHUNK).min(plan.projects);
        let rows = decide_chunk(plan, from..to, &people, &projects, &mut due)?;
        seeded.events += rows.events.len() as u64;
        seeded.timers += rows.timers.len() as u64;
        seeded.outbox += rows.outbox.len() as u64;
        seeded.rows += rows.len();
        insert(&mut db, &rows, now, plan.definition).await?;
        from = to;
    }
    // The counters the store raises with each start.
    for (i, cohort) in plan.cohorts.iter().enumerate() {
        let taken = plan
            .projects
            .saturating_sub(i * COHORT_CAPACITY)
            .min(COHORT_CAPACITY);
        db.execute(
            "UPDATE cohorts SET taken = taken + $1 WHERE id = $2",
            &[taken as i64, *cohort],
        )
        .await?;
    }
    db.execute(
        "UPDATE definitions SET projects = projects + $1 WHERE id = $2",
        &[plan.projects as i64, plan.definition],
    )
    .await?;
    seeded.last_timer = db.count("SELECT MAX(id) FROM timers", &[]).await?;
    ensure!(
        seeded.last_timer - seeded.first_timer + 1 == seeded.timers as i64,
        "timer ids {}..={} for {} timers written",
        seeded.first_timer,
        seeded.last_timer,
        seeded.timers
    );
    finish(&mut db).await?;
    db.close().await?;
    seeded.events_each = seeded.events as i64 / plan.projects.max(1) as i64;
    seeded.due = due
        .into_iter()
        .map(Timestamp::from_microsecond)
        .collect::<Result<_, _>>()?;
    seeded.took = started.elapsed();
    Ok(seeded)
}

/// Decides the start of projects `range` and turns the decisions into rows.
fn decide_chunk(
    plan: &Plan<'_>,
    range: std::ops::Range<usize>,
    people: &[i64],
    projects: &[i64],
    due: &mut BTreeSet<i64>,
) -> anyhow::Result<Rows> {
    let mut rows = Rows::default();
    let now = plan.now;
    for i in range {
        let (trainee, supervisor, id) = (people[2 * i], people[2 * i + 1], projects[i]);
        let direct = [
            Member {
                person: trainee,
                role: "trainee".into(),
            },
            Member {
                person: supervisor,
                role: "supervisor".into(),
            },
        ];
        // As the store gathers them: the direct members, then the cohort's.
        let mut members = direct.to_vec();
        members.push(Member {
            person: plan.coordinator,
            role: "coordinator".into(),
        });
        let project = Project {
            id,
            workflow: plan.workflow,
            calendar: plan.calendar,
            members: &members,
            conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
        };
        let d = decide::start(&project, &direct, now)
            .map_err(|r| anyhow::anyhow!("the core refused to start project {id}: {r}"))?;
        rows.people.push((
            trainee,
            format!("trainee-{}-{i}@bench.example", plan.tag),
            "Trainee",
        ));
        rows.people.push((
            supervisor,
            format!("supervisor-{}-{i}@bench.example", plan.tag),
            "Supervisor",
        ));
        rows.projects.push(ProjectRow {
            id,
            cohort: plan.cohorts[i / COHORT_CAPACITY],
            title: format!("Bench project {i}"),
            stage: d.state.stage.clone(),
            version: d.state.version as i64,
            head: d.state.head.clone(),
            state: serde_json::to_string(&d.state)?,
        });
        for e in &d.events {
            if let Change::MemberAdded { person, role } = &e.change {
                rows.members.push((id, *person, role.clone()));
            }
            rows.events.push(EventRow {
                project: id,
                seq: e.seq,
                at: e.at.as_microsecond(),
                actor: e.actor,
                change: e.change_json.clone(),
                prev: e.prev_hash.clone(),
                hash: e.hash.clone(),
            });
        }
        let mut timers: Vec<_> = d.timers.set.iter().collect();
        timers.sort_by_key(|t| (t.at, t.key.clone()));
        let mut k = 0;
        for t in timers {
            let at = match plan.due {
                Due::Spread { per_second, kind } if t.kind == kind => {
                    let j = (k * plan.projects + i) as f64;
                    k += 1;
                    (j * 1e6 / per_second).round() as i64
                }
                _ => t.at.as_microsecond(),
            };
            due.insert(at);
            rows.timers.push(TimerRow {
                project: id,
                key: t.key.clone(),
                kind: t.kind.as_str(),
                due: at,
                entry: t.entry,
                spec: serde_json::json!({ "to": t.to, "template": t.template, "every": t.every })
                    .to_string(),
            });
        }
        for n in &d.notifications {
            rows.outbox.push(OutboxRow {
                project: id,
                cause: n.cause,
                template: n.template.clone(),
                recipient: n.recipient,
            });
        }
    }
    Ok(rows)
}

/// Session settings for a bulk load: the set-up need not survive a crash.
async fn prepare(db: &mut Plain) -> anyhow::Result<()> {
    match db {
        Plain::Sqlite(c) => {
            c.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")?
        }
        Plain::Pg(c) => {
            sqlx::raw_sql("SET synchronous_commit = off")
                .execute(&mut *c)
                .await?;
        }
    }
    Ok(())
}

/// Folds SQLite's WAL into the file, so it can be copied as one file.
async fn finish(db: &mut Plain) -> anyhow::Result<()> {
    if let Plain::Sqlite(c) = db {
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    Ok(())
}

/// `n` fresh row ids of `table`: after the highest on SQLite; taken from the
/// identity's sequence on PostgreSQL (so the engine's later rows follow them).
async fn next_ids(db: &mut Plain, table: &str, n: usize) -> anyhow::Result<Vec<i64>> {
    Ok(match db {
        Plain::Sqlite(_) => {
            let max = db
                .count(&format!("SELECT MAX(id) FROM {table}"), &[])
                .await?;
            (max + 1..=max + n as i64).collect()
        }
        Plain::Pg(c) => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
            );
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .bind(n as i64)
                .fetch_all(&mut *c)
                .await?
        }
    })
}

/// Writes one chunk's rows in one transaction.
async fn insert(db: &mut Plain, rows: &Rows, now: i64, definition: i64) -> anyhow::Result<()> {
    match db {
        Plain::Sqlite(c) => tokio::task::block_in_place(|| insert_sqlite(c, rows, now, definition)),
        Plain::Pg(c) => insert_pg(c, rows, now, definition).await,
    }
}

fn insert_sqlite(
    c: &mut rusqlite::Connection,
    rows: &Rows,
    now: i64,
    definition: i64,
) -> anyhow::Result<()> {
    use rusqlite::params;
    let tx = c.transaction()?;
    {
        let mut s = tx.prepare_cached(
            "INSERT INTO people (id, email, name, organization, created_at) VALUES ($1, $2, $3, 'Ministry', $4)",
        )?;
        for (id, email, name) in &rows.people {
            s.execute(params![id, email, name, now])?;
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO projects (id, cohort_id, definition_id, title, stage, version, head, state, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )?;
        for p in &rows.projects {
            s.execute(params![
                p.id, p.cohort, definition, p.title, p.stage, p.version, p.head, p.state, now
            ])?;
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )?;
        for e in &rows.events {
            s.execute(params![
                e.project, e.seq, e.at, e.actor, e.change, e.prev, e.hash
            ])?;
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO project_members (project_id, person_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )?;
        for (project, person, role) in &rows.members {
            s.execute(params![project, person, role])?;
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )?;
        for t in &rows.timers {
            s.execute(params![
                t.project, t.key, t.kind, t.due, t.entry, t.spec, now
            ])?;
        }
        let mut s = tx.prepare_cached(
            "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (dedupe_key) DO NOTHING",
        )?;
        for o in &rows.outbox {
            s.execute(params![
                o.project,
                o.cause,
                o.template,
                o.recipient,
                format!("{}:{}:{}:{}", o.project, o.cause, o.template, o.recipient),
                format!(
                    "gradflow.{}.{}.{}.{}",
                    o.project, o.cause, o.template, o.recipient
                ),
                now
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

async fn insert_pg(
    c: &mut sqlx::postgres::PgConnection,
    rows: &Rows,
    now: i64,
    definition: i64,
) -> anyhow::Result<()> {
    let mut tx = c.begin().await?;
    sqlx::query(
        "INSERT INTO people (id, email, name, organization, created_at) OVERRIDING SYSTEM VALUE
         SELECT id, email, name, 'Ministry', $4 FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS t(id, email, name)",
    )
    .bind(rows.people.iter().map(|p| p.0).collect::<Vec<_>>())
    .bind(rows.people.iter().map(|p| p.1.clone()).collect::<Vec<_>>())
    .bind(rows.people.iter().map(|p| p.2.to_owned()).collect::<Vec<_>>())
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("people")?;
    let p = &rows.projects;
    sqlx::query(
        "INSERT INTO projects (id, cohort_id, definition_id, title, stage, version, head, state, created_at, updated_at)
         OVERRIDING SYSTEM VALUE
         SELECT id, cohort, $9, title, stage, version, head, state, $8, $8
         FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
              AS t(id, cohort, title, stage, version, head, state)",
    )
    .bind(p.iter().map(|r| r.id).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.cohort).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.title.clone()).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.stage.clone()).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.version).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.head.clone()).collect::<Vec<_>>())
    .bind(p.iter().map(|r| r.state.clone()).collect::<Vec<_>>())
    .bind(now)
    .bind(definition)
    .execute(&mut *tx)
    .await
    .context("projects")?;
    let e = &rows.events;
    sqlx::query(
        "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[])",
    )
    .bind(e.iter().map(|r| r.project).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.seq).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.at).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.actor).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.change.clone()).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.prev.clone()).collect::<Vec<_>>())
    .bind(e.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("events")?;
    let m = &rows.members;
    sqlx::query(
        "INSERT INTO project_members (project_id, person_id, role)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING",
    )
    .bind(m.iter().map(|r| r.0).collect::<Vec<_>>())
    .bind(m.iter().map(|r| r.1).collect::<Vec<_>>())
    .bind(m.iter().map(|r| r.2.clone()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await
    .context("project_members")?;
    let t = &rows.timers;
    sqlx::query(
        "INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at)
         SELECT project, key, kind, due, entry, spec, $7
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[])
              AS t(project, key, kind, due, entry, spec)",
    )
    .bind(t.iter().map(|r| r.project).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.key.clone()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.kind.to_owned()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.due).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.entry).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.spec.clone()).collect::<Vec<_>>())
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("timers")?;
    if !rows.outbox.is_empty() {
        let o = &rows.outbox;
        sqlx::query(
            "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at)
             SELECT project, cause, template, recipient,
                    project || ':' || cause || ':' || template || ':' || recipient,
                    'gradflow.' || project || '.' || cause || '.' || template || '.' || recipient, $5, $5
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[]) AS t(project, cause, template, recipient)
             ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(o.iter().map(|r| r.project).collect::<Vec<_>>())
        .bind(o.iter().map(|r| r.cause).collect::<Vec<_>>())
        .bind(o.iter().map(|r| r.template.clone()).collect::<Vec<_>>())
        .bind(o.iter().map(|r| r.recipient).collect::<Vec<_>>())
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("outbox")?;
    }
    tx.commit().await?;
    Ok(())
}
