//! An outside attack on issue 15's features as merged (certificates,
//! committee assignment, moderation, extensions and calendar changes), on
//! SQLite and PostgreSQL, through the real binary: bad and huge input on
//! every new command (each refused with a clear message, changing nothing,
//! echoing no control character to the terminal), twenty processes racing
//! the same revocation and the same reassignment, extensions racing the
//! worker that fires the deadline they move, the public check's rate limit
//! under concurrent requests to two servers, and a worker killed with
//! SIGKILL while it sends a certificate mail.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gradflow_engine::decide::Fields;
use gradflow_engine::definition::Workflow;
use gradflow_engine::service::{Engine, Request};
use serde_json::json;

use crate::program::{COORDINATOR, SERVICE_COHORT, at, ministry, set_up, supervisor, trainee};
use crate::smtp_sink::Sink;
use crate::support::{self, Served, TestDb, assert_unchanged, on_both, snapshot};
use crate::worker::{Process, gradflow, start_worker, worker_once};

/// How long a process may run before it is killed as hung.
const PATIENCE: Duration = Duration::from_secs(90);

on_both!(
    hostile_input_on_every_new_command_is_refused_and_changes_nothing,
    twenty_processes_revoking_one_certificate_revoke_it_once,
    twenty_processes_replacing_one_evaluator_replace_them_once,
    extensions_racing_the_worker_that_fires_the_deadline_leave_one_plan,
    a_worker_killed_mid_certificate_mail_loses_nothing,
    guesses_racing_over_two_servers_stay_within_the_limit,
    an_expired_prerequisite_is_refused,
    assign_and_reassign_racing_keep_every_committee_whole,
    extensions_racing_calendar_changes_leave_each_their_date,
    twenty_passes_of_one_project_issue_one_certificate,
    the_committee_form_refuses_forgery_and_huge_bodies,
);

/// The instant the commands run at (after the walk below).
const NOW: &str = "2026-02-01T06:00:00Z";

async fn act(engine: &Engine, p: i64, who: &str, action: &str, fields: Fields, when: &str) {
    let request = Request {
        action: action.into(),
        fields,
        ..Request::default()
    };
    engine
        .act(p, who, request, at(when))
        .await
        .unwrap_or_else(|e| panic!("{who} {action} on {p}: {e}"));
}

fn scores(s: i64) -> Fields {
    ["safety", "authenticity", "friendliness", "efficiency"]
        .iter()
        .map(|k| ((*k).to_owned(), json!(s)))
        .collect()
}

/// The program's institute with trainees 1 to `n` started on 4 January;
/// those in `to_evaluation` walked to the committee by 8 January (seated
/// automatically), trainee 1's then scored and passed on 12 January
/// (certificate PSLI-2026-00001) when `certify`.
async fn institute(db: &TestDb, n: usize, to_evaluation: &[usize], certify: bool) -> Vec<i64> {
    let engine = db.engine().await;
    set_up(&engine).await;
    engine.close().await;
    let projects = start_and_walk(db, n, to_evaluation).await;
    if certify {
        let engine = db.engine().await;
        certify_first(&engine, projects[0]).await;
        engine.close().await;
    }
    projects
}

/// [`institute`] on a database already set up: trainee 1's project
/// walked to evaluation when `to_evaluation` names it.
async fn institute_again(db: &TestDb, to_evaluation: &[usize]) -> Vec<i64> {
    start_and_walk(db, 1, to_evaluation).await
}

/// Starts trainees 1 to `n` on 4 January and walks those in `to_evaluation`
/// to the committee by 8 January.
async fn start_and_walk(db: &TestDb, n: usize, to_evaluation: &[usize]) -> Vec<i64> {
    let engine = db.engine().await;
    let w: Workflow = gradflow_engine::definition::load(&support::bundled("graduation-service"))
        .unwrap()
        .workflow;
    let mut projects = Vec::new();
    for k in 1..=n {
        let members = vec![
            (trainee(k), "trainee".to_owned()),
            (supervisor(ministry(k)), "supervisor".to_owned()),
        ];
        projects.push(
            engine
                .start_project(
                    SERVICE_COHORT,
                    &format!("Project {k}"),
                    &members,
                    at("2026-01-04"),
                )
                .await
                .unwrap()
                .project,
        );
    }
    let form = |key: &str| support::sample(&w.forms[key]);
    for k in to_evaluation {
        let p = projects[k - 1];
        let t = trainee(*k);
        act(&engine, p, &t, "submit", form("proposal"), "2026-01-05").await;
        let sup = supervisor(ministry(*k));
        act(&engine, p, &sup, "endorse", Fields::new(), "2026-01-06").await;
        for m in ["visit_before", "visit_after"] {
            let submit = format!("{m}.submit");
            act(&engine, p, &t, &submit, form("client_visit"), "2026-01-07").await;
            let accept = format!("{m}.accept");
            act(
                &engine,
                p,
                COORDINATOR,
                &accept,
                Fields::new(),
                "2026-01-07",
            )
            .await;
        }
        act(&engine, p, &t, "finish", form("final_report"), "2026-01-08").await;
    }
    engine.close().await;
    projects
}

/// Project `p` scored on 11 January and passed on the 12th: the first certificate.
async fn certify_first(engine: &Engine, p: i64) {
    for who in holders(engine, p, "committee").await {
        act(engine, p, &who, "score", scores(4), "2026-01-11").await;
    }
    act(
        engine,
        p,
        crate::program::CHAIR,
        "pass",
        Fields::new(),
        "2026-01-12",
    )
    .await;
    assert_eq!(engine.certificates(None, None).await.unwrap().len(), 1);
}

