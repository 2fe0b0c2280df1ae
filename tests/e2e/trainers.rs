//! Trainers who were trainees (issue 16, part 4): a program whose
//! coordinators and committee members need another program's certificate
//! refuses the place, wherever it is given (a cohort's coordinators, its
//! pool, a role given by hand, a role given at a project's start, an
//! import's check), until the person holds a valid certificate of it; a
//! revoked one counts for nothing again. And a person's page over HTTP:
//! their certificates, the cohorts they coordinate and the committees they
//! sit on, for them and their cohorts' coordinators only, in English and
//! Arabic.

use gradflow_engine::certificate::Staff;
use gradflow_engine::decide::Fields;
use gradflow_engine::service::import::ImportAnswer;
use gradflow_engine::service::{CertifyProgram, Engine, Error, Kind as ErrorKind};
use reqwest::StatusCode;

use crate::certificates::to_the_pass;
use crate::support::{self, Cohort, TestDb, act, day, holder, on_both, snapshot};
use crate::web::Site;

/// The later program's key: its coordinators and committee need the
/// train-the-trainer program's certificate.
const LATER: &str = "later-program";

/// The train-the-trainer program (graduation-service, certifying) and the
/// later program on the same workflow, whose staff need its certificate.
async fn two_programs(engine: &Engine) -> Cohort {
    let trainers = Cohort::set_up(engine, "graduation-service").await;
    engine
        .certify_program(
            &trainers.program,
            &support::certify(support::SERVICE_LEVEL, "TOT-{seq:03}", "1y", None),
            day(0),
        )
        .await
        .unwrap();
    engine
        .create_program(LATER, "Later cohorts", &trainers.workflow.key, day(0))
        .await
        .unwrap();
    engine
        .certify_program(
            LATER,
            &CertifyProgram {
                coordinators_need: Some(trainers.program.clone()),
                committee_needs: Some(trainers.program.clone()),
                ..support::certify(support::SERVICE_LEVEL, "LATER-{seq:03}", "none", None)
            },
            day(0),
        )
        .await
        .unwrap();
    trainers
}

/// Asserts `refused` is the train-the-trainer refusal for `person`'s `role`,
/// with words in English and Arabic.
fn is_missing(refused: Error, person: &str, role: &str) {
    let reason = refused.reason();
    assert_eq!(reason.code, "trainer-certificate-missing", "{refused}");
    assert_eq!(refused.kind(), ErrorKind::Forbidden);
    let english = gradflow_words::reason("en", &reason, None);
    assert!(english.contains(person), "{english}");
    assert!(english.contains("Test program"), "{english}");
    assert!(english.contains("Later cohorts"), "{english}");
    assert!(
        english.contains(if role == "coordinator" {
            "coordinators"
        } else {
            "committee members"
        }),
        "{english}"
    );
    let arabic = gradflow_words::reason("ar", &reason, None);
    assert!(arabic.contains("شهادة سارية"), "{arabic}");
    assert!(
        arabic.contains(if role == "coordinator" {
            "منسقي"
        } else {
            "لجانه"
        }),
        "{arabic}"
    );
}

