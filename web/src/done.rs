//! What a page says happened: after a form succeeds, its redirect carries
//! the confirmation ("“Endorse the proposal” is done. Told by email: Mariam
//! Al-Balushi (trainee).") to the page it lands on, which shows it at the
//! top in an element with `role="status"`, so screen readers announce it.
//!
//! The confirmation travels in the redirect's query string as message ids
//! of the catalogue with their values (`done=` JSON, percent-encoded) and a
//! signature (`sig=`): the SHA-256 of a label, the session token, the page's
//! path and the payload. Only the server knows a session's token, so a link
//! cannot make a page say anything: a payload that is not signed for this
//! session and this page (a project's confirmation never shows on another
//! project's page), is older than [`LIFETIME_SECONDS`], or names an id
//! outside [`IDS`] shows nothing. Values are escaped like every other value on a page.

use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{IntoResponse, Response};
use gradflow_engine::audit::to_hex;
use jiff::Timestamp;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::{self, Lang};

/// The messages a confirmation may say (prefix `done-`), each in both catalogues.
pub const IDS: &[&str] = &[
    "done-action",
    "done-moved",
    "done-approval-recorded",
    "done-milestone-submitted",
    "done-milestone-accepted",
    "done-milestone-returned",
    "done-scored",
    "done-role-given",
    "done-evidence",
    "done-profile",
    "done-password",
    "done-resend",
    "done-told",
    "done-told-nobody",
    "done-extended",
    // Moderation (issue 15, part 4).
    "done-moderated",
    "done-rescore-requested",
    // Committee (issue 15).
    "done-committee-assigned",
    // The coordinators' dates page (calendar2, issue 15).
    "done-dates-extended",
    "done-calendar-changed",
    "done-dates-next",
    "done-dates-more",
    // Loading a cohort's people from a spreadsheet (issue 16: import).
    "done-import",
    // Intake (issue 16, part 1 on the web).
    "done-intake-nominated",
    "done-intake-requested",
    "done-intake-endorsed",
    "done-intake-refused",
    "done-intake-accepted",
    "done-intake-waiting",
    "done-intake-declined",
    "done-intake-withdrawn",
    "done-intake-offer-taken",
    "done-intake-offer-declined",
    "done-intake-not-done",
    "done-intake-next",
];

/// How long a confirmation link shows its message: long enough for a slow
/// redirect, short enough that a reload tomorrow does not say it again.
pub const LIFETIME_SECONDS: i64 = 600;

/// One line of a confirmation: a message id and its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The catalogue's message id (one of [`IDS`]).
    pub id: String,
    /// Its values, as (name, value).
    pub args: Vec<(String, String)>,
}

