//! Aggregating evaluators' scorecards against a rubric, and the chair's
//! decision panel: the same figures, with why each decision can or cannot
//! be taken yet.

use std::collections::BTreeMap;

use super::conditions::ProjectData;
use super::forms::Problem;
use super::state::{Fields, Moderation, PersonId, ProjectState, Scorecard};
use crate::definition::{Assessment, Rubric, Stage, Workflow};
use crate::expr::{Compare, Falsehood, Value};
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
    /// Evaluators disagree by more than the rubric allows on some criterion
    /// that the chair has not moderated yet.
    pub needs_moderation: bool,
}

/// Aggregates `cards` for `rubric` under `assessment`'s quorum, each
/// criterion in `moderated` counting with the chair's score instead of the
/// evaluators' mean.
pub fn outcome(
    rubric: &Rubric,
    assessment: &Assessment,
    cards: &BTreeMap<PersonId, Scorecard>,
    moderated: &BTreeMap<String, Moderation>,
) -> Outcome {
    let figures = Figures::of(rubric, assessment, cards, moderated);
    Outcome {
        count: cards.len(),
        mean: figures.mean,
        criteria: figures
            .criteria
            .iter()
            .filter_map(|c| Some((c.key.clone(), c.mean?)))
            .collect(),
        passed: figures.passed(),
        needs_moderation: figures.needs_moderation(),
    }
}

/// The figures an assessment's result is worked out from: each
/// criterion's scores, mean and spread, the weighted mean, and the rule's
/// checks. [`outcome`] and the chair's [`Panel`] are both read from here,
/// so the page shows the very figures the core decides on.
///
/// A criterion the chair moderated counts with the moderated score in
/// place of the evaluators' mean; `before` keeps the figures from the
/// evaluators' scores alone.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    criteria: Vec<CriterionFigures>,
    mean: Option<f64>,
    mean_ok: bool,
    each_ok: bool,
    quorum_met: bool,
    before: Option<Box<Figures>>,
}

impl Figures {
    fn of(
        rubric: &Rubric,
        assessment: &Assessment,
        cards: &BTreeMap<PersonId, Scorecard>,
        moderated: &BTreeMap<String, Moderation>,
    ) -> Figures {
        let mut figures = Figures::counted(rubric, assessment, cards, moderated);
        if !moderated.is_empty() {
            let before = Figures::counted(rubric, assessment, cards, &BTreeMap::new());
            figures.before = Some(Box::new(before));
        }
        figures
    }

    fn counted(
        rubric: &Rubric,
        assessment: &Assessment,
        cards: &BTreeMap<PersonId, Scorecard>,
        moderated: &BTreeMap<String, Moderation>,
    ) -> Figures {
        let (mut weighted, mut weights) = (0.0, 0.0);
        let mut criteria = Vec::with_capacity(rubric.criteria.len());
        for c in &rubric.criteria {
            let scores: Vec<(PersonId, i64)> = cards
                .iter()
                .filter_map(|(person, card)| Some((*person, *card.scores.get(&c.key)?)))
                .collect();
            let lowest = scores.iter().map(|(_, s)| *s).min();
            let highest = scores.iter().map(|(_, s)| *s).max();
            let scored = (!scores.is_empty())
                .then(|| scores.iter().map(|(_, s)| *s).sum::<i64>() as f64 / scores.len() as f64);
            let moderation = moderated.get(&c.key).cloned();
            let mean = moderation.as_ref().map(|m| m.score as f64).or(scored);
            let spread = lowest.zip(highest).map(|(low, high)| high - low);
            if let Some(mean) = mean {
                weighted += c.weight * mean;
                weights += c.weight;
            }
            criteria.push(CriterionFigures {
                key: c.key.clone(),
                weight: c.weight,
                scores,
                scored,
                moderation,
                mean,
                lowest,
                spread,
                spread_too_wide: rubric
                    .moderate_spread_above
                    .zip(spread)
                    .is_some_and(|(limit, spread)| spread as f64 > limit),
                below_each: rubric
                    .pass_each
                    .zip(mean)
                    .is_some_and(|(at_least, mean)| mean + 1e-9 < at_least as f64),
            });
        }
        let mean = (weights > 0.0).then(|| weighted / weights);
        let mean_ok = match (rubric.pass_mean, mean) {
            (Some(at_least), Some(mean)) => mean + 1e-9 >= at_least,
            (Some(_), None) => false,
            (None, _) => true,
        };
        Figures {
            each_ok: !criteria.iter().any(|c| c.below_each),
            criteria,
            mean,
            mean_ok,
            quorum_met: cards.len() >= assessment.quorum as usize,
            before: None,
        }
    }

