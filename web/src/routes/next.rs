//! What comes next, in words: the "Next:" lines (the action, the people by
//! name, the due date with its weekday and its rule), who holds which role, a
//! finished project's ending, and the cohort's time zone named for people.
//! The core decides ([`gradflow_engine::decide::next`]: whose turn, overdue,
//! waiting for whom); the project page, the home page and the board only say
//! it, through these helpers, so they say it alike.

use std::collections::HashMap;

use gradflow_engine::calendar::Weekend;
use gradflow_engine::decide::{Next, PersonId, Step};
use gradflow_engine::service::View;
use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::forms::action_title;
use crate::i18n::{self, Lang};

/// Message keys these helpers look up in code, for the catalogue test.
#[cfg(test)]
pub const KEYS: &[&str] = &[
    "next-line",
    "next-line-due",
    "next-rule",
    "next-done",
    "next-nobody",
    "next-finished",
    "next-zone",
    "next-when",
    "next-and",
    "next-days",
    "next-city-muscat",
    "next-city-dubai",
    "next-city-riyadh",
    "next-city-doha",
    "next-city-bahrain",
    "next-city-kuwait",
    "next-weekday-1",
    "next-weekday-2",
    "next-weekday-3",
    "next-weekday-4",
    "next-weekday-5",
    "next-weekday-6",
    "next-weekday-7",
];

/// The Gulf's time zones, by the city people name them after.
const CITIES: &[(&str, &str)] = &[
    ("Asia/Muscat", "muscat"),
    ("Asia/Dubai", "dubai"),
    ("Asia/Riyadh", "riyadh"),
    ("Asia/Qatar", "doha"),
    ("Asia/Bahrain", "bahrain"),
    ("Asia/Kuwait", "kuwait"),
];

/// A time zone as people name it: "Muscat time" / "بتوقيت مسقط" for the
/// Gulf's zones; elsewhere the city part of the IANA name ("Europe/London":
/// "London time").
pub fn zone_name(lang: Lang, iana: &str) -> String {
    let city = match CITIES.iter().find(|(zone, _)| *zone == iana) {
        Some((_, key)) => i18n::text(lang, &format!("next-city-{key}"), &[]),
        None => iana.rsplit('/').next().unwrap_or(iana).replace('_', " "),
    };
    i18n::text(lang, "next-zone", &[("city", city)])
}

/// A weekday's name in `lang`.
fn weekday(lang: Lang, day: Weekday) -> String {
    i18n::text(
        lang,
        &format!("next-weekday-{}", day.to_monday_one_offset()),
        &[],
    )
}

/// An instant with its weekday, in zone `tz`: "Sunday 14 Dec 2026, 17:00".
/// Without Fluent's isolation marks: it is an argument of another message,
/// whose one isolate around it must see its first letter (the weekday's) to
/// lay it out in the page's direction; isolates nested inside would hide it,
/// and an Arabic date would read weekday last.
pub fn when_day(lang: Lang, at: Timestamp, tz: &TimeZone) -> String {
    let day = at.to_zoned_datetime(tz.clone()).weekday();
    i18n::text(
        lang,
        "next-when",
        &[
            ("day", weekday(lang, day)),
            ("when", i18n::when(lang, at, tz)),
        ],
    )
    .replace(['\u{2068}', '\u{2069}'], "")
}

/// A list as a sentence: "A", "A and B", "A, B and C".
fn and_list(lang: Lang, items: Vec<String>) -> String {
    let comma = if lang == Lang::Ar { "، " } else { ", " };
    match items.len() {
        0 => String::new(),
        1 => items.into_iter().next().unwrap_or_default(),
        n => {
            let first = items[..n - 1].join(comma);
            let last = items[n - 1].clone();
            i18n::text(lang, "next-and", &[("first", first), ("last", last)])
        }
    }
}

/// People by name, as a sentence.
fn people(lang: Lang, ids: &[PersonId], names: &HashMap<PersonId, String>) -> String {
    and_list(
        lang,
        ids.iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
            .collect(),
    )
}

/// A step's due rule in words: "5 working days; Friday and Saturday off".
fn rule(lang: Lang, days: u32, weekend: Weekend) -> String {
    let off = and_list(lang, weekend.days().map(|d| weekday(lang, d)).collect());
    i18n::counted(
        lang,
        "next-rule",
        ("days", i64::from(days)),
        &[("weekend", off)],
    )
}

/// Whom a step waits for, by name: the people awaited; when nobody holds
/// its roles yet, that.
fn who(lang: Lang, step: &Step, names: &HashMap<PersonId, String>) -> String {
    if step.awaited.is_empty() {
        i18n::text(
            lang,
            "next-nobody",
            &[("roles", i18n::roles(lang, &step.roles))],
        )
    } else {
        people(lang, &step.awaited, names)
    }
}

/// The words of a project's next steps, for a page in `lang`.
pub struct Words<'a> {
    /// The page's language.
    pub lang: Lang,
    /// The cohort's zone.
    pub tz: &'a TimeZone,
    /// The cohort's rest days, named beside a due date in working days.
    pub weekend: Weekend,
    /// Everyone's name, by id ([`gradflow_engine::service::Engine::names_on`]).
    pub names: &'a HashMap<PersonId, String>,
}

