//! `ApiJson<T>`: the API's JSON bodies, read and written. A request body
//! must say `Content-Type: application/json` (415 otherwise), be at most
//! [`BODY_LIMIT`] bytes (413), be JSON (400), and fit the request's schema:
//! an unknown member, a wrong type or a missing member is a 422 naming its
//! path. Each refusal is a [`Problem`] and changes nothing.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gradflow_engine::reason::{Arg, Reason};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::header_lang;
use super::problem::{FieldProblem, Problem};
use crate::App;
use crate::i18n::Lang;

/// Largest request body the API reads: 64 KiB (a form's answers and a
/// comment fit many times over).
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body: extracted from a request, or written as a 200 answer.
#[derive(Debug, Clone)]
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, _app: &App) -> Result<Self, Problem> {
        let lang = header_lang(request.headers()).unwrap_or(Lang::En);
        if !is_json(request.headers()) {
            return Err(Problem::new(
                lang,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &Reason::new(
                    "api-content-type",
                    vec![("expected", Arg::Text("application/json".into()))],
                ),
            ));
        }
        let too_large = || {
            Problem::new(
                lang,
                StatusCode::PAYLOAD_TOO_LARGE,
                &Reason::new("api-too-large", vec![("limit", Arg::count(BODY_LIMIT))]),
            )
        };
        if request
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > BODY_LIMIT as u64)
        {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT)
            .await
            .map_err(|e| {
                // http-body-util's `LengthLimitError`, inside axum's error.
                if e.to_string().contains("length limit exceeded") {
                    too_large()
                } else {
                    // A body that stalled or broke off.
                    Problem::new(
                        lang,
                        StatusCode::BAD_REQUEST,
                        &Reason::new(
                            "api-malformed",
                            vec![("line", Arg::int(0)), ("column", Arg::int(0))],
                        ),
                    )
                }
            })?;
        parse(lang, &bytes).map(ApiJson)
    }
}

/// Whether the request says its body is JSON (`application/json`, or a
/// `+json` type such as `application/merge-patch+json`).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// `bytes` as a `T`: 400 when it is no JSON, 422 when it does not fit.
pub(crate) fn parse<T: DeserializeOwned>(lang: Lang, bytes: &[u8]) -> Result<T, Problem> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let malformed = |e: &serde_json::Error| {
        Problem::new(
            lang,
            StatusCode::BAD_REQUEST,
            &Reason::new(
                "api-malformed",
                vec![
                    ("line", Arg::count(e.line())),
                    ("column", Arg::count(e.column())),
                ],
            ),
        )
    };
    let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => {
            // Nothing but white space may follow the value.
            return match deserializer.end() {
                Ok(()) => Ok(value),
                Err(e) => Err(malformed(&e)),
            };
        }
        Err(error) => error,
    };
    let path = error.path().to_string();
    let inner = error.into_inner();
    if !inner.is_data() {
        return Err(malformed(&inner));
    }
    let message = inner.to_string();
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_owned).unwrap_or_default();
    let at = |name: String| {
        if path == "." || path.is_empty() {
            name
        } else if name.is_empty() {
            path.clone()
        } else {
            format!("{path}.{name}")
        }
    };
    let reason = if message.starts_with("unknown field") {
        // The path already ends with the unknown member.
        let field = if path == "." {
            quoted(&message)
        } else {
            path.clone()
        };
        Reason::new("api-unknown-field", vec![("field", Arg::Text(field))])
    } else if message.starts_with("missing field") {
        Reason::new(
            "api-missing-field",
            vec![("field", Arg::Text(at(quoted(&message))))],
        )
    } else {
        let expected = message
            .rsplit_once("expected ")
            .map(|(_, e)| e.split(" at line").next().unwrap_or(e).to_owned())
            .unwrap_or_else(|| "another type".to_owned());
        let field = if path == "." {
            String::new()
        } else {
            path.clone()
        };
        Reason::new(
            "api-wrong-type",
            vec![
                ("field", Arg::Text(field)),
                ("expected", Arg::Text(expected)),
            ],
        )
    };
    let mut problem = Problem::new(lang, StatusCode::UNPROCESSABLE_ENTITY, &reason);
    let field = match reason.arg("field") {
        Some(Arg::Text(f)) if !f.is_empty() => Some(f.clone()),
        _ => None,
    };
    problem.errors = vec![FieldProblem {
        field,
        code: problem.code.clone(),
        args: problem.args.clone(),
        detail: problem.detail.clone().unwrap_or_default(),
    }];
    Err(problem)
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => (
                [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                body,
            )
                .into_response(),
            Err(e) => {
                tracing::error!("an API answer did not serialise: {e}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        version: u64,
        answers: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        score: Option<i64>,
    }

    #[test]
    fn each_bad_body_is_named() {
        let p = parse::<Body>(Lang::En, b"{nope").unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (400, "api-malformed"));
        let p = parse::<Body>(Lang::En, br#"{"version": 1, "answers": {}, "x": 1}"#).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (422, "api-unknown-field"));
        assert_eq!(p.errors[0].field.as_deref(), Some("x"));
        let p = parse::<Body>(Lang::En, br#"{"version": "1", "answers": {}}"#).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (422, "api-wrong-type"));
        assert_eq!(p.errors[0].field.as_deref(), Some("version"));
        let p =
            parse::<Body>(Lang::En, br#"{"version": 1, "answers": {"score": "x"}}"#).unwrap_err();
        assert_eq!(p.errors[0].field.as_deref(), Some("answers.score"));
        let p = parse::<Body>(Lang::En, br#"{"answers": {}}"#).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (422, "api-missing-field"));
        assert_eq!(p.errors[0].field.as_deref(), Some("version"));
        let p = parse::<Body>(Lang::En, br#"{"version": 1, "answers": {"nope": 1}}"#).unwrap_err();
        assert_eq!(p.errors[0].field.as_deref(), Some("answers.nope"));
        let p = parse::<Body>(Lang::En, br#"{"version": 1, "answers": {}} trailing"#).unwrap_err();
        assert_eq!(p.status, 400);
        assert!(parse::<Body>(Lang::En, br#"{"version": 1, "answers": {"score": 3}}"#).is_ok());
    }
}