    fn passed(&self) -> bool {
        self.quorum_met && self.mean_ok && self.each_ok
    }

    /// Some criterion's spread calls for moderation and the chair has not
    /// moderated it.
    fn needs_moderation(&self) -> bool {
        self.criteria
            .iter()
            .any(|c| c.spread_too_wide && c.moderation.is_none())
    }

    /// Some criterion's spread calls for moderation, moderated or not.
    fn spread_calls(&self) -> bool {
        self.criteria.iter().any(|c| c.spread_too_wide)
    }
}

/// One criterion as the chair reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionFigures {
    /// The criterion's key in the rubric.
    pub key: String,
    /// Its weight in the weighted mean.
    pub weight: f64,
    /// Each evaluator's score, by evaluator (those who scored it).
    pub scores: Vec<(PersonId, i64)>,
    /// The mean of the evaluators' scores (`None` before any).
    pub scored: Option<f64>,
    /// The chair's moderated score, when they gave one.
    pub moderation: Option<Moderation>,
    /// The criterion's mean as it counts: the moderated score when there
    /// is one, else `scored` (`None` before any score).
    pub mean: Option<f64>,
    /// The lowest score given.
    pub lowest: Option<i64>,
    /// The highest score minus the lowest.
    pub spread: Option<i64>,
    /// The spread is above the rubric's `moderate_spread_above`.
    pub spread_too_wide: bool,
    /// The mean is below the rubric's `each_at_least`.
    pub below_each: bool,
}

/// The chair's decision panel: the assessment's figures against the
/// rubric's rules, and for each decision of the stage whether it can be
/// taken now and, if not, why, as data the edge puts into words.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The rubric's key.
    pub rubric: String,
    /// Per criterion, in the rubric's order.
    pub criteria: Vec<CriterionFigures>,
    /// The weighted mean of the criterion means (`None` before any score).
    pub mean: Option<f64>,
    /// The rubric's `weighted_mean_at_least`.
    pub pass_mean: Option<f64>,
    /// The weighted mean meets `pass_mean` (true when there is none).
    pub mean_ok: bool,
    /// The rubric's `each_at_least`.
    pub pass_each: Option<i64>,
    /// The lowest criterion mean and its criterion's key.
    pub lowest: Option<(String, f64)>,
    /// No criterion mean is below `pass_each`.
    pub each_ok: bool,
    /// The rubric's `moderate_spread_above`.
    pub moderate_above: Option<f64>,
    /// Some criterion's spread is above `moderate_above` and the chair has
    /// not moderated it yet: no decision can be taken before they do.
    pub needs_moderation: bool,
    /// Some criterion's spread is above `moderate_above` (moderated or not).
    pub spread_calls: bool,
    /// The figures from the evaluators' scores alone, when the chair
    /// moderated some criterion (what moderation changed).
    pub before: Option<Before>,
    /// Scorecards in.
    pub count: usize,
    /// Scorecards needed before a result counts.
    pub quorum: u32,
    /// Evaluators assigned to the project.
    pub evaluators: u32,
    /// `count` reaches `quorum`.
    pub quorum_met: bool,
    /// Quorum met and the pass rule met: `assessment.passed`.
    pub passed: bool,
    /// The stage's actions taken by people, in written order.
    pub decisions: Vec<Decidable>,
}

/// The panel's verdict from the evaluators' scores alone, before moderation.
#[derive(Debug, Clone, PartialEq)]
pub struct Before {
    /// The weighted mean then.
    pub mean: Option<f64>,
    /// Whether the assessment passed then.
    pub passed: bool,
}

/// One decision of the stage on the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Decidable {
    /// The action's key.
    pub action: String,
    /// The roles that take it.
    pub by: Vec<String>,
    /// Why it cannot be taken now (`None`: its condition holds, or it has none).
    pub why_not: Option<WhyNot>,
}

