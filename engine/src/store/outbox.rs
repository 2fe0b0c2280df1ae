//! The outbox as a queue: a message row is written with its cause, claimed
//! with a lease by a worker, then sent, failed (to retry at a set time) or
//! dead (attempts used up, or refused for good); staff can put a dead, failed
//! or sent one back.
//!
//! Each claim writes a random token on the rows it takes: only that claim
//! may renew their lease or record how their delivery ended, so a worker
//! whose lease ran out and was taken over can neither send nor record them
//! again unnoticed (`renew_messages` tells it which rows it still holds).

use crate::reason::Reason;
use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};

/// An outbox row.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// Row id.
    pub id: i64,
    /// The project whose event caused it.
    pub project: i64,
    /// The event (seq) that caused it.
    pub cause: i64,
    /// Template name.
    pub template: String,
    /// Recipient (person id).
    pub recipient: i64,
    /// Recipient's email.
    pub email: String,
    /// The language the recipient reads (`en`, `ar`), when they chose one:
    /// the message is written in it.
    pub language: Option<String>,
    /// The Message-ID's left part, the same on every attempt.
    pub message_id: String,
    /// pending, claimed, sent, failed (will retry) or dead.
    pub state: String,
    /// Deliveries tried so far (a claim by a worker that died before
    /// trying is not one).
    pub attempts: i64,
    /// Its place in the queue: when it is (next) due to be sent. Once
    /// sent or dead nothing is due; [`Message::next_attempt`] says so.
    #[serde(skip)]
    pub next_attempt_at: Timestamp,
    /// When it will be tried (again): none once sent or dead.
    pub next_attempt: Option<Timestamp>,
    /// What went wrong last, in the mail server's words.
    pub last_error: Option<String>,
    /// When it was (last) sent.
    pub sent_at: Option<Timestamp>,
    /// How often staff put it back in the queue (`outbox retry`, the web's
    /// resend); `attempts` keeps counting across them.
    pub resends: i64,
    /// `attempts` when it was last put back: the backoff and the give-up
    /// limit count the attempts since.
    #[serde(skip)]
    pub retry_base: i64,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server took it.
    Sent,
    /// It failed; try again at this time.
    Retry {
        /// When.
        at: Timestamp,
        /// Why it failed.
        error: String,
    },
    /// It failed for good.
    Dead {
        /// Why.
        error: String,
    },
}

/// What a delivery writes on a queue's row (the outbox's or account
/// mail's): its new state, when to try again, the error, when it was sent.
pub(super) struct Recorded<'a> {
    pub(super) state: &'static str,
    pub(super) next_attempt_at: Option<i64>,
    pub(super) error: Option<&'a str>,
    pub(super) sent_at: Option<i64>,
}

impl Delivery {
    /// The columns this ending writes, as of `now`.
    pub(super) fn recorded(&self, now: Timestamp) -> Recorded<'_> {
        let (state, next_attempt_at, error, sent_at) = match self {
            Delivery::Sent => ("sent", None, None, Some(micros(now))),
            Delivery::Retry { at, error } => {
                ("failed", Some(micros(*at)), Some(error.as_str()), None)
            }
            Delivery::Dead { error } => ("dead", None, Some(error.as_str()), None),
        };
        Recorded {
            state,
            next_attempt_at,
            error,
            sent_at,
        }
    }
}

/// Claims, inside write transaction `$tx` (committed here), up to `$limit`
/// rows of mail queue `$table` for `$lease`, (claim token, lease's end):
/// rows due by `$due_by` (pending, or failed and due again) or whose lease
/// ran out by `$clock`, of `$recipient` (its column `$to`) when given, oldest
/// due first; on PostgreSQL rows another claim holds are skipped. Then
/// reads them back from `$pool` as `$select ... WHERE id IN (...) ORDER BY
/// $order`, each by `$row`. The one claim of the outbox and of account mail.
macro_rules! claim_queue {
    ($pool:expr, $tx:expr, $postgres:expr, $table:literal, $to:literal, $lease:expr, $due_by:expr, $clock:expr, $recipient:expr, $limit:expr, $select:expr, $order:literal, $row:expr) => {{
        let lock = if $postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE {table} SET state = 'claimed', lease_until = $1, claim_token = $2
             WHERE id IN (
                 SELECT id FROM {table}
                 WHERE ((state IN ('pending', 'failed') AND next_attempt_at <= $3)
                        OR (state = 'claimed' AND lease_until < $4))
                   AND ($5 IS NULL OR {to} = $5)
                 ORDER BY next_attempt_at, id LIMIT $6{lock})
             RETURNING id",
            table = $table,
            to = $to,
        );
        let (token, lease_until): (&str, Timestamp) = $lease;
        let recipient: Option<i64> = $recipient;
        let ids: Vec<i64> = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(lease_until))
            .bind(token)
            .bind(micros($due_by))
            .bind(micros($clock))
            .bind(recipient)
            .bind($limit)
            .fetch_all(&mut *$tx)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect::<Result<_, _>>()?;
        $tx.commit().await?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = sqlx::QueryBuilder::new($select);
        query.push(" WHERE ");
        query.push($order);
        query.push(" IN (");
        let mut list = query.separated(", ");
        for id in &ids {
            list.push_bind(*id);
        }
        query.push(") ORDER BY ");
        query.push($order);
        query
            .build()
            .fetch_all($pool)
            .await?
            .iter()
            .map($row)
            .collect()
    }};
}
pub(super) use claim_queue;

