//! The raw limit: the engine's durable transaction written with plain SQL on
//! one connection, on the same schema, pragmas and rows (state and change JSON
//! taken from real decisions), but with no engine code in the way.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure};
use gradflow_engine::Durability;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Row};

use crate::drive::Worker;
use crate::fixture::{self, Subject};
use crate::pure::Cycle;

/// The store's page cache per SQLite connection, in KiB (engine/src/store/mod.rs).
const CACHE_KIB: u32 = 64 * 1024;

/// The engine's one read for a command: the project with its members and
/// its cohort's calendar revision (people and calendars are cached by the
/// engine). One SQL text for sqlx and rusqlite (SQLite numbers `$1` as one
/// parameter however often it appears).
const READ_SQL: &str = "SELECT p.id, p.cohort_id, c.revision, p.definition_id, p.title, p.state, m.person_id, m.role
     FROM projects p JOIN cohorts c ON c.id = p.cohort_id
     LEFT JOIN (SELECT project_id AS pid, person_id, role FROM project_members WHERE project_id = $1
                UNION SELECT pr.id AS pid, cm.person_id, cm.role
                      FROM projects pr JOIN cohort_members cm ON cm.cohort_id = pr.cohort_id
                      WHERE pr.id = $1) m ON m.pid = p.id
     WHERE p.id = $1";

/// The project's move, at its version (the store's `advance!`).
const UPDATE_SQL: &str = "UPDATE projects SET stage = $1, version = $2, head = $3, state = $4, updated_at = $5
     WHERE id = $6 AND version = $7";

/// The left stage's pending timers.
const DELETE_TIMERS_SQL: &str =
    "DELETE FROM timers WHERE state IN ('pending', 'claimed') AND project_id = $1";

/// The multi-row inserts' heads (then `VALUES (...), (...)`) and tails.
const EVENTS_INSERT: &str =
    "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) ";
const TIMERS_INSERT: &str =
    "INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at) ";
const OUTBOX_INSERT: &str = "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at) ";
const OUTBOX_TAIL: &str = " ON CONFLICT (dedupe_key) DO NOTHING";

/// The store's webhook enqueue (`enqueue_hooks!`, one row per stage
/// entered): an INSERT … SELECT joined with the subscriptions; the bench has
/// none, so it inserts nothing, as for the engine. Parameters: now, now,
/// then (project, kind, head, tail, order) per row.
const HOOKS_HEAD: &str = "INSERT INTO webhook_deliveries (webhook_id, event, project_id, payload, next_attempt_at, created_at)
     SELECT w.id, v.column2, v.column1, v.column3 || CAST(p.cohort_id AS TEXT) || v.column4, ";
const HOOKS_TAIL: &str = ") AS v JOIN projects p ON p.id = v.column1
     JOIN webhooks w ON w.disabled_at IS NULL
      AND (w.cohort_id IS NULL OR w.cohort_id = p.cohort_id)
      AND (',' || w.events || ',') LIKE ('%,' || v.column2 || ',%')
     ORDER BY v.column5, w.id";

/// The webhook payload's two halves around the cohort id, as the store
/// builds them for a stage entered.
fn hook_payload(project: i64, stage: &str) -> (String, String) {
    (
        format!(
            "{{\"event\":\"project.stage_entered\",\"at\":\"2026-02-02T05:00:00Z\",\"project\":{project},\"cohort\":"
        ),
        format!(",\"stage\":\"{stage}\"}}"),
    )
}

/// One connection, on either database.
pub enum RawConn {
    /// SQLite, with the store's pragmas.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Pg(PgConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection.
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            RawConn::Sqlite($c) => $body,
            RawConn::Pg($c) => $body,
        }
    };
}

impl RawConn {
    /// A SQLite connection with the store's pragmas: WAL, `synchronous`,
    /// foreign keys, a 10 s busy timeout.
    pub async fn sqlite(url: &str, durability: Durability) -> anyhow::Result<RawConn> {
        let synchronous = match durability {
            Durability::Full => SqliteSynchronous::Full,
            Durability::Normal => SqliteSynchronous::Normal,
        };
        let conn = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("cache_size", format!("-{CACHE_KIB}"))
            .pragma("temp_store", "memory")
            .connect()
            .await?;
        Ok(RawConn::Sqlite(conn))
    }

