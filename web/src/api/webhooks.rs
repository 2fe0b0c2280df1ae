//! Signed webhooks over the API (issue 17, part 3; docs/webhooks.md): a
//! coordinator of a cohort lists, creates and removes its subscriptions,
//! reads each one's delivery log and resends a delivery. Who may is the
//! engine's rule (`subscribe_as`, `webhook_as`, ...): anyone else gets 404,
//! as for a cohort they may not see. Through the API a subscription's URL
//! is never a private or loopback address (the operator's
//! `gradflow webhook add --webhooks-allow-private` is the only way to one).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::{HookDelivery, Subscription, Webhook};
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

/// A subscription (its secret is shown only when it is created).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cohort": 12, "url": "https://hr.institute.example/hooks/gradflow",
    "events": ["project.started", "certificate.issued"],
    "created_at": "2026-02-01T06:00:00Z"
}))]
pub(crate) struct WebhookOut {
    /// Its id.
    pub id: i64,
    /// The cohort whose events it receives.
    pub cohort: Option<i64>,
    /// Where deliveries are posted.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was disabled (its receiver answered 410 Gone), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
    /// Why it was disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
}

impl From<Webhook> for WebhookOut {
    fn from(w: Webhook) -> Self {
        WebhookOut {
            id: w.id,
            cohort: w.cohort,
            url: w.url,
            events: w.events,
            created_at: w.created_at.to_string(),
            disabled_at: w.disabled_at.map(|t| t.to_string()),
            disabled_reason: w.disabled_reason,
        }
    }
}

/// A new subscription and its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 3, "cohort": 12, "url": "https://hr.institute.example/hooks/gradflow",
    "events": ["project.started", "certificate.issued"],
    "created_at": "2026-02-01T06:00:00Z",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYq="
}))]
pub(crate) struct NewWebhookOut {
    /// The subscription.
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// `whsec_` and base64: the key the receiver verifies each request's
    /// `webhook-signature` with (Standard Webhooks). Shown only here.
    pub secret: String,
}

/// What a new subscription asks for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hr.institute.example/hooks/gradflow",
    "events": ["project.started", "certificate.issued"]
}))]
pub(crate) struct NewWebhookIn {
    /// The receiving URL: https, a public address, no user name or password.
    pub url: String,
    /// Event types: `project.started`, `project.stage_entered`,
    /// `project.overdue`, `project.scored`, `certificate.issued`,
    /// `certificate.revoked`.
    pub events: Vec<String>,
}

/// One delivery of an event to a subscription.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 41, "webhook": 3, "event": "project.started", "project": 118,
    "payload": {"type": "project.started", "timestamp": "2026-02-01T06:00:00Z",
                "data": {"cohort": 12, "project": 118, "stage": "proposal", "workflow": "graduation-service@1"}},
    "state": "sent", "attempts": 1, "last_status": 204, "resends": 0,
    "sent_at": "2026-02-01T06:00:02Z", "created_at": "2026-02-01T06:00:00Z"
}))]
pub(crate) struct DeliveryOut {
    /// Its id; the `webhook-id` header is `msg_` and this.
    pub id: i64,
    /// The subscription.
    pub webhook: i64,
    /// The event type.
    pub event: String,
    /// The project it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<i64>,
    /// The JSON body posted.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// `pending`, `claimed` (being posted), `sent`, `failed` (to be tried
    /// again) or `dead` (given up: attempts used up, an address refused, 410 Gone).
    pub state: String,
    /// Attempts so far.
    pub attempts: i64,
    /// When it will be tried (again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt: Option<String>,
    /// The receiver's last HTTP status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i64>,
    /// What went wrong last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it was delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    /// How often it was resent by hand.
    pub resends: i64,
    /// When it was queued.
    pub created_at: String,
}

impl From<HookDelivery> for DeliveryOut {
    fn from(d: HookDelivery) -> Self {
        DeliveryOut {
            id: d.id,
            webhook: d.webhook,
            event: d.event,
            project: d.project,
            payload: serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null),
            state: d.state,
            attempts: d.attempts,
            next_attempt: d.next_attempt.map(|t| t.to_string()),
            last_status: d.last_status,
            last_error: d.last_error,
            sent_at: d.sent_at.map(|t| t.to_string()),
            resends: d.resends,
            created_at: d.created_at.to_string(),
        }
    }
}

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(show_webhook, delete_webhook))
        .routes(routes!(list_deliveries))
        .routes(routes!(resend_delivery))
}

