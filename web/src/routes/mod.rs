//! The routes, one module per page family.

mod answers;
mod auth;
mod certificate;
mod cohort;
mod credential;
mod dates;
pub(crate) mod evidence;
mod extend;
pub(crate) mod forms;
pub(crate) mod home;
mod import;
mod next;
mod person;
mod profile;
mod project;
mod reset;
mod scoring;
mod your_data;
// Intake (issue 16, part 1 on the web).
mod applications;
mod candidates;
mod supervision;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::App;
use crate::pages::{self, Fail};
use crate::session::Visitor;

/// Message keys the code (not the templates) looks up, for the catalogue test.
#[cfg(test)]
pub const KEYS_IN_CODE: &[&str] = &[
    "error-csrf",
    "error-invalid",
    "error-not-found",
    "error-evidence-removed",
    "error-forbidden",
    "error-conflict",
    "error-busy",
    "error-internal",
    "error-too-large",
    "error-empty-file",
    "error-quota",
    "event-evidence_added",
    "error-too-many-attempts",
    "error-bad-request",
    "signin-refused",
    "signin-title",
    "reset-title",
    "reset-mail-subject",
    "reset-mail-text",
    "reset-password-rule",
    "reset-mismatch",
    "reset-link-dead",
    "reset-done",
    "home-title",
    "profile-title",
    "data-title",
    "password-changed",
    "password-current-wrong",
    "board-title",
    "board-waits",
    "export-id",
    "export-title",
    "export-people",
    "project-stage",
    "overdue",
    "outbox-title",
    "yes",
    "no",
    "project-title",
    "language-en",
    "language-ar",
    "event-started",
    "event-action_taken",
    "event-approval_recorded",
    "event-moved",
    "event-migrated",
    "board-version",
    "event-milestone_submitted",
    "event-milestone_accepted",
    "event-milestone_returned",
    "event-scored",
    "event-deadline_passed",
    "event-reminder_skipped",
    "event-milestone_late",
    "event-reminded",
    "event-effect_requested",
    "event-member_added",
    "due-deadline",
    "milestone-pending",
    "milestone-submitted",
    "milestone-accepted",
    "milestone-returned",
    "due-milestone",
    "waiting-roles",
    "action-milestone-submit",
    "action-milestone-accept",
    "action-milestone-return",
    "action-score",
    "give-role-choose",
    // Part 5 of issue 15.
    "event-extended",
    "event-milestone_extended",
    "event-calendar_changed",
    "give-role-unknown-email",
    "outbox-tries",
    "outbox-no-preview",
    "outbox-message-title",
    "outbox-state-pending",
    "outbox-state-claimed",
    "outbox-state-sent",
    "outbox-state-failed",
    "outbox-state-dead",
    "export-due",
    "export-days-in-stage",
    "export-scores",
    "export-mean",
    "export-decision",
    "export-improvement",
    "confirm-needed",
    // A form that came back because the project moved on (project.rs, moved).
    "busy-deadline-moved",
    "busy-moved",
    "busy-deadline",
    "busy-changed",
    "busy-send-again",
    "busy-gone",
    // Scoring, the chair's panel and the improvement line (routes/scoring.rs).
    "score-rule-both",
    "score-rule-mean",
    "score-rule-each",
    "score-weight",
    "score-scale",
    "panel-mean-ok",
    "panel-mean-short",
    "panel-each-ok",
    "panel-each-short",
    "panel-spread-ok",
    "panel-spread-wide",
    "panel-quorum",
    "panel-verdict-passes",
    "panel-verdict-not-yet",
    "panel-why-scorecards",
    "panel-short-quorum",
    "panel-short-mean",
    "panel-short-criterion",
    "panel-why-not-passed",
    "panel-why-passes",
    "panel-why-agree",
    "panel-why-disagree",
    "panel-why-figure",
    "panel-figure-mean",
    "panel-figure-count",
    "panel-why-condition",
    "improve-line",
    "improve-line-plain",
    "improve-better",
    "improve-worse",
];

/// Message keys the certificate pages look up in code.
#[cfg(test)]
pub use certificate::KEYS as CERTIFICATE_KEYS;

/// Message keys the import page looks up in code.
#[cfg(test)]
pub use import::KEYS as IMPORT_KEYS;

/// Message keys the intake pages look up in code.
#[cfg(test)]
pub use applications::KEYS as INTAKE_KEYS;

