//! Aggregating evaluators' scorecards against a rubric.

use std::collections::BTreeMap;

use super::forms::Problem;
use super::state::{Fields, PersonId, Scorecard};
use crate::definition::{Assessment, Rubric};
use crate::reason::{Arg, Reason};

/// The assessment as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Scorecards submitted.
    pub count: usize,
    /// Weighted mean of the criteria means (`None` before any score).
    pub mean: Option<f64>,
    /// Mean score per criterion.
    pub criteria: BTreeMap<String, f64>,
    /// Quorum reached and the rubric's pass rule met.
    pub passed: bool,
    /// Evaluators disagree by more than the rubric allows on some criterion.
    pub needs_moderation: bool,
}

/// Aggregates `cards` for `rubric` under `assessment`'s quorum.
pub fn outcome(
    rubric: &Rubric,
    assessment: &Assessment,
    cards: &BTreeMap<PersonId, Scorecard>,
) -> Outcome {
    let mut criteria = BTreeMap::new();
    let mut needs_moderation = false;
    let (mut weighted, mut weights) = (0.0, 0.0);
    for c in &rubric.criteria {
        let scores: Vec<i64> = cards
            .values()
            .filter_map(|card| card.scores.get(&c.key).copied())
            .collect();
        if scores.is_empty() {
            continue;
        }
        let mean = scores.iter().sum::<i64>() as f64 / scores.len() as f64;
        let spread = (scores.iter().max().unwrap_or(&0) - scores.iter().min().unwrap_or(&0)) as f64;
        if rubric
            .moderate_spread_above
            .is_some_and(|limit| spread > limit)
        {
            needs_moderation = true;
        }
        weighted += c.weight * mean;
        weights += c.weight;
        criteria.insert(c.key.clone(), mean);
    }
    let mean = (weights > 0.0).then(|| weighted / weights);
    let quorum = cards.len() >= assessment.quorum as usize;
    let mean_ok = match (rubric.pass_mean, mean) {
        (Some(at_least), Some(mean)) => mean + 1e-9 >= at_least,
        (Some(_), None) => false,
        (None, _) => true,
    };
    let each_ok = rubric
        .pass_each
        .is_none_or(|at_least| criteria.values().all(|m| *m + 1e-9 >= at_least as f64));
    Outcome {
        count: cards.len(),
        mean,
        criteria,
        passed: quorum && mean_ok && each_ok,
        needs_moderation,
    }
}

/// Checks one evaluator's scores: every criterion scored, on the scale,
/// nothing else; each problem names its criterion.
pub fn check_scores(
    rubric: &Rubric,
    given: &Fields,
) -> Result<BTreeMap<String, i64>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut scores = BTreeMap::new();
    let criterion = |key: &str| Arg::Field {
        form: rubric.key.clone(),
        field: key.to_owned(),
    };
    for name in given.keys() {
        if name != "comment" && !rubric.criteria.iter().any(|c| c.key == *name) {
            let criteria = rubric.criteria.iter().map(|c| criterion(&c.key)).collect();
            problems.push(Problem {
                field: None,
                reason: Reason::new(
                    "criterion-unknown",
                    vec![
                        ("name", Arg::Text(name.clone())),
                        ("criteria", Arg::AllOf(criteria)),
                    ],
                ),
            });
        }
    }
    for c in &rubric.criteria {
        let value = given.get(&c.key);
        let score = match value {
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let mut problem = |code, mut args: Vec<(&'static str, Arg)>| {
            args.insert(0, ("criterion", criterion(&c.key)));
            problems.push(Problem {
                field: Some(c.key.clone()),
                reason: Reason::new(code, args),
            });
        };
        match (value, score) {
            (None, _) => problem("score-missing", vec![]),
            (Some(v), None) => {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                problem("score-not-whole", vec![("value", Arg::Text(v))])
            }
            (_, Some(s)) if !(rubric.scale_min..=rubric.scale_max).contains(&s) => problem(
                "score-off-scale",
                vec![
                    ("value", Arg::int(s)),
                    ("min", Arg::int(rubric.scale_min)),
                    ("max", Arg::int(rubric.scale_max)),
                ],
            ),
            (_, Some(s)) => {
                scores.insert(c.key.clone(), s);
            }
        }
    }
    if problems.is_empty() {
        Ok(scores)
    } else {
        Err(problems)
    }
}
