//! Scoring with the rubric in view, the chair's decision panel and the
//! improvement on one line, as the project page shows them.
//!
//! - An evaluator who may score reads the work first (the project page puts
//!   the submitted answers and files above), then one card per criterion
//!   with its weight and each level's descriptor as the choices, and the
//!   pass rule in words. Once they have scored, their own scorecard as
//!   submitted (through the read policy) takes the form's place.
//! - Those who read every scorecard (the chair, the coordinator) see the
//!   core's [`Panel`]: each criterion's scores by evaluator, mean, spread
//!   against the moderation threshold, the weighted mean and the lowest
//!   criterion mean against the pass rule, quorum, and for each decision
//!   whether it can be taken now and why not, in the page's language.
//! - The improvement: the workflow's before and after measurement
//!   ("Waiting time 80 → 25 min (−69%)").
//!
//! The core decides every figure; this module only puts them into words.

use std::collections::BTreeMap;
use std::sync::Arc;

use gradflow_engine::decide::{Fields, MODERATE_ACTION, Panel, RESCORE_ACTION, Shortfall, WhyNot};
use gradflow_engine::definition::{Rubric, SCORE_ACTION, Stage, Workflow};
use gradflow_engine::expr::Compare;
use gradflow_engine::service::{View, Viewer, readable_scorecards, reads_every_scorecard};
use serde_json::{Value, json};

use super::forms::{self, Refused};
use crate::App;
use crate::i18n::{self, Lang, number};

/// The rubric and assessment of `stage`, if it holds one.
fn rubric_of<'w>(workflow: &'w Workflow, stage: &Stage) -> Option<&'w Rubric> {
    workflow.rubrics.get(&stage.assessment.as_ref()?.rubric)
}

/// The pass rule of `rubric` in words, once `quorum` evaluators have
/// scored: "Passes with a weighted mean of at least 3 and no criterion
/// below 2, once 2 evaluators have scored."
pub fn pass_rule(lang: Lang, rubric: &Rubric, quorum: u32) -> String {
    let key = match (rubric.pass_mean, rubric.pass_each) {
        (Some(_), Some(_)) => "score-rule-both",
        (Some(_), None) => "score-rule-mean",
        (None, _) => "score-rule-each",
    };
    i18n::text_counts(
        lang,
        key,
        &[("count", i64::from(quorum))],
        &[
            ("mean", rubric.pass_mean.map(number).unwrap_or_default()),
            (
                "each",
                rubric
                    .pass_each
                    .map(|e| number(e as f64))
                    .unwrap_or_default(),
            ),
        ],
    )
}

