//! Accounts: passwords (Argon2id), sign-in and sessions, each person's language.
//!
//! A session is a random 128-bit token that the browser keeps; only its
//! SHA-256 is stored, so a copy of the database signs nobody in. Sign-in
//! behaves the same for an unknown email as for a wrong password: the same
//! message, and a hash is verified either way so the time taken tells nothing.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use super::{Engine, Error, Person, input};
use crate::audit::to_hex;

/// How long a session lasts after signing in.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

/// How long a password reset link works after it is sent.
pub const RESET_LIFETIME: SignedDuration = SignedDuration::from_mins(60);

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD: usize = 10;

/// Longest password accepted, in bytes (hashing is costly; a megabyte is an attack).
pub const MAX_PASSWORD: usize = 1024;

/// The languages pages and mail are written in: the definitions' list.
pub use crate::definition::LANGUAGES;

/// The message for any failed sign-in, whichever part was wrong.
const SIGN_IN_REFUSED: &str = "the email or the password is not right";

/// Someone signed in: who they are and the language they chose, if any.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The person.
    pub person: Person,
    /// `en` or `ar` when they chose one in their profile.
    pub language: Option<String>,
}

/// A new session: the token to hand to the browser (never stored or logged).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The secret token for the cookie: 128 random bits in hex.
    pub token: String,
    /// When it stops working.
    pub expires: Timestamp,
}

/// A password reset link to mail to its person: the token goes into the
/// link and nowhere else (never stored or logged).
#[derive(Debug, Clone)]
pub struct ResetLink {
    /// Whose password it resets.
    pub person: Person,
    /// The language they chose, if any.
    pub language: Option<String>,
    /// The secret token for the link: 256 random bits in hex.
    pub token: String,
    /// When it stops working.
    pub expires: Timestamp,
}

impl Engine {
    /// A new password reset link for the person registered as `email`, or
    /// `None` when nobody is, or when they have no account (no password:
    /// only `gradflow user add` makes one, and a link must not). The caller
    /// answers the same either way, so that nobody learns who has an account.
    pub async fn request_password_reset(
        &self,
        email: &str,
        now: Timestamp,
    ) -> Result<Option<ResetLink>, Error> {
        let Ok(email) = input::email(email) else {
            return Ok(None);
        };
        let Some(credentials) = self.store.credentials(&email).await? else {
            return Ok(None);
        };
        if credentials.password_hash.is_none() {
            return Ok(None);
        }
        let token = to_hex(&rand::random::<[u8; 32]>());
        let expires = now.checked_add(RESET_LIFETIME).map_err(Error::internal)?;
        self.store
            .create_password_reset(&token_hash(&token), credentials.person, now, expires)
            .await?;
        let viewer = self.viewer(credentials.person).await?;
        Ok(Some(ResetLink {
            person: viewer.person,
            language: viewer.language,
            token,
            expires,
        }))
    }

    /// Sets a new password with the reset link `token`, which then stops
    /// working (as do the person's other links and sessions). A password
    /// that breaks the rules is refused (kind Invalid); an unknown, used or
    /// expired link too (kind NotFound); either changes nothing.
    pub async fn reset_password(
        &self,
        token: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<Person, Error> {
        check_password(password)?;
        let hash = hash_password(password).await?;
        match self
            .store
            .use_password_reset(&token_hash(token), &hash, now)
            .await?
        {
            Some(person) => Ok(self.store.person_by_id(person).await?),
            None => Err(Error::NotFound(
                "this password reset link has expired or was already used; ask for a new one"
                    .into(),
            )),
        }
    }

    /// Sets the password of the person registered as `email` (and signs them
    /// out everywhere). The password itself is never stored or logged.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<(), Error> {
        let email = input::email(email)?;
        check_password(password)?;
        let person = self.store.person(&email).await?;
        let hash = hash_password(password).await?;
        Ok(self.store.set_password_hash(person.id, &hash).await?)
    }

