//! The project page: title, stage, the workflow's stages with the current
//! one marked, what is due and when (in the cohort's time zone), the forms
//! of the actions the viewer may take, who else is awaited, evidence files
//! and the history, with the workflow's words in the page's language.
//! `POST /projects/{id}/act` runs an action.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use gradflow_engine::decide::{Change, MODERATE_ACTION, RESCORE_ACTION, ROLE_GIVERS};
use gradflow_engine::definition::SCORE_ACTION;
use gradflow_engine::service::{Kind, Request, StoredEvent, View, Viewer};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::forms::{self, Refused};
use super::home::roles_of;
use crate::App;
use crate::done;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// `GET /projects/{id}`.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    render(&app, &visitor, viewer, id, None, 200).await
}

/// `POST /projects/{id}/act`: `csrf`, `action`, `version` (the project's
/// version the form was drawn at), `seen` (the last event its page showed),
/// `key` (the form's idempotency key), `comment` and the answers as `f.KEY`.
///
/// The same form sent twice with its key gets the first result's
/// confirmation (the engine replays it). A form whose project moved on
/// meanwhile comes back with 409, filled with what was sent, under a
/// message saying what changed since it was drawn.
pub async fn act(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let get = |name: &str| {
        posted
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let viewer = visitor.check_form(get("csrf"))?;
    let id = super::path_id(&visitor, &id)?;
    let answers: std::collections::BTreeMap<String, String> = posted
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("f.").map(|k| (k.to_owned(), v.clone())))
        .collect();
    let comment = get("comment").trim().to_owned();
    let request = Request {
        action: get("action").to_owned(),
        fields: answers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
        comment: (!comment.is_empty()).then(|| comment.clone()),
        expected_version: get("version").parse().ok(),
        idempotency_key: Some(get("key").trim())
            .filter(|k| !k.is_empty())
            .map(str::to_owned),
    };
    let action = request.action.clone();
    // An action that cannot be undone (withdraw, reject, a fail, returning a
    // milestone) is sent only with its box ticked: the form asks once more,
    // without JavaScript.
    if get("confirm") != "yes"
        && let Ok(view) = app.engine.view_as(viewer, id).await
        && let Some(stage) = view.workflow.stage(&view.record.state.stage)
        && gradflow_engine::decide::irreversible(&view.workflow, stage, &action)
    {
        let refused = Refused {
            action,
            answers,
            comment,
            error: forms::Why::Unconfirmed,
        };
        return render(&app, &visitor, viewer, id, Some(refused), 400).await;
    }
    match app
        .engine
        .act_as(viewer, id, request, Timestamp::now())
        .await
    {
        Ok(outcome) => Ok(confirm(&app, &visitor, viewer, id, &outcome).await),
        // A refusal the person can act on: the form again, with what was
        // typed, each problem at its field and the rest in its summary.
        Err(e) if e.kind() == Kind::Invalid => {
            let refused = Refused {
                action,
                answers,
                comment,
                error: forms::Why::Refused(e),
            };
            render(&app, &visitor, viewer, id, Some(refused), 400).await
        }
        // The project moved on since the form was drawn (the version it
        // carries is old, or another writer committed first): nothing was
        // done; the form comes back filled, with what changed.
        Err(e) if moved_on(&e) => {
            let refused = Refused {
                action,
                answers,
                comment,
                error: forms::Why::Moved {
                    seen: get("seen").parse().ok(),
                },
            };
            render(&app, &visitor, viewer, id, Some(refused), 409).await
        }
        Err(e) => Err(Fail::service(&visitor, e)),
    }
}

/// Whether `e` says the project changed under the command: the version the
/// form carried is not the project's (`stale`), or a concurrent writer
/// committed first (`changed`).
fn moved_on(e: &gradflow_engine::service::Error) -> bool {
    e.kind() == Kind::Conflict && (e.is_race() || e.reason().code == "stale")
}

