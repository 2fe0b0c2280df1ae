//! Persistence behind one boundary: SQLite (embedded default) and PostgreSQL.
//!
//! **Invariant:** SQL lives only here. Both databases run the same statements
//! (`$N` placeholders, `RETURNING`, `ON CONFLICT`), written once and expanded
//! for each pool by [`with_db!`]; only the migrations differ, numbered in
//! parallel in `migrations/sqlite` and `migrations/postgres`.

mod accounts;
mod directory;
mod migrations;
mod outbox;
mod projects;
mod timers;
mod viewer;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use directory::NewDefinition;
pub use outbox::{Delivery, Message};
pub use timers::TimerRow;
pub use viewer::Evidence;

pub use directory::{Cohort, CohortPin, NewCohort, Person, Program, Published, StoredDefinition};
pub use projects::{
    AuditFile, AuditRow, FirstUse, Idempotency, NewProject, Pending, ProjectRecord, StoredEvent,
    Summary,
};

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://gradflow.db";

/// How long a write waits for a row another session holds before giving up
/// (PostgreSQL), and for the write lock (SQLite): the same wait on both, so
/// that [`Error::Busy`]'s message says the wait there was.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Why a store operation failed. Messages are facts for the service to
/// pass on or wrap; they hold no instructions for any particular interface.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed (its own words are the detail, for the operator).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// Another session held what this one needed for longer than [`LOCK_WAIT`].
    #[error("the database was busy with another change for more than {} s", LOCK_WAIT.as_secs())]
    Busy,
    /// The database file can only be read (a read-only file or mount, or a
    /// URL that asks for it).
    #[error(
        "the database is open read-only (its file cannot be written, or its URL says ?mode=ro or ?immutable=1), so nothing can be changed"
    )]
    ReadOnly,
    /// Migrations could not be applied.
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// Someone else changed the project first.
    #[error(
        "the project was changed by someone else at the same time (it is past version {expected})"
    )]
    Conflict {
        /// Version the write was based on.
        expected: u64,
    },
    /// A thing asked for does not exist.
    #[error("{0}")]
    NotFound(crate::reason::Reason),
    /// A thing to create already exists, or the stored data forbids the write
    /// (a full cohort, a version that has projects).
    #[error("{0}")]
    Refused(crate::reason::Reason),
    /// Stored data does not read back.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The URL names no supported database (the URL is shown without its password).
    #[error(
        "'{}' is not a database URL gradflow knows; use sqlite://FILE or postgres://USER@HOST/DB",
        redact_url(.0)
    )]
    BadUrl(String),
}

// Not `#[from]`: that would also make the cause the error's source, and
// messages would print it twice.
impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if is_busy(&e) {
            Error::Busy
        } else if is_read_only(&e) {
            Error::ReadOnly
        } else {
            Error::Database(e)
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(e) if is_busy(&e) => Error::Busy,
            e => Error::Migrate(e),
        }
    }
}

/// Whether the database gave up waiting for a lock: PostgreSQL's
/// `lock_timeout` (55P03) or `statement_timeout` (57014), SQLite's BUSY or LOCKED.
fn is_busy(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(e) = error else {
        return false;
    };
    let code = e.code();
    if e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Extended result codes: the primary code is the low byte.
        code.and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6))
    } else {
        matches!(code.as_deref(), Some("55P03" | "57014"))
    }
}

