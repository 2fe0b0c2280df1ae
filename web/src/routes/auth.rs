//! Signing in and out.
//!
//! The sign-in form has no session yet, so no session token: it is guarded
//! by the Sec-Fetch-Site/Origin check (a cross-site post is refused) and by
//! the engine's count of attempts (per email and per address, in the
//! database, before any password is checked: 429 past the limit). A failed
//! sign-in is 401 with the same words whether the email or the password was
//! wrong; a server busy hashing other passwords answers 503 with Retry-After.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::response::{IntoResponse, Response};
use gradflow_engine::service::Kind;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::App;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::{self, Visitor};

/// What the sign-in form posts.
#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// What a form that only needs its token posts.
#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

/// The sign-in page's query: `?reset=done` after a new password was saved.
#[derive(Deserialize)]
pub struct SignInQuery {
    reset: Option<String>,
}

/// `GET /signin`: the form (home when already signed in).
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Query(query): Query<SignInQuery>,
) -> Response {
    if visitor.viewer.is_some() {
        return see_other("/");
    }
    let note = (query.reset.as_deref() == Some("done")).then_some("reset-done");
    pages::page(200, form(&app, &visitor, "", None, note))
}

fn form(
    app: &App,
    visitor: &Visitor,
    email: &str,
    error: Option<&str>,
    note: Option<&str>,
) -> String {
    let text = |k| i18n::text(visitor.lang, k, &[]);
    pages::render(
        "signin",
        &Frame::of(visitor),
        "signin-title",
        json!({
            "email": email,
            "error": error.map(text),
            "note": note.map(text),
            "reset": app.config.password_reset,
        }),
    )
}

/// `POST /signin`: checks the password and starts a session.
pub async fn sign_in(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    Form(posted): Form<SignIn>,
) -> Result<Response, Fail> {
    let email = posted.email.trim();
    match app
        .engine
        .sign_in_from(email, &posted.password, address.ip(), Timestamp::now())
        .await
    {
        Ok((_, session)) => {
            let cookie = session::set_cookie(&session, app.config.secure_cookies);
            Ok((
                StatusCode::SEE_OTHER,
                [(LOCATION, "/".to_owned()), (SET_COOKIE, cookie)],
            )
                .into_response())
        }
        Err(e) if e.kind() == Kind::Forbidden => {
            tracing::info!("sign-in refused");
            Ok(pages::page(
                401,
                form(&app, &visitor, email, Some("signin-refused"), None),
            ))
        }
        Err(e) if e.kind() == Kind::TooMany => {
            tracing::warn!("sign-in refused: too many attempts");
            Ok(pages::page(
                429,
                form(&app, &visitor, email, Some("error-too-many-attempts"), None),
            ))
        }
        Err(e) => Err(Fail::service(&visitor, e)),
    }
}

/// `POST /signout`: ends the session and clears the tab's drafts.
pub async fn sign_out(
    State(app): State<App>,
    visitor: Visitor,
    Form(posted): Form<TokenOnly>,
) -> Result<Response, Fail> {
    visitor.check_form(&posted.csrf)?;
    if let Some(token) = visitor.token() {
        app.engine
            .end_session(token)
            .await
            .map_err(|e| Fail::service(&visitor, e))?;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (LOCATION, "/signin".to_owned()),
            (SET_COOKIE, session::clear_cookie(app.config.secure_cookies)),
            // The tab's drafts (static/drafts.js keeps typed answers in
            // sessionStorage) go with the session: on a shared computer the
            // next person in this tab must not find them in the same forms.
            (
                axum::http::HeaderName::from_static("clear-site-data"),
                "\"storage\"".to_owned(),
            ),
        ],
    )
        .into_response())
}

/// A 303 redirect to `to`.
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(LOCATION, to.to_owned())]).into_response()
}