impl Line {
    /// The line `id` with `args`.
    pub fn new(id: &str, args: &[(&str, String)]) -> Line {
        Line {
            id: id.to_owned(),
            args: args
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    /// The line in `lang`, or nothing for an id that is not a confirmation's.
    fn text(&self, lang: Lang) -> Option<String> {
        if !IDS.contains(&self.id.as_str()) {
            return None;
        }
        let args: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        Some(i18n::text(lang, &self.id, &args))
    }
}

/// What the query string carries, signed.
#[derive(Serialize, Deserialize)]
struct Payload {
    /// When it was made (Unix seconds).
    at: i64,
    lines: Vec<Line>,
}

/// The confirmation a page shows, read from its query string.
#[derive(Debug, Clone, Default)]
pub struct Done {
    lines: Vec<Line>,
}

impl Done {
    /// The confirmation in `query` of the page at `path`, if it is signed
    /// for session `token` and that page, and young enough.
    pub fn read(
        path: &str,
        query: Option<&str>,
        token: Option<&str>,
        now: Timestamp,
    ) -> Option<Done> {
        let token = token?;
        let mut payload = None;
        let mut sig = None;
        for pair in query?.split('&') {
            match pair.split_once('=') {
                Some(("done", v)) => payload = percent_decode_str(v).decode_utf8().ok(),
                Some(("sig", v)) => sig = Some(v),
                _ => {}
            }
        }
        let (payload, sig) = (payload?, sig?);
        if !same(&signature(token, path, &payload), sig) {
            return None;
        }
        let payload: Payload = serde_json::from_str(&payload).ok()?;
        let age = now.as_second() - payload.at;
        if !(0..=LIFETIME_SECONDS).contains(&age) {
            return None;
        }
        Some(Done {
            lines: payload.lines,
        })
    }

    /// Its lines in `lang` (ids that are not a confirmation's are left out).
    pub fn texts(&self, lang: Lang) -> Vec<String> {
        self.lines.iter().filter_map(|l| l.text(lang)).collect()
    }
}

/// A 303 to `path` (with `#fragment` when given) that shows `lines` there,
/// signed for session `token`.
pub fn redirect(token: Option<&str>, path: &str, fragment: &str, lines: Vec<Line>) -> Response {
    let target = match token {
        Some(token) => {
            let payload = serde_json::to_string(&Payload {
                at: Timestamp::now().as_second(),
                lines,
            })
            .expect("a confirmation serialises");
            format!(
                "{path}?done={}&sig={}{fragment}",
                utf8_percent_encode(&payload, NON_ALPHANUMERIC),
                signature(token, path, &payload)
            )
        }
        None => format!("{path}{fragment}"),
    };
    (StatusCode::SEE_OTHER, [(LOCATION, target)]).into_response()
}

/// The people told, as the confirmation's last line: "Told by email: …",
/// or that nobody was.
pub fn told(lang: Lang, names: &[String]) -> Line {
    if names.is_empty() {
        Line::new("done-told-nobody", &[])
    } else {
        let comma = if lang == Lang::Ar { "، " } else { ", " };
        Line::new("done-told", &[("names", names.join(comma))])
    }
}

/// The signature of `payload` on the page at `path` for session `token` (hex).
fn signature(token: &str, path: &str, payload: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"gradflow done\0");
    hasher.update(token.as_bytes());
    hasher.update(b"\0");
    hasher.update(path.as_bytes());
    hasher.update(b"\0");
    hasher.update(payload.as_bytes());
    to_hex(&hasher.finalize())
}

/// Whether two signatures are equal (compared in constant time).
fn same(expected: &str, given: &str) -> bool {
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_of(response: &Response) -> String {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        location.split_once('?').unwrap().1.to_owned()
    }

    #[test]
    fn a_confirmation_shows_only_for_its_session_and_only_known_messages() {
        let response = redirect(
            Some("token-a"),
            "/projects/1",
            "",
            vec![
                Line::new("done-action", &[("action", "Submit <b>".into())]),
                Line::new("error-internal", &[]),
            ],
        );
        let query = query_of(&response);
        let now = Timestamp::now();
        let done = Done::read("/projects/1", Some(&query), Some("token-a"), now)
            .expect("signed for token-a");
        let texts = done.texts(Lang::En);
        assert_eq!(texts.len(), 1, "an unknown id says nothing: {texts:?}");
        assert!(texts[0].contains("Submit <b>"), "{texts:?}");
        assert!(Done::read("/projects/1", Some(&query), Some("token-b"), now).is_none());
        assert!(Done::read("/projects/1", Some(&query), None, now).is_none());
        // The same words with another signature, or changed words, show nothing.
        let forged = query.replace("Submit", "Pay%20me");
        assert!(Done::read("/projects/1", Some(&forged), Some("token-a"), now).is_none());
        // The same link on another page says nothing.
        assert!(Done::read("/projects/2", Some(&query), Some("token-a"), now).is_none());
        let later = now + jiff::SignedDuration::from_secs(LIFETIME_SECONDS + 1);
        assert!(Done::read("/projects/1", Some(&query), Some("token-a"), later).is_none());
    }
}
