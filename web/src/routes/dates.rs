//! A coordinator's dates page for a cohort (issue 15, part 5, on the web):
//! `GET /cohorts/{id}/dates` shows each open project's trainee with what
//! they are due to do next and by when, a form to give one or several of
//! them a new date (a stage's deadline or a milestone) with a reason, and
//! a form to move the cohort's named dates or change its holidays.
//! `POST /cohorts/{id}/dates/extend` and `POST /cohorts/{id}/dates/calendar`
//! send them to the engine (`extend_in_as`, `change_calendar_as`), which
//! decides who may and plans every affected timer again; the page then
//! says what changed and what comes next for each project touched. A
//! refusal shows the form again, as typed, with the engine's reason in the
//! page's language.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use gradflow_engine::decide::Extending;
use gradflow_engine::reason::{Arg, Reason};
use gradflow_engine::service::{CalendarEdit, DatesReport, Error as ServiceError, Export, Kind};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::App;
use crate::done;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// Most projects a confirmation names one by one (the rest are counted).
const NAMED: usize = 8;

/// What was typed in the forms, kept when a refusal shows them again.
#[derive(Debug, Default)]
struct Typed {
    /// The trainees ticked (person ids).
    trainees: BTreeSet<i64>,
    /// `deadline:STAGE` or `milestone:KEY`.
    target: String,
    /// The extension's date and reason.
    date: String,
    reason: String,
    /// The named dates as typed.
    dates: BTreeMap<String, String>,
    /// A holiday to add, holidays ticked for removal, and the reason.
    add_holiday: String,
    remove: BTreeSet<String>,
    calendar_reason: String,
}

impl Typed {
    /// The fields of a posted form (repeated names kept: `trainee`, `remove`).
    fn read(fields: &[(String, String)]) -> (String, Typed) {
        let mut csrf = String::new();
        let mut typed = Typed::default();
        for (name, value) in fields {
            match name.as_str() {
                "csrf" => csrf.clone_from(value),
                "trainee" => {
                    // A value that is no id names nobody: refused with the rest.
                    typed.trainees.insert(value.trim().parse().unwrap_or(-1));
                }
                "target" => typed.target.clone_from(value),
                "date" => typed.date.clone_from(value),
                "reason" => typed.reason.clone_from(value),
                "add_holiday" => typed.add_holiday.clone_from(value),
                "remove_holiday" => {
                    typed.remove.insert(value.clone());
                }
                "calendar_reason" => typed.calendar_reason.clone_from(value),
                other => {
                    if let Some(key) = other.strip_prefix("date:") {
                        typed.dates.insert(key.to_owned(), value.clone());
                    }
                }
            }
        }
        (csrf, typed)
    }
}

/// `GET /cohorts/{id}/dates`: the page, for one of the cohort's coordinators.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    render(&app, &visitor, id, None, &Typed::default()).await
}

/// `POST /cohorts/{id}/dates/extend`: a new date for the ticked trainees.
pub async fn extend(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, typed) = Typed::read(&fields);
    let viewer = visitor.check_form(&csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let extending = match typed.target.trim().split_once(':') {
        Some(("deadline", stage)) => Extending::Deadline(stage.to_owned()),
        Some(("milestone", key)) => Extending::Milestone(key.to_owned()),
        _ => Extending::Deadline(String::new()),
    };
    let now = Timestamp::now();
    let trainees: Vec<i64> = typed.trainees.iter().copied().collect();
    let result = match parse_date(&typed.date) {
        Ok(to) => app
            .engine
            .extend_in_as(viewer, id, &trainees, &extending, to, &typed.reason, now)
            .await
            .map(|report| {
                let line = done::Line::new(
                    "done-dates-extended",
                    &[
                        ("count", report.projects.len().to_string()),
                        ("date", i18n::day(visitor.lang, to)),
                    ],
                );
                (report, line)
            }),
        Err(e) => Err(e),
    };
    answer(&app, &visitor, id, &typed, now, result).await
}

