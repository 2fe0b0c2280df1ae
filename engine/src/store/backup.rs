//! What `gradflow backup` needs from the database: a consistent copy of a
//! SQLite file (`VACUUM INTO`), a PostgreSQL snapshot held open for
//! `pg_dump --snapshot`, and the facts a backup's manifest records, read
//! from the very snapshot that was copied.

use std::path::Path;

use super::{Begin, Columns, Db, Error, Store, with_db};

/// What a backup records of the database it copied, read from one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupFacts {
    /// The newest migration applied (the schema version).
    pub schema_version: i64,
    /// Projects.
    pub projects: u64,
    /// People.
    pub people: u64,
    /// Events in every project's log.
    pub events: u64,
    /// Evidence rows.
    pub evidence: u64,
    /// The distinct SHA-256s of the evidence rows: the files a copy of the
    /// evidence folder must hold for this snapshot.
    #[serde(skip)]
    pub files: Vec<String>,
}

/// A PostgreSQL transaction kept open so that `pg_dump --snapshot=ID` sees
/// exactly what it saw; dropping it ends the transaction.
pub struct HeldSnapshot {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// The exported snapshot's id, for `pg_dump --snapshot`.
    pub id: String,
}

/// Reads [`BackupFacts`] on `$conn` (a connection inside a snapshot).
macro_rules! read_facts {
    ($conn:expr) => {{
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let schema_version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *$conn)
                .await?;
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM projects) AS projects, (SELECT COUNT(*) FROM people) AS people,
                    (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM evidence) AS evidence",
        )
        .fetch_one(&mut *$conn)
        .await?;
        let files: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT sha256 FROM evidence ORDER BY sha256")
                .fetch_all(&mut *$conn)
                .await?;
        Ok::<BackupFacts, Error>(BackupFacts {
            schema_version: schema_version.unwrap_or(0),
            projects: count(row.int("projects")?),
            people: count(row.int("people")?),
            events: count(row.int("events")?),
            evidence: count(row.int("evidence")?),
            files,
        })
    }};
}

impl Store {
    /// SQLite: writes the whole database, as of one instant, into a new file
    /// at `path` (`VACUUM INTO`: writers go on meanwhile; the copy holds
    /// every commit made before it began and none after).
    pub async fn sqlite_copy_into(&self, path: &Path) -> Result<(), Error> {
        let Db::Sqlite(pool) = &self.db else {
            return Err(Error::Corrupt(
                "a SQLite copy was asked of a PostgreSQL database".into(),
            ));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(path.to_string_lossy().into_owned())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// PostgreSQL: opens a snapshot for `pg_dump --snapshot` and reads the
    /// facts of what it holds. The transaction never times out while idle
    /// (a dump may take long); it ends when the value is dropped.
    pub async fn hold_snapshot(&self) -> Result<(HeldSnapshot, BackupFacts), Error> {
        let Db::Postgres(pool) = &self.db else {
            return Err(Error::Corrupt(
                "a PostgreSQL snapshot was asked of a SQLite database".into(),
            ));
        };
        let mut tx = pool.begin_snapshot().await?;
        sqlx::query("SET LOCAL idle_in_transaction_session_timeout = 0")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SET LOCAL statement_timeout = 0")
            .execute(&mut *tx)
            .await?;
        let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?;
        let facts = read_facts!(tx)?;
        Ok((HeldSnapshot { tx, id }, facts))
    }

    /// The facts of the database as it is now (one snapshot).
    pub async fn backup_facts(&self) -> Result<BackupFacts, Error> {
        with_db!(self, pool => {
            let mut tx = pool.begin_snapshot().await?;
            let facts = read_facts!(tx)?;
            tx.commit().await?;
            Ok(facts)
        })
    }

    /// PostgreSQL: the server's major version (e.g. 15), which `pg_dump`'s
    /// must reach; `None` on SQLite.
    pub async fn postgres_major(&self) -> Result<Option<u32>, Error> {
        let Db::Postgres(pool) = &self.db else {
            return Ok(None);
        };
        let number: String = sqlx::query_scalar("SHOW server_version_num")
            .fetch_one(pool)
            .await?;
        Ok(number.trim().parse::<u32>().ok().map(|n| n / 10_000))
    }

    /// Whether the database holds nobody and nothing: no people, projects,
    /// programs or published workflows (what a restore may replace).
    pub async fn is_empty(&self) -> Result<bool, Error> {
        let held: i64 = with_db!(self, pool => sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM people) + (SELECT COUNT(*) FROM projects)
                  + (SELECT COUNT(*) FROM programs) + (SELECT COUNT(*) FROM definitions)",
        )
        .fetch_one(pool)
        .await)?;
        Ok(held == 0)
    }
}

impl HeldSnapshot {
    /// Ends the transaction (the dump has its own copy of the snapshot by now).
    pub async fn release(self) {
        let _ = self.tx.rollback().await;
    }
}
