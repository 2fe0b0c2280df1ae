//! The page templates (handlebars, compiled into the binary) and the pages
//! shown when something fails, in the person's language.
//!
//! Every template is rendered with `lang`, `dir`, `user` (the signed-in
//! person's name, or null), `csrf` (the session's form token), `done` (the
//! lines confirming what the visitor's last form did) and `title` besides
//! its own data. `{{ }}` escapes HTML; templates never use `{{{ }}}`.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HeaderValue, LOCATION, REFERRER_POLICY, RETRY_AFTER,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::response::{Html, IntoResponse, Response};
use gradflow_engine::service::{Error as ServiceError, Kind};
use handlebars::Handlebars;
use serde_json::{Value, json};

use crate::i18n::{self, Lang};
use crate::session::Visitor;

/// Every template: (name, text). `layout` is the frame the pages fill.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("layout", include_str!("../templates/layout.hbs")),
    ("field", include_str!("../templates/field.hbs")),
    ("answer", include_str!("../templates/answer.hbs")),
    (
        "submitted-work",
        include_str!("../templates/submitted-work.hbs"),
    ),
    ("home-line", include_str!("../templates/home-line.hbs")),
    // The one way overdue is marked, on the project page, home and board.
    ("overdue", include_str!("../templates/overdue.hbs")),
    ("signin", include_str!("../templates/signin.hbs")),
    (
        "reset-request",
        include_str!("../templates/reset-request.hbs"),
    ),
    (
        "reset-password",
        include_str!("../templates/reset-password.hbs"),
    ),
    ("home", include_str!("../templates/home.hbs")),
    ("your_data", include_str!("../templates/your_data.hbs")),
    ("project", include_str!("../templates/project.hbs")),
    ("board", include_str!("../templates/board.hbs")),
    ("dates", include_str!("../templates/dates.hbs")),
    // Loading a cohort's people from a spreadsheet (issue 16: import).
    ("import", include_str!("../templates/import.hbs")),
    ("outbox", include_str!("../templates/outbox.hbs")),
    (
        "outbox-message",
        include_str!("../templates/outbox-message.hbs"),
    ),
    ("profile", include_str!("../templates/profile.hbs")),
    ("status", include_str!("../templates/status.hbs")),
    // Certificates (issue 15: certs).
    ("certificate", include_str!("../templates/certificate.hbs")),
    ("verify", include_str!("../templates/verify.hbs")),
    // Intake (issue 16, part 1 on the web).
    (
        "applications",
        include_str!("../templates/applications.hbs"),
    ),
    ("supervision", include_str!("../templates/supervision.hbs")),
    ("candidates", include_str!("../templates/candidates.hbs")),
    ("person", include_str!("../templates/person.hbs")),
];

/// The stylesheet, served at `/static/style.css`.
pub const STYLESHEET: &str = include_str!("../static/style.css");

/// The script that keeps typed answers as drafts in the tab, served at
/// `/static/drafts.js` (a file, not inline: the pages' CSP allows only 'self').
pub const DRAFTS_SCRIPT: &str = include_str!("../static/drafts.js");

/// The compiled templates.
static PAGES: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.register_helper("t", Box::new(i18n::Translate));
    registry.register_helper("form_key", Box::new(form_key));
    for (name, text) in TEMPLATES {
        if matches!(
            *name,
            "layout" | "field" | "answer" | "home-line" | "overdue" | "submitted-work"
        ) {
            registry
                .register_partial(name, *text)
                .expect("the bundled partials compile");
        } else {
            registry
                .register_template_string(name, *text)
                .expect("the bundled templates compile");
        }
    }
    registry
});

