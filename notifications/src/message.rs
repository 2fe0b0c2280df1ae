//! The outgoing message and its RFC 5322 form.
//!
//! An [`Outgoing`] is plain data (the worker fills it from an outbox row and
//! a [`Rendered`](crate::Rendered) template); lettre turns it into the bytes a
//! mail server receives: UTF-8 subjects and display names as encoded words,
//! bodies in quoted-printable or base64 as needed, `multipart/alternative`
//! when there is an HTML body.

use std::fmt;
use std::str::FromStr;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};

/// A message ready to be sent: one sender, one recipient, the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Stable across attempts, so a message delivered twice (an attempt that
    /// timed out after the server had accepted it) is recognisable as one.
    pub message_id: MessageId,
    /// The institute's address, from the configuration.
    pub from: Address,
    /// The person notified.
    pub to: Address,
    /// One line; line breaks are replaced by spaces when the message is built.
    pub subject: String,
    /// The plain text body, always present (some people read only that).
    pub text: String,
    /// The HTML body, already inside the institute layout.
    pub html: Option<String>,
}

/// An email address with the name shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `someone@example.org`.
    pub email: String,
    /// The person's or institute's name, in any script (Arabic included).
    pub name: Option<String>,
}

impl Address {
    /// An address with a display name.
    pub fn new(email: impl Into<String>, name: impl Into<String>) -> Address {
        Address {
            email: email.into(),
            name: Some(name.into()),
        }
    }

    /// An address without a display name.
    pub fn bare(email: impl Into<String>) -> Address {
        Address {
            email: email.into(),
            name: None,
        }
    }

    fn to_mailbox(&self) -> Result<Mailbox, Error> {
        let email = lettre::Address::from_str(self.email.trim()).map_err(|e| Error::Address {
            address: self.email.clone(),
            reason: e.to_string(),
        })?;
        let name = self.name.as_deref().map(one_line).filter(|n| !n.is_empty());
        Ok(Mailbox::new(name, email))
    }
}

/// A Message-ID (RFC 5322 `msg-id`), given by the caller so that it is the
/// same on every attempt: the outbox row's left part and the institute's
/// domain, `MessageId::new(&row.message_id, "institute.example.org")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageId {
    /// `left@right`, without the angle brackets.
    value: String,
}

impl MessageId {
    /// `<left@domain>`. Both halves must be dot-atoms (letters, digits and
    /// ``!#$%&'*+-/=?^_`{|}~``, with single dots between them).
    pub fn new(left: &str, domain: &str) -> Result<MessageId, Error> {
        let value = format!("{left}@{domain}");
        let refuse = |reason| Error::MessageId {
            value: value.clone(),
            reason,
        };
        if !is_dot_atom(left) {
            return Err(refuse(
                "the part before @ must be letters, digits or punctuation without spaces",
            ));
        }
        if !is_dot_atom(domain) {
            return Err(refuse("the part after @ must be a domain name"));
        }
        Ok(MessageId { value })
    }

    /// `left@right`, without the angle brackets (as mail parsers report it).
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// A file name for this message (without extension): the id with any
    /// character that is not safe in a file name replaced by `_`.
    pub fn file_stem(&self) -> String {
        self.value
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._@+=-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

impl FromStr for MessageId {
    type Err = Error;

    /// Reads `<left@right>` or `left@right`.
    fn from_str(text: &str) -> Result<MessageId, Error> {
        let inner = text.trim();
        let inner = inner
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .unwrap_or(inner);
        match inner.rsplit_once('@') {
            Some((left, domain)) => MessageId::new(left, domain),
            None => Err(Error::MessageId {
                value: text.to_owned(),
                reason: "a Message-ID has the form <left@domain>",
            }),
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.value)
    }
}

fn is_dot_atom(text: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !text.is_empty()
        && text.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

/// Why a message cannot be built. Retrying does not help: the data is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An address that is not an email address.
    #[error("`{address}` is not a valid email address ({reason})")]
    Address {
        /// The address as given.
        address: String,
        /// What the address parser objected to.
        reason: String,
    },
    /// A Message-ID that does not have the form `<left@domain>`.
    #[error("`{value}` cannot be a Message-ID: {reason}")]
    MessageId {
        /// The id as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// lettre refused to assemble the message.
    #[error("the message cannot be assembled: {0}")]
    Assemble(String),
}

impl Outgoing {
    /// The message as a mail server receives it (RFC 5322, CRLF line ends).
    pub fn to_rfc5322(&self) -> Result<Vec<u8>, Error> {
        Ok(self.to_lettre()?.formatted())
    }

    /// The lettre form of the message: headers, envelope and MIME body.
    pub(crate) fn to_lettre(&self) -> Result<lettre::Message, Error> {
        let builder = lettre::Message::builder()
            .message_id(Some(self.message_id.to_string()))
            .from(self.from.to_mailbox()?)
            .to(self.to.to_mailbox()?)
            .subject(one_line(&self.subject))
            // RFC 3834: out-of-office replies and vacation robots must not
            // answer an automatic notification.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        let built = match &self.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(self.text.clone()),
            ),
        };
        built.map_err(|e| Error::Assemble(e.to_string()))
    }
}

/// `text` on one line: surrounding whitespace trimmed and every run of
/// whitespace that contains a line break (or any control character) made a
/// single space. A subject or a name with a line break in it would otherwise
/// end the header and start a new one (header injection).
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.trim().chars() {
        if c.is_control() || c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Outgoing {
        Outgoing {
            message_id: MessageId::new("gradflow.outbox.42", "gradflow.example.org").unwrap(),
            from: Address::new("noreply@institute.example.org", "Institute"),
            to: Address::new("fatima@example.org", "فاطمة الزهراء"),
            subject: "تذكير: المقترح\r\nBcc: victim@example.org".to_owned(),
            text: "Hello\n".to_owned(),
            html: None,
        }
    }

    #[test]
    fn message_ids_are_dot_atoms() {
        let id = MessageId::new("gradflow.outbox.42", "gradflow.example.org").unwrap();
        assert_eq!(id.to_string(), "<gradflow.outbox.42@gradflow.example.org>");
        assert_eq!(id.as_str(), "gradflow.outbox.42@gradflow.example.org");
        assert_eq!(
            "<a.b@c.d>".parse::<MessageId>().unwrap().as_str(),
            "a.b@c.d"
        );
        for bad in [
            "a b@c",
            "a@",
            "@c",
            "a..b@c",
            "a@c d",
            "<a@b>\r\nX: y",
            "nobrackets",
        ] {
            assert!(bad.parse::<MessageId>().is_err(), "{bad}");
        }
        assert_eq!(MessageId::new("a/b", "c").unwrap().file_stem(), "a_b@c");
    }

    #[test]
    fn one_line_removes_line_breaks_and_controls() {
        assert_eq!(one_line("  a\r\n b\tc\u{7}d \n"), "a b c d");
        assert_eq!(one_line("\n\n"), "");
        assert_eq!(one_line("تذكير:  موعد"), "تذكير:  موعد".replace("  ", " "));
    }

    #[test]
    fn a_subject_cannot_inject_a_header() {
        let bytes = sample().to_rfc5322().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(
            text.contains("Message-ID: <gradflow.outbox.42@gradflow.example.org>\r\n"),
            "{text}"
        );
        assert!(
            text.contains("Auto-Submitted: auto-generated\r\n"),
            "{text}"
        );
    }

    #[test]
    fn a_malformed_address_is_refused() {
        let mut message = sample();
        message.to = Address::bare("not an address");
        assert!(matches!(message.to_rfc5322(), Err(Error::Address { .. })));
    }
}
