//! A person's applications (issue 16, part 1 on the web): `GET
//! /applications` lists their nominations and requests to join a cohort
//! with each one's state in words, what comes next (whose turn, by name,
//! and by when) and an offered place's deadline; below, each cohort open
//! for applications with a form to ask to join it (naming their supervisor
//! when the program asks for an endorsement). `POST /applications` sends
//! the request, `POST /applications/{id}/withdraw` withdraws one, and
//! `POST /applications/{id}/take` and `.../decline` answer an offered place.
//!
//! The engine decides everything (`request_as`, `withdraw_application_as`,
//! the reads `applications_of` and `open_cohorts`); the page renders its
//! answers. A refusal shows the form again as typed with the engine's
//! reason in the page's language. The words shared by the intake pages
//! (states, kinds, what comes next, refusals) live here.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use gradflow_engine::decide::intake::{ApplicationKind, ApplicationState, Next};
use gradflow_engine::service::{ApplicationView, Changed, Error as ServiceError, Kind, Viewer};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::App;
use crate::done;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// Message keys the intake pages look up in code (the catalogue test).
#[cfg(test)]
pub const KEYS: &[&str] = &[
    "intake-state-submitted",
    "intake-state-endorsed",
    "intake-state-accepted",
    "intake-state-waiting",
    "intake-state-waiting-at",
    "intake-state-offered",
    "intake-state-declined",
    "intake-state-withdrawn",
    "intake-state-expired",
    "intake-kind-nomination",
    "intake-kind-request",
    "intake-kind-request-supervisor",
    "intake-received",
    "intake-next",
    "intake-next-by",
    "intake-next-endorse",
    "intake-next-decide",
    "intake-next-take",
    "intake-next-wait",
    "intake-next-project",
    "intake-next-none",
    "home-intake-applications",
    "home-intake-join",
    "home-intake-endorse",
    "candidates-state-all",
    "candidates-sort-created",
    "candidates-sort-name",
    "candidates-sort-state",
    "candidates-sort-organization",
    "intake-open-project",
    "candidates-col-name",
    "candidates-col-organization",
    "candidates-col-by",
    "candidates-col-reason",
    "candidates-col-state",
    "candidates-col-received",
    "candidates-choose",
    "applications-title",
    "supervision-title",
    "candidates-title",
];

/// What was typed in a refused form, kept when the page shows it again.
#[derive(Debug, Default, Clone)]
pub(super) struct Typed {
    /// The form's cohort (a request to join, a nomination).
    pub cohort: Option<i64>,
    /// The supervisor's email (a request) or the candidate's (a nomination).
    pub email: String,
    /// The reason typed.
    pub reason: String,
    /// The refusal, in the page's language.
    pub error: Option<String>,
}

/// The fields of a posted form: its CSRF token and the value of each name
/// (the last one when repeated).
pub(super) fn fields(posted: &[(String, String)]) -> (String, HashMap<&str, &str>) {
    let mut map = HashMap::new();
    for (name, value) in posted {
        map.insert(name.as_str(), value.as_str());
    }
    let csrf = map.get("csrf").copied().unwrap_or_default().to_owned();
    (csrf, map)
}

/// A refusal's status and words, in the page's language, for a form shown
/// again; what may not be seen (not found), a busy or failed server and
/// too many attempts end in their own status page instead.
pub(super) fn refusal(visitor: &Visitor, error: ServiceError) -> Result<(u16, String), Fail> {
    let status = match error.kind() {
        Kind::NotFound | Kind::Busy | Kind::Internal | Kind::TooMany => {
            return Err(Fail::service(visitor, error));
        }
        Kind::Forbidden => 403,
        Kind::Conflict => 409,
        Kind::Invalid => 400,
    };
    Ok((status, gradflow_words::error(visitor.lang.code(), &error)))
}

/// An application's state in words: "On the waiting list, number 2".
pub(super) fn state_words(lang: Lang, state: ApplicationState, position: Option<i64>) -> String {
    match (state, position) {
        (ApplicationState::Waiting, Some(n)) => i18n::text(
            lang,
            "intake-state-waiting-at",
            &[("position", n.to_string())],
        ),
        _ => i18n::text(lang, &format!("intake-state-{}", state.as_str()), &[]),
    }
}

