//! `/metrics` and the JSON logs (issue 17, part 5), end to end: the real
//! server answers pages, a 404, a refused and an accepted command, the real
//! worker fires timers and sends mail into the SMTP sink, and each scrape
//! is read by the Prometheus project's own Python parser
//! (`metrics_parse.py`, prometheus_client): the families and their types,
//! every count moved by exactly what was done, each queue's figure the
//! database's own, no path or secret among the label values. Then the real
//! binary with `--metrics-bind` (metrics on that address only) and
//! `GRADFLOW_LOG=json` (one JSON object per line, with the request id, and
//! no secret of an address).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::support::{self, TestDb, on_both, raw_number};
use crate::web::Site;

on_both!(
    metrics_count_what_was_done,
    twenty_racing_commands_are_counted_once_each
);

/// A sample as the parser gives it.
#[derive(Debug, Clone, Deserialize)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// A family as the parser gives it.
#[derive(Debug, Clone, Deserialize)]
struct Family {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    help: String,
    samples: Vec<Sample>,
}

/// A child process ended when dropped, so a failed assertion leaves no
/// server or worker running.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One scrape, parsed.
#[derive(Debug, Clone, Deserialize)]
struct Scrape {
    families: Vec<Family>,
}

impl Scrape {
    /// The family named `name` (as the parser names it: a counter without
    /// its `_total`).
    fn family(&self, name: &str) -> &Family {
        self.families
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no family {name} in {:#?}", self.names()))
    }

    fn names(&self) -> Vec<(String, String)> {
        self.families
            .iter()
            .map(|f| (f.name.clone(), f.kind.clone()))
            .collect()
    }

    /// The value of sample `name` with exactly `labels`, 0 when absent.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.families
            .iter()
            .flat_map(|f| &f.samples)
            .filter(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
            .sum()
    }

    /// Every label value of every sample.
    fn label_values(&self) -> Vec<String> {
        self.families
            .iter()
            .flat_map(|f| &f.samples)
            .flat_map(|s| s.labels.values().cloned())
            .collect()
    }
}

/// Parses `text` with prometheus_client (`format`: prometheus or
/// openmetrics); `None` when the parser is not installed (a note was said).
fn parse(text: &str, format: &str) -> Option<Scrape> {
    let mut python = support::python("prometheus_client")?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/metrics_parse.py");
    let mut child = python
        .arg(script)
        .arg(format)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the {format} exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the script writes JSON"))
}

/// `GET {base}/metrics` with `accept`: its status, Content-Type and body.
async fn fetch(base: &str, accept: Option<&str>) -> (u16, String, String) {
    let client = reqwest::Client::new();
    let mut request = client.get(format!("{base}/metrics"));
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// A scrape of `base` in the Prometheus text format, parsed.
async fn scrape(base: &str) -> Option<Scrape> {
    let (status, content_type, body) = fetch(base, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    parse(&body, "prometheus")
}

/// Every queue's figure in `scrape` is the database's count of its rows.
async fn queues_agree_with_the_database(db: &TestDb, scrape: &Scrape, when: &str) {
    let now = jiff::Timestamp::now().as_microsecond();
    let pending_due = format!(
        "state = 'pending' AND due_at <= {now} AND (retry_at IS NULL OR retry_at <= {now})"
    );
    let checks: Vec<(&str, &str, String)> = vec![
        (
            "timers",
            "due",
            format!("SELECT COUNT(*) FROM timers WHERE {pending_due}"),
        ),
        (
            "timers",
            "pending",
            format!("SELECT COUNT(*) FROM timers WHERE state = 'pending' AND NOT ({pending_due})"),
        ),
        (
            "timers",
            "claimed",
            "SELECT COUNT(*) FROM timers WHERE state = 'claimed'".into(),
        ),
        (
            "timers",
            "done",
            "SELECT COUNT(*) FROM timers WHERE state = 'done'".into(),
        ),
        (
            "timers",
            "failed",
            "SELECT COUNT(*) FROM timers WHERE state = 'failed'".into(),
        ),
        (
            "outbox",
            "pending",
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'".into(),
        ),
        (
            "outbox",
            "sent",
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent'".into(),
        ),
        (
            "outbox",
            "dead",
            "SELECT COUNT(*) FROM outbox WHERE state = 'dead'".into(),
        ),
        (
            "account_mail",
            "pending",
            "SELECT COUNT(*) FROM account_mail WHERE state = 'pending'".into(),
        ),
        (
            "offers",
            "offered",
            "SELECT COUNT(*) FROM applications WHERE state = 'offered' AND offer_attempts = 0"
                .into(),
        ),
        (
            "webhook_deliveries",
            "pending",
            "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'".into(),
        ),
    ];
    for (queue, state, sql) in checks {
        let expected = raw_number(db, &sql).await;
        assert_eq!(
            scrape.value(
                "gradflow_queue_items",
                &[("queue", queue), ("state", state)]
            ),
            expected as f64,
            "{when}: {queue} {state} is the database's count ({sql})"
        );
    }
}

/// The families every scrape has, with their types and help.
fn families_are_there(scrape: &Scrape) {
    for (name, kind) in [
        ("gradflow_http_requests", "counter"),
        ("gradflow_http_request_duration_seconds", "histogram"),
        ("gradflow_commands", "counter"),
        ("gradflow_queue_items", "gauge"),
        ("gradflow_database_up", "gauge"),
    ] {
        let family = scrape.family(name);
        assert_eq!(family.kind, kind, "{name}");
        assert!(!family.help.is_empty(), "{name} has its help");
    }
    assert_eq!(scrape.value("gradflow_database_up", &[]), 1.0);
    // Every state of every queue is there from the first scrape.
    for (queue, states) in gradflow_engine::service::QUEUES {
        for state in *states {
            assert!(
                scrape
                    .family("gradflow_queue_items")
                    .samples
                    .iter()
                    .any(
                        |s| s.labels.get("queue").map(String::as_str) == Some(*queue)
                            && s.labels.get("state").map(String::as_str) == Some(*state)
                    ),
                "{queue} {state}"
            );
        }
    }
}

/// Label values are route templates, methods, statuses, queues, states,
/// sources and outcomes: never a path someone asked for (none holds any of
/// `asked`).
fn no_path_among_labels(scrape: &Scrape, asked: &[&str]) {
    for value in scrape.label_values() {
        for path in asked {
            assert!(
                !value.contains(path),
                "a label value from a request's path ({path}): {value}"
            );
        }
    }
}

async fn metrics_count_what_was_done(db: &TestDb) {
    let site = Site::new(db).await;
    // A family has samples once something was counted in it.
    assert_eq!(site.browser().get("/signin").await.status, 200);
    let Some(before) = scrape(&site.base).await else {
        return;
    };
    families_are_there(&before);
    queues_agree_with_the_database(db, &before, "at the start").await;

    // Pages, a 404 (its path holding a would-be secret), a refused command
    // and an accepted one.
    let p = site.projects[0];
    let path = format!("/projects/{p}");
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&path).await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();
    let version = page.version();
    assert_eq!(trainee.get(&path).await.status, 200);
    let mut anonymous = site.browser();
    let missing = anonymous
        .get("/calendar/no-such/secret-0123456789abcdef.ics")
        .await;
    assert_eq!(missing.status, 404);
    let verify = anonymous.get("/verify/SECRET-CODE-1234").await;
    let refused = trainee
        .post(
            &format!("{path}/act"),
            &[("csrf", &csrf), ("action", "endorse")],
        )
        .await;
    // Not possible at this stage: the core refuses it (400).
    assert_eq!(refused.status, 400, "status {}", refused.status);
    assert!(refused.body.contains("id=\"refused\""), "{}", refused.body);
    let done = trainee
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &csrf),
                ("action", "submit"),
                ("version", &version),
                ("f.service", "Renewals"),
                ("f.problem", "Clients queue for 90 minutes"),
                ("f.improvement", "Online pre-check"),
                ("f.indicator", "waiting_time"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let after = scrape(&site.base).await.unwrap();
    let requests = "gradflow_http_requests_total";
    let moved =
        |labels: &[(&str, &str)]| after.value(requests, labels) - before.value(requests, labels);
    assert_eq!(
        moved(&[
            ("method", "GET"),
            ("route", "/projects/{id}"),
            ("status", "200")
        ]),
        2.0
    );
    assert_eq!(
        moved(&[("method", "GET"), ("route", "unmatched"), ("status", "404")]),
        1.0
    );
    let verify_status = verify.status.as_u16().to_string();
    assert_eq!(
        moved(&[
            ("method", "GET"),
            ("route", "/verify/{code}"),
            ("status", &verify_status)
        ]),
        1.0
    );
    assert_eq!(
        moved(&[
            ("method", "POST"),
            ("route", "/projects/{id}/act"),
            ("status", "400")
        ]),
        1.0
    );
    assert_eq!(
        moved(&[
            ("method", "POST"),
            ("route", "/projects/{id}/act"),
            ("status", "303")
        ]),
        1.0
    );
    // The first scrape is counted by the second.
    assert_eq!(
        moved(&[("method", "GET"), ("route", "/metrics"), ("status", "200")]),
        1.0
    );
    let latency = "gradflow_http_request_duration_seconds_count";
    assert_eq!(
        after.value(latency, &[("route", "/projects/{id}")])
            - before.value(latency, &[("route", "/projects/{id}")]),
        2.0
    );
    assert_eq!(
        after.value(
            "gradflow_http_request_duration_seconds_bucket",
            &[("route", "/projects/{id}"), ("le", "+Inf")]
        ),
        after.value(latency, &[("route", "/projects/{id}")]),
        "the +Inf bucket holds every request"
    );
    let commands = "gradflow_commands_total";
    let command = |s: &Scrape, outcome: &str| {
        s.value(commands, &[("source", "person"), ("outcome", outcome)])
    };
    assert_eq!(
        command(&after, "refused") - command(&before, "refused"),
        1.0
    );
    assert_eq!(command(&after, "done") - command(&before, "done"), 1.0);
    assert_eq!(
        command(&after, "conflict") - command(&before, "conflict"),
        0.0
    );
    no_path_among_labels(
        &after,
        &["secret-", "SECRET", "no-such", &format!("/projects/{p}")],
    );
    queues_agree_with_the_database(db, &after, "after the commands").await;

    // The worker (another process) fires the deadlines passed and sends
    // the mail that is due: the server's scrape reads it from the database.
    let sink = crate::smtp_sink::Sink::start(&[]).await;
    let pending_before =
        raw_number(db, "SELECT COUNT(*) FROM timers WHERE state = 'pending'").await;
    assert!(pending_before > 0, "the projects have timers");
    let round = crate::worker::worker_once(db, "2026-12-31T08:00:00Z", &sink.url(), 500).await;
    let fired = round["timers"]["claimed"].as_i64().unwrap();
    assert!(fired > 0, "the worker fired timers: {round}");
    let sent = round["mail"]["sent"].as_i64().unwrap();
    let worked = scrape(&site.base).await.unwrap();
    let queue = |s: &Scrape, queue: &str, state: &str| {
        s.value(
            "gradflow_queue_items",
            &[("queue", queue), ("state", state)],
        )
    };
    assert_eq!(
        queue(&worked, "timers", "done") + queue(&worked, "timers", "failed")
            - queue(&after, "timers", "done")
            - queue(&after, "timers", "failed"),
        fired as f64,
        "every timer the worker claimed is done (or failed): {round}"
    );
    assert_eq!(
        queue(&worked, "outbox", "sent") - queue(&after, "outbox", "sent"),
        sent as f64,
        "{round}"
    );
    assert_eq!(
        sink.received().len() as i64,
        sent,
        "the sink received what was counted sent"
    );
    queues_agree_with_the_database(db, &worked, "after the worker").await;
    // The worker's commands are its own process's: this server ran none.
    assert_eq!(
        worked.value(commands, &[("source", "timer"), ("outcome", "done")]),
        0.0
    );

    // OpenMetrics when asked, read by its stricter parser.
    let (status, content_type, body) = fetch(
        &site.base,
        Some("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    let open = parse(&body, "openmetrics").unwrap();
    assert_eq!(open.family("gradflow_commands").kind, "counter");
    assert_eq!(open.family("gradflow_queue_items").kind, "gauge");
    site.stop().await;
}

/// The real binary: `serve --metrics-bind` serves /metrics there and not
/// on --bind; `GRADFLOW_LOG=json` writes one JSON object per line, each
/// request's with its id and route template, never the secret of an address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_bind_and_json_logs() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut server = Killed(
        Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(["--db", &db.url, "serve", "--bind", "127.0.0.1:0"])
            .args(["--metrics-bind", "127.0.0.1:0", "--files"])
            .arg(files.path())
            .env_remove("GRADFLOW_DATABASE_URL")
            .env_remove("GRADFLOW_CONFIG")
            .env("GRADFLOW_LOG", "json")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(server.0.stdout.take().unwrap());
    let mut address = None;
    let mut metrics = None;
    let mut line = String::new();
    while address.is_none() || metrics.is_none() {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "serve ended early");
        let after = |marker: &str| {
            line.split(marker)
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .map(|a| a.trim_end_matches("/metrics").to_owned())
        };
        if let Some(a) = after("serving http://") {
            address = Some(a);
        }
        if let Some(m) = after("metrics on http://") {
            metrics = Some(m);
        }
    }
    let (address, metrics) = (address.unwrap(), metrics.unwrap());
    let drain = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        rest
    });
    let main = format!("http://{address}");
    let (status, _, _) = fetch(&main, None).await;
    assert_eq!(status, 404, "no /metrics on the public address");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signin = client.get(format!("{main}/signin")).send().await.unwrap();
    assert_eq!(signin.status(), 200);
    let id = signin.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // A calendar feed's address (its own route once feeds are served) and
    // an address no route takes, each holding a would-be secret.
    for path in [
        "/calendar/secret-0123456789abcdef.ics?token=SECRET",
        "/no-such/secret-0123456789abcdef",
    ] {
        let answer = client.get(format!("{main}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
    }
    let code = client
        .get(format!("{main}/verify/SECRET-CODE-1234"))
        .send()
        .await
        .unwrap();
    let code_status = code.status().as_u16().to_string();
    let (status, content_type, body) = fetch(&format!("http://{metrics}"), None).await;
    assert_eq!(status, 200, "{body}");
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    let other = client
        .get(format!("http://{metrics}/signin"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404, "only /metrics on the metrics address");
    if let Some(scrape) = parse(&body, "prometheus") {
        let requests = "gradflow_http_requests_total";
        assert_eq!(
            scrape.value(
                requests,
                &[("method", "GET"), ("route", "/signin"), ("status", "200")]
            ),
            1.0
        );
        let all: f64 = scrape
            .family("gradflow_http_requests")
            .samples
            .iter()
            .map(|s| s.value)
            .sum();
        assert_eq!(
            all, 5.0,
            "every request to the public address, and only those"
        );
        assert!(
            scrape.value(
                requests,
                &[("method", "GET"), ("route", "unmatched"), ("status", "404")]
            ) >= 2.0,
            "the public address's /metrics and the address no route takes"
        );
        assert_eq!(
            scrape.value(
                requests,
                &[
                    ("method", "GET"),
                    ("route", "/verify/{code}"),
                    ("status", &code_status)
                ]
            ),
            1.0
        );
        no_path_among_labels(&scrape, &["secret-", "SECRET", "no-such"]);
    }

    let stopped = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(server.0.wait().unwrap().success());
    let mut logs = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let stdout = drain.join().unwrap();
    assert!(stdout.contains("stopped"), "{stdout}");
    assert!(
        !logs.contains("SECRET") && !logs.contains("secret-"),
        "{logs}"
    );
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object: {l}: {e}"))
        })
        .collect();
    for line in &lines {
        for key in ["timestamp", "level", "target", "message"] {
            assert!(line.get(key).is_some(), "{key} in {line}");
        }
    }
    let answered = lines
        .iter()
        .find(|l| l["span"]["id"] == id.as_str())
        .unwrap_or_else(|| panic!("a line of request {id} in {logs}"));
    assert_eq!(answered["span"]["method"], "GET");
    assert_eq!(answered["span"]["path"], "/signin");
    assert_eq!(answered["span"]["client"], "127.0.0.1");
    assert_eq!(
        answered["status"].to_string().trim_matches('"'),
        "200",
        "{answered}"
    );
    assert!(
        lines.iter().any(|l| l["span"]["path"] == "unmatched"),
        "an address no route takes is logged as unmatched: {logs}"
    );
}

/// `worker --metrics-bind`: the worker's own /metrics counts the timers it
/// fired as commands of source `timer`, exactly as many as its rounds say
/// they changed projects, beside every queue's items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_serves_its_own_metrics() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    let cohort = support::Cohort::set_up(&engine, "graduation-service").await;
    for title in ["One", "Two"] {
        cohort.start(&engine, title).await;
    }
    engine.close().await;
    let mut worker = Killed(
        Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(["--db", &db.url, "--now", "2026-12-31T08:00:00Z", "worker"])
            .args(["--smtp", "log:", "--metrics-bind", "127.0.0.1:0"])
            .env_remove("GRADFLOW_DATABASE_URL")
            .env_remove("GRADFLOW_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (lines, said) = std::sync::mpsc::channel::<String>();
    let out = BufReader::new(worker.0.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    let mut metrics = None;
    let patience = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let scrape = loop {
        assert!(
            std::time::Instant::now() < patience,
            "the worker did not settle: {seen:#?}"
        );
        seen.extend(said.try_iter());
        if metrics.is_none() {
            metrics = seen.iter().find_map(|l| {
                l.split("metrics on http://")
                    .nth(1)
                    .map(|a| a.trim_end_matches("/metrics").to_owned())
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let Some(address) = &metrics else { continue };
        // The projects its rounds changed, as it says after each round.
        let changed: f64 = seen
            .iter()
            .filter_map(|l| l.split(" project(s) changed").next()?.rsplit(", ").next())
            .filter_map(|n| n.parse::<f64>().ok())
            .sum();
        let (status, _, body) = fetch(&format!("http://{address}"), None).await;
        assert_eq!(status, 200, "{body}");
        let Some(scrape) = parse(&body, "prometheus") else {
            return;
        };
        let queue = |state: &str| {
            scrape.value(
                "gradflow_queue_items",
                &[("queue", "timers"), ("state", state)],
            )
        };
        let fired = scrape.value(
            "gradflow_commands_total",
            &[("source", "timer"), ("outcome", "done")],
        );
        if queue("due") == 0.0 && queue("claimed") == 0.0 && changed > 0.0 && fired == changed {
            break scrape;
        }
    };
    assert!(queue_done(&scrape) > 0.0);
    assert_eq!(
        scrape.value(
            "gradflow_commands_total",
            &[("source", "person"), ("outcome", "done")]
        ),
        0.0,
        "a worker runs no person's command"
    );
    assert!(
        scrape
            .families
            .iter()
            .all(|f| !f.name.starts_with("gradflow_http")),
        "a worker answers no pages"
    );
    let stopped = Command::new("kill")
        .args(["-TERM", &worker.0.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(worker.0.wait().unwrap().success());
}

fn queue_done(scrape: &Scrape) -> f64 {
    scrape.value(
        "gradflow_queue_items",
        &[("queue", "timers"), ("state", "done")],
    )
}

/// Twenty commands on one project at once, each naming the version it saw:
/// one is done, nineteen lost the race, and the counts say exactly that;
/// a batch (`act_many`) and a project that does not exist are counted too.
async fn twenty_racing_commands_are_counted_once_each(db: &TestDb) {
    use gradflow_engine::service::Request;
    let engine = std::sync::Arc::new(db.engine().await);
    let cohort = support::Cohort::set_up(&engine, "graduation-service").await;
    let project = cohort.start(&engine, "Raced").await;
    let other = cohort.start(&engine, "Batched").await;
    let version = engine.view(project).await.unwrap().record.state.version;
    let count = |outcome: &str| {
        engine
            .command_counts()
            .into_iter()
            .find(|c| c.source == "person" && c.outcome == outcome)
            .unwrap()
            .count
    };
    let submit = |expected: Option<u64>| Request {
        action: "submit".into(),
        fields: support::sample(&cohort.workflow.forms["proposal"]),
        expected_version: expected,
        ..Request::default()
    };
    let trainee = support::holder("trainee", 1);
    let mut racers = Vec::new();
    for _ in 0..20 {
        let (engine, request, trainee) = (engine.clone(), submit(Some(version)), trainee.clone());
        racers.push(tokio::spawn(async move {
            engine
                .act(project, &trainee, request, support::day(2))
                .await
                .is_ok()
        }));
    }
    let mut won = 0;
    for racer in racers {
        won += u64::from(racer.await.unwrap());
    }
    assert_eq!(won, 1, "one command wins the race");
    assert_eq!(count("done"), 1);
    assert_eq!(count("conflict"), 19, "{:?}", engine.command_counts());

    // A batch: one done, one refused (the same action again: the project
    // moved on), one on a project that does not exist.
    let results = engine
        .act_many(
            vec![
                (other, trainee.clone(), submit(None)),
                (project, trainee.clone(), submit(None)),
                (999_999, trainee.clone(), submit(None)),
            ],
            support::day(2),
        )
        .await
        .unwrap();
    assert!(results[0].is_ok(), "{results:?}");
    assert_eq!(count("done"), 2);
    assert_eq!(count("refused"), 1, "{results:?}");
    assert_eq!(count("not_found"), 1, "{results:?}");
    assert_eq!(count("conflict"), 19);
    assert_eq!(count("error"), 0);
}
