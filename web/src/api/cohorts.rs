//! Cohorts and their boards through the API, for their coordinators: the
//! cohorts the caller coordinates (`GET /api/v1/cohorts`), one of them
//! (`GET /api/v1/cohorts/{cohort}`) and its board (`GET
//! /api/v1/cohorts/{cohort}/board`: how many projects are at each stage and
//! how many are overdue, and one page of the overdue ones or of those at one
//! stage, with what each waits for). Everything is read through the
//! engine's read policy (`Engine::cohorts_for`, `Engine::board_as`): a
//! cohort the caller does not coordinate is 404, like one that does not
//! exist.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use gradflow_engine::service::{BoardList, Cohort, View};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Caller, header_lang};
use super::json::ApiJson;
use super::problem::Problem;
use super::{ApiQuery, Cursor, Page, PageQuery, bad_parameter};
use crate::App;
use crate::i18n::Lang;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(board))
}

/// A cohort: a group of trainees of one program on one calendar.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "name": "Service 2026 A", "program": 1, "time_zone": "Asia/Muscat",
    "dates": {"proposal_due": "2026-03-15", "presentation_day": "2026-06-15"},
    "holidays": ["2026-03-20"], "weekend": "sat,sun", "mail_hours": "09:00-17:00",
    "capacity": 40, "taken": 12, "workflow_version": 2
}))]
pub(crate) struct CohortOut {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The id of its program.
    pub program: i64,
    /// Its IANA time zone: dates and deadlines are days there.
    pub time_zone: String,
    /// Its named dates (key to `YYYY-MM-DD`), which deadlines follow.
    #[schema(value_type = BTreeMap<String, String>)]
    pub dates: BTreeMap<String, String>,
    /// Its holidays (`YYYY-MM-DD`), skipped by working-day rules.
    pub holidays: Vec<String>,
    /// Its weekly rest days, e.g. `fri,sat`.
    pub weekend: String,
    /// When reminders and escalations may go out, e.g. `09:00-17:00`.
    pub mail_hours: String,
    /// Most projects it takes.
    pub capacity: u32,
    /// Projects started in it.
    pub taken: u32,
    /// The version of its workflow new projects start on (0: none yet).
    pub workflow_version: u32,
}

impl From<&Cohort> for CohortOut {
    fn from(c: &Cohort) -> CohortOut {
        CohortOut {
            id: c.id,
            name: c.name.clone(),
            program: c.program_id,
            time_zone: c.time_zone.clone(),
            dates: c
                .dates
                .iter()
                .map(|(k, d)| (k.clone(), d.to_string()))
                .collect(),
            holidays: c.holidays.iter().map(ToString::to_string).collect(),
            weekend: c.weekend.to_string(),
            mail_hours: c.mail_hours.to_string(),
            capacity: c.capacity,
            taken: c.taken,
            workflow_version: c.workflow_version,
        }
    }
}

/// How many projects are at a stage, and how many of those are overdue.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct StageCountOut {
    /// The stage's key.
    pub stage: String,
    /// Its title in the caller's language (the key when the workflow no
    /// longer has the stage).
    pub title: String,
    /// Projects at it.
    pub projects: i64,
    /// Of those, the overdue ones.
    pub overdue: i64,
}

/// A project on a board page, with what it waits for.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BoardProject {
    /// Its id (`GET /api/v1/projects/{id}` for all of it).
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The key of its current stage.
    pub stage: String,
    /// Its version: what an action's `expected_version` names.
    pub version: u64,
    /// Since when its stage is overdue, if it is (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub overdue_since: Option<String>,
    /// The earliest due date of the steps it waits for, if any (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub due: Option<String>,
    /// The actions it waits for, each with the person ids whose turn it is.
    pub waiting: Vec<Waiting>,
}

/// One step a project waits for.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Waiting {
    /// The action to send (`POST /api/v1/projects/{id}/actions/{action}`).
    pub action: String,
    /// The roles whose turn it is.
    pub roles: Vec<String>,
    /// The people (ids) who have not done their part.
    pub people: Vec<i64>,
}

