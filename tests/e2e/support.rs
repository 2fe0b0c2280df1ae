//! One way to get a fresh database and an engine over it, the people and
//! cohort most tests need, and a dump of every table to prove that a refused
//! command changed nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gradflow_engine::calendar::{MailHours, Weekend};
use gradflow_engine::decide::{Change, Fields};
use gradflow_engine::definition::{self, FieldKind, Form, Workflow};
use gradflow_engine::service::{Engine, Error, Kind as ErrorKind, NewCohort, Outcome, Request};
use jiff::Timestamp;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh, empty database that lives as long as the value.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// (admin URL, database name) of a PostgreSQL database to drop afterwards.
    postgres: Option<(String, String)>,
}

impl TestDb {
    /// A new SQLite file or a new PostgreSQL database; `None` when PostgreSQL is not configured.
    pub async fn new(kind: Kind) -> Option<TestDb> {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!("sqlite://{}", dir.path().join("gradflow.db").display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                })
            }
            Kind::Postgres => {
                let Ok(admin) = std::env::var("GRADFLOW_TEST_POSTGRES_URL") else {
                    assert!(
                        std::env::var_os("CI").is_none(),
                        "CI must provide GRADFLOW_TEST_POSTGRES_URL (see scripts/postgres-for-tests)"
                    );
                    eprintln!("skipping: GRADFLOW_TEST_POSTGRES_URL is not set");
                    return None;
                };
                let name = format!("gradflow_test_{:016x}", rand::random::<u64>());
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("the test PostgreSQL server answers");
                sqlx::Executor::execute(
                    &mut conn,
                    sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
                )
                .await
                .expect("a fresh test database");
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(base, _)| base);
                let url = format!("{base}/{name}");
                Some(TestDb {
                    url,
                    _dir: None,
                    postgres: Some((admin.clone(), name)),
                })
            }
        }
    }

    /// A database the test made itself at `url` (e.g. on a PostgreSQL
    /// cluster of its own), left as it is afterwards.
    pub fn at(url: String) -> TestDb {
        TestDb {
            url,
            _dir: None,
            postgres: None,
        }
    }

    /// An engine on this database (a new pool each call, like a second node).
    pub async fn engine(&self) -> Engine {
        Engine::connect(&self.url).await.expect("the engine opens")
    }

    /// Whether this is a SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.url.starts_with("sqlite:")
    }
}

impl Drop for TestDb {
    /// Drops a test's PostgreSQL database, so runs leave nothing behind.
    fn drop(&mut self) {
        let Some((admin, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sqlx::{Connection, Executor};
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await
                .ok()
            })
        });
        let _ = dropped.join();
    }
}

/// Declares a test that runs on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let db = $crate::support::TestDb::new($crate::support::Kind::Sqlite).await.unwrap();
                super::$name(&db).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(db) = $crate::support::TestDb::new($crate::support::Kind::Postgres).await else { return };
                super::$name(&db).await;
            })*
        }
    };
}
pub(crate) use on_both;

/// Path of a bundled workflow definition.
pub fn bundled(key: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("workflows")
        .join(key)
        .join("workflow.yaml")
}

/// Keys of every bundled workflow.
pub const BUNDLED: &[&str] = &[
    "graduation-service",
    "graduation-excellence",
    "service-improvement",
];

/// An instant on the test calendar: day `n` of 2026, 06:00 UTC (10:00 in Muscat).
pub fn day(n: i64) -> Timestamp {
    let first: Timestamp = "2026-01-01T06:00:00Z".parse().unwrap();
    first.checked_add(jiff::Span::new().hours(24 * n)).unwrap()
}

/// The email of holder `n` (1-based) of `role` in test cohorts.
pub fn holder(role: &str, n: usize) -> String {
    format!("{role}{n}@example.org")
}

/// Holders per role registered by [`Cohort::set_up`].
pub const HOLDERS: usize = 3;

