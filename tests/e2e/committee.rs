//! Committees (issue 15, parts 2 and 3) on both databases: a cohort's pool
//! assigns evaluators when a project enters evaluation (in the move's
//! transaction) and on demand; a pool too small is refused with who is
//! excluded and why, changing nothing, and never blocks a move; reassign;
//! evaluators mailed through the real worker and SMTP sink, in their
//! language; the late evaluator's reminder and the chair's escalation fire
//! once; a conflicted or unassigned pool member finds no trace of a project
//! in any page, list, count, export or mail; 20 processes assigning one
//! cohort at once give each project exactly its evaluators.

use std::collections::{BTreeMap, BTreeSet};

use gradflow_engine::decide::Change;
use gradflow_engine::definition;
use gradflow_engine::service::Engine;
use reqwest::StatusCode;
use serde_json::json;

use crate::processes::spawn;
use crate::smtp_sink::Sink;
use crate::support::{self, TestDb, assert_unchanged, bundled, day, on_both, snapshot};
use crate::web::{PASSWORD, Site};
use crate::worker::worker_once;

on_both!(
    entering_evaluation_assigns_mails_and_plans_deadlines,
    a_pool_too_small_is_refused_with_why_and_changes_nothing,
    a_pool_too_small_never_blocks_the_move_and_tells_the_coordinator,
    reassign_replaces_one_evaluator_by_the_same_rules,
    the_late_evaluator_is_reminded_and_the_chair_told_once,
    a_pool_member_finds_no_trace_of_projects_they_are_not_on,
    twenty_processes_assigning_one_cohort_give_each_project_its_evaluators,
);

/// Pool members added to Cohort A of the test site: (email, organization).
/// `pool3` declared conflicts with both trainees of Cohort A.
const POOL: &[(&str, &str)] = &[
    ("pool1@example.org", "Ministry of Works"),
    ("pool2@example.org", "Ministry of Health"),
    ("pool3@example.org", "Ministry of Education"),
    ("chair@example.org", "Ministry of Interior"),
];

/// The test site (Cohort A: projects 0 and 1, coordinator coord-a) with
/// the committee pool above, pool3 conflicted with trainees 1 and 2.
pub(crate) async fn site_with_pool(db: &TestDb) -> Site {
    let site = Site::new(db).await;
    let engine = &site.engine;
    for (email, organization) in POOL {
        engine
            .add_person(email, &format!("Person {email}"), organization, day(0))
            .await
            .unwrap();
        engine.set_password(email, PASSWORD).await.unwrap();
        engine
            .pool_add("Cohort A", email, email.starts_with("chair"), day(0))
            .await
            .unwrap();
    }
    for trainee in ["trainee1@example.org", "trainee2@example.org"] {
        engine
            .declare_conflict(
                "pool3@example.org",
                Some(trainee),
                None,
                "my sister's team",
                Some("coord-a@example.org"),
                day(0),
            )
            .await
            .unwrap();
    }
    site
}

