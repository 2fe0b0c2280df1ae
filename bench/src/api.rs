//! The JSON API (issue 17's figure): a release server on 127.0.0.1 over a
//! cohort of 1,000 projects (set up through the engine, not timed), 8
//! clients on keep-alive connections, each with a bearer token:
//!
//! - listing the cohort's 1,000 projects through `GET /api/v1/projects`
//!   (every page of 100, following the cursor): one operation is the whole
//!   list, checked to hold 1,000 distinct projects;
//! - posting an action (`POST /api/v1/projects/{id}/actions/{action}` with
//!   the answers, the expected version and an `Idempotency-Key`): the
//!   trainee submits the proposal, the supervisor sends it back, round and
//!   round, each client on projects of its own so that no two conflict;
//!
//! each beside its raw limit on the same database: the same reads as plain
//! SQL (the pages of projects with their members, by keyset) and the
//! plain-SQL transaction of `raw.rs` (UPDATE project + INSERT event).
//! Figures: operations per second and p50/p99; never asserted.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use gradflow_engine::Durability;
use gradflow_engine::service::{Engine, Scope};
use jiff::Timestamp;
use serde_json::{Value, json};
use sqlx::Row as _;

use crate::drive::{Worker, drive};
use crate::fixture::{self, Subject};
use crate::place::Place;
use crate::raw::{RawConn, RawWorker, Shape};
use crate::report::thousands;
use crate::{Ctx, pure};

/// Projects in the cohort listed.
pub const PROJECTS: usize = 1_000;
/// Concurrent clients.
const CLIENTS: usize = 8;
/// Projects each posting client goes round.
const PER_CLIENT: usize = 20;
/// Projects per page asked for (the API's most).
const PAGE: usize = 100;

/// A client with its own keep-alive connection.
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// One client listing the cohort's projects, every page.
struct ListWorker {
    client: reqwest::Client,
    base: String,
    token: String,
    cohort: i64,
}

impl Worker for ListWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let mut seen = 0usize;
        let mut last = 0i64;
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!(
                "{}/api/v1/projects?cohort={}&limit={PAGE}",
                self.base, self.cohort
            );
            if let Some(c) = &cursor {
                url.push_str("&cursor=");
                url.push_str(c);
            }
            let response = self.client.get(url).bearer_auth(&self.token).send().await?;
            let status = response.status();
            let body: Value = serde_json::from_str(&response.text().await?)?;
            ensure!(status == 200, "listing answered {status}: {body}");
            let items = body["items"].as_array().context("a page has items")?;
            for item in items {
                let id = item["id"].as_i64().context("a project has an id")?;
                ensure!(id > last, "project {id} listed after {last}");
                last = id;
            }
            seen += items.len();
            match body["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        ensure!(
            seen == PROJECTS,
            "the list held {seen} projects, {PROJECTS} expected"
        );
        Ok(1)
    }
}

/// One client posting actions on its own projects, in turn.
struct ActWorker {
    client: reqwest::Client,
    base: String,
    /// Each project with the trainee's and the supervisor's tokens.
    subjects: Vec<(Subject, String, String)>,
    next: usize,
    sent: u64,
    tag: usize,
}

impl Worker for ActWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let i = self.next;
        self.next = (i + 1) % self.subjects.len();
        let (s, trainee, supervisor) = &mut self.subjects[i];
        let (token, action, body) = if s.in_proposal {
            (
                trainee.as_str(),
                "submit",
                json!({ "answers": fixture::proposal(), "version": s.version }),
            )
        } else {
            (
                supervisor.as_str(),
                "request_changes",
                json!({ "comment": fixture::CHANGES, "version": s.version }),
            )
        };
        self.sent += 1;
        let response = self
            .client
            .post(format!(
                "{}/api/v1/projects/{}/actions/{action}",
                self.base, s.id
            ))
            .bearer_auth(token)
            .header(
                "Idempotency-Key",
                format!("bench-{}-{}", self.tag, self.sent),
            )
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body)?)
            .send()
            .await?;
        let status = response.status();
        let answer: Value = serde_json::from_str(&response.text().await?)?;
        if !status.is_success() {
            bail!("{action} on project {} answered {status}: {answer}", s.id);
        }
        s.version = answer["version"]
            .as_u64()
            .with_context(|| format!("no version in {answer}"))?;
        s.in_proposal = !s.in_proposal;
        Ok(1)
    }
}

