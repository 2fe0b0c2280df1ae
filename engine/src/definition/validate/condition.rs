//! `when:` conditions: parsed and type-checked against what the stage can see,
//! with problems pointed at the exact character of the file.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Checker;
use super::stage::StageContext;
use crate::definition::Diagnostic;
use crate::definition::model::*;
use crate::definition::names::{list, shown};
use crate::definition::source::Text;
use crate::expr::{self, Expr};

/// Longest condition text repeated in a message; the column points inside it anyway.
const SHOWN_CONDITION: usize = 200;

/// Every field of every form by (form, field), so that each name a condition
/// uses is found in constant time however large the forms are.
pub(super) struct FieldIndex<'w> {
    kinds: HashMap<(&'w str, &'w str), FieldKind>,
}

impl<'w> FieldIndex<'w> {
    pub fn new(forms: &'w BTreeMap<String, Form>) -> Self {
        let kinds = forms
            .values()
            .flat_map(|form| {
                form.fields
                    .iter()
                    .map(move |f| ((form.key.as_str(), f.key.as_str()), f.kind))
            })
            .collect();
        FieldIndex { kinds }
    }
}

/// What a condition in one stage can see: the stage's milestones and
/// assessment, and every form of the workflow.
pub(crate) struct ConditionSchema<'w> {
    milestones: &'w [Milestone],
    milestone_keys: HashSet<&'w str>,
    assessment: bool,
    forms: &'w BTreeMap<String, Form>,
    fields: &'w FieldIndex<'w>,
}

impl<'w> ConditionSchema<'w> {
    pub(super) fn new(
        milestones: &'w [Milestone],
        assessment: bool,
        ctx: &StageContext<'w, 'w>,
    ) -> Self {
        ConditionSchema {
            milestones,
            milestone_keys: milestones.iter().map(|m| m.key.as_str()).collect(),
            assessment,
            forms: ctx.form_defs,
            fields: ctx.fields,
        }
    }
}

impl<'w> ConditionSchema<'w> {
    /// What a checklist item can see: `milestones` (every milestone of the
    /// workflow), an assessment if any stage has one, and every form.
    pub(super) fn whole(
        milestones: &'w [Milestone],
        assessment: bool,
        forms: &'w BTreeMap<String, Form>,
        fields: &'w FieldIndex<'w>,
    ) -> Self {
        ConditionSchema {
            milestones,
            milestone_keys: milestones.iter().map(|m| m.key.as_str()).collect(),
            assessment,
            forms,
            fields,
        }
    }
}

impl expr::Schema for ConditionSchema<'_> {
    fn type_of(&self, path: &[String]) -> Result<expr::Type, String> {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["milestones", rest @ ..] => self.milestone(rest),
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
                if let Some(kind) = self.fields.kinds.get(&(*form, *field)) {
                    return Ok(match kind {
                        FieldKind::Number | FieldKind::Measurement => expr::Type::Number,
                        FieldKind::YesNo => expr::Type::Bool,
                        _ => expr::Type::Text,
                    });
                }
                let Some(f) = self.forms.get(*form) else {
                    return Err(format!(
                        "unknown form '{}'; forms are: {}",
                        shown(form),
                        list(self.forms.keys().map(String::as_str))
                    ));
                };
                Err(format!(
                    "unknown field '{}' in form '{}'; its fields are: {}",
                    shown(field),
                    shown(form),
                    list(f.fields.iter().map(|x| x.key.as_str()))
                ))
            }
            _ => Err(format!(
                "unknown name '{}'; conditions can use milestones.*, assessment.* and form.FORM.FIELD",
                shown(&path.join("."))
            )),
        }
    }
}

impl ConditionSchema<'_> {
    fn milestone(&self, rest: &[&str]) -> Result<expr::Type, String> {
        if self.milestones.is_empty() {
            return Err("this stage has no milestones".to_owned());
        }
        match rest {
            ["all_accepted" | "all_submitted"] => Ok(expr::Type::Bool),
            [key, "accepted" | "submitted"] if self.milestone_keys.contains(key) => {
                Ok(expr::Type::Bool)
            }
            [key, ..]
                if !["all_accepted", "all_submitted"].contains(key)
                    && !self.milestone_keys.contains(key) =>
            {
                Err(format!(
                    "unknown milestone '{}'; this stage's milestones are: {}",
                    shown(key),
                    list(self.milestones.iter().map(|m| m.key.as_str()))
                ))
            }
            _ => Err("write milestones.all_accepted, milestones.all_submitted, milestones.KEY.accepted or milestones.KEY.submitted".to_owned()),
        }
    }
}

impl Checker<'_> {
    pub(super) fn condition(&mut self, text: &Text, schema: &ConditionSchema<'_>) -> Option<Expr> {
        let result = Expr::parse(&text.value).and_then(|e| e.check(schema).map(|()| e));
        match result {
            Ok(expr) => Some(expr),
            Err(error) => {
                let mut written: String = text.value.chars().take(SHOWN_CONDITION).collect();
                if written.len() < text.value.len() {
                    written.push('…');
                }
                self.error_inside(
                    text,
                    error.column,
                    format!("in condition '{written}': {}", error.message),
                );
                None
            }
        }
    }

    /// Reports a problem at character `n` of the value `text` (a condition, a
    /// schedule), counting the quotes and escapes with which it is written.
    pub(super) fn error_inside(&mut self, text: &Text, n: usize, message: String) {
        let at = text.referenced;
        let written = usize::try_from(at.span().byte_offset().unwrap_or(u64::MAX))
            .ok()
            .and_then(|offset| self.text.get(offset..))
            .unwrap_or("");
        let column = at.column() + written_offset(written, n) as u64;
        self.problems.push(Diagnostic {
            line: at.line().max(1),
            column: column.max(1),
            message,
            hint: None,
        });
    }
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
