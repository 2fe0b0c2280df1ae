//! Webhooks: subscriptions, and their deliveries as a queue like the
//! outbox's (the same claim: a lease, a random claim token, attempts, a
//! backoff, a terminal `dead` with its reason).
//!
//! A delivery is written by the transaction of the decision that caused it
//! ([`enqueue_hooks!`], called where decisions, certificates and
//! revocations are committed): a crash never loses one, and a decision
//! committed once queues it once.

use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Error, Store, instant, micros, with_db};
use crate::decide::{Change, Decision};
use crate::reason::{Arg, Reason};

/// A subscription (its secret is never read with it).
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    /// Row id.
    pub id: i64,
    /// The cohort it hears of; `None`: every cohort (the operator's).
    pub cohort: Option<i64>,
    /// Where deliveries are posted.
    pub url: String,
    /// The event types it asked for.
    pub events: Vec<String>,
    /// Who subscribed it; `None`: the operator.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: Timestamp,
    /// When it was disabled (the receiver answered 410 Gone), if it was.
    pub disabled_at: Option<Timestamp>,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
}

/// One event for one subscription: a row of the delivery queue and log.
#[derive(Debug, Clone, Serialize)]
pub struct HookDelivery {
    /// Row id; the `webhook-id` header is `msg_` and this, the same on every
    /// attempt and resend, so a receiver can drop a repeat.
    pub id: i64,
    /// The subscription.
    pub webhook: i64,
    /// Event type, e.g. `project.started`.
    pub event: String,
    /// The project it is about.
    pub project: Option<i64>,
    /// The JSON body posted, exactly.
    pub payload: String,
    /// pending, claimed, sent, failed (will retry) or dead.
    pub state: String,
    /// Deliveries tried so far.
    pub attempts: i64,
    /// When it will be tried (again): none once sent or dead.
    pub next_attempt: Option<Timestamp>,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i64>,
    /// What went wrong last.
    pub last_error: Option<String>,
    /// When it was (last) delivered.
    pub sent_at: Option<Timestamp>,
    /// How often it was put back in the queue by hand.
    pub resends: i64,
    /// `attempts` when it was last put back: the backoff and the give-up
    /// limit count the attempts since.
    #[serde(skip)]
    pub retry_base: i64,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// A claimed delivery with what posting it needs. Its `Debug` hides the secret.
#[derive(Clone)]
pub struct ClaimedHook {
    /// The delivery.
    pub delivery: HookDelivery,
    /// Its subscription's URL.
    pub url: String,
    /// Its subscription's secret (`whsec_...`): signs the request; never logged.
    pub secret: String,
}

impl std::fmt::Debug for ClaimedHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedHook")
            .field("delivery", &self.delivery)
            .field("url", &crate::redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

/// How an attempt ended, as recorded on its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRecord {
    /// `sent`, `failed` or `dead`.
    pub state: &'static str,
    /// When to try again (`failed`).
    pub next_attempt_at: Option<Timestamp>,
    /// The receiver's status, if it answered.
    pub status: Option<i64>,
    /// What went wrong.
    pub error: Option<String>,
    /// Disable the subscription with this reason (it answered 410 Gone):
    /// its other waiting deliveries end dead with it.
    pub disable: Option<String>,
}

/// An event to queue in a decision's transaction: the project it is about
/// (whose cohort chooses the subscriptions), its type and its JSON body cut
/// around the cohort's id, which the statement reads from the project's row.
#[derive(Debug, Clone)]
pub(crate) struct HookEvent {
    pub(crate) project: i64,
    pub(crate) kind: &'static str,
    pub(crate) head: String,
    pub(crate) tail: String,
}

impl HookEvent {
    /// The event `kind` about `project` at `at`, carrying `data` (an object;
    /// `cohort` is added first by the statement).
    pub(crate) fn new(
        project: i64,
        kind: &'static str,
        at: Timestamp,
        data: serde_json::Map<String, serde_json::Value>,
    ) -> HookEvent {
        let head = format!(
            "{{\"type\":{},\"timestamp\":{},\"data\":{{\"cohort\":",
            serde_json::Value::from(kind),
            serde_json::Value::from(at.to_string()),
        );
        let mut data = data;
        data.insert("project".into(), project.into());
        let object = serde_json::Value::Object(data).to_string();
        // `{"a":1}` -> `,"a":1}}`: the rest of `data`, then the body's end.
        let tail = format!(",{}}}", &object[1..]);
        HookEvent {
            project,
            kind,
            head,
            tail,
        }
    }
}

/// The webhook events a decision on `project` records, in their order:
/// started, stage entered, overdue, scored. Nothing a subscriber of the
/// cohort may not see: ids and keys, never answers, comments or remarks.
pub(crate) fn decision_events(project: i64, decision: &Decision) -> Vec<HookEvent> {
    use serde_json::{Map, Value};
    let events = &decision.events;
    // The stage a project was at when event `i` happened: the stage the
    // next move after it left, else where the decision ended.
    let stage_at = |i: usize| -> String {
        events[i + 1..]
            .iter()
            .find_map(|e| match &e.change {
                Change::Moved { from, .. } => Some(from.clone()),
                Change::Migrated { from_stage, .. } => Some(from_stage.clone()),
                _ => None,
            })
            .unwrap_or_else(|| decision.state.stage.clone())
    };
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let mut data = Map::new();
        let kind = match &event.change {
            Change::Started { stage, workflow } => {
                data.insert("stage".into(), Value::from(stage.as_str()));
                data.insert("workflow".into(), Value::from(workflow.as_str()));
                "project.started"
            }
            Change::Moved { from, to } => {
                data.insert("from".into(), Value::from(from.as_str()));
                data.insert("stage".into(), Value::from(to.as_str()));
                "project.stage_entered"
            }
            Change::Migrated {
                from_stage,
                to_stage,
                ..
            } => {
                data.insert("from".into(), Value::from(from_stage.as_str()));
                data.insert("stage".into(), Value::from(to_stage.as_str()));
                "project.stage_entered"
            }
            Change::DeadlinePassed => {
                data.insert("stage".into(), Value::from(stage_at(i)));
                "project.overdue"
            }
            Change::Scored { .. } => {
                data.insert("stage".into(), Value::from(stage_at(i)));
                if let Some(evaluator) = event.actor {
                    data.insert("evaluator".into(), Value::from(evaluator));
                }
                "project.scored"
            }
            _ => continue,
        };
        out.push(HookEvent::new(project, kind, event.at, data));
    }
    out
}

