//! The forms of a project page, generated from the workflow definition: one
//! per action the viewer may take, its fields from the action's form (or
//! the milestone's, or the rubric's criteria for scoring), with what was
//! typed after a refusal, each problem next to the field the engine names,
//! and a summary at the top linking to them. Titles, labels, choices and
//! reasons are said in the page's language (reasons through `gradflow_words`).

use std::collections::BTreeMap;

use gradflow_engine::decide::{MODERATE_ACTION, Possible, RESCORE_ACTION, Rejection};
use gradflow_engine::definition::{Field, FieldKind, SCORE_ACTION, Stage, Workflow};
use gradflow_engine::service::Error as ServiceError;
use serde::Serialize;

use crate::i18n::{self, Lang};

/// A form field as the template draws it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    /// The HTML id (also the label's `for`).
    pub id: String,
    /// The posted name: `f.` and the field key.
    pub name: String,
    /// Label shown.
    pub label: String,
    /// `input`, `textarea` or `select`.
    pub control: &'static str,
    /// The input type, for `input`: text, number, date.
    pub input_type: &'static str,
    /// Must be given.
    pub required: bool,
    /// Bounds of a number, as text (empty when none).
    pub min: String,
    /// Upper bound of a number (empty when none).
    pub max: String,
    /// Longest text (0: none).
    pub max_length: u32,
    /// Unit of a measurement, shown after the field.
    pub unit: Option<String>,
    /// Options of a select: (value, label, selected).
    pub options: Vec<OptionView>,
    /// What was typed (kept after a refusal).
    pub value: String,
    /// The engine's complaint about this field.
    pub error: Option<String>,
}

/// One option of a select.
#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    /// Posted value.
    pub value: String,
    /// Shown text.
    pub label: String,
    /// Chosen now.
    pub selected: bool,
}

/// The problems of a refused form in `lang`'s words, one line each, for a
/// form drawn apart from [`action_form`] (the score form, whose cards show
/// the criteria themselves).
pub fn problems(lang: Lang, workflow: &Workflow, refused: &Refused) -> Vec<String> {
    let code = lang.code();
    match &refused.error {
        Why::Unconfirmed => vec![i18n::text(
            lang,
            "confirm-needed",
            &[("action", refused.action.clone())],
        )],
        Why::Refused(ServiceError::Rejected(Rejection::InvalidFields { problems, .. }, _)) => {
            problems
                .iter()
                .map(|p| gradflow_words::reason(code, &p.reason, Some(workflow)))
                .collect()
        }
        Why::Refused(other) => vec![gradflow_words::error(code, other)],
        // Said once, at the top of the page (`project::moved`).
        Why::Moved { .. } => Vec::new(),
    }
}

/// A form for one action.
#[derive(Debug, Clone, Serialize)]
pub struct ActionForm {
    /// Action key, posted as `action`.
    pub action: String,
    /// Its title, the button's text.
    pub title: String,
    /// The HTML id of the form.
    pub id: String,
    /// Its fields.
    pub fields: Vec<FieldView>,
    /// Whether a comment must be given.
    pub comment_required: bool,
    /// The comment typed (kept after a refusal).
    pub comment: String,
    /// The refusal, when it was this form's: every problem, each linking
    /// to its field when it has one (the summary at the top of the form).
    pub summary: Vec<SummaryLine>,
    /// Why it cannot be done yet, if so, in the page's language.
    pub blocked: Option<String>,
}

/// One line of a refused form's summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryLine {
    /// The HTML id of the field it is about, if any (the link's target).
    pub href: Option<String>,
    /// The problem, in the page's language.
    pub text: String,
}

/// What was posted with a refused form: the action, answers by field key,
/// the comment, and why the service refused it.
#[derive(Debug)]
pub struct Refused {
    /// The action.
    pub action: String,
    /// Answers by field key.
    pub answers: BTreeMap<String, String>,
    /// The comment.
    pub comment: String,
    /// Why it came back.
    pub error: Why,
}

/// Why a form came back to the person.
#[derive(Debug)]
pub enum Why {
    /// The engine refused it: form problems name their fields.
    Refused(ServiceError),
    /// An action that cannot be undone was sent without its box ticked.
    Unconfirmed,
    /// The project moved on after the form was drawn (a timer fired,
    /// someone else acted): the page says what changed since the log
    /// position `seen` the form was drawn at, above the form filled again.
    Moved {
        /// The last event the form's page showed (`None`: not posted).
        seen: Option<i64>,
    },
}

/// What a form needs besides the definition: the page's language, the
/// words for yes and no, and the project's evidence files (a file field
/// chooses one of them).
pub struct Choices<'a> {
    /// The page's language: titles and labels are shown in it.
    pub lang: Lang,
    /// The words for yes and no, in the page's language.
    pub yes_no: (&'a str, &'a str),
    /// Evidence files: (SHA-256 in hex, name).
    pub files: &'a [(String, String)],
}

