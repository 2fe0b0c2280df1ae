//! The committee and moderation gaps of issue 15's second round, on both
//! databases: a conflict declared after seating stops the evaluator's
//! score and the chair's moderation, rescore request and decision (words
//! in both languages, nothing changed); a role given by hand to someone
//! from the trainee's organization or with a declared conflict is refused;
//! an evaluator given by hand, during evaluation or before it, gets the
//! scoring reminder and deadline, which an extension of the stage keeps; the chair the pool seats is mailed, in
//! their language, through the real worker and SMTP sink; a person's data
//! (`person export`, "Your data") holds their pools and declared conflicts,
//! and a trainee's none of the conflicts others declared with them.

use gradflow_engine::decide::{Extending, Fields};
use gradflow_engine::service::{Engine, Error, Extension};
use serde_json::json;

use crate::committee::{holders, site_with_pool, to_evaluation};
use crate::smtp_sink::Sink;
use crate::support::{self, TestDb, assert_unchanged, day, on_both, snapshot};
use crate::web::Site;
use crate::worker::worker_once;

on_both!(
    a_conflict_declared_after_seating_stops_the_evaluator_and_the_chair,
    a_role_given_by_hand_is_judged_by_the_committees_rules,
    evaluators_given_by_hand_get_their_scoring_deadline,
    the_chair_the_pool_seats_is_mailed_in_their_language,
    a_persons_data_holds_their_pools_and_declared_conflicts,
    twenty_evaluators_given_at_once_each_get_exactly_their_timers,
);

fn scores(n: i64) -> Fields {
    ["safety", "authenticity", "friendliness", "efficiency"]
        .iter()
        .map(|k| ((*k).to_owned(), json!(n)))
        .collect()
}

/// The refusal is the committee's conflict, said in both languages.
fn conflicted(refused: &Error, why: &str) {
    let reason = refused.reason();
    assert_eq!(reason.code, "committee-conflicted", "{refused:?}");
    assert!(reason.to_string().contains(why), "{reason}");
    let en = gradflow_words::error("en", refused);
    assert!(en.contains("may not judge this project"), "{en}");
    let ar = gradflow_words::error("ar", refused);
    assert!(ar.contains("لا يجوز لهذا الشخص تقييم هذا المشروع"), "{ar}");
}

async fn declare(engine: &Engine, who: &str, trainee: &str) {
    engine
        .declare_conflict(
            who,
            Some(trainee),
            None,
            "we worked together last year",
            Some("coord-a@example.org"),
            day(9),
        )
        .await
        .unwrap();
}

