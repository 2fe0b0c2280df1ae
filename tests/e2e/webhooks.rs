//! Signed webhooks as a receiver sees them: a real HTTP server in Python
//! (`webhooks_receiver.py`) verifies every request with the
//! `standardwebhooks` package, an independent implementation of the
//! signature, and records what it got; real `gradflow worker` processes
//! deliver. The tests assert what the receiver and the operator notice:
//! each event once while nothing crashes, retries after 500s, a dead
//! delivery after its attempts with its reason, a resend, 410 Gone, at
//! least once (with the same `webhook-id`) across a `kill -9`, two workers
//! never posting one delivery twice, and private addresses refused when
//! subscribing and when delivering.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use gradflow_engine::decide::Change;
use gradflow_engine::service::{Subscription, Viewer};
use serde_json::Value;

use crate::support::{self, TestDb, on_both};
use crate::worker::{Process, SET_UP, gradflow, institute, ok, plus_minutes, stop_workers};

on_both!(
    events_arrive_signed_and_exactly_once,
    failures_are_retried_then_dead_and_a_resend_delivers,
    private_addresses_are_refused_when_subscribing_and_when_delivering,
    a_worker_killed_mid_delivery_is_redelivered_with_the_same_id,
    two_workers_never_deliver_one_twice,
    coordinators_subscribe_their_own_cohort_only,
    coordinators_use_the_api_for_their_cohort_only,
    racing_subscriptions_never_pass_the_limit,
);

/// Monday 16 February: the proposal deadline has passed (worker.rs's calendar).
const OVERDUE: &str = "2026-02-16T06:00:00Z";
/// worker.rs's cohort and its coordinator.
const COHORT: &str = "Service 2026 A";
const COORDINATOR: &str = "huda@institute.test";
const ALL_EVENTS: &str = "project.started,project.stage_entered,project.overdue,project.scored,certificate.issued,certificate.revoked";
/// How long the tests wait for workers to deliver.
const PATIENCE: Duration = Duration::from_secs(90);

/// The Python receiver, stopped when dropped.
struct Receiver {
    child: Child,
    port: u16,
    secrets: PathBuf,
    record: PathBuf,
    _dir: tempfile::TempDir,
}

impl Receiver {
    /// Starts it; `None` (after a note) when Python's `standardwebhooks` is
    /// missing outside CI.
    fn start() -> Option<Receiver> {
        let mut command = support::python("standardwebhooks")?;
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets");
        let record = dir.path().join("record.jsonl");
        std::fs::write(&secrets, "").unwrap();
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/webhooks_receiver.py");
        let mut child = command
            .arg(script)
            .arg(&secrets)
            .arg(&record)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the receiver prints its port");
        Some(Receiver {
            child,
            port,
            secrets,
            record,
            _dir: dir,
        })
    }

    /// Its URL for `path` (see the script for what each path answers).
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Verifies requests with `secret` from now on.
    fn trust(&self, secret: &str) {
        assert!(secret.starts_with("whsec_"), "{secret}");
        let mut all = std::fs::read_to_string(&self.secrets).unwrap();
        all.push_str(secret);
        all.push('\n');
        std::fs::write(&self.secrets, all).unwrap();
    }

