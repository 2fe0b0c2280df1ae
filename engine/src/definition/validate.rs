//! From the file as written to a [`Workflow`]: every syntax and meaning error
//! found in one pass, each with its line and column.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use jiff::civil;
use serde_saphyr::{Location, Spanned};

use super::duration::Duration;
use super::model::*;
use super::schedule::Schedule;
use super::source::*;
use super::{Diagnostic, Templates};
use crate::expr::{self, Expr};

/// Template used by reminders that do not name one.
pub const DEFAULT_REMINDER_TEMPLATE: &str = "deadline_reminder";
/// Template used by overdue escalations that do not name one.
pub const DEFAULT_OVERDUE_TEMPLATE: &str = "overdue_notice";

pub(super) fn validate(text: &str, templates: Templates<'_>) -> Result<Workflow, Vec<Diagnostic>> {
    // Duplicate keys are an error by default in serde-saphyr, with their location.
    let source: DefinitionSource = match serde_saphyr::from_str(text) {
        Ok(source) => source,
        Err(error) => return Err(vec![syntax_error(&error)]),
    };
    let mut checker = Checker {
        text,
        problems: Vec::new(),
    };
    let workflow = checker.workflow(source, templates);
    if checker.problems.is_empty() {
        Ok(workflow)
    } else {
        checker.problems.sort_by_key(|d| (d.line, d.column));
        Err(checker.problems)
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
    let (message, hint) = if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        (
            format!("duplicate key '{key}'"),
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

struct Checker<'a> {
    text: &'a str,
    problems: Vec<Diagnostic>,
}

/// Names of things a reference can point at, with a hint listing them.
struct Known<'k> {
    what: &'static str,
    names: Vec<&'k str>,
}

impl Known<'_> {
    fn contains(&self, name: &str) -> bool {
        self.names.contains(&name)
    }

    fn hint(&self) -> String {
        if self.names.is_empty() {
            format!("no {}s are defined", self.what)
        } else {
            format!("known {}s: {}", self.what, self.names.join(", "))
        }
    }
}

impl<'a> Checker<'a> {
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

