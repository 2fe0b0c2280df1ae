//! Moderation on both databases (issue 15, part 4): the chair moderates a
//! wide spread from the decision panel (English and Arabic), asks an
//! evaluator to score again (mailed through the outbox by the worker), and
//! every bad input of scoring is refused with its reason, nothing changed.
//! The three-scorecard example is worked by hand in the engine's unit tests
//! (engine/src/decide/tests/moderation.rs); here the bundled two-evaluator
//! program gives the figures:
//!
//! | criterion    | committee1 | committee2 | mean | spread  |
//! |--------------|------------|------------|------|---------|
//! | Safety       | 4          | 3          | 3.5  | 1       |
//! | Authenticity | 3          | 3          | 3    | 0       |
//! | Friendliness | 2          | 1          | 1.5  | 1       |
//! | Efficiency   | 5          | 2          | 3.5  | 3 (> 2) |
//!
//! Weighted mean 11.5 / 4 = 2.875 (shown 2.88). Efficiency calls for
//! moderation: no decision until the chair moderates. Moderated to 5:
//! (3.5 + 3 + 1.5 + 5) / 4 = 13 / 4 = 3.25; Friendliness 1.5 is still
//! below 2, so the project does not pass either way, and a fail becomes
//! possible.

use gradflow_engine::decide::{self, MODERATE_ACTION, RESCORE_ACTION};
use gradflow_engine::service::Request;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::json;

use crate::scoring::{score, to_the_committee_measured};
use crate::support::{self, TestDb, assert_unchanged, day, on_both, snapshot};
use crate::web::{Site, section};

on_both!(
    three_scorecards_worked_by_hand_on_the_engine_and_the_page,
    the_chair_moderates_from_the_panel_in_both_languages,
    a_rescore_sets_the_card_aside_and_mails_the_evaluator,
    bad_scoring_input_is_refused_and_changes_nothing,
    the_chair_moderates_from_the_command_line,
);

fn plain(body: &str) -> String {
    body.replace(['\u{2068}', '\u{2069}'], "")
}

/// The project at the committee with both scorecards of the example in.
async fn scored(site: &Site) -> i64 {
    let p = site.projects[0];
    to_the_committee_measured(site, p).await;
    score(site, p, "committee1@example.org", ["4", "3", "2", "5"]).await;
    score(site, p, "committee2@example.org", ["3", "3", "1", "2"]).await;
    p
}

async fn events_of(db: &TestDb, p: i64, kind: &str) -> i64 {
    support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM events WHERE project_id = {p} AND CAST(change AS TEXT) LIKE '%{kind}%'"
        ),
    )
    .await
}

