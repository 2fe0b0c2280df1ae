//! The engine service: the one way anything is read or written. The CLI, and
//! later the web server and the workers, all come through here, so rules and
//! authorization live in one place.
//!
//! # Layout
//! - [`commands`](Engine::act): start projects, give roles, run commands (load, decide, commit).
//! - `directory`: publish definitions; people, programs and cohorts.
//! - `audit`: `audit verify`, the chain and a replay of every project.
//! - `backup`: what `gradflow backup` and `restore` read: a consistent copy or snapshot and its facts.
//! - `scheduler`: fire the timers that are due, as the engine itself.
//! - `versions`: the workflow version a cohort is pinned to; moving running
//!   projects to another version (`workflow migrate`).
//! - [`mail`]: claim due messages with their templates and variables; record deliveries.
//! - `accounts`: passwords (Argon2id), sign-in, sessions, each person's language.
//! - `read`: the read policy: what a signed-in [`Viewer`] may see.
//! - `evidence`: who may add evidence files and when, each person's quota,
//!   and a file as an event in the project's log.
//! - `people`: people's data: export, correct, disable, erase, retention, the admin log.
//! - [`input`]: the rules for names, keys, emails and comments.
//! - `intake`: applications to a cohort (nominations, requests, acceptance,
//!   the waiting list) and the cohort's hash-chained log.
//! - [`webhooks`]: signed webhooks: who subscribes, the URL rules, the delivery log and
//!   resend, and the delivery round (the sender is the caller's).
//! - `tokens`: API tokens (bearer tokens for `/api`): made, listed, revoked, checked.
//! - [`Error`]: one error type whose [`Kind`] an interface maps.
//! - `stats`: queue counts by state and commands by outcome, for monitoring.
//!
//! **Invariant:** the store is private to the engine crate: every write goes
//! through a method here, which checks its input before the store runs it.

mod accounts;
mod audit;
mod backup;
mod certificates;
mod commands;
mod committee;
mod credentials;
mod dates;
mod directory;
mod error;
mod evidence;
// Issue 18, part 3: group commit.
mod group;
pub mod import;
pub mod input;
mod intake;
pub mod mail;
mod people;
mod places;
mod read;
mod scheduler;
mod trainers;
mod versions;
// Calendar feeds (issue 17, part 4).
mod calendar;
// Issue 17, part 5: figures for /metrics.
mod stats;
pub mod webhooks;
// API tokens (issue 17, part 1).
mod tokens;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::calendar::Calendar;
use crate::definition::{self, Templates, Workflow};
use crate::store::{self, Durability, ProjectRecord, Store};

pub use accounts::{
    ATTEMPT_WINDOW, ATTEMPTS_PER_ADDRESS, ATTEMPTS_PER_EMAIL, Attempt, LANGUAGES, MIN_PASSWORD,
    NewSession, PASSWORD_WAIT, PasswordWork, RESET_LIFETIME, SESSION_LIFETIME, Viewer,
    check_password, default_password_work,
};
pub use audit::{AuditReport, CohortBroken};
pub use calendar::{CalendarSecret, Feed, FeedEvent, FeedItem, FeedTime};
pub use certificates::{CertifyProgram, Public, TRAINEE_ROLE, Verified, code_problem, new_code};
pub use commands::{Outcome, ProjectStart, Request, View};
pub use committee::{CohortAssignment, PoolEntry};
pub use credentials::{Credential, SigningKey};
pub use dates::{CalendarEdit, DatesReport, Extension, MAX_EXTENDED, Replanned};
pub use directory::{MAX_CAPACITY, PublishOutcome};
pub use error::{Error, Kind};
pub use evidence::evidence_file_name;
pub use intake::{
    Accepted, ApplicationView, By, CandidateQuery, CandidateSort, Candidates, Changed,
    IntakeSettings, OpenCohort, PersonRef, Supervision,
};
pub use people::{Correction, PersonExport, Retention, RetentionReport};
pub use places::{OfferRound, Withdrawal};
pub use read::{
    BOARD_PAGE, Board, BoardList, Export, OUTBOX_PAGE, StageCount, readable_scorecards,
    reads_every_scorecard,
};
pub use scheduler::{FireReport, ROUNDS_IN_FLIGHT};
pub use stats::{CommandCount, OUTCOMES, QUEUES, QueueCount};
pub use store::{
    AccountMail, AdminEntry, BackupFacts, Certificate, Certification, Cohort, CohortPin, Delivery,
    Evidence, HeldSnapshot, Message, NewCohort, Person, Program, ProjectFilter, Published,
    Revocation, SCHEMA_VERSION, StoredDefinition, StoredEvent, Summary, TimerRow,
};
pub use store::{CohortEvent, StoredApplication};
pub use store::{HookDelivery, Webhook};
pub use tokens::{ApiToken, NewToken, Scope, TOKEN_PREFIX, token_hash, well_formed};
pub use trainers::PersonPage;
pub use versions::{MigrationReport, MovedProject};
pub use webhooks::{HookAttempt, HookReport, HookRequest, HookRetry, NewWebhook, Subscription};

