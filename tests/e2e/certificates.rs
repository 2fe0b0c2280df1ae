//! Certificates (issue 15, parts 1 and 7): what a program certifies, a
//! certificate issued in the transaction of the pass and never by a refused
//! one, numbers unique under racing processes, the public check (valid,
//! expired, revoked, unknown; rate limited), revocation once, expiry, the
//! prerequisite refused at a project's start, and the pages over HTTP.

use gradflow_engine::certificate::Code;
use gradflow_engine::decide::Fields;
use gradflow_engine::service::{Engine, Kind as ErrorKind};

use crate::processes::spawn;
use crate::support::{self, Cohort, TestDb, act, day, holder, on_both, snapshot};

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
        .collect()
}

/// Starts a graduation-service project for trainee `n` and walks it to the
/// committee's evaluation with two scorecards given: the chair's `pass` is
/// all that is left.
pub async fn to_the_pass(engine: &Engine, cohort: &Cohort, title: &str, n: usize) -> i64 {
    let mut members = cohort.members();
    members.retain(|(_, role)| role != "trainee");
    members.push((holder("trainee", n), "trainee".into()));
    let id = engine
        .start_project(&cohort.name, title, &members, day(1))
        .await
        .unwrap()
        .project;
    let trainee = holder("trainee", n);
    let visit = |minutes: &str| {
        fields(&[
            ("visited_on", "2026-01-05"),
            ("waiting_minutes", minutes),
            ("steps", "6"),
            ("observations", "A queue."),
        ])
    };
    let proposal = support::sample(&cohort.workflow.forms["proposal"]);
    let steps: Vec<(&str, &str, Fields)> = vec![
        (&trainee, "submit", proposal),
        ("supervisor1@example.org", "endorse", Fields::new()),
        (&trainee, "visit_before.submit", visit("95")),
        (
            "coordinator1@example.org",
            "visit_before.accept",
            Fields::new(),
        ),
        (&trainee, "visit_after.submit", visit("18")),
        (
            "coordinator1@example.org",
            "visit_after.accept",
            Fields::new(),
        ),
        (&trainee, "finish", fields(&[("summary", "Done.")])),
    ];
    for (i, (who, action, answers)) in steps.into_iter().enumerate() {
        act(engine, id, who, action, answers, None, 2 + i as i64)
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
    }
    for (who, s) in [
        ("committee1@example.org", "4"),
        ("committee2@example.org", "5"),
    ] {
        let scores = fields(&[
            ("safety", s),
            ("authenticity", s),
            ("friendliness", s),
            ("efficiency", s),
        ]);
        act(engine, id, who, "score", scores, None, 12)
            .await
            .unwrap();
    }
    id
}

/// A graduation-service cohort whose program certifies with `pattern`.
async fn certifying(engine: &Engine, pattern: &str, validity: &str) -> Cohort {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    engine
        .certify_program(
            &cohort.program,
            &support::certify(support::SERVICE_LEVEL, pattern, validity, None),
            day(0),
        )
        .await
        .unwrap();
    cohort
}

async fn pass(engine: &Engine, id: i64, n: i64) {
    act(
        engine,
        id,
        "chair1@example.org",
        "pass",
        Fields::new(),
        None,
        n,
    )
    .await
    .unwrap();
}

