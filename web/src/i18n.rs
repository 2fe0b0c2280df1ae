//! Arabic and English: every string of the pages comes from the Fluent
//! catalogues in `web/locales/{en,ar}/*.ftl`, compiled into the binary.
//!
//! Templates call `{{t "key" name=value}}`. It is our own small helper over
//! the loader, not fluent-templates' bundled one, because that one writes
//! its text (arguments included) without HTML escaping; ours escapes.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;

// The catalogues, loaded at compile time.
fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
    };
}

/// A language pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, left to right.
    En,
    /// Arabic, right to left.
    Ar,
}

impl Lang {
    /// Every language, in the order offered on the profile page.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ar];

    /// The code used in `<html lang>`, cookies and the profile: `en`, `ar`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ar => "ar",
        }
    }

    /// The text direction: `ltr` or `rtl`.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::En => "ltr",
            Lang::Ar => "rtl",
        }
    }

    /// The language with this code, if pages are written in it.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The browser's preferred language among ours, from an `Accept-Language`
    /// header (`ar-OM,ar;q=0.9,en;q=0.8`); English when it names neither.
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept_language.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let primary = tag
                .split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_code(&primary)
                && q > 0.0
                && best.is_none_or(|(b, _)| q > b)
            {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    fn id(self) -> LanguageIdentifier {
        match self {
            Lang::En => langid!("en"),
            Lang::Ar => langid!("ar"),
        }
    }
}

/// The text of message `key` in `lang`, with `args` (unescaped: the page
/// template escapes it). A key missing from the catalogue shows as itself,
/// which the catalogue test prevents.
pub fn text(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
        .collect();
    lookup(lang, key, &args)
}

/// The text of `key` with Fluent values as arguments (numbers choose plurals).
fn lookup(lang: Lang, key: &str, args: &HashMap<Cow<'static, str>, FluentValue>) -> String {
    LOCALES
        .try_lookup_complete(&lang.id(), key, (!args.is_empty()).then_some(args))
        .unwrap_or_else(|| key.to_owned())
}

/// The text of message `key` in `lang` with `numbers` given as numbers,
/// so that the catalogue chooses plural forms by them ("1 evaluator", "2
/// evaluators"; Arabic's dual), besides the text `args`.
pub fn text_counts(
    lang: Lang,
    key: &str,
    numbers: &[(&str, i64)],
    args: &[(&str, String)],
) -> String {
    let mut fluent: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
        .collect();
    for (k, n) in numbers {
        fluent.insert(Cow::Owned((*k).to_owned()), FluentValue::from(*n));
    }
    lookup(lang, key, &fluent)
}

/// A number as people write it on a page: `80`, not `80.0`; `3.25` stays;
/// at most two decimals (`3.3333` is `3.33`); Western digits in both
/// languages (decided for every page, so figures read the same in English
/// and Arabic). Used for answers, scores, means and the improvement line.
pub fn number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    let text = format!("{:.2}", (n * 100.0).round() / 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_owned(),
        t => t.to_owned(),
    }
}

/// Whether the catalogue of `lang` itself defines `key` (not by falling back
/// to English): read off the catalogue files' text.
pub fn defines(lang: Lang, key: &str) -> bool {
    CATALOGUES
        .iter()
        .filter(|(code, _)| *code == lang.code())
        .any(|(_, text)| {
            text.lines().any(|l| {
                l.split_once('=')
                    .is_some_and(|(k, _)| k.trim() == key && !l.starts_with(' '))
            })
        })
}

/// The catalogue files, as text, for the completeness check.
pub const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/pages.ftl")),
    ("ar", include_str!("../locales/ar/pages.ftl")),
    ("en", include_str!("../locales/en/intake.ftl")),
    ("ar", include_str!("../locales/ar/intake.ftl")),
    ("en", include_str!("../locales/en/calendar.ftl")),
    ("ar", include_str!("../locales/ar/calendar.ftl")),
];

/// A role's name in `lang`: the catalogue's `role-KEY` when it has one (the
/// roles of the bundled programs), else the workflow's key with `_` as a
/// space.
pub fn role(lang: Lang, key: &str) -> String {
    LOCALES
        .try_lookup_complete(&lang.id(), &format!("role-{key}"), None)
        .unwrap_or_else(|| key.replace('_', " "))
}

/// Roles' names in `lang`, joined with commas.
pub fn roles(lang: Lang, keys: &[String]) -> String {
    keys.iter()
        .map(|k| role(lang, k))
        .collect::<Vec<_>>()
        .join(if lang == Lang::Ar { "، " } else { ", " })
}

/// The months' names in each language (`month-1` ... `month-12`), looked up
/// once: a board page shows dozens of dates.
static MONTHS: std::sync::LazyLock<Vec<Vec<String>>> = std::sync::LazyLock::new(|| {
    Lang::ALL
        .iter()
        .map(|&lang| {
            (1..=12)
                .map(|m| text(lang, &format!("month-{m}"), &[]))
                .collect()
        })
        .collect()
});

