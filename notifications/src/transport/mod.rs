//! Getting a message to people: one [`Transport`] trait, three ways.
//!
//! - [`Smtp`] hands messages to a mail server (lettre's async SMTP client on
//!   tokio, TLS by rustls, a pool of `TCP_NODELAY` connections, pipelining
//!   where the server offers it).
//! - [`Folder`] writes one `.eml` file per message, for development and for
//!   looking at what would be sent.
//! - [`Log`] writes a line to the log per message, and sends nothing.
//!
//! [`Config`] reads which one from a single URL (`GRADFLOW_SMTP_URL`), and
//! [`Mailer`] is whichever was configured. A failed send says whether
//! retrying can help ([`Error::is_permanent`]): a recipient the server
//! refused is not retried, a server that is down or slow is.

mod config;
mod folder;
mod log;
mod smtp;

use std::future::Future;

pub use config::{
    Config, ConfigError, Credentials, DEFAULT_POOL_SIZE, Secret, Security, SmtpConfig, URL_VARIABLE,
};
pub use folder::Folder;
pub use log::Log;
pub use smtp::Smtp;

use crate::message::{self, Outgoing};

/// Something that can deliver a message, or say why it could not.
pub trait Transport: Send + Sync {
    /// Delivers one message. Safe to call from many tasks at once.
    fn send(&self, message: &Outgoing) -> impl Future<Output = Result<Receipt, Error>> + Send;
}

/// What a transport said when it accepted a message, for the outbox row's
/// record: the server's reply (`250 2.0.0 Ok: queued as 4F2A1`), the file
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// In the transport's own words.
    pub detail: String,
}

/// Why a message was not delivered, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The mail server refused this message for good (a 5xx reply), e.g. an
    /// address it does not know. Permanent: the message is failed with the
    /// server's words, and the other messages go on.
    #[error("the mail server refused the message: {reply}")]
    Rejected {
        /// The server's reply, code first (`550 5.1.1 <x@example.org>: user unknown`).
        reply: String,
    },
    /// The message cannot be built (a malformed address). Permanent.
    #[error(transparent)]
    Invalid(#[from] message::Error),
    /// Not delivered for now: the server is down, slow, busy (a 4xx reply),
    /// refused our login, or the folder cannot be written. Transient: try
    /// again later; nothing is lost.
    #[error("{reason}")]
    Unavailable {
        /// What went wrong, for the operator.
        reason: String,
    },
}

impl Error {
    /// True when trying again cannot help: the message should be marked
    /// failed (dead) at once rather than retried.
    pub fn is_permanent(&self) -> bool {
        matches!(self, Error::Rejected { .. } | Error::Invalid(_))
    }
}

/// The transport chosen by the configuration.
#[derive(Debug, Clone)]
pub enum Mailer {
    /// A mail server.
    Smtp(Smtp),
    /// A folder of `.eml` files.
    Folder(Folder),
    /// The log.
    Log(Log),
}

impl Mailer {
    /// Opens the transport `config` describes. An SMTP transport connects
    /// lazily, on the first message, so a server that is down at start-up
    /// does not stop the worker.
    pub fn open(config: &Config) -> Result<Mailer, ConfigError> {
        Ok(match config {
            Config::Smtp(smtp) => Mailer::Smtp(Smtp::new(smtp)?),
            Config::Folder(path) => Mailer::Folder(Folder::new(path.clone())),
            Config::Log => Mailer::Log(Log),
        })
    }

    /// How many messages a worker may have on their way at once: the pool's
    /// size for a mail server (one message per connection), one otherwise.
    pub fn parallel(&self) -> usize {
        match self {
            Mailer::Smtp(smtp) => smtp.config().pool_size.max(1) as usize,
            Mailer::Folder(_) | Mailer::Log(_) => 1,
        }
    }
}

impl Transport for Mailer {
    async fn send(&self, message: &Outgoing) -> Result<Receipt, Error> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await,
            Mailer::Folder(folder) => folder.send(message).await,
            Mailer::Log(log) => log.send(message).await,
        }
    }
}
