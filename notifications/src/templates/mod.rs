//! A workflow's mail templates: loaded, checked against sample data, rendered.
//!
//! A workflow's `templates/` folder holds, per notification NAME,
//! `NAME.subject.hbs`, `NAME.text.hbs` and optionally `NAME.html.hbs`, and
//! language variants such as `NAME.ar.subject.hbs`. HTML bodies are wrapped
//! in the institute layout (a built-in one, or a file the institute gives),
//! which shows the body with `{{{mail.body}}}` and may use `mail.subject`,
//! `mail.lang` and `mail.dir` (`rtl` for Arabic) besides the message's data.
//!
//! Two handlebars registries, both strict (an unknown variable is an error,
//! never an empty string): subjects and plain text are rendered without
//! escaping (`&` stays `&`), HTML bodies and the layout with HTML escaping.
//!
//! - `files`: which file is which part, in which language.
//! - `syntax`: a template that does not compile, in the author's words.
//! - `variables`: every variable named, including in `{{#if}}` and
//!   `{{#each}}`, must exist in the sample data.
//! - `location`: lines and columns.

mod files;
mod location;
mod syntax;
mod variables;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use handlebars::template::{Template, TemplateElement};
use handlebars::{Handlebars, RenderError, RenderErrorReason};
use serde_json::Value;

use crate::message::one_line;

/// The built-in institute layout, used when no layout file is given.
const BUILT_IN_LAYOUT: &str = include_str!("layout.html.hbs");
/// How problems in the built-in layout name their file.
const BUILT_IN_LAYOUT_FILE: &str = "<built-in layout>";
/// The layout's name in the HTML registry; a dot-free name no file can take.
const LAYOUT_KEY: &str = "(layout)";

/// A workflow's templates, compiled and ready to render. `Send + Sync`: one
/// value serves every delivery task.
pub struct Templates {
    /// The folder they were read from, for messages.
    dir: PathBuf,
    /// Subjects and plain text bodies: no escaping.
    text: Handlebars<'static>,
    /// HTML bodies and the layout: HTML escaping.
    html: Handlebars<'static>,
    /// Template name to its language variants (`None`: the default).
    entries: BTreeMap<String, BTreeMap<Option<String>, Variant>>,
    /// The layout's source, for checking it against sample data.
    layout: Source,
}

/// The institute's HTML layout, around every HTML body. It shows the body
/// with `{{{mail.body}}}` and may use `mail.subject`, `mail.lang`,
/// `mail.dir` and the message's own variables (checked like a template's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Where it was read from, for problems.
    file: PathBuf,
    /// The handlebars source.
    text: String,
}

impl Layout {
    /// The layout shipped with gradflow: a plain white card, in the
    /// message's language and writing direction.
    pub fn built_in() -> Layout {
        Layout {
            file: PathBuf::from(BUILT_IN_LAYOUT_FILE),
            text: BUILT_IN_LAYOUT.to_owned(),
        }
    }

    /// The layout in `file`.
    pub fn read(file: &Path) -> Result<Layout, Problem> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Problem::new(file, 1, 1, format!("cannot read the layout: {e}")))?;
        Ok(Layout::new(file, text))
    }

    /// A layout held in memory; `file` names it in problems.
    pub fn new(file: impl Into<PathBuf>, text: impl Into<String>) -> Layout {
        let text = text.into();
        let text = text
            .strip_prefix('\u{feff}')
            .map(str::to_owned)
            .unwrap_or(text);
        Layout {
            file: file.into(),
            text,
        }
    }
}

/// The files of one template in one language.
struct Variant {
    subject: Source,
    text: Source,
    html: Option<Source>,
}

/// One compiled file: its key in a registry and its text, for positions.
#[derive(Clone)]
struct Source {
    key: String,
    file: PathBuf,
    text: String,
}

/// Which part of a message a template file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// One line, no escaping.
    Subject,
    /// The plain text body, no escaping.
    Text,
    /// The HTML body, escaped, inside the layout.
    Html,
}

impl Part {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Part::Subject => "subject",
            Part::Text => "text",
            Part::Html => "html",
        }
    }
}

