//! Evidence files: uploaded with a form (multipart), kept in the files
//! folder under their SHA-256 (outside anything served as a folder),
//! recorded through the engine, and downloaded as attachments only by
//! those who may see the project.

use std::path::{Path as FsPath, PathBuf};

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderName};
use axum::response::{IntoResponse, Response};
use gradflow_engine::audit::to_hex;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::App;
use crate::pages::Fail;
use crate::session::Visitor;

/// `POST /projects/{id}/evidence`: fields `csrf` (first) and `file`.
pub async fn upload(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let too_large = || Fail::status(&visitor, 413, "error-too-large", None);
    let bad = |key: &str| Fail::status(&visitor, 400, key, None);
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad("error-bad-request")
        }
    };
    // The token comes first, so nothing is stored for a forged form.
    let csrf = match multipart.next_field().await.map_err(multipart_error)? {
        Some(field) if field.name() == Some("csrf") => {
            field.text().await.map_err(multipart_error)?
        }
        _ => String::new(),
    };
    visitor.check_form(&csrf)?;
    // Someone who may not see the project learns nothing and stores nothing.
    app.engine
        .evidence_as(viewer, id)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? else {
        return Err(bad("error-empty-file"));
    };
    let name = field.file_name().unwrap_or("evidence").to_owned();
    let files = &app.config.files;
    let partial = files.join(format!(".upload-{}", to_hex(&rand::random::<[u8; 16]>())));
    let stored = async {
        let mut out = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| internal(&visitor, &e))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            size += chunk.len() as u64;
            if size > app.config.upload_limit {
                return Err(too_large());
            }
            hasher.update(&chunk);
            out.write_all(&chunk)
                .await
                .map_err(|e| internal(&visitor, &e))?;
        }
        if size == 0 {
            return Err(bad("error-empty-file"));
        }
        out.sync_all().await.map_err(|e| internal(&visitor, &e))?;
        Ok((to_hex(&hasher.finalize()), size))
    }
    .await;
    let (sha256, size) = match stored {
        Ok(done) => done,
        Err(fail) => {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(fail);
        }
    };
    let target = file_path(files, &sha256);
    if let Err(e) = tokio::fs::rename(&partial, &target).await {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(internal(&visitor, &e));
    }
    app.engine
        .add_evidence_as(viewer, id, &name, &sha256, size, Timestamp::now())
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    Ok(super::auth::see_other(&format!("/projects/{id}#evidence")))
}

/// `GET /projects/{id}/evidence/{file}`: the file, as an attachment.
pub async fn download(
    State(app): State<App>,
    visitor: Visitor,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let file = super::path_id(&visitor, &file)?;
    let evidence = app
        .engine
        .evidence_file_as(viewer, id, file)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    let bytes = tokio::fs::read(file_path(&app.config.files, &evidence.sha256))
        .await
        .map_err(|e| internal(&visitor, &e))?;
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_DISPOSITION, attachment(&evidence.name)),
            (
                HeaderName::from_static("x-content-type-options"),
                "nosniff".to_owned(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Where the file with this SHA-256 is kept.
fn file_path(files: &FsPath, sha256: &str) -> PathBuf {
    files.join(sha256)
}

/// `attachment; filename*=UTF-8''...`, the name percent-encoded (RFC 5987/6266).
fn attachment(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename*=UTF-8''{encoded}")
}

fn internal(visitor: &Visitor, e: &std::io::Error) -> Fail {
    tracing::error!("evidence file: {e}");
    Fail::status(visitor, 500, "error-internal", None)
}

#[cfg(test)]
mod tests {
    #[test]
    fn attachment_names_are_encoded() {
        assert_eq!(
            super::attachment("تقرير \"x\".pdf"),
            "attachment; filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%22x%22.pdf"
        );
    }
}
