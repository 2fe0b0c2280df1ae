//! The projects the caller may see (issue 17, part 1): a list with filters
//! and a cursor, one project with its stages, what is due, what the caller
//! may do now and the forms those actions ask for, acting on it (with the
//! version the caller saw and an `Idempotency-Key`), and its history.
//!
//! Every read goes through the engine's read policy with the caller's
//! `Viewer`, every action through `Engine::act_as`: a project the caller may
//! not see is 404 exactly like one that does not exist.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use gradflow_engine::decide::{Direction, Possible};
use gradflow_engine::definition::{Field, Workflow};
use gradflow_engine::reason::{Arg, Reason};
use gradflow_engine::service::{Error, Kind, ProjectFilter, Request, View, Viewer};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Caller, Writer};
use super::json::ApiJson;
use super::problem::Problem;
use super::{ApiQuery, Cursor, Page, PageQuery};
use crate::App;
use crate::i18n::Lang;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(act))
        .routes(routes!(history))
}

/// A workflow's thing by key, with its title in the caller's language.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Named {
    /// Its key in the workflow (what filters and actions take).
    pub key: String,
    /// Its title in the caller's language.
    pub title: String,
}

/// A project in a list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 12, "title": "Shorter waiting times at the outpatient clinic",
    "cohort": 1, "workflow": {"key": "service-2027", "version": 1},
    "stage": {"key": "implementation", "title": "Implementation follow-up"},
    "version": 7, "due": "2026-03-15T05:00:00Z", "overdue_since": null,
    "your_roles": ["supervisor"], "waiting_for_you": true
}))]
pub(crate) struct ProjectSummary {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Its cohort's id.
    pub cohort: i64,
    /// The workflow version it runs.
    pub workflow: WorkflowRef,
    /// The stage it is at.
    pub stage: Named,
    /// Its version: send it back as `version` when acting.
    pub version: u64,
    /// The earliest due date of what its stage waits for (RFC 3339), if any.
    pub due: Option<String>,
    /// Since when its stage is overdue (RFC 3339), if it is.
    pub overdue_since: Option<String>,
    /// When it reached its final stage (RFC 3339), once it has.
    pub finished: Option<String>,
    /// The caller's roles on it.
    pub your_roles: Vec<String>,
    /// Whether its stage waits for the caller now.
    pub waiting_for_you: bool,
}

/// A workflow version.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WorkflowRef {
    /// The workflow's key.
    pub key: String,
    /// The version.
    pub version: u32,
}

/// One project: everything its page says, as data.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProjectDetail {
    /// What a list says of it.
    #[serde(flatten)]
    pub summary: ProjectSummary,
    /// Every stage of its workflow, in order, the current one marked.
    pub stages: Vec<StageInfo>,
    /// What its stage waits for: each step, whose turn, by when.
    pub steps: Vec<StepInfo>,
    /// The deadlines, reminders and milestone dates planned for it.
    pub planned: Vec<DueInfo>,
    /// Who holds which role on it (person ids and names).
    pub holders: Vec<Holders>,
    /// What the caller may do now, each with the form it asks for.
    pub actions: Vec<ActionInfo>,
}

/// A stage of the workflow.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StageInfo {
    /// Its key.
    pub key: String,
    /// Its title in the caller's language.
    pub title: String,
    /// Whether the project is at it.
    pub current: bool,
    /// Whether it ends a project.
    pub terminal: bool,
}

/// A step the current stage waits for.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StepInfo {
    /// The action that takes it.
    pub action: String,
    /// `forward`, `back` or `exit`.
    pub direction: String,
    /// The roles whose turn it is.
    pub roles: Vec<String>,
    /// The people (ids) whose part is not done.
    pub awaited: Vec<i64>,
    /// The people (ids) who have done their part.
    pub done: Vec<i64>,
    /// When it is due (RFC 3339), if ever.
    pub due: Option<String>,
    /// Whether its due date has passed.
    pub overdue: bool,
}

/// A planned timer: a deadline, a reminder, a milestone's date.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DueInfo {
    /// Its key (`deadline`, `remind:...`, a milestone's key).
    pub key: String,
    /// Its kind.
    pub kind: String,
    /// When (RFC 3339).
    pub at: String,
}

/// The people holding one role.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Holders {
    /// The role.
    pub role: String,
    /// Who holds it.
    pub people: Vec<PersonRef>,
}