/// A message's words, ready for [`Outgoing`](crate::Outgoing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One line: line breaks in the data become spaces.
    pub subject: String,
    /// The plain text body.
    pub text: String,
    /// The HTML body inside the layout, when the template has one.
    pub html: Option<String>,
    /// The language variant used (`None`: the default files), e.g. for the
    /// outbox record.
    pub language: Option<String>,
}

/// Something wrong in a template file, at a line and column (1-based; the
/// column counts characters). Prints as `FILE:LINE:COL: error: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The template file (or the folder, or the layout).
    pub file: PathBuf,
    /// Line of the offending text; 1 for a problem with the whole file.
    pub line: u64,
    /// Column (in characters) of the offending text.
    pub column: u64,
    /// What is wrong, for the person who wrote the template.
    pub message: String,
    /// How to put it right, where we can tell.
    pub hint: Option<String>,
}

impl Problem {
    pub(crate) fn new(file: &Path, line: u64, column: u64, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: error: {}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Why a message could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The workflow names a template its folder does not have.
    #[error("there is no template `{name}` in {}", dir.display())]
    Unknown {
        /// The name asked for.
        name: String,
        /// The folder searched.
        dir: PathBuf,
    },
    /// The data lacks a variable the template uses, or a helper failed.
    #[error("{0}")]
    Render(Problem),
    /// The message grew past the size a message may have (e.g. loops
    /// nested over a long list): it is not sent.
    #[error("the message is larger than {} KiB, the most a message may be; {hint}", bytes / 1024)]
    TooLarge {
        /// The cap, in bytes.
        bytes: usize,
        /// Where the size probably comes from.
        hint: &'static str,
    },
    /// Rendering took longer than a message may take: it is not sent.
    #[error("rendering the message took longer than {} s, the most it may take; {hint}", limit.as_secs())]
    TooSlow {
        /// The time allowed.
        limit: std::time::Duration,
        /// Where the time probably goes.
        hint: &'static str,
    },
}

/// What rendering one email may use, shared by every part of it (subject,
/// text, HTML and layout; each message of a digest): a size and a time.
/// A template that nests loops over a gathered list writes the list's
/// length to the power of its depth; the budget stops it early instead of
/// building a message of hundreds of megabytes.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Bytes that may still be written.
    bytes_left: usize,
    /// The cap the budget started with, for the error.
    bytes: usize,
    /// When rendering must have ended.
    deadline: std::time::Instant,
    /// The time allowed, for the error.
    time: std::time::Duration,
}

impl Budget {
    /// The most a message may be: 4 MiB of text and HTML together (mail
    /// servers commonly refuse messages of 10 to 25 MB, and a reader
    /// gives up long before).
    pub const MAX_BYTES: usize = 4 * 1024 * 1024;
    /// The most rendering a message may take.
    pub const MAX_TIME: std::time::Duration = std::time::Duration::from_secs(10);

    /// A budget of `bytes` and `time`, starting now.
    pub fn new(bytes: usize, time: std::time::Duration) -> Budget {
        Budget {
            bytes_left: bytes,
            bytes,
            deadline: std::time::Instant::now() + time,
            time,
        }
    }
}

impl Default for Budget {
    /// [`Budget::MAX_BYTES`] and [`Budget::MAX_TIME`], starting now.
    fn default() -> Budget {
        Budget::new(Budget::MAX_BYTES, Budget::MAX_TIME)
    }
}

const CAP_HINT: &str = "does the template nest {{#each}} loops over a list?";

/// A writer that keeps rendering within a [`Budget`]: it refuses the write
/// that would pass the size, or that comes after the deadline.
struct Bounded<'a> {
    out: Vec<u8>,
    budget: &'a mut Budget,
    /// What stopped it, once something did.
    stopped: Option<Error>,
}

