//! What was submitted on a project, as reviewers read it: the answers of
//! each form, each milestone with its latest status and answers (from the
//! log, so they stay readable after their stage), and the
//! scorecards the read policy lets the viewer read, all with the workflow's
//! words in the page's language. Files answered are linked to their download.

use gradflow_engine::decide::{Change, milestone_answers};
use gradflow_engine::definition::{Field, FieldKind, Workflow};
use gradflow_engine::service::{Evidence, StoredEvent, View, Viewer, readable_scorecards};
use serde_json::{Map, Value, json};

use crate::App;
use crate::i18n::{self, Lang};

/// The "Submitted" section's data: forms, milestones and scorecards.
pub async fn submitted(
    app: &App,
    lang: Lang,
    view: &View,
    viewer: &Viewer,
    evidence: &[Evidence],
    history: &[StoredEvent],
) -> Value {
    let workflow = &view.workflow;
    let state = &view.record.state;
    let code = lang.code();
    let forms: Vec<Value> = state
        .forms
        .iter()
        .filter_map(|(key, fields)| {
            let form = workflow.forms.get(key)?;
            Some(json!({
                "title": form.title.get(code),
                "answers": answers(lang, &form.fields, fields, evidence, view.record.id),
            }))
        })
        .collect();
    // Milestones from the log: a stage's milestones leave the state with
    // the stage, but reviewers further on still read them.
    let mut latest: Vec<Latest<'_>> = Vec::new();
    for event in history {
        let (key, status) = match &event.change {
            Change::MilestoneSubmitted { milestone, .. } => (milestone, Some("submitted")),
            Change::MilestoneAccepted { milestone, .. } => (milestone, Some("accepted")),
            Change::MilestoneReturned { milestone, .. } => (milestone, Some("returned")),
            Change::MilestoneLate { milestone } => (milestone, None),
            _ => continue,
        };
        let position = match latest.iter().position(|(k, ..)| k == key) {
            Some(i) => i,
            None => {
                latest.push((key.clone(), "pending", false, None));
                latest.len() - 1
            }
        };
        let entry = &mut latest[position];
        match (status, &event.change) {
            (None, _) => entry.2 = true,
            (Some(status), Change::MilestoneSubmitted { fields, .. }) => {
                entry.1 = status;
                entry.3 = Some(fields);
            }
            (Some(status), _) => entry.1 = status,
        }
    }
    let milestones: Vec<Value> = latest
        .iter()
        .filter_map(|(key, status, late, fields)| {
            let milestone = workflow.stages.iter().find_map(|s| s.milestone(key))?;
            let form = workflow.forms.get(&milestone.form)?;
            let answers = fields.map_or_else(Vec::new, |f| {
                answers(lang, &form.fields, f, evidence, view.record.id)
            });
            Some(json!({
                "title": milestone.title.get(code),
                "status": i18n::text(lang, &format!("milestone-{status}"), &[]),
                "late": late,
                "answers": answers,
            }))
        })
        .collect();
    let mut scorecards = Vec::new();
    for (person, card) in readable_scorecards(view, viewer) {
        let who = match app.engine.person_by_id(person).await {
            Ok(p) => p.name,
            Err(_) => format!("#{person}"),
        };
        let rubric = rubric_of(workflow);
        // In the rubric's order (criteria it no longer has last).
        let mut given: Vec<(&String, &i64)> = card.scores.iter().collect();
        given.sort_by_key(|(key, _)| {
            rubric
                .and_then(|r| r.criteria.iter().position(|c| &c.key == *key))
                .unwrap_or(usize::MAX)
        });
        let scores: Vec<Value> = given
            .into_iter()
            .map(|(key, score)| {
                let criterion = rubric.and_then(|r| r.criteria.iter().find(|c| &c.key == key));
                json!({
                    "criterion": criterion.map_or_else(|| key.clone(), |c| c.title.get(code).to_owned()),
                    "score": i18n::number(*score as f64),
                    "level": criterion.and_then(|c| c.levels.get(score)).map(|l| l.get(code)),
                })
            })
            .collect();
        scorecards.push(json!({ "who": who, "scores": scores, "comment": card.comment }));
    }
    let improvement = super::scoring::improvement_line(
        lang,
        workflow,
        &milestone_answers(history.iter().map(|e| &e.change)),
        &state.forms,
    );
    json!({
        "improvement": improvement,
        "forms": forms,
        "milestones": milestones,
        "scorecards": scorecards,
        "any": !(forms.is_empty() && milestones.is_empty() && scorecards.is_empty()),
    })
}

/// A milestone as the log leaves it: key, status, whether it was late, and
/// its latest answers.
type Latest<'h> = (String, &'static str, bool, Option<&'h Map<String, Value>>);

/// The rubric scored on the project: the one of its workflow's assessment.
fn rubric_of(workflow: &Workflow) -> Option<&gradflow_engine::definition::Rubric> {
    let assessment = workflow.stages.iter().find_map(|s| s.assessment.as_ref())?;
    workflow.rubrics.get(&assessment.rubric)
}

/// Each field of `fields` answered, in the form's order: label and value as
/// people read them (a choice's words, yes or no, a number with its unit, a
/// file's name with its link).
fn answers(
    lang: Lang,
    fields: &[Field],
    given: &Map<String, Value>,
    evidence: &[Evidence],
    project: i64,
) -> Vec<Value> {
    let code = lang.code();
    fields
        .iter()
        .filter_map(|field| {
            let value = given.get(&field.key)?;
            let text = match value {
                // A number as people write it: 80, not 80.0.
                Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), i18n::number),
                Value::String(s)
                    if matches!(field.kind, FieldKind::Number | FieldKind::Measurement) =>
                {
                    s.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|n| n.is_finite())
                        .map_or_else(|| s.clone(), i18n::number)
                }
                Value::String(s) => s.clone(),
                Value::Bool(b) => i18n::text(lang, if *b { "yes" } else { "no" }, &[]),
                Value::Null => return None,
                other => other.to_string(),
            };
            let (text, href) = match field.kind {
                FieldKind::Choice => (
                    field
                        .choice_title(&text, code)
                        .map_or_else(|| text.replace('_', " "), str::to_owned),
                    None,
                ),
                FieldKind::Measurement | FieldKind::Number => match &field.unit {
                    Some(unit) => (format!("{text} {}", unit.get(code)), None),
                    None => (text, None),
                },
                FieldKind::File => match evidence.iter().find(|e| e.sha256 == text) {
                    Some(file) => (
                        file.name.clone(),
                        Some(format!("/projects/{project}/evidence/{}", file.id)),
                    ),
                    None => (text, None),
                },
                // One date format on every page: "2 Nov 2026", not 2026-11-02.
                FieldKind::Date => match text.parse::<jiff::civil::Date>() {
                    Ok(date) => (i18n::day(lang, date), None),
                    Err(_) => (text, None),
                },
                _ => (text, None),
            };
            Some(json!({
                "label": field.label.get(code),
                "value": text,
                "href": href,
                "long": field.kind == FieldKind::LongText,
            }))
        })
        .collect()
}