/// `{{form_key}}`: a fresh random idempotency key (128 bits in hex) each
/// time a form is drawn, posted as the hidden field `key`, so that the same
/// form sent twice (a double click, a resend after a dropped answer) is
/// recognised as one and gets the first result (docs/pages.md, "Forms sent
/// twice"). A key per form, not per page: two forms of one page are two requests.
fn form_key(
    _: &handlebars::Helper<'_>,
    _: &Handlebars<'_>,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext<'_, '_>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    out.write(&gradflow_engine::audit::to_hex(&rand::random::<[u8; 16]>()))?;
    Ok(())
}

/// What every page shows around its content: language, direction, who is signed in.
#[derive(Debug, Clone)]
pub struct Frame {
    lang: Lang,
    user: Option<String>,
    csrf: String,
    /// The confirmation of what the visitor's last form did, in their language.
    done: Vec<String>,
}

impl Frame {
    /// The frame for `visitor`.
    pub fn of(visitor: &Visitor) -> Frame {
        Frame {
            lang: visitor.lang,
            user: visitor.viewer.as_ref().map(|v| v.person.name.clone()),
            csrf: visitor.csrf(),
            done: visitor
                .done
                .as_ref()
                .map(|d| d.texts(visitor.lang))
                .unwrap_or_default(),
        }
    }

    /// A frame for someone not (yet) known.
    pub fn anonymous(lang: Lang) -> Frame {
        Frame {
            lang,
            user: None,
            csrf: String::new(),
            done: Vec::new(),
        }
    }
}

/// Renders template `name` with `data` (an object) inside `frame`; the
/// page title is the message `title` of the catalogue.
pub fn render(name: &str, frame: &Frame, title: &str, mut data: Value) -> String {
    let object = data.as_object_mut().expect("page data is an object");
    object.insert("lang".into(), json!(frame.lang.code()));
    object.insert("dir".into(), json!(frame.lang.dir()));
    object.insert("user".into(), json!(frame.user));
    object.insert("csrf".into(), json!(frame.csrf));
    object.insert("done".into(), json!(frame.done));
    object.insert("title".into(), json!(i18n::text(frame.lang, title, &[])));
    match PAGES.render(name, &data) {
        Ok(html) => html,
        Err(e) => {
            tracing::error!("page {name} did not render: {e}");
            format!(
                "<!doctype html><title>500</title><p>{}</p>",
                handlebars::html_escape(&i18n::text(frame.lang, "error-internal", &[]))
            )
        }
    }
}

/// A page with a status. Pages load nothing from elsewhere, post forms only
/// to gradflow, may not be framed (clickjacking), and hold personal data, so
/// no cache keeps them. A 503 (busy) says when to try again.
pub fn page(status: u16, html: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (
        status,
        [
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'self'; form-action 'self'; frame-ancestors 'none'",
            ),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (REFERRER_POLICY, "same-origin"),
            (CACHE_CONTROL, "no-store"),
        ],
        Html(html),
    )
        .into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_SECONDS));
    }
    response
}

/// Seconds a busy server asks a client to wait (`Retry-After`).
pub const RETRY_SECONDS: &str = "5";

/// Why a request ends without its page: not signed in (to the sign-in
/// page), or a status page already rendered.
#[derive(Debug)]
pub enum Fail {
    /// Not signed in: 303 to the sign-in page.
    SignIn,
    /// A rendered page with its status.
    Page(u16, String),
}

impl Fail {
    /// The status page `status` for `visitor`, saying the catalogue's
    /// `message`, and `detail` (the engine's own words) when given.
    pub fn status(visitor: &Visitor, status: u16, message: &str, detail: Option<String>) -> Fail {
        Fail::status_in(&Frame::of(visitor), status, message, detail)
    }

    /// Like [`Fail::status`] with a frame.
    pub fn status_in(frame: &Frame, status: u16, message: &str, detail: Option<String>) -> Fail {
        let html = render(
            "status",
            frame,
            &format!("status-{status}"),
            json!({
                "status": status,
                "message": i18n::text(frame.lang, message, &[]),
                "detail": detail,
            }),
        );
        Fail::Page(status, html)
    }

