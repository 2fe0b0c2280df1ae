//! Workflow definitions: one YAML file per workflow, parsed, validated and drawn.
//!
//! Validation teaches: it reports every problem at once as
//! `FILE:LINE:COL: error: message`, with a hint where one helps.

mod duration;
mod graph;
mod model;
mod schedule;
mod source;
mod validate;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use duration::{Duration, Unit};
pub use graph::{Format, draw};
pub use model::*;
pub use schedule::Schedule;
pub use validate::{DEFAULT_OVERDUE_TEMPLATE, DEFAULT_REMINDER_TEMPLATE, SCORE_ACTION};

/// One problem in a definition, at a line and column (both 1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Line of the offending text.
    pub line: u64,
    /// Column (in characters) of the offending text.
    pub column: u64,
    /// What is wrong, for the person who wrote the file.
    pub message: String,
    /// How to put it right, where we can tell.
    pub hint: Option<String>,
}

/// Which email templates exist, so references to missing ones are caught.
#[derive(Debug, Clone, Copy)]
pub enum Templates<'a> {
    /// Do not check template names (e.g. a definition read back from the database).
    Unchecked,
    /// These template names exist.
    Known(&'a BTreeSet<String>),
}

/// Parses and validates a definition held in memory.
pub fn parse(text: &str, templates: Templates<'_>) -> Result<Workflow, Vec<Diagnostic>> {
    validate::validate(text, templates)
}

/// Why a definition file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("{}: cannot read the file: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
    /// The file has problems; they print one per line.
    #[error("{}", render(path, problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Diagnostic>,
    },
}

fn render(path: &Path, problems: &[Diagnostic]) -> String {
    let mut out = String::new();
    for p in problems {
        out.push_str(&format!(
            "{}:{}:{}: error: {}\n",
            path.display(),
            p.line,
            p.column,
            p.message
        ));
        if let Some(hint) = &p.hint {
            out.push_str(&format!("  hint: {hint}\n"));
        }
    }
    out.trim_end().to_owned()
}

/// Largest definition file accepted.
pub const MAX_DEFINITION_BYTES: u64 = 1024 * 1024;

/// A definition file that passed validation, with its text (what is published).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated workflow.
    pub workflow: Workflow,
    /// The file's text, stored when published.
    pub text: String,
}

/// Reads and validates a definition file; templates are looked up in `templates/`
/// beside it (`NAME.subject.hbs` and `NAME.text.hbs`).
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let size = std::fs::metadata(path)
        .map_err(|error| Error::Read {
            path: path.to_owned(),
            error,
        })?
        .len();
    if size > MAX_DEFINITION_BYTES {
        let problems = vec![Diagnostic {
            line: 1,
            column: 1,
            message: format!(
                "the file is {size} bytes; a definition may be at most {MAX_DEFINITION_BYTES} bytes"
            ),
            hint: Some("split it into several workflows".to_owned()),
        }];
        return Err(Error::Invalid {
            path: path.to_owned(),
            problems,
        });
    }
    let text = std::fs::read_to_string(path).map_err(|error| Error::Read {
        path: path.to_owned(),
        error,
    })?;
    let templates = templates_beside(path);
    match parse(&text, Templates::Known(&templates)) {
        Ok(workflow) => Ok(Loaded { workflow, text }),
        Err(problems) => Err(Error::Invalid {
            path: path.to_owned(),
            problems,
        }),
    }
}

/// Names of the complete templates (subject and text) in `templates/` beside a definition.
pub fn templates_beside(path: &Path) -> BTreeSet<String> {
    let dir = path.parent().unwrap_or(Path::new(".")).join("templates");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return BTreeSet::new();
    };
    let files: BTreeSet<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files
        .iter()
        .filter_map(|f| f.strip_suffix(".subject.hbs"))
        .filter(|name| files.contains(&format!("{name}.text.hbs")))
        .map(str::to_owned)
        .collect()
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Need::Any => f.write_str("any"),
            Need::All => f.write_str("all"),
            Need::AtLeast(n) => write!(f, "{n}"),
        }
    }
}
