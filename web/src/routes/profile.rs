//! The profile page: who you are, the language you read pages in,
//! changing your own password (the current one first; every other browser
//! is then signed out), and your calendar feed's address (made or reset
//! here, shown once: docs/calendar.md).

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

/// What the calendar form posts.
#[derive(Deserialize)]
pub struct CalendarForm {
    #[serde(default)]
    csrf: String,
}

/// The calendar section's state on one rendering of the page.
#[derive(Default)]
struct CalendarShown {
    /// The new address, shown once (only in the answer to the POST that
    /// made it; never in a redirect or a log).
    address: Option<String>,
    /// It replaced an earlier address, which stopped working.
    replaced: bool,
}

/// The profile page's query: `?password=changed` after a change.
#[derive(Deserialize)]
pub struct ProfileQuery {
    password: Option<String>,
}

/// `GET /profile`.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Query(query): Query<ProfileQuery>,
) -> Result<Response, Fail> {
    let note = (query.password.as_deref() == Some("changed")).then_some("password-changed");
    let made = calendar_made(&app, &visitor).await?;
    Ok(pages::page(
        200,
        render(&visitor, note, None, made, CalendarShown::default())?,
    ))
}

/// When the signed-in person's calendar address was made, if they have one.
async fn calendar_made(app: &App, visitor: &Visitor) -> Result<Option<Timestamp>, Fail> {
    let viewer = visitor.signed_in()?;
    app.engine
        .calendar_made(viewer)
        .await
        .map_err(|e| Fail::service(visitor, e))
}

/// The profile page with a note or an error about the password form, and
/// the calendar section.
fn render(
    visitor: &Visitor,
    note: Option<&str>,
    error: Option<&str>,
    calendar_made: Option<Timestamp>,
    calendar: CalendarShown,
) -> Result<String, Fail> {
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
            "calendar_made": calendar_made
                .map(|at| i18n::when(visitor.lang, at, &jiff::tz::TimeZone::UTC)),
            "calendar_address": calendar.address,
            "calendar_replaced": calendar.replaced,
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
    let made = calendar_made(&app, &visitor).await?;
    let refuse = |status: u16, key: &str| -> Result<Response, Fail> {
        Ok(pages::page(
            status,
            render(&visitor, None, Some(key), made, CalendarShown::default())?,
        ))
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

/// `POST /profile/calendar`: makes the signed-in person a new calendar
/// address (the old one stops working at once) and shows it once, in this
/// answer: the secret goes into no redirect, no URL and no log.
pub async fn reset_calendar(
    State(app): State<App>,
    visitor: Visitor,
    Form(posted): Form<CalendarForm>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let before = calendar_made(&app, &visitor).await?;
    let now = Timestamp::now();
    let made = app
        .engine
        .reset_calendar_secret(viewer, now)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let address = format!(
        "{}/calendar/{}.ics",
        app.config.public_url.trim_end_matches('/'),
        made.secret
    );
    Ok(pages::page(
        200,
        render(
            &visitor,
            None,
            None,
            Some(now),
            CalendarShown {
                address: Some(address),
                replaced: before.is_some(),
            },
        )?,
    ))
}
