//! What a certificate is written with, as pure rules: the program's number
//! pattern (`PSLI-{year}-{seq:05}`), its validity (`none`, `3y`, `18mo`,
//! `365d`) and the verification code people type (Crockford base32, in
//! groups of four). No I/O and no clock: the service draws the random bits
//! and gives the dates.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Symbols of a verification code: Crockford's base32, which leaves out
/// I, L, O and U (read as 1, 1, 0 and nothing).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Symbols in a verification code: 28 × 5 = 140 random bits (at least 128).
pub const CODE_SYMBOLS: usize = 28;

/// Longest text accepted as a code, spaces and dashes included: anything
/// longer is refused before it is read.
pub const MAX_CODE_INPUT: usize = 64;

/// Longest number pattern, in characters.
pub const MAX_PATTERN: usize = 60;

/// A verification code in its canonical form: 28 symbols of [`ALPHABET`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Code(String);

/// Why text given as a code is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProblem {
    /// Longer than [`MAX_CODE_INPUT`].
    TooLong,
    /// A control character (or any character outside printable ASCII).
    Characters,
    /// Not 28 symbols of the alphabet.
    Malformed,
}

impl CodeProblem {
    /// The reason code for this problem.
    pub fn code(self) -> &'static str {
        match self {
            CodeProblem::TooLong => "certificate-code-too-long",
            CodeProblem::Characters => "certificate-code-characters",
            CodeProblem::Malformed => "certificate-code-malformed",
        }
    }
}

impl Code {
    /// The code `bits` give: each byte's low five bits choose a symbol
    /// (the service passes [`CODE_SYMBOLS`] random bytes).
    pub fn from_random(bits: &[u8; CODE_SYMBOLS]) -> Code {
        Code(
            bits.iter()
                .map(|b| ALPHABET[usize::from(b & 31)] as char)
                .collect(),
        )
    }

    /// Reads a code as a person typed it: case does not matter, spaces and
    /// dashes are ignored, O reads as 0 and I or L as 1.
    pub fn parse(text: &str) -> Result<Code, CodeProblem> {
        if text.len() > MAX_CODE_INPUT {
            return Err(CodeProblem::TooLong);
        }
        if text.chars().any(|c| !(c.is_ascii_graphic() || c == ' ')) {
            return Err(CodeProblem::Characters);
        }
        let mut out = String::with_capacity(CODE_SYMBOLS);
        for c in text.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(CodeProblem::Malformed),
            };
            out.push(c);
        }
        if out.len() != CODE_SYMBOLS {
            return Err(CodeProblem::Malformed);
        }
        Ok(Code(out))
    }

    /// The canonical form: 28 symbols, no dashes (how it is stored).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code for people: groups of four joined by dashes.
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(CODE_SYMBOLS + CODE_SYMBOLS / 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// The public check address of this code under the site's public
    /// address `public_url` (`--public-url`): `URL/verify/CODE`, grouped.
    /// The one rule pages, QR codes and mail share.
    pub fn check_address(&self, public_url: &str) -> String {
        format!(
            "{}/verify/{}",
            public_url.trim_end_matches('/'),
            self.grouped()
        )
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// One piece of a number pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Year,
    /// The sequence, zero-padded to this width (0: as it is).
    Seq(usize),
}

/// A certificate number pattern such as `PSLI-{year}-{seq:05}`: text with
/// the placeholders `{year}` (the year of issue) and `{seq}` or `{seq:0N}`
/// (the certificate's place in its program and year, padded to N digits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    pieces: Vec<Piece>,
}

/// Why a number pattern is refused (each a reason code; see `reason.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternProblem {
    /// A placeholder that is not `{year}`, `{seq}` or `{seq:0N}`.
    Unknown(String),
    /// No `{seq}`: numbers would repeat.
    NoSequence,
    /// A `{` without its `}`, or a `}` alone.
    Unbalanced,
    /// Empty, too long, or with characters other than printable ASCII.
    Text,
}

impl PatternProblem {
    /// The reason code for this problem.
    pub fn code(&self) -> &'static str {
        match self {
            PatternProblem::Unknown(_) => "pattern-placeholder-unknown",
            PatternProblem::NoSequence => "pattern-no-sequence",
            PatternProblem::Unbalanced => "pattern-unbalanced",
            PatternProblem::Text => "pattern-text",
        }
    }
}

