//! Mail that cannot vanish, as an operator meets it: a worker without a
//! transport refuses to start (and claims nothing); `log:` writes to the
//! worker's log, never a reset link; each failed send is logged with its
//! reason and no address; `gradflow mail test` says whether the server took
//! a message; a password reset asked for just before the server is killed
//! is still mailed, by the worker, with a link that works, and the link is
//! gone from the queue once sent or expired.

use std::io::{BufRead, Read, Write};
use std::process::{Child, Command, Stdio};

use jiff::Timestamp;

use crate::smtp_sink::Sink;
use crate::support::{self, TestDb, on_both};
use crate::worker::{FROM, REMINDERS, gradflow, institute, ok, worker_once};

on_both!(
    a_worker_without_a_transport_refuses_to_start_and_claims_nothing,
    the_log_transport_writes_to_the_workers_log,
    failed_sends_are_logged_with_their_reason_and_no_address,
    mail_test_says_whether_the_server_took_the_message,
    a_reset_asked_for_just_before_a_kill_is_mailed_by_the_worker,
    an_expired_reset_link_is_scrubbed_and_never_sent,
    a_reset_link_is_never_written_to_the_log,
);

/// The person whose password is reset in these tests.
const AMAL: &str = "amal@health.test";
const PASSWORD: &str = "the first passphrase";

/// Messages in the outbox by state, counted with raw SQL.
async fn outbox_states(db: &TestDb) -> String {
    let mut states = Vec::new();
    for state in ["pending", "claimed", "sent", "failed", "dead"] {
        let n = support::raw_number(
            db,
            &format!("SELECT COUNT(*) FROM outbox WHERE state = '{state}'"),
        )
        .await;
        states.push(format!("{state}={n}"));
    }
    states.join(" ")
}

async fn a_worker_without_a_transport_refuses_to_start_and_claims_nothing(db: &TestDb) {
    institute(db, 1, 1).await;
    let before = outbox_states(db).await;
    for args in [
        vec!["worker", "--once"],
        vec!["worker"],
        vec!["worker", "--once", "--smtp", ""],
    ] {
        let run = gradflow(db, REMINDERS, &args).await;
        assert!(!run.ok(), "{run}");
        for says in ["--smtp", "smtp://", "smtps://", "file://", "log:"] {
            assert!(run.stderr.contains(says), "names {says}: {run}");
        }
        assert!(!run.stdout.contains("worker: running"), "{run}");
    }
    assert_eq!(
        outbox_states(db).await,
        before,
        "nothing claimed or marked sent"
    );
}

async fn the_log_transport_writes_to_the_workers_log(db: &TestDb) {
    institute(db, 1, 1).await;
    let run = ok(
        db,
        REMINDERS,
        &[
            "--json", "worker", "--once", "--smtp", "log:", "--from", FROM,
        ],
    )
    .await;
    let sent = run.json()["mail"]["sent"].as_u64().unwrap();
    assert!(sent > 0, "{run}");
    assert_eq!(
        run.stderr.matches("mail not sent (log transport)").count() as u64,
        sent,
        "each message is in the worker's log: {run}"
    );
    assert!(run.stderr.contains("subject="), "{run}");
}

