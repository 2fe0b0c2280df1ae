//! Timers as a queue: pending, claimed with a lease, done or failed. Claiming
//! is one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
//! workers never take the same row; on SQLite the write lock taken at `BEGIN
//! IMMEDIATE` does the same for one writer). A worker that dies leaves its
//! claims to expire, and another takes them over: that is not an attempt.
//! A timer the decision core refuses counts an attempt and waits out a
//! backoff (`retry_at`); after its last attempt it is `failed`, with the
//! reason in `last_error`, and never claimed again.

use crate::reason::Reason;
use jiff::Timestamp;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
use crate::decide::{DueTimer, TimerKind};

/// Marks claimed timer rows `$ids` done, inside an open transaction `$tx`.
macro_rules! complete {
    ($tx:expr, $ids:expr, $now:expr) => {{
        let ids: &[i64] = $ids;
        if !ids.is_empty() {
            let mut done = sqlx::QueryBuilder::new(
                "UPDATE timers SET state = 'done', lease_until = NULL, done_at = ",
            );
            done.push_bind(micros($now));
            done.push(" WHERE state = 'claimed' AND id IN (");
            let mut list = done.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            done.push(")");
            done.build().execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use complete;

/// A claimed timer and the project it belongs to.
#[derive(Debug, Clone)]
pub struct ClaimedTimer {
    /// The project.
    pub project: i64,
    /// The timer.
    pub timer: DueTimer,
}

impl Store {
    /// Claims up to `limit` timers due at `now`, oldest first, leasing them
    /// until `lease_until`; with `take_over`, claims whose lease ran out
    /// (their worker died) first. Without it the claim never walks the
    /// claims live now (a round per worker in flight, each row a heap
    /// visit, and on PostgreSQL the index entries that finished claims left
    /// dead until a vacuum): a drain takes over only in its first rounds.
    pub(crate) async fn claim_timers(
        &self,
        now: Timestamp,
        limit: i64,
        lease_until: Timestamp,
        take_over: bool,
    ) -> Result<Vec<ClaimedTimer>, Error> {
        let sql = timer_claim_statement(self.kind() == "postgres", take_over);
        // PostgreSQL: the claim is one statement in a transaction of its own
        // (one round trip; `BEGIN` and `COMMIT` around it would be two more).
        // SQLite: `BEGIN IMMEDIATE` takes the write lock before the read.
        let alone = self.kind() == "postgres";
        with_db!(self, pool => {
            let query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(micros(lease_until))
                .bind(micros(now))
                .bind(limit);
            let rows = if alone {
                query.fetch_all(pool).await?
            } else {
                let mut tx = pool.begin_write().await?;
                let rows = query.fetch_all(&mut *tx).await?;
                tx.commit().await?;
                rows
            };
            // A row that does not read back fails alone, with its reason:
            // it must not stop every other project's timers. (Should the
            // process die before recording it, its lease runs out and the
            // next claim fails it.)
            let mut claimed = Vec::with_capacity(rows.len());
            for row in &rows {
                match claimed_row(row) {
                    Ok(c) => claimed.push(c),
                    Err(e) => {
                        sqlx::query("UPDATE timers SET state = 'failed', lease_until = NULL, attempts = attempts + 1, last_error = $1, done_at = $2 WHERE id = $3 AND state = 'claimed'")
                            .bind(e.to_string())
                            .bind(micros(now))
                            .bind(row.int("id")?)
                            .execute(pool)
                            .await?;
                    }
                }
            }
            claimed.sort_by_key(|c| (c.timer.at, c.timer.id));
            Ok(claimed)
        })
    }

    /// Records that the decision core refused claimed timers `ids` for
    /// `reason`: each counts an attempt; one that has had `max_attempts`
    /// ends `failed` with the reason, the others wait until
    /// `now + backoff(attempts)` to be claimed again. Returns how many failed.
    pub(crate) async fn refuse_timers(
        &self,
        ids: &[i64],
        reason: &str,
        now: Timestamp,
        max_attempts: i64,
        backoff: impl Fn(i64) -> jiff::SignedDuration,
    ) -> Result<usize, Error> {
        if ids.is_empty() {
            return Ok(0);
        }
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut failed = 0;
            for id in ids {
                let row = sqlx::query(
                    "UPDATE timers SET attempts = attempts + 1, last_error = $1, lease_until = NULL
                     WHERE id = $2 AND state = 'claimed' RETURNING attempts",
                )
                .bind(reason)
                .bind(*id)
                .fetch_optional(&mut *tx)
                .await?;
                // Gone (its stage was left meanwhile) or taken over: nothing to count.
                let Some(row) = row else { continue };
                let attempts = row.int("attempts")?;
                if attempts >= max_attempts {
                    failed += 1;
                    sqlx::query("UPDATE timers SET state = 'failed', done_at = $1 WHERE id = $2")
                        .bind(micros(now))
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    let retry = now.checked_add(backoff(attempts)).unwrap_or(now);
                    sqlx::query("UPDATE timers SET state = 'pending', retry_at = $1 WHERE id = $2")
                        .bind(micros(retry))
                        .bind(*id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(failed)
        })
    }

    /// Timers in `state` (`pending`, `claimed`, `done` or `failed`), at most
    /// `limit`, most recently due first; with their attempts and last error.
    pub(crate) async fn timers_in_state(
        &self,
        state: &str,
        limit: i64,
    ) -> Result<Vec<TimerRow>, Error> {
        with_db!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, project_id, key, kind, due_at, state, attempts, retry_at, last_error, done_at
                 FROM timers WHERE state = $1 ORDER BY due_at DESC, id DESC LIMIT $2",
            )
            .bind(state)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter().map(timer_row).collect()
        })
    }

    /// Puts failed timer `id` back in the queue with its attempts at zero
    /// (an operator mended what made the core refuse it). `false` when it is
    /// not a failed timer.
    pub(crate) async fn retry_timer(&self, id: i64) -> Result<bool, Error> {
        let changed = with_db!(self, pool => sqlx::query(
            "UPDATE timers SET state = 'pending', attempts = 0, retry_at = NULL, done_at = NULL
             WHERE id = $1 AND state = 'failed'",
        )
        .bind(id)
        .execute(pool)
        .await
        .map_err(|e| if super::is_unique_violation(&e) {
            Error::Refused(Reason::message(format!(
                "timer {id} cannot go back in the queue: its project already has a live timer with its key"
            )))
        } else {
            e.into()
        })?
        .rows_affected());
        Ok(changed == 1)
    }

    /// How many timers are in `state`.
    pub(crate) async fn count_timers(&self, state: &str) -> Result<u64, Error> {
        with_db!(self, pool => {
            let n = sqlx::query("SELECT COUNT(*) AS n FROM timers WHERE state = $1")
                .bind(state)
                .fetch_one(pool)
                .await?
                .int("n")?;
            Ok(n.max(0) as u64)
        })
    }

    /// Marks claimed timers done without any decision (stale or collapsed ones).
    /// Nothing to complete costs nothing; on PostgreSQL the one statement
    /// is its own transaction (one round trip).
    pub(crate) async fn complete_timers(&self, ids: &[i64], now: Timestamp) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let alone = self.kind() == "postgres";
        with_db!(self, pool => {
            if alone {
                let mut conn = pool.acquire().await?;
                complete!(conn, ids, now);
            } else {
                let mut tx = pool.begin_write().await?;
                complete!(tx, ids, now);
                tx.commit().await?;
            }
            Ok(())
        })
    }

    /// Gives claimed timers back to the queue (their firing lost a race with
    /// a person's command): they fire again on the next round.
    pub(crate) async fn release_timers(&self, ids: &[i64], error: &str) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        with_db!(self, pool => {
            let mut release = sqlx::QueryBuilder::new("UPDATE timers SET state = 'pending', lease_until = NULL, last_error = ");
            release.push_bind(error);
            release.push(" WHERE state = 'claimed' AND id IN (");
            let mut list = release.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            release.push(")");
            release.build().execute(pool).await?;
            Ok(())
        })
    }

    /// When the next pending timer may be claimed, if any (for a worker to
    /// sleep until): its due time, or the end of its backoff.
    pub(crate) async fn next_timer_due(&self) -> Result<Option<Timestamp>, Error> {
        let (due, retry): (Option<i64>, Option<i64>) = with_db!(self, pool => {
            let due = sqlx::query("SELECT MIN(due_at) AS due FROM timers WHERE state = 'pending' AND retry_at IS NULL")
                .fetch_one(pool)
                .await?
                .opt_int("due")?;
            let retry = sqlx::query("SELECT MIN(retry_at) AS due FROM timers WHERE state = 'pending' AND retry_at IS NOT NULL")
                .fetch_one(pool)
                .await?
                .opt_int("due")?;
            (due, retry)
        });
        due.into_iter().chain(retry).min().map(instant).transpose()
    }
}