    /// Every request it got, in order.
    fn received(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `webhook add ARGS` at set-up: the subscription's id and secret.
async fn subscribe(db: &TestDb, args: &[&str]) -> (i64, String) {
    let mut all = vec!["--json", "webhook", "add"];
    all.extend_from_slice(args);
    let added = ok(db, SET_UP, &all).await.json();
    (
        added["id"].as_i64().unwrap(),
        added["secret"].as_str().unwrap().to_owned(),
    )
}

/// Every delivery of subscription `hook`, oldest first, through the CLI (page by page).
async fn deliveries(db: &TestDb, hook: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let id = hook.to_string();
        let mut args = vec!["--json", "webhook", "deliveries", &id, "--limit", "100"];
        let cursor = before.map(|b| b.to_string());
        if let Some(cursor) = &cursor {
            args.extend(["--before", cursor.as_str()]);
        }
        let page = ok(db, SET_UP, &args).await.json();
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        before = page.last().unwrap()["id"].as_i64();
        all.extend(page);
    }
    all.reverse();
    all
}

/// `worker --once` at `now` with `extra` options (mail to the log).
async fn worker_once(db: &TestDb, now: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--json", "worker", "--once", "--smtp", "log:"];
    args.extend_from_slice(extra);
    ok(db, now, &args).await.json()
}

/// Waits until every delivery of `hook` is in a final state.
async fn until_delivered(db: &TestDb, hook: i64, expected: usize) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let all = deliveries(db, hook).await;
        if all.len() >= expected
            && all
                .iter()
                .all(|d| d["state"] == "sent" || d["state"] == "dead")
        {
            return all;
        }
        assert!(Instant::now() < deadline, "not delivered in time: {all:#?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The received requests answered with a 2xx, by `webhook-id`.
fn delivered_ids(received: &[Value]) -> BTreeMap<String, usize> {
    let mut ids = BTreeMap::new();
    for r in received.iter().filter(|r| r["status"] == 204) {
        *ids.entry(r["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    ids
}

/// The webhook events each project's log records, by (type, project).
async fn logged_events(db: &TestDb, projects: &[i64]) -> BTreeMap<(String, i64), usize> {
    let engine = db.engine().await;
    let mut events = BTreeMap::new();
    for &p in projects {
        for e in engine.history(p).await.unwrap() {
            let kind = match e.change {
                Change::Started { .. } => "project.started",
                Change::Moved { .. } | Change::Migrated { .. } => "project.stage_entered",
                Change::DeadlinePassed => "project.overdue",
                Change::Scored { .. } => "project.scored",
                _ => continue,
            };
            *events.entry((kind.to_owned(), p)).or_insert(0) += 1;
        }
    }
    engine.close().await;
    events
}

async fn events_arrive_signed_and_exactly_once(db: &TestDb) {
    let Some(rx) = Receiver::start() else { return };
    let (hook, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            ALL_EVENTS,
            "--webhooks-allow-private",
            &rx.url("/ok"),
        ],
    )
    .await;
    rx.trust(&secret);
    // Three trainees still writing their proposal, two who submitted it.
    let projects = institute(db, 3, 2).await;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    worker_once(db, SET_UP, &["--webhooks-allow-private"]).await;
    let round = worker_once(db, OVERDUE, &["--webhooks-allow-private"]).await;
    assert!(round["webhooks"]["sent"].as_u64().unwrap() >= 3, "{round}");
    // A third round finds nothing to post again.
    let again = worker_once(db, OVERDUE, &["--webhooks-allow-private"]).await;
    assert_eq!(again["webhooks"]["claimed"], 0, "{again}");

    let log = deliveries(db, hook).await;
    assert!(
        log.iter()
            .all(|d| d["state"] == "sent" && d["attempts"] == 1),
        "{log:#?}"
    );
    let received = rx.received();
    assert!(
        received.iter().all(|r| r["verified"] == true),
        "{received:#?}"
    );
    assert!(
        received
            .iter()
            .all(|r| r["content_type"] == "application/json")
    );
    // Exactly once: one request per delivery, with the delivery's id.
    let got = delivered_ids(&received);
    assert_eq!(received.len(), log.len());
    let expected: BTreeMap<String, usize> = log
        .iter()
        .map(|d| (format!("msg_{}", d["id"]), 1))
        .collect();
    assert_eq!(got, expected);
    // Each event of the projects' logs arrived once, about its project.
    let cohort = support::raw_number(db, "SELECT id FROM cohorts").await;
    let mut arrived: BTreeMap<(String, i64), usize> = BTreeMap::new();
    for r in &received {
        let payload = &r["payload"];
        let keys: BTreeSet<&str> = payload
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from(["type", "timestamp", "data"]),
            "{payload}"
        );
        assert_eq!(payload["data"]["cohort"], cohort, "{payload}");
        // No names, emails, titles or answers: ids and keys only.
        let text = payload.to_string();
        assert!(
            !text.contains("health.test") && !text.contains("Service improvement"),
            "{text}"
        );
        let project = payload["data"]["project"].as_i64().unwrap();
        *arrived
            .entry((payload["type"].as_str().unwrap().to_owned(), project))
            .or_insert(0) += 1;
    }
    assert_eq!(arrived, logged_events(db, &ids).await);
    for p in &projects {
        let about = |kind: &str| {
            received
                .iter()
                .map(|r| &r["payload"])
                .find(|pl| pl["type"] == kind && pl["data"]["project"] == p.id)
                .cloned()
        };
        let started = about("project.started").expect("started");
        assert_eq!(started["data"]["stage"], "proposal");
        if p.submitted {
            assert_eq!(
                about("project.stage_entered").unwrap()["data"]["stage"],
                "endorsement"
            );
        } else {
            assert_eq!(
                about("project.overdue").unwrap()["data"]["stage"],
                "proposal"
            );
        }
    }
}

async fn failures_are_retried_then_dead_and_a_resend_delivers(db: &TestDb) {
    let Some(rx) = Receiver::start() else { return };
    let allow = "--webhooks-allow-private";
    let (failing, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            allow,
            &rx.url("/fail-first/3"),
        ],
    )
    .await;
    rx.trust(&secret);
    let (gone, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            allow,
            &rx.url("/gone"),
        ],
    )
    .await;
    rx.trust(&secret);
    let (redirected, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            allow,
            &rx.url("/redirect"),
        ],
    )
    .await;
    rx.trust(&secret);
    institute(db, 1, 0).await;
    let attempts = ["--webhook-attempts", "3", allow];
    // Attempt 1: 500, tried again later; the 410 disables its subscription.
    worker_once(db, SET_UP, &attempts).await;
    let [first] = &deliveries(db, failing).await[..] else {
        panic!()
    };
    assert_eq!(first["state"], "failed", "{first}");
    assert_eq!(first["last_status"], 500);
    assert!(first["next_attempt"].is_string());
    let [dropped] = &deliveries(db, gone).await[..] else {
        panic!()
    };
    assert_eq!(dropped["state"], "dead");
    assert!(
        dropped["last_error"].as_str().unwrap().contains("410 Gone"),
        "{dropped}"
    );
    let list = ok(db, SET_UP, &["--json", "webhook", "list"]).await.json();
    let disabled: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["disabled_at"].is_string())
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(disabled, vec![gone]);
    // A redirect is not followed: an answer that is not 2xx.
    let [moved] = &deliveries(db, redirected).await[..] else {
        panic!()
    };
    assert_eq!(moved["state"], "failed", "{moved}");
    assert_eq!(moved["last_status"], 307);
    assert!(rx.received().iter().all(|r| r["path"] != "/ok"));
    // Attempts 2 and 3, each after its backoff: then dead, saying why.
    worker_once(db, &plus_minutes(SET_UP, 120), &attempts).await;
    worker_once(db, &plus_minutes(SET_UP, 240), &attempts).await;
    let [dead] = &deliveries(db, failing).await[..] else {
        panic!()
    };
    assert_eq!(dead["state"], "dead", "{dead}");
    assert_eq!(dead["attempts"], 3);
    let why = dead["last_error"].as_str().unwrap();
    assert!(
        why.contains("500") && why.contains("gave up after 3 attempts"),
        "{why}"
    );
    assert!(dead["next_attempt"].is_null());
    // Nothing more is tried.
    let idle = worker_once(db, &plus_minutes(SET_UP, 600), &attempts).await;
    assert_eq!(idle["webhooks"]["claimed"], 0);
    // A resend posts the same delivery (same webhook-id) once more.
    let id = dead["id"].as_i64().unwrap().to_string();
    ok(db, SET_UP, &["webhook", "resend", &id]).await;
    let twice = gradflow(db, SET_UP, &["webhook", "resend", &id]).await;
    assert!(
        !twice.ok() && twice.stderr.contains("waiting or being sent"),
        "{twice}"
    );
    let refused = gradflow(
        db,
        SET_UP,
        &["webhook", "resend", &dropped["id"].to_string()],
    )
    .await;
    assert!(
        !refused.ok() && refused.stderr.contains("disabled"),
        "{refused}"
    );
    worker_once(db, &plus_minutes(SET_UP, 660), &attempts).await;
    let [sent] = &deliveries(db, failing).await[..] else {
        panic!()
    };
    assert_eq!(sent["state"], "sent", "{sent}");
    assert_eq!(sent["resends"], 1);
    let received = rx.received();
    let to_failing: Vec<&Value> = received
        .iter()
        .filter(|r| r["path"] == "/fail-first/3")
        .collect();
    let statuses: Vec<&Value> = to_failing.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, [500, 500, 500, 204]);
    assert!(
        to_failing
            .iter()
            .all(|r| r["id"] == format!("msg_{id}") && r["verified"] == true)
    );
    // The disabled subscription hears of no new project.
    let engine = db.engine().await;
    let members = [
        ("trainee1@health.test".to_owned(), "trainee".to_owned()),
        (
            "supervisor1@health.test".to_owned(),
            "supervisor".to_owned(),
        ),
    ];
    engine
        .start_project(
            COHORT,
            "Another improvement",
            &members,
            SET_UP.parse().unwrap(),
        )
        .await
        .unwrap();
    engine.close().await;
    assert_eq!(deliveries(db, gone).await.len(), 1);
    assert_eq!(deliveries(db, failing).await.len(), 2);
}