/// The hand-worked example of docs/definitions.md ("Moderation") and
/// engine/src/decide/tests/moderation.rs, on the page: graduation-service
/// with three evaluators (published as its own workflow for this test).
///
/// | criterion    | A | B | C | mean        | spread |
/// |--------------|---|---|---|-------------|--------|
/// | Safety       | 4 | 3 | 4 | 11/3 = 3.67 | 1      |
/// | Authenticity | 3 | 3 | 4 | 10/3 = 3.33 | 1      |
/// | Friendliness | 2 | 1 | 3 | 2           | 2      |
/// | Efficiency   | 5 | 2 | 1 | 8/3 = 2.67  | 4 > 2  |
///
/// Weighted mean 35/12 = 2.92 < 3: no pass, and moderation is needed.
/// Efficiency moderated to 4: (11/3 + 10/3 + 2 + 4) / 4 = 3.25: it passes.
async fn three_scorecards_worked_by_hand_on_the_engine_and_the_page(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let text = std::fs::read_to_string(support::bundled("graduation-service"))
        .unwrap()
        .replace("key: graduation-service", "key: graduation-service-three")
        .replace(
            "by: committee, evaluators: 2, quorum: 2",
            "by: committee, evaluators: 3, quorum: 2",
        );
    assert!(text.contains("evaluators: 3"));
    let templates = crate::web::template_files("graduation-service");
    engine
        .publish_with_templates(&[(text.clone(), templates)], day(0))
        .await
        .unwrap();
    let workflow = gradflow_engine::definition::parse(
        &text,
        gradflow_engine::definition::Templates::Unchecked,
    )
    .unwrap();
    engine
        .create_program("three", "Three evaluators", &workflow.key, day(0))
        .await
        .unwrap();
    let mut cohort = support::new_cohort(&workflow, "three", "Cohort C");
    cohort.coordinators = vec!["coord-a@example.org".into()];
    engine.create_cohort(cohort, day(0)).await.unwrap();
    let members = vec![
        ("trainee1@example.org".to_owned(), "trainee".to_owned()),
        ("sup1@example.org".to_owned(), "supervisor".to_owned()),
    ];
    let p = engine
        .start_project("Cohort C", "Three evaluators", &members, day(1))
        .await
        .unwrap()
        .project;
    to_the_committee_measured(&site, p).await;
    engine
        .add_person("committee3@example.org", "Person committee3", "", day(10))
        .await
        .unwrap();
    engine
        .set_password("committee3@example.org", crate::web::PASSWORD)
        .await
        .unwrap();
    for who in ["committee1@example.org", "committee3@example.org"] {
        engine
            .assign(p, None, who, "committee", day(10))
            .await
            .unwrap();
    }
    score(&site, p, "committee1@example.org", ["4", "3", "2", "5"]).await;
    score(&site, p, "committee2@example.org", ["3", "3", "1", "2"]).await;
    score(&site, p, "committee3@example.org", ["4", "4", "3", "1"]).await;

    let path = format!("/projects/{p}");
    let mut chair = site.signed_in("chair1@example.org").await;
    let page = chair.get(&path).await;
    let body = plain(&page.body);
    let panel = section(&body, "panel");
    for words in [
        "<td class=\"mean\">3.67</td><td class=\"spread\">1</td>",
        "<td class=\"mean\">3.33</td><td class=\"spread\">1</td>",
        "<td class=\"mean\">2</td><td class=\"spread\">2</td>",
        "<td class=\"mean\">2.67</td><td class=\"spread overdue-text\">4 <span class=\"tag\">too wide</span></td>",
        "Weighted mean 2.92: below 3, which the pass rule asks.",
        "Moderation is needed before any decision: Efficiency.",
        "<strong>Record a fail</strong>: not possible yet — the chair must moderate first: Efficiency.",
    ] {
        assert!(panel.contains(words), "{words} in {panel}");
    }
    let view = engine.view(p).await.unwrap();
    let stage = view.workflow.stage("evaluation").unwrap();
    let figures = decide::panel(&view.workflow, stage, &view.record.state).unwrap();
    assert!((figures.mean.unwrap() - 35.0 / 12.0).abs() < 1e-9);
    assert!(figures.needs_moderation && !figures.passed);

    let moderated = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", MODERATE_ACTION),
                ("version", &page.version()),
                ("f.efficiency", "4"),
                ("comment", "C misread the visit log"),
            ],
        )
        .await;
    assert_eq!(
        moderated.status,
        StatusCode::SEE_OTHER,
        "{}",
        moderated.body
    );
    let to = moderated.headers[LOCATION].to_str().unwrap().to_owned();
    let body = plain(&chair.get(&to).await.body);
    assert!(
        body.contains(
            "The moderated scores are recorded for: Efficiency. The decision panel now counts them"
        ),
        "{body}"
    );
    let panel = section(&body, "panel");
    for words in [
        "<del>2.67</del> <ins title=\"Moderated\">4</ins>",
        "Weighted mean 3.25: at least 3, as the pass rule asks.",
        "Before moderation the weighted mean was 2.92 and the project did not pass; now it is 3.25 and it passes.",
        "On these figures the project passes.",
        "<strong>Record a pass</strong>: possible now",
    ] {
        assert!(panel.contains(words), "{words} in {panel}");
    }
    let view = engine.view(p).await.unwrap();
    let figures = decide::panel(&view.workflow, stage, &view.record.state).unwrap();
    assert_eq!(figures.mean, Some(3.25));
    assert!(figures.passed && !figures.needs_moderation);
    // assessment.passed, as the pass action's condition reads it: taken.
    support::act(
        engine,
        p,
        "chair1@example.org",
        "pass",
        Default::default(),
        None,
        20,
    )
    .await
    .unwrap();
    assert_eq!(
        engine.view(p).await.unwrap().record.state.stage,
        "certified"
    );
    site.stop().await;
}