async fn failed_sends_are_logged_with_their_reason_and_no_address(db: &TestDb) {
    institute(db, 1, 1).await;
    // The first trainee's mailbox is busy (451), then refused for good (550).
    let address = "trainee1@health.test";
    let busy = Sink::start(&[]).await;
    busy.defer(address);
    let run = ok(
        db,
        REMINDERS,
        &[
            "--json",
            "worker",
            "--once",
            "--smtp",
            &busy.url(),
            "--from",
            FROM,
        ],
    )
    .await;
    assert_eq!(run.json()["mail"]["retrying"], 1, "{run}");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("it will be tried again"))
        .unwrap_or_else(|| panic!("a log line for the deferred message: {run}"));
    assert!(line.contains("WARN") && line.contains("451"), "{line}");
    assert!(!line.contains(address), "no address in the log: {line}");

    let refusing = Sink::start(&[address]).await;
    let later = "2026-02-14T08:00:00Z";
    let run = ok(
        db,
        later,
        &[
            "--json",
            "worker",
            "--once",
            "--smtp",
            &refusing.url(),
            "--from",
            FROM,
        ],
    )
    .await;
    assert_eq!(run.json()["mail"]["dead"], 1, "{run}");
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("mail not sent and given up on"))
        .unwrap_or_else(|| panic!("a log line for the refused message: {run}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("550"), "the server's reason: {line}");
    assert!(line.contains("person="), "the person by id: {line}");
    assert!(
        line.contains("queue=\"outbox\"") || line.contains("queue=outbox"),
        "the queue: {line}"
    );
    assert!(line.contains("ids=["), "the message by id: {line}");
    assert!(!line.contains(address), "no address in the log: {line}");
}

async fn mail_test_says_whether_the_server_took_the_message(db: &TestDb) {
    let sink = Sink::start(&["nobody@institute.test"]).await;
    let now = REMINDERS;
    let run = ok(
        db,
        now,
        &[
            "mail",
            "test",
            "it@institute.test",
            "--smtp",
            &sink.url(),
            "--from",
            FROM,
        ],
    )
    .await;
    assert!(run.stdout.contains("accepted"), "{run}");
    assert!(run.stdout.contains("250"), "the server's reply: {run}");
    let received = sink.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, vec!["it@institute.test".to_owned()]);
    assert!(received[0].subject().contains("test"));

    let refused = gradflow(
        db,
        now,
        &[
            "mail",
            "test",
            "nobody@institute.test",
            "--smtp",
            &sink.url(),
        ],
    )
    .await;
    assert!(!refused.ok(), "{refused}");
    assert!(
        refused.stderr.contains("NOT accepted") && refused.stderr.contains("550"),
        "{refused}"
    );

    let down = gradflow(
        db,
        now,
        &[
            "mail",
            "test",
            "it@institute.test",
            "--smtp",
            "smtp://127.0.0.1:9?timeout=1",
        ],
    )
    .await;
    assert!(!down.ok() && down.stderr.contains("NOT accepted"), "{down}");

    let json = gradflow(
        db,
        now,
        &[
            "--json",
            "mail",
            "test",
            "it@institute.test",
            "--smtp",
            &sink.url(),
        ],
    )
    .await;
    assert_eq!(json.json()["accepted"], true, "{json}");

    let none = gradflow(db, now, &["mail", "test", "it@institute.test"]).await;
    assert!(!none.ok() && none.stderr.contains("--smtp"), "{none}");
    let bad = gradflow(
        db,
        now,
        &["mail", "test", "not an address", "--smtp", &sink.url()],
    )
    .await;
    assert!(
        !bad.ok() && bad.stderr.contains("not an email address"),
        "{bad}"
    );
    assert_eq!(sink.count(), 2, "only the two accepted test messages");
}

/// Registers Amal with a password, through the engine.
async fn amal(db: &TestDb) {
    let engine = db.engine().await;
    engine
        .add_person(AMAL, "Amal Al-Harthy", "Health", support::day(0))
        .await
        .unwrap();
    engine.set_password(AMAL, PASSWORD).await.unwrap();
    engine.close().await;
}

/// `gradflow serve` on a free port, offering resets; its address.
fn serve(db: &TestDb, smtp: &str, files: &std::path::Path) -> (Child, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(["serve", "--bind", "127.0.0.1:0", "--smtp", smtp, "--files"])
        .arg(files)
        .env("GRADFLOW_DATABASE_URL", &db.url)
        .env_remove("GRADFLOW_SMTP_URL")
        .env_remove("GRADFLOW_NOW")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the address in {line}"))
        .to_owned();
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
    });
    (server, address)
}