async fn issued_with_the_pass_and_never_without(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = certifying(&engine, "PSLI-{year}-{seq:05}", "3y").await;
    let id = to_the_pass(&engine, &cohort, "Same-day renewal", 1).await;
    // A refused pass (the wrong person) issues nothing.
    let before = snapshot(db).await;
    let refused = act(
        &engine,
        id,
        "committee1@example.org",
        "pass",
        Fields::new(),
        None,
        13,
    )
    .await;
    assert!(refused.is_err());
    support::assert_unchanged(db, &before, "a refused pass").await;
    assert!(engine.certificates(None, None).await.unwrap().is_empty());

    pass(&engine, id, 14).await;
    let list = engine
        .certificates(Some("trainee1@example.org"), None)
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    let c = &list[0];
    assert_eq!(c.number, "PSLI-2026-00001");
    assert_eq!(c.project_id, Some(id));
    assert_eq!(c.issued_on, "2026-01-15");
    assert_eq!(c.expires_on.as_deref(), Some("2029-01-15"));
    assert_eq!(c.details.level.en, "Service");
    assert_eq!(c.details.accrediting_body.ar, "معهد القيادة والإدارة");
    assert_eq!(c.details.project_title, "Same-day renewal");
    let improvement = c
        .details
        .improvement
        .as_ref()
        .expect("the improvement is kept");
    assert_eq!((improvement.before, improvement.after), (95.0, 18.0));
    assert_eq!(improvement.percent, Some(-81));
    assert_eq!(improvement.what.en, "Waiting time");
    // The code is 28 symbols of the alphabet, read back from its grouped form.
    let code = Code::parse(&c.code).unwrap();
    assert_eq!(code.as_str(), c.code);
    assert_eq!(
        engine
            .certificate(&code.grouped().to_lowercase())
            .await
            .unwrap()
            .id,
        c.id
    );
    assert_eq!(
        engine.certificate("PSLI-2026-00001").await.unwrap().id,
        c.id
    );
    // The trainee's data export holds her certificate.
    let export = engine
        .export_person(
            "trainee1@example.org",
            "operator",
            "a data request",
            day(15),
        )
        .await
        .unwrap();
    assert_eq!(export.certificates.len(), 1);
    assert_eq!(export.certificates[0].number, "PSLI-2026-00001");

    // The public check: valid now, expired after its expiry, unknown for a
    // code that names nothing and for a malformed one alike.
    let verified = engine
        .verify_certificate(&code.grouped(), None, day(20))
        .await
        .unwrap();
    assert_eq!(verified.status, "valid");
    let public = verified.certificate.unwrap();
    assert_eq!(public.holder, "trainee 1");
    assert_eq!(public.number, "PSLI-2026-00001");
    let later: jiff::Timestamp = "2029-01-16T00:00:00Z".parse().unwrap();
    assert_eq!(
        engine
            .verify_certificate(&c.code, None, later)
            .await
            .unwrap()
            .status,
        "expired"
    );
    let unknown = engine
        .verify_certificate(&"0".repeat(28), None, day(20))
        .await
        .unwrap();
    let malformed = engine
        .verify_certificate("x\u{7}y", None, day(20))
        .await
        .unwrap();
    assert_eq!(unknown, malformed);
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        serde_json::json!({"status": "unknown"})
    );

    // Revoked once, with its reason; a second revocation is refused and changes nothing.
    let revoked = engine
        .revoke_certificate(&c.number, None, "Issued in error", day(21))
        .await
        .unwrap();
    assert_eq!(revoked.revoked.as_ref().unwrap().reason, "Issued in error");
    let before = snapshot(db).await;
    let twice = engine
        .revoke_certificate(&c.code, None, "Again", day(22))
        .await
        .unwrap_err();
    assert_eq!(twice.reason().code, "certificate-revoked");
    assert_eq!(twice.kind(), ErrorKind::Conflict);
    support::assert_unchanged(db, &before, "a second revocation").await;
    assert_eq!(
        engine
            .verify_certificate(&c.code, None, day(23))
            .await
            .unwrap()
            .status,
        "revoked"
    );
    // The next pass of the program takes the next number.
    let second = to_the_pass(&engine, &cohort, "Second", 2).await;
    pass(&engine, second, 15).await;
    let list = engine
        .certificates(None, Some(&cohort.program))
        .await
        .unwrap();
    assert_eq!(list[0].number, "PSLI-2026-00002");
    assert_eq!(engine.verify_audit().await.unwrap().broken, None);
}

async fn settings_are_checked(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let before = snapshot(db).await;
    for (pattern, validity, code) in [
        ("PSLI-{yaer}-{seq}", "none", "pattern-placeholder-unknown"),
        ("PSLI-{year}", "none", "pattern-no-sequence"),
        ("PSLI-{seq", "none", "pattern-unbalanced"),
        ("PSLI {seq}", "none", "pattern-text"),
        ("PSLI-{seq}", "3 fortnights", "validity-unknown"),
    ] {
        let e = engine
            .certify_program(
                &cohort.program,
                &support::certify(support::SERVICE_LEVEL, pattern, validity, None),
                day(0),
            )
            .await
            .unwrap_err();
        assert_eq!(e.reason().code, code, "{pattern} {validity}");
        assert_eq!(e.kind(), ErrorKind::Invalid);
    }
    let mut bad = support::certify(support::SERVICE_LEVEL, "P-{seq}", "none", None);
    bad.level.ar = "line\u{202e}".into();
    let e = engine
        .certify_program(&cohort.program, &bad, day(0))
        .await
        .unwrap_err();
    assert_eq!(e.reason().code, "text-characters");
    // A program cannot require itself.
    let e = engine
        .certify_program(
            &cohort.program,
            &support::certify(
                support::SERVICE_LEVEL,
                "P-{seq}",
                "none",
                Some(&cohort.program),
            ),
            day(0),
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason().code, "prerequisite-cycle");
    support::assert_unchanged(db, &before, "refused program settings").await;
}