/// The engine service: a store plus caches of what never changes under it.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    /// Parsed workflows by definition id. Only definitions that have projects
    /// are cached, and their text can never change again (the store refuses
    /// it), so another process cannot make an entry stale.
    workflows: Mutex<HashMap<i64, Arc<Workflow>>>,
    /// Person ids by (normalised) email, saving the lookup on every command.
    /// An email corrected or erased in this process is forgotten here; in
    /// another process an old email may still name the person until it
    /// restarts, so a role given by email (`assign`) is looked up afresh.
    people: Mutex<HashMap<String, i64>>,
    /// Calendars by (cohort id, revision): a change to a cohort's calendar
    /// raises its revision, which every project load reads, so an edit made
    /// by another process is never served from here.
    calendars: Mutex<HashMap<(i64, i64), Arc<Calendar>>>,
    /// Published message templates by definition id (immutable once the
    /// definition has projects, which every message's project is).
    templates: Mutex<HashMap<i64, Arc<std::collections::BTreeMap<String, String>>>>,
    /// The pool Argon2 runs in, so that a crowd signing in at once cannot
    /// take all the memory and every core.
    passwords: PasswordWork,
    /// How the commands this process ran ended (`command_counts`).
    commands: stats::CommandCounters,
    /// The group committer: single commands arriving together share a transaction.
    group: group::Committer,
}

/// Why the database at `url` did not open, said to the operator who named
/// it: a bad address or a busy file as such, anything else in the
/// database's own words (the address redacted).
fn opening_failed(url: &str, e: store::Error) -> Error {
    match e {
        store::Error::BadUrl(_) | store::Error::Busy => Error::from(e),
        e => Error::Internal {
            message: crate::reason::Reason::message(format!(
                "cannot open the database {}: {e}",
                store::redact_url(url)
            )),
            detail: e.to_string(),
        },
    }
}

impl Engine {
    /// Opens (creating a SQLite file if needed) the database at `url`:
    /// `sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB` (with `sslmode`
    /// and `sslrootcert` for TLS). Its schema must be current: a new, empty
    /// database is given it; one with a migration pending is refused (only
    /// [`Engine::connect_for_migrate`] and [`Engine::migrate`] apply it).
    pub async fn connect(url: &str) -> Result<Engine, Error> {
        Self::connect_with(url, Durability::Full).await
    }

    /// Like [`Engine::connect`], choosing SQLite's durability (for benchmarks).
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Engine, Error> {
        Self::open(url, durability, store::Schema::Current).await
    }

    /// Opens a new SQLite file at `url` (`sqlite://FILE`) as a throw-away
    /// scratch database with its schema, fast because it is not durable: one
    /// connection, journal in memory, no syncs. Only for a database the
    /// caller deletes when done (`gradflow simulate`): a crash may leave
    /// the file damaged.
    pub async fn connect_scratch(url: &str) -> Result<Engine, Error> {
        let store = store::open_scratch(url)
            .await
            .map_err(|e| opening_failed(url, e))?;
        Ok(Engine::new(store))
    }

    /// Opens the database at `url` without looking at its schema, for
    /// `gradflow migrate` ([`Engine::migrations`], [`Engine::migrate`]).
    pub async fn connect_for_migrate(url: &str) -> Result<Engine, Error> {
        Self::open(url, Durability::Full, store::Schema::AsIs).await
    }

    /// Every migration this gradflow brings, each applied or pending.
    pub async fn migrations(&self) -> Result<Vec<crate::MigrationState>, Error> {
        Ok(self.store.migrations().await?)
    }