/// A published workflow with a program, a cohort and people for every role.
pub struct Cohort {
    pub workflow: Workflow,
    pub name: String,
    /// The program the cohort belongs to (more cohorts can be made in it).
    pub program: String,
}

impl Cohort {
    /// Publishes bundled workflow `key`, registers `HOLDERS` people per role
    /// (each in their own organization), and creates a cohort in Asia/Muscat
    /// with the default (Saturday-Sunday) weekend and no coordinators.
    pub async fn set_up(engine: &Engine, key: &str) -> Cohort {
        let loaded = definition::load(&bundled(key)).expect("bundled workflows are valid");
        let w = loaded.workflow;
        engine.publish(&[loaded.text], day(0)).await.unwrap();
        for role in &w.roles {
            for n in 1..=HOLDERS {
                let email = holder(role, n);
                if engine.person(&email).await.is_err() {
                    engine
                        .add_person(
                            &email,
                            &format!("{role} {n}"),
                            &format!("org of {email}"),
                            day(0),
                        )
                        .await
                        .unwrap();
                }
            }
        }
        let program = format!("{key}-program");
        match engine
            .create_program(&program, "Test program", &w.key, day(0))
            .await
        {
            Ok(_) => {}
            // Set up before on this database: the program is there.
            Err(e) if e.kind() == ErrorKind::Conflict => {}
            Err(e) => panic!("creating program {program}: {e}"),
        }
        let name = format!("{key} cohort");
        engine
            .create_cohort(new_cohort(&w, &program, &name), day(0))
            .await
            .unwrap();
        Cohort {
            workflow: w,
            name,
            program,
        }
    }

    /// The members [`Cohort::start`] gives a project: holder 1 of every role,
    /// plus holders 2 and 3 of every role except the first (the project's
    /// owner, e.g. the trainee).
    pub fn members(&self) -> Vec<(String, String)> {
        let mut members = Vec::new();
        for (i, role) in self.workflow.roles.iter().enumerate() {
            let holders = if i == 0 { 1 } else { HOLDERS };
            for n in 1..=holders {
                members.push((holder(role, n), role.clone()));
            }
        }
        members
    }

    /// Starts a project with [`Cohort::members`]; each is recorded as a
    /// `member_added` event after `started`.
    pub async fn start(&self, engine: &Engine, title: &str) -> i64 {
        engine
            .start_project(&self.name, title, &self.members(), day(1))
            .await
            .unwrap()
            .project
    }

    /// Starts a project whose trainee has submitted the proposal (with valid answers).
    pub async fn start_submitted(&self, engine: &Engine, title: &str) -> i64 {
        let id = self.start(engine, title).await;
        let answers = sample(&self.workflow.forms["proposal"]);
        act(
            engine,
            id,
            &holder("trainee", 1),
            "submit",
            answers,
            None,
            2,
        )
        .await
        .unwrap();
        id
    }
}

/// A cohort of `program` running `w`, in Asia/Muscat, with every date `w`
/// uses (the 15th of March, April, ...), a Saturday-Sunday weekend, mail
/// from 09:00 to 17:00, no holidays, room for 10,000 projects and no
/// coordinators: tests change what they are about.
pub fn new_cohort(w: &Workflow, program: &str, name: &str) -> NewCohort {
    let dates: BTreeMap<String, jiff::civil::Date> = w
        .cohort_dates
        .iter()
        .enumerate()
        .map(|(i, d)| (d.clone(), jiff::civil::date(2026, 3 + i as i8, 15)))
        .collect();
    NewCohort {
        program: program.to_owned(),
        name: name.to_owned(),
        time_zone: "Asia/Muscat".into(),
        dates,
        holidays: Default::default(),
        weekend: Weekend::default(),
        mail_hours: MailHours::default(),
        capacity: 10_000,
        coordinators: Vec::new(),
    }
}