async fn a_conflict_declared_after_seating_stops_the_evaluator_and_the_chair(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    to_evaluation(engine, p, 2).await;
    assert_eq!(
        holders(engine, p, "committee").await,
        ["pool1@example.org".to_owned(), "pool2@example.org".into()].into()
    );
    engine
        .add_person(
            "pool4@example.org",
            "Person pool4",
            "Ministry of Works",
            day(9),
        )
        .await
        .unwrap();
    engine
        .pool_add("Cohort A", "pool4@example.org", false, day(9))
        .await
        .unwrap();
    // pool1 declares a conflict with the trainee once seated: their score
    // is refused, and nothing changes.
    declare(engine, "pool1@example.org", "trainee2@example.org").await;
    let before = snapshot(db).await;
    let refused = support::act(engine, p, "pool1@example.org", "score", scores(4), None, 10)
        .await
        .unwrap_err();
    conflicted(&refused, "why=declared-trainee");
    assert_unchanged(db, &before, "a conflicted score").await;
    // The coordinator replaces them by the same rules: pool4.
    engine
        .reassign(p, "pool1@example.org", Some("coord-a@example.org"), day(10))
        .await
        .unwrap();
    assert_eq!(
        holders(engine, p, "committee").await,
        ["pool2@example.org".to_owned(), "pool4@example.org".into()].into()
    );
    for (who, n) in [("pool2@example.org", 5), ("pool4@example.org", 1)] {
        support::act(engine, p, who, "score", scores(n), None, 11)
            .await
            .unwrap();
    }
    // Their spread calls for moderation; the chair declares a conflict:
    // no moderation, no rescore request, no decision from them.
    declare(engine, "chair@example.org", "trainee2@example.org").await;
    let before = snapshot(db).await;
    let pool2 = engine.person("pool2@example.org").await.unwrap().id;
    let moderated: Fields = [("efficiency".to_owned(), json!(3))].into_iter().collect();
    let rescore: Fields = [("evaluators".to_owned(), json!(pool2.to_string()))]
        .into_iter()
        .collect();
    for (deed, fields) in [
        ("moderate-scores", moderated),
        ("ask-rescore", rescore),
        ("revise", Fields::new()),
    ] {
        let refused = support::act(
            engine,
            p,
            "chair@example.org",
            deed,
            fields,
            Some("As the chair."),
            12,
        )
        .await
        .unwrap_err();
        conflicted(&refused, "why=declared-trainee");
    }
    assert_unchanged(db, &before, "a conflicted chair's deeds").await;
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

async fn a_role_given_by_hand_is_judged_by_the_committees_rules(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    for (email, name) in [
        ("labour@example.org", "Labour Trainee"),
        ("same@example.org", "Same Org"),
    ] {
        engine
            .add_person(email, name, "Ministry of Labour", day(2))
            .await
            .unwrap();
    }
    let members = [
        ("labour@example.org".to_owned(), "trainee".to_owned()),
        ("sup2@example.org".to_owned(), "supervisor".to_owned()),
    ];
    let p = engine
        .start_project("Cohort A", "Shorter queues", &members, day(2))
        .await
        .unwrap()
        .project;
    declare(engine, "committee2@example.org", "labour@example.org").await;
    let before = snapshot(db).await;
    for (who, why) in [
        ("same@example.org", "why=organization"),
        ("committee2@example.org", "why=declared-trainee"),
    ] {
        for role in ["committee", "chair"] {
            let refused = engine
                .assign(p, Some("coord-a@example.org"), who, role, day(3))
                .await
                .unwrap_err();
            conflicted(&refused, why);
        }
    }
    // Given at the start, too: the project is not created.
    let members = [
        ("labour@example.org".to_owned(), "trainee".to_owned()),
        ("same@example.org".to_owned(), "committee".to_owned()),
    ];
    let refused = engine
        .start_project("Cohort A", "Judged by a colleague", &members, day(3))
        .await
        .unwrap_err();
    conflicted(&refused, "why=organization");
    assert_unchanged(db, &before, "roles refused by the committee's rules").await;
    // A supervisor from the trainee's organization is no conflict.
    engine
        .assign(
            p,
            Some("coord-a@example.org"),
            "same@example.org",
            "supervisor",
            day(3),
        )
        .await
        .unwrap();
}

/// The scoring timers pending on project `p`: (key, kind).
async fn score_timers(engine: &Engine, p: i64) -> Vec<(String, String)> {
    let mut timers: Vec<(String, String)> = engine
        .pending_timers(p)
        .await
        .unwrap()
        .into_iter()
        .filter(|(key, _, _)| key.starts_with("score-"))
        .map(|(key, kind, _)| (key, kind))
        .collect();
    timers.sort();
    timers
}

async fn evaluators_given_by_hand_get_their_scoring_deadline(db: &TestDb) {
    // No pool: committee1 was given the role by hand when project 0 began.
    let site = Site::new(db).await;
    let engine = &site.engine;
    let p = site.projects[0];
    to_evaluation(engine, p, 1).await;
    let one = engine.person("committee1@example.org").await.unwrap().id;
    assert_eq!(
        score_timers(engine, p).await,
        vec![
            (format!("score-late:{one}"), "score_late".into()),
            (format!("score-remind:{one}:0"), "score_reminder".into()),
        ],
        "seated before the stage: timed from its entry"
    );
    // Given by hand during evaluation: timed from then.
    engine
        .assign(
            p,
            Some("coord-a@example.org"),
            "committee2@example.org",
            "committee",
            day(10),
        )
        .await
        .unwrap();
    let two = engine.person("committee2@example.org").await.unwrap().id;
    let mail = engine.messages(p).await.unwrap();
    assert!(
        mail.iter()
            .any(|(t, to, _)| t == "committee_assigned" && to == "committee2@example.org"),
        "the evaluator given by hand is told: {mail:?}"
    );
    let timers = score_timers(engine, p).await;
    assert!(
        timers.contains(&(format!("score-late:{two}"), "score_late".into()))
            && timers.contains(&(format!("score-remind:{two}:0"), "score_reminder".into())),
        "{timers:?}"
    );
    // An extension of the stage's deadline plans the stage's timers again
    // and leaves the evaluators' own.
    engine
        .extend(
            &Extension {
                cohort: "Cohort A".into(),
                trainees: vec!["trainee1@example.org".into()],
                extending: Extending::Deadline("evaluation".into()),
                to: jiff::civil::date(2026, 9, 1),
                reason: "the presentation room is closed".into(),
                by: Some("coord-a@example.org".into()),
            },
            day(10),
        )
        .await
        .unwrap();
    assert_eq!(
        score_timers(engine, p).await,
        timers,
        "the extension kept them"
    );
    // Scoring ends their own timers, not the other's.
    support::act(
        engine,
        p,
        "committee2@example.org",
        "score",
        scores(3),
        None,
        11,
    )
    .await
    .unwrap();
    assert_eq!(score_timers(engine, p).await.len(), 2);
    // The late one is reminded through the real worker, and the chair
    // (given by hand) told once the deadline passed.
    engine
        .assign(
            p,
            Some("coord-a@example.org"),
            "coord-b@example.org",
            "chair",
            day(11),
        )
        .await
        .unwrap();
    let sink = Sink::start(&[]).await;
    for n in [30, 45] {
        worker_once(db, &day(n).to_string(), &sink.url(), 100).await;
    }
    let received = sink.stop().await;
    let subjects = |who: &str| {
        received
            .iter()
            .filter(|m| m.to.iter().any(|r| r == who))
            .map(|m| m.subject())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        subjects("committee1@example.org")
            .iter()
            .filter(|s| s.starts_with("Reminder"))
            .count(),
        1,
        "{:?}",
        subjects("committee1@example.org")
    );
    assert!(
        subjects("committee2@example.org")
            .iter()
            .all(|s| !s.starts_with("Reminder")),
        "who scored is not reminded"
    );
    let late: Vec<String> = subjects("coord-b@example.org")
        .into_iter()
        .filter(|s| s.contains("is late"))
        .collect();
    assert_eq!(late.len(), 1, "the chair is told once: {received:?}");
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}

async fn the_chair_the_pool_seats_is_mailed_in_their_language(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    engine
        .set_person_language("chair@example.org", "ar")
        .await
        .unwrap();
    to_evaluation(engine, p, 2).await;
    assert_eq!(
        holders(engine, p, "chair").await,
        ["chair@example.org".to_owned()].into()
    );
    let sink = Sink::start(&[]).await;
    worker_once(db, &day(9).to_string(), &sink.url(), 100).await;
    let received = sink.stop().await;
    let chair: Vec<String> = received
        .iter()
        .filter(|m| m.to.iter().any(|r| r == "chair@example.org"))
        .map(|m| m.subject())
        .collect();
    assert_eq!(
        chair,
        vec!["أنت رئيس لجنة تقييم \"Fewer visits\"".to_owned()],
        "{received:?}"
    );
}

async fn a_persons_data_holds_their_pools_and_declared_conflicts(db: &TestDb) {
    let site = site_with_pool(db).await;
    let engine = &site.engine;
    let now = day(3);
    let export = engine
        .export_person(
            "pool3@example.org",
            "operator",
            "subject access request",
            now,
        )
        .await
        .unwrap();
    let pools: Vec<(String, bool)> = export
        .committee_pools
        .iter()
        .map(|p| (p.cohort.clone(), p.chair))
        .collect();
    assert_eq!(pools, [("Cohort A".to_owned(), false)]);
    let conflicts: Vec<(Option<String>, String)> = export
        .declared_conflicts
        .iter()
        .map(|c| (c.trainee_email.clone(), c.reason.clone()))
        .collect();
    assert_eq!(
        conflicts,
        [
            (
                Some("trainee1@example.org".to_owned()),
                "my sister's team".to_owned()
            ),
            (
                Some("trainee2@example.org".to_owned()),
                "my sister's team".to_owned()
            ),
        ]
    );
    // The trainee's own export says nothing of a conflict declared with them.
    let trainee = engine
        .export_person("trainee1@example.org", "operator", "", now)
        .await
        .unwrap();
    assert!(trainee.committee_pools.is_empty() && trainee.declared_conflicts.is_empty());
    // "Your data" on the web, in English and Arabic.
    let mut chair = site.signed_in("chair@example.org").await;
    let page = chair.get("/profile/data").await;
    let body = page.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(body.contains("Committee pools you are in"), "{body}");
    assert!(body.contains("<li>Cohort A (chair)</li>"), "{body}");
    let mut pool3 = site.signed_in("pool3@example.org").await;
    let body = pool3
        .get("/profile/data")
        .await
        .body
        .replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        body.contains("with the trainee trainee2@example.org: my sister&#x27;s team")
            || body.contains("with the trainee trainee2@example.org: my sister&#39;s team"),
        "{body}"
    );
    engine
        .set_person_language("pool3@example.org", "ar")
        .await
        .unwrap();
    let body = pool3
        .get("/profile/data")
        .await
        .body
        .replace(['\u{2068}', '\u{2069}'], "");
    assert!(body.contains("تعارضات المصالح التي صرّحت بها"), "{body}");
    assert!(body.contains("مع المتدرب trainee1@example.org"), "{body}");
    let json = pool3.get("/profile/data.json").await.body;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["committee_pools"][0]["cohort"], "Cohort A");
    assert_eq!(json["declared_conflicts"].as_array().unwrap().len(), 2);
}

