//! The improvement on one line: the workflow's before and after
//! measurements (`improvement:`) read from the milestones' latest answers,
//! and how much the figure changed.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::state::{Change, Fields};
use crate::definition::{Better, Improvement};

/// A before/after pair as measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// The measurement before the change.
    pub before: f64,
    /// The measurement after it.
    pub after: f64,
    /// The change as a percentage of `before`, rounded to a whole number
    /// (`None` when `before` is 0: no percentage of nothing).
    pub percent: Option<i64>,
    /// Whether the change is for the better, when the workflow says which
    /// way is better and the figure moved.
    pub improved: Option<bool>,
}

/// Each milestone's latest submitted answers, from a project's log (a
/// milestone's answers leave the state with its stage; the log keeps them).
pub fn milestone_answers<'c>(
    changes: impl IntoIterator<Item = &'c Change>,
) -> BTreeMap<String, Fields> {
    let mut out = BTreeMap::new();
    for change in changes {
        if let Change::MilestoneSubmitted { milestone, fields } = change {
            out.insert(milestone.clone(), fields.clone());
        }
    }
    out
}

/// The pair `improvement` names, from `answers` (as [`milestone_answers`]
/// gives them), once both sides are answered.
pub fn measured(improvement: &Improvement, answers: &BTreeMap<String, Fields>) -> Option<Measured> {
    let number = |m: &crate::definition::Measure| {
        match answers.get(&m.milestone)?.get(&m.field)? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|n: &f64| n.is_finite())
    };
    let (before, after) = (number(&improvement.before)?, number(&improvement.after)?);
    let percent = (before != 0.0).then(|| ((after - before) / before.abs() * 100.0).round() as i64);
    let improved = improvement
        .better
        .filter(|_| after != before)
        .map(|better| match better {
            Better::Lower => after < before,
            Better::Higher => after > before,
        });
    Some(Measured {
        before,
        after,
        percent,
        improved,
    })
}

/// The choice the project's answers give for `improvement`'s indicator
/// (e.g. the charter's `waiting_time`), if it names one and it is answered.
pub fn indicator<'f>(
    improvement: &Improvement,
    forms: &'f BTreeMap<String, Arc<Fields>>,
) -> Option<&'f str> {
    let (form, field) = improvement.indicator.as_ref()?;
    forms.get(form)?.get(field)?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Measure;
    use serde_json::json;

    fn waiting_time(better: Option<Better>) -> Improvement {
        Improvement {
            title: "Waiting time".into(),
            before: Measure {
                milestone: "visit_before".into(),
                field: "waiting_minutes".into(),
            },
            after: Measure {
                milestone: "visit_after".into(),
                field: "waiting_minutes".into(),
            },
            better,
            unit: Some("min".into()),
            indicator: None,
        }
    }

    fn submitted(milestone: &str, minutes: serde_json::Value) -> Change {
        Change::MilestoneSubmitted {
            milestone: milestone.into(),
            fields: json!({ "waiting_minutes": minutes })
                .as_object()
                .cloned()
                .unwrap(),
        }
    }

    #[test]
    fn waiting_time_from_80_to_25_minutes_is_69_percent_less_and_better() {
        let log = [
            submitted("visit_before", json!(90)),
            submitted("visit_before", json!(80)),
            submitted("visit_after", json!(25)),
        ];
        let answers = milestone_answers(&log);
        let m = measured(&waiting_time(Some(Better::Lower)), &answers).unwrap();
        // (25 - 80) / 80 = -0.6875: -69 %.
        assert_eq!(
            (m.before, m.after, m.percent, m.improved),
            (80.0, 25.0, Some(-69), Some(true))
        );
        let higher = measured(&waiting_time(Some(Better::Higher)), &answers).unwrap();
        assert_eq!(higher.improved, Some(false));
        assert_eq!(
            measured(&waiting_time(None), &answers).unwrap().improved,
            None
        );
    }

    #[test]
    fn no_line_until_both_are_measured_and_no_percent_of_zero() {
        let only_before = milestone_answers(&[submitted("visit_before", json!(80))]);
        assert_eq!(measured(&waiting_time(None), &only_before), None);
        let from_zero = milestone_answers(&[
            submitted("visit_before", json!(0)),
            submitted("visit_after", json!("4")),
        ]);
        let m = measured(&waiting_time(Some(Better::Lower)), &from_zero).unwrap();
        assert_eq!(
            (m.before, m.after, m.percent, m.improved),
            (0.0, 4.0, None, Some(false))
        );
    }
}
