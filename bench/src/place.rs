//! Where a group's databases live: SQLite files in a temporary folder, or
//! throw-away PostgreSQL databases created through the given URL (copies by
//! `CREATE DATABASE … TEMPLATE`), all dropped when the group ends.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::pg;

/// A database server or folder to make databases in.
pub enum Place {
    /// SQLite files in a temporary folder (removed with it).
    Sqlite {
        /// The folder.
        dir: tempfile::TempDir,
    },
    /// PostgreSQL.
    Postgres {
        /// A URL allowed to CREATE DATABASE.
        admin: String,
        /// Databases made so far, to drop.
        created: Vec<String>,
    },
}

impl Place {
    /// A temporary folder for SQLite files.
    pub fn sqlite() -> anyhow::Result<Place> {
        Ok(Place::Sqlite {
            dir: tempfile::tempdir()?,
        })
    }

    /// The PostgreSQL server at `admin`.
    pub fn postgres(admin: &str) -> Place {
        Place::Postgres {
            admin: admin.to_owned(),
            created: Vec::new(),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Place::Sqlite { .. } => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }

    /// The URL of a new, empty database named after `tag`.
    pub async fn fresh(&mut self, tag: &str) -> anyhow::Result<String> {
        match self {
            Place::Sqlite { dir } => Ok(file_url(&dir.path().join(format!("{tag}.db")))),
            Place::Postgres { admin, created } => {
                let name = database_name(tag);
                pg::create(admin, &name).await.with_context(|| {
                    format!("cannot create database {name} via {}", pg::redact(admin))
                })?;
                created.push(name.clone());
                Ok(pg::with_database(admin, &name))
            }
        }
    }

    /// The URL of a copy of the database at `from` (nobody may be connected to it).
    pub async fn copy(&mut self, from: &str, tag: &str) -> anyhow::Result<String> {
        match self {
            Place::Sqlite { dir } => {
                let to = dir.path().join(format!("{tag}.db"));
                let source = PathBuf::from(from.trim_start_matches("sqlite://"));
                std::fs::copy(&source, &to)
                    .with_context(|| format!("copy {}", source.display()))?;
                let wal = PathBuf::from(format!("{}-wal", source.display()));
                if wal.exists() {
                    std::fs::copy(&wal, format!("{}-wal", to.display()))?;
                }
                Ok(file_url(&to))
            }
            Place::Postgres { admin, created } => {
                let template = database_of(from);
                let name = database_name(tag);
                pg::create_from(admin, &name, &template)
                    .await
                    .with_context(|| format!("cannot copy database {template} to {name}"))?;
                created.push(name.clone());
                Ok(pg::with_database(admin, &name))
            }
        }
    }

    /// Gets the database at `url` ready to measure: statistics and no dead
    /// rows on PostgreSQL (as autovacuum would have left it); nothing on SQLite.
    pub async fn settle(&self, url: &str) -> anyhow::Result<()> {
        if let Place::Postgres { .. } = self {
            pg::vacuum(url).await?;
        }
        Ok(())
    }

    /// Removes the database at `url` now (its disk is wanted back).
    pub async fn discard(&mut self, url: &str) -> anyhow::Result<()> {
        match self {
            Place::Sqlite { .. } => {
                let path = url.trim_start_matches("sqlite://");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Place::Postgres { admin, created } => {
                let name = database_of(url);
                pg::drop(admin, &name).await?;
                created.retain(|c| *c != name);
            }
        }
        Ok(())
    }

    /// Drops every database still there; says which could not be dropped.
    pub async fn cleanup(&mut self) -> anyhow::Result<()> {
        if let Place::Postgres { admin, created } = self {
            for name in std::mem::take(created) {
                pg::drop(admin, &name)
                    .await
                    .with_context(|| format!("cannot drop database {name}; drop it by hand"))?;
            }
        }
        Ok(())
    }
}

/// A fresh database name ending in `tag`, as a plain identifier.
fn database_name(tag: &str) -> String {
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{}_{tag}", pg::fresh_name())
}

fn file_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// The database name in a PostgreSQL URL.
fn database_of(url: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    base.rsplit('/').next().unwrap_or_default().to_owned()
}