/// The redirect after `outcome`, to the project's page, saying what was done
/// (the action, a milestone's step, a scorecard, an approval still waiting
/// for others, the stage it moved to) and who was told, by name and role.
async fn confirm(
    app: &App,
    visitor: &Visitor,
    viewer: &Viewer,
    id: i64,
    outcome: &gradflow_engine::service::Outcome,
) -> Response {
    let lang = visitor.lang;
    let words = lang.code();
    let path = format!("/projects/{id}");
    // The page is read afresh for the workflow's words and who holds which
    // role; if that fails the redirect still goes, without the words.
    let Ok(view) = app.engine.view_as(viewer, id).await else {
        return done::redirect(visitor.token(), &path, "", Vec::new());
    };
    let workflow = &view.workflow;
    let milestone = |key: &str| {
        workflow
            .stages
            .iter()
            .find_map(|s| s.milestone(key))
            .map_or_else(|| key.to_owned(), |m| m.title.get(words).to_owned())
    };
    let mut lines = Vec::new();
    let mut approval_waits = false;
    let mut moderated: Vec<String> = Vec::new();
    for change in &outcome.changes {
        match change {
            Change::ActionTaken {
                action,
                stage,
                role: Some(_),
                ..
            } if lines.is_empty() => {
                let title = workflow
                    .stage(stage)
                    .and_then(|s| s.action(action))
                    .map_or_else(|| action.clone(), |a| a.title.get(words).to_owned());
                lines.push(done::Line::new("done-action", &[("action", title)]));
            }
            Change::ApprovalRecorded { .. } => approval_waits = true,
            Change::MilestoneSubmitted { milestone: key, .. } => lines.push(done::Line::new(
                "done-milestone-submitted",
                &[("milestone", milestone(key))],
            )),
            Change::MilestoneAccepted { milestone: key, .. } => lines.push(done::Line::new(
                "done-milestone-accepted",
                &[("milestone", milestone(key))],
            )),
            Change::MilestoneReturned { milestone: key, .. } => lines.push(done::Line::new(
                "done-milestone-returned",
                &[("milestone", milestone(key))],
            )),
            Change::Scored { .. } => lines.push(done::Line::new("done-scored", &[])),
            Change::ScoreModerated { criterion, .. } => {
                let title = workflow
                    .rubrics
                    .values()
                    .find_map(|r| r.criteria.iter().find(|c| c.key == *criterion))
                    .map_or_else(|| criterion.clone(), |c| c.title.get(words).to_owned());
                moderated.push(title);
            }
            Change::RescoreRequested { .. } => {
                lines.push(done::Line::new("done-rescore-requested", &[]));
            }
            _ => {}
        }
    }
    if !moderated.is_empty() {
        let comma = if lang == Lang::Ar { "، " } else { ", " };
        lines.push(done::Line::new(
            "done-moderated",
            &[("criteria", moderated.join(comma))],
        ));
    }
    if approval_waits {
        // Not done yet: only this person's part of it.
        lines.retain(|l| l.id != "done-action");
        lines.insert(0, done::Line::new("done-approval-recorded", &[]));
    }
    if outcome
        .changes
        .iter()
        .any(|c| matches!(c, Change::Moved { .. }))
    {
        let stage = workflow
            .stage(&outcome.stage)
            .map_or_else(|| outcome.stage.clone(), |s| s.title.get(words).to_owned());
        lines.push(done::Line::new("done-moved", &[("stage", stage)]));
    }
    let names = told_names(app, lang, &view, &outcome.told).await;
    lines.push(done::told(lang, &names));
    done::redirect(visitor.token(), &path, "", lines)
}

/// Each person in `told` as "Name (role on the project)", in `lang`.
pub async fn told_names(app: &App, lang: Lang, view: &View, told: &[i64]) -> Vec<String> {
    let mut names = Vec::with_capacity(told.len());
    for &person in told {
        let name = match app.engine.person_by_id(person).await {
            Ok(p) => p.name,
            Err(_) => continue,
        };
        let roles: Vec<String> = view
            .record
            .members
            .iter()
            .filter(|m| m.person == person)
            .map(|m| m.role.clone())
            .collect();
        names.push(if roles.is_empty() {
            name
        } else {
            format!("{name} ({})", i18n::roles(lang, &roles))
        });
    }
    names
}

/// Renders the page of project `id` for `viewer`, with a refused form filled in.
async fn render(
    app: &App,
    visitor: &Visitor,
    viewer: &Viewer,
    id: i64,
    refused: Option<Refused>,
    status: u16,
) -> Result<Response, Fail> {
    render_with(app, visitor, viewer, id, refused, None, status).await
}