    /// A PostgreSQL connection.
    pub async fn pg(url: &str) -> anyhow::Result<RawConn> {
        Ok(RawConn::Pg(PgConnection::connect(url).await?))
    }

    /// Events stored in the database.
    pub async fn count_events(&mut self) -> anyhow::Result<i64> {
        Ok(
            on_conn!(self, c => sqlx::query("SELECT COUNT(*) AS n FROM events")
            .fetch_one(&mut *c)
            .await?
            .try_get::<i64, _>("n")?),
        )
    }

    /// The database's version string.
    pub async fn version(&mut self) -> anyhow::Result<String> {
        Ok(match self {
            RawConn::Sqlite(c) => sqlx::query("SELECT sqlite_version() AS v")
                .fetch_one(&mut *c)
                .await?
                .try_get::<String, _>("v")?,
            RawConn::Pg(c) => sqlx::query("SHOW server_version")
                .fetch_one(&mut *c)
                .await?
                .try_get::<String, _>(0)?,
        })
    }

    /// Closes the connection.
    pub async fn close(self) -> anyhow::Result<()> {
        on_conn!(self, c => c.close().await?);
        Ok(())
    }
}

/// What each raw transaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `SELECT 1`: one statement's round trip, no transaction (calibration).
    Ping,
    /// BEGIN; UPDATE projects (state JSON); INSERT one event; COMMIT.
    Minimal,
    /// [`Shape::Minimal`] after the engine's read (the project with its members).
    WithReads,
    /// The engine's read and every row it writes, in the same statements:
    /// UPDATE projects, INSERT events, DELETE pending timers, INSERT timers,
    /// INSERT outbox rows (multi-row inserts), and the webhook enqueue.
    EngineIo,
    /// [`Shape::Minimal`] for N projects in one transaction (N from
    /// [`RawWorker::with_batch`]): BEGIN; N x (UPDATE project + INSERT
    /// event); COMMIT. Counted in changes (projects moved).
    Batched,
}

impl Shape {
    /// In words, for the table.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Ping => "one statement round trip (SELECT 1)",
            Shape::Minimal => "raw limit: UPDATE project + INSERT event",
            Shape::WithReads => "raw + the engine's read",
            Shape::EngineIo => "raw, all the engine's reads and rows",
            Shape::Batched => "raw batched: N x (UPDATE project + INSERT event)",
        }
    }
}

/// A client writing raw transactions on its own projects.
pub struct RawWorker {
    conn: RawConn,
    shape: Shape,
    cycle: Arc<Cycle>,
    /// Its projects.
    pub subjects: Vec<Subject>,
    next: usize,
    counter: u64,
    now: i64,
    batch: usize,
    /// Events inserted so far (warm-up included).
    pub events: u64,
}

impl RawWorker {
    /// Sends `n` projects' changes per transaction ([`Shape::Batched`];
    /// at most one per project, so at most as many as it has).
    pub fn with_batch(mut self, n: usize) -> Self {
        self.batch = n.clamp(1, self.subjects.len().max(1));
        self
    }

    /// A client on `conn` over `subjects`.
    pub fn new(conn: RawConn, shape: Shape, cycle: Arc<Cycle>, subjects: Vec<Subject>) -> Self {
        RawWorker {
            conn,
            shape,
            cycle,
            subjects,
            next: 0,
            counter: 0,
            now: fixture::now().as_microsecond(),
            batch: 1,
            events: 0,
        }
    }

    /// Gives back the connection and projects.
    pub fn into_parts(self) -> (RawConn, Vec<Subject>) {
        (self.conn, self.subjects)
    }

    /// Events stored in the database.
    pub async fn count_events(&mut self) -> anyhow::Result<i64> {
        self.conn.count_events().await
    }

    /// The database's version string.
    pub async fn version(&mut self) -> anyhow::Result<String> {
        self.conn.version().await
    }
}