/// A person by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PersonRef {
    /// Their id.
    pub id: i64,
    /// Their name.
    pub name: String,
}

/// An action the caller may take now (the core's `possible`, for their roles).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "action": "approve", "title": "Approve the proposal", "roles": ["supervisor"],
    "comment": "optional", "irreversible": false,
    "fields": [{"key": "feasible", "label": "Is it feasible?", "kind": "yes_no", "required": true, "choices": []}]
}))]
pub(crate) struct ActionInfo {
    /// What to post to: `POST /api/v1/projects/{id}/actions/{action}`.
    pub action: String,
    /// Its title in the caller's language.
    pub title: String,
    /// The roles that may take it.
    pub roles: Vec<String>,
    /// `required` or `optional`.
    pub comment: String,
    /// Whether it cannot be undone (a page asks once more).
    pub irreversible: bool,
    /// The fields its form asks for (`answers`), none when it has no form.
    pub fields: Vec<FieldInfo>,
    /// Why it cannot be taken yet (its condition is false), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Said>,
    /// Whom it still waits for, once some of the approvals it needs are given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<Said>,
}

/// A reason as data and in words.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Said {
    /// Its code.
    pub code: String,
    /// Its arguments.
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    /// In the caller's language.
    pub detail: String,
}

/// A field of an action's form.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FieldInfo {
    /// Its key: the member of `answers`.
    pub key: String,
    /// Its label in the caller's language.
    pub label: String,
    /// `text`, `long_text`, `number`, `date` (YYYY-MM-DD), `choice`,
    /// `file` (`sha256:HEX` of one of the project's files), `measurement`
    /// or `yes_no` (true or false).
    pub kind: String,
    /// Whether it must be answered.
    pub required: bool,
    /// Smallest number allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest number allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Longest text allowed, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// A choice's values (key and title).
    pub choices: Vec<Named>,
    /// A measurement's unit in the caller's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// What to do: the answers, the version seen, a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"version": 7, "answers": {"feasible": true}, "comment": "Well argued."}))]
pub(crate) struct ActBody {
    /// The project's version the caller saw (409 `stale` if it moved on);
    /// absent: act on whatever version is current.
    #[serde(default)]
    pub version: Option<u64>,
    /// The answers to the action's form, by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
    /// A comment (some actions require one).
    #[serde(default)]
    pub comment: Option<String>,
}

/// What an action did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"project": 12, "version": 8, "stage": "implementation", "notifications": 2, "replayed": false}))]
pub(crate) struct Acted {
    /// The project.
    pub project: i64,
    /// Its version now.
    pub version: u64,
    /// The stage it is at now.
    pub stage: String,
    /// Messages queued.
    pub notifications: usize,
    /// True when this is the stored answer of an earlier request with the
    /// same `Idempotency-Key` (nothing was done again).
    pub replayed: bool,
}

/// An event of a project's log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"seq": 3, "at": "2026-02-04T06:12:00Z", "actor": "amal@health.example",
    "kind": "action_taken", "change": {"type": "action_taken", "action": "submit"}}))]
pub(crate) struct HistoryEvent {
    /// Its position in the log, from 1.
    pub seq: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who (email), when a person did it; absent for the engine's own deeds (timers).
    pub actor: Option<String>,
    /// What happened, as the log records it (`kind` is its name).
    pub kind: String,
    /// The recorded change.
    #[schema(value_type = Object)]
    pub change: serde_json::Value,
}

