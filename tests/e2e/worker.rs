//! `gradflow worker` as an operator runs it: real worker processes deliver
//! to a real SMTP server on 127.0.0.1 in the test process ([`smtp_sink`]),
//! and the clock moves with `GRADFLOW_NOW`. The tests assert what people
//! would notice: which mails arrive, to whom, saying what and how often;
//! what `outbox list` shows; and, after a refused mailbox, an outage, a
//! `kill -9` or three workers at once, that no timer fired twice and no
//! message was lost or sent twice.
//!
//! The institute is set up through the engine in the test process (fast,
//! even for hundreds of projects) after the workflow is published with the
//! binary; everything the tests then check goes through `gradflow`.
//!
//! One calendar for every test: a cohort in Muscat (UTC+4) whose proposals
//! are due on Sunday 15 February 2026 (23:59 local), set up on 1 February,
//! when some trainees submit their proposal (their supervisor is told, and
//! has five working days to endorse it) and the others do not.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gradflow_engine::calendar::MailHours;
use gradflow_engine::decide::Fields;
use gradflow_engine::service::{NewCohort, Request};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::smtp_sink::{Received, Sink};
use crate::support::{self, TestDb, on_both};

on_both!(
    reminders_escalations_and_notifications_arrive_by_smtp,
    a_refused_recipient_is_dead_until_staff_send_it_again,
    mail_waits_out_a_server_outage_and_arrives_once,
    stale_reminders_collapse_even_when_claimed_in_separate_batches,
    a_killed_worker_loses_nothing_and_fires_nothing_twice,
    a_gathered_escalation_cut_short_by_a_crash_keeps_its_message_id,
    three_workers_fire_every_timer_and_send_every_message_once,
    an_escalation_is_not_thrown_away_while_its_deadline_waits_to_fire,
    a_worker_asked_to_stop_mid_round_finishes_the_round_first,
    mail_is_written_in_each_recipients_language,
    two_workers_on_a_slow_server_send_each_message_once_though_leases_are_short,
    claims_of_workers_that_died_are_not_attempts,
    a_database_error_while_preparing_a_message_is_retried_not_dead,
    a_message_nesting_loops_over_the_late_projects_is_dead_at_the_size_cap,
    message_ids_differ_between_installations,
    one_escalation_and_one_digest_per_person_whatever_the_batch,
    a_dead_message_shows_no_next_attempt,
);

/// Set-up: before every deadline and reminder.
pub(crate) const SET_UP: &str = "2026-02-01T05:00:00Z";
/// Saturday 14 February, 10:00 in Muscat: both proposal reminders are due
/// (7 days and 1 day before; they collapse into the later one), and the
/// endorsement deadline of the proposals submitted on 1 February has passed.
pub(crate) const REMINDERS: &str = "2026-02-14T06:00:00Z";
/// Monday 16 February, 10:00 in Muscat: the proposal deadline has passed and
/// the weekly escalation to the coordinator (Mondays 09:00) is due.
const OVERDUE: &str = "2026-02-16T06:00:00Z";
/// A week later: the escalation's next occurrence.
const NEXT_WEEK: &str = "2026-02-23T06:00:00Z";

/// The proposal deadline as the cohort's people read it.
const PROPOSAL_DUE: &str = "2026-02-15 23:59 +04";

/// Who the worker sends as (`--from`), and its two parts.
pub(crate) const FROM: &str = "Institute of Public Service <noreply@institute.test>";
const FROM_NAME: &str = "Institute of Public Service";
const FROM_ADDRESS: &str = "noreply@institute.test";
/// The right-hand side of every Message-ID: the From address's domain.
const DOMAIN: &str = "institute.test";

const COHORT: &str = "Service 2026 A";
const COORDINATOR: &str = "huda@institute.test";
const COORDINATOR_NAME: &str = "Huda Al-Balushi";

/// Supervisors share the projects between them.
const SUPERVISORS: usize = 5;
/// At most this many trainees; beyond, a trainee carries several projects
/// (registering a thousand people would only slow the set-up).
const TRAINEES: usize = 50;

/// How long one command may run before it is killed and reported as hung.
const PATIENCE: Duration = Duration::from_secs(90);

/// `at` moved by `minutes`.
pub(crate) fn plus_minutes(at: &str, minutes: i64) -> String {
    plus_seconds(at, minutes * 60)
}

/// `at` moved by `seconds`.
fn plus_seconds(at: &str, seconds: i64) -> String {
    let at: Timestamp = at.parse().unwrap();
    at.checked_add(SignedDuration::from_secs(seconds))
        .unwrap()
        .to_string()
}

// --------------------------------------------------------------------------
// The institute
// --------------------------------------------------------------------------

/// A project and the people on it.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) id: i64,
    title: String,
    trainee: String,
    supervisor: String,
    /// Its proposal was submitted at set-up: it waits in endorsement.
    pub(crate) submitted: bool,
}

fn trainee(n: usize) -> String {
    format!("trainee{n}@health.test")
}

fn supervisor(n: usize) -> String {
    format!("supervisor{n}@health.test")
}

/// The name a person was registered with (what a mail's To and greeting say).
fn name_of(email: &str) -> String {
    if email == COORDINATOR {
        return COORDINATOR_NAME.to_owned();
    }
    if email == trainee(1) {
        // One name in Arabic: headers and text must carry it intact.
        return "أمل الحارثي".to_owned();
    }
    let (local, _) = email.split_once('@').unwrap();
    let digits = local.trim_start_matches(char::is_alphabetic);
    let role = &local[..local.len() - digits.len()];
    let mut role = role.to_owned();
    role[..1].make_ascii_uppercase();
    format!("{role} {digits}")
}

fn title(i: usize) -> String {
    format!("Service improvement {i:04}")
}

/// Answers to the proposal form.
fn proposal() -> Fields {
    let mut fields = Fields::new();
    fields.insert("service".into(), json!("Health card renewal"));
    fields.insert("problem".into(), json!("Long queues"));
    fields.insert("improvement".into(), json!("Online pre-check"));
    fields.insert("indicator".into(), json!("waiting_time"));
    fields
}

/// Publishes the bundled graduation-service workflow (with the binary, which
/// reads its templates), registers a coordinator, supervisors and trainees,
/// creates the cohort and starts `waiting + submitted` projects in it; the
/// last `submitted` of them have submitted their proposal. All at [`SET_UP`].
pub(crate) async fn institute(db: &TestDb, waiting: usize, submitted: usize) -> Vec<Project> {
    let engine = Arc::new(db.engine().await);
    let file = support::bundled("graduation-service").display().to_string();
    ok(db, SET_UP, &["workflow", "publish", &file]).await;
    let at: Timestamp = SET_UP.parse().unwrap();
    let total = waiting + submitted;
    engine
        .add_person(COORDINATOR, COORDINATOR_NAME, "Institute", at)
        .await
        .unwrap();
    let people = (1..=SUPERVISORS)
        .map(supervisor)
        .chain((1..=total.min(TRAINEES)).map(trainee));
    for email in people {
        engine
            .add_person(&email, &name_of(&email), "Ministry of Health", at)
            .await
            .unwrap();
    }
    engine
        .create_program("svc", "Service level", "graduation-service", at)
        .await
        .unwrap();
    let dates = [
        ("proposal_due", jiff::civil::date(2026, 2, 15)),
        ("implementation_end", jiff::civil::date(2026, 5, 31)),
        ("presentation_day", jiff::civil::date(2026, 6, 15)),
    ];
    engine
        .create_cohort(
            NewCohort {
                program: "svc".into(),
                name: COHORT.into(),
                time_zone: "Asia/Muscat".into(),
                dates: dates.iter().map(|(k, d)| ((*k).to_owned(), *d)).collect(),
                holidays: Default::default(),
                weekend: "fri,sat".parse().unwrap(),
                mail_hours: MailHours::default(),
                capacity: 10_000,
                coordinators: vec![COORDINATOR.to_owned()],
            },
            at,
        )
        .await
        .unwrap();
    // Four at a time, so that their round trips overlap (each start still
    // waits its turn for the cohort's row, which counts its places).
    let mut lanes = tokio::task::JoinSet::new();
    for lane in 0..4 {
        let engine = Arc::clone(&engine);
        lanes.spawn(async move {
            let mut started = Vec::new();
            for i in (lane..total).step_by(4) {
                let project = Project {
                    id: 0,
                    title: title(i + 1),
                    trainee: trainee(i % TRAINEES + 1),
                    supervisor: supervisor(i % SUPERVISORS + 1),
                    submitted: i >= waiting,
                };
                let members = [
                    (project.trainee.clone(), "trainee".to_owned()),
                    (project.supervisor.clone(), "supervisor".to_owned()),
                ];
                let outcome = engine
                    .start_project(COHORT, &project.title, &members, at)
                    .await
                    .unwrap();
                started.push(Project {
                    id: outcome.project,
                    ..project
                });
            }
            started
        });
    }
    let mut projects: Vec<Project> = lanes.join_all().await.into_iter().flatten().collect();
    projects.sort_by_key(|p| p.title.clone());
    let submissions: Vec<(i64, String, Request)> = projects
        .iter()
        .filter(|p| p.submitted)
        .map(|p| {
            let request = Request {
                action: "submit".into(),
                fields: proposal(),
                ..Request::default()
            };
            (p.id, p.trainee.clone(), request)
        })
        .collect();
    for chunk in submissions.chunks(250) {
        for result in engine.act_many(chunk.to_vec(), at).await.unwrap() {
            result.expect("the proposal is accepted");
        }
    }
    engine.close().await;
    projects
}

