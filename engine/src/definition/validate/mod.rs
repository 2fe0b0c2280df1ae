//! From the file as written to a [`Workflow`]: every syntax and meaning error
//! found in one pass, each with its line and column.
//!
//! # Layout
//! - `mod.rs`: the entry point, the checks shared by every part (names,
//!   references, roles, durations, due dates, templates), the workflow as a
//!   whole (version, roles, conflicts, notifications, paths through the stages).
//! - `stage.rs`: one stage: deadline, reminders, escalations, milestones,
//!   assessment, actions.
//! - `forms.rs`: forms and their fields; rubrics and their scales.
//! - `improvement.rs`: the before/after measurement pairing.
//! - `checklist.rs`: the graduation checklist (`checklist:`).
//! - `condition.rs`: `when:` conditions, what they can see, and where in the
//!   file a problem inside one lies.
//!
//! Every check runs in time proportional to the size of the file: names are
//! looked up in hash sets, and paths are one walk over the actions.

mod checklist;
mod condition;
mod forms;
mod improvement;
mod stage;
mod words;

use std::collections::{HashMap, HashSet};

use jiff::civil;
use serde_saphyr::{Location, Spanned};

use super::duration::Duration;
use super::label::Label;
use super::model::*;
use super::names::{Known, shown};
use super::paths::{self, Edge};
use super::source::*;
use super::{Diagnostic, Templates};

pub use forms::MAX_SCORE;
pub use stage::SCORE_ACTION;

/// Template used by reminders that do not name one.
pub const DEFAULT_REMINDER_TEMPLATE: &str = "deadline_reminder";
/// Template used by overdue escalations that do not name one.
pub const DEFAULT_OVERDUE_TEMPLATE: &str = "overdue_notice";

/// Highest version number accepted. Versions are counted one by one, so a
/// million is more than any workflow will reach; the bound keeps `version + 1`
/// (what a refused publish suggests) a version too.
pub const MAX_VERSION: u32 = 1_000_000;

/// How many distinct misspelt names get a "did you mean" guess; each guess
/// compares the name with every known one, so the number is bounded to keep a
/// file full of mistakes as quick to check as a correct one.
const GUESSES: usize = 100;

/// How much comparing of names (characters times characters) all the guesses
/// of one file may cost together: a few milliseconds' work, even for a file
/// of twenty thousand long names that all look alike.
const GUESS_WORK: usize = 5_000_000;

/// Most people a definition may require or allow in one role on a project.
pub const MAX_HOLDERS: u32 = 1_000;

/// `with: all` in a conflict: every other role of the workflow.
const ALL_ROLES: &str = "all";

pub(super) fn validate(text: &str, templates: Templates<'_>) -> Result<Workflow, Vec<Diagnostic>> {
    // Duplicate keys are an error by default in serde-saphyr, with their location.
    let source: DefinitionSource = match serde_saphyr::from_str_with_options(text, options()) {
        Ok(source) => source,
        Err(error) => return Err(vec![syntax_error(&error)]),
    };
    let mut checker = Checker {
        text,
        problems: Vec::new(),
        guesses: HashMap::new(),
        guess_work: GUESS_WORK,
    };
    let workflow = checker.workflow(source, templates);
    if checker.problems.is_empty() {
        Ok(workflow)
    } else {
        checker.problems.sort_by_key(|d| (d.line, d.column));
        Err(checker.problems)
    }
}

/// How the YAML is read: the crate's defaults (duplicate keys refused, depth
/// and size budgets), and no anchors or aliases (`&name`, `*name`, `<<:`).
///
/// An alias repeats the value it names wherever it is used, so a file of one
/// megabyte could otherwise grow into gigabytes once read (a long text
/// anchored once, then named inside maps that are themselves named many
/// times). And a problem in a repeated value would be reported at the anchor,
/// far from where it matters. Each value written out keeps a definition
/// readable line by line, as large in memory as on disk, and every problem at
/// the line that has it.
pub fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_aliases: 0,
            max_anchors: 0,
        },
    }
}

