//! Evidence files: uploaded with a form (multipart) by those the workflow
//! allows while the project is open, within each person's quota, kept in
//! the files folder under their SHA-256 (outside anything served as a
//! folder), recorded through the engine as events in the project's log,
//! and downloaded as private, uncached attachments only by those who may
//! see the project.

use std::path::{Path as FsPath, PathBuf};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, HeaderName};
use axum::response::{IntoResponse, Response};
use gradflow_engine::audit::to_hex;
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::App;
use crate::done;
use crate::pages::Fail;
use crate::session::Visitor;

/// `POST /projects/{id}/evidence`: fields `csrf` (first), `key` (the
/// form's idempotency key, optional) and `file`.
///
/// Nothing is stored for a forged form, for someone who may not add files
/// to the project (or while it is finished), or for a name the engine
/// refuses: all of that is asked before the first byte is kept. The bytes
/// are then capped by the upload limit and by what the person's quota
/// leaves, and kept only once the engine has recorded them in the log.
pub async fn upload(
    State(app): State<App>,
    visitor: Visitor,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> Result<Response, Fail> {
    let viewer = visitor.signed_in()?;
    let id = super::path_id(&visitor, &id)?;
    let too_large = || Fail::status(&visitor, 413, "error-too-large", None);
    let quota_spent = || Fail::status(&visitor, 413, "error-quota", None);
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
    // The form's idempotency key may come next (pages draw one); the file follows.
    let mut next = multipart.next_field().await.map_err(multipart_error)?;
    if next.as_ref().is_some_and(|f| f.name() == Some("key")) {
        if let Some(key) = next.take() {
            key.text().await.map_err(multipart_error)?;
        }
        next = multipart.next_field().await.map_err(multipart_error)?;
    }
    let Some(mut field) = next else {
        return Err(bad("error-empty-file"));
    };
    let name = field.file_name().unwrap_or("evidence").to_owned();
    let quota = app.config.upload_quota;
    // Someone who may not see the project learns nothing; someone who may
    // not add to it, or a refused name, stores nothing.
    let left = app
        .engine
        .evidence_allowance(viewer, id, &name, quota)
        .await
        .map_err(|e| Fail::service(&visitor, e))?;
    if left == 0 {
        return Err(quota_spent());
    }
    let files = &app.config.files;
    let partial = Partial(files.join(format!(
        "{}{}-{}",
        crate::PARTIAL_UPLOAD_PREFIX,
        app.node,
        to_hex(&rand::random::<[u8; 16]>())
    )));
    let (sha256, size) = {
        let mut out = tokio::fs::File::create(&partial.0)
            .await
            .map_err(|e| internal(&visitor, &e))?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            size += chunk.len() as u64;
            if size > app.config.upload_limit {
                return Err(too_large());
            }
            if size > left {
                return Err(quota_spent());
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
        (to_hex(&hasher.finalize()), size)
    };
    let target = file_path(files, &sha256);
    // The same bytes may be kept already, for another record: those are never removed here.
    let new_bytes = !tokio::fs::try_exists(&target).await.unwrap_or(true);
    tokio::fs::rename(&partial.0, &target)
        .await
        .map_err(|e| internal(&visitor, &e))?;
    let recorded = app
        .engine
        .add_evidence_as(viewer, id, &name, &sha256, size, quota, Timestamp::now())
        .await;
    match recorded {
        Ok(_) => {}
        Err(e) => {
            if new_bytes && matches!(app.engine.evidence_kept(&sha256).await, Ok(false)) {
                let _ = tokio::fs::remove_file(&target).await;
            }
            return Err(Fail::service(&visitor, e));
        }
    }
    // Adding a file tells nobody (no notification rule follows it).
    let lines = vec![done::Line::new("done-evidence", &[("name", name.clone())])];
    Ok(done::redirect(
        visitor.token(),
        &format!("/projects/{id}"),
        "#evidence",
        lines,
    ))
}

/// A file being uploaded, removed when the upload ends without keeping it:
/// on a refusal, an error, or a request abandoned mid-way (a client gone,
/// a body timeout), since dropping the handler drops this too.
struct Partial(PathBuf);

impl Drop for Partial {
    fn drop(&mut self) {
        // After a rename there is nothing left here to remove.
        let _ = std::fs::remove_file(&self.0);
    }
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
    if evidence.removed {
        // Retention removed the bytes after the project ended: say so.
        return Err(Fail::status(&visitor, 410, "error-evidence-removed", None));
    }
    let bytes = match tokio::fs::read(file_path(&app.config.files, &evidence.sha256)).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Recorded in the log, absent from the store: a folder not
            // mounted on this node, a file lost or removed by hand. The
            // operator gets the name it should have; the reader a page
            // that says so.
            tracing::error!(
                "evidence file {} of project {id} (record {file}) is missing from the files folder {}: restore it from a backup, or check that the shared folder is mounted on this node",
                evidence.sha256,
                app.config.files.display()
            );
            return Err(Fail::status(&visitor, 500, "error-evidence-missing", None));
        }
        Err(e) => return Err(internal(&visitor, &e)),
    };
    Ok((
        [
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
            (CONTENT_DISPOSITION, attachment(&evidence.name)),
            (
                HeaderName::from_static("x-content-type-options"),
                "nosniff".to_owned(),
            ),
            // Evidence is personal: no shared cache keeps it, and the
            // browser keeps no copy once it is saved.
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// This server's name among the nodes that share a files folder: a short
/// hash of the host's name and the address it listens on, the same after a
/// restart. Partial uploads carry it, so that a server starting sweeps its
/// own leftovers at once and leaves another node's uploads in flight alone.
pub(crate) fn node_label(listening: std::net::SocketAddr) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{}|{listening}", host.trim()).as_bytes());
    to_hex(&digest)[..12].to_owned()
}

/// Removes the partial uploads left in `files` by a server that was killed
/// mid-upload (they are never served: downloads read only the SHA-256
/// names the log records): at once those of this `node`, whose uploads
/// cannot be in flight while it starts, and another node's once untouched
/// for longer than a body may take (`body_deadline`) and a minute more
/// (clocks of a shared folder's clients differ).
pub(crate) async fn sweep_partial_uploads(files: &FsPath, node: &str, body_deadline: Duration) {
    let mine = format!("{}{node}-", crate::PARTIAL_UPLOAD_PREFIX);
    let stale = body_deadline + Duration::from_secs(60);
    let Ok(mut entries) = tokio::fs::read_dir(files).await else {
        return;
    };
    let mut removed = 0usize;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(crate::PARTIAL_UPLOAD_PREFIX) {
            continue;
        }
        let dead = name.starts_with(&mine)
            || entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > stale);
        if dead {
            match tokio::fs::remove_file(entry.path()).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!("removing the partial upload {name}: {e}"),
            }
        }
    }
    if removed > 0 {
        tracing::info!(
            "removed {removed} partial upload(s) left in {} by a stopped server",
            files.display()
        );
    }
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