    /// Checks `email` and `password` and opens a session. An unknown email,
    /// a person without a password and a wrong password are refused alike
    /// (kind Forbidden, the same message).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(Viewer, NewSession), Error> {
        let refused = || Error::Forbidden(SIGN_IN_REFUSED.into());
        let credentials = match input::email(email) {
            Ok(email) => self.store.credentials(&email).await?,
            Err(_) => None,
        };
        let (person, stored) = match credentials {
            Some(c) => (Some(c.person), c.password_hash),
            None => (None, None),
        };
        let password = password.as_bytes().to_vec();
        let matches = tokio::task::spawn_blocking(move || {
            // Without a stored hash, verify against a fixed one anyway, so
            // an unknown email takes as long as a wrong password.
            let hash = stored.as_deref().unwrap_or(DECOY_HASH);
            let ok = PasswordHash::new(hash)
                .is_ok_and(|h| Argon2::default().verify_password(&password, &h).is_ok());
            ok && stored.is_some()
        })
        .await
        .map_err(Error::internal)?;
        let Some(person) = person.filter(|_| matches) else {
            return Err(refused());
        };
        let token = to_hex(&rand::random::<[u8; 16]>());
        let expires = now.checked_add(SESSION_LIFETIME).map_err(Error::internal)?;
        self.store
            .create_session(&token_hash(&token), person, now, expires)
            .await?;
        let viewer = self.viewer(person).await?;
        Ok((viewer, NewSession { token, expires }))
    }

    /// Who holds the session `token`, if it is known and unexpired.
    pub async fn session(&self, token: &str, now: Timestamp) -> Result<Option<Viewer>, Error> {
        match self.store.session(&token_hash(token), now).await? {
            Some(person) => Ok(Some(self.viewer(person).await?)),
            None => Ok(None),
        }
    }

    /// Ends the session `token` (signing out); unknown tokens are ignored.
    pub async fn end_session(&self, token: &str) -> Result<(), Error> {
        Ok(self.store.end_session(&token_hash(token)).await?)
    }

    /// Sets the language `viewer` reads pages and mail in: one of [`LANGUAGES`].
    pub async fn set_language(&self, viewer: &Viewer, language: &str) -> Result<(), Error> {
        let language = input::language(language)?;
        Ok(self.store.set_language(viewer.person.id, language).await?)
    }

    /// Sets the language the person registered as `email` reads pages and
    /// mail in (one of [`LANGUAGES`]), for staff setting it for someone who
    /// has not signed in; gives the person and the language's code.
    pub async fn set_person_language(
        &self,
        email: &str,
        language: &str,
    ) -> Result<(Person, &'static str), Error> {
        let language = input::language(language)?;
        let person = self.store.person(&input::email(email)?).await?;
        self.store.set_language(person.id, language).await?;
        Ok((person, language))
    }

    /// The viewer with person id `person`.
    async fn viewer(&self, person: i64) -> Result<Viewer, Error> {
        let language = self.store.language(person).await?;
        Ok(Viewer {
            person: self.store.person_by_id(person).await?,
            language,
        })
    }
}

/// Whether `password` may be used: [`MIN_PASSWORD`] characters at least,
/// [`MAX_PASSWORD`] bytes at most.
pub fn check_password(password: &str) -> Result<(), Error> {
    let length = password.chars().count();
    if length < MIN_PASSWORD {
        return Err(Error::Invalid(format!(
            "a password needs at least {MIN_PASSWORD} characters; this one has {length}"
        )));
    }
    if password.len() > MAX_PASSWORD {
        return Err(Error::Invalid(format!(
            "a password may have at most {MAX_PASSWORD} bytes"
        )));
    }
    Ok(())
}

/// The Argon2id hash of `password` as a PHC string, computed off the async threads.
async fn hash_password(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)
}

/// What is stored of a session or reset token: its SHA-256, in hex.
fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// An Argon2id hash (of a random password nobody knows), verified when the
/// email is unknown so that sign-in takes the same time either way.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$HTKhXYAtT0n1UQH1T3sqK1jfwIgMu7NYx5tYV0hoyTc";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_hash_parses_with_the_default_parameters() {
        let hash = PasswordHash::new(DECOY_HASH).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"not the password", &hash)
                .is_err()
        );
        let fresh = Argon2::default().hash_password(b"x").expect("hashes");
        assert_eq!(
            fresh.to_string().split('$').nth(3),
            DECOY_HASH.split('$').nth(3),
            "same cost as a real hash"
        );
    }
}
