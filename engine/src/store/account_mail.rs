//! Mail about an account rather than a project (a password reset link):
//! queued in the same transaction as what it carries, claimed with a lease
//! by a worker and recorded like the outbox (pending, claimed, sent, failed
//! to retry at a set time, dead). Its `link` is a secret: it is set to NULL
//! when the message is sent or dead, and by [`Store::scrub_account_mail`]
//! once it has expired, whatever the message's state.

use jiff::Timestamp;
use serde::Serialize;

use super::{Begin, Columns, Delivery, Error, Store, instant, micros, with_db};

/// A queued account message, as claimed (with its recipient).
#[derive(Debug, Clone, Serialize)]
pub struct AccountMail {
    /// Row id.
    pub id: i64,
    /// What it is: `password-reset`.
    pub kind: String,
    /// Recipient (person id).
    pub person: i64,
    /// Recipient's name.
    pub name: String,
    /// Recipient's email.
    pub email: String,
    /// The language to write in: the one they chose, else the one of the
    /// page they asked from.
    pub language: Option<String>,
    /// The secret link; `None` once scrubbed (never serialised).
    #[serde(skip)]
    pub link: Option<String>,
    /// When the link stops working.
    pub expires_at: Timestamp,
    /// The Message-ID's left part, the same on every attempt.
    pub message_id: String,
    /// Deliveries tried so far.
    pub attempts: i64,
    /// What an intake message says (JSON; its kind is the template's name).
    pub data: Option<String>,
}

const COLUMNS: &str = "a.id, a.kind, a.person_id, p.name, p.email, COALESCE(p.language, a.language) AS language, a.link, a.expires_at, a.message_id, a.attempts, a.data";

fn row(r: &impl Columns) -> Result<AccountMail, Error> {
    Ok(AccountMail {
        id: r.int("id")?,
        kind: r.text("kind")?,
        person: r.int("person_id")?,
        name: r.text("name")?,
        email: r.text("email")?,
        language: r.opt_text("language")?,
        link: r.opt_text("link")?,
        expires_at: instant(r.int("expires_at")?)?,
        message_id: r.text("message_id")?,
        attempts: r.int("attempts")?,
        data: r.opt_text("data")?,
    })
}

impl Store {
    /// Records a password reset link for `person` (its token's hash) and
    /// queues the mail carrying `link` in ONE transaction, forgetting
    /// expired links: a process stopped after this has lost nothing. The
    /// link is made at `now` and works until `expires`.
    pub(crate) async fn queue_password_reset(
        &self,
        token_hash: &str,
        person: i64,
        link: &str,
        language: Option<&str>,
        message_id: &str,
        (now, expires): (Timestamp, Timestamp),
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1")
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO password_resets (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_hash)
            .bind(person)
            .bind(micros(now))
            .bind(micros(expires))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO account_mail (kind, person_id, link, expires_at, message_id, next_attempt_at, created_at, language)
                 VALUES ('password-reset', $1, $2, $3, $4, $5, $5, $6)",
            )
            .bind(person)
            .bind(link)
            .bind(micros(expires))
            .bind(message_id)
            .bind(micros(now))
            .bind(language)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets the links of account mail whose link expired by `now`, and
    /// gives up on such mail not yet sent (a dead link is not worth
    /// sending); how many rows were scrubbed.
    pub(crate) async fn scrub_account_mail(&self, now: Timestamp) -> Result<u64, Error> {
        let n = with_db!(self, pool => sqlx::query(
            "UPDATE account_mail SET link = NULL,
                 state = CASE WHEN state IN ('pending', 'failed') THEN 'dead' ELSE state END,
                 last_error = CASE WHEN state IN ('pending', 'failed')
                     THEN 'the link expired before it could be sent' ELSE last_error END
             WHERE link IS NOT NULL AND expires_at <= $1 AND state <> 'claimed'",
        )
        .bind(micros(now))
        .execute(pool)
        .await?
        .rows_affected());
        Ok(n)
    }

    /// Claims up to `limit` account messages due by `due_by` (or whose
    /// lease ran out by `clock`) for the claim `token` until `lease_until`.
    pub(crate) async fn claim_account_mail(
        &self,
        due_by: Timestamp,
        clock: Timestamp,
        limit: i64,
        lease: (&str, Timestamp),
    ) -> Result<Vec<AccountMail>, Error> {
        let postgres = self.kind() == "postgres";
        with_db!(self, pool => {
            let mut tx = pool.begin_write().await?;
            super::outbox::claim_queue!(
                pool, tx, postgres, "account_mail", "person_id", lease, due_by, clock, None, limit,
                format!("SELECT {COLUMNS} FROM account_mail a JOIN people p ON p.id = a.person_id"),
                "a.id", row
            )
        })
    }

    /// Records how delivering account message `id` ended, while the claim
    /// `token` holds it; a sent or dead message's link is scrubbed in the
    /// same statement. True when recorded.
    pub(crate) async fn finish_account_mail(
        &self,
        id: i64,
        token: &str,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let super::outbox::Recorded {
            state,
            next_attempt_at: next,
            error,
            sent_at: sent,
        } = delivery.recorded(now);
        let n = with_db!(self, pool => sqlx::query(
            "UPDATE account_mail SET state = $1, attempts = attempts + 1,
                 next_attempt_at = COALESCE($2, next_attempt_at), last_error = COALESCE($3, last_error),
                 sent_at = $4, lease_until = NULL, claim_token = NULL,
                 link = CASE WHEN $1 = 'failed' THEN link ELSE NULL END
             WHERE id = $5 AND state = 'claimed' AND claim_token = $6",
        )
        .bind(state)
        .bind(next)
        .bind(error)
        .bind(sent)
        .bind(id)
        .bind(token)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// When the next account message is due, if any.
    pub(crate) async fn next_account_mail_due(&self) -> Result<Option<Timestamp>, Error> {
        let due: Option<i64> = with_db!(self, pool => sqlx::query(
            "SELECT MIN(next_attempt_at) AS due FROM account_mail WHERE state IN ('pending', 'failed')",
        )
        .fetch_one(pool)
        .await?
        .opt_int("due")?);
        due.map(instant).transpose()
    }
}