impl Pattern {
    /// Reads and checks a pattern.
    pub fn parse(source: &str) -> Result<Pattern, PatternProblem> {
        if source.is_empty()
            || source.len() > MAX_PATTERN
            || source.chars().any(|c| !c.is_ascii_graphic())
        {
            return Err(PatternProblem::Text);
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while !rest.is_empty() {
            match (rest.find('{'), rest.find('}')) {
                (Some(open), close) if close.is_none_or(|c| c > open) => {
                    if open > 0 {
                        pieces.push(Piece::Text(rest[..open].to_owned()));
                    }
                    let after = &rest[open + 1..];
                    let Some(end) = after.find('}') else {
                        return Err(PatternProblem::Unbalanced);
                    };
                    let name = &after[..end];
                    if name.contains('{') {
                        return Err(PatternProblem::Unbalanced);
                    }
                    pieces.push(placeholder(name)?);
                    rest = &after[end + 1..];
                }
                (_, Some(_)) => return Err(PatternProblem::Unbalanced),
                (None, None) => {
                    pieces.push(Piece::Text(rest.to_owned()));
                    rest = "";
                }
                (Some(_), None) => unreachable!("matched by the first arm"),
            }
        }
        if !pieces.iter().any(|p| matches!(p, Piece::Seq(_))) {
            return Err(PatternProblem::NoSequence);
        }
        Ok(Pattern {
            source: source.to_owned(),
            pieces,
        })
    }

    /// Whether the number depends on the year: then the sequence starts
    /// again each year; otherwise it runs on for the program's lifetime.
    pub fn has_year(&self) -> bool {
        self.pieces.contains(&Piece::Year)
    }

    /// The number for `year` and place `seq`.
    pub fn render(&self, year: i16, seq: i64) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Year => out.push_str(&year.to_string()),
                Piece::Seq(width) => out.push_str(&format!("{seq:0width$}")),
            }
        }
        out
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

fn placeholder(name: &str) -> Result<Piece, PatternProblem> {
    match name {
        "year" => Ok(Piece::Year),
        "seq" => Ok(Piece::Seq(0)),
        _ => name
            .strip_prefix("seq:0")
            .filter(|w| !w.is_empty() && w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|w| w.parse::<usize>().ok())
            .filter(|w| (1..=12).contains(w))
            .map(Piece::Seq)
            .ok_or_else(|| PatternProblem::Unknown(format!("{{{name}}}"))),
    }
}

/// How long a certificate stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Validity {
    /// It never expires.
    None,
    /// Whole years.
    Years(u16),
    /// Whole months.
    Months(u16),
    /// Whole days.
    Days(u16),
}

impl Validity {
    /// Reads `none`, `3y`, `18mo` or `365d` (also `3 years`, `18 months`,
    /// `365 days`); `None` when it is none of these.
    pub fn parse(text: &str) -> Option<Validity> {
        let text = text.trim().to_ascii_lowercase();
        if text == "none" {
            return Some(Validity::None);
        }
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let n: u16 = text[..digits].parse().ok().filter(|n| *n > 0)?;
        match text[digits..].trim() {
            "y" | "year" | "years" if n <= 100 => Some(Validity::Years(n)),
            "mo" | "month" | "months" if n <= 1200 => Some(Validity::Months(n)),
            "d" | "day" | "days" if n <= 36500 => Some(Validity::Days(n)),
            _ => None,
        }
    }

    /// The date a certificate issued on `issued` expires (`None`: never).
    pub fn expiry(self, issued: jiff::civil::Date) -> Option<jiff::civil::Date> {
        let span = match self {
            Validity::None => return None,
            Validity::Years(n) => jiff::Span::new().years(n),
            Validity::Months(n) => jiff::Span::new().months(n),
            Validity::Days(n) => jiff::Span::new().days(n),
        };
        issued.checked_add(span).ok()
    }
}

impl fmt::Display for Validity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validity::None => f.write_str("none"),
            Validity::Years(n) => write!(f, "{n}y"),
            Validity::Months(n) => write!(f, "{n}mo"),
            Validity::Days(n) => write!(f, "{n}d"),
        }
    }
}

/// A text in each language a certificate is written in (English and Arabic).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Texts {
    /// English.
    pub en: String,
    /// Arabic.
    pub ar: String,
}

impl Texts {
    /// The text in `lang` (`ar`, else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "ar" { &self.ar } else { &self.en }
    }

    /// The texts of a workflow's label in both languages.
    pub fn of(label: &crate::definition::Label) -> Texts {
        Texts {
            en: label.get("en").to_owned(),
            ar: label.get("ar").to_owned(),
        }
    }
}

