//! A supervisor's nominations and endorsements (issue 16, part 1 on the
//! web): `GET /supervision` lists the requests that name them, waiting for
//! their endorsement; a form to nominate a person of their own
//! organization for a cohort open for applications, with a reason; and
//! their nominations and endorsements with each one's state and what
//! comes next. `POST /supervision/nominate`, `POST
//! /supervision/{id}/endorse` and `POST /supervision/{id}/refuse` send them
//! to the engine (`nominate_as`, `endorse_as`, `refuse_endorsement_as`),
//! which decides who may (someone who is no supervisor gets "not found").

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::applications::{self as intake, Typed};
use crate::App;
use crate::done;
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// `GET /supervision`.
pub async fn page(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    visitor.signed_in()?;
    render(&app, &visitor, &Typed::default(), None, 200).await
}

/// `POST /supervision/nominate`: `cohort`, `person` (an email), `reason`.
pub async fn nominate(
    State(app): State<App>,
    visitor: Visitor,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    let (csrf, fields) = intake::fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let typed = Typed {
        // A cohort that is no number names none: the engine says so.
        cohort: Some(
            fields
                .get("cohort")
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(-1),
        ),
        email: fields
            .get("person")
            .copied()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        reason: fields.get("reason").copied().unwrap_or_default().to_owned(),
        error: None,
    };
    let cohort = typed.cohort.unwrap_or(-1);
    match app
        .engine
        .nominate_as(
            viewer,
            cohort,
            &typed.email,
            &typed.reason,
            Timestamp::now(),
        )
        .await
    {
        Ok(changed) => {
            let a = &changed.application;
            let mut lines = vec![done::Line::new(
                "done-intake-nominated",
                &[
                    ("person", a.candidate.name.clone()),
                    ("cohort", a.cohort_name.clone()),
                ],
            )];
            lines.extend(intake::follow_up(&app, &visitor, viewer, &changed).await?);
            Ok(done::redirect(visitor.token(), "/supervision", "", lines))
        }
        Err(e) => {
            let (status, reason) = intake::refusal(&visitor, e)?;
            let typed = Typed {
                error: Some(reason),
                ..typed
            };
            render(&app, &visitor, &typed, None, status).await
        }
    }
}

/// `POST /supervision/{id}/endorse`.
pub async fn endorse(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    decide(app, visitor, id, posted, false).await
}

/// `POST /supervision/{id}/refuse`: with `reason`.
pub async fn refuse(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Result<Response, Fail> {
    decide(app, visitor, id, posted, true).await
}

/// Endorses request `id`, or refuses to (`refuse`, with the reason posted).
async fn decide(
    app: App,
    visitor: Visitor,
    id: String,
    posted: Vec<(String, String)>,
    refuse: bool,
) -> Result<Response, Fail> {
    let (csrf, fields) = intake::fields(&posted);
    let viewer = visitor.check_form(&csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let reason = fields.get("reason").copied().unwrap_or_default().to_owned();
    let now = Timestamp::now();
    let result = if refuse {
        app.engine
            .refuse_endorsement_as(viewer, id, &reason, now)
            .await
    } else {
        app.engine.endorse_as(viewer, id, now).await
    };
    match result {
        Ok(changed) => {
            let a = &changed.application;
            let mut lines = vec![done::Line::new(
                if refuse {
                    "done-intake-refused"
                } else {
                    "done-intake-endorsed"
                },
                &[
                    ("person", a.candidate.name.clone()),
                    ("cohort", a.cohort_name.clone()),
                ],
            )];
            lines.extend(intake::follow_up(&app, &visitor, viewer, &changed).await?);
            Ok(done::redirect(visitor.token(), "/supervision", "", lines))
        }
        Err(e) => {
            let (status, words) = intake::refusal(&visitor, e)?;
            let typed = Typed {
                error: Some(words),
                ..Typed::default()
            };
            let kept = refuse.then_some((id, reason));
            render(&app, &visitor, &typed, kept, status).await
        }
    }
}

/// The page: requests to endorse (a refused refusal's reason kept, `kept`),
/// the nomination form (as typed when refused) and the supervisor's own
/// nominations and requests. Someone the engine says is no supervisor,
/// with nothing naming them, finds nothing here (404).
async fn render(
    app: &App,
    visitor: &Visitor,
    typed: &Typed,
    kept: Option<(i64, String)>,
    status: u16,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let lang = visitor.lang;
    let fail = |e| Fail::service(visitor, e);
    let view = app.engine.supervision_as(viewer).await.map_err(fail)?;
    if !view.supervisor
        && view.nominations.is_empty()
        && view.to_endorse.is_empty()
        && view.requests.is_empty()
    {
        return Err(Fail::status(visitor, 404, "error-not-found", None));
    }
    let mut cohorts = intake::Cohorts::default();
    let mut requests = Vec::new();
    for a in &view.to_endorse {
        let mut value = intake::line(app, lang, &mut cohorts, a)
            .await
            .map_err(fail)?;
        value["refuse_reason"] = json!(
            kept.as_ref()
                .filter(|(id, _)| *id == a.id)
                .map(|(_, r)| r.as_str())
                .unwrap_or_default()
        );
        requests.push(value);
    }
    let mut mine = Vec::new();
    for a in view.nominations.iter().chain(&view.requests) {
        mine.push(
            intake::line(app, lang, &mut cohorts, a)
                .await
                .map_err(fail)?,
        );
    }
    let open: Vec<Value> = view
        .open_cohorts
        .iter()
        .map(|c| json!({ "id": c.id, "name": c.name, "selected": typed.cohort == Some(c.id) }))
        .collect();
    let people: Vec<Value> = view
        .people
        .iter()
        .map(|p| {
            json!({
                "email": p.email,
                "name": p.name,
                "selected": p.email.eq_ignore_ascii_case(&typed.email),
            })
        })
        .collect();
    Ok(pages::page(
        status,
        pages::render(
            "supervision",
            &Frame::of(visitor),
            "supervision-title",
            json!({
                "error": typed.error,
                "requests": requests,
                "mine": mine,
                "cohorts": open,
                "people": people,
                "typed": { "reason": typed.reason },
            }),
        ),
    ))
}
