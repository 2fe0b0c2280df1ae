//! Fuzzing the definition reader, the validator and the condition language
//! with random and mutated input: nothing may panic or hang, and what comes
//! out stays in proportion to what went in (memory is bounded).
//!
//! Each property runs a few hundred cases by default, so the suite stays
//! quick. For a long run set `GRADFLOW_FUZZ_CASES`, e.g.
//! `GRADFLOW_FUZZ_CASES=20000 cargo test --release -p gradflow-engine --test validation fuzz`.

use std::collections::BTreeSet;

use gradflow_engine::definition::{
    Diagnostic, Format, ReadError, Schedule, Templates, Workflow, draw, load, parse, read_text,
    templates_beside,
};
use gradflow_engine::expr::{self, Env, Expr, Schema, Type, Value};
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::bundled;

/// Cases per property: `GRADFLOW_FUZZ_CASES`, or `default`.
fn config(default: u32) -> Config {
    let cases = std::env::var("GRADFLOW_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        // Mutations are cheap to shrink; a failure prints its smallest input.
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// The bundled definitions' texts, the seeds of the mutations, with the
/// templates beside each.
fn seeds() -> &'static [(String, BTreeSet<String>)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, BTreeSet<String>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        bundled()
            .into_iter()
            .map(|(_, path)| {
                let text = std::fs::read_to_string(&path).expect("a bundled workflow");
                (text, templates_beside(&path))
            })
            .collect()
    })
}

/// Templates a definition may use in these runs.
fn templates() -> &'static BTreeSet<String> {
    static NAMES: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        ["deadline_reminder", "overdue_notice", "proposal_submitted"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    })
}

/// One change to a definition's text.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with `bits`.
    FlipByte {
        at: usize,
        bits: u8,
    },
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    /// Exchange what follows `: ` on two lines.
    SwapValues(usize, usize),
    /// Delete a line and the more indented lines under it.
    DropKey(usize),
    /// Replace what follows `: ` on a line with `depth` nested collections.
    Nest {
        at: usize,
        depth: usize,
        flow: bool,
    },
    /// Insert text before a byte.
    Insert {
        at: usize,
        text: String,
    },
    Truncate(usize),
    /// Replace the word at a byte with another word of the text, or an edge
    /// value: keeps the YAML well formed more often, to reach meaning checks.
    Word {
        at: usize,
        pick: usize,
    },
}

