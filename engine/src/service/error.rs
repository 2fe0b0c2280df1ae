//! The one error type of the service, with kinds a web layer maps to HTTP
//! statuses and the CLI to exit codes. Its message is for the person who
//! sent the request; internal detail (a database's own words) is kept apart,
//! for the operator's log.

use std::sync::Arc;

use crate::decide::Rejection;
use crate::definition::Workflow;
use crate::reason::{Arg, Reason};
use crate::store;

/// What sort of failure, for an interface to map (e.g. to an HTTP status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The request is wrong: a bad field, a missing comment, an unmet condition (400/422).
    Invalid,
    /// Something named does not exist (404).
    NotFound,
    /// The person may not do this (403).
    Forbidden,
    /// The request collides with the current state: someone changed the
    /// project first, a name is taken, a cohort is full, a key was reused (409).
    Conflict,
    /// The database was busy with another change for too long, or the
    /// server with other work; retrying helps (503).
    Busy,
    /// Too many attempts (at a password) in a while; wait before trying again (429).
    TooMany,
    /// Something failed inside; the person can do nothing about it (500).
    Internal,
}

/// Why a service call did not go through. Nothing changed.
///
/// Each carries a [`Reason`] (a code with arguments), which an interface
/// puts into words in the reader's language; a refusal of the core keeps
/// the workflow it was decided against, whose titles those words use.
/// A reason coded `message` is a text not yet given a code of its own.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused the command (its kind follows from the reason),
    /// with the workflow it was decided against when known.
    #[error("{0}")]
    Rejected(Rejection, Option<Arc<Workflow>>),
    /// Bad input.
    #[error("{}", said(.0))]
    Invalid(Reason),
    /// Something named does not exist.
    #[error("{}", said(.0))]
    NotFound(Reason),
    /// Not allowed for this person.
    #[error("{}", said(.0))]
    Forbidden(Reason),
    /// Collides with the current state (`changed`: the project's version
    /// moved under the decision, a lost race worth deciding again).
    #[error("{}", said(.0))]
    Conflict(Reason),
    /// The database stayed busy.
    #[error("{}", said(.0))]
    Busy(Reason),
    /// Too many attempts in a while.
    #[error("{}", said(.0))]
    TooMany(Reason),
    /// The database cannot be reached or dropped the connection (kind
    /// Busy: a retry succeeds once it is back); `detail` says why, for the
    /// operator's log (the database's words, never its URL).
    #[error("the database cannot be reached ({detail})")]
    Unavailable {
        /// What failed, in the database driver's words.
        detail: String,
    },
    /// A failure inside: `message` for people (`internal`, or the
    /// database's words when the operator opened it), `detail` for the operator.
    #[error("{}", said(.message))]
    Internal {
        /// What the person is told.
        message: Reason,
        /// What went wrong, in the database's or the parser's words.
        detail: String,
    },
}

/// A reason for a log: a `message` reason is its text; any other its code and arguments.
fn said(reason: &Reason) -> String {
    match (reason.code, reason.arg("text")) {
        ("message", Some(crate::reason::Arg::Text(text))) => text.clone(),
        _ => reason.to_string(),
    }
}

impl From<Rejection> for Error {
    fn from(rejection: Rejection) -> Self {
        Error::Rejected(rejection, None)
    }
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> Kind {
        match self {
            Error::Rejected(r, _) => match r {
                Rejection::Stale { .. }
                | Rejection::AlreadyMember { .. }
                | Rejection::AlreadyApproved { .. }
                | Rejection::ApprovalNotNeeded { .. } => Kind::Conflict,
                Rejection::NotAllowed { .. }
                | Rejection::ConflictOfInterest { .. }
                | Rejection::WithdrawalNotAllowed { .. } => Kind::Forbidden,
                Rejection::UnknownStage(_)
                | Rejection::AutomaticLoop(_)
                | Rejection::Inconsistent(_) => Kind::Internal,
                _ => Kind::Invalid,
            },
            Error::Invalid(_) => Kind::Invalid,
            Error::NotFound(_) => Kind::NotFound,
            Error::Forbidden(_) => Kind::Forbidden,
            Error::Conflict(_) => Kind::Conflict,
            Error::Busy(_) | Error::Unavailable { .. } => Kind::Busy,
            Error::TooMany(_) => Kind::TooMany,
            Error::Internal { .. } => Kind::Internal,
        }
    }