/// Message keys the "what comes next" helpers look up in code.
#[cfg(test)]
pub use next::KEYS as NEXT_KEYS;

/// Largest urlencoded form accepted (a form's answers, a comment).
const FORM_LIMIT: usize = 256 * 1024;

/// Every route of the application.
pub fn routes(app: App) -> Router {
    // Multipart framing around the file: field headers, the CSRF token.
    let upload_limit = usize::try_from(app.config.upload_limit)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/style.css", get(stylesheet))
        .route("/static/drafts.js", get(drafts_script))
        .route("/signin", get(auth::page).post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .route("/reset", get(reset::page).post(reset::request))
        .route("/reset/new", get(reset::choose).post(reset::save))
        .route("/", get(home::page))
        .route("/profile", get(profile::page).post(profile::save))
        .route("/profile/password", post(profile::change_password))
        .route("/profile/data", get(your_data::page))
        .route("/profile/data.json", get(your_data::download))
        .route("/people/{id}", get(person::page))
        .route("/projects/{id}", get(project::page))
        .route("/projects/{id}/act", post(project::act))
        .route("/projects/{id}/members", post(project::give_role))
        .route("/projects/{id}/extend", post(extend::extend))
        .route(
            "/projects/{id}/evidence",
            post(evidence::upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/projects/{id}/evidence/{file}", get(evidence::download))
        .route("/cohorts/{id}", get(cohort::board))
        .route("/cohorts/{id}/outbox", get(cohort::outbox))
        .route("/cohorts/{id}/outbox/{message}", get(cohort::message))
        .route(
            "/cohorts/{id}/outbox/{message}/resend",
            post(cohort::resend),
        )
        .route("/cohorts/{id}/export.csv", get(cohort::export))
        .route("/cohorts/{id}/committee", post(cohort::assign_committee))
        .route("/cohorts/{id}/dates", get(dates::page))
        .route("/cohorts/{id}/dates/extend", post(dates::extend))
        .route("/cohorts/{id}/dates/calendar", post(dates::calendar))
        .route(
            "/cohorts/{id}/import",
            get(import::page)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::BODY_LIMIT)),
        )
        .route("/cohorts/{id}/import/template.csv", get(import::template))
        .route("/cohorts/{id}/people.csv", get(import::export))
        .route("/certificates/{code}", get(certificate::page))
        .route("/certificates/{code}/qr.svg", get(certificate::qr))
        .route("/verify/{code}", get(certificate::verify))
        .route("/certificates/{code}/credential", get(credential::download))
        .route("/.well-known/jwks.json", get(credential::jwks))
        .route("/keys/{kid}", get(credential::key))
        .route("/credentials/status", get(credential::status))
        .route(
            "/applications",
            get(applications::page).post(applications::request),
        )
        .route("/applications/{id}/withdraw", post(applications::withdraw))
        .route("/applications/{id}/take", post(applications::take))
        .route("/applications/{id}/decline", post(applications::decline))
        .route("/supervision", get(supervision::page))
        .route("/supervision/nominate", post(supervision::nominate))
        .route("/supervision/{id}/endorse", post(supervision::endorse))
        .route("/supervision/{id}/refuse", post(supervision::refuse))
        .route(
            "/cohorts/{id}/candidates",
            get(candidates::page).post(candidates::act),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .with_state(app)
}

/// `/healthz`: 200 when the database answers, 503 when it does not.
async fn healthz(State(app): State<App>) -> Response {
    match app.engine.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            // An outage is logged once by the engine, not at every probe.
            if !e.is_unavailable() {
                tracing::warn!("health check: {e}");
            }
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

async fn stylesheet() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::STYLESHEET,
    )
        .into_response()
}

/// The drafts script (see `web/static/drafts.js`).
async fn drafts_script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        pages::DRAFTS_SCRIPT,
    )
        .into_response()
}

async fn not_found(visitor: Visitor) -> Fail {
    Fail::status(&visitor, 404, "error-not-found", None)
}

/// A row id from the path (a project, cohort or file), or 404: a path that
/// is no number names nothing.
fn path_id(visitor: &Visitor, raw: &str) -> Result<i64, Fail> {
    raw.parse::<i64>()
        .map_err(|_| Fail::status(visitor, 404, "error-not-found", None))
}