async fn private_addresses_are_refused_when_subscribing_and_when_delivering(db: &TestDb) {
    let Some(rx) = Receiver::start() else { return };
    ok(db, SET_UP, &["webhook", "list"]).await;
    let before = support::snapshot(db).await;
    let port = rx.port;
    for (url, says) in [
        (format!("https://127.0.0.1:{port}/ok"), "loopback"),
        ("https://10.1.2.3/hook".to_owned(), "private"),
        ("https://169.254.169.254/latest".to_owned(), "link-local"),
        ("https://100.64.1.1/".to_owned(), "carrier-grade NAT"),
        ("https://[::1]/".to_owned(), "loopback"),
        ("https://[::ffff:127.0.0.1]/".to_owned(), "loopback"),
        ("https://[fd12::1]/".to_owned(), "unique-local"),
        ("https://[::]/".to_owned(), "unspecified"),
        ("https://localhost/".to_owned(), "loopback"),
        ("http://hooks.example.com/".to_owned(), "must use https"),
        (
            "https://user:secret@hooks.example.com/".to_owned(),
            "user name or password",
        ),
        ("hooks.example.com".to_owned(), "absolute URL"),
    ] {
        let run = gradflow(
            db,
            SET_UP,
            &[
                "webhook",
                "add",
                "--all-cohorts",
                "--events",
                "project.started",
                &url,
            ],
        )
        .await;
        assert!(!run.ok() && run.stderr.contains(says), "{url}:\n{run}");
        assert!(!run.stderr.contains("secret"), "{run}");
    }
    assert_eq!(
        support::snapshot(db).await.changes_since(&before),
        Vec::<String>::new()
    );
    // Allowed when subscribing, refused when delivering without the
    // allowance: on the address the name resolves to, and on http.
    let by_name = format!("https://localhost:{port}/ok");
    let (named, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            "--webhooks-allow-private",
            &by_name,
        ],
    )
    .await;
    rx.trust(&secret);
    let (plain, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            "--webhooks-allow-private",
            &rx.url("/ok"),
        ],
    )
    .await;
    rx.trust(&secret);
    institute(db, 1, 0).await;
    let round = worker_once(db, SET_UP, &[]).await;
    assert_eq!(round["webhooks"]["dead"], 2, "{round}");
    let [resolved] = &deliveries(db, named).await[..] else {
        panic!()
    };
    assert_eq!(resolved["state"], "dead");
    let why = resolved["last_error"].as_str().unwrap();
    assert!(
        why.contains("localhost resolves to") && why.contains("loopback"),
        "{why}"
    );
    let [literal] = &deliveries(db, plain).await[..] else {
        panic!()
    };
    assert_eq!(literal["state"], "dead");
    assert!(
        literal["last_error"]
            .as_str()
            .unwrap()
            .contains("https only"),
        "{literal}"
    );
    assert!(
        rx.received().is_empty(),
        "nothing was posted: {:?}",
        rx.received()
    );
    // With the allowance the same deliveries go through after a resend.
    for d in [resolved, literal] {
        ok(db, SET_UP, &["webhook", "resend", &d["id"].to_string()]).await;
    }
    let round = worker_once(db, SET_UP, &["--webhooks-allow-private"]).await;
    assert_eq!(round["webhooks"]["claimed"], 2, "{round}");
    // The plain http one arrives; the https one finds an http server.
    assert_eq!(deliveries(db, plain).await[0]["state"], "sent");
}