/// Values at the edges of what definitions accept.
const EDGE_WORDS: &[&str] = &[
    "all",
    "0",
    "-1",
    "1",
    "1000",
    "1001",
    "4294967295",
    "1000000",
    "1000001",
    ".nan",
    ".inf",
    "-.inf",
    "1e308",
    "1e-300",
    "\"0 9 31 2 *\"",
    "\"0 9 29 2 1\"",
    "\"*/0 * * * *\"",
    "[]",
    "{}",
    "~",
    "true",
    "\"\"",
    "score",
    "trainee",
    "done",
    "a-b",
    "a_b",
    "\"x\\n  y\"",
    "\"[*] -->\"",
    "0.001",
    "10 business_days",
    "0d",
    "99999d",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<usize>;
    prop_oneof![
        4 => (n(), 1..=255u8).prop_map(|(at, bits)| Mutation::FlipByte { at, bits }),
        2 => n().prop_map(Mutation::DeleteLine),
        2 => n().prop_map(Mutation::DuplicateLine),
        2 => (n(), n()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        3 => (n(), n()).prop_map(|(a, b)| Mutation::SwapValues(a, b)),
        2 => n().prop_map(Mutation::DropKey),
        1 => (n(), 1..3_000usize, any::<bool>())
            .prop_map(|(at, depth, flow)| Mutation::Nest { at, depth, flow }),
        2 => (n(), "([ -~]|\n|é|\u{feff}|\t){0,24}")
            .prop_map(|(at, text)| Mutation::Insert { at, text }),
        1 => n().prop_map(Mutation::Truncate),
        8 => (n(), n()).prop_map(|(at, pick)| Mutation::Word { at, pick }),
    ]
}

/// The byte offset of the character boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = |i: usize| if lines.is_empty() { 0 } else { i % lines.len() };
    match m {
        Mutation::FlipByte { at, bits } => {
            let mut bytes = text.as_bytes().to_vec();
            if !bytes.is_empty() {
                let at = at % bytes.len();
                bytes[at] ^= bits;
            }
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        Mutation::Insert { at, text: insert } => {
            let at = boundary(text, *at);
            return format!("{}{insert}{}", &text[..at], &text[at..]);
        }
        Mutation::Truncate(at) => return text[..boundary(text, *at)].to_owned(),
        Mutation::Word { at, pick } => return replace_word(text, *at, *pick),
        _ if lines.is_empty() => {}
        Mutation::DeleteLine(i) => {
            lines.remove(line(*i));
        }
        Mutation::DuplicateLine(i) => {
            let i = line(*i);
            lines.insert(i, lines[i].clone());
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (line(*a), line(*b));
            lines.swap(a, b);
        }
        Mutation::SwapValues(a, b) => {
            let (a, b) = (line(*a), line(*b));
            if let (Some((ka, va)), Some((kb, vb))) =
                (lines[a].split_once(": "), lines[b].split_once(": "))
            {
                let (na, nb) = (format!("{ka}: {vb}"), format!("{kb}: {va}"));
                lines[a] = na;
                lines[b] = nb;
            }
        }
        Mutation::DropKey(i) => {
            let i = line(*i);
            let indent = |l: &str| l.len() - l.trim_start().len();
            let own = indent(&lines[i]);
            let mut end = i + 1;
            while end < lines.len() && (lines[end].trim().is_empty() || indent(&lines[end]) > own) {
                end += 1;
            }
            lines.drain(i..end);
        }
        Mutation::Nest { at, depth, flow } => {
            let i = line(*at);
            let key = lines[i]
                .split_once(": ")
                .map_or(lines[i].as_str(), |(k, _)| k);
            let nested = if *flow {
                format!("{key}: {}x{}", "[".repeat(*depth), "]".repeat(*depth))
            } else {
                let mut out = format!("{key}:");
                for d in 1..=*depth {
                    out.push_str(&format!("\n{}a{d}:", " ".repeat(d)));
                }
                out
            };
            lines[i] = nested;
        }
    }
    lines.join("\n") + "\n"
}

/// Replaces the word (letters, digits, `_`, `-`, `.`) at or after byte `at`
/// with word number `pick` of the text's own words and [`EDGE_WORDS`].
fn replace_word(text: &str, at: usize, pick: usize) -> String {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let words: Vec<(usize, &str)> = text
        .split(|c: char| !is_word(c))
        .filter(|w| !w.is_empty())
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    if words.is_empty() {
        return text.to_owned();
    }
    let (start, word) = words[at % words.len()];
    let choices = words.len() + EDGE_WORDS.len();
    let new = match pick % choices {
        i if i < words.len() => words[i].1,
        i => EDGE_WORDS[i - words.len()],
    };
    format!("{}{new}{}", &text[..start], &text[start + word.len()..])
}

/// How many lines YAML sees in `text`: lines end with `\n`, `\r\n` or a lone `\r`.
fn yaml_lines(text: &str) -> u64 {
    let breaks = text.replace("\r\n", "\n").matches(['\n', '\r']).count();
    breaks as u64 + 1
}

/// Checks what validation said about `text`: every problem inside the file,
/// the whole report in proportion to the file, pictures of a valid workflow
/// one line per stage and arrow.
fn check_outcome(
    text: &str,
    outcome: Result<Workflow, Vec<Diagnostic>>,
) -> Result<(), TestCaseError> {
    match outcome {
        Err(problems) => {
            prop_assert!(!problems.is_empty());
            let lines = yaml_lines(text);
            let mut size = 0;
            for p in &problems {
                prop_assert!(p.line >= 1 && p.column >= 1, "{p:?}");
                prop_assert!(p.line <= lines, "{p:?} beyond line {lines}");
                size += p.message.len() + p.hint.as_ref().map_or(0, String::len);
            }
            prop_assert!(
                size <= 64 * text.len() + 64 * 1024,
                "{size} bytes of problems for {} bytes of text",
                text.len()
            );
        }
        Ok(workflow) => {
            let arrows: usize = workflow.stages.iter().map(|s| s.actions.len()).sum();
            let terminals = workflow.stages.iter().filter(|s| s.terminal).count();
            let mermaid = draw(&workflow, Format::Mermaid);
            prop_assert_eq!(
                mermaid.lines().count(),
                3 + workflow.stages.len() + arrows + terminals
            );
            let dot = draw(&workflow, Format::Dot);
            prop_assert_eq!(dot.lines().count(), 5 + workflow.stages.len() + arrows);
            for a in &workflow.roles {
                for b in &workflow.roles {
                    prop_assert_eq!(workflow.conflicting(a, b), workflow.conflicting(b, a));
                }
            }
            for stage in &workflow.stages {
                for action in &stage.actions {
                    if let Some(when) = &action.when {
                        prop_assert_eq!(when.why_false(&Missing).is_none(), when.eval(&Missing));
                    }
                }
            }
        }
    }
    Ok(())
}

fn validate(text: &str) -> Result<(), TestCaseError> {
    validate_with(text, templates())
}

fn validate_with(text: &str, templates: &BTreeSet<String>) -> Result<(), TestCaseError> {
    check_outcome(text, parse(text, Templates::Known(templates)))?;
    // Unchecked templates take the same paths with fewer problems.
    let _ = parse(text, Templates::Unchecked);
    Ok(())
}

proptest! {
    #![proptest_config(config(100))]

    #[test]
    fn mutated_bundled_definitions(
        seed in 0..3usize,
        mutations in prop_oneof![
            proptest::collection::vec(mutation(), 1..5),
            // Words only: the YAML stays well formed, the meaning goes wrong.
            proptest::collection::vec(
                (any::<usize>(), any::<usize>()).prop_map(|(at, pick)| Mutation::Word { at, pick }),
                1..4,
            ),
        ],
    ) {
        let (seed, templates) = &seeds()[seed];
        let mut text = seed.clone();
        for m in &mutations {
            text = apply(&text, m);
        }
        validate_with(&text, templates)?;
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2_048)) {
        validate(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_yaml_like_text(
        tokens in proptest::collection::vec(0..YAML_TOKENS.len(), 0..400)
    ) {
        let text: String = tokens.iter().map(|&t| YAML_TOKENS[t]).collect();
        validate(&text)?;
    }

    #[test]
    fn random_files_are_read_or_refused_at_the_right_place(
        bom in any::<bool>(),
        bytes in proptest::collection::vec(
            prop_oneof![8 => 0x20..0x7fu8, 1 => Just(b'\n'), 1 => Just(b'\r'), 1 => any::<u8>()],
            0..512,
        ),
    ) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("workflow.yaml");
        let mut written = if bom { b"\xef\xbb\xbf".to_vec() } else { Vec::new() };
        written.extend_from_slice(&bytes);
        std::fs::write(&path, &written).expect("write");
        match read_text(&path, 256) {
            Ok(text) => {
                prop_assert!(written.len() <= 256);
                prop_assert_eq!(text.as_bytes(), &bytes[..]);
            }
            Err(ReadError::TooLarge { .. }) => prop_assert!(written.len() > 256),
            Err(ReadError::NotUtf8 { line, column, .. }) => {
                let bad = std::str::from_utf8(&bytes).expect_err("not UTF-8").valid_up_to();
                let before = std::str::from_utf8(&bytes[..bad]).expect("valid prefix");
                let last = before.rsplit(['\n', '\r']).next().unwrap_or("");
                prop_assert_eq!(line, yaml_lines(before));
                prop_assert_eq!(column, last.chars().count() as u64 + 1);
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
        let _ = load(&path);
    }
}

/// Pieces of YAML, and of definitions, that random text is made of (drawn by
/// index: far cheaper than generating text from a pattern).
const YAML_TOKENS: &[&str] = &[
    "key: ",
    "version: ",
    "title: ",
    "roles: ",
    "start: ",
    "stages: ",
    "actions: ",
    "to: ",
    "by: ",
    "terminal: ",
    "forms: ",
    "fields: ",
    "type: ",
    "when: ",
    "rubrics: ",
    "scale: ",
    "conflicts: ",
    "with: ",
    "role: ",
    "every: ",
    "deadline: ",
    "after: ",
    "notifications: ",
    "on: ",
    "template: ",
    "a: ",
    "b: ",
    "s1: ",
    "s2: ",
    "  ",
    "    ",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "\n",
    "&a ",
    "*a ",
    "<<: ",
    "\"",
    "'",
    "#",
    ":",
    "!!str ",
    "1",
    "42",
    "-7",
    "1e308",
    ".nan",
    ".inf",
    "~",
    "|\n",
    ">\n",
    "é",
    "true",
    "all",
    "trainee",
    "s1",
    "s2",
    "14d",
    "\"0 9 31 2 *\"",
    "a && b",
    "\u{feff}",
    "\t",
    "\r\n",
    "\n",
    "\n",
    "\n  ",
    "\n    ",
    "\n      ",
    "\n- ",
    "\n  - ",
];

/// Every value missing, as before anything is submitted.
struct Missing;

impl Env for Missing {
    fn value(&self, _: &[String]) -> Value {
        Value::Missing
    }
}

/// Names `a`..`e` are yes/no, `n`.. numbers, `t`.. texts; values follow the
/// path's length, so evaluation sees every type and missing values too.
struct Data;

impl Schema for Data {
    fn type_of(&self, path: &[String]) -> Result<Type, String> {
        match path.first().and_then(|p| p.chars().next()) {
            Some('a'..='e') => Ok(Type::Bool),
            Some('n'..='s') => Ok(Type::Number),
            Some('t'..='z') => Ok(Type::Text),
            _ => Err("unknown".to_owned()),
        }
    }
}

impl Env for Data {
    fn value(&self, path: &[String]) -> Value {
        let len = path.iter().map(String::len).sum::<usize>();
        match (self.type_of(path), len % 4) {
            (_, 0) | (Err(_), _) => Value::Missing,
            (Ok(Type::Bool), n) => Value::Bool(n % 2 == 0),
            (Ok(Type::Number), n) => Value::Number(n as f64 - 1.5),
            (Ok(Type::Text), n) => Value::Text("x".repeat(n)),
        }
    }
}

/// Conditions written in the bundled files and the docs, to mutate.
const CONDITIONS: &[&str] = &[
    "milestones.all_accepted",
    "assessment.passed && assessment.count >= 3",
    "assessment.count >= 2 && !assessment.passed",
    "form.pilot_report.target_met",
    "form.proposal.budget <= 500 || form.proposal.service == 'online'",
    "assessment.passed and not assessment.needs_moderation",
    "(a || b) && !(n1 > -2.5) or t == \"it\\\"s\"",
];

fn check_condition(text: &str) -> Result<(), TestCaseError> {
    match Expr::parse(text) {
        Ok(e) => {
            let _ = e.check(&Data);
            prop_assert_eq!(e.why_false(&Data).is_none(), e.eval(&Data));
            prop_assert_eq!(e.why_false(&Missing).is_none(), e.eval(&Missing));
            prop_assert!(e.paths().len() <= text.len());
            prop_assert_eq!(e.source(), text);
        }
        Err(expr::Error { column, message }) => {
            prop_assert!(column <= text.chars().count(), "{column} in {text:?}");
            prop_assert!(!message.is_empty());
        }
    }
    Ok(())
}

/// One change to a condition.
fn condition_mutation() -> impl Strategy<Value = (usize, usize, String)> {
    (
        0..6usize,
        any::<usize>(),
        "([a-z._ ()!=<>&|'\"\\\\0-9-]|and|or|not|true|false|é){0,6}",
    )
}

fn mutate_condition(text: &str, (kind, at, piece): &(usize, usize, String)) -> String {
    let at = boundary(text, *at);
    let depth = at % 200;
    match kind {
        0 => format!("{}{piece}{}", &text[..at], &text[at..]),
        1 => {
            let end = boundary(text, at + piece.len());
            format!("{}{}", &text[..at], &text[end.max(at)..])
        }
        2 => format!("{}{text}{}", "(".repeat(depth), ")".repeat(depth)),
        3 => format!("{}{text}", "!".repeat(depth)),
        4 => vec![text; depth % 50 + 1].join(" && "),
        _ => text[..at].to_owned(),
    }
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn random_conditions(text in "\\PC{0,200}") {
        check_condition(&text)?;
    }

    #[test]
    fn condition_like_text(
        text in "([a-z._ ()!=<>&|'\"\\\\0-9-]|and|or|not|true|false|é| && | \\|\\| ){0,120}"
    ) {
        check_condition(&text)?;
    }

    #[test]
    fn mutated_conditions(
        seed in 0..CONDITIONS.len(),
        mutations in proptest::collection::vec(condition_mutation(), 1..6),
    ) {
        let mut text = CONDITIONS[seed].to_owned();
        for m in &mutations {
            text = mutate_condition(&text, m);
            // Repeating a condition fifty times, six times over, would make
            // gigabytes; a definition holds at most 1 MiB anyway.
            if text.len() > 64 * 1024 {
                text.truncate(boundary(&text, 64 * 1024));
            }
        }
        check_condition(&text)?;
    }
}

/// Zones with and without daylight saving time, and with odd offsets.
const ZONES: &[&str] = &[
    "UTC",
    "Asia/Muscat",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
];

proptest! {
    #![proptest_config(config(300))]

    /// A schedule that validation accepts fires within eight years of any
    /// moment, strictly after it, at one of its own times.
    #[test]
    fn schedules_that_are_accepted_fire(
        fields in proptest::collection::vec(
            "(\\*|[0-9]{1,2}|[0-9]{1,2}-[0-9]{1,2}|\\*/[0-9]{1,2}|[0-9]{1,2}(,[0-9]{1,2}){1,3}|MON|fri|JAN-MAR|[0-9]/[0-9]{1,2})",
            5,
        ),
        zone in 0..ZONES.len(),
        after in 946_684_800i64..4_102_444_800,
    ) {
        let expression = fields.join(" ");
        let Ok(schedule) = Schedule::parse(&expression) else {
            return Ok(());
        };
        let zone = jiff::tz::TimeZone::get(ZONES[zone]).expect("a zone");
        let after = jiff::Timestamp::from_second(after).expect("in range");
        let next = schedule.next_after(&zone, after);
        prop_assert!(next.is_some(), "{expression} never fires after {after}");
        let next = next.unwrap_or(after);
        prop_assert!(next > after);
        prop_assert!(
            next.duration_since(after).as_secs() <= 8 * 366 * 86_400,
            "{expression}: {after} -> {next}"
        );
    }
}
