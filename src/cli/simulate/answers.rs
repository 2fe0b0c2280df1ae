//! What the simulated people write in forms and scorecards: for any field a
//! valid answer within its limits, and for any rubric a clear pass. Built
//! from the workflow's own form and rubric definitions, so a new program needs
//! no code here; the engine checks these answers like anyone else's.

use gradflow_engine::decide::Fields;
use gradflow_engine::definition::{Field, FieldKind, Form, Rubric};
use jiff::civil::Date;
use serde_json::Value;

/// Answers to every field of `form` (optional ones too, so their limits are
/// exercised), as a person would give them on `today`.
pub fn form(form: &Form, today: Date) -> Fields {
    form.fields
        .iter()
        .map(|f| (f.key.clone(), field(f, today)))
        .collect()
}

/// A valid answer to `field`: text within its length, a number within its
/// bounds, the first choice, `yes` (conditions such as `target_met` then
/// hold), today's date.
pub fn field(field: &Field, today: Date) -> Value {
    match field.kind {
        FieldKind::Text => text(field, &format!("Simulated {}", field.label.default_text())),
        FieldKind::LongText => text(
            field,
            &format!("Simulated answer to \"{}\".", field.label.default_text()),
        ),
        FieldKind::File => text(field, "simulated-evidence.pdf"),
        FieldKind::Number | FieldKind::Measurement => number(field.min, field.max),
        FieldKind::Date => Value::String(today.to_string()),
        FieldKind::Choice => field
            .choices
            .first()
            .map_or(Value::Null, |c| Value::String(c.key.clone())),
        FieldKind::YesNo => Value::Bool(true),
    }
}

/// `wanted`, cut to the field's length limit (at least one character).
fn text(field: &Field, wanted: &str) -> Value {
    let limit = field.max_length.map_or(usize::MAX, |m| m.max(1) as usize);
    Value::String(wanted.chars().take(limit).collect())
}

/// A plausible whole number within `min..=max`: the middle of both bounds,
/// ten above a lone minimum, ten below a lone maximum, else ten. (A range
/// holding no whole number gets its minimum.)
fn number(min: Option<f64>, max: Option<f64>) -> Value {
    let n = match (min, max) {
        (Some(lo), Some(hi)) => {
            let mid = ((lo + hi) / 2.0).floor();
            if mid >= lo && mid <= hi { mid } else { lo }
        }
        (Some(lo), None) => lo.ceil() + 10.0,
        (None, Some(hi)) => hi.floor() - 10.0,
        (None, None) => 10.0,
    };
    serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// The score every simulated evaluator gives on every criterion of `rubric`:
/// one above the lowest score that passes (mean and per-criterion rule), or
/// the top of the scale. Equal scores never call for moderation.
pub fn passing_score(rubric: &Rubric) -> i64 {
    let mut lowest = rubric.scale_min;
    if let Some(each) = rubric.pass_each {
        lowest = lowest.max(each);
    }
    if let Some(mean) = rubric.pass_mean {
        lowest = lowest.max(mean.ceil() as i64);
    }
    (lowest + 1).min(rubric.scale_max)
}

/// A scorecard: `score` on every criterion of `rubric`.
pub fn scorecard(rubric: &Rubric, score: i64) -> Fields {
    rubric
        .criteria
        .iter()
        .map(|c| (c.key.clone(), Value::from(score)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow_engine::definition::{self, Templates};

    #[test]
    fn numbers_stay_within_their_bounds() {
        assert_eq!(number(Some(1.0), Some(10.0)), Value::from(5.0));
        assert_eq!(number(Some(0.0), None), Value::from(10.0));
        assert_eq!(number(None, Some(3.0)), Value::from(-7.0));
        assert_eq!(number(Some(0.2), Some(0.4)), Value::from(0.2));
    }

    #[test]
    fn every_answer_passes_the_form() {
        let workflow = definition::parse(
            "key: w\nversion: 1\ntitle: W\nroles: [t]\nstart: a\nstages:\n  a:\n    actions:\n      go: { by: t, to: b, form: f }\n  b: { terminal: true }\nforms:\n  f:\n    fields:\n      short: { type: text, max_length: 4, required: true }\n      when: { type: date, required: true }\n      pick: { type: choice, choices: [x, y] }\n      ok: { type: yes_no }\n      n: { type: measurement, unit: m, min: 1, max: 3 }\n",
            Templates::Unchecked,
        )
        .unwrap();
        let answers = form(&workflow.forms["f"], Date::constant(2026, 2, 1));
        assert_eq!(answers["short"], Value::from("Simu"));
        assert_eq!(answers["when"], Value::from("2026-02-01"));
        assert_eq!(answers["pick"], Value::from("x"));
        assert_eq!(answers["ok"], Value::Bool(true));
        assert_eq!(answers["n"], Value::from(2.0));
    }
}
