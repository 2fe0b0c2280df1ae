//! Persistence behind one boundary: SQLite (embedded default) and PostgreSQL.
//!
//! **Invariant:** SQL lives only here. Both databases run the same statements
//! (`$N` placeholders, `RETURNING`, `ON CONFLICT`), written once and expanded
//! for each pool by [`with_db!`]; only the migrations differ, numbered in
//! parallel in `migrations/sqlite` and `migrations/postgres`.

mod account_mail;
mod accounts;
mod audit;
mod backup;
pub(crate) mod certificates;
mod committee;
mod directory;
mod import;
pub(crate) mod intake;
mod keys;
mod migrations;
mod outbox;
mod people;
mod places;
mod projects;
mod timers;
pub use timers::timer_claim_statement;
mod tls;
mod viewer;
// Calendar feeds (issue 17, part 4).
mod calendar;
// Issue 17, part 5: queue counts for /metrics.
pub(crate) mod stats;
pub(crate) mod webhooks;
// API tokens (issue 17, part 1).
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

pub use account_mail::AccountMail;
pub use backup::{BackupFacts, HeldSnapshot};
pub use certificates::{Certificate, Certification, NewCertificate, Revocation};
pub use committee::{ConflictRow, PoolMembership, PoolRow};
pub use directory::NewDefinition;
pub(crate) use import::{ImportPerson, ImportProject, ImportWrite};
pub use intake::{ApplicationWrite, CohortAudit, CohortEvent, IntakeMail, StoredApplication};
pub use keys::KeyRow;
pub use outbox::{Delivery, Message};
pub use people::{
    AdminEntry, ExportedEvent, ExportedFile, ExportedMessage, ExportedSession, PersonStatus,
    RoleHeld,
};
pub use places::{MAX_OFFER_ATTEMPTS, StuckOffer};
pub use timers::TimerRow;
pub use tokens::TokenRow;
pub use viewer::{Evidence, ProjectFilter};
pub use webhooks::{HookDelivery, HookRecord, Webhook};

pub use audit::{AUDIT_PAGE, AuditFile, AuditRow, AuditTimer};
pub use directory::{Cohort, CohortPin, NewCohort, Person, Program, Published, StoredDefinition};
pub use projects::{
    DatesRead, FirstUse, Idempotency, NewProject, Pending, ProjectRecord, StoredEvent, Summary,
};

