//! API tokens: a person's bearer tokens for the JSON API under `/api`.
//!
//! A token is `gft_` and 32 random bytes in base64url (256 bits: never
//! guessed); it is shown once, when made, and only its SHA-256 is stored,
//! so a copy of the database calls the API as nobody. Each has a scope
//! ([`Scope::Read`] or [`Scope::ReadWrite`]), an optional expiry, and may
//! be revoked. A request with a token that is malformed, unknown, expired
//! or revoked is refused alike (`token-invalid`), and counted per client
//! address in the database like sign-in attempts: past the limit the
//! address is told to wait (`too-many-attempts`). A valid token is never
//! refused for another client's guesses at its address.

use std::net::IpAddr;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use super::accounts::Attempt;
use super::{Engine, Error, Person, Viewer, input};
use crate::audit::to_hex;
use crate::reason::{Arg, Reason};
use crate::store::TokenRow;

/// What every token begins with, so that a leaked one is recognised (by a
/// secret scanner, or a person reading a log).
pub const TOKEN_PREFIX: &str = "gft_";

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// Characters of a token: the prefix and 32 bytes in unpadded base64url.
pub const TOKEN_LENGTH: usize = TOKEN_PREFIX.len() + 43;

/// How often a token's `last_used_at` is written: at most once in this
/// while, so a read through the API does not write on every request.
pub const LAST_USED_EVERY: SignedDuration = SignedDuration::from_mins(60);

/// Longest life a token may be given: ten years.
pub const MAX_TOKEN_LIFE: SignedDuration = SignedDuration::from_hours(24 * 3653);

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// Read only: every write through the API is refused (`token-read-only`).
    #[serde(rename = "read")]
    Read,
    /// Read and act, as its person may on the pages.
    #[serde(rename = "read-write")]
    ReadWrite,
}

impl Scope {
    /// As stored and written on the command line: `read` or `read-write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::ReadWrite => "read-write",
        }
    }

    /// Reads `read` or `read-write`.
    pub fn parse(text: &str) -> Result<Scope, Error> {
        match text {
            "read" => Ok(Scope::Read),
            "read-write" => Ok(Scope::ReadWrite),
            other => Err(Error::Invalid(Reason::new(
                "token-scope",
                vec![("scope", Arg::Text(other.chars().take(40).collect()))],
            ))),
        }
    }

    /// Whether a token of this scope may write.
    pub fn may_write(self) -> bool {
        self == Scope::ReadWrite
    }
}

/// A token just made: the token itself is in nobody's hands but the caller's.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Its id (to list or revoke it).
    pub id: i64,
    /// The token, shown once: never stored, never logged.
    pub token: String,
    /// Whose it is.
    pub person: Person,
    /// Its scope.
    pub scope: Scope,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

/// A token as listed: everything but the token itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiToken {
    /// Its id.
    pub id: i64,
    /// What its owner called it.
    pub name: String,
    /// Its scope.
    pub scope: Scope,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// When it last authenticated a request (to the hour).
    pub last_used_at: Option<Timestamp>,
}

impl ApiToken {
    fn from_row(row: TokenRow) -> Result<ApiToken, Error> {
        Ok(ApiToken {
            id: row.id,
            name: row.name,
            scope: Scope::parse(&row.scope).map_err(|_| {
                Error::internal(format!("api token {} has scope {:?}", row.id, row.scope))
            })?,
            created_at: row.created_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
            last_used_at: row.last_used_at,
        })
    }

    /// Whether it works at `now`: not revoked, not expired.
    pub fn live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| at > now)
    }
}

