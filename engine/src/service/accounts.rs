//! Accounts: passwords (Argon2id), sign-in and sessions, each person's language.
//!
//! A session is a random 128-bit token that the browser keeps; only its
//! SHA-256 is stored, so a copy of the database signs nobody in. Sign-in
//! behaves the same for an unknown email as for a wrong password: the same
//! message, and a hash is verified either way so the time taken tells nothing.
//!
//! Guessing is bounded twice. Every attempt is counted (per email and per
//! client address, in the database, so every server of an installation
//! counts together) *before* its password is checked: a burst of parallel
//! guesses cannot pass the limit, and past it no hash is computed. And
//! Argon2 itself (19 MiB and a core for each hash) runs in a small pool,
//! [`PasswordWork`]: the rest wait briefly, then are told the server is busy.

use crate::reason::{Arg, Reason};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

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

/// How long attempts are counted: a window opens with the first attempt of
/// a key and its count is forgotten when it ends.
pub const ATTEMPT_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// Attempts one email may make in a window: at most this many wrong
/// passwords are checked (a right password takes its attempt back).
pub const ATTEMPTS_PER_EMAIL: i64 = 5;

/// Attempts one client address may make in a window (several people may
/// share an office's address; successful ones are taken back).
pub const ATTEMPTS_PER_ADDRESS: i64 = 30;

/// What an attempt tries; each is counted apart from the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Signing in, or proving one's current password to change it.
    SignIn,
    /// Asking for a password reset link (each request counts).
    ResetRequest,
    /// Using a reset link (only addresses count: a link names nobody).
    ResetLink,
    /// Checking a certificate code that names nothing (only addresses count).
    Verify,
    /// Calling the API with a token that is malformed, unknown, expired or
    /// revoked (only addresses count).
    ApiToken,
}

impl Attempt {
    fn prefix(self) -> &'static str {
        match self {
            Attempt::SignIn => "signin",
            Attempt::ResetRequest => "reset",
            Attempt::ResetLink => "link",
            Attempt::Verify => "verify",
            Attempt::ApiToken => "token",
        }
    }
}

/// The refusal of a try past its limit: wait out the window.
fn too_many() -> Error {
    Error::TooMany(Reason::new(
        "too-many-attempts",
        vec![("minutes", Arg::int(ATTEMPT_WINDOW.as_mins()))],
    ))
}

/// Attempts counted for one try, to take back if it succeeds.
#[derive(Debug)]
struct Counted {
    email: Option<String>,
    address: Option<String>,
}

/// Argon2 hashes computed at once, by default: one per core. Each takes 19
/// MiB and a core for tens of milliseconds; two hundred at once took 874 MiB.
pub fn default_password_work() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// How long a password check waits for a place in the pool, by default,
/// before the server answers that it is busy.
pub const PASSWORD_WAIT: Duration = Duration::from_secs(3);

/// The pool password hashing runs in: at most `permits` hashes at once, the
/// rest waiting up to `wait` for a place (then kind Busy: retry shortly).
#[derive(Debug)]
pub struct PasswordWork {
    /// Places; a place moves into the blocking task, so a request that is
    /// abandoned mid-hash still holds it until the hash ends.
    permits: Arc<tokio::sync::Semaphore>,
    wait: Duration,
    /// Hashes running now, and the most that ever ran at once (what the
    /// pool promises, and what a test or an operator checks).
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl PasswordWork {
    /// A pool of `at_once` places (at least one), waiting `wait` for one.
    pub fn new(at_once: usize, wait: Duration) -> PasswordWork {
        PasswordWork {
            permits: Arc::new(tokio::sync::Semaphore::new(at_once.max(1))),
            wait,
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `work` (a hash) on a blocking thread once a place is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let permit =
            match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => {
                    return Err(Error::Busy(Reason::new("passwords-busy", vec![])));
                }
            };
        let (running, peak) = (self.running.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            out
        })
        .await
        .map_err(Error::internal)
    }
}

impl Default for PasswordWork {
    fn default() -> Self {
        PasswordWork::new(default_password_work(), PASSWORD_WAIT)
    }
}

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