/// The schema version this build knows: its newest migration. A backup made
/// at a newer one cannot be restored by it.
pub const SCHEMA_VERSION: i64 = migrations::LATEST;

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
    /// The schema has migrations this gradflow brings that are not applied
    /// yet: only `gradflow migrate` applies them.
    #[error(
        "the database schema is behind this gradflow: {} pending ({}); run `gradflow migrate` (as the database's owner) to apply {}",
        if .0.len() == 1 { "one migration is" } else { "migrations are" },
        .0.iter().map(|m| format!("{:04} {}", m.version, m.description)).collect::<Vec<_>>().join(", "),
        if .0.len() == 1 { "it" } else { "them" }
    )]
    SchemaBehind(Vec<MigrationState>),
    /// The database holds migrations this gradflow does not know: it was
    /// migrated by a newer gradflow.
    #[error(
        "the database schema is newer than this gradflow (it has migration {0}, which this version does not know); run the gradflow that migrated it"
    )]
    SchemaAhead(i64),
    /// The database cannot be reached, or it dropped the connection (a
    /// restart, a network failure); a retry may succeed once it is back.
    #[error("the database cannot be reached: {0}")]
    Unavailable(sqlx::Error),
    /// The connection's TLS settings (`sslmode`, `sslrootcert`) cannot be
    /// used, or the server's certificate was refused.
    #[error("{0}")]
    Tls(String),
    /// Someone else changed the project first.
    #[error(
        "the project was changed by someone else at the same time (it is past version {expected})"
    )]
    Conflict {
        /// Version the write was based on.
        expected: u64,
    },
    /// The cohort's calendar was changed (its revision raised) after the
    /// write read it: what was planned on the old calendar is not written.
    #[error(
        "the cohort's dates or holidays were changed at the same time (it is past revision {expected})"
    )]
    CohortChanged {
        /// The calendar revision the write was planned on.
        expected: i64,
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
        } else if is_unavailable(&e) {
            note_away(&e);
            Error::Unavailable(e)
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

/// Whether this process last found the database away (one outage is
/// logged once: when it is first met, and when a new connection is made
/// again). Shared by the process's pools: a log line, nothing more.
static AWAY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Logs the start of an outage, once, with its cause (the driver's words,
/// which never hold the URL or its password).
fn note_away(cause: &sqlx::Error) {
    if !AWAY.swap(true, std::sync::atomic::Ordering::SeqCst) {
        tracing::warn!("the database cannot be reached ({cause}); waiting for it to come back");
    }
}

/// Logs the end of an outage: a new connection was made.
fn note_back() {
    if AWAY.swap(false, std::sync::atomic::Ordering::SeqCst) {
        tracing::info!("the database is reachable again");
    }
}

/// Whether the error says the database is away rather than that a statement
/// failed: the connection could not be made or was lost (I/O, the pool's
/// wait for a connection), or the server is shutting down or starting
/// (57P01-57P03) or reports a connection failure (class 08).
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        // rustls reports a refused certificate as InvalidData: not an outage.
        sqlx::Error::Io(e) => !tls::is_refusal(e),
        sqlx::Error::PoolTimedOut | sqlx::Error::Protocol(_) => true,
        // A handshake cut short by a server going down.
        sqlx::Error::Tls(e) => e.downcast_ref::<std::io::Error>().is_some(),
        sqlx::Error::Database(e) => e.code().is_some_and(|c| {
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
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

/// What opening a database does about its schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// The schema must be current: a new, empty database is given it (so
    /// the first command on a fresh database works), one with a migration
    /// pending is refused with [`Error::SchemaBehind`]. A current schema is
    /// only read, so a role that may only read and write rows can open it.
    Current,
    /// Open as it is, for `gradflow migrate` to look and apply.
    AsIs,
}

/// One migration this gradflow brings, and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationState {
    /// Its number (the same on both databases).
    pub version: i64,
    /// What it is for, in a few words.
    pub description: String,
    /// Whether the database has it applied.
    pub applied: bool,
}

/// A pooled PostgreSQL connection idle at least this long is pinged before
/// it is used, so that one the server dropped meanwhile (a restart) is
/// replaced instead of failing its request. Connections busy with a steady
/// load are reused sooner and never pinged: no round trip is added to the
/// write path under load.
pub const IDLE_PING: Duration = Duration::from_millis(100);

impl Store {
    /// Opens (creating a SQLite file if needed) the database at `url`, with
    /// SQLite's commits as durable as `durability` says, doing about its
    /// schema what `schema` says.
    pub async fn open(url: &str, durability: Durability, schema: Schema) -> Result<Store, Error> {
        let store = if url.starts_with("sqlite:") {
            return open_sqlite(url, durability, schema).await;
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let tls = tls::check(url)?;
            let wait = format!("{}ms", LOCK_WAIT.as_millis());
            let mut options =
                PgConnectOptions::from_str(url).map_err(|e| Error::Tls(tls::explain_options(e)))?;
            if tls.require_checks_ca() {
                options = options.ssl_mode(sqlx::postgres::PgSslMode::VerifyCa);
            }
            let options = options.options([
                // A row held by another session is waited for this long, then
                // the command fails with a clear error instead of hanging.
                ("lock_timeout", wait.as_str()),
                ("statement_timeout", "60s"),
                ("idle_in_transaction_session_timeout", "60s"),
            ]);
            // An unreachable server is reported after 5 s rather than sqlx's 30.
            // A connection idle for `IDLE_PING` is pinged before use (one the
            // server dropped is replaced); sqlx also pings each on release,
            // so one broken mid-request never goes back into the pool.
            let pool = PgPoolOptions::new()
                .acquire_timeout(Duration::from_secs(5))
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for < IDLE_PING {
                            return Ok(true);
                        }
                        Ok(sqlx::Connection::ping(conn).await.is_ok())
                    })
                })
                .after_connect(|_, _| {
                    Box::pin(async {
                        note_back();
                        Ok(())
                    })
                })
                .max_connections(16)
                .connect_with(options)
                .await
                .map_err(|e| tls.explain(e))?;
            Store {
                db: Db::Postgres(pool),
            }
        } else {
            return Err(Error::BadUrl(url.to_owned()));
        };
        if schema == Schema::Current {
            store.ensure_current().await?;
        }
        Ok(store)
    }

    /// Every migration this gradflow brings, each applied or pending.
    pub async fn migrations(&self) -> Result<Vec<MigrationState>, Error> {
        let applied = with_db!(self, pool => {
            let mut conn = pool.acquire().await?;
            applied_versions(&mut *conn).await?
        })
        .unwrap_or_default();
        states(&applied)
    }

    /// Applies the migrations not yet applied and returns those it applied
    /// (safe from many processes at once: PostgreSQL's migrator takes an
    /// advisory lock; on SQLite they run inside one `BEGIN IMMEDIATE`
    /// transaction, so a second process waits and then finds them applied).
    pub async fn migrate(&self) -> Result<Vec<MigrationState>, Error> {
        let before = self.migrations().await?;
        // Nothing to apply: nothing is locked or created, so a role that
        // may only read and write rows can run it too.
        if before.iter().all(|m| m.applied) {
            return Ok(vec![]);
        }
        let migrator = migrations::migrator(self.kind());
        match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                migrator.run_direct(None, &mut *tx, false).await?;
                tx.commit().await?;
            }
            Db::Postgres(pool) => migrator.run(pool).await?,
        }
        let after = self.migrations().await?;
        Ok(after
            .into_iter()
            .filter(|m| m.applied && before.iter().any(|b| b.version == m.version && !b.applied))
            .collect())
    }

    /// Gives a new, empty database its schema; refuses one whose schema is
    /// behind (or ahead of) this gradflow. A current schema is only read.
    async fn ensure_current(&self) -> Result<(), Error> {
        let applied = match &self.db {
            // Inside a write transaction, as before: a file that cannot be
            // written fails here and is opened read-only instead, and a
            // second process creating the same new file waits its turn.
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                let applied = applied_versions(&mut *tx).await?;
                if applied.is_none() {
                    migrations::migrator("sqlite")
                        .run_direct(None, &mut *tx, false)
                        .await?;
                }
                tx.commit().await?;
                applied
            }
            Db::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let mut applied = applied_versions(&mut *conn).await?;
                if applied
                    .as_ref()
                    .is_some_and(|v| v.len() < migrations::MIGRATIONS.len())
                {
                    // Another process may be giving a new database its
                    // schema right now: wait for the migrator's lock (an
                    // advisory lock, which any role may take), then look again.
                    use sqlx::migrate::Migrate;
                    conn.lock().await?;
                    let again = applied_versions(&mut *conn).await;
                    conn.unlock().await?;
                    applied = again?;
                }
                drop(conn);
                if applied.is_none() {
                    migrations::migrator("postgres").run(pool).await?;
                }
                applied
            }
        };
        let Some(applied) = applied else {
            return Ok(());
        };
        let states = states(&applied)?;
        let pending: Vec<MigrationState> = states.into_iter().filter(|m| !m.applied).collect();
        if pending.is_empty() {
            Ok(())
        } else {
            Err(Error::SchemaBehind(pending))
        }
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