/// `GET /api/v1/projects`'s filters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only this cohort's projects (by id).
    pub cohort: Option<i64>,
    /// Only those at this stage (by key).
    pub stage: Option<String>,
    /// `true`: only the overdue ones; `false`: only the others.
    pub overdue: Option<bool>,
    /// The `next` of the previous page; absent for the first.
    pub cursor: Option<String>,
    /// Items per page, 1 to 100 (50 when absent).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The projects the caller may see, oldest first, one page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/projects",
    tag = "projects",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of the projects the caller may see (the trainee their own, a supervisor their trainees', an evaluator those assigned, a coordinator their cohorts').", body = Page<ProjectSummary>),
        (status = 400, description = "A parameter or cursor this route does not take.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or away; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(
    State(app): State<App>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<ApiJson<Page<ProjectSummary>>, Problem> {
    let lang = caller.lang;
    let (cursor, limit) = PageQuery {
        cursor: query.cursor.clone(),
        limit: query.limit,
    }
    .read(lang)?;
    let filter = ProjectFilter {
        cohort: query.cohort,
        stage: query.stage.clone(),
        overdue: query.overdue,
    };
    let now = Timestamp::now();
    let (views, more) = app
        .engine
        .views_page_as(&caller.viewer, &filter, cursor.map(|c| c.0), limit, now)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    let next = more
        .then(|| views.last().map(|v| Cursor(v.record.id).encode()))
        .flatten();
    Ok(ApiJson(Page {
        items: views
            .iter()
            .map(|v| summary(v, &caller.viewer, lang, now))
            .collect(),
        next,
    }))
}

/// One project: its stages, what is due, who holds which role, and what
/// the caller may do now with the forms those actions ask for.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}",
    tag = "projects",
    params(("id" = i64, Path, description = "The project's id.")),
    responses(
        (status = 200, description = "The project as the caller sees it.", body = ProjectDetail),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or one the caller may not see (the same answer).", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/api/docs#problem-unknown-project", "title": "Not Found", "status": 404, "detail": "there is no project 99", "code": "unknown-project", "args": {"project": 99}})),
        (status = 429, description = "Too many invalid tokens from this address.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or away; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn one(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<ApiJson<ProjectDetail>, Problem> {
    let lang = caller.lang;
    let id = project_id(lang, &id)?;
    let fail = |e: Error| not_seen(lang, id, &e);
    let view = app.engine.view_as(&caller.viewer, id).await.map_err(fail)?;
    let due = app.engine.due_as(&caller.viewer, id).await.map_err(fail)?;
    let names = app
        .engine
        .names_on(std::slice::from_ref(&view))
        .await
        .map_err(fail)?;
    let now = Timestamp::now();
    let next = view.next(now);
    let workflow = &view.workflow;
    let code = lang.code();
    let stage = workflow.stage(&view.record.state.stage);
    let roles = roles_of(&caller.viewer, &view);
    let actions = match stage {
        Some(stage) => view
            .possible
            .iter()
            .filter(|p| p.by.iter().any(|r| roles.contains(r)))
            .map(|p| action_info(workflow, stage, p, lang))
            .collect(),
        None => Vec::new(),
    };
    Ok(ApiJson(ProjectDetail {
        summary: summary(&view, &caller.viewer, lang, now),
        stages: workflow
            .stages
            .iter()
            .map(|s| StageInfo {
                key: s.key.clone(),
                title: s.title.get(code).to_owned(),
                current: s.key == view.record.state.stage,
                terminal: s.terminal,
            })
            .collect(),
        steps: next
            .steps
            .iter()
            .map(|s| StepInfo {
                action: s.action.clone(),
                direction: match s.direction {
                    Direction::Forward => "forward",
                    Direction::Back => "back",
                    Direction::Exit => "exit",
                }
                .to_owned(),
                roles: s.roles.clone(),
                awaited: s.awaited.clone(),
                done: s.done.clone(),
                due: s.due.map(|t| t.to_string()),
                overdue: s.overdue,
            })
            .collect(),
        planned: due
            .into_iter()
            .map(|(key, kind, at)| DueInfo {
                key,
                kind,
                at: at.to_string(),
            })
            .collect(),
        holders: next
            .holders
            .iter()
            .map(|(role, people)| Holders {
                role: role.clone(),
                people: people
                    .iter()
                    .map(|id| PersonRef {
                        id: *id,
                        name: names.get(id).cloned().unwrap_or_default(),
                    })
                    .collect(),
            })
            .collect(),
        actions,
    }))
}

