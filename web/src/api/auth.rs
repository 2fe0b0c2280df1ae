//! Who calls the API: a bearer token (`Authorization: Bearer gft_...`),
//! never a session cookie (a browser's cookie carries no authority here, so
//! the pages' cross-site check need not guard the API). [`Caller`] may
//! read; [`Writer`] may also act (a read-only token is refused with 403
//! `token-read-only`). No credentials: 401 `token-missing`; a malformed,
//! unknown, expired or revoked token: 401 `token-invalid` (the same answer
//! for each), counted per client address in the database like sign-in
//! attempts, and past the limit 429 with `Retry-After`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use gradflow_engine::service::{Kind, Scope, Viewer};
use jiff::Timestamp;

use super::problem::Problem;
use crate::App;
use crate::i18n::Lang;

/// Someone calling the API with a valid token: who, what the token may do,
/// and the language problems are said in.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The person the token acts as.
    pub viewer: Viewer,
    /// What the token may do.
    pub scope: Scope,
    /// `Accept-Language` (en or ar), else the person's language, else English.
    pub lang: Lang,
}

/// A [`Caller`] whose token may write (`read-write`).
#[derive(Debug, Clone)]
pub(crate) struct Writer(pub Caller);

impl std::ops::Deref for Writer {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// The language `Accept-Language` asks for, when it names one the API
/// speaks (`en`, `ar`); `None` when absent or naming neither.
pub(crate) fn header_lang(headers: &HeaderMap) -> Option<Lang> {
    let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let names_ours = header.split(',').any(|part| {
        let tag = part.split(';').next().unwrap_or_default().trim();
        let primary = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Lang::from_code(&primary).is_some()
    });
    names_ours.then(|| Lang::negotiate(header))
}

/// The bearer token of the request: `Some(Ok(token))`, `Some(Err(()))` for
/// an `Authorization` header that is no bearer token, `None` without one.
fn bearer(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    let value = headers.get(AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(Err(()));
    };
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Some(Err(()));
    }
    Some(Ok(token.trim()))
}

impl FromRequestParts<App> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let asked = header_lang(&parts.headers);
        let lang = asked.unwrap_or(Lang::En);
        let token = match bearer(&parts.headers) {
            None | Some(Err(())) => return Err(Problem::unauthorized(lang, "token-missing")),
            Some(Ok(token)) => token,
        };
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let (viewer, scope) = app
            .engine
            .viewer_by_token_from(token, address, Timestamp::now())
            .await
            .map_err(|e| match e.kind() {
                Kind::Forbidden => Problem::unauthorized(lang, "token-invalid"),
                _ => Problem::from_error(lang, &e),
            })?;
        let lang = asked
            .or_else(|| viewer.language.as_deref().and_then(Lang::from_code))
            .unwrap_or(Lang::En);
        Ok(Caller {
            viewer,
            scope,
            lang,
        })
    }
}

impl FromRequestParts<App> for Writer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let caller = Caller::from_request_parts(parts, app).await?;
        if !caller.scope.may_write() {
            return Err(Problem::coded(
                caller.lang,
                StatusCode::FORBIDDEN,
                "token-read-only",
            ));
        }
        Ok(Writer(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn bearer_tokens_are_read_from_the_header() {
        assert_eq!(bearer(&headers(&[])), None);
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer gft_x")])),
            Some(Ok("gft_x"))
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "bearer  gft_x ")])),
            Some(Ok("gft_x"))
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Basic dXNlcjpwdw==")])),
            Some(Err(()))
        );
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer")])),
            Some(Ok(""))
        );
    }

    #[test]
    fn the_language_is_the_header_s_when_it_names_ours() {
        assert_eq!(
            header_lang(&headers(&[("accept-language", "ar")])),
            Some(Lang::Ar)
        );
        assert_eq!(
            header_lang(&headers(&[("accept-language", "fr, en;q=0.5")])),
            Some(Lang::En)
        );
        assert_eq!(header_lang(&headers(&[("accept-language", "fr")])), None);
        assert_eq!(header_lang(&headers(&[])), None);
    }
}
