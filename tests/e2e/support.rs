//! One way to get a fresh database and an engine over it, and the people and
//! cohort most tests need.

use std::collections::BTreeMap;
use std::path::PathBuf;

use gradflow_engine::decide::Fields;
use gradflow_engine::definition::{self, FieldKind, Form, Workflow};
use gradflow_engine::service::{Engine, Error, Outcome, Request};
use gradflow_engine::store::{NewCohort, Store};
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

    /// An engine on this database (a new pool each call, like a second node).
    pub async fn engine(&self) -> Engine {
        Engine::new(Store::connect(&self.url).await.expect("the store opens"))
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

/// An instant on the test calendar: day `n` of 2026, 06:00 UTC.
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
}

impl Cohort {
    /// Publishes bundled workflow `key`, registers `HOLDERS` people per role
    /// (each in their own organization), and creates a cohort in Asia/Muscat.
    pub async fn set_up(engine: &Engine, key: &str) -> Cohort {
        let loaded = definition::load(&bundled(key)).expect("bundled workflows are valid");
        let w = loaded.workflow;
        let store = engine.store();
        store
            .publish_definition(&w.key, w.version, &w.title, &loaded.text, day(0))
            .await
            .unwrap();
        for role in &w.roles {
            for n in 1..=HOLDERS {
                let email = holder(role, n);
                if store.person(&email).await.is_err() {
                    store
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
        if store.program(&program).await.is_err() {
            store
                .create_program(&program, "Test program", &w.key, day(0))
                .await
                .unwrap();
        }
        let name = format!("{key} cohort");
        let dates: BTreeMap<String, jiff::civil::Date> = w
            .cohort_dates
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), jiff::civil::date(2026, 3 + i as i8, 15)))
            .collect();
        let cohort = NewCohort {
            program,
            name: name.clone(),
            time_zone: "Asia/Muscat".into(),
            dates,
            holidays: Default::default(),
            capacity: 10_000,
        };
        store.create_cohort(&cohort, day(0)).await.unwrap();
        Cohort { workflow: w, name }
    }

    /// Starts a project with holder 1 of every role as a member, plus holders 2
    /// and 3 of every role except the first (the project's owner, e.g. the trainee).
    pub async fn start(&self, engine: &Engine, title: &str) -> i64 {
        let mut members = Vec::new();
        for (i, role) in self.workflow.roles.iter().enumerate() {
            let holders = if i == 0 { 1 } else { HOLDERS };
            for n in 1..=holders {
                members.push((holder(role, n), role.clone()));
            }
        }
        engine
            .start_project(&self.name, title, &members, day(1))
            .await
            .unwrap()
            .project
    }
}

impl Cohort {
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

/// Valid answers for every field of `form`.
pub fn sample(form: &Form) -> Fields {
    let mut fields = Fields::new();
    for f in &form.fields {
        let value = match f.kind {
            FieldKind::Number | FieldKind::Measurement => {
                serde_json::json!(f.min.unwrap_or(1.0).max(1.0))
            }
            FieldKind::Date => serde_json::json!("2026-03-01"),
            FieldKind::Choice => serde_json::json!(f.choices[0]),
            FieldKind::YesNo => serde_json::json!(true),
            FieldKind::File => serde_json::json!("sha256:0f1e2d"),
            FieldKind::Text | FieldKind::LongText => {
                serde_json::json!(format!("{} answer", f.label))
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

/// Row counts of every table, to prove a refused command changed nothing.
pub async fn snapshot(db: &TestDb) -> Vec<(String, i64, String)> {
    let store = Store::connect(&db.url).await.unwrap();
    let mut out = Vec::new();
    for p in store.projects(None).await.unwrap() {
        let record = store.project(p.id).await.unwrap();
        let events = store.events(p.id).await.unwrap().len() as i64;
        let timers = store.pending_timers(p.id).await.unwrap().len();
        let outbox = store.outbox(p.id).await.unwrap().len();
        out.push((
            format!("project {}", p.id),
            events,
            format!(
                "{}|{}|{timers}|{outbox}",
                serde_json::to_string(&record.state).unwrap(),
                record.members.len()
            ),
        ));
    }
    store.close().await;
    out
}
