//! Loading a cohort's people from a spreadsheet, and writing them back out
//! in the same columns (issue 16, part 3).
//!
//! A file is a CSV (UTF-8, with or without a byte-order mark, spreadsheet
//! quoting) whose first line names its columns: [`COLUMNS`]. Every row is
//! checked before anything is written; every bad row is reported with its
//! line number and a [`Reason`]; nothing changes unless every row is good,
//! and then everything is written in ONE transaction
//! (`store::import_cohort`): people created or matched by email,
//! supervisors flagged, evaluators and the chair put in the cohort's
//! committee pool, coordinators given the cohort, and each trainee's
//! project started on the cohort's workflow with their supervisor, as
//! [`Engine::start_projects`] starts one (capacity, prerequisite, the core's
//! `start`). A dry run checks the same and says what would change.
//!
//! Memory is bounded: a file over [`MAX_BYTES`] is refused before it is
//! parsed (the CLI reads at most one byte more; the web's body limit stops
//! the upload), and reading stops at [`MAX_ROWS`] rows.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use jiff::Timestamp;
use serde::Serialize;

use super::{Engine, Error, Viewer, input};
use crate::certificate::Staff;
use crate::decide::committee::{Conflicts, same_organization};
use crate::decide::{self, Project};
use crate::reason::{Arg, Reason};
use crate::store::{self, Cohort, ImportPerson, ImportProject, ImportWrite};

/// Largest file an import takes: 8 MiB (a 20,000-row file of long Arabic
/// names and titles is well under it).
pub const MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Most rows (people) an import takes, the heading line not counted.
pub const MAX_ROWS: usize = 20_000;

/// How many times an import is planned again when its cohort's calendar
/// changes under it (then the database's conflict is the answer).
const MAX_REPLANS: u32 = 8;

/// Most bad rows an answer lists one by one (the rest are counted).
pub const MAX_PROBLEMS: usize = 200;

/// The columns, in the order the template and the export write them.
/// `email`, `name` and `role` must be there; the others may be left out.
pub const COLUMNS: &[&str] = &[
    "email",
    "name",
    "organization",
    "language",
    "role",
    "supervisor",
    "title",
];

/// The roles a row may give (several, separated by `;`).
pub const ROLES: &[&str] = &["trainee", "supervisor", "evaluator", "chair", "coordinator"];

/// The template a coordinator fills in: the heading and one example row of
/// each role (UTF-8 with a byte-order mark, as spreadsheets read Arabic).
pub const TEMPLATE: &str = "\u{feff}email,name,organization,language,role,supervisor,title\r\n\
coordinator@institute.example,Layla Haddad,Institute,en,coordinator,,\r\n\
chair@institute.example,Omar Saleh,Institute,ar,chair,,\r\n\
evaluator@audit.example,Sara Nasser,Audit Bureau,en,evaluator,,\r\n\
manager@health.example,Khalid Mansour,Ministry of Health,ar,supervisor,,\r\n\
amal@health.example,أمل يوسف,Ministry of Health,ar,trainee,manager@health.example,\"Shorter waiting times, outpatients\"\r\n";

/// One role a row gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Coordinates the cohort (a cohort-wide role).
    Coordinator,
    /// Chairs the cohort's committee pool.
    Chair,
    /// Sits in the cohort's committee pool.
    Evaluator,
    /// A manager who supervises trainees (`people.supervisor`).
    Supervisor,
    /// Has a project started in the cohort.
    Trainee,
}

impl Role {
    fn parse(text: &str) -> Option<Role> {
        Some(match text.trim().to_lowercase().as_str() {
            "trainee" => Role::Trainee,
            "supervisor" => Role::Supervisor,
            "evaluator" => Role::Evaluator,
            "chair" => Role::Chair,
            "coordinator" => Role::Coordinator,
            _ => return None,
        })
    }

    /// The role as the file spells it.
    pub fn key(self) -> &'static str {
        match self {
            Role::Trainee => "trainee",
            Role::Supervisor => "supervisor",
            Role::Evaluator => "evaluator",
            Role::Chair => "chair",
            Role::Coordinator => "coordinator",
        }
    }
}

/// A bad row (or a bad file: no line) and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The line of the file the row starts on (1 is the heading), when the
    /// problem is a row's.
    pub line: Option<u64>,
    /// Why, as a code with arguments.
    pub reason: Reason,
}

/// An import refused: what was wrong. Nothing was changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Refusal {
    /// The first [`MAX_PROBLEMS`] problems, in the file's order.
    pub problems: Vec<Problem>,
    /// How many problems there were in all.
    pub total: usize,
}

/// What happens to one row's person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PersonEffect {
    /// A new person is registered.
    Created,
    /// The email is registered: that person is used, unchanged.
    Matched,
}