/// A certificate's event (`certificate.issued`, `certificate.revoked`):
/// its id, number, holder and program by id; never a revocation's reason.
pub(crate) fn certificate_event(
    kind: &'static str,
    at: Timestamp,
    certificate: i64,
    number: &str,
    project: i64,
    holder: i64,
    program: i64,
) -> HookEvent {
    let mut data = serde_json::Map::new();
    data.insert("certificate".into(), certificate.into());
    data.insert("number".into(), number.into());
    data.insert("holder".into(), holder.into());
    data.insert("program".into(), program.into());
    HookEvent::new(project, kind, at, data)
}

/// Queues, inside the open transaction `$tx`, one delivery of each of
/// `$events` (a `&[HookEvent]`) for every live subscription of its
/// project's cohort (or of every cohort) that asked for its type, in the
/// events' order. One statement for all of them.
macro_rules! enqueue_hooks {
    ($tx:expr, $events:expr, $now:expr) => {{
        let events: &[$crate::store::webhooks::HookEvent] = $events;
        for chunk in events.chunks(200) {
            let mut insert = sqlx::QueryBuilder::new("");
            $crate::store::webhooks::push_hooks!(insert, chunk, $now);
            insert.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Pushes onto the query builder `$q` the one statement [`enqueue_hooks!`]
/// runs for `$events` (a `&[HookEvent]`), so that it can be one of several
/// writes sent together (store/projects.rs).
macro_rules! push_hooks {
    ($q:expr, $events:expr, $now:expr) => {{
        let events: &[$crate::store::webhooks::HookEvent] = $events;
        let now = $crate::store::micros($now);
        $q.push(
            "INSERT INTO webhook_deliveries (webhook_id, event, project_id, payload, next_attempt_at, created_at)
             SELECT w.id, v.column2, v.column1, v.column3 || CAST(p.cohort_id AS TEXT) || v.column4, ",
        );
        $q.push_bind(now);
        $q.push(", ");
        $q.push_bind(now);
        $q.push(" FROM (");
        $q.push_values(events.iter().enumerate(), |mut row, (i, event)| {
            row.push_bind(event.project)
                .push_bind(event.kind)
                .push_bind(event.head.as_str())
                .push_bind(event.tail.as_str())
                .push_bind(i as i64);
        });
        $q.push(
            ") AS v JOIN projects p ON p.id = v.column1
             JOIN webhooks w ON w.disabled_at IS NULL
              AND (w.cohort_id IS NULL OR w.cohort_id = p.cohort_id)
              AND (',' || w.events || ',') LIKE ('%,' || v.column2 || ',%')
             ORDER BY v.column5, w.id",
        );
    }};
}
pub(crate) use enqueue_hooks;
pub(crate) use push_hooks;

const COLUMNS: &str = "d.id, d.webhook_id, d.event, d.project_id, d.payload, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.sent_at, d.resends, d.retry_base, d.created_at";

const HOOK_COLUMNS: &str =
    "id, cohort_id, url, events, created_by, created_at, disabled_at, disabled_reason";

/// What a subscription's row gives.
pub(crate) struct NewHook<'a> {
    pub(crate) cohort: Option<i64>,
    pub(crate) url: &'a str,
    pub(crate) events: &'a [String],
    pub(crate) secret: &'a str,
    pub(crate) created_by: Option<i64>,
    /// Most live subscriptions of one cohort (or of every cohort).
    pub(crate) limit: i64,
}

impl Store {
    /// Adds a subscription, unless its cohort already has `limit` live ones
    /// (`webhook-too-many`); counted and written in one transaction, under
    /// the cohort's row lock (the installation's for every cohort) on
    /// PostgreSQL and the write lock on SQLite, so racing subscriptions
    /// never pass the limit.
    pub(crate) async fn add_webhook(
        &self,
        hook: &NewHook<'_>,
        now: Timestamp,
    ) -> Result<Webhook, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            if postgres {
                let lock = match hook.cohort {
                    Some(_) => "SELECT id FROM cohorts WHERE id = $1 FOR UPDATE",
                    None => "SELECT id FROM installation WHERE $1 IS NULL FOR UPDATE",
                };
                sqlx::query(lock).bind(hook.cohort).fetch_all(&mut *tx).await?;
            }
            let count = sqlx::query(
                "SELECT COUNT(*) AS n FROM webhooks WHERE disabled_at IS NULL
                 AND (cohort_id = $1 OR (cohort_id IS NULL AND $1 IS NULL))",
            )
            .bind(hook.cohort)
            .fetch_one(&mut *tx)
            .await?
            .int("n")?;
            if count >= hook.limit {
                tx.rollback().await?;
                return Err(Error::Refused(Reason::new(
                    "webhook-too-many",
                    vec![("limit", Arg::int(hook.limit))],
                )));
            }
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO webhooks (cohort_id, url, events, secret, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {HOOK_COLUMNS}"
            )))
            .bind(hook.cohort)
            .bind(hook.url)
            .bind(hook.events.join(","))
            .bind(hook.secret)
            .bind(hook.created_by)
            .bind(micros(now))
            .fetch_one(&mut *tx)
            .await?;
            let webhook = webhook_row(&row)?;
            tx.commit().await?;
            Ok(webhook)
        })
    }

    /// Subscriptions, oldest first: those of `cohort` when given (`Some(None)`:
    /// those for every cohort), else all.
    pub(crate) async fn webhooks(
        &self,
        cohort: Option<Option<i64>>,
    ) -> Result<Vec<Webhook>, Error> {
        let (filter, id) = match cohort {
            None => (false, None),
            Some(id) => (true, id),
        };
        let sql = format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks
             WHERE $1 = 0 OR cohort_id = $2 OR (cohort_id IS NULL AND $2 IS NULL) ORDER BY id"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(filter))
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(webhook_row)
            .collect())
    }

    /// Subscription `id`.
    pub(crate) async fn webhook(&self, id: i64) -> Result<Webhook, Error> {
        let sql = format!("SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| webhook_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(Reason::new(
                "unknown-webhook",
                vec![("webhook", Arg::int(id))],
            ))
        })
    }

    /// Removes subscription `id` with its deliveries (its log and its
    /// secret go with it); false when there was none.
    pub(crate) async fn remove_webhook(&self, id: i64) -> Result<bool, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok(gone == 1)
        })
    }

    /// Deliveries of subscription `webhook`, newest first, those older than
    /// delivery `before` when given.
    pub(crate) async fn hook_deliveries(
        &self,
        webhook: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<HookDelivery>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_deliveries d
             WHERE d.webhook_id = $1 AND ($2 IS NULL OR d.id < $2) ORDER BY d.id DESC LIMIT $3"
        );
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(webhook)
            .bind(before)
            .bind(limit)
            .fetch_all(pool)
            .await?
            .iter()
            .map(delivery_row)
            .collect())
    }

    /// Delivery `id`.
    pub(crate) async fn hook_delivery(&self, id: i64) -> Result<HookDelivery, Error> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_deliveries d WHERE d.id = $1");
        let row = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .map(|r| delivery_row(&r)));
        row.transpose()?.ok_or_else(|| {
            Error::NotFound(Reason::new(
                "unknown-webhook-delivery",
                vec![("delivery", Arg::int(id))],
            ))
        })
    }

    /// Claims up to `limit` deliveries due by `due_by` (and those whose
    /// lease ran out by `clock`) of live subscriptions, for the claim
    /// `token` until `lease_until`: the outbox's claim. A claim counts no
    /// attempt.
    pub(crate) async fn claim_hooks(
        &self,
        due_by: Timestamp,
        clock: Timestamp,
        limit: i64,
        lease: (&str, Timestamp),
    ) -> Result<Vec<ClaimedHook>, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            super::outbox::claim_queue!(
                pool, tx, postgres, "webhook_deliveries", "webhook_id", lease, due_by, clock, None, limit,
                format!("SELECT {COLUMNS}, w.url, w.secret FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"),
                "d.id", claimed_row
            )
        })
    }

    /// Records how delivering each of `ended` (id, record) went, all in one
    /// transaction (one disk sync for a batch), each only while the claim
    /// `token` holds it (a worker whose lease was taken over records
    /// nothing of it); one attempt each. A 410 Gone disables the
    /// subscription in the same transaction, ending its other waiting
    /// deliveries dead. Returns, for each, whether it was recorded.
    pub(crate) async fn finish_hooks(
        &self,
        ended: &[(i64, &HookRecord)],
        token: &str,
        now: Timestamp,
    ) -> Result<Vec<bool>, Error> {
        if ended.is_empty() {
            return Ok(Vec::new());
        }
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut recorded = Vec::with_capacity(ended.len());
            for (id, record) in ended {
                let sent = (record.state == "sent").then(|| micros(now));
                let webhook = sqlx::query(
                    "UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1,
                         next_attempt_at = COALESCE($2, next_attempt_at), last_status = $3,
                         last_error = $4, sent_at = COALESCE($5, sent_at), lease_until = NULL, claim_token = NULL
                     WHERE id = $6 AND state = 'claimed' AND claim_token = $7 RETURNING webhook_id",
                )
                .bind(record.state)
                .bind(record.next_attempt_at.map(micros))
                .bind(record.status)
                .bind(record.error.as_deref())
                .bind(sent)
                .bind(*id)
                .bind(token)
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.int("webhook_id"))
                .transpose()?;
                recorded.push(webhook.is_some());
                if let (Some(webhook), Some(reason)) = (webhook, &record.disable) {
                    sqlx::query("UPDATE webhooks SET disabled_at = $1, disabled_reason = $2 WHERE id = $3 AND disabled_at IS NULL")
                        .bind(micros(now))
                        .bind(reason.as_str())
                        .bind(webhook)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "UPDATE webhook_deliveries SET state = 'dead', last_error = $1, lease_until = NULL, claim_token = NULL
                         WHERE webhook_id = $2 AND state IN ('pending', 'failed')",
                    )
                    .bind(reason.as_str())
                    .bind(webhook)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(recorded)
        })
    }

    /// Puts a dead, failed or sent delivery of a live subscription back in
    /// the queue, due `now`: the same delivery (the same `webhook-id`), its
    /// attempts still counted, its resends one more. False when it is
    /// queued or being delivered, or its subscription is disabled.
    pub(crate) async fn resend_hook(&self, id: i64, now: Timestamp) -> Result<bool, Error> {
        let changed = with_db!(self, pool => sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', retry_base = attempts, resends = resends + 1,
                 next_attempt_at = $1, lease_until = NULL, claim_token = NULL
             WHERE id = $2 AND state IN ('dead', 'failed', 'sent')
               AND webhook_id IN (SELECT id FROM webhooks WHERE disabled_at IS NULL)",
        )
        .bind(micros(now))
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(changed == 1)
    }

    /// When the next delivery is due, if any.
    pub(crate) async fn next_hook_due(&self) -> Result<Option<Timestamp>, Error> {
        let due: Option<i64> = with_db!(self, pool => sqlx::query(
            "SELECT MIN(next_attempt_at) AS due FROM webhook_deliveries WHERE state IN ('pending', 'failed')",
        )
        .fetch_one(pool)
        .await?
        .opt_int("due")?);
        due.map(instant).transpose()
    }
}

