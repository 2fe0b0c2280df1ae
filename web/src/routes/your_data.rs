//! "Your data": everything gradflow keeps about the signed-in person, read
//! through the engine's read policy (a person reads only their own export;
//! nobody reads another's here), as a page and as a JSON download. Each
//! view is recorded in the admin log by the engine.

use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::json;

use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;
use crate::{App, i18n};

/// `GET /profile/data`: the page.
pub async fn page(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let export = app
        .engine
        .export_own(viewer, Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let day = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M UTC").to_string();
    let roles: Vec<_> = export
        .roles
        .iter()
        .map(|r| json!({ "project": r.on == "project", "id": r.id, "title": r.title, "role": r.role }))
        .collect();
    let files: Vec<_> = export
        .evidence
        .iter()
        .map(|f| json!({ "project": f.project, "name": f.name, "size": f.size, "sha256": f.sha256, "at": day(f.at), "removed": f.removed_at.is_some() }))
        .collect();
    let messages: Vec<_> = export
        .messages
        .iter()
        .map(|m| json!({ "project": m.project, "template": m.template, "state": m.state, "at": day(m.created_at) }))
        .collect();
    // The committee pools they are in and the conflicts they declared.
    let lang = visitor.lang;
    let pools: Vec<_> = export
        .committee_pools
        .iter()
        .map(|p| json!({ "cohort": p.cohort, "chair": p.chair }))
        .collect();
    let conflicts: Vec<_> = export
        .declared_conflicts
        .iter()
        .map(|c| {
            let at = ("at", day(c.declared_at));
            let reason = ("reason", c.reason.clone());
            match (&c.trainee_email, &c.organization) {
                (Some(email), _) => json!({ "text": i18n::text(lang, "data-conflict-trainee", &[("email", email.clone()), reason, at]) }),
                (None, organization) => json!({ "text": i18n::text(lang, "data-conflict-organization", &[("organization", organization.clone().unwrap_or_default()), reason, at]) }),
            }
        })
        .collect();
    Ok(pages::page(
        200,
        pages::render(
            "your_data",
            &Frame::of(&visitor),
            "data-title",
            json!({
                "name": export.person.name,
                "email": export.person.email,
                "organization": export.person.organization,
                "created": day(export.account.created_at),
                "sessions": export.sessions.len(),
                "events": export.events.len(),
                "roles": roles,
                "files": files,
                "messages": messages,
                "pools": pools,
                "conflicts": conflicts,
            }),
        ),
    ))
}

/// `GET /profile/data.json`: the whole export as a private, uncached download.
pub async fn download(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let export = app
        .engine
        .export_own(viewer, Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let body = serde_json::to_vec_pretty(&export)
        .map_err(|_| Fail::status(&visitor, 500, "error-internal", None))?;
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"gradflow-data-{}.json\"",
                    export.person.id
                ),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