async fn holders(engine: &Engine, p: i64, role: &str) -> BTreeSet<String> {
    let view = engine.view(p).await.unwrap();
    let mut out = BTreeSet::new();
    for m in view.record.members.iter().filter(|m| m.role == role) {
        out.insert(engine.person_by_id(m.person).await.unwrap().email);
    }
    out
}

/// Starts every command at once, each with its clock at `now`, and waits for all.
async fn at_once(db: &TestDb, now: &str, commands: Vec<Vec<String>>) -> Vec<crate::worker::Run> {
    let processes: Vec<Process> = commands
        .iter()
        .map(|c| {
            let args: Vec<&str> = c.iter().map(String::as_str).collect();
            Process::start(db, now, &args)
        })
        .collect();
    tokio::task::spawn_blocking(move || processes.into_iter().map(|p| p.wait(PATIENCE)).collect())
        .await
        .unwrap()
}

async fn hostile_input_on_every_new_command_is_refused_and_changes_nothing(db: &TestDb) {
    let projects = institute(db, 3, &[1, 2], true).await;
    let p2 = projects[1].to_string();
    let huge = "A".repeat(100_000);
    let huge_reason = "x".repeat(100_000);
    let certify = |number: &str, valid: &str, requires: Option<&str>, level: &str| -> Vec<String> {
        let mut args: Vec<String> = [
            "program",
            "certify",
            "service",
            "--level",
            level,
            "--level-ar",
            "الخدمة",
            "--awarding-body",
            "IPA",
            "--awarding-body-ar",
            "المعهد",
            "--accrediting-body",
            "ILM",
            "--accrediting-body-ar",
            "ILM",
            "--number",
            number,
            "--valid-for",
            valid,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        if let Some(r) = requires {
            args.push("--requires".into());
            args.push(r.into());
        }
        args
    };
    let s = |list: &[&str]| -> Vec<String> { list.iter().map(|s| (*s).to_owned()).collect() };
    let mut many_trainees = s(&["project", "extend", "--cohort", SERVICE_COHORT]);
    for _ in 0..1001 {
        many_trainees.push("--trainee".into());
        many_trainees.push(trainee(3));
    }
    many_trainees.extend(s(&[
        "--deadline",
        "proposal",
        "--to",
        "2026-03-01",
        "--reason",
        "many",
    ]));
    let cases: Vec<Vec<String>> = vec![
        // Certificates.
        s(&["certificate", "show", ""]),
        s(&["certificate", "show", "\u{1b}[31mPSLI"]),
        s(&["certificate", "show", &huge]),
        s(&["certificate", "revoke", "PSLI-2026-00001", "--reason", ""]),
        s(&[
            "certificate",
            "revoke",
            "PSLI-2026-00001",
            "--reason",
            "a\nb",
        ]),
        s(&[
            "certificate",
            "revoke",
            "PSLI-2026-00001",
            "--reason",
            "bidi \u{202e}x",
        ]),
        s(&[
            "certificate",
            "revoke",
            "PSLI-2026-00001",
            "--reason",
            "esc \u{1b}[2J",
        ]),
        s(&[
            "certificate",
            "revoke",
            "PSLI-2026-00001",
            "--reason",
            &huge_reason,
        ]),
        s(&["certificate", "revoke", "NOPE-1", "--reason", "x"]),
        s(&["certificate", "revoke", &huge, "--reason", "x"]),
        s(&["certificate", "verify", ""]),
        s(&["certificate", "verify", &huge]),
        s(&["certificate", "verify", "\u{1b}]0;owned\u{7}"]),
        // What a program certifies.
        certify("", "none", None, "Service"),
        certify("{seq", "none", None, "Service"),
        certify("P-{year}", "none", None, "Service"),
        certify("P-{seq:99}", "none", None, "Service"),
        certify("P-{seq}-{nope}", "none", None, "Service"),
        certify(&format!("{huge}{{seq}}"), "none", None, "Service"),
        certify("P-{seq}", "-1y", None, "Service"),
        certify("P-{seq}", "99999999999y", None, "Service"),
        certify("P-{seq}", "1.5y", None, "Service"),
        certify("P-{seq}", "none", Some("service"), "Service"),
        certify("P-{seq}", "none", Some("no-such-program"), "Service"),
        certify("P-{seq}", "none", None, &huge),
        certify("P-{seq}", "none", None, "\u{1b}[31mred"),
        // The committee.
        s(&[
            "committee",
            "pool",
            "add",
            "--cohort",
            "No such cohort",
            "--email",
            "chair@example.org",
        ]),
        s(&[
            "committee",
            "pool",
            "add",
            "--cohort",
            SERVICE_COHORT,
            "--email",
            "not an email",
        ]),
        s(&[
            "committee",
            "pool",
            "add",
            "--cohort",
            SERVICE_COHORT,
            "--email",
            &format!("{huge}@x.org"),
        ]),
        s(&[
            "committee",
            "pool",
            "remove",
            "--cohort",
            SERVICE_COHORT,
            "--email",
            "nobody@example.org",
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--reason",
            "no target",
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--trainee",
            &trainee(1),
            "--reason",
            "",
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--trainee",
            &trainee(1),
            "--reason",
            &huge_reason,
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--trainee",
            "nobody@example.org",
            "--reason",
            "x",
        ]),
        // A trainee recording a conflict in a committee member's name.
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--trainee",
            &trainee(2),
            "--reason",
            "x",
            "--as",
            &trainee(1),
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--organization",
            "",
            "--reason",
            "x",
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--organization",
            &huge,
            "--reason",
            "x",
        ]),
        s(&[
            "committee",
            "conflict",
            "--person",
            "chair@example.org",
            "--organization",
            "bad\u{202e}org",
            "--reason",
            "x",
        ]),
        s(&["committee", "assign", "--cohort", "No such cohort"]),
        s(&[
            "committee",
            "assign",
            "--cohort",
            SERVICE_COHORT,
            "--as",
            &trainee(1),
        ]),
        s(&[
            "committee",
            "reassign",
            "--project",
            "999999999",
            "--evaluator",
            "ev-health@example.org",
        ]),
        s(&[
            "committee",
            "reassign",
            "--project",
            "-1",
            "--evaluator",
            "ev-health@example.org",
        ]),
        s(&[
            "committee",
            "reassign",
            "--project",
            &p2,
            "--evaluator",
            "chair@example.org",
        ]),
        s(&[
            "committee",
            "reassign",
            "--project",
            &p2,
            "--evaluator",
            &huge,
        ]),
        s(&[
            "committee",
            "reassign",
            "--project",
            &p2,
            "--evaluator",
            "ev-health@example.org",
            "--as",
            &trainee(2),
        ]),
        // Extensions and calendar changes.
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--deadline",
            "proposal",
            "--to",
            "2020-01-01",
            "--reason",
            "past",
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--deadline",
            "proposal",
            "--to",
            "2026-03-01",
            "--reason",
            "",
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--deadline",
            "proposal",
            "--to",
            "2026-03-01",
            "--reason",
            &huge_reason,
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            "nobody@example.org",
            "--deadline",
            "proposal",
            "--to",
            "2026-03-01",
            "--reason",
            "x",
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--milestone",
            "nope",
            "--to",
            "2026-03-01",
            "--reason",
            "x",
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--deadline",
            "proposal",
            "--to",
            "2026-02-30",
            "--reason",
            "x",
        ]),
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(3),
            "--deadline",
            "proposal",
            "--to",
            "2026-03-01",
            "--reason",
            "x",
            "--by",
            &trainee(1),
        ]),
        many_trainees,
        // Trainee 1's project is certified: nothing open to extend.
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(1),
            "--deadline",
            "evaluation",
            "--to",
            "2026-03-01",
            "--reason",
            "x",
        ]),
        // Trainee 2's is in evaluation: its proposal deadline is not current.
        s(&[
            "project",
            "extend",
            "--cohort",
            SERVICE_COHORT,
            "--trainee",
            &trainee(2),
            "--deadline",
            "proposal",
            "--to",
            "2026-03-01",
            "--reason",
            "x",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--date",
            "nonsense=2026-05-01",
            "--reason",
            "x",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--date",
            "proposal_due=soon",
            "--reason",
            "x",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--date",
            "=",
            "--reason",
            "x",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--date",
            "proposal_due=2026-05-01",
            "--reason",
            "",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--reason",
            "nothing to change",
        ]),
        s(&[
            "cohort",
            "dates",
            "No such cohort",
            "--date",
            "proposal_due=2026-05-01",
            "--reason",
            "x",
        ]),
        s(&[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--date",
            "proposal_due=2026-05-01",
            "--reason",
            "x",
            "--by",
            &trainee(1),
        ]),
        // 400 days in a row as holidays: more than a calendar holds.
        {
            let mut args = vec!["cohort".to_owned(), "dates".into(), SERVICE_COHORT.into()];
            let first: jiff::civil::Date = "2027-01-01".parse().unwrap();
            for day in 0..400 {
                args.push("--add-holiday".into());
                args.push(
                    first
                        .checked_add(jiff::Span::new().days(day))
                        .unwrap()
                        .to_string(),
                );
            }
            args.extend(["--reason".into(), "x".into()]);
            args
        },
    ];
    let mut accepted = Vec::new();
    for case in cases {
        let before = snapshot(db).await;
        let args: Vec<&str> = case.iter().map(String::as_str).collect();
        let run = gradflow(db, NOW, &args).await;
        let shown: String = format!("{run}").chars().take(600).collect();
        assert!(!run.stderr.contains("panicked"), "a panic: {shown}");
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'),
            "a control character reached the terminal: {shown}"
        );
        if run.ok() {
            accepted.push(shown);
            continue;
        }
        assert!(!run.stderr.trim().is_empty(), "a refusal says why: {shown}");
        if case.iter().any(|a| a == "--as") && case[1] == "conflict" {
            assert!(
                run.stderr
                    .contains("may not record a conflict of chair@example.org"),
                "the refusal says who may: {}",
                run.stderr
            );
        }
        if case.iter().any(|a| a == "--add-holiday") {
            assert!(
                run.stderr
                    .contains("holidays, more than a calendar holds (366"),
                "the refusal names the count and the limit: {}",
                run.stderr
            );
        }
        if case[0] == "program" {
            assert!(
                run.stderr.len() < 1_000,
                "a refused setting is not printed back whole: {} bytes\n{shown}",
                run.stderr.len()
            );
        }
        assert_unchanged(db, &before, &shown).await;
    }
    assert!(
        accepted.is_empty(),
        "accepted:\n{}",
        accepted.join("\n---\n")
    );
}

