//! Words at the edge: the engine explains itself as data (a
//! [`Reason`]: a code with arguments); this crate says it in a language,
//! from the Fluent catalogues in `words/locales/{en,ar}/reasons.ftl`.
//!
//! Each code `c` is the message `reason-c`. The workflow's things inside a
//! reason (stages, actions, roles, milestones, forms, fields, choices) come
//! as keys and are said in the definition's own words in that language
//! ([`Label::get`]); without the workflow, as their keys. The web renders
//! reasons in the page's language; the CLI in English.
//!
//! # Layout
//! - `lib.rs`: [`reason`], [`error`], [`text`] (one argument), the catalogue loader.
//! - `tests.rs`: every code has words in every language, and only its own arguments.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use gradflow_engine::definition::Workflow;
use gradflow_engine::reason::{Arg, Reason};
use gradflow_engine::service::Error;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Plain text: the CLI prints it, and pages escape and place it.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The catalogue files, as text, for the completeness check.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/reasons.ftl")),
    ("ar", include_str!("../locales/ar/reasons.ftl")),
];

fn id(lang: &str) -> LanguageIdentifier {
    match lang {
        "ar" => langid!("ar"),
        _ => langid!("en"),
    }
}

/// Message `key` in `lang` with `args`, if the catalogue (or English) has it.
fn lookup(lang: &str, key: &str, args: &HashMap<Cow<'static, str>, FluentValue>) -> Option<String> {
    LOCALES.try_lookup_complete(&id(lang), key, (!args.is_empty()).then_some(args))
}

/// A message without arguments; its key when missing.
fn word(lang: &str, key: &str) -> String {
    lookup(lang, key, &HashMap::new()).unwrap_or_else(|| key.to_owned())
}

/// `reason` in `lang` (`en`, `ar`), naming the workflow's things in
/// `workflow`'s words in that language.
pub fn reason(lang: &str, reason: &Reason, workflow: Option<&Workflow>) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> = reason
        .args
        .0
        .iter()
        .map(|(name, arg)| (Cow::Borrowed(*name), value(lang, arg, workflow)))
        .collect();
    lookup(lang, &format!("reason-{}", reason.code), &args).unwrap_or_else(|| reason.to_string())
}

/// Why a service call failed, in `lang`: its reason, in the words of the
/// workflow it was decided against.
pub fn error(lang: &str, error: &Error) -> String {
    reason(lang, &error.reason(), error.workflow())
}

/// One argument as Fluent sees it: numbers stay numbers (they choose the
/// plural form), words stay as they are (messages choose by them), the
/// workflow's things become their titles.
fn value(lang: &str, arg: &Arg, workflow: Option<&Workflow>) -> FluentValue<'static> {
    match arg {
        Arg::Number(n) => FluentValue::from(n.as_f64().unwrap_or(0.0)),
        Arg::Word(w) => FluentValue::from(*w),
        other => FluentValue::from(text(lang, other, workflow)),
    }
}

