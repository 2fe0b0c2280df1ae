//! People's data on request, on both databases, through the real binary
//! where an operator would use it: an export holds everything about one
//! person and no secret; a correction keeps the input rules and lets the
//! person sign in with the new email; a disabled account cannot sign in and
//! gets no mail (the outbox says why); an erasure is refused while the
//! person holds an open role (nothing changed), then leaves their name,
//! email and organization nowhere in the database but the sealed free text
//! they wrote, and `audit verify` still passes; retention removes old mail
//! bodies and evidence files and purges closed projects, and the log still
//! verifies. Every action is in the admin log.

use std::path::Path;

use gradflow_engine::service::Engine;

use crate::support::{
    Cohort, TestDb, assert_unchanged, day, holder, on_both, raw_number, snapshot,
};

on_both!(
    an_export_holds_everything_about_one_person_and_no_secret,
    a_correction_keeps_the_rules_and_the_new_email_signs_in,
    a_disabled_account_cannot_sign_in_and_gets_no_mail,
    an_erasure_is_refused_for_an_open_role_then_leaves_the_log_verifiable,
    retention_removes_old_bodies_and_files_and_purges_closed_projects,
    a_person_reads_and_downloads_only_their_own_data_on_the_web,
    racing_erasures_and_corrections_each_take_effect_once,
);

/// The clock of every command (`GRADFLOW_NOW`), unless `--now` says otherwise.
const NOW: &str = "2026-02-01T06:00:00Z";

/// A finished run of the real binary.
struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ gradflow {}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The real binary, run as an operator would (on `db`, at [`NOW`]).
mod spawn {
    use super::{NOW, Run};
    use crate::support::TestDb;