async fn twenty_processes_revoking_one_certificate_revoke_it_once(db: &TestDb) {
    institute(db, 1, &[1], true).await;
    let commands = (0..20)
        .map(|i| {
            vec![
                "--json".to_owned(),
                "certificate".into(),
                "revoke".into(),
                "PSLI-2026-00001".into(),
                "--reason".into(),
                format!("Copied work (report {i})"),
            ]
        })
        .collect();
    let runs = at_once(db, NOW, commands).await;
    let won: Vec<_> = runs.iter().filter(|r| r.ok()).collect();
    assert_eq!(won.len(), 1, "exactly one revocation: {runs:#?}");
    for r in runs.iter().filter(|r| !r.ok()) {
        assert!(
            r.stderr.contains("already revoked") || r.stderr.contains("revoked"),
            "the others are told it is revoked: {r}"
        );
    }
    let engine = db.engine().await;
    let c = engine.certificate("PSLI-2026-00001").await.unwrap();
    let revoked = c.revoked.expect("revoked");
    assert!(
        won[0].stdout.contains(&revoked.reason),
        "the winner's reason is the one kept: {}",
        won[0]
    );
    assert_eq!(
        engine
            .verify_certificate(&c.code, None, at("2026-02-02"))
            .await
            .unwrap()
            .status,
        "revoked"
    );
}