/// The form of `possible` in `stage`, filled with `refused` when it was the one refused.
pub fn action_form(
    workflow: &Workflow,
    stage: &Stage,
    possible: &Possible,
    refused: Option<&Refused>,
    choices: &Choices<'_>,
) -> ActionForm {
    let refused = refused.filter(|r| r.action == possible.action);
    let fields = fields_of(workflow, stage, &possible.action);
    let id = format!("act-{}", possible.action.replace('.', "-"));
    let lang = choices.lang.code();
    let mut summary: Vec<SummaryLine> = Vec::new();
    let mut by_field: BTreeMap<String, String> = BTreeMap::new();
    if let Some(r) = refused {
        match &r.error {
            Why::Unconfirmed => summary.push(SummaryLine {
                href: None,
                text: i18n::text(
                    choices.lang,
                    "confirm-needed",
                    &[("action", action_title(stage, possible, choices.lang))],
                ),
            }),
            Why::Refused(ServiceError::Rejected(Rejection::InvalidFields { problems, .. }, _)) => {
                for problem in problems {
                    let text = gradflow_words::reason(lang, &problem.reason, Some(workflow));
                    let field = problem
                        .field
                        .as_ref()
                        .filter(|k| fields.iter().any(|f| f.key == **k));
                    if let Some(key) = field {
                        by_field
                            .entry(key.clone())
                            .and_modify(|e| {
                                e.push_str("; ");
                                e.push_str(&text);
                            })
                            .or_insert_with(|| text.clone());
                    }
                    summary.push(SummaryLine {
                        href: field.map(|k| format!("{id}-{k}")),
                        text,
                    });
                }
            }
            Why::Refused(other) => summary.push(SummaryLine {
                href: None,
                text: gradflow_words::error(lang, other),
            }),
            // Said at the top of the page, which links here.
            Why::Moved { .. } => {}
        }
    }
    let views = fields
        .iter()
        .map(|f| {
            let value = refused
                .and_then(|r| r.answers.get(&f.key))
                .cloned()
                .unwrap_or_default();
            field_view(&id, f, value, by_field.get(&f.key).cloned(), choices)
        })
        .collect();
    let comment_required = stage
        .action(&possible.action)
        .is_some_and(|a| a.comment_required)
        || possible.action.ends_with(".return");
    ActionForm {
        action: possible.action.clone(),
        title: action_title(stage, possible, choices.lang),
        id,
        fields: views,
        comment_required,
        comment: refused.map(|r| r.comment.clone()).unwrap_or_default(),
        summary,
        blocked: possible
            .blocked
            .as_ref()
            .map(|b| gradflow_words::reason(lang, b, Some(workflow))),
    }
}

/// The title of `possible` in `lang`: a stage action's title as the
/// workflow words it; a milestone's step (submit, accept, return) or
/// scoring in the catalogue's words around the milestone's title.
pub fn action_title(stage: &Stage, possible: &Possible, lang: Lang) -> String {
    title_in(stage, &possible.action, lang).unwrap_or_else(|| possible.title.clone())
}

/// The title of `action` as [`action_title`] says it, if `stage` has it.
pub fn title_in(stage: &Stage, action: &str, lang: Lang) -> Option<String> {
    if action == SCORE_ACTION && stage.assessment.is_some() {
        return Some(i18n::text(lang, "action-score", &[]));
    }
    // The chair's moderation deeds (on the decision panel).
    if action == MODERATE_ACTION && stage.assessment.is_some() {
        return Some(i18n::text(lang, "moderate-heading", &[]));
    }
    if action == RESCORE_ACTION && stage.assessment.is_some() {
        return Some(i18n::text(lang, "rescore-heading", &[]));
    }
    if let Some((key, verb)) = action.split_once('.')
        && let Some(milestone) = stage.milestone(key)
        && ["submit", "accept", "return"].contains(&verb)
    {
        let title = milestone.title.get(lang.code()).to_owned();
        return Some(i18n::text(
            lang,
            &format!("action-milestone-{verb}"),
            &[("milestone", title)],
        ));
    }
    stage
        .action(action)
        .map(|a| a.title.get(lang.code()).to_owned())
}

/// The stage `action` belongs to: `current` when it has it, else the first
/// stage of `workflow` that does (a form drawn before the project moved).
pub fn stage_of<'w>(
    workflow: &'w Workflow,
    current: Option<&'w Stage>,
    action: &str,
) -> Option<&'w Stage> {
    let lang = Lang::En;
    current
        .filter(|s| title_in(s, action, lang).is_some())
        .or_else(|| {
            workflow
                .stages
                .iter()
                .find(|s| title_in(s, action, lang).is_some())
        })
}