/// What happens for one of a row's roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RoleEffect {
    /// A project is started for the trainee.
    ProjectStarted,
    /// The trainee has a project in the cohort already: left as it is.
    HasProject,
    /// Marked as a supervisor.
    SupervisorMarked,
    /// A supervisor already.
    Supervisor,
    /// Put in the committee pool (as its chair for `chair`).
    PoolAdded,
    /// In the pool already (for `chair`: made its chair).
    InPool,
    /// Made a coordinator of the cohort.
    CoordinatorAdded,
    /// A coordinator of the cohort already.
    Coordinator,
}

/// One row's effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowEffect {
    /// The row's line in the file.
    pub line: u64,
    /// The person's email.
    pub email: String,
    /// Created or matched.
    pub person: PersonEffect,
    /// For each role the row gives, what happens.
    pub roles: Vec<(Role, RoleEffect)>,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// The cohort's name.
    pub cohort: String,
    /// Nothing was written: this is what would happen.
    pub dry_run: bool,
    /// People registered.
    pub created: usize,
    /// People found by email.
    pub matched: usize,
    /// Projects started.
    pub started: usize,
    /// Supervisors marked.
    pub supervisors: usize,
    /// People put in the committee pool.
    pub pooled: usize,
    /// Coordinators given the cohort.
    pub coordinators: usize,
    /// Each row's effect, in the file's order.
    pub rows: Vec<RowEffect>,
    /// The projects started (empty for a dry run).
    pub projects: Vec<i64>,
}

/// The answer to an import: done (or planned), or refused with every
/// problem. An error is for everything else (an unknown cohort, a busy
/// database).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum ImportAnswer {
    /// Every row was good.
    Done(Imported),
    /// Some row (or the file) was bad: nothing changed.
    Refused(Refusal),
}

/// A row as read from the file.
#[derive(Debug, Clone)]
struct Raw {
    line: u64,
    cells: BTreeMap<&'static str, String>,
}

/// A row checked.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    email: String,
    name: String,
    organization: String,
    language: Option<&'static str>,
    roles: Vec<Role>,
    supervisor: Option<String>,
    title: String,
}

/// Collects problems, listing the first [`MAX_PROBLEMS`].
#[derive(Debug, Default)]
struct Problems(Refusal);

impl Problems {
    fn add(&mut self, line: Option<u64>, reason: Reason) {
        self.0.total += 1;
        if self.0.problems.len() < MAX_PROBLEMS {
            self.0.problems.push(Problem { line, reason });
        }
    }

    fn reason_of(error: Error) -> Reason {
        match error {
            Error::Invalid(r)
            | Error::NotFound(r)
            | Error::Forbidden(r)
            | Error::Conflict(r)
            | Error::TooMany(r)
            | Error::Busy(r) => r,
            Error::Rejected(r, _) => r.reason(),
            other => Reason::message(other.to_string()),
        }
    }

    fn error(&mut self, line: u64, error: Error) {
        self.add(Some(line), Self::reason_of(error));
    }

    fn is_empty(&self) -> bool {
        self.0.total == 0
    }
}

/// Reads at most [`MAX_BYTES`] and one byte more from `reader`: a file
/// over the limit is refused without reading the rest.
pub fn read_limited(reader: impl Read) -> std::io::Result<Result<Vec<u8>, Refusal>> {
    let mut bytes = Vec::new();
    reader.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Ok(Err(too_large()));
    }
    Ok(Ok(bytes))
}

/// The refusal of a file over [`MAX_BYTES`].
pub fn too_large() -> Refusal {
    let mut problems = Problems::default();
    problems.add(
        None,
        Reason::new(
            "import-too-large",
            vec![("limit", Arg::int((MAX_BYTES / (1024 * 1024)) as i64))],
        ),
    );
    problems.0
}

