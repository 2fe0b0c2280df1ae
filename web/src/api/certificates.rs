//! Certificates through the API: the caller's own (`GET
//! /api/v1/certificates`), one certificate for those who may read it (`GET
//! /api/v1/certificates/{code}`: its holder, and whoever may see its
//! project or holds a role on its cohort, through `Engine::certificate_as`;
//! anyone else gets 404, as for a code that names nothing), and the public
//! check (`GET /api/v1/verify/{code}`, no token: valid, expired, revoked or
//! unknown; each miss is counted against the client's address as the
//! `/verify` page counts it, and past the limit every check from it is 429).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use gradflow_engine::certificate::{Code, MAX_CODE_INPUT, Texts};
use gradflow_engine::service::{Certificate, Kind, Verified};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::{Caller, header_lang};
use super::json::ApiJson;
use super::problem::Problem;
use super::{ApiQuery, Cursor, Page, PageQuery};
use crate::App;
use crate::i18n::Lang;

/// The routes of this module.
pub(super) fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(own))
        .routes(routes!(one))
        .routes(routes!(verify))
}

/// A text in English and in Arabic.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Bilingual {
    /// English.
    pub en: String,
    /// Arabic.
    pub ar: String,
}

impl From<&Texts> for Bilingual {
    fn from(t: &Texts) -> Bilingual {
        Bilingual {
            en: t.en.clone(),
            ar: t.ar.clone(),
        }
    }
}

/// A certificate, as its holder and the staff of its cohort read it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "7K2M-9QXR-4T8W-HC3N-PV6J-2DYB-5GFA", "number": "PSLI-2026-00001",
    "holder": "Amal Al-Busaidi", "program": "Service level",
    "level": {"en": "Service", "ar": "مستوى الخدمة"},
    "awarding_body": {"en": "Institute of Public Administration", "ar": "معهد الإدارة العامة"},
    "accrediting_body": {"en": "ILM", "ar": "معهد القيادة والإدارة"},
    "project": 12, "project_title": "Same-day renewals", "cohort": 3,
    "issued_on": "2026-06-20", "expires_on": "2029-06-20", "status": "valid",
    "check": "https://gradflow.example/verify/7K2M9QXR4T8WHC3NPV6J2DYB5GFA"
}))]
pub(crate) struct CertificateOut {
    /// Its verification code, grouped by four as people type it.
    pub code: String,
    /// Its number.
    pub number: String,
    /// The holder's name.
    pub holder: String,
    /// The program's title.
    pub program: String,
    /// The level certified.
    pub level: Bilingual,
    /// Who awards it.
    pub awarding_body: Bilingual,
    /// Who accredits it.
    pub accrediting_body: Bilingual,
    /// The project it was issued for (absent once the project was purged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<i64>,
    /// The project's title.
    pub project_title: String,
    /// The cohort it was issued in.
    pub cohort: i64,
    /// The date of issue (`YYYY-MM-DD`).
    pub issued_on: String,
    /// The date it expires (`YYYY-MM-DD`), if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// `valid`, `expired` or `revoked`.
    pub status: String,
    /// The revocation, if it was revoked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked: Option<RevokedOut>,
    /// Its public check address (what its QR code says).
    pub check: String,
}

/// When and why a certificate was revoked.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RevokedOut {
    /// When (RFC 3339).
    #[schema(format = DateTime)]
    pub at: String,
    /// Why.
    pub reason: String,
}

fn certificate_out(c: &Certificate, public_url: &str, now: Timestamp) -> CertificateOut {
    let code = Code::parse(&c.code).ok();
    CertificateOut {
        code: code.as_ref().map_or_else(|| c.code.clone(), Code::grouped),
        number: c.number.clone(),
        holder: c.person_name.clone(),
        program: c.details.program.clone(),
        level: (&c.details.level).into(),
        awarding_body: (&c.details.awarding_body).into(),
        accrediting_body: (&c.details.accrediting_body).into(),
        project: c.project_id,
        project_title: c.details.project_title.clone(),
        cohort: c.cohort_id,
        issued_on: c.issued_on.clone(),
        expires_on: c.expires_on.clone(),
        status: c.status(now).as_str().to_owned(),
        revoked: c.revoked.as_ref().map(|r| RevokedOut {
            at: r.at.to_string(),
            reason: r.reason.clone(),
        }),
        check: code.map_or_else(String::new, |code| code.check_address(public_url)),
    }
}

/// What the public check says of a code.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "status": "valid",
    "certificate": {"number": "PSLI-2026-00001", "holder": "Amal Al-Busaidi",
        "program": "Service level", "level": {"en": "Service", "ar": "مستوى الخدمة"},
        "awarding_body": {"en": "Institute of Public Administration", "ar": "معهد الإدارة العامة"},
        "accrediting_body": {"en": "ILM", "ar": "معهد القيادة والإدارة"},
        "issued_on": "2026-06-20", "expires_on": "2029-06-20"}
}))]
pub(crate) struct VerifiedOut {
    /// `valid`, `expired`, `revoked` or `unknown` (a code that names
    /// nothing, or is no code at all).
    pub status: String,
    /// The certificate, for a known code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PublicOut>,
}

