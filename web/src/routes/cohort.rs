//! A coordinator's pages for a cohort: the board (projects by stage, overdue
//! ones highlighted, what each waits for) and the outbox.

use axum::extract::{Path, State};
use axum::response::Response;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use crate::App;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// `GET /cohorts/{id}`.
pub async fn board(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let lang = visitor.lang;
    let board = app
        .engine
        .board_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let tz = TimeZone::get(&board.cohort.time_zone).unwrap_or(TimeZone::UTC);
    // Columns in the workflow's stage order, from the first project's
    // workflow (a cohort runs one program's workflow).
    let mut columns: Vec<(String, String, Vec<Value>)> = Vec::new();
    for view in &board.projects {
        let state = &view.record.state;
        let stage_title = view
            .workflow
            .stage(&state.stage)
            .map_or(state.stage.clone(), |s| s.title.get(lang.code()).to_owned());
        let waits: Vec<String> = view
            .possible
            .iter()
            .filter(|p| p.blocked.is_none())
            .map(|p| {
                let who = p
                    .waiting_for
                    .as_ref()
                    .map(|w| w.to_string())
                    .unwrap_or_else(|| p.by.join(", ").replace('_', " "));
                format!("{} ({who})", p.title)
            })
            .collect();
        let card = json!({
            "id": view.record.id,
            "title": view.record.title,
            "overdue_since": state.overdue_since.map(|t| i18n::when(lang, t, &tz)),
            "waits": waits,
        });
        match columns.iter_mut().find(|(key, _, _)| *key == state.stage) {
            Some(column) => column.2.push(card),
            None => columns.push((state.stage.clone(), stage_title, vec![card])),
        }
    }
    if let Some(first) = board.projects.first() {
        let order: Vec<&str> = first
            .workflow
            .stages
            .iter()
            .map(|s| s.key.as_str())
            .collect();
        columns
            .sort_by_key(|(key, _, _)| order.iter().position(|k| k == key).unwrap_or(usize::MAX));
    }
    let columns: Vec<Value> = columns
        .into_iter()
        .map(|(key, title, cards)| json!({ "key": key, "title": title, "count": cards.len(), "projects": cards }))
        .collect();
    Ok(pages::page(
        200,
        pages::render(
            "board",
            &Frame::of(&visitor),
            "board-title",
            json!({
                "cohort": { "id": board.cohort.id, "name": board.cohort.name, "time_zone": board.cohort.time_zone },
                "columns": columns,
                "total": board.projects.len(),
            }),
        ),
    ))
}

/// `GET /cohorts/{id}/outbox`.
pub async fn outbox(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let fail = |e| Fail::service(&visitor, e);
    let messages = app.engine.outbox_as(viewer, id).await.map_err(fail)?;
    let cohort = app.engine.cohort_by_id(id).await.map_err(fail)?;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let rows: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "project": m.project,
                "template": m.template,
                "to": m.email,
                "state": m.state,
                "attempts": m.attempts,
                "when": i18n::when(visitor.lang, m.sent_at.unwrap_or(m.next_attempt_at), &tz),
                "error": m.last_error,
            })
        })
        .collect();
    Ok(pages::page(
        200,
        pages::render(
            "outbox",
            &Frame::of(&visitor),
            "outbox-title",
            json!({ "cohort": { "id": cohort.id, "name": cohort.name }, "messages": rows }),
        ),
    ))
}