fn syntax_error(error: &serde_saphyr::Error) -> Diagnostic {
    let location = error.location().unwrap_or(Location::UNKNOWN);
    let full = error.without_snippet().to_string();
    // The crate's message may end with its own " at line X column Y"; we print ours.
    let message = full
        .split(" at line ")
        .next()
        .unwrap_or(&full)
        .trim()
        .to_owned();
    let (message, hint) = if let Some(breach) = message.strip_prefix("budget breached: ") {
        budget_breach(breach)
    } else if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        (
            format!("duplicate key '{}'", shown(key)),
            Some("each key may appear once in a mapping; remove or rename one".to_owned()),
        )
    } else if message.contains("unknown field") {
        (
            message,
            Some("check the spelling; docs/definitions.md lists every key".to_owned()),
        )
    } else if message.starts_with("invalid u32") || message.starts_with("invalid u64") {
        (
            "expected a whole number here".to_owned(),
            Some("check the indentation of the lines around it too".to_owned()),
        )
    } else {
        (message, None)
    };
    Diagnostic {
        line: location.line().max(1),
        column: location.column().max(1),
        message,
        hint,
    }
}

/// Words for a YAML budget the file exceeds (`Anchors { anchors: 1 }`, `Depth { … }`).
fn budget_breach(breach: &str) -> (String, Option<String>) {
    let kind = breach.split([' ', '{']).next().unwrap_or(breach);
    match kind {
        "Anchors" | "Aliases" | "AliasAnchorRatio" => (
            "YAML anchors and aliases (&name, *name, <<: *name) are not accepted in a definition"
                .to_owned(),
            Some(
                "write each value out where it is used, so that every problem is reported where it is written"
                    .to_owned(),
            ),
        ),
        "Depth" | "FlowNesting" => (
            "the YAML is nested too deeply here".to_owned(),
            Some("a definition needs a few levels of indentation, never dozens".to_owned()),
        ),
        _ => (
            format!("the file is too large or too complex to read ({kind})"),
            Some("split it into several workflows".to_owned()),
        ),
    }
}

struct Checker<'a> {
    /// The file's text, to find where inside a value a problem lies.
    text: &'a str,
    /// Every problem found so far, in the order found.
    problems: Vec<Diagnostic>,
    /// "Did you mean" guesses made so far, by (kind of name, name written):
    /// each misspelling is guessed once, however often it is written.
    guesses: HashMap<(&'static str, String), Option<String>>,
    /// What guessing may still cost (see [`GUESS_WORK`]).
    guess_work: usize,
}