/// The versions of the migrations applied, or `None` when the database has
/// no record of any (a new database: sqlx's `_sqlx_migrations` is missing).
async fn applied_versions<C>(conn: &mut C) -> Result<Option<Vec<i64>>, Error>
where
    C: AppliedVersions + ?Sized,
{
    conn.applied_versions().await
}

/// Reading `_sqlx_migrations` on either database.
trait AppliedVersions {
    async fn applied_versions(&mut self) -> Result<Option<Vec<i64>>, Error>;
}

impl AppliedVersions for sqlx::SqliteConnection {
    async fn applied_versions(&mut self) -> Result<Option<Vec<i64>>, Error> {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
        )
        .fetch_one(&mut *self)
        .await?;
        if !exists {
            return Ok(None);
        }
        let versions = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut *self)
        .await?;
        Ok(Some(versions))
    }
}

impl AppliedVersions for sqlx::PgConnection {
    async fn applied_versions(&mut self) -> Result<Option<Vec<i64>>, Error> {
        let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut *self)
            .await?;
        if !exists {
            return Ok(None);
        }
        let versions = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&mut *self)
        .await?;
        Ok(Some(versions))
    }
}

/// Every migration this gradflow brings, marked applied when `applied` has
/// it; a version applied that this gradflow does not know is an error.
fn states(applied: &[i64]) -> Result<Vec<MigrationState>, Error> {
    if let Some(unknown) = applied
        .iter()
        .find(|v| !migrations::MIGRATIONS.iter().any(|m| m.0 == **v))
    {
        return Err(Error::SchemaAhead(*unknown));
    }
    Ok(migrations::MIGRATIONS
        .iter()
        .map(|(version, description, _, _)| MigrationState {
            version: *version,
            description: (*description).to_owned(),
            applied: applied.contains(version),
        })
        .collect())
}