    pub fn run(db: &TestDb, args: &[&str]) -> Run {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .arg("--db")
            .arg(&db.url)
            .args(args)
            .env_remove("GRADFLOW_DATABASE_URL")
            .env("GRADFLOW_NOW", NOW)
            .output()
            .expect("the gradflow binary runs");
        Run {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn ok(db: &TestDb, args: &[&str]) -> Run {
        let run = run(db, args);
        assert!(run.ok(), "this should succeed:\n{run}");
        run
    }
}

const NAME: &str = "Zainab Al-Qasimi";
const EMAIL: &str = "zainab.qasimi@example.org";
const ORG: &str = "Ministry of Housing Kappa";
const PASSWORD: &str = "a long enough password 1";

/// The bundled workflow's cohort, with NAME as the trainee of a started
/// project (the other roles: the cohort's holder 1..3), signed up with a
/// password. Returns the cohort and the project.
async fn with_trainee(db: &TestDb, engine: &Engine, title: &str) -> (Cohort, i64) {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    // With its message templates, as an operator publishes it, so mail renders.
    let file = crate::support::bundled("graduation-service");
    spawn::ok(db, &["workflow", "publish", file.to_str().unwrap()]);
    if engine.person(EMAIL).await.is_err() {
        engine.add_person(EMAIL, NAME, ORG, day(0)).await.unwrap();
        engine.set_password(EMAIL, PASSWORD).await.unwrap();
    }
    let project = start(engine, &cohort, title).await;
    (cohort, project)
}

async fn start(engine: &Engine, cohort: &Cohort, title: &str) -> i64 {
    let mut members: Vec<(String, String)> = cohort
        .members()
        .into_iter()
        .filter(|(_, role)| role != "trainee")
        .collect();
    members.push((EMAIL.to_owned(), "trainee".to_owned()));
    engine
        .start_project(&cohort.name, title, &members, day(1))
        .await
        .unwrap()
        .project
}

/// The trainee withdraws the project (a terminal stage), writing `comment`.
async fn withdraw(engine: &Engine, project: i64, comment: &str) {
    crate::support::act(
        engine,
        project,
        EMAIL,
        "withdraw",
        Default::default(),
        Some(comment),
        3,
    )
    .await
    .unwrap();
}

/// Stores `bytes` in `files` by their SHA-256 and records them as an
/// evidence file of `project` added by the trainee. Returns the SHA-256.
async fn add_evidence(
    engine: &Engine,
    files: &Path,
    project: i64,
    name: &str,
    bytes: &[u8],
) -> String {
    std::fs::create_dir_all(files).unwrap();
    let tmp = files.join("upload.tmp");
    std::fs::write(&tmp, bytes).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg(&tmp)
        .output()
        .unwrap();
    let sha = String::from_utf8(out.stdout).unwrap()[..64].to_owned();
    std::fs::rename(&tmp, files.join(&sha)).unwrap();
    let (viewer, _) = engine.sign_in(EMAIL, PASSWORD, day(2)).await.unwrap();
    engine
        .add_evidence_as(
            &viewer,
            project,
            name,
            &sha,
            bytes.len() as u64,
            1 << 30,
            day(2),
        )
        .await
        .unwrap();
    sha
}

fn audit_ok(db: &TestDb) {
    audit_ok_with(db, &[]);
}

/// `audit verify` passes; `args` may name the evidence folder (`--files`).
fn audit_ok_with(db: &TestDb, args: &[&str]) {
    let run = spawn::ok(db, &[&["audit", "verify"], args].concat());
    assert!(run.stdout.contains("audit: ok"), "{run}");
}

/// Rows of the dump that mention `text`, case-insensitively.
fn mentions(dump: &[String], text: &str) -> Vec<String> {
    let text = text.to_lowercase();
    dump.iter()
        .filter(|r| r.to_lowercase().contains(&text))
        .cloned()
        .collect()
}

fn failed_saying(run: &Run, words: &str) {
    assert!(!run.ok(), "this should fail:\n{run}");
    assert!(run.stderr.contains(words), "expected '{words}' in:\n{run}");
}

async fn an_export_holds_everything_about_one_person_and_no_secret(db: &TestDb) {
    let engine = db.engine().await;
    let (_, project) = with_trainee(db, &engine, "Queue times at the passport office").await;
    let files = tempfile::tempdir().unwrap();
    let sha = add_evidence(
        &engine,
        files.path(),
        project,
        "visit-notes.pdf",
        b"notes of a visit",
    )
    .await;
    withdraw(&engine, project, "Moving to another ministry").await;

    let run = spawn::ok(
        db,
        &[
            "person",
            "export",
            EMAIL,
            "--as",
            "dpo@example.org",
            "--reason",
            "request 7",
        ],
    );
    let export = run.json();
    assert_eq!(export["person"]["email"], EMAIL);
    assert_eq!(export["person"]["name"], NAME);
    assert_eq!(export["person"]["organization"], ORG);
    assert_eq!(export["account"]["has_password"], true);
    assert_eq!(
        export["sessions"].as_array().unwrap().len(),
        1,
        "the evidence upload's sign-in"
    );
    let roles = export["roles"].as_array().unwrap();
    assert!(
        roles
            .iter()
            .any(|r| r["on"] == "project" && r["id"] == project && r["role"] == "trainee"),
        "{roles:?}"
    );
    let events = export["events"].as_array().unwrap();
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["change"]["type"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"member_added"),
        "the role given to her: {types:?}"
    );
    assert!(types.contains(&"evidence_added"), "{types:?}");
    let withdrawn = events
        .iter()
        .find(|e| e["change"]["type"] == "action_taken")
        .expect("her withdrawal");
    assert_eq!(withdrawn["change"]["comment"], "Moving to another ministry");
    let evidence = export["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0]["name"], "visit-notes.pdf");
    assert_eq!(evidence[0]["sha256"], sha.as_str());
    assert_eq!(evidence[0]["size"], 16);
    let messages = export["messages"].as_array().unwrap();
    assert!(
        messages
            .iter()
            .any(|m| m["template"] == "project_withdrawn"),
        "{messages:?}"
    );
    // No secret: no password hash, no session or reset token.
    assert!(!run.stdout.contains("argon2"), "{}", run.stdout);
    assert!(!run.stdout.contains("token"), "{}", run.stdout);
    // Only hers: another trainee's project is not in it.
    assert!(!run.stdout.contains(&holder("trainee", 2)));

    let log = spawn::ok(db, &["--json", "person", "log", "--person", EMAIL]).json();
    assert_eq!(log[0]["action"], "export");
    assert_eq!(log[0]["operator"], "dpo@example.org");
    assert_eq!(log[0]["reason"], "request 7");
}

async fn a_correction_keeps_the_rules_and_the_new_email_signs_in(db: &TestDb) {
    let engine = db.engine().await;
    with_trainee(db, &engine, "Licence renewals").await;
    let new = "zainab.q@example.org";

    // Bad input changes nothing.
    let before = snapshot(db).await;
    failed_saying(
        &spawn::run(db, &["person", "correct", EMAIL, "--email", "not an email"]),
        "not an email address",
    );
    failed_saying(
        &spawn::run(
            db,
            &["person", "correct", EMAIL, "--name", "Zainab\u{202e}evil"],
        ),
        "bidirectional",
    );
    failed_saying(
        &spawn::run(db, &["person", "correct", EMAIL]),
        "nothing to correct",
    );
    let taken = holder("supervisor", 1);
    failed_saying(
        &spawn::run(db, &["person", "correct", EMAIL, "--email", &taken]),
        "is already registered",
    );
    assert_unchanged(db, &before, "refused corrections").await;

    spawn::ok(
        db,
        &[
            "person",
            "correct",
            EMAIL,
            "--email",
            new,
            "--name",
            "Zainab Qasimi",
            "--reason",
            "typo",
        ],
    );
    let engine = db.engine().await;
    let person = engine.person(new).await.unwrap();
    assert_eq!(person.name, "Zainab Qasimi");
    assert!(
        engine.person(EMAIL).await.is_err(),
        "the old email names nobody"
    );
    engine
        .sign_in(new, PASSWORD, day(2))
        .await
        .expect("signs in with the new email");
    assert!(engine.sign_in(EMAIL, PASSWORD, day(2)).await.is_err());

    let log = spawn::ok(db, &["--json", "person", "log"]).json();
    assert_eq!(log[0]["action"], "correct");
    assert_eq!(
        log[0]["detail"]["changed"],
        serde_json::json!(["name", "email"])
    );
    assert!(log[0]["operator"].as_str().unwrap().starts_with("os:"));
    assert!(
        !log.to_string().contains("zainab"),
        "the log holds no names or emails: {log}"
    );
}

async fn a_disabled_account_cannot_sign_in_and_gets_no_mail(db: &TestDb) {
    let engine = db.engine().await;
    let (_, project) = with_trainee(db, &engine, "Water permits").await;
    let (_, session) = engine.sign_in(EMAIL, PASSWORD, day(1)).await.unwrap();

    spawn::ok(
        db,
        &["person", "disable", EMAIL, "--reason", "left the institute"],
    );
    let engine = db.engine().await;
    assert!(
        engine
            .session(&session.token, day(2))
            .await
            .unwrap()
            .is_none(),
        "her session ended"
    );
    assert!(
        engine.sign_in(EMAIL, PASSWORD, day(2)).await.is_err(),
        "no sign-in"
    );
    assert!(
        !engine
            .queue_password_reset(EMAIL, "http://127.0.0.1:8080", None, day(2))
            .await
            .unwrap(),
        "no reset link"
    );

    // Mail to her is not sent; the outbox says why. Others still get theirs.
    withdraw_by_coordinator(&engine, project).await;
    let mail = tempfile::tempdir().unwrap();
    let smtp = format!("file://{}", mail.path().display());
    let worker = spawn::ok(db, &["worker", "--once", "--smtp", &smtp]);
    let sent: Vec<String> = std::fs::read_dir(mail.path())
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    assert!(!sent.is_empty(), "the supervisor is told: {worker}");
    assert!(
        sent.iter().all(|m| !m.contains(EMAIL)),
        "nothing was mailed to her"
    );
    let person = engine.person(EMAIL).await.unwrap().id;
    let dead = raw_number(
        db,
        &format!("SELECT COUNT(*) FROM outbox WHERE recipient_id = {person} AND state = 'dead' AND last_error LIKE '%account is disabled%'"),
    )
    .await;
    assert!(dead >= 1, "her message is dead, saying why");
    assert_eq!(
        raw_number(
            db,
            &format!("SELECT COUNT(*) FROM project_members WHERE person_id = {person}")
        )
        .await,
        1,
        "her role is kept"
    );

    spawn::ok(db, &["person", "enable", EMAIL]);
    db.engine()
        .await
        .sign_in(EMAIL, PASSWORD, day(3))
        .await
        .expect("enabled again");
    let log = spawn::ok(db, &["--json", "person", "log", "--person", EMAIL]).json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["enable", "disable"]);
}

async fn withdraw_by_coordinator(engine: &Engine, project: i64) {
    // The coordinator holds the role on the project (cohort members() gives it).
    crate::support::act(
        engine,
        project,
        &holder("coordinator", 1),
        "withdraw",
        Default::default(),
        Some("withdrawn by the office"),
        2,
    )
    .await
    .unwrap();
}

async fn an_erasure_is_refused_for_an_open_role_then_leaves_the_log_verifiable(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, first) = with_trainee(db, &engine, "Clinic appointments").await;
    let second = start(&engine, &cohort, "Library opening hours").await;
    // Free text she wrote, sealed in the log, naming herself.
    withdraw(&engine, first, &format!("{NAME} withdraws this project")).await;
    // A wrong password counts an attempt under her email.
    assert!(
        engine
            .sign_in(EMAIL, "a wrong password 123", day(3))
            .await
            .is_err()
    );
    let (_, _session) = engine.sign_in(EMAIL, PASSWORD, day(3)).await.unwrap();