/// Splits a file into rows: the heading checked, each row's cells by
/// column. A file that cannot be read as rows (too large, not UTF-8, a bad
/// heading, too many rows) is refused at once; a row of the wrong width or
/// broken quoting is a problem in `problems`, and the other rows are read.
fn read_rows(bytes: &[u8], problems: &mut Problems) -> Result<Vec<Raw>, Refusal> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    let mut fatal = Problems::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64
            + 1;
        fatal.add(Some(line), Reason::new("import-not-utf8", vec![]));
        return Err(fatal.0);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let heading = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            fatal.add(
                e.position().map(|p| p.line()),
                Reason::new("import-csv", vec![("detail", Arg::Text(e.to_string()))]),
            );
            return Err(fatal.0);
        }
        None => {
            fatal.add(None, Reason::new("import-empty", vec![]));
            return Err(fatal.0);
        }
    };
    let columns_arg = || Arg::List(COLUMNS.iter().map(|c| Arg::Text((*c).into())).collect());
    let mut columns: Vec<&'static str> = Vec::with_capacity(heading.len());
    for name in &heading {
        let key = name.trim().to_lowercase();
        match COLUMNS.iter().find(|c| **c == key) {
            Some(c) if columns.contains(c) => fatal.add(
                Some(1),
                Reason::new("import-column-twice", vec![("column", Arg::Text(key))]),
            ),
            Some(c) => columns.push(c),
            None => fatal.add(
                Some(1),
                Reason::new(
                    "import-column-unknown",
                    vec![
                        ("column", Arg::Text(name.chars().take(60).collect())),
                        ("columns", columns_arg()),
                    ],
                ),
            ),
        }
    }
    for required in ["email", "name", "role"] {
        if !columns.contains(&required) {
            fatal.add(
                Some(1),
                Reason::new(
                    "import-column-missing",
                    vec![("column", Arg::Text(required.into()))],
                ),
            );
        }
    }
    if !fatal.is_empty() {
        return Err(fatal.0);
    }
    let mut rows = Vec::new();
    let mut lines = Lines {
        bytes,
        counted: 0,
        newlines: 0,
    };
    let mut read = 0_usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.add(
                    e.position().map(|p| p.line()),
                    Reason::new("import-csv", vec![("detail", Arg::Text(e.to_string()))]),
                );
                continue;
            }
        };
        let line = lines.at(record.position().map_or(0, |p| p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        read += 1;
        if read > MAX_ROWS {
            // Stop reading: the rest is not parsed.
            let mut refused = Problems::default();
            refused.add(
                Some(line),
                Reason::new(
                    "import-too-many-rows",
                    vec![("limit", Arg::count(MAX_ROWS))],
                ),
            );
            return Err(refused.0);
        }
        if record.len() != columns.len() {
            problems.add(
                Some(line),
                Reason::new(
                    "import-row-width",
                    vec![
                        ("found", Arg::count(record.len())),
                        ("expected", Arg::count(columns.len())),
                    ],
                ),
            );
            continue;
        }
        let cells = columns
            .iter()
            .zip(&record)
            .map(|(c, cell)| (*c, cell.to_owned()))
            .collect();
        rows.push(Raw { line, cells });
    }
    Ok(rows)
}

/// Line numbers of byte offsets, counted once through the file (the csv
/// crate's own count lags a line behind a record after a CRLF).
struct Lines<'a> {
    bytes: &'a [u8],
    counted: usize,
    newlines: u64,
}

impl Lines<'_> {
    /// The line a record starting at byte `at` (or at the line break before
    /// it) starts on: 1 is the first.
    fn at(&mut self, at: u64) -> u64 {
        let mut at = usize::try_from(at)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while at < self.bytes.len() && matches!(self.bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > self.counted {
            self.newlines += self.bytes[self.counted..at]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            self.counted = at;
        }
        self.newlines + 1
    }
}

/// A cell's text, or `None` for a formula: a cell that starts with `=`,
/// `+`, `-` or `@` (or a tab or carriage return, which spreadsheets also
/// read so) is refused. The export writes such text with a `'` before it,
/// as spreadsheets do: that `'` is taken off here, so an export reads back.
fn unformula(cell: &str) -> Option<&str> {
    let starts = |t: &str| t.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts(cell) {
        return None;
    }
    match cell.strip_prefix('\'') {
        Some(rest) if starts(rest) => Some(rest),
        _ => Some(cell),
    }
}

