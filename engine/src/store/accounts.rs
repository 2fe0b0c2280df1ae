//! Accounts: password hashes, sessions, each person's language, and the
//! attempts counted against guessing (in the database, so that every server
//! of one installation counts together).
//! Sessions are found by the SHA-256 of their token; the token itself is
//! never stored.

use jiff::Timestamp;

use super::{Columns, Error, Store, micros, with_db};

/// Inside transaction `$tx`: stores `$hash` as `$person`'s password and
/// ends their sessions and reset links (a new password signs out every
/// browser that knew the old one, and a link mailed before it, perhaps to a
/// stolen mailbox, must not undo it).
macro_rules! replace_password {
    ($tx:expr, $person:expr, $hash:expr) => {{
        sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
            .bind($hash)
            .bind($person)
            .execute(&mut *$tx)
            .await?;
        for sql in [
            "DELETE FROM sessions WHERE person_id = $1",
            "DELETE FROM password_resets WHERE person_id = $1",
            // Their links are dead now: reset mail not yet sent is given
            // up on and its link forgotten (a mail being sent goes out,
            // and its link no longer works).
            "UPDATE account_mail SET link = NULL,
                 state = CASE WHEN state IN ('pending', 'failed') THEN 'dead' ELSE state END,
                 last_error = CASE WHEN state IN ('pending', 'failed')
                     THEN 'a new password ended the link before it was sent' ELSE last_error END
             WHERE person_id = $1 AND link IS NOT NULL AND state <> 'claimed'",
        ] {
            sqlx::query(sql).bind($person).execute(&mut *$tx).await?;
        }
    }};
}

/// A person as the sign-in needs them: id and stored password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The person.
    pub person: i64,
    /// Their Argon2id PHC string, if they have a password.
    pub password_hash: Option<String>,
}

/// The tables of tokens kept by their SHA-256 with an expiry.
#[derive(Debug, Clone, Copy)]
enum Tokens {
    /// Signed-in browsers. (Password reset links are written with their
    /// mail: `account_mail.rs`.)
    Sessions,
}

impl Tokens {
    fn table(self) -> &'static str {
        match self {
            Tokens::Sessions => "sessions",
        }
    }
}