// --------------------------------------------------------------------------
// Running gradflow
// --------------------------------------------------------------------------

/// A finished (or killed) `gradflow` process.
pub(crate) struct Run {
    args: Vec<String>,
    status: Option<ExitStatus>,
    /// Killed by the test because it outlived [`PATIENCE`].
    hung: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    pub(crate) fn ok(&self) -> bool {
        !self.hung && self.status.is_some_and(|s| s.success())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{self}\nstdout is not JSON: {e}"))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = match (self.hung, self.status) {
            (true, _) => "killed after hanging".to_owned(),
            (false, Some(status)) => status.to_string(),
            (false, None) => "no exit status".to_owned(),
        };
        write!(
            f,
            "$ gradflow {} -> {end}\n{}{}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        )
    }
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A running `gradflow` process whose output two threads drain. Dropped
/// while running (a failed test), it is killed: no worker outlives its test.
pub(crate) struct Process {
    args: Vec<String>,
    child: Child,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Process {
    /// Starts `gradflow --db URL ARGS` with its clock at `now`.
    pub(crate) fn start(db: &TestDb, now: &str, args: &[&str]) -> Process {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        if std::env::var_os("TEST_LOG").is_some() {
            eprintln!("$ GRADFLOW_NOW={now} gradflow {}", args.join(" "));
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .arg("--db")
            .arg(&db.url)
            .args(&args)
            .env_remove("GRADFLOW_DATABASE_URL")
            .env_remove("GRADFLOW_SMTP_URL")
            .env_remove("GRADFLOW_MAIL_FROM")
            .env("GRADFLOW_NOW", now)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the gradflow binary runs");
        let stdout = Some(drain(child.stdout.take().expect("piped stdout")));
        let stderr = Some(drain(child.stderr.take().expect("piped stderr")));
        Process {
            args,
            child,
            stdout,
            stderr,
        }
    }

    /// Waits for it to end (blocking), killing it after `patience`.
    pub(crate) fn wait(mut self, patience: Duration) -> Run {
        let deadline = Instant::now() + patience;
        let mut hung = false;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    hung = true;
                    break self.child.wait().ok();
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(_) => break None,
            }
        };
        self.finish(status, hung)
    }

    /// Kills it with SIGKILL (`kill -9`): a crash, nothing finished.
    pub(crate) fn crash(mut self) -> Run {
        let _ = self.child.kill();
        let status = self.child.wait().ok();
        self.finish(status, false)
    }

    /// Asks it to stop with SIGTERM (a worker finishes its round first) and
    /// waits for it (blocking).
    pub(crate) fn terminate(self, patience: Duration) -> Run {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM to gradflow {:?}", self.args);
        self.wait(patience)
    }

    fn finish(mut self, status: Option<ExitStatus>, hung: bool) -> Run {
        Run {
            args: std::mem::take(&mut self.args),
            status,
            hung,
            stdout: self.stdout.take().unwrap().join().expect("stdout reader"),
            stderr: self.stderr.take().unwrap().join().expect("stderr reader"),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs one command at `now` to its end (or [`PATIENCE`]), off the runtime's threads.
pub(crate) async fn gradflow(db: &TestDb, now: &str, args: &[&str]) -> Run {
    let process = Process::start(db, now, args);
    tokio::task::spawn_blocking(move || process.wait(PATIENCE))
        .await
        .unwrap()
}

/// Runs one command and requires success.
pub(crate) async fn ok(db: &TestDb, now: &str, args: &[&str]) -> Run {
    let run = gradflow(db, now, args).await;
    assert!(run.ok(), "this should succeed:\n{run}");
    run
}

/// Stops worker processes with SIGTERM; none may hang. A worker that had
/// started (said it is running) finishes its round, says it stopped and
/// exits 0; one still connecting when the signal came (the work was done
/// before it got going) may die of it, having claimed nothing.
pub(crate) async fn stop_workers(workers: Vec<Process>) -> Vec<Run> {
    let runs = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| w.terminate(PATIENCE))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for run in &runs {
        use std::os::unix::process::ExitStatusExt;
        let clean = run.ok() && run.stdout.contains("worker: stopped");
        let before_start = !run.stdout.contains("worker: running")
            && run.status.and_then(|s| s.signal()) == Some(15);
        assert!(
            !run.hung && (clean || before_start),
            "a worker asked to stop finishes its round and exits:\n{run}"
        );
    }
    runs
}

/// `worker` arguments: mail to `smtp` from the institute, `batch` per claim.
pub(crate) fn worker_args<'a>(smtp: &'a str, batch: &'a str, once: bool) -> Vec<&'a str> {
    let mut args = vec![
        "--json", "worker", "--batch", batch, "--smtp", smtp, "--from", FROM,
    ];
    if once {
        args.push("--once");
    }
    args
}

/// Starts a worker that runs until stopped, its clock fixed at `now`.
pub(crate) fn start_worker(db: &TestDb, now: &str, smtp: &str, batch: usize) -> Process {
    let batch = batch.to_string();
    Process::start(db, now, &worker_args(smtp, &batch, false))
}

/// `worker --once` at `now`: its report (timers claimed, fired, ...; mail sent, ...).
pub(crate) async fn worker_once(db: &TestDb, now: &str, smtp: &str, batch: usize) -> Value {
    let batch = batch.to_string();
    ok(db, now, &worker_args(smtp, &batch, true)).await.json()
}

// --------------------------------------------------------------------------
// What the product shows
// --------------------------------------------------------------------------

/// An outbox row as `outbox list --json` shows it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Row {
    pub(crate) id: i64,
    pub(crate) project: i64,
    cause: i64,
    pub(crate) template: String,
    recipient: i64,
    pub(crate) email: String,
    message_id: String,
    pub(crate) state: String,
    pub(crate) attempts: i64,
    pub(crate) last_error: Option<String>,
}

impl Row {
    /// The Message-ID this row's email carries (without angle brackets).
    pub(crate) fn full_message_id(&self) -> String {
        format!("{}@{DOMAIN}", self.message_id)
    }
}

/// Every outbox row, oldest first.
pub(crate) async fn outbox(db: &TestDb, now: &str) -> Vec<Row> {
    let run = ok(db, now, &["--json", "outbox", "list", "--limit", "1000000"]).await;
    let mut rows: Vec<Row> =
        serde_json::from_value(run.json()).unwrap_or_else(|e| panic!("{run}\n{e}"));
    rows.sort_by_key(|r| r.id);
    rows
}

/// A change as a short label: `deadline_passed`, `reminded remind:1`, ...
fn label(change: &Value) -> String {
    let kind = change["type"].as_str().unwrap_or("?");
    match change["timer"].as_str() {
        Some(timer) => format!("{kind} {timer}"),
        None => kind.to_owned(),
    }
}

/// How many times each timer's event is in a log: `deadline_passed` and
/// `reminded KEY` (the events a firing timer records).
fn timer_events<'a>(changes: impl IntoIterator<Item = &'a Value>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for change in changes {
        let label = label(change);
        if label == "deadline_passed" || label.starts_with("reminded ") {
            *counts.entry(label).or_default() += 1;
        }
    }
    counts
}

/// A project's log as `project show ID --json` gives it (field `history`).
async fn history(db: &TestDb, now: &str, project: i64) -> Vec<Value> {
    let shown = ok(
        db,
        now,
        &["--json", "project", "show", &project.to_string()],
    )
    .await
    .json();
    shown["history"]
        .as_array()
        .unwrap_or_else(|| panic!("no history in {shown}"))
        .clone()
}

/// The seq of the one event labelled `label` in `history`.
fn seq_of(history: &[Value], label: &str) -> i64 {
    let found: Vec<i64> = history
        .iter()
        .filter(|e| self::label(&e["change"]) == label)
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(found.len(), 1, "one {label} event in {history:?}");
    found[0]
}

/// Each project's timer events (see [`timer_events`]) read through the
/// engine: the log `project show --json` lists as `history`, without a
/// process per project (hundreds of them would take minutes). The binary is
/// asked for the first and last project, and must show the same.
pub(crate) async fn events_of(
    db: &TestDb,
    now: &str,
    projects: &[Project],
) -> HashMap<i64, BTreeMap<String, usize>> {
    let engine = db.engine().await;
    let mut events = HashMap::new();
    for p in projects {
        let changes: Vec<Value> = engine
            .history(p.id)
            .await
            .unwrap()
            .iter()
            .map(|e| serde_json::to_value(&e.change).unwrap())
            .collect();
        events.insert(p.id, timer_events(&changes));
    }
    engine.close().await;
    for p in [projects.first(), projects.last()].into_iter().flatten() {
        let shown = history(db, now, p.id).await;
        assert_eq!(
            timer_events(shown.iter().map(|e| &e["change"])),
            events[&p.id],
            "project show {} lists the same log",
            p.id
        );
    }
    events
}

/// The projects whose timer events are not exactly each of `must`, once.
pub(crate) fn wrong_events(
    projects: &[Project],
    events: &HashMap<i64, BTreeMap<String, usize>>,
    must: impl Fn(&Project) -> Vec<&'static str>,
) -> Vec<String> {
    projects
        .iter()
        .filter(|p| {
            let expected: BTreeMap<String, usize> =
                must(p).into_iter().map(|e| (e.to_owned(), 1)).collect();
            events[&p.id] != expected
        })
        .map(|p| format!("project {}: {:?}", p.id, events[&p.id]))
        .collect()
}

/// `gradflow audit verify` passes.
pub(crate) async fn audit_verifies(db: &TestDb, now: &str) {
    let run = ok(db, now, &["audit", "verify"]).await;
    assert!(run.stdout.contains("audit: ok"), "{run}");
}

/// Counted by the test straight from the database, only to know when the
/// workers are done: timers due at `now` not done, and messages not sent.
pub(crate) async fn unfinished(db: &TestDb, now: &str) -> (i64, i64) {
    let micros = now.parse::<Timestamp>().unwrap().as_microsecond();
    let timers = support::raw_number(
        db,
        &format!("SELECT COUNT(*) FROM timers WHERE state <> 'done' AND due_at <= {micros}"),
    )
    .await;
    let mail = support::raw_number(db, "SELECT COUNT(*) FROM outbox WHERE state <> 'sent'").await;
    (timers, mail)
}

/// Waits until every timer due at `now` is done and every message sent
/// (what the outbox rows of those timers commit with them).
async fn until_done(db: &TestDb, now: &str, workers: &[&Process]) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = unfinished(db, now).await;
        if left == (0, 0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the workers {:?} are stuck: {} due timer(s) not done and {} message(s) not sent after {PATIENCE:?}",
            workers.iter().map(|w| w.child.id()).collect::<Vec<_>>(),
            left.0,
            left.1
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// --------------------------------------------------------------------------
// What arrived
// --------------------------------------------------------------------------

/// Checks one arrived email against its outbox row: the envelope, From,
/// To (the row's recipient, by name), Subject, the Message-ID made of the
/// row's project, cause, template and recipient on the From domain, and
/// that its text greets the recipient and says each of `says`.
fn assert_mail(mail: &Received, row: &Row, subject: &str, says: &[&str]) {
    let parsed = mail.parsed();
    let what = format!("the {} email to {}", row.template, row.email);
    assert_eq!(mail.from, FROM_ADDRESS, "{what}: envelope sender");
    assert_eq!(
        mail.to,
        std::slice::from_ref(&row.email),
        "{what}: envelope recipients"
    );
    let from = parsed.from().and_then(|a| a.first()).expect("a From");
    assert_eq!(
        (from.address(), from.name()),
        (Some(FROM_ADDRESS), Some(FROM_NAME)),
        "{what}: From"
    );
    let to: Vec<_> = parsed
        .to()
        .expect("a To")
        .iter()
        .map(|a| (a.address().map(str::to_owned), a.name().map(str::to_owned)))
        .collect();
    let name = name_of(&row.email);
    assert_eq!(
        to,
        [(Some(row.email.clone()), Some(name.clone()))],
        "{what}: To"
    );
    assert_eq!(parsed.subject(), Some(subject), "{what}: Subject");
    let (made_of, installation) = row
        .message_id
        .rsplit_once('.')
        .expect("a Message-ID ends with the installation's part");
    assert_eq!(
        made_of,
        format!(
            "gradflow.{}.{}.{}.{}",
            row.project, row.cause, row.template, row.recipient
        ),
        "{what}: the outbox row's Message-ID"
    );
    assert!(
        installation.len() == 16 && installation.chars().all(|c| c.is_ascii_hexdigit()),
        "{what}: the Message-ID's installation part: {installation}"
    );
    assert_eq!(
        parsed.header_raw("Message-ID").map(str::trim),
        Some(format!("<{}>", row.full_message_id()).as_str()),
        "{what}: Message-ID header"
    );
    let text = mail.text();
    assert!(
        text.starts_with(&format!("Dear {name},")),
        "{what} greets {name}:\n{text}"
    );
    for said in says {
        assert!(text.contains(said), "{what} says {said}:\n{text}");
    }
}

/// The one arrived email with `row`'s Message-ID.
fn mail_of<'a>(received: &'a [Received], row: &Row) -> &'a Received {
    let found: Vec<&Received> = received
        .iter()
        .filter(|m| m.message_id() == row.full_message_id())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one email with Message-ID {} arrived",
        row.full_message_id()
    );
    found[0]
}