    fn reference(&mut self, name: &Text, known: &Known<'_>) -> bool {
        if known.contains(&name.value) {
            return true;
        }
        self.error_hint(
            name.referenced,
            format!("unknown {} '{}'", known.what, name.value),
            known.hint(),
        );
        false
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
                format!("'{}' is not a valid {what} name", name.value),
                "use letters, digits, '_' and '-', starting with a letter",
            );
        }
    }

    fn unique<'t>(&mut self, names: impl IntoIterator<Item = &'t Text>, what: &str) {
        let mut seen = BTreeSet::new();
        for name in names {
            if !seen.insert(name.value.as_str()) {
                self.error(
                    name.referenced,
                    format!("{what} '{}' is listed twice", name.value),
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
                        format!("'{}' is not a cohort date", at.value),
                        "write at: cohort.NAME with NAME listed in cohort_dates",
                    );
                    return None;
                };
                if !dates.contains(name) {
                    self.error_hint(
                        at.referenced,
                        format!("unknown cohort date '{name}'"),
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
                                format!("'{}' is not a time of day", t.value),
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
            let hint = if name.is_none() {
                format!(
                    "this entry uses the default template '{default}'; add templates/{value}.subject.hbs and templates/{value}.text.hbs beside the definition, or name another template"
                )
            } else {
                format!(
                    "add templates/{value}.subject.hbs and templates/{value}.text.hbs beside the definition"
                )
            };
            self.error_hint(at, format!("unknown template '{value}'"), hint);
        }
        value
    }

    fn workflow(&mut self, source: DefinitionSource, templates: Templates<'_>) -> Workflow {
        self.identifier(&source.key, "workflow");
        if source.version.value == 0 {
            self.error(source.version.referenced, "version numbers start at 1");
        }
        for role in &source.roles {
            self.identifier(role, "role");
        }
        self.unique(&source.roles, "role");
        self.unique(&source.cohort_dates, "cohort date");
        let roles = Known {
            what: "role",
            names: source.roles.iter().map(|r| r.value.as_str()).collect(),
        };
        let dates = Known {
            what: "cohort date",
            names: source
                .cohort_dates
                .iter()
                .map(|r| r.value.as_str())
                .collect(),
        };

        let forms = self.forms(&source.forms);
        let rubrics = self.rubrics(&source.rubrics);
        let form_names = Known {
            what: "form",
            names: forms.keys().map(String::as_str).collect(),
        };
        let rubric_names = Known {
            what: "rubric",
            names: rubrics.keys().map(String::as_str).collect(),
        };
        let stage_names = Known {
            what: "stage",
            names: source
                .stages
                .0
                .iter()
                .map(|(k, _)| k.value.as_str())
                .collect(),
        };

        if source.stages.0.is_empty() {
            self.error(source.start.referenced, "the workflow has no stages");
        }
        self.reference(&source.start, &stage_names);

        let mut milestone_keys: Vec<Text> = Vec::new();
        let mut stages = Vec::new();
        for (key, stage) in &source.stages.0 {
            self.identifier(key, "stage");
            let ctx = StageContext {
                roles: &roles,
                dates: &dates,
                stages: &stage_names,
                forms: &form_names,
                rubrics: &rubric_names,
                form_defs: &forms,
                templates,
            };
            stages.push(self.stage(key, stage, &ctx, &mut milestone_keys));
        }
        self.unique(&milestone_keys, "milestone");

        let mut notifications = Vec::new();
        for rule in &source.notifications {
            let on = &rule.value.on;
            let trigger = match on.value.split_once(' ') {
                Some(("enter", stage)) => Some(Trigger::Enter(stage.trim().to_owned())),
                Some(("leave", stage)) => Some(Trigger::Leave(stage.trim().to_owned())),
                Some(("action", action)) => Some(Trigger::Action(action.trim().to_owned())),
                Some(("milestone", rest)) => {
                    match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                        [key, step] => {
                            let step = match *step {
                                "submitted" => Some(MilestoneStep::Submitted),
                                "accepted" => Some(MilestoneStep::Accepted),
                                "returned" => Some(MilestoneStep::Returned),
                                _ => None,
                            };
                            step.map(|step| Trigger::Milestone {
                                key: (*key).to_owned(),
                                step,
                            })
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            match &trigger {
                None => self.error_hint(
                    on.referenced,
                    format!("'{}' is not a moment a notification can follow", on.value),
                    "write enter STAGE, leave STAGE, action ACTION or milestone KEY submitted|accepted|returned (KEY may be *)",
                ),
                Some(Trigger::Enter(s) | Trigger::Leave(s)) if !stage_names.contains(s) => self
                    .error_hint(
                        on.referenced,
                        format!("unknown stage '{s}'"),
                        stage_names.hint(),
                    ),
                Some(Trigger::Action(a))
                    if !stages.iter().any(|s: &Stage| s.action(a).is_some()) =>
                {
                    self.error(on.referenced, format!("no stage has an action '{a}'"))
                }
                Some(Trigger::Milestone { key, .. })
                    if key != "*" && !milestone_keys.iter().any(|m| m.value == *key) =>
                {
                    let known: Vec<&str> = milestone_keys.iter().map(|m| m.value.as_str()).collect();
                    self.error_hint(
                        on.referenced,
                        format!("unknown milestone '{key}'"),
                        format!("known milestones: {}", known.join(", ")),
                    )
                }
                _ => {}
            }
            let to = self.roles(&rule.value.to, &roles);
            let template =
                self.template(Some(&rule.value.template), "", templates, rule.referenced);
            if let Some(on) = trigger {
                notifications.push(NotificationRule { on, to, template });
            }
        }

        let workflow = Workflow {
            key: source.key.value.clone(),
            version: source.version.value,
            title: source.title.value.clone(),
            description: source.description.clone(),
            roles: source.roles.iter().map(|r| r.value.clone()).collect(),
            cohort_dates: source
                .cohort_dates
                .iter()
                .map(|r| r.value.clone())
                .collect(),
            start: source.start.value.clone(),
            stages,
            forms,
            rubrics,
            notifications,
        };
        self.paths(&workflow, &source);
        workflow
    }

    /// Every stage reachable from the start, and a terminal stage reachable from every stage.
    fn paths(&mut self, workflow: &Workflow, source: &DefinitionSource) {
        let index: BTreeMap<&str, usize> = workflow
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.as_str(), i))
            .collect();
        let edges = |i: usize| -> Vec<usize> {
            workflow.stages[i]
                .actions
                .iter()
                .filter_map(|a| index.get(a.to.as_str()).copied())
                .collect()
        };
        let Some(&start) = index.get(workflow.start.as_str()) else {
            return;
        };
        let mut reached = vec![false; workflow.stages.len()];
        let mut queue = VecDeque::from([start]);
        reached[start] = true;
        while let Some(i) = queue.pop_front() {
            for j in edges(i) {
                if !reached[j] {
                    reached[j] = true;
                    queue.push_back(j);
                }
            }
        }
        let mut finishes: Vec<bool> = workflow.stages.iter().map(|s| s.terminal).collect();
        if !finishes.iter().any(|t| *t) {
            self.error_hint(
                source.start.referenced,
                "the workflow has no terminal stage, so no project could ever finish",
                "mark the final stages with terminal: true",
            );
            return;
        }
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..finishes.len() {
                if !finishes[i] && edges(i).iter().any(|&j| finishes[j]) {
                    finishes[i] = true;
                    changed = true;
                }
            }
        }
        for (i, (key, _)) in source.stages.0.iter().enumerate() {
            if !reached[i] {
                self.error_hint(
                    key.referenced,
                    format!(
                        "stage '{}' cannot be reached from the start stage '{}'",
                        key.value, workflow.start
                    ),
                    "add an action with to: pointing at it, or remove the stage",
                );
            } else if !finishes[i] && !workflow.stages[i].actions.is_empty() {
                // (A stage with no actions is already reported as such.)
                self.error_hint(
                    key.referenced,
                    format!("no terminal stage can be reached from stage '{}'; projects entering it could never finish", key.value),
                    "add an action leading towards a terminal stage",
                );
            }
        }
    }

    fn forms(&mut self, forms: &Entries<Spanned<FormSource>>) -> BTreeMap<String, Form> {
        let mut out = BTreeMap::new();
        for (key, form) in &forms.0 {
            self.identifier(key, "form");
            let mut fields = Vec::new();
            if form.value.fields.0.is_empty() {
                self.error(
                    key.referenced,
                    format!("form '{}' has no fields", key.value),
                );
            }
            for (name, field) in &form.value.fields.0 {
                self.identifier(name, "field");
                let f = &field.value;
                let kind = FieldKind::ALL
                    .iter()
                    .find(|(n, _)| *n == f.kind.value)
                    .map(|(_, k)| *k);
                let kind = kind.unwrap_or_else(|| {
                    let names: Vec<&str> = FieldKind::ALL.iter().map(|(n, _)| *n).collect();
                    self.error_hint(
                        f.kind.referenced,
                        format!("unknown field type '{}'", f.kind.value),
                        format!("known field types: {}", names.join(", ")),
                    );
                    // Keep the field so references to it do not cascade into more errors.
                    FieldKind::Text
                });
                if kind == FieldKind::Choice && f.choices.is_empty() {
                    self.error(
                        field.referenced,
                        format!("choice field '{}' needs choices:", name.value),
                    );
                }
                if kind != FieldKind::Choice && !f.choices.is_empty() {
                    self.error(
                        f.choices[0].referenced,
                        "choices: only goes with type: choice",
                    );
                }
                self.unique(&f.choices, "choice");
                if let (Some(min), Some(max)) = (f.min, f.max)
                    && min > max
                {
                    self.error(
                        field.referenced,
                        format!("min ({min}) is greater than max ({max})"),
                    );
                }
                fields.push(Field {
                    key: name.value.clone(),
                    label: f.label.clone().unwrap_or_else(|| name.value.clone()),
                    kind,
                    required: f.required,
                    min: f.min,
                    max: f.max,
                    max_length: f.max_length,
                    choices: f.choices.iter().map(|c| c.value.clone()).collect(),
                    unit: f.unit.clone(),
                });
            }
            out.insert(
                key.value.clone(),
                Form {
                    key: key.value.clone(),
                    title: form
                        .value
                        .title
                        .clone()
                        .unwrap_or_else(|| key.value.clone()),
                    fields,
                },
            );
        }
        out
    }

    fn rubrics(&mut self, rubrics: &Entries<Spanned<RubricSource>>) -> BTreeMap<String, Rubric> {
        let mut out = BTreeMap::new();
        for (key, rubric) in &rubrics.0 {
            self.identifier(key, "rubric");
            let r = &rubric.value;
            let (min, max) = (r.scale.value.min, r.scale.value.max);
            if min >= max {
                self.error(
                    r.scale.referenced,
                    format!("the scale's min ({min}) must be below its max ({max})"),
                );
            }
            if r.criteria.0.is_empty() {
                self.error(
                    key.referenced,
                    format!("rubric '{}' has no criteria", key.value),
                );
            }
            let mut criteria = Vec::new();
            for (name, criterion) in &r.criteria.0 {
                self.identifier(name, "criterion");
                let c = &criterion.value;
                let weight = c.weight.as_ref().map_or(1.0, |w| w.value);
                if let Some(w) = &c.weight
                    && !(w.value > 0.0 && w.value.is_finite())
                {
                    self.error(w.referenced, "a weight must be a positive number");
                }
                let mut levels = BTreeMap::new();
                for (level, text) in &c.levels.0 {
                    match level.value.parse::<i64>() {
                        Ok(n) if (min..=max).contains(&n) => {
                            levels.insert(n, text.clone());
                        }
                        _ => self.error(
                            level.referenced,
                            format!(
                                "level '{}' is not a score on the scale {min}..{max}",
                                level.value
                            ),
                        ),
                    }
                }
                criteria.push(Criterion {
                    key: name.value.clone(),
                    title: c.title.clone().unwrap_or_else(|| name.value.clone()),
                    weight,
                    levels,
                });
            }
            let pass = &r.pass.value;
            if pass.weighted_mean_at_least.is_none() && pass.each_at_least.is_none() {
                self.error_hint(
                    r.pass.referenced,
                    "the pass rule sets no threshold",
                    "give weighted_mean_at_least, each_at_least, or both",
                );
            }
            if let Some(mean) = pass.weighted_mean_at_least
                && !(min as f64..=max as f64).contains(&mean)
            {
                self.error(
                    r.pass.referenced,
                    format!("weighted_mean_at_least {mean} is outside the scale {min}..{max}"),
                );
            }
            if let Some(each) = pass.each_at_least
                && !(min..=max).contains(&each)
            {
                self.error(
                    r.pass.referenced,
                    format!("each_at_least {each} is outside the scale {min}..{max}"),
                );
            }
            out.insert(
                key.value.clone(),
                Rubric {
                    key: key.value.clone(),
                    title: r.title.clone().unwrap_or_else(|| key.value.clone()),
                    scale_min: min,
                    scale_max: max,
                    criteria,
                    pass_mean: pass.weighted_mean_at_least,
                    pass_each: pass.each_at_least,
                    moderate_spread_above: r.moderate_spread_above,
                },
            );
        }
        out
    }

    fn stage(
        &mut self,
        key: &Text,
        stage: &Spanned<StageSource>,
        ctx: &StageContext<'_, '_>,
        milestone_keys: &mut Vec<Text>,
    ) -> Stage {
        let s = &stage.value;
        if s.terminal {
            let extra = [
                (!s.actions.0.is_empty(), "actions"),
                (!s.milestones.is_empty(), "milestones"),
                (s.assessment.is_some(), "an assessment"),
                (s.deadline.is_some(), "a deadline"),
            ];
            for (present, what) in extra {
                if present {
                    self.error_hint(
                        key.referenced,
                        format!("terminal stage '{}' has {what}", key.value),
                        "a terminal stage ends the project; remove terminal: true or the extra keys",
                    );
                }
            }
        } else if s.actions.0.is_empty() {
            self.error_hint(
                key.referenced,
                format!("stage '{}' has no actions and is not terminal", key.value),
                "add actions, or mark it terminal: true",
            );
        }
        let deadline = s.deadline.as_ref().and_then(|d| self.due(d, ctx.dates));
        let mut reminders = Vec::new();
        for r in &s.remind {
            if s.deadline.is_none() {
                self.error(
                    r.referenced,
                    format!("stage '{}' has reminders but no deadline", key.value),
                );
            }
            let before = self.duration(&r.value.before);
            let to = self.roles(&r.value.to, ctx.roles);
            let template = self.template(
                r.value.template.as_ref(),
                DEFAULT_REMINDER_TEMPLATE,
                ctx.templates,
                r.referenced,
            );
            if let Some(before) = before {
                reminders.push(Reminder {
                    before,
                    to,
                    template,
                });
            }
        }
        let mut overdue = Vec::new();
        for o in &s.overdue {
            if s.deadline.is_none() {
                self.error(
                    o.referenced,
                    format!(
                        "stage '{}' has overdue escalations but no deadline",
                        key.value
                    ),
                );
            }
            let every = match Schedule::parse(&o.value.every.value) {
                Ok(every) => Some(every),
                Err(message) => {
                    self.error(o.value.every.referenced, message);
                    None
                }
            };
            let to = self.roles(&o.value.to, ctx.roles);
            let template = self.template(
                o.value.template.as_ref(),
                DEFAULT_OVERDUE_TEMPLATE,
                ctx.templates,
                o.referenced,
            );
            if let Some(every) = every {
                overdue.push(Overdue {
                    every,
                    to,
                    template,
                });
            }
        }
        let mut milestones = Vec::new();
        for m in &s.milestones {
            let mv = &m.value;
            self.identifier(&mv.key, "milestone");
            milestone_keys.push(mv.key.clone());
            self.reference(&mv.form, ctx.forms);
            let due = mv.due.as_ref().and_then(|d| self.due(d, ctx.dates));
            let by = self.required_roles(
                mv.by.as_ref(),
                m.referenced,
                "by:",
                "who submits the milestone",
                ctx.roles,
            );
            let review_by = self.required_roles(
                mv.review_by.as_ref(),
                m.referenced,
                "review_by:",
                "who accepts or returns the milestone",
                ctx.roles,
            );
            milestones.push(Milestone {
                key: mv.key.value.clone(),
                title: mv.title.clone().unwrap_or_else(|| mv.key.value.clone()),
                form: mv.form.value.clone(),
                due,
                by,
                review_by,
            });
        }
        let assessment = s.assessment.as_ref().map(|a| {
            let av = &a.value;
            self.reference(&av.rubric, ctx.rubrics);
            let by =
                self.required_roles(av.by.as_ref(), a.referenced, "by:", "who scores", ctx.roles);
            if av.evaluators.value == 0 {
                self.error(av.evaluators.referenced, "at least one evaluator is needed");
            }
            if av.quorum.value == 0 || av.quorum.value > av.evaluators.value {
                self.error(
                    av.quorum.referenced,
                    format!(
                        "quorum must be between 1 and the number of evaluators ({})",
                        av.evaluators.value
                    ),
                );
            }
            Assessment {
                rubric: av.rubric.value.clone(),
                by,
                evaluators: av.evaluators.value,
                quorum: av.quorum.value,
            }
        });
        let schema = ConditionSchema {
            milestones: &milestones,
            assessment: assessment.is_some(),
            forms: ctx.form_defs,
        };
        let mut actions = Vec::new();
        for (name, action) in &s.actions.0 {
            self.identifier(name, "action");
            if name.value == SCORE_ACTION {
                self.error(
                    name.referenced,
                    "'score' is the built-in action of assessments; choose another name",
                );
            }
            let a = &action.value;
            let by = match (&a.by, a.auto) {
                (Some(by), _) => self.roles(by, ctx.roles),
                (None, true) => Vec::new(),
                (None, false) => {
                    self.error_hint(
                        name.referenced,
                        format!("action '{}' does not say who may take it", name.value),
                        "add by: with one or more roles, or auto: true with a when: condition",
                    );
                    Vec::new()
                }
            };
            if a.auto && a.when.is_none() {
                self.error(
                    name.referenced,
                    format!("automatic action '{}' needs a when: condition", name.value),
                );
            }
            self.reference(&a.to, ctx.stages);
            let need = match &a.need {
                None => Need::Any,
                Some(n) => match &n.value {
                    WordOrNumber::Word(w) if w == "any" => Need::Any,
                    WordOrNumber::Word(w) if w == "all" => Need::All,
                    WordOrNumber::Number(k) if *k >= 1 => Need::AtLeast(*k),
                    _ => {
                        self.error_hint(
                            n.referenced,
                            "need: must be all, any or a number of approvers",
                            "e.g. need: all or need: 2",
                        );
                        Need::Any
                    }
                },
            };
            let comment_required = match &a.comment {
                None => false,
                Some(c) if c.value == "required" => true,
                Some(c) if c.value == "optional" => false,
                Some(c) => {
                    self.error(
                        c.referenced,
                        format!("comment: must be required or optional, not '{}'", c.value),
                    );
                    false
                }
            };
            if let Some(form) = &a.form {
                self.reference(form, ctx.forms);
            }
            let when = a.when.as_ref().and_then(|w| self.condition(w, &schema));
            for effect in &a.effects {
                if !KNOWN_EFFECTS.contains(&effect.value.as_str()) {
                    self.error_hint(
                        effect.referenced,
                        format!("unknown effect '{}'", effect.value),
                        format!("known effects: {}", KNOWN_EFFECTS.join(", ")),
                    );
                }
            }
            actions.push(Action {
                key: name.value.clone(),
                title: a
                    .title
                    .clone()
                    .unwrap_or_else(|| name.value.replace('_', " ")),
                by,
                to: a.to.value.clone(),
                need,
                comment_required,
                form: a.form.as_ref().map(|f| f.value.clone()),
                when,
                auto: a.auto,
                effects: a.effects.iter().map(|e| e.value.clone()).collect(),
            });
        }
        Stage {
            key: key.value.clone(),
            title: s
                .title
                .clone()
                .unwrap_or_else(|| key.value.replace('_', " ")),
            description: s.description.clone(),
            terminal: s.terminal,
            deadline,
            reminders,
            overdue,
            milestones,
            assessment,
            actions,
        }
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

    fn condition(&mut self, text: &Text, schema: &ConditionSchema<'_>) -> Option<Expr> {
        let result = Expr::parse(&text.value).and_then(|e| e.check(schema).map(|()| e));
        match result {
            Ok(expr) => Some(expr),
            Err(error) => {
                let at = text.referenced;
                let written = self
                    .text
                    .get(at.span().byte_offset().unwrap_or(u64::MAX) as usize..)
                    .unwrap_or("");
                let column = at.column() + written_offset(written, error.column) as u64;
                self.problems.push(Diagnostic {
                    line: at.line().max(1),
                    column: column.max(1),
                    message: format!("in condition '{}': {}", text.value, error.message),
                    hint: None,
                });
                None
            }
        }
    }
}

/// The built-in action by which evaluators submit an assessment's scores.
pub const SCORE_ACTION: &str = "score";

struct StageContext<'k, 'w> {
    roles: &'k Known<'w>,
    dates: &'k Known<'w>,
    stages: &'k Known<'w>,
    forms: &'k Known<'w>,
    rubrics: &'k Known<'w>,
    form_defs: &'k BTreeMap<String, Form>,
    templates: Templates<'k>,
}

/// How far into a scalar as written (`written` is the file from the scalar on)
/// character `n` of its value lies: an opening quote and escapes (`\"`,
/// `\u00e9`, `''`) take more room in the file than in the value. A value that
/// runs past a line break (where YAML folds lines) counts only the quote.
fn written_offset(written: &str, n: usize) -> usize {
    let mut chars = written.chars();
    let quote = match chars.next() {
        Some(q @ ('"' | '\'')) => q,
        _ => return n,
    };
    let mut offset = 1;
    for _ in 0..n {
        offset += match chars.next() {
            Some('\\') if quote == '"' => {
                let digits = match chars.next() {
                    Some('x') => 2,
                    Some('u') => 4,
                    Some('U') => 8,
                    Some('\n' | '\r') | None => return 1 + n,
                    Some(_) => 0,
                };
                for _ in 0..digits {
                    chars.next();
                }
                2 + digits
            }
            Some('\'') if quote == '\'' => {
                chars.next();
                2
            }
            Some('\n' | '\r') | None => return 1 + n,
            Some(_) => 1,
        };
    }
    offset
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

/// What a condition in one stage can see: the stage's milestones and
/// assessment, and every form of the workflow.
pub(crate) struct ConditionSchema<'w> {
    pub milestones: &'w [Milestone],
    pub assessment: bool,
    pub forms: &'w BTreeMap<String, Form>,
}

impl expr::Schema for ConditionSchema<'_> {
    fn type_of(&self, path: &[String]) -> Result<expr::Type, String> {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        let keys = |names: Vec<&str>| names.join(", ");
        match parts.as_slice() {
            ["milestones", rest @ ..] => {
                if self.milestones.is_empty() {
                    return Err("this stage has no milestones".to_owned());
                }
                match rest {
                    ["all_accepted" | "all_submitted"] => Ok(expr::Type::Bool),
                    [key, "accepted" | "submitted"] if self.milestones.iter().any(|m| m.key == *key) => {
                        Ok(expr::Type::Bool)
                    }
                    [key, ..] if !["all_accepted", "all_submitted"].contains(key)
                        && !self.milestones.iter().any(|m| m.key == *key) =>
                    {
                        Err(format!(
                            "unknown milestone '{key}'; this stage's milestones are: {}",
                            keys(self.milestones.iter().map(|m| m.key.as_str()).collect())
                        ))
                    }
                    _ => Err("write milestones.all_accepted, milestones.all_submitted, milestones.KEY.accepted or milestones.KEY.submitted".to_owned()),
                }
            }
            ["assessment", rest @ ..] => {
                if !self.assessment {
                    return Err("this stage has no assessment".to_owned());
                }
                match rest {
                    ["passed" | "needs_moderation"] => Ok(expr::Type::Bool),
                    ["mean" | "count"] => Ok(expr::Type::Number),
                    _ => Err("write assessment.passed, assessment.needs_moderation, assessment.mean or assessment.count".to_owned()),
                }
            }
            ["form", form, field] => {
                let Some(f) = self.forms.get(*form) else {
                    return Err(format!(
                        "unknown form '{form}'; forms are: {}",
                        keys(self.forms.keys().map(String::as_str).collect())
                    ));
                };
                let Some(field) = f.field(field) else {
                    return Err(format!(
                        "unknown field '{field}' in form '{form}'; its fields are: {}",
                        keys(f.fields.iter().map(|x| x.key.as_str()).collect())
                    ));
                };
                Ok(match field.kind {
                    FieldKind::Number | FieldKind::Measurement => expr::Type::Number,
                    FieldKind::YesNo => expr::Type::Bool,
                    _ => expr::Type::Text,
                })
            }
            _ => Err(format!(
                "unknown name '{}'; conditions can use milestones.*, assessment.* and form.FORM.FIELD",
                path.join(".")
            )),
        }
    }
}