/// A timer as `gradflow timers list` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimerRow {
    /// Its row.
    pub id: i64,
    /// The project it belongs to.
    pub project: i64,
    /// Its key, e.g. `remind:0` or `overdue:0`.
    pub key: String,
    /// What it is for (`deadline`, `reminder`, `overdue`, `milestone_due`).
    pub kind: String,
    /// When it fell (or falls) due.
    pub due_at: Timestamp,
    /// `pending`, `claimed`, `done` or `failed`.
    pub state: String,
    /// How many times the decision core refused it (claims do not count).
    pub attempts: i64,
    /// When a refused timer may be tried again.
    pub retry_at: Option<Timestamp>,
    /// Why it was last refused; for a failed timer, why it failed.
    pub last_error: Option<String>,
    /// When it was done or failed.
    pub done_at: Option<Timestamp>,
}

fn timer_row(r: &impl Columns) -> Result<TimerRow, Error> {
    Ok(TimerRow {
        id: r.int("id")?,
        project: r.int("project_id")?,
        key: r.text("key")?,
        kind: r.text("kind")?,
        due_at: instant(r.int("due_at")?)?,
        state: r.text("state")?,
        attempts: r.int("attempts")?,
        retry_at: r.opt_int("retry_at")?.map(instant).transpose()?,
        last_error: r.opt_text("last_error")?,
        done_at: r.opt_int("done_at")?.map(instant).transpose()?,
    })
}