async fn the_chair_moderates_from_the_panel_in_both_languages(db: &TestDb) {
    let site = Site::new(db).await;
    let p = scored(&site).await;
    let path = format!("/projects/{p}");
    let mut chair = site.signed_in("chair1@example.org").await;
    let page = chair.get(&path).await;
    let body = plain(&page.body);
    let panel = section(&body, "panel");
    for words in [
        "Moderation is needed before any decision: Efficiency.",
        "<strong>Record a fail</strong>: not possible yet — the chair must moderate first: Efficiency.",
        "id=\"act-moderate-scores\"",
        "<select id=\"moderate-efficiency\" name=\"f.efficiency\">",
        "id=\"act-ask-rescore\"",
        "<option value=\"",
    ] {
        assert!(panel.contains(words), "{words} in {panel}");
    }
    // Only the wide criterion is offered, and the decision forms are not
    // duplicated into the action list.
    assert!(!panel.contains("moderate-safety"), "{panel}");

    // (An evaluator signed in now, so the session is not a change below.)
    let mut evaluator = site.signed_in("committee1@example.org").await;
    let theirs = evaluator.get(&path).await;
    // A fail while moderation is needed: refused with its reason.
    let before = snapshot(db).await;
    let (csrf, version) = (page.csrf(), page.version());
    let fail = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &csrf),
                ("action", "fail"),
                ("version", &version),
                ("comment", "Too weak"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(fail.status, StatusCode::BAD_REQUEST);
    assert!(
        plain(&fail.body).contains("and the chair must moderate first"),
        "{}",
        fail.body
    );
    assert_unchanged(db, &before, "a fail before moderation").await;

    // Bad moderations from the page: each refused in words, nothing changed.
    let moderate = |fields: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("action", MODERATE_ACTION.to_owned()),
            ("version", version.clone()),
        ];
        form.extend(fields);
        form
    };
    for (fields, words) in [
        (
            vec![
                ("f.efficiency", "9".to_owned()),
                ("comment", "x".to_owned()),
            ],
            "Efficiency: 9 is off the scale 1..5",
        ),
        (
            vec![("f.safety", "4".to_owned()), ("comment", "x".to_owned())],
            "they do not call for moderation",
        ),
        (
            vec![("f.efficiency", "4".to_owned()), ("comment", String::new())],
            "a comment is required to moderate the scores",
        ),
    ] {
        let form = moderate(fields);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = chair.post(&format!("{path}/act"), &pairs).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{words}");
        let text = plain(&refused.body);
        assert!(
            section(&text, "panel").contains(words),
            "{words} in {}",
            section(&text, "panel")
        );
        assert_unchanged(db, &before, words).await;
    }
    // An evaluator is not the chair.
    let refused = evaluator
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &theirs.csrf()),
                ("action", MODERATE_ACTION),
                ("version", &version),
                ("f.efficiency", "4"),
                ("comment", "mine"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        plain(&refused.body).contains("only the committee chair may moderate the scores"),
        "{}",
        refused.body
    );
    assert_unchanged(db, &before, "a moderation by an evaluator").await;

    // Twenty racing posts: ten of the same form (one key), ten of forms
    // drawn in other tabs (their own keys, the same version): one
    // moderation.
    let mut racers = Vec::new();
    for n in 0..20 {
        let key: &'static str = if n % 2 == 0 {
            "5f0c1d2e3a4b5c6d7e8f9a0b1c2d3e4f"
        } else {
            Box::leak(format!("{n:032x}").into_boxed_str())
        };
        let mut b = crate::web::Browser {
            client: chair.client.clone(),
            base: chair.base.clone(),
            cookie: chair.cookie.clone(),
        };
        let (csrf, version, path) = (csrf.clone(), version.clone(), path.clone());
        racers.push(tokio::spawn(async move {
            b.post(
                &format!("{path}/act"),
                &[
                    ("csrf", csrf.as_str()),
                    ("action", MODERATE_ACTION),
                    ("version", version.as_str()),
                    ("key", key),
                    ("f.efficiency", "5"),
                    ("comment", "Both visit logs show the waiting time fell"),
                ],
            )
            .await
            .status
        }));
    }
    for r in racers {
        let status = r.await.unwrap();
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::CONFLICT,
            "{status}"
        );
    }
    assert_eq!(events_of(db, p, "score_moderated").await, 1);

    // The panel counts the moderated score and says who, what, why, before and after.
    let body = plain(&chair.get(&path).await.body);
    let panel = section(&body, "panel");
    for words in [
        "<del>3.5</del> <ins title=\"Moderated\">5</ins>",
        "Moderation is done: the figures above count the moderated scores.",
        "Person chair1 moderated Efficiency: the evaluators&#x27; mean 3.5, moderated to 5.",
        "<q>Both visit logs show the waiting time fell</q>",
        "Before moderation the weighted mean was 2.88; now it is 3.25. The verdict is the same.",
        "Weighted mean 3.25: at least 3, as the pass rule asks.",
        "On these figures the project does not pass (yet).",
        "<strong>Record a fail</strong>: possible now",
    ] {
        assert!(panel.contains(words), "{words} in {panel}");
    }
    // The same figures from the core: assessment.passed and the mean.
    let view = site.engine.view(p).await.unwrap();
    let stage = view.workflow.stage("evaluation").unwrap();
    let figures = decide::panel(&view.workflow, stage, &view.record.state).unwrap();
    assert_eq!(figures.mean, Some(3.25));
    assert!(!figures.passed && !figures.needs_moderation && figures.spread_calls);
    assert_eq!(figures.before.as_ref().unwrap().mean, Some(2.875));
    // The history says it too.
    assert!(
        body.contains("The chair moderated the score of Efficiency"),
        "{body}"
    );

    // In Arabic.
    site.engine
        .set_person_language("chair1@example.org", "ar")
        .await
        .unwrap();
    let mut chair = site.signed_in("chair1@example.org").await;
    let body = plain(&chair.get(&path).await.body);
    let panel = section(&body, "panel");
    for words in [
        "اكتملت المراجعة: الأرقام أعلاه تحتسب الدرجات المعدّلة.",
        "راجع Person chair1 درجة الكفاءة: متوسط المقيّمين 3.5، والدرجة المعدّلة 5.",
        "كان المتوسط الموزون قبل المراجعة 2.88، وهو الآن 3.25. والنتيجة لم تتغير.",
        "<strong>تسجيل عدم النجاح</strong>: متاح الآن",
    ] {
        assert!(panel.contains(words), "{words} in {panel}");
    }
    assert!(!panel.contains("Moderation"), "{panel}");
    // A refusal in Arabic too: the engine's reason in the catalogue's words.
    let page = chair.get(&path).await;
    let before = snapshot(db).await;
    let refused = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", MODERATE_ACTION),
                ("version", &page.version()),
                ("f.safety", "4"),
                ("comment", "لماذا"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let text = plain(&refused.body);
    let panel = section(&text, "panel");
    assert!(
        panel.contains("تتباين درجات السلامة بمقدار 1، وهذا لا يزيد على 2: فلا تستدعي المراجعة"),
        "{panel}"
    );
    assert!(!panel.contains("do not call for"), "{panel}");
    assert_unchanged(db, &before, "a moderation refused in Arabic").await;
    // The fail is taken now, and confirmed with what comes next.
    let page = chair.get(&path).await;
    let done = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &page.csrf()),
                ("action", "fail"),
                ("version", &page.version()),
                ("comment", "Friendliness falls short"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        site.engine.view(p).await.unwrap().record.state.stage,
        "not_certified"
    );
    site.stop().await;
}