    let before = snapshot(db).await;
    let refused = spawn::run(db, &["person", "erase", EMAIL, "--reason", "request 12"]);
    failed_saying(&refused, "not finished");
    assert!(
        refused.stderr.contains(&second.to_string()),
        "names the open project: {refused}"
    );
    failed_saying(
        &spawn::run(db, &["person", "erase", EMAIL]),
        "--reason is required",
    );
    assert_unchanged(db, &before, "a refused erasure").await;

    withdraw(&engine, second, "no longer in the programme").await;
    let run = spawn::ok(
        db,
        &[
            "person",
            "erase",
            EMAIL,
            "--reason",
            "request 12",
            "--as",
            "dpo@example.org",
        ],
    );
    assert!(run.stdout.contains("Erased person"), "{run}");
    audit_ok(db);

    let dump = snapshot(db).await.0;
    for text in [NAME, EMAIL, ORG, "zainab"] {
        let rows: Vec<String> = mentions(&dump, text)
            .into_iter()
            .filter(|r| !r.starts_with("events:"))
            .collect();
        assert!(
            rows.is_empty(),
            "'{text}' is still in:\n{}",
            rows.join("\n")
        );
    }
    // What stays is the free text she wrote, sealed in the log.
    let sealed = mentions(&dump, NAME);
    assert_eq!(sealed.len(), 1, "{sealed:?}");
    assert!(sealed[0].contains("withdraws this project"));
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM attempts WHERE key LIKE '%zainab%'"
        )
        .await,
        0
    );
    let id = db
        .engine()
        .await
        .people()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.name.starts_with("Erased person"))
        .unwrap()
        .id;
    assert_eq!(
        raw_number(
            db,
            &format!("SELECT COUNT(*) FROM sessions WHERE person_id = {id}")
        )
        .await,
        0
    );
    assert_eq!(
        raw_number(db, &format!("SELECT COUNT(*) FROM people WHERE id = {id} AND password_hash IS NULL AND language IS NULL AND disabled_at IS NOT NULL")).await,
        1
    );
    assert_eq!(
        raw_number(db, &format!("SELECT COUNT(*) FROM outbox WHERE recipient_id = {id} AND state IN ('pending', 'failed', 'claimed')")).await,
        0,
        "no mail queued to her"
    );
    // She cannot be found, nor sign in, by her old email; it is free again.
    let engine = db.engine().await;
    assert!(engine.person(EMAIL).await.is_err());
    engine
        .add_person(EMAIL, "Someone else", "", day(4))
        .await
        .expect("the email is free");
    let log = spawn::ok(db, &["--json", "person", "log"]).json();
    let erase = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "erase")
        .unwrap();
    assert_eq!(erase["person"], id);
    assert_eq!(erase["reason"], "request 12");
    assert_eq!(erase["operator"], "dpo@example.org");
}