const COLUMNS: &str = "o.id, o.project_id, o.event_seq, o.template, o.recipient_id, p.email, p.language, o.message_id, o.state, o.attempts, o.next_attempt_at, o.last_error, o.sent_at, o.resends, o.retry_base";

impl Store {
    /// Claims up to `limit` messages due by `due_by` (and those whose
    /// claim's lease ran out by `clock`), only `recipient`'s when given,
    /// leasing them to the claim `token` until `lease_until`; each with its
    /// recipient's email and language. A claim is not an attempt: it counts
    /// nothing, so a worker that dies holding messages costs them nothing.
    pub(crate) async fn claim_messages(
        &self,
        due_by: Timestamp,
        clock: Timestamp,
        limit: i64,
        recipient: Option<i64>,
        lease: (&str, Timestamp),
    ) -> Result<Vec<Message>, Error> {
        let postgres = self.kind() == "postgres";
        let lock = if postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // A message due to a disabled account is never sent: it ends
            // dead, saying why (see `people.rs`).
            sqlx::query(sqlx::AssertSqlSafe(super::people::disabled_recipients_dead(lock)))
                .bind(micros(due_by))
                .execute(&mut *tx)
                .await?;
            claim_queue!(
                pool, tx, postgres, "outbox", "recipient_id", lease, due_by, clock, recipient, limit,
                format!("SELECT {COLUMNS} FROM outbox o JOIN people p ON p.id = o.recipient_id"),
                "o.id", message_row
            )
        })
    }

    /// Extends the lease of the messages `ids` that the claim `token` still
    /// holds until `lease_until`; returns those ids (a message missing was
    /// taken over by another worker after its lease ran out).
    pub(crate) async fn renew_messages(
        &self,
        ids: &[i64],
        token: &str,
        lease_until: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_db!(self, pool => {
            let mut update = sqlx::QueryBuilder::new("UPDATE outbox SET lease_until = ");
            update.push_bind(micros(lease_until));
            update.push(" WHERE state = 'claimed' AND claim_token = ");
            update.push_bind(token);
            update.push(" AND id IN (");
            let mut list = update.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            update.push(") RETURNING id");
            update
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.int("id"))
                .collect()
        })
    }

    /// Records how delivering messages `ids` (one email) ended, for all of
    /// them in one statement (a crash never leaves part of one email
    /// recorded as sent), and only while the claim `token` holds them: a
    /// worker whose lease was taken over records nothing. Each delivery
    /// tried counts one attempt. Returns how many were recorded.
    pub(crate) async fn finish_messages(
        &self,
        ids: &[i64],
        token: &str,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<u64, Error> {
        Ok(self.finished(ids, token, delivery, now).await?.len() as u64)
    }

    /// Records how several emails' deliveries ended (`groups`: each email's
    /// messages and its ending), as [`Store::finish_messages`] does for
    /// each, with every email that was sent in one statement: a worker
    /// sending over several connections records a round's emails in one
    /// commit rather than one each. Returns, per group, whether the claim
    /// `token` still held (and so recorded) all of its messages.
    pub(crate) async fn finish_message_groups(
        &self,
        groups: &[(Vec<i64>, Delivery)],
        token: &str,
        now: Timestamp,
    ) -> Result<Vec<bool>, Error> {
        let sent: Vec<i64> = groups
            .iter()
            .filter(|(_, delivery)| matches!(delivery, Delivery::Sent))
            .flat_map(|(ids, _)| ids.iter().copied())
            .collect();
        let recorded: std::collections::HashSet<i64> = self
            .finished(&sent, token, &Delivery::Sent, now)
            .await?
            .into_iter()
            .collect();
        let mut held = Vec::with_capacity(groups.len());
        for (ids, delivery) in groups {
            held.push(match delivery {
                Delivery::Sent => ids.iter().all(|id| recorded.contains(id)),
                _ => self.finished(ids, token, delivery, now).await?.len() == ids.len(),
            });
        }
        Ok(held)
    }

    /// The one statement that records an ending for messages `ids` still
    /// held by the claim `token`; returns the ids it recorded.
    async fn finished(
        &self,
        ids: &[i64],
        token: &str,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let Recorded {
            state,
            next_attempt_at: next,
            error,
            sent_at: sent,
        } = delivery.recorded(now);
        with_db!(self, pool => {
            let mut update = sqlx::QueryBuilder::new("UPDATE outbox SET state = ");
            update.push_bind(state);
            update.push(", attempts = attempts + 1, next_attempt_at = COALESCE(");
            update.push_bind(next);
            update.push(", next_attempt_at), last_error = COALESCE(");
            update.push_bind(error);
            update.push(", last_error), sent_at = ");
            update.push_bind(sent);
            update.push(", lease_until = NULL, claim_token = NULL WHERE state = 'claimed' AND claim_token = ");
            update.push_bind(token);
            update.push(" AND id IN (");
            let mut list = update.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            update.push(") RETURNING id");
            update
                .build()
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.int("id"))
                .collect()
        })
    }

    /// Gives messages `ids` held by the claim `token` back to the queue as
    /// they were (due, no attempt counted), for another claim to take.
    pub(crate) async fn release_messages(&self, ids: &[i64], token: &str) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        with_db!(self, pool => {
            let mut update = sqlx::QueryBuilder::new(
                "UPDATE outbox SET state = CASE WHEN attempts = 0 THEN 'pending' ELSE 'failed' END,
                 lease_until = NULL, claim_token = NULL WHERE state = 'claimed' AND claim_token = ",
            );
            update.push_bind(token);
            update.push(" AND id IN (");
            let mut list = update.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            update.push(")");
            update.build().execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Messages, newest first, optionally only those in `state`.
    pub(crate) async fn messages(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Message>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN people p ON p.id = o.recipient_id
             WHERE $1 IS NULL OR o.state = $1 ORDER BY o.id DESC LIMIT $2"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(state)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(message_row)
            .collect())
    }

    /// The message with row id `id`.
    pub(crate) async fn message(&self, id: i64) -> Result<Message, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o JOIN people p ON p.id = o.recipient_id WHERE o.id = $1"
        );
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| message_row(&r)));
        row.transpose()?
            .ok_or_else(|| Error::NotFound(Reason::message(format!("there is no message {id}"))))
    }

    /// Puts a dead, failed or sent message back in the queue, due `now`: a
    /// new delivery of the same message. Its attempts keep their count (the
    /// backoff counts afresh from `retry_base`) and the resend is counted;
    /// a message already queued or being sent is left alone (false).
    pub(crate) async fn retry_message(&self, id: i64, now: Timestamp) -> Result<bool, Error> {
        let changed = with_db!(self, pool => sqlx::query(
            "UPDATE outbox SET state = 'pending', retry_base = attempts, resends = resends + 1,
                 next_attempt_at = $1, lease_until = NULL, claim_token = NULL
             WHERE id = $2 AND state IN ('dead', 'failed', 'sent')",
        )
        .bind(micros(now))
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// When the next message is due, if any.
    pub(crate) async fn next_message_due(&self) -> Result<Option<Timestamp>, Error> {
        let due: Option<i64> = with_db!(self, pool => sqlx::query(
            "SELECT MIN(next_attempt_at) AS due FROM outbox WHERE state IN ('pending', 'failed')",
        )
        .fetch_one(pool)
        .await?
        .opt_int("due")?);
        due.map(instant).transpose()
    }
}

/// A message from a row of [`COLUMNS`] (its recipient's `email` and
/// `language` from the people table).
pub(super) fn message_row(r: &impl Columns) -> Result<Message, Error> {
    let state = r.text("state")?;
    let next = instant(r.int("next_attempt_at")?)?;
    Ok(Message {
        id: r.int("id")?,
        project: r.int("project_id")?,
        cause: r.int("event_seq")?,
        template: r.text("template")?,
        recipient: r.int("recipient_id")?,
        email: r.text("email")?,
        language: r.opt_text("language")?,
        message_id: r.text("message_id")?,
        attempts: r.int("attempts")?,
        next_attempt_at: next,
        next_attempt: match state.as_str() {
            "sent" | "dead" => None,
            _ => Some(next),
        },
        last_error: r.opt_text("last_error")?,
        state,
        sent_at: r.opt_int("sent_at")?.map(instant).transpose()?,
        resends: r.int("resends")?,
        retry_base: r.int("retry_base")?,
    })
}
