//! Development transport: a log line per message, nothing sent.

use super::{Error, Receipt, Transport};
use crate::message::Outgoing;

/// Writes each message's headers and text to the log (tracing, level INFO)
/// instead of sending it: for a demo, or a machine with no mail server yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct Log;

impl Transport for Log {
    async fn send(&self, message: &Outgoing) -> Result<Receipt, Error> {
        // Build the message anyway, so a malformed address fails here as it
        // would with a real server.
        message.to_lettre()?;
        tracing::info!(
            message_id = %message.message_id,
            from = %message.from.email,
            to = %message.to.email,
            subject = %message.subject,
            html = message.html.is_some(),
            text = %message.text,
            "mail not sent (log transport)"
        );
        Ok(Receipt {
            detail: "written to the log".to_owned(),
        })
    }
}