/// [`render`], with a refused give-a-role form filled in too.
async fn render_with(
    app: &App,
    visitor: &Visitor,
    viewer: &Viewer,
    id: i64,
    refused: Option<Refused>,
    give: Option<GiveRoleTyped>,
    status: u16,
) -> Result<Response, Fail> {
    let fail = |e| Fail::service(visitor, e);
    let lang = visitor.lang;
    let view = app.engine.view_as(viewer, id).await.map_err(fail)?;
    let history = app.engine.history_as(viewer, id).await.map_err(fail)?;
    let due = app.engine.due_as(viewer, id).await.map_err(fail)?;
    let evidence = app.engine.evidence_as(viewer, id).await.map_err(fail)?;
    let cohort = app
        .engine
        .cohort_by_id(view.record.cohort_id)
        .await
        .map_err(fail)?;
    let tz = TimeZone::get(&cohort.time_zone).unwrap_or(TimeZone::UTC);
    let now = Timestamp::now();
    let next = view.next(now);
    let names = app
        .engine
        .names_on(std::slice::from_ref(&view))
        .await
        .map_err(fail)?;
    let words = super::next::Words {
        lang,
        tz: &tz,
        weekend: cohort.weekend,
        names: &names,
    };
    let workflow = &view.workflow;
    let stage = workflow.stage(&view.record.state.stage);
    let roles = roles_of(viewer, &view);
    let yes_no = (i18n::text(lang, "yes", &[]), i18n::text(lang, "no", &[]));
    let files: Vec<(String, String)> = evidence
        .iter()
        .map(|e| (e.sha256.clone(), e.name.clone()))
        .collect();
    let choices = forms::Choices {
        lang,
        yes_no: (&yes_no.0, &yes_no.1),
        files: &files,
    };
    // Whether the core would refuse this viewer's score whatever they
    // answer (a conflict of interest): then the page says why, no form.
    let barred = if stage.is_some_and(|s| s.assessment.is_some()) {
        app.engine
            .score_refusal_as(viewer, view.record.id)
            .await
            .map_err(fail)?
            .map(|r| gradflow_words::reason(lang.code(), &r, Some(workflow)))
    } else {
        None
    };
    let scoring = super::scoring::scoring(
        lang,
        &view,
        viewer,
        &roles,
        refused.as_ref(),
        barred.as_deref(),
    );
    let mut action_forms = Vec::new();
    let mut waiting = Vec::new();
    if let Some(stage) = stage {
        for possible in &view.possible {
            // Scoring has its own section, with the rubric in view;
            // moderation is on the chair's decision panel.
            if (possible.action == SCORE_ACTION && scoring.is_some())
                || possible.action == MODERATE_ACTION
                || possible.action == RESCORE_ACTION
            {
                continue;
            }
            if possible.by.iter().any(|r| roles.contains(r)) {
                let mut form = json!(forms::action_form(
                    workflow,
                    stage,
                    possible,
                    refused.as_ref(),
                    &choices,
                ));
                form["destructive"] = json!(gradflow_engine::decide::irreversible(
                    workflow,
                    stage,
                    &possible.action
                ));
                action_forms.push(form);
            } else {
                let who = possible
                    .waiting_for
                    .as_ref()
                    .map(|w| gradflow_words::reason(lang.code(), &w.reason(), Some(workflow)))
                    .unwrap_or_else(|| i18n::roles(lang, &possible.by));
                waiting.push(json!({
                    "title": forms::action_title(stage, possible, lang),
                    "who": i18n::text(lang, "waiting-roles", &[("roles", who)]),
                }));
            }
        }
    }
    // The steps in order, then the endings as alternatives (a project ends
    // in one of them), so the chips do not read as one path through all.
    let chip = |s: &gradflow_engine::definition::Stage| json!({ "title": s.title.get(lang.code()), "current": s.key == view.record.state.stage });
    let stages: Vec<Value> = workflow
        .stages
        .iter()
        .filter(|s| !s.terminal)
        .map(chip)
        .collect();
    let endings: Vec<Value> = workflow
        .stages
        .iter()
        .filter(|s| s.terminal)
        .map(chip)
        .collect();
    // A deadline whose timer has fired (the stage is overdue) is still the
    // stage's due date: the page never says nothing is due then.
    let mut due = due;
    if due.is_empty()
        && stage.is_some_and(|s| !s.terminal)
        && let Some(deadline) = view.record.state.deadline
    {
        due.push(("deadline".into(), "deadline".into(), deadline));
    }
    let due: Vec<Value> = due
        .iter()
        .filter_map(|(key, kind, at)| {
            let what = match kind.as_str() {
                "deadline" => i18n::text(
                    lang,
                    "due-deadline",
                    &[(
                        "stage",
                        stage.map_or(String::new(), |s| s.title.get(lang.code()).to_owned()),
                    )],
                ),
                "milestone_due" => {
                    let key = key.strip_prefix("milestone:").unwrap_or(key);
                    let title = stage
                        .and_then(|s| s.milestone(key))
                        .map_or(key.to_owned(), |m| m.title.get(lang.code()).to_owned());
                    i18n::text(lang, "due-milestone", &[("milestone", title)])
                }
                _ => return None,
            };
            // Part 5 of issue 15: a date an extension gave says so, by whom and why.
            let extension_key = match kind.as_str() {
                "deadline" => "deadline",
                _ => key.strip_prefix("milestone:").unwrap_or(key),
            };
            let extended = view
                .record
                .state
                .extensions
                .contains_key(extension_key)
                .then(|| extended_by(&history, extension_key))
                .flatten();
            Some(json!({ "what": what, "when": i18n::when(lang, *at, &tz), "extended": extended }))
        })
        .collect();
    let mut due = due;
    for line in &mut due {
        if let Some(by) = line["extended"]["by"].as_str().map(str::to_owned) {
            let name = app.engine.person(&by).await.map_or(by, |p| p.name);
            line["extended"]["by"] = json!(name);
        }
    }
    // Part 6 of issue 15: the graduation checklist, met or missing, for
    // those the core shows it to (not the committee judging the work).
    let checklist: Vec<Value> = gradflow_engine::decide::checklist(workflow, &view.record.state)
        .into_iter()
        .filter_map(|item| {
            let declared = workflow.checklist.iter().find(|i| i.key == item.key)?;
            Some(json!({
                "key": item.key,
                "title": declared.title.get(lang.code()),
                "done": item.done,
            }))
        })
        .collect();
    // Part 5 of issue 15: the coordinator's form to extend a date of the
    // current stage (the engine decides again who may).
    let mut targets = Vec::new();
    if let Some(s) = stage.filter(|s| !s.terminal)
        && roles
            .iter()
            .any(|r| gradflow_engine::decide::DATE_GIVERS.contains(&r.as_str()))
    {
        if view.record.state.deadline.is_some() {
            targets.push(json!({
                "value": format!("deadline:{}", s.key),
                "label": i18n::text(lang, "due-deadline", &[("stage", s.title.get(lang.code()).to_owned())]),
            }));
        }
        for m in &s.milestones {
            if view
                .record
                .state
                .milestones
                .get(&m.key)
                .is_some_and(|x| x.due.is_some())
            {
                targets.push(json!({
                    "value": format!("milestone:{}", m.key),
                    "label": i18n::text(lang, "due-milestone", &[("milestone", m.title.get(lang.code()).to_owned())]),
                }));
            }
        }
    }
    let extend_form = (!targets.is_empty()).then(|| json!({ "targets": targets }));
    let missing = checklist
        .iter()
        .filter(|i| i["done"] == json!(false))
        .count();
    // Who reads it, and while the project is open, is the core's to say.
    let checklist = (!checklist.is_empty()
        && gradflow_engine::decide::shows_checklist(workflow, &view.record.state, &roles))
    .then(|| json!({ "items": checklist, "missing": missing, "complete": missing == 0 }));
    // Who acted, by name (each person looked up once).
    let mut names: std::collections::HashMap<String, String> = Default::default();
    let mut events = Vec::with_capacity(history.len());
    // The form came back because the project moved on: the events after
    // the one its page showed last are what changed meanwhile.
    let moved_since = refused.as_ref().and_then(|r| match r.error {
        forms::Why::Moved { seen } => Some(seen),
        _ => None,
    });
    let mut changed = Vec::new();
    for event in history.iter().rev() {
        let mut line = describe(app, lang, &view, event, &tz).await;
        if let Some(email) = &event.actor {
            if !names.contains_key(email) {
                let name = app
                    .engine
                    .person(email)
                    .await
                    .map_or_else(|_| email.clone(), |p| p.name);
                names.insert(email.clone(), name);
            }
            line["who"] = json!(names[email]);
        }
        if let Some(Some(seen)) = moved_since
            && event.seq > seen
        {
            changed.push(line.clone());
        }
        events.push(line);
    }
    changed.reverse();
    let moved = match (&refused, moved_since) {
        (Some(r), Some(seen)) => {
            let still = action_forms.iter().any(|f| f["action"] == json!(r.action))
                || ((r.action == MODERATE_ACTION || r.action == RESCORE_ACTION)
                    && view.possible.iter().any(|p| p.action == r.action))
                || (r.action == SCORE_ACTION
                    && scoring.as_ref().is_some_and(|s| !s["form"].is_null()));
            let new: Vec<&StoredEvent> = history
                .iter()
                .filter(|e| seen.is_some_and(|seen| e.seq > seen))
                .collect();
            Some(moved(lang, &view, stage, r, &new, changed, still, &choices))
        }
        _ => None,
    };
    let panel = super::scoring::panel(app, lang, &view, viewer, &roles, refused.as_ref()).await;
    // A refusal of an action no form on the page carries (the chair's
    // deeds posted by someone else, a crafted post): said at the top.
    let refused_elsewhere = refused.as_ref().and_then(|r| {
        let drawn = action_forms.iter().any(|f| f["action"] == json!(r.action))
            || (r.action == SCORE_ACTION && scoring.as_ref().is_some_and(|s| !s["form"].is_null()))
            || panel.as_ref().is_some_and(|p| {
                ["moderate_form", "rescore_form"]
                    .iter()
                    .any(|f| p[*f]["action"] == json!(r.action))
            });
        (!drawn && matches!(r.error, forms::Why::Refused(_)))
            .then(|| forms::problems(lang, workflow, r))
    });
    let files: Vec<Value> = evidence
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "name": e.name,
                "size": size_text(e.size),
                "uploader": e.uploader,
                "when": i18n::when(lang, e.at, &tz),
            })
        })
        .collect();
    let data = json!({
        "project": {
            "id": view.record.id,
            "title": view.record.title,
            "version": view.record.state.version,
            // The last event shown: a form that comes back because the
            // project moved on says what happened after it.
            "seen": history.last().map_or(0, |e| e.seq),
            "cohort": cohort.name,
            "time_zone": super::next::zone_name(lang, &cohort.time_zone),
            "stage": stage.map_or(view.record.state.stage.clone(), |s| s.title.get(lang.code()).to_owned()),
            "overdue_since": next.overdue_since.map(|t| i18n::when(lang, t, &tz)),
        },
        // What comes next, by whom by name, by when; who holds which role.
        "next": {
            "lines": words.lines(&view, &next),
            "finished": words.finished(&view, &next),
            "idle": next.steps.is_empty() && next.finished.is_none(),
            "people": words.holders(&view, &next, false),
        },
        "roles": i18n::roles(lang, &roles),
        "moved": moved,
        "stages": stages,
        "endings": endings,
        "due": due,
        "checklist": checklist,
        "extend": extend_form,
        "forms": action_forms,
        "waiting": waiting,
        "history": events,
        // The form to give a role, for those the core lets give roles.
        "give_roles": (stage.is_some_and(|s| !s.terminal)
            && roles.iter().any(|r| ROLE_GIVERS.contains(&r.as_str())))
            .then(|| {
                json!({
                    "roles": workflow
                        .roles
                        .iter()
                        .map(|r| json!({
                            "key": r,
                            "name": i18n::role(lang, r),
                            "selected": give.as_ref().is_some_and(|g| &g.role == r),
                        }))
                        .collect::<Vec<_>>(),
                    "email": give.as_ref().map_or("", |g| g.email.as_str()),
                    "problem": give.as_ref().map(|g| g.problem.as_str()),
                })
            }),
        "submitted": super::answers::submitted(app, lang, &view, viewer, &evidence, &history).await,
        // Scoring with the rubric in view, and the chair's decision panel.
        "scoring": scoring,
        "panel": panel,
        "refused_elsewhere": refused_elsewhere,
        "evidence": files,
        // The upload form, for the roles the workflow lets add files while
        // the project is open (the engine checks again on upload).
        "may_upload": stage.is_some_and(|s| !s.terminal)
            && roles.iter().any(|r| view.workflow.evidence.contains(r)),
        "upload_limit": size_text(i64::try_from(app.config.upload_limit).unwrap_or(i64::MAX)),
    });
    Ok(pages::page(
        status,
        pages::render("project", &Frame::of(visitor), "project-title", data),
    ))
}