/// Takes project `p` (trainee `n`, supervisor `n`, Cohort A) to evaluation,
/// its last step (`finish`) on day 9.
pub(crate) async fn to_evaluation(engine: &Engine, p: i64, n: usize) {
    let forms = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow
        .forms;
    let trainee = format!("trainee{n}@example.org");
    let sup = format!("sup{n}@example.org");
    let visit = || {
        let mut answers = support::sample(&forms["client_visit"]);
        answers.insert("waiting_minutes".into(), json!(60));
        answers
    };
    let steps = [
        (
            trainee.as_str(),
            "submit",
            support::sample(&forms["proposal"]),
        ),
        (sup.as_str(), "endorse", Default::default()),
        (trainee.as_str(), "visit_before.submit", visit()),
        (
            "coord-a@example.org",
            "visit_before.accept",
            Default::default(),
        ),
        (trainee.as_str(), "visit_after.submit", visit()),
        (
            "coord-a@example.org",
            "visit_after.accept",
            Default::default(),
        ),
        (
            trainee.as_str(),
            "finish",
            support::sample(&forms["final_report"]),
        ),
    ];
    for (i, (who, action, answers)) in steps.into_iter().enumerate() {
        support::act(engine, p, who, action, answers, None, 2 + i as i64)
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
}

/// Who holds `role` on project `p`, by email.
pub(crate) async fn holders(engine: &Engine, p: i64, role: &str) -> BTreeSet<String> {
    let view = engine.view(p).await.unwrap();
    let mut out = BTreeSet::new();
    for m in view.record.members.iter().filter(|m| m.role == role) {
        out.insert(engine.person_by_id(m.person).await.unwrap().email);
    }
    out
}

async fn entering_evaluation_assigns_mails_and_plans_deadlines(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    engine
        .set_person_language("pool2@example.org", "ar")
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    let view = engine.view(p).await.unwrap();
    assert_eq!(view.record.state.stage, "evaluation");
    // pool3 is conflicted with trainee 2; the chair chairs: pool1 and pool2 score.
    assert_eq!(
        holders(engine, p, "committee").await,
        BTreeSet::from(["pool1@example.org".into(), "pool2@example.org".into()])
    );
    assert_eq!(
        holders(engine, p, "chair").await,
        BTreeSet::from(["chair@example.org".to_owned()])
    );
    // In the move's own step: the seats are events right after the move.
    let history = engine.history(p).await.unwrap();
    let moved = history
        .iter()
        .rposition(|e| matches!(&e.change, Change::Moved { to, .. } if to == "evaluation"))
        .unwrap();
    let at = history[moved].at;
    let seated: Vec<_> = history[moved..]
        .iter()
        .filter(|e| matches!(e.change, Change::MemberAdded { .. }))
        .collect();
    assert_eq!(seated.len(), 3);
    assert!(seated.iter().all(|e| e.at == at));
    // Each evaluator has a reminder and a deadline.
    let timers: BTreeSet<String> = engine
        .pending_timers(p)
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _, _)| key)
        .filter(|k| k.starts_with("score-"))
        .collect();
    assert_eq!(timers.len(), 4, "{timers:?}");
    // Mailed through the real worker, each in their language.
    let sink = Sink::start(&[]).await;
    worker_once(db, &day(9).to_string(), &sink.url(), 100).await;
    let received = sink.stop().await;
    let to = |who: &str| {
        received
            .iter()
            .filter(|m| m.to.iter().any(|r| r == who))
            .map(|m| m.subject())
            .collect::<Vec<_>>()
    };
    let en = to("pool1@example.org");
    assert!(
        en.iter()
            .any(|s| s.contains("You are on the committee for \"Fewer visits\"")),
        "{en:?}"
    );
    let ar = to("pool2@example.org");
    assert!(
        ar.iter().any(|s| s.contains("أنت عضو في لجنة تقييم")),
        "{ar:?}"
    );
    assert!(
        to("pool3@example.org").is_empty(),
        "the conflicted member gets no mail"
    );
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

