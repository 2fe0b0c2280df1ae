//! The JSON API under `/api` (issue 17; docs/api.md): bearer tokens,
//! problem details, cursor pages, and an OpenAPI 3.1 document generated
//! from the handlers themselves.
//!
//! # Layout
//! - [`routes`]: the API's router, mounted beside the pages (outside their
//!   cross-site check: cookies carry no authority here). One
//!   `OpenApiRouter<App>` per module, merged one line each: utoipa-axum's
//!   `routes!` registers a handler and its `#[utoipa::path]` together, so no
//!   route exists undocumented. `GET /api/openapi.json` serves the document,
//!   `GET /api/docs` the page rendered from it (`docs`).
//! - `auth`: [`Caller`](auth::Caller) and [`Writer`](auth::Writer), the token's person and scope.
//! - `problem`: [`Problem`](problem::Problem), every error (RFC 9457).
//! - `json`: [`ApiJson`](json::ApiJson), bodies in and out (415, 400, 422, 413).
//! - [`Page`], [`PageQuery`], [`Cursor`]: cursor pagination.
//! - `me`: who the token is; `projects`: projects, acting, history.
//! - `webhooks`: a cohort's webhook subscriptions, their delivery log, resend.
//!
//! **Invariant:** as for the pages, handlers decide nothing: reads go
//! through the engine's read policy with the caller's `Viewer`, actions
//! through `Engine::act_as`; a handler only maps answers to JSON.

// A `Problem` is the answer itself, made once per refused request and
// returned straight to the client: boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub(crate) mod auth;
mod certificates;
mod cohorts;
mod docs;
pub(crate) mod json;
mod me;
mod outbox;
mod people;
pub(crate) mod problem;
mod projects;
mod webhooks;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use base64::Engine as _;
use gradflow_engine::reason::{Arg, Reason};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::App;
use crate::i18n::Lang;
use auth::header_lang;
use problem::Problem;

/// The OpenAPI document's frame: info, the bearer scheme, tags. Paths and
/// schemas come from the routes registered below.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "gradflow API",
        description = "The JSON API of gradflow: projects and their workflows, cohorts, people, certificates, the outbox. Every request carries `Authorization: Bearer <token>` (`gradflow user token create`). Errors are RFC 9457 problem details whose `code` and `args` are the engine's refusal and whose `detail` is in the language of `Accept-Language` (en, ar). See docs/api.md.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    servers((url = "/", description = "this gradflow")),
    modifiers(&BearerScheme),
    security(("bearer" = [])),
    components(schemas(Problem, problem::FieldProblem)),
    tags(
        (name = "me", description = "Who the token acts as."),
        (name = "projects", description = "Projects the caller may see: their stages, what is due, what the caller may do, acting, history."),
        (name = "docs", description = "This document and its page."),
        (name = "webhooks", description = "Signed webhooks of a cohort (its coordinators): subscriptions, their delivery log, resending a delivery (docs/webhooks.md)."),
        (name = "cohorts", description = "The cohorts the caller coordinates and their boards."),
        (name = "people", description = "A cohort's people and their roles; giving a role on a project."),
        (name = "certificates", description = "The caller's certificates, one certificate, and the public check (no token)."),
        (name = "outbox", description = "A cohort's outbox for its coordinators: messages and resending one."),
    )
)]
struct ApiDoc;

/// Adds the `bearer` security scheme (an API token in `Authorization`).
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(
            "An API token from `gradflow user token create EMAIL --name NAME --scope read|read-write`."
                .to_owned(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

/// The API's routes with their documentation: one module per line (each
/// `pub(super) fn routes() -> OpenApiRouter<App>`, paths under `/api/v1`).
fn api() -> OpenApiRouter<App> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(docs_page))
        .merge(me::routes())
        .merge(projects::routes())
        .merge(webhooks::routes())
        .merge(cohorts::routes())
        .merge(people::routes())
        .merge(certificates::routes())
        .merge(outbox::routes())
}

/// The document and its page, made once at start.
struct Documents {
    json: Vec<u8>,
    html: String,
}

