//! A cohort's outbox through the API, for its coordinators: the newest
//! messages about its projects (`GET /api/v1/cohorts/{cohort}/outbox`, at
//! most 200, as the page lists them), one message (`GET
//! .../outbox/{message}`) and a resend of one that failed, died or was sent
//! (`POST .../outbox/{message}/resend`, a read-write token). Read through
//! `Engine::outbox_as`, `outbox_row_as` and `resend_as`: a cohort the caller
//! does not coordinate, or a message of another cohort, is 404, like one
//! that does not exist.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::Message;
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Caller, Writer};
use super::cohorts::{IdPath, Ids, instant};
use super::json::ApiJson;
use super::problem::Problem;
use super::{ApiQuery, Cursor, Page, PageQuery};
use crate::App;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(resend))
}

/// A message in the outbox.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 88, "project": 12, "template": "proposal_submitted", "recipient": 44,
    "email": "khalid@health.example", "language": "ar", "state": "dead",
    "attempts": 5, "resends": 0, "last_error": "550 mailbox unavailable",
    "sent_at": null, "next_attempt": null
}))]
pub(crate) struct MessageOut {
    /// Its id.
    pub id: i64,
    /// The project whose event caused it.
    pub project: i64,
    /// Its template's name in the project's workflow.
    pub template: String,
    /// The recipient (person id).
    pub recipient: i64,
    /// The recipient's email.
    pub email: String,
    /// The language it is written in, when the recipient chose one.
    pub language: Option<String>,
    /// `pending`, `claimed`, `sent`, `failed` (will be tried again) or `dead`.
    pub state: String,
    /// Deliveries tried so far.
    pub attempts: i64,
    /// How often staff put it back in the queue.
    pub resends: i64,
    /// What went wrong last, in the mail server's words.
    pub last_error: Option<String>,
    /// When it was (last) sent (RFC 3339).
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<String>,
    /// When it will be tried (again) (RFC 3339); none once sent or dead.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt: Option<String>,
}

impl From<&Message> for MessageOut {
    fn from(m: &Message) -> MessageOut {
        MessageOut {
            id: m.id,
            project: m.project,
            template: m.template.clone(),
            recipient: m.recipient,
            email: m.email.clone(),
            language: m.language.clone(),
            state: m.state.clone(),
            attempts: m.attempts,
            resends: m.resends,
            last_error: m.last_error.clone(),
            sent_at: m.sent_at.map(instant),
            next_attempt: m.next_attempt.map(instant),
        }
    }
}

/// The newest messages about a cohort's projects, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}/outbox",
    tag = "outbox",
    params(
        ("cohort" = i64, Path, description = "The cohort's id.", minimum = 1),
        PageQuery,
    ),
    responses(
        (status = 200, description = "The newest 200 messages at most, newest first, a page at a time.", body = Page<MessageOut>),
        (status = 400, description = "A bad `cursor` or `limit`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or one the caller does not coordinate (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list(
    caller: Caller,
    IdPath(cohort): IdPath,
    State(app): State<App>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<MessageOut>>, Problem> {
    let lang = caller.lang;
    let (cursor, limit) = page.read(lang)?;
    let mut messages = app
        .engine
        .outbox_as(&caller.viewer, cohort)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    messages.sort_by_key(|m| std::cmp::Reverse(m.id));
    let rest: Vec<&Message> = messages
        .iter()
        .filter(|m| cursor.is_none_or(|at| m.id < at.0))
        .collect();
    let items: Vec<MessageOut> = rest
        .iter()
        .take(limit as usize)
        .map(|m| MessageOut::from(*m))
        .collect();
    let next = (rest.len() > items.len())
        .then(|| items.last().map(|m| Cursor(m.id).encode()))
        .flatten();
    Ok(ApiJson(Page { items, next }))
}

/// One message of a cohort's outbox.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}/outbox/{message}",
    tag = "outbox",
    params(
        ("cohort" = i64, Path, description = "The cohort's id.", minimum = 1),
        ("message" = i64, Path, description = "The message's id.", minimum = 1),
    ),
    responses(
        (status = 200, description = "The message.", body = MessageOut),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort or message, a cohort the caller does not coordinate, or a message of another cohort (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn one(
    caller: Caller,
    ids: Ids,
    State(app): State<App>,
) -> Result<ApiJson<MessageOut>, Problem> {
    let message = app
        .engine
        .outbox_row_as(&caller.viewer, ids.get("cohort"), ids.get("message"))
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    Ok(ApiJson(MessageOut::from(&message)))
}

/// Puts a failed, dead or sent message back in the queue, to be sent now.
#[utoipa::path(
    post,
    path = "/api/v1/cohorts/{cohort}/outbox/{message}/resend",
    tag = "outbox",
    params(
        ("cohort" = i64, Path, description = "The cohort's id.", minimum = 1),
        ("message" = i64, Path, description = "The message's id.", minimum = 1),
    ),
    responses(
        (status = 202, description = "Queued again: the worker sends it (the same Message-ID; its attempts keep counting).", body = MessageOut),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token (`token-read-only`).", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort or message, a cohort the caller does not coordinate, or a message of another cohort (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The message is waiting to be sent already (`message-not-resendable`).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn resend(writer: Writer, ids: Ids, State(app): State<App>) -> Result<Response, Problem> {
    let lang = writer.lang;
    let (cohort, message) = (ids.get("cohort"), ids.get("message"));
    let engine = &app.engine;
    engine
        .resend_as(&writer.viewer, cohort, message, Timestamp::now())
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    let after = engine
        .outbox_row_as(&writer.viewer, cohort, message)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    Ok((StatusCode::ACCEPTED, ApiJson(MessageOut::from(&after))).into_response())
}
