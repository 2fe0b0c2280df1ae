//! Checking a form's answers against its fields, and normalising them
//! (answers typed on a command line arrive as text). Each problem is data:
//! the field it is about and a reason with the bounds.

use serde_json::{Number, Value};

use super::state::Fields;
use crate::definition::text::{self as characters, Refused};
use crate::definition::{Field, FieldKind, Form};
use crate::reason::{Arg, Reason};

/// Longest text accepted in any field without its own `max_length`.
pub const DEFAULT_MAX_TEXT: usize = characters::MAX_LINES;

/// One problem with a form's answers (or a scorecard's scores).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The field (or criterion) it is about, by key; `None` for an answer
    /// to a field the form does not have.
    pub field: Option<String>,
    /// What is wrong, as a code with arguments.
    pub reason: Reason,
}

/// Checks `given` against `form`; returns the normalised answers or every problem.
pub fn check(form: &Form, given: &Fields) -> Result<Fields, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Fields::new();
    for name in given.keys() {
        if form.field(name).is_none() {
            let fields = form.fields.iter().map(|f| field_arg(form, f)).collect();
            problems.push(Problem {
                field: None,
                reason: Reason::new(
                    "field-unknown",
                    vec![
                        ("name", Arg::Text(name.clone())),
                        ("fields", Arg::AllOf(fields)),
                    ],
                ),
            });
        }
    }
    for field in &form.fields {
        let value = given.get(&field.key).filter(|v| !is_blank(v));
        let Some(value) = value else {
            if field.required {
                problems.push(Problem {
                    field: Some(field.key.clone()),
                    reason: Reason::new("field-required", vec![("field", field_arg(form, field))]),
                });
            }
            continue;
        };
        match normalise(form, field, value) {
            Ok(v) => {
                out.insert(field.key.clone(), v);
            }
            Err((code, mut args)) => {
                args.insert(0, ("field", field_arg(form, field)));
                problems.push(Problem {
                    field: Some(field.key.clone()),
                    reason: Reason::new(code, args),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// `field` of `form` as a reason argument.
fn field_arg(form: &Form, field: &Field) -> Arg {
    Arg::Field {
        form: form.key.clone(),
        field: field.key.clone(),
    }
}

/// What is wrong with one answer: a code and its arguments besides the field.
type Wrong = (&'static str, Vec<(&'static str, Arg)>);

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn normalise(form: &Form, field: &Field, value: &Value) -> Result<Value, Wrong> {
    let typed = |code| (code, vec![("value", Arg::Text(plain(value)))]);
    match field.kind {
        FieldKind::Number | FieldKind::Measurement => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                _ => None,
            };
            let Some(n) = n else {
                return Err(typed("field-not-number"));
            };
            if let Some(min) = field.min
                && n < min
            {
                return Err((
                    "field-below-min",
                    vec![("value", Arg::number(n)), ("min", Arg::number(min))],
                ));
            }
            if let Some(max) = field.max
                && n > max
            {
                return Err((
                    "field-above-max",
                    vec![("value", Arg::number(n)), ("max", Arg::number(max))],
                ));
            }
            Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        FieldKind::YesNo => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(Value::Bool(true)),
                "no" | "false" => Ok(Value::Bool(false)),
                _ => Err(typed("field-not-yes-no")),
            },
            _ => Err(typed("field-not-yes-no")),
        },
        FieldKind::Date => {
            let text = text_of(value)?;
            text.trim()
                .parse::<jiff::civil::Date>()
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| typed("field-not-date"))
        }
        FieldKind::Choice => {
            let text = text_of(value)?;
            if field.choices.iter().any(|c| c.key == text) {
                Ok(Value::String(text))
            } else {
                let choices = field
                    .choices
                    .iter()
                    .map(|c| Arg::Choice {
                        form: form.key.clone(),
                        field: field.key.clone(),
                        choice: c.key.clone(),
                    })
                    .collect();
                Err((
                    "field-not-choice",
                    vec![("value", Arg::Text(text)), ("choices", Arg::AllOf(choices))],
                ))
            }
        }
        FieldKind::Text | FieldKind::LongText | FieldKind::File => {
            let text = text_of(value)?;
            let limit = field.max_length.map_or(DEFAULT_MAX_TEXT, |m| m as usize);
            // No more bytes than the limit: no more characters either
            // (counted only when it may matter).
            if text.len() > limit {
                let length = text.chars().count();
                if length > limit {
                    return Err((
                        "field-too-long",
                        vec![("length", Arg::count(length)), ("limit", Arg::count(limit))],
                    ));
                }
            }
            // A `text` answer and a file's name are one line; a `long_text`
            // answer keeps its line breaks and tabs.
            let refused = if field.kind == FieldKind::LongText {
                characters::lines(&text)
            } else {
                characters::one_line(&text)
            };
            match refused {
                Some(Refused::Control('\n' | '\r' | '\u{2028}' | '\u{2029}')) => {
                    Err(("field-one-line", Vec::new()))
                }
                Some(refused) => Err(("field-characters", refused.args())),
                None => Ok(Value::String(text)),
            }
        }
    }
}

fn text_of(value: &Value) -> Result<String, Wrong> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(("field-not-text", vec![("value", Arg::Text(plain(other)))])),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