/// A cell for the export: text a spreadsheet could run as a formula gets
/// a `'` before it (see [`unformula`]).
fn escape(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Checks each row on its own: email, name, organization, language,
/// roles, and a trainee's supervisor and title. Duplicate emails and a
/// second chair are found across rows.
fn check_rows(raws: Vec<Raw>, problems: &mut Problems) -> Vec<Row> {
    let mut rows = Vec::with_capacity(raws.len());
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut chair: Option<u64> = None;
    for mut raw in raws {
        let line = raw.line;
        let before = problems.0.total;
        for (column, text) in &mut raw.cells {
            match unformula(text) {
                Some(plain) => *text = plain.to_owned(),
                None => problems.add(
                    Some(line),
                    Reason::new(
                        "import-formula",
                        vec![("column", Arg::Text((*column).into()))],
                    ),
                ),
            }
        }
        if problems.0.total > before {
            // The row is named; its other cells are not read as data.
            continue;
        }
        let cell = |c: &str| raw.cells.get(c).map_or("", String::as_str);
        let email = match input::email(cell("email")) {
            Ok(e) => e,
            Err(e) => {
                problems.error(line, e);
                String::new()
            }
        };
        if !email.is_empty() {
            if let Some(first) = seen.get(&email) {
                problems.add(
                    Some(line),
                    Reason::new(
                        "import-duplicate-email",
                        vec![
                            ("email", Arg::Text(email.clone())),
                            ("first", Arg::int(*first as i64)),
                        ],
                    ),
                );
            } else {
                seen.insert(email.clone(), line);
            }
        }
        let name = input::line("name", cell("name")).unwrap_or_else(|e| {
            problems.error(line, e);
            String::new()
        });
        let organization = input::optional_line("organization", cell("organization"))
            .unwrap_or_else(|e| {
                problems.error(line, e);
                String::new()
            });
        let language = if cell("language").trim().is_empty() {
            None
        } else {
            input::language(cell("language"))
                .map_err(|e| problems.error(line, e))
                .ok()
        };
        let mut roles = Vec::new();
        for word in cell("role")
            .split(';')
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            match Role::parse(word) {
                Some(r) if !roles.contains(&r) => roles.push(r),
                Some(_) => {}
                None => problems.add(
                    Some(line),
                    Reason::new(
                        "import-role-unknown",
                        vec![
                            ("role", Arg::Text(word.chars().take(60).collect())),
                            (
                                "roles",
                                Arg::List(ROLES.iter().map(|r| Arg::Text((*r).into())).collect()),
                            ),
                        ],
                    ),
                ),
            }
        }
        if roles.is_empty() && cell("role").trim().is_empty() {
            problems.add(Some(line), Reason::new("import-role-missing", vec![]));
        }
        roles.sort();
        if roles.contains(&Role::Chair) {
            match chair {
                Some(first) => problems.add(
                    Some(line),
                    Reason::new(
                        "import-chair-twice",
                        vec![("first", Arg::int(first as i64))],
                    ),
                ),
                None => chair = Some(line),
            }
        }
        let trainee = roles.contains(&Role::Trainee);
        let mut supervisor = None;
        let mut title = String::new();
        if trainee {
            match cell("supervisor").trim() {
                "" => problems.add(Some(line), Reason::new("import-supervisor-missing", vec![])),
                s => match input::email(s) {
                    Ok(s) if s == email => {
                        problems.add(Some(line), Reason::new("import-supervisor-self", vec![]))
                    }
                    Ok(s) => supervisor = Some(s),
                    Err(e) => problems.error(line, e),
                },
            }
            title = input::line("project-title", cell("title")).unwrap_or_else(|e| {
                problems.error(line, e);
                String::new()
            });
        } else {
            for column in ["supervisor", "title"] {
                if !cell(column).trim().is_empty() {
                    problems.add(
                        Some(line),
                        Reason::new(
                            "import-trainee-only",
                            vec![("column", Arg::Text(column.into()))],
                        ),
                    );
                }
            }
        }
        if (trainee || roles.contains(&Role::Supervisor)) && organization.is_empty() {
            problems.add(
                Some(line),
                Reason::new(
                    "import-organization-missing",
                    vec![(
                        "role",
                        Arg::Text(if trainee { "trainee" } else { "supervisor" }.into()),
                    )],
                ),
            );
        }
        if problems.0.total == before {
            rows.push(Row {
                line,
                email,
                name,
                organization,
                language,
                roles,
                supervisor,
                title,
            });
        }
    }
    rows
}

impl Engine {
    /// Imports `bytes` (a CSV file) into cohort `cohort` (its name), as the
    /// operator: see the module's documentation. `dry_run` checks
    /// everything and writes nothing.
    pub async fn import_people(
        &self,
        cohort: &str,
        bytes: &[u8],
        dry_run: bool,
        now: Timestamp,
    ) -> Result<ImportAnswer, Error> {
        let cohort = self.store.cohort(cohort.trim()).await?;
        self.import_into(cohort, bytes, dry_run, now).await
    }

