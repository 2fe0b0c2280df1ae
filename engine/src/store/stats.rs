//! How many items each queue holds, by state, for `/metrics`: one cheap
//! statement per queue, read when a scrape asks (so the figures are the
//! database's, whichever process did the work).
//!
//! Each statement reads an index the queue already has: `timers_due`
//! (state, due_at), `outbox_state` (state, id), `account_mail_due` (state,
//! ...) and the partial `applications_offers` (offered rows only). A count
//! of sent mail or done timers still walks that state's part of the index,
//! which grows with the installation's history (docs/OPERATIONS.md,
//! "Metrics and logs", has the figure).

use jiff::Timestamp;

use super::{Columns, Error, Store, micros, with_db};

/// One queue's count in one state, as the database grouped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StateCount {
    /// The queue: `timers`, `outbox`, `account_mail`, `offers`,
    /// `webhook_deliveries`.
    pub queue: &'static str,
    /// Its state as stored (for timers also `due`: pending and due at `now`).
    pub state: String,
    /// How many rows.
    pub count: i64,
}

/// The statements, one per queue, each giving `state` and `n` (`$1`, where
/// a statement has it, is now).
const QUEUES: &[(&str, &str)] = &[
    // Every timer by state, and the pending ones due now and not waiting
    // out a backoff (the worker's backlog) as `due`: the index range of
    // pending timers due by $1, `retry_at` read only for those.
    (
        "timers",
        "SELECT state, COUNT(*) AS n FROM timers GROUP BY state
         UNION ALL
         SELECT 'due' AS state, COUNT(*) AS n FROM timers
          WHERE state = 'pending' AND due_at <= $1 AND (retry_at IS NULL OR retry_at <= $1)",
    ),
    (
        "outbox",
        "SELECT state, COUNT(*) AS n FROM outbox GROUP BY state",
    ),
    (
        "account_mail",
        "SELECT state, COUNT(*) AS n FROM account_mail GROUP BY state",
    ),
    // Offers of a freed place: waiting for an answer, lapsed and retried
    // by the worker, or given up on (the `offer stuck` list).
    (
        "offers",
        "SELECT CASE WHEN offer_failure IS NOT NULL THEN 'failed'
                     WHEN offer_attempts > 0 THEN 'retrying'
                     ELSE 'offered' END AS state,
                COUNT(*) AS n
           FROM applications WHERE state = 'offered'
          GROUP BY CASE WHEN offer_failure IS NOT NULL THEN 'failed'
                        WHEN offer_attempts > 0 THEN 'retrying'
                        ELSE 'offered' END",
    ),
    // Signed webhooks' deliveries (issue 17, part 3), on their
    // `webhook_deliveries_due` index (state, next_attempt_at, id).
    (
        "webhook_deliveries",
        "SELECT state, COUNT(*) AS n FROM webhook_deliveries GROUP BY state",
    ),
];

impl Store {
    /// Every queue's rows counted by state (states with no rows are absent).
    pub(crate) async fn queue_counts(&self, now: Timestamp) -> Result<Vec<StateCount>, Error> {
        let mut counts = Vec::new();
        for (queue, sql) in QUEUES {
            let rows = with_db!(self, pool => {
                let query = sqlx::query(*sql);
                let query = if sql.contains("$1") {
                    query.bind(micros(now))
                } else {
                    query
                };
                query
                    .fetch_all(pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.text("state")?, r.int("n")?)))
                    .collect::<Result<Vec<_>, Error>>()?
            });
            counts.extend(rows.into_iter().map(|(state, count)| StateCount {
                queue,
                state,
                count,
            }));
        }
        Ok(counts)
    }
}
