//! `GET /api/v1/me`: who the token acts as, and what it may do.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Caller;
use super::json::ApiJson;
use super::problem::Problem;
use crate::App;

/// The person a token acts as.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 7, "name": "Huda Al-Harthy", "email": "huda@example.org",
    "language": "ar", "scope": "read-write"
}))]
pub(crate) struct Me {
    /// Their person id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Their email.
    pub email: String,
    /// The language they chose (`en`, `ar`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// What the token may do: `read` or `read-write`.
    #[schema(example = "read-write")]
    pub scope: String,
}

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new().routes(routes!(me))
}

/// Who the token acts as.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "me",
    responses(
        (status = 200, description = "The person the token acts as.", body = Me),
        (status = 401, description = "No token, or one that is not valid (unknown, expired, revoked).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn me(caller: Caller) -> ApiJson<Me> {
    let person = &caller.viewer.person;
    ApiJson(Me {
        id: person.id,
        name: person.name.clone(),
        email: person.email.clone(),
        language: caller.viewer.language.clone(),
        scope: caller.scope.as_str().to_owned(),
    })
}