/// The Message-ID of every email that carried each outbox row to the server
/// (one entry per arrival). A row's own, or, for an escalation gathered with
/// others into one email (`Overdue: projects in ...`), that of each email
/// listing its project: the k-th distinct escalation email (in the order
/// of its own row) that lists a project to a person carried that project's
/// k-th escalation to them (a weekly escalation lists the same projects
/// again, as new messages), and any further one is counted on the last.
/// An email whose Message-ID is no row's fails the test.
fn carriers(
    rows: &[Row],
    titles: &HashMap<i64, String>,
    received: &[Received],
) -> BTreeMap<i64, Vec<String>> {
    let by_id: HashMap<String, &Row> = rows.iter().map(|r| (r.full_message_id(), r)).collect();
    let mut carried: BTreeMap<i64, Vec<String>> = rows.iter().map(|r| (r.id, vec![])).collect();
    // (recipient, project) -> (id of the email's own row, Message-ID) per arrival.
    let mut listed: BTreeMap<(i64, i64), Vec<(i64, String)>> = BTreeMap::new();
    for mail in received {
        let id = mail.message_id();
        let head = by_id.get(&id).unwrap_or_else(|| {
            panic!("an email arrived with Message-ID {id}, which no outbox row has")
        });
        if head.template != "overdue_notice" {
            carried.get_mut(&head.id).unwrap().push(id);
            continue;
        }
        let text = mail.text();
        let projects: Vec<i64> = titles
            .iter()
            .filter(|(_, title)| text.contains(&format!("- \"{title}\":")))
            .map(|(project, _)| *project)
            .collect();
        assert!(
            projects.contains(&head.project),
            "the escalation {id} lists its own project:\n{text}"
        );
        for project in projects {
            listed
                .entry((head.recipient, project))
                .or_default()
                .push((head.id, id.clone()));
        }
    }
    for ((recipient, project), mut arrivals) in listed {
        let own: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                r.template == "overdue_notice" && r.recipient == recipient && r.project == project
            })
            .collect();
        assert!(
            !own.is_empty(),
            "an escalation to person {recipient} lists project {project}, which has no escalation to them"
        );
        arrivals.sort();
        let mut distinct: Vec<&String> = arrivals.iter().map(|(_, id)| id).collect();
        distinct.dedup();
        for (_, id) in &arrivals {
            let k = distinct.iter().position(|d| *d == id).unwrap();
            let row = own[k.min(own.len() - 1)];
            carried.get_mut(&row.id).unwrap().push(id.clone());
        }
    }
    carried
}

