//! A coordinator's pages for a cohort: the board (how many projects are at
//! each stage and overdue, then a page of the overdue ones or of one stage's,
//! with what each waits for) and the outbox.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::{BoardList, View};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::done;
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
    let now = Timestamp::now();
    let fail = |e| Fail::service(&visitor, e);
    let board = app
        .engine
        .board_as(viewer, id, list, page, now)
        .await
        .map_err(fail)?;
    // The names of everyone on the page's cards: one query for the page.
    let names = app.engine.names_on(&board.projects).await.map_err(fail)?;
    let tz = TimeZone::get(&board.cohort.time_zone).unwrap_or(TimeZone::UTC);
    let words = super::next::Words {
        lang,
        tz: &tz,
        weekend: board.cohort.weekend,
        names: &names,
    };
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
    // Each card: its people by role, days in the stage, due date, whom it
    // waits for by name, overdue (the core's rule, as on every page).
    // Each card's improvement line, from the milestones' answers (one read).
    let ids: Vec<i64> = board.projects.iter().map(|v| v.record.id).collect();
    let measured = app
        .engine
        .milestone_answers_as(viewer, board.cohort.id, &ids)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let cards: Vec<Value> = board
        .projects
        .iter()
        .map(|view| {
            let state = &view.record.state;
            let next = view.next(now);
            json!({
                "id": view.record.id,
                "title": view.record.title,
                "stage": title_of(&state.stage),
                "overdue_since": next.overdue_since.map(|t| i18n::when(lang, t, &tz)),
                "people": words.holders(view, &next, true),
                "days": words.days_in_stage(view, now),
                "due": next.due().map(|t| super::next::when_day(lang, t, &tz)),
                "waits_for": Some(words.waits_for(&next)).filter(|w| !w.is_empty()),
                "improvement": measured.get(&view.record.id).and_then(|answers| {
                    super::scoring::improvement_line(lang, &view.workflow, answers, &state.forms)
                }),
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
                "cohort": { "id": board.cohort.id, "name": board.cohort.name, "time_zone": super::next::zone_name(lang, &board.cohort.time_zone), "workflow_version": board.cohort.workflow_version },
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
/// spreadsheet programs need to read Arabic correctly): its stage, days in
/// it, due date, a column per role with the holders' names, what it waits
/// for, the latest assessment's mean score per criterion and weighted mean,
/// the decision (the ending it reached) and the improvement measured. Times are the cohort's local
/// `YYYY-MM-DD HH:MM`, which a spreadsheet sorts.
pub async fn export(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let lang = visitor.lang;
    let words = lang.code();
    let export = app
        .engine
        .export_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let ids: Vec<i64> = export.projects.iter().map(|v| v.record.id).collect();
    // The coordinator may read every project listed (the export checked it).
    let histories = app
        .engine
        .histories(&ids)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let tz = TimeZone::get(&export.cohort.time_zone).unwrap_or(TimeZone::UTC);
    let local = |t: jiff::Timestamp| {
        t.to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let now = jiff::Timestamp::now();
    // Every role of the workflows the projects follow, in their order.
    let mut role_keys: Vec<String> = Vec::new();
    for view in &export.projects {
        for role in &view.workflow.roles {
            if !role_keys.contains(role) {
                role_keys.push(role.clone());
            }
        }
    }
    let heading = |key: &str| cell(&i18n::text(lang, key, &[]));
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |_| Fail::status(&visitor, 500, "error-internal", None);
    let mut headings = vec![
        heading("export-id"),
        heading("export-title"),
        heading("project-stage"),
        heading("export-days-in-stage"),
        heading("export-due"),
        heading("overdue"),
    ];
    headings.extend(role_keys.iter().map(|r| cell(&i18n::role(lang, r))));
    headings.extend([
        heading("board-waits"),
        heading("export-scores"),
        heading("export-mean"),
        heading("export-decision"),
        heading("export-improvement"),
    ]);
    out.write_record(&headings).map_err(fail)?;
    let mut roles = HashMap::new();
    for (view, history) in export.projects.iter().zip(&histories) {
        let state = &view.record.state;
        let stage = view.workflow.stage(&state.stage);
        let stage_title =
            stage.map_or_else(|| state.stage.clone(), |s| s.title.get(words).to_owned());
        let mut row = vec![
            view.record.id.to_string(),
            cell(&view.record.title),
            cell(&stage_title),
            (now.duration_since(state.entered_at).as_secs() / 86_400)
                .max(0)
                .to_string(),
            state.deadline.map(local).unwrap_or_default(),
            // Overdue by the core's one rule, as on every page.
            view.next(now).overdue_since.map(local).unwrap_or_default(),
        ];
        for role in &role_keys {
            let names: Vec<&str> = view
                .record
                .members
                .iter()
                .filter(|m| &m.role == role)
                .filter_map(|m| export.people.get(&m.person).map(|p| p.name.as_str()))
                .collect();
            row.push(cell(&names.join("; ")));
        }
        let (scores, mean) = latest_assessment(view, history, lang);
        row.extend([
            cell(&waits(view, lang, &mut roles).join("; ")),
            cell(&scores),
            mean,
            if stage.is_some_and(|s| s.terminal) {
                cell(&stage_title)
            } else {
                String::new()
            },
            cell(&improvement(view, history, lang)),
        ]);
        out.write_record(&row).map_err(fail)?;
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

/// The latest assessment round in `history` (the scorecards given since the
/// project last entered a stage with an assessment; an evaluator's later
/// card replaces their earlier one): each criterion's mean ("Safety 4;
/// Efficiency 3.5") and the weighted mean, through the core's own aggregation.
/// The project's improvement line ("Waiting time 80 → 25 min (−69%)"), as
/// its page and board card show it, read from its milestones' answers in
/// `history`; empty until both measurements are in.
fn improvement(
    view: &View,
    history: &[gradflow_engine::service::StoredEvent],
    lang: Lang,
) -> String {
    let answers = gradflow_engine::decide::milestone_answers(history.iter().map(|e| &e.change));
    super::scoring::improvement_line(lang, &view.workflow, &answers, &view.record.state.forms)
        .and_then(|line| line["line"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn latest_assessment(
    view: &View,
    history: &[gradflow_engine::service::StoredEvent],
    lang: Lang,
) -> (String, String) {
    use gradflow_engine::decide::{Change, Scorecard};
    let workflow = &view.workflow;
    // The round's stage, and its cards keyed by evaluator (numbered by email).
    let mut round: Option<(&str, std::collections::BTreeMap<i64, Scorecard>)> = None;
    // The chair's moderated scores of the round (cleared by a rescore request).
    let mut moderated = std::collections::BTreeMap::new();
    let mut evaluators: Vec<&str> = Vec::new();
    for event in history {
        match &event.change {
            Change::Moved { to, .. }
            | Change::Started { stage: to, .. }
            | Change::Migrated { to_stage: to, .. }
                if workflow.stage(to).is_some_and(|s| s.assessment.is_some()) =>
            {
                round = Some((to.as_str(), Default::default()));
                moderated.clear();
            }
            Change::ScoreModerated {
                criterion,
                score,
                reason,
            } => {
                moderated.insert(
                    criterion.clone(),
                    gradflow_engine::decide::Moderation {
                        score: *score,
                        reason: reason.clone(),
                        by: 0,
                    },
                );
            }
            Change::RescoreRequested { .. } => moderated.clear(),
            Change::Scored { scores, .. } => {
                if let (Some((_, cards)), Some(actor)) = (round.as_mut(), event.actor.as_deref()) {
                    let n = evaluators
                        .iter()
                        .position(|e| *e == actor)
                        .unwrap_or_else(|| {
                            evaluators.push(actor);
                            evaluators.len() - 1
                        });
                    let card = Scorecard {
                        scores: scores.clone(),
                        comment: None,
                    };
                    cards.insert(i64::try_from(n).unwrap_or(i64::MAX), card);
                }
            }
            _ => {}
        }
    }
    let Some((stage_key, cards)) = round else {
        return (String::new(), String::new());
    };
    let Some(assessment) = workflow
        .stage(stage_key)
        .and_then(|s| s.assessment.as_ref())
    else {
        return (String::new(), String::new());
    };
    let Some(rubric) = workflow.rubrics.get(&assessment.rubric) else {
        return (String::new(), String::new());
    };
    if cards.is_empty() {
        return (String::new(), String::new());
    }
    let outcome = gradflow_engine::decide::outcome(rubric, assessment, &cards, &moderated);
    let scores: Vec<String> = rubric
        .criteria
        .iter()
        .filter_map(|c| {
            let mean = outcome.criteria.get(&c.key)?;
            Some(format!("{} {}", c.title.get(lang.code()), figure(*mean)))
        })
        .collect();
    (
        scores.join("; "),
        outcome.mean.map(figure).unwrap_or_default(),
    )
}

/// A figure as people write it: at most two decimals, none when whole (`4`, `3.5`, `3.67`).
fn figure(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    text.to_owned()
}

/// A text cell a spreadsheet shows as text: one that starts like a formula
/// (`=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
/// so a project title can never run as a formula on a coordinator's machine;
/// and without the invisible direction marks (U+200E, U+200F, U+061C,
/// U+202A to U+202E, U+2066 to U+2069) that the page's words carry around
/// names, which a spreadsheet would keep as stray characters.
fn cell(text: &str) -> String {
    let text: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            )
        })
        .collect();
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// `GET /cohorts/{id}/outbox`: the newest messages in words: what each
/// is about (its title in the page's language), to whom, its state
/// explained, with a link to preview it and, for one given up on, a button
/// to send it again.
pub async fn outbox(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(&visitor, e);
    let messages = app.engine.outbox_as(viewer, id).await.map_err(fail)?;
    let cohort = app.engine.cohort_by_id(id).await.map_err(fail)?;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let mut rows = Vec::with_capacity(messages.len());
    for m in &messages {
        let title = match message_title(lang, &m.template) {
            Some(title) => title,
            // A workflow's own template: its subject, as the recipient reads it.
            None => match app.engine.outbox_message_as(viewer, id, m.id).await {
                Ok(mail) => preview(&mail).map_or_else(|_| m.template.clone(), |r| r.subject),
                Err(_) => m.template.clone(),
            },
        };
        rows.push(json!({
            "id": m.id,
            "project": m.project,
            "title": title,
            "to": m.email,
            "state": m.state,
            "state_words": state_words(lang, &m.state),
            "tries": i18n::count(lang, "outbox-tries", m.attempts),
            "when": i18n::when(lang, m.sent_at.unwrap_or(m.next_attempt_at), &tz),
            "error": m.last_error,
            "resend": matches!(m.state.as_str(), "dead" | "failed" | "sent"),
        }));
    }
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

/// `GET /cohorts/{id}/outbox/{message}`: one message as its recipient reads
/// it (subject and text, rendered from the published templates in their
/// language), its state in words and, when given up on, a button to send it again.
pub async fn message(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, message)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let message = super::path_id(&visitor, &message)?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(&visitor, e);
    let row = app
        .engine
        .outbox_row_as(viewer, id, message)
        .await
        .map_err(fail)?;
    let cohort = app.engine.cohort_by_id(id).await.map_err(fail)?;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let rendered = match app.engine.outbox_message_as(viewer, id, message).await {
        Ok(mail) => preview(&mail),
        Err(e) => Err(gradflow_words::error(visitor.lang.code(), &e)),
    };
    let language = row.language.clone().unwrap_or_else(|| "en".to_owned());
    let (subject, text, problem) = match rendered {
        Ok(r) => (Some(r.subject), Some(r.text), None),
        Err(reason) => (
            None,
            None,
            Some(i18n::text(lang, "outbox-no-preview", &[("reason", reason)])),
        ),
    };
    Ok(pages::page(
        200,
        pages::render(
            "outbox-message",
            &Frame::of(&visitor),
            "outbox-title",
            json!({
                "cohort": { "id": cohort.id, "name": cohort.name },
                "message": {
                    "id": row.id,
                    "heading": i18n::text(lang, "outbox-message-title", &[("id", row.id.to_string())]),
                    "project": row.project,
                    "title": message_title(lang, &row.template).or_else(|| subject.clone()).unwrap_or_else(|| row.template.clone()),
                    "to": row.email,
                    "state": row.state,
                    "state_words": state_words(lang, &row.state),
                    "tries": i18n::count(lang, "outbox-tries", row.attempts),
                    "when": i18n::when(lang, row.sent_at.unwrap_or(row.next_attempt_at), &tz),
                    "error": row.last_error,
                    "resend": matches!(row.state.as_str(), "dead" | "failed" | "sent"),
                    "lang": language,
                    "dir": if language == "ar" { "rtl" } else { "ltr" },
                    "subject": subject,
                    "text": text,
                    "problem": problem,
                },
            }),
        ),
    ))
}

/// What the resend form posts.
#[derive(Deserialize)]
pub struct Resend {
    #[serde(default)]
    csrf: String,
}

/// `POST /cohorts/{id}/outbox/{message}/resend`: puts a message that was
/// given up on, failed or sent back in the queue (the engine's resend), then shows the outbox.
pub async fn resend(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, message)): Path<(String, String)>,
    Form(posted): Form<Resend>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let message = super::path_id(&visitor, &message)?;
    let fail = |e| Fail::service(&visitor, e);
    let row = app
        .engine
        .outbox_row_as(viewer, id, message)
        .await
        .map_err(fail)?;
    app.engine
        .resend_as(viewer, id, message, jiff::Timestamp::now())
        .await
        .map_err(fail)?;
    Ok(done::redirect(
        visitor.token(),
        &format!("/cohorts/{id}/outbox"),
        "",
        vec![done::Line::new("done-resend", &[("email", row.email)])],
    ))
}

/// `POST /cohorts/{id}/committee`: a coordinator assigns, from the cohort's
/// committee pool, the evaluators every project in evaluation lacks (the
/// engine's rules; all or nothing), then sees the board with how many
/// projects were given evaluators. A pool too small is refused with who is
/// excluded and why, in the page's language.
pub async fn assign_committee(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Resend>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let done = app
        .engine
        .assign_cohort_as(viewer, id, jiff::Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(done::redirect(
        visitor.token(),
        &format!("/cohorts/{id}"),
        "",
        vec![done::Line::new(
            "done-committee-assigned",
            &[("count", done.assigned.len().to_string())],
        )],
    ))
}

/// A message's title in `lang`, for the templates the catalogue names.
fn message_title(lang: Lang, template: &str) -> Option<String> {
    let key = format!("outbox-tpl-{template}");
    i18n::defines(lang, &key).then(|| i18n::text(lang, &key, &[]))
}

/// A message's state explained in `lang`.
fn state_words(lang: Lang, state: &str) -> String {
    match state {
        "pending" | "claimed" | "sent" | "failed" | "dead" => {
            i18n::text(lang, &format!("outbox-state-{state}"), &[])
        }
        other => other.to_owned(),
    }
}

/// A message rendered from its published templates, in its recipient's
/// language, as the courier would send it alone.
fn preview(
    mail: &gradflow_engine::service::mail::OutgoingMail,
) -> Result<gradflow_notifications::Rendered, String> {
    let templates =
        gradflow_notifications::Templates::published(mail.definition, mail.templates.iter())?;
    templates
        .render(
            &mail.message.template,
            mail.message.language.as_deref(),
            &mail.variables,
        )
        .map_err(|e| e.to_string())
}