/// How an application came: "Nominated by Khalid Al-Said", "Asked to join;
/// supervisor Khalid Al-Said".
pub(super) fn kind_words(lang: Lang, application: &ApplicationView) -> String {
    let supervisor = application.supervisor.as_ref().map(|p| p.name.clone());
    match (application.kind, supervisor) {
        (ApplicationKind::Nomination, Some(name)) => {
            i18n::text(lang, "intake-kind-nomination", &[("name", name)])
        }
        (_, Some(name)) => i18n::text(lang, "intake-kind-request-supervisor", &[("name", name)]),
        _ => i18n::text(lang, "intake-kind-request", &[]),
    }
}

/// What the intake pages need to say about cohorts: each one's time zone
/// and coordinators' names, read once per page.
#[derive(Default)]
pub(super) struct Cohorts {
    known: HashMap<i64, (TimeZone, Vec<String>)>,
}

impl Cohorts {
    /// Cohort `id`'s time zone and coordinators (read when first asked).
    async fn of(&mut self, app: &App, id: i64) -> Result<&(TimeZone, Vec<String>), ServiceError> {
        if let std::collections::hash_map::Entry::Vacant(entry) = self.known.entry(id) {
            let cohort = app.engine.cohort_by_id(id).await?;
            let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
            let mut names = Vec::new();
            for (role, email) in app.engine.cohort_members(&cohort).await? {
                if role == "coordinator" {
                    names.push(app.engine.person(&email).await?.name);
                }
            }
            entry.insert((tz, names));
        }
        Ok(&self.known[&id])
    }

    /// Cohort `id`'s time zone.
    pub async fn tz(&mut self, app: &App, id: i64) -> Result<TimeZone, ServiceError> {
        Ok(self.of(app, id).await?.0.clone())
    }

    /// What comes next for `application`, whose turn by name and by when
    /// ("Next: Khalid Al-Said endorses or refuses the request"), as the
    /// engine's `next` says; `None` once it is over.
    pub async fn next(
        &mut self,
        app: &App,
        lang: Lang,
        application: &ApplicationView,
    ) -> Result<Option<String>, ServiceError> {
        let (tz, coordinators) = self.of(app, application.cohort).await?;
        let comma = if lang == Lang::Ar { "، " } else { ", " };
        let candidate = application.candidate.name.clone();
        let (step, by) = match application.next {
            Next::SupervisorEndorses => {
                let who = application
                    .supervisor
                    .as_ref()
                    .map_or_else(String::new, |p| p.name.clone());
                (
                    i18n::text(lang, "intake-next-endorse", &[("who", who)]),
                    None,
                )
            }
            Next::CoordinatorDecides => (
                i18n::text(
                    lang,
                    "intake-next-decide",
                    &[("who", coordinators.join(comma))],
                ),
                None,
            ),
            Next::WaitForPlace => (
                i18n::text(
                    lang,
                    "intake-next-wait",
                    &[
                        ("who", candidate),
                        (
                            "position",
                            application.position.unwrap_or_default().to_string(),
                        ),
                    ],
                ),
                None,
            ),
            Next::CandidateAnswersOffer => (
                i18n::text(lang, "intake-next-take", &[("who", candidate)]),
                application
                    .offer_expires
                    .map(|t| super::next::when_day(lang, t, tz)),
            ),
            Next::InCohort => (
                i18n::text(lang, "intake-next-project", &[("who", candidate)]),
                None,
            ),
            _ => return Ok(None),
        };
        Ok(Some(match by {
            Some(when) => i18n::text(lang, "intake-next-by", &[("step", step), ("when", when)]),
            None => i18n::text(lang, "intake-next", &[("step", step)]),
        }))
    }
}

/// The names of the people told (person ids), for a confirmation.
pub(super) async fn told_names(app: &App, told: &[i64]) -> Vec<String> {
    let mut names = Vec::with_capacity(told.len());
    for &person in told {
        if let Ok(p) = app.engine.person_by_id(person).await {
            names.push(p.name);
        }
    }
    names
}

/// A change's confirmation after its first line: what comes next (for an
/// accepted candidate, the project's own next steps, by name and date, as
/// its page says them) and who was told by email.
pub(super) async fn follow_up(
    app: &App,
    visitor: &Visitor,
    viewer: &Viewer,
    changed: &Changed,
) -> Result<Vec<done::Line>, Fail> {
    let lang = visitor.lang;
    let fail = |e| Fail::service(visitor, e);
    let mut lines = Vec::new();
    let a = &changed.application;
    let project = changed.project.or(a.project);
    let next = match project {
        Some(project) if a.state == ApplicationState::Accepted => {
            project_next(app, lang, viewer, project)
                .await
                .map_err(fail)?
        }
        _ => Cohorts::default().next(app, lang, a).await.map_err(fail)?,
    };
    if let Some(next) = next {
        lines.push(done::Line::new(
            "done-intake-next",
            &[("person", a.candidate.name.clone()), ("next", next)],
        ));
    }
    lines.push(done::told(lang, &told_names(app, &changed.told).await));
    Ok(lines)
}

