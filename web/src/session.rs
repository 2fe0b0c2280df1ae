//! Who is asking: the session cookie, the signed-in person, the page
//! language, and the per-session CSRF token every form carries.
//!
//! The cookie holds a random 128-bit token (the engine stores only its
//! SHA-256). It is `HttpOnly` (scripts cannot read it), `SameSite=Lax` (not
//! sent on cross-site posts) and, when the server says so, `Secure` with
//! the `__Host-` prefix. The CSRF
//! token is derived from the session token (SHA-256 of a label and the
//! token), so it needs no storage and reveals nothing about the cookie.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;
use gradflow_engine::audit::to_hex;
use gradflow_engine::service::{NewSession, SESSION_LIFETIME, Viewer};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::App;
use crate::done::Done;
use crate::i18n::Lang;
use crate::pages::Fail;

/// The session cookie's name over plain HTTP.
pub const COOKIE_NAME: &str = "gradflow_session";

/// The session cookie's name with `--secure-cookies`: the `__Host-` prefix
/// makes browsers keep it only when it is `Secure`, set by this very host
/// (no `Domain`, so no sibling subdomain can set or overwrite it) for the
/// whole site (`Path=/`).
pub const SECURE_COOKIE_NAME: &str = "__Host-gradflow_session";

/// The session cookie's name: [`SECURE_COOKIE_NAME`] when cookies are `Secure`.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The person asking (if signed in) and the language to answer in.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Who is signed in, if anyone.
    pub viewer: Option<Viewer>,
    /// Their session token, to derive the CSRF token and to sign out.
    token: Option<String>,
    /// The page language: their profile's, else the browser's.
    pub lang: Lang,
    /// What the form they just sent did, when the page was reached by its
    /// redirect (signed for this session; see [`crate::done`]).
    pub done: Option<Done>,
}

impl Visitor {
    /// The CSRF token forms of this session carry (empty when signed out).
    pub fn csrf(&self) -> String {
        self.token.as_deref().map(csrf_token).unwrap_or_default()
    }

    /// The session token (for signing out).
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Whether `given` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        let expected = self.csrf();
        !expected.is_empty()
            && expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }

    /// The signed-in viewer, or a redirect to the sign-in page.
    pub fn signed_in(&self) -> Result<&Viewer, Fail> {
        self.viewer.as_ref().ok_or(Fail::SignIn)
    }

    /// The signed-in viewer, after checking the form's CSRF token: a missing
    /// or wrong token is refused with 403 before anything is done.
    pub fn check_form(&self, csrf: &str) -> Result<&Viewer, Fail> {
        let viewer = self.signed_in()?;
        if self.csrf_matches(csrf) {
            Ok(viewer)
        } else {
            Err(Fail::status(self, 403, "error-csrf", None))
        }
    }
}

impl FromRequestParts<App> for Visitor {
    type Rejection = Fail;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let browser = parts
            .headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::En, Lang::negotiate);
        let token = cookie(parts, cookie_name(app.config.secure_cookies));
        let viewer = match &token {
            Some(token) => app
                .engine
                .session(token, Timestamp::now())
                .await
                .map_err(|e| Fail::from_service(browser, None, e))?,
            None => None,
        };
        let lang = viewer
            .as_ref()
            .and_then(|v| v.language.as_deref())
            .and_then(Lang::from_code)
            .unwrap_or(browser);
        let token = token.filter(|_| viewer.is_some());
        let done = Done::read(
            parts.uri.path(),
            parts.uri.query(),
            token.as_deref(),
            Timestamp::now(),
        );
        Ok(Visitor {
            done,
            token,
            viewer,
            lang,
        })
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The CSRF token of session `token`.
fn csrf_token(token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"gradflow csrf\0");
    hasher.update(token.as_bytes());
    to_hex(&hasher.finalize())
}

/// The `Set-Cookie` value that gives the browser `session`.
pub fn set_cookie(session: &NewSession, secure: bool) -> String {
    format!(
        "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        cookie_name(secure),
        session.token,
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}