/// A cohort's board.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "cohort": {"id": 3, "name": "Service 2026 A", "program": 1, "time_zone": "Asia/Muscat",
               "dates": {}, "holidays": [], "weekend": "sat,sun", "mail_hours": "09:00-17:00",
               "capacity": 40, "taken": 2, "workflow_version": 1},
    "stages": [{"stage": "proposal", "title": "Proposal", "projects": 2, "overdue": 1}],
    "total": {"projects": 2, "overdue": 1},
    "list": "overdue",
    "projects": {"items": [{"id": 12, "title": "Same-day renewals", "stage": "proposal",
        "version": 3, "overdue_since": "2026-03-16T05:00:00Z", "due": "2026-03-16T05:00:00Z",
        "waiting": [{"action": "submit", "roles": ["trainee"], "people": [41]}]}]}
}))]
pub(crate) struct BoardOut {
    /// The cohort.
    pub cohort: CohortOut,
    /// Each stage with projects, in the workflow's order.
    pub stages: Vec<StageCountOut>,
    /// All the cohort's projects, and how many are overdue.
    pub total: Total,
    /// What the page lists: `overdue` (longest overdue first) or the key
    /// of the stage asked for (oldest first).
    pub list: String,
    /// One page of that list (at most 50 projects; `next` asks for the following).
    pub projects: Page<BoardProject>,
}

/// The cohort's totals.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Total {
    /// Its projects.
    pub projects: i64,
    /// Of those, the overdue ones.
    pub overdue: i64,
}

/// `?stage=&cursor=`: which list a board page shows, and where.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BoardQuery {
    /// List the projects at this stage (its key), oldest first; without
    /// it, the overdue projects, longest overdue first.
    #[param(max_length = 200)]
    pub stage: Option<String>,
    /// The `next` of the previous page; absent for the first.
    pub cursor: Option<String>,
}

/// The ids in a request's path, by name: any text that is not a positive
/// id names nothing (404 `api-not-found`, as for a path the API does not
/// have; a cohort or project the caller may not see is 404 too).
#[derive(Debug, Clone)]
pub(crate) struct Ids(pub BTreeMap<String, i64>);

impl Ids {
    /// The id named `name` (the route declares it).
    pub(crate) fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }
}

impl FromRequestParts<App> for Ids {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let lang = header_lang(&parts.headers).unwrap_or(Lang::En);
        let not_found = || Problem::no_route(lang);
        let Path(raw) = Path::<BTreeMap<String, String>>::from_request_parts(parts, app)
            .await
            .map_err(|_| not_found())?;
        let mut ids = BTreeMap::new();
        for (name, text) in raw {
            let id = text
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(not_found)?;
            ids.insert(name, id);
        }
        Ok(Ids(ids))
    }
}

/// The one id in a request's path ([`Ids`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdPath(pub i64);

impl FromRequestParts<App> for IdPath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let ids = Ids::from_request_parts(parts, app).await?;
        let id = ids.0.values().next().copied().unwrap_or(0);
        Ok(IdPath(id))
    }
}

/// The time of `t` as RFC 3339, in UTC.
pub(crate) fn instant(t: Timestamp) -> String {
    t.to_string()
}

