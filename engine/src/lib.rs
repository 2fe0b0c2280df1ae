//! gradflow's engine: workflow definitions, the pure decision core, the store
//! and (later) the scheduler.
//!
//! # Layout
//! - [`definition`]: parse, validate and draw workflow definitions (YAML).
//! - [`expr`]: the small, safe condition language used by `when:`.
//! - [`calendar`]: a cohort's time zone, named dates and holidays; deadline arithmetic.
//! - [`certificate`]: certificate number patterns, validity and verification codes (pure).
//! - [`credential`]: a certificate as an Open Badges 3.0 credential, signed as
//!   a VC-JWT by the institute's Ed25519 key; the revocation status list (pure).
//! - [`decide`]: the decision core, `decide(workflow, state, command, now)`; no I/O, no clock.
//! - [`reason`]: why something was refused or is not possible yet, as a code
//!   with arguments (the edges choose the words).
//! - [`audit`]: the hash chain that seals every event.
//! - `store`: SQLite and PostgreSQL persistence behind one boundary, private to
//!   this crate: everything outside reaches the database through the service.
//! - [`service`]: the one way anything is read or written: load, decide, commit in one transaction.

pub mod audit;
pub mod calendar;
pub mod certificate;
pub mod credential;
pub mod decide;
pub mod definition;
pub mod expr;
pub mod reason;
pub mod service;
pub(crate) mod store;

pub use store::{
    DEFAULT_URL, Durability, IDLE_PING, MigrationState, redact_url, timer_claim_statement,
};