/// One raw transaction on `$c` (a `&mut` concrete connection).
macro_rules! raw_step {
    ($c:ident, $s:expr, $step:expr, $shape:expr, $counter:expr, $now:expr) => {{
        let s: &mut Subject = $s;
        let step = $step;
        let shape: Shape = $shape;
        let now: i64 = $now;
        if shape == Shape::Ping {
            let one: i64 = sqlx::query("SELECT CAST(1 AS BIGINT) AS one")
                .fetch_one(&mut *$c)
                .await?
                .try_get("one")?;
            ensure!(one == 1, "SELECT 1 returned {one}");
            return Ok(1);
        }
        if shape != Shape::Minimal {
            // The engine's one read: the project with its members and its
            // cohort's calendar revision (people and calendars are cached by
            // the engine).
            let rows = sqlx::query(READ_SQL)
            .bind(s.id)
            .fetch_all(&mut *$c)
            .await?;
            ensure!(rows.len() == 3, "project {} has {} member rows", s.id, rows.len());
        }
        let events = if shape == Shape::EngineIo { step.events.len() } else { 1 };
        let mut prev = format!("{:064x}", $counter);
        let mut tx = $c.begin().await?;
        $counter += 1;
        let head = format!("{:064x}", $counter);
        let updated = sqlx::query(UPDATE_SQL)
        .bind(&step.stage)
        .bind(s.version as i64 + 1)
        .bind(&head)
        .bind(&step.state)
        .bind(now)
        .bind(s.id)
        .bind(s.version as i64)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            bail!("raw update of project {} at version {} changed {updated} rows", s.id, s.version);
        }
        let first_seq = s.events + 1;
        // Multi-row inserts, one statement per table, as the store writes them.
        let mut insert = sqlx::QueryBuilder::new(EVENTS_INSERT);
        let mut hashes = Vec::with_capacity(events);
        for i in 0..events {
            let hash = format!("{:064x}{}", $counter, i);
            hashes.push((std::mem::replace(&mut prev, hash.clone()), hash));
        }
        insert.push_values(step.events.iter().take(events).zip(&hashes).enumerate(), |mut row, (i, ((who, change), (prev, hash)))| {
            row.push_bind(s.id)
                .push_bind(first_seq + i as i64)
                .push_bind(now)
                .push_bind(who.map(|w| w.on(s)))
                .push_bind(change.as_str())
                .push_bind(prev.as_str())
                .push_bind(&hash[..64]);
        });
        insert.build().execute(&mut *tx).await?;
        if shape == Shape::EngineIo {
            if step.cancel_pending {
                sqlx::query(DELETE_TIMERS_SQL)
                    .bind(s.id)
                    .execute(&mut *tx)
                    .await?;
            }
            if !step.timers.is_empty() {
                let mut insert = sqlx::QueryBuilder::new(TIMERS_INSERT);
                insert.push_values(&step.timers, |mut row, t| {
                    row.push_bind(s.id)
                        .push_bind(t.key.as_str())
                        .push_bind(t.kind)
                        .push_bind(t.at)
                        .push_bind(t.entry)
                        .push_bind(t.spec.as_str())
                        .push_bind(now);
                });
                insert.build().execute(&mut *tx).await?;
            }
            if !step.notifications.is_empty() {
                let mut insert = sqlx::QueryBuilder::new(OUTBOX_INSERT);
                insert.push_values(&step.notifications, |mut row, (template, who)| {
                    let recipient = who.on(s);
                    row.push_bind(s.id)
                        .push_bind(first_seq)
                        .push_bind(template.as_str())
                        .push_bind(recipient)
                        .push_bind(format!("{}:{first_seq}:{template}:{recipient}", s.id))
                        .push_bind(format!("gradflow.{}.{first_seq}.{template}.{recipient}", s.id))
                        .push_bind(now)
                        .push_bind(now);
                });
                insert.push(OUTBOX_TAIL);
                insert.build().execute(&mut *tx).await?;
            }
            // The webhook enqueue: one stage entered per command.
            let (head, tail) = hook_payload(s.id, &step.stage);
            let mut insert = sqlx::QueryBuilder::new(HOOKS_HEAD);
            insert.push_bind(now).push(", ").push_bind(now).push(" FROM (");
            insert.push_values([0i64], |mut row, order| {
                row.push_bind(s.id)
                    .push_bind("project.stage_entered")
                    .push_bind(head.as_str())
                    .push_bind(tail.as_str())
                    .push_bind(order);
            });
            insert.push(HOOKS_TAIL);
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        s.version += 1;
        s.events += events as i64;
        s.in_proposal = !s.in_proposal;
        events as u64
    }};
}

