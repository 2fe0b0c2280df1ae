//! Certificates on the web: the certificate page (its holder and the staff
//! of its cohort; in English or Arabic, printable on one A4 or Letter
//! page, with a QR code of its public check address) and the public check
//! (`/verify/CODE` as a page, `/verify/CODE.json` or `Accept:
//! application/json` as JSON): valid, expired, revoked or unknown, and
//! nothing more for a code that names nothing.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use gradflow_engine::certificate::{Code, MAX_CODE_INPUT, Status};
use gradflow_engine::service::{Certificate, Kind, Verified};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::App;
use crate::i18n::{self, Lang};
use crate::pages::{self, Fail, Frame};
use crate::session::Visitor;

/// Message keys the code looks up (for the catalogue test).
#[cfg(test)]
pub const KEYS: &[&str] = &[
    "certificate-title",
    "verify-title",
    "certificate-status-valid",
    "certificate-status-expired",
    "certificate-status-revoked",
    "verify-unknown",
    "certificate-never-expires",
];

/// `?lang=en|ar`: the certificate in the other language.
#[derive(Debug, Deserialize)]
pub struct InLang {
    lang: Option<String>,
}

/// The public check address of `code`: `--public-url` and `/verify/CODE`.
pub fn check_address(public_url: &str, code: &Code) -> String {
    code.check_address(public_url)
}

/// The QR code of `text` as an SVG document (dark modules on white, a
/// quiet zone around), sized for print.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}

/// `GET /certificates/{code}/qr.svg`: the QR code of the certificate's
/// check address, for the same people as its page (templates never insert
/// raw markup, so the picture is an image of its own).
pub async fn qr(
    State(app): State<App>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let certificate = app
        .engine
        .certificate_as(viewer, &code)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let code = Code::parse(&certificate.code)
        .map_err(|_| Fail::status(&visitor, 500, "error-internal", None))?;
    let svg = qr_svg(&check_address(&app.config.public_url, &code))
        .ok_or_else(|| Fail::status(&visitor, 500, "error-internal", None))?;
    Ok((
        [
            (CONTENT_TYPE, "image/svg+xml"),
            (CACHE_CONTROL, "private, no-store"),
        ],
        svg,
    )
        .into_response())
}

/// `GET /certificates/{code}`: the certificate page.
pub async fn page(
    State(app): State<App>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(query): Query<InLang>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let certificate = app
        .engine
        .certificate_as(viewer, &code)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(visitor.lang);
    let mut frame_visitor = visitor.clone();
    frame_visitor.lang = lang;
    let code = Code::parse(&certificate.code)
        .map_err(|_| Fail::status(&visitor, 500, "error-internal", None))?;
    let address = check_address(&app.config.public_url, &code);
    let data = certificate_data(lang, &certificate, Timestamp::now());
    let mut data = data;
    let object = data.as_object_mut().expect("an object");
    object.insert("code".into(), json!(code.grouped()));
    object.insert("canonical".into(), json!(code.as_str()));
    object.insert("address".into(), json!(address));
    object.insert(
        "revocation".into(),
        json!(certificate.revoked.as_ref().map(|r| json!({
            "on": day(lang, r.at),
            "reason": r.reason,
        }))),
    );
    Ok(pages::page(
        200,
        pages::render(
            "certificate",
            &Frame::of(&frame_visitor),
            "certificate-title",
            data,
        ),
    ))
}

/// What a certificate says, in `lang`, for a page.
fn certificate_data(lang: Lang, c: &Certificate, now: Timestamp) -> Value {
    let code = lang.code();
    let status = c.status(now);
    json!({
        "number": c.number,
        "holder": c.person_name,
        "program": c.details.program,
        "level": c.details.level.get(code),
        "awarding": c.details.awarding_body.get(code),
        "accrediting": c.details.accrediting_body.get(code),
        "project": c.details.project_title,
        "improvement": c.details.improvement.as_ref().map(|m| super::scoring::improvement_words(lang, m)),
        "issued": date(lang, &c.issued_on),
        "expires": c.expires_on.as_deref().map(|d| date(lang, d)),
        "status": status.as_str(),
        "status_words": i18n::text(lang, status_key(status), &[]),
        "valid": status == Status::Valid,
        "other_lang": if lang == Lang::Ar { "en" } else { "ar" },
    })
}