async fn retention_removes_old_bodies_and_files_and_purges_closed_projects(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, closed) = with_trainee(db, &engine, "Road works permits").await;
    let open = start(&engine, &cohort, "Bus timetables").await;
    let files = tempfile::tempdir().unwrap();
    let old = add_evidence(
        &engine,
        files.path(),
        closed,
        "before.jpg",
        b"a photo before",
    )
    .await;
    let kept = add_evidence(&engine, files.path(), open, "after.jpg", b"a photo after").await;
    withdraw(&engine, closed, "ended early").await;
    let mail = tempfile::tempdir().unwrap();
    let smtp = format!("file://{}", mail.path().display());
    let files_arg = files.path().display().to_string();
    // Sent at the test clock (2026-02-01).
    spawn::ok(
        db,
        &["worker", "--once", "--smtp", &smtp, "--files", &files_arg],
    );
    let sent = raw_number(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'").await;
    assert!(sent > 0);

    // Off by default: nothing removed.
    let later = "2026-04-01T06:00:00Z";
    spawn::ok(
        db,
        &[
            "--now", later, "worker", "--once", "--smtp", &smtp, "--files", &files_arg,
        ],
    );
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM outbox WHERE body_removed_at IS NOT NULL"
        )
        .await,
        0
    );
    assert!(files.path().join(&old).exists());

    // 30 days: the mail (59 days old) loses its body, the closed project its files.
    spawn::ok(
        db,
        &[
            "--now",
            later,
            "worker",
            "--once",
            "--smtp",
            &smtp,
            "--files",
            &files_arg,
            "--retain-sent-mail",
            "30",
            "--retain-evidence",
            "30",
        ],
    );
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND body_removed_at IS NOT NULL"
        )
        .await,
        sent,
        "every sent message keeps its row, without its body"
    );
    assert!(
        !files.path().join(&old).exists(),
        "the closed project's file is gone"
    );
    assert!(
        files.path().join(&kept).exists(),
        "an open project's file stays"
    );
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM evidence WHERE removed_at IS NOT NULL"
        )
        .await,
        1
    );
    audit_ok_with(db, &["--files", &files_arg]);
    let export = spawn::ok(db, &["person", "export", EMAIL]).json();
    let removed: Vec<_> = export["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["removed_at"].is_null())
        .collect();
    assert_eq!(removed.len(), 1, "the export says which file was removed");
    assert_eq!(removed[0]["sha256"], old.as_str());

    // 30 days for closed projects: the withdrawn project is purged whole.
    let events_before = raw_number(
        db,
        &format!("SELECT COUNT(*) FROM events WHERE project_id = {closed}"),
    )
    .await;
    assert!(events_before > 0);
    spawn::ok(
        db,
        &[
            "--now",
            later,
            "worker",
            "--once",
            "--smtp",
            &smtp,
            "--files",
            &files_arg,
            "--retain-closed-projects",
            "30",
        ],
    );
    for table in ["events", "project_members", "evidence", "outbox", "timers"] {
        assert_eq!(
            raw_number(
                db,
                &format!("SELECT COUNT(*) FROM {table} WHERE project_id = {closed}")
            )
            .await,
            0,
            "{table} of the purged project"
        );
    }
    assert_eq!(
        raw_number(
            db,
            &format!("SELECT COUNT(*) FROM projects WHERE id = {closed}")
        )
        .await,
        0
    );
    assert_eq!(
        raw_number(
            db,
            &format!("SELECT COUNT(*) FROM projects WHERE id = {open}")
        )
        .await,
        1
    );
    assert_eq!(
        raw_number(db, "SELECT COUNT(*) FROM purge_permits").await,
        0,
        "no permit outlives its purge"
    );
    audit_ok_with(db, &["--files", &files_arg]);
    let log = spawn::ok(db, &["--json", "person", "log"]).json();
    let purge = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "purge")
        .expect("the purge is logged");
    assert_eq!(purge["project"], closed);
    assert_eq!(purge["operator"], "worker");
    assert_eq!(purge["detail"]["events"], events_before);
    assert_eq!(
        purge["detail"]["head"].as_str().unwrap().len(),
        64,
        "{purge}"
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "retention")
    );

    // Outside a purge, events still cannot be deleted.
    let deleted = raw_delete_event(db, open).await;
    assert!(deleted.is_err(), "the append-only trigger still holds");
}