/// One batched raw transaction on `$c`: for each project of `$picked`,
/// UPDATE it and INSERT one event; evaluates to the events written.
macro_rules! raw_batch {
    ($c:ident, $subjects:expr, $picked:expr, $cycle:expr, $counter:expr, $now:expr) => {{
        let subjects: &mut [Subject] = $subjects;
        let now: i64 = $now;
        let mut tx = $c.begin().await?;
        for &i in $picked {
            let s = &mut subjects[i];
            let step = $cycle.step(s.in_proposal);
            let prev = format!("{:064x}", $counter);
            $counter += 1;
            let head = format!("{:064x}", $counter);
            let updated = sqlx::query(UPDATE_SQL)
                .bind(&step.stage)
                .bind(s.version as i64 + 1)
                .bind(&head)
                .bind(&step.state)
                .bind(now)
                .bind(s.id)
                .bind(s.version as i64)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if updated != 1 {
                bail!("raw update of project {} at version {} changed {updated} rows", s.id, s.version);
            }
            let (who, change) = &step.events[0];
            sqlx::query(
                "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.id)
            .bind(s.events + 1)
            .bind(now)
            .bind(who.map(|w| w.on(s)))
            .bind(change.as_str())
            .bind(&prev)
            .bind(&head)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        for &i in $picked {
            let s = &mut subjects[i];
            s.version += 1;
            s.events += 1;
            s.in_proposal = !s.in_proposal;
        }
        $picked.len() as u64
    }};
}

/// The next `batch` of `n` projects from `next` (each at most once).
fn pick(next: &mut usize, batch: usize, n: usize) -> Vec<usize> {
    let picked = (0..batch.min(n)).map(|k| (*next + k) % n).collect();
    *next = (*next + batch) % n;
    picked
}

impl Worker for RawWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        if self.shape == Shape::Batched {
            let picked = pick(&mut self.next, self.batch, self.subjects.len());
            let RawWorker {
                conn,
                cycle,
                subjects,
                counter,
                now,
                events,
                ..
            } = self;
            let written =
                on_conn!(conn, c => raw_batch!(c, subjects, &picked, cycle, *counter, *now));
            *events += written;
            return Ok(picked.len() as u64);
        }
        let i = self.next;
        self.next = (i + 1) % self.subjects.len();
        let RawWorker {
            conn,
            shape,
            cycle,
            subjects,
            counter,
            now,
            events,
            ..
        } = self;
        let s = &mut subjects[i];
        let step = cycle.step(s.in_proposal);
        let written = on_conn!(conn, c => raw_step!(c, s, step, *shape, *counter, *now));
        *events += written;
        Ok(1)
    }
}

/// A client writing the same raw transactions through rusqlite: the
/// synchronous, in-process driver over the same bundled SQLite the store
/// links, with the store's pragmas. Each call runs on the client's own task
/// thread with no hand-off: the figure a synchronous SQLite connection on a
/// dedicated thread would reach (issue 18, part 2). The SQL texts are the
/// sqlx client's; statements are prepared once and cached, as sqlx does.
pub struct LiteWorker {
    conn: rusqlite::Connection,
    shape: Shape,
    cycle: Arc<Cycle>,
    /// Its projects.
    pub subjects: Vec<Subject>,
    next: usize,
    counter: u64,
    now: i64,
    batch: usize,
    /// Events inserted so far (warm-up included).
    pub events: u64,
}

/// `head VALUES (?, …), (?, …)… tail`: `rows` rows of `columns` parameters.
fn values_sql(head: &str, columns: usize, rows: usize, tail: &str) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    format!("{head}VALUES {}{tail}", vec![row; rows].join(", "))
}