/// Why a decision's condition does not hold, in the assessment's figures.
#[derive(Debug, Clone, PartialEq)]
pub enum WhyNot {
    /// It needs more scorecards than are in (`assessment.count >= need`).
    Scorecards {
        /// Scorecards in.
        have: usize,
        /// Scorecards it needs.
        need: usize,
    },
    /// It needs a pass (`assessment.passed`); what is short of one.
    NotPassed(Vec<Shortfall>),
    /// It needs the assessment not to pass (`!assessment.passed`), and it passes.
    Passes,
    /// It needs evaluators to disagree (`assessment.needs_moderation`); they agree.
    Agree,
    /// It needs evaluators to agree (`!assessment.needs_moderation`); they do not.
    Disagree,
    /// It compares the weighted mean or the count with a bound in another way.
    Figure {
        /// `mean` or `count`.
        figure: String,
        /// The figure now (`None`: no score yet).
        value: Option<f64>,
        /// The comparison, with the figure on its left.
        op: Compare,
        /// The bound.
        bound: f64,
    },
    /// Some other part of the condition, as the definition writes it.
    Condition {
        /// The condition's false part.
        text: String,
    },
    /// Its condition holds, but fewer scorecards than the quorum are in:
    /// no decision is taken before quorum.
    Quorum {
        /// Scorecards in.
        have: usize,
        /// The quorum.
        need: u32,
    },
    /// Its condition holds, but the chair must moderate these criteria first.
    Moderate {
        /// The criteria whose spread calls for moderation, not moderated yet.
        criteria: Vec<String>,
    },
}

/// What keeps an assessment from passing.
#[derive(Debug, Clone, PartialEq)]
pub enum Shortfall {
    /// Fewer scorecards than the quorum.
    Quorum {
        /// Scorecards in.
        have: usize,
        /// The quorum.
        need: u32,
    },
    /// The weighted mean is below the pass mean (or there is none yet).
    Mean {
        /// The weighted mean now.
        mean: Option<f64>,
        /// The rubric's `weighted_mean_at_least`.
        at_least: f64,
    },
    /// A criterion's mean is below `each_at_least`.
    Criterion {
        /// The criterion's key.
        criterion: String,
        /// Its mean.
        mean: f64,
        /// The rubric's `each_at_least`.
        at_least: i64,
    },
}