/// The message at the top of a page whose form came back because the
/// project moved on: a headline built from the events after the form was
/// drawn (the deadline passed, the stage it moved to), those events as the
/// history says them, and what the person can do now: send the form again
/// (it is below, filled) or, when its action is gone, what they wrote, kept
/// to copy, and where to find what they can do instead.
#[allow(clippy::too_many_arguments)]
fn moved(
    lang: Lang,
    view: &View,
    current: Option<&gradflow_engine::definition::Stage>,
    refused: &Refused,
    new: &[&StoredEvent],
    changes: Vec<Value>,
    still: bool,
    choices: &forms::Choices<'_>,
) -> Value {
    let workflow = &view.workflow;
    let words = lang.code();
    let deadline = new
        .iter()
        .any(|e| matches!(e.change, Change::DeadlinePassed));
    let moved_to = new.iter().rev().find_map(|e| match &e.change {
        Change::Moved { to, .. } => Some(
            workflow
                .stage(to)
                .map_or_else(|| to.clone(), |s| s.title.get(words).to_owned()),
        ),
        _ => None,
    });
    let headline = match (deadline, moved_to) {
        (true, Some(stage)) => i18n::text(lang, "busy-deadline-moved", &[("stage", stage)]),
        (false, Some(stage)) => i18n::text(lang, "busy-moved", &[("stage", stage)]),
        (true, None) => i18n::text(lang, "busy-deadline", &[]),
        (false, None) => i18n::text(lang, "busy-changed", &[]),
    };
    let stage = forms::stage_of(workflow, current, &refused.action);
    let title = stage
        .and_then(|s| forms::title_in(s, &refused.action, lang))
        .unwrap_or_else(|| refused.action.clone());
    let (next, href, kept) = if still {
        let href = if refused.action == SCORE_ACTION {
            "act-score".to_owned()
        } else if refused.action == MODERATE_ACTION || refused.action == RESCORE_ACTION {
            format!("act-{}", refused.action)
        } else {
            format!("act-{}", refused.action.replace('.', "-"))
        };
        (
            i18n::text(lang, "busy-send-again", &[("action", title)]),
            Some(href),
            Vec::new(),
        )
    } else {
        let kept = stage
            .map(|s| forms::kept(workflow, s, refused, choices))
            .unwrap_or_default();
        (
            i18n::text(lang, "busy-gone", &[("action", title)]),
            None,
            kept,
        )
    };
    json!({
        "headline": headline,
        "changes": changes,
        "next": next,
        "href": href,
        "kept": kept
            .into_iter()
            .map(|(label, value)| json!({ "label": label, "value": value }))
            .collect::<Vec<_>>(),
    })
}