impl Engine {
    /// Queues a password reset link for the person registered as `email`:
    /// a new token (only its SHA-256 is stored) and the mail carrying the
    /// link `{public_url}/reset/new?token=...`, in ONE transaction, for the
    /// worker to deliver; a stop after this returns loses nothing. Nothing
    /// is queued (false) when nobody is registered as `email`, or they have
    /// no account (no password: only `gradflow user add` makes one, and a
    /// link must not). The caller answers the same either way, so that
    /// nobody learns who has an account. The mail is written in the
    /// person's language, else in `page_language` (the page they asked from).
    ///
    /// The link is a secret: the queued row holds it only until it is sent,
    /// given up on or expired (see `docs/OPERATIONS.md`, "Mail").
    pub async fn queue_password_reset(
        &self,
        email: &str,
        public_url: &str,
        page_language: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let Ok(email) = input::email(email) else {
            return Ok(false);
        };
        let Some(credentials) = self.store.credentials(&email).await? else {
            return Ok(false);
        };
        if credentials.password_hash.is_none() {
            return Ok(false);
        }
        let token = to_hex(&rand::random::<[u8; 32]>());
        let expires = now.checked_add(RESET_LIFETIME).map_err(Error::internal)?;
        let link = format!(
            "{}/reset/new?token={token}",
            public_url.trim_end_matches('/')
        );
        let message_id = format!("reset-{}", to_hex(&rand::random::<[u8; 16]>()));
        self.store
            .queue_password_reset(
                &token_hash(&token),
                credentials.person,
                &link,
                page_language,
                &message_id,
                (now, expires),
            )
            .await?;
        Ok(true)
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
        let hash = self.hash_password(password).await?;
        match self
            .store
            .use_password_reset(&token_hash(token), &hash, now)
            .await?
        {
            Some(person) => Ok(self.store.person_by_id(person).await?),
            None => Err(Error::NotFound(Reason::new("reset-link-used", vec![]))),
        }
    }

    /// Sets the password of the person registered as `email` (and signs them
    /// out everywhere). The password itself is never stored or logged.
    pub async fn set_password(&self, email: &str, password: &str) -> Result<(), Error> {
        let email = input::email(email)?;
        check_password(password)?;
        let person = self.store.person(&email).await?;
        let hash = self.hash_password(password).await?;
        Ok(self.store.set_password_hash(person.id, &hash).await?)
    }

    /// Like [`Engine::reset_password`], for a link used from `address`:
    /// each use is counted per address before any hashing, and refused
    /// (kind TooMany) past [`ATTEMPTS_PER_ADDRESS`] in a window.
    pub async fn reset_password_from(
        &self,
        token: &str,
        password: &str,
        address: IpAddr,
        now: Timestamp,
    ) -> Result<Person, Error> {
        check_password(password)?;
        let counted = self
            .count(Attempt::ResetLink, None, Some(address), now)
            .await?;
        let person = self.reset_password(token, password, now).await?;
        self.forgive(counted).await?;
        Ok(person)
    }

