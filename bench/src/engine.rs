//! Clients of the engine, each on its own projects: full `Engine::act` (load +
//! decide + commit) and batches through `Engine::act_many` (one transaction
//! per batch). (The store is private to the engine since the second pass, so
//! the engine's commit can no longer be timed without its load.)

use std::sync::Arc;

use anyhow::{Context, bail, ensure};
use gradflow_engine::decide::Fields;
use gradflow_engine::service::{Engine, Outcome, Request};
use jiff::Timestamp;

use crate::drive::Worker;
use crate::fixture::{self, Subject};

/// A client sending commands through [`Engine::act`].
pub struct ActWorker {
    engine: Arc<Engine>,
    /// Its projects.
    pub subjects: Vec<Subject>,
    next: usize,
    proposal: Fields,
    now: Timestamp,
    /// Events written so far (warm-up included).
    pub events: u64,
}

impl ActWorker {
    /// A client over `subjects`.
    pub fn new(engine: Arc<Engine>, subjects: Vec<Subject>) -> ActWorker {
        ActWorker {
            engine,
            subjects,
            next: 0,
            proposal: fixture::proposal(),
            now: fixture::now(),
            events: 0,
        }
    }
}

impl Worker for ActWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let i = self.next;
        self.next = (i + 1) % self.subjects.len();
        let s = &mut self.subjects[i];
        let (actor, request) = next_command(s, &self.proposal);
        let outcome = self
            .engine
            .act(s.id, actor, request, self.now)
            .await
            .with_context(|| format!("project {} version {}", s.id, s.version))?;
        self.events += accept(s, &outcome)?;
        Ok(1)
    }
}

/// The next command of `s`'s cycle: its actor's email and the request.
fn next_command<'s>(s: &'s Subject, proposal: &Fields) -> (&'s str, Request) {
    if s.in_proposal {
        (
            &s.trainee.1,
            Request {
                action: "submit".into(),
                fields: proposal.clone(),
                expected_version: Some(s.version),
                ..Request::default()
            },
        )
    } else {
        (
            &s.supervisor.1,
            Request {
                action: "request_changes".into(),
                comment: Some(fixture::CHANGES.into()),
                expected_version: Some(s.version),
                ..Request::default()
            },
        )
    }
}

/// Checks that `outcome` is the next step of `s`'s cycle and records it;
/// returns the events written.
fn accept(s: &mut Subject, outcome: &Outcome) -> anyhow::Result<u64> {
    let expect = if s.in_proposal {
        fixture::ENDORSEMENT
    } else {
        fixture::PROPOSAL
    };
    if outcome.project != s.id
        || outcome.stage != expect
        || outcome.version != s.version + 1
        || outcome.replayed
    {
        bail!(
            "project {}: expected version {} in '{expect}', got project {} version {} in '{}'",
            s.id,
            s.version + 1,
            outcome.project,
            outcome.version,
            outcome.stage
        );
    }
    s.version = outcome.version;
    s.events += outcome.changes.len() as i64;
    s.in_proposal = !s.in_proposal;
    Ok(outcome.changes.len() as u64)
}

/// A client sending its projects' commands in batches through
/// [`Engine::act_many`]: one transaction per batch.
pub struct ActManyWorker {
    engine: Arc<Engine>,
    /// Its projects.
    pub subjects: Vec<Subject>,
    next: usize,
    batch: usize,
    proposal: Fields,
    now: Timestamp,
    /// Events written so far (warm-up included).
    pub events: u64,
}

impl ActManyWorker {
    /// A client over `subjects` sending `batch` commands at a time (at most
    /// one per project, so at most as many as it has projects).
    pub fn new(engine: Arc<Engine>, subjects: Vec<Subject>, batch: usize) -> ActManyWorker {
        let batch = batch.clamp(1, subjects.len().max(1));
        ActManyWorker {
            engine,
            subjects,
            next: 0,
            batch,
            proposal: fixture::proposal(),
            now: fixture::now(),
            events: 0,
        }
    }
}

impl Worker for ActManyWorker {
    async fn step(&mut self) -> anyhow::Result<u64> {
        let n = self.subjects.len();
        let picked: Vec<usize> = (0..self.batch).map(|k| (self.next + k) % n).collect();
        self.next = (self.next + self.batch) % n;
        let commands = picked
            .iter()
            .map(|&i| {
                let s = &self.subjects[i];
                let (actor, request) = next_command(s, &self.proposal);
                (s.id, actor.to_owned(), request)
            })
            .collect();
        let results = self.engine.act_many(commands, self.now).await?;
        ensure!(
            results.len() == picked.len(),
            "act_many gave {} results for {} commands",
            results.len(),
            picked.len()
        );
        for (&i, result) in picked.iter().zip(results) {
            let s = &mut self.subjects[i];
            let outcome =
                result.with_context(|| format!("project {} version {}", s.id, s.version))?;
            self.events += accept(s, &outcome)?;
        }
        Ok(picked.len() as u64)
    }
}

/// Sends each of `subjects` its next command once, `batch` at a time through
/// [`Engine::act_many`] (set-up, not timed); returns the events written.
pub async fn step_each(
    engine: &Engine,
    subjects: &mut [Subject],
    batch: usize,
    now: Timestamp,
) -> anyhow::Result<u64> {
    let proposal = fixture::proposal();
    let mut events = 0;
    for chunk in subjects.chunks_mut(batch.max(1)) {
        let commands = chunk
            .iter()
            .map(|s| {
                let (actor, request) = next_command(s, &proposal);
                (s.id, actor.to_owned(), request)
            })
            .collect();
        let results = engine.act_many(commands, now).await?;
        ensure!(
            results.len() == chunk.len(),
            "act_many gave {} results for {} commands",
            results.len(),
            chunk.len()
        );
        for (s, result) in chunk.iter_mut().zip(results) {
            let outcome =
                result.with_context(|| format!("project {} version {}", s.id, s.version))?;
            events += accept(s, &outcome)?;
        }
    }
    Ok(events)
}