/// A new random token.
fn new_token() -> String {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Whether `text` is shaped like a token (prefix, length, base64url
/// characters): anything else is refused without asking the database.
pub fn well_formed(text: &str) -> bool {
    text.len() == TOKEN_LENGTH
        && text.starts_with(TOKEN_PREFIX)
        && text[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What is stored of a token: its SHA-256 in hex (tokens are compared by
/// this hash, in the database's index, never as text).
pub fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// The refusal of a token that is malformed, unknown, expired or revoked:
/// the same for each, so a caller learns nothing about which.
fn invalid() -> Error {
    Error::Forbidden(Reason::new("token-invalid", vec![]))
}

impl Engine {
    /// Makes an API token for the person registered as `email`, called
    /// `name`, with `scope`, working until `expires_at` (never, when
    /// `None`; at most [`MAX_TOKEN_LIFE`] from `now`). The token is in the
    /// answer only: it cannot be shown again.
    pub async fn create_token(
        &self,
        email: &str,
        name: &str,
        scope: Scope,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<NewToken, Error> {
        let email = input::email(email)?;
        let name = input::line("name", name)?;
        if let Some(at) = expires_at {
            let latest = now.checked_add(MAX_TOKEN_LIFE).map_err(Error::internal)?;
            if at <= now || at > latest {
                return Err(Error::Invalid(Reason::new(
                    "token-expiry",
                    vec![("days", Arg::int(MAX_TOKEN_LIFE.as_hours() / 24))],
                )));
            }
        }
        let person = self.store.person(&email).await?;
        let token = new_token();
        let id = self
            .store
            .insert_api_token(
                person.id,
                &name,
                scope.as_str(),
                &token_hash(&token),
                now,
                expires_at,
            )
            .await?;
        Ok(NewToken {
            id,
            token,
            person,
            scope,
            expires_at,
        })
    }

    /// The tokens of the person registered as `email`, oldest first (live,
    /// expired and revoked alike; never the tokens themselves).
    pub async fn tokens(&self, email: &str) -> Result<(Person, Vec<ApiToken>), Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let tokens = self
            .store
            .api_tokens(person.id)
            .await?
            .into_iter()
            .map(ApiToken::from_row)
            .collect::<Result<_, _>>()?;
        Ok((person, tokens))
    }

    /// Revokes token `id` at `now`: it stops working at once, on every
    /// server. Revoking it again changes nothing. Unknown: kind NotFound.
    pub async fn revoke_token(&self, id: i64, now: Timestamp) -> Result<ApiToken, Error> {
        if !self.store.revoke_api_token(id, now).await? {
            return Err(Error::NotFound(Reason::new(
                "token-unknown",
                vec![("id", Arg::int(id))],
            )));
        }
        let row = self.store.api_token(id).await?.ok_or_else(|| {
            Error::NotFound(Reason::new("token-unknown", vec![("id", Arg::int(id))]))
        })?;
        ApiToken::from_row(row)
    }

    /// Who `token` acts as, and its scope, at `now`. A malformed, unknown,
    /// expired or revoked token (or one whose person is disabled) is
    /// refused alike: kind Forbidden, code `token-invalid`.
    pub async fn viewer_by_token(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Result<(Viewer, Scope), Error> {
        if !well_formed(token) {
            return Err(invalid());
        }
        let Some(row) = self.store.live_api_token(&token_hash(token), now).await? else {
            return Err(invalid());
        };
        let scope = Scope::parse(&row.scope).map_err(|_| invalid())?;
        self.store.token_used(row.id, now, LAST_USED_EVERY).await?;
        Ok((self.viewer(row.person_id).await?, scope))
    }

    /// Like [`Engine::viewer_by_token`] for a request from `address`: a
    /// refused token counts an attempt for the address (in the database,
    /// so every server counts together); past
    /// [`ATTEMPTS_PER_ADDRESS`](super::ATTEMPTS_PER_ADDRESS) in a window
    /// the refusal is kind TooMany (`too-many-attempts`) instead.
    pub async fn viewer_by_token_from(
        &self,
        token: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(Viewer, Scope), Error> {
        match self.viewer_by_token(token, now).await {
            Err(e) if e.reason().code == "token-invalid" => {
                self.count_attempt(Attempt::ApiToken, None, address, now)
                    .await?;
                Err(e)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_is_well_formed_and_unique() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), TOKEN_LENGTH);
        assert!(well_formed(&a) && well_formed(&b), "{a}");
    }

    #[test]
    fn malformed_tokens_are_recognised() {
        let good = new_token();
        for bad in [
            String::new(),
            "gft_".to_owned(),
            good[..good.len() - 1].to_owned(),
            format!("{good}A"),
            good.replacen("gft_", "gfx_", 1),
            format!("gft_{}", "+".repeat(43)),
            format!("gft_{}", "é".repeat(21)),
            good.to_uppercase(),
        ] {
            assert!(!well_formed(&bad), "{bad:?}");
        }
    }

    #[test]
    fn the_stored_hash_is_the_sha256_of_the_token() {
        // echo -n gft_test | sha256sum
        assert_eq!(
            token_hash("gft_test"),
            "4d865fc41cb3fcc6cbb6ff793c45afcaad3713405dc6294837f6db9a0766e7f0"
        );
        assert_eq!(token_hash("gft_test").len(), 64);
        assert_ne!(token_hash("gft_a"), token_hash("gft_b"));
    }

    #[test]
    fn scopes_read_and_write_as_written() {
        assert_eq!(Scope::parse("read").unwrap(), Scope::Read);
        assert_eq!(Scope::parse("read-write").unwrap(), Scope::ReadWrite);
        assert!(Scope::parse("write").is_err());
        assert!(Scope::parse("READ").is_err());
        assert!(!Scope::Read.may_write() && Scope::ReadWrite.may_write());
        assert_eq!(
            serde_json::to_string(&Scope::ReadWrite).unwrap(),
            "\"read-write\""
        );
    }
}