async fn twenty_processes_replacing_one_evaluator_replace_them_once(db: &TestDb) {
    let projects = institute(db, 2, &[1, 2], false).await;
    let p = projects[1];
    let engine = db.engine().await;
    let before = holders(&engine, p, "committee").await;
    assert_eq!(before.len(), 2);
    let out = before.iter().next().unwrap().clone();
    let commands = (0..20)
        .map(|_| {
            vec![
                "committee".to_owned(),
                "reassign".into(),
                "--project".into(),
                p.to_string(),
                "--evaluator".into(),
                out.clone(),
                "--as".into(),
                COORDINATOR.into(),
            ]
        })
        .collect();
    let runs = at_once(db, NOW, commands).await;
    let won = runs.iter().filter(|r| r.ok()).count();
    assert_eq!(won, 1, "one replacement: {runs:#?}");
    let after = holders(&engine, p, "committee").await;
    assert_eq!(after.len(), 2, "still two evaluators: {after:?}");
    assert!(!after.contains(&out));
    // The replaced evaluator's timers are gone; each evaluator has theirs.
    let timers: Vec<String> = engine
        .pending_timers(p)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _, _)| k)
        .filter(|k| k.starts_with("score-"))
        .collect();
    let out_id = engine.person(&out).await.unwrap().id;
    assert!(
        timers.iter().all(|k| !k.contains(&format!(":{out_id}"))),
        "{timers:?}"
    );
    assert_eq!(
        timers.len(),
        4,
        "a reminder and a deadline for each of two: {timers:?}"
    );
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// Trainee 1's proposal deadline (22 January) has passed when ten
/// extensions of it to 5 February race ten workers that would fire it.
/// Whatever the order, the project ends with one plan: the deadline on 5
/// February and no pending timer of the old one, or the old one fired and
/// the new one planned; `audit verify` agrees with the timers.
async fn extensions_racing_the_worker_that_fires_the_deadline_leave_one_plan(db: &TestDb) {
    let projects = institute(db, 2, &[], false).await;
    let sink = Sink::start(&[]).await;
    let now = "2026-01-25T06:00:00Z";
    let mut commands = Vec::new();
    for i in 0..20 {
        if i % 2 == 0 {
            commands.push(
                [
                    "project",
                    "extend",
                    "--cohort",
                    SERVICE_COHORT,
                    "--trainee",
                    &trainee(1),
                    "--deadline",
                    "proposal",
                    "--to",
                    "2026-02-05",
                    "--reason",
                    "Sick leave",
                    "--by",
                    COORDINATOR,
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            );
        } else {
            commands.push(
                crate::worker::worker_args(&sink.url(), "500", true)
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
            );
        }
    }
    let runs = at_once(db, now, commands).await;
    for r in &runs {
        assert!(!r.stderr.contains("panicked"), "{r}");
        assert!(!format!("{r}").contains("killed after hanging"), "{r}");
    }
    let extended = runs
        .iter()
        .enumerate()
        .filter(|(i, r)| i % 2 == 0 && r.ok())
        .count();
    assert!(extended >= 1, "an extension went through: {runs:#?}");
    let engine = db.engine().await;
    let view = engine.view(projects[0]).await.unwrap();
    let deadline = view.record.state.deadline.expect("a deadline");
    assert!(
        deadline > at("2026-02-04"),
        "the deadline is the extended one: {deadline}"
    );
    let pending: Vec<(String, String, jiff::Timestamp)> =
        engine.pending_timers(projects[0]).await.unwrap();
    let deadlines: Vec<_> = pending.iter().filter(|(k, _, _)| k == "deadline").collect();
    assert_eq!(deadlines.len(), 1, "one deadline timer: {pending:?}");
    assert!(deadlines[0].2 > at("2026-02-04"), "{pending:?}");
    // Trainee 2, not extended, had their deadline fire exactly once.
    let fired = engine
        .history(projects[1])
        .await
        .unwrap()
        .iter()
        .filter(|e| support::change_type(&e.change) == "deadline_passed")
        .count();
    assert_eq!(fired, 1);
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    sink.stop().await;
}

/// The worker is killed with SIGKILL while the SMTP server holds its
/// certificate mail; a worker started after the lease ran out sends it:
/// the trainee receives her number and code (under one Message-ID, at
/// least once), the row is recorded sent, and nothing is issued twice.
async fn a_worker_killed_mid_certificate_mail_loses_nothing(db: &TestDb) {
    let projects = institute(db, 1, &[1], false).await;
    let sink = Sink::start(&[]).await;
    // Everything before the pass is sent first: what is left is its mail.
    worker_once(db, "2026-01-10T07:00:00Z", &sink.url(), 500).await;
    let engine = db.engine().await;
    certify_first(&engine, projects[0]).await;
    let c = engine.certificates(None, None).await.unwrap().remove(0);
    sink.slow_down(Duration::from_secs(30));
    let now = "2026-01-12T07:00:00Z";
    let worker = start_worker(db, now, &sink.url(), 500);
    // Wait until the mail is claimed and the worker is talking to the server.
    let deadline = Instant::now() + PATIENCE;
    while support::raw_number(
        db,
        "SELECT COUNT(*) FROM outbox WHERE lease_until IS NOT NULL",
    )
    .await
        == 0
    {
        assert!(Instant::now() < deadline, "the worker claims no mail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let crashed = tokio::task::spawn_blocking(move || worker.crash())
        .await
        .unwrap();
    let received_before = sink.count();
    sink.slow_down(Duration::from_millis(0));
    // After the lease ran out.
    let later = "2026-01-12T08:00:00Z";
    let report = worker_once(db, later, &sink.url(), 500).await;
    assert_eq!(report["mail"]["dead"], 0, "{report}\n{crashed}");
    let received = sink.stop().await;
    let code = gradflow_engine::certificate::Code::parse(&c.code)
        .unwrap()
        .grouped();
    let mails: Vec<_> = received
        .iter()
        .filter(|m| m.to.contains(&c.person_email) && m.text().contains(&c.number))
        .collect();
    assert!(
        !mails.is_empty(),
        "the certificate mail arrives ({received_before} before the kill)\n{crashed}"
    );
    assert!(mails.iter().all(|m| m.text().contains(&code)));
    let ids: BTreeSet<String> = mails.iter().map(|m| m.message_id()).collect();
    assert_eq!(ids.len(), 1, "one Message-ID: {ids:?}");
    assert_eq!(
        support::raw_number(db, "SELECT COUNT(*) FROM outbox WHERE state <> 'sent'").await,
        0
    );
    assert_eq!(engine.certificates(None, None).await.unwrap().len(), 1);
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// Eighty guesses at once from one address, spread over two servers on
/// one database: no more than the limit are answered, the rest refused
/// (429); past the limit the good code is refused to that address too
/// (a hit must not be told apart from a miss), while another address is
/// answered.
async fn guesses_racing_over_two_servers_stay_within_the_limit(db: &TestDb) {
    institute(db, 1, &[1], true).await;
    let engine = db.engine().await;
    let c = engine.certificates(None, None).await.unwrap().remove(0);
    let (server_a, server_b) = (Served::start(db).await, Served::start(db).await);
    let (a, b) = (server_a.base.clone(), server_b.base.clone());
    let client = reqwest::Client::new();
    let mut guesses = Vec::new();
    for i in 0..80 {
        let base = if i % 2 == 0 { &a } else { &b };
        let url = format!(
            "{base}/verify/{}.json",
            format!("{i:028}").replace('0', "Z")
        );
        let client = client.clone();
        // Each claims another address: no proxy is trusted, so none counts.
        let forged = format!("198.51.100.{i}");
        guesses.push(tokio::spawn(async move {
            client
                .get(url)
                .header("x-forwarded-for", forged.as_str())
                .header("forwarded", format!("for={forged}"))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut answered = 0;
    let mut refused = 0;
    for g in guesses {
        match g.await.unwrap() {
            reqwest::StatusCode::OK => answered += 1,
            reqwest::StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("a guess answered {other}"),
        }
    }
    let limit = gradflow_engine::service::ATTEMPTS_PER_ADDRESS as usize;
    assert_eq!(answered, limit, "{answered} answered, {refused} refused");
    assert_eq!(refused, 80 - limit);
    let good = client
        .get(format!("{a}/verify/{}.json", c.code))
        .send()
        .await
        .unwrap();
    assert_eq!(
        good.status(),
        reqwest::StatusCode::TOO_MANY_REQUESTS,
        "past the limit the good code is refused as a miss is"
    );
    // A huge code or path is answered, not a server error.
    for path in [
        format!("/verify/{}", "A".repeat(60_000)),
        format!("/verify/{}.json", "%1B".repeat(20_000)),
        format!("/certificates/{}", "B".repeat(60_000)),
    ] {
        let status = client
            .get(format!("{b}{path}"))
            .send()
            .await
            .unwrap()
            .status();
        assert!(
            !status.is_server_error(),
            "{status} for a path of {} bytes",
            path.len()
        );
    }
    let elsewhere = engine
        .verify_certificate(
            &c.code,
            Some("192.0.2.1".parse().unwrap()),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    assert_eq!(elsewhere.status, "valid");
    server_a.stop().await;
    server_b.stop().await;
}

/// A cohort's calendar change (here one new holiday, after the scoring
/// deadlines) and an extension of the evaluation deadline each plan the
/// project's timers again, and with them drop every evaluator's scoring
/// reminder and deadline (`score-remind:P:i`, `score-late:P`): the late
/// evaluator is never reminded, the chair never told. `audit verify` does
/// not see it (it compares deadline and milestone timers only). Found by
/// the attack pass; left to the owners of decide/extend.rs and
/// decide/committee.rs (`Draft::set_stage_timers` cancels every pending
/// timer; the scoring timers are planned only when an evaluator is seated).
#[tokio::test]
async fn a_calendar_change_keeps_the_evaluators_scoring_timers() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let projects = institute(&db, 2, &[2], false).await;
    let engine = db.engine().await;
    let scoring = |timers: Vec<(String, String, jiff::Timestamp)>| -> Vec<String> {
        timers
            .into_iter()
            .map(|(k, _, _)| k)
            .filter(|k| k.starts_with("score-"))
            .collect()
    };
    let before = scoring(engine.pending_timers(projects[1]).await.unwrap());
    assert_eq!(
        before.len(),
        4,
        "a reminder and a deadline for each of two: {before:?}"
    );
    let run = gradflow(
        &db,
        "2026-01-09T06:00:00Z",
        &[
            "cohort",
            "dates",
            SERVICE_COHORT,
            "--reason",
            "closed",
            "--add-holiday",
            "2026-02-15",
        ],
    )
    .await;
    assert!(run.ok(), "{run}");
    let after = scoring(engine.pending_timers(projects[1]).await.unwrap());
    assert_eq!(
        after.len(),
        4,
        "the scoring timers survive a calendar change: {after:?}"
    );
}

/// A project the chair sent back (`revise`) enters evaluation again with
/// the same two evaluators seated, but nobody plans their scoring
/// reminders and deadline for the second round: the automatic seating
/// finds nothing to seat (engine/src/service/committee.rs, `Some(Ok(evaluators))
/// if evaluators.is_empty() => return Ok(None)`) and the timers of the
/// first round ended with its stage entry. Found by the program test;
/// left to the committee's owners.
#[tokio::test]
async fn a_second_evaluation_round_plans_the_scoring_timers_again() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let projects = institute(&db, 1, &[1], false).await;
    let engine = db.engine().await;
    let p = projects[0];
    let w = gradflow_engine::definition::load(&support::bundled("graduation-service"))
        .unwrap()
        .workflow;
    for who in holders(&engine, p, "committee").await {
        act(&engine, p, &who, "score", scores(2), "2026-01-11").await;
    }
    let request = Request {
        action: "revise".into(),
        comment: Some("Measure a whole week.".into()),
        ..Request::default()
    };
    engine
        .act(p, crate::program::CHAIR, request, at("2026-01-12"))
        .await
        .unwrap();
    let t = trainee(1);
    for m in ["visit_before", "visit_after"] {
        let form = support::sample(&w.forms["client_visit"]);
        act(&engine, p, &t, &format!("{m}.submit"), form, "2026-01-13").await;
        act(
            &engine,
            p,
            COORDINATOR,
            &format!("{m}.accept"),
            Fields::new(),
            "2026-01-13",
        )
        .await;
    }
    act(
        &engine,
        p,
        &t,
        "finish",
        support::sample(&w.forms["final_report"]),
        "2026-01-14",
    )
    .await;
    let scoring: Vec<String> = engine
        .pending_timers(p)
        .await
        .unwrap()
        .into_iter()
        .map(|(k, _, _)| k)
        .filter(|k| k.starts_with("score-"))
        .collect();
    assert_eq!(
        scoring.len(),
        4,
        "each evaluator's reminder and deadline again: {scoring:?}"
    );
}

/// Excellence requires a *valid* Service certificate: one that expired
/// is refused at the start, as a revoked one is, changing nothing.
async fn an_expired_prerequisite_is_refused(db: &TestDb) {
    let engine = db.engine().await;
    set_up(&engine).await;
    let mut service = support::certify(("Service", "الخدمة"), "S-{seq}", "none", None);
    service.validity = "7d".into();
    engine
        .certify_program("service", &service, at("2026-01-02"))
        .await
        .unwrap();
    engine.close().await;
    let projects = institute_again(db, &[1]).await;
    let engine = db.engine().await;
    certify_first(&engine, projects[0]).await;
    engine
        .create_cohort(
            crate::program::cohort(
                "excellence",
                "Excellence A",
                [
                    ("proposal_due", "2026-03-11"),
                    ("implementation_end", "2026-06-24"),
                    ("presentation_day", "2026-07-15"),
                ],
            ),
            at("2026-01-13"),
        )
        .await
        .unwrap();
    let members = vec![
        (trainee(1), "trainee".to_owned()),
        (supervisor(ministry(1)), "supervisor".to_owned()),
    ];
    // Valid on the 15th: started. Expired on the 20th: refused.
    let first = engine
        .start_project("Excellence A", "Within", &members, at("2026-01-15"))
        .await;
    assert!(first.is_ok(), "{first:?}");
    let before = snapshot(db).await;
    let refused = engine
        .start_project("Excellence A", "Too late", &members, at("2026-01-20"))
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "prerequisite-missing", "{refused}");
    assert_unchanged(db, &before, "a start on an expired prerequisite").await;
}

/// Ten `committee assign` and ten `committee reassign` of one evaluator,
/// all at once, over a cohort with two projects in evaluation and one
/// reaching it without a committee: every project ends with exactly its
/// two evaluators, none conflicted, and `audit verify` agrees.
async fn assign_and_reassign_racing_keep_every_committee_whole(db: &TestDb) {
    let projects = institute(db, 3, &[1, 2], false).await;
    let engine = db.engine().await;
    let p = projects[1];
    let out = holders(&engine, p, "committee")
        .await
        .into_iter()
        .next()
        .unwrap();
    let mut commands = Vec::new();
    for i in 0..20 {
        let args: Vec<&str> = if i % 2 == 0 {
            vec![
                "committee",
                "assign",
                "--cohort",
                SERVICE_COHORT,
                "--as",
                COORDINATOR,
            ]
        } else {
            vec![
                "committee",
                "reassign",
                "--project",
                "",
                "--evaluator",
                &out,
                "--as",
                COORDINATOR,
            ]
        };
        let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        if i % 2 == 1 {
            args[3] = p.to_string();
        }
        commands.push(args);
    }
    let runs = at_once(db, NOW, commands).await;
    for r in &runs {
        assert!(!r.stderr.contains("panicked"), "{r}");
    }
    let reassigned = runs
        .iter()
        .enumerate()
        .filter(|(i, r)| i % 2 == 1 && r.ok())
        .count();
    assert_eq!(reassigned, 1, "{runs:#?}");
    for (k, q) in projects.iter().enumerate().take(2) {
        let committee = holders(&engine, *q, "committee").await;
        assert_eq!(
            committee.len(),
            2,
            "project of trainee {}: {committee:?}",
            k + 1
        );
        for who in &committee {
            let org = crate::program::POOL
                .iter()
                .find(|(e, _, _)| e == who)
                .unwrap()
                .1;
            assert_ne!(org, crate::program::MINISTRIES[ministry(k + 1)]);
            assert!(!(k == 0 && who == crate::program::WORKS));
        }
    }
    assert!(!holders(&engine, p, "committee").await.contains(&out));
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// Ten extensions of trainee 1's proposal deadline and ten moves of the
/// cohort's proposal date, all at once: whatever the order, trainee 1
/// keeps the extension (a person's new date outlives a cohort's change),
/// trainee 2 follows the cohort's new date, each has one deadline timer
/// on it, and `audit verify` agrees.
async fn extensions_racing_calendar_changes_leave_each_their_date(db: &TestDb) {
    let projects = institute(db, 2, &[], false).await;
    let mut commands = Vec::new();
    for i in 0..20 {
        let args: Vec<&str> = if i % 2 == 0 {
            vec![
                "project",
                "extend",
                "--cohort",
                SERVICE_COHORT,
                "--trainee",
                "t01@example.org",
                "--deadline",
                "proposal",
                "--to",
                "2026-03-01",
                "--reason",
                "Sick leave",
                "--by",
                COORDINATOR,
            ]
        } else {
            vec![
                "cohort",
                "dates",
                SERVICE_COHORT,
                "--date",
                "proposal_due=2026-02-19",
                "--reason",
                "Ramadan",
                "--by",
                COORDINATOR,
            ]
        };
        commands.push(args.iter().map(|s| (*s).to_owned()).collect());
    }
    let runs = at_once(db, "2026-01-10T06:00:00Z", commands).await;
    for r in &runs {
        assert!(!r.stderr.contains("panicked"), "{r}");
        assert!(!format!("{r}").contains("killed after hanging"), "{r}");
    }
    assert!(runs.iter().step_by(2).any(|r| r.ok()), "{runs:#?}");
    assert!(runs.iter().skip(1).step_by(2).any(|r| r.ok()), "{runs:#?}");
    let engine = db.engine().await;
    for (p, day) in [(projects[0], "2026-03-01"), (projects[1], "2026-02-19")] {
        let deadline = engine.view(p).await.unwrap().record.state.deadline.unwrap();
        let local = deadline.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Muscat").unwrap());
        assert_eq!(local.date().to_string(), day, "project {p}");
        let timers: Vec<_> = engine
            .pending_timers(p)
            .await
            .unwrap()
            .into_iter()
            .filter(|(k, _, _)| k == "deadline")
            .collect();
        assert_eq!(timers.len(), 1, "{timers:?}");
        assert_eq!(timers[0].2, deadline, "project {p}");
    }
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// Twenty `project act ID pass` by the chair at once on one project, with
/// twenty revocation attempts of its certificate number racing them: one
/// pass, one certificate (number 1), and whichever revocation came after it
/// revoked it once; the others are refused.
async fn twenty_passes_of_one_project_issue_one_certificate(db: &TestDb) {
    let projects = institute(db, 1, &[1], false).await;
    let engine = db.engine().await;
    let p = projects[0];
    for who in holders(&engine, p, "committee").await {
        act(&engine, p, &who, "score", scores(4), "2026-01-11").await;
    }
    let mut commands = Vec::new();
    for i in 0..20 {
        let args: Vec<String> = if i % 2 == 0 {
            [
                "project",
                "act",
                &p.to_string(),
                "pass",
                "--as",
                crate::program::CHAIR,
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
        } else {
            [
                "certificate",
                "revoke",
                "PSLI-2026-00001",
                "--reason",
                "Raced",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
        };
        commands.push(args);
    }
    let runs = at_once(db, NOW, commands).await;
    for r in &runs {
        assert!(!r.stderr.contains("panicked"), "{r}");
    }
    let passed = runs.iter().step_by(2).filter(|r| r.ok()).count();
    assert_eq!(passed, 1, "{runs:#?}");
    let revoked = runs.iter().skip(1).step_by(2).filter(|r| r.ok()).count();
    assert!(revoked <= 1, "{runs:#?}");
    let list = engine.certificates(None, None).await.unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].number, "PSLI-2026-00001");
    assert_eq!(list[0].revoked.is_some(), revoked == 1);
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// The pool's chair declared a conflict with trainee 1: the project
/// enters evaluation with its two evaluators and no chair; only a chair
/// decides (pass, revise, fail), so the coordinators are told (a
/// `CommitteeShort` of one chair in the log, and a mail). Before, nobody
/// was told and the project waited unseen.
#[tokio::test]
async fn a_project_the_chair_may_not_chair_is_reported() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    set_up(&engine).await;
    engine
        .declare_conflict(
            crate::program::CHAIR,
            Some(&trainee(1)),
            None,
            "my cousin",
            None,
            at("2026-01-02"),
        )
        .await
        .unwrap();
    engine.close().await;
    let projects = start_and_walk(&db, 1, &[1]).await;
    let engine = db.engine().await;
    let p = projects[0];
    assert_eq!(holders(&engine, p, "committee").await.len(), 2);
    let chaired = !holders(&engine, p, "chair").await.is_empty();
    let told = engine
        .history(p)
        .await
        .unwrap()
        .iter()
        .any(|e| support::change_type(&e.change) == "committee_short");
    assert!(!chaired && told, "no chair, and nobody told");
    let mail = crate::worker::outbox(&db, NOW).await;
    assert!(
        mail.iter()
            .any(|m| m.project == p && m.template == "committee_no_chair"),
        "the coordinators are mailed: {mail:#?}"
    );
}

/// A conflict declared with an organization as people write it ("ministry
/// of education", lower case) matches the trainees' "Ministry of
/// Education": the conflict rules compare organizations without case or
/// extra spaces (before, as exact strings, the evaluator who declared the
/// conflict was seated on that ministry's project).
#[tokio::test]
async fn a_conflict_with_an_organization_matches_it_however_it_is_written() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let engine = db.engine().await;
    set_up(&engine).await;
    for email in ["ev-health@example.org", "ev-interior@example.org"] {
        engine.pool_remove(SERVICE_COHORT, email).await.unwrap();
    }
    engine
        .declare_conflict(
            crate::program::WORKS,
            None,
            Some("ministry of education"),
            "I audit them",
            None,
            at("2026-01-02"),
        )
        .await
        .unwrap();
    engine.close().await;
    // Trainee 7 (Ministry of Education): ev-education is of it, ev-works
    // declared a conflict with it; only ev-finance is left.
    let projects = start_and_walk(&db, 7, &[7]).await;
    let engine = db.engine().await;
    let committee = holders(&engine, projects[6], "committee").await;
    assert!(
        !committee.contains(crate::program::WORKS),
        "ev-works declared a conflict with the Ministry of Education: {committee:?}"
    );
}

/// A program's pattern changed from `PSLI-{year}-{seq:05}` to the literal
/// `PSLI-2026-{seq:05}` after PSLI-2026-00001 was issued: the pattern has
/// no `{year}`, so its sequence (year 0) starts again at 1, renders
/// PSLI-2026-00001 again, and the insert breaks the (program, number)
/// uniqueness: every later pass of the program fails with an internal
/// error, for good (the sequence's step rolls back with it). Now the
/// taken number is skipped.
#[tokio::test]
async fn a_pattern_change_never_blocks_the_passes() {
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let projects = institute(&db, 2, &[1, 2], true).await;
    let engine = db.engine().await;
    let changed = support::certify(("Service", "الخدمة"), "PSLI-2026-{seq:05}", "none", None);
    if engine
        .certify_program("service", &changed, at("2026-01-12"))
        .await
        .is_err()
    {
        return; // refused: fine
    }
    for who in holders(&engine, projects[1], "committee").await {
        act(&engine, projects[1], &who, "score", scores(4), "2026-01-12").await;
    }
    let request = Request {
        action: "pass".into(),
        ..Request::default()
    };
    let passed = engine
        .act(
            projects[1],
            crate::program::CHAIR,
            request,
            at("2026-01-13"),
        )
        .await;
    assert!(passed.is_ok(), "{passed:?}");
    let numbers: BTreeSet<String> = engine
        .certificates(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.number)
        .collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
}

/// The board's "assign the committee" form: refused without the page's
/// CSRF token, with another session's token, and with a huge body, each
/// changing nothing; a trainee of the cohort finds no such cohort.
async fn the_committee_form_refuses_forgery_and_huge_bodies(db: &TestDb) {
    institute(db, 2, &[], false).await;
    let engine = db.engine().await;
    for email in [COORDINATOR, "t01@example.org"] {
        engine
            .set_password(email, crate::web::PASSWORD)
            .await
            .unwrap();
    }
    let cohort = engine.cohort(SERVICE_COHORT).await.unwrap().id;
    let server = Served::start(db).await;
    let mut coord = server.signed_in(COORDINATOR).await;
    let mut other = server.signed_in("t01@example.org").await;
    let board = coord.get(&format!("/cohorts/{cohort}")).await;
    assert_eq!(board.status, reqwest::StatusCode::OK, "{}", board.body);
    let theirs = other.get("/").await.csrf();
    let path = format!("/cohorts/{cohort}/committee");
    // Past the form limit, yet small enough to be read whole: a server
    // that answers 413 before a 5 MB body is sent may reset the socket
    // under the client (a broken pipe, not an answer).
    let huge = "x".repeat(300 * 1024);
    let before = snapshot(db).await;
    for (form, what) in [
        (vec![], "no token"),
        (vec![("csrf", theirs.as_str())], "another session's token"),
        (vec![("csrf", "\u{1b}[31m")], "a control character"),
        (vec![("csrf", huge.as_str())], "a 300 KB body"),
    ] {
        let page = coord.post(&path, &form).await;
        assert!(
            page.status.is_client_error(),
            "{what}: {} {}",
            page.status,
            page.body.chars().take(300).collect::<String>()
        );
        assert_unchanged(db, &before, what).await;
    }
    let hidden = other.post(&path, &[("csrf", theirs.as_str())]).await;
    assert_eq!(hidden.status, reqwest::StatusCode::NOT_FOUND);
    assert_unchanged(db, &before, "a trainee's post").await;
    server.stop().await;
}
