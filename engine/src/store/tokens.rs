//! API tokens: a person's bearer tokens for the JSON API, found by the
//! SHA-256 of the token (the token itself is never stored), each with a
//! scope, an expiry, a revocation and when it was last used.

use jiff::Timestamp;

use super::{Columns, Error, Store, instant, micros, with_db};

/// An API token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Its id (what `gradflow user token revoke` names).
    pub id: i64,
    /// The person it acts as.
    pub person_id: i64,
    /// What its owner called it (which system holds it).
    pub name: String,
    /// `read` or `read-write`.
    pub scope: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it last authenticated a request (to the hour: see
    /// [`Store::token_used`]).
    pub last_used_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "id, person_id, name, scope, created_at, expires_at, revoked_at, last_used_at";

fn row<R: Columns>(r: &R) -> Result<TokenRow, Error> {
    Ok(TokenRow {
        id: r.int("id")?,
        person_id: r.int("person_id")?,
        name: r.text("name")?,
        scope: r.text("scope")?,
        created_at: instant(r.int("created_at")?)?,
        expires_at: r.opt_int("expires_at")?.map(instant).transpose()?,
        revoked_at: r.opt_int("revoked_at")?.map(instant).transpose()?,
        last_used_at: r.opt_int("last_used_at")?.map(instant).transpose()?,
    })
}

impl Store {
    /// Stores a new token of `person` by its hash; its id.
    pub(crate) async fn insert_api_token(
        &self,
        person: i64,
        name: &str,
        scope: &str,
        token_hash: &str,
        now: Timestamp,
        expires: Option<Timestamp>,
    ) -> Result<i64, Error> {
        let id = with_db!(self, pool => sqlx::query(
            "INSERT INTO api_tokens (person_id, name, scope, token_hash, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(person)
        .bind(name)
        .bind(scope)
        .bind(token_hash)
        .bind(micros(now))
        .bind(expires.map(micros))
        .fetch_one(pool)
        .await
        .map_err(Error::from)
        .and_then(|r| r.int("id")))?;
        Ok(id)
    }

    /// The tokens of `person`, oldest first.
    pub(crate) async fn api_tokens(&self, person: i64) -> Result<Vec<TokenRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE person_id = $1 ORDER BY id");
        with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(person)
            .fetch_all(pool)
            .await?
            .iter()
            .map(row)
            .collect())
    }

    /// The token with id `id`, if there is one.
    pub(crate) async fn api_token(&self, id: i64) -> Result<Option<TokenRow>, Error> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
        let found = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(row));
        found.transpose()
    }

    /// Revokes token `id` at `now` (a token revoked before keeps its
    /// first revocation); whether such a token exists.
    pub(crate) async fn revoke_api_token(&self, id: i64, now: Timestamp) -> Result<bool, Error> {
        let done = with_db!(self, pool => sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
        )
        .bind(micros(now))
        .bind(id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(done == 1)
    }

    /// The live token with this hash at `now`: neither revoked nor
    /// expired, its person not disabled.
    pub(crate) async fn live_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<TokenRow>, Error> {
        let sql = format!(
            "SELECT {} FROM api_tokens t JOIN people p ON p.id = t.person_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2) AND p.disabled_at IS NULL",
            COLUMNS
                .split(", ")
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let found = with_db!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(micros(now))
            .fetch_optional(pool)
            .await?
            .as_ref()
            .map(row));
        found.transpose()
    }

    /// Records that token `id` was used at `now`, at most once per
    /// `every` (a read through the API need not write on every request).
    pub(crate) async fn token_used(
        &self,
        id: i64,
        now: Timestamp,
        every: jiff::SignedDuration,
    ) -> Result<(), Error> {
        let before = now.checked_sub(every).unwrap_or(now);
        with_db!(self, pool => sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(micros(now))
        .bind(id)
        .bind(micros(before))
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }
}