/// Project `id`'s next steps in words (the "Next:" lines of its page), as
/// `viewer` may see it.
async fn project_next(
    app: &App,
    lang: Lang,
    viewer: &Viewer,
    id: i64,
) -> Result<Option<String>, ServiceError> {
    let view = app.engine.view_as(viewer, id).await?;
    let names = app.engine.names_on(std::slice::from_ref(&view)).await?;
    let cohort = app.engine.cohort_by_id(view.record.cohort_id).await?;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let words = super::next::Words {
        lang,
        tz: &tz,
        weekend: cohort.weekend,
        names: &names,
    };
    let next = view.next(Timestamp::now());
    let steps: Vec<String> = words
        .lines(&view, &next)
        .iter()
        .filter_map(|l| l["text"].as_str().map(str::to_owned))
        .collect();
    Ok(Some(steps.join(" ")).filter(|s| !s.is_empty()))
}

/// One application as the intake pages list it.
pub(super) async fn line(
    app: &App,
    lang: Lang,
    cohorts: &mut Cohorts,
    a: &ApplicationView,
) -> Result<Value, ServiceError> {
    let tz = cohorts.tz(app, a.cohort).await?;
    Ok(json!({
        "id": a.id,
        "cohort": a.cohort_name,
        "person": a.candidate.name,
        "organization": a.candidate.organization,
        "state": state_words(lang, a.state, a.position),
        "how": kind_words(lang, a),
        "received": i18n::text(lang, "intake-received", &[("when", i18n::when(lang, a.created_at, &tz))]),
        "received_at": i18n::when(lang, a.created_at, &tz),
        "reason": a.reason,
        "project": a.project,
        "next": cohorts.next(app, lang, a).await?,
        "offer": a.offer_expires
            .filter(|_| a.state == ApplicationState::Offered)
            .map(|t| i18n::text(lang, "intake-offer-until", &[("when", super::next::when_day(lang, t, &tz))])),
    }))
}

/// `GET /applications`: the signed-in person's applications and the
/// cohorts open for applications.
pub async fn page(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    visitor.signed_in()?;
    render(&app, &visitor, &Typed::default(), 200).await
}

/// `POST /applications`: a request to join a cohort (`cohort`, the
/// supervisor's email `supervisor` when given, `reason`).
pub async fn request(
    State(app): State<App>,
    visitor: Visitor,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, fields) = fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let typed = Typed {
        // A cohort that is no number names none: the engine says so.
        cohort: Some(
            fields
                .get("cohort")
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(-1),
        ),
        email: fields
            .get("supervisor")
            .copied()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        reason: fields.get("reason").copied().unwrap_or_default().to_owned(),
        error: None,
    };
    let supervisor = Some(typed.email.as_str()).filter(|e| !e.is_empty());
    match app
        .engine
        .request_as(
            viewer,
            typed.cohort.unwrap_or(-1),
            supervisor,
            &typed.reason,
            Timestamp::now(),
        )
        .await
    {
        Ok(changed) => {
            let mut lines = vec![done::Line::new(
                "done-intake-requested",
                &[("cohort", changed.application.cohort_name.clone())],
            )];
            lines.extend(follow_up(&app, &visitor, viewer, &changed).await?);
            Ok(done::redirect(visitor.token(), "/applications", "", lines))
        }
        Err(e) => {
            let (status, reason) = refusal(&visitor, e)?;
            let typed = Typed {
                error: Some(reason),
                ..typed
            };
            render(&app, &visitor, &typed, status).await
        }
    }
}

/// `POST /applications/{id}/withdraw`: the candidate withdraws their
/// application (a reason optional).
pub async fn withdraw(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, fields) = fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let reason = fields.get("reason").copied().unwrap_or_default();
    match app
        .engine
        .withdraw_application_as(viewer, id, reason, Timestamp::now())
        .await
    {
        Ok(changed) => {
            let a = &changed.application;
            let mut lines = vec![done::Line::new(
                "done-intake-withdrawn",
                &[
                    ("person", a.candidate.name.clone()),
                    ("cohort", a.cohort_name.clone()),
                ],
            )];
            lines.extend(follow_up(&app, &visitor, viewer, &changed).await?);
            Ok(done::redirect(visitor.token(), "/applications", "", lines))
        }
        Err(e) => {
            let (status, reason) = refusal(&visitor, e)?;
            let typed = Typed {
                error: Some(reason),
                ..Typed::default()
            };
            render(&app, &visitor, &typed, status).await
        }
    }
}