/// Every row was carried by exactly one email, and no Message-ID arrived twice.
fn assert_each_delivered_once(rows: &[Row], projects: &[Project], received: &[Received]) {
    let titles: HashMap<i64, String> = projects.iter().map(|p| (p.id, p.title.clone())).collect();
    let carried = carriers(rows, &titles, received);
    let wrong: Vec<String> = rows
        .iter()
        .filter(|r| carried[&r.id].len() != 1)
        .map(|r| {
            format!(
                "message {} ({} to {} for project {}) arrived {} time(s): {:?}",
                r.id,
                r.template,
                r.email,
                r.project,
                carried[&r.id].len(),
                carried[&r.id]
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {} messages did not arrive exactly once:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
    let ids: BTreeSet<String> = received.iter().map(Received::message_id).collect();
    assert_eq!(ids.len(), received.len(), "no Message-ID arrived twice");
}

// --------------------------------------------------------------------------
// The tests
// --------------------------------------------------------------------------

/// The day before the proposal deadline, `worker --once` delivers each
/// trainee's reminder (and their supervisor's copy) and the notice of a
/// submitted proposal; after the deadline, the coordinator's escalation
/// lists both late projects in one email, and again a week later. Each
/// email says who it is from and to, what it is about, and carries a
/// Message-ID made of its cause; a second run sends nothing more.
async fn reminders_escalations_and_notifications_arrive_by_smtp(db: &TestDb) {
    let projects = institute(db, 2, 1).await;
    let (p1, p2, p3) = (&projects[0], &projects[1], &projects[2]);
    let sink = Sink::start(&[]).await;

    let report = worker_once(db, REMINDERS, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 5, "{report}");
    let rows = outbox(db, REMINDERS).await;
    let sent: BTreeSet<(i64, &str, &str)> = rows
        .iter()
        .map(|r| (r.project, r.template.as_str(), r.email.as_str()))
        .collect();
    let expected: BTreeSet<(i64, &str, &str)> = [
        (p1.id, "deadline_reminder", p1.trainee.as_str()),
        (p1.id, "deadline_reminder", p1.supervisor.as_str()),
        (p2.id, "deadline_reminder", p2.trainee.as_str()),
        (p2.id, "deadline_reminder", p2.supervisor.as_str()),
        (p3.id, "proposal_submitted", p3.supervisor.as_str()),
    ]
    .into();
    assert_eq!(
        sent, expected,
        "the reminder goes to the trainee and (the day before) the supervisor; the submitted proposal to its supervisor"
    );
    assert_eq!(rows.len(), 5, "{rows:#?}");
    for row in &rows {
        assert_eq!((row.state.as_str(), row.attempts), ("sent", 1), "{row:?}");
    }
    let received = sink.received();
    assert_eq!(received.len(), 5, "one email per message");
    for p in [p1, p2] {
        let log = history(db, REMINDERS, p.id).await;
        assert_eq!(
            timer_events(log.iter().map(|e| &e["change"])),
            BTreeMap::from([("reminded remind:1".to_owned(), 1)]),
            "project {}: the two reminders due at once went out as one, the later",
            p.id
        );
        let cause = seq_of(&log, "reminded remind:1");
        for row in rows.iter().filter(|r| r.project == p.id) {
            assert_eq!(row.cause, cause, "the reminder's cause is its event");
            let quoted = format!("for the project \"{}\" is due on {PROPOSAL_DUE}", p.title);
            assert_mail(
                mail_of(&received, row),
                row,
                &format!("Reminder: Proposal is due {PROPOSAL_DUE}"),
                &[&quoted],
            );
        }
    }
    let log = history(db, REMINDERS, p3.id).await;
    assert_eq!(
        timer_events(log.iter().map(|e| &e["change"])),
        BTreeMap::from([("deadline_passed".to_owned(), 1)]),
        "the endorsement deadline passed; its stale reminder is not sent"
    );
    let row = rows.iter().find(|r| r.project == p3.id).unwrap();
    assert_eq!(
        row.cause,
        seq_of(&log, "moved"),
        "caused by entering endorsement"
    );
    assert_mail(
        mail_of(&received, row),
        row,
        &format!("Proposal submitted: {}", p3.title),
        &[&format!(
            "{} has submitted the proposal \"{}\"",
            name_of(&p3.trainee),
            p3.title
        )],
    );
    let listed = ok(db, REMINDERS, &["outbox", "list"]).await;
    assert_eq!(
        listed
            .stdout
            .lines()
            .filter(|l| l.contains(" sent "))
            .count(),
        5,
        "{listed}"
    );

    let again = worker_once(db, &plus_minutes(REMINDERS, 1), &sink.url(), 500).await;
    assert_eq!(
        (&again["timers"]["claimed"], &again["mail"]["sent"]),
        (&json!(0), &json!(0)),
        "{again}"
    );
    assert_eq!(sink.count(), 5, "a second run sends nothing more");

    // After the deadline: one escalation to the coordinator lists both late projects.
    let report = worker_once(db, OVERDUE, &sink.url(), 500).await;
    assert_eq!(
        (&report["mail"]["claimed"], &report["mail"]["sent"]),
        (&json!(2), &json!(1)),
        "two messages, gathered into one email: {report}"
    );
    let received = sink.received();
    assert_eq!(received.len(), 6, "one more email");
    let rows = outbox(db, OVERDUE).await;
    let overdue: Vec<&Row> = rows
        .iter()
        .filter(|r| r.template == "overdue_notice")
        .collect();
    assert_eq!(
        overdue
            .iter()
            .map(|r| (r.project, r.email.as_str()))
            .collect::<BTreeSet<_>>(),
        BTreeSet::from([(p1.id, COORDINATOR), (p2.id, COORDINATOR)]),
        "one escalation per late project, to the cohort's coordinator"
    );
    assert!(overdue.iter().all(|r| r.state == "sent"), "{overdue:#?}");
    for p in [p1, p2] {
        let log = history(db, OVERDUE, p.id).await;
        assert_eq!(
            timer_events(log.iter().map(|e| &e["change"])),
            BTreeMap::from([
                ("deadline_passed".to_owned(), 1),
                ("reminded overdue:0".to_owned(), 1),
                ("reminded remind:1".to_owned(), 1),
            ]),
            "project {}",
            p.id
        );
    }
    let escalation = &received[5];
    assert_mail(
        escalation,
        overdue[0],
        &format!("Overdue: projects in {COHORT}"),
        &[
            &format!("- \"{}\": Proposal, due {PROPOSAL_DUE}", p1.title),
            &format!("- \"{}\": Proposal, due {PROPOSAL_DUE}", p2.title),
        ],
    );
    let again = worker_once(db, &plus_minutes(OVERDUE, 1), &sink.url(), 500).await;
    assert_eq!(again["mail"]["sent"], 0, "{again}");
    assert_eq!(sink.count(), 6, "a second run sends nothing more");

    // The escalation recurs every Monday while the projects stay late.
    let report = worker_once(db, NEXT_WEEK, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "one email for both: {report}");
    let received = sink.received();
    assert_eq!(received.len(), 7);
    assert_eq!(
        received[6].subject(),
        format!("Overdue: projects in {COHORT}")
    );
    let rows = outbox(db, NEXT_WEEK).await;
    assert_each_delivered_once(&rows, &projects, &received);
    audit_verifies(db, NEXT_WEEK).await;
}

/// Each email is written in its recipient's language: the template's Arabic
/// variant, with the workflow's words (the stage's title, in a reminder and
/// in each project an escalation lists) in Arabic, for those who read
/// Arabic (set with `person language`); English, the default files and
/// words, for one who chose English and for one who chose nothing. A digest
/// is one language too, its own words included.
async fn mail_is_written_in_each_recipients_language(db: &TestDb) {
    let projects = institute(db, 2, 1).await;
    let (p1, p2, p3) = (&projects[0], &projects[1], &projects[2]);
    for (email, language) in [
        (p1.trainee.as_str(), "ar"),
        (p2.trainee.as_str(), "en"),
        (p2.supervisor.as_str(), "ar"),
        (p3.supervisor.as_str(), "ar"),
        (COORDINATOR, "ar"),
    ] {
        let run = ok(db, SET_UP, &["person", "language", email, language]).await;
        assert!(run.stdout.contains(&format!("'{language}'")), "{run}");
    }
    ok(db, SET_UP, &["person", "digest", &p2.supervisor, "on"]).await;
    let refused = gradflow(db, SET_UP, &["person", "language", &p1.supervisor, "fr"]).await;
    assert!(
        !refused.ok()
            && refused
                .stderr
                .contains("'fr' is not a language gradflow speaks"),
        "{refused}"
    );
    let sink = Sink::start(&[]).await;

    let report = worker_once(db, REMINDERS, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 5, "{report}");
    let received = sink.received();
    assert_eq!(received.len(), 5, "one email per message: {received:#?}");
    let to = |email: &str| -> &Received {
        let mut found = received.iter().filter(|m| m.to == [email.to_owned()]);
        let mail = found
            .next()
            .unwrap_or_else(|| panic!("an email to {email}"));
        assert!(found.next().is_none(), "one email to {email}");
        mail
    };
    let arabic_reminder = format!("تذكير: موعد «مقترح المشروع» {PROPOSAL_DUE}");
    let english_reminder = format!("Reminder: Proposal is due {PROPOSAL_DUE}");

    let mail = to(&p1.trainee);
    assert_eq!(mail.subject(), arabic_reminder);
    let text = mail.text();
    assert!(
        text.starts_with("الفاضل/ة أمل الحارثي المحترم/ة،"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "نود تذكيركم بأن موعد «مقترح المشروع» للمشروع «{}» هو {PROPOSAL_DUE}.",
            p1.title
        )),
        "{text}"
    );
    for english in [&p2.trainee, &p1.supervisor] {
        let mail = to(english);
        assert_eq!(mail.subject(), english_reminder, "to {english}");
        assert!(mail.text().starts_with("Dear "), "{}", mail.text());
    }
    let digest = to(&p2.supervisor);
    assert_eq!(digest.subject(), "تذكيرك من gradflow");
    let text = digest.text();
    assert!(
        text.contains("فيما يلي تذكيرك من gradflow.")
            && text.contains(&format!("== {arabic_reminder}"))
            && !text.contains("Dear")
            && !text.contains("Reminder"),
        "the digest, all in Arabic:\n{text}"
    );
    let proposal = to(&p3.supervisor);
    assert_eq!(proposal.subject(), format!("تقديم مقترح: {}", p3.title));
    assert!(
        proposal.text().contains(&format!(
            "قدّم {} المقترح «{}». يُرجى مراجعته.",
            name_of(&p3.trainee),
            p3.title
        )),
        "{}",
        proposal.text()
    );

    // The coordinator's escalation lists both late projects at the Arabic stage title.
    let report = worker_once(db, OVERDUE, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "gathered: {report}");
    let received = sink.received();
    assert_eq!(received.len(), 6);
    let escalation = &received[5];
    assert_eq!(escalation.to, [COORDINATOR.to_owned()]);
    assert_eq!(escalation.subject(), format!("مشاريع متأخرة في {COHORT}"));
    for p in [p1, p2] {
        let line = format!("- «{}»: مقترح المشروع، الموعد {PROPOSAL_DUE}", p.title);
        assert!(escalation.text().contains(&line), "{}", escalation.text());
    }
    // Every message sent once; each row says the language it was written in.
    let listed = ok(db, OVERDUE, &["--json", "outbox", "list"]).await.json();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 7, "{listed:#}");
    for row in rows {
        assert_eq!(
            (&row["state"], &row["attempts"]),
            (&json!("sent"), &json!(1)),
            "{row}"
        );
        let expected = match row["email"].as_str().unwrap() {
            email if email == p2.trainee => json!("en"),
            email if email == p1.supervisor => Value::Null,
            _ => json!("ar"),
        };
        assert_eq!(row["language"], expected, "{row}");
    }
}

/// The mail server refuses one trainee's address (550): that message is
/// dead, with the server's reply for staff to read, and the others go out.
/// A dead message is not tried again by itself; once the mailbox exists,
/// `outbox retry` puts it back and the next round delivers it, once.
async fn a_refused_recipient_is_dead_until_staff_send_it_again(db: &TestDb) {
    let projects = institute(db, 1, 1).await;
    let refused = projects[0].trainee.clone();
    let sink = Sink::start(&[&refused]).await;

    let report = worker_once(db, REMINDERS, &sink.url(), 500).await;
    assert_eq!(
        (&report["mail"]["sent"], &report["mail"]["dead"]),
        (&json!(2), &json!(1)),
        "{report}"
    );
    let dead = ok(
        db,
        REMINDERS,
        &["--json", "outbox", "list", "--state", "dead"],
    )
    .await;
    let dead: Vec<Row> = serde_json::from_value(dead.json()).unwrap();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    let dead = &dead[0];
    assert_eq!(
        (dead.email.as_str(), dead.template.as_str(), dead.attempts),
        (refused.as_str(), "deadline_reminder", 1)
    );
    let reply = format!("550 5.1.1 <{refused}>: Recipient address rejected: User unknown");
    let error = dead.last_error.clone().unwrap_or_default();
    assert!(
        error.contains(&reply),
        "the server's reply is kept: {error}"
    );
    let id = dead.id.to_string();
    let shown = ok(db, REMINDERS, &["outbox", "show", &id]).await;
    assert!(
        shown.stdout.contains("state      dead, 1 attempt(s)") && shown.stdout.contains(&reply),
        "{shown}"
    );
    let listed = ok(db, REMINDERS, &["outbox", "list"]).await;
    assert!(
        listed
            .stdout
            .lines()
            .any(|l| l.contains(" dead ") && l.contains(&refused) && l.contains(&reply)),
        "{listed}"
    );
    let received = sink.received();
    assert_eq!(received.len(), 2);
    assert!(
        received.iter().all(|m| !m.to.contains(&refused)),
        "nothing reached the refused address"
    );

    // Dead stays dead: a later round does not try it again.
    let later = plus_minutes(REMINDERS, 60);
    let report = worker_once(db, &later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 0, "{report}");
    let rows = outbox(db, &later).await;
    assert_eq!(rows.iter().find(|r| r.id == dead.id).unwrap().state, "dead");

    // The mailbox is created; staff send it again.
    sink.accept(&refused);
    let retried = ok(db, &later, &["outbox", "retry", &id]).await;
    assert!(retried.stdout.contains("will be sent again"), "{retried}");
    let rows = outbox(db, &later).await;
    let row = rows.iter().find(|r| r.id == dead.id).unwrap();
    assert_eq!(
        (row.state.as_str(), row.attempts),
        ("pending", 1),
        "its refused attempt still counts: {row:?}"
    );
    let report = worker_once(db, &later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "{report}");
    let received = sink.received();
    assert_eq!(received.len(), 3);
    let rows = outbox(db, &later).await;
    let row = rows.iter().find(|r| r.id == dead.id).unwrap();
    assert_eq!(row.state, "sent");
    assert_mail(
        mail_of(&received, row),
        row,
        &format!("Reminder: Proposal is due {PROPOSAL_DUE}"),
        &[&format!("\"{}\"", projects[0].title)],
    );
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:#?}");
    assert_each_delivered_once(&rows, &projects, &received);

    // A sent message can be sent again (the person lost it): a new
    // delivery of the same message, its attempts counting on.
    ok(db, &later, &["outbox", "retry", &id]).await;
    let twice = gradflow(db, &later, &["outbox", "retry", &id]).await;
    assert!(
        !twice.ok() && twice.stderr.contains("is pending"),
        "a resend already queued is not queued twice: {twice}"
    );
    let report = worker_once(db, &later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "{report}");
    assert_eq!(sink.count(), 4);
    let rows = outbox(db, &later).await;
    let row = rows.iter().find(|r| r.id == dead.id).unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("sent", 3), "{row:?}");
}

