//! Extensions, cohort calendar changes and the graduation checklist (issue
//! 15, parts 5 and 6), end to end on SQLite and PostgreSQL: an extension
//! plans again exactly that trainee's timers (every timer row compared),
//! several at once, a cohort's date or holiday change re-plans every open
//! project in one transaction (a refused one, or one killed mid-way,
//! changes nothing), `audit verify` passes after them and catches a timer
//! edited behind the engine's back, the checklist on the project page in
//! English and Arabic, the certificate refused while it is incomplete, and
//! twenty processes extending one project at once leaving a consistent log,
//! twenty projects starting while the cohort's dates change under them,
//! each on the calendar that holds when it is committed (and extensions
//! racing new holidays likewise), and the
//! coordinators' dates page (several trainees extended at once, the
//! cohort's dates and holidays changed, refusals in English and Arabic
//! changing nothing, other people finding no such page).

use std::collections::BTreeMap;

use gradflow_engine::decide::{Change, Extending, Fields};
use gradflow_engine::definition;
use gradflow_engine::service::{CalendarEdit, Engine, Extension, Request};
use jiff::civil::{Date, date};
use reqwest::StatusCode;

use crate::processes::spawn::{self, args, at_once, ok};
use crate::support::{self, Cohort, TestDb, assert_unchanged, day, holder, on_both, snapshot};
use crate::web::Site;

on_both!(
    an_extension_replans_exactly_that_trainees_timers,
    several_at_once_and_every_refusal_changes_nothing,
    a_cohort_date_change_replans_every_open_project_and_the_audit_checks_the_timers,
    a_holiday_moves_a_business_day_deadline,
    a_calendar_change_killed_mid_way_changes_nothing_or_everything,
    the_checklist_is_on_the_page_in_both_languages_with_the_extension,
    the_certificate_waits_for_the_checklist,
    twenty_processes_extending_one_project_leave_a_consistent_log,
    twenty_starts_racing_calendar_changes_never_start_on_an_old_calendar,
    the_dates_page_extends_several_and_changes_the_calendar,
    extensions_racing_holidays_plan_on_the_calendar_that_holds,
);

const COORDINATOR: &str = "coordinator1@example.org";

/// The service workflow's cohort "dated" with coordinator 1, and one
/// project per trainee 1..=3 (each with supervisor 1), at the proposal.
async fn cohort_of_three(engine: &Engine) -> (Cohort, [i64; 3]) {
    let base = Cohort::set_up(engine, "graduation-service").await;
    let mut new = support::new_cohort(&base.workflow, &base.program, "dated");
    new.coordinators = vec![COORDINATOR.into()];
    engine.create_cohort(new, day(0)).await.unwrap();
    let cohort = Cohort {
        name: "dated".into(),
        ..base
    };
    let mut ids = [0; 3];
    for (i, id) in ids.iter_mut().enumerate() {
        let members = vec![
            (holder("trainee", i + 1), "trainee".to_owned()),
            (holder("supervisor", 1), "supervisor".to_owned()),
        ];
        *id = engine
            .start_project(&cohort.name, &format!("Project {i}"), &members, day(1))
            .await
            .unwrap()
            .project;
    }
    (cohort, ids)
}

fn extension(trainees: &[usize], extending: Extending, to: Date) -> Extension {
    Extension {
        cohort: "dated".into(),
        trainees: trainees.iter().map(|n| holder("trainee", *n)).collect(),
        extending,
        to,
        reason: "illness; medical certificate seen".into(),
        by: Some(COORDINATOR.into()),
    }
}

/// The timer rows of the dump, by project id.
fn timers_by_project(dump: &support::Snapshot) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in dump.0.iter().filter(|l| l.starts_with("timers: ")) {
        let project = line
            .split(" | ")
            .find_map(|c| c.strip_prefix("project_id="))
            .unwrap()
            .to_owned();
        out.entry(project).or_default().push(line.clone());
    }
    out
}

/// Runs one statement on the test database with raw SQL (behind the engine's back).
async fn execute(db: &TestDb, sql: &str) {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
}

/// When project `id`'s pending deadline timer fires, if it has one.
async fn deadline_of(engine: &Engine, id: i64) -> Option<jiff::Timestamp> {
    engine
        .pending_timers(id)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, kind, _)| kind == "deadline")
        .map(|(_, _, at)| at)
}

async fn audit_passes(engine: &Engine) {
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "audit: {:?}", report.broken);
}