/// The improvement measured, as the certificate keeps it: what was
/// measured (in both languages), before, after and the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Improvement {
    /// What was measured: the indicator chosen, else the improvement's title.
    pub what: Texts,
    /// Its unit, if the workflow names one.
    pub unit: Option<Texts>,
    /// The measurement before the change.
    pub before: f64,
    /// The measurement after it.
    pub after: f64,
    /// The change as a whole percentage of `before` (`None` when before is 0).
    pub percent: Option<i64>,
    /// Whether the change is for the better, when the workflow says which way is.
    pub improved: Option<bool>,
}

/// The improvement a project's answers show (the one rule pages and
/// certificates share): `answers` as `decide::milestone_answers` reads them
/// from the log, `forms` the project's form answers (for the indicator).
pub fn improvement(
    workflow: &crate::definition::Workflow,
    answers: &std::collections::BTreeMap<String, crate::decide::Fields>,
    forms: &std::collections::BTreeMap<String, std::sync::Arc<crate::decide::Fields>>,
) -> Option<Improvement> {
    let definition = workflow.improvement.as_ref()?;
    let m = crate::decide::measured(definition, answers)?;
    let what = match (
        crate::decide::indicator(definition, forms),
        &definition.indicator,
    ) {
        (Some(chosen), Some((form, field))) => {
            let title = |lang: &str| {
                workflow
                    .forms
                    .get(form)
                    .and_then(|f| f.field(field))
                    .and_then(|f| f.choice_title(chosen, lang))
                    .unwrap_or(chosen)
                    .to_owned()
            };
            Texts {
                en: title("en"),
                ar: title("ar"),
            }
        }
        _ => Texts::of(&definition.title),
    };
    Some(Improvement {
        what,
        unit: definition.unit.as_ref().map(Texts::of),
        before: m.before,
        after: m.after,
        percent: m.percent,
        improved: m.improved,
    })
}

/// What a certificate says, fixed when it is issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Details {
    /// The program's title.
    pub program: String,
    /// The level certified (e.g. Service, Excellence).
    pub level: Texts,
    /// Who awards it.
    pub awarding_body: Texts,
    /// Who accredits it.
    pub accrediting_body: Texts,
    /// The project's title.
    pub project_title: String,
    /// The improvement measured, when the workflow pairs one.
    pub improvement: Option<Improvement>,
}

/// A certificate's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Issued, not revoked, not past its expiry.
    Valid,
    /// Past its expiry (computed from the date, never stored).
    Expired,
    /// Revoked (stored, with a reason).
    Revoked,
}

impl Status {
    /// The standing of a certificate revoked or not, expiring at `expires`, at `now`.
    pub fn at(revoked: bool, expires: Option<jiff::Timestamp>, now: jiff::Timestamp) -> Status {
        if revoked {
            Status::Revoked
        } else if expires.is_some_and(|e| now >= e) {
            Status::Expired
        } else {
            Status::Valid
        }
    }

    /// The word for it, as `--json` and the check page's JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::Revoked => "revoked",
        }
    }
}

/// A place on a cohort's staff that a program may keep for holders of
/// another program's certificate (train-the-trainer): its coordinators, and
/// its committee (the pool and anyone given a role that judges the work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Staff {
    /// A coordinator of the cohort (or the `coordinator` role on a project).
    Coordinator,
    /// A committee member: in the cohort's pool, or an evaluator or chair.
    Committee,
}

impl Staff {
    /// The word reasons carry for it (`coordinator`, `committee`).
    pub fn as_str(self) -> &'static str {
        match self {
            Staff::Coordinator => "coordinator",
            Staff::Committee => "committee",
        }
    }

    /// The staff place a project role given by hand takes in `workflow`:
    /// `coordinator`, or a role that judges the work
    /// ([`crate::decide::committee::judges`]); `None` for any other role.
    pub fn of_role(workflow: &crate::definition::Workflow, role: &str) -> Option<Staff> {
        if role == "coordinator" {
            Some(Staff::Coordinator)
        } else if crate::decide::committee::judges(workflow, role) {
            Some(Staff::Committee)
        } else {
            None
        }
    }
}

/// What a program asks of its staff: for each place, the program (row id)
/// whose valid certificate its holder needs, if any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffNeeds {
    /// What its coordinators need.
    pub coordinators: Option<i64>,
    /// What its committee members need.
    pub committee: Option<i64>,
}

impl StaffNeeds {
    /// The program whose certificate `staff` needs, if any.
    pub fn of(&self, staff: Staff) -> Option<i64> {
        match staff {
            Staff::Coordinator => self.coordinators,
            Staff::Committee => self.committee,
        }
    }