/// `POST /applications/{id}/take`: the candidate takes the place offered
/// to them (their project starts on it).
pub async fn take(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    offer(app, visitor, id, posted, true).await
}

/// `POST /applications/{id}/decline`: the candidate declines the place
/// offered to them (it goes to the next of the waiting list).
pub async fn decline(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    offer(app, visitor, id, posted, false).await
}

/// Takes (`take`) or declines the offer of application `id`.
async fn offer(
    app: App,
    visitor: Visitor,
    id: String,
    posted: Vec<(String, String)>,
    take: bool,
) -> Result<Response, Fail> {
    let (csrf, _) = fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let now = Timestamp::now();
    let result = if take {
        app.engine.take_offer_as(viewer, id, now).await
    } else {
        app.engine.decline_offer_as(viewer, id, now).await
    };
    match result {
        Ok(changed) => {
            let a = &changed.application;
            let first = if take {
                let project = match changed.project.or(a.project) {
                    Some(p) => app
                        .engine
                        .view_as(viewer, p)
                        .await
                        .map(|v| v.record.title)
                        .unwrap_or_else(|_| format!("#{p}")),
                    None => String::new(),
                };
                done::Line::new(
                    "done-intake-offer-taken",
                    &[
                        ("person", a.candidate.name.clone()),
                        ("cohort", a.cohort_name.clone()),
                        ("project", project),
                    ],
                )
            } else {
                done::Line::new(
                    "done-intake-offer-declined",
                    &[
                        ("person", a.candidate.name.clone()),
                        ("cohort", a.cohort_name.clone()),
                    ],
                )
            };
            let mut lines = vec![first];
            lines.extend(follow_up(&app, &visitor, viewer, &changed).await?);
            Ok(done::redirect(visitor.token(), "/applications", "", lines))
        }
        Err(e) => {
            let (status, reason) = refusal(&visitor, e)?;
            let typed = Typed {
                error: Some(reason),
                ..Typed::default()
            };
            render(&app, &visitor, &typed, status).await
        }
    }
}

/// The page: the person's applications, then a form per open cohort (the
/// refused one filled as typed, its reason above it).
async fn render(
    app: &App,
    visitor: &Visitor,
    typed: &Typed,
    status: u16,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(visitor, e);
    let mine = app.engine.applications_of(viewer).await.map_err(fail)?;
    let open = app.engine.open_cohorts().await.map_err(fail)?;
    let mut cohorts = Cohorts::default();
    let mut applications = Vec::with_capacity(mine.len());
    for a in &mine {
        let mut value = line(app, lang, &mut cohorts, a).await.map_err(fail)?;
        // Live and not yet a project (a trainee leaves by their project's
        // withdrawal): the engine decides the rest, and says why not.
        value["withdrawable"] = json!(a.state.is_live() && a.project.is_none());
        applications.push(value);
    }
    // A cohort the person already has a live application to is listed
    // above, not offered again (the engine would refuse a second one).
    let forms: Vec<Value> = open
        .iter()
        .filter(|c| !mine.iter().any(|a| a.cohort == c.id && a.state.is_live()))
        .map(|c| {
            let refused = typed.cohort == Some(c.id);
            json!({
                "id": c.id,
                "name": c.name,
                "program": c.program_title,
                "endorsement": c.endorsement,
                "taken": c.taken,
                "capacity": c.capacity,
                "error": typed.error.clone().filter(|_| refused),
                "typed": {
                    "supervisor": if refused { typed.email.as_str() } else { "" },
                    "reason": if refused { typed.reason.as_str() } else { "" },
                },
            })
        })
        .collect();
    // A refusal of a form no longer on the page (the cohort closed, an
    // application withdrawn) is said at the top.
    let error = typed.error.clone().filter(|_| {
        typed
            .cohort
            .is_none_or(|id| !open.iter().any(|c| c.id == id))
    });
    Ok(pages::page(
        status,
        pages::render(
            "applications",
            &Frame::of(visitor),
            "applications-title",
            json!({
                "error": error,
                "applications": applications,
                "cohorts": forms,
            }),
        ),
    ))
}