/// One history line: when, who, what (from the catalogue), and any comment.
async fn describe(app: &App, lang: Lang, view: &View, event: &StoredEvent, tz: &TimeZone) -> Value {
    let workflow = &view.workflow;
    let words = lang.code();
    let stage = |key: &str| {
        workflow
            .stage(key)
            .map_or(key.to_owned(), |s| s.title.get(words).to_owned())
    };
    let milestone = |key: &str| {
        workflow
            .stages
            .iter()
            .find_map(|s| s.milestone(key))
            .map_or(key.to_owned(), |m| m.title.get(words).to_owned())
    };
    let action = |stage: Option<&str>, key: &str| {
        let found = match stage {
            Some(s) => workflow.stage(s).and_then(|s| s.action(key)),
            None => workflow.stages.iter().find_map(|s| s.action(key)),
        };
        found.map_or(key.to_owned(), |a| a.title.get(words).to_owned())
    };
    let (kind, args, comment): (&str, Vec<(&str, String)>, Option<String>) = match &event.change {
        Change::Started { stage: s, .. } => ("started", vec![("stage", stage(s))], None),
        Change::ActionTaken {
            action: key,
            stage: s,
            comment,
            ..
        } => (
            "action_taken",
            vec![("action", action(Some(s), key))],
            comment.clone(),
        ),
        Change::ApprovalRecorded { action: key, role } => (
            "approval_recorded",
            vec![
                // (Approvals are not tied to a stage in the log: the first
                // stage with the action names it.)
                ("action", action(None, key)),
                ("role", i18n::role(lang, role)),
            ],
            None,
        ),
        Change::Moved { from, to } => (
            "moved",
            vec![("from", stage(from)), ("to", stage(to))],
            None,
        ),
        Change::Migrated {
            from_version,
            to_version,
            from_stage,
            to_stage,
        } => (
            "migrated",
            vec![
                ("from_version", from_version.to_string()),
                ("to_version", to_version.to_string()),
                ("from", stage(from_stage)),
                ("to", stage(to_stage)),
            ],
            None,
        ),
        Change::MilestoneSubmitted { milestone: key, .. } => (
            "milestone_submitted",
            vec![("milestone", milestone(key))],
            None,
        ),
        Change::MilestoneAccepted {
            milestone: key,
            comment,
        } => (
            "milestone_accepted",
            vec![("milestone", milestone(key))],
            comment.clone(),
        ),
        Change::MilestoneReturned {
            milestone: key,
            comment,
        } => (
            "milestone_returned",
            vec![("milestone", milestone(key))],
            Some(comment.clone()),
        ),
        Change::Scored { comment, .. } => ("scored", vec![], comment.clone()),
        Change::DeadlinePassed => ("deadline_passed", vec![], None),
        Change::MilestoneLate { milestone: key } => {
            ("milestone_late", vec![("milestone", milestone(key))], None)
        }
        Change::Reminded { .. } => ("reminded", vec![], None),
        Change::ReminderSkipped { .. } => ("reminder_skipped", vec![], None),
        Change::EffectRequested { effect } => (
            "effect_requested",
            vec![("effect", effect.replace('_', " "))],
            None,
        ),
        Change::MemberAdded { person, role } => {
            let name = match app.engine.person_by_id(*person).await {
                Ok(p) => p.name,
                Err(_) => String::from("?"),
            };
            (
                "member_added",
                vec![("person", name), ("role", i18n::role(lang, role))],
                None,
            )
        }
        Change::MemberRemoved { person, role } => {
            let name = match app.engine.person_by_id(*person).await {
                Ok(p) => p.name,
                Err(_) => String::from("?"),
            };
            (
                "member_removed",
                vec![("person", name), ("role", i18n::role(lang, role))],
                None,
            )
        }
        // Issue 16, part 5: a withdrawal from any stage, with its reason.
        Change::Withdrawn { stage: s, reason } => {
            ("withdrawn", vec![("stage", stage(s))], Some(reason.clone()))
        }
        Change::CommitteeShort { role, missing } => (
            "committee_short",
            vec![
                ("role", i18n::role(lang, role)),
                ("missing", missing.to_string()),
            ],
            None,
        ),
        Change::EvidenceAdded { name, size, .. } => (
            "evidence_added",
            vec![("name", name.clone()), ("size", size_text(*size))],
            None,
        ),
        // Part 5 of issue 15: extensions and calendar changes, with their reason.
        Change::Extended {
            stage: s,
            milestone: None,
            due,
            reason,
        } => (
            "extended",
            vec![("stage", stage(s)), ("due", i18n::when(lang, *due, tz))],
            Some(reason.clone()),
        ),
        Change::Extended {
            milestone: Some(key),
            due,
            reason,
            ..
        } => (
            "milestone_extended",
            vec![
                ("milestone", milestone(key)),
                ("due", i18n::when(lang, *due, tz)),
            ],
            Some(reason.clone()),
        ),
        Change::CalendarChanged { reason, .. } => {
            ("calendar_changed", vec![], Some(reason.clone()))
        }
        // The criterion and the reason, not the score: the figures are the
        // panel's, for those who read every scorecard.
        Change::ScoreModerated {
            criterion, reason, ..
        } => {
            let title = workflow
                .rubrics
                .values()
                .find_map(|r| r.criteria.iter().find(|c| c.key == *criterion))
                .map_or_else(|| criterion.clone(), |c| c.title.get(words).to_owned());
            (
                "score_moderated",
                vec![("criterion", title)],
                Some(reason.clone()),
            )
        }
        Change::RescoreRequested { evaluators, reason } => {
            let mut names = Vec::with_capacity(evaluators.len());
            for person in evaluators {
                names.push(match app.engine.person_by_id(*person).await {
                    Ok(p) => p.name,
                    Err(_) => String::from("?"),
                });
            }
            (
                "rescore_requested",
                vec![(
                    "people",
                    names.join(if lang == Lang::Ar { "، " } else { ", " }),
                )],
                Some(reason.clone()),
            )
        }
    };
    json!({
        "when": i18n::when(lang, event.at, tz),
        "who": event.actor,
        "what": i18n::text(lang, &format!("event-{kind}"), &args),
        "comment": comment,
    })
}

