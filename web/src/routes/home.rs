//! The home page: the viewer's projects, grouped by what awaits them, and
//! the cohorts they coordinate; stages and actions in the page's language.

use axum::extract::State;
use axum::response::Response;
use gradflow_engine::service::{View, Viewer};
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
    /// What the viewer can do on it now (action titles).
    yours: Vec<String>,
}

/// `GET /`.
pub async fn page(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let fail = |e| Fail::service(&visitor, e);
    let views = app.engine.views_for(viewer).await.map_err(fail)?;
    let mut cohort_names: std::collections::HashMap<i64, String> = Default::default();
    let (mut awaiting, mut waiting, mut finished) = (Vec::new(), Vec::new(), Vec::new());
    for view in views {
        let cohort = match cohort_names.get(&view.record.cohort_id) {
            Some(name) => name.clone(),
            None => {
                let cohort = app
                    .engine
                    .cohort_by_id(view.record.cohort_id)
                    .await
                    .map_err(fail)?;
                cohort_names.insert(cohort.id, cohort.name.clone());
                cohort.name
            }
        };
        let state = &view.record.state;
        let stage = view.workflow.stage(&state.stage);
        let line = Line {
            id: view.record.id,
            title: view.record.title.clone(),
            cohort,
            stage: stage.map_or(state.stage.clone(), |s| {
                s.title.get(visitor.lang.code()).to_owned()
            }),
            overdue: state.overdue_since.is_some(),
            yours: actions_for(viewer, &view, visitor.lang),
        };
        if stage.is_some_and(|s| s.terminal) {
            finished.push(line);
        } else if line.yours.is_empty() {
            waiting.push(line);
        } else {
            awaiting.push(line);
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

/// Titles, in `lang`, of the actions `viewer` may take on `view` now (not blocked).
pub fn actions_for(viewer: &Viewer, view: &View, lang: Lang) -> Vec<String> {
    let roles = roles_of(viewer, view);
    let Some(stage) = view.workflow.stage(&view.record.state.stage) else {
        return Vec::new();
    };
    view.possible
        .iter()
        .filter(|p| p.blocked.is_none() && p.by.iter().any(|r| roles.contains(r)))
        .map(|p| action_title(stage, p, lang))
        .collect()
}
