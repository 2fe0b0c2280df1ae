//! The project page: title, stage, the workflow's stages with the current
//! one marked, what is due and when (in the cohort's time zone), the forms
//! of the actions the viewer may take, who else is awaited, evidence files
//! and the history, with the workflow's words in the page's language.
//! `POST /projects/{id}/act` runs an action.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use gradflow_engine::decide::{Change, ROLE_GIVERS};
use gradflow_engine::service::{Kind, Request, StoredEvent, View, Viewer};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

use super::forms::{self, Refused};
use super::home::roles_of;
use crate::App;
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

/// `POST /projects/{id}/act`: `csrf`, `action`, `version`, `comment` and
/// the answers as `f.KEY`.
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
        idempotency_key: None,
    };
    let action = request.action.clone();
    match app
        .engine
        .act_as(viewer, id, request, Timestamp::now())
        .await
    {
        Ok(_) => Ok(super::auth::see_other(&format!("/projects/{id}"))),
        // A refusal the person can act on: the form again, with what was
        // typed, each problem at its field and the rest in its summary.
        Err(e) if e.kind() == Kind::Invalid => {
            let refused = Refused {
                action,
                answers,
                comment,
                error: e,
            };
            render(&app, &visitor, viewer, id, Some(refused), 400).await
        }
        Err(e) => Err(Fail::service(&visitor, e)),
    }
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
    let mut action_forms = Vec::new();
    let mut waiting = Vec::new();
    if let Some(stage) = stage {
        for possible in &view.possible {
            if possible.by.iter().any(|r| roles.contains(r)) {
                action_forms.push(forms::action_form(
                    workflow,
                    stage,
                    possible,
                    refused.as_ref(),
                    &choices,
                ));
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
    let stages: Vec<Value> = workflow
        .stages
        .iter()
        .map(|s| json!({ "title": s.title.get(lang.code()), "current": s.key == view.record.state.stage }))
        .collect();
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
            Some(json!({ "what": what, "when": i18n::when(lang, *at, &tz) }))
        })
        .collect();
    // Who acted, by name (each person looked up once).
    let mut names: std::collections::HashMap<String, String> = Default::default();
    let mut events = Vec::with_capacity(history.len());
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
        events.push(line);
    }
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
            "cohort": cohort.name,
            "time_zone": cohort.time_zone,
            "stage": stage.map_or(view.record.state.stage.clone(), |s| s.title.get(lang.code()).to_owned()),
            "overdue_since": view.record.state.overdue_since.map(|t| i18n::when(lang, t, &tz)),
        },
        "roles": i18n::roles(lang, &roles),
        "stages": stages,
        "due": due,
        "forms": action_forms,
        "waiting": waiting,
        "history": events,
        // The form to give a role, for those the core lets give roles.
        "give_roles": (stage.is_some_and(|s| !s.terminal)
            && roles.iter().any(|r| ROLE_GIVERS.contains(&r.as_str())))
            .then(|| {
                workflow
                    .roles
                    .iter()
                    .map(|r| json!({ "key": r, "name": i18n::role(lang, r) }))
                    .collect::<Vec<_>>()
            }),
        "submitted": super::answers::submitted(app, lang, &view, viewer, &evidence, &history).await,
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
        Change::EvidenceAdded { name, size, .. } => (
            "evidence_added",
            vec![("name", name.clone()), ("size", size_text(*size))],
            None,
        ),
    };
    json!({
        "when": i18n::when(lang, event.at, tz),
        "who": event.actor,
        "what": i18n::text(lang, &format!("event-{kind}"), &args),
        "comment": comment,
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
/// coordinator assigning an evaluator); the engine decides who may.
pub async fn give_role(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<GiveRole>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let id = super::path_id(&visitor, &id)?;
    app.engine
        .assign_as(
            viewer,
            id,
            posted.email.trim(),
            &posted.role,
            Timestamp::now(),
        )
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(super::auth::see_other(&format!("/projects/{id}")))
}
