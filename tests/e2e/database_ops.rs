//! The database as an operator runs it: TLS to a PostgreSQL cluster of the
//! test's own (its own CA and server certificate, `hostssl` only), a worker
//! and a server that outlive a restart of that cluster, migrations applied
//! only by `gradflow migrate` (`--status`, `--dry-run`), and a
//! least-privilege role that serves and acts once the owner has migrated.
//!
//! The cluster is made with `initdb` from Debian's PostgreSQL packages (as
//! the `postgres` user when the tests run as root) and certificates made
//! with the `openssl` command; without them the tests say so and pass,
//! except under CI, where they must be there (scripts/postgres-for-tests).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::processes::spawn::{self, Run, create_cohort, set_up_service, start_project};
use crate::support::{self, Kind, TestDb};
use crate::worker::{Process, worker_args};

/// A throw-away PostgreSQL cluster that accepts only TLS connections, with
/// the CA that signed its certificate (for `localhost` only) and another.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    /// The CA that signed the server's certificate.
    ca: PathBuf,
    /// A CA that signed nothing of the server's.
    wrong_ca: PathBuf,
    /// Whether commands run as `postgres` (the tests run as root).
    as_postgres: bool,
}

/// Whether the environment says this is CI, where nothing may be skipped.
fn on_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Skips (returns `None`) with a note, or fails under CI.
fn missing(what: &str) -> Option<Cluster> {
    assert!(
        !on_ci(),
        "CI must provide {what} (scripts/postgres-for-tests installs it)"
    );
    eprintln!("skipping: {what} is missing");
    None
}