async fn an_extension_replans_exactly_that_trainees_timers(db: &TestDb) {
    let engine = db.engine().await;
    let (_, ids) = cohort_of_three(&engine).await;
    let before = snapshot(db).await;
    let report = engine
        .extend(
            &extension(
                &[2],
                Extending::Deadline("proposal".into()),
                date(2026, 4, 1),
            ),
            day(20),
        )
        .await
        .unwrap();
    assert_eq!(report.projects.len(), 1);
    assert_eq!(report.projects[0].project, ids[1]);
    let after = snapshot(db).await;
    let (old, new) = (timers_by_project(&before), timers_by_project(&after));
    for id in [ids[0], ids[2]] {
        assert_eq!(
            old[&id.to_string()],
            new[&id.to_string()],
            "project {id}'s timers are untouched"
        );
    }
    assert_ne!(old[&ids[1].to_string()], new[&ids[1].to_string()]);
    // Nothing else of the others changed either.
    for line in after.changes_since(&before) {
        let others = [ids[0], ids[2]].iter().any(|id| {
            line.contains(&format!("project_id={id} |"))
                || line.contains(&format!("projects: id={id} |"))
        });
        assert!(!others, "only project {} changed: {line}", ids[1]);
    }
    // The deadline timer is at the new date, the end of 1 April in Muscat.
    let deadline = deadline_of(&engine, ids[1]).await.unwrap();
    assert_eq!(deadline.to_string(), "2026-04-01T19:59:59Z");
    let view = engine.view(ids[1]).await.unwrap();
    assert_eq!(view.record.state.deadline, Some(deadline));
    let history = engine.history(ids[1]).await.unwrap();
    assert!(matches!(
        &history.last().unwrap().change,
        Change::Extended { reason, milestone: None, .. } if reason.starts_with("illness")
    ));
    assert_eq!(history.last().unwrap().actor.as_deref(), Some(COORDINATOR));
    audit_passes(&engine).await;
}

async fn several_at_once_and_every_refusal_changes_nothing(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, ids) = cohort_of_three(&engine).await;
    engine
        .extend(
            &extension(
                &[1, 3],
                Extending::Deadline("proposal".into()),
                date(2026, 4, 1),
            ),
            day(20),
        )
        .await
        .unwrap();
    for id in [ids[0], ids[2]] {
        let history = engine.history(id).await.unwrap();
        assert!(matches!(
            history.last().unwrap().change,
            Change::Extended { .. }
        ));
    }
    assert!(!matches!(
        engine.history(ids[1]).await.unwrap().last().unwrap().change,
        Change::Extended { .. }
    ));
    // Trainee 1 moves on: an extension of the proposal for 1 and 2 is
    // refused whole.
    support::act(
        &engine,
        ids[0],
        &holder("trainee", 1),
        "submit",
        support::sample(&cohort.workflow.forms["proposal"]),
        None,
        21,
    )
    .await
    .unwrap();
    let before = snapshot(db).await;
    let code = |e: gradflow_engine::service::Error| e.reason().code;
    let refusals = [
        (
            extension(
                &[2, 1],
                Extending::Deadline("proposal".into()),
                date(2026, 4, 1),
            ),
            "extension-stage-left",
        ),
        (
            extension(
                &[2],
                Extending::Deadline("proposal".into()),
                date(2026, 1, 2),
            ),
            "extension-in-past",
        ),
        (
            extension(
                &[2],
                Extending::Milestone("no_such".into()),
                date(2026, 4, 1),
            ),
            "extension-unknown-milestone",
        ),
        (
            extension(
                &[2],
                Extending::Milestone("visit_before".into()),
                date(2026, 4, 1),
            ),
            "extension-stage-left",
        ),
        (
            Extension {
                by: Some(holder("supervisor", 1)),
                ..extension(
                    &[2],
                    Extending::Deadline("proposal".into()),
                    date(2026, 4, 1),
                )
            },
            "calendar-not-coordinator",
        ),
        (
            Extension {
                reason: "  ".into(),
                ..extension(
                    &[2],
                    Extending::Deadline("proposal".into()),
                    date(2026, 4, 1),
                )
            },
            "extension-reason-required",
        ),
        (
            Extension {
                reason: "bad \u{202e} text".into(),
                ..extension(
                    &[2],
                    Extending::Deadline("proposal".into()),
                    date(2026, 4, 1),
                )
            },
            "comment-characters",
        ),
    ];
    for (ext, expected) in refusals {
        let e = engine.extend(&ext, day(22)).await.unwrap_err();
        // Every refusal has words in both catalogues.
        for lang in ["en", "ar"] {
            let words = gradflow_words::error(lang, &e);
            assert!(!words.contains("reason-"), "{lang}: {words}");
        }
        assert_eq!(code(e), expected);
    }
    // A trainee without a project in the cohort, and an unknown one.
    let mut none = extension(
        &[1],
        Extending::Deadline("proposal".into()),
        date(2026, 4, 1),
    );
    none.trainees = vec![holder("chair", 1)];
    assert_eq!(
        code(engine.extend(&none, day(22)).await.unwrap_err()),
        "extension-no-project"
    );
    none.trainees = vec!["nobody@example.org".into()];
    assert!(engine.extend(&none, day(22)).await.is_err());
    assert_unchanged(db, &before, "refused extensions").await;
    audit_passes(&engine).await;
}