/// The scoring section's data for `viewer`: the score form when they may
/// score and have not, or their own scorecard once they have; `None`
/// outside an assessment or for those who do not score. `barred` is the
/// core's refusal of their score in words (a conflict of interest), shown
/// instead of a form they could not send.
pub fn scoring(
    lang: Lang,
    view: &View,
    viewer: &Viewer,
    roles: &[String],
    refused: Option<&Refused>,
    barred: Option<&str>,
) -> Option<Value> {
    let workflow = &view.workflow;
    let stage = workflow.stage(&view.record.state.stage)?;
    let assessment = stage.assessment.as_ref()?;
    let rubric = rubric_of(workflow, stage)?;
    let code = lang.code();
    let scores_here = assessment.by.iter().any(|r| roles.contains(r));
    let mine = readable_scorecards(view, viewer)
        .into_iter()
        .find(|(person, _)| *person == viewer.person.id)
        .map(|(_, card)| card);
    if !scores_here && mine.is_none() {
        return None;
    }
    let rule = pass_rule(lang, rubric, assessment.quorum);
    if let Some(card) = mine {
        let scores: Vec<Value> = rubric
            .criteria
            .iter()
            .filter_map(|c| {
                let score = *card.scores.get(&c.key)?;
                Some(json!({
                    "criterion": c.title.get(code),
                    "score": number(score as f64),
                    "level": c.levels.get(&score).map(|l| l.get(code)),
                }))
            })
            .collect();
        return Some(json!({
            "rubric": rubric.title.get(code),
            "rule": rule,
            "mine": { "scores": scores, "comment": card.comment },
        }));
    }
    if !view.possible.iter().any(|p| p.action == SCORE_ACTION) {
        return Some(json!({ "rubric": rubric.title.get(code), "rule": rule, "full": true }));
    }
    if let Some(why) = barred {
        return Some(json!({ "rubric": rubric.title.get(code), "rule": rule, "barred": why }));
    }
    let refused = refused.filter(|r| r.action == SCORE_ACTION);
    let criteria: Vec<Value> = rubric
        .criteria
        .iter()
        .map(|c| {
            let chosen = refused
                .and_then(|r| r.answers.get(&c.key))
                .map(String::as_str);
            let levels: Vec<Value> = (rubric.scale_min..=rubric.scale_max)
                .map(|level| {
                    let value = level.to_string();
                    json!({
                        "id": format!("score-{}-{level}", c.key),
                        "value": value,
                        "descriptor": c.levels.get(&level).map(|l| l.get(code)),
                        "checked": chosen == Some(value.as_str()),
                    })
                })
                .collect();
            json!({
                "key": c.key,
                "name": format!("f.{}", c.key),
                "title": c.title.get(code),
                "weight": i18n::text(lang, "score-weight", &[("weight", number(c.weight))]),
                "levels": levels,
            })
        })
        .collect();
    Some(json!({
        "rubric": rubric.title.get(code),
        "rule": rule,
        "scale": i18n::text(lang, "score-scale", &[
            ("min", number(rubric.scale_min as f64)),
            ("max", number(rubric.scale_max as f64)),
        ]),
        "form": {
            "action": SCORE_ACTION,
            "criteria": criteria,
            "comment": refused.map(|r| r.comment.clone()).unwrap_or_default(),
            "errors": refused.map(|r| forms::problems(lang, workflow, r)).unwrap_or_default(),
        },
    }))
}

/// The chair's decision panel for `viewer`, when they read every scorecard
/// and the project is in a stage with an assessment; evaluators by name.
/// For the chair, when the spread calls for moderation, the forms to
/// moderate and to ask evaluators to score again (filled with `refused`
/// when one of them came back).
pub async fn panel(
    app: &App,
    lang: Lang,
    view: &View,
    viewer: &Viewer,
    roles: &[String],
    refused: Option<&Refused>,
) -> Option<Value> {
    if !reads_every_scorecard(view, viewer) {
        return None;
    }
    let workflow = &view.workflow;
    let stage = workflow.stage(&view.record.state.stage)?;
    let rubric = rubric_of(workflow, stage)?;
    let panel = gradflow_engine::decide::panel(workflow, stage, &view.record.state)?;
    let mut evaluators: Vec<i64> = panel
        .criteria
        .iter()
        .flat_map(|c| c.scores.iter().map(|(p, _)| *p))
        .collect();
    evaluators.sort_unstable();
    evaluators.dedup();
    let mut names = Vec::with_capacity(evaluators.len());
    for person in &evaluators {
        names.push(match app.engine.person_by_id(*person).await {
            Ok(p) => p.name,
            Err(_) => format!("#{person}"),
        });
    }
    let mut chairs: BTreeMap<i64, String> = BTreeMap::new();
    for m in panel.criteria.iter().filter_map(|c| c.moderation.as_ref()) {
        if let std::collections::btree_map::Entry::Vacant(slot) = chairs.entry(m.by) {
            let name = match app.engine.person_by_id(m.by).await {
                Ok(p) => p.name,
                Err(_) => format!("#{}", m.by),
            };
            slot.insert(name);
        }
    }
    let mut words = panel_words(lang, stage, rubric, &panel, &evaluators, names.clone());
    words["moderation"] = moderation_words(lang, rubric, &panel, &chairs);
    // The chair's forms, when the core offers them to one of their roles.
    let offered = |deed: &str| {
        view.possible
            .iter()
            .any(|p| p.action == deed && p.by.iter().any(|r| roles.contains(r)))
    };
    if offered(MODERATE_ACTION) {
        words["moderate_form"] = moderate_form(lang, workflow, rubric, &panel, refused);
    }
    if offered(RESCORE_ACTION) {
        let people: Vec<(i64, String)> = evaluators
            .iter()
            .copied()
            .zip(names)
            .filter(|(p, _)| view.record.state.scorecards.contains_key(p))
            .collect();
        words["rescore_form"] = rescore_form(lang, workflow, &people, refused);
    }
    Some(words)
}