    /// Why, as a code with arguments, for an interface to put into words.
    pub fn reason(&self) -> Reason {
        match self {
            Error::Rejected(r, _) => r.reason(),
            Error::Invalid(r)
            | Error::NotFound(r)
            | Error::Forbidden(r)
            | Error::Conflict(r)
            | Error::Busy(r)
            | Error::TooMany(r) => r.clone(),
            Error::Internal { message, .. } => message.clone(),
            Error::Unavailable { .. } => Reason::new("database-away", vec![]),
        }
    }

    /// The workflow a refusal was decided against, whose words its reason uses.
    pub fn workflow(&self) -> Option<&Workflow> {
        match self {
            Error::Rejected(_, w) => w.as_deref(),
            _ => None,
        }
    }

    /// Internal detail for the operator's log, when there is any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Internal { detail, .. } | Error::Unavailable { detail } => Some(detail),
            _ => None,
        }
    }

    /// A refusal of the core, decided against `workflow`.
    pub(crate) fn refused(rejection: Rejection, workflow: &Arc<Workflow>) -> Error {
        Error::Rejected(rejection, Some(workflow.clone()))
    }

    /// Whether the database could not be reached (worth retrying later).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable { .. })
    }

    /// Whether this is a lost race on a project's version (worth deciding again).
    pub fn is_race(&self) -> bool {
        matches!(self, Error::Conflict(r) if r.code == "changed")
    }

    /// Bad input, said by `reason` (for an interface that checks input
    /// with the engine's rules before asking it, e.g. a certificate code).
    pub fn from_reason(reason: Reason) -> Error {
        Error::Invalid(reason)
    }

    /// Bad input, said in a text not yet given a code.
    pub(crate) fn invalid(text: impl Into<String>) -> Error {
        Error::Invalid(Reason::message(text))
    }

    /// Something named does not exist, said in a text not yet given a code.
    pub(crate) fn not_found(text: impl Into<String>) -> Error {
        Error::NotFound(Reason::message(text))
    }

    /// A collision, said in a text not yet given a code.
    pub(crate) fn conflict(text: impl Into<String>) -> Error {
        Error::Conflict(Reason::message(text))
    }

    /// An internal failure described by `detail`.
    pub(crate) fn internal(detail: impl ToString) -> Error {
        Error::Internal {
            message: Reason::new("internal", vec![]),
            detail: detail.to_string(),
        }
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Conflict { .. } | store::Error::CohortChanged { .. } => {
                Error::Conflict(Reason::new("changed", vec![]))
            }
            store::Error::Busy => Error::Busy(Reason::new(
                "busy",
                vec![("seconds", Arg::int(store::LOCK_WAIT.as_secs() as i64))],
            )),
            store::Error::NotFound(r) => Error::NotFound(r),
            store::Error::ReadOnly => Error::Forbidden(Reason::new("read-only", vec![])),
            store::Error::Refused(r) => Error::Conflict(r),
            store::Error::BadUrl(_) => Error::invalid(e.to_string()),
            // Retrying helps once it is back: a web page answers 503.
            store::Error::Unavailable(e) => Error::Unavailable {
                detail: e.to_string(),
            },
            e @ (store::Error::Database(_)
            | store::Error::Migrate(_)
            | store::Error::SchemaBehind(_)
            | store::Error::SchemaAhead(_)
            | store::Error::Tls(_)
            | store::Error::Corrupt(_)) => Error::internal(e),
        }
    }
}
