//! Password reset by an emailed one-time link, when mail is configured.
//! The link's token travels in a query string and a form field, never in a
//! path, so request logs (which keep the path only) never hold it.
//!
//! Asking for a link answers the same whether or not the email has an
//! account, and the account is looked up and mailed after the answer, so
//! neither the words nor the time taken tell who has one. Requests are
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
use gradflow_engine::service::{
    Attempt, Kind, MIN_PASSWORD, RESET_LIFETIME, ResetLink, check_password,
};
use gradflow_notifications::{Address, MessageId, Outgoing, Transport};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;
use crate::{App, Mail};

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
            "mail": app.config.mail.is_some(),
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
    let Some(mail) = app.config.mail.clone() else {
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
    // Looked up and mailed after the answer, so that neither its words nor
    // the time it takes tell whether the email has an account.
    let engine = app.engine.clone();
    let public_url = app.config.public_url.clone();
    let (email_owned, page_lang) = (email.to_owned(), visitor.lang);
    tokio::spawn(async move {
        let link = match engine
            .request_password_reset(&email_owned, Timestamp::now())
            .await
        {
            Ok(Some(link)) => link,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!("a password reset link could not be made: {e}");
                return;
            }
        };
        let lang = link
            .language
            .as_deref()
            .and_then(Lang::from_code)
            .unwrap_or(page_lang);
        let url = format!(
            "{}/reset/new?token={}",
            public_url.trim_end_matches('/'),
            link.token
        );
        if let Err(e) = send(&mail, &link, lang, &url).await {
            tracing::warn!("a password reset link could not be sent: {e}");
        }
    });
    Ok(pages::page(
        200,
        request_form(&app, &visitor, email, None, true),
    ))
}

/// Mails `link` to its person in `lang`.
async fn send(mail: &Mail, link: &ResetLink, lang: Lang, url: &str) -> Result<(), String> {
    let name = link.person.name.clone();
    let minutes = RESET_LIFETIME.as_mins().to_string();
    let args = [
        ("name", name.clone()),
        ("link", url.to_owned()),
        ("minutes", minutes),
    ];
    let message = Outgoing {
        message_id: MessageId::new(
            &format!("reset-{:032x}", rand::random::<u128>()),
            &mail.domain,
        )
        .map_err(|e| e.to_string())?,
        from: mail.from.clone(),
        to: Address::new(link.person.email.clone(), name),
        subject: i18n::text(lang, "reset-mail-subject", &[]),
        // Without Fluent's invisible isolation marks, which would stick to
        // the link in a plain-text mail.
        text: i18n::text(lang, "reset-mail-text", &args).replace(['\u{2068}', '\u{2069}'], ""),
        html: None,
    };
    mail.mailer
        .send(&message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
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