/// Most memory each SQLite connection keeps for its page cache, in KiB:
/// 16 MiB, eight times SQLite's default, and 64 MiB for a pool of four, so
/// a command reading a whole store of a million projects (`audit verify`,
/// `backup`) stays under 200 MB (at 64 MiB each it reached 317 MB).
const CACHE_KIB: u32 = 16 * 1024;

/// Opens a SQLite file: WAL mode, migrated; or, when the file cannot be
/// written (a read-only copy, a read-only mount), read-only, which every
/// read command can use.
async fn open_sqlite(url: &str, durability: Durability, schema: Schema) -> Result<Store, Error> {
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
        if schema == Schema::Current {
            store.ensure_current().await?;
        }
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
            "the database file is read-only and its schema is older than this gradflow; run `gradflow migrate` on it with write access to bring it up to date",
        )));
    }
    Ok(Store {
        db: Db::Sqlite(pool),
    })
}

/// Opens a new SQLite file at `url` as a throw-away scratch database (what
/// `gradflow simulate` runs on and deletes afterwards), given the schema.
///
/// Built for speed, not durability: nothing in it outlives the process, so a
/// crash losing it costs nothing a user was promised. One connection that
/// keeps the file to itself (`locking_mode = EXCLUSIVE`: no file locks per
/// statement, and its page cache is never invalidated by another
/// connection), the rollback journal in memory (`journal_mode = MEMORY`: no
/// write-ahead log written and copied back), no syncs (`synchronous = OFF`).
/// Transactions, savepoints and constraints behave as on any store.
pub(crate) async fn open_scratch(url: &str) -> Result<Store, Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .synchronous(SqliteSynchronous::Off)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Memory)
        .locking_mode(sqlx::sqlite::SqliteLockingMode::Exclusive)
        .foreign_keys(true)
        .pragma("cache_size", format!("-{}", CACHE_KIB))
        .pragma("temp_store", "memory");
    // One connection: the file is locked to it.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_with(options)
        .await?;
    let store = Store {
        db: Db::Sqlite(pool),
    };
    store.ensure_current().await?;
    Ok(store)
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
