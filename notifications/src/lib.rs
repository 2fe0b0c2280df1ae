//! gradflow's mail: the words of a notification and their delivery.
//!
//! A workflow's notifications are handlebars templates in its `templates/`
//! folder. This crate checks them (every variable a template names must exist
//! in the data its trigger provides), renders them, builds RFC 5322 messages
//! with a stable Message-ID, and hands them to a transport: an SMTP server,
//! a folder of `.eml` files, or the log. It also says when a failed message
//! should be tried again.
//!
//! **Architecture invariant:** this crate knows nothing of workflows, projects
//! or the database. It is given template folders, JSON data and addresses; the
//! worker in the binary claims outbox rows from the engine and records what
//! happened to each.
//!
//! # Layout
//!
//! - [`templates`]: reading a workflow's `templates/` folder, checking every
//!   template against sample data (`FILE:LINE:COL` problems), rendering a
//!   subject, a plain text body and an HTML body inside the institute layout.
//! - [`message`]: the [`Outgoing`] message and its RFC 5322 form (lettre),
//!   with a caller-given [`MessageId`] (the outbox row's, the same on every
//!   attempt).
//! - [`transport`]: the [`Transport`] trait and its three implementations,
//!   SMTP (`GRADFLOW_SMTP_URL`), folder and log, with errors classified as
//!   permanent or transient.
//! - [`retry`]: exponential backoff with full jitter, then dead.
//! - [`webhook`]: posting a signed webhook delivery (Standard Webhooks) to
//!   an address the caller's policy allows, judged on the address connected to.

pub mod message;
pub mod retry;
pub mod templates;
mod tls;
pub mod transport;
pub mod webhook;

pub use message::{Address, MessageId, Outgoing};
pub use retry::RetryPolicy;
pub use templates::{Budget, Layout, Problem, Rendered, Templates};
pub use transport::{Mailer, Receipt, Transport};