/// Before the graduate's certificate every place is refused and nothing
/// changes; with it every place is given; once it is revoked, refused again.
async fn a_trainer_needs_a_valid_certificate(db: &TestDb) {
    let engine = db.engine().await;
    let trainers = two_programs(&engine).await;
    let graduate = holder("trainee", 1);
    let name = "trainee 1";
    let mut later = support::new_cohort(&trainers.workflow, LATER, "Later 2026");
    later.coordinators = vec![graduate.clone()];
    // Without the certificate.
    let before = snapshot(db).await;
    is_missing(
        engine
            .create_cohort(later.clone(), day(2))
            .await
            .unwrap_err(),
        name,
        "coordinator",
    );
    support::assert_unchanged(db, &before, "a cohort whose coordinator is not certified").await;
    // The same cohort with a certified-free coordinator would be fine: make
    // it without coordinators, then try the other places.
    let mut open = later.clone();
    open.name = "Later 2026 (open)".into();
    open.coordinators = Vec::new();
    let cohort = engine.create_cohort(open, day(2)).await.unwrap();
    let before = snapshot(db).await;
    is_missing(
        engine
            .pool_add(&cohort.name, &graduate, false, day(2))
            .await
            .unwrap_err(),
        name,
        "committee",
    );
    let members = vec![
        (holder("trainee", 2), "trainee".to_owned()),
        (holder("supervisor", 2), "supervisor".to_owned()),
        (graduate.clone(), "committee".to_owned()),
    ];
    is_missing(
        engine
            .start_project(&cohort.name, "Judged at the start", &members, day(2))
            .await
            .unwrap_err(),
        name,
        "committee",
    );
    support::assert_unchanged(db, &before, "a pool place and a start refused").await;
    // A project without them starts; a role given by hand is refused.
    let project = engine
        .start_project(&cohort.name, "Shorter queues", &members[..2], day(2))
        .await
        .unwrap()
        .project;
    let before = snapshot(db).await;
    for role in ["committee", "chair", "coordinator"] {
        let refused = engine
            .assign(project, None, &graduate, role, day(2))
            .await
            .unwrap_err();
        is_missing(
            refused,
            name,
            if role == "coordinator" {
                "coordinator"
            } else {
                "committee"
            },
        );
    }
    // A role that neither coordinates nor judges needs nothing.
    support::assert_unchanged(db, &before, "roles given by hand refused").await;
    // The import's check: someone not registered yet holds nothing.
    is_missing(
        engine
            .may_hold_cohort_role(
                cohort.id,
                "new.trainer@example.org",
                Staff::Coordinator,
                day(2),
            )
            .await
            .unwrap_err(),
        "new.trainer@example.org",
        "coordinator",
    );
    is_missing(
        engine
            .may_hold_cohort_role(cohort.id, &graduate, Staff::Committee, day(2))
            .await
            .unwrap_err(),
        name,
        "committee",
    );
    // The import asks the same rule of each row given a coordinating or
    // judging role, names the row, and writes nothing.
    let file = format!(
        "email,name,organization,language,role,supervisor,title\n\
         {graduate},{name},Institute,en,coordinator,,\n\
         new.trainer@example.org,New Trainer,Institute,en,evaluator,,\n"
    );
    let before = snapshot(db).await;
    let answer = engine
        .import_people(&cohort.name, file.as_bytes(), false, day(2))
        .await
        .unwrap();
    let ImportAnswer::Refused(refusal) = answer else {
        panic!("an import of uncertified staff should be refused: {answer:#?}");
    };
    let named: Vec<(Option<u64>, &str)> = refusal
        .problems
        .iter()
        .map(|p| (p.line, p.reason.code))
        .collect();
    assert_eq!(
        named,
        [
            (Some(2), "trainer-certificate-missing"),
            (Some(3), "trainer-certificate-missing")
        ],
        "{refusal:#?}"
    );
    support::assert_unchanged(db, &before, "an import of uncertified staff").await;
    // A program that asks nothing asks nothing of anyone.
    let trainers_cohort = engine.cohort(&trainers.name).await.unwrap();
    engine
        .may_hold_cohort_role(
            trainers_cohort.id,
            "new.trainer@example.org",
            Staff::Coordinator,
            day(2),
        )
        .await
        .unwrap();

    // The graduate passes the train-the-trainer program: certified.
    let id = to_the_pass(&engine, &trainers, "Trainers' own project", 1).await;
    act(
        &engine,
        id,
        "chair1@example.org",
        "pass",
        Fields::new(),
        None,
        14,
    )
    .await
    .unwrap();
    let certificate = engine
        .certificates(Some(&graduate), None)
        .await
        .unwrap()
        .pop()
        .expect("the graduate's certificate");
    assert_eq!(certificate.number, "TOT-001");
    let made = engine.create_cohort(later.clone(), day(15)).await.unwrap();
    let coordinators = vec![("coordinator".to_owned(), graduate.clone())];
    assert_eq!(engine.cohort_members(&made).await.unwrap(), coordinators);
    engine
        .pool_add(&cohort.name, &graduate, false, day(15))
        .await
        .unwrap();
    engine
        .may_hold_cohort_role(cohort.id, &graduate, Staff::Coordinator, day(15))
        .await
        .unwrap();
    engine
        .assign(project, None, &graduate, "committee", day(15))
        .await
        .unwrap();
    // Its validity is a year: past it, the certificate counts for nothing.
    is_missing(
        engine
            .may_hold_cohort_role(cohort.id, &graduate, Staff::Committee, day(15 + 366))
            .await
            .unwrap_err(),
        name,
        "committee",
    );
    // Revoked, it counts for nothing either; the places given stay.
    engine
        .revoke_certificate(&certificate.number, None, "Issued in error", day(16))
        .await
        .unwrap();
    let mut again = later.clone();
    again.name = "Later 2027".into();
    is_missing(
        engine.create_cohort(again, day(17)).await.unwrap_err(),
        name,
        "coordinator",
    );
    is_missing(
        engine
            .assign(project, None, &graduate, "chair", day(17))
            .await
            .unwrap_err(),
        name,
        "committee",
    );
    assert_eq!(engine.cohort_members(&made).await.unwrap(), coordinators);
}