async fn the_prerequisite_is_checked_at_the_start(db: &TestDb) {
    let engine = db.engine().await;
    let service = certifying(&engine, "S-{seq:03}", "none").await;
    // A second program on the same workflow, requiring the first.
    engine
        .create_program("excellence", "Excellence", "graduation-service", day(0))
        .await
        .unwrap();
    engine
        .certify_program(
            "excellence",
            &support::certify(
                support::SERVICE_LEVEL,
                "E-{year}-{seq}",
                "none",
                Some(&service.program),
            ),
            day(0),
        )
        .await
        .unwrap();
    let w = service.workflow.clone();
    engine
        .create_cohort(
            support::new_cohort(&w, "excellence", "Excellence A"),
            day(0),
        )
        .await
        .unwrap();
    let members = vec![
        (holder("trainee", 1), "trainee".to_owned()),
        (holder("supervisor", 1), "supervisor".to_owned()),
    ];
    let before = snapshot(db).await;
    let refused = engine
        .start_project("Excellence A", "Next level", &members, day(1))
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "prerequisite-missing");
    assert_eq!(refused.kind(), ErrorKind::Forbidden);
    let words = gradflow_words::reason("ar", &refused.reason(), None);
    assert!(words.contains("لا يحمل"), "{words}");
    support::assert_unchanged(db, &before, "a start without the prerequisite").await;
    // With the Service certificate, the start goes ahead.
    let id = to_the_pass(&engine, &service, "Service first", 1).await;
    pass(&engine, id, 14).await;
    engine
        .start_project("Excellence A", "Next level", &members, day(15))
        .await
        .unwrap();
    // A revoked certificate no longer counts.
    engine
        .revoke_certificate("S-001", None, "Found copied", day(16))
        .await
        .unwrap();
    let refused = engine
        .start_project("Excellence A", "Again", &members, day(17))
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "prerequisite-missing");
}

async fn checks_past_the_limit_are_refused(db: &TestDb) {
    let engine = db.engine().await;
    let address: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    let other: std::net::IpAddr = "192.0.2.8".parse().unwrap();
    for _ in 0..gradflow_engine::service::ATTEMPTS_PER_ADDRESS {
        let v = engine
            .verify_certificate("ABCD-EFGH", Some(address), day(1))
            .await
            .unwrap();
        assert_eq!(v.status, "unknown");
    }
    let e = engine
        .verify_certificate("ABCD-EFGH", Some(address), day(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooMany);
    assert_eq!(e.reason().code, "too-many-attempts");
    // Another address is not held back.
    assert!(
        engine
            .verify_certificate("ABCD", Some(other), day(1))
            .await
            .is_ok()
    );
}

/// Twenty `gradflow project act ... pass` processes at once: twenty
/// certificates, numbered 1 to 20 without a gap or a repeat.
async fn numbers_stay_unique_under_racing_processes(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = certifying(&engine, "RACE-{year}-{seq:04}", "none").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(to_the_pass(&engine, &cohort, &format!("Project {i}"), 1 + i % 3).await);
    }
    let commands = ids
        .iter()
        .map(|id| spawn::act_args(*id, "pass", "chair1@example.org", &[]))
        .collect();
    let runs = spawn::at_once(db, commands);
    for run in &runs {
        assert!(run.ok(), "{run}");
    }
    let mut numbers: Vec<String> = engine
        .certificates(None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.number)
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=20).map(|n| format!("RACE-2026-{n:04}")).collect();
    assert_eq!(numbers, expected);
}