/// `POST /cohorts/{id}/dates/calendar`: the cohort's dates and holidays.
pub async fn calendar(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, typed) = Typed::read(&fields);
    let viewer = visitor.check_form(&csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let now = Timestamp::now();
    let result = match edit_of(&typed) {
        Ok(edit) => app
            .engine
            .change_calendar_as(viewer, id, edit, now)
            .await
            .map(|report| {
                let line = done::Line::new(
                    "done-calendar-changed",
                    &[
                        ("count", report.projects.len().to_string()),
                        ("left", report.left.to_string()),
                    ],
                );
                (report, line)
            }),
        Err(e) => Err(e),
    };
    answer(&app, &visitor, id, &typed, now, result).await
}

/// The calendar change the form asks for: every named date as typed (the
/// engine refuses a change that changes nothing), the holiday to add and
/// those ticked for removal.
fn edit_of(typed: &Typed) -> Result<CalendarEdit, ServiceError> {
    let mut edit = CalendarEdit {
        reason: typed.calendar_reason.clone(),
        ..CalendarEdit::default()
    };
    for (name, value) in &typed.dates {
        edit.dates.insert(name.clone(), parse_date(value)?);
    }
    if !typed.add_holiday.trim().is_empty() {
        edit.add_holidays.insert(parse_date(&typed.add_holiday)?);
    }
    for value in &typed.remove {
        edit.remove_holidays.insert(parse_date(value)?);
    }
    Ok(edit)
}

/// A date as a date input sends it (`YYYY-MM-DD`), or the engine's refusal.
fn parse_date(text: &str) -> Result<Date, ServiceError> {
    text.trim().parse().map_err(|_| {
        ServiceError::Invalid(Reason::new(
            "extension-bad-date",
            vec![("date", Arg::Text(text.chars().take(40).collect()))],
        ))
    })
}

/// What a form's post answers: on success, back to the page with what
/// changed (`done`'s line) and, for each project touched (the first
/// [`NAMED`]), what comes next: whose step, by when; on a refusal, the
/// page again as typed with the reason.
async fn answer(
    app: &App,
    visitor: &Visitor,
    cohort: i64,
    typed: &Typed,
    now: Timestamp,
    result: Result<(DatesReport, done::Line), ServiceError>,
) -> Result<Response, Fail> {
    let (report, first) = match result {
        Ok(done) => done,
        Err(e) => return refused(app, visitor, cohort, e, typed).await,
    };
    let report = &report;
    let mut lines = vec![first];
    let viewer = visitor.signed_in()?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(visitor, e);
    let mut views = Vec::new();
    for project in report.projects.iter().take(NAMED) {
        views.push(
            app.engine
                .view_as(viewer, project.project)
                .await
                .map_err(fail)?,
        );
    }
    let names = app.engine.names_on(&views).await.map_err(fail)?;
    let zone = app.engine.cohort_by_id(cohort).await.map_err(fail)?;
    let tz = TimeZone::get(&zone.time_zone).unwrap_or(TimeZone::UTC);
    let words = super::next::Words {
        lang,
        tz: &tz,
        weekend: zone.weekend,
        names: &names,
    };
    for view in &views {
        let next = view.next(now);
        let steps: Vec<String> = words
            .lines(view, &next)
            .iter()
            .filter_map(|l| l["text"].as_str().map(str::to_owned))
            .collect();
        lines.push(done::Line::new(
            "done-dates-next",
            &[
                ("project", view.record.title.clone()),
                ("next", steps.join(" ")),
            ],
        ));
    }
    if report.projects.len() > NAMED {
        lines.push(done::Line::new(
            "done-dates-more",
            &[("count", (report.projects.len() - NAMED).to_string())],
        ));
    }
    Ok(done::redirect(
        visitor.token(),
        &format!("/cohorts/{cohort}/dates"),
        "",
        lines,
    ))
}

/// The page again, as typed, with the engine's reason (a cohort the
/// visitor does not coordinate stays not found).
async fn refused(
    app: &App,
    visitor: &Visitor,
    cohort: i64,
    error: ServiceError,
    typed: &Typed,
) -> Result<Response, Fail> {
    if matches!(
        error.kind(),
        Kind::NotFound | Kind::Busy | Kind::Internal | Kind::TooMany
    ) {
        return Err(Fail::service(visitor, error));
    }
    let status = match error.kind() {
        Kind::Forbidden => 403,
        Kind::Conflict => 409,
        _ => 400,
    };
    let reason = gradflow_words::error(visitor.lang.code(), &error);
    let mut response = render(app, visitor, cohort, Some(reason), typed).await?;
    *response.status_mut() =
        axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::BAD_REQUEST);
    Ok(response)
}

