//! `improvement:`: a before and an after measurement, each a number or
//! measurement answer of a milestone's form, and which way is better.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::Checker;
use crate::definition::model::*;
use crate::definition::names::shown;
use crate::definition::source::*;

impl Checker<'_> {
    pub(super) fn improvement(
        &mut self,
        source: &Spanned<ImprovementSource>,
        stages: &[Stage],
        forms: &BTreeMap<String, Form>,
    ) -> Option<Improvement> {
        let i = &source.value;
        let before = self.measure(&i.before, stages, forms);
        let after = self.measure(&i.after, stages, forms);
        let better = match i.better.as_ref() {
            None => None,
            Some(b) if b.value == "lower" => Some(Better::Lower),
            Some(b) if b.value == "higher" => Some(Better::Higher),
            Some(b) => {
                self.error_hint(
                    b.referenced,
                    format!("better: must be lower or higher, not '{}'", shown(&b.value)),
                    "write better: lower when a smaller number is an improvement (waiting time), better: higher when a larger one is (satisfaction)",
                );
                None
            }
        };
        let indicator = i.indicator.as_ref().and_then(|text| {
            let (form, field) = text.value.split_once('.')?;
            let found = forms.get(form).and_then(|f| f.field(field));
            match found {
                Some(f) if f.kind == FieldKind::Choice => Some((form.to_owned(), field.to_owned())),
                Some(_) => {
                    self.error(
                        text.referenced,
                        format!("indicator '{}' is not a choice field", shown(&text.value)),
                    );
                    None
                }
                None => {
                    self.error_hint(
                        text.referenced,
                        format!("unknown form field '{}'", shown(&text.value)),
                        "write indicator: FORM.FIELD, naming a choice field of a form",
                    );
                    None
                }
            }
        });
        if let Some(text) = &i.indicator
            && !text.value.contains('.')
        {
            self.error_hint(
                text.referenced,
                format!("unknown form field '{}'", shown(&text.value)),
                "write indicator: FORM.FIELD, naming a choice field of a form",
            );
        }
        let (before, after_field) = (before?, after?);
        let (after, field) = after_field;
        let title = self
            .optional_words(&i.title, "title")
            .unwrap_or_else(|| field.label.clone());
        let unit = self
            .optional_words(&i.unit, "unit")
            .or_else(|| field.unit.clone());
        Some(Improvement {
            title,
            before: before.0,
            after,
            better,
            unit,
            indicator,
        })
    }

    /// `MILESTONE.FIELD`, a number or measurement field of the milestone's form.
    fn measure<'f>(
        &mut self,
        text: &Text,
        stages: &[Stage],
        forms: &'f BTreeMap<String, Form>,
    ) -> Option<(Measure, &'f Field)> {
        let hint = "write MILESTONE.FIELD, e.g. visit_before.waiting_minutes: a number or measurement field of the milestone's form";
        let Some((milestone, field)) = text.value.split_once('.') else {
            self.error_hint(
                text.referenced,
                format!("'{}' does not name a milestone's field", shown(&text.value)),
                hint,
            );
            return None;
        };
        let Some(m) = stages.iter().find_map(|s| s.milestone(milestone)) else {
            self.error_hint(
                text.referenced,
                format!("unknown milestone '{}'", shown(milestone)),
                hint,
            );
            return None;
        };
        let Some(found) = forms.get(&m.form).and_then(|f| f.field(field)) else {
            self.error_hint(
                text.referenced,
                format!(
                    "unknown field '{}' in form '{}' of milestone '{}'",
                    shown(field),
                    m.form,
                    m.key
                ),
                hint,
            );
            return None;
        };
        if !matches!(found.kind, FieldKind::Number | FieldKind::Measurement) {
            self.error(
                text.referenced,
                format!(
                    "field '{}' is a {} field; a measurement is a number or measurement field",
                    shown(field),
                    found.kind.name()
                ),
            );
            return None;
        }
        Some((
            Measure {
                milestone: m.key.clone(),
                field: found.key.clone(),
            },
            found,
        ))
    }
}
