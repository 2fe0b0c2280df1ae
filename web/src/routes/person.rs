//! A person's page (issue 16, part 4): their certificates, the cohorts they
//! coordinate and the committees they sit on — the record that says a
//! trainer was a trainee. Theirs to read, and their cohorts'
//! coordinators'; anyone else gets the 404 of a person who does not exist
//! (the read policy is the engine's [`Engine::person_page_as`]).
//!
//! [`Engine::person_page_as`]: gradflow_engine::service::Engine::person_page_as

use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::json;

use crate::App;
use crate::i18n;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// `GET /people/{id}`: the person's page.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let found = app
        .engine
        .person_page_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let now = Timestamp::now();
    let lang = visitor.lang;
    let certificates: Vec<_> = found
        .certificates
        .iter()
        .map(|c| {
            let status = c.status(now);
            json!({
                "number": c.number,
                "program": c.details.program,
                "level": c.details.level.get(lang.code()),
                "code": gradflow_engine::certificate::Code::parse(&c.code)
                    .map(|k| k.grouped())
                    .unwrap_or_default(),
                "issued": c
                    .issued_on
                    .parse::<jiff::civil::Date>()
                    .map_or_else(|_| c.issued_on.clone(), |d| i18n::day(lang, d)),
                "status_words": i18n::text(lang, super::certificate::status_key(status), &[]),
            })
        })
        .collect();
    let coordinates: Vec<_> = found
        .coordinates
        .iter()
        .map(|c| json!({ "id": c.id, "name": c.name }))
        .collect();
    let committees: Vec<_> = found
        .committees
        .iter()
        .map(|(c, chair)| json!({ "id": c.id, "name": c.name, "chair": chair }))
        .collect();
    Ok(pages::page(
        200,
        pages::render(
            "person",
            &Frame::of(&visitor),
            "person-title",
            json!({
                "name": found.name,
                "organization": found.organization,
                "own": found.own,
                "certificates": certificates,
                "coordinates": coordinates,
                "committees": committees,
            }),
        ),
    ))
}