async fn twenty_evaluators_given_at_once_each_get_exactly_their_timers(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = site.engine.clone();
    let p = site.projects[0];
    to_evaluation(&engine, p, 1).await;
    let emails: Vec<String> = (1..=20).map(|i| format!("eval{i}@example.org")).collect();
    for (i, email) in emails.iter().enumerate() {
        engine
            .add_person(
                email,
                &format!("Evaluator {i}"),
                &format!("Org {i}"),
                day(9),
            )
            .await
            .unwrap();
    }
    // Twenty coordinators' clicks at once; each retries when another won.
    let mut tasks = Vec::new();
    for email in emails.clone() {
        let engine = engine.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match engine
                    .assign(p, Some("coord-a@example.org"), &email, "committee", day(10))
                    .await
                {
                    Err(e) if e.is_race() => continue,
                    done => break done.unwrap(),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seated = holders(&engine, p, "committee").await;
    assert_eq!(seated.len(), 21, "committee1 and the twenty: {seated:?}");
    let timers = score_timers(&engine, p).await;
    assert_eq!(
        timers.len(),
        42,
        "a reminder and a deadline each: {timers:?}"
    );
    for email in seated {
        let id = engine.person(&email).await.unwrap().id;
        for key in [format!("score-late:{id}"), format!("score-remind:{id}:0")] {
            assert_eq!(
                timers.iter().filter(|(k, _)| *k == key).count(),
                1,
                "{key}: {timers:?}"
            );
        }
    }
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{report:?}");
}