impl Words<'_> {
    /// The title of `step`'s action in the page's language.
    fn title(&self, view: &View, step: &Step) -> String {
        let stage = view.workflow.stage(&view.record.state.stage);
        match (
            stage,
            view.possible.iter().find(|p| p.action == step.action),
        ) {
            (Some(stage), Some(possible)) => action_title(stage, possible, self.lang),
            _ => step.action.clone(),
        }
    }

    /// One line per step: `{ text, overdue }`, e.g. "Next: Endorse the
    /// proposal — Khalid Al-Said, by Sunday 14 Dec 2026, 17:00 (5 working
    /// days; Friday and Saturday off)".
    pub fn lines(&self, view: &View, next: &Next) -> Vec<Value> {
        let lang = self.lang;
        next.steps
            .iter()
            .map(|step| {
                let action = self.title(view, step);
                let who = who(lang, step, self.names);
                let mut text = match step.due {
                    Some(due) => i18n::text(
                        lang,
                        "next-line-due",
                        &[
                            ("action", action),
                            ("who", who),
                            ("when", when_day(lang, due, self.tz)),
                        ],
                    ),
                    None => i18n::text(lang, "next-line", &[("action", action), ("who", who)]),
                };
                if let Some(days) = step.working_days.filter(|_| step.due.is_some()) {
                    text.push(' ');
                    text.push_str(&rule(lang, days, self.weekend));
                }
                if !step.done.is_empty() {
                    text.push_str(if lang == Lang::Ar { "؛ " } else { "; " });
                    text.push_str(&i18n::text(
                        lang,
                        "next-done",
                        &[("people", people(lang, &step.done, self.names))],
                    ));
                }
                json!({ "text": text, "overdue": step.overdue })
            })
            .collect()
    }

    /// Whom the project waits for, by name, as one sentence (a board card).
    pub fn waits_for(&self, next: &Next) -> String {
        let mut ids: Vec<PersonId> = Vec::new();
        let mut nobody: Vec<String> = Vec::new();
        for step in &next.steps {
            if step.awaited.is_empty() {
                nobody.push(who(self.lang, step, self.names));
            }
            for id in &step.awaited {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
        }
        let mut all: Vec<String> = ids
            .iter()
            .map(|id| {
                self.names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("#{id}"))
            })
            .collect();
        all.extend(nobody);
        and_list(self.lang, all)
    }

    /// Who holds which role: `[{ role, names }]`, in the workflow's order.
    /// With `direct`, only the roles given on the project itself (not the
    /// cohort's coordinators): a board card's trainee and supervisor.
    pub fn holders(&self, view: &View, next: &Next, direct: bool) -> Vec<Value> {
        next.holders
            .iter()
            .filter_map(|(role, ids)| {
                let ids: Vec<PersonId> = ids
                    .iter()
                    .copied()
                    .filter(|id| {
                        !direct
                            || view
                                .record
                                .state
                                .members
                                .iter()
                                .any(|m| m.person == *id && &m.role == role)
                    })
                    .collect();
                (!ids.is_empty()).then(|| {
                    json!({
                        "role": i18n::role(self.lang, role),
                        "names": people(self.lang, &ids, self.names),
                    })
                })
            })
            .collect()
    }

    /// A finished project's ending: "Finished: Certified, on 14 Dec 2026, 10:00".
    pub fn finished(&self, view: &View, next: &Next) -> Option<String> {
        let at = next.finished?;
        let stage = view.workflow.stage(&view.record.state.stage).map_or_else(
            || view.record.state.stage.clone(),
            |s| s.title.get(self.lang.code()).to_owned(),
        );
        Some(i18n::text(
            self.lang,
            "next-finished",
            &[
                ("stage", stage),
                ("when", i18n::when(self.lang, at, self.tz)),
            ],
        ))
    }

    /// How long the project has been in its stage, in calendar days of the
    /// cohort's zone: "12 days in this stage".
    pub fn days_in_stage(&self, view: &View, now: Timestamp) -> String {
        let day = |t: Timestamp| t.to_zoned_datetime(self.tz.clone()).date();
        let days = day(view.record.state.entered_at)
            .until(day(now))
            .map_or(0, |span| span.get_days())
            .max(0);
        i18n::counted(self.lang, "next-days", ("days", i64::from(days)), &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: String) -> String {
        text.replace(['\u{2068}', '\u{2069}'], "")
    }

    #[test]
    fn time_zones_are_named_for_people() {
        assert_eq!(plain(zone_name(Lang::En, "Asia/Muscat")), "Muscat time");
        assert_eq!(plain(zone_name(Lang::Ar, "Asia/Muscat")), "بتوقيت مسقط");
        assert_eq!(plain(zone_name(Lang::Ar, "Asia/Qatar")), "بتوقيت الدوحة");
        assert_eq!(
            plain(zone_name(Lang::En, "America/New_York")),
            "New York time"
        );
    }

    #[test]
    fn working_days_and_the_weekend_read_in_each_language() {
        let weekend: Weekend = "fri,sat".parse().unwrap();
        assert_eq!(
            plain(rule(Lang::En, 5, weekend)),
            "(5 working days; Friday and Saturday off)"
        );
        assert_eq!(
            plain(rule(Lang::En, 1, weekend)),
            "(one working day; Friday and Saturday off)"
        );
        assert_eq!(
            plain(rule(Lang::Ar, 5, weekend)),
            "(5 أيام عمل؛ العطلة: الجمعة والسبت)"
        );
        let at: Timestamp = "2026-12-14T13:00:00Z".parse().unwrap();
        let tz = TimeZone::get("Asia/Muscat").unwrap();
        assert_eq!(
            plain(when_day(Lang::En, at, &tz)),
            "Monday 14 Dec 2026, 17:00"
        );
        assert_eq!(
            plain(when_day(Lang::Ar, at, &tz)),
            "الاثنين 14 ديسمبر 2026، 17:00"
        );
        // No isolates nested in an argument: the isolate around it sees the
        // weekday first, so an Arabic page lays it out right to left.
        assert!(!when_day(Lang::Ar, at, &tz).contains(['\u{2068}', '\u{2069}']));
    }
}