/// Tries to delete an event of `project` with raw SQL (as tampering would).
async fn raw_delete_event(db: &TestDb, project: i64) -> Result<(), String> {
    use sqlx::Connection;
    let sql = format!("DELETE FROM events WHERE project_id = {project}");
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

async fn a_person_reads_and_downloads_only_their_own_data_on_the_web(db: &TestDb) {
    use crate::web::Site;
    let site = Site::new(db).await;
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let profile = trainee.get("/profile").await;
    assert!(
        profile.body.contains("href=\"/profile/data\""),
        "the profile links to it"
    );
    let page = trainee.get("/profile/data").await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("trainee1@example.org"));
    assert!(page.body.contains("Person trainee1"));
    assert!(
        page.body
            .contains(&format!("/projects/{}", site.projects[0])),
        "her project role"
    );
    assert!(!page.body.contains("trainee2@example.org"));
    let download = trainee.get("/profile/data.json").await;
    assert_eq!(download.status, reqwest::StatusCode::OK);
    let disposition = download.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(download.headers["cache-control"], "private, no-store");
    let export: serde_json::Value = serde_json::from_str(&download.body).unwrap();
    assert_eq!(export["person"]["email"], "trainee1@example.org");
    assert!(!download.body.contains("argon2"));

    // A coordinator reading the same addresses reads their own data, never hers.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let theirs: serde_json::Value =
        serde_json::from_str(&coordinator.get("/profile/data.json").await.body).unwrap();
    assert_eq!(theirs["person"]["email"], "coord-a@example.org");
    // Signed out: no data at all.
    let anonymous = site.browser().get("/profile/data.json").await;
    assert_ne!(anonymous.status, reqwest::StatusCode::OK);
    // Each view is in the admin log, by the person themself.
    let log = spawn::ok(
        db,
        &[
            "--json",
            "person",
            "log",
            "--person",
            "trainee1@example.org",
        ],
    )
    .json();
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "the page and the download: {log}"
    );
    assert!(log[0]["operator"].as_str().unwrap().contains("(self, web)"));
    site.stop().await;
}