async fn a_worker_killed_mid_delivery_is_redelivered_with_the_same_id(db: &TestDb) {
    let Some(rx) = Receiver::start() else { return };
    let (hook, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            "--webhooks-allow-private",
            &rx.url("/hang-once"),
        ],
    )
    .await;
    rx.trust(&secret);
    institute(db, 3, 0).await;
    let worker = Process::start(
        db,
        SET_UP,
        &["worker", "--smtp", "log:", "--webhooks-allow-private"],
    );
    // Every delivery is being posted (the receiver holds each first request).
    let deadline = Instant::now() + PATIENCE;
    while rx
        .received()
        .iter()
        .filter(|r| r["status"] == "hung")
        .count()
        < 3
    {
        assert!(
            Instant::now() < deadline,
            "the worker did not post: {:?}",
            rx.received()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let crashed = tokio::task::spawn_blocking(move || worker.crash())
        .await
        .unwrap();
    assert!(!crashed.ok());
    assert!(
        deliveries(db, hook)
            .await
            .iter()
            .all(|d| d["state"] == "claimed")
    );
    // Another worker, once the lease has run out, posts them again.
    worker_once(db, &plus_minutes(SET_UP, 2), &["--webhooks-allow-private"]).await;
    let log = until_delivered(db, hook, 3).await;
    assert!(log.iter().all(|d| d["state"] == "sent"), "{log:#?}");
    let received = rx.received();
    for d in &log {
        let id = format!("msg_{}", d["id"]);
        let statuses: Vec<&Value> = received
            .iter()
            .filter(|r| r["id"] == id)
            .map(|r| &r["status"])
            .collect();
        assert_eq!(statuses, [&Value::from("hung"), &Value::from(204)], "{id}");
    }
    assert!(received.iter().all(|r| r["verified"] == true));
}

async fn two_workers_never_deliver_one_twice(db: &TestDb) {
    let Some(rx) = Receiver::start() else { return };
    let (hook, secret) = subscribe(
        db,
        &[
            "--all-cohorts",
            "--events",
            "project.started",
            "--webhooks-allow-private",
            &rx.url("/slow"),
        ],
    )
    .await;
    rx.trust(&secret);
    institute(db, 30, 0).await;
    let args = [
        "worker",
        "--smtp",
        "log:",
        "--batch",
        "4",
        "--webhooks-allow-private",
    ];
    let workers = vec![
        Process::start(db, SET_UP, &args),
        Process::start(db, SET_UP, &args),
    ];
    let log = until_delivered(db, hook, 30).await;
    stop_workers(workers).await;
    assert!(
        log.iter()
            .all(|d| d["state"] == "sent" && d["attempts"] == 1),
        "{log:#?}"
    );
    let received = rx.received();
    assert_eq!(received.len(), 30, "{received:#?}");
    let ids = delivered_ids(&received);
    assert_eq!(ids.len(), 30);
    assert!(ids.values().all(|n| *n == 1), "{ids:?}");
}

async fn coordinators_subscribe_their_own_cohort_only(db: &TestDb) {
    institute(db, 1, 0).await;
    let engine = db.engine().await;
    let cohort = engine.cohort(COHORT).await.unwrap().id;
    let viewer = |email: &'static str| {
        let engine = &engine;
        async move {
            Viewer {
                person: engine.person(email).await.unwrap(),
                language: None,
            }
        }
    };
    let coordinator = viewer(COORDINATOR).await;
    let trainee = viewer("trainee1@health.test").await;
    let events = vec!["project.started".to_owned()];
    let asked = Subscription {
        url: "https://hooks.example.com/gradflow",
        events: &events,
        allow_private: false,
    };
    let now = SET_UP.parse().unwrap();
    let new = engine
        .subscribe_as(&coordinator, cohort, asked, now)
        .await
        .unwrap();
    assert!(new.secret.starts_with("whsec_") && new.secret.len() > 40);
    assert!(
        !format!("{new:?}").contains(&new.secret),
        "Debug never shows the secret"
    );
    assert_eq!(new.webhook.cohort, Some(cohort));
    // Anyone else: no such cohort, subscription or delivery.
    let refused = engine
        .subscribe_as(&trainee, cohort, asked, now)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), gradflow_engine::service::Kind::NotFound);
    let hidden = engine
        .webhook_as(&trainee, new.webhook.id)
        .await
        .unwrap_err();
    assert_eq!(hidden.reason().code, "unknown-webhook");
    assert!(
        engine
            .remove_webhook_as(&trainee, new.webhook.id)
            .await
            .is_err()
    );
    // An operator's subscription to every cohort is not the coordinator's.
    let all = engine.subscribe(None, asked, now).await.unwrap();
    assert!(
        engine
            .webhook_as(&coordinator, all.webhook.id)
            .await
            .is_err()
    );
    let listed = engine.webhooks_as(&coordinator, cohort).await.unwrap();
    assert_eq!(
        listed.iter().map(|w| w.id).collect::<Vec<_>>(),
        vec![new.webhook.id]
    );
    // The listing never carries a secret.
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains("whsec_"), "{text}");
    // The coordinator reads the log and removes their subscription.
    engine
        .start_project(
            COHORT,
            "Another improvement",
            &[
                ("trainee1@health.test".to_owned(), "trainee".to_owned()),
                (
                    "supervisor1@health.test".to_owned(),
                    "supervisor".to_owned(),
                ),
            ],
            now,
        )
        .await
        .unwrap();
    let log = engine
        .webhook_deliveries_as(&coordinator, new.webhook.id, None, 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(
        engine
            .webhook_delivery_as(&trainee, log[0].id)
            .await
            .is_err()
    );
    engine
        .remove_webhook_as(&coordinator, new.webhook.id)
        .await
        .unwrap();
    assert!(engine.webhook(new.webhook.id).await.is_err());
    // Too many subscriptions of one cohort are refused.
    for _ in 0..gradflow_engine::service::webhooks::MAX_PER_COHORT {
        engine
            .subscribe_as(&coordinator, cohort, asked, now)
            .await
            .unwrap();
    }
    let full = engine
        .subscribe_as(&coordinator, cohort, asked, now)
        .await
        .unwrap_err();
    assert_eq!(full.reason().code, "webhook-too-many");
    engine.close().await;
}