/// The API's router over `app`: every documented route, the document, the
/// docs page, and a problem (404 `api-not-found`) for any other path under
/// `/api`.
pub(crate) fn routes(app: App) -> Router {
    let (router, document) = api().split_for_parts();
    let document = finish(document);
    let documents = Arc::new(Documents {
        json: serde_json::to_vec_pretty(&document).expect("the OpenAPI document serialises"),
        html: docs::render(&document),
    });
    router
        .route("/api", axum::routing::any(no_route))
        .route("/api/", axum::routing::any(no_route))
        .route("/api/{*rest}", axum::routing::any(no_route))
        .layer(axum::middleware::from_fn(method_not_allowed))
        .layer(Extension(documents))
        .with_state(app)
}

/// The OpenAPI document of this API as served, for a route-by-route check.
#[cfg(test)]
pub(crate) fn document() -> serde_json::Value {
    finish(api().split_for_parts().1)
}

/// The document as served: each problem answer that gives no example of
/// its own gets one made here by [`Problem`] itself (its words from the
/// catalogue, so an example never drifts from what the API says), and the
/// headers 401, 429 and 503 carry are described.
fn finish(document: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(&document).expect("the OpenAPI document serialises");
    let Some(paths) = doc["paths"].as_object_mut() else {
        return doc;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for operation in item.values_mut() {
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                if let Some(content) = response
                    .get_mut("content")
                    .and_then(|c| c.get_mut(problem::PROBLEM_JSON))
                    .and_then(Value::as_object_mut)
                    && !content.contains_key("example")
                    && let Some(example) = problem_example(status)
                {
                    content.insert("example".into(), example);
                }
                let header = match status {
                    401 => Some((
                        "WWW-Authenticate",
                        "`Bearer realm=\"gradflow\"`: send an API token.",
                    )),
                    429 | 503 => Some(("Retry-After", "Seconds to wait before trying again.")),
                    _ => None,
                };
                if let (Some((name, description)), Some(response)) =
                    (header, response.as_object_mut())
                {
                    let headers = response
                        .entry("headers")
                        .or_insert_with(|| serde_json::json!({}));
                    headers[name] = serde_json::json!({
                        "description": description,
                        "schema": {"type": "string"},
                    });
                }
            }
        }
    }
    doc
}

/// A typical problem with `status`, said by the API itself.
fn problem_example(status: u16) -> Option<serde_json::Value> {
    let lang = Lang::En;
    let status_code = StatusCode::from_u16(status).ok()?;
    let reason = match status {
        400 => Reason::new(
            "api-malformed",
            vec![("line", Arg::int(1)), ("column", Arg::int(9))],
        ),
        401 => Reason::new("token-missing", vec![]),
        403 => Reason::new("token-read-only", vec![]),
        404 => Reason::new("api-not-found", vec![]),
        409 => Reason::new("changed", vec![]),
        413 => Reason::new(
            "api-too-large",
            vec![("limit", Arg::count(json::BODY_LIMIT))],
        ),
        415 => Reason::new(
            "api-content-type",
            vec![("expected", Arg::Text("application/json".into()))],
        ),
        422 => Reason::new(
            "api-unknown-field",
            vec![("field", Arg::Text("answer".into()))],
        ),
        429 => Reason::new("too-many-attempts", vec![("minutes", Arg::int(15))]),
        503 => Reason::new("busy", vec![("seconds", Arg::int(5))]),
        _ => return None,
    };
    serde_json::to_value(Problem::new(lang, status_code, &reason)).ok()
}

/// A method a path does not take: axum's bare 405 (its `Allow` header
/// kept) becomes a problem, `api-method`, naming the methods allowed.
async fn method_not_allowed(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = header_lang(request.headers()).unwrap_or(Lang::En);
    let method = request.method().to_string();
    let response = next.run(request).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let allowed = allow
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let reason = Reason::new(
        "api-method",
        vec![
            ("method", Arg::Text(method)),
            ("allowed", Arg::Text(allowed)),
        ],
    );
    let mut answer = Problem::new(lang, StatusCode::METHOD_NOT_ALLOWED, &reason).into_response();
    if let Some(allow) = allow {
        answer
            .headers_mut()
            .insert(axum::http::header::ALLOW, allow);
    }
    answer
}