/// A database URL without its password, for messages and logs: whatever may
/// be a password before the last `@` is hidden, however the URL is spelled,
/// and so is every parameter whose name mentions a password (or is encoded).
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = head.to_owned();
    if let Some(at) = head.rfind('@') {
        // After "://" the user name comes first; otherwise anything after the
        // first ':' may be a password.
        let start = match head[..at].find("://") {
            Some(i) => head[i + 3..at].find(':').map(|c| i + 3 + c + 1),
            None => head[..at].find(':').map(|c| c + 1),
        };
        if let Some(start) = start {
            out = format!("{}***{}", &head[..start], &head[at..]);
        }
    }
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.to_ascii_lowercase().contains("pass") || k.contains('%') => {
                    format!("{k}=***")
                }
                _ => p.to_owned(),
            })
            .collect();
        out = format!("{out}?{}", params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages_however_the_url_is_spelled() {
        for (url, shown) in [
            (
                "postgres://app:s3cret@db/gradflow",
                "postgres://app:***@db/gradflow",
            ),
            ("sqlite://gradflow.db", "sqlite://gradflow.db"),
            ("postgres:s3cret@127.0.0.1/db", "postgres:***@127.0.0.1/db"),
            (
                "postgres:/postgres:s3cret@127.0.0.1/db",
                "postgres:***@127.0.0.1/db",
            ),
            ("postgres://app:pa:ss@db/g", "postgres://app:***@db/g"),
            ("u:s3cret@127.0.0.1/db", "u:***@127.0.0.1/db"),
            (
                "postgres//postgres:s3cret@h/db",
                "postgres//postgres:***@h/db",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "postgres://u@h/db?password=s3cret",
                "postgres://u@h/db?password=***",
            ),
            (
                "postgres://u@h/db?pass%77ord=s3cret",
                "postgres://u@h/db?pass%77ord=***",
            ),
            (
                "postgres://u@h/db?sslpassword=s3cret&x=1",
                "postgres://u@h/db?sslpassword=***&x=1",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
            assert!(!redact_url(url).contains("s3cret"), "{url}");
        }
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
    /// Opens (creating a SQLite file if needed) and migrates the database at
    /// `url`, with SQLite's commits as durable as `durability` says.
    pub async fn connect_with(url: &str, durability: Durability) -> Result<Store, Error> {
        let store = if url.starts_with("sqlite:") {
            return open_sqlite(url, durability).await;
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let wait = format!("{}ms", LOCK_WAIT.as_millis());
            let options = PgConnectOptions::from_str(url)?.options([
                // A row held by another session is waited for this long, then
                // the command fails with a clear error instead of hanging.
                ("lock_timeout", wait.as_str()),
                ("statement_timeout", "60s"),
                ("idle_in_transaction_session_timeout", "60s"),
            ]);
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

    /// Applies the migrations not yet applied (safe to run at every start, and
    /// from many processes at once: PostgreSQL's migrator takes an advisory
    /// lock; on SQLite they run inside one `BEGIN IMMEDIATE` transaction, so
    /// a second process waits and then finds them applied).
    pub async fn migrate(&self) -> Result<(), Error> {
        let migrator = migrations::migrator(self.kind());
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                migrator.run_direct(None, &mut *tx, false).await?;
                tx.commit().await?;
            }
            Db::Postgres(pool) => migrator.run(pool).await?,
        }
        Ok(())
    }

    /// Which database this is: `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.db {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// Asks the database a trivial question: whether it answers.
    pub async fn ping(&self) -> Result<(), Error> {
        with_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await);
    }
}

/// Most memory each SQLite connection keeps for its page cache, in KiB.
const CACHE_KIB: u32 = 64 * 1024;

/// Opens a SQLite file: WAL mode, migrated; or, when the file cannot be
/// written (a read-only copy, a read-only mount), read-only, which every
/// read command can use.
async fn open_sqlite(url: &str, durability: Durability) -> Result<Store, Error> {
    let synchronous = match durability {
        Durability::Full => SqliteSynchronous::Full,
        Durability::Normal => SqliteSynchronous::Normal,
    };
    // No journal_mode option: switching to WAL takes a lock SQLite's busy
    // wait does not cover, so many processes opening a new file at once
    // would fail; `use_wal` retries it instead.
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .synchronous(synchronous)
        .foreign_keys(true)
        .busy_timeout(LOCK_WAIT)
        // SQLite's default page cache (2 MB) spills a batch of a thousand
        // commands to the file and reads the indexes back page by page; a
        // larger one grows only as it is used. Statement journals (for a
        // multi-row UPDATE that might have to undo itself) stay in memory.
        .pragma("cache_size", format!("-{}", CACHE_KIB))
        .pragma("temp_store", "memory");
    // No ping before each use: on a local file it only adds a round trip.
    let pool_options = SqlitePoolOptions::new()
        .max_connections(4)
        .test_before_acquire(false);
    // `?immutable=1` promises that nobody changes the file, so SQLite skips
    // its locks and its write-ahead log, and reads a file whose latest
    // commits are still in the log as damaged. What the URL asks for is a
    // database nobody writes: it is opened read-only, reading the log.
    let asks_immutable = url.split_once('?').is_some_and(|(_, query)| {
        query
            .split('&')
            .any(|pair| matches!(pair, "immutable=1" | "immutable=true"))
    });
    let options = options.immutable(false);
    let writable = async {
        if asks_immutable {
            return Err(Error::ReadOnly);
        }
        let pool = pool_options.clone().connect_with(options.clone()).await?;
        use_wal(&pool).await?;
        let store = Store {
            db: Db::Sqlite(pool),
        };
        store.migrate().await?;
        Ok::<_, Error>(store)
    }
    .await;
    match writable {
        Err(Error::ReadOnly) => {}
        Err(Error::Migrate(sqlx::migrate::MigrateError::Execute(e))) if is_read_only(&e) => {}
        other => return other,
    }
    let read_only = options.create_if_missing(false).read_only(true);
    let pool = match pool_options.clone().connect_with(read_only.clone()).await {
        Ok(pool) => pool,
        // WAL needs its shared-memory file; in a folder we cannot write, read
        // the file as it is (nobody can be writing it: it is read-only).
        Err(_) => pool_options.connect_with(read_only.immutable(true)).await?,
    };
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&pool)
            .await?;
    if applied != Some(migrations::LATEST) {
        return Err(Error::Refused(crate::reason::Reason::message(
            "the database file is read-only and its schema is older than this gradflow; open it once with write access to bring it up to date",
        )));
    }
    Ok(Store {
        db: Db::Sqlite(pool),
    })
}

