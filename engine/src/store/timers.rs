//! Timers as a queue: pending, claimed with a lease, done. Claiming is one
//! statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers
//! never take the same row; on SQLite the write lock taken at `BEGIN
//! IMMEDIATE` does the same for one writer). A worker that dies leaves its
//! claims to expire, and another takes them over.

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
    /// Claims up to `limit` timers due at `now` (and timers whose claim's
    /// lease ran out: their worker died), oldest first, leasing them until
    /// `lease_until`.
    pub(crate) async fn claim_timers(
        &self,
        now: Timestamp,
        limit: i64,
        lease_until: Timestamp,
    ) -> Result<Vec<ClaimedTimer>, Error> {
        // The one place the two databases need different words: PostgreSQL
        // skips rows another worker holds; SQLite has one writer at a time.
        let lock = if self.kind() == "postgres" {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        // Two subqueries, each walking the `timers_due` index in order and
        // stopping after `limit` rows: one `OR` would gather and sort every
        // due timer on each round (a million after a long outage). Claims
        // whose lease ran out come first: their worker died holding them.
        let sql = format!(
            "UPDATE timers SET state = 'claimed', lease_until = $1, attempts = attempts + 1
             WHERE id IN (
                 SELECT id FROM (SELECT id FROM timers WHERE state = 'claimed' AND lease_until < $2
                                 ORDER BY due_at, id LIMIT $3{lock}) AS expired
                 UNION ALL
                 SELECT id FROM (SELECT id FROM timers WHERE state = 'pending' AND due_at <= $2
                                 ORDER BY due_at, id LIMIT $3{lock}) AS due
                 LIMIT $3)
             RETURNING id, project_id, key, kind, due_at, entry, spec"
        );
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(micros(lease_until))
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            let mut claimed = rows.iter().map(claimed_row).collect::<Result<Vec<_>, _>>()?;
            claimed.sort_by_key(|c| (c.timer.at, c.timer.id));
            Ok(claimed)
        })
    }

    /// Marks claimed timers done without any decision (stale or collapsed ones).
    pub(crate) async fn complete_timers(&self, ids: &[i64], now: Timestamp) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            complete!(tx, ids, now);
            tx.commit().await?;
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

    /// When the next pending timer is due, if any (for a worker to sleep until).
    pub(crate) async fn next_timer_due(&self) -> Result<Option<Timestamp>, Error> {
        let due: Option<i64> = with_db!(self, pool => sqlx::query("SELECT MIN(due_at) AS due FROM timers WHERE state = 'pending'")
            .fetch_one(pool)
            .await?
            .opt_int("due")?);
        due.map(instant).transpose()
    }
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