impl std::io::Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.budget.bytes_left {
            self.stopped = Some(Error::TooLarge {
                bytes: self.budget.bytes,
                hint: CAP_HINT,
            });
        } else if std::time::Instant::now() > self.budget.deadline {
            self.stopped = Some(Error::TooSlow {
                limit: self.budget.time,
                hint: CAP_HINT,
            });
        }
        if self.stopped.is_some() {
            return Err(std::io::Error::other("the message's budget is spent"));
        }
        self.budget.bytes_left -= buf.len();
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Templates {
    /// Reads and compiles every template in `dir`, with the built-in layout.
    /// Every problem is reported at once: syntax errors, files whose names do
    /// not fit, templates that lack a subject or a text body. A folder that
    /// does not exist holds no templates.
    pub fn load(dir: &Path) -> Result<Templates, Vec<Problem>> {
        Templates::load_with(dir, &Layout::built_in())
    }

    /// As [`Templates::load`], with the institute's own layout.
    pub fn load_with(dir: &Path, layout: &Layout) -> Result<Templates, Vec<Problem>> {
        let (files, problems) = files::read(dir);
        Templates::compile(dir, files, problems, layout)
    }

    /// Compiles templates held in memory as (file name, text) pairs, e.g.
    /// those published with a workflow version; `dir` names where they came
    /// from in problems (`dir/FILE:LINE:COL`). The file names follow the
    /// folder's rules (`NAME[.LANG].PART.hbs`).
    pub fn from_texts<N, T>(
        dir: &Path,
        texts: impl IntoIterator<Item = (N, T)>,
        layout: &Layout,
    ) -> Result<Templates, Vec<Problem>>
    where
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let (files, problems) = files::from_texts(dir, texts);
        Templates::compile(dir, files, problems, layout)
    }

    /// Compiles the templates published with workflow version `definition`
    /// (as the outbox claims them) with the built-in layout, every problem
    /// said on one line: how the courier and a message's preview read a
    /// message's templates alike.
    pub fn published<N, T>(
        definition: i64,
        texts: impl IntoIterator<Item = (N, T)>,
    ) -> Result<Templates, String>
    where
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let dir = std::path::PathBuf::from(format!("published-definition-{definition}"));
        Templates::from_texts(&dir, texts, &Layout::built_in()).map_err(|problems| {
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    fn compile(
        dir: &Path,
        files: Vec<files::File>,
        mut problems: Vec<Problem>,
        layout: &Layout,
    ) -> Result<Templates, Vec<Problem>> {
        let layout = Source {
            key: LAYOUT_KEY.to_owned(),
            file: layout.file.clone(),
            text: layout.text.clone(),
        };
        let mut text = Handlebars::new();
        text.set_strict_mode(true);
        text.register_escape_fn(handlebars::no_escape);
        let mut html = Handlebars::new();
        html.set_strict_mode(true);

        let mut parts: BTreeMap<(String, Option<String>), [Option<Source>; 3]> = BTreeMap::new();
        for file in files {
            let key = match &file.language {
                Some(language) => format!("{}.{language}.{}", file.name, file.part.as_str()),
                None => format!("{}.{}", file.name, file.part.as_str()),
            };
            match Template::compile_with_name(&file.text, key.clone()) {
                Ok(template) => {
                    let registry = if file.part == Part::Html {
                        &mut html
                    } else {
                        &mut text
                    };
                    registry.register_template(&key, template);
                }
                Err(error) => problems.push(syntax::problem(&file.path, &file.text, &error)),
            }
            // A file that does not compile still counts as present, so its
            // template is not also reported as lacking that part.
            let slot =
                &mut parts.entry((file.name, file.language)).or_default()[file.part as usize];
            if let Some(earlier) = slot {
                problems.push(
                    Problem::new(
                        &file.path,
                        1,
                        1,
                        format!("`{key}` is also given by {}", earlier.file.display()),
                    )
                    .with_hint("keep one of the two files"),
                );
            }
            *slot = Some(Source {
                key,
                file: file.path,
                text: file.text,
            });
        }

        match Template::compile_with_name(&layout.text, LAYOUT_KEY.to_owned()) {
            Ok(template) => {
                problems.extend(layout_shows_body(&template, &layout));
                html.register_template(LAYOUT_KEY, template);
            }
            Err(error) => problems.push(syntax::problem(&layout.file, &layout.text, &error)),
        }

        let entries = assemble(dir, parts, &mut problems);
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            return Err(problems);
        }
        Ok(Templates {
            dir: dir.to_owned(),
            text,
            html,
            entries,
            layout,
        })
    }

    /// The names of the templates, for checking a workflow's references.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Whether the template `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// The language variants of `name` besides the default, e.g. `["ar"]`.
    pub fn languages(&self, name: &str) -> Vec<&str> {
        self.entries.get(name).map_or_else(Vec::new, |variants| {
            variants.keys().flatten().map(String::as_str).collect()
        })
    }

    /// Renders every file of template `name` (each language, each part, and
    /// the layout around its HTML) against `sample`, the data its trigger
    /// provides, and reports what would go wrong: a variable the sample does
    /// not have (in `{{#if}}` and `{{#each}}` too), an unknown helper, a
    /// subject of more than one line or with nothing in it.
    pub fn check(&self, name: &str, sample: &Value) -> Vec<Problem> {
        let Some(variants) = self.entries.get(name) else {
            let file = self.dir.join(format!("{name}.subject.hbs"));
            return vec![
                Problem::new(&file, 1, 1, format!("there is no template `{name}`")).with_hint(
                    format!(
                        "add {name}.subject.hbs and {name}.text.hbs to {}",
                        self.dir.display()
                    ),
                ),
            ];
        };
        let mut problems = Vec::new();
        let mut layout_checked = false;
        for (language, variant) in variants {
            problems.extend(self.check_part(&variant.subject, Part::Subject, sample));
            problems.extend(self.check_part(&variant.text, Part::Text, sample));
            let Some(html) = &variant.html else { continue };
            let html_problems = self.check_part(html, Part::Html, sample);
            if html_problems.is_empty() && !layout_checked {
                layout_checked = true;
                let body = self.html.render(&html.key, sample).unwrap_or_default();
                let data = layout_data(sample, &body, "", language.as_deref());
                problems.extend(self.check_part(&self.layout, Part::Html, &data));
            }
            problems.extend(html_problems);
        }
        problems
    }

    fn check_part(&self, source: &Source, part: Part, data: &Value) -> Vec<Problem> {
        let registry = if part == Part::Html {
            &self.html
        } else {
            &self.text
        };
        let Some(template) = registry.get_template(&source.key) else {
            return Vec::new();
        };
        let is_body = part == Part::Html && source.key != LAYOUT_KEY;
        let mut problems = variables::check(template, &source.text, &source.file, data, is_body);
        if part == Part::Subject {
            let trimmed = source.text.trim();
            if let Some(at) = trimmed.find(['\n', '\r']) {
                let offset = source.text.find(trimmed).unwrap_or(0) + at;
                let (line, column) = location::line_column(&source.text, offset);
                problems.push(
                    Problem::new(&source.file, line, column, "a subject is one line")
                        .with_hint("join the lines; a line break would end the subject here"),
                );
            }
        }
        if problems.is_empty() {
            match registry.render(&source.key, data) {
                Err(error) => problems.push(render_problem(source, &error)),
                Ok(out) if part == Part::Subject && one_line(&out).is_empty() => problems.push(
                    Problem::new(&source.file, 1, 1, "the subject is empty").with_hint(
                        "people sort their mail by subject: say what the message is about",
                    ),
                ),
                Ok(_) => {}
            }
        }
        problems
    }

    /// Renders template `name` in `language` (e.g. `Some("ar")`; `ar-OM`
    /// finds `ar`; a language without files gets the default ones) with
    /// `data`, within the default [`Budget`].
    pub fn render(
        &self,
        name: &str,
        language: Option<&str>,
        data: &Value,
    ) -> Result<Rendered, Error> {
        self.render_within(name, language, data, &mut Budget::default())
    }

    /// As [`Templates::render`], taking what it writes and the time it
    /// takes from `budget` (shared by the messages of one digest): past
    /// it, [`Error::TooLarge`] or [`Error::TooSlow`].
    pub fn render_within(
        &self,
        name: &str,
        language: Option<&str>,
        data: &Value,
        budget: &mut Budget,
    ) -> Result<Rendered, Error> {
        let variants = self.entries.get(name).ok_or_else(|| Error::Unknown {
            name: name.to_owned(),
            dir: self.dir.clone(),
        })?;
        let (language, variant) = pick(variants, language);
        let subject = one_line(&self.render_source(&self.text, &variant.subject, data, budget)?);
        let text = self.render_source(&self.text, &variant.text, data, budget)?;
        let html = match &variant.html {
            Some(html) => {
                let body = self.render_source(&self.html, html, data, budget)?;
                let data = layout_data(data, &body, &subject, language);
                Some(self.render_source(&self.html, &self.layout, &data, budget)?)
            }
            None => None,
        };
        Ok(Rendered {
            subject,
            text,
            html,
            language: language.map(str::to_owned),
        })
    }

    fn render_source(
        &self,
        registry: &Handlebars<'static>,
        source: &Source,
        data: &Value,
        budget: &mut Budget,
    ) -> Result<String, Error> {
        let mut out = Bounded {
            out: Vec::new(),
            budget,
            stopped: None,
        };
        match registry.render_to_write(&source.key, data, &mut out) {
            Ok(()) => Ok(String::from_utf8_lossy(&out.out).into_owned()),
            Err(e) => Err(match out.stopped.take() {
                Some(stopped) => stopped,
                None => Error::Render(render_problem(source, &e)),
            }),
        }
    }
}