/// The page: the open projects' trainees with their next step and due
/// date, and both forms (filled as `typed`, else with the cohort's dates).
async fn render(
    app: &App,
    visitor: &Visitor,
    cohort: i64,
    error: Option<String>,
    typed: &Typed,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let lang = visitor.lang;
    let now = Timestamp::now();
    let fail = |e| Fail::service(visitor, e);
    let export = app.engine.export_as(viewer, cohort).await.map_err(fail)?;
    let Export {
        cohort, projects, ..
    } = &export;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let open: Vec<_> = projects
        .iter()
        .filter(|v| {
            v.workflow
                .stage(&v.record.state.stage)
                .is_some_and(|s| !s.terminal)
        })
        .collect();
    let names: HashMap<i64, String> = export
        .people
        .iter()
        .map(|(id, p)| (*id, p.name.clone()))
        .collect();
    let words = super::next::Words {
        lang,
        tz: &tz,
        weekend: cohort.weekend,
        names: &names,
    };
    let mut trainees = Vec::new();
    // What may be extended: each stage with a deadline, each milestone with
    // a due date, of the versions the open projects run (the engine says
    // when a trainee's project is elsewhere).
    let mut targets: Vec<(String, String)> = Vec::new();
    for view in &open {
        let next = view.next(now);
        let steps: Vec<String> = words
            .lines(view, &next)
            .iter()
            .filter_map(|l| l["text"].as_str().map(str::to_owned))
            .collect();
        let stage = view.workflow.stage(&view.record.state.stage);
        for member in view.record.members.iter().filter(|m| m.role == "trainee") {
            trainees.push(json!({
                "id": member.person,
                "name": names.get(&member.person).cloned().unwrap_or_else(|| format!("#{}", member.person)),
                "project": view.record.title,
                "project_id": view.record.id,
                "stage": stage.map_or_else(|| view.record.state.stage.clone(), |s| s.title.get(lang.code()).to_owned()),
                "next": steps.join(" "),
                "checked": typed.trainees.contains(&member.person),
            }));
        }
        for s in &view.workflow.stages {
            if s.deadline.is_some() {
                let value = format!("deadline:{}", s.key);
                if !targets.iter().any(|(v, _)| *v == value) {
                    let label = i18n::text(
                        lang,
                        "due-deadline",
                        &[("stage", s.title.get(lang.code()).to_owned())],
                    );
                    targets.push((value, label));
                }
            }
            for m in &s.milestones {
                let value = format!("milestone:{}", m.key);
                if m.due.is_some() && !targets.iter().any(|(v, _)| *v == value) {
                    let label = i18n::text(
                        lang,
                        "due-milestone",
                        &[("milestone", m.title.get(lang.code()).to_owned())],
                    );
                    targets.push((value, label));
                }
            }
        }
    }
    let targets: Vec<Value> = targets
        .into_iter()
        .map(|(value, label)| json!({ "selected": value == typed.target, "value": value, "label": label }))
        .collect();
    let dates: Vec<Value> = cohort
        .dates
        .iter()
        .map(|(name, date)| {
            json!({
                "name": name,
                "value": typed.dates.get(name).cloned().unwrap_or_else(|| date.to_string()),
            })
        })
        .collect();
    let holidays: Vec<Value> = cohort
        .holidays
        .iter()
        .map(|d| {
            let value = d.to_string();
            json!({ "checked": typed.remove.contains(&value), "value": value, "label": i18n::day(lang, *d) })
        })
        .collect();
    Ok(pages::page(
        200,
        pages::render(
            "dates",
            &Frame::of(visitor),
            "dates-title",
            json!({
                "cohort": {
                    "id": cohort.id,
                    "name": cohort.name,
                    "time_zone": super::next::zone_name(lang, &cohort.time_zone),
                },
                "error": error,
                "trainees": trainees,
                "targets": targets,
                "typed": {
                    "date": typed.date,
                    "reason": typed.reason,
                    "add_holiday": typed.add_holiday,
                    "calendar_reason": typed.calendar_reason,
                },
                "dates": dates,
                "holidays": holidays,
            }),
        ),
    ))
}
