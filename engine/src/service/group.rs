//! Group commit on SQLite: single commands that arrive together (web
//! requests, API calls) share one transaction through the batch path
//! (`Store::commit_many`), each with its own result, conflict, refusal and
//! idempotency record. (PostgreSQL runs concurrent transactions side by
//! side and does not use it: see `Engine::commit`.)
//!
//! One committer per engine (so one writer per SQLite database in the
//! process; two processes on one file each have theirs, and SQLite's write
//! lock, waited for up to `LOCK_WAIT`, orders them): a command is queued; when no commit is running, a task is
//! started that takes everything queued, commits it, answers each command
//! and looks again, stopping when the queue is empty. There is no timer: a
//! lone command is committed at once, and commands queue only while a
//! commit is running (the database's own pace sets the batch size).

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use tokio::sync::oneshot;

use super::Error;
use super::commands::Prepared;
use crate::store::{self, FirstUse, Store};

/// Most commands in one shared transaction.
const MOST: usize = 256;

/// How far apart the clocks of commands sharing a transaction may be: the
/// transaction's bookkeeping times (`updated_at`, when a message was
/// queued) are the latest of theirs; each event keeps its own instant.
const CLOCK_SPREAD: SignedDuration = SignedDuration::from_secs(1);

/// What a command's commit came to: the store's answer for it.
pub(super) type Committed = Result<Option<FirstUse>, store::Error>;

/// A command waiting for its commit.
struct Job {
    prepared: Prepared,
    now: Timestamp,
    reply: oneshot::Sender<(Prepared, Committed)>,
}

/// The queue and whether a commit is running.
#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    running: bool,
    /// Transactions run and commands they carried (for the bench and tests).
    transactions: u64,
    commands: u64,
}

/// The engine's group committer.
pub(super) struct Committer {
    store: Store,
    queue: Arc<Mutex<Queue>>,
}

impl std::fmt::Debug for Committer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committer").finish_non_exhaustive()
    }
}

impl Committer {
    /// A committer writing to `store`.
    pub(super) fn new(store: Store) -> Committer {
        Committer {
            store,
            queue: Arc::new(Mutex::new(Queue::default())),
        }
    }

    /// Commits one decided command, with whatever else is queued when the
    /// committer is free; gives the command back with its result.
    pub(super) async fn commit(
        &self,
        prepared: Prepared,
        now: Timestamp,
    ) -> Result<(Prepared, Committed), Error> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.queue.lock().expect("queue lock");
            queue.jobs.push(Job {
                prepared,
                now,
                reply,
            });
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            tokio::spawn(run(self.store.clone(), self.queue.clone()));
        }
        answer.await.map_err(|_| {
            Error::internal(
                "the commit was abandoned (the process is stopping or its committer failed)",
            )
        })
    }

    /// (transactions, commands) committed through the queue so far.
    pub(super) fn counts(&self) -> (u64, u64) {
        let queue = self.queue.lock().expect("queue lock");
        (queue.transactions, queue.commands)
    }
}

/// Marks the committer stopped however its task ends; a task that ended
/// abnormally (a panic) drops the queued commands, whose callers get an error.
struct Running(Arc<Mutex<Queue>>, bool);

impl Drop for Running {
    fn drop(&mut self) {
        if !self.1 {
            let mut queue = self.0.lock().unwrap_or_else(|e| e.into_inner());
            queue.running = false;
            queue.jobs.clear();
        }
    }
}

/// The committer's task: batches until the queue is empty.
async fn run(store: Store, queue: Arc<Mutex<Queue>>) {
    let mut running = Running(queue.clone(), false);
    loop {
        let batch = {
            let mut q = queue.lock().expect("queue lock");
            if q.jobs.is_empty() {
                q.running = false;
                running.1 = true;
                return;
            }
            let batch = take(&mut q.jobs);
            q.transactions += 1;
            q.commands += batch.len() as u64;
            batch
        };
        commit(&store, batch).await;
    }
}

/// Takes the jobs of the next transaction from the front of the queue: up
/// to [`MOST`], whose clocks are within [`CLOCK_SPREAD`] of the first's.
fn take(jobs: &mut Vec<Job>) -> Vec<Job> {
    let first = jobs[0].now;
    let mut batch = Vec::new();
    let mut rest = Vec::new();
    for job in jobs.drain(..) {
        if batch.len() < MOST && (job.now - first).abs() <= CLOCK_SPREAD {
            batch.push(job);
        } else {
            rest.push(job);
        }
    }
    *jobs = rest;
    batch
}

/// Commits `batch` in one transaction and answers each job; when the
/// transaction as a whole fails, each job is committed alone, so each gets
/// its own answer.
async fn commit(store: &Store, batch: Vec<Job>) {
    let now = batch
        .iter()
        .map(|j| j.now)
        .max()
        .expect("a batch is not empty");
    let result = {
        let pending: Vec<_> = batch.iter().filter_map(|j| j.prepared.pending()).collect();
        store.commit_many(&pending, now).await
    };
    match result {
        Ok(results) => {
            for (job, result) in batch.into_iter().zip(results) {
                // A caller that stopped waiting no longer needs its answer.
                let _ = job.reply.send((job.prepared, result));
            }
        }
        Err(e) if batch.len() == 1 => {
            let job = batch.into_iter().next().expect("one job");
            let _ = job.reply.send((job.prepared, Err(e)));
        }
        Err(_) => {
            for job in batch {
                let result = {
                    let pending: Vec<_> = job.prepared.pending().into_iter().collect();
                    store.commit_many(&pending, job.now).await
                };
                let result = match result {
                    Ok(mut results) => results.pop().unwrap_or_else(|| {
                        Err(store::Error::Corrupt("no result for a command".into()))
                    }),
                    Err(e) => Err(e),
                };
                let _ = job.reply.send((job.prepared, result));
            }
        }
    }
}
