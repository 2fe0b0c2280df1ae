//! Password reset by an emailed one-time link, when mail is configured.
//! The link is queued in the database with its token, in one transaction,
//! before the answer; the worker mails it (`account_mail.rs` has its words)
//! and the link is scrubbed from the queue once sent or expired.
//! The link's token travels in a query string and a form field, never in a
//! path, so request logs (which keep the path only) never hold it.
//!
//! Asking for a link answers the same words whether or not the email has
//! an account (the time differs by one small write, far below the noise of
//! a network; the request limits bound how often anyone may ask). Requests are
//! counted by the engine (per email and per address, in the database), and
//! so are uses of a link (per address, before the new password is hashed). The link carries a 256-bit token of
//! which only the SHA-256 is stored; it works once, for
//! [`RESET_LIFETIME`], and using it signs the person out everywhere. Links
//! are built from the configured public address, never from the request's
//! Host header, so a forged header cannot send someone a link to elsewhere.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::response::Response;
use gradflow_engine::service::{Attempt, Kind, MIN_PASSWORD, RESET_LIFETIME, check_password};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::App;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// What the request form posts.
#[derive(Deserialize)]
pub struct Request {
    #[serde(default)]
    email: String,
}

/// The link's query: `/reset/new?token=...` (a query string, which request
/// logs leave out, unlike the path).
#[derive(Deserialize)]
pub struct Link {
    #[serde(default)]
    token: String,
}

/// What the new-password form posts.
#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `GET /reset`: the form asking for a link (or, without mail, whom to ask).
pub async fn page(State(app): State<App>, visitor: Visitor) -> Response {
    pages::page(200, request_form(&app, &visitor, "", None, false))
}

fn request_form(
    app: &App,
    visitor: &Visitor,
    email: &str,
    error: Option<&str>,
    sent: bool,
) -> String {
    pages::render(
        "reset-request",
        &Frame::of(visitor),
        "reset-title",
        json!({
            "mail": app.config.password_reset,
            "email": email,
            "error": error.map(|k| i18n::text(visitor.lang, k, &[])),
            "sent": sent,
            "minutes": RESET_LIFETIME.as_mins(),
        }),
    )
}

/// `POST /reset`: mails a link if the email has an account; answers alike.
pub async fn request(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    Form(posted): Form<Request>,
) -> Result<Response, Fail> {
    if !app.config.password_reset {
        return Ok(pages::page(
            404,
            request_form(&app, &visitor, "", None, false),
        ));
    };
    let email = posted.email.trim();
    let counted = app
        .engine
        .count_attempt(
            Attempt::ResetRequest,
            Some(email),
            Some(address.ip()),
            Timestamp::now(),
        )
        .await;
    if let Err(e) = counted {
        if e.kind() != Kind::TooMany {
            return Err(Fail::service(&visitor, e));
        }
        tracing::warn!("password reset refused: too many attempts");
        return Ok(pages::page(
            429,
            request_form(
                &app,
                &visitor,
                email,
                Some("error-too-many-attempts"),
                false,
            ),
        ));
    }
    // Queued (the token and its mail in one transaction) before the answer,
    // so that a server stopped right after telling the person the link is
    // on its way has lost nothing: a worker delivers it. The answer's words
    // are the same whether or not the email has an account.
    match app
        .engine
        .queue_password_reset(
            email,
            &app.config.public_url,
            Some(visitor.lang.code()),
            Timestamp::now(),
        )
        .await
    {
        Ok(true) => tracing::info!("a password reset link was queued for the worker"),
        Ok(false) => {}
        Err(e) => return Err(Fail::service(&visitor, e)),
    }
    Ok(pages::page(
        200,
        request_form(&app, &visitor, email, None, true),
    ))
}

/// `GET /reset/new?token=...`: the form for a new password.
pub async fn choose(visitor: Visitor, Query(link): Query<Link>) -> Response {
    pages::page(200, password_form(&visitor, &link.token, None))
}

fn password_form(visitor: &Visitor, token: &str, error: Option<&str>) -> String {
    pages::render(
        "reset-password",
        &Frame::of(visitor),
        "reset-title",
        json!({
            "token": token,
            "error": error.map(|k| i18n::text(visitor.lang, k, &[("min", MIN_PASSWORD.to_string())])),
            "min": MIN_PASSWORD,
        }),
    )
}

/// `POST /reset/new`: sets the new password and sends to sign-in.
pub async fn save(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    Form(posted): Form<NewPassword>,
) -> Result<Response, Fail> {
    let refuse = |key| pages::page(400, password_form(&visitor, &posted.token, Some(key)));
    if check_password(&posted.password).is_err() {
        return Ok(refuse("reset-password-rule"));
    }
    if posted.password != posted.confirm {
        return Ok(refuse("reset-mismatch"));
    }
    // Guessing a 256-bit token is hopeless, but each try costs a hash: the
    // engine counts tries per address first.
    match app
        .engine
        .reset_password_from(
            &posted.token,
            &posted.password,
            address.ip(),
            Timestamp::now(),
        )
        .await
    {
        Ok(_) => Ok(super::auth::see_other("/signin?reset=done")),
        Err(e) if e.kind() == Kind::NotFound => Ok(refuse("reset-link-dead")),
        Err(e) => Err(Fail::service(&visitor, e)),
    }
}