/// The moderation part of the panel: whether it is still needed before a
/// decision, each moderated score (who, what, why, the figures before and
/// after) and the verdict before moderation.
fn moderation_words(
    lang: Lang,
    rubric: &Rubric,
    panel: &Panel,
    chairs: &BTreeMap<i64, String>,
) -> Value {
    let code = lang.code();
    let t = |key: &str, args: &[(&str, String)]| i18n::text(lang, key, args);
    let title = |key: &str| {
        rubric
            .criteria
            .iter()
            .find(|c| c.key == key)
            .map_or_else(|| key.to_owned(), |c| c.title.get(code).to_owned())
    };
    let comma = if lang == Lang::Ar { "، " } else { ", " };
    let open: Vec<String> = panel
        .criteria
        .iter()
        .filter(|c| c.spread_too_wide && c.moderation.is_none())
        .map(|c| title(&c.key))
        .collect();
    let records: Vec<Value> = panel
        .criteria
        .iter()
        .filter_map(|c| {
            let m = c.moderation.as_ref()?;
            let before = c.scored.map_or_else(|| "–".to_owned(), number);
            Some(json!({
                "key": c.key,
                "text": t("panel-moderated", &[
                    ("who", chairs.get(&m.by).cloned().unwrap_or_default()),
                    ("criterion", title(&c.key)),
                    ("before", before),
                    ("after", number(m.score as f64)),
                ]),
                "reason": m.reason,
            }))
        })
        .collect();
    let status = if !open.is_empty() {
        Some(t(
            "panel-moderation-needed",
            &[("criteria", open.join(comma))],
        ))
    } else if !records.is_empty() {
        Some(t("panel-moderation-done", &[]))
    } else {
        None
    };
    let before = panel.before.as_ref().map(|b| {
        let mean = b.mean.map_or_else(|| "–".to_owned(), number);
        let after = panel.mean.map_or_else(|| "–".to_owned(), number);
        t(
            if b.passed == panel.passed {
                "panel-before-same"
            } else if panel.passed {
                "panel-before-now-passes"
            } else {
                "panel-before-now-fails"
            },
            &[("before", mean), ("after", after)],
        )
    });
    json!({
        "needed": !open.is_empty(),
        "status": status,
        "records": records,
        "before": before,
    })
}

/// The chair's form to record moderated scores: one choice of the scale
/// per criterion whose spread calls for moderation, and the reason.
fn moderate_form(
    lang: Lang,
    workflow: &Workflow,
    rubric: &Rubric,
    panel: &Panel,
    refused: Option<&Refused>,
) -> Value {
    let code = lang.code();
    let refused = refused.filter(|r| r.action == MODERATE_ACTION);
    let criteria: Vec<Value> = panel
        .criteria
        .iter()
        .filter(|c| c.spread_too_wide)
        .map(|c| {
            let chosen = refused
                .and_then(|r| r.answers.get(&c.key))
                .map(String::as_str);
            let current = c.moderation.as_ref().map(|m| m.score.to_string());
            let options: Vec<Value> = (rubric.scale_min..=rubric.scale_max)
                .map(|level| {
                    let value = level.to_string();
                    json!({
                        "value": value,
                        "selected": chosen.map_or(current.as_deref() == Some(value.as_str()), |ch| ch == value),
                    })
                })
                .collect();
            let title = rubric
                .criteria
                .iter()
                .find(|k| k.key == c.key)
                .map_or_else(|| c.key.clone(), |k| k.title.get(code).to_owned());
            json!({
                "id": format!("moderate-{}", c.key),
                "name": format!("f.{}", c.key),
                "title": title,
                "options": options,
            })
        })
        .collect();
    json!({
        "action": MODERATE_ACTION,
        "criteria": criteria,
        "comment": refused.map(|r| r.comment.clone()).unwrap_or_default(),
        "errors": refused.map(|r| forms::problems(lang, workflow, r)).unwrap_or_default(),
    })
}