    /// The status page for a service error: its kind gives the status; the
    /// person reads its reason in the page's language (an internal
    /// failure's detail goes to the log only).
    pub fn from_service(lang: Lang, visitor: Option<&Visitor>, error: ServiceError) -> Fail {
        let frame = visitor.map_or_else(|| Frame::anonymous(lang), Frame::of);
        let (status, key) = match error.kind() {
            Kind::Invalid => (400, "error-invalid"),
            Kind::NotFound => (404, "error-not-found"),
            Kind::Forbidden => (403, "error-forbidden"),
            Kind::Conflict => (409, "error-conflict"),
            Kind::Busy => (503, "error-busy"),
            Kind::TooMany => (429, "error-too-many-attempts"),
            Kind::Internal => (500, "error-internal"),
        };
        let detail = match error.kind() {
            Kind::Internal => {
                tracing::error!("{error}: {}", error.detail().unwrap_or("no detail"));
                None
            }
            // "Not found" says the same for a project that does not exist and
            // one the person may not see.
            Kind::NotFound => None,
            // The reason, in the page's language and the workflow's words.
            _ => Some(gradflow_words::error(lang.code(), &error)),
        };
        Fail::status_in(&frame, status, key, detail)
    }

    /// The status page for a service error met by `visitor`.
    pub fn service(visitor: &Visitor, error: ServiceError) -> Fail {
        Fail::from_service(visitor.lang, Some(visitor), error)
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        match self {
            Fail::SignIn => (StatusCode::SEE_OTHER, [(LOCATION, "/signin")]).into_response(),
            Fail::Page(status, html) => page(status, html),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message key the templates and the code use, in both catalogues.
    #[test]
    fn every_message_key_used_is_in_both_catalogues() {
        let mut keys: Vec<String> = Vec::new();
        for (_, text) in TEMPLATES {
            // The helper's calls: `{{t "key"` and `(t "key"`.
            for opening in ["{{t \"", "(t \""] {
                for (i, _) in text.match_indices(opening) {
                    let after = &text[i + opening.len()..];
                    let end = after.find('"').expect("a closed key");
                    keys.push(after[..end].to_owned());
                }
            }
        }
        keys.extend(crate::routes::KEYS_IN_CODE.iter().map(|k| (*k).to_owned()));
        keys.extend(crate::done::IDS.iter().map(|k| (*k).to_owned()));
        keys.extend(crate::routes::NEXT_KEYS.iter().map(|k| (*k).to_owned()));
        keys.extend(crate::routes::IMPORT_KEYS.iter().map(|k| (*k).to_owned()));
        keys.extend(crate::routes::INTAKE_KEYS.iter().map(|k| (*k).to_owned()));
        keys.extend(crate::routes::CALENDAR_KEYS.iter().map(|k| (*k).to_owned()));
        keys.extend(
            crate::routes::CERTIFICATE_KEYS
                .iter()
                .map(|k| (*k).to_owned()),
        );
        for status in [400, 403, 404, 409, 410, 413, 429, 500, 503] {
            keys.push(format!("status-{status}"));
        }
        for n in 1..=12 {
            keys.push(format!("month-{n}"));
        }
        assert!(keys.len() > 40, "the scan found the keys: {keys:?}");
        let mut missing = Vec::new();
        for lang in Lang::ALL {
            for key in &keys {
                if !i18n::defines(lang, key) {
                    missing.push(format!("{}: {key}", lang.code()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "missing messages:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_template_renders_for_an_anonymous_visitor_in_both_languages() {
        for lang in Lang::ALL {
            let html = render(
                "signin",
                &Frame::anonymous(lang),
                "signin-title",
                json!({"email": "", "error": null}),
            );
            assert!(
                html.contains(&format!("lang=\"{}\"", lang.code())),
                "{html}"
            );
            assert!(html.contains(&format!("dir=\"{}\"", lang.dir())));
        }
    }
}
