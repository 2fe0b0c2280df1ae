//! The characters people's text may hold, in one place: the definition's
//! words, names and titles, form answers and comments all follow it.
//!
//! - **One-line text** (a name, a title, a label, a one-line answer, a file
//!   name): no control character at all (no NUL, no escape sequence, no line
//!   break, U+2028 and U+2029 included), and none of the bidirectional
//!   controls below.
//! - **Text on several lines** (a description, a long answer, a comment):
//!   line breaks (`\n`, `\r`) and tabs are kept; every other control
//!   character and the bidirectional controls are refused.
//!
//! The bidirectional controls refused are the embeddings, overrides and
//! isolates: U+202A to U+202E and U+2066 to U+2069. One of them reorders
//! everything after it, so `report\u{202E}fdp.exe` shows as "reportexe.pdf"
//! (the "Trojan Source" trick; rustc warns about the same nine characters).
//! The marks U+200E (left-to-right), U+200F (right-to-left) and U+061C
//! (Arabic letter mark) are accepted: Arabic text mixed with Latin names or
//! numbers needs them to place punctuation, and a mark only sets the
//! direction of the neutral characters beside it; it cannot turn a run of
//! letters around.
//!
//! Pure: the service's input rules and the definition's validation call it.

use std::fmt;

/// Longest one-line text (a name, a title, a label), in characters.
pub const MAX_LINE: usize = 300;

/// Longest text on several lines (a definition's description, and an
/// answer to a field without its own `max_length`), in characters.
pub const MAX_LINES: usize = 20_000;

/// What may not be in a text, and which character it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A control character: NUL, an escape, a bell, or a line break in one-line text.
    Control(char),
    /// A bidirectional embedding, override or isolate (U+202A-U+202E, U+2066-U+2069).
    Bidi(char),
}

impl Refused {
    /// The character refused.
    pub fn char(self) -> char {
        match self {
            Refused::Control(c) | Refused::Bidi(c) => c,
        }
    }
}

impl Refused {
    /// The refused character as reason arguments: `kind` (`line-break`,
    /// `control` or `bidi`, a word messages choose by) and `char` (`U+202E`).
    pub fn args(self) -> Vec<(&'static str, crate::reason::Arg)> {
        use crate::reason::Arg;
        let kind = match self {
            Refused::Control('\n' | '\r' | '\u{2028}' | '\u{2029}') => "line-break",
            Refused::Control(_) => "control",
            Refused::Bidi(_) => "bidi",
        };
        vec![
            ("kind", Arg::Word(kind)),
            ("char", Arg::Text(code(self.char()))),
            ("name", Arg::Term(bidi_term(self.char()))),
        ]
    }
}

impl fmt::Display for Refused {
    /// "a control character (U+0000)" or "the bidirectional control U+202E
    /// (right-to-left override), which makes text read differently from what it holds".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Refused::Control('\n' | '\r' | '\u{2028}' | '\u{2029}') => {
                write!(f, "a line break ({})", code(self.char()))
            }
            Refused::Control(c) => write!(f, "a control character ({})", code(c)),
            Refused::Bidi(c) => write!(
                f,
                "the bidirectional control {} ({}), which makes text show in another order than it is written",
                code(c),
                bidi_name(c)
            ),
        }
    }
}

/// `U+202E`.
fn code(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Whether `c` is one of the bidirectional embeddings, overrides or isolates.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The catalogue's term for a bidirectional control (`none` for any other character).
pub fn bidi_term(c: char) -> &'static str {
    match c {
        '\u{202A}' => "lre",
        '\u{202B}' => "rle",
        '\u{202C}' => "pdf",
        '\u{202D}' => "lro",
        '\u{202E}' => "rlo",
        '\u{2066}' => "lri",
        '\u{2067}' => "rli",
        '\u{2068}' => "fsi",
        '\u{2069}' => "pdi",
        '\u{200E}' => "lrm",
        '\u{200F}' => "rlm",
        '\u{061C}' => "alm",
        _ => "none",
    }
}

fn bidi_name(c: char) -> &'static str {
    match c {
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        _ => "pop directional isolate",
    }
}

/// The first character one-line text may not hold, if any.
pub fn one_line(text: &str) -> Option<Refused> {
    // Printable ASCII holds nothing refused: checked a byte at a time
    // without decoding (a hot path: every text answer of every form).
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None;
    }
    text.chars().find_map(|c| {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            Some(Refused::Control(c))
        } else if is_bidi_control(c) {
            Some(Refused::Bidi(c))
        } else {
            None
        }
    })
}

/// The first character text on several lines may not hold, if any (line
/// breaks and tabs are allowed).
pub fn lines(text: &str) -> Option<Refused> {
    // Printable ASCII, line breaks and tabs hold nothing refused (as in
    // [`one_line`], without decoding).
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t'))
    {
        return None;
    }
    text.chars().find_map(|c| {
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            Some(Refused::Control(c))
        } else if is_bidi_control(c) {
            Some(Refused::Bidi(c))
        } else {
            None
        }
    })
}

/// What to write instead, for a message's hint.
pub const HINT: &str = "remove it and write plain text; in Arabic text mixed with other scripts, the marks U+200F (right-to-left) and U+200E (left-to-right) are accepted";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every bidirectional embedding, override and isolate.
    const BIDI: [char; 9] = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}',
    ];

    #[test]
    fn bidi_controls_are_refused_everywhere_and_marks_kept() {
        for c in BIDI {
            let text = format!("report{c}fdp.exe");
            assert_eq!(one_line(&text), Some(Refused::Bidi(c)), "{c:?}");
            assert_eq!(lines(&text), Some(Refused::Bidi(c)), "{c:?}");
        }
        assert!(
            one_line("report\u{202E}fdp.exe")
                .unwrap()
                .to_string()
                .contains("U+202E (right-to-left override)")
        );
        // Arabic with its marks, and joiners, are text.
        for ok in [
            "مشروع\u{200F} 2026",
            "Amal\u{200E} (عمان)",
            "\u{061C}١٢",
            "👩\u{200D}🎓",
        ] {
            assert_eq!(one_line(ok), None, "{ok:?}");
            assert_eq!(lines(ok), None, "{ok:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_in_lines() {
        for c in ['\0', '\u{7}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}'] {
            assert_eq!(one_line(&format!("a{c}b")), Some(Refused::Control(c)));
            assert_eq!(lines(&format!("a{c}b")), Some(Refused::Control(c)));
        }
        for c in ['\n', '\r', '\t', '\u{2028}', '\u{2029}'] {
            assert_eq!(one_line(&format!("a{c}b")), Some(Refused::Control(c)));
        }
        assert_eq!(lines("one\r\ntwo\tthree\u{2028}four"), None);
        assert_eq!(
            one_line("a\0b").unwrap().to_string(),
            "a control character (U+0000)"
        );
    }
}
