//! The home page: the viewer's projects, grouped by what awaits them, and
//! the cohorts they coordinate; stages and actions in the page's language.

use axum::extract::State;
use axum::response::Response;
use gradflow_engine::decide::Next;
use gradflow_engine::service::{Cohort, View, Viewer};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::json;

use super::forms::action_title;
use crate::App;
use crate::i18n::Lang;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// One line of the project list.
#[derive(Serialize)]
struct Line {
    id: i64,
    title: String,
    cohort: String,
    stage: String,
    overdue: bool,
    /// What waits for the viewer on it now (action titles): steps that are
    /// their turn and whose part is not done (the core's `Next::awaits`).
    yours: Vec<String>,
    /// What comes next, by whom by name and by when ("Next: ...").
    next: Vec<serde_json::Value>,
}

/// `GET /`.
pub async fn page(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let fail = |e| Fail::service(&visitor, e);
    let views = app.engine.views_for(viewer).await.map_err(fail)?;
    let names = app.engine.names_on(&views).await.map_err(fail)?;
    let now = Timestamp::now();
    let mut cohorts_seen: std::collections::HashMap<i64, (Cohort, TimeZone)> = Default::default();
    let (mut awaiting, mut waiting, mut finished) = (Vec::new(), Vec::new(), Vec::new());
    for view in views {
        if !cohorts_seen.contains_key(&view.record.cohort_id) {
            let cohort = app
                .engine
                .cohort_by_id(view.record.cohort_id)
                .await
                .map_err(fail)?;
            let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
            cohorts_seen.insert(cohort.id, (cohort, tz));
        }
        let (cohort, tz) = &cohorts_seen[&view.record.cohort_id];
        let words = super::next::Words {
            lang: visitor.lang,
            tz,
            weekend: cohort.weekend,
            names: &names,
        };
        let next = view.next(now);
        let state = &view.record.state;
        let stage = view.workflow.stage(&state.stage);
        let line = Line {
            id: view.record.id,
            title: view.record.title.clone(),
            cohort: cohort.name.clone(),
            stage: stage.map_or(state.stage.clone(), |s| {
                s.title.get(visitor.lang.code()).to_owned()
            }),
            overdue: next.overdue_since.is_some(),
            yours: actions_for(viewer, &view, &next, visitor.lang),
            next: words.lines(&view, &next),
        };
        if stage.is_some_and(|s| s.terminal) {
            finished.push(line);
        } else if next.awaits(viewer.person.id) {
            awaiting.push(line);
        } else {
            waiting.push(line);
        }
    }
    let cohorts: Vec<_> = app
        .engine
        .cohorts_for(viewer)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| json!({ "id": c.id, "name": c.name }))
        .collect();
    let certificates = super::certificate::own(&app, &visitor).await?;
    let intake = intake_work(&app, &visitor).await?;
    Ok(pages::page(
        200,
        pages::render(
            "home",
            &Frame::of(&visitor),
            "home-title",
            json!({
                "awaiting": awaiting,
                "waiting": waiting,
                "finished": finished,
                "cohorts": cohorts,
                "certificates": certificates,
                "intake": intake,
                "empty": awaiting.is_empty() && waiting.is_empty() && finished.is_empty(),
            }),
        ),
    ))
}

/// Roles `viewer` holds on the project of `view`.
pub fn roles_of(viewer: &Viewer, view: &View) -> Vec<String> {
    view.record
        .members
        .iter()
        .filter(|m| m.person == viewer.person.id)
        .map(|m| m.role.clone())
        .collect()
}

/// Titles, in `lang`, of the steps of `next` that wait for `viewer` on
/// `view`: their turn, their part not done (never an exit such as
/// withdraw, which is open at any time).
pub fn actions_for(viewer: &Viewer, view: &View, next: &Next, lang: Lang) -> Vec<String> {
    let Some(stage) = view.workflow.stage(&view.record.state.stage) else {
        return Vec::new();
    };
    next.steps_for(viewer.person.id)
        .filter_map(|step| view.possible.iter().find(|p| p.action == step.action))
        .map(|p| action_title(stage, p, lang))
        .collect()
}

/// The viewer's intake work for the home page (issue 16): requests waiting
/// for their endorsement (a supervisor), their own applications, and the
/// cohorts open for applications; none of them: nothing.
async fn intake_work(app: &App, visitor: &Visitor) -> Result<Option<serde_json::Value>, Fail> {
    let viewer = visitor.signed_in()?;
    let fail = |e| Fail::service(visitor, e);
    let supervision = app.engine.supervision_as(viewer).await.map_err(fail)?;
    let applications = app.engine.applications_of(viewer).await.map_err(fail)?;
    let open = app.engine.open_cohorts().await.map_err(fail)?;
    let supervises = supervision.supervisor || !supervision.to_endorse.is_empty();
    Ok(
        (supervises || !applications.is_empty() || !open.is_empty()).then(|| {
            json!({
                "supervisor": supervises,
                "endorse": supervision.to_endorse.len(),
                "applications": applications.len(),
                "open": open.len(),
            })
        }),
    )
}