/// Any path under `/api` the API does not have.
async fn no_route(parts: Parts) -> Problem {
    Problem::no_route(header_lang(&parts.headers).unwrap_or(Lang::En))
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "docs",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json", body = Object)),
)]
async fn openapi_json(Extension(documents): Extension<Arc<Documents>>) -> Response {
    ([(CONTENT_TYPE, "application/json")], documents.json.clone()).into_response()
}

/// The API's reference, rendered by gradflow from the OpenAPI document
/// (no script, nothing fetched from elsewhere).
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "docs",
    security(()),
    responses((status = 200, description = "Every route, its parameters, bodies, answers and examples, as HTML.", content_type = "text/html")),
)]
async fn docs_page(Extension(documents): Extension<Arc<Documents>>) -> Response {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        documents.html.clone(),
    )
        .into_response()
}

/// A page of a list: its items and, when more follow, the cursor to ask
/// for them with (`?cursor=`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Page<T: ToSchema> {
    /// The items of this page, in the list's order.
    pub items: Vec<T>,
    /// The cursor of the next page; absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Largest page: 100 items.
pub(crate) const MAX_PAGE: u32 = 100;

/// A page's size when none is asked for.
pub(crate) const DEFAULT_PAGE: u32 = 50;

/// `?cursor=&limit=`: where a page starts and how long it is.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The `next` of the previous page; absent for the first.
    pub cursor: Option<String>,
    /// Items per page, 1 to 100 (50 when absent).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// An opaque position in a list ordered by id: the last id of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor(pub i64);

impl Cursor {
    /// As given to clients: base64url, not meant to be read.
    pub(crate) fn encode(self) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("after:{}", self.0))
    }

    /// A cursor this API gave, or 400 `api-bad-cursor`.
    pub(crate) fn decode(lang: Lang, text: &str) -> Result<Cursor, Problem> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|s| s.strip_prefix("after:").and_then(|n| n.parse::<i64>().ok()))
            .map(Cursor)
            .ok_or_else(|| Problem::coded(lang, StatusCode::BAD_REQUEST, "api-bad-cursor"))
    }
}

impl PageQuery {
    /// The cursor (if any) and the page size, or 400 naming the parameter.
    pub(crate) fn read(&self, lang: Lang) -> Result<(Option<Cursor>, u32), Problem> {
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(bad_parameter(lang, "limit"));
        }
        let cursor = self
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(lang, c))
            .transpose()?;
        Ok((cursor, limit))
    }
}

/// 400 `api-bad-parameter` naming the parameter `name`.
pub(crate) fn bad_parameter(lang: Lang, name: &str) -> Problem {
    Problem::new(
        lang,
        StatusCode::BAD_REQUEST,
        &Reason::new(
            "api-bad-parameter",
            vec![("name", Arg::Text(name.to_owned()))],
        ),
    )
}

/// A query string as `T`, or 400 `api-bad-parameter` naming the parameter.
#[derive(Debug, Clone)]
pub(crate) struct ApiQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> FromRequestParts<App> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        match Query::<T>::from_request_parts(parts, app).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let lang = header_lang(&parts.headers).unwrap_or(Lang::En);
                // "Failed to deserialize query string: limit: invalid digit"
                let text = rejection.body_text();
                let name = text
                    .split(": ")
                    .nth(1)
                    .filter(|n| {
                        n.len() <= 40 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .unwrap_or("query");
                Err(bad_parameter(lang, name))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_read_back_and_refuse_strangers() {
        let c = Cursor(1234);
        assert_eq!(Cursor::decode(Lang::En, &c.encode()).unwrap(), c);
        for bad in ["", "!!", "YWZ0ZXI6", "bm9wZQ"] {
            assert!(Cursor::decode(Lang::En, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_bearer_scheme() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["paths"]["/api/v1/me"]["get"].is_object());
    }
}