/// The mail server is down: round after round (retries are at most an hour
/// apart, so each round an hour later tries every message again) leaves
/// every message `failed` with the reason, and none is lost or given up.
/// The server comes back: every message arrives, exactly once.
async fn mail_waits_out_a_server_outage_and_arrives_once(db: &TestDb) {
    let projects = institute(db, 4, 4).await;
    // A server that was there and is gone: its port refuses connections.
    let sink = Sink::start(&[]).await;
    let (addr, url) = (sink.addr(), sink.url());
    let earlier = sink.stop().await;
    let expected = 4 * 2 + 4;

    let rounds = 5;
    for round in 0..rounds {
        let now = plus_minutes(REMINDERS, 61 * round);
        let report = worker_once(db, &now, &url, 500).await;
        assert_eq!(
            (&report["mail"]["sent"], &report["mail"]["dead"]),
            (&json!(0), &json!(0)),
            "round {round}: {report}"
        );
        let rows = outbox(db, &now).await;
        assert_eq!(rows.len(), expected, "round {round}: nothing lost or added");
        for row in &rows {
            let error = row.last_error.clone().unwrap_or_default();
            assert!(
                row.state == "failed"
                    && row.attempts > round
                    && error.contains(&format!("mail server {addr}")),
                "round {round}: each message failed, to be tried again, saying why: {row:?}"
            );
        }
    }
    let failed = ok(db, REMINDERS, &["outbox", "list", "--state", "failed"]).await;
    assert_eq!(failed.stdout.lines().count(), expected, "{failed}");
    // The timers fired once, whatever the mail did.
    let events = events_of(db, REMINDERS, &projects).await;
    let wrong = wrong_events(&projects, &events, |p| {
        if p.submitted {
            vec!["deadline_passed"]
        } else {
            vec!["reminded remind:1"]
        }
    });
    assert!(wrong.is_empty(), "{wrong:#?}");

    let sink = Sink::restart(addr, earlier).await;
    let now = plus_minutes(REMINDERS, 61 * rounds);
    let report = worker_once(db, &now, &url, 500).await;
    assert_eq!(report["mail"]["sent"], expected, "{report}");
    let rows = outbox(db, &now).await;
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:#?}");
    let received = sink.received();
    assert_eq!(received.len(), expected);
    assert_each_delivered_once(&rows, &projects, &received);
    let again = worker_once(db, &plus_minutes(&now, 61), &url, 500).await;
    assert_eq!(again["mail"]["sent"], 0, "{again}");
    assert_eq!(sink.count(), expected, "nothing arrives twice");
}

/// After downtime, reminders of one deadline that fall due together go out
/// as one, the latest (DESIGN §6: "nobody gets five late emails at once"),
/// however the worker's claims cut the due timers into batches.
async fn stale_reminders_collapse_even_when_claimed_in_separate_batches(db: &TestDb) {
    let projects = institute(db, 1, 0).await;
    let p = &projects[0];
    let sink = Sink::start(&[]).await;
    // One timer per claim: the 7-day and the 1-day reminder are claimed apart.
    worker_once(db, REMINDERS, &sink.url(), 1).await;
    let log = history(db, REMINDERS, p.id).await;
    let to_trainee = sink
        .received()
        .iter()
        .filter(|m| m.to == std::slice::from_ref(&p.trainee))
        .count();
    assert_eq!(
        (timer_events(log.iter().map(|e| &e["change"])), to_trainee),
        (BTreeMap::from([("reminded remind:1".to_owned(), 1)]), 1),
        "the trainee gets one reminder for the deadline, not one per reminder missed"
    );
}