/// Valid answers for every field of `form`.
pub fn sample(form: &Form) -> Fields {
    let mut fields = Fields::new();
    for f in &form.fields {
        let value = match f.kind {
            FieldKind::Number | FieldKind::Measurement => {
                serde_json::json!(f.min.unwrap_or(1.0).max(1.0))
            }
            FieldKind::Date => serde_json::json!("2026-03-01"),
            FieldKind::Choice => serde_json::json!(f.choices[0].key),
            FieldKind::YesNo => serde_json::json!(true),
            FieldKind::File => serde_json::json!("sha256:0f1e2d"),
            FieldKind::Text | FieldKind::LongText => {
                serde_json::json!(format!("{} answer", f.label.default_text()))
            }
        };
        fields.insert(f.key.clone(), value);
    }
    fields
}

/// Acts on a project at day `n`.
pub async fn act(
    engine: &Engine,
    project: i64,
    who: &str,
    action: &str,
    fields: Fields,
    comment: Option<&str>,
    n: i64,
) -> Result<Outcome, Error> {
    let request = Request {
        action: action.into(),
        fields,
        comment: comment.map(Into::into),
        ..Request::default()
    };
    engine.act(project, who, request, day(n)).await
}

/// A change's type as stored (`started`, `member_added`, `action_taken`, ...).
pub fn change_type(change: &Change) -> String {
    serde_json::to_value(change).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every table of the schema with its key: the rows of each are dumped in
/// this order. A table the migrations add must be listed here (the dump
/// refuses to run without it), so nothing escapes the "nothing changed" check.
const TABLES: &[(&str, &str)] = &[
    ("definitions", "id"),
    ("people", "id"),
    ("programs", "id"),
    ("cohorts", "id"),
    ("cohort_members", "cohort_id, person_id, role"),
    ("cohort_pins", "id"),
    ("projects", "id"),
    ("project_members", "project_id, person_id, role"),
    ("events", "id"),
    ("timers", "id"),
    ("outbox", "id"),
    ("idempotency", "actor_id, key"),
    ("sessions", "token_hash"),
    ("evidence", "id"),
    ("password_resets", "token_hash"),
    ("account_mail", "id"),
    ("installation", "id"),
    ("admin_log", "id"),
    ("purge_permits", "project_id"),
    // Committee (issue 15, parts 2 and 3).
    ("committee_pool", "cohort_id, person_id"),
    ("declared_conflicts", "id"),
    ("signing_keys", "id"),
    ("credential_status", "certificate_id"),
    // Certificates (issue 15: certs).
    ("program_certifications", "program_id"),
    ("certificate_sequences", "program_id, year"),
    ("certificates", "id"),
    // Intake (issue 16, part 1: apply).
    ("applications", "id"),
    ("cohort_events", "id"),
    // API tokens (issue 17, part 1).
    ("api_tokens", "id"),
];

/// Tables the snapshot knows of but does not dump: `attempts` counts
/// sign-in and reset attempts, which a refused attempt must change (that
/// count is the defence), so it is not data a refusal leaves untouched.
const NOT_DUMPED: &[&str] = &["attempts"];

/// Every row of every table, every column as text (`NULL` for null), ordered
/// by primary key: one line per row, `table: column=value | ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(pub Vec<String>);

impl Snapshot {
    /// The rows that differ from `before`: `- row` gone or changed, `+ row` new or changed.
    pub fn changes_since(&self, before: &Snapshot) -> Vec<String> {
        let gone = before
            .0
            .iter()
            .filter(|r| !self.0.contains(r))
            .map(|r| format!("- {r}"));
        let new = self
            .0
            .iter()
            .filter(|r| !before.0.contains(r))
            .map(|r| format!("+ {r}"));
        gone.chain(new).collect()
    }
}

/// Dumps every table of the test database with raw SQL (not through the
/// product), to prove that a refused command changed no row anywhere.
pub async fn snapshot(db: &TestDb) -> Snapshot {
    use sqlx::Connection;
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        check_tables(tables);
        let mut rows = Vec::new();
        for (table, key) in TABLES {
            let columns: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(*table)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let sql = select_as_text(table, &columns, key);
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .unwrap()
            {
                rows.push(row_line(table, &columns, |i| {
                    sqlx::Row::get::<Option<String>, _>(&row, i)
                }));
            }
        }
        conn.close().await.ok();
        Snapshot(rows)
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        check_tables(tables);
        let mut rows = Vec::new();
        for (table, key) in TABLES {
            let columns: Vec<String> = sqlx::query_scalar(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1
                 ORDER BY ordinal_position",
            )
            .bind(*table)
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let sql = select_as_text(table, &columns, key);
            for row in sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut conn)
                .await
                .unwrap()
            {
                rows.push(row_line(table, &columns, |i| {
                    sqlx::Row::get::<Option<String>, _>(&row, i)
                }));
            }
        }
        conn.close().await.ok();
        Snapshot(rows)
    }
}

