//! The profile page: who you are and the language you read pages in.

use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::App;
use crate::i18n::Lang;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// What the profile form posts.
#[derive(Deserialize)]
pub struct Profile {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
}

/// `GET /profile`.
pub async fn page(visitor: Visitor) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
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
    Ok(pages::page(
        200,
        pages::render(
            "profile",
            &Frame::of(&visitor),
            "profile-title",
            json!({
                "name": viewer.person.name,
                "email": viewer.person.email,
                "organization": viewer.person.organization,
                "languages": languages,
            }),
        ),
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
    Ok(super::auth::see_other("/profile"))
}