impl fmt::Debug for Templates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Templates")
            .field("dir", &self.dir)
            .field("names", &self.entries.keys().collect::<Vec<_>>())
            .field("layout", &self.layout.file)
            .finish()
    }
}

/// Gathers the files of each template into variants and reports what is
/// missing: a subject or text body, or the default files a language
/// variant falls back to.
fn assemble(
    dir: &Path,
    parts: BTreeMap<(String, Option<String>), [Option<Source>; 3]>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, BTreeMap<Option<String>, Variant>> {
    let mut entries: BTreeMap<String, BTreeMap<Option<String>, Variant>> = BTreeMap::new();
    let defaults: Vec<String> = parts
        .keys()
        .filter(|(_, language)| language.is_none())
        .map(|(name, _)| name.clone())
        .collect();
    for ((name, language), [subject, text, html]) in parts {
        let stem = match &language {
            Some(language) => format!("{name}.{language}"),
            None => name.clone(),
        };
        let present = subject
            .as_ref()
            .or(text.as_ref())
            .or(html.as_ref())
            .map(|s| s.file.clone());
        let present = present.unwrap_or_else(|| dir.join(format!("{stem}.text.hbs")));
        if language.is_some() && !defaults.contains(&name) {
            problems.push(
                Problem::new(&present, 1, 1, format!("the `{name}` template has a language variant but no default files"))
                    .with_hint(format!("add {name}.subject.hbs and {name}.text.hbs: they are used for every other language")),
            );
        }
        match (subject, text) {
            (Some(subject), Some(text)) => {
                entries.entry(name).or_default().insert(
                    language,
                    Variant {
                        subject,
                        text,
                        html,
                    },
                );
            }
            (subject, text) => {
                let missing = if subject.is_none() { "subject" } else { "text" };
                let other = if text.is_none() && subject.is_none() {
                    " and a text body"
                } else {
                    ""
                };
                problems.push(
                    Problem::new(&present, 1, 1, format!("`{stem}` has no {missing}{other}"))
                        .with_hint(format!("add {stem}.{missing}.hbs beside it")),
                );
            }
        }
    }
    entries
}

/// The variant for `language`: exact (`ar-om`), then its primary language
/// (`ar`), then the default files.
fn pick<'a>(
    variants: &'a BTreeMap<Option<String>, Variant>,
    language: Option<&str>,
) -> (Option<&'a str>, &'a Variant) {
    if let Some(wanted) = language.map(|l| l.trim().replace('_', "-").to_ascii_lowercase()) {
        let primary = wanted.split('-').next().unwrap_or("").to_owned();
        for candidate in [wanted, primary] {
            if let Some((key, variant)) = variants.get_key_value(&Some(candidate)) {
                return (key.as_deref(), variant);
            }
        }
    }
    match variants.get(&None) {
        Some(variant) => (None, variant),
        // `assemble` refuses variants without defaults, so this is only
        // reached for an empty map, which `assemble` never builds.
        None => {
            let (key, variant) = variants
                .iter()
                .next()
                .expect("a template has at least one variant");
            (key.as_deref(), variant)
        }
    }
}