/// An instant as people read it in `lang`, in time zone `tz`: e.g.
/// `15 Feb 2026, 23:59` or `15 فبراير 2026، 23:59`.
pub fn when(lang: Lang, at: Timestamp, tz: &TimeZone) -> String {
    let local = at.to_zoned_datetime(tz.clone());
    let month = &MONTHS[lang as usize][usize::try_from(local.month() - 1).unwrap_or(0)];
    let comma = if lang == Lang::Ar { "،" } else { "," };
    format!(
        "{} {month} {}{comma} {:02}:{:02}",
        local.day(),
        local.year(),
        local.hour(),
        local.minute()
    )
}

/// Message `key` in `lang` for a count of `n` (the value `count`), so the
/// catalogue picks the plural form (Arabic has six).
pub fn count(lang: Lang, key: &str, n: i64) -> String {
    counted(lang, key, ("count", n), &[])
}

/// A calendar date the way pages write times ("7 Dec 2026", "7 ديسمبر 2026"),
/// for answers such as a visit's date: one date format on every page.
pub fn day(lang: Lang, date: jiff::civil::Date) -> String {
    let month = &MONTHS[lang as usize][usize::try_from(date.month() - 1).unwrap_or(0)];
    format!("{} {month} {}", date.day(), date.year())
}

/// The text of message `key` in `lang` with one number, `count`, as a
/// Fluent number (so that it chooses the plural form) besides `args`.
pub fn counted(lang: Lang, key: &str, count: (&str, i64), args: &[(&str, String)]) -> String {
    let mut values: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned((*k).to_owned()), FluentValue::from(v.clone())))
        .collect();
    values.insert(Cow::Owned(count.0.to_owned()), FluentValue::from(count.1));
    lookup(lang, key, &values)
}

/// The `{{t "key" arg=value}}` helper: the message in the page's language
/// (the context's `lang`), HTML-escaped.
pub struct Translate;

impl HelperDef for Translate {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang = ctx
            .data()
            .get("lang")
            .and_then(|l| l.as_str())
            .and_then(Lang::from_code)
            .unwrap_or(Lang::En);
        // Numbers stay numbers, so that Fluent chooses the plural form.
        let args: HashMap<Cow<'static, str>, FluentValue> = h
            .hash()
            .iter()
            .map(|(k, v)| {
                let value = match v.value() {
                    serde_json::Value::String(s) => FluentValue::from(s.clone()),
                    serde_json::Value::Number(n) => FluentValue::from(n.as_f64().unwrap_or(0.0)),
                    other => FluentValue::from(other.to_string()),
                };
                (Cow::Owned((*k).to_owned()), value)
            })
            .collect();
        out.write(&handlebars::html_escape(&lookup(lang, key, &args)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_speak_the_languages_definitions_and_people_may_choose() {
        let codes: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
        assert_eq!(codes, gradflow_engine::definition::LANGUAGES);
        assert_eq!(
            Lang::ALL[0].code(),
            gradflow_engine::definition::DEFAULT_LANGUAGE
        );
    }

    #[test]
    fn accept_language_picks_the_preferred_of_ours() {
        assert_eq!(Lang::negotiate("ar-OM,ar;q=0.9,en;q=0.8"), Lang::Ar);
        assert_eq!(Lang::negotiate("fr-FR,en;q=0.5,ar;q=0.4"), Lang::En);
        assert_eq!(Lang::negotiate("fr,de"), Lang::En);
        assert_eq!(Lang::negotiate("en;q=0.2,ar;q=0.7"), Lang::Ar);
        assert_eq!(Lang::negotiate(""), Lang::En);
    }

    #[test]
    fn numbers_choose_the_plural_form_in_each_language() {
        let board = |lang: Lang, n: u64| {
            let mut registry = Handlebars::new();
            registry.register_helper("t", Box::new(Translate));
            registry
                .render_template(
                    r#"{{t "board-summary" count=n}}"#,
                    &serde_json::json!({ "lang": lang.code(), "n": n }),
                )
                .unwrap()
        };
        assert!(
            board(Lang::En, 1).contains("One project"),
            "{}",
            board(Lang::En, 1)
        );
        assert!(board(Lang::En, 7).contains("projects"));
        assert!(
            board(Lang::Ar, 2).contains("مشروعان"),
            "{}",
            board(Lang::Ar, 2)
        );
        assert!(board(Lang::Ar, 5).contains("مشاريع"));
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(number(80.0), "80");
        assert_eq!(number(7.0), "7");
        assert_eq!(number(3.25), "3.25");
        assert_eq!(number(3.5), "3.5");
        assert_eq!(number(10.0 / 3.0), "3.33");
        assert_eq!(number(2.0 / 3.0), "0.67");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(-12.5), "-12.5");
        assert_eq!(number(1200.0), "1200");
    }

    #[test]
    fn dates_read_in_each_language() {
        let at: Timestamp = "2026-02-15T19:59:59Z".parse().unwrap();
        let tz = TimeZone::get("Asia/Muscat").unwrap();
        assert_eq!(when(Lang::En, at, &tz), "15 Feb 2026, 23:59");
        assert_eq!(when(Lang::Ar, at, &tz), "15 فبراير 2026، 23:59");
    }
}