/// The settings are checked: an unknown program is refused and changes
/// nothing; the program's own graduates may run its later cohorts (no
/// cycle is refused for staff); the CLI says what was set.
async fn the_settings(db: &TestDb) {
    let engine = db.engine().await;
    let trainers = two_programs(&engine).await;
    let before = snapshot(db).await;
    let refused = engine
        .certify_program(
            LATER,
            &CertifyProgram {
                coordinators_need: Some("no-such-program".into()),
                ..support::certify(support::SERVICE_LEVEL, "LATER-{seq:03}", "none", None)
            },
            day(1),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotFound, "{refused}");
    support::assert_unchanged(db, &before, "an unknown program named").await;
    engine
        .certify_program(
            &trainers.program,
            &CertifyProgram {
                coordinators_need: Some(trainers.program.clone()),
                ..support::certify(support::SERVICE_LEVEL, "TOT-{seq:03}", "1y", None)
            },
            day(1),
        )
        .await
        .unwrap();
    let set = engine
        .certification(&trainers.program)
        .await
        .unwrap()
        .unwrap();
    let own = engine.cohort(&trainers.name).await.unwrap().program_id;
    assert_eq!(set.staff.coordinators, Some(own));
    assert_eq!(set.staff.committee, None);
    // On the command line.
    let out = crate::processes::spawn::run(
        db,
        &[
            "program",
            "certify",
            LATER,
            "--level",
            "Service",
            "--level-ar",
            "الخدمة",
            "--awarding-body",
            "Institute",
            "--awarding-body-ar",
            "المعهد",
            "--accrediting-body",
            "ILM",
            "--accrediting-body-ar",
            "ILM",
            "--number",
            "L-{seq:03}",
            "--coordinators-need",
            &trainers.program,
        ],
    );
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        out.stdout
            .contains("its coordinators need a certificate of graduation-service-program"),
        "{out}"
    );
    let later = engine.certification(LATER).await.unwrap().unwrap();
    assert_eq!(later.staff.coordinators, Some(own));
    assert_eq!(
        later.staff.committee, None,
        "run again, it says it all again"
    );
}

