//! The profile page: who you are, the language you read pages in, and
//! changing your own password (the current one first; every other browser
//! is then signed out).

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::SET_COOKIE;
use axum::response::Response;
use gradflow_engine::service::{Kind, MIN_PASSWORD, check_password};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::App;
use crate::done;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::{self, Visitor};

/// What the profile form posts.
#[derive(Deserialize)]
pub struct Profile {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
}

/// What the password form posts.
#[derive(Deserialize)]
pub struct NewPassword {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// The profile page's query: `?password=changed` after a change.
#[derive(Deserialize)]
pub struct ProfileQuery {
    password: Option<String>,
}

/// `GET /profile`.
pub async fn page(visitor: Visitor, Query(query): Query<ProfileQuery>) -> Result<Response, Fail> {
    let note = (query.password.as_deref() == Some("changed")).then_some("password-changed");
    Ok(pages::page(200, render(&visitor, note, None)?))
}

/// The profile page with a note or an error about the password form.
fn render(visitor: &Visitor, note: Option<&str>, error: Option<&str>) -> Result<String, Fail> {
    let viewer = visitor.signed_in()?;
    let text = |k: &str| i18n::text(visitor.lang, k, &[("min", MIN_PASSWORD.to_string())]);
    let languages: Vec<_> = Lang::ALL
        .iter()
        .map(|l| {
            json!({
                "code": l.code(),
                "key": format!("language-{}", l.code()),
                "selected": *l == visitor.lang,
            })
        })
        .collect();
    Ok(pages::render(
        "profile",
        &Frame::of(visitor),
        "profile-title",
        json!({
            "id": viewer.person.id,
            "name": viewer.person.name,
            "email": viewer.person.email,
            "organization": viewer.person.organization,
            "languages": languages,
            "min": MIN_PASSWORD,
            "password_note": note.map(text),
            "password_error": error.map(text),
        }),
    ))
}

/// `POST /profile`: saves the language.
pub async fn save(
    State(app): State<App>,
    visitor: Visitor,
    Form(posted): Form<Profile>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    app.engine
        .set_language(viewer, &posted.language)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(done::redirect(
        visitor.token(),
        "/profile",
        "",
        vec![done::Line::new("done-profile", &[])],
    ))
}

/// `POST /profile/password`: changes the signed-in person's password when
/// the current one is right, signs out their other browsers, and gives
/// this browser a new session.
pub async fn change_password(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    Form(posted): Form<NewPassword>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let refuse = |status: u16, key: &str| -> Result<Response, Fail> {
        Ok(pages::page(status, render(&visitor, None, Some(key))?))
    };
    if check_password(&posted.password).is_err() {
        return refuse(400, "reset-password-rule");
    }
    if posted.password != posted.confirm {
        return refuse(400, "reset-mismatch");
    }
    match app
        .engine
        .change_password(
            viewer,
            &posted.current,
            &posted.password,
            Some(address.ip()),
            Timestamp::now(),
        )
        .await
    {
        Ok(new) => {
            // Signed for the new session, the one this browser now holds.
            let mut response = done::redirect(
                Some(&new.token),
                "/profile",
                "",
                vec![done::Line::new("done-password", &[])],
            );
            let cookie = session::set_cookie(&new, app.config.secure_cookies);
            response.headers_mut().insert(
                SET_COOKIE,
                cookie
                    .parse()
                    .map_err(|_| Fail::status(&visitor, 500, "error-internal", None))?,
            );
            Ok(response)
        }
        Err(e) if e.kind() == Kind::Forbidden => refuse(403, "password-current-wrong"),
        Err(e) if e.kind() == Kind::TooMany => refuse(429, "error-too-many-attempts"),
        Err(e) => Err(Fail::service(&visitor, e)),
    }
}