/// Takes an action on a project, as the token's person: the core decides
/// whether they may, exactly as on the project's page.
///
/// Send the version you saw (`version`) to be told, rather than act on a
/// project that moved on (409 `stale`), and an `Idempotency-Key` header to
/// retry safely: the same key with the same body returns the first answer
/// (`replayed: true`) and does nothing twice; with another body it is 409
/// `idempotency-key-reused`.
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/actions/{action}",
    tag = "projects",
    params(
        ("id" = i64, Path, description = "The project's id."),
        ("action" = String, Path, description = "The action's key, as `actions[].action` of the project gives it (e.g. `approve`, `proposal.submit`, `score`)."),
        ("Idempotency-Key" = Option<String>, Header, description = "1 to 200 visible ASCII characters naming this request: a retry with the same key and body returns the first answer."),
    ),
    request_body(content = ActBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Done (or, with a key used before for the same request, the first answer again).", body = Acted),
        (status = 400, description = "The body is not JSON, or the Idempotency-Key is not 1 to 200 visible ASCII characters.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token (`token-read-only`), or the caller's roles may not take this action (`not-allowed`).", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/api/docs#problem-token-read-only", "title": "Forbidden", "status": 403, "detail": "this token may only read; acting needs a read-write token (gradflow user token create --scope read-write)", "code": "token-read-only", "args": {}})),
        (status = 404, description = "No such project, or one the caller may not see (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The project moved on since `version` (`stale`), someone changed it at the same moment (`changed`), or the Idempotency-Key was used for another request (`idempotency-key-reused`).", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/api/docs#problem-stale", "title": "Conflict", "status": 409, "detail": "the project changed since you looked at it (you saw version 6, it is now at 7); look again and retry", "code": "stale", "args": {"expected": 6, "actual": 7}})),
        (status = 413, description = "The body is larger than 64 KiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body does not fit (an unknown member, a wrong type), or the core refused the answers or the action: each answer's problem on its field in `errors`.", body = Problem, content_type = "application/problem+json",
            example = json!({"type": "/api/docs#problem-invalid-fields", "title": "Unprocessable Entity", "status": 422, "detail": "the answers to Proposal have problems", "code": "invalid-fields", "args": {"form": "proposal"},
                "errors": [{"field": "baseline", "code": "field-required", "args": {"field": "proposal.baseline"}, "detail": "Baseline is required"}]})),
        (status = 429, description = "Too many invalid tokens from this address.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or away; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn act(
    State(app): State<App>,
    writer: Writer,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    ApiJson(body): ApiJson<ActBody>,
) -> Result<ApiJson<Acted>, Problem> {
    let lang = writer.lang;
    let id = project_id(lang, &id)?;
    let idempotency_key = idempotency_key(lang, &headers)?;
    let request = Request {
        action,
        fields: body.answers,
        comment: body.comment,
        expected_version: body.version,
        idempotency_key,
    };
    let outcome = app
        .engine
        .act_as(&writer.viewer, id, request, Timestamp::now())
        .await
        .map_err(|e| not_seen(lang, id, &e))?;
    Ok(ApiJson(Acted {
        project: outcome.project,
        version: outcome.version,
        stage: outcome.stage,
        notifications: outcome.notifications,
        replayed: outcome.replayed,
    }))
}

/// A project's log, oldest first, one page at a time. A scoring event
/// keeps its scores only for those who may read that scorecard.
#[utoipa::path(
    get,
    path = "/api/v1/projects/{id}/history",
    tag = "projects",
    params(("id" = i64, Path, description = "The project's id."), PageQuery),
    responses(
        (status = 200, description = "A page of the project's events.", body = Page<HistoryEvent>),
        (status = 400, description = "A parameter or cursor this route does not take.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, or one the caller may not see (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy or away; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn history(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<HistoryEvent>>, Problem> {
    let lang = caller.lang;
    let id = project_id(lang, &id)?;
    let (cursor, limit) = page.read(lang)?;
    let events = app
        .engine
        .history_as(&caller.viewer, id)
        .await
        .map_err(|e| not_seen(lang, id, &e))?;
    let after = cursor.map_or(i64::MIN, |c| c.0);
    let mut rest = events.into_iter().filter(|e| e.seq > after);
    let items: Vec<HistoryEvent> = rest
        .by_ref()
        .take(limit as usize)
        .map(|e| {
            let change = serde_json::to_value(&e.change).unwrap_or_default();
            HistoryEvent {
                seq: e.seq,
                at: e.at.to_string(),
                actor: e.actor,
                kind: change["type"].as_str().unwrap_or_default().to_owned(),
                change,
            }
        })
        .collect();
    let next = rest
        .next()
        .and(items.last().map(|e| Cursor(e.seq).encode()));
    Ok(ApiJson(Page { items, next }))
}

/// A project's id from the path: a path that is no number names nothing (404).
fn project_id(lang: Lang, raw: &str) -> Result<i64, Problem> {
    raw.parse::<i64>().map_err(|_| unknown_project(lang, raw))
}

/// 404 for project `raw`: the same whether it does not exist or the caller
/// may not see it.
fn unknown_project(lang: Lang, raw: &str) -> Problem {
    let project = raw
        .parse::<i64>()
        .map_or_else(|_| Arg::Text(raw.chars().take(40).collect()), Arg::int);
    Problem::new(
        lang,
        StatusCode::NOT_FOUND,
        &Reason::new("unknown-project", vec![("project", project)]),
    )
}

/// A service error about project `id`: not found (missing or not
/// visible) is always the same 404.
fn not_seen(lang: Lang, id: i64, error: &Error) -> Problem {
    if error.kind() == Kind::NotFound {
        unknown_project(lang, &id.to_string())
    } else {
        Problem::from_error(lang, error)
    }
}

/// The `Idempotency-Key` header: 1 to 200 visible ASCII characters, or 400.
fn idempotency_key(lang: Lang, headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let bad = || {
        Problem::new(
            lang,
            StatusCode::BAD_REQUEST,
            &Reason::new("idempotency-key", vec![("max", Arg::count(MAX_KEY))]),
        )
    };
    let key = value.to_str().map_err(|_| bad())?;
    if key.is_empty() || key.len() > MAX_KEY || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(key.to_owned()))
}

/// Longest `Idempotency-Key`, as the engine takes it.
const MAX_KEY: usize = 200;

/// `viewer`'s roles on `view`'s project.
fn roles_of(viewer: &Viewer, view: &View) -> Vec<String> {
    crate::routes::home::roles_of(viewer, view)
}

/// What a list says of a project.
fn summary(view: &View, viewer: &Viewer, lang: Lang, now: Timestamp) -> ProjectSummary {
    let next = view.next(now);
    let workflow = &view.workflow;
    let state = &view.record.state;
    ProjectSummary {
        id: view.record.id,
        title: view.record.title.clone(),
        cohort: view.record.cohort_id,
        workflow: WorkflowRef {
            key: workflow.key.clone(),
            version: workflow.version,
        },
        stage: Named {
            key: state.stage.clone(),
            title: workflow.stage(&state.stage).map_or_else(
                || state.stage.clone(),
                |s| s.title.get(lang.code()).to_owned(),
            ),
        },
        version: state.version,
        due: next.due().map(|t| t.to_string()),
        overdue_since: next.overdue_since.map(|t| t.to_string()),
        finished: next.finished.map(|t| t.to_string()),
        your_roles: roles_of(viewer, view),
        waiting_for_you: next.awaits(viewer.person.id),
    }
}

/// An action the caller may take, with its form's fields.
fn action_info(
    workflow: &Workflow,
    stage: &gradflow_engine::definition::Stage,
    possible: &Possible,
    lang: Lang,
) -> ActionInfo {
    let said = |reason: &Reason| Said {
        code: reason.code.to_owned(),
        args: serde_json::to_value(&reason.args).unwrap_or_default(),
        detail: gradflow_words::reason(lang.code(), reason, Some(workflow)),
    };
    let comment_required = stage
        .action(&possible.action)
        .is_some_and(|a| a.comment_required);
    ActionInfo {
        action: possible.action.clone(),
        title: crate::routes::forms::action_title(stage, possible, lang),
        roles: possible.by.clone(),
        comment: if comment_required {
            "required"
        } else {
            "optional"
        }
        .to_owned(),
        irreversible: gradflow_engine::decide::irreversible(workflow, stage, &possible.action),
        fields: crate::routes::forms::fields_of(workflow, stage, &possible.action)
            .iter()
            .map(|f| field_info(f, lang))
            .collect(),
        blocked: possible.blocked.as_ref().map(said),
        waiting_for: possible.waiting_for.as_ref().map(|w| said(&w.reason())),
    }
}

fn field_info(field: &Field, lang: Lang) -> FieldInfo {
    let code = lang.code();
    FieldInfo {
        key: field.key.clone(),
        label: field.label.get(code).to_owned(),
        kind: field.kind.name().to_owned(),
        required: field.required,
        min: field.min,
        max: field.max,
        max_length: field.max_length,
        choices: field
            .choices
            .iter()
            .map(|c| Named {
                key: c.key.clone(),
                title: c.title.get(code).to_owned(),
            })
            .collect(),
        unit: field.unit.as_ref().map(|u| u.get(code).to_owned()),
    }
}