async fn a_rescore_sets_the_card_aside_and_mails_the_evaluator(db: &TestDb) {
    let sink = crate::smtp_sink::Sink::start(&[]).await;
    let site = Site::new(db).await;
    let p = scored(&site).await;
    let path = format!("/projects/{p}");
    let committee2 = site
        .engine
        .person("committee2@example.org")
        .await
        .unwrap()
        .id;
    let trainee = site.engine.person("trainee1@example.org").await.unwrap().id;
    // committee2 reads Arabic: the mail comes in Arabic.
    site.engine
        .set_person_language("committee2@example.org", "ar")
        .await
        .unwrap();
    // Mail queued so far goes out first, so what follows is the rescore's.
    crate::web::deliver_mail(db, &sink).await;
    let sent = sink.count();

    let mut chair = site.signed_in("chair1@example.org").await;
    let page = chair.get(&path).await;
    let (csrf, version) = (page.csrf(), page.version());
    // Naming someone who is not an evaluator: refused, nothing changed.
    let before = snapshot(db).await;
    let trainee_id = trainee.to_string();
    let refused = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &csrf),
                ("action", RESCORE_ACTION),
                ("version", &version),
                ("f.evaluators", &trainee_id),
                ("comment", "Please look again"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        plain(&refused.body).contains(&format!(
            "person {trainee} is not an evaluator of this project"
        )),
        "{}",
        refused.body
    );
    assert_unchanged(db, &before, "a rescore of a non-evaluator").await;

    let id = committee2.to_string();
    let asked = chair
        .post(
            &format!("{path}/act"),
            &[
                ("csrf", &csrf),
                ("action", RESCORE_ACTION),
                ("version", &version),
                ("f.evaluators", &id),
                ("comment", "Efficiency 2 does not match the visit logs"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    // Confirmed with what comes next, and who was told.
    let to = asked.headers[LOCATION].to_str().unwrap().to_owned();
    let body = plain(&chair.get(&to).await.body);
    assert!(
        body.contains("The scorecard is set aside; the evaluator is asked to score again. No decision can be taken before their new scorecard is in.")
            && body.contains("Told by email: Person committee2"),
        "{body}"
    );
    assert!(
        body.contains("The chair asked Person committee2 to score again"),
        "{body}"
    );
    // One scorecard in: no decision before quorum.
    assert!(
        section(&body, "panel").contains("no decision before quorum"),
        "{body}"
    );
    // The worker mails committee2, in their language, with the reason.
    crate::web::deliver_mail(db, &sink).await;
    let received = sink.received();
    let mail: Vec<_> = received[sent..]
        .iter()
        .filter(|m| m.to == vec!["committee2@example.org".to_owned()])
        .collect();
    assert_eq!(mail.len(), 1, "{received:?}");
    assert_eq!(mail[0].subject(), "يُرجى إعادة التقييم: Faster renewals");
    assert!(
        mail[0].text().contains("نحّى رئيس اللجنة بطاقة تقييمك"),
        "{}",
        mail[0].text()
    );
    assert!(
        mail[0]
            .text()
            .contains("Efficiency 2 does not match the visit logs"),
        "{}",
        mail[0].text()
    );
    // committee2 scores again, through the form.
    score(&site, p, "committee2@example.org", ["3", "3", "2", "4"]).await;
    let view = site.engine.view(p).await.unwrap();
    assert_eq!(
        view.record.state.scorecards[&committee2].scores["efficiency"],
        4
    );
    assert!(view.record.state.set_aside.contains_key(&committee2));
    // Spread 1 now: nothing to moderate, and a second card is refused.
    let again = support::act(
        &site.engine,
        p,
        "committee2@example.org",
        "score",
        [
            ("safety", 3),
            ("authenticity", 3),
            ("friendliness", 3),
            ("efficiency", 3),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect(),
        None,
        20,
    )
    .await
    .unwrap_err();
    assert_eq!(again.reason().code, "already-scored");
    site.stop().await;
}

async fn bad_scoring_input_is_refused_and_changes_nothing(db: &TestDb) {
    let site = Site::new(db).await;
    let p = site.projects[0];
    to_the_committee_measured(&site, p).await;
    let engine = &site.engine;
    let card = |s: [i64; 4]| {
        ["safety", "authenticity", "friendliness", "efficiency"]
            .iter()
            .zip(s)
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect::<decide::Fields>()
    };
    let before = snapshot(db).await;
    for (who, action, fields, comment, code) in [
        // A decision before quorum.
        (
            "chair1@example.org",
            "revise",
            decide::Fields::new(),
            Some("more"),
            "decision-before-quorum",
        ),
        // A score outside the scale.
        (
            "committee1@example.org",
            "score",
            card([4, 3, 0, 5]),
            None,
            "invalid-fields",
        ),
        // From someone not assigned (no committee role on the project).
        (
            "sup1@example.org",
            "score",
            card([4, 3, 2, 5]),
            None,
            "not-allowed-yours",
        ),
        // Moderation where no spread calls for it (no scores yet).
        (
            "chair1@example.org",
            MODERATE_ACTION,
            card([4, 3, 2, 5]),
            Some("x"),
            "moderation-not-called-for",
        ),
    ] {
        let e = support::act(engine, p, who, action, fields, comment, 20)
            .await
            .unwrap_err();
        assert_eq!(e.reason().code, code, "{e}");
        assert_unchanged(db, &before, code).await;
    }
    // A second scorecard from the same evaluator.
    support::act(
        engine,
        p,
        "committee1@example.org",
        "score",
        card([4, 3, 2, 5]),
        None,
        20,
    )
    .await
    .unwrap();
    let before = snapshot(db).await;
    let e = support::act(
        engine,
        p,
        "committee1@example.org",
        "score",
        card([4, 4, 4, 4]),
        None,
        20,
    )
    .await
    .unwrap_err();
    assert_eq!(e.reason().code, "already-scored");
    assert_unchanged(db, &before, "a second scorecard").await;
    // A rescore naming someone who does not score here.
    let request = Request {
        action: RESCORE_ACTION.into(),
        fields: [("evaluators".to_owned(), json!("999999"))]
            .into_iter()
            .collect(),
        comment: Some("x".into()),
        ..Request::default()
    };
    let e = engine
        .act(p, "chair1@example.org", request, day(20))
        .await
        .unwrap_err();
    assert_eq!(e.reason().code, "rescore-not-evaluator");
    assert_unchanged(db, &before, "a rescore of a stranger").await;
    site.stop().await;
}

/// `gradflow project act ID moderate-scores|ask-rescore`, evaluators named
/// by email; refusals said in words, nothing changed.
async fn the_chair_moderates_from_the_command_line(db: &TestDb) {
    let site = Site::new(db).await;
    let p = scored(&site).await;
    let id = p.to_string();
    let act = |args: &[&str]| {
        let mut all = vec!["project", "act", id.as_str()];
        all.extend_from_slice(args);
        crate::processes::spawn::run(db, &all)
    };
    let before = snapshot(db).await;
    let fail = act(&["fail", "--as", "chair1@example.org", "--comment", "weak"]);
    assert!(
        !fail.ok() && fail.stderr.contains("and the chair must moderate first"),
        "{fail}"
    );
    let stranger = act(&[
        "ask-rescore",
        "--as",
        "chair1@example.org",
        "--field",
        "evaluators=trainee1@example.org",
        "--comment",
        "again",
    ]);
    assert!(
        !stranger.ok()
            && stranger
                .stderr
                .contains("is not an evaluator of this project"),
        "{stranger}"
    );
    let off = act(&[
        "moderate-scores",
        "--as",
        "chair1@example.org",
        "--field",
        "efficiency=0",
        "--comment",
        "why",
    ]);
    assert!(
        !off.ok() && off.stderr.contains("0 is off the scale 1..5"),
        "{off}"
    );
    assert_unchanged(db, &before, "refused moderations from the command line").await;

    let done = act(&[
        "moderate-scores",
        "--as",
        "chair1@example.org",
        "--field",
        "efficiency=4",
        "--comment",
        "The logs agree",
    ]);
    assert!(done.ok(), "{done}");
    let asked = act(&[
        "ask-rescore",
        "--as",
        "chair1@example.org",
        "--field",
        "evaluators=committee2@example.org",
        "--comment",
        "Please look again",
    ]);
    assert!(asked.ok(), "{asked}");
    let show = crate::processes::spawn::ok(db, &["project", "show", &id]);
    assert!(
        show.stdout.contains("moderated efficiency to 4")
            && show
                .stdout
                .contains("asked committee2@example.org to score again"),
        "{show}"
    );
    let mailed = support::raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM outbox o JOIN people p ON p.id = o.recipient_id \
             WHERE o.project_id = {p} AND o.template = 'rescore_requested' AND p.email = 'committee2@example.org'"
        ),
    )
    .await;
    assert_eq!(mailed, 1);
    site.stop().await;
}