/// Who gave the latest extension of `key` (`deadline`, or a milestone's
/// key) in the project's current stage entry, by email, and why.
fn extended_by(history: &[StoredEvent], key: &str) -> Option<Value> {
    history.iter().rev().find_map(|e| match &e.change {
        Change::Extended {
            milestone, reason, ..
        } if milestone.as_deref().unwrap_or("deadline") == key => {
            Some(json!({ "by": e.actor, "reason": reason }))
        }
        _ => None,
    })
}

/// A size in bytes as people read it: `812 B`, `14.2 KiB`, `3.0 MiB`.
pub fn size_text(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / KIB / KIB)
    }
}

/// What the give-a-role form posts.
#[derive(serde::Deserialize)]
pub struct GiveRole {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `POST /projects/{id}/members`: gives a person a role on the project (a
/// coordinator assigning an evaluator); the engine decides who may. A
/// refusal shows the page again with what was typed and why: no role
/// chosen, an email nobody is registered with (and how to add them), or
/// the engine's reason.
pub async fn give_role(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<GiveRole>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let lang = visitor.lang;
    let email = posted.email.trim().to_owned();
    let typed = |problem: String| GiveRoleTyped {
        email: email.clone(),
        role: posted.role.clone(),
        problem,
    };
    if posted.role.trim().is_empty() {
        let problem = i18n::text(lang, "give-role-choose", &[]);
        return render_with(&app, &visitor, viewer, id, None, Some(typed(problem)), 400).await;
    }
    match app
        .engine
        .assign_as(viewer, id, &email, &posted.role, Timestamp::now())
        .await
    {
        Ok(outcome) => {
            let view = app
                .engine
                .view_as(viewer, id)
                .await
                .map_err(|e| Fail::service(&visitor, e))?;
            let person = app
                .engine
                .person(&email)
                .await
                .map_or_else(|_| email.clone(), |p| p.name);
            let mut lines = vec![done::Line::new(
                "done-role-given",
                &[
                    ("person", person),
                    ("role", i18n::role(lang, posted.role.trim())),
                ],
            )];
            let names = told_names(&app, lang, &view, &outcome.told).await;
            lines.push(done::told(lang, &names));
            Ok(done::redirect(
                visitor.token(),
                &format!("/projects/{id}"),
                "",
                lines,
            ))
        }
        Err(e) => {
            // The project is visible (the page renders) yet something was
            // not found: the email. Any other refusal keeps the engine's words.
            // Only someone who may give roles sees the form; anyone else
            // gets the refusal's own page.
            let gives = match app.engine.view_as(viewer, id).await {
                Ok(view) => roles_of(viewer, &view)
                    .iter()
                    .any(|r| ROLE_GIVERS.contains(&r.as_str())),
                Err(_) => false,
            };
            let problem = match e.kind() {
                Kind::NotFound if gives => {
                    i18n::text(lang, "give-role-unknown-email", &[("email", email.clone())])
                }
                Kind::Invalid | Kind::Forbidden | Kind::Conflict if gives => {
                    gradflow_words::error(lang.code(), &e)
                }
                _ => return Err(Fail::service(&visitor, e)),
            };
            let status = match e.kind() {
                Kind::NotFound => 404,
                Kind::Forbidden => 403,
                Kind::Conflict => 409,
                _ => 400,
            };
            render_with(
                &app,
                &visitor,
                viewer,
                id,
                None,
                Some(typed(problem)),
                status,
            )
            .await
        }
    }
}

/// What was typed in a refused give-a-role form, and why it was refused.
pub struct GiveRoleTyped {
    email: String,
    role: String,
    problem: String,
}