async fn coordinators_use_the_api_for_their_cohort_only(db: &TestDb) {
    use gradflow_engine::service::Scope;
    use reqwest::StatusCode;
    institute(db, 1, 0).await;
    let engine = db.engine().await;
    let cohort = engine.cohort(COHORT).await.unwrap().id;
    let now = jiff::Timestamp::now();
    let token = |email: &'static str, scope: Scope| {
        let engine = &engine;
        async move {
            engine
                .create_token(email, "hooks", scope, None, now)
                .await
                .unwrap()
                .token
        }
    };
    let coordinator = token(COORDINATOR, Scope::ReadWrite).await;
    let reader = token(COORDINATOR, Scope::Read).await;
    let trainee = token("trainee1@health.test", Scope::ReadWrite).await;
    let served = support::Served::start(db).await;
    let client = reqwest::Client::new();
    let hooks = format!("{}/api/v1/cohorts/{cohort}/webhooks", served.base);
    let post = |token: &str, body: Value| {
        client
            .post(&hooks)
            .bearer_auth(token)
            .header("accept-language", "ar")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let asked = serde_json::json!({"url": "https://hooks.example.com/gradflow", "events": ["project.started"]});
    // The coordinator subscribes; the secret is in the answer, only there.
    let created = post(&coordinator, asked.clone()).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created = json_of(created).await;
    assert!(
        created["secret"].as_str().unwrap().starts_with("whsec_"),
        "{created}"
    );
    let hook = created["id"].as_i64().unwrap();
    // Refusals: each a problem, nothing written (each token used once
    // first: its first use is recorded on it).
    for token in [&reader, &trainee] {
        let me = client
            .get(format!("{}/api/v1/me", served.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
    let before = support::snapshot(db).await;
    for (token, body, status, code) in [
        (
            &coordinator,
            serde_json::json!({"url": "https://10.0.0.1/x", "events": ["project.started"]}),
            422,
            "webhook-url-private",
        ),
        (
            &coordinator,
            serde_json::json!({"url": "http://hooks.example.com/", "events": ["project.started"]}),
            422,
            "webhook-url-https",
        ),
        (
            &coordinator,
            serde_json::json!({"url": "https://hooks.example.com/", "events": ["project.gone"]}),
            422,
            "webhook-event-unknown",
        ),
        (
            &coordinator,
            serde_json::json!({"url": "https://hooks.example.com/", "events": [], "secret": "mine"}),
            422,
            "api-unknown-field",
        ),
        (&reader, asked.clone(), 403, "token-read-only"),
        (&trainee, asked.clone(), 404, "unknown-cohort"),
    ] {
        let answer = post(token, body.clone()).await.unwrap();
        assert_eq!(answer.status().as_u16(), status, "{body}");
        assert_eq!(
            answer.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
        let problem = json_of(answer).await;
        if code != "unknown-cohort" {
            assert_eq!(problem["code"], code, "{problem}");
        }
        if status == 422 && code.starts_with("webhook") {
            // In the caller's language.
            assert!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06ff}').contains(&c)),
                "{problem}"
            );
        }
    }
    assert_eq!(
        support::snapshot(db).await.changes_since(&before),
        Vec::<String>::new()
    );
    // The list, never with a secret; the trainee sees nothing.
    let get = |url: String, token: &str| client.get(url).bearer_auth(token).send();
    let listed = json_of(get(hooks.clone(), &reader).await.unwrap()).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert!(!listed.to_string().contains("whsec_"));
    let one = format!("{}/api/v1/webhooks/{hook}", served.base);
    assert_eq!(
        get(one.clone(), &trainee).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(hooks.clone(), &trainee).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // A project starts: its delivery is in the log, a page at a time.
    for title in ["One more improvement", "Yet another improvement"] {
        engine
            .start_project(
                COHORT,
                title,
                &[
                    ("trainee1@health.test".to_owned(), "trainee".to_owned()),
                    (
                        "supervisor1@health.test".to_owned(),
                        "supervisor".to_owned(),
                    ),
                ],
                SET_UP.parse().unwrap(),
            )
            .await
            .unwrap();
    }
    let log = format!("{one}/deliveries?limit=1");
    let page = json_of(get(log.clone(), &reader).await.unwrap()).await;
    let [newest] = &page["items"].as_array().unwrap()[..] else {
        panic!("{page}")
    };
    assert_eq!(newest["payload"]["type"], "project.started");
    assert_eq!(newest["payload"]["data"]["cohort"], cohort);
    let next = page["next"].as_str().unwrap();
    let rest = json_of(get(format!("{log}&cursor={next}"), &reader).await.unwrap()).await;
    let [older] = &rest["items"].as_array().unwrap()[..] else {
        panic!("{rest}")
    };
    assert!(older["id"].as_i64() < newest["id"].as_i64());
    assert!(rest["next"].is_null());
    // A waiting delivery cannot be resent; the trainee cannot even see it.
    let resend = |token: &str| {
        client
            .post(format!(
                "{}/api/v1/webhook-deliveries/{}/resend",
                served.base, newest["id"]
            ))
            .bearer_auth(token)
            .send()
    };
    let waiting = resend(&coordinator).await.unwrap();
    assert_eq!(waiting.status(), StatusCode::CONFLICT);
    let waiting = json_of(waiting).await;
    assert_eq!(waiting["code"], "webhook-delivery-not-resendable");
    assert_eq!(
        resend(&trainee).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Removed by the coordinator, gone.
    let gone = client
        .delete(&one)
        .bearer_auth(&trainee)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let gone = client
        .delete(&one)
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(one, &coordinator).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    engine.close().await;
    served.stop().await;
}

/// A response's body as JSON.
async fn json_of(response: reqwest::Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Thirty subscriptions of one cohort at once, from separate connections:
/// exactly the limit is written, the rest refused (`webhook-too-many`).
async fn racing_subscriptions_never_pass_the_limit(db: &TestDb) {
    institute(db, 0, 0).await;
    let limit = gradflow_engine::service::webhooks::MAX_PER_COHORT as usize;
    let mut racing = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let engine = db.engine().await;
        racing.spawn(async move {
            let events = vec!["project.started".to_owned()];
            let cohort = engine.cohort(COHORT).await.unwrap().id;
            let coordinator = Viewer {
                person: engine.person(COORDINATOR).await.unwrap(),
                language: None,
            };
            let asked = Subscription {
                url: "https://hooks.example.com/race",
                events: &events,
                allow_private: false,
            };
            let result = engine
                .subscribe_as(&coordinator, cohort, asked, SET_UP.parse().unwrap())
                .await
                .map(|_| ())
                .map_err(|e| e.reason().code);
            engine.close().await;
            result
        });
    }
    let results = racing.join_all().await;
    let written = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(written, limit, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err("webhook-too-many" | "busy"))),
        "{results:?}"
    );
    let rows = support::raw_number(db, "SELECT COUNT(*) FROM webhooks").await;
    assert_eq!(rows as usize, limit);
}