    /// The train-the-trainer rule: someone whose certificates stand as
    /// `held` (program id, standing now) may take `staff` when the program
    /// asks nothing for it, or when one of them is a [`Status::Valid`]
    /// certificate of the program it names. Otherwise the program they
    /// lack, for the refusal to name.
    pub fn check(&self, staff: Staff, held: &[(i64, Status)]) -> Result<(), i64> {
        match self.of(staff) {
            None => Ok(()),
            Some(needed)
                if held
                    .iter()
                    .any(|(program, status)| *program == needed && *status == Status::Valid) =>
            {
                Ok(())
            }
            Some(needed) => Err(needed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_needs_a_valid_certificate_of_the_named_program() {
        let needs = StaffNeeds {
            coordinators: Some(7),
            committee: None,
        };
        assert_eq!(needs.check(Staff::Committee, &[]), Ok(()));
        assert_eq!(needs.check(Staff::Coordinator, &[]), Err(7));
        assert_eq!(
            needs.check(
                Staff::Coordinator,
                &[
                    (7, Status::Revoked),
                    (7, Status::Expired),
                    (8, Status::Valid)
                ]
            ),
            Err(7)
        );
        assert_eq!(
            needs.check(
                Staff::Coordinator,
                &[(7, Status::Expired), (7, Status::Valid)]
            ),
            Ok(())
        );
    }

    #[test]
    fn patterns_render_and_refuse() {
        let p = Pattern::parse("PSLI-{year}-{seq:05}").unwrap();
        assert_eq!(p.render(2026, 7), "PSLI-2026-00007");
        assert!(p.has_year());
        assert_eq!(Pattern::parse("N{seq}").unwrap().render(2026, 12), "N12");
        assert_eq!(
            Pattern::parse("X-{yaer}-{seq}"),
            Err(PatternProblem::Unknown("{yaer}".into()))
        );
        assert_eq!(Pattern::parse("X-{year}"), Err(PatternProblem::NoSequence));
        assert_eq!(Pattern::parse("X-{seq"), Err(PatternProblem::Unbalanced));
        assert_eq!(Pattern::parse("X}-{seq}"), Err(PatternProblem::Unbalanced));
        assert_eq!(Pattern::parse("X {seq}"), Err(PatternProblem::Text));
        assert!(matches!(
            Pattern::parse("{seq:5}"),
            Err(PatternProblem::Unknown(_))
        ));
    }

    #[test]
    fn codes_read_as_people_type_them() {
        let code = Code::from_random(&[7; CODE_SYMBOLS]);
        assert_eq!(code.as_str(), "7".repeat(CODE_SYMBOLS));
        let typed = "abcd efgh-jkmn pqrs tvwx yz01 2345";
        let parsed = Code::parse(typed).unwrap();
        assert_eq!(parsed.as_str(), "ABCDEFGHJKMNPQRSTVWXYZ012345");
        assert_eq!(parsed.grouped(), "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345");
        assert_eq!(Code::parse(&parsed.grouped()).unwrap(), parsed);
        assert_eq!(
            Code::parse("oooo iiii llll 0000 0000 0000 0000")
                .unwrap()
                .as_str(),
            "0000111111110000000000000000"
        );
        assert_eq!(Code::parse("ABCD"), Err(CodeProblem::Malformed));
        assert_eq!(
            Code::parse("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234U"),
            Err(CodeProblem::Malformed)
        );
        assert_eq!(Code::parse("AB\u{7}CD"), Err(CodeProblem::Characters));
        assert_eq!(Code::parse("AB\u{202e}CD"), Err(CodeProblem::Characters));
        assert_eq!(Code::parse(&"A".repeat(65)), Err(CodeProblem::TooLong));
    }

    #[test]
    fn validity_reads_and_adds() {
        let d = jiff::civil::date(2026, 2, 28);
        assert_eq!(Validity::parse("none"), Some(Validity::None));
        assert_eq!(
            Validity::parse("3y").unwrap().expiry(d),
            Some(jiff::civil::date(2029, 2, 28))
        );
        assert_eq!(Validity::parse("18 months"), Some(Validity::Months(18)));
        assert_eq!(Validity::parse("365d"), Some(Validity::Days(365)));
        assert_eq!(Validity::parse("0y"), None);
        assert_eq!(Validity::parse("3h"), None);
        assert_eq!(Validity::None.expiry(d), None);
    }
}