/// One client reading the same pages with plain SQL on its own connection.
struct RawListWorker {
    conn: RawConn,
    cohort: i64,
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

impl Worker for RawListWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let cohort = self.cohort;
        let mut after = 0i64;
        let mut seen = 0usize;
        loop {
            let page: Vec<i64> = on_conn!(&mut self.conn, c => {
                let rows = sqlx::query(
                    "SELECT id, title, stage, version, state, overdue_since FROM projects
                     WHERE cohort_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(cohort)
                .bind(after)
                .bind(PAGE as i64)
                .fetch_all(&mut *c)
                .await?;
                let mut ids = Vec::with_capacity(rows.len());
                for row in &rows {
                    let _state: String = row.try_get("state")?;
                    ids.push(row.try_get::<i64, _>("id")?);
                }
                if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
                    let members = sqlx::query(
                        "SELECT m.project_id, m.person_id, m.role, p.name FROM project_members m
                         JOIN people p ON p.id = m.person_id
                         WHERE m.project_id BETWEEN $1 AND $2",
                    )
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *c)
                    .await?;
                    ensure!(members.len() >= ids.len(), "projects without members");
                }
                ids
            });
            seen += page.len();
            match page.last() {
                Some(last) if page.len() == PAGE => after = *last,
                _ => break,
            }
        }
        ensure!(seen == PROJECTS, "the raw list held {seen} projects");
        Ok(1)
    }
}

/// A token for `email`, made through the engine as `gradflow user token create` does.
async fn token(engine: &Engine, email: &str, scope: Scope) -> anyhow::Result<String> {
    let expires = Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .context("an expiry")?;
    Ok(engine
        .create_token(email, "bench", scope, Some(expires), Timestamp::now())
        .await
        .with_context(|| format!("a token for {email}"))?
        .token)
}

