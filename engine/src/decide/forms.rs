//! Checking a form's answers against its fields, and normalising them
//! (answers typed on a command line arrive as text).

use serde_json::{Number, Value};

use super::state::Fields;
use crate::definition::text::{self as characters, Refused};
use crate::definition::{FieldKind, Form};

/// Longest text accepted in any field without its own `max_length`.
pub const DEFAULT_MAX_TEXT: usize = characters::MAX_LINES;

/// Checks `given` against `form`; returns the normalised answers or one line per problem.
pub fn check(form: &Form, given: &Fields) -> Result<Fields, Vec<String>> {
    let mut problems = Vec::new();
    let mut out = Fields::new();
    for name in given.keys() {
        if form.field(name).is_none() {
            let names: Vec<&str> = form.fields.iter().map(|f| f.key.as_str()).collect();
            problems.push(format!(
                "'{name}' is not a field of this form (its fields are: {})",
                names.join(", ")
            ));
        }
    }
    for field in &form.fields {
        let value = given.get(&field.key).filter(|v| !is_blank(v));
        let Some(value) = value else {
            if field.required {
                problems.push(format!("{} is required", field.label.default_text()));
            }
            continue;
        };
        match normalise(field, value) {
            Ok(v) => {
                out.insert(field.key.clone(), v);
            }
            Err(p) => problems.push(format!("{}: {p}", field.label.default_text())),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn normalise(field: &crate::definition::Field, value: &Value) -> Result<Value, String> {
    match field.kind {
        FieldKind::Number | FieldKind::Measurement => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
                _ => None,
            };
            let Some(n) = n else {
                return Err(format!("'{}' is not a number", plain(value)));
            };
            if let Some(min) = field.min
                && n < min
            {
                return Err(format!("{n} is below the minimum of {min}"));
            }
            if let Some(max) = field.max
                && n > max
            {
                return Err(format!("{n} is above the maximum of {max}"));
            }
            Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        FieldKind::YesNo => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(Value::Bool(true)),
                "no" | "false" => Ok(Value::Bool(false)),
                other => Err(format!("'{other}' is not yes or no")),
            },
            _ => Err(format!("'{}' is not yes or no", plain(value))),
        },
        FieldKind::Date => {
            let text = text_of(value)?;
            text.trim()
                .parse::<jiff::civil::Date>()
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| format!("'{text}' is not a date; write it as YYYY-MM-DD"))
        }
        FieldKind::Choice => {
            let text = text_of(value)?;
            if field.choices.contains(&text) {
                Ok(Value::String(text))
            } else {
                Err(format!(
                    "'{text}' is not one of: {}",
                    field.choices.join(", ")
                ))
            }
        }
        FieldKind::Text | FieldKind::LongText | FieldKind::File => {
            let text = text_of(value)?;
            let limit = field.max_length.map_or(DEFAULT_MAX_TEXT, |m| m as usize);
            let length = text.chars().count();
            if length > limit {
                return Err(format!(
                    "is {length} characters long; at most {limit} are allowed"
                ));
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
                    Err("must be a single line".to_owned())
                }
                Some(refused) => Err(format!("contains {refused}; use plain text")),
                None => Ok(Value::String(text)),
            }
        }
    }
}

fn text_of(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("'{}' is not text", plain(other))),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
