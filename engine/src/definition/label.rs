//! Words a definition shows to people (titles, labels, descriptions), in
//! one text for every language or in a text per language.

/// The languages a definition's words may be written in, and people read
/// pages and mail in, by code; the first is the default (what the CLI and
/// pictures show). The one list: the web's languages and a person's
/// language are checked against it too.
pub const LANGUAGES: &[&str] = &["en", "ar"];

/// The default language: the first of [`LANGUAGES`].
pub const DEFAULT_LANGUAGE: &str = LANGUAGES[0];

/// A title, label or description: written once (`title: Proposal`, the same
/// text in every language) or per language (`title: { en: Proposal, ar:
/// المقترح }`). [`Label::get`] always finds a text, so no caller can forget
/// the fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Shown in a language the label was not written in: the default
    /// language's text, or else the first text written.
    default: String,
    /// The texts per language as written, each code one of [`LANGUAGES`]
    /// (empty for a label written once).
    texts: Vec<(&'static str, String)>,
}

impl Label {
    /// The same text in every language.
    pub fn new(text: impl Into<String>) -> Label {
        Label {
            default: text.into(),
            texts: Vec::new(),
        }
    }

    /// A text per language, in written order; `None` when there is none.
    /// The default text is the default language's, or else the first.
    pub fn in_languages(texts: Vec<(&'static str, String)>) -> Option<Label> {
        let default = texts
            .iter()
            .find(|(code, _)| *code == DEFAULT_LANGUAGE)
            .or_else(|| texts.first())?
            .1
            .clone();
        Some(Label { default, texts })
    }

    /// The text in language `lang` (`ar`; a regional tag such as `ar-OM`
    /// finds `ar`), or the default text when it was not written in it.
    pub fn get(&self, lang: &str) -> &str {
        let primary = lang.split(['-', '_']).next().unwrap_or(lang);
        self.texts
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(lang))
            .or_else(|| {
                self.texts
                    .iter()
                    .find(|(code, _)| code.eq_ignore_ascii_case(primary))
            })
            .map_or(&self.default, |(_, text)| text)
    }

    /// The default text: what the CLI, pictures and the engine's own
    /// messages show.
    pub fn default_text(&self) -> &str {
        &self.default
    }
}

impl From<&str> for Label {
    fn from(text: &str) -> Label {
        Label::new(text)
    }
}

impl From<String> for Label {
    fn from(text: String) -> Label {
        Label::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_written_once_reads_the_same_in_every_language() {
        let label = Label::new("Proposal");
        for lang in ["en", "ar", "fr", ""] {
            assert_eq!(label.get(lang), "Proposal");
        }
        assert_eq!(label.default_text(), "Proposal");
    }

    #[test]
    fn a_label_per_language_falls_back_to_the_default_language_then_the_first() {
        let label =
            Label::in_languages(vec![("ar", "المقترح".into()), ("en", "Proposal".into())]).unwrap();
        assert_eq!(label.get("ar"), "المقترح");
        assert_eq!(label.get("ar-OM"), "المقترح");
        assert_eq!(label.get("en"), "Proposal");
        assert_eq!(label.get("fr"), "Proposal");
        assert_eq!(label.default_text(), "Proposal");
        let arabic_only = Label::in_languages(vec![("ar", "المقترح".into())]).unwrap();
        assert_eq!(arabic_only.get("en"), "المقترح");
        assert_eq!(Label::in_languages(Vec::new()), None);
    }
}