/// The cohorts the caller coordinates, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts",
    tag = "cohorts",
    params(PageQuery),
    responses(
        (status = 200, description = "The cohorts the caller coordinates (none for anyone else), oldest first.", body = Page<CohortOut>),
        (status = 400, description = "A bad `cursor` or `limit`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid (unknown, expired, revoked).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(
    caller: Caller,
    State(app): State<App>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<CohortOut>>, Problem> {
    let (cursor, limit) = page.read(caller.lang)?;
    let mut cohorts = app
        .engine
        .cohorts_for(&caller.viewer)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    cohorts.sort_by_key(|c| c.id);
    let after = cursor.map_or(0, |c| c.0);
    let rest: Vec<&Cohort> = cohorts.iter().filter(|c| c.id > after).collect();
    let items: Vec<CohortOut> = rest
        .iter()
        .take(limit as usize)
        .map(|c| CohortOut::from(*c))
        .collect();
    let next = (rest.len() > items.len())
        .then(|| items.last().map(|c| Cursor(c.id).encode()))
        .flatten();
    Ok(ApiJson(Page { items, next }))
}

/// One cohort the caller coordinates.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}",
    tag = "cohorts",
    params(("cohort" = i64, Path, description = "The cohort's id.", minimum = 1)),
    responses(
        (status = 200, description = "The cohort.", body = CohortOut),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or one the caller does not coordinate (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn one(
    caller: Caller,
    IdPath(cohort): IdPath,
    State(app): State<App>,
) -> Result<ApiJson<CohortOut>, Problem> {
    let cohorts = app
        .engine
        .cohorts_for(&caller.viewer)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    cohorts
        .iter()
        .find(|c| c.id == cohort)
        .map(|c| ApiJson(CohortOut::from(c)))
        .ok_or_else(|| unknown_cohort(caller.lang, cohort))
}

/// 404 for a cohort the caller does not coordinate (or that does not exist).
pub(crate) fn unknown_cohort(lang: Lang, cohort: i64) -> Problem {
    Problem::from_error(
        lang,
        // The engine's own words for a cohort one does not coordinate.
        &gradflow_engine::service::Error::NotFound(gradflow_engine::reason::Reason::message(
            format!("there is no cohort {cohort}"),
        )),
    )
}

/// A cohort's board: counts per stage and one page of projects.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}/board",
    tag = "cohorts",
    params(
        ("cohort" = i64, Path, description = "The cohort's id.", minimum = 1),
        BoardQuery,
    ),
    responses(
        (status = 200, description = "The board: projects and overdue ones per stage, and one page of the list asked for.", body = BoardOut),
        (status = 400, description = "A bad `cursor`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or one the caller does not coordinate (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn board(
    caller: Caller,
    IdPath(cohort): IdPath,
    State(app): State<App>,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> Result<ApiJson<BoardOut>, Problem> {
    let lang = caller.lang;
    // The cursor is the page number, opaque to clients.
    let page = match query.cursor.as_deref() {
        Some(c) => {
            let n = Cursor::decode(lang, c)?.0;
            u32::try_from(n)
                .ok()
                .filter(|n| *n >= 2)
                .ok_or_else(|| bad_parameter(lang, "cursor"))?
        }
        None => 1,
    };
    let list = match query.stage {
        Some(key) if !key.is_empty() => BoardList::Stage(key),
        _ => BoardList::Overdue,
    };
    let now = Timestamp::now();
    let board = app
        .engine
        .board_as(&caller.viewer, cohort, list, page, now)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    let title_of = |key: &str| {
        board
            .workflow
            .as_ref()
            .and_then(|w| w.stage(key))
            .map_or_else(|| key.to_owned(), |s| s.title.get(lang.code()).to_owned())
    };
    let stages = board
        .stages
        .iter()
        .map(|s| StageCountOut {
            stage: s.stage.clone(),
            title: title_of(&s.stage),
            projects: s.projects,
            overdue: s.overdue,
        })
        .collect();
    let items = board
        .projects
        .iter()
        .map(|v| board_project(v, now))
        .collect();
    let next = (board.page < board.pages).then(|| Cursor(i64::from(board.page) + 1).encode());
    Ok(ApiJson(BoardOut {
        cohort: CohortOut::from(&board.cohort),
        stages,
        total: Total {
            projects: board.total.projects,
            overdue: board.total.overdue,
        },
        list: match &board.list {
            BoardList::Overdue => "overdue".to_owned(),
            BoardList::Stage(key) => key.clone(),
        },
        projects: Page { items, next },
    }))
}

/// A board's card for `view` at `now`.
fn board_project(view: &View, now: Timestamp) -> BoardProject {
    let next = view.next(now);
    BoardProject {
        id: view.record.id,
        title: view.record.title.clone(),
        stage: view.record.state.stage.clone(),
        version: view.record.state.version,
        overdue_since: next.overdue_since.map(instant),
        due: next.due().map(instant),
        waiting: next
            .steps
            .iter()
            .map(|s| Waiting {
                action: s.action.clone(),
                roles: s.roles.clone(),
                people: s.awaited.clone(),
            })
            .collect(),
    }
}
