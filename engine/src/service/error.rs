//! The one error type of the service, with kinds a web layer maps to HTTP
//! statuses and the CLI to exit codes. Its message is for the person who
//! sent the request; internal detail (a database's own words) is kept apart,
//! for the operator's log.

use crate::decide::Rejection;
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
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The engine refused the command (its kind follows from the reason).
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Not allowed for this person.
    #[error("{0}")]
    Forbidden(String),
    /// Collides with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The database stayed busy.
    #[error("{0}")]
    Busy(String),
    /// Too many attempts in a while.
    #[error("{0}")]
    TooMany(String),
    /// A failure inside: `message` for people, `detail` for the operator.
    #[error("{message}")]
    Internal {
        /// What the person is told.
        message: String,
        /// What went wrong, in the database's or the parser's words.
        detail: String,
    },
}

impl Error {
    /// The kind of failure.
    pub fn kind(&self) -> Kind {
        match self {
            Error::Rejected(r) => match r {
                Rejection::Stale { .. }
                | Rejection::AlreadyMember { .. }
                | Rejection::AlreadyApproved { .. }
                | Rejection::ApprovalNotNeeded { .. } => Kind::Conflict,
                Rejection::NotAllowed { .. } | Rejection::ConflictOfInterest { .. } => {
                    Kind::Forbidden
                }
                Rejection::UnknownStage(_)
                | Rejection::AutomaticLoop(_)
                | Rejection::Inconsistent(_) => Kind::Internal,
                _ => Kind::Invalid,
            },
            Error::Invalid(_) => Kind::Invalid,
            Error::NotFound(_) => Kind::NotFound,
            Error::Forbidden(_) => Kind::Forbidden,
            Error::Conflict(_) => Kind::Conflict,
            Error::Busy(_) => Kind::Busy,
            Error::TooMany(_) => Kind::TooMany,
            Error::Internal { .. } => Kind::Internal,
        }
    }

    /// Internal detail for the operator's log, when there is any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Internal { detail, .. } => Some(detail),
            _ => None,
        }
    }

    /// An internal failure described by `detail`.
    pub(crate) fn internal(detail: impl ToString) -> Error {
        Error::Internal {
            message: "something went wrong inside gradflow; nothing was changed. The operator can find the details in the log".into(),
            detail: detail.to_string(),
        }
    }
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::Conflict { .. } => Error::Conflict(format!(
                "{e}; nothing was changed: look at the project again and retry"
            )),
            store::Error::Busy => {
                Error::Busy(format!("{e}; nothing was changed: try again in a moment"))
            }
            store::Error::NotFound(m) => Error::NotFound(m),
            store::Error::ReadOnly => Error::Forbidden(e.to_string()),
            store::Error::Refused(m) => Error::Conflict(m),
            store::Error::BadUrl(_) => Error::Invalid(e.to_string()),
            e @ (store::Error::Database(_)
            | store::Error::Migrate(_)
            | store::Error::Corrupt(_)) => Error::internal(e),
        }
    }
}