/// An operator stops a worker (SIGTERM, as systemd or Ctrl-C does) while
/// it works through a backlog: it finishes the round in progress first, as
/// `gradflow worker` promises, and says it stopped; nothing is left claimed
/// for another worker to wait two minutes for, and nothing is sent twice.
async fn a_worker_asked_to_stop_mid_round_finishes_the_round_first(db: &TestDb) {
    let projects = institute(db, 20, 20).await;
    let sink = Sink::start(&[]).await;
    let worker = start_worker(db, REMINDERS, &sink.url(), 10);
    let deadline = Instant::now() + PATIENCE;
    while sink.count() < 5 {
        assert!(Instant::now() < deadline, "the worker sends nothing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let run = tokio::task::spawn_blocking(move || worker.terminate(PATIENCE))
        .await
        .unwrap();
    let rows = outbox(db, REMINDERS).await;
    let left: Vec<&Row> = rows.iter().filter(|r| r.state != "sent").collect();
    assert!(
        run.ok() && run.stdout.contains("worker: stopped") && left.is_empty(),
        "stopped after {} emails, the worker finishes its round ({} message(s) left unsent, e.g. {:?}):\n{run}",
        sink.count(),
        left.len(),
        left.first()
    );
    assert_each_delivered_once(&rows, &projects, &sink.received());
}

/// Where the workers had got to, for a failing test's message.
pub(crate) async fn progress(db: &TestDb, sink: &Sink) -> String {
    let done = support::raw_number(db, "SELECT COUNT(*) FROM timers WHERE state = 'done'").await;
    let sent = support::raw_number(db, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'").await;
    let rows = support::raw_number(db, "SELECT COUNT(*) FROM outbox").await;
    format!(
        "{done} timer(s) done, {sent} of {rows} message(s) recorded sent, {} email(s) arrived",
        sink.count()
    )
}

/// A worker (running, not `--once`) is killed with SIGKILL while it fires
/// timers, another while it sends mail; a third, started after their claims'
/// leases ran out, finishes the work. No timer fired twice, every message
/// was sent, and each arrived once, except that a message sent but not yet
/// recorded as sent when its worker died is sent again: at-least-once at
/// the SMTP boundary, at most the pool's size of such emails per kill (the
/// emails a worker has on their way at once), under the same
/// Message-ID (a receiving server can tell it is the same message).
async fn a_killed_worker_loses_nothing_and_fires_nothing_twice(db: &TestDb) {
    let projects = institute(db, 60, 60).await;
    let sink = Sink::start(&[]).await;
    let url = sink.url();
    let mut kills = Vec::new();

    // Killed while firing timers (25 a claim: many commits to land between).
    let worker = start_worker(db, REMINDERS, &url, 25);
    let deadline = Instant::now() + PATIENCE;
    while support::raw_number(db, "SELECT COUNT(*) FROM timers WHERE state = 'done'").await == 0 {
        assert!(Instant::now() < deadline, "the first worker fires no timer");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let crashed = worker.crash();
    kills.push(format!("kill 1: {}\n{crashed}", progress(db, &sink).await));

    // Started after the first worker's leases (60 s, 120 s) ran out; killed
    // once mail is arriving.
    let second = plus_minutes(REMINDERS, 3);
    let worker = start_worker(db, &second, &url, 25);
    let before = sink.count();
    let deadline = Instant::now() + PATIENCE;
    while sink.count() < before + 10 && unfinished(db, &second).await != (0, 0) {
        assert!(Instant::now() < deadline, "the second worker sends nothing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let crashed = worker.crash();
    kills.push(format!("kill 2: {}\n{crashed}", progress(db, &sink).await));
    let killed = kills.len();
    let kills = kills.join("\n");

    let third = plus_minutes(REMINDERS, 6);
    let worker = start_worker(db, &third, &url, 25);
    until_done(db, &third, &[&worker]).await;
    stop_workers(vec![worker]).await;

    // No timer fired twice, and the ones due fired.
    let events = events_of(db, &third, &projects).await;
    let wrong = wrong_events(&projects, &events, |p| {
        if p.submitted {
            vec!["deadline_passed"]
        } else {
            vec!["reminded remind:1"]
        }
    });
    assert!(
        wrong.is_empty(),
        "each due timer fired once:\n{}\n{kills}",
        wrong.join("\n")
    );
    // The reminder goes to trainee and supervisor; a submitted proposal to the supervisor.
    let expected_rows: usize = projects
        .iter()
        .map(|p| if p.submitted { 1 } else { 2 })
        .sum();
    let rows = outbox(db, &third).await;
    assert_eq!(
        rows.len(),
        expected_rows,
        "one message per recipient of each event\n{kills}"
    );
    let unsent: Vec<&Row> = rows.iter().filter(|r| r.state != "sent").collect();
    assert!(
        unsent.is_empty(),
        "every message is sent: {unsent:#?}\n{kills}"
    );

    let received = sink.received();
    let titles: HashMap<i64, String> = projects.iter().map(|p| (p.id, p.title.clone())).collect();
    let carried = carriers(&rows, &titles, &received);
    for row in &rows {
        let ids: BTreeSet<&String> = carried[&row.id].iter().collect();
        assert_eq!(
            ids.len(),
            1,
            "message {} ({} to {}) arrived under exactly one Message-ID: {:?}\n{kills}",
            row.id,
            row.template,
            row.email,
            carried[&row.id]
        );
    }
    let mut arrivals: BTreeMap<String, usize> = BTreeMap::new();
    for mail in &received {
        *arrivals.entry(mail.message_id()).or_default() += 1;
    }
    let again: Vec<(&String, &usize)> = arrivals.iter().filter(|(_, n)| **n > 1).collect();
    // A worker has up to its pool's size of emails on their way at once
    // (docs/mail.md, "Connections and pace"): each may arrive again, once.
    let in_flight = gradflow_notifications::transport::DEFAULT_POOL_SIZE as usize;
    assert!(
        again.len() <= killed * in_flight && again.iter().all(|(_, n)| **n == 2),
        "only an email in flight when its worker was killed arrives again, once: {again:?}\n{kills}"
    );
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!(
            "{kills}\n{} emails, {} sent again after a kill",
            received.len(),
            again.len()
        );
    }
    audit_verifies(db, &third).await;
}

/// The coordinator's escalation gathers many late projects into one email;
/// its worker is killed the moment the server has taken that email, before
/// it can record it. The next worker sends it again (at-least-once at the
/// SMTP boundary) under the Message-ID it had: no late project reaches the
/// coordinator under two Message-IDs (which happened while the messages of
/// one email were recorded as sent one by one, and a crash split them).
async fn a_gathered_escalation_cut_short_by_a_crash_keeps_its_message_id(db: &TestDb) {
    let projects = institute(db, 100, 0).await;
    let sink = Sink::start(&[]).await;
    let url = sink.url();
    // One claim takes every late project's escalation: one email lists them all.
    let worker = start_worker(db, OVERDUE, &url, 1000);
    let deadline = Instant::now() + PATIENCE;
    while sink.count() == 0 {
        assert!(Instant::now() < deadline, "no escalation arrives");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let crashed = worker.crash();
    let at_kill = progress(db, &sink).await;

    let later = plus_minutes(OVERDUE, 3);
    let worker = start_worker(db, &later, &url, 1000);
    until_done(db, &later, &[&worker]).await;
    stop_workers(vec![worker]).await;

    let rows = outbox(db, &later).await;
    assert_eq!(
        rows.len(),
        projects.len(),
        "one escalation per late project"
    );
    let received = sink.received();
    let titles: HashMap<i64, String> = projects.iter().map(|p| (p.id, p.title.clone())).collect();
    let carried = carriers(&rows, &titles, &received);
    let told_twice: Vec<String> = rows
        .iter()
        .filter(|r| carried[&r.id].iter().collect::<BTreeSet<_>>().len() != 1)
        .map(|r| format!("project {}: {:?}", r.project, carried[&r.id]))
        .collect();
    assert!(
        told_twice.is_empty(),
        "killed at: {at_kill}\n{} of {} late projects reached the coordinator under more than one Message-ID (or none):\n{}\n{crashed}",
        told_twice.len(),
        rows.len(),
        told_twice[..told_twice.len().min(5)].join("\n")
    );
    assert!(
        received.len() <= 2 && rows.iter().all(|r| r.state == "sent"),
        "the escalation is recorded sent, after arriving at most once more: {} emails; killed at: {at_kill}",
        received.len()
    );
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!("killed at: {at_kill}; {} email(s) in all", received.len());
    }
    audit_verifies(db, &later).await;
}

/// Three workers start at once on one database after a long weekend
/// without any: every timer of every project is due, thousands of them
/// (600 projects and 2,200 timers on PostgreSQL; 300 and 1,000 on SQLite),
/// and then the messages they cause. Every timer fired once (its event is in
/// the project's log once; the reminders, stale after the deadline, not at
/// all), every message was sent, and each arrived once.
async fn three_workers_fire_every_timer_and_send_every_message_once(db: &TestDb) {
    let (waiting, submitted, batch) = if db.is_sqlite() {
        (200, 100, 25)
    } else {
        (500, 100, 50)
    };
    let projects = institute(db, waiting, submitted).await;
    let sink = Sink::start(&[]).await;
    let url = sink.url();
    let workers: Vec<Process> = (0..3)
        .map(|_| start_worker(db, OVERDUE, &url, batch))
        .collect();
    until_done(db, OVERDUE, &workers.iter().collect::<Vec<_>>()).await;
    stop_workers(workers).await;

    // What was committed was sent, once: checked first, so that a failure
    // below (a timer that did not fire) does not hide how delivery went.
    let rows = outbox(db, OVERDUE).await;
    assert!(rows.iter().all(|r| r.state == "sent"));
    assert_each_delivered_once(&rows, &projects, &sink.received());
    audit_verifies(db, OVERDUE).await;

    let events = events_of(db, OVERDUE, &projects).await;
    let wrong = wrong_events(&projects, &events, |p| {
        if p.submitted {
            vec!["deadline_passed"]
        } else {
            vec!["deadline_passed", "reminded overdue:0"]
        }
    });
    assert!(
        wrong.is_empty(),
        "{} of {} projects do not have each due timer's event exactly once:\n{}",
        wrong.len(),
        projects.len(),
        wrong[..wrong.len().min(10)].join("\n")
    );
    let made: BTreeSet<(i64, &str, &str)> = rows
        .iter()
        .map(|r| (r.project, r.template.as_str(), r.email.as_str()))
        .collect();
    let expected: BTreeSet<(i64, &str, &str)> = projects
        .iter()
        .map(|p| match p.submitted {
            true => (p.id, "proposal_submitted", p.supervisor.as_str()),
            false => (p.id, "overdue_notice", COORDINATOR),
        })
        .collect();
    assert!(
        rows.len() == expected.len() && made == expected,
        "one escalation per late project to the coordinator, one notice per submitted proposal to its supervisor"
    );
}

/// After downtime (no worker since before the reminders), each late
/// project's reminders, deadline and first escalation are all due, the
/// escalations last in the queue. A worker claimed everything but the
/// escalations (one claim of exactly that many) and died before firing it;
/// while its lease holds those timers, another worker takes the
/// escalations, then a third fires the rest once the lease has run out. The
/// escalation must not be thrown away for coming before its deadline was
/// recorded: every late project reaches the coordinator and is set for next
/// Monday. (Live workers lose escalations the same way when one takes them
/// while another is still firing their deadlines.)
async fn an_escalation_is_not_thrown_away_while_its_deadline_waits_to_fire(db: &TestDb) {
    let late = 100;
    let projects = institute(db, late, 0).await;
    let sink = Sink::start(&[]).await;
    let url = sink.url();

    // A worker claimed two reminders and the deadline of each project (its
    // claim stopping short of the escalations) and died before firing them:
    // what it leaves is exactly those rows, claimed under a lease of 60 s.
    // Made with SQL: a real worker killed at that moment is a race the
    // test would lose whenever the worker is quick.
    let overdue: Timestamp = OVERDUE.parse().unwrap();
    let lease = overdue.as_microsecond() + 60_000_000;
    let held = crate::store_suite::raw_exec(
        db,
        &format!(
            "UPDATE timers SET state = 'claimed', lease_until = {lease}, attempts = attempts + 1
             WHERE id IN (SELECT id FROM timers WHERE state = 'pending' AND due_at <= {}
                          ORDER BY due_at, id LIMIT $1)",
            overdue.as_microsecond()
        ),
        3 * late as i64,
    )
    .await
    .unwrap();
    assert_eq!(held, 3 * late as u64);
    let deadlines = support::raw_number(
        db,
        "SELECT COUNT(*) FROM timers WHERE state = 'claimed' AND kind = 'deadline'",
    )
    .await;
    let escalations = "SELECT COUNT(*) FROM timers WHERE state = 'pending' AND kind = 'overdue'";
    assert_eq!(
        (deadlines, support::raw_number(db, escalations).await),
        (late as i64, late as i64),
        "the dead worker holds every deadline, unfired, and no escalation"
    );
    // Its lease (60 s) still holds the deadlines: this worker takes the escalations.
    worker_once(db, &plus_seconds(OVERDUE, 30), &url, 500).await;
    // The lease has run out: the deadlines fire.
    let end = plus_minutes(OVERDUE, 3);
    worker_once(db, &end, &url, 500).await;

    let events = events_of(db, &end, &projects).await;
    let engine = db.engine().await;
    let next: Timestamp = "2026-02-23T05:00:00Z".parse().unwrap();
    let mut lost = Vec::new();
    for p in &projects {
        let timers = engine.pending_timers(p.id).await.unwrap();
        let escalated = events[&p.id].get("reminded overdue:0") == Some(&1);
        let again = timers
            .iter()
            .any(|(key, _, at)| key == "overdue:0" && *at == next);
        if !(escalated && again) {
            lost.push(format!(
                "project {}: {:?}, pending timers {timers:?}",
                p.id, events[&p.id]
            ));
        }
    }
    engine.close().await;
    assert!(
        lost.is_empty(),
        "{} of {} late projects lost their escalation (none sent, none set for next Monday):\n{}",
        lost.len(),
        late,
        lost[..lost.len().min(5)].join("\n")
    );
    let rows = outbox(db, &end).await;
    assert_each_delivered_once(&rows, &projects, &sink.received());
}

// --------------------------------------------------------------------------
// Mail under attack: slow servers, short leases, dead workers, broken data
// --------------------------------------------------------------------------

/// Runs raw SQL on the test database (not through the product): for
/// breaking it on purpose.
async fn raw_execute(db: &TestDb, sql: &str) {
    use sqlx::{Connection, Executor};
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        conn.execute(sql).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        conn.execute(sql).await.unwrap();
    }
}

/// How many times each Message-ID arrived.
pub(crate) fn arrivals(received: &[Received]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for mail in received {
        *counts.entry(mail.message_id()).or_default() += 1;
    }
    counts
}

/// Two workers share one database and a mail server that takes 200 ms to
/// answer each message, with leases of 4 s and the default batch of 500:
/// three leases' worth of mail. (Leases of 2 s left too little slack for a
/// machine running the whole suite on two cores: a renewal delayed by the
/// scheduler let the other worker take over mid-send.) Before, one worker claimed the whole
/// batch, its lease ran out while it sent, and the other sent the rest
/// again (122 of 574 arrived twice in production). Now a worker claims no
/// more than it can send in half a lease, renews its lease as it goes, and
/// only the lease holder records a message: each arrives exactly once.
async fn two_workers_on_a_slow_server_send_each_message_once_though_leases_are_short(db: &TestDb) {
    let projects = institute(db, 0, 60).await;
    let sink = Sink::start(&[]).await;
    sink.slow_down(Duration::from_millis(200));
    // A lease at least twice the server's timeout, as a worker requires.
    let url = format!("{}?timeout=1", sink.url());
    let now = plus_minutes(SET_UP, 1);
    let args = [
        "--json",
        "worker",
        "--batch",
        "500",
        "--mail-lease",
        "4",
        "--smtp",
        &url,
        "--from",
        FROM,
    ];
    // Started 5 s apart, longer than a lease: their leases still agree.
    let first = Process::start(db, &now, &args);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let workers = vec![first, Process::start(db, &now, &args)];
    until_done(db, &now, &workers.iter().collect::<Vec<_>>()).await;
    stop_workers(workers).await;

    let rows = outbox(db, &now).await;
    assert_eq!(rows.len(), projects.len(), "one notice per proposal");
    let received = sink.received();
    let twice: Vec<(String, usize)> = arrivals(&received)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(
        twice.is_empty() && received.len() == rows.len(),
        "{} emails for {} messages; arrived more than once: {twice:?}",
        received.len(),
        rows.len()
    );
    assert_each_delivered_once(&rows, &projects, &received);
    assert!(
        rows.iter().all(|r| r.state == "sent" && r.attempts == 1),
        "each sent in one attempt: {rows:#?}"
    );
}

/// Workers that claim a message and die before trying it (a crash loop)
/// cost it nothing: thirty such claims and then a mailbox that is full for
/// now leave it to be tried again, one attempt counted, not dead "after 31
/// attempts"; it arrives when the mailbox has room.
async fn claims_of_workers_that_died_are_not_attempts(db: &TestDb) {
    let projects = institute(db, 0, 1).await;
    let supervisor = projects[0].supervisor.clone();
    let engine = db.engine().await;
    let start: Timestamp = plus_minutes(SET_UP, 1).parse().unwrap();
    for death in 0..30 {
        // Each worker claims after the last one's lease ran out, then dies.
        let at = start
            .checked_add(SignedDuration::from_mins(3 * death))
            .unwrap();
        let claim = engine
            .claim_mail(at, at, 10, gradflow_engine::service::mail::LEASE)
            .await
            .unwrap();
        assert_eq!(claim.len(), 1, "claim {death}");
    }
    engine.close().await;
    let sink = Sink::start(&[]).await;
    sink.defer(&supervisor);
    let now = plus_minutes(SET_UP, 120);
    let report = worker_once(db, &now, &sink.url(), 500).await;
    assert_eq!(report["mail"]["retrying"], 1, "{report}");
    let rows = outbox(db, &now).await;
    assert_eq!(
        (rows[0].state.as_str(), rows[0].attempts),
        ("failed", 1),
        "a full mailbox is one failed attempt, whatever the claims before: {rows:?}"
    );
    assert!(
        rows[0].last_error.as_deref().unwrap_or("").contains("451"),
        "{rows:?}"
    );
    sink.accept(&supervisor);
    let later = plus_minutes(&now, 120);
    let report = worker_once(db, &later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "{report}");
    let rows = outbox(db, &later).await;
    assert_eq!((rows[0].state.as_str(), rows[0].attempts), ("sent", 2));
    assert_eq!(sink.count(), 1);
}

/// The database fails while a worker puts a message together (here a table
/// it reads is gone for a while, as a dropped connection or a busy server
/// would fail it): the message is tried again later, not dead. Only a
/// message that can never be built is dead.
async fn a_database_error_while_preparing_a_message_is_retried_not_dead(db: &TestDb) {
    let projects = institute(db, 0, 1).await;
    let sink = Sink::start(&[]).await;
    let now = plus_minutes(SET_UP, 1);
    raw_execute(db, "ALTER TABLE cohorts RENAME TO cohorts_away").await;
    let run = gradflow(db, &now, &worker_args(&sink.url(), "500", true)).await;
    raw_execute(db, "ALTER TABLE cohorts_away RENAME TO cohorts").await;
    assert!(run.ok(), "{run}");
    let rows = outbox(db, &now).await;
    assert_eq!(
        rows[0].state, "failed",
        "a database error is not the message's fault: {rows:?}\n{run}"
    );
    let later = plus_minutes(&now, 120);
    let report = worker_once(db, &later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["sent"], 1, "{report}");
    let rows = outbox(db, &later).await;
    assert_eq!(rows[0].state, "sent");
    assert_each_delivered_once(&rows, &projects, &sink.received());
}

/// A definition published before templates were checked for it nests four
/// loops over the late projects (60 projects made one 200 MB email after
/// 138 s in production). The coordinator's escalation stops at the size
/// cap: dead, saying so, and nothing is sent; the worker goes on.
async fn a_message_nesting_loops_over_the_late_projects_is_dead_at_the_size_cap(db: &TestDb) {
    let _projects = institute(db, 60, 0).await;
    let nested = "Dear {{recipient.name}},\n{{#each projects}}{{#each ../projects}}{{#each ../../projects}}{{#each ../../../projects}}- \"{{title}}\": {{stage}}, due {{deadline}}\n{{/each}}{{/each}}{{/each}}{{/each}}";
    let file = "overdue_notice.text.hbs";
    let sql = if db.is_sqlite() {
        format!(
            "UPDATE definitions SET templates = json_set(templates, '$.\"{file}\"', '{}')",
            nested.replace('\'', "''")
        )
    } else {
        format!(
            "UPDATE definitions SET templates = (templates::jsonb || jsonb_build_object('{file}', '{}'::text))::text",
            nested.replace('\'', "''")
        )
    };
    raw_execute(db, &sql).await;
    let sink = Sink::start(&[]).await;
    let started = Instant::now();
    let report = worker_once(db, OVERDUE, &sink.url(), 500).await;
    let rows = outbox(db, OVERDUE).await;
    let escalations: Vec<&Row> = rows
        .iter()
        .filter(|r| r.template == "overdue_notice")
        .collect();
    assert_eq!(escalations.len(), 60);
    assert!(
        escalations.iter().all(|r| r.state == "dead"
            && r.last_error
                .as_deref()
                .unwrap_or("")
                .contains("larger than 4096 KiB")),
        "dead at the cap, saying so: {:?}\n{report}",
        escalations[0]
    );
    assert_eq!(report["mail"]["dead"], 1, "one email: {report}");
    assert!(
        sink.received().iter().all(|m| m.data.len() < 5 << 20),
        "nothing past the cap is sent"
    );
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!("stopped at the cap after {:?}", started.elapsed());
    }
}

/// Two installations (two databases) write the same project, event,
/// template and recipient numbers; their Message-IDs still differ, by a
/// random part each database made once, and stay the same on every attempt.
async fn message_ids_differ_between_installations(db: &TestDb) {
    let kind = if db.is_sqlite() {
        support::Kind::Sqlite
    } else {
        support::Kind::Postgres
    };
    let other = TestDb::new(kind).await.unwrap();
    institute(db, 0, 1).await;
    institute(&other, 0, 1).await;
    let (ours, theirs) = (outbox(db, SET_UP).await, outbox(&other, SET_UP).await);
    let left = |row: &Row| row.message_id.rsplit_once('.').unwrap().0.to_owned();
    assert_eq!(left(&ours[0]), left(&theirs[0]), "the same numbers");
    assert_ne!(
        ours[0].message_id, theirs[0].message_id,
        "two installations never share a Message-ID"
    );
    // The same on every attempt: a failed one and the one that arrives.
    let sink = Sink::start(&[]).await;
    sink.defer(&ours[0].email);
    worker_once(db, SET_UP, &sink.url(), 500).await;
    sink.accept(&ours[0].email);
    let later = plus_minutes(SET_UP, 120);
    worker_once(db, &later, &sink.url(), 500).await;
    let rows = outbox(db, &later).await;
    assert_eq!(rows[0].message_id, ours[0].message_id);
    assert_eq!(sink.received()[0].message_id(), rows[0].full_message_id());
}

/// The coordinator's escalation lists every late project in one email,
/// and a trainee who takes a digest gets one email for their reminders,
/// however few messages a worker claims at once (287 rows to one
/// coordinator became 6 emails with `--batch 50`); the worker counts
/// emails, not rows.
async fn one_escalation_and_one_digest_per_person_whatever_the_batch(db: &TestDb) {
    // 60 projects for 50 trainees: trainee 1 has two.
    let projects = institute(db, 60, 0).await;
    let twice = trainee(1);
    assert_eq!(projects.iter().filter(|p| p.trainee == twice).count(), 2);
    ok(db, SET_UP, &["person", "digest", &twice, "on"]).await;
    let sink = Sink::start(&[]).await;

    let report = worker_once(db, REMINDERS, &sink.url(), 1).await;
    let to_twice = sink
        .received()
        .iter()
        .filter(|m| m.to == [twice.clone()])
        .count();
    assert_eq!(to_twice, 1, "one digest for both reminders: {report}");
    let rows = outbox(db, REMINDERS).await;
    assert_eq!(
        report["mail"]["sent"],
        json!(sink.count()),
        "the worker counts emails ({} rows): {report}",
        rows.len()
    );

    let before = sink.count();
    let report = worker_once(db, OVERDUE, &sink.url(), 7).await;
    let received = sink.received();
    let escalations: Vec<&Received> = received[before..]
        .iter()
        .filter(|m| m.to == [COORDINATOR.to_owned()])
        .collect();
    assert_eq!(
        escalations.len(),
        1,
        "one escalation listing the 60 late projects: {report}"
    );
    let text = escalations[0].text();
    for p in &projects {
        assert!(text.contains(&format!("- \"{}\":", p.title)), "{text}");
    }
    assert_eq!(
        report["mail"]["sent"],
        json!(received.len() - before),
        "the worker counts emails: {report}"
    );
    let rows = outbox(db, OVERDUE).await;
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:#?}");
    let twice: Vec<(String, usize)> = arrivals(&received)
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .collect();
    assert!(twice.is_empty(), "{twice:?}");
}

/// A dead message has nothing due: `outbox show` gives it no next attempt
/// (it did, the time of its last one), nor does a sent one.
async fn a_dead_message_shows_no_next_attempt(db: &TestDb) {
    let projects = institute(db, 0, 1).await;
    let sink = Sink::start(&[&projects[0].supervisor]).await;
    let now = plus_minutes(SET_UP, 1);
    worker_once(db, &now, &sink.url(), 500).await;
    let rows = outbox(db, &now).await;
    assert_eq!(rows[0].state, "dead");
    let id = rows[0].id.to_string();
    let shown = ok(db, &now, &["outbox", "show", &id]).await;
    assert!(
        shown.stdout.contains("state      dead") && !shown.stdout.contains("  next  "),
        "{shown}"
    );
    let json = ok(db, &now, &["--json", "outbox", "show", &id])
        .await
        .json();
    assert_eq!(json["message"]["next_attempt"], Value::Null, "{json}");
    // Waiting to be tried again, it has one.
    ok(db, &now, &["outbox", "retry", &id]).await;
    let shown = ok(db, &now, &["outbox", "show", &id]).await;
    assert!(shown.stdout.contains("  next       "), "{shown}");
}

/// The attack of issue 13, to run by hand and read its figures (not a
/// check of time: it asserts only what must hold, each message once):
/// `ATTACK_WORKERS` (2) `gradflow worker` processes on one database send
/// `ATTACK_MESSAGES` (500) messages to a server answering each in
/// `ATTACK_DELAY_MS` (300) ms, with leases of `ATTACK_LEASE` (120) s and
/// the default batch of 500. Run with
/// `cargo test -p gradflow --test e2e attack -- --ignored --nocapture`.
async fn attack_workers_on_a_slow_server(db: &TestDb) {
    let setting = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (messages, delay, lease, workers) = (
        setting("ATTACK_MESSAGES", 500) as usize,
        setting("ATTACK_DELAY_MS", 300),
        setting("ATTACK_LEASE", 120).to_string(),
        setting("ATTACK_WORKERS", 2) as usize,
    );
    let projects = institute(db, 0, messages).await;
    let sink = Sink::start(&[]).await;
    sink.slow_down(Duration::from_millis(delay));
    // The longest timeout the lease allows (a worker refuses a longer one).
    let url = format!(
        "{}?timeout={}",
        sink.url(),
        (lease.parse::<u64>().unwrap() / 2).max(1)
    );
    let now = plus_minutes(SET_UP, 1);
    let args = [
        "--json",
        "worker",
        "--mail-lease",
        &lease,
        "--smtp",
        &url,
        "--from",
        FROM,
    ];
    // With ATTACK_KILLS, a worker is killed (kill -9) every
    // ATTACK_KILL_SECS seconds and another started in its place.
    let (kills, every) = (
        setting("ATTACK_KILLS", 0) as usize,
        Duration::from_secs(setting("ATTACK_KILL_SECS", 5)),
    );
    let started = Instant::now();
    let mut running: Vec<Process> = (0..workers)
        .map(|_| Process::start(db, &now, &args))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut killed = 0;
    let mut last_kill = Instant::now();
    while unfinished(db, &now).await != (0, 0) {
        assert!(Instant::now() < deadline, "{}", progress(db, &sink).await);
        if killed < kills && last_kill.elapsed() >= every {
            running.remove(0).crash();
            running.push(Process::start(db, &now, &args));
            killed += 1;
            last_kill = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = started.elapsed();
    let runs = stop_workers(running).await;
    let rows = outbox(db, &now).await;
    let received = sink.received();
    let counts = arrivals(&received);
    let duplicated = counts.values().filter(|n| **n > 1).count();
    let extra: usize = counts.values().map(|n| n.saturating_sub(1)).sum();
    let lost = rows
        .iter()
        .filter(|r| !counts.contains_key(&r.full_message_id()))
        .count();
    let sent = rows.iter().filter(|r| r.state == "sent").count();
    let lost_leases: usize = runs
        .iter()
        .map(|r| r.stderr.matches("lease ran out").count())
        .sum();
    eprintln!(
        "{} on {}: {workers} workers ({killed} killed), {delay} ms a message, lease {lease} s: {} messages, {sent} recorded sent, {} emails received, {} distinct, {duplicated} duplicated ({extra} extra emails), {lost} lost, in {took:.1?}{}",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        db.url.rsplit('/').next().unwrap_or(""),
        rows.len(),
        received.len(),
        counts.len(),
        if lost_leases > 0 {
            format!("; {lost_leases} lease(s) lost")
        } else {
            String::new()
        },
    );
    // Only an email in flight when its worker was killed arrives again.
    assert!(extra <= killed, "{extra} extra emails for {killed} kills");
    assert_eq!((lost, sent), (0, rows.len()));
    assert_eq!(rows.len(), projects.len());
}

mod attack {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "an attack to run by hand: minutes long"]
    async fn attack_sqlite() {
        let db = crate::support::TestDb::new(crate::support::Kind::Sqlite)
            .await
            .unwrap();
        super::attack_workers_on_a_slow_server(&db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "an attack to run by hand: minutes long"]
    async fn attack_postgres() {
        let Some(db) = crate::support::TestDb::new(crate::support::Kind::Postgres).await else {
            return;
        };
        super::attack_workers_on_a_slow_server(&db).await;
    }
}