/// The schema's tables are exactly [`TABLES`].
fn check_tables(mut found: Vec<String>) {
    found.sort();
    let mut known: Vec<&str> = TABLES
        .iter()
        .map(|(t, _)| *t)
        .chain(NOT_DUMPED.iter().copied())
        .collect();
    known.sort();
    assert_eq!(
        found, known,
        "the snapshot must dump every table: list new tables (with their keys) in support::TABLES"
    );
}

/// `SELECT CAST(c AS TEXT), ... FROM table ORDER BY key`.
fn select_as_text(table: &str, columns: &[String], key: &str) -> String {
    assert!(!columns.is_empty(), "table {table} has columns");
    let columns: Vec<String> = columns
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect();
    format!("SELECT {} FROM {table} ORDER BY {key}", columns.join(", "))
}

fn row_line(table: &str, columns: &[String], get: impl Fn(usize) -> Option<String>) -> String {
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c}={}", get(i).unwrap_or_else(|| "NULL".into())))
        .collect();
    format!("{table}: {}", values.join(" | "))
}

/// Panics, listing the rows that changed, unless the database is as `before`.
pub async fn assert_unchanged(db: &TestDb, before: &Snapshot, what: &str) {
    let changes = snapshot(db).await.changes_since(before);
    assert!(
        changes.is_empty(),
        "{what} changed the database:\n{}",
        changes.join("\n")
    );
}

/// One number read from the test database with raw SQL (not through the product).
pub async fn raw_number(db: &TestDb, sql: &str) -> i64 {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// One text read from the test database with raw SQL (not through the
/// product); `None` for no row or NULL.
pub async fn raw_text(db: &TestDb, sql: &str) -> Option<String> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar::<_, Option<String>>(sql)
            .fetch_optional(&mut conn)
            .await
            .unwrap()
            .flatten()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar::<_, Option<String>>(sql)
            .fetch_optional(&mut conn)
            .await
            .unwrap()
            .flatten()
    }
}

/// A password reset link queued for `email` at `now` (as the web's reset
/// form does), its token read back from the queued mail with raw SQL: what
/// a test would otherwise find in the mailbox.
pub struct QueuedReset {
    /// The link's secret token.
    pub token: String,
}