/// The subscriptions of a cohort the caller coordinates.
#[utoipa::path(
    get,
    path = "/api/v1/cohorts/{cohort}/webhooks",
    tag = "webhooks",
    params(("cohort" = i64, Path, description = "The cohort's id.")),
    responses(
        (status = 200, description = "The cohort's subscriptions, oldest first (at most 20: one page).", body = Page<WebhookOut>),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or the caller does not coordinate it.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_webhooks(
    State(app): State<App>,
    caller: Caller,
    IdPath(cohort): IdPath,
) -> Result<ApiJson<Page<WebhookOut>>, Problem> {
    let hooks = app
        .engine
        .webhooks_as(&caller.viewer, cohort)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    Ok(ApiJson(Page {
        items: hooks.into_iter().map(WebhookOut::from).collect(),
        next: None,
    }))
}

/// Subscribes a URL to events of a cohort the caller coordinates; the
/// answer carries the secret, shown this once.
#[utoipa::path(
    post,
    path = "/api/v1/cohorts/{cohort}/webhooks",
    tag = "webhooks",
    params(("cohort" = i64, Path, description = "The cohort's id.")),
    request_body = NewWebhookIn,
    responses(
        (status = 201, description = "Subscribed; the secret is in the answer, and only there.", body = NewWebhookOut),
        (status = 400, description = "A body that is not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cohort, or the caller does not coordinate it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cohort has 20 subscriptions already (`webhook-too-many`).", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "A body over 64 KiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "A body that is not `application/json`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A URL that is not https, names a private or loopback address (`webhook-url-private`) or carries credentials; no events, or an unknown one.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn create_webhook(
    State(app): State<App>,
    writer: Writer,
    IdPath(cohort): IdPath,
    ApiJson(body): ApiJson<NewWebhookIn>,
) -> Result<Response, Problem> {
    let new = app
        .engine
        .subscribe_as(
            &writer.viewer,
            cohort,
            Subscription {
                url: &body.url,
                events: &body.events,
                allow_private: false,
            },
            jiff::Timestamp::now(),
        )
        .await
        .map_err(|e| Problem::from_error(writer.lang, &e))?;
    let out = NewWebhookOut {
        webhook: new.webhook.into(),
        secret: new.secret,
    };
    Ok((StatusCode::CREATED, ApiJson(out)).into_response())
}

/// One subscription of a cohort the caller coordinates.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{webhook}",
    tag = "webhooks",
    params(("webhook" = i64, Path, description = "The subscription's id.")),
    responses(
        (status = 200, description = "The subscription (never its secret).", body = WebhookOut),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription the caller may see.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn show_webhook(
    State(app): State<App>,
    caller: Caller,
    IdPath(webhook): IdPath,
) -> Result<ApiJson<WebhookOut>, Problem> {
    let hook = app
        .engine
        .webhook_as(&caller.viewer, webhook)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    Ok(ApiJson(hook.into()))
}

/// Removes a subscription, with its delivery log.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{webhook}",
    tag = "webhooks",
    params(("webhook" = i64, Path, description = "The subscription's id.")),
    responses(
        (status = 204, description = "Removed, with its delivery log and secret."),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription the caller may see.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn delete_webhook(
    State(app): State<App>,
    writer: Writer,
    IdPath(webhook): IdPath,
) -> Result<StatusCode, Problem> {
    app.engine
        .remove_webhook_as(&writer.viewer, webhook)
        .await
        .map_err(|e| Problem::from_error(writer.lang, &e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's delivery log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{webhook}/deliveries",
    tag = "webhooks",
    params(("webhook" = i64, Path, description = "The subscription's id."), PageQuery),
    responses(
        (status = 200, description = "Deliveries, newest first.", body = Page<DeliveryOut>),
        (status = 400, description = "A bad cursor or limit.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription the caller may see.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn list_deliveries(
    State(app): State<App>,
    caller: Caller,
    IdPath(webhook): IdPath,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<DeliveryOut>>, Problem> {
    let (cursor, limit) = page.read(caller.lang)?;
    let limit = limit as usize;
    let mut deliveries = app
        .engine
        .webhook_deliveries_as(&caller.viewer, webhook, cursor.map(|c| c.0), limit + 1)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    let next = if deliveries.len() > limit {
        deliveries.truncate(limit);
        deliveries.last().map(|d| Cursor(d.id).encode())
    } else {
        None
    };
    Ok(ApiJson(Page {
        items: deliveries.into_iter().map(DeliveryOut::from).collect(),
        next,
    }))
}

/// Posts a delivery again (a sent, failed or dead one): the same
/// `webhook-id` and body, signed afresh, by the next worker round.
#[utoipa::path(
    post,
    path = "/api/v1/webhook-deliveries/{delivery}/resend",
    tag = "webhooks",
    params(("delivery" = i64, Path, description = "The delivery's id.")),
    responses(
        (status = 200, description = "Queued again.", body = DeliveryOut),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A read-only token.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery the caller may see.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is waiting or being posted (`webhook-delivery-not-resendable`), or its subscription is disabled (`webhook-disabled`).", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn resend_delivery(
    State(app): State<App>,
    writer: Writer,
    IdPath(delivery): IdPath,
) -> Result<ApiJson<DeliveryOut>, Problem> {
    let resent = app
        .engine
        .resend_webhook_as(&writer.viewer, delivery, jiff::Timestamp::now())
        .await
        .map_err(|e| Problem::from_error(writer.lang, &e))?;
    Ok(ApiJson(resent.into()))
}