    /// Applies the pending migrations; returns those applied.
    pub async fn migrate(&self) -> Result<Vec<crate::MigrationState>, Error> {
        Ok(self.store.migrate().await?)
    }

    async fn open(
        url: &str,
        durability: Durability,
        schema: store::Schema,
    ) -> Result<Engine, Error> {
        let store = Store::open(url, durability, schema)
            .await
            .map_err(|e| opening_failed(url, e))?;
        Ok(Engine::new(store))
    }

    fn new(store: Store) -> Engine {
        Engine {
            group: group::Committer::new(store.clone()),
            store,
            workflows: Mutex::new(HashMap::new()),
            people: Mutex::new(HashMap::new()),
            calendars: Mutex::new(HashMap::new()),
            templates: Mutex::new(HashMap::new()),
            passwords: PasswordWork::default(),
            commands: stats::CommandCounters::default(),
        }
    }

    /// This engine with a password pool of `at_once` hashes at a time, a
    /// check waiting up to `wait` for a place (then kind Busy).
    pub fn with_password_work(mut self, at_once: usize, wait: std::time::Duration) -> Engine {
        self.passwords = PasswordWork::new(at_once, wait);
        self
    }

    /// Which database this is: `sqlite` or `postgres`.
    pub fn database_kind(&self) -> &'static str {
        self.store.kind()
    }

    /// Whether the database answers (for a health check).
    pub async fn ping(&self) -> Result<(), Error> {
        Ok(self.store.ping().await?)
    }

    /// Closes the database pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// The parsed workflow of definition `id` (which has projects).
    pub async fn workflow(&self, id: i64) -> Result<Arc<Workflow>, Error> {
        if let Some(w) = self.workflows.lock().expect("cache lock").get(&id) {
            return Ok(w.clone());
        }
        let stored = self.store.definition(id).await?;
        let workflow = parse_stored(&stored)?;
        self.workflows
            .lock()
            .expect("cache lock")
            .insert(id, workflow.clone());
        Ok(workflow)
    }

    /// The parse of `stored`: the cached one when its definition has
    /// projects (its text can no longer change), else parsed afresh (and not
    /// cached: the text may still change until a project commits on it).
    fn cached_or_parsed(&self, stored: &StoredDefinition) -> Result<Arc<Workflow>, Error> {
        let cached = self
            .workflows
            .lock()
            .expect("cache lock")
            .get(&stored.id)
            .cloned();
        match cached {
            Some(workflow) => Ok(workflow),
            None => parse_stored(stored),
        }
    }

    /// The workflow version a project is pinned to and its cohort's calendar.
    async fn context(
        &self,
        record: &ProjectRecord,
    ) -> Result<(Arc<Workflow>, Arc<Calendar>), Error> {
        let workflow = self.workflow(record.definition_id).await?;
        let calendar = self
            .calendar(record.cohort_id, record.cohort_revision)
            .await?;
        Ok((workflow, calendar))
    }

    /// The calendar of cohort `id` at `revision`.
    async fn calendar(&self, id: i64, revision: i64) -> Result<Arc<Calendar>, Error> {
        let key = (id, revision);
        if let Some(c) = self.calendars.lock().expect("cache lock").get(&key) {
            return Ok(c.clone());
        }
        let cohort = self.store.cohort_by_id(id).await?;
        let calendar = Arc::new(cohort.calendar()?);
        self.calendars
            .lock()
            .expect("cache lock")
            .insert((id, cohort.revision), calendar.clone());
        Ok(calendar)
    }

    /// The id of the person registered as `email`.
    async fn person_id(&self, email: &str) -> Result<i64, Error> {
        let email = input::email(email)?;
        if let Some(id) = self.people.lock().expect("cache lock").get(&email) {
            return Ok(*id);
        }
        let id = self.store.person(&email).await?.id;
        self.people.lock().expect("cache lock").insert(email, id);
        Ok(id)
    }
}

/// Parses a stored definition; one that no longer validates is damage, not bad input.
fn parse_stored(stored: &StoredDefinition) -> Result<Arc<Workflow>, Error> {
    definition::parse(&stored.source, Templates::Unchecked)
        .map(Arc::new)
        .map_err(|problems| {
            Error::internal(format!(
                "published workflow {} v{} no longer validates: {}",
                stored.key, stored.version, problems[0].message
            ))
        })
}
