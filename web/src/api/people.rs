//! People and their roles through the API: a cohort's people with the roles
//! they hold on its projects, for the cohort's coordinators (`GET
//! /api/v1/cohorts/{cohort}/people`, read through `Engine::export_as`: any
//! other caller gets 404, as for a cohort that does not exist), and giving
//! someone a role on a project (`POST /api/v1/projects/{id}/members`,
//! a read-write token; `Engine::assign_as`: a project the caller may not
//! see is 404, and the core decides whether they may give roles).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Caller, Writer};
use super::cohorts::IdPath;
use super::json::ApiJson;
use super::problem::Problem;
use super::{ApiQuery, Cursor, Page, PageQuery};
use crate::App;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(people))
        .routes(routes!(give_role))
}

/// A person of a cohort and the roles they hold on its projects.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 41, "name": "Amal Al-Busaidi", "email": "amal@health.example",
    "organization": "Ministry of Health",
    "roles": [{"role": "trainee", "project": 12}]
}))]
pub(crate) struct PersonRoles {
    /// Their person id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// Their organization.
    pub organization: String,
    /// Each role they hold, on which project (a coordinator's role comes
    /// from the cohort and is listed on each of its projects).
    pub roles: Vec<RoleOn>,
}

/// A role held on a project.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RoleOn {
    /// The role's key in the project's workflow.
    pub role: String,
    /// The project's id.
    pub project: i64,
}

/// A role to give: whom (by email) and which role (by its key).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "salim@health.example", "role": "supervisor"}))]
pub(crate) struct GiveRole {
    /// The email of the person (registered) who takes the role.
    #[schema(max_length = 320)]
    pub email: String,
    /// The role's key in the project's workflow, e.g. `supervisor`.
    #[schema(max_length = 100)]
    pub role: String,
}

/// The role given: the project's version and stage after it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"project": 12, "version": 5, "stage": "proposal", "told": [44]}))]
pub(crate) struct RoleGiven {
    /// The project.
    pub project: i64,
    /// Its version now.
    pub version: u64,
    /// Its stage now.
    pub stage: String,
    /// Who was told by mail (person ids).
    pub told: Vec<i64>,
}

/// A cohort's people and their roles, for its coordinators.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}/people",
    tag = "people",
    params(
        ("cohort" = i64, Path, description = "The cohort's id.", minimum = 1),
        PageQuery,
    ),
    responses(
        (status = 200, description = "Everyone holding a role on the cohort's projects, by person id.", body = Page<PersonRoles>),
        (status = 400, description = "A bad `cursor` or `limit`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or one the caller does not coordinate (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn people(
    caller: Caller,
    IdPath(cohort): IdPath,
    State(app): State<App>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<PersonRoles>>, Problem> {
    let lang = caller.lang;
    let (cursor, limit) = page.read(lang)?;
    let export = app
        .engine
        .export_as(&caller.viewer, cohort)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    let mut roles: BTreeMap<i64, Vec<RoleOn>> = BTreeMap::new();
    for view in &export.projects {
        for m in &view.record.members {
            roles.entry(m.person).or_default().push(RoleOn {
                role: m.role.clone(),
                project: view.record.id,
            });
        }
    }
    let after = cursor.map_or(0, |c| c.0);
    let mut rest = roles.range(after.saturating_add(1)..).peekable();
    let mut items = Vec::new();
    while items.len() < limit as usize {
        let Some((id, roles)) = rest.next() else {
            break;
        };
        let Some(person) = export.people.get(id) else {
            continue;
        };
        items.push(PersonRoles {
            id: *id,
            name: person.name.clone(),
            email: person.email.clone(),
            organization: person.organization.clone(),
            roles: roles.clone(),
        });
    }
    let next = rest
        .peek()
        .is_some()
        .then(|| items.last().map(|p| Cursor(p.id).encode()))
        .flatten();
    Ok(ApiJson(Page { items, next }))
}

/// Gives a registered person a role on a project (a coordinator of its
/// cohort may; the workflow's rules on conflicts of interest and on how
/// many may hold a role apply).
#[utoipa::path(
    post,
    path = "/api/v1/projects/{id}/members",
    tag = "people",
    params(("id" = i64, Path, description = "The project's id.", minimum = 1)),
    request_body(content = GiveRole, content_type = "application/json"),
    responses(
        (status = 201, description = "The role is given (a `member_added` event in the project's log).", body = RoleGiven),
        (status = 400, description = "A body that is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token (`token-read-only`), or the caller may not give roles on this project (the refusal's code and arguments).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such project, one the caller may not see (the same answer), or nobody registered with that email.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The role cannot be given now (already held, a conflict of interest, the project changed meanwhile).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over 64 KiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A body that does not fit (an unknown member, a wrong type), or a role or email the rules refuse.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn give_role(
    writer: Writer,
    IdPath(project): IdPath,
    State(app): State<App>,
    ApiJson(body): ApiJson<GiveRole>,
) -> Result<Response, Problem> {
    let lang = writer.lang;
    let outcome = app
        .engine
        .assign_as(
            &writer.viewer,
            project,
            body.email.trim(),
            body.role.trim(),
            Timestamp::now(),
        )
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    Ok((
        StatusCode::CREATED,
        ApiJson(RoleGiven {
            project: outcome.project,
            version: outcome.version,
            stage: outcome.stage,
            told: outcome.told,
        }),
    )
        .into_response())
}