fn webhook_row(r: &impl Columns) -> Result<Webhook, Error> {
    Ok(Webhook {
        id: r.int("id")?,
        cohort: r.opt_int("cohort_id")?,
        url: r.text("url")?,
        events: r
            .text("events")?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        created_by: r.opt_int("created_by")?,
        created_at: instant(r.int("created_at")?)?,
        disabled_at: r.opt_int("disabled_at")?.map(instant).transpose()?,
        disabled_reason: r.opt_text("disabled_reason")?,
    })
}

fn delivery_row(r: &impl Columns) -> Result<HookDelivery, Error> {
    let state = r.text("state")?;
    let next = instant(r.int("next_attempt_at")?)?;
    Ok(HookDelivery {
        id: r.int("id")?,
        webhook: r.int("webhook_id")?,
        event: r.text("event")?,
        project: r.opt_int("project_id")?,
        payload: r.text("payload")?,
        attempts: r.int("attempts")?,
        next_attempt: match state.as_str() {
            "sent" | "dead" => None,
            _ => Some(next),
        },
        state,
        last_status: r.opt_int("last_status")?,
        last_error: r.opt_text("last_error")?,
        sent_at: r.opt_int("sent_at")?.map(instant).transpose()?,
        resends: r.int("resends")?,
        retry_base: r.int("retry_base")?,
        created_at: instant(r.int("created_at")?)?,
    })
}

fn claimed_row(r: &impl Columns) -> Result<ClaimedHook, Error> {
    Ok(ClaimedHook {
        delivery: delivery_row(r)?,
        url: r.text("url")?,
        secret: r.text("secret")?,
    })
}