impl Store {
    /// The person registered as `email` (normalised) with their password
    /// hash, if any. A disabled account has none: it is refused like a
    /// wrong password and gets no reset link.
    pub(crate) async fn credentials(&self, email: &str) -> Result<Option<Credentials>, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT id, CASE WHEN disabled_at IS NULL THEN password_hash END AS password_hash FROM people WHERE email = $1")
            .bind(email)
            .fetch_optional(pool)
            .await?
            .map(|r| Ok::<_, Error>(Credentials { person: r.int("id")?, password_hash: r.opt_text("password_hash")? })));
        row.transpose()
    }

    /// Stores `hash` as `person`'s password and ends their sessions and
    /// reset links (a new password signs out every browser that knew the
    /// old one, and a link mailed before it, perhaps to a stolen mailbox,
    /// must not undo it).
    pub(crate) async fn set_password_hash(&self, person: i64, hash: &str) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            replace_password!(tx, person, hash);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Stores `hash` as `person`'s password, ends their sessions and reset
    /// links, and opens the session `token_hash` for the browser that
    /// changed it, in one transaction: every other browser is signed out.
    pub(crate) async fn change_password_hash(
        &self,
        person: i64,
        hash: &str,
        token_hash: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            replace_password!(tx, person, hash);
            sqlx::query("INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash)
                .bind(person)
                .bind(micros(now))
                .bind(micros(expires))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Counts one attempt under each of `keys`, in one transaction, and
    /// gives each key's count in the window: a count whose window began at
    /// or before `expired` starts again at 1 from `now`. Windows that ended
    /// are forgotten on the way, so the table holds only live counts.
    pub(crate) async fn count_attempts(
        &self,
        keys: &[String],
        now: Timestamp,
        expired: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        let counts = with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            sqlx::query("DELETE FROM attempts WHERE window_start <= $1")
                .bind(micros(expired))
                .execute(&mut *tx)
                .await?;
            let mut counts = Vec::with_capacity(keys.len());
            for key in keys {
                let row = sqlx::query(
                    "INSERT INTO attempts (key, count, window_start) VALUES ($1, 1, $2)
                     ON CONFLICT (key) DO UPDATE SET count = attempts.count + 1
                     RETURNING count",
                )
                .bind(key.as_str())
                .bind(micros(now))
                .fetch_one(&mut *tx)
                .await?;
                counts.push(row.int("count")?);
            }
            tx.commit().await?;
            counts
        });
        Ok(counts)
    }

    /// How many attempts `key` has in the window that began after
    /// `expired`, counting none (0 when it has none).
    pub(crate) async fn attempts_of(&self, key: &str, expired: Timestamp) -> Result<i64, Error> {
        let count = with_db!(self, pool => sqlx::query(
            "SELECT count FROM attempts WHERE key = $1 AND window_start > $2",
        )
        .bind(key)
        .bind(micros(expired))
        .fetch_optional(pool)
        .await?
        .map(|r| r.int("count"))
        .transpose()?);
        Ok(count.unwrap_or(0))
    }

    /// Takes back an attempt that succeeded: each of `keys` counts one less.
    pub(crate) async fn forgive_attempts(&self, keys: &[String]) -> Result<(), Error> {
        with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            for key in keys {
                sqlx::query("UPDATE attempts SET count = count - 1 WHERE key = $1 AND count > 0")
                    .bind(key.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The language `person` chose (`None`: not yet).
    pub(crate) async fn language(&self, person: i64) -> Result<Option<String>, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT language FROM people WHERE id = $1")
            .bind(person)
            .fetch_optional(pool)
            .await?
            .map(|r| r.opt_text("language")));
        Ok(row.transpose()?.flatten())
    }

    /// Sets `person`'s language.
    pub(crate) async fn set_language(&self, person: i64, language: &str) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query("UPDATE people SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(person)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Records a session for `person` (and forgets expired ones, so the table
    /// does not grow without bound).
    pub(crate) async fn create_session(
        &self,
        token_hash: &str,
        person: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), Error> {
        self.insert_token(Tokens::Sessions, token_hash, person, now, expires)
            .await
    }

    /// The person of the unexpired session with this token hash.
    pub(crate) async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<i64>, Error> {
        let row = with_db!(self, pool => sqlx::query("SELECT s.person_id FROM sessions s JOIN people p ON p.id = s.person_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND p.disabled_at IS NULL")
            .bind(token_hash)
            .bind(micros(now))
            .fetch_optional(pool)
            .await?
            .map(|r| r.int("person_id")));
        row.transpose()
    }

    /// Ends the session with this token hash (signing out).
    pub(crate) async fn end_session(&self, token_hash: &str) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Stores the hash of a new token of `person` in `tokens`, removing the
    /// expired ones in the same transaction.
    async fn insert_token(
        &self,
        tokens: Tokens,
        token_hash: &str,
        person: i64,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<(), Error> {
        let table = tokens.table();
        let forget = format!("DELETE FROM {table} WHERE expires_at <= $1");
        let insert = format!(
            "INSERT INTO {table} (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
        );
        with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            sqlx::query(sqlx::AssertSqlSafe(forget.clone()))
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(token_hash)
                .bind(person)
                .bind(micros(now))
                .bind(micros(expires))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Uses the reset link with this token hash, once: if it is known and
    /// unexpired, stores `hash` as its person's password, ends their
    /// sessions and forgets all their links, in one transaction; the person.
    /// Two uses racing: the link's row is removed by exactly one of them.
    pub(crate) async fn use_password_reset(
        &self,
        token_hash: &str,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<i64>, Error> {
        let person = with_db!(self, pool => {
            let mut tx = super::Begin::begin_write(pool).await?;
            let row = sqlx::query("DELETE FROM password_resets WHERE token_hash = $1 RETURNING person_id, expires_at")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            let person = match row {
                Some(r) if r.int("expires_at")? > micros(now) => Some(r.int("person_id")?),
                _ => None,
            };
            if let Some(person) = person {
                replace_password!(tx, person, hash);
            }
            tx.commit().await?;
            person
        });
        Ok(person)
    }
}