/// Runs each argument list as its own `gradflow` process, all at once.
fn at_once(db: &TestDb, runs: &[Vec<&str>]) -> Vec<Run> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|args| scope.spawn(move || spawn::run(db, args)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

async fn racing_erasures_and_corrections_each_take_effect_once(db: &TestDb) {
    let engine = db.engine().await;
    let (_, project) = with_trainee(db, &engine, "Parking permits").await;
    withdraw(&engine, project, "ended").await;
    let other = holder("trainee", 2);

    // Two operators correct two people to one new email at once: one wins.
    let new = "shared.new@example.org";
    let runs = at_once(
        db,
        &[
            vec!["person", "correct", EMAIL, "--email", new],
            vec!["person", "correct", other.as_str(), "--email", new],
        ],
    );
    assert_eq!(runs.iter().filter(|r| r.ok()).count(), 1, "{runs:?}");
    let lost = runs.iter().find(|r| !r.ok()).unwrap();
    assert!(lost.stderr.contains("is already registered"), "{lost}");
    let winner = if runs[0].ok() { EMAIL } else { other.as_str() };
    let loser = if runs[0].ok() { other.as_str() } else { EMAIL };
    assert!(engine.person(loser).await.is_ok(), "the loser is unchanged");
    let _ = winner;

    // Two erasures of one person at once: one erases, the other finds nobody.
    let trainee = if loser == EMAIL { EMAIL } else { new };
    let runs = at_once(
        db,
        &[
            vec!["person", "erase", trainee, "--reason", "request A"],
            vec!["person", "erase", trainee, "--reason", "request B"],
        ],
    );
    assert_eq!(runs.iter().filter(|r| r.ok()).count(), 1, "{runs:?}");
    audit_ok(db);
    let log = spawn::ok(db, &["--json", "person", "log"]).json();
    let erasures = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "erase")
        .count();
    assert_eq!(erasures, 1, "{log}");
}
