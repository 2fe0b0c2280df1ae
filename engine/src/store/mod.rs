//! Persistence behind one boundary: SQLite (embedded default) and PostgreSQL.
//!
//! **Invariant:** SQL lives only here. Both databases run the same statements
//! (`$N` placeholders, `RETURNING`, `ON CONFLICT`), written once and expanded
//! for each pool by [`with_db!`]; only the migrations differ, numbered in
//! parallel in `migrations/sqlite` and `migrations/postgres`.

mod directory;
mod migrations;
mod projects;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use directory::{Cohort, NewCohort, Person, Program, Published, StoredDefinition};
pub use projects::{AuditReport, Idempotency, Pending, ProjectRecord, StoredEvent, Summary};

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://gradflow.db";

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database said no.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Migrations could not be applied.
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// Someone else changed the project first.
    #[error(
        "the project was changed by someone else at the same time (it is past version {expected}); look again and retry"
    )]
    Conflict {
        /// Version the write was based on.
        expected: u64,
    },
    /// A thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A thing to create already exists, or a rule forbids the write.
    #[error("{0}")]
    Refused(String),
    /// Stored data does not read back.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The URL names no supported database.
    #[error(
        "'{0}' is not a database URL gradflow knows; use sqlite://FILE or postgres://USER@HOST/DB"
    )]
    BadUrl(String),
}

// Not `#[from]`: that would also make the cause the error's source, and
// messages would print it twice.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Migrate(e)
    }
}

/// Durability of SQLite commits, for measuring its cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `synchronous = FULL`: a commit survives power loss (the default).
    Full,
    /// `synchronous = NORMAL`: in WAL mode, survives a crash of the process, not of the machine.
    Normal,
}

#[derive(Debug, Clone)]
enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database, on either engine. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
}

/// Runs `$body` with `$pool` bound to the concrete pool, once per database kind.
macro_rules! with_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the database at `url`.
    pub async fn connect(url: &str) -> Result<Store, Error> {
        Self::connect_with(url, Durability::Full).await
    }

    /// Like [`Store::connect`], choosing SQLite's durability.
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Store, Error> {
        let store = if url.starts_with("sqlite:") {
            let synchronous = match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            };
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(synchronous)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            // No ping before each use: on a local file it only adds a round trip.
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .test_before_acquire(false)
                .connect_with(options)
                .await?;
            Store {
                db: Db::Sqlite(pool),
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            // An unreachable server is reported after 5 s rather than sqlx's 30.
            // No ping before each use: a broken connection fails its query,
            // which the caller sees as an error, and nothing is committed.
            let pool = PgPoolOptions::new()
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .max_connections(16)
                .connect_with(options)
                .await?;
            Store {
                db: Db::Postgres(pool),
            }
        } else {
            return Err(Error::BadUrl(url.to_owned()));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations not yet applied (safe to run at every start).
    pub async fn migrate(&self) -> Result<(), Error> {
        with_db!(self, pool => migrations::migrator(self.kind()).run(pool).await?);
        Ok(())
    }

    /// Which database this is: `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await);
    }
}

/// An instant as stored: microseconds since the Unix epoch.
pub(crate) fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// A stored instant back as a timestamp.
pub(crate) fn instant(micros: i64) -> Result<Timestamp, Error> {
    Timestamp::from_microsecond(micros)
        .map_err(|e| Error::Corrupt(format!("instant {micros}: {e}")))
}

/// Whether a database error is a unique-constraint violation (someone got there first).
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Reads columns the same way from either database's rows.
pub(crate) trait Columns {
    /// A BIGINT column.
    fn int(&self, name: &str) -> Result<i64, Error>;
    /// A nullable BIGINT column.
    fn opt_int(&self, name: &str) -> Result<Option<i64>, Error>;
    /// A TEXT column.
    fn text(&self, name: &str) -> Result<String, Error>;
}

macro_rules! columns {
    ($row:ty) => {
        impl Columns for $row {
            fn int(&self, name: &str) -> Result<i64, Error> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn opt_int(&self, name: &str) -> Result<Option<i64>, Error> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn text(&self, name: &str) -> Result<String, Error> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
        }
    };
}
columns!(sqlx::sqlite::SqliteRow);
columns!(sqlx::postgres::PgRow);
