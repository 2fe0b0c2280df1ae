//! Titles, labels and descriptions: one text for every language, or a text
//! per language (`{ en: Proposal, ar: المقترح }`), each language one of
//! [`LANGUAGES`] and each text given. (A mapping where a language's text is
//! expected, or a list of lists, is refused while the file is read.)

use serde_saphyr::{Location, Spanned};

use super::Checker;
use crate::definition::label::{DEFAULT_LANGUAGE, LANGUAGES, Label};
use crate::definition::names::shown;
use crate::definition::source::{LabelSource, TextSource, Words};
use crate::definition::text as characters;

impl Checker<'_> {
    /// Words that may be left out (`what`: `title`, `label`, ...); absent,
    /// they are `fallback`, the same in every language.
    pub(super) fn words(
        &mut self,
        words: &Words,
        what: &str,
        fallback: impl FnOnce() -> String,
    ) -> Label {
        self.optional_words(words, what)
            .unwrap_or_else(|| Label::new(fallback()))
    }

    /// Words that may be left out and have no default (a description, a unit).
    pub(super) fn optional_words(&mut self, words: &Words, what: &str) -> Option<Label> {
        words.as_ref().and_then(|w| self.label(w, what))
    }

    /// The words `source` says, if it says any (`title: ~` says none); what
    /// is wrong in them is reported where it is written.
    pub(super) fn label(&mut self, source: &Spanned<LabelSource>, what: &str) -> Option<Label> {
        let entries = match &source.value {
            LabelSource::Plain(TextSource::List) => {
                self.error_hint(
                    source.referenced,
                    format!("the {what} is a list"),
                    "write text, or a text per language such as { en: ..., ar: ... }",
                );
                return None;
            }
            LabelSource::Plain(text) => {
                let text = self.text(text, source.referenced)?;
                self.characters(&text, source.referenced, what, "");
                return Some(Label::new(text));
            }
            LabelSource::Languages(entries) => &entries.0,
        };
        if entries.is_empty() {
            self.error_hint(
                source.referenced,
                format!("the {what} has no text in any language"),
                format!(
                    "write a text per language such as {{ en: ..., ar: ... }} (languages: {}), or plain text for every language",
                    LANGUAGES.join(", ")
                ),
            );
            return None;
        }
        let mut texts = Vec::new();
        for (code, text) in entries {
            let language = LANGUAGES.iter().find(|l| **l == code.value);
            if language.is_none() {
                self.error_hint(
                    code.referenced,
                    format!("unknown language '{}' in the {what}", shown(&code.value)),
                    format!("languages: {}", LANGUAGES.join(", ")),
                );
            }
            // Nothing written has no place of its own: its language's.
            let place =
                if matches!(text.value, TextSource::Null) || text.referenced == Location::UNKNOWN {
                    code.referenced
                } else {
                    text.referenced
                };
            if matches!(text.value, TextSource::List) {
                self.error_hint(
                    place,
                    format!("the '{}' {what} is a list, not text", shown(&code.value)),
                    "write the text itself after the language code",
                );
                continue;
            }
            match self.text(&text.value, place) {
                Some(t) if !t.trim().is_empty() => {
                    self.characters(&t, place, what, &format!("'{}' ", shown(&code.value)));
                    if let Some(language) = language {
                        texts.push((*language, t));
                    }
                }
                _ => self.error_hint(
                    place,
                    format!("the '{}' {what} is empty", shown(&code.value)),
                    format!(
                        "write the text, or leave the language out (the {DEFAULT_LANGUAGE} text, or else the first, is shown in its place)"
                    ),
                ),
            }
        }
        Label::in_languages(texts)
    }

    /// Reports a character the text may not hold (see
    /// [`crate::definition::text`]): a description may span lines, every
    /// other text is one line. `language` is "'ar' " or empty.
    pub(super) fn characters(&mut self, text: &str, at: Location, what: &str, language: &str) {
        let (refused, limit) = if what == "description" {
            (characters::lines(text), characters::MAX_LINES)
        } else {
            (characters::one_line(text), characters::MAX_LINE)
        };
        let length = text.chars().count();
        if length > limit {
            self.error_hint(
                at,
                format!(
                    "the {language}{what} is {length} characters long; at most {limit} are allowed"
                ),
                "say it in fewer words; a description may be longer than a title",
            );
        }
        if let Some(refused) = refused {
            let hint = match refused {
                characters::Refused::Control('\n' | '\r' | '\u{2028}' | '\u{2029}') => {
                    "write it on one line (a description may span lines)"
                }
                _ => characters::HINT,
            };
            self.error_hint(at, format!("the {language}{what} contains {refused}"), hint);
        }
    }

    /// The text of a scalar written at `at`; `None` for nothing (or a list).
    fn text(&self, text: &TextSource, at: Location) -> Option<String> {
        match text {
            TextSource::Text(t) => Some(t.clone()),
            TextSource::Typed(value) => Some(self.written(at, value)),
            TextSource::Null | TextSource::List => None,
        }
    }

    /// A plain scalar YAML read as a number or yes/no (`2026`, `Yes`), as
    /// written in the file; `value` (what YAML made of it) when the file's
    /// text there cannot be found.
    pub(super) fn written(&self, at: Location, value: &str) -> String {
        let span = at.span();
        let text = span
            .byte_offset()
            .zip(span.byte_len())
            .and_then(|(offset, len)| {
                let start = usize::try_from(offset).ok()?;
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                self.text.get(start..end)
            })
            .map(str::trim)
            .filter(|t| !t.is_empty());
        text.unwrap_or(value).to_owned()
    }
}