/// The chair's form to ask an evaluator who scored to score again.
fn rescore_form(
    lang: Lang,
    workflow: &Workflow,
    people: &[(i64, String)],
    refused: Option<&Refused>,
) -> Value {
    let refused = refused.filter(|r| r.action == RESCORE_ACTION);
    let chosen = refused.and_then(|r| r.answers.get("evaluators"));
    let options: Vec<Value> = people
        .iter()
        .map(|(id, name)| {
            json!({
                "value": id.to_string(),
                "label": name,
                "selected": chosen.is_some_and(|c| *c == id.to_string()),
            })
        })
        .collect();
    json!({
        "action": RESCORE_ACTION,
        "evaluators": options,
        "comment": refused.map(|r| r.comment.clone()).unwrap_or_default(),
        "errors": refused.map(|r| forms::problems(lang, workflow, r)).unwrap_or_default(),
    })
}

/// The panel's figures and reasons in `lang`'s words.
fn panel_words(
    lang: Lang,
    stage: &Stage,
    rubric: &Rubric,
    panel: &Panel,
    evaluators: &[i64],
    names: Vec<String>,
) -> Value {
    let code = lang.code();
    let t = |key: &str, args: &[(&str, String)]| i18n::text(lang, key, args);
    let criterion_title = |key: &str| {
        rubric
            .criteria
            .iter()
            .find(|c| c.key == key)
            .map_or_else(|| key.to_owned(), |c| c.title.get(code).to_owned())
    };
    let dash = "–".to_owned();
    let criteria: Vec<Value> = panel
        .criteria
        .iter()
        .map(|c| {
            let scores: Vec<String> = evaluators
                .iter()
                .map(|e| {
                    c.scores
                        .iter()
                        .find(|(p, _)| p == e)
                        .map_or_else(|| dash.clone(), |(_, s)| number(*s as f64))
                })
                .collect();
            json!({
                "key": c.key,
                "title": criterion_title(&c.key),
                "weight": number(c.weight),
                "scores": scores,
                "mean": c.mean.map_or_else(|| dash.clone(), number),
                "below": c.below_each,
                "spread": c.spread.map_or_else(|| dash.clone(), |s| number(s as f64)),
                "wide": c.spread_too_wide,
                // Moderated: the evaluators' mean it replaced.
                "scored": c.moderation.as_ref().map(|_| c.scored.map_or_else(|| dash.clone(), number)),
            })
        })
        .collect();
    let mean = panel.mean.map_or_else(|| dash.clone(), number);
    let rules = json!({
        "mean": panel.pass_mean.map(|at_least| json!({
            "text": t(if panel.mean_ok { "panel-mean-ok" } else { "panel-mean-short" },
                &[("mean", mean.clone()), ("at_least", number(at_least))]),
            "ok": panel.mean_ok,
        })),
        "each": panel.pass_each.map(|at_least| {
            let (criterion, lowest) = panel
                .lowest
                .as_ref()
                .map_or_else(|| (dash.clone(), dash.clone()), |(k, m)| (criterion_title(k), number(*m)));
            json!({
                "text": t(if panel.each_ok { "panel-each-ok" } else { "panel-each-short" },
                    &[("criterion", criterion), ("lowest", lowest), ("at_least", number(at_least as f64))]),
                "ok": panel.each_ok,
            })
        }),
        "spread": panel.moderate_above.map(|above| json!({
            "text": t(match (panel.spread_calls, panel.needs_moderation) {
                    (false, _) => "panel-spread-ok",
                    (true, true) => "panel-spread-wide",
                    (true, false) => "panel-spread-moderated",
                }, &[("above", number(above))]),
            "ok": !panel.needs_moderation,
        })),
        "quorum": {
            "text": i18n::text_counts(lang, "panel-quorum", &[
                ("count", panel.count as i64),
                ("quorum", i64::from(panel.quorum)),
                ("evaluators", i64::from(panel.evaluators)),
            ], &[]),
            "ok": panel.quorum_met,
        },
    });
    let decisions: Vec<Value> = panel
        .decisions
        .iter()
        .map(|d| {
            let title = stage
                .action(&d.action)
                .map_or_else(|| d.action.clone(), |a| a.title.get(code).to_owned());
            json!({
                "action": d.action,
                "title": title,
                "possible": d.why_not.is_none(),
                "why": d.why_not.as_ref().map(|w| why_words(lang, w, &criterion_title)),
            })
        })
        .collect();
    json!({
        "evaluators": names,
        "criteria": criteria,
        "mean": mean,
        "rules": rules,
        "verdict": t(if panel.passed { "panel-verdict-passes" } else { "panel-verdict-not-yet" }, &[]),
        "passed": panel.passed,
        "decisions": decisions,
    })
}