fn claimed_row(r: &impl Columns) -> Result<ClaimedTimer, Error> {
    let id = r.int("id")?;
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| Error::Corrupt(format!("timer {id} {what}: {e}"));
    let spec: serde_json::Value =
        serde_json::from_str(&r.text("spec")?).map_err(|e| corrupt("spec", &e))?;
    let kind: TimerKind = r
        .text("kind")?
        .parse()
        .map_err(|e: String| corrupt("kind", &e))?;
    let to = spec
        .get("to")
        .and_then(|v| v.as_array())
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let template = spec
        .get("template")
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    Ok(ClaimedTimer {
        project: r.int("project_id")?,
        timer: DueTimer {
            id,
            key: r.text("key")?,
            kind,
            at: instant(r.int("due_at")?)?,
            entry: r.int("entry")?,
            to,
            template,
        },
    })
}

/// The statement that claims due timers (see `Store::claim_timers`), in
/// PostgreSQL's words or SQLite's: public so the bench's raw limit runs
/// exactly the store's SQL without the engine around it.
pub fn timer_claim_statement(postgres: bool, take_over: bool) -> String {
    // The one place the two databases need different words: PostgreSQL
    // skips rows another worker holds; SQLite has one writer at a time.
    let lock = if postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    // Two subqueries, each walking the `timers_due` index in order and
    // stopping after `limit` rows: one `OR` would gather and sort every
    // due timer on each round (a million after a long outage). Claims
    // whose lease ran out come first: their worker died holding them.
    // A claim is not an attempt (a crash-looping worker fails nothing);
    // a timer waiting out its backoff is not claimed before `retry_at`.
    let due = format!(
        "SELECT id FROM (SELECT id FROM timers WHERE state = 'pending' AND due_at <= $2
                           AND (retry_at IS NULL OR retry_at <= $2)
                         ORDER BY due_at, id LIMIT $3{lock}) AS due"
    );
    if take_over {
        format!(
            "UPDATE timers SET state = 'claimed', lease_until = $1
             WHERE id IN (
                 SELECT id FROM (SELECT id FROM timers WHERE state = 'claimed' AND lease_until < $2
                                 ORDER BY due_at, id LIMIT $3{lock}) AS expired
                 UNION ALL
                 {due}
                 LIMIT $3)
             RETURNING id, project_id, key, kind, due_at, entry, spec"
        )
    } else {
        format!(
            "UPDATE timers SET state = 'claimed', lease_until = $1
             WHERE id IN ({due})
             RETURNING id, project_id, key, kind, due_at, entry, spec"
        )
    }
}
