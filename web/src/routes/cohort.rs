//! A coordinator's pages for a cohort: the board (how many projects are at
//! each stage and overdue, then a page of the overdue ones or of one stage's,
//! with what each waits for) and the outbox.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::{BoardList, View};
use jiff::tz::TimeZone;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// The board's query: which list, which page.
#[derive(Deserialize)]
pub struct BoardQuery {
    /// A stage's key; none: the overdue projects.
    stage: Option<String>,
    /// From 1.
    page: Option<String>,
}

/// `GET /cohorts/{id}[?stage=KEY][&page=N]`: the cohort's stages with their
/// counts, and one page of a list (the overdue projects, or one stage's).
pub async fn board(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(query): Query<BoardQuery>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let page = match query.page.as_deref() {
        None => 1,
        Some(raw) => raw
            .parse::<u32>()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| Fail::status(&visitor, 400, "error-bad-request", None))?,
    };
    let list = match query.stage {
        Some(key) if !key.is_empty() => BoardList::Stage(key),
        _ => BoardList::Overdue,
    };
    let lang = visitor.lang;
    let board = app
        .engine
        .board_as(viewer, id, list, page)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let tz = TimeZone::get(&board.cohort.time_zone).unwrap_or(TimeZone::UTC);
    let title_of = |key: &str| {
        board
            .workflow
            .as_ref()
            .and_then(|w| w.stage(key))
            .map_or_else(|| key.to_owned(), |s| s.title.get(lang.code()).to_owned())
    };
    let current = match &board.list {
        BoardList::Stage(key) => Some(key.as_str()),
        BoardList::Overdue => None,
    };
    let stages: Vec<Value> = board
        .stages
        .iter()
        .map(|s| {
            json!({
                "key": s.stage,
                "href": format!("/cohorts/{}?stage={}", board.cohort.id, utf8_percent_encode(&s.stage, NON_ALPHANUMERIC)),
                "title": title_of(&s.stage),
                "projects": s.projects,
                "overdue": s.overdue,
                "current": current == Some(s.stage.as_str()),
            })
        })
        .collect();
    let mut roles = HashMap::new();
    let cards: Vec<Value> = board
        .projects
        .iter()
        .map(|view| {
            let state = &view.record.state;
            json!({
                "id": view.record.id,
                "title": view.record.title,
                "stage": title_of(&state.stage),
                "overdue_since": state.overdue_since.map(|t| i18n::when(lang, t, &tz)),
                "waits": waits(view, lang, &mut roles),
            })
        })
        .collect();
    let link = |page: u32| match current {
        Some(key) => format!(
            "/cohorts/{}?stage={}&page={page}",
            board.cohort.id,
            utf8_percent_encode(key, NON_ALPHANUMERIC)
        ),
        None => format!("/cohorts/{}?page={page}", board.cohort.id),
    };
    Ok(pages::page(
        200,
        pages::render(
            "board",
            &Frame::of(&visitor),
            "board-title",
            json!({
                "cohort": { "id": board.cohort.id, "name": board.cohort.name, "time_zone": board.cohort.time_zone },
                "total": board.total.projects,
                "overdue": board.total.overdue,
                "stages": stages,
                "list": {
                    "stage": current.map(title_of),
                    "projects": cards,
                    "page": board.page,
                    "pages": board.pages,
                    "paged": board.pages > 1,
                    "previous": (board.page > 1).then(|| link(board.page - 1)),
                    "next": (board.page < board.pages).then(|| link(board.page + 1)),
                },
            }),
        ),
    ))
}

/// What a project waits for: each action that can be taken now, titled in
/// `lang`, with whom it waits for ("Endorse the proposal (supervisor)").
/// `roles` remembers the roles' names already looked up for the page.
fn waits(view: &View, lang: Lang, roles: &mut HashMap<Vec<String>, String>) -> Vec<String> {
    let Some(stage) = view.workflow.stage(&view.record.state.stage) else {
        return Vec::new();
    };
    view.possible
        .iter()
        .filter(|p| p.blocked.is_none())
        .map(|p| {
            let who = p
                .waiting_for
                .as_ref()
                .map(|w| gradflow_words::reason(lang.code(), &w.reason(), Some(&view.workflow)))
                .unwrap_or_else(|| {
                    roles
                        .entry(p.by.clone())
                        .or_insert_with(|| i18n::roles(lang, &p.by))
                        .clone()
                });
            format!("{} ({who})", super::forms::action_title(stage, p, lang))
        })
        .collect()
}

/// `GET /cohorts/{id}/export.csv`: every project of the cohort, a row each,
/// as a UTF-8 CSV file a spreadsheet opens (with a byte-order mark, which
/// spreadsheet programs need to read Arabic correctly).
pub async fn export(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let lang = visitor.lang;
    let export = app
        .engine
        .export_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let tz = TimeZone::get(&export.cohort.time_zone).unwrap_or(TimeZone::UTC);
    let heading = |key: &str| i18n::text(lang, key, &[]);
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |_| Fail::status(&visitor, 500, "error-internal", None);
    out.write_record([
        heading("export-id"),
        heading("export-title"),
        heading("project-stage"),
        heading("overdue"),
        heading("export-people"),
        heading("board-waits"),
    ])
    .map_err(fail)?;
    let mut roles = HashMap::new();
    for view in &export.projects {
        let state = &view.record.state;
        let stage = view.workflow.stage(&state.stage).map_or_else(
            || state.stage.clone(),
            |s| s.title.get(lang.code()).to_owned(),
        );
        let people: Vec<String> = view
            .record
            .members
            .iter()
            .filter_map(|m| {
                let person = export.people.get(&m.person)?;
                Some(format!(
                    "{} <{}> ({})",
                    person.name,
                    person.email,
                    i18n::role(lang, &m.role)
                ))
            })
            .collect();
        out.write_record([
            view.record.id.to_string(),
            cell(&view.record.title),
            cell(&stage),
            state
                .overdue_since
                .map(|t| {
                    t.to_zoned_datetime(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            cell(&people.join("; ")),
            cell(&waits(view, lang, &mut roles).join("; ")),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|_| Fail::status(&visitor, 500, "error-internal", None))?;
    let name = format!("cohort-{}.csv", export.cohort.id);
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A text cell a spreadsheet shows as text: one that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
/// so a project title can never run as a formula on a coordinator's machine.
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
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