/// Why a decision cannot be taken now, in `lang`.
fn why_words(lang: Lang, why: &WhyNot, criterion: &dyn Fn(&str) -> String) -> String {
    let t = |key: &str, args: &[(&str, String)]| i18n::text(lang, key, args);
    match why {
        WhyNot::Scorecards { have, need } => i18n::text_counts(
            lang,
            "panel-why-scorecards",
            &[("need", *need as i64), ("have", *have as i64)],
            &[],
        ),
        WhyNot::NotPassed(shortfalls) => {
            let parts: Vec<String> = shortfalls
                .iter()
                .map(|s| match s {
                    Shortfall::Quorum { have, need } => i18n::text_counts(
                        lang,
                        "panel-short-quorum",
                        &[("need", i64::from(*need)), ("have", *have as i64)],
                        &[],
                    ),
                    Shortfall::Mean { mean, at_least } => t(
                        "panel-short-mean",
                        &[
                            ("mean", mean.map_or_else(|| "–".to_owned(), number)),
                            ("at_least", number(*at_least)),
                        ],
                    ),
                    Shortfall::Criterion {
                        criterion: key,
                        mean,
                        at_least,
                    } => t(
                        "panel-short-criterion",
                        &[
                            ("criterion", criterion(key)),
                            ("mean", number(*mean)),
                            ("at_least", number(*at_least as f64)),
                        ],
                    ),
                })
                .collect();
            t(
                "panel-why-not-passed",
                &[(
                    "reasons",
                    parts.join(if lang == Lang::Ar { "؛ " } else { "; " }),
                )],
            )
        }
        WhyNot::Passes => t("panel-why-passes", &[]),
        WhyNot::Agree => t("panel-why-agree", &[]),
        WhyNot::Disagree => t("panel-why-disagree", &[]),
        WhyNot::Figure {
            figure,
            value,
            op,
            bound,
        } => t(
            "panel-why-figure",
            &[
                ("figure", t(&format!("panel-figure-{figure}"), &[])),
                ("value", value.map_or_else(|| "–".to_owned(), number)),
                ("op", op_symbol(*op).to_owned()),
                ("bound", number(*bound)),
            ],
        ),
        WhyNot::Condition { text } => t("panel-why-condition", &[("condition", text.clone())]),
        WhyNot::Quorum { have, need } => i18n::text_counts(
            lang,
            "panel-why-quorum",
            &[("need", i64::from(*need)), ("have", *have as i64)],
            &[],
        ),
        WhyNot::Moderate { criteria } => t(
            "panel-why-moderate",
            &[(
                "criteria",
                criteria
                    .iter()
                    .map(|c| criterion(c))
                    .collect::<Vec<_>>()
                    .join(if lang == Lang::Ar { "، " } else { ", " }),
            )],
        ),
    }
}

fn op_symbol(op: Compare) -> &'static str {
    match op {
        Compare::Eq => "=",
        Compare::Ne => "≠",
        Compare::Lt => "<",
        Compare::Le => "≤",
        Compare::Gt => ">",
        Compare::Ge => "≥",
    }
}

/// The improvement on one line in `lang`, once both measurements are in:
/// "Waiting time 80 → 25 min (−69%)". What is measured is the indicator's
/// chosen title when the workflow names one, else the improvement's title.
pub fn improvement_line(
    lang: Lang,
    workflow: &Workflow,
    answers: &BTreeMap<String, Fields>,
    forms: &BTreeMap<String, Arc<Fields>>,
) -> Option<Value> {
    gradflow_engine::certificate::improvement(workflow, answers, forms)
        .map(|measured| improvement_words(lang, &measured))
}

