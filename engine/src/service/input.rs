//! The rules every interface's text input obeys, in one place: names, keys,
//! titles, emails and comments. Control characters (terminal escape
//! sequences, NUL) and the bidirectional controls that show text in another
//! order than it is written never enter the database (the characters are
//! [`crate::definition::text`]'s rule).

use super::Error;
use crate::definition::text;
use crate::reason::{Arg, Reason};

/// Longest one-line text (a name, a title), in characters.
pub const MAX_LINE: usize = text::MAX_LINE;

/// A one-line text (a name, a title, a file name): trimmed, 1 to
/// [`MAX_LINE`] characters, no control character and no bidirectional
/// embedding, override or isolate (see [`crate::definition::text`]); `what`
/// names it as a word messages choose by (`project-title`, `name`,
/// `organization`, `program-title`, `cohort-name`, `file-name`). Every interface that
/// takes one line of text from people checks it here.
pub fn line(what: &'static str, text: &str) -> Result<String, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Invalid(Reason::new(
            "text-empty",
            vec![("what", Arg::Word(what))],
        )));
    }
    let length = text.chars().count();
    if length > MAX_LINE {
        return Err(Error::Invalid(Reason::new(
            "text-too-long",
            vec![
                ("what", Arg::Word(what)),
                ("length", Arg::count(length)),
                ("limit", Arg::count(MAX_LINE)),
            ],
        )));
    }
    if let Some(refused) = text::one_line(text) {
        let mut args = vec![("what", Arg::Word(what))];
        args.extend(refused.args());
        return Err(Error::Invalid(Reason::new("text-characters", args)));
    }
    Ok(text.to_owned())
}

/// Like [`line`], but may be empty (an optional organization).
pub(crate) fn optional_line(what: &'static str, text: &str) -> Result<String, Error> {
    if text.trim().is_empty() {
        Ok(String::new())
    } else {
        line(what, text)
    }
}

/// A language people read pages and mail in: one of
/// [`LANGUAGES`](crate::definition::LANGUAGES), as the list spells it.
pub(crate) fn language(text: &str) -> Result<&'static str, Error> {
    let languages = crate::definition::LANGUAGES;
    languages
        .iter()
        .find(|l| **l == text.trim())
        .copied()
        .ok_or_else(|| {
            Error::Invalid(Reason::new(
                "language-unknown",
                vec![
                    ("language", Arg::Text(text.escape_default().to_string())),
                    (
                        "languages",
                        Arg::List(languages.iter().map(|l| Arg::Text((*l).into())).collect()),
                    ),
                ],
            ))
        })
}

/// A short key such as a program key: letters, digits, `-`, `_` and `.`, 1 to 64.
pub(crate) fn key(what: &str, text: &str) -> Result<String, Error> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(Error::invalid(format!(
            "'{}' is not a valid {what}: use 1 to 64 letters, digits, '-', '_' or '.'",
            text.escape_default()
        )))
    }
}

/// An email address, lower-cased: one `@` with a non-empty local part and a
/// domain that has a dot, no spaces or control characters, none of the
/// characters that separate or quote addresses in a mail header
/// (`<>()[]\,;:"`), at most 254 characters. (`Name <a@b.org>` or `a@b.org,
/// c@d.org` would otherwise be stored as one person and mailed as others.)
pub fn email(text: &str) -> Result<String, Error> {
    let email = text.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c))
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(Error::Invalid(Reason::new(
            "not-an-email",
            vec![("email", Arg::Text(text.trim().escape_default().to_string()))],
        )))
    }
}

/// A comment: may span lines and use tabs, but holds no other control
/// character and no bidirectional control.
pub(crate) fn comment(text: &str) -> Result<(), Error> {
    match text::lines(text) {
        Some(refused) => Err(Error::Invalid(Reason::new(
            "comment-characters",
            refused.args(),
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_people_write_are_taken_and_odd_ones_refused() {
        assert_eq!(
            email(" Amal@Health.Example ").unwrap(),
            "amal@health.example"
        );
        assert_eq!(
            email("o'neil+gradflow@x.ie").unwrap(),
            "o'neil+gradflow@x.ie"
        );
        for bad in [
            "@",
            "a b@c d",
            "amal@",
            "@health.example",
            "amal@health",
            "a@b@c.d",
            "a@.b",
            "a@b..c",
            "a\u{1b}[31m@b.c",
            "<a@b.c>",
            "Amal <amal@health.example>",
            "a,b@c.d",
            "a@b.c;d@e.f",
            "\"a\"@b.c",
            "a:b@c.d",
            "a@[127.0.0.1]",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn one_line_text_refuses_empty_and_control_characters() {
        assert_eq!(line("name", "  Amal  ").unwrap(), "Amal");
        assert!(line("name", "   ").is_err());
        assert!(line("name", "a\u{0}b").is_err());
        assert!(line("name", "\u{1b}[2J").is_err());
        assert!(line("name", "two\nlines").is_err());
        assert!(line("name", &"x".repeat(MAX_LINE + 1)).is_err());
        assert!(comment("line one\nline two\tok").is_ok());
        assert!(comment("bell \u{7}").is_err());
    }

    #[test]
    fn one_line_text_and_comments_refuse_bidirectional_controls() {
        let refused = line("file-name", "report\u{202E}fdp.exe").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "text-characters what=file-name kind=bidi char=\"U+202E\" name=rlo"
        );
        assert!(comment("approved\u{2067} not").is_err());
        assert_eq!(line("name", "مريم\u{200F} 2").unwrap(), "مريم\u{200F} 2");
    }

    #[test]
    fn keys_are_plain() {
        assert_eq!(key("program key", "service-2026").unwrap(), "service-2026");
        for bad in ["", "has space", "ünï", &"k".repeat(65)] {
            assert!(key("program key", bad).is_err(), "{bad:?}");
        }
    }
}