    /// Changes `viewer`'s own password: `current` must be right (checked
    /// like a sign-in from `address`, and counted with them), `new` must
    /// follow the rules. Every other browser is signed out, as are reset
    /// links; the new session returned is for the browser that changed it.
    pub async fn change_password(
        &self,
        viewer: &Viewer,
        current: &str,
        new: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<NewSession, Error> {
        check_password(new)?;
        let email = viewer.person.email.as_str();
        let counted = self
            .count(Attempt::SignIn, Some(email), address, now)
            .await?;
        let stored = self
            .store
            .credentials(email)
            .await?
            .and_then(|c| c.password_hash);
        if !self.verify(current, stored).await? {
            return Err(Error::Forbidden(Reason::new("password-wrong", vec![])));
        }
        self.forgive(counted).await?;
        let hash = self.hash_password(new).await?;
        let token = to_hex(&rand::random::<[u8; 16]>());
        let expires = now.checked_add(SESSION_LIFETIME).map_err(Error::internal)?;
        self.store
            .change_password_hash(viewer.person.id, &hash, &token_hash(&token), now, expires)
            .await?;
        Ok(NewSession { token, expires })
    }

    /// Counts an attempt at `what` by `email` and from `address` (either
    /// may be absent) before any password is checked. Refused (kind
    /// TooMany, nothing else done) when either is past its limit in the
    /// current [`ATTEMPT_WINDOW`]; the attempt still counts.
    pub async fn count_attempt(
        &self,
        what: Attempt,
        email: Option<&str>,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), Error> {
        self.count(what, email, address, now).await.map(|_| ())
    }

    /// Refuses (kind TooMany) when `address` has used up its attempts at
    /// `what` in the current window, counting nothing: for a try that
    /// costs no attempt when it succeeds (a certificate check that finds
    /// its certificate) yet must not be answered past the limit.
    pub(super) async fn within_limit(
        &self,
        what: Attempt,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(), Error> {
        let Some(address) = address else {
            return Ok(());
        };
        let key = format!("{}:address:{address}", what.prefix());
        let expired = now.checked_sub(ATTEMPT_WINDOW).map_err(Error::internal)?;
        if self.store.attempts_of(&key, expired).await? >= ATTEMPTS_PER_ADDRESS {
            return Err(too_many());
        }
        Ok(())
    }

    async fn count(
        &self,
        what: Attempt,
        email: Option<&str>,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Counted, Error> {
        let counted = Counted {
            email: email.map(|e| format!("{}:email:{}", what.prefix(), email_key(e))),
            address: address.map(|a| format!("{}:address:{a}", what.prefix())),
        };
        let keys: Vec<String> = counted
            .email
            .iter()
            .chain(counted.address.iter())
            .cloned()
            .collect();
        if keys.is_empty() {
            return Ok(counted);
        }
        let expired = now.checked_sub(ATTEMPT_WINDOW).map_err(Error::internal)?;
        let counts = self.store.count_attempts(&keys, now, expired).await?;
        let limits = counted
            .email
            .iter()
            .map(|_| ATTEMPTS_PER_EMAIL)
            .chain(counted.address.iter().map(|_| ATTEMPTS_PER_ADDRESS));
        if counts.iter().zip(limits).any(|(n, limit)| *n > limit) {
            return Err(too_many());
        }
        Ok(counted)
    }

    /// Takes back the attempt of a try that succeeded: its email and its
    /// address count one less. (Earlier failures still count until their
    /// window ends, so a right password never buys a guesser more tries.)
    async fn forgive(&self, counted: Counted) -> Result<(), Error> {
        let keys: Vec<String> = counted.email.into_iter().chain(counted.address).collect();
        Ok(self.store.forgive_attempts(&keys).await?)
    }

    /// Whether `password` matches `stored`, in the pool; without a stored
    /// hash, a decoy one is verified anyway so that the time tells nothing.
    async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool, Error> {
        let password = password.as_bytes().to_vec();
        self.passwords
            .run(move || {
                let hash = stored.as_deref().unwrap_or(DECOY_HASH);
                let ok = PasswordHash::new(hash)
                    .is_ok_and(|h| Argon2::default().verify_password(&password, &h).is_ok());
                ok && stored.is_some()
            })
            .await
    }

    /// The Argon2id hash of `password` as a PHC string, computed in the pool.
    async fn hash_password(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.passwords
            .run(move || {
                Argon2::default()
                    .hash_password(password.as_bytes())
                    .map(|h| h.to_string())
            })
            .await?
            .map_err(Error::internal)
    }

    /// The most password hashes that ran at once since the engine opened
    /// (never more than its pool allows).
    pub fn password_work_peak(&self) -> usize {
        self.passwords.peak.load(Ordering::SeqCst)
    }

    /// Checks `email` and `password` and opens a session. An unknown email,
    /// a person without a password and a wrong password are refused alike
    /// (kind Forbidden, the same message). The attempt is counted for the
    /// email first (see [`Engine::sign_in_from`]).
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
    ) -> Result<(Viewer, NewSession), Error> {
        self.sign_in_counted(email, password, None, now).await
    }

    /// Like [`Engine::sign_in`] from client `address`: the attempt is
    /// counted per email and per address before the password is checked,
    /// and refused (kind TooMany, no hash computed) past
    /// [`ATTEMPTS_PER_EMAIL`] or [`ATTEMPTS_PER_ADDRESS`] in a window. A
    /// right password takes its attempt back.
    pub async fn sign_in_from(
        &self,
        email: &str,
        password: &str,
        address: IpAddr,
        now: Timestamp,
    ) -> Result<(Viewer, NewSession), Error> {
        self.sign_in_counted(email, password, Some(address), now)
            .await
    }

    async fn sign_in_counted(
        &self,
        email: &str,
        password: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<(Viewer, NewSession), Error> {
        let refused = || Error::Forbidden(Reason::new("sign-in-refused", vec![]));
        let counted = self
            .count(Attempt::SignIn, Some(email), address, now)
            .await?;
        let credentials = match input::email(email) {
            Ok(email) => self.store.credentials(&email).await?,
            Err(_) => None,
        };
        let (person, stored) = match credentials {
            Some(c) => (Some(c.person), c.password_hash),
            None => (None, None),
        };
        let matches = self.verify(password, stored).await?;
        let Some(person) = person.filter(|_| matches) else {
            return Err(refused());
        };
        self.forgive(counted).await?;
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
    pub(super) async fn viewer(&self, person: i64) -> Result<Viewer, Error> {
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
        return Err(Error::Invalid(Reason::new(
            "password-too-short",
            vec![
                ("min", Arg::count(MIN_PASSWORD)),
                ("length", Arg::count(length)),
            ],
        )));
    }
    if password.len() > MAX_PASSWORD {
        return Err(Error::Invalid(Reason::new(
            "password-too-long",
            vec![("max", Arg::count(MAX_PASSWORD))],
        )));
    }
    Ok(())
}

/// The key an email is counted under: lower case, and no longer than an
/// email can be (254 bytes), so that posting huge "emails" cannot fill the
/// table.
fn email_key(email: &str) -> String {
    let email = email.trim();
    let mut end = email.len().min(254);
    while !email.is_char_boundary(end) {
        end -= 1;
    }
    email[..end].to_lowercase()
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
    fn a_huge_email_is_counted_under_a_short_key() {
        let huge = "É".repeat(100_000);
        let key = email_key(&huge);
        assert!(key.len() <= 254 && key.chars().all(|c| c == 'é'));
    }

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
