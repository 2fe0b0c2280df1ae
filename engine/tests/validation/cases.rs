//! Table-driven validation cases: one small file per kind of problem.
//!
//! Each file in `invalid/` starts with a comment that says what it shows,
//! then one line per problem it must report, in the order of the file:
//!
//! ```text
//! # expect: LINE:COL: part of the message ... another part
//! #   hint: part of the hint ... another part
//! ```
//!
//! Lines and columns are exact (1-based, columns in characters, counted in the
//! file as written, comment lines included); each ` ... `-separated part must
//! appear in the message (or hint) in that order. A file must report exactly
//! its expected problems, no fewer and no more. Files are loaded with
//! [`definition::load`], so templates come from the `templates/` folder beside
//! them (`invalid/templates/`; `invalid/without-templates/` has none). Every
//! file in `valid/` must load without problems.

use std::path::{Path, PathBuf};

use gradflow_engine::definition::{self, Diagnostic};

use super::data_dir;

/// One expected problem.
#[derive(Debug)]
struct Expected {
    line: u64,
    column: u64,
    message: Vec<String>,
    hint: Vec<String>,
}

/// Every `.yaml` file under `dir`, outside `templates/` folders, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "templates") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "yaml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The `# expect:` and `#   hint:` lines of a case file.
fn expectations(path: &Path) -> Result<Vec<Expected>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&bytes);
    let parts = |s: &str| s.split(" ... ").map(str::to_owned).collect::<Vec<_>>();
    let mut out: Vec<Expected> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("# expect: ") {
            let mut fields = rest.splitn(3, ':');
            let (Some(l), Some(c), Some(message)) = (fields.next(), fields.next(), fields.next())
            else {
                return Err(format!("line {}: write # expect: LINE:COL: MESSAGE", n + 1));
            };
            let number = |s: &str| {
                s.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("line {}: '{s}' is not a number", n + 1))
            };
            out.push(Expected {
                line: number(l)?,
                column: number(c)?,
                message: parts(message.trim_start()),
                hint: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("#   hint: ") {
            let Some(last) = out.last_mut() else {
                return Err(format!("line {}: a hint follows an expect line", n + 1));
            };
            last.hint = parts(rest);
        }
    }
    Ok(out)
}

/// Whether `text` holds every part, in order.
fn holds(text: &str, parts: &[String]) -> bool {
    let mut rest = text;
    for part in parts {
        match rest.find(part.as_str()) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

fn show(problems: &[Diagnostic]) -> String {
    problems
        .iter()
        .map(|p| {
            let hint = p
                .hint
                .as_ref()
                .map(|h| format!("\n      hint: {h}"))
                .unwrap_or_default();
            format!("    {}:{}: {}{hint}", p.line, p.column, p.message)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What is wrong with how `path` was reported, if anything.
fn check_invalid(path: &Path) -> Option<String> {
    let expected = match expectations(path) {
        Ok(e) if e.is_empty() => return Some("has no # expect: lines".to_owned()),
        Ok(e) => e,
        Err(e) => return Some(e),
    };
    let problems = match definition::load(path) {
        Ok(_) => return Some("is valid, but problems were expected".to_owned()),
        Err(definition::Error::Invalid { problems, .. }) => problems,
        Err(other) => return Some(format!("could not be read: {other}")),
    };
    let matches = problems.len() == expected.len()
        && problems.iter().zip(&expected).all(|(p, e)| {
            (p.line, p.column) == (e.line, e.column)
                && holds(&p.message, &e.message)
                && (e.hint.is_empty() || p.hint.as_deref().is_some_and(|h| holds(h, &e.hint)))
        });
    if matches {
        return None;
    }
    let wanted: Vec<String> = expected
        .iter()
        .map(|e| {
            let hint = if e.hint.is_empty() {
                String::new()
            } else {
                format!("\n      hint: {}", e.hint.join(" ... "))
            };
            format!(
                "    {}:{}: {}{hint}",
                e.line,
                e.column,
                e.message.join(" ... ")
            )
        })
        .collect();
    Some(format!(
        "expected:\n{}\n  reported:\n{}",
        wanted.join("\n"),
        show(&problems)
    ))
}

#[test]
fn every_invalid_file_reports_exactly_its_expected_problems() {
    let files = yaml_files(&data_dir().join("invalid"));
    assert!(files.len() >= 80, "only {} cases found", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| check_invalid(path).map(|why| format!("{}\n  {why}", path.display())))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} files:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_valid_file_loads() {
    let files = yaml_files(&data_dir().join("valid"));
    assert!(!files.is_empty());
    for path in files {
        if let Err(e) = definition::load(&path) {
            panic!("{e}");
        }
    }
}
