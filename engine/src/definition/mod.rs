//! Workflow definitions: one YAML file per workflow, parsed, validated and drawn.
//!
//! Validation teaches: it reports every problem at once as
//! `FILE:LINE:COL: error: message`, with a hint where one helps.

mod duration;
mod graph;
mod label;
mod model;
mod names;
mod paths;
mod read;
mod schedule;
mod source;
pub mod text;
mod validate;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use duration::{Duration, Unit};
pub use graph::{Format, draw};
pub use label::{DEFAULT_LANGUAGE, LANGUAGES, Label};
pub use model::*;
pub use read::{ReadError, read_text};
pub use schedule::Schedule;
/// How gradflow reads YAML people write (definitions, answer files): no
/// anchors or aliases, so a small file can never expand into a huge value.
pub use validate::options as yaml_options;
pub use validate::{
    DEFAULT_OVERDUE_TEMPLATE, DEFAULT_REMINDER_TEMPLATE, MAX_HOLDERS, MAX_SCORE, MAX_VERSION,
    SCORE_ACTION,
};

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

/// Parses and validates a definition held in memory. A leading byte order
/// mark is ignored, as [`read_text`] removes it from files.
pub fn parse(text: &str, templates: Templates<'_>) -> Result<Workflow, Vec<Diagnostic>> {
    validate::validate(read::without_bom(text), templates)
}

/// Why a definition file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error(transparent)]
    Read(ReadError),
    /// The file has problems (including being too large or not UTF-8); they
    /// print one per line as `FILE:LINE:COL: error: message`.
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
///
/// The file is read with [`read_text`]: at most [`MAX_DEFINITION_BYTES`] (plus
/// one byte to notice a longer file), UTF-8, a leading byte order mark removed.
/// A file too large or not UTF-8 is reported like any other problem, at a line
/// and column, so `gradflow workflow validate` prints every kind of problem the
/// same way.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let invalid = |problem: Diagnostic| Error::Invalid {
        path: path.to_owned(),
        problems: vec![problem],
    };
    let text = match read_text(path, MAX_DEFINITION_BYTES) {
        Ok(text) => text,
        Err(ReadError::TooLarge { limit, .. }) => {
            return Err(invalid(Diagnostic {
                line: 1,
                column: 1,
                message: format!(
                    "the file is larger than {limit} bytes (1 MiB), the most a definition may be"
                ),
                hint: Some("split it into several workflows".to_owned()),
            }));
        }
        Err(ReadError::NotUtf8 {
            line, column, byte, ..
        }) => {
            return Err(invalid(Diagnostic {
                line,
                column,
                message: format!(
                    "the file is not UTF-8 text: byte 0x{byte:02x} here cannot start or continue a character"
                ),
                hint: Some(
                    "save the file as UTF-8 (most editors offer it under \"Save as\" or \"Encoding\")"
                        .to_owned(),
                ),
            }));
        }
        Err(error) => return Err(Error::Read(error)),
    };
    let templates = templates_beside(path);
    match parse(&text, Templates::Known(&templates)) {
        Ok(workflow) => Ok(Loaded { workflow, text }),
        Err(problems) => Err(Error::Invalid {
            path: path.to_owned(),
            problems,
        }),
    }
}

/// Names of the complete templates in `templates/` beside a definition: those
/// with both `NAME.subject.hbs` and `NAME.text.hbs` (language variants such
/// as `NAME.ar.subject.hbs` add no name), each a regular file (or a
/// link to one) that can be opened for reading. A folder named like a template,
/// a dangling link or an unreadable file is not a template, so validation
/// reports the name as missing instead of the mail failing when it is sent.
pub fn templates_beside(path: &Path) -> BTreeSet<String> {
    let dir = path.parent().unwrap_or(Path::new(".")).join("templates");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return BTreeSet::new();
    };
    let readable = |name: &str| {
        let file = dir.join(name);
        std::fs::metadata(&file).is_ok_and(|m| m.is_file()) && std::fs::File::open(&file).is_ok()
    };
    let files: BTreeSet<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    files
        .iter()
        .filter_map(|f| f.strip_suffix(".subject.hbs"))
        // `NAME.ar.subject.hbs` is a language variant of NAME, not a template
        // of its own that a workflow could name.
        .filter(|name| !name.contains('.'))
        .filter(|name| files.contains(&format!("{name}.text.hbs")))
        .filter(|name| {
            readable(&format!("{name}.subject.hbs")) && readable(&format!("{name}.text.hbs"))
        })
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