/// A person's page: their own (certificates, cohorts coordinated,
/// committees), their cohort's coordinator's view of it, and a 404 for
/// everyone else, alike with an id that names nobody; in Arabic too.
async fn the_person_page(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let committee1 = engine.person("committee1@example.org").await.unwrap().id;
    let cohort_a = engine.cohort_by_id(site.cohorts[0]).await.unwrap();
    engine
        .pool_add(&cohort_a.name, "committee1@example.org", true, day(1))
        .await
        .unwrap();
    let path = format!("/people/{committee1}");
    let mut own = site.signed_in("committee1@example.org").await;
    let profile = own.get("/profile").await;
    assert!(
        profile.body.contains(&format!("href=\"{path}\"")),
        "{}",
        profile.body
    );
    let page = own.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Person committee1"), "{}", page.body);
    assert!(page.body.contains("No certificates yet."), "{}", page.body);
    assert!(page.body.contains("Committees"));
    assert!(page.body.contains("Cohort A"), "{}", page.body);
    assert!(page.body.contains("chair"));
    // Cohort A's coordinator sees it; the coordinator's own page lists the cohort.
    let mut coordinator = site.signed_in("coord-a@example.org").await;
    let seen = coordinator.get(&path).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert!(seen.body.contains("Person committee1"));
    let coord_a = engine.person("coord-a@example.org").await.unwrap().id;
    let theirs = coordinator.get(&format!("/people/{coord_a}")).await;
    assert!(theirs.body.contains("Cohorts coordinated"));
    assert!(theirs.body.contains("Cohort A"), "{}", theirs.body);
    // Another cohort's coordinator, a trainee and a made-up id: not found alike.
    let mut other = site.signed_in("coord-b@example.org").await;
    let hidden = other.get(&path).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("Person committee1"));
    let nobody = other.get("/people/999999").await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    let mut trainee = site.signed_in("trainee2@example.org").await;
    assert_eq!(trainee.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        trainee.get("/people/not-a-number").await.status,
        StatusCode::NOT_FOUND
    );
    let signed_out = site.browser().get(&path).await;
    assert_ne!(signed_out.status, StatusCode::OK);
    // In Arabic.
    let csrf = own.get("/profile").await.csrf();
    own.post("/profile", &[("csrf", &csrf), ("language", "ar")])
        .await;
    let arabic = own.get(&path).await;
    assert!(arabic.body.contains("dir=\"rtl\""), "{}", arabic.body);
    assert!(arabic.body.contains("اللجان"), "{}", arabic.body);
    assert!(arabic.body.contains("رئيس اللجنة"), "{}", arabic.body);
    site.stop().await;
}

/// An evaluator with a conflict of interest is not offered the score form:
/// the page says the core's refusal instead (in English and Arabic), and
/// the score is refused all the same if sent.
async fn a_conflicted_evaluator_is_not_offered_the_score_form(db: &TestDb) {
    let site = Site::new(db).await;
    let engine = &site.engine;
    let p = site.projects[0];
    crate::committee::to_evaluation(engine, p, 1).await;
    let path = format!("/projects/{p}");
    let mut evaluator = site.signed_in("committee1@example.org").await;
    let page = evaluator.get(&path).await;
    assert!(page.body.contains("id=\"act-score\""), "{}", page.body);
    assert!(!page.body.contains("id=\"score-barred\""));
    engine
        .declare_conflict(
            "committee1@example.org",
            Some("trainee1@example.org"),
            None,
            "my cousin",
            None,
            day(10),
        )
        .await
        .unwrap();
    let page = evaluator.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"act-score\""), "{}", page.body);
    assert!(page.body.contains("id=\"score-barred\""), "{}", page.body);
    let refusal = engine
        .act(
            p,
            "committee1@example.org",
            gradflow_engine::service::Request {
                action: "score".into(),
                ..Default::default()
            },
            day(11),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal.reason().code, "committee-conflicted");
    assert!(
        page.body
            .contains("they declared a conflict of interest with the trainee"),
        "{}",
        page.body
    );
    let csrf = evaluator.get("/profile").await.csrf();
    evaluator
        .post("/profile", &[("csrf", &csrf), ("language", "ar")])
        .await;
    let arabic = evaluator.get(&path).await;
    assert!(arabic.body.contains("id=\"score-barred\""));
    assert!(arabic.body.contains("صرّح بتعارض مصالح"), "{}", arabic.body);
    assert!(!arabic.body.contains("id=\"act-score\""));
    site.stop().await;
}

on_both!(
    a_trainer_needs_a_valid_certificate,
    the_settings,
    the_person_page,
    a_conflicted_evaluator_is_not_offered_the_score_form
);
