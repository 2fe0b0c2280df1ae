//! gradflow-notifications end to end: templates from folders on disk, and
//! messages delivered to a real SMTP server on 127.0.0.1 (see `sink`),
//! parsed back as RFC 5322 messages.

mod dev_transports;
mod sink;
mod smtp;
mod templates;

use gradflow_notifications::{Address, MessageId, Outgoing};

/// A message to `to` with a stable id built from `row`.
pub fn outgoing(row: i64, to: Address, html: Option<&str>) -> Outgoing {
    Outgoing {
        message_id: MessageId::new(&format!("gradflow.outbox.{row}"), "gradflow.test").unwrap(),
        from: Address::new("noreply@institute.test", "معهد الإدارة العامة"),
        to,
        subject: "تذكير: المقترح مستحق غداً".to_owned(),
        text: "عزيزتي فاطمة،\n\nهذا تذكير.\n".to_owned(),
        html: html.map(str::to_owned),
    }
}

/// Parses what arrived, failing the test if it is not a message.
pub fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("an RFC 5322 message")
}