/// The command line: list, show, verify (exit 0 only when valid), revoke
/// (twice refused), and a malformed code refused in words.
async fn the_commands(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    spawn::ok(
        db,
        &[
            "program",
            "certify",
            &cohort.program,
            "--level",
            "Service",
            "--level-ar",
            "مستوى الخدمة",
            "--awarding-body",
            "IPA",
            "--awarding-body-ar",
            "المعهد",
            "--accrediting-body",
            "ILM",
            "--accrediting-body-ar",
            "آي إل إم",
            "--number",
            "CLI-{seq:03}",
            "--valid-for",
            "2y",
        ],
    );
    let refused = spawn::run(
        db,
        &[
            "program",
            "certify",
            &cohort.program,
            "--level",
            "S",
            "--level-ar",
            "س",
            "--awarding-body",
            "I",
            "--awarding-body-ar",
            "م",
            "--accrediting-body",
            "L",
            "--accrediting-body-ar",
            "ل",
            "--number",
            "CLI-{sequence}",
        ],
    );
    assert!(!refused.ok());
    assert!(
        refused
            .stderr
            .contains("uses {sequence}, which gradflow does not know"),
        "{refused}"
    );
    let id = to_the_pass(&engine, &cohort, "By the book", 1).await;
    pass(&engine, id, 14).await;
    let list = spawn::ok(db, &["--json", "certificate", "list"]).json();
    let code = list[0]["code"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["number"], "CLI-001");
    assert_eq!(list[0]["status"], "valid");
    let shown = spawn::ok(db, &["certificate", "show", "CLI-001"]);
    assert!(
        shown.stdout.contains("trainee 1 <trainee1@example.org>"),
        "{shown}"
    );
    assert!(spawn::run(db, &["certificate", "verify", &code.to_lowercase()]).ok());
    let unknown = spawn::run(db, &["certificate", "verify", &"Z".repeat(28)]);
    assert_eq!(unknown.code, Some(1), "{unknown}");
    assert!(unknown.stdout.contains("unknown"), "{unknown}");
    let bad = spawn::run(db, &["certificate", "verify", "AB\u{1b}[31mCD"]);
    assert!(!bad.ok());
    assert!(bad.stderr.contains("other characters"), "{bad}");
    spawn::ok(
        db,
        &[
            "certificate",
            "revoke",
            "CLI-001",
            "--reason",
            "Withdrawn by the board",
        ],
    );
    let again = spawn::run(
        db,
        &["certificate", "revoke", "CLI-001", "--reason", "Again"],
    );
    assert!(!again.ok());
    assert!(again.stderr.contains("already revoked"), "{again}");
    let revoked = spawn::run(db, &["--json", "certificate", "verify", &code]);
    assert_eq!(revoked.code, Some(1));
    assert_eq!(revoked.json()["status"], "revoked");
}