/// Puts the file in WAL mode (readers never wait for the writer), retrying
/// while another process holds the lock the switch needs.
async fn use_wal(pool: &SqlitePool) -> Result<(), Error> {
    let mut tries = 0;
    loop {
        match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = WAL")
            .fetch_one(pool)
            .await
        {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(Error::Corrupt(format!(
                    "the database file stays in journal mode '{mode}' instead of WAL"
                )));
            }
            Err(e) if is_busy(&e) && tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Whether SQLite refused to write because the file or its folder is read-only.
fn is_read_only(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(e) = error else {
        return false;
    };
    e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
        && e.code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == 8)
}

/// How each database begins the transactions the store needs.
pub(crate) trait Begin {
    /// The database.
    type Db: sqlx::Database;

    /// A transaction that will write. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`), so it waits its turn behind another writer
    /// instead of failing with "database is locked" when it first writes
    /// after reading.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;

    /// A read-only transaction that sees one snapshot of the whole database
    /// (PostgreSQL: REPEATABLE READ; SQLite in WAL mode: any read transaction).
    async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl Begin for SqlitePool {
    type Db = sqlx::Sqlite;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }

    async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin().await
    }
}

impl Begin for PgPool {
    type Db = sqlx::Postgres;

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin().await
    }

    async fn begin_snapshot(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error> {
        self.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
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
    /// A nullable TEXT column.
    fn opt_text(&self, name: &str) -> Result<Option<String>, Error>;
    /// A BOOLEAN column.
    fn flag(&self, name: &str) -> Result<bool, Error>;
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
            fn opt_text(&self, name: &str) -> Result<Option<String>, Error> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
            fn flag(&self, name: &str) -> Result<bool, Error> {
                Ok(sqlx::Row::try_get(self, name)?)
            }
        }
    };
}
columns!(sqlx::sqlite::SqliteRow);
columns!(sqlx::postgres::PgRow);
