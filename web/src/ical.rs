//! A small iCalendar (RFC 5545) writer for the calendar feeds: content
//! lines ended by CRLF and folded at 75 octets (never inside a UTF-8
//! character), TEXT values escaped (`\\`, `\;`, `\,`, `\n`), and a
//! VTIMEZONE for a zone built from jiff's own transitions (the tz database
//! the engine plans with), so a client resolves each `TZID` to the instant
//! the engine meant.
//!
//! Our own rather than the `icalendar` crate: that crate cannot build a
//! VTIMEZONE (its docs say so) and works in chrono's types, while the
//! engine's instants and zones are jiff's; what is left is this page.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

/// Longest content line, in octets, without its CRLF (RFC 5545 3.1).
const LINE_OCTETS: usize = 75;

/// Most observances written for one zone (a zone changing twice a year
/// over a span of a hundred years); beyond it the span is cut short.
const MAX_OBSERVANCES: usize = 200;

/// An iCalendar object being written.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// An empty object.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Writes one content line `NAME:value` (`name` may carry parameters,
    /// `value` is written as given), folded, with its CRLF.
    pub fn line(&mut self, name: &str, value: &str) {
        let line = format!("{name}:{value}");
        fold_into(&mut self.out, &line);
    }

    /// Writes a TEXT property, escaped.
    pub fn text(&mut self, name: &str, value: &str) {
        self.line(name, &escape(value));
    }

    /// Writes a VTIMEZONE for `zone` (named `tzid`) whose observances cover
    /// the instants from `first` to `last`: the one in force at `first`,
    /// then every transition up to `last`.
    pub fn timezone(&mut self, tzid: &str, zone: &TimeZone, first: Timestamp, last: Timestamp) {
        self.line("BEGIN", "VTIMEZONE");
        self.text("TZID", tzid);
        let after_first = first
            .checked_add(jiff::SignedDuration::from_secs(1))
            .unwrap_or(first);
        let observance = |t: &jiff::tz::TimeZoneTransition<'_>| {
            let before = t
                .timestamp()
                .checked_sub(jiff::SignedDuration::from_secs(1))
                .map_or(t.offset(), |b| zone.to_offset(b));
            (
                t.timestamp(),
                before,
                t.offset(),
                t.abbreviation().to_owned(),
                t.dst().is_dst(),
            )
        };
        let mut transitions: Vec<(Timestamp, Offset, Offset, String, bool)> = Vec::new();
        if let Some(t) = zone.preceding(after_first).next() {
            transitions.push(observance(&t));
        }
        for t in zone.following(after_first) {
            if t.timestamp() > last || transitions.len() >= MAX_OBSERVANCES {
                break;
            }
            transitions.push(observance(&t));
        }
        if transitions.is_empty() {
            // A zone with one offset (UTC) or no transition before the span.
            let info = zone.to_offset_info(first);
            let offset = info.offset();
            self.line("BEGIN", "STANDARD");
            self.line("DTSTART", "19700101T000000");
            self.line("TZOFFSETFROM", &offset_text(offset));
            self.line("TZOFFSETTO", &offset_text(offset));
            self.text("TZNAME", info.abbreviation());
            self.line("END", "STANDARD");
        }
        for (at, from, to, name, dst) in transitions {
            let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
            // The onset, in the local time in force before it (3.6.5).
            let onset = from.to_datetime(at);
            self.line("BEGIN", kind);
            self.line("DTSTART", &local_text(onset));
            self.line("TZOFFSETFROM", &offset_text(from));
            self.line("TZOFFSETTO", &offset_text(to));
            self.text("TZNAME", &name);
            self.line("END", kind);
        }
        self.line("END", "VTIMEZONE");
    }

    /// The object written so far.
    pub fn finish(self) -> String {
        self.out
    }
}

/// `at` in UTC as a DATE-TIME (`20270328T010000Z`), whole seconds.
pub fn utc_text(at: Timestamp) -> String {
    local_text(Offset::UTC.to_datetime(at)) + "Z"
}