/// What anyone holding a code may read of its certificate.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublicOut {
    /// Its number.
    pub number: String,
    /// The holder's name.
    pub holder: String,
    /// The program's title.
    pub program: String,
    /// The level certified.
    pub level: Bilingual,
    /// Who awards it.
    pub awarding_body: Bilingual,
    /// Who accredits it.
    pub accrediting_body: Bilingual,
    /// The date of issue.
    pub issued_on: String,
    /// The date it expires, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// The date it was revoked, if it was (why is for the staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_on: Option<String>,
}

impl From<Verified> for VerifiedOut {
    fn from(v: Verified) -> VerifiedOut {
        VerifiedOut {
            status: v.status.to_owned(),
            certificate: v.certificate.map(|c| PublicOut {
                number: c.number,
                holder: c.holder,
                program: c.program,
                level: (&c.level).into(),
                awarding_body: (&c.awarding_body).into(),
                accrediting_body: (&c.accrediting_body).into(),
                issued_on: c.issued_on,
                expires_on: c.expires_on,
                revoked_on: c.revoked_on,
            }),
        }
    }
}

/// A code from the path, as typed (at most [`MAX_CODE_INPUT`] bytes are
/// read; longer text, or text that is not UTF-8, is no code at all).
pub(crate) struct CodePath(pub String, pub Lang);

impl FromRequestParts<App> for CodePath {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Problem> {
        let lang = header_lang(&parts.headers).unwrap_or(Lang::En);
        let typed = Path::<String>::from_request_parts(parts, app)
            .await
            .map(|Path(code)| code)
            .unwrap_or_default();
        let typed = if typed.len() > MAX_CODE_INPUT {
            String::new()
        } else {
            typed
        };
        Ok(CodePath(typed, lang))
    }
}

/// The caller's own certificates, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/certificates",
    tag = "certificates",
    params(PageQuery),
    responses(
        (status = 200, description = "The certificates the caller holds, newest first.", body = Page<CertificateOut>),
        (status = 400, description = "A bad `cursor` or `limit`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn own(
    caller: Caller,
    State(app): State<App>,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<ApiJson<Page<CertificateOut>>, Problem> {
    let lang = caller.lang;
    let (cursor, limit) = page.read(lang)?;
    let mut list = app
        .engine
        .own_certificates(&caller.viewer)
        .await
        .map_err(|e| Problem::from_error(lang, &e))?;
    // Newest first: by id, descending; the cursor is the last id given.
    list.sort_by_key(|c| std::cmp::Reverse(c.id));
    let rest: Vec<&Certificate> = list
        .iter()
        .filter(|c| cursor.is_none_or(|at| c.id < at.0))
        .collect();
    let now = Timestamp::now();
    let page: Vec<&Certificate> = rest.iter().take(limit as usize).copied().collect();
    let next = (rest.len() > page.len())
        .then(|| page.last().map(|c| Cursor(c.id).encode()))
        .flatten();
    let items = page
        .into_iter()
        .map(|c| certificate_out(c, &app.config.public_url, now))
        .collect();
    Ok(ApiJson(Page { items, next }))
}

/// One certificate, for its holder and the staff of its cohort.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{code}",
    tag = "certificates",
    params(("code" = String, Path, description = "The verification code (28 symbols; groups, dashes and lower case are read too).", max_length = 64, example = "7K2M-9QXR-4T8W-HC3N-PV6J-2DYB-5GFA")),
    responses(
        (status = 200, description = "The certificate.", body = CertificateOut),
        (status = 401, description = "No token, or one that is not valid.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No certificate has this code, or the caller may not read it (the same answer).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The text is no verification code (the problem says why).", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many invalid tokens from this address; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn one(
    caller: Caller,
    CodePath(code, _): CodePath,
    State(app): State<App>,
) -> Result<ApiJson<CertificateOut>, Problem> {
    let certificate = app
        .engine
        .certificate_as(&caller.viewer, &code)
        .await
        .map_err(|e| Problem::from_error(caller.lang, &e))?;
    Ok(ApiJson(certificate_out(
        &certificate,
        &app.config.public_url,
        Timestamp::now(),
    )))
}

/// The public check of a verification code: no token needed.
#[utoipa::path(
    get,
    path = "/api/v1/verify/{code}",
    tag = "certificates",
    security(()),
    params(("code" = String, Path, description = "The verification code as typed.", max_length = 64, example = "7K2M-9QXR-4T8W-HC3N-PV6J-2DYB-5GFA")),
    responses(
        (status = 200, description = "The certificate's standing (`unknown` for a code that names nothing).", body = VerifiedOut),
        (status = 429, description = "Too many checks of unknown codes from this address: every check is refused for a while (see `Retry-After`), a good code's too.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is busy; see `Retry-After`.", body = Problem, content_type = "application/problem+json"),
    ),
)]
async fn verify(
    CodePath(code, lang): CodePath,
    State(app): State<App>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
) -> Response {
    let address = Some(address.ip());
    match app
        .engine
        .verify_certificate(&code, address, Timestamp::now())
        .await
    {
        Ok(verified) => {
            let mut response = ApiJson(VerifiedOut::from(verified)).into_response();
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(e) if e.kind() == Kind::TooMany => {
            // As the page: a guesser waits out the window (15 minutes).
            let mut problem = Problem::from_error(lang, &e);
            problem.retry_after = Some(problem.retry_after.unwrap_or(900));
            let mut response = problem.into_response();
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response
        }
        Err(e) => Problem::from_error(lang, &e).into_response(),
    }
}