/// The chair's panel for the project in `stage`, or `None` when the stage
/// holds no assessment. `state` is the project's state in that stage.
pub fn panel(workflow: &Workflow, stage: &Stage, state: &ProjectState) -> Option<Panel> {
    let assessment = stage.assessment.as_ref()?;
    let rubric = workflow.rubrics.get(&assessment.rubric)?;
    let cards = &state.scorecards;
    let figures = Figures::of(rubric, assessment, cards, &state.moderated);
    let lowest = figures
        .criteria
        .iter()
        .filter_map(|c| Some((c.key.clone(), c.mean?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let mut panel = Panel {
        rubric: rubric.key.clone(),
        mean: figures.mean,
        pass_mean: rubric.pass_mean,
        mean_ok: figures.mean_ok,
        pass_each: rubric.pass_each,
        lowest,
        each_ok: figures.each_ok,
        moderate_above: rubric.moderate_spread_above,
        needs_moderation: figures.needs_moderation(),
        spread_calls: figures.spread_calls(),
        before: figures.before.as_ref().map(|b| Before {
            mean: b.mean,
            passed: b.passed(),
        }),
        count: cards.len(),
        quorum: assessment.quorum,
        evaluators: assessment.evaluators,
        quorum_met: figures.quorum_met,
        passed: figures.passed(),
        criteria: figures.criteria,
        decisions: Vec::new(),
    };
    let data = ProjectData {
        workflow,
        stage,
        state,
        giving: None,
    };
    panel.decisions = stage
        .actions
        .iter()
        .filter(|a| super::is_decision(workflow, stage, a))
        .map(|a| Decidable {
            action: a.key.clone(),
            by: a.by.clone(),
            why_not: a
                .when
                .as_ref()
                .and_then(|w| w.why_false(&data))
                .map(|part| panel.why_not(FalsePart::of(part)))
                .or_else(|| {
                    undecidable(workflow, stage, state).map(|r| match r {
                        Undecidable::Quorum { have, need } => WhyNot::Quorum { have, need },
                        Undecidable::Moderate { criteria } => WhyNot::Moderate { criteria },
                    })
                }),
        })
        .collect();
    Some(panel)
}

/// Why no decision can be taken in an assessed stage yet, whatever its
/// condition says: fewer scorecards than the quorum, or a spread the chair
/// has not moderated.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Undecidable {
    /// Fewer scorecards than the quorum.
    Quorum { have: usize, need: u32 },
    /// Criteria whose spread calls for moderation, not moderated.
    Moderate { criteria: Vec<String> },
}

/// Whether the assessment of `stage` (if it holds one) keeps a decision
/// from being taken now; `None`: it does not.
pub(super) fn undecidable(
    workflow: &Workflow,
    stage: &Stage,
    state: &ProjectState,
) -> Option<Undecidable> {
    let assessment = stage.assessment.as_ref()?;
    let rubric = workflow.rubrics.get(&assessment.rubric)?;
    let figures = Figures::of(rubric, assessment, &state.scorecards, &state.moderated);
    if !figures.quorum_met {
        return Some(Undecidable::Quorum {
            have: state.scorecards.len(),
            need: assessment.quorum,
        });
    }
    let criteria: Vec<String> = figures
        .criteria
        .iter()
        .filter(|c| c.spread_too_wide && c.moderation.is_none())
        .map(|c| c.key.clone())
        .collect();
    (!criteria.is_empty()).then_some(Undecidable::Moderate { criteria })
}

/// The figures of one criterion of `stage`'s assessment as they stand, for
/// checking a moderation: its spread and the rubric's threshold.
pub(super) fn criterion_figures(
    workflow: &Workflow,
    assessment: &Assessment,
    state: &ProjectState,
) -> Vec<CriterionFigures> {
    workflow
        .rubrics
        .get(&assessment.rubric)
        .map(|rubric| Figures::of(rubric, assessment, &state.scorecards, &state.moderated).criteria)
        .unwrap_or_default()
}

/// The part of a false condition the panel reads figures from: a yes/no
/// path, a path compared with a number (the path on the left), or any
/// other part by its text.
enum FalsePart {
    Path {
        path: Vec<String>,
        negated: bool,
    },
    Number {
        path: Vec<String>,
        op: Compare,
        bound: f64,
    },
    Other {
        text: String,
    },
}

impl FalsePart {
    fn of(falsehood: Falsehood) -> FalsePart {
        match falsehood {
            Falsehood::Flag { path, expected } => FalsePart::Path {
                path,
                negated: !expected,
            },
            Falsehood::Compare {
                path,
                op,
                expected: Value::Number(bound),
                ..
            } if Compare::of_word(op).is_some() => FalsePart::Number {
                path,
                op: Compare::of_word(op).unwrap_or(Compare::Eq),
                bound,
            },
            Falsehood::Compare { path, .. } | Falsehood::Missing { path } => FalsePart::Other {
                text: path.join("."),
            },
            Falsehood::Never { text } | Falsehood::Text { text, .. } => FalsePart::Other { text },
        }
    }
}

impl Panel {
    /// The panel's figures for a condition's false part.
    fn why_not(&self, part: FalsePart) -> WhyNot {
        let is = |path: &[String], what: &str| {
            path.len() == 2 && path[0] == "assessment" && path[1] == what
        };
        match part {
            FalsePart::Path { path, negated } if is(&path, "passed") => {
                if negated {
                    WhyNot::Passes
                } else {
                    WhyNot::NotPassed(self.shortfalls())
                }
            }
            FalsePart::Path { path, negated } if is(&path, "needs_moderation") => {
                if negated {
                    WhyNot::Disagree
                } else {
                    WhyNot::Agree
                }
            }
            FalsePart::Number { path, op, bound } if is(&path, "count") => match op {
                Compare::Ge => WhyNot::Scorecards {
                    have: self.count,
                    need: bound.ceil().max(0.0) as usize,
                },
                Compare::Gt => WhyNot::Scorecards {
                    have: self.count,
                    need: bound.floor().max(-1.0) as usize + 1,
                },
                op => WhyNot::Figure {
                    figure: "count".into(),
                    value: Some(self.count as f64),
                    op,
                    bound,
                },
            },
            FalsePart::Number { path, op, bound } if is(&path, "mean") => WhyNot::Figure {
                figure: "mean".into(),
                value: self.mean,
                op,
                bound,
            },
            FalsePart::Path { path, negated } => WhyNot::Condition {
                text: format!("{}{}", if negated { "!" } else { "" }, path.join(".")),
            },
            FalsePart::Number { path, op, bound } => WhyNot::Condition {
                text: format!("{} {op:?} {bound}", path.join(".")),
            },
            FalsePart::Other { text } => WhyNot::Condition { text },
        }
    }

    /// What keeps the assessment from passing, every part of it.
    fn shortfalls(&self) -> Vec<Shortfall> {
        let mut out = Vec::new();
        if !self.quorum_met {
            out.push(Shortfall::Quorum {
                have: self.count,
                need: self.quorum,
            });
        }
        if let (false, Some(at_least)) = (self.mean_ok, self.pass_mean) {
            out.push(Shortfall::Mean {
                mean: self.mean,
                at_least,
            });
        }
        if let Some(at_least) = self.pass_each {
            for c in self.criteria.iter().filter(|c| c.below_each) {
                if let Some(mean) = c.mean {
                    out.push(Shortfall::Criterion {
                        criterion: c.key.clone(),
                        mean,
                        at_least,
                    });
                }
            }
        }
        out
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

/// Checks a chair's moderated scores: each key a criterion of `rubric`,
/// each a whole number on its scale; any number of criteria (the caller
/// refuses none).
pub fn check_moderated(
    rubric: &Rubric,
    given: &Fields,
) -> Result<BTreeMap<String, i64>, Vec<Problem>> {
    let mut only = Fields::new();
    for (key, value) in given {
        if !(value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty())) {
            only.insert(key.clone(), value.clone());
        }
    }
    // The same checks as a scorecard's, without asking for every criterion.
    match check_scores(rubric, &only) {
        Ok(scores) => Ok(scores),
        Err(problems) => {
            let problems: Vec<Problem> = problems
                .into_iter()
                .filter(|p| p.reason.code != "score-missing")
                .collect();
            if problems.is_empty() {
                let mut scores = BTreeMap::new();
                for c in &rubric.criteria {
                    if let Some(score) = only.get(&c.key).and_then(|v| match v {
                        serde_json::Value::Number(n) => n.as_i64(),
                        serde_json::Value::String(s) => s.trim().parse().ok(),
                        _ => None,
                    }) {
                        scores.insert(c.key.clone(), score);
                    }
                }
                Ok(scores)
            } else {
                Err(problems)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::decide::tests::bundled;

    /// The project in graduation-service's evaluation stage with `cards`:
    /// (evaluator, [safety, authenticity, friendliness, efficiency]).
    fn evaluated(cards: &[(PersonId, [i64; 4])]) -> (Workflow, ProjectState) {
        let workflow = bundled("graduation-service");
        let keys = ["safety", "authenticity", "friendliness", "efficiency"];
        let scorecards = cards
            .iter()
            .map(|(person, scores)| {
                let scores = keys
                    .iter()
                    .zip(scores)
                    .map(|(k, s)| ((*k).to_owned(), *s))
                    .collect();
                (
                    *person,
                    Scorecard {
                        scores,
                        comment: None,
                    },
                )
            })
            .collect();
        let state = ProjectState {
            stage: "evaluation".into(),
            version: 9,
            entered_at: jiff::Timestamp::UNIX_EPOCH,
            deadline: None,
            entry: 1,
            overdue_since: None,
            forms: BTreeMap::new(),
            approvals: BTreeMap::new(),
            milestones: BTreeMap::new(),
            scorecards,
            members: Default::default(),
            accepted: Default::default(),
            extensions: Default::default(),
            moderated: Default::default(),
            set_aside: Default::default(),
            head: String::new(),
            events: 1,
        };
        (workflow, state)
    }

    fn decision<'p>(panel: &'p Panel, action: &str) -> &'p Option<WhyNot> {
        &panel
            .decisions
            .iter()
            .find(|d| d.action == action)
            .unwrap()
            .why_not
    }

    /// The bundled S.A.F.E. rubric worked by hand: four criteria of weight
    /// 1 on a 1..5 scale; pass with a weighted mean of at least 3 and no
    /// criterion mean below 2; moderation above a spread of 2; quorum 2.
    ///
    /// | criterion    | A | B | mean | spread |
    /// |--------------|---|---|------|--------|
    /// | safety       | 4 | 3 | 3.5  | 1      |
    /// | authenticity | 3 | 3 | 3    | 0      |
    /// | friendliness | 2 | 1 | 1.5  | 1      |
    /// | efficiency   | 5 | 2 | 3.5  | 3 > 2  |
    ///
    /// Weighted mean (3.5 + 3 + 1.5 + 3.5) / 4 = 11.5 / 4 = 2.875 < 3;
    /// lowest criterion mean 1.5 (friendliness) < 2; 2 of 2 scorecards in.
    /// So: no pass (the mean and friendliness fall short), and efficiency
    /// calls for moderation, so neither a fail nor more work can be asked
    /// for until the chair moderates.
    #[test]
    fn the_panel_shows_the_hand_worked_figures_and_why_a_pass_is_not_possible() {
        let (workflow, state) = evaluated(&[(41, [4, 3, 2, 5]), (42, [3, 3, 1, 2])]);
        let stage = workflow.stage("evaluation").unwrap();
        let panel = panel(&workflow, stage, &state).unwrap();
        let means: Vec<Option<f64>> = panel.criteria.iter().map(|c| c.mean).collect();
        assert_eq!(means, [Some(3.5), Some(3.0), Some(1.5), Some(3.5)]);
        let spreads: Vec<Option<i64>> = panel.criteria.iter().map(|c| c.spread).collect();
        assert_eq!(spreads, [Some(1), Some(0), Some(1), Some(3)]);
        assert!(panel.criteria[3].spread_too_wide && !panel.criteria[0].spread_too_wide);
        assert!(panel.criteria[2].below_each && !panel.criteria[1].below_each);
        assert_eq!(panel.criteria[3].scores, [(41, 5), (42, 2)]);
        assert_eq!(panel.mean, Some(2.875));
        assert_eq!(panel.lowest, Some(("friendliness".to_owned(), 1.5)));
        assert!(!panel.mean_ok && !panel.each_ok && panel.quorum_met && !panel.passed);
        assert!(panel.needs_moderation);
        assert_eq!((panel.count, panel.quorum, panel.evaluators), (2, 2, 2));
        assert_eq!(
            decision(&panel, "pass"),
            &Some(WhyNot::NotPassed(vec![
                Shortfall::Mean {
                    mean: Some(2.875),
                    at_least: 3.0
                },
                Shortfall::Criterion {
                    criterion: "friendliness".into(),
                    mean: 1.5,
                    at_least: 2
                },
            ]))
        );
        // Efficiency's spread calls for moderation: no decision before it.
        let moderate = Some(WhyNot::Moderate {
            criteria: vec!["efficiency".into()],
        });
        assert_eq!(decision(&panel, "fail"), &moderate);
        assert_eq!(decision(&panel, "revise"), &moderate);
        // The panel's verdict is the one conditions decide on.
        let outcome = outcome(
            &workflow.rubrics["safe"],
            stage.assessment.as_ref().unwrap(),
            &state.scorecards,
            &state.moderated,
        );
        assert_eq!((outcome.passed, outcome.mean), (panel.passed, panel.mean));
    }

    /// One scorecard (A alone: 4, 3, 2, 5; mean 14 / 4 = 3.5, lowest 2)
    /// meets the pass rule's figures but not the quorum; A and a second
    /// evaluator scoring 4, 4, 3, 4 (means 4, 3.5, 2.5, 4.5; weighted 14.5 /
    /// 4 = 3.625; spreads 0, 1, 1, 1) pass, so a fail no longer fits.
    #[test]
    fn before_quorum_the_panel_counts_scorecards_and_after_a_pass_a_fail_does_not_fit() {
        let (workflow, state) = evaluated(&[(41, [4, 3, 2, 5])]);
        let stage = workflow.stage("evaluation").unwrap();
        let one = panel(&workflow, stage, &state).unwrap();
        assert_eq!(one.mean, Some(3.5));
        assert!(one.mean_ok && one.each_ok && !one.quorum_met && !one.passed);
        assert_eq!(
            decision(&one, "pass"),
            &Some(WhyNot::NotPassed(vec![Shortfall::Quorum {
                have: 1,
                need: 2
            }]))
        );
        assert_eq!(
            decision(&one, "fail"),
            &Some(WhyNot::Scorecards { have: 1, need: 2 })
        );
        // An action without a condition waits for quorum too.
        assert_eq!(
            decision(&one, "revise"),
            &Some(WhyNot::Quorum { have: 1, need: 2 })
        );
        let (workflow, state) = evaluated(&[(41, [4, 3, 2, 5]), (43, [4, 4, 3, 4])]);
        let both = panel(&workflow, workflow.stage("evaluation").unwrap(), &state).unwrap();
        assert_eq!(both.mean, Some(3.625));
        assert!(both.passed && !both.needs_moderation);
        assert_eq!(decision(&both, "pass"), &None);
        assert_eq!(decision(&both, "fail"), &Some(WhyNot::Passes));
    }

    #[test]
    fn a_stage_without_an_assessment_has_no_panel() {
        let (workflow, state) = evaluated(&[]);
        assert_eq!(
            panel(&workflow, workflow.stage("proposal").unwrap(), &state),
            None
        );
    }
}