/// Posts a form over a plain connection; the status line and body.
fn post(address: &str, path: &str, body: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The reset link in a mail's text.
fn link_in(text: &str) -> String {
    let start = text
        .find("http://")
        .unwrap_or_else(|| panic!("a link in {text}"));
    text[start..].split_whitespace().next().unwrap().to_owned()
}

async fn a_reset_asked_for_just_before_a_kill_is_mailed_by_the_worker(db: &TestDb) {
    amal(db).await;
    let sink = Sink::start(&[]).await;
    let files = tempfile::tempdir().unwrap();
    for signal in ["-KILL", "-TERM"] {
        let (mut server, address) = serve(db, &sink.url(), files.path());
        let answer = post(&address, "/reset", "email=amal%40health.test");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            answer.contains("reset-sent"),
            "told it is on its way: {answer}"
        );
        // Stopped the moment the answer is read.
        Command::new("kill")
            .args([signal, &server.id().to_string()])
            .status()
            .unwrap();
        server.wait().unwrap();
        assert_eq!(sink.count(), 0, "the server sends no mail itself");
    }
    let queued = support::raw_number(
        db,
        "SELECT COUNT(*) FROM account_mail WHERE state = 'pending' AND link IS NOT NULL",
    )
    .await;
    assert_eq!(queued, 2, "both requests survived their server");

    let now = Timestamp::now().to_string();
    let report = worker_once(db, &now, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 2, "{report}");
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].to, vec![AMAL.to_owned()]);
    assert_eq!(received[0].subject(), "Choose a new gradflow password");
    assert_ne!(received[0].message_id(), received[1].message_id());
    let scrubbed = support::raw_number(
        db,
        "SELECT COUNT(*) FROM account_mail WHERE link IS NOT NULL OR state <> 'sent'",
    )
    .await;
    assert_eq!(scrubbed, 0, "no link is kept once sent");
    let again = worker_once(db, &now, &sink.url(), 500).await;
    assert_eq!(again["mail"]["sent"], 0, "sent once: {again}");

    // The link works, on a server started afresh.
    let (mut server, address) = serve(db, &sink.url(), files.path());
    let link = link_in(&received[1].text());
    let token = link.rsplit_once("token=").unwrap().1;
    let new = "a passphrase from the mail";
    let answer = post(
        &address,
        "/reset/new",
        &format!(
            "token={token}&password={}&confirm={}",
            new.replace(' ', "+"),
            new.replace(' ', "+")
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    let engine = db.engine().await;
    assert!(engine.sign_in(AMAL, new, Timestamp::now()).await.is_ok());
    // A second request, within the limits, is queued and mailed too.
    let answer = post(&address, "/reset", "email=amal%40health.test");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    server.wait().unwrap();
    let report = worker_once(db, &Timestamp::now().to_string(), &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "{report}");
    assert_eq!(sink.count(), 3);
    engine.close().await;
}

async fn an_expired_reset_link_is_scrubbed_and_never_sent(db: &TestDb) {
    amal(db).await;
    let engine = db.engine().await;
    let asked = support::day(0);
    support::queued_reset(&engine, db, AMAL, asked).await;
    let sink = Sink::start(&[]).await;
    let late = asked
        .checked_add(gradflow_engine::service::RESET_LIFETIME)
        .unwrap()
        .to_string();
    let report = worker_once(db, &late, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 0, "{report}");
    assert_eq!(sink.count(), 0, "a dead link is not mailed");
    let left = support::raw_number(
        db,
        "SELECT COUNT(*) FROM account_mail WHERE link IS NOT NULL",
    )
    .await;
    assert_eq!(left, 0, "the expired link is scrubbed");
    let dead = support::raw_text(db, "SELECT state || ': ' || last_error FROM account_mail").await;
    assert_eq!(
        dead.as_deref(),
        Some("dead: the link expired before it could be sent")
    );
    engine.close().await;
}

async fn a_reset_link_is_never_written_to_the_log(db: &TestDb) {
    amal(db).await;
    let engine = db.engine().await;
    let now = Timestamp::now();
    let reset = support::queued_reset(&engine, db, AMAL, now).await;
    let run = ok(
        db,
        &now.to_string(),
        &[
            "--json", "worker", "--once", "--smtp", "log:", "--from", FROM,
        ],
    )
    .await;
    assert_eq!(run.json()["mail"]["sent"], 1, "{run}");
    assert!(
        run.stderr
            .contains("a password reset link, which is not logged"),
        "{run}"
    );
    assert!(
        !run.stderr.contains(&reset.token),
        "the token is not in the log"
    );
    assert!(!run.stdout.contains(&reset.token));
    let left = support::raw_number(
        db,
        "SELECT COUNT(*) FROM account_mail WHERE link IS NOT NULL",
    )
    .await;
    assert_eq!(left, 0);
    engine.close().await;
}
