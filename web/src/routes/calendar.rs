//! `GET /calendar/{secret}.ics`: a person's deadlines as an iCalendar feed
//! for their calendar application (no session: the secret address is the
//! key). The engine gives the events as data (`calendar_feed`); this page
//! chooses the words, in the person's language (their profile's, else
//! English), and writes RFC 5545 with [`crate::ical`]. docs/calendar.md
//! says what is in it.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::{Feed, FeedEvent, FeedItem, FeedTime, Kind};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::App;
use crate::i18n::{self, Lang};
use crate::ical::{self, Writer};

/// Message keys the feed looks up (for the catalogue test).
#[cfg(test)]
pub const KEYS: &[&str] = &[
    "calendar-name",
    "calendar-deadline",
    "calendar-milestone",
    "calendar-scoring",
    "calendar-cohort-date",
    "calendar-project-line",
    "calendar-cohort-line",
    "calendar-stage-line",
    "calendar-date-line",
];

/// Longest path segment read: a secret is 64 digits and `.ics`.
const MAX_SEGMENT: usize = 100;

/// `GET /calendar/{secret}.ics`.
pub async fn feed(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(segment): Path<String>,
) -> Response {
    let secret = segment
        .strip_suffix(".ics")
        .filter(|s| segment.len() <= MAX_SEGMENT && !s.is_empty())
        .unwrap_or_default();
    let now = Timestamp::now();
    match app
        .engine
        .calendar_feed(secret, Some(address.ip()), now)
        .await
    {
        Ok(feed) => {
            let body = write_feed(&feed, &app.config.public_url, now);
            (
                StatusCode::OK,
                [
                    (CONTENT_TYPE, "text/calendar; charset=utf-8"),
                    (CACHE_CONTROL, "private, max-age=300"),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => {
            let lang = headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map_or(Lang::En, Lang::negotiate);
            let status = match e.kind() {
                Kind::NotFound => StatusCode::NOT_FOUND,
                Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
                Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
                _ => {
                    tracing::error!("calendar feed: {e}");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            let words = if status == StatusCode::INTERNAL_SERVER_ERROR {
                i18n::text(lang, "error-internal", &[])
            } else {
                gradflow_words::error(lang.code(), &e)
            };
            let mut response = (
                status,
                [
                    (CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (CACHE_CONTROL, "no-store"),
                ],
                format!("{}\n", clean(words)),
            )
                .into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("900"));
            }
            response
        }
    }
}

/// Fluent's isolation marks around arguments, which calendars show as boxes.
fn clean(text: String) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// `feed` as an iCalendar object, in the person's language.
pub fn write_feed(feed: &Feed, public_url: &str, now: Timestamp) -> String {
    let lang = feed
        .language
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(Lang::En);
    let base = public_url.trim_end_matches('/');
    let mut w = Writer::new();
    w.line("BEGIN", "VCALENDAR");
    w.line("VERSION", "2.0");
    w.line("PRODID", "-//gradflow//calendar feed//EN");
    w.line("CALSCALE", "GREGORIAN");
    w.line("METHOD", "PUBLISH");
    w.text(
        "X-WR-CALNAME",
        &clean(i18n::text(
            lang,
            "calendar-name",
            &[("name", feed.person.name.clone())],
        )),
    );
    // One VTIMEZONE per zone an instant is written in, covering them all.
    let mut spans: BTreeMap<&str, (Timestamp, Timestamp)> = BTreeMap::new();
    for e in &feed.events {
        if let FeedTime::At(at) = e.when {
            let span = spans.entry(e.zone.as_str()).or_insert((at, at));
            span.0 = span.0.min(at);
            span.1 = span.1.max(at);
        }
    }
    for (name, (first, last)) in &spans {
        if let Ok(zone) = TimeZone::get(name) {
            w.timezone(name, &zone, *first, *last);
        }
    }
    if feed.events.is_empty() {
        // RFC 5545 3.6: a calendar holds at least one component; an empty
        // one gets the UTC zone, which changes nothing a client shows.
        w.timezone("UTC", &TimeZone::UTC, now, now);
    }
    let stamp = ical::utc_text(now);
    for e in &feed.events {
        w.line("BEGIN", "VEVENT");
        w.text("UID", &e.uid);
        w.line("DTSTAMP", &stamp);
        match e.when {
            FeedTime::At(at) => match TimeZone::get(&e.zone) {
                Ok(zone) => w.line(
                    &format!("DTSTART;TZID={}", e.zone),
                    &ical::local_text(zone.to_datetime(at)),
                ),
                Err(_) => w.line("DTSTART", &ical::utc_text(at)),
            },
            FeedTime::Day(day) => {
                w.line("DTSTART;VALUE=DATE", &ical::date_text(day));
                if let Ok(next) = day.tomorrow() {
                    w.line("DTEND;VALUE=DATE", &ical::date_text(next));
                }
            }
        }
        let (summary, description) = words(lang, e);
        w.text("SUMMARY", &summary);
        let url = match &e.project {
            Some((id, _)) => format!("{base}/projects/{id}"),
            None => format!("{base}/"),
        };
        w.text("DESCRIPTION", &format!("{description}\n{url}"));
        w.line("URL", &url);
        w.line("TRANSP", "TRANSPARENT");
        w.line("END", "VEVENT");
    }
    w.line("END", "VCALENDAR");
    w.finish()
}

/// The summary and description of `e` in `lang`, naming the workflow's
/// things in its own words (`Label::get`).
fn words(lang: Lang, e: &FeedEvent) -> (String, String) {
    let code = lang.code();
    let project = e
        .project
        .as_ref()
        .map(|(_, t)| t.clone())
        .unwrap_or_default();
    let cohort = e.cohort.1.clone();
    let stage_title = |key: &str| {
        e.workflow
            .as_ref()
            .and_then(|w| w.stage(key))
            .map_or_else(|| key.replace('_', " "), |s| s.title.get(code).to_owned())
    };
    let t = |key: &str, args: &[(&str, String)]| clean(i18n::text(lang, key, args));
    let mut lines = Vec::new();
    let summary = match &e.what {
        FeedItem::Deadline { stage } => {
            lines.push(t("calendar-stage-line", &[("stage", stage_title(stage))]));
            t(
                "calendar-deadline",
                &[("stage", stage_title(stage)), ("project", project.clone())],
            )
        }
        FeedItem::Milestone { stage, milestone } => {
            let title = e
                .workflow
                .as_ref()
                .and_then(|w| w.stage(stage))
                .and_then(|s| s.milestone(milestone))
                .map_or_else(
                    || milestone.replace('_', " "),
                    |m| m.title.get(code).to_owned(),
                );
            lines.push(t("calendar-stage-line", &[("stage", stage_title(stage))]));
            t(
                "calendar-milestone",
                &[("milestone", title), ("project", project.clone())],
            )
        }
        FeedItem::Scoring { stage } => {
            lines.push(t("calendar-stage-line", &[("stage", stage_title(stage))]));
            t("calendar-scoring", &[("project", project.clone())])
        }
        FeedItem::CohortDate { name } => {
            let date = name.replace('_', " ");
            lines.push(t("calendar-date-line", &[("date", date.clone())]));
            t(
                "calendar-cohort-date",
                &[("date", date), ("cohort", cohort.clone())],
            )
        }
    };
    let mut description = Vec::new();
    if e.project.is_some() {
        description.push(t("calendar-project-line", &[("project", project)]));
    }
    description.push(t("calendar-cohort-line", &[("cohort", cohort)]));
    description.extend(lines);
    (summary, description.join("\n"))
}
