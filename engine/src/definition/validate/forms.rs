//! Forms with their typed fields, and rubrics with their scales, criteria and
//! pass rules.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::Checker;
use crate::definition::model::*;
use crate::definition::names::shown;
use crate::definition::source::*;

/// Largest score (and smallest, negated) a rubric's scale may reach. Scores
/// are added up per criterion over every scorecard (see
/// `decide::assessment`): with scores this small, no sum can overflow, however
/// many evaluators there are.
pub const MAX_SCORE: i64 = 1_000;

/// Smallest and largest weight of a criterion. Weights are multiplied and
/// added as `f64`; within these bounds the weighted mean stays exact enough
/// and can neither overflow nor vanish.
const WEIGHTS: (f64, f64) = (0.001, 1_000.0);

impl Checker<'_> {
    pub(super) fn forms(&mut self, forms: &Entries<Spanned<FormSource>>) -> BTreeMap<String, Form> {
        let mut out = BTreeMap::new();
        for (key, form) in &forms.0 {
            self.identifier(key, "form");
            if form.value.fields.0.is_empty() {
                self.error(
                    key.referenced,
                    format!("form '{}' has no fields", shown(&key.value)),
                );
            }
            let title = self.words(&form.value.title, "title", || key.value.clone());
            let fields = form
                .value
                .fields
                .0
                .iter()
                .map(|(name, field)| self.field(name, &field.value))
                .collect();
            out.insert(
                key.value.clone(),
                Form {
                    key: key.value.clone(),
                    title,
                    fields,
                },
            );
        }
        out
    }

    /// One field; problems of the field as a whole are reported at its name.
    fn field(&mut self, name: &Text, f: &FieldSource) -> Field {
        self.identifier(name, "field");
        let kind = FieldKind::ALL
            .iter()
            .find(|(n, _)| *n == f.kind.value)
            .map(|(_, k)| *k);
        let kind = kind.unwrap_or_else(|| {
            let names: Vec<&str> = FieldKind::ALL.iter().map(|(n, _)| *n).collect();
            self.error_hint(
                f.kind.referenced,
                format!("unknown field type '{}'", shown(&f.kind.value)),
                format!("known field types: {}", names.join(", ")),
            );
            // Keep the field so references to it do not cascade into more errors.
            FieldKind::Text
        });
        if kind == FieldKind::Choice && f.choices.is_empty() {
            self.error(
                name.referenced,
                format!("choice field '{}' needs choices:", shown(&name.value)),
            );
        }
        if kind != FieldKind::Choice && !f.choices.is_empty() {
            self.error(
                f.choices[0].referenced,
                "choices: only goes with type: choice",
            );
        }
        // A plain key is placed where its list item is.
        let keys: Vec<Text> = f
            .choices
            .iter()
            .map(|c| {
                let mut key = c.value.key.clone();
                if key.referenced == serde_saphyr::Location::UNKNOWN {
                    key.referenced = c.referenced;
                }
                if c.value.typed {
                    key.value = self.written(c.referenced, &key.value);
                }
                key
            })
            .collect();
        self.unique(&keys, "choice");
        let mut choices = Vec::with_capacity(keys.len());
        for (key, choice) in keys.iter().zip(&f.choices) {
            self.characters(&key.value, key.referenced, "choice", "");
            let title = self.words(&choice.value.title, "title", || key.value.replace('_', " "));
            choices.push(Choice {
                key: key.value.clone(),
                title,
            });
        }
        for (bound, value) in [("min", &f.min), ("max", &f.max)] {
            if let Some(v) = value
                && !v.value.is_finite()
            {
                self.error(
                    v.referenced,
                    format!("{bound}: must be a number, not {}", v.value),
                );
            }
        }
        let (min, max) = (
            f.min.as_ref().map(|v| v.value),
            f.max.as_ref().map(|v| v.value),
        );
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            self.error(
                name.referenced,
                format!("min ({min}) is greater than max ({max})"),
            );
        }
        Field {
            key: name.value.clone(),
            label: self.words(&f.label, "label", || name.value.clone()),
            kind,
            required: f.required,
            min,
            max,
            max_length: f.max_length,
            choices,
            unit: self.optional_words(&f.unit, "unit"),
        }
    }

    pub(super) fn rubrics(
        &mut self,
        rubrics: &Entries<Spanned<RubricSource>>,
    ) -> BTreeMap<String, Rubric> {
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
            if min < -MAX_SCORE || max > MAX_SCORE {
                self.error_hint(
                    r.scale.referenced,
                    format!(
                        "the scale {min}..{max} is too wide; a scale stays within -{MAX_SCORE}..{MAX_SCORE}"
                    ),
                    "scores are whole numbers an evaluator picks, such as 1..5 or 0..100",
                );
            }
            let title = self.words(&r.title, "title", || key.value.clone());
            if r.criteria.0.is_empty() {
                self.error(
                    key.referenced,
                    format!("rubric '{}' has no criteria", shown(&key.value)),
                );
            }
            let criteria = r
                .criteria
                .0
                .iter()
                .map(|(name, c)| self.criterion(name, &c.value, min, max))
                .collect();
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
            if let Some(spread) = &r.moderate_spread_above {
                let width = max.saturating_sub(min);
                if !(spread.value >= 0.0 && spread.value < width as f64) {
                    self.error_hint(
                        spread.referenced,
                        format!(
                            "moderate_spread_above must be at least 0 and below {width}, the width of the scale {min}..{max}"
                        ),
                        "scores on one criterion can differ by at most the scale's width, so a larger value would never flag a project; a negative one would flag every project",
                    );
                }
            }
            out.insert(
                key.value.clone(),
                Rubric {
                    key: key.value.clone(),
                    title,
                    scale_min: min,
                    scale_max: max,
                    criteria,
                    pass_mean: pass.weighted_mean_at_least,
                    pass_each: pass.each_at_least,
                    moderate_spread_above: r.moderate_spread_above.as_ref().map(|s| s.value),
                },
            );
        }
        out
    }

    fn criterion(&mut self, name: &Text, c: &CriterionSource, min: i64, max: i64) -> Criterion {
        self.identifier(name, "criterion");
        let title = self.words(&c.title, "title", || name.value.clone());
        let weight = c.weight.as_ref().map_or(1.0, |w| w.value);
        if let Some(w) = &c.weight
            && !(WEIGHTS.0..=WEIGHTS.1).contains(&w.value)
        {
            self.error(
                w.referenced,
                format!(
                    "a weight must be a positive number from {} to {}",
                    WEIGHTS.0, WEIGHTS.1
                ),
            );
        }
        let mut levels = BTreeMap::new();
        for (level, text) in &c.levels.0 {
            match level.value.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => match self.label(text, "level") {
                    Some(text) => {
                        levels.insert(n, text);
                    }
                    None if matches!(text.value, LabelSource::Plain(TextSource::Null)) => {
                        self.error(level.referenced, format!("level {n} has no description"))
                    }
                    None => {}
                },
                _ => self.error(
                    level.referenced,
                    format!(
                        "level '{}' is not a score on the scale {min}..{max}",
                        shown(&level.value)
                    ),
                ),
            }
        }
        Criterion {
            key: name.value.clone(),
            title,
            weight,
            levels,
        }
    }
}