/// Queues a reset link for `email` through the engine and returns its token.
pub async fn queued_reset(
    engine: &gradflow_engine::service::Engine,
    db: &TestDb,
    email: &str,
    now: jiff::Timestamp,
) -> QueuedReset {
    assert!(
        engine
            .queue_password_reset(email, "http://gradflow.test", None, now)
            .await
            .unwrap(),
        "a link is queued for {email}"
    );
    let link = raw_text(
        db,
        "SELECT link FROM account_mail WHERE link IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .await
    .expect("the queued link");
    QueuedReset {
        token: link.rsplit_once("token=").unwrap().1.to_owned(),
    }
}

/// A server over a test database on an ephemeral port, as the tests that
/// read pages start one (upload limit 1 KB, files in a temporary folder);
/// its public address is its own unless [`Served::with_public_url`] says
/// another. Stopped when dropped, or by [`Served::stop`], which also
/// checks it ended well.
pub struct Served {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _files: tempfile::TempDir,
}

impl Served {
    /// A server whose public address is its own.
    pub async fn start(db: &TestDb) -> Served {
        Served::with_public_url(db, None).await
    }

    /// A server whose public address is `public_url` (`None`: its own).
    pub async fn with_public_url(db: &TestDb, public_url: Option<&str>) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let files = tempfile::tempdir().unwrap();
        let config = gradflow_web::Config {
            files: files.path().join("files"),
            upload_limit: 1024,
            upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
            secure_cookies: false,
            limits: gradflow_web::Limits::default(),
            password_reset: false,
            public_url: public_url.map_or_else(|| base.clone(), str::to_owned),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gradflow_web::serve(
            std::sync::Arc::new(db.engine().await),
            config,
            listener,
            async {
                let _ = stopped.await;
            },
        ));
        Served {
            base,
            stop: Some(stop),
            server: Some(server),
            _files: files,
        }
    }

    /// A browser that is not signed in (redirects are not followed).
    pub fn browser(&self) -> crate::web::Browser {
        crate::web::Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            cookie: None,
        }
    }

    /// A browser signed in as `email` with the tests' password.
    pub async fn signed_in(&self, email: &str) -> crate::web::Browser {
        let mut b = self.browser();
        let page = b.sign_in(email, crate::web::PASSWORD).await;
        assert_eq!(
            page.status,
            reqwest::StatusCode::SEE_OTHER,
            "{email} signs in: {}",
            page.body
        );
        b
    }

    /// Stops the server and checks it ended without an error.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).unwrap();
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// What the tests' programs certify: `level` (English, Arabic), awarded
/// by the Institute of Public Administration and accredited by ILM in both
/// languages, numbered by `pattern`, valid for `validity`, after a
/// certificate of program `requires` when given.
pub fn certify(
    level: (&str, &str),
    pattern: &str,
    validity: &str,
    requires: Option<&str>,
) -> gradflow_engine::service::CertifyProgram {
    use gradflow_engine::certificate::Texts;
    gradflow_engine::service::CertifyProgram {
        level: Texts {
            en: level.0.into(),
            ar: level.1.into(),
        },
        awarding_body: Texts {
            en: "Institute of Public Administration".into(),
            ar: "معهد الإدارة العامة".into(),
        },
        accrediting_body: Texts {
            en: "ILM".into(),
            ar: "معهد القيادة والإدارة".into(),
        },
        pattern: pattern.into(),
        validity: validity.into(),
        requires: requires.map(Into::into),
        ..Default::default()
    }
}

/// The Service level the certificate tests certify (both languages).
pub const SERVICE_LEVEL: (&str, &str) = ("Service", "مستوى الخدمة");

/// A `python3` command with `.test-tools/python` (where `scripts/test`
/// installs the pinned Python test tools: schemathesis, standardwebhooks,
/// icalendar, prometheus-client, croniter) on its path, once `module` is
/// importable there. `None`, after a note, when it is not (Python missing,
/// or `scripts/test` not run); under CI that is a failure, never a skip.
pub fn python(module: &str) -> Option<std::process::Command> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = vec![root.join(".test-tools/python")];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    let path = std::env::join_paths(paths).expect("paths without separators");
    let found = std::process::Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .env("PYTHONPATH", &path)
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "the Python module {module} is not available under CI: scripts/test installs it \
             into .test-tools/python"
        );
        eprintln!(
            "skipping: the Python module {module} is not installed (scripts/test installs it)"
        );
        return None;
    }
    let mut command = std::process::Command::new("python3");
    command.env("PYTHONPATH", path);
    Some(command)
}
