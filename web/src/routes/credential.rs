//! Open Badges 3.0 on the web: a certificate's credential downloaded by
//! the people who may read the certificate (`/certificates/CODE/credential`,
//! a VC-JWT file), and what anyone verifying one needs, public: the JWK
//! set (`/.well-known/jwks.json`), each key's JWK (`/keys/KID`, the URL a
//! credential's `kid` names) and the revocation status list
//! (`/credentials/status`). Every address inside is built on
//! `--public-url`, never on a request's Host.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use gradflow_engine::credential::MEDIA_TYPE;
use jiff::Timestamp;

use crate::App;
use crate::pages::Fail;
use crate::session::Visitor;

/// Longest key id looked up (a thumbprint is 43 characters).
const MAX_KID: usize = 64;

/// `GET /certificates/{code}/credential`: the certificate as a signed
/// Open Badges 3.0 credential, as a file to keep (a wallet or a backpack
/// imports it).
pub async fn download(
    State(app): State<App>,
    visitor: Visitor,
    Path(code): Path<String>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let credential = app
        .engine
        .credential_as(viewer, &code, &app.config.public_url, Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok((
        [
            (CONTENT_TYPE, MEDIA_TYPE.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", credential.file_name),
            ),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        credential.jwt,
    )
        .into_response())
}

/// `GET /.well-known/jwks.json`: every signing key's public half (retired
/// keys too: what they signed still verifies).
pub async fn jwks(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let set = app
        .engine
        .jwks(&app.config.public_url)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(public("application/jwk-set+json", set.to_string()))
}

/// `GET /keys/{kid}`: one key's JWK (the `kid` of the credentials it signed).
pub async fn key(
    State(app): State<App>,
    visitor: Visitor,
    Path(kid): Path<String>,
) -> Result<Response, Fail> {
    if kid.len() > MAX_KID {
        return Err(Fail::status(&visitor, 404, "error-not-found", None));
    }
    match app
        .engine
        .jwk(&app.config.public_url, &kid)
        .await
        .map_err(|e| Fail::service(&visitor, e))?
    {
        Some(jwk) => Ok(public("application/jwk+json", jwk.to_string())),
        None => Err(Fail::status(&visitor, 404, "error-not-found", None)),
    }
}

/// `GET /credentials/status`: the revocation status list, signed (a
/// `BitstringStatusListCredential` as a VC-JWT), kept by caches a minute
/// at most so a revocation shows soon.
pub async fn status(State(app): State<App>, visitor: Visitor) -> Result<Response, Fail> {
    let list = app
        .engine
        .status_list(&app.config.public_url, Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok((
        [
            (CONTENT_TYPE, MEDIA_TYPE),
            (CACHE_CONTROL, "public, max-age=60"),
        ],
        list,
    )
        .into_response())
}

/// A public answer that caches may keep five minutes.
fn public(content_type: &'static str, body: String) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