async fn a_cohort_date_change_replans_every_open_project_and_the_audit_checks_the_timers(
    db: &TestDb,
) {
    let engine = db.engine().await;
    let (_, ids) = cohort_of_three(&engine).await;
    // Project 3 is withdrawn: it is left as it is.
    support::act(
        &engine,
        ids[2],
        COORDINATOR,
        "withdraw",
        Fields::new(),
        Some("left"),
        2,
    )
    .await
    .unwrap();
    // Project 2 has an extension past the new date, which it keeps.
    engine
        .extend(
            &extension(
                &[2],
                Extending::Deadline("proposal".into()),
                date(2026, 5, 1),
            ),
            day(3),
        )
        .await
        .unwrap();
    let before = snapshot(db).await;
    // An unknown date is refused whole.
    let mut edit = CalendarEdit {
        cohort: "dated".into(),
        reason: "the ministry moved the intake".into(),
        by: Some(COORDINATOR.into()),
        ..CalendarEdit::default()
    };
    edit.dates.insert("no_such_date".into(), date(2026, 4, 15));
    assert_eq!(
        engine
            .change_calendar(&edit, day(4))
            .await
            .unwrap_err()
            .reason()
            .code,
        "calendar-unknown-date"
    );
    edit.dates.clear();
    edit.dates.insert("proposal_due".into(), date(2026, 4, 15));
    let refused = CalendarEdit {
        by: Some(holder("supervisor", 1)),
        ..edit.clone()
    };
    assert_eq!(
        engine
            .change_calendar(&refused, day(4))
            .await
            .unwrap_err()
            .reason()
            .code,
        "calendar-not-coordinator"
    );
    assert_unchanged(db, &before, "refused calendar changes").await;

    let report = engine.change_calendar(&edit, day(4)).await.unwrap();
    assert_eq!(report.projects.len(), 2);
    assert_eq!(report.left, 1);
    let deadline = |id: i64| {
        let engine = &engine;
        async move { deadline_of(engine, id).await.map(|t| t.to_string()) }
    };
    assert_eq!(
        deadline(ids[0]).await.as_deref(),
        Some("2026-04-15T19:59:59Z")
    );
    assert_eq!(
        deadline(ids[1]).await.as_deref(),
        Some("2026-05-01T19:59:59Z")
    );
    assert_eq!(deadline(ids[2]).await, None);
    let after = snapshot(db).await;
    assert_eq!(
        timers_by_project(&before).get(&ids[2].to_string()),
        timers_by_project(&after).get(&ids[2].to_string())
    );
    assert!(
        engine
            .history(ids[0])
            .await
            .unwrap()
            .iter()
            .any(|e| matches!(e.change, Change::CalendarChanged { .. }))
    );
    // The cohort's row says the new date; a project started now uses it.
    assert_eq!(
        engine.cohort("dated").await.unwrap().dates["proposal_due"],
        date(2026, 4, 15)
    );
    // The audit replays each project with the calendar of each date's time.
    audit_passes(&engine).await;

    // A deadline timer moved behind the engine's back is caught.
    let sql = format!(
        "UPDATE timers SET due_at = due_at + 86400000000 WHERE project_id = {} AND kind = 'deadline' AND state = 'pending'",
        ids[0]
    );
    execute(db, &sql).await;
    let report = engine.verify_audit().await.unwrap();
    let broken = report.broken.expect("the tampered timer is caught");
    assert_eq!(broken.project, ids[0]);
    assert!(
        broken.reason.contains("timer 'deadline'"),
        "{}",
        broken.reason
    );
}

async fn a_holiday_moves_a_business_day_deadline(db: &TestDb) {
    let engine = db.engine().await;
    let (cohort, ids) = cohort_of_three(&engine).await;
    // Endorsement: 5 business days after the proposal is submitted
    // (Sunday 4 January 2026: due the end of Thursday the 8th... plus the
    // weekend rule of the cohort).
    support::act(
        &engine,
        ids[0],
        &holder("trainee", 1),
        "submit",
        support::sample(&cohort.workflow.forms["proposal"]),
        None,
        3,
    )
    .await
    .unwrap();
    let before = engine
        .view(ids[0])
        .await
        .unwrap()
        .record
        .state
        .deadline
        .unwrap();
    let mut edit = CalendarEdit {
        cohort: "dated".into(),
        reason: "national day".into(),
        by: None,
        ..CalendarEdit::default()
    };
    edit.add_holidays.insert(date(2026, 1, 6));
    engine.change_calendar(&edit, day(3)).await.unwrap();
    let after = engine
        .view(ids[0])
        .await
        .unwrap()
        .record
        .state
        .deadline
        .unwrap();
    let zone = jiff::tz::TimeZone::get("Asia/Muscat").unwrap();
    let next_working = |t: jiff::Timestamp| {
        let mut d = t.to_zoned_datetime(zone.clone()).date().tomorrow().unwrap();
        while matches!(
            d.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            d = d.tomorrow().unwrap();
        }
        d
    };
    assert_eq!(
        after.to_zoned_datetime(zone.clone()).date(),
        next_working(before),
        "{before} -> {after}"
    );
    assert_eq!(deadline_of(&engine, ids[0]).await, Some(after));
    // Removing it brings the deadline back.
    let edit = CalendarEdit {
        add_holidays: Default::default(),
        remove_holidays: [date(2026, 1, 6)].into(),
        ..edit
    };
    engine.change_calendar(&edit, day(3)).await.unwrap();
    assert_eq!(
        engine.view(ids[0]).await.unwrap().record.state.deadline,
        Some(before)
    );
    audit_passes(&engine).await;
}