    /// Imports `bytes` into cohort `cohort` (its id) for `viewer`, who must
    /// coordinate it (anyone else: not found).
    pub async fn import_people_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        bytes: &[u8],
        dry_run: bool,
        now: Timestamp,
    ) -> Result<ImportAnswer, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        self.import_into(cohort, bytes, dry_run, now).await
    }

    /// Cohort `cohort` (its id), for one of its coordinators, who may load
    /// its people (anyone else: not found, before any file is read).
    pub async fn import_cohort_as(&self, viewer: &Viewer, cohort: i64) -> Result<Cohort, Error> {
        self.coordinated(viewer, cohort).await
    }

    async fn import_into(
        &self,
        cohort: Cohort,
        bytes: &[u8],
        dry_run: bool,
        now: Timestamp,
    ) -> Result<ImportAnswer, Error> {
        let mut problems = Problems::default();
        let raws = match read_rows(bytes, &mut problems) {
            Ok(r) => r,
            Err(refusal) => return Ok(ImportAnswer::Refused(refusal)),
        };
        let rows = check_rows(raws, &mut problems);
        let program = self.store.program_by_id(cohort.program_id).await?;
        let directory: HashMap<String, store::Person> = self
            .store
            .people()
            .await?
            .into_iter()
            .map(|p| (p.email.clone(), p))
            .collect();
        let existing = self.store.cohort_people(cohort.id).await?;
        let has_project: HashSet<i64> = existing.trainees.iter().map(|t| t.0).collect();
        let supervisors_now: HashSet<i64> = self.store.supervisors().await?;
        // Each supervisor a trainee names: in the file as a supervisor, or
        // registered as one.
        let in_file: HashMap<&str, &Row> = rows.iter().map(|r| (r.email.as_str(), r)).collect();
        let prerequisite = self
            .store
            .certification(program.id)
            .await?
            .and_then(|c| c.prerequisite_id);
        // A program that keeps its coordinators' and committee's places for
        // holders of a certificate (train-the-trainer) is asked of each row
        // given such a role: the same rule as a role given any other way.
        let staff_needs = self.staff_needs(&program).await?;
        let mut plan: Vec<RowEffect> = Vec::with_capacity(rows.len());
        let mut to_start: Vec<&Row> = Vec::new();
        for row in &rows {
            let person = directory.get(&row.email);
            let mut effects = Vec::with_capacity(row.roles.len());
            let before = problems.0.total;
            for role in &row.roles {
                let staff = match role {
                    Role::Coordinator => Some(Staff::Coordinator),
                    Role::Evaluator | Role::Chair => Some(Staff::Committee),
                    Role::Trainee | Role::Supervisor => None,
                };
                if let Some(staff) = staff {
                    match self
                        .check_staff_with(
                            &program,
                            &staff_needs,
                            person.map(|p| p.id),
                            &row.email,
                            staff,
                            now,
                        )
                        .await
                    {
                        Ok(()) => {}
                        Err(Error::Forbidden(reason)) => problems.add(Some(row.line), reason),
                        Err(e) => return Err(e),
                    }
                }
                let effect = match role {
                    Role::Trainee => {
                        let supervisor = row.supervisor.as_deref().unwrap_or_default();
                        let (known, organization) = match in_file.get(supervisor) {
                            Some(s) if s.roles.contains(&Role::Supervisor) => {
                                (true, s.organization.as_str())
                            }
                            Some(_) => (false, ""),
                            None => match directory.get(supervisor) {
                                Some(p) if supervisors_now.contains(&p.id) => {
                                    (true, p.organization.as_str())
                                }
                                _ => (false, ""),
                            },
                        };
                        if !known {
                            problems.add(
                                Some(row.line),
                                Reason::new(
                                    "import-supervisor-unknown",
                                    vec![("email", Arg::Text(supervisor.to_owned()))],
                                ),
                            );
                        } else if !same_organization(
                            organization,
                            person.map_or(&row.organization, |p| &p.organization),
                        ) {
                            problems.add(
                                Some(row.line),
                                Reason::new(
                                    "import-supervisor-organization",
                                    vec![
                                        ("email", Arg::Text(supervisor.to_owned())),
                                        ("organization", Arg::Text(organization.to_owned())),
                                        (
                                            "trainee",
                                            Arg::Text(
                                                person
                                                    .map_or(&row.organization, |p| &p.organization)
                                                    .clone(),
                                            ),
                                        ),
                                    ],
                                ),
                            );
                        }
                        if person.is_some_and(|p| has_project.contains(&p.id)) {
                            RoleEffect::HasProject
                        } else {
                            if let Some(required) = prerequisite {
                                let holds = match person {
                                    Some(p) => {
                                        self.store.holds_certificate(p.id, required, now).await?
                                    }
                                    None => false,
                                };
                                if !holds {
                                    let required = self.store.program_by_id(required).await?;
                                    problems.add(
                                        Some(row.line),
                                        Reason::new(
                                            "prerequisite-missing",
                                            vec![
                                                ("person", Arg::Text(row.name.clone())),
                                                ("program", Arg::Text(program.title.clone())),
                                                ("required", Arg::Text(required.title)),
                                            ],
                                        ),
                                    );
                                }
                            }
                            to_start.push(row);
                            RoleEffect::ProjectStarted
                        }
                    }
                    Role::Supervisor => {
                        if person.is_some_and(|p| supervisors_now.contains(&p.id)) {
                            RoleEffect::Supervisor
                        } else {
                            RoleEffect::SupervisorMarked
                        }
                    }
                    Role::Evaluator | Role::Chair => {
                        let pooled =
                            person.and_then(|p| existing.pool.iter().find(|m| m.0 == p.id));
                        match (pooled, role) {
                            (Some((_, true)), _) | (Some(_), Role::Evaluator) => RoleEffect::InPool,
                            _ => RoleEffect::PoolAdded,
                        }
                    }
                    Role::Coordinator => {
                        if person.is_some_and(|p| existing.coordinators.contains(&p.id)) {
                            RoleEffect::Coordinator
                        } else {
                            RoleEffect::CoordinatorAdded
                        }
                    }
                };
                effects.push((*role, effect));
            }
            if problems.0.total == before {
                plan.push(RowEffect {
                    line: row.line,
                    email: row.email.clone(),
                    person: if person.is_some() {
                        PersonEffect::Matched
                    } else {
                        PersonEffect::Created
                    },
                    roles: effects,
                });
            }
        }
        let left = i64::from(cohort.capacity) - i64::from(cohort.taken);
        if to_start.len() as i64 > left {
            let cohort_name = ("cohort", Arg::Text(cohort.name.clone()));
            let capacity = ("capacity", Arg::int(cohort.capacity));
            problems.add(
                None,
                if left <= 0 {
                    Reason::new("cohort-full", vec![cohort_name, capacity])
                } else {
                    Reason::new(
                        "cohort-places",
                        vec![
                            cohort_name,
                            capacity,
                            ("left", Arg::int(left)),
                            ("count", Arg::count(to_start.len())),
                        ],
                    )
                },
            );
        }
        if !problems.is_empty() {
            return Ok(ImportAnswer::Refused(problems.0));
        }
        let count = |want: &[RoleEffect]| {
            plan.iter()
                .flat_map(|r| &r.roles)
                .filter(|(_, e)| want.contains(e))
                .count()
        };
        let mut imported = Imported {
            cohort: cohort.name.clone(),
            dry_run,
            created: plan
                .iter()
                .filter(|r| r.person == PersonEffect::Created)
                .count(),
            matched: plan
                .iter()
                .filter(|r| r.person == PersonEffect::Matched)
                .count(),
            started: to_start.len(),
            supervisors: count(&[RoleEffect::SupervisorMarked]),
            pooled: count(&[RoleEffect::PoolAdded]),
            coordinators: count(&[RoleEffect::CoordinatorAdded]),
            rows: plan,
            projects: Vec::new(),
        };
        if dry_run {
            // The core's start is what could still refuse a project: ask it
            // without writing, on the cohort's workflow as pinned.
            return Ok(ImportAnswer::Done(imported));
        }
        let people: Vec<ImportPerson<'_>> = rows
            .iter()
            .map(|r| ImportPerson {
                email: &r.email,
                name: &r.name,
                organization: &r.organization,
                language: r.language,
                supervisor: r.roles.contains(&Role::Supervisor),
            })
            .collect();
        let projects: Vec<ImportProject<'_>> = to_start
            .iter()
            .map(|r| ImportProject {
                title: &r.title,
                trainee: &r.email,
                supervisor: r.supervisor.as_deref().unwrap_or_default(),
            })
            .collect();
        let pool: Vec<(&str, bool)> = rows
            .iter()
            .filter(|r| r.roles.contains(&Role::Evaluator) || r.roles.contains(&Role::Chair))
            .map(|r| (r.email.as_str(), r.roles.contains(&Role::Chair)))
            .collect();
        let coordinators: Vec<&str> = rows
            .iter()
            .filter(|r| r.roles.contains(&Role::Coordinator))
            .map(|r| r.email.as_str())
            .collect();
        let write = ImportWrite {
            people: &people,
            projects: &projects,
            pool: &pool,
            coordinators: &coordinators,
        };
        // Declared conflicts of the people already registered; new people
        // have none, and their organizations come from the transaction.
        let known: Vec<i64> = rows
            .iter()
            .filter_map(|r| directory.get(&r.email).map(|p| p.id))
            .collect();
        let declared: Vec<_> = self
            .store
            .conflicts_of(&known)
            .await?
            .into_iter()
            .map(super::committee::declared)
            .collect();
        // Planned on the cohort's calendar; when its dates change meanwhile,
        // planned again on the new one (as `start_projects` does).
        let mut cohort = cohort;
        let mut calendar = self.calendar(cohort.id, cohort.revision).await?;
        let mut replans = 0;
        let (written, pinned) = loop {
            let mut pinned: Option<(i64, std::sync::Arc<crate::definition::Workflow>)> = None;
            let attempt = self
                .store
                .import_cohort(
                    &cohort,
                    &program.workflow_key,
                    &write,
                    now,
                    |stored, id, members, _, organizations| {
                        let workflow = match &pinned {
                            Some((definition, workflow)) if *definition == stored.id => {
                                workflow.clone()
                            }
                            _ => {
                                let workflow = self.cached_or_parsed(stored)?;
                                pinned = Some((stored.id, workflow.clone()));
                                workflow
                            }
                        };
                        let conflicts = Conflicts {
                            organizations: members
                                .iter()
                                .filter_map(|m| {
                                    organizations.get(&m.person).map(|o| (m.person, o.clone()))
                                })
                                .collect(),
                            declared: declared.clone(),
                        };
                        let direct: Vec<_> = members
                            .iter()
                            .filter(|m| m.role == "trainee" || m.role == "supervisor")
                            .cloned()
                            .collect();
                        let project = Project {
                            id,
                            workflow: &workflow,
                            calendar: &calendar,
                            members,
                            conflicts: &conflicts,
                        };
                        decide::start(&project, &direct, now)
                            .map_err(|r| Error::refused(r, &workflow))
                    },
                )
                .await;
            match attempt {
                Err(store::Error::CohortChanged { .. }) if replans < MAX_REPLANS => {
                    replans += 1;
                    cohort = self.store.cohort_by_id(cohort.id).await?;
                    calendar = self.calendar(cohort.id, cohort.revision).await?;
                }
                attempt => break (attempt, pinned),
            }
        };
        let written = match written {
            Ok(w) => w,
            // A place or a trainee taken by someone else since the plan.
            Err(store::Error::Refused(reason)) => {
                let mut refused = Problems::default();
                refused.add(None, reason);
                return Ok(ImportAnswer::Refused(refused.0));
            }
            Err(e) => return Err(e.into()),
        };
        if !written.committed {
            let mut refused = Problems::default();
            for (result, row) in written.results.into_iter().zip(&to_start) {
                if let Err(e) = result {
                    refused.error(row.line, e);
                }
            }
            return Ok(ImportAnswer::Refused(refused.0));
        }
        if let Some((definition, workflow)) = pinned {
            self.workflows
                .lock()
                .expect("cache lock")
                .insert(definition, workflow);
        }
        imported.created = written.created;
        imported.projects = written
            .results
            .into_iter()
            .filter_map(Result::ok)
            .map(|(id, _)| id)
            .collect();
        Ok(ImportAnswer::Done(imported))
    }

    /// Cohort `cohort`'s people in the import's columns (a CSV with a
    /// byte-order mark): its coordinators, its committee pool, the
    /// supervisors and the trainees of its projects (a trainee's row names
    /// their supervisor and project title), one row per person with every
    /// role they hold, text a spreadsheet would run as a formula escaped.
    /// Imported into another cohort it gives the same people and roles.
    pub async fn export_people(&self, cohort: &str) -> Result<Vec<u8>, Error> {
        let cohort = self.store.cohort(cohort.trim()).await?;
        self.people_csv(&cohort).await
    }

    /// [`Engine::export_people`] for one of the cohort's coordinators
    /// (anyone else: not found).
    pub async fn export_people_as(&self, viewer: &Viewer, cohort: i64) -> Result<Vec<u8>, Error> {
        let cohort = self.coordinated(viewer, cohort).await?;
        self.people_csv(&cohort).await
    }

    async fn people_csv(&self, cohort: &Cohort) -> Result<Vec<u8>, Error> {
        let found = self.store.cohort_people(cohort.id).await?;
        let mut roles: BTreeMap<i64, Vec<Role>> = BTreeMap::new();
        for id in &found.coordinators {
            roles.entry(*id).or_default().push(Role::Coordinator);
        }
        for (id, chair) in &found.pool {
            roles
                .entry(*id)
                .or_default()
                .push(if *chair { Role::Chair } else { Role::Evaluator });
        }
        for id in &found.supervisors {
            roles.entry(*id).or_default().push(Role::Supervisor);
        }
        let mut trainee: BTreeMap<i64, (String, Option<i64>)> = BTreeMap::new();
        for (id, title, supervisor) in &found.trainees {
            if trainee.contains_key(id) {
                continue;
            }
            roles.entry(*id).or_default().push(Role::Trainee);
            trainee.insert(*id, (title.clone(), *supervisor));
        }
        let mut order: Vec<(Role, &str, i64)> = roles
            .iter()
            .filter_map(|(id, r)| {
                let first = *r.iter().min()?;
                Some((first, found.people.get(id)?.email.as_str(), *id))
            })
            .collect();
        order.sort();
        let internal = |e: &dyn std::fmt::Display| Error::Internal {
            message: Reason::new("internal", vec![]),
            detail: format!("writing the export: {e}"),
        };
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(b"\xEF\xBB\xBF".to_vec());
        out.write_record(COLUMNS).map_err(|e| internal(&e))?;
        for (_, _, id) in order {
            let person = &found.people[&id];
            let mut held = roles[&id].clone();
            held.sort();
            held.dedup();
            let (title, supervisor) = trainee
                .get(&id)
                .map(|(t, s)| {
                    let email = s
                        .and_then(|s| found.people.get(&s))
                        .map(|p| p.email.clone())
                        .unwrap_or_default();
                    (t.clone(), email)
                })
                .unwrap_or_default();
            let role = held.iter().map(|r| r.key()).collect::<Vec<_>>().join(";");
            out.write_record([
                escape(&person.email),
                escape(&person.name),
                escape(&person.organization),
                person.language.clone().unwrap_or_default(),
                role,
                escape(&supervisor),
                escape(&title),
            ])
            .map_err(|e| internal(&e))?;
        }
        out.into_inner().map_err(|e| internal(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(bytes: &[u8]) -> Vec<(Option<u64>, String)> {
        let mut p = Problems::default();
        match read_rows(bytes, &mut p) {
            Ok(raws) => {
                check_rows(raws, &mut p);
                p.0.problems
                    .into_iter()
                    .map(|p| (p.line, p.reason.code.to_owned()))
                    .collect()
            }
            Err(r) => r
                .problems
                .into_iter()
                .map(|p| (p.line, p.reason.code.to_owned()))
                .collect(),
        }
    }

    #[test]
    fn the_template_reads_back_without_a_problem() {
        assert_eq!(problems(TEMPLATE.as_bytes()), vec![]);
    }

    #[test]
    fn quoting_bom_and_arabic_are_read_as_spreadsheets_write_them() {
        let file = "\u{feff}Email,Name,Role,Organization,Supervisor,Title\r\n\
            m@h.example,\"Mansour, Khalid\",supervisor,Health,,\r\n\
            a@h.example,\"أمل \"\"يوسف\"\"\",trainee,Health,m@h.example,\"Two\nlines? no\"\r\n";
        let raws = read_rows(file.as_bytes(), &mut Problems::default()).unwrap();
        assert_eq!(raws.len(), 2);
        assert_eq!(raws[0].cells["name"], "Mansour, Khalid");
        assert_eq!(raws[1].cells["name"], "أمل \"يوسف\"");
        assert_eq!(raws[1].line, 3);
        // A title on two lines is refused by the one-line rule, at its line.
        assert_eq!(
            problems(file.as_bytes()),
            vec![(Some(3), "text-characters".into())]
        );
    }

    #[test]
    fn every_bad_row_is_named_with_its_line() {
        let file = "email,name,role,organization,supervisor,title,language\n\
            a@x.example,A,trainee,X,m@x.example,T,en\n\
            a@x.example,A2,evaluator,X,,,\n\
            not-an-email,B,evaluator,,,,\n\
            c@x.example,=HYPERLINK(\"x\"),evaluator,,,,\n\
            d@x.example,D,wizard,,,,\n\
            e@x.example,E,evaluator,,,,fr\n\
            f@x.example,F,chair,,,,\n\
            g@x.example,G,chair,,,,\n";
        assert_eq!(
            problems(file.as_bytes()),
            vec![
                (Some(3), "import-duplicate-email".into()),
                (Some(4), "not-an-email".into()),
                (Some(5), "import-formula".into()),
                (Some(6), "import-role-unknown".into()),
                (Some(7), "language-unknown".into()),
                (Some(9), "import-chair-twice".into()),
            ]
        );
    }

    #[test]
    fn binary_bytes_width_and_columns_are_refused() {
        assert_eq!(
            problems(b"email,name,role\na@b.example,\xff\xfe,trainee\n"),
            vec![(Some(2), "import-not-utf8".into())]
        );
        assert_eq!(
            problems(b"email,name,role,colour\n"),
            vec![(Some(1), "import-column-unknown".into())]
        );
        assert_eq!(
            problems(b"email,name\n"),
            vec![(Some(1), "import-column-missing".into())]
        );
        assert_eq!(
            problems(b"email,name,role\na@b.example,A\n"),
            vec![(Some(2), "import-row-width".into())]
        );
        assert_eq!(problems(b""), vec![(None, "import-empty".into())]);
    }

    #[test]
    fn rows_past_the_limit_stop_the_reading() {
        let mut file = String::from("email,name,role\n");
        for i in 0..=MAX_ROWS {
            file.push_str(&format!("p{i}@x.example,P,evaluator\n"));
        }
        assert_eq!(
            problems(file.as_bytes()),
            vec![(Some(MAX_ROWS as u64 + 2), "import-too-many-rows".into())]
        );
    }

    #[test]
    fn an_escaped_formula_reads_back_as_its_text() {
        assert_eq!(unformula("'=1+2"), Some("=1+2"));
        assert_eq!(unformula("'plain"), Some("'plain"));
        assert_eq!(unformula("-1"), None);
        assert_eq!(unformula("@SUM"), None);
        assert_eq!(escape("-1"), "'-1");
        assert_eq!(unformula(&escape("+x")), Some("+x"));
    }
}