impl Checker<'_> {
    fn error(&mut self, at: Location, message: impl Into<String>) {
        self.problems.push(Diagnostic {
            line: at.line().max(1),
            column: at.column().max(1),
            message: message.into(),
            hint: None,
        });
    }

    fn error_hint(&mut self, at: Location, message: impl Into<String>, hint: impl Into<String>) {
        self.error(at, message);
        if let Some(last) = self.problems.last_mut() {
            last.hint = Some(hint.into());
        }
    }

    /// Checks that `name` is one of `known`, reporting it with a guess and the
    /// known names when it is not.
    fn reference(&mut self, name: &Text, known: &Known<'_>) -> bool {
        if known.contains(&name.value) {
            return true;
        }
        let hint = match self.guess(known, &name.value) {
            Some(guess) => format!("did you mean '{guess}'? {}", known.hint()),
            None => known.hint(),
        };
        self.error_hint(
            name.referenced,
            format!("unknown {} '{}'", known.what, shown(&name.value)),
            hint,
        );
        false
    }

    /// The known name `name` most likely misspells, guessed once per name and
    /// for at most [`GUESSES`] names.
    fn guess(&mut self, known: &Known<'_>, name: &str) -> Option<String> {
        let key = (known.what, name.to_owned());
        if let Some(guess) = self.guesses.get(&key) {
            return guess.clone();
        }
        if self.guesses.len() >= GUESSES {
            return None;
        }
        let guess = known.guess(name, &mut self.guess_work).map(str::to_owned);
        self.guesses.insert(key, guess.clone());
        guess
    }

    fn identifier(&mut self, name: &Text, what: &str) {
        let ok = !name.value.is_empty()
            && name
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && name.value.starts_with(|c: char| c.is_ascii_alphabetic());
        if !ok {
            self.error_hint(
                name.referenced,
                format!("'{}' is not a valid {what} name", shown(&name.value)),
                "use letters, digits, '_' and '-', starting with a letter",
            );
        }
    }

    fn unique<'t>(&mut self, names: impl IntoIterator<Item = &'t Text>, what: &str) {
        let mut seen = HashSet::new();
        for name in names {
            if !seen.insert(name.value.as_str()) {
                self.error(
                    name.referenced,
                    format!("{what} '{}' is listed twice", shown(&name.value)),
                );
            }
        }
    }

    fn roles(&mut self, names: &Spanned<Names>, roles: &Known<'_>) -> Vec<String> {
        let mut out = Vec::new();
        if names.value.0.is_empty() {
            self.error(names.referenced, "name at least one role");
        }
        for name in &names.value.0 {
            let name = located(name, names.referenced);
            if self.reference(&name, roles) {
                out.push(name.value);
            }
        }
        out
    }

    fn required_roles(
        &mut self,
        names: Option<&Spanned<Names>>,
        at: Location,
        key: &str,
        what: &str,
        roles: &Known<'_>,
    ) -> Vec<String> {
        match names {
            Some(names) => self.roles(names, roles),
            None => {
                self.error(at, format!("{key} is missing: say {what}"));
                Vec::new()
            }
        }
    }

    fn duration(&mut self, text: &Text) -> Option<Duration> {
        match Duration::parse(&text.value) {
            Ok(d) => Some(d),
            Err(message) => {
                self.error(text.referenced, message);
                None
            }
        }
    }

    fn due(&mut self, due: &Spanned<DueSource>, dates: &Known<'_>) -> Option<Due> {
        let d = &due.value;
        match (&d.at, &d.after) {
            (Some(at), None) => {
                let Some(name) = at.value.strip_prefix("cohort.") else {
                    self.error_hint(
                        at.referenced,
                        format!("'{}' is not a cohort date", shown(&at.value)),
                        "write at: cohort.NAME with NAME listed in cohort_dates",
                    );
                    return None;
                };
                if !dates.contains(name) {
                    self.error_hint(
                        at.referenced,
                        format!("unknown cohort date '{}'", shown(name)),
                        format!("{}; add it to cohort_dates", dates.hint()),
                    );
                    return None;
                }
                let time = match &d.time {
                    None => None,
                    Some(t) => match t.value.parse::<civil::Time>() {
                        Ok(time) => Some(time),
                        Err(_) => {
                            self.error_hint(
                                t.referenced,
                                format!("'{}' is not a time of day", shown(&t.value)),
                                "write it as HH:MM, e.g. \"17:00\"",
                            );
                            return None;
                        }
                    },
                };
                Some(Due::CohortDate {
                    name: name.to_owned(),
                    time,
                })
            }
            (None, Some(after)) => {
                if let Some(t) = &d.time {
                    self.error(t.referenced, "time: goes with at:, not with after:");
                }
                self.duration(after).map(Due::After)
            }
            (Some(_), Some(after)) => {
                self.error(after.referenced, "give either at: or after:, not both");
                None
            }
            (None, None) => {
                self.error_hint(
                    due.referenced,
                    "a due date needs at: or after:",
                    "e.g. { at: cohort.proposal_due } or { after: 14d }",
                );
                None
            }
        }
    }

    fn template(
        &mut self,
        name: Option<&Text>,
        default: &str,
        templates: Templates<'_>,
        at: Location,
    ) -> String {
        let (value, at) = match name {
            Some(t) => (t.value.clone(), t.referenced),
            None => (default.to_owned(), at),
        };
        if let Templates::Known(known) = templates
            && !known.contains(&value)
        {
            let shown = shown(&value);
            let hint = if name.is_none() {
                format!(
                    "this entry uses the default template '{default}'; add templates/{shown}.subject.hbs and templates/{shown}.text.hbs beside the definition, or name another template"
                )
            } else {
                format!(
                    "add templates/{shown}.subject.hbs and templates/{shown}.text.hbs beside the definition"
                )
            };
            self.error_hint(at, format!("unknown template '{shown}'"), hint);
        }
        value
    }

    fn workflow(&mut self, source: DefinitionSource, templates: Templates<'_>) -> Workflow {
        self.identifier(&source.key, "workflow");
        let version = source.version.value;
        if version == 0 {
            self.error(source.version.referenced, "version numbers start at 1");
        } else if version > MAX_VERSION {
            self.error_hint(
                source.version.referenced,
                format!("version {version} is too large; versions run from 1 to {MAX_VERSION}"),
                "number versions 1, 2, 3, … as you publish them",
            );
        }
        let role_names: Vec<Text> = source
            .roles
            .iter()
            .map(|r| located(&r.value.role, r.referenced))
            .collect();
        for role in &role_names {
            self.identifier(role, "role");
        }
        self.unique(&role_names, "role");
        let holders = self.holders(&source.roles, &role_names);
        self.unique(&source.cohort_dates, "cohort date");
        let roles = Known::new("role", role_names.iter().map(|r| r.value.as_str()));
        let dates = Known::new(
            "cohort date",
            source.cohort_dates.iter().map(|r| r.value.as_str()),
        );
        let conflicts = self.conflicts(&source.conflicts, &roles);
        let evidence = match &source.evidence {
            Some(names) => self.roles(names, &roles),
            None => super::model::DEFAULT_EVIDENCE_ROLES
                .iter()
                .filter(|r| role_names.iter().any(|known| known.value == **r))
                .map(|r| (*r).to_owned())
                .collect(),
        };
        let title = self.label(&source.title, "title").unwrap_or_else(|| {
            if matches!(source.title.value, LabelSource::Plain(TextSource::Null)) {
                self.error(source.title.referenced, "the workflow's title is empty");
            }
            Label::new(source.key.value.clone())
        });
        let description = self.optional_words(&source.description, "description");

        let forms = self.forms(&source.forms);
        let rubrics = self.rubrics(&source.rubrics);
        let form_names = Known::new("form", forms.keys().map(String::as_str));
        let rubric_names = Known::new("rubric", rubrics.keys().map(String::as_str));
        let stage_names = Known::new(
            "stage",
            source.stages.0.iter().map(|(k, _)| k.value.as_str()),
        );
        let fields = condition::FieldIndex::new(&forms);

        if source.stages.0.is_empty() {
            // (So `start:` cannot name one either; that is not a second mistake.)
            self.error(source.start.referenced, "the workflow has no stages");
        } else {
            self.reference(&source.start, &stage_names);
        }

        let mut milestone_keys: Vec<Text> = Vec::new();
        let mut stages = Vec::new();
        let ctx = stage::StageContext {
            roles: &roles,
            dates: &dates,
            stages: &stage_names,
            forms: &form_names,
            rubrics: &rubric_names,
            form_defs: &forms,
            fields: &fields,
            templates,
        };
        for (key, stage) in &source.stages.0 {
            self.identifier(key, "stage");
            stages.push(self.stage(key, stage, &ctx, &mut milestone_keys));
        }
        self.unique(&milestone_keys, "milestone");
        let notifications = self.notifications(
            &source.notifications,
            &stages,
            &milestone_keys,
            &stage_names,
            &roles,
            templates,
        );

        let improvement = source
            .improvement
            .as_ref()
            .and_then(|i| self.improvement(i, &stages, &forms));
        let checklist = self.checklist(&source.checklist, &stages, &forms, &fields);
        let workflow = Workflow {
            key: source.key.value.clone(),
            version,
            title,
            description,
            roles: role_names.iter().map(|r| r.value.clone()).collect(),
            holders,
            cohort_dates: source
                .cohort_dates
                .iter()
                .map(|r| r.value.clone())
                .collect(),
            conflicts,
            evidence,
            start: source.start.value.clone(),
            stages,
            forms,
            rubrics,
            notifications,
            improvement,
            checklist,
        };
        self.paths(&workflow, &source);
        workflow
    }

    /// How many people a project holds in each role that says so: `count: N`
    /// (exactly N), or `min:` and/or `max:`, each from 1 to
    /// [`MAX_HOLDERS`] (`min: 0` is the same as no `min:`).
    fn holders(
        &mut self,
        entries: &[Spanned<RoleSource>],
        names: &[Text],
    ) -> std::collections::BTreeMap<String, Holders> {
        let mut out = std::collections::BTreeMap::new();
        for (entry, name) in entries.iter().zip(names) {
            let r = &entry.value;
            if r.count.is_none() && r.min.is_none() && r.max.is_none() {
                continue;
            }
            let mut bound = |value: &Spanned<u32>, key: &str, zero_ok: bool| -> Option<u32> {
                let n = value.value;
                if n > MAX_HOLDERS || (n == 0 && !zero_ok) {
                    self.error_hint(
                        value.referenced,
                        format!("{key}: {n} is not a number of people a project can hold in a role"),
                        format!(
                            "write a whole number from 1 to {MAX_HOLDERS}; leave {key} out for no limit"
                        ),
                    );
                    None
                } else {
                    Some(n)
                }
            };
            let holders = match (&r.count, &r.min, &r.max) {
                (Some(count), None, None) => bound(count, "count", false).map(|n| Holders {
                    min: n,
                    max: Some(n),
                }),
                (Some(count), _, _) => {
                    self.error_hint(
                        count.referenced,
                        format!(
                            "role '{}' gives count: with min: or max:",
                            shown(&name.value)
                        ),
                        "write count: N for exactly N people, or min: and max: for a range",
                    );
                    None
                }
                (None, min, max) => {
                    let low = min.as_ref().map(|m| bound(m, "min", true));
                    let high = max.as_ref().map(|m| bound(m, "max", false));
                    match (low, high) {
                        (Some(None), _) | (_, Some(None)) => None,
                        (low, high) => {
                            let holders = Holders {
                                min: low.flatten().unwrap_or(0),
                                max: high.flatten(),
                            };
                            match (min, holders.max) {
                                (Some(min), Some(max)) if holders.min > max => {
                                    self.error(
                                        min.referenced,
                                        format!(
                                            "role '{}': min ({}) is greater than max ({max})",
                                            shown(&name.value),
                                            holders.min
                                        ),
                                    );
                                    None
                                }
                                _ => Some(holders),
                            }
                        }
                    }
                }
            };
            if let Some(holders) = holders
                && holders != Holders::default()
            {
                out.insert(name.value.clone(), holders);
            }
        }
        out
    }

    /// `conflicts:`: pairs of roles one person may not hold together.
    fn conflicts(
        &mut self,
        conflicts: &[Spanned<ConflictSource>],
        roles: &Known<'_>,
    ) -> Vec<Conflict> {
        let mut out = Vec::new();
        for conflict in conflicts {
            let c = &conflict.value;
            let role_known = self.reference(&c.role, roles);
            let written: Vec<Text> = c
                .with
                .value
                .0
                .iter()
                .map(|n| located(n, c.with.referenced))
                .collect();
            if written.is_empty() {
                self.error(
                    c.with.referenced,
                    "name at least one role, or write with: all",
                );
            }
            let all = written.iter().any(|n| n.value == ALL_ROLES);
            let mut with = Vec::new();
            if all {
                if written.len() > 1 {
                    self.error_hint(
                        c.with.referenced,
                        "with: all already covers every other role",
                        "write with: all alone, or list the roles",
                    );
                }
            } else {
                self.unique(&written, "role");
                for name in &written {
                    if !self.reference(name, roles) {
                        continue;
                    }
                    if name.value == c.role.value {
                        self.error(
                            name.referenced,
                            format!(
                                "role '{}' cannot conflict with itself; one person holding it is the point",
                                shown(&name.value)
                            ),
                        );
                    } else {
                        with.push(name.value.clone());
                    }
                }
            }
            if role_known {
                out.push(Conflict {
                    role: c.role.value.clone(),
                    with,
                    all,
                });
            }
        }
        out
    }

    /// `notifications:`: when each rule fires, whom it tells, with which template.
    fn notifications(
        &mut self,
        rules: &[Spanned<NotificationSource>],
        stages: &[Stage],
        milestone_keys: &[Text],
        stage_names: &Known<'_>,
        roles: &Known<'_>,
        templates: Templates<'_>,
    ) -> Vec<NotificationRule> {
        let action_names: HashSet<&str> = stages
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| a.key.as_str()))
            .collect();
        let milestones = Known::new("milestone", milestone_keys.iter().map(|m| m.value.as_str()));
        let mut notifications = Vec::new();
        for rule in rules {
            let on = &rule.value.on;
            let trigger = trigger(&on.value);
            match &trigger {
                None => self.error_hint(
                    on.referenced,
                    format!(
                        "'{}' is not a moment a notification can follow",
                        shown(&on.value)
                    ),
                    "write enter STAGE, leave STAGE, action ACTION, withdrawal or milestone KEY submitted|accepted|returned (KEY may be *)",
                ),
                Some(Trigger::Enter(s) | Trigger::Leave(s)) if !stage_names.contains(s) => {
                    let name = Spanned::new(s.clone(), on.referenced, on.referenced);
                    self.reference(&name, stage_names);
                }
                Some(Trigger::Action(a)) if !action_names.contains(a.as_str()) => self.error(
                    on.referenced,
                    format!("no stage has an action '{}'", shown(a)),
                ),
                Some(Trigger::Milestone { key, .. }) if key != "*" && !milestones.contains(key) => {
                    let name = Spanned::new(key.clone(), on.referenced, on.referenced);
                    self.reference(&name, &milestones);
                }
                _ => {}
            }
            let to = self.roles(&rule.value.to, roles);
            let template =
                self.template(Some(&rule.value.template), "", templates, rule.referenced);
            if let Some(on) = trigger {
                notifications.push(NotificationRule { on, to, template });
            }
        }
        notifications
    }

    /// Every stage reachable from the start, and a terminal stage reachable
    /// from every stage. An action leading to an unknown stage is reported
    /// where it is written; here it is taken to lead anywhere (any stage may
    /// have been meant), so the one mistake is not reported again as stages
    /// that cannot be reached or as dead ends.
    fn paths(&mut self, workflow: &Workflow, source: &DefinitionSource) {
        let index: HashMap<&str, usize> = workflow
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.as_str(), i))
            .collect();
        let Some(&start) = index.get(workflow.start.as_str()) else {
            return;
        };
        if !workflow.stages.iter().any(|s| s.terminal) {
            self.error_hint(
                source.start.referenced,
                "the workflow has no terminal stage, so no project could ever finish",
                "mark the final stages with terminal: true",
            );
            return;
        }
        let edges: Vec<Vec<Edge>> = workflow
            .stages
            .iter()
            .map(|stage| {
                stage
                    .actions
                    .iter()
                    .map(|a| {
                        index
                            .get(a.to.as_str())
                            .map_or(Edge::Unknown, |&j| Edge::To(j))
                    })
                    .collect()
            })
            .collect();
        let terminal: Vec<bool> = workflow.stages.iter().map(|s| s.terminal).collect();
        let found = paths::walk(start, &edges, &terminal);
        let mut withdrawals = 0;
        for (i, (key, _)) in source.stages.0.iter().enumerate() {
            if workflow.stages.get(i).is_some_and(|s| s.withdrawal) {
                withdrawals += 1;
                if withdrawals > 1 {
                    self.error_hint(
                        key.referenced,
                        format!(
                            "stage '{}' is a second stage marked withdrawal: true",
                            shown(&key.value)
                        ),
                        "a withdrawal ends a project in one stage: mark only one",
                    );
                }
                // A withdrawal reaches it from every stage that is not terminal.
                continue;
            }
            if !found.reached[i] {
                self.error_hint(
                    key.referenced,
                    format!(
                        "stage '{}' cannot be reached from the start stage '{}'",
                        shown(&key.value),
                        shown(&workflow.start)
                    ),
                    "add an action with to: pointing at it, or remove the stage",
                );
            } else if !found.finishes[i] && !workflow.stages[i].actions.is_empty() {
                // (A stage with no actions is already reported as such.)
                self.error_hint(
                    key.referenced,
                    format!(
                        "no terminal stage can be reached from stage '{}'; projects entering it could never finish",
                        shown(&key.value)
                    ),
                    "add an action leading towards a terminal stage",
                );
            }
        }
    }
}

/// The moment a notification's `on:` names, if it names one.
fn trigger(on: &str) -> Option<Trigger> {
    if on.trim() == "withdrawal" {
        return Some(Trigger::Withdrawal);
    }
    match on.split_once(' ')? {
        ("enter", stage) => Some(Trigger::Enter(stage.trim().to_owned())),
        ("leave", stage) => Some(Trigger::Leave(stage.trim().to_owned())),
        ("action", action) => Some(Trigger::Action(action.trim().to_owned())),
        ("milestone", rest) => match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
            [key, step] => {
                let step = match *step {
                    "submitted" => MilestoneStep::Submitted,
                    "accepted" => MilestoneStep::Accepted,
                    "returned" => MilestoneStep::Returned,
                    _ => return None,
                };
                Some(Trigger::Milestone {
                    key: (*key).to_owned(),
                    step,
                })
            }
            _ => None,
        },
        _ => None,
    }
}

/// Gives a name written as a plain scalar (which carries no location of its own)
/// the location of the value it came from.
fn located(name: &Text, fallback: Location) -> Text {
    if name.referenced == Location::UNKNOWN {
        Spanned::new(name.value.clone(), fallback, fallback)
    } else {
        name.clone()
    }
}
