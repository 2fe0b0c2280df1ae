//! `POST /projects/{id}/extend`: a coordinator of the project's cohort
//! gives the project a new date for its stage's deadline or a milestone,
//! with a reason (issue 15, part 5). The engine decides who may and plans
//! the timers again; the page only sends the form and says what was done.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use gradflow_engine::decide::Extending;
use gradflow_engine::reason::{Arg, Reason};
use gradflow_engine::service::Error as ServiceError;
use jiff::Timestamp;
use serde::Deserialize;

use crate::App;
use crate::done;
use crate::i18n;
use crate::pages::Fail;
use crate::session::Visitor;

/// The extension form.
#[derive(Debug, Deserialize)]
pub struct Extend {
    #[serde(default)]
    csrf: String,
    /// `deadline:STAGE` or `milestone:KEY`.
    #[serde(default)]
    target: String,
    /// The new date, `YYYY-MM-DD`.
    #[serde(default)]
    date: String,
    /// Why.
    #[serde(default)]
    reason: String,
}

/// Grants the extension; a refusal is the engine's, in words, on a status page.
pub async fn extend(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(posted): Form<Extend>,
) -> Result<Response, Fail> {
    let viewer = visitor.check_form(&posted.csrf)?;
    let id = super::path_id(&visitor, &id)?;
    let extending = match posted.target.trim().split_once(':') {
        Some(("deadline", stage)) => Extending::Deadline(stage.to_owned()),
        Some(("milestone", key)) => Extending::Milestone(key.to_owned()),
        _ => Extending::Deadline(String::new()),
    };
    let date: jiff::civil::Date = posted.date.trim().parse().map_err(|_| {
        Fail::service(
            &visitor,
            ServiceError::Invalid(Reason::new(
                "extension-bad-date",
                vec![("date", Arg::Text(posted.date.chars().take(40).collect()))],
            )),
        )
    })?;
    let report = app
        .engine
        .extend_as(
            viewer,
            id,
            &extending,
            date,
            &posted.reason,
            Timestamp::now(),
        )
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let view = app
        .engine
        .view_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let tz = jiff::tz::TimeZone::get(
        &app.engine
            .cohort_by_id(view.record.cohort_id)
            .await
            .map_or_else(|_| "UTC".to_owned(), |c| c.time_zone),
    )
    .unwrap_or(jiff::tz::TimeZone::UTC);
    let due = report
        .projects
        .first()
        .and_then(|p| match &extending {
            Extending::Deadline(_) => p.deadline,
            Extending::Milestone(key) => p.milestones.get(key).copied().flatten(),
        })
        .map(|at| i18n::when(visitor.lang, at, &tz))
        .unwrap_or_default();
    Ok(done::redirect(
        visitor.token(),
        &format!("/projects/{id}"),
        "",
        vec![done::Line::new("done-extended", &[("due", due)])],
    ))
}