async fn a_pool_too_small_is_refused_with_why_and_changes_nothing(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    // Without a pool the move assigns nobody; then the pool shrinks to
    // pool3 (conflicted) and pool1, and the chair.
    engine
        .pool_remove("Cohort A", "pool2@example.org")
        .await
        .unwrap();
    engine
        .pool_remove("Cohort A", "pool1@example.org")
        .await
        .unwrap();
    engine
        .pool_remove("Cohort A", "pool3@example.org")
        .await
        .unwrap();
    engine
        .pool_remove("Cohort A", "chair@example.org")
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    assert!(holders(engine, p, "committee").await.is_empty());
    engine
        .pool_add("Cohort A", "pool1@example.org", false, day(9))
        .await
        .unwrap();
    engine
        .pool_add("Cohort A", "pool3@example.org", false, day(9))
        .await
        .unwrap();
    engine
        .pool_add("Cohort A", "sup2@example.org", false, day(9))
        .await
        .unwrap();
    let before = snapshot(db).await;
    let refused = engine
        .assign_cohort("Cohort A", Some("coord-a@example.org"), day(10))
        .await
        .unwrap_err();
    let reason = refused.reason();
    assert_eq!(reason.code, "committee-pool-too-small", "{refused}");
    let said = refused.to_string();
    assert!(said.contains("wanted=2 eligible=1"), "{said}");
    assert!(
        said.contains(
            "person=\"Person pool3@example.org\" why=declared-trainee detail=\"Person trainee2\""
        ),
        "{said}"
    );
    assert!(
        said.contains("person=\"Person sup2\" why=supervisor"),
        "{said}"
    );
    // In words, in both languages.
    let en = gradflow_words::error("en", &refused);
    assert!(en.contains("the committee pool is too small"), "{en}");
    assert!(en.contains("the trainee's supervisor"), "{en}");
    let ar = gradflow_words::error("ar", &refused);
    assert!(ar.contains("مجموعة اللجنة صغيرة جدًا"), "{ar}");
    assert_unchanged(db, &before, "a pool too small").await;
    // Someone who does not coordinate the cohort may not ask.
    let forbidden = engine
        .assign_cohort("Cohort A", Some("coord-b@example.org"), day(10))
        .await
        .unwrap_err();
    assert_eq!(forbidden.kind(), gradflow_engine::service::Kind::Forbidden);
    // The board's button says the same, in the coordinator's words; another
    // cohort's coordinator finds no such cohort.
    let cohort = site.cohorts[0];
    let mut coord = site.signed_in("coord-a@example.org").await;
    let board = coord.get(&format!("/cohorts/{cohort}")).await;
    assert!(
        board.body.contains("id=\"committee-assign\""),
        "{}",
        board.body
    );
    let refused = coord
        .post(
            &format!("/cohorts/{cohort}/committee"),
            &[("csrf", board.csrf().as_str())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    let text = refused.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(text.contains("the committee pool is too small"), "{text}");
    assert!(text.contains("Person sup2"), "{text}");
    let mut stranger = site.signed_in("coord-b@example.org").await;
    let page = stranger.get("/").await;
    let hidden = stranger
        .post(
            &format!("/cohorts/{cohort}/committee"),
            &[("csrf", page.csrf().as_str())],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // Mended, the cohort is staffed on demand from the board.
    engine
        .pool_add("Cohort A", "pool2@example.org", false, day(10))
        .await
        .unwrap();
    let sent = coord
        .post(
            &format!("/cohorts/{cohort}/committee"),
            &[("csrf", board.csrf().as_str())],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let to = sent.headers[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let landed = coord.get(&to).await;
    assert!(
        landed
            .body
            .replace(['\u{2068}', '\u{2069}'], "")
            .contains("Projects given their evaluators now: 1;"),
        "{}",
        landed.body
    );
    let again = engine
        .assign_cohort("Cohort A", None, day(10))
        .await
        .unwrap();
    assert_eq!((again.assigned.len(), again.complete), (0, 1));
    assert_eq!(
        holders(engine, p, "committee").await,
        BTreeSet::from(["pool1@example.org".into(), "pool2@example.org".into()])
    );
}

async fn a_pool_too_small_never_blocks_the_move_and_tells_the_coordinator(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    engine
        .pool_remove("Cohort A", "pool2@example.org")
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    let view = engine.view(p).await.unwrap();
    assert_eq!(view.record.state.stage, "evaluation", "the move went ahead");
    assert!(
        holders(engine, p, "committee").await.is_empty(),
        "nobody half-seated"
    );
    let history = engine.history(p).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| matches!(e.change, Change::CommitteeShort { missing: 2, .. })),
        "recorded"
    );
    let messages = engine.messages(p).await.unwrap();
    assert!(
        messages
            .iter()
            .any(|(t, email, _)| t == "committee_short" && email == "coord-a@example.org"),
        "{messages:?}"
    );
    let sink = Sink::start(&[]).await;
    worker_once(db, &day(9).to_string(), &sink.url(), 100).await;
    let received = sink.stop().await;
    let told = received
        .iter()
        .find(|m| {
            m.to.iter().any(|r| r == "coord-a@example.org") && m.subject().contains("No committee")
        })
        .expect("the coordinator is mailed");
    assert!(
        told.text().contains("gradflow committee assign --cohort"),
        "{}",
        told.text()
    );
}

async fn reassign_replaces_one_evaluator_by_the_same_rules(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    engine
        .add_person(
            "pool4@example.org",
            "Person pool4",
            "Ministry of Works",
            day(0),
        )
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    let seated = holders(engine, p, "committee").await;
    assert_eq!(seated.len(), 2);
    // No one left to replace pool1 with: refused, nothing changed.
    let before = snapshot(db).await;
    let refused = engine
        .reassign(p, "pool1@example.org", Some("coord-a@example.org"), day(10))
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "committee-pool-too-small");
    assert_unchanged(db, &before, "a reassignment with nobody free").await;
    // A trainee may not reassign.
    let refused = engine
        .reassign(
            p,
            "pool1@example.org",
            Some("trainee2@example.org"),
            day(10),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "not-allowed-yours", "{refused}");
    engine
        .pool_add("Cohort A", "pool4@example.org", false, day(10))
        .await
        .unwrap();
    engine
        .reassign(p, "pool1@example.org", Some("coord-a@example.org"), day(10))
        .await
        .unwrap();
    assert_eq!(
        holders(engine, p, "committee").await,
        BTreeSet::from(["pool2@example.org".into(), "pool4@example.org".into()])
    );
    let timers: BTreeSet<String> = engine
        .pending_timers(p)
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _, _)| key)
        .filter(|k| k.starts_with("score-"))
        .collect();
    let pool1 = engine.person("pool1@example.org").await.unwrap().id;
    assert!(
        !timers.iter().any(|k| k.contains(&format!(":{pool1}"))),
        "the replaced evaluator's timers are cancelled: {timers:?}"
    );
    assert_eq!(timers.len(), 4, "{timers:?}");
    // The replaced evaluator no longer sees the project.
    let mut pool1_browser = site.browser();
    pool1_browser.sign_in("pool1@example.org", PASSWORD).await;
    assert_eq!(
        pool1_browser.get(&format!("/projects/{p}")).await.status,
        StatusCode::NOT_FOUND
    );
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

async fn the_late_evaluator_is_reminded_and_the_chair_told_once(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    engine
        .set_person_language("chair@example.org", "ar")
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    // pool2 scores at once; pool1 is late.
    let w = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow;
    let rubric = &w.rubrics["safe"];
    let mut scores = gradflow_engine::decide::Fields::new();
    for c in &rubric.criteria {
        scores.insert(c.key.clone(), json!(3));
    }
    support::act(engine, p, "pool2@example.org", "score", scores, None, 10)
        .await
        .unwrap();
    let sink = Sink::start(&[]).await;
    // Entered on day 8 (Friday 9 January): ten business days end Friday
    // 23 January; the reminder goes on the 20th (day 20 is past it, not
    // the deadline), the chair is told at the next opening after the
    // deadline (day 26 is past it); day 45 finds nothing more to send.
    for n in [20, 26, 45] {
        worker_once(db, &day(n).to_string(), &sink.url(), 100).await;
    }
    let received = sink.stop().await;
    let history = engine.history(p).await.unwrap();
    let reminded: Vec<String> = history
        .iter()
        .filter_map(|e| match &e.change {
            Change::Reminded { timer } if timer.starts_with("score-") => Some(timer.clone()),
            _ => None,
        })
        .collect();
    let pool1 = engine.person("pool1@example.org").await.unwrap().id;
    assert_eq!(
        reminded,
        vec![
            format!("score-remind:{pool1}:0"),
            format!("score-late:{pool1}")
        ],
        "once each, and nothing for the evaluator who scored"
    );
    let subjects = |who: &str| {
        received
            .iter()
            .filter(|m| m.to.iter().any(|r| r == who))
            .map(|m| m.subject())
            .collect::<Vec<_>>()
    };
    let reminders: Vec<String> = subjects("pool1@example.org")
        .into_iter()
        .filter(|s| s.starts_with("Reminder"))
        .collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert!(
        subjects("pool2@example.org")
            .iter()
            .all(|s| !s.starts_with("Reminder")),
        "who scored is not reminded"
    );
    let chair: Vec<String> = subjects("chair@example.org")
        .into_iter()
        .filter(|s| s.contains("تأخر"))
        .collect();
    assert_eq!(
        chair.len(),
        1,
        "the chair is told once, in Arabic: {chair:?}"
    );
}

async fn a_pool_member_finds_no_trace_of_projects_they_are_not_on(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let (p0, p1) = (site.projects[0], site.projects[1]);
    to_evaluation(engine, p1, 2).await;
    let cohort = site.cohorts[0];
    let sink = Sink::start(&[]).await;
    worker_once(db, &day(9).to_string(), &sink.url(), 100).await;
    let received = sink.stop().await;
    // pool3 (conflicted with both trainees) and pool1 (assigned to p1 only).
    for (who, sees) in [
        ("pool3@example.org", vec![]),
        ("pool1@example.org", vec![p1]),
    ] {
        let mut b = site.browser();
        b.sign_in(who, PASSWORD).await;
        let home = b.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        for (p, title) in [(p0, "Faster renewals"), (p1, "Fewer visits")] {
            let page = b.get(&format!("/projects/{p}")).await;
            if sees.contains(&p) {
                assert_eq!(page.status, StatusCode::OK, "{who} sees {p}");
                assert!(home.body.contains(title), "{who}'s home lists {title}");
            } else {
                assert_eq!(page.status, StatusCode::NOT_FOUND, "{who} must not see {p}");
                assert!(!home.body.contains(title), "{who}'s home names {title}");
                let data = b.get("/profile/data.json").await;
                assert!(!data.body.contains(title), "{who}'s data names {title}");
                let mail: Vec<_> = received
                    .iter()
                    .filter(|m| m.to.iter().any(|r| r == who))
                    .filter(|m| m.subject().contains(title) || m.text().contains(title))
                    .collect();
                assert!(mail.is_empty(), "{who} is mailed about {title}");
            }
        }
        // No board, count, export or outbox of the cohort.
        for path in [
            format!("/cohorts/{cohort}"),
            format!("/cohorts/{cohort}/export.csv"),
            format!("/cohorts/{cohort}/outbox"),
        ] {
            let page = b.get(&path).await;
            assert_ne!(page.status, StatusCode::OK, "{who} reads {path}");
            assert!(!page.body.contains("Faster renewals") && !page.body.contains("Fewer visits"));
        }
    }
    // The coordinator's board and export name the evaluators of p1 only.
    let mut coord = site.browser();
    coord.sign_in("coord-a@example.org", PASSWORD).await;
    let export = coord.get(&format!("/cohorts/{cohort}/export.csv")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(!export.body.contains("pool3"), "{}", export.body);
}

async fn twenty_processes_assigning_one_cohort_give_each_project_its_evaluators(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = support::Cohort::set_up(&engine, "graduation-service").await;
    let w = &cohort.workflow;
    // Ten pool members from five organizations; a chair.
    for n in 1..=10 {
        let email = format!("member{n}@example.org");
        engine
            .add_person(
                &email,
                &format!("Member {n}"),
                &format!("Org {}", n % 5),
                day(0),
            )
            .await
            .unwrap();
        engine
            .pool_add(&cohort.name, &email, n == 10, day(0))
            .await
            .unwrap();
    }
    // Eight projects taken to evaluation by hand-free moves: no pool yet
    // matters (the pool exists, so entering assigns; remove it first).
    let pool: Vec<String> = (1..=10).map(|n| format!("member{n}@example.org")).collect();
    for email in &pool {
        engine.pool_remove(&cohort.name, email).await.unwrap();
    }
    let mut projects = Vec::new();
    for i in 0..8 {
        let members = vec![
            (support::holder("trainee", 1 + i % 3), "trainee".to_owned()),
            (support::holder("supervisor", 1), "supervisor".to_owned()),
            (support::holder("coordinator", 1), "coordinator".to_owned()),
        ];
        let p = engine
            .start_project(&cohort.name, &format!("Project {i}"), &members, day(1))
            .await
            .unwrap()
            .project;
        walk_to_evaluation(&engine, w, p).await;
        projects.push(p);
    }
    for (n, email) in pool.iter().enumerate() {
        engine
            .pool_add(&cohort.name, email, n == 9, day(9))
            .await
            .unwrap();
    }
    let commands: Vec<Vec<String>> = (0..20)
        .map(|_| spawn::args(&["--json", "committee", "assign", "--cohort", &cohort.name]))
        .collect();
    let runs = spawn::at_once_within(db, commands, spawn::PATIENCE);
    for run in &runs {
        assert!(run.ok(), "{run}");
    }
    let mut loads: BTreeMap<String, usize> = BTreeMap::new();
    for p in &projects {
        let seated = holders(&engine, *p, "committee").await;
        assert_eq!(seated.len(), 2, "project {p}: {seated:?}");
        for s in seated {
            *loads.entry(s).or_default() += 1;
        }
        assert_eq!(holders(&engine, *p, "chair").await.len(), 1);
    }
    let most = loads.values().max().unwrap();
    let least = (1..=9)
        .map(|n| {
            loads
                .get(&format!("member{n}@example.org"))
                .copied()
                .unwrap_or(0)
        })
        .min()
        .unwrap();
    // 16 seats over 9 members: a race may tip one member by one more.
    assert!(most - least <= 2, "{loads:?}");
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

/// Takes project `p` of a [`support::Cohort`] to evaluation.
async fn walk_to_evaluation(engine: &Engine, w: &definition::Workflow, p: i64) {
    let view = engine.view(p).await.unwrap();
    let trainee = view
        .record
        .members
        .iter()
        .find(|m| m.role == "trainee")
        .unwrap()
        .person;
    let trainee = engine.person_by_id(trainee).await.unwrap().email;
    let sup = support::holder("supervisor", 1);
    let coord = support::holder("coordinator", 1);
    let steps = [
        (
            trainee.as_str(),
            "submit",
            support::sample(&w.forms["proposal"]),
        ),
        (sup.as_str(), "endorse", Default::default()),
        (
            trainee.as_str(),
            "visit_before.submit",
            support::sample(&w.forms["client_visit"]),
        ),
        (coord.as_str(), "visit_before.accept", Default::default()),
        (
            trainee.as_str(),
            "visit_after.submit",
            support::sample(&w.forms["client_visit"]),
        ),
        (coord.as_str(), "visit_after.accept", Default::default()),
        (
            trainee.as_str(),
            "finish",
            support::sample(&w.forms["final_report"]),
        ),
    ];
    for (i, (who, action, answers)) in steps.into_iter().enumerate() {
        support::act(engine, p, who, action, answers, None, 2 + i as i64)
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
}