/// A local DATE-TIME (`20270328T010000`), whole seconds.
pub fn local_text(at: DateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A DATE (`20270328`).
pub fn date_text(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// A UTC-OFFSET (`+0100`, `-0430`; seconds when the offset has them).
fn offset_text(offset: Offset) -> String {
    let total = offset.seconds();
    let sign = if total < 0 { '-' } else { '+' };
    let total = total.unsigned_abs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut text = format!("{sign}{h:02}{m:02}");
    if s != 0 {
        let _ = write!(text, "{s:02}");
    }
    text
}

/// A TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon and comma
/// get a backslash, a line break becomes `\n`; other control characters
/// (which TEXT may not hold) are left out, a tab kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded (RFC 5545 3.1): at most 75 octets a line, each
/// continuation starting with one space, never splitting a character;
/// every line ends with CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        assert!(text.ends_with("\r\n"), "ends with CRLF: {text:?}");
        text.trim_end_matches("\r\n").split("\r\n").collect()
    }

    /// Unfolds as a reader does: CRLF followed by one space is removed.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn long_lines_fold_at_75_octets_and_unfold_to_the_same_text() {
        let mut w = Writer::new();
        let value = "x".repeat(200);
        w.line("SUMMARY", &value);
        let text = w.finish();
        for line in lines(&text) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(lines(&text)[0].len(), 75);
        assert!(lines(&text)[1].starts_with(' '));
        assert_eq!(unfold(&text), format!("SUMMARY:{value}\r\n"));
    }

    #[test]
    fn folding_never_splits_a_character() {
        // Arabic letters are two octets, an emoji four: every fold point
        // must fall between characters, and no line may pass 75 octets.
        for value in [
            "موعد تسليم المرحلة ".repeat(12),
            "😀".repeat(60),
            format!("a{}", "é".repeat(80)),
        ] {
            let mut w = Writer::new();
            w.text("SUMMARY", &value);
            let text = w.finish();
            for line in lines(&text) {
                assert!(line.len() <= 75, "{} octets", line.len());
            }
            assert_eq!(unfold(&text), format!("SUMMARY:{}\r\n", escape(&value)));
        }
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let mut w = Writer::new();
        w.line("X", &"y".repeat(73));
        assert_eq!(lines(&w.finish()).len(), 1);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a\\b;c,d\ne\r\nf\rg"), "a\\\\b\\;c\\,d\\ne\\nf\\ng");
        assert_eq!(escape("bell\u{7}\ttab"), "bell\ttab");
        assert_eq!(escape("مشروع: تقرير"), "مشروع: تقرير");
    }

    #[test]
    fn offsets_and_times_are_written_as_the_rfc_says() {
        assert_eq!(offset_text(Offset::constant(1)), "+0100");
        assert_eq!(offset_text(Offset::constant(-5)), "-0500");
        assert_eq!(
            offset_text(Offset::from_seconds(-(4 * 3600 + 30 * 60)).unwrap()),
            "-0430"
        );
        let at: Timestamp = "2027-03-28T01:00:00.123Z".parse().unwrap();
        assert_eq!(utc_text(at), "20270328T010000Z");
        assert_eq!(date_text(jiff::civil::date(2027, 3, 8)), "20270308");
    }

    #[test]
    fn london_gets_its_spring_and_autumn_changes() {
        let zone = TimeZone::get("Europe/London").unwrap();
        let mut w = Writer::new();
        w.timezone(
            "Europe/London",
            &zone,
            "2027-03-01T00:00:00Z".parse().unwrap(),
            "2027-11-01T00:00:00Z".parse().unwrap(),
        );
        let text = w.finish();
        let lines = lines(&text);
        // In force on 1 March: GMT since October 2026; then BST from
        // 28 March 2027, 01:00 GMT; then GMT from 31 October, 02:00 BST.
        let expected = [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/London",
            "BEGIN:STANDARD",
            "DTSTART:20261025T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000",
            "TZNAME:GMT",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:20270328T010000",
            "TZOFFSETFROM:+0000",
            "TZOFFSETTO:+0100",
            "TZNAME:BST",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:20271031T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0000",
            "TZNAME:GMT",
            "END:STANDARD",
            "END:VTIMEZONE",
        ];
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_zone_without_changes_gets_one_observance() {
        let zone = TimeZone::UTC;
        let mut w = Writer::new();
        let at: Timestamp = "2027-03-01T00:00:00Z".parse().unwrap();
        w.timezone("UTC", &zone, at, at);
        let text = w.finish();
        assert!(text.contains("TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"));
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1);
    }
}