impl LiteWorker {
    /// Opens the SQLite file at `path` with the store's pragmas (WAL,
    /// `synchronous` as `durability`, foreign keys, its page cache, a 10 s
    /// busy wait): a client over `subjects`.
    pub fn open(
        path: &std::path::Path,
        durability: Durability,
        shape: Shape,
        cycle: Arc<Cycle>,
        subjects: Vec<Subject>,
    ) -> anyhow::Result<LiteWorker> {
        let conn = rusqlite::Connection::open(path)
            .map_err(|e| anyhow::anyhow!("rusqlite cannot open {}: {e}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {synchronous}; PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -{CACHE_KIB}; PRAGMA temp_store = memory;"
        ))?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(LiteWorker {
            conn,
            shape,
            cycle,
            subjects,
            next: 0,
            counter: 0,
            now: fixture::now().as_microsecond(),
            batch: 1,
            events: 0,
        })
    }

    /// Sends `n` projects' changes per transaction ([`Shape::Batched`]).
    pub fn with_batch(mut self, n: usize) -> Self {
        self.batch = n.clamp(1, self.subjects.len().max(1));
        self
    }

    /// Events stored in the database.
    pub fn count_events(&self) -> anyhow::Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))?)
    }

    /// The linked SQLite's version.
    pub fn version(&self) -> String {
        rusqlite::version().to_owned()
    }

    /// One transaction of `shape` on project `i`; returns the events written.
    fn one(&mut self, i: usize) -> anyhow::Result<u64> {
        use rusqlite::types::Value;
        let LiteWorker {
            conn,
            shape,
            cycle,
            subjects,
            counter,
            now,
            ..
        } = self;
        let (shape, now) = (*shape, *now);
        let s = &mut subjects[i];
        let step = cycle.step(s.in_proposal);
        if shape == Shape::Ping {
            let one: i64 = conn
                .prepare_cached("SELECT CAST(1 AS BIGINT) AS one")?
                .query_row([], |r| r.get(0))?;
            ensure!(one == 1, "SELECT 1 returned {one}");
            return Ok(0);
        }
        if shape != Shape::Minimal {
            let mut read = conn.prepare_cached(READ_SQL)?;
            let mut rows = read.query([s.id])?;
            let mut n = 0;
            while let Some(row) = rows.next()? {
                // Read what the engine reads: the state JSON and the members.
                let _state: String = row.get(5)?;
                let _member: Option<i64> = row.get(6)?;
                n += 1;
            }
            ensure!(n == 3, "project {} has {n} member rows", s.id);
        }
        let events = if shape == Shape::EngineIo {
            step.events.len()
        } else {
            1
        };
        let mut prev = format!("{:064x}", *counter);
        let tx = conn.transaction()?;
        *counter += 1;
        let head = format!("{:064x}", *counter);
        let updated = tx.prepare_cached(UPDATE_SQL)?.execute(rusqlite::params![
            step.stage,
            s.version as i64 + 1,
            head,
            step.state,
            now,
            s.id,
            s.version as i64
        ])?;
        if updated != 1 {
            bail!(
                "raw update of project {} at version {} changed {updated} rows",
                s.id,
                s.version
            );
        }
        let first_seq = s.events + 1;
        let mut params: Vec<Value> = Vec::with_capacity(events * 7);
        for (i, (who, change)) in step.events.iter().take(events).enumerate() {
            let hash = format!("{:064x}{}", *counter, i);
            let hash = hash[..64].to_owned();
            params.extend([
                Value::Integer(s.id),
                Value::Integer(first_seq + i as i64),
                Value::Integer(now),
                who.map_or(Value::Null, |w| Value::Integer(w.on(s))),
                Value::Text(change.clone()),
                Value::Text(std::mem::replace(&mut prev, hash.clone())),
                Value::Text(hash),
            ]);
        }
        tx.prepare_cached(&values_sql(EVENTS_INSERT, 7, events, ""))?
            .execute(rusqlite::params_from_iter(params))?;
        if shape == Shape::EngineIo {
            if step.cancel_pending {
                tx.prepare_cached(DELETE_TIMERS_SQL)?.execute([s.id])?;
            }
            if !step.timers.is_empty() {
                let mut params: Vec<Value> = Vec::with_capacity(step.timers.len() * 7);
                for t in &step.timers {
                    params.extend([
                        Value::Integer(s.id),
                        Value::Text(t.key.clone()),
                        Value::Text(t.kind.to_owned()),
                        Value::Integer(t.at),
                        Value::Integer(t.entry),
                        Value::Text(t.spec.clone()),
                        Value::Integer(now),
                    ]);
                }
                tx.prepare_cached(&values_sql(TIMERS_INSERT, 7, step.timers.len(), ""))?
                    .execute(rusqlite::params_from_iter(params))?;
            }
            if !step.notifications.is_empty() {
                let mut params: Vec<Value> = Vec::with_capacity(step.notifications.len() * 8);
                for (template, who) in &step.notifications {
                    let recipient = who.on(s);
                    params.extend([
                        Value::Integer(s.id),
                        Value::Integer(first_seq),
                        Value::Text(template.clone()),
                        Value::Integer(recipient),
                        Value::Text(format!("{}:{first_seq}:{template}:{recipient}", s.id)),
                        Value::Text(format!(
                            "gradflow.{}.{first_seq}.{template}.{recipient}",
                            s.id
                        )),
                        Value::Integer(now),
                        Value::Integer(now),
                    ]);
                }
                tx.prepare_cached(&values_sql(
                    OUTBOX_INSERT,
                    8,
                    step.notifications.len(),
                    OUTBOX_TAIL,
                ))?
                .execute(rusqlite::params_from_iter(params))?;
            }
            let (hook_head, hook_tail) = hook_payload(s.id, &step.stage);
            let sql = format!(
                "{HOOKS_HEAD}?, ? FROM ({}{HOOKS_TAIL}",
                values_sql("", 5, 1, "")
            );
            tx.prepare_cached(&sql)?.execute(rusqlite::params![
                now,
                now,
                s.id,
                "project.stage_entered",
                hook_head,
                hook_tail,
                0i64
            ])?;
        }
        tx.commit()?;
        s.version += 1;
        s.events += events as i64;
        s.in_proposal = !s.in_proposal;
        Ok(events as u64)
    }

    /// One transaction moving each project of `picked`: UPDATE it and
    /// INSERT one event.
    fn batch(&mut self, picked: &[usize]) -> anyhow::Result<u64> {
        let LiteWorker {
            conn,
            cycle,
            subjects,
            counter,
            now,
            ..
        } = self;
        let now = *now;
        let tx = conn.transaction()?;
        for &i in picked {
            let s = &mut subjects[i];
            let step = cycle.step(s.in_proposal);
            let prev = format!("{:064x}", *counter);
            *counter += 1;
            let head = format!("{:064x}", *counter);
            let updated = tx.prepare_cached(UPDATE_SQL)?.execute(rusqlite::params![
                step.stage,
                s.version as i64 + 1,
                head,
                step.state,
                now,
                s.id,
                s.version as i64
            ])?;
            if updated != 1 {
                bail!(
                    "raw update of project {} at version {} changed {updated} rows",
                    s.id,
                    s.version
                );
            }
            let (who, change) = &step.events[0];
            tx.prepare_cached(
                "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?
            .execute(rusqlite::params![
                s.id,
                s.events + 1,
                now,
                who.map(|w| w.on(s)),
                change,
                prev,
                head
            ])?;
        }
        tx.commit()?;
        for &i in picked {
            let s = &mut subjects[i];
            s.version += 1;
            s.events += 1;
            s.in_proposal = !s.in_proposal;
        }
        Ok(picked.len() as u64)
    }
}

impl Worker for LiteWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        if self.shape == Shape::Batched {
            let picked = pick(&mut self.next, self.batch, self.subjects.len());
            self.events += self.batch(&picked)?;
            return Ok(picked.len() as u64);
        }
        let i = self.next;
        self.next = (i + 1) % self.subjects.len();
        self.events += self.one(i)?;
        Ok(1)
    }
}