/// What was typed in a form that can no longer be sent, as (label, text)
/// in `lang`: each answer under its field's label (a choice by its title,
/// a file by its name), then the comment; empty answers left out.
pub fn kept(
    workflow: &Workflow,
    stage: &Stage,
    refused: &Refused,
    choices: &Choices<'_>,
) -> Vec<(String, String)> {
    let code = choices.lang.code();
    let fields = fields_of(workflow, stage, &refused.action);
    let mut kept: Vec<(String, String)> = Vec::new();
    for field in &fields {
        let Some(value) = refused.answers.get(&field.key).filter(|v| !v.is_empty()) else {
            continue;
        };
        let shown = match field.kind {
            FieldKind::Choice => field
                .choices
                .iter()
                .find(|c| &c.key == value)
                .map(|c| c.title.get(code).to_owned()),
            FieldKind::YesNo => match value.as_str() {
                "yes" => Some(choices.yes_no.0.to_owned()),
                "no" => Some(choices.yes_no.1.to_owned()),
                _ => None,
            },
            FieldKind::File => choices
                .files
                .iter()
                .find(|(sha, _)| value.strip_prefix("sha256:") == Some(sha.as_str()))
                .map(|(_, name)| name.clone()),
            _ => None,
        };
        kept.push((
            field.label.get(code).to_owned(),
            shown.unwrap_or_else(|| value.clone()),
        ));
    }
    // Answers the form no longer names (nothing typed is dropped).
    for (key, value) in &refused.answers {
        if !value.is_empty() && !fields.iter().any(|f| &f.key == key) {
            kept.push((key.clone(), value.clone()));
        }
    }
    if !refused.comment.is_empty() {
        kept.push((
            i18n::text(choices.lang, "project-comment", &[]),
            refused.comment.clone(),
        ));
    }
    kept
}

/// The fields an action asks for: its form's, its milestone's, or the
/// rubric's criteria (scored on the rubric's scale).
pub fn fields_of(workflow: &Workflow, stage: &Stage, action: &str) -> Vec<Field> {
    let form = |key: &str| {
        workflow
            .forms
            .get(key)
            .map(|f| f.fields.clone())
            .unwrap_or_default()
    };
    if action == SCORE_ACTION {
        let Some(rubric) = stage
            .assessment
            .as_ref()
            .and_then(|a| workflow.rubrics.get(&a.rubric))
        else {
            return Vec::new();
        };
        return rubric
            .criteria
            .iter()
            .map(|c| Field {
                key: c.key.clone(),
                label: c.title.clone(),
                kind: FieldKind::Number,
                required: true,
                min: Some(rubric.scale_min as f64),
                max: Some(rubric.scale_max as f64),
                max_length: None,
                choices: Vec::new(),
                unit: None,
            })
            .collect();
    }
    if let Some((milestone, verb)) = action.split_once('.') {
        return match (stage.milestone(milestone), verb) {
            (Some(m), "submit") => form(&m.form),
            _ => Vec::new(),
        };
    }
    stage
        .action(action)
        .and_then(|a| a.form.as_deref())
        .map(form)
        .unwrap_or_default()
}

fn field_view(
    form: &str,
    field: &Field,
    value: String,
    error: Option<String>,
    choices: &Choices<'_>,
) -> FieldView {
    let (yes, no) = choices.yes_no;
    let lang = choices.lang.code();
    let (control, input_type) = match field.kind {
        FieldKind::LongText => ("textarea", "text"),
        FieldKind::Choice | FieldKind::YesNo | FieldKind::File => ("select", "text"),
        FieldKind::Number | FieldKind::Measurement => ("input", "number"),
        FieldKind::Date => ("input", "date"),
        FieldKind::Text => ("input", "text"),
    };
    let choices: Vec<(String, String)> = match field.kind {
        FieldKind::Choice => field
            .choices
            .iter()
            .map(|c| (c.key.clone(), c.title.get(lang).to_owned()))
            .collect(),
        FieldKind::YesNo => vec![("yes".into(), yes.into()), ("no".into(), no.into())],
        // A file field names one of the project's evidence files by its hash.
        FieldKind::File => choices
            .files
            .iter()
            .map(|(sha, name)| (format!("sha256:{sha}"), name.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    FieldView {
        id: format!("{form}-{}", field.key),
        name: format!("f.{}", field.key),
        label: field.label.get(lang).to_owned(),
        control,
        input_type,
        required: field.required,
        min: number(field.min),
        max: number(field.max),
        max_length: field.max_length.unwrap_or(0),
        unit: field.unit.as_ref().map(|u| u.get(lang).to_owned()),
        options: choices
            .into_iter()
            .map(|(v, label)| OptionView {
                selected: v == value,
                value: v,
                label,
            })
            .collect(),
        value,
        error,
    }
}