/// The pages over HTTP: the certificate page in English and Arabic for its
/// holder and the project's staff (nobody else), the QR image, the home
/// page's link, the public check as a page and as JSON, a malformed and an
/// unknown code answered alike, and the limit answered 429 with words.
async fn the_pages(db: &TestDb) {
    use crate::web::PASSWORD;
    use reqwest::StatusCode;
    let engine = db.engine().await;
    let cohort = certifying(&engine, "WEB-{year}-{seq:03}", "none").await;
    let id = to_the_pass(&engine, &cohort, "Faster renewals", 1).await;
    pass(&engine, id, 14).await;
    for email in [
        "trainee1@example.org",
        "trainee2@example.org",
        "supervisor1@example.org",
    ] {
        engine.set_password(email, PASSWORD).await.unwrap();
    }
    let code = Code::parse(&engine.certificates(None, None).await.unwrap()[0].code).unwrap();
    let server =
        support::Served::with_public_url(db, Some("https://certs.institute.example")).await;
    let base = server.base.clone();
    let browser = || server.browser();
    let signed_in = |email: &'static str| server.signed_in(email);
    let path = format!("/certificates/{}", code.grouped());
    let mut trainee = signed_in("trainee1@example.org").await;
    let home = trainee.get("/").await;
    assert!(
        home.body.contains(&format!("href=\"{path}\"")),
        "{}",
        home.body
    );
    let page = trainee.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This certifies that"), "{}", page.body);
    assert!(page.body.contains("trainee 1"));
    assert!(page.body.contains("WEB-2026-001"));
    let plain = page.body.replace(['\u{2068}', '\u{2069}'], "");
    assert!(plain.contains("Waiting time 95 → 18 min (−81%)"), "{plain}");
    assert!(page.body.contains(&format!(
        "https://certs.institute.example/verify/{}",
        code.grouped()
    )));
    let arabic = trainee.get(&format!("{path}?lang=ar")).await;
    assert!(
        arabic.body.contains("lang=\"ar\" dir=\"rtl\""),
        "{}",
        arabic.body
    );
    assert!(arabic.body.contains("يُشهد بأن"));
    assert!(arabic.body.contains("معهد القيادة والإدارة"));
    assert!(arabic.body.contains("مدة الانتظار"), "{}", arabic.body);
    let qr = trainee
        .get(&format!("/certificates/{}/qr.svg", code.as_str()))
        .await;
    assert_eq!(qr.status, StatusCode::OK);
    assert_eq!(qr.headers["content-type"], "image/svg+xml");
    assert!(qr.body.contains("<svg"));
    // The project's staff see it; someone else finds nothing, as for no code.
    let mut supervisor = signed_in("supervisor1@example.org").await;
    assert_eq!(supervisor.get(&path).await.status, StatusCode::OK);
    let mut other = signed_in("trainee2@example.org").await;
    let hidden = other.get(&path).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert!(!hidden.body.contains("trainee 1"));
    assert_eq!(
        other
            .get(&format!("/certificates/{}/qr.svg", code.as_str()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad = other.get("/certificates/AB%07CD").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("other characters"), "{}", bad.body);
    assert_eq!(browser().get(&path).await.status, StatusCode::SEE_OTHER);

    // The public check, signed out.
    let mut public = browser();
    let check = public
        .get(&format!("/verify/{}", code.as_str().to_lowercase()))
        .await;
    assert_eq!(check.status, StatusCode::OK);
    assert!(
        check.body.contains("This certificate is valid."),
        "{}",
        check.body
    );
    assert!(check.body.contains("trainee 1"));
    let json: serde_json::Value = serde_json::from_str(
        &public
            .get(&format!("/verify/{}.json", code.grouped()))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(json["status"], "valid");
    assert_eq!(json["certificate"]["number"], "WEB-2026-001");
    let request = public
        .client
        .get(format!("{base}/verify/{}", code.grouped()))
        .header("accept", "application/json")
        .header("accept-language", "ar");
    let by_accept = public.send(request).await;
    assert_eq!(by_accept.headers["content-type"], "application/json");
    let unknown = public
        .get(&format!("/verify/{}.json", "0".repeat(28)))
        .await;
    let malformed = public.get("/verify/%1B%5B31m.json").await;
    let long = public
        .get(&format!("/verify/{}.json", "A".repeat(500)))
        .await;
    for answer in [&unknown, &malformed, &long] {
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.body, r#"{"status":"unknown"}"#);
    }
    let page = public.get("/verify/nothing-here").await;
    assert!(
        page.body.contains("No certificate has this code"),
        "{}",
        page.body
    );
    let request = public
        .client
        .get(format!("{base}/verify/nothing-here"))
        .header("accept-language", "ar");
    let arabic = public.send(request).await;
    assert!(
        arabic.body.contains("لا توجد شهادة بهذا الرمز"),
        "{}",
        arabic.body
    );
    // Revoked: the check says so.
    engine
        .revoke_certificate(&code.grouped(), None, "Withdrawn", day(30))
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(
        &browser()
            .get(&format!("/verify/{}.json", code.grouped()))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(json["status"], "revoked");
    let page = trainee.get(&path).await;
    assert!(
        page.body.contains("This certificate was revoked."),
        "{}",
        page.body
    );
    // Past the limit of misses from one address: 429 with words, even for
    // a good code.
    for _ in 0..gradflow_engine::service::ATTEMPTS_PER_ADDRESS {
        public.get("/verify/guess").await;
    }
    let limited = public.get(&format!("/verify/{}", code.grouped())).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "past the limit a hit is not told apart from a miss"
    );
    let limited = public.get("/verify/guess").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        limited.body.contains("too many attempts"),
        "{}",
        limited.body
    );
    let limited = public.get("/verify/guess.json").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    server.stop().await;
}

/// The trainee is mailed the certificate's number and code by the worker,
/// through the outbox, in her language; the supervisor's copy names none.
async fn the_trainee_is_mailed(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = certifying(&engine, "MAIL-{seq:02}", "none").await;
    // Published again with its mail templates (no project runs it yet).
    let loaded =
        gradflow_engine::definition::load(&support::bundled("graduation-service")).unwrap();
    engine
        .publish_with_templates(
            &[(
                loaded.text,
                crate::web::template_files("graduation-service"),
            )],
            day(0),
        )
        .await
        .unwrap();
    engine
        .set_person_language("trainee1@example.org", "ar")
        .await
        .unwrap();
    let id = to_the_pass(&engine, &cohort, "Mailed", 1).await;
    pass(&engine, id, 14).await;
    let code = Code::parse(&engine.certificates(None, None).await.unwrap()[0].code).unwrap();
    let sink = crate::smtp_sink::Sink::start(&[]).await;
    // Within the cohort's mail hours (10:00 in Muscat), the day after.
    let report = crate::worker::worker_once(db, &day(15).to_string(), &sink.url(), 500).await;
    assert_eq!(report["mail"]["dead"], 0, "{report}");
    let received = sink.stop().await;
    let to = |email: &str| {
        received
            .iter()
            .filter(|m| m.to.iter().any(|t| t.contains(email)))
            .map(|m| m.text())
            .find(|t| t.contains("Mailed") || t.contains("«Mailed»"))
    };
    let trainee = received
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("trainee1@example.org")))
        .map(|m| m.text())
        .find(|t| t.contains("MAIL-01"))
        .unwrap_or_else(|| {
            panic!(
                "the trainee's certificate mail among {} messages",
                received.len()
            )
        });
    assert!(trainee.contains(&code.grouped()), "{trainee}");
    assert!(trainee.contains("صدرت شهادتكم"), "{trainee}");
    // A worker not given the site's address names none: no broken link.
    assert!(trainee.contains("استفسروا من المعهد"), "{trainee}");
    assert!(!trainee.contains("/verify/"), "{trainee}");
    let supervisor = to("supervisor1@example.org").expect("the supervisor is told too");
    assert!(!supervisor.contains("MAIL-01"), "{supervisor}");

    // Given --public-url (checked as serve checks it), the mail gives the
    // certificate's public check address.
    let second = to_the_pass(&engine, &cohort, "Checked", 2).await;
    pass(&engine, second, 14).await;
    let code = engine
        .certificates(None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.number == "MAIL-02")
        .map(|c| Code::parse(&c.code).unwrap())
        .expect("the second certificate");
    let now = day(15).to_string();
    let sink = crate::smtp_sink::Sink::start(&[]).await;
    let smtp = sink.url();
    for bad in [
        "ftp://gradflow.example",
        "https://user@gradflow.example",
        "gradflow.example",
    ] {
        let mut args = crate::worker::worker_args(&smtp, "500", true);
        args.extend(["--public-url", bad]);
        let run = crate::worker::gradflow(db, &now, &args).await;
        assert!(!run.ok(), "{run}");
        assert!(run.stderr.contains("--public-url"), "{run}");
    }
    let mut args = crate::worker::worker_args(&smtp, "500", true);
    args.extend(["--public-url", "https://gradflow.institute.example/"]);
    let report = crate::worker::ok(db, &now, &args).await.json();
    assert_eq!(report["mail"]["dead"], 0, "{report}");
    let received = sink.stop().await;
    let mail = received
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains("trainee2@example.org")))
        .map(|m| m.text())
        .find(|t| t.contains("MAIL-02"))
        .expect("the second trainee's certificate mail, sent by the worker given --public-url");
    let address = format!(
        "https://gradflow.institute.example/verify/{}",
        code.grouped()
    );
    assert!(mail.contains(&address), "{mail}");
    assert!(!mail.contains("ask the institute"), "{mail}");
}

on_both!(
    issued_with_the_pass_and_never_without,
    settings_are_checked,
    the_prerequisite_is_checked_at_the_start,
    checks_past_the_limit_are_refused,
    numbers_stay_unique_under_racing_processes,
    the_commands,
    the_pages,
    the_trainee_is_mailed,
);
