//! What `gradflow backup` and `gradflow restore` read from the database; the
//! files, `pg_dump` and the manifest are the command's (I/O at the edge).

use std::path::Path;

use super::{Engine, Error};
use crate::store::{BackupFacts, HeldSnapshot};

impl Engine {
    /// SQLite: writes a consistent copy of the whole database into a new
    /// file at `path` while writers go on (`VACUUM INTO`).
    pub async fn sqlite_copy_into(&self, path: &Path) -> Result<(), Error> {
        Ok(self.store.sqlite_copy_into(path).await?)
    }

    /// PostgreSQL: a snapshot held open for `pg_dump --snapshot`, and the
    /// facts of what it holds.
    pub async fn hold_snapshot(&self) -> Result<(HeldSnapshot, BackupFacts), Error> {
        Ok(self.store.hold_snapshot().await?)
    }

    /// The schema version, counts and evidence files of the database as it
    /// is now (one snapshot).
    pub async fn backup_facts(&self) -> Result<BackupFacts, Error> {
        Ok(self.store.backup_facts().await?)
    }

    /// PostgreSQL: the server's major version, which `pg_dump`'s must reach;
    /// `None` on SQLite.
    pub async fn postgres_major(&self) -> Result<Option<u32>, Error> {
        Ok(self.store.postgres_major().await?)
    }

    /// Whether the database holds no people, projects, programs or
    /// workflows, so that a restore replaces nothing of value.
    pub async fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.store.is_empty().await?)
    }
}