/// An argument as text in `lang`.
pub fn text(lang: &str, arg: &Arg, workflow: Option<&Workflow>) -> String {
    match arg {
        Arg::Text(t) => t.clone(),
        Arg::Number(n) => n.to_string(),
        Arg::Word(w) => (*w).to_owned(),
        Arg::Term(t) => word(lang, &format!("reason-term-{t}")),
        Arg::Stage(key) => workflow
            .and_then(|w| w.stage(key))
            .map_or_else(|| key.clone(), |s| s.title.get(lang).to_owned()),
        Arg::Action(key) => action(lang, key, workflow),
        Arg::Role(key) => role(lang, key),
        Arg::Milestone(key) => milestone(lang, key, workflow),
        Arg::Form(key) => workflow
            .and_then(|w| {
                w.forms
                    .get(key)
                    .map(|f| &f.title)
                    .or_else(|| w.rubrics.get(key).map(|r| &r.title))
            })
            .map_or_else(|| key.clone(), |t| t.get(lang).to_owned()),
        Arg::Field { form, field } => workflow
            .and_then(|w| {
                w.forms
                    .get(form)
                    .and_then(|f| f.field(field))
                    .map(|f| &f.label)
                    .or_else(|| {
                        w.rubrics
                            .get(form)
                            .and_then(|r| r.criteria.iter().find(|c| c.key == *field))
                            .map(|c| &c.title)
                    })
            })
            .map_or_else(|| field.clone(), |t| t.get(lang).to_owned()),
        Arg::Choice {
            form,
            field,
            choice,
        } => workflow
            .and_then(|w| w.forms.get(form))
            .and_then(|f| f.field(field))
            .and_then(|f| f.choice_title(choice, lang))
            .map_or_else(|| choice.replace('_', " "), str::to_owned),
        Arg::AnyOf(items) => join(lang, "reason-join-or", items, workflow),
        Arg::AllOf(items) => join(lang, "reason-join-and", items, workflow),
        Arg::List(items) => items
            .iter()
            .map(|i| text(lang, i, workflow))
            .collect::<Vec<_>>()
            .join(&word(lang, "reason-comma")),
        Arg::Reasons(reasons) => reasons
            .iter()
            .map(|r| self::reason(lang, r, workflow))
            .collect::<Vec<_>>()
            .join(&word(lang, "reason-semicolon")),
        Arg::Reason(r) => self::reason(lang, r, workflow),
        Arg::Checklist(key) => workflow
            .and_then(|w| w.checklist.iter().find(|i| i.key == *key))
            .map_or_else(|| key.replace('_', " "), |i| i.title.get(lang).to_owned()),
    }
}

/// Items said as a list: `a`, `a or b`, `a, b and c`; `nobody` when empty.
fn join(lang: &str, how: &str, items: &[Arg], workflow: Option<&Workflow>) -> String {
    let words: Vec<String> = items.iter().map(|i| text(lang, i, workflow)).collect();
    match words.as_slice() {
        [] => word(lang, "reason-nobody"),
        [one] => one.clone(),
        [init @ .., last] => {
            let init = init.join(&word(lang, "reason-comma"));
            let args = HashMap::from([
                (Cow::Borrowed("init"), FluentValue::from(init)),
                (Cow::Borrowed("last"), FluentValue::from(last.clone())),
            ]);
            lookup(lang, how, &args).unwrap_or_else(|| words.join(", "))
        }
    }
}

/// A role inside a sentence: the catalogue's `reason-role-KEY` ("the
/// supervisor"), else its key with spaces (`quality_office`: "the quality office").
pub fn role(lang: &str, key: &str) -> String {
    let args = HashMap::from([(
        Cow::Borrowed("role"),
        FluentValue::from(key.replace('_', " ")),
    )]);
    lookup(lang, &format!("reason-role-{key}"), &HashMap::new())
        .or_else(|| lookup(lang, "reason-role", &args))
        .unwrap_or_else(|| key.to_owned())
}

/// An action inside a sentence: a stage action's title (its first letter
/// small, as in "endorse the proposal"), a milestone's step with the
/// milestone's title, or one of the engine's own deeds.
fn action(lang: &str, key: &str, workflow: Option<&Workflow>) -> String {
    if let Some((m, step)) = key.split_once('.') {
        let args = HashMap::from([
            (Cow::Borrowed("step"), FluentValue::from(step.to_owned())),
            (
                Cow::Borrowed("milestone"),
                FluentValue::from(milestone(lang, m, workflow)),
            ),
        ]);
        return lookup(lang, "reason-deed-milestone", &args).unwrap_or_else(|| key.to_owned());
    }
    let title = workflow.and_then(|w| {
        w.stages
            .iter()
            .find_map(|s| s.action(key))
            .map(|a| a.title.get(lang).to_owned())
    });
    match title {
        Some(title) => {
            let mut chars = title.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => title,
            }
        }
        None => lookup(lang, &format!("reason-deed-{key}"), &HashMap::new())
            .unwrap_or_else(|| key.to_owned()),
    }
}

fn milestone(lang: &str, key: &str, workflow: Option<&Workflow>) -> String {
    workflow
        .and_then(|w| w.stages.iter().find_map(|s| s.milestone(key)))
        .map_or_else(|| key.to_owned(), |m| m.title.get(lang).to_owned())
}

#[cfg(test)]
mod tests;
