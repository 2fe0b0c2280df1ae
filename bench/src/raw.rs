//! The raw limit: the engine's durable transaction written with plain SQL on
//! one connection, on the same schema, pragmas and rows (state and change JSON
//! taken from real decisions), but with no engine code in the way.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure};
use gradflow_engine::store::Durability;
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
    /// [`Shape::Minimal`] after the engine's four reads (actor, project, members, cohort).
    WithReads,
    /// The engine's reads and every row it writes: UPDATE projects, INSERT
    /// each event, cancel pending timers, INSERT timers, INSERT outbox rows.
    EngineIo,
}

impl Shape {
    /// In words, for the table.
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Ping => "one statement round trip (SELECT 1)",
            Shape::Minimal => "raw limit: UPDATE project + INSERT event",
            Shape::WithReads => "raw + the engine's 4 reads",
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
            let actor = if s.in_proposal { &s.trainee.1 } else { &s.supervisor.1 };
            let found = sqlx::query("SELECT id, email, name, organization FROM people WHERE email = $1")
                .bind(actor)
                .fetch_optional(&mut *$c)
                .await?
                .is_some();
            ensure!(found, "no person {actor}");
            let found = sqlx::query("SELECT id, cohort_id, definition_id, title, state FROM projects WHERE id = $1")
                .bind(s.id)
                .fetch_optional(&mut *$c)
                .await?
                .is_some();
            ensure!(found, "no project {}", s.id);
            let members = sqlx::query(
                "SELECT person_id, role FROM project_members WHERE project_id = $1
                 UNION SELECT person_id, role FROM cohort_members WHERE cohort_id = $2",
            )
            .bind(s.id)
            .bind(s.cohort_id)
            .fetch_all(&mut *$c)
            .await?;
            ensure!(members.len() == 3, "project {} has {} members", s.id, members.len());
            let found = sqlx::query(
                "SELECT id, program_id, name, time_zone, dates, holidays, capacity FROM cohorts WHERE id = $1",
            )
            .bind(s.cohort_id)
            .fetch_optional(&mut *$c)
            .await?
            .is_some();
            ensure!(found, "no cohort {}", s.cohort_id);
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
        for (i, (who, change)) in step.events.iter().take(events).enumerate() {
            let hash = format!("{:064x}{}", $counter, i);
            sqlx::query(
                "INSERT INTO events (project_id, seq, at, actor_id, change, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.id)
            .bind(first_seq + i as i64)
            .bind(now)
            .bind(who.map(|w| w.on(s)))
            .bind(change)
            .bind(&prev)
            .bind(&hash[..64])
            .execute(&mut *tx)
            .await?;
            prev = hash;
        }
        if shape == Shape::EngineIo {
            if step.cancel_pending {
                sqlx::query("UPDATE timers SET state = 'cancelled' WHERE project_id = $1 AND state = 'pending'")
                    .bind(s.id)
                    .execute(&mut *tx)
                    .await?;
            }
            for t in &step.timers {
                sqlx::query(
                    "INSERT INTO timers (project_id, key, kind, due_at, spec, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(s.id)
                .bind(&t.key)
                .bind(t.kind)
                .bind(t.at)
                .bind(&t.spec)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            for (template, who) in &step.notifications {
                let recipient = who.on(s);
                let dedupe = format!("{}:{first_seq}:{template}:{recipient}", s.id);
                sqlx::query(
                    "INSERT INTO outbox (project_id, event_seq, template, recipient_id, dedupe_key, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING",
                )
                .bind(s.id)
                .bind(first_seq)
                .bind(template)
                .bind(recipient)
                .bind(dedupe)
                .bind(now)
                .execute(&mut *tx)
                .await?;
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
