//! The cohort file `gradflow simulate` runs a workflow against: the calendar
//! staff would give `gradflow cohort create`, plus the day projects start.
//! Every problem is reported as `FILE:LINE:COL: error: message`, all at once,
//! like `gradflow workflow validate` does for definitions.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use gradflow_engine::calendar::{Calendar, MailHours, Weekend};
use gradflow_engine::definition::{ReadError, read_text};
use gradflow_engine::service::MAX_CAPACITY;
use jiff::civil::Date;
use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

/// Largest cohort file accepted: a calendar is a few dozen lines.
const MAX_COHORT_FILE: u64 = 64 * 1024;

/// A cohort file as written. Unknown keys are refused: a misspelt optional
/// key (`holiday:`) would otherwise be ignored without a word.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    name: Spanned<String>,
    time_zone: Spanned<String>,
    weekend: Spanned<String>,
    #[serde(default)]
    mail_hours: Option<Spanned<String>>,
    /// Optional only for workflows that use no cohort dates; the engine
    /// checks the names against the workflow when the cohort is created.
    #[serde(default)]
    dates: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
    capacity: Spanned<u32>,
    start: Spanned<String>,
}

/// A cohort file that reads well: every value parsed, the zone known.
#[derive(Debug, Clone)]
pub struct CohortFile {
    /// The file, for messages.
    pub path: PathBuf,
    /// The cohort's name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Weekly rest days.
    pub weekend: Weekend,
    /// When reminders and escalations may go out.
    pub mail_hours: MailHours,
    /// Named dates (checked against the workflow by the engine).
    pub dates: BTreeMap<String, Date>,
    /// Days the institute is closed.
    pub holidays: BTreeSet<Date>,
    /// Most projects the cohort takes.
    pub capacity: u32,
    /// The day every simulated project starts (at the opening of the mail hours).
    pub start: Date,
}

/// One problem in a cohort file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Line (1-based).
    pub line: u64,
    /// Column (1-based).
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// How to put it right, where we can tell.
    pub hint: Option<String>,
}

/// Why a cohort file cannot be used: it cannot be read, or it has problems.
#[derive(Debug)]
pub enum Error {
    /// Missing, unreadable, too large or not UTF-8 (the message names the file).
    Read(ReadError),
    /// Every problem found, in file order.
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problems.
        problems: Vec<Problem>,
    },
}

impl fmt::Display for Error {
    /// `FILE:LINE:COL: error: message` lines, each followed by its hint.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(e) => write!(f, "error: {e}"),
            Error::Invalid { path, problems } => {
                for (i, p) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(
                        f,
                        "{}:{}:{}: error: {}",
                        path.display(),
                        p.line,
                        p.column,
                        p.message
                    )?;
                    if let Some(hint) = &p.hint {
                        write!(f, "\n  hint: {hint}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Reads and checks the cohort file at `path`.
pub fn load(path: &Path) -> Result<CohortFile, Error> {
    let text = read_text(path, MAX_COHORT_FILE).map_err(Error::Read)?;
    parse(path, &text)
}

/// Checks the text of a cohort file (`path` names it in messages).
pub fn parse(path: &Path, text: &str) -> Result<CohortFile, Error> {
    let invalid = |problems| Error::Invalid {
        path: path.to_owned(),
        problems,
    };
    let source: Source = serde_saphyr::from_str_with_options(text, options())
        .map_err(|e| invalid(vec![syntax_problem(&e)]))?;
    let mut check = Checker::default();
    let name = source.name.value.trim().to_owned();
    if name.is_empty() {
        check.problem(source.name.referenced, "the cohort's name is empty", None);
    }
    let zone = source.time_zone.value.trim().to_owned();
    if let Err(e) = Calendar::new(&zone, BTreeMap::new(), BTreeSet::new(), Weekend::default()) {
        check.problem(source.time_zone.referenced, e.to_string(), None);
    }
    let weekend = source.weekend.value.parse::<Weekend>().unwrap_or_else(|e| {
        check.problem(source.weekend.referenced, e.to_string(), None);
        Weekend::default()
    });
    let mail_hours = match &source.mail_hours {
        None => MailHours::default(),
        Some(hours) => super::super::args::mail_hours(&hours.value).unwrap_or_else(|e| {
            // A span YAML read as something else is put right by quotes; a
            // span that runs backwards is not.
            let hint = (!e.contains("run backwards") && !e.contains("the same minute"))
                .then_some("quote it: mail_hours: \"09:00-17:00\"");
            check.problem(hours.referenced, e, hint);
            MailHours::default()
        }),
    };
    let mut dates = BTreeMap::new();
    for (key, value) in source.dates.iter().flat_map(|d| d.value.iter()) {
        if let Some(d) = check.date(value, &format!("the date {key}:")) {
            dates.insert(key.trim().to_owned(), d);
        }
    }
    let holidays = source
        .holidays
        .iter()
        .filter_map(|value| check.date(value, "the holiday"))
        .collect();
    let capacity = source.capacity.value;
    if capacity == 0 || capacity > MAX_CAPACITY {
        check.problem(
            source.capacity.referenced,
            format!("capacity: a cohort takes 1 to {MAX_CAPACITY} projects, not {capacity}"),
            Some("capacity is the most projects the cohort takes, e.g. 85"),
        );
    }
    let start = check.date(&source.start, "start:");
    match start {
        Some(start) if check.problems.is_empty() => Ok(CohortFile {
            path: path.to_owned(),
            name,
            time_zone: zone,
            weekend,
            mail_hours,
            dates,
            holidays,
            capacity: source.capacity.value,
            start,
        }),
        _ => Err(invalid(check.problems)),
    }
}

/// The problems found so far.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn problem(&mut self, at: Location, message: impl Into<String>, hint: Option<&str>) {
        self.problems.push(Problem {
            line: at.line().max(1),
            column: at.column().max(1),
            message: message.into(),
            hint: hint.map(str::to_owned),
        });
    }

    /// A `YYYY-MM-DD` value; `what` names it in the message.
    fn date(&mut self, value: &Spanned<String>, what: &str) -> Option<Date> {
        let parsed = value.value.trim().parse::<Date>().ok();
        if parsed.is_none() {
            self.problem(
                value.referenced,
                format!("{what} '{}' is not a date", value.value.escape_default()),
                Some("write it as YYYY-MM-DD, e.g. 2026-02-15"),
            );
        }
        parsed
    }
}

/// The crate's defaults (a key given twice is refused), without anchors or
/// aliases, as for definitions: each value is written where it is used.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: 0,
            max_anchors: 0,
        },
    }
}