/// Runs a command to its end and requires success.
fn must(command: &mut Command, what: &str) -> Output {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl Cluster {
    /// Makes the certificates and the cluster and starts it, or `None` when
    /// the PostgreSQL binaries or openssl are missing (outside CI).
    fn start() -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists());
        let Some(bin) = bin else {
            return missing("PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb)");
        };
        if Command::new("openssl").arg("version").output().is_err() {
            return missing("the openssl command");
        }
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = tempfile::tempdir().expect("a temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let d = dir.path().to_path_buf();
        let d = d.as_path();
        let ssl = |args: &[&str]| {
            must(Command::new("openssl").args(args).current_dir(d), "openssl");
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        for name in ["ca", "wrong-ca"] {
            let mut args = vec!["req", "-x509"];
            args.extend(ec);
            let key = format!("{name}.key");
            let crt = format!("{name}.crt");
            let subject = format!("/CN=gradflow test {name}");
            args.extend([
                "-keyout",
                &key,
                "-out",
                &crt,
                "-days",
                "2",
                "-subj",
                &subject,
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            ssl(&args);
        }
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        ssl(&args);
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.join("server.key"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        if as_postgres {
            must(
                Command::new("chown").args(["-R", "postgres:"]).arg(d),
                "chown to postgres",
            );
        }
        let cluster = Cluster {
            ca: d.join("ca.crt"),
            wrong_ca: d.join("wrong-ca.crt"),
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = cluster.data();
        must(
            &mut cluster.pg(
                "initdb",
                &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync"],
            ),
            "initdb",
        );
        let conf = format!(
            "port = {port}\nlisten_addresses = 'localhost'\nunix_socket_directories = '{}'\nssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nfsync = off\n",
            d.display(),
            d.join("server.crt").display(),
            d.join("server.key").display(),
        );
        let conf_file = Path::new(&data).join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf_file).unwrap();
        text.push_str(&conf);
        std::fs::write(&conf_file, text).unwrap();
        // TLS only: no plain TCP, no socket.
        std::fs::write(
            Path::new(&data).join("pg_hba.conf"),
            "hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n",
        )
        .unwrap();
        cluster.up();
        Some(cluster)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// A command of the server's binaries, as `postgres` when we are root.
    fn pg(&self, tool: &str, args: &[&str]) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.args(args);
        command
    }

    /// Starts the cluster and waits until it accepts connections.
    fn up(&self) {
        let log = self.dir.path().join("server.log").display().to_string();
        must(
            &mut self.pg(
                "pg_ctl",
                &["-D", &self.data(), "-l", &log, "-w", "-t", "60", "start"],
            ),
            "pg_ctl start",
        );
    }

    /// Stops the cluster (fast: connections are dropped).
    fn down(&self) {
        must(
            &mut self.pg("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]),
            "pg_ctl stop",
        );
    }

    /// A URL for `db` as `user`, with `sslmode` and `sslrootcert` as given.
    fn url_with(&self, host: &str, db: &str, user: &str, mode: &str, ca: Option<&Path>) -> String {
        let mut url = format!("postgres://{user}@{host}:{}/{db}?sslmode={mode}", self.port);
        if let Some(ca) = ca {
            url.push_str(&format!("&sslrootcert={}", ca.display()));
        }
        url
    }

    /// The right URL: verify-full with the server's CA.
    fn url(&self, db: &str, user: &str) -> String {
        self.url_with("localhost", db, user, "verify-full", Some(&self.ca))
    }

    /// Runs SQL statements as the superuser on database `db`.
    async fn sql(&self, db: &str, statements: &[&str]) {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&self.url(db, "postgres"))
            .await
            .expect("the test cluster answers over TLS");
        for statement in statements {
            conn.execute(sqlx::AssertSqlSafe(statement.to_string()))
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .pg(
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            )
            .output();
    }
}

/// `gradflow --db URL ARGS` to its end.
fn gradflow(url: &str, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .arg("--db")
        .arg(url)
        .args(args)
        .env_remove("GRADFLOW_DATABASE_URL")
        .output()
        .expect("the gradflow binary runs");
    Run {
        args: args.iter().map(|s| (*s).to_owned()).collect(),
        code: out.status.code(),
        hung: false,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Requires `run` to have failed with every one of `words` in its message.
fn fails_saying(run: &Run, words: &[&str]) {
    assert!(!run.ok(), "this should fail:\n{run}");
    for w in words {
        assert!(
            run.stderr.contains(w),
            "the message should say '{w}':\n{run}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_verify_full_works_and_wrong_settings_are_named() {
    let Some(c) = Cluster::start() else { return };
    c.sql("postgres", &["CREATE DATABASE gf"]).await;
    let url = c.url("gf", "postgres");
    let workflow = support::bundled("graduation-service").display().to_string();

    // The right CA, the right name: a command end to end.
    let run = gradflow(&url, &["migrate"]);
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("applied 0001 foundation"), "{run}");
    let run = gradflow(&url, &["workflow", "publish", &workflow]);
    assert!(run.ok(), "{run}");
    let published = gradflow(&url, &["--json", "workflow", "list"]);
    assert!(published.ok(), "{published}");

    // A CA that did not sign the server's certificate.
    let wrong = c.url_with(
        "localhost",
        "gf",
        "postgres",
        "verify-full",
        Some(&c.wrong_ca),
    );
    let run = gradflow(&wrong, &["workflow", "publish", &workflow]);
    fails_saying(
        &run,
        &["TLS", &format!("sslrootcert={}", c.wrong_ca.display())],
    );

    // A CA file that is not there, and one that holds no certificate.
    let gone = c.dir.path().join("no-such-ca.crt");
    let run = gradflow(
        &c.url_with("localhost", "gf", "postgres", "verify-full", Some(&gone)),
        &["migrate", "--status"],
    );
    fails_saying(
        &run,
        &[
            &format!("sslrootcert={}", gone.display()),
            "cannot read the CA file",
        ],
    );
    let not_pem = c.dir.path().join("server.ext");
    let run = gradflow(
        &c.url_with("localhost", "gf", "postgres", "verify-full", Some(&not_pem)),
        &["migrate"],
    );
    fails_saying(
        &run,
        &["holds no PEM certificate", &not_pem.display().to_string()],
    );

    // The right CA, but a host the certificate does not name.
    let run = gradflow(
        &c.url_with("127.0.0.1", "gf", "postgres", "verify-full", Some(&c.ca)),
        &["workflow", "publish", &workflow],
    );
    fails_saying(&run, &["TLS", "sslmode=verify-full"]);

    // No TLS against a server that takes only TLS; a mode that does not exist.
    let run = gradflow(
        &c.url_with("localhost", "gf", "postgres", "disable", None),
        &["workflow", "publish", &workflow],
    );
    fails_saying(&run, &["accepts only TLS", "sslmode=disable"]);
    let run = gradflow(
        &c.url_with("localhost", "gf", "postgres", "verify-everything", None),
        &["migrate"],
    );
    fails_saying(&run, &["sslmode=verify-everything", "verify-full"]);

    // Nothing was changed by any of them.
    let after = gradflow(&url, &["--json", "workflow", "list"]);
    assert_eq!(after.stdout, published.stdout);
}

/// The migrations of this gradflow, as files, all but the last (a database
/// an older gradflow migrated).
fn older_migrations(kind: &str) -> (tempfile::TempDir, i64) {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&source)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let last = files.pop().unwrap();
    for f in &files {
        std::fs::copy(f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let version = last.file_name().unwrap().to_string_lossy()[..4]
        .parse()
        .unwrap();
    (dir, version)
}

/// On a database an older gradflow migrated, only `migrate` applies the
/// pending migration; `--status` and `--dry-run` say it and change nothing;
/// every other command says the schema is behind.
async fn only_migrate_applies_a_pending_migration(db: &TestDb) {
    let (older, last) = older_migrations(if db.is_sqlite() { "sqlite" } else { "postgres" });
    let migrator = sqlx::migrate::Migrator::new(older.path()).await.unwrap();
    if db.is_sqlite() {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&db.url)
            .unwrap()
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        migrator.run(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        migrator.run(&pool).await.unwrap();
        pool.close().await;
    }
    let status = |db: &TestDb| {
        let run = gradflow(&db.url, &["--json", "migrate", "--status"]);
        assert!(run.ok(), "{run}");
        run.json()
    };
    let before = status(db);
    assert_eq!(before["current"], false);
    let pending: Vec<i64> = before["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["applied"] == false)
        .map(|m| m["version"].as_i64().unwrap())
        .collect();
    assert_eq!(pending, vec![last]);
    let text = gradflow(&db.url, &["migrate", "--status"]);
    assert!(text.stdout.contains("pending"), "{text}");
    assert!(text.stdout.contains("1 migration pending"), "{text}");

    // Every other command refuses, naming the migration and the fix.
    let workflow = support::bundled("graduation-service").display().to_string();
    let run = gradflow(&db.url, &["workflow", "publish", &workflow]);
    fails_saying(
        &run,
        &[
            "schema is behind",
            &format!("{last:04}"),
            "gradflow migrate",
        ],
    );
    let run = gradflow(&db.url, &["audit", "verify"]);
    fails_saying(&run, &["schema is behind"]);

    // A dry run says what would be applied and applies nothing.
    let dry = gradflow(&db.url, &["--json", "migrate", "--dry-run"]);
    assert!(dry.ok(), "{dry}");
    assert_eq!(dry.json()["applied"], serde_json::json!([last]));
    let text = gradflow(&db.url, &["migrate", "--dry-run"]);
    assert!(
        text.stdout.contains(&format!("would apply {last:04}")),
        "{text}"
    );
    assert_eq!(status(db), before, "a dry run changes nothing");

    // `migrate` applies it, says so, and the others work again.
    let run = gradflow(&db.url, &["migrate"]);
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains(&format!("applied {last:04}")), "{run}");
    assert_eq!(status(db)["current"], true);
    let run = gradflow(&db.url, &["migrate"]);
    assert!(run.stdout.contains("nothing to apply"), "{run}");
    let run = gradflow(&db.url, &["workflow", "publish", &workflow]);
    assert!(run.ok(), "{run}");
}

mod sqlite {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_migrate_applies_a_pending_migration() {
        let db = super::TestDb::new(super::Kind::Sqlite).await.unwrap();
        super::only_migrate_applies_a_pending_migration(&db).await;
    }
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_migrate_applies_a_pending_migration() {
        let Some(db) = super::TestDb::new(super::Kind::Postgres).await else {
            return;
        };
        super::only_migrate_applies_a_pending_migration(&db).await;
    }
}

/// The least-privilege role of docs/OPERATIONS.md ("The database"), word
/// for word: rows only, no CREATE.
const APP_ROLE: &[&str] = &[
    "CREATE ROLE gradflow_app LOGIN",
    "GRANT CONNECT ON DATABASE gradflow TO gradflow_app",
    "GRANT USAGE ON SCHEMA public TO gradflow_app",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gradflow_app",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO gradflow_app",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_least_privilege_role_serves_and_acts_after_the_owner_migrates() {
    let Some(c) = Cluster::start() else { return };
    c.sql(
        "postgres",
        &[
            "CREATE ROLE gradflow_owner LOGIN",
            "CREATE DATABASE gradflow OWNER gradflow_owner",
        ],
    )
    .await;
    // PostgreSQL 15 gives PUBLIC no CREATE on schema public; the owner of
    // the database is given it, as an installation would.
    c.sql(
        "gradflow",
        &["GRANT CREATE ON SCHEMA public TO gradflow_owner"],
    )
    .await;
    let owner = c.url("gradflow", "gradflow_owner");
    let run = gradflow(&owner, &["migrate"]);
    assert!(run.ok(), "{run}");
    c.sql("gradflow", APP_ROLE).await;

    let app = TestDb::at(c.url("gradflow", "gradflow_app"));
    // It cannot change the schema...
    let run = gradflow(&app.url, &["migrate", "--status"]);
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("up to date"), "{run}");
    // ...and needs not: it registers, publishes and starts projects.
    set_up_service(&app, 2);
    create_cohort(&app, "Service 2026 A", 10, &[]);
    let id = start_project(&app, "Service 2026 A", "Queue times at the clinic", 1);
    let shown = spawn::show(&app, id);
    assert_eq!(shown["stage"], "proposal", "{shown}");
    let run = gradflow(&app.url, &["audit", "verify"]);
    assert!(run.ok(), "{run}");

    // It serves.
    let port = free_port();
    let server = Process::start(
        &app,
        "2026-02-01T06:00:00Z",
        &["serve", "--bind", &format!("127.0.0.1:{port}")],
    );
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    assert_eq!(wait_for(&client, &health, 200).await, 200);
    drop(server);

    // What it may not do: change the schema.
    c.sql("gradflow", &["DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)"])
        .await;
    let run = gradflow(&app.url, &["workflow", "list"]);
    fails_saying(&run, &["schema is behind", "gradflow migrate"]);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GETs `url` until it answers `status` (or 90 s pass); the last status.
async fn wait_for(client: &reqwest::Client, url: &str, status: u16) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let got = match client.get(url).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        if got == status || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_and_a_server_outlive_a_database_restart() {
    let Some(c) = Cluster::start() else { return };
    c.sql("postgres", &["CREATE DATABASE gf"]).await;
    let db = TestDb::at(c.url("gf", "postgres"));
    let run = gradflow(&db.url, &["migrate"]);
    assert!(run.ok(), "{run}");
    let mail = tempfile::tempdir().unwrap();
    let smtp = format!("file://{}", mail.path().display());
    let now = "2026-02-01T06:00:00Z";
    let worker = Process::start(&db, now, &worker_args(&smtp, "50", false));
    let port = free_port();
    let server = Process::start(&db, now, &["serve", "--bind", &format!("127.0.0.1:{port}")]);
    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/healthz");
    assert_eq!(
        wait_for(&client, &health, 200).await,
        200,
        "the server starts"
    );

    // The database goes away: the web says 503, the worker waits.
    c.down();
    assert_eq!(
        wait_for(&client, &health, 503).await,
        503,
        "503 while the database is away"
    );
    // A page that needs the database (a session to look up) says 503 too,
    // in words, not a 500.
    let page = client
        .get(format!("http://127.0.0.1:{port}/"))
        .header("Cookie", "gradflow_session=some-session")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 503);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("the database cannot be reached just now"),
        "{text}"
    );
    // Long enough for the worker to meet the outage in a round.
    tokio::time::sleep(Duration::from_secs(3)).await;
    c.up();

    // The first request after the restart succeeds.
    let first = client.get(&health).send().await.unwrap();
    assert_eq!(
        first.status().as_u16(),
        200,
        "the first request after a restart"
    );

    // The worker is alive and does its work: mail queued now is sent.
    let projects = crate::worker::institute(&db, 0, 2).await;
    assert_eq!(projects.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(90);
    let sent = loop {
        let rows = crate::worker::outbox(&db, now).await;
        let sent = rows.iter().filter(|r| r.state == "sent").count();
        if (!rows.is_empty() && sent == rows.len()) || Instant::now() > deadline {
            break (sent, rows.len());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        sent.1 > 0 && sent.0 == sent.1,
        "every message is sent after the restart: {sent:?}"
    );

    let runs = tokio::task::spawn_blocking(move || {
        [worker, server].map(|p| p.terminate(Duration::from_secs(60)))
    })
    .await
    .unwrap();
    let worker = &runs[0];
    assert!(
        worker.ok() && worker.stdout.contains("worker: stopped"),
        "{worker}"
    );
    assert_eq!(
        worker
            .stderr
            .matches("the database cannot be reached")
            .count(),
        1,
        "one line per outage, with its cause:\n{worker}"
    );
    assert!(worker.stdout.contains("the database is back"), "{worker}");
    assert!(
        !worker.stderr.contains("@localhost"),
        "no URL in the log:\n{worker}"
    );
    let server = &runs[1];
    assert_eq!(
        server
            .stderr
            .matches("the database cannot be reached")
            .count(),
        1,
        "{server}"
    );
    assert!(
        server.stderr.contains("the database is reachable again"),
        "{server}"
    );
}