/// The layout's data: the message's data and `mail`: the body, the subject,
/// the language and its writing direction.
fn layout_data(data: &Value, body: &str, subject: &str, language: Option<&str>) -> Value {
    let mut fields = match data {
        Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    let mail = serde_json::json!({
        "body": body,
        "subject": subject,
        "lang": language.unwrap_or(""),
        "dir": direction(language),
    });
    fields.insert("mail".to_owned(), mail);
    Value::Object(fields)
}

/// `rtl` for languages written right to left, `ltr` for the others, `auto`
/// (let the mail program decide from the text) for the default files,
/// whose language we are not told.
fn direction(language: Option<&str>) -> &'static str {
    const RIGHT_TO_LEFT: &[&str] = &[
        "ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi",
    ];
    match language {
        None => "auto",
        Some(tag) if RIGHT_TO_LEFT.contains(&tag.split('-').next().unwrap_or("")) => "rtl",
        Some(_) => "ltr",
    }
}

/// A layout must show the message: `{{{mail.body}}}`, three braces.
fn layout_shows_body(template: &Template, layout: &Source) -> Option<Problem> {
    fn find(template: &Template, raw_html: bool) -> bool {
        template.elements.iter().any(|element| match element {
            TemplateElement::HtmlExpression(h) if raw_html => names_body(&h.name),
            TemplateElement::Expression(h) if !raw_html => names_body(&h.name),
            TemplateElement::HelperBlock(h) => {
                h.template.as_ref().is_some_and(|t| find(t, raw_html))
                    || h.inverse.as_ref().is_some_and(|t| find(t, raw_html))
            }
            _ => false,
        })
    }
    fn names_body(name: &handlebars::template::Parameter) -> bool {
        matches!(name, handlebars::template::Parameter::Path(handlebars::Path::Relative((_, raw))) if raw == "mail.body")
    }
    if find(template, true) {
        return None;
    }
    let problem = Problem::new(&layout.file, 1, 1, "the layout never shows the message");
    Some(if find(template, false) {
        problem.with_hint("write {{{mail.body}}} with three braces: with two, the message's HTML is shown as code")
    } else {
        problem.with_hint("put {{{mail.body}}} where the message goes")
    })
}

