//! One stage: whether it may be terminal, its deadline, reminders and
//! escalations, milestones, assessment, and actions.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::condition::{ConditionSchema, FieldIndex};
use super::{Checker, DEFAULT_OVERDUE_TEMPLATE, DEFAULT_REMINDER_TEMPLATE};
use crate::definition::Templates;
use crate::definition::model::*;
use crate::definition::names::{Known, shown};
use crate::definition::schedule::Schedule;
use crate::definition::source::*;

/// The built-in action by which evaluators submit an assessment's scores.
pub const SCORE_ACTION: &str = "score";

/// What a stage's references are checked against.
pub(super) struct StageContext<'k, 'w> {
    pub roles: &'k Known<'w>,
    pub dates: &'k Known<'w>,
    pub stages: &'k Known<'w>,
    pub forms: &'k Known<'w>,
    pub rubrics: &'k Known<'w>,
    pub form_defs: &'k BTreeMap<String, Form>,
    pub fields: &'k FieldIndex<'w>,
    pub templates: Templates<'k>,
}

impl Checker<'_> {
    pub(super) fn stage(
        &mut self,
        key: &Text,
        stage: &Spanned<StageSource>,
        ctx: &StageContext<'_, '_>,
        milestone_keys: &mut Vec<Text>,
    ) -> Stage {
        let s = &stage.value;
        let name = shown(&key.value);
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
                        format!("terminal stage '{name}' has {what}"),
                        "a terminal stage ends the project; remove terminal: true or the extra keys",
                    );
                }
            }
        } else if s.withdrawal {
            self.error_hint(
                key.referenced,
                format!("stage '{name}' is marked withdrawal: true but is not terminal"),
                "a withdrawal ends the project: mark the stage terminal: true too",
            );
        } else if s.actions.0.is_empty() {
            self.error_hint(
                key.referenced,
                format!("stage '{name}' has no actions and is not terminal"),
                "add actions, or mark it terminal: true",
            );
        }
        let deadline = s.deadline.as_ref().and_then(|d| self.due(d, ctx.dates));
        if s.deadline.is_none() {
            for r in &s.remind {
                self.error(
                    r.referenced,
                    format!("stage '{name}' has reminders but no deadline"),
                );
            }
            for o in &s.overdue {
                self.error(
                    o.referenced,
                    format!("stage '{name}' has overdue escalations but no deadline"),
                );
            }
        }
        let reminders = self.reminders(&s.remind, ctx);
        let overdue = self.overdue(&s.overdue, ctx);
        let milestones = self.milestones(&s.milestones, ctx, milestone_keys);
        let assessment = s.assessment.as_ref().map(|a| self.assessment(a, ctx));
        let schema = ConditionSchema::new(&milestones, assessment.is_some(), ctx);
        let actions = s
            .actions
            .0
            .iter()
            .map(|(name, action)| self.action(name, &action.value, ctx, &schema))
            .collect();
        Stage {
            key: key.value.clone(),
            title: self.words(&s.title, "title", || key.value.replace('_', " ")),
            description: self.optional_words(&s.description, "description"),
            terminal: s.terminal,
            withdrawal: s.withdrawal && s.terminal,
            deadline,
            reminders,
            overdue,
            milestones,
            assessment,
            actions,
        }
    }

    fn reminders(
        &mut self,
        remind: &[Spanned<ReminderSource>],
        ctx: &StageContext<'_, '_>,
    ) -> Vec<Reminder> {
        let mut reminders = Vec::new();
        for r in remind {
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
        reminders
    }

    fn overdue(
        &mut self,
        overdue: &[Spanned<OverdueSource>],
        ctx: &StageContext<'_, '_>,
    ) -> Vec<Overdue> {
        let mut out = Vec::new();
        for o in overdue {
            let every = &o.value.every;
            let every = match Schedule::parse_located(&every.value) {
                Ok(schedule) => Some(schedule),
                Err(problem) => {
                    match problem.offset {
                        Some(offset) => self.error_inside(every, offset, problem.message),
                        None => self.error(every.referenced, problem.message),
                    }
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
                out.push(Overdue {
                    every,
                    to,
                    template,
                });
            }
        }
        out
    }

    fn milestones(
        &mut self,
        milestones: &[Spanned<MilestoneSource>],
        ctx: &StageContext<'_, '_>,
        milestone_keys: &mut Vec<Text>,
    ) -> Vec<Milestone> {
        let mut out = Vec::new();
        for m in milestones {
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
            out.push(Milestone {
                key: mv.key.value.clone(),
                title: self.words(&mv.title, "title", || mv.key.value.clone()),
                form: mv.form.value.clone(),
                due,
                by,
                review_by,
            });
        }
        out
    }

    fn assessment(
        &mut self,
        a: &Spanned<AssessmentSource>,
        ctx: &StageContext<'_, '_>,
    ) -> Assessment {
        let av = &a.value;
        self.reference(&av.rubric, ctx.rubrics);
        let by = self.required_roles(av.by.as_ref(), a.referenced, "by:", "who scores", ctx.roles);
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
        let score_within = av.score_within.as_ref().and_then(|t| self.duration(t));
        let mut score_reminders = Vec::new();
        for text in av.score_reminders.iter().flatten() {
            if av.score_within.is_none() {
                self.error(
                    text.referenced,
                    "score_reminders: needs score_within: (the deadline they come before)",
                );
            } else if let Some(d) = self.duration(text) {
                score_reminders.push(d);
            }
        }
        Assessment {
            rubric: av.rubric.value.clone(),
            by,
            evaluators: av.evaluators.value,
            quorum: av.quorum.value,
            score_within,
            score_reminders,
        }
    }

    fn action(
        &mut self,
        name: &Text,
        a: &ActionSource,
        ctx: &StageContext<'_, '_>,
        schema: &ConditionSchema<'_>,
    ) -> Action {
        self.identifier(name, "action");
        let shown_name = shown(&name.value);
        if name.value == SCORE_ACTION {
            self.error(
                name.referenced,
                "'score' is the built-in action of assessments; choose another name",
            );
        }
        let by = match (&a.by, a.auto) {
            (Some(by), _) => self.roles(by, ctx.roles),
            (None, true) => Vec::new(),
            (None, false) => {
                self.error_hint(
                    name.referenced,
                    format!("action '{shown_name}' does not say who may take it"),
                    "add by: with one or more roles, or auto: true with a when: condition",
                );
                Vec::new()
            }
        };
        if a.auto && a.when.is_none() {
            self.error(
                name.referenced,
                format!("automatic action '{shown_name}' needs a when: condition"),
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
                    format!(
                        "comment: must be required or optional, not '{}'",
                        shown(&c.value)
                    ),
                );
                false
            }
        };
        if let Some(form) = &a.form {
            self.reference(form, ctx.forms);
        }
        let when = a.when.as_ref().and_then(|w| self.condition(w, schema));
        for effect in &a.effects {
            if !KNOWN_EFFECTS.contains(&effect.value.as_str()) {
                self.error_hint(
                    effect.referenced,
                    format!("unknown effect '{}'", shown(&effect.value)),
                    format!("known effects: {}", KNOWN_EFFECTS.join(", ")),
                );
            }
        }
        Action {
            key: name.value.clone(),
            title: self.words(&a.title, "title", || name.value.replace('_', " ")),
            by,
            to: a.to.value.clone(),
            need,
            comment_required,
            form: a.form.as_ref().map(|f| f.value.clone()),
            when,
            auto: a.auto,
            effects: a.effects.iter().map(|e| e.value.clone()).collect(),
        }
    }
}