/// The deadlines of every open project of `cohort`, from the database.
async fn deadlines(db: &TestDb) -> Vec<String> {
    let engine = db.engine().await;
    let mut out = Vec::new();
    for p in engine.projects(None).await.unwrap() {
        let view = engine.view(p.id).await.unwrap();
        out.push(format!("{:?}", view.record.state.deadline));
    }
    out
}

async fn a_calendar_change_killed_mid_way_changes_nothing_or_everything(db: &TestDb) {
    spawn::set_up_service(db, 1);
    spawn::create_cohort(db, "killed", 500, &[]);
    let starts: Vec<Vec<String>> = (0..60)
        .map(|n| {
            args(&[
                "project",
                "start",
                "--cohort",
                "killed",
                "--title",
                &format!("Project {n}"),
                "--member",
                &format!("trainee={}", spawn::trainee(1)),
            ])
        })
        .collect();
    for chunk in starts.chunks(10) {
        for r in at_once(db, chunk.to_vec()) {
            assert!(r.ok(), "{r}");
        }
    }
    let before = deadlines(db).await;
    let old = before[0].clone();
    // Killed at growing moments: each time, every project has the old
    // deadline or every one the new one.
    for wait in [5u64, 20, 60, 150, 400] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gradflow"))
            .args(["--db", &db.url, "cohort", "dates", "killed"])
            .args([
                "--date",
                &format!("proposal_due=2026-03-{:02}", 1 + wait % 27),
            ])
            .args(["--reason", "moved"])
            .env_remove("GRADFLOW_DATABASE_URL")
            .env("GRADFLOW_NOW", "2026-02-01T06:00:00Z")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(wait));
        let _ = child.kill();
        let _ = child.wait();
        let now = deadlines(db).await;
        assert!(
            now.iter().all(|d| *d == now[0]),
            "after a kill at {wait} ms every project has the same deadline: {now:?}"
        );
        if now[0] != old {
            assert!(now.iter().all(|d| *d != old));
        }
    }
    let engine = db.engine().await;
    audit_passes(&engine).await;
    // And one run to the end changes every one.
    ok(
        db,
        &[
            "cohort",
            "dates",
            "killed",
            "--date",
            "proposal_due=2026-03-30",
            "--reason",
            "final",
        ],
    );
    let now = deadlines(db).await;
    assert!(now.iter().all(|d| d.contains("2026-03-30")), "{now:?}");
    audit_passes(&engine).await;
}

