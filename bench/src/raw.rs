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
    /// INSERT outbox rows (multi-row inserts).
    EngineIo,
}

impl Shape {
    /// In words, for the table.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Ping => "one statement round trip (SELECT 1)",
            Shape::Minimal => "raw limit: UPDATE project + INSERT event",
            Shape::WithReads => "raw + the engine's read",
            Shape::EngineIo => "raw, all the engine's reads and rows",
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
    /// Events inserted so far (warm-up included).
    pub events: u64,
}

impl RawWorker {
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
            let rows = sqlx::query(
                "SELECT p.id, p.cohort_id, c.revision, p.definition_id, p.title, p.state, m.person_id, m.role
                 FROM projects p JOIN cohorts c ON c.id = p.cohort_id
                 LEFT JOIN (SELECT project_id AS pid, person_id, role FROM project_members WHERE project_id = $1
                            UNION SELECT pr.id AS pid, cm.person_id, cm.role
                                  FROM projects pr JOIN cohort_members cm ON cm.cohort_id = pr.cohort_id
                                  WHERE pr.id = $1) m ON m.pid = p.id
                 WHERE p.id = $1",
            )
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
        let updated = sqlx::query(
            "UPDATE projects SET stage = $1, version = $2, head = $3, state = $4, updated_at = $5
             WHERE id = $6 AND version = $7",
        )
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
        let mut insert = sqlx::QueryBuilder::new("INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) ");
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
                sqlx::query("DELETE FROM timers WHERE state IN ('pending', 'claimed') AND project_id = $1")
                    .bind(s.id)
                    .execute(&mut *tx)
                    .await?;
            }
            if !step.timers.is_empty() {
                let mut insert = sqlx::QueryBuilder::new("INSERT INTO timers (project_id, key, kind, due_at, entry, spec, created_at) ");
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
                let mut insert = sqlx::QueryBuilder::new(
                    "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, message_id, next_attempt_at, created_at) ",
                );
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
                insert.push(" ON CONFLICT (dedupe_key) DO NOTHING");
                insert.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        s.version += 1;
        s.events += events as i64;
        s.in_proposal = !s.in_proposal;
        events as u64
    }};
}

impl Worker for RawWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
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
