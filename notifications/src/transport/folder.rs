//! Development transport: one `.eml` file per message in a folder.
//!
//! Each file is named by its Message-ID, so sending a message again replaces
//! its file rather than adding a second one, and is written atomically (a
//! temporary file in the same folder, then a rename): a reader never sees
//! half a message.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Error, Receipt, Transport};
use crate::message::Outgoing;

/// A folder that receives messages as `.eml` files (RFC 5322, openable by
/// any mail program).
#[derive(Debug, Clone)]
pub struct Folder {
    path: PathBuf,
}

impl Folder {
    /// Messages go to `path`; it is created on the first message.
    pub fn new(path: impl Into<PathBuf>) -> Folder {
        Folder { path: path.into() }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the message with this Message-ID is written.
    pub fn file_for(&self, message: &Outgoing) -> PathBuf {
        self.path
            .join(format!("{}.eml", message.message_id.file_stem()))
    }
}

impl Transport for Folder {
    async fn send(&self, message: &Outgoing) -> Result<Receipt, Error> {
        let bytes = message.to_rfc5322()?;
        let folder = self.path.clone();
        let file = self.file_for(message);
        let target = file.clone();
        let written =
            tokio::task::spawn_blocking(move || write_atomically(&folder, &target, &bytes))
                .await
                .map_err(|e| Error::Unavailable {
                    reason: format!("writing the message file stopped: {e}"),
                })?;
        written.map_err(|e| Error::Unavailable {
            reason: format!("cannot write {}: {e}", file.display()),
        })?;
        tracing::debug!(message_id = %message.message_id, file = %file.display(), "message written");
        Ok(Receipt {
            detail: format!("written to {}", file.display()),
        })
    }
}

fn write_atomically(folder: &Path, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".writing-")
        .suffix(".tmp")
        .tempfile_in(folder)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(target).map_err(|e| e.error)?;
    Ok(())
}
