//! Figures for monitoring (`/metrics`): how many items each queue holds
//! by state, read from the database when asked (every worker's and
//! server's work alike), and how the commands this process ran ended,
//! counted in memory since it started.
//!
//! The queues and their states are fixed lists ([`QUEUES`]): every state
//! is reported, with 0 when no row is in it, so a series exists from the
//! first scrape and a label never takes a value from the data.

use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, Kind};

/// Each queue and its states, in the order reported. Timers' states are
/// disjoint: `due` (pending, its time come, not waiting out a backoff: the
/// workers' backlog), `pending` (pending, not yet due or waiting out a
/// backoff), `claimed`, `done` (fired, or completed without a change),
/// `failed` (refused for good).
pub const QUEUES: &[(&str, &[&str])] = &[
    ("timers", &["due", "pending", "claimed", "done", "failed"]),
    ("outbox", &["pending", "claimed", "sent", "failed", "dead"]),
    (
        "account_mail",
        &["pending", "claimed", "sent", "failed", "dead"],
    ),
    ("offers", &["offered", "retrying", "failed"]),
    // Signed webhooks' deliveries (issue 17, part 3).
    (
        "webhook_deliveries",
        &["pending", "claimed", "sent", "failed", "dead"],
    ),
];

/// How many items one queue holds in one state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueCount {
    /// The queue (`timers`, `outbox`, `account_mail`, `offers`,
    /// `webhook_deliveries`).
    pub queue: &'static str,
    /// The state, one of the queue's in [`QUEUES`].
    pub state: &'static str,
    /// How many items.
    pub count: i64,
}

/// Where a command came from: a person (CLI, page, API) or a due timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `act`, `act_many`, `act_as`.
    Person,
    /// The scheduler firing a project's due timers.
    Timer,
}

/// How commands ended, by [`Source`] and outcome.
#[derive(Debug, Default)]
pub(crate) struct CommandCounters {
    counts: [[AtomicU64; OUTCOMES.len()]; 2],
}

/// The outcomes a command is counted under.
pub const OUTCOMES: [&str; 5] = ["done", "refused", "conflict", "not_found", "error"];

/// How many commands from one source ended one way, since the process started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandCount {
    /// `person` or `timer`.
    pub source: &'static str,
    /// One of [`OUTCOMES`].
    pub outcome: &'static str,
    /// How many.
    pub count: u64,
}

/// The outcome a command's error is counted under: the core's refusal
/// or bad input (`refused`, also a forbidden action), a lost race or a
/// stale version (`conflict`), a project or person not found, and
/// anything else (busy, internal) as `error`.
pub(crate) fn outcome_of(error: &Error) -> usize {
    match error.kind() {
        Kind::Invalid | Kind::Forbidden => 1,
        Kind::Conflict => 2,
        Kind::NotFound => 3,
        Kind::Busy | Kind::TooMany | Kind::Internal => 4,
    }
}

impl CommandCounters {
    /// Counts one command that ended with `result`.
    pub(crate) fn count<T>(&self, source: Source, result: &Result<T, Error>) {
        self.add(source, result.as_ref().err().map_or(0, outcome_of), 1);
    }

    /// Counts `n` commands from `source` that ended as [`OUTCOMES`]`[outcome]`.
    pub(crate) fn add(&self, source: Source, outcome: usize, n: u64) {
        if n > 0 {
            self.counts[source as usize][outcome].fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// Index of `done` in [`OUTCOMES`].
pub(crate) const DONE: usize = 0;
/// Index of `refused` in [`OUTCOMES`].
pub(crate) const REFUSED: usize = 1;
/// Index of `conflict` in [`OUTCOMES`].
pub(crate) const CONFLICT: usize = 2;

impl Engine {
    /// Every queue's items by state ([`QUEUES`], 0 where none), read from
    /// the database now: one statement per queue.
    pub async fn queue_counts(&self, now: Timestamp) -> Result<Vec<QueueCount>, Error> {
        let rows = self.store.queue_counts(now).await?;
        let count = |queue: &str, state: &str| -> i64 {
            rows.iter()
                .filter(|r| r.queue == queue && r.state == state)
                .map(|r| r.count)
                .sum()
        };
        let mut counts = Vec::new();
        for (queue, states) in QUEUES {
            for state in *states {
                let mut n = count(queue, state);
                // The database's `pending` holds the due ones too.
                if *queue == "timers" && *state == "pending" {
                    n -= count(queue, "due");
                }
                counts.push(QueueCount {
                    queue,
                    state,
                    count: n.max(0),
                });
            }
        }
        Ok(counts)
    }

    /// How the commands this engine ran ended, by source and outcome,
    /// since it was opened (every pair, 0 where none).
    pub fn command_counts(&self) -> Vec<CommandCount> {
        [("person", Source::Person), ("timer", Source::Timer)]
            .into_iter()
            .flat_map(|(name, source)| {
                OUTCOMES
                    .iter()
                    .enumerate()
                    .map(move |(i, outcome)| CommandCount {
                        source: name,
                        outcome,
                        count: self.commands.counts[source as usize][i].load(Ordering::Relaxed),
                    })
            })
            .collect()
    }
}