async fn the_checklist_is_on_the_page_in_both_languages_with_the_extension(db: &TestDb) {
    let site = Site::new(db).await;
    let project = site.projects[0];
    site.engine
        .extend(
            &Extension {
                cohort: "Cohort A".into(),
                trainees: vec!["trainee1@example.org".into()],
                extending: Extending::Deadline("proposal".into()),
                to: date(2027, 6, 1),
                reason: "family emergency".into(),
                by: Some("coord-a@example.org".into()),
            },
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let mut trainee = site.signed_in("trainee1@example.org").await;
    let page = trainee.get(&format!("/projects/{project}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body.replace(['\u{2068}', '\u{2069}'], "");
    let checklist = crate::web::section(&body, "checklist");
    assert!(checklist.contains("Graduation checklist"), "{checklist}");
    assert!(
        checklist.contains("4 items are still missing"),
        "{checklist}"
    );
    assert!(
        checklist.contains("Improvement proposal submitted"),
        "{checklist}"
    );
    assert!(
        checklist.contains("Committee assessment passed"),
        "{checklist}"
    );
    assert!(checklist.contains("Missing"), "{checklist}");
    let due = &body[body.find("id=\"due\"").unwrap()..];
    let due = &due[..due.find("</ul>").unwrap()];
    assert!(
        due.contains("extended by Person coord-a: family emergency"),
        "{due}"
    );
    assert!(
        body.contains("Deadline of Proposal extended to"),
        "history says it"
    );
    // In Arabic, from the catalogues and the definition's words.
    site.engine
        .set_person_language("trainee1@example.org", "ar")
        .await
        .unwrap();
    let body = trainee
        .get(&format!("/projects/{project}"))
        .await
        .body
        .replace(['\u{2068}', '\u{2069}'], "");
    let checklist = crate::web::section(&body, "checklist");
    assert!(checklist.contains("قائمة متطلبات التخرج"), "{checklist}");
    assert!(checklist.contains("تقديم مقترح التحسين"), "{checklist}");
    assert!(checklist.contains("ناقص"), "{checklist}");
    assert!(!checklist.contains("Missing"), "{checklist}");
    assert!(body.contains("مدّده"), "the extension in Arabic");
    // The supervisor sees the checklist too, but has no form to extend.
    let mut supervisor = site.signed_in("sup1@example.org").await;
    let page = supervisor.get(&format!("/projects/{project}")).await;
    assert!(page.body.contains("id=\"checklist\""));
    assert!(!page.body.contains("id=\"extend\""));
    let before = snapshot(db).await;
    let path = format!("/projects/{project}/extend");
    let refused = supervisor
        .post(
            &path,
            &[
                ("csrf", &page.csrf()),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "asked nicely"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_unchanged(db, &before, "an extension by the supervisor").await;
    // The coordinator extends it on the page.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let page = coordinator.get(&format!("/projects/{project}")).await;
    assert!(
        page.body.contains("id=\"extend\""),
        "the coordinator has the form"
    );
    let bad = coordinator
        .post(
            &path,
            &[
                ("csrf", &page.csrf()),
                ("target", "deadline:proposal"),
                ("date", "1 July"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);
    let done = coordinator
        .post(
            &path,
            &[
                ("csrf", &page.csrf()),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "the office was closed"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.headers["location"].to_str().unwrap().to_owned();
    let body = coordinator
        .get(&location)
        .await
        .body
        .replace(['\u{2068}', '\u{2069}'], "");
    assert!(body.contains("Extended: the new date is"), "{body}");
    assert!(body.contains("extended by Person coord-a: the office was closed"));
    site.stop().await;
}

const CHECKLIST_WORKFLOW: &str = r#"
key: checked
version: 1
title: Checked
roles: [{ role: trainee, count: 1 }, coordinator]
start: work
stages:
  work:
    milestones:
      - { key: report, title: { en: Report, ar: التقرير }, form: note, by: trainee, review_by: coordinator }
    actions:
      certify: { by: coordinator, to: done, effects: [issue_certificate] }
  done: { terminal: true }
forms:
  note: { fields: { text: { type: text } } }
checklist:
  report:
    title: { en: Report accepted, ar: قبول التقرير }
    when: milestones.report.accepted
"#;

async fn the_certificate_waits_for_the_checklist(db: &TestDb) {
    let engine = db.engine().await;
    engine
        .publish(&[CHECKLIST_WORKFLOW.to_owned()], day(0))
        .await
        .unwrap();
    let workflow = definition::parse(CHECKLIST_WORKFLOW, definition::Templates::Unchecked).unwrap();
    for email in [holder("trainee", 1), COORDINATOR.to_owned()] {
        engine.add_person(&email, &email, "", day(0)).await.unwrap();
    }
    engine
        .create_program("checked", "Checked", "checked", day(0))
        .await
        .unwrap();
    let mut cohort = support::new_cohort(&workflow, "checked", "checked cohort");
    cohort.coordinators = vec![COORDINATOR.into()];
    engine.create_cohort(cohort, day(0)).await.unwrap();
    let id = engine
        .start_project(
            "checked cohort",
            "A project",
            &[(holder("trainee", 1), "trainee".into())],
            day(1),
        )
        .await
        .unwrap()
        .project;
    let before = snapshot(db).await;
    let refused = support::act(&engine, id, COORDINATOR, "certify", Fields::new(), None, 2)
        .await
        .unwrap_err();
    let reason = refused.reason();
    assert_eq!(reason.code, "checklist-incomplete");
    assert_eq!(
        reason.to_string(),
        "checklist-incomplete count=1 missing=[report]"
    );
    assert!(gradflow_words::error("en", &refused).contains("Report accepted"));
    assert!(gradflow_words::error("ar", &refused).contains("قبول التقرير"));
    assert_unchanged(db, &before, "a certificate refused").await;
    let mut note = Fields::new();
    note.insert("text".into(), serde_json::json!("done"));
    support::act(
        &engine,
        id,
        &holder("trainee", 1),
        "report.submit",
        note,
        None,
        3,
    )
    .await
    .unwrap();
    support::act(
        &engine,
        id,
        COORDINATOR,
        "report.accept",
        Fields::new(),
        None,
        4,
    )
    .await
    .unwrap();
    let request = Request {
        action: "certify".into(),
        ..Request::default()
    };
    engine.act(id, COORDINATOR, request, day(5)).await.unwrap();
    assert!(engine.history(id).await.unwrap().iter().any(
        |e| matches!(&e.change, Change::EffectRequested { effect } if effect == "issue_certificate")
    ));
    audit_passes(&engine).await;
}

async fn twenty_processes_extending_one_project_leave_a_consistent_log(db: &TestDb) {
    spawn::set_up_service(db, 2);
    spawn::create_cohort(db, "raced", 10, &[]);
    for n in [1, 2] {
        ok(
            db,
            &[
                "project",
                "start",
                "--cohort",
                "raced",
                "--title",
                &format!("Project {n}"),
                "--member",
                &format!("trainee={}", spawn::trainee(n)),
            ],
        );
    }
    let engine = db.engine().await;
    let projects = engine.projects(None).await.unwrap();
    let id = |title: &str| projects.iter().find(|p| p.title == title).unwrap().id;
    let (first, other) = (id("Project 1"), id("Project 2"));
    let other_timers = engine.pending_timers(other).await.unwrap();
    let commands: Vec<Vec<String>> = (0..20)
        .map(|n| {
            args(&[
                "project",
                "extend",
                "--cohort",
                "raced",
                "--trainee",
                &spawn::trainee(1),
                "--deadline",
                "proposal",
                "--to",
                &format!("2026-04-{:02}", n + 1),
                "--reason",
                &format!("racer {n}"),
                "--by",
                spawn::COORDINATOR,
            ])
        })
        .collect();
    let runs = at_once(db, commands);
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.ok())
        .map(|r| r.to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "every extension succeeds in turn:\n{}",
        failed.join("\n")
    );
    let history = engine.history(first).await.unwrap();
    let extended: Vec<&Change> = history
        .iter()
        .map(|e| &e.change)
        .filter(|c| matches!(c, Change::Extended { .. }))
        .collect();
    assert_eq!(extended.len(), 20);
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "the log has no gap");
    }
    let Change::Extended { due, .. } = extended.last().unwrap() else {
        unreachable!()
    };
    let state = engine.view(first).await.unwrap().record.state;
    assert_eq!(
        state.deadline,
        Some(*due),
        "the last extension is the deadline"
    );
    let timers = engine.pending_timers(first).await.unwrap();
    let deadlines: Vec<_> = timers.iter().filter(|t| t.1 == "deadline").collect();
    assert_eq!(deadlines.len(), 1, "one deadline timer: {timers:?}");
    assert_eq!(deadlines[0].2, *due);
    let reminders = timers.iter().filter(|t| t.1 == "reminder").count();
    assert!(reminders <= 2, "reminders not doubled: {timers:?}");
    assert_eq!(engine.pending_timers(other).await.unwrap(), other_timers);
    audit_passes(&engine).await;
}

async fn twenty_starts_racing_calendar_changes_never_start_on_an_old_calendar(db: &TestDb) {
    spawn::set_up_service(db, 1);
    spawn::create_cohort(db, "moving", 200, &[]);
    let now: jiff::Timestamp = "2026-02-01T06:00:00Z".parse().unwrap();
    let zone = jiff::tz::TimeZone::get("Asia/Muscat").unwrap();
    // Twenty starters (each its own engine and connections, as separate
    // processes would be) and a coordinator moving the proposal's due date,
    // all at once, round after round: a start planned on a calendar that
    // changed before it committed must be planned again, never written on
    // the old one. Checked after each round, before the next change would
    // plan a stale project again and hide it.
    let mut engines = Vec::new();
    for _ in 0..21 {
        engines.push(std::sync::Arc::new(db.engine().await));
    }
    let check = db.engine().await;
    for round in 0..8_i8 {
        let changer = {
            let engine = engines[20].clone();
            tokio::spawn(async move {
                let mut edit = CalendarEdit {
                    cohort: "moving".into(),
                    reason: format!("moved in round {round}"),
                    by: Some(spawn::COORDINATOR.into()),
                    ..CalendarEdit::default()
                };
                edit.dates
                    .insert("proposal_due".into(), date(2026, 3, 1 + round));
                engine.change_calendar(&edit, now).await.unwrap();
            })
        };
        let mut starters = Vec::new();
        for (s, engine) in engines.iter().take(20).enumerate() {
            let engine = engine.clone();
            starters.push(tokio::spawn(async move {
                let members = vec![(spawn::trainee(1), "trainee".to_owned())];
                engine
                    .start_project("moving", &format!("Project {round}/{s}"), &members, now)
                    .await
                    .unwrap();
            }));
        }
        changer.await.unwrap();
        for starter in starters {
            starter.await.unwrap();
        }
        let due = check.cohort("moving").await.unwrap().dates["proposal_due"];
        assert_eq!(due, date(2026, 3, 1 + round));
        let projects = check.projects(None).await.unwrap();
        assert_eq!(projects.len(), 20 * (round as usize + 1));
        for p in &projects {
            let deadline = check.view(p.id).await.unwrap().record.state.deadline;
            assert_eq!(
                deadline.map(|d| d.to_zoned_datetime(zone.clone()).date()),
                Some(due),
                "round {round}: project {} ({}) is due on the cohort's proposal date",
                p.id,
                p.title
            );
            assert_eq!(
                deadline_of(&check, p.id).await,
                deadline,
                "its timer agrees"
            );
        }
        audit_passes(&check).await;
    }
}

/// The person ids the dates page offers to extend, in page order.
fn trainee_ids(body: &str) -> Vec<String> {
    body.match_indices("name=\"trainee\" value=\"")
        .map(|(i, m)| {
            body[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect()
        })
        .collect()
}

async fn the_dates_page_extends_several_and_changes_the_calendar(db: &TestDb) {
    let site = Site::new(db).await;
    let cohort = site.cohorts[0];
    let path = format!("/cohorts/{cohort}/dates");
    let clean = |body: String| body.replace(['\u{2068}', '\u{2069}'], "");
    // Nobody but the cohort's coordinators finds the page, or can post to it.
    let mut others = Vec::new();
    for email in [
        "coord-b@example.org",
        "trainee1@example.org",
        "sup1@example.org",
    ] {
        others.push((email, site.signed_in(email).await));
    }
    let before = snapshot(db).await;
    for (email, other) in &mut others {
        let page = other.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{email}");
        assert!(!page.body.contains("Cohort A"), "{email}: {}", page.body);
        let csrf = other.get("/profile").await.csrf();
        for (action, form) in [
            (
                "extend",
                vec![
                    ("csrf", csrf.as_str()),
                    ("trainee", "1"),
                    ("target", "deadline:proposal"),
                    ("date", "2027-07-01"),
                    ("reason", "x"),
                ],
            ),
            (
                "calendar",
                vec![
                    ("csrf", csrf.as_str()),
                    ("add_holiday", "2027-01-05"),
                    ("calendar_reason", "x"),
                ],
            ),
        ] {
            let posted = other.post(&format!("{path}/{action}"), &form).await;
            assert_eq!(
                posted.status,
                StatusCode::NOT_FOUND,
                "{email} {action}: {}",
                posted.body
            );
        }
    }
    assert_unchanged(db, &before, "the dates forms posted by others").await;

    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let board = coordinator.get(&format!("/cohorts/{cohort}")).await;
    assert!(
        board.body.contains(&format!("href=\"{path}\"")),
        "the board links the page"
    );
    let page = coordinator.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = clean(page.body.clone());
    assert!(
        body.contains("Faster renewals") && body.contains("Fewer visits"),
        "{body}"
    );
    assert!(
        !body.contains("Clearer letters"),
        "another cohort's project"
    );
    assert!(body.contains("Next: "), "each trainee's next step: {body}");
    let ids = trainee_ids(&body);
    assert_eq!(ids.len(), 2, "{body}");
    let csrf = page.csrf();

    // Refusals: the form comes back as typed with the engine's reason, and nothing changes.
    let before = snapshot(db).await;
    let refusals: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "kept words"),
            ],
            "choose 1 to 500 trainees",
        ),
        (
            vec![
                ("trainee", &ids[0]),
                ("trainee", "999999"),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "kept words"),
            ],
            "choose 1 to 500 trainees",
        ),
        (
            vec![
                ("trainee", &ids[0]),
                ("target", "deadline:proposal"),
                ("date", "1 July"),
                ("reason", "kept words"),
            ],
            "YYYY-MM-DD",
        ),
        (
            vec![
                ("trainee", &ids[0]),
                ("target", "deadline:proposal"),
                ("date", "2020-07-01"),
                ("reason", "kept words"),
            ],
            "is not in the future",
        ),
        (
            vec![
                ("trainee", &ids[0]),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "  "),
            ],
            "a reason is required",
        ),
    ];
    for (fields, words) in &refusals {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().copied());
        let refused = coordinator.post(&format!("{path}/extend"), &form).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{words}: {}",
            refused.body
        );
        let body = clean(refused.body);
        assert!(body.contains("id=\"dates-error\""), "{body}");
        assert!(body.contains(words), "{words}: {body}");
        if fields.iter().any(|(_, v)| *v == "kept words") {
            assert!(
                body.contains("value=\"kept words\""),
                "what was typed is kept: {body}"
            );
        }
    }
    let no_csrf = coordinator
        .post(
            &format!("{path}/extend"),
            &[
                ("trainee", ids[0].as_str()),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "x"),
            ],
        )
        .await;
    assert_ne!(no_csrf.status, StatusCode::SEE_OTHER, "{}", no_csrf.body);
    assert_unchanged(db, &before, "refused extensions").await;

    // Both trainees at once: one transaction, each project's next step said.
    let done = coordinator
        .post(
            &format!("{path}/extend"),
            &[
                ("csrf", csrf.as_str()),
                ("trainee", ids[0].as_str()),
                ("trainee", ids[1].as_str()),
                ("target", "deadline:proposal"),
                ("date", "2027-07-01"),
                ("reason", "<b>office closed</b>"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&path), "{location}");
    let body = clean(coordinator.get(&location).await.body);
    assert!(
        body.contains("New date given on 2 project(s): now due 1 Jul 2027"),
        "{body}"
    );
    assert!(body.contains("Faster renewals — Next: "), "{body}");
    assert!(body.contains("Fewer visits — Next: "), "{body}");
    assert!(body.contains("1 Jul 2027"), "{body}");
    let zone = jiff::tz::TimeZone::get(&site.engine.cohort_by_id(cohort).await.unwrap().time_zone)
        .unwrap();
    for project in [site.projects[0], site.projects[1]] {
        let view = site.engine.view(project).await.unwrap();
        let deadline = view.record.state.deadline.unwrap();
        assert_eq!(
            deadline.to_zoned_datetime(zone.clone()).date(),
            date(2027, 7, 1)
        );
        assert_eq!(deadline_of(&site.engine, project).await, Some(deadline));
        let history = site.engine.history(project).await.unwrap();
        assert!(history.iter().any(|e| matches!(&e.change, Change::Extended { reason, .. } if reason == "<b>office closed</b>")));
    }
    let other = site.engine.view(site.projects[2]).await.unwrap();
    assert!(
        other.record.state.extensions.is_empty(),
        "cohort B untouched"
    );

    // The cohort's dates and holidays.
    let page = coordinator.get(&path).await;
    let csrf = page.csrf();
    let calendar = |extra: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("calendar_reason", "ministry holiday")];
        form.extend(extra);
        form
    };
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(calendar(vec![("add_holiday", "2027-02-03")]));
    let done = coordinator.post(&format!("{path}/calendar"), &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.headers["location"].to_str().unwrap().to_owned();
    let body = clean(coordinator.get(&location).await.body);
    assert!(
        body.contains("calendar is changed: 2 open project(s) planned again"),
        "{body}"
    );
    assert!(body.contains("Next: "), "{body}");
    assert!(body.contains("3 Feb 2027"), "the holiday listed: {body}");
    let stored = site.engine.cohort_by_id(cohort).await.unwrap();
    assert!(stored.holidays.contains(&date(2027, 2, 3)));
    // The same again changes nothing, and says so; an unknown date is named.
    let before = snapshot(db).await;
    let refused = coordinator.post(&format!("{path}/calendar"), &form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(clean(refused.body).contains("nothing to change"));
    let mut unknown = vec![("csrf", csrf.as_str())];
    unknown.extend(calendar(vec![("date:no_such_day", "2027-02-03")]));
    let refused = coordinator
        .post(&format!("{path}/calendar"), &unknown)
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(clean(refused.body).contains("no_such_day"));
    assert_unchanged(db, &before, "refused calendar changes").await;

    // In Arabic: the page, a refusal and a confirmation.
    site.engine
        .set_person_language("coord-a@example.org", "ar")
        .await
        .unwrap();
    let page = coordinator.get(&path).await;
    let body = clean(page.body.clone());
    assert!(body.contains("المواعيد والتمديدات"), "{body}");
    assert!(!body.contains("Give trainees a new date"), "{body}");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend(calendar(vec![("remove_holiday", "2027-02-03")]));
    form[1] = ("calendar_reason", " ");
    let refused = coordinator.post(&format!("{path}/calendar"), &form).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let body = clean(refused.body);
    assert!(body.contains("اذكر السبب"), "{body}");
    assert!(!body.contains("a reason is required"), "{body}");
    form[1] = ("calendar_reason", "ألغيت العطلة");
    let done = coordinator.post(&format!("{path}/calendar"), &form).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let location = done.headers["location"].to_str().unwrap().to_owned();
    let body = clean(coordinator.get(&location).await.body);
    assert!(body.contains("تغيّر تقويم الدفعة"), "{body}");
    assert!(
        !site
            .engine
            .cohort_by_id(cohort)
            .await
            .unwrap()
            .holidays
            .contains(&date(2027, 2, 3))
    );
    audit_passes(&site.engine).await;
    site.stop().await;
}

async fn extensions_racing_holidays_plan_on_the_calendar_that_holds(db: &TestDb) {
    spawn::set_up_service(db, 2);
    spawn::create_cohort(db, "closing", 10, &[]);
    let now: jiff::Timestamp = "2026-02-01T06:00:00Z".parse().unwrap();
    let zone = jiff::tz::TimeZone::get("Asia/Muscat").unwrap();
    let setup = db.engine().await;
    for n in 1..=2 {
        let members = vec![(spawn::trainee(n), "trainee".to_owned())];
        setup
            .start_project("closing", &format!("Project {n}"), &members, now)
            .await
            .unwrap();
    }
    let extender = std::sync::Arc::new(db.engine().await);
    let closer = std::sync::Arc::new(db.engine().await);
    // Each round, at once: trainee 1's deadline moved to a Tuesday, and the
    // Monday before it (the day of the reminder one day before) made a
    // holiday. Whichever commits first, the reminder must not fall on the
    // holiday: an extension planned on the calendar read before the
    // holiday was committed would put it there.
    for round in 0..8_i64 {
        let tuesday = date(2027, 3, 2)
            .checked_add(jiff::Span::new().days(7 * round))
            .unwrap();
        let monday = tuesday.yesterday().unwrap();
        let extend = {
            let engine = extender.clone();
            tokio::spawn(async move {
                engine
                    .extend(
                        &Extension {
                            cohort: "closing".into(),
                            trainees: vec![spawn::trainee(1)],
                            extending: Extending::Deadline("proposal".into()),
                            to: tuesday,
                            reason: format!("round {round}"),
                            by: Some(spawn::COORDINATOR.into()),
                        },
                        now,
                    )
                    .await
                    .unwrap();
            })
        };
        let close = {
            let engine = closer.clone();
            tokio::spawn(async move {
                let mut edit = CalendarEdit {
                    cohort: "closing".into(),
                    reason: format!("closed in round {round}"),
                    by: Some(spawn::COORDINATOR.into()),
                    ..CalendarEdit::default()
                };
                edit.add_holidays.insert(monday);
                engine.change_calendar(&edit, now).await.unwrap();
            })
        };
        extend.await.unwrap();
        close.await.unwrap();
        let holidays = setup.cohort("closing").await.unwrap().holidays;
        assert!(holidays.contains(&monday));
        let project = setup
            .projects(None)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.title == "Project 1")
            .unwrap()
            .id;
        let timers = setup.pending_timers(project).await.unwrap();
        let deadline = timers.iter().find(|t| t.1 == "deadline").unwrap().2;
        assert_eq!(deadline.to_zoned_datetime(zone.clone()).date(), tuesday);
        for (key, kind, at) in timers.iter().filter(|t| t.1 == "reminder") {
            let day = at.to_zoned_datetime(zone.clone()).date();
            assert!(
                !holidays.contains(&day),
                "round {round}: {kind} {key} falls on the holiday {day}: {timers:?}"
            );
        }
    }
    audit_passes(&setup).await;
}