/// The message key of a certificate's standing.
pub(super) fn status_key(status: Status) -> &'static str {
    match status {
        Status::Valid => "certificate-status-valid",
        Status::Expired => "certificate-status-expired",
        Status::Revoked => "certificate-status-revoked",
    }
}

/// A stored date (YYYY-MM-DD) as pages write dates.
fn date(lang: Lang, text: &str) -> String {
    text.parse::<jiff::civil::Date>()
        .map(|d| i18n::day(lang, d))
        .unwrap_or_else(|_| text.to_owned())
}

fn day(lang: Lang, at: Timestamp) -> String {
    i18n::day(lang, at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

/// `GET /verify/{code}` (and `{code}.json`): the public check.
pub async fn verify(
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(typed): Path<String>,
) -> Response {
    let (typed, as_json) = match typed.strip_suffix(".json") {
        Some(code) => (code.to_owned(), true),
        None => (
            typed,
            headers
                .get(ACCEPT)
                .and_then(|a| a.to_str().ok())
                .is_some_and(|a| a.contains("application/json")),
        ),
    };
    // Longer than any code: not read at all (the engine reads the rest).
    let typed = if typed.len() > MAX_CODE_INPUT {
        String::new()
    } else {
        typed
    };
    let lang = visitor.lang;
    let result = app
        .engine
        .verify_certificate(&typed, Some(address.ip()), Timestamp::now())
        .await;
    let verified = match result {
        Ok(verified) => verified,
        Err(e) if e.kind() == Kind::TooMany => {
            let words = gradflow_words::error(lang.code(), &e);
            let mut response = if as_json {
                json_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    &json!({ "status": "too-many-checks", "message": words }),
                )
            } else {
                Fail::status(&visitor, 429, "error-too-many-attempts", Some(words)).into_response()
            };
            response
                .headers_mut()
                .insert(RETRY_AFTER, axum::http::HeaderValue::from_static("900"));
            return response;
        }
        Err(e) => return Fail::service(&visitor, e).into_response(),
    };
    if as_json {
        return json_response(StatusCode::OK, &verified);
    }
    pages::page(200, verify_page(&visitor, lang, &verified))
}

/// A JSON answer that no cache keeps.
fn json_response(status: StatusCode, value: &impl serde::Serialize) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "no-store"),
        ],
        serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned()),
    )
        .into_response()
}

fn verify_page(visitor: &Visitor, lang: Lang, verified: &Verified) -> String {
    let code = lang.code();
    let certificate = verified.certificate.as_ref().map(|c| {
        json!({
            "number": c.number,
            "holder": c.holder,
            "program": c.program,
            "level": c.level.get(code),
            "awarding": c.awarding_body.get(code),
            "accrediting": c.accrediting_body.get(code),
            "issued": date(lang, &c.issued_on),
            "expires": c.expires_on.as_deref().map(|d| date(lang, d)),
            "revoked": c.revoked_on.as_deref().map(|d| date(lang, d)),
        })
    });
    let status_words = match verified.status {
        "valid" => i18n::text(lang, "certificate-status-valid", &[]),
        "expired" => i18n::text(lang, "certificate-status-expired", &[]),
        "revoked" => i18n::text(lang, "certificate-status-revoked", &[]),
        _ => i18n::text(lang, "verify-unknown", &[]),
    };
    pages::render(
        "verify",
        &Frame::of(visitor),
        "verify-title",
        json!({
            "status": verified.status,
            "status_words": status_words,
            "valid": verified.status == "valid",
            "certificate": certificate,
        }),
    )
}

/// The signed-in person's certificates for the home page: number, level,
/// status and the page's address.
pub async fn own(app: &App, visitor: &Visitor) -> Result<Vec<Value>, Fail> {
    let viewer = visitor.signed_in()?;
    let now = Timestamp::now();
    let code = visitor.lang.code();
    Ok(app
        .engine
        .own_certificates(viewer)
        .await
        .map_err(|e| Fail::service(visitor, e))?
        .into_iter()
        .map(|c| {
            let status = c.status(now);
            json!({
                "number": c.number,
                "program": c.details.program,
                "level": c.details.level.get(code),
                "code": Code::parse(&c.code).map(|k| k.grouped()).unwrap_or_default(),
                "status_words": i18n::text(visitor.lang, status_key(status), &[]),
                "valid": status == Status::Valid,
            })
        })
        .collect())
}