/// A handlebars render error as a problem in `source`, pointing at the
/// variable when there is one.
fn render_problem(source: &Source, error: &RenderError) -> Problem {
    let (line, column) = (
        error.line_no.unwrap_or(1) as u64,
        error.column_no.unwrap_or(1) as u64,
    );
    match error.reason() {
        RenderErrorReason::MissingVariable(path) => {
            let (line, column) = location::at_name(&source.text, line, column, path.as_deref());
            let name = path.as_deref().unwrap_or("?");
            Problem::new(
                &source.file,
                line,
                column,
                format!("unknown variable `{name}`"),
            )
        }
        reason => Problem::new(&source.file, line, column, reason.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_can_be_shared_between_tasks() {
        fn shared<T: Send + Sync>() {}
        shared::<Templates>();
    }

    #[test]
    fn writing_direction_follows_the_language() {
        assert_eq!(direction(Some("ar")), "rtl");
        assert_eq!(direction(Some("ar-om")), "rtl");
        assert_eq!(direction(Some("en")), "ltr");
        assert_eq!(direction(None), "auto");
    }

    #[test]
    fn the_built_in_layout_shows_the_body() {
        let template = Template::compile(BUILT_IN_LAYOUT).unwrap();
        let source = Source {
            key: LAYOUT_KEY.into(),
            file: BUILT_IN_LAYOUT_FILE.into(),
            text: BUILT_IN_LAYOUT.into(),
        };
        assert_eq!(layout_shows_body(&template, &source), None);
    }
}