/// An improvement as measured (a project's, or the one a certificate
/// keeps) on one line in `lang`, with whether it is for the better.
pub fn improvement_words(lang: Lang, m: &gradflow_engine::certificate::Improvement) -> Value {
    let code = lang.code();
    let what = m.what.get(code).to_owned();
    let unit = m
        .unit
        .as_ref()
        .map(|u| format!(" {}", u.get(code)))
        .unwrap_or_default();
    let args = |percent: Option<String>| {
        let mut args = vec![
            ("what", what.clone()),
            ("before", number(m.before)),
            ("after", number(m.after)),
            ("unit", unit.clone()),
        ];
        if let Some(p) = percent {
            args.push(("percent", p));
        }
        args
    };
    let line = match m.percent {
        Some(p) => {
            // A true minus sign, as people write a fall.
            let percent = match p {
                p if p < 0 => format!("−{}%", -p),
                p if p > 0 => format!("+{p}%"),
                _ => "0%".to_owned(),
            };
            i18n::text(lang, "improve-line", &args(Some(percent)))
        }
        None => i18n::text(lang, "improve-line-plain", &args(None)),
    };
    json!({
        "line": line,
        "better": m.improved.map(|better| i18n::text(lang, if better { "improve-better" } else { "improve-worse" }, &[])),
        "improved": m.improved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradflow_engine::definition;
    use serde_json::json;

    fn bundled(key: &str) -> Workflow {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../workflows")
            .join(key)
            .join("workflow.yaml");
        definition::load(&path).unwrap().workflow
    }

    fn fields(value: serde_json::Value) -> Fields {
        value.as_object().cloned().unwrap()
    }

    /// The service-improvement charter's indicator names the line; its
    /// measurement has no unit and no better way (the indicator decides it).
    #[test]
    fn the_indicator_chosen_names_the_improvement() {
        let workflow = bundled("service-improvement");
        let answers = BTreeMap::from([
            (
                "measure_before".to_owned(),
                fields(json!({ "value": 80.0 })),
            ),
            ("measure_after".to_owned(), fields(json!({ "value": 25.0 }))),
        ]);
        let forms = BTreeMap::from([(
            "charter".to_owned(),
            Arc::new(fields(json!({ "indicator": "waiting_time" }))),
        )]);
        let line = improvement_line(Lang::En, &workflow, &answers, &forms).unwrap();
        assert_eq!(
            line["line"]
                .as_str()
                .unwrap()
                .replace(['\u{2068}', '\u{2069}'], ""),
            "Waiting time 80 → 25 (−69%)"
        );
        assert_eq!(line["better"], serde_json::Value::Null);
        // In Arabic, the choice's Arabic title from the definition.
        let arabic = improvement_line(Lang::Ar, &workflow, &answers, &forms).unwrap();
        assert_eq!(
            arabic["line"]
                .as_str()
                .unwrap()
                .replace(['\u{2068}', '\u{2069}'], ""),
            "وقت الانتظار 80 ← 25 (−69%)"
        );
        let no_charter = improvement_line(Lang::Ar, &workflow, &answers, &BTreeMap::new()).unwrap();
        assert_eq!(
            no_charter["line"]
                .as_str()
                .unwrap()
                .replace(['\u{2068}', '\u{2069}'], ""),
            "المؤشر 80 ← 25 (−69%)"
        );
    }

    #[test]
    fn the_pass_rule_reads_in_both_languages() {
        let workflow = bundled("graduation-excellence");
        let rule = |lang| {
            pass_rule(lang, &workflow.rubrics["safe_impact"], 2)
                .replace(['\u{2068}', '\u{2069}'], "")
        };
        assert_eq!(
            rule(Lang::En),
            "Passes with a weighted mean of at least 3.5 and no criterion below 3, once 2 evaluators have scored."
        );
        assert_eq!(
            rule(Lang::Ar),
            "ينجح المشروع إذا بلغ المتوسط الموزون 3.5 على الأقل ولم يقل أي معيار عن 3، وذلك بعد أن يقيّمه مقيّمان."
        );
    }
}