/// Sets up the cohort on a fresh database of `place`, serves it, measures
/// the list and the actions, then the raw limits on the same database.
pub async fn run(ctx: &mut Ctx, place: &mut Place) -> anyhow::Result<()> {
    let url = place.fresh("api").await?;
    let engine = Arc::new(Engine::connect_with(&url, Durability::Full).await?);
    let directory = fixture::directory(&engine).await?;
    let (subjects, _) = fixture::start_projects(&engine, &directory, "api", PROJECTS, 4).await?;
    let cohort = engine.cohort(fixture::COHORT).await?.id;
    place.settle(&url).await?;
    let reader = token(&engine, fixture::COORDINATOR, Scope::Read).await?;
    let mut posting = Vec::new();
    for s in subjects.iter().take(CLIENTS * PER_CLIENT) {
        posting.push((
            s.clone(),
            token(&engine, &s.trainee.1, Scope::ReadWrite).await?,
            token(&engine, &s.supervisor.1, Scope::ReadWrite).await?,
        ));
    }

    let files = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let config = gradflow_web::Config {
        files: files.path().join("files"),
        upload_limit: 1024,
        upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
        secure_cookies: false,
        limits: gradflow_web::Limits::default(),
        password_reset: false,
        public_url: base.clone(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gradflow_web::serve(
        engine.clone(),
        config,
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let group = format!("api {}", place.kind());

    // Listing: every page of the cohort's 1,000 projects.
    let workers = (0..CLIENTS)
        .map(|_| {
            Ok(ListWorker {
                client: client()?,
                base: base.clone(),
                token: reader.clone(),
                cohort,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (_, mut listed) = drive(workers, ctx.warmup, ctx.seconds).await?;
    let lists = listed.ops;
    let list_rate = ctx.row(
        &group,
        &format!(
            "GET /api/v1/projects: all {} of a cohort (pages of {PAGE})",
            thousands(PROJECTS as f64)
        ),
        CLIENTS,
        &mut listed,
        &format!(
            "a coordinator's read token; one operation = {} requests",
            PROJECTS.div_ceil(PAGE)
        ),
    );

    // Posting: each client on projects of its own.
    let workers: Vec<ActWorker> = fixture::split(posting, CLIENTS)
        .into_iter()
        .enumerate()
        .map(|(tag, subjects)| {
            Ok(ActWorker {
                client: client()?,
                base: base.clone(),
                subjects,
                next: 0,
                sent: 0,
                tag,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (workers, mut acted) = drive(workers, ctx.warmup, ctx.seconds).await?;
    let posted: u64 = workers.iter().map(|w| w.sent).sum();
    let act_rate = ctx.row(
        &group,
        "POST /api/v1/projects/{id}/actions/{action}",
        CLIENTS,
        &mut acted,
        "submit / request_changes with answers, expected version and Idempotency-Key",
    );
    let _ = stop.send(());
    server.await??;

    // Every post made one accepted transition: the log says so.
    let report = engine.verify_audit().await?;
    ensure!(
        !report.is_broken(),
        "{group}: audit verify found the log broken"
    );
    let moved: u64 = workers
        .iter()
        .flat_map(|w| w.subjects.iter())
        .map(|(s, _, _)| s.version)
        .sum::<u64>()
        - subjects
            .iter()
            .take(CLIENTS * PER_CLIENT)
            .map(|s| s.version)
            .sum::<u64>();
    ensure!(
        moved == posted,
        "{group}: {posted} actions posted, {moved} transitions recorded"
    );
    ctx.checks.push(format!(
        "{group}: {} full lists, each of {} distinct projects; {} actions posted, each one \
         transition (versions moved by {moved}), the log verifies",
        thousands(lists as f64),
        thousands(PROJECTS as f64),
        thousands(posted as f64)
    ));

    // The raw limits on the same database: the reads first, on the
    // cohort's 1,000 projects alone.
    let connect = || async {
        match place {
            Place::Sqlite { .. } => RawConn::sqlite(&url, Durability::Full).await,
            Place::Postgres { .. } => RawConn::pg(&url).await,
        }
    };
    let mut workers = Vec::new();
    for _ in 0..CLIENTS {
        workers.push(RawListWorker {
            conn: connect().await?,
            cohort,
        });
    }
    let (workers, mut raw) = drive(workers, ctx.warmup, ctx.seconds).await?;
    for w in workers {
        w.conn.close().await?;
    }
    let raw_list = ctx.row(
        &group,
        "raw limit: the same pages in plain SQL (projects + members)",
        CLIENTS,
        &mut raw,
        "keyset pages of 100 on one connection per client",
    );
    let (raw_subjects, _) =
        fixture::start_projects(&engine, &directory, "raw", CLIENTS * 10, 1).await?;
    engine.close().await;
    let cycle = Arc::new(pure::cycle()?);
    let mut workers = Vec::new();
    for subjects in fixture::split(raw_subjects, CLIENTS) {
        workers.push(RawWorker::new(
            connect().await?,
            Shape::Minimal,
            cycle.clone(),
            subjects,
        ));
    }
    let (workers, mut raw) = drive(workers, ctx.warmup, ctx.seconds).await?;
    for w in workers {
        w.into_parts().0.close().await?;
    }
    let raw_act = ctx.row(&group, Shape::Minimal.describe(), CLIENTS, &mut raw, "");
    ctx.ratio(
        format!("{group}: listing through the API / raw"),
        list_rate,
        raw_list,
        None,
    );
    ctx.ratio(
        format!("{group}: posting an action through the API / raw"),
        act_rate,
        raw_act,
        None,
    );
    Ok(())
}