/// The YAML reader's complaint in our words, at its place.
fn syntax_problem(error: &serde_saphyr::Error) -> Problem {
    let at = error.location().unwrap_or(Location::UNKNOWN);
    let full = error.without_snippet().to_string();
    let message = full
        .split(" at line ")
        .next()
        .unwrap_or(&full)
        .trim()
        .to_owned();
    let keys = "the keys are name, time_zone, weekend, mail_hours, dates, holidays, capacity and start (docs/definitions.md, \"Simulating a cohort\")";
    let (message, hint) = if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        (
            format!("duplicate key '{key}'"),
            Some("each key may appear once; remove or rename one".to_owned()),
        )
    } else if message.starts_with("unknown field") || message.starts_with("missing field") {
        (message, Some(keys.to_owned()))
    } else if message.starts_with("invalid u32") {
        (
            "expected a whole number here".to_owned(),
            Some("capacity is the most projects the cohort takes, e.g. 85".to_owned()),
        )
    } else if message.starts_with("budget breached") {
        (
            "YAML anchors and aliases (&name, *name, <<: *name) are not accepted in a cohort file"
                .to_owned(),
            Some("write each value out where it is used".to_owned()),
        )
    } else if message.starts_with("unexpected end of input") {
        ("the file is empty".to_owned(), Some(keys.to_owned()))
    } else {
        (message, None)
    };
    Problem {
        line: at.line().max(1),
        column: at.column().max(1),
        message,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("c.yaml"), text) {
            Ok(c) => panic!("accepted: {c:?}"),
            Err(e) => e.to_string().lines().map(str::to_owned).collect(),
        }
    }

    const GOOD: &str = "name: Service 2026 A\ntime_zone: Asia/Muscat\nweekend: fri,sat\nmail_hours: \"08:00-16:00\"\ndates:\n  proposal_due: 2026-02-15\nholidays: [2026-03-20]\ncapacity: 85\nstart: 2026-02-01\n";

    #[test]
    fn a_good_file_reads() {
        let c = parse(Path::new("c.yaml"), GOOD).unwrap();
        assert_eq!(c.name, "Service 2026 A");
        assert_eq!(c.weekend.to_string(), "fri,sat");
        assert_eq!(c.mail_hours.to_string(), "08:00-16:00");
        assert_eq!(c.dates["proposal_due"].to_string(), "2026-02-15");
        assert_eq!(c.capacity, 85);
        assert_eq!(c.start.to_string(), "2026-02-01");
    }

    #[test]
    fn every_problem_is_reported_at_its_place() {
        let text = GOOD
            .replace("Asia/Muscat", "Asia/Muskat")
            .replace("fri,sat", "fry,sat")
            .replace("2026-02-15", "2026-02-30");
        let lines = problems(&text);
        assert_eq!(
            lines[0],
            "c.yaml:2:12: error: 'Asia/Muskat' is not a known time zone; use an IANA name such as Europe/London or Asia/Muscat"
        );
        assert!(
            lines[1].starts_with("c.yaml:3:10: error: 'fry,sat' is not a weekend"),
            "{lines:?}"
        );
        assert_eq!(
            lines[2],
            "c.yaml:6:17: error: the date proposal_due: '2026-02-30' is not a date"
        );
    }

    #[test]
    fn unknown_and_missing_keys_are_refused() {
        let lines = problems(&format!("{GOOD}holiday: 2026-01-01\n"));
        assert!(
            lines[0].starts_with("c.yaml:10:1: error: unknown field `holiday`"),
            "{lines:?}"
        );
        let lines = problems(&GOOD.replace("capacity: 85\n", ""));
        assert!(lines[0].contains("missing field `capacity`"), "{lines:?}");
    }
}
