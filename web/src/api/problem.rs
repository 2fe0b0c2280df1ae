//! Problem details (RFC 9457, `application/problem+json`): every error the
//! API gives. A problem carries the engine's refusal as data (`code` and
//! `args`, as the core gives them) and says it in the caller's language
//! (`detail`, through `gradflow_words`); 422s carry each problem on its
//! field (`errors`).

use axum::http::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gradflow_engine::decide::Rejection;
use gradflow_engine::reason::{Arg, Reason};
use gradflow_engine::service::{Error, Kind};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Lang;

/// The media type of a problem.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer of the API (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/api/docs#problem-token-read-only",
    "title": "Forbidden",
    "status": 403,
    "detail": "this token may only read; acting needs a read-write token (gradflow user token create --scope read-write)",
    "code": "token-read-only",
    "args": {}
}))]
pub(crate) struct Problem {
    /// Where the problem's code is explained: `/api/docs#problem-CODE`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status in words (`Not Found`).
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in the caller's language (`Accept-Language`, else
    /// the person's language, else English). Absent for a 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The refusal's stable code (docs/api.md; engine/src/reason.rs).
    pub code: String,
    /// The refusal's arguments as the engine gives them (workflow things by key).
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    /// For a 422: each problem on its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait (`Retry-After`), for a 429 or a 503.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One problem of a request's body, on its field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FieldProblem {
    /// The field, by its key (a form's field, or a body's member such as
    /// `answers.score`); absent for an answer to a field the form does not have.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The problem's code.
    pub code: String,
    /// Its arguments.
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    /// The problem in the caller's language.
    pub detail: String,
}

impl Problem {
    /// A problem with `status` saying `reason` in `lang`.
    pub(crate) fn new(lang: Lang, status: StatusCode, reason: &Reason) -> Problem {
        Problem::said(
            status,
            reason,
            gradflow_words::reason(lang.code(), reason, None),
        )
    }

    /// A problem with `status`, `reason` and its words `detail`.
    fn said(status: StatusCode, reason: &Reason, detail: String) -> Problem {
        Problem {
            kind: format!("/api/docs#problem-{}", reason.code),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(detail),
            code: reason.code.to_owned(),
            args: args_of(reason),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// A problem with `status` and the reason `code` without arguments.
    pub(crate) fn coded(lang: Lang, status: StatusCode, code: &'static str) -> Problem {
        Problem::new(lang, status, &Reason::new(code, vec![]))
    }

    /// 401: no credentials, or a token that is not valid (the answer
    /// carries `WWW-Authenticate: Bearer`).
    pub(crate) fn unauthorized(lang: Lang, code: &'static str) -> Problem {
        Problem::coded(lang, StatusCode::UNAUTHORIZED, code)
    }

    /// 404 for a path the API does not have.
    pub(crate) fn no_route(lang: Lang) -> Problem {
        Problem::coded(lang, StatusCode::NOT_FOUND, "api-not-found")
    }

    /// A service error, said in `lang`: Invalid 422 (each form problem on
    /// its field), NotFound 404, Forbidden 403, Conflict 409, Busy 503 and
    /// TooMany 429 with `Retry-After`, Internal 500 (logged; nothing of it
    /// is told).
    pub(crate) fn from_error(lang: Lang, error: &Error) -> Problem {
        let status = match error.kind() {
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let reason = error.reason();
        if error.kind() == Kind::Internal {
            tracing::error!("{error}: {}", error.detail().unwrap_or("no detail"));
            let reason = Reason::new("internal", vec![]);
            let mut problem = Problem::new(lang, status, &reason);
            problem.detail = None;
            return problem;
        }
        let mut problem = Problem::said(status, &reason, gradflow_words::error(lang.code(), error));
        if let Error::Rejected(Rejection::InvalidFields { problems, .. }, workflow) = error {
            problem.errors = problems
                .iter()
                .map(|p| FieldProblem {
                    field: p.field.clone(),
                    code: p.reason.code.to_owned(),
                    args: args_of(&p.reason),
                    detail: gradflow_words::reason(lang.code(), &p.reason, workflow.as_deref()),
                })
                .collect();
        }
        problem.retry_after = match error.kind() {
            Kind::TooMany => Some(wait_of(&reason, "minutes", 60).unwrap_or(900)),
            Kind::Busy => Some(wait_of(&reason, "seconds", 1).unwrap_or(5).max(1)),
            _ => None,
        };
        problem
    }
}

/// Seconds to wait, from the reason's argument `name` in units of `unit` seconds.
fn wait_of(reason: &Reason, name: &str, unit: u64) -> Option<u64> {
    match reason.arg(name) {
        Some(Arg::Number(n)) => n.as_u64().map(|n| n.saturating_mul(unit)),
        _ => None,
    }
}

/// A reason's arguments as JSON, as the engine serialises them.
fn args_of(reason: &Reason) -> serde_json::Value {
    serde_json::to_value(&reason.args).unwrap_or_else(|_| serde_json::json!({}))
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gradflow\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
