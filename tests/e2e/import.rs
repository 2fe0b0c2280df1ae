//! Loading a cohort's people from a spreadsheet (issue 16, part 3), on a
//! real SQLite file and a real PostgreSQL database: a good file imported
//! all at once (dry run first, then the real one, then again: nothing
//! more), every bad row named with its line and nothing changed (a dump of
//! every table before and after), hostile files (100 MB, 1,000,000 rows,
//! binary bytes, formulas) through the real binary, the export read back
//! by the import, and several processes importing one cohort at once.

use std::io::Write;
use std::process::{Command, Stdio};

use gradflow_engine::service::import::{
    ImportAnswer, Imported, MAX_ROWS, PersonEffect, Refusal, Role, RoleEffect, TEMPLATE,
};
use gradflow_engine::service::{Engine, NewCohort};

use crate::processes::spawn;
use crate::support::{self, Cohort, TestDb, assert_unchanged, day, on_both, raw_number, snapshot};

/// A good file: BOM, CRLF, Arabic names, quoted commas and quotes, an
/// organization written with other capitals and spaces, a person with two
/// roles, an email in capitals.
const GOOD: &str = "\u{feff}email,name,organization,language,role,supervisor,title\r\n\
huda@institute.example,Huda Al-Farsi,Institute,ar,coordinator,,\r\n\
omar@institute.example,\"Saleh, Omar\",Institute,en,chair,,\r\n\
sara@audit.example,Sara Nasser,Audit Bureau,,evaluator,,\r\n\
khalid@health.example,خالد منصور,Ministry of Health,ar,supervisor;evaluator,,\r\n\
amal@health.example,أمل يوسف,ministry of  HEALTH,ar,trainee,khalid@health.example,\"Waiting times, \"\"outpatients\"\"\"\r\n\
Badr@Health.example,Badr Said,Ministry of Health,en,trainee,KHALID@health.example,Fewer lost referrals\r\n\
noor@health.example,Noor (registered),Ministry of Health,,trainee,khalid@health.example,A registered trainee\r\n";

fn done(answer: ImportAnswer) -> Imported {
    match answer {
        ImportAnswer::Done(d) => d,
        ImportAnswer::Refused(r) => panic!("the import should pass: {r:#?}"),
    }
}

fn refused(answer: ImportAnswer) -> Refusal {
    match answer {
        ImportAnswer::Refused(r) => r,
        ImportAnswer::Done(d) => panic!("the import should be refused: {d:#?}"),
    }
}

/// (line, code) of each problem.
fn named(refusal: &Refusal) -> Vec<(Option<u64>, &'static str)> {
    refusal
        .problems
        .iter()
        .map(|p| (p.line, p.reason.code))
        .collect()
}

/// The bundled graduation-service cohort, and Noor, registered by hand
/// before the import (the good file names her: she is matched).
async fn cohort(engine: &Engine) -> Cohort {
    let c = Cohort::set_up(engine, "graduation-service").await;
    engine
        .add_person("noor@health.example", "Noor", "Ministry of Health", day(0))
        .await
        .unwrap();
    c
}

async fn good_file_imports_everyone_in_one_transaction(db: &TestDb) {
    let engine = db.engine().await;
    let c = cohort(&engine).await;
    let before = snapshot(db).await;
    let plan = done(
        engine
            .import_people(&c.name, GOOD.as_bytes(), true, day(2))
            .await
            .unwrap(),
    );
    assert_unchanged(db, &before, "a dry run").await;
    assert!(plan.dry_run);
    assert_eq!(
        (
            plan.created,
            plan.matched,
            plan.started,
            plan.supervisors,
            plan.pooled,
            plan.coordinators
        ),
        (6, 1, 3, 1, 3, 1),
        "{plan:#?}"
    );
    assert_eq!(plan.rows.len(), 7);
    assert_eq!(plan.rows[3].line, 5);
    assert_eq!(
        plan.rows[3].roles,
        vec![
            (Role::Evaluator, RoleEffect::PoolAdded),
            (Role::Supervisor, RoleEffect::SupervisorMarked)
        ]
    );
    assert_eq!(plan.rows[6].person, PersonEffect::Matched);
    assert_eq!(plan.rows[5].email, "badr@health.example");

    let imported = done(
        engine
            .import_people(&c.name, GOOD.as_bytes(), false, day(2))
            .await
            .unwrap(),
    );
    assert!(!imported.dry_run);
    assert_eq!(imported.projects.len(), 3);
    assert_eq!((imported.created, imported.started), (6, 3));
    // What the dry run said is what happened.
    assert_eq!(imported.rows, plan.rows);
    let amal = engine.person("amal@health.example").await.unwrap();
    assert_eq!(amal.name, "أمل يوسف");
    assert_eq!(
        support::raw_text(
            db,
            "SELECT language FROM people WHERE email = 'amal@health.example'"
        )
        .await
        .as_deref(),
        Some("ar")
    );
    let khalid = engine.person("khalid@health.example").await.unwrap();
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM people WHERE supervisor AND email = 'khalid@health.example'"
        )
        .await,
        1
    );
    // Each trainee's project: on the cohort's workflow, with their supervisor.
    for id in &imported.projects {
        let view = engine.view(*id).await.unwrap();
        let supervisors: Vec<i64> = view
            .record
            .members
            .iter()
            .filter(|m| m.role == "supervisor")
            .map(|m| m.person)
            .collect();
        assert_eq!(supervisors, vec![khalid.id]);
        assert_eq!(view.record.state.stage, c.workflow.start);
    }
    let titles: Vec<String> = engine
        .projects(Some(&engine.cohort(&c.name).await.unwrap()))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert!(
        titles.contains(&"Waiting times, \"outpatients\"".to_owned()),
        "{titles:?}"
    );
    let pool = engine.pool(&c.name, "committee").await.unwrap();
    let mut pooled: Vec<(&str, bool)> = pool
        .iter()
        .map(|m| (m.member.email.as_str(), m.member.chair))
        .collect();
    pooled.sort();
    assert_eq!(
        pooled,
        vec![
            ("khalid@health.example", false),
            ("omar@institute.example", true),
            ("sara@audit.example", false),
        ]
    );
    let cohort_row = engine.cohort(&c.name).await.unwrap();
    assert_eq!(cohort_row.taken, 3);
    assert!(
        engine
            .cohort_members(&cohort_row)
            .await
            .unwrap()
            .contains(&(
                "coordinator".to_owned(),
                "huda@institute.example".to_owned()
            ))
    );
    let audit = engine.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{audit:?}");

    // The same file again: everyone is there, nothing changes.
    let before = snapshot(db).await;
    let again = done(
        engine
            .import_people(&c.name, GOOD.as_bytes(), false, day(3))
            .await
            .unwrap(),
    );
    assert_eq!(
        (
            again.created,
            again.started,
            again.pooled,
            again.coordinators,
            again.supervisors
        ),
        (0, 0, 0, 0, 0)
    );
    assert!(again.rows.iter().all(|r| r.person == PersonEffect::Matched));
    assert_unchanged(db, &before, "importing the same file again").await;
}

async fn every_bad_row_is_named_and_nothing_changes(db: &TestDb) {
    let engine = db.engine().await;
    let c = cohort(&engine).await;
    // A good part (that must not be written) and a bad row of every kind.
    let file = "email,name,organization,language,role,supervisor,title\n\
        khalid@health.example,Khalid,Health,ar,supervisor,,\n\
        amal@health.example,Amal,Health,ar,trainee,khalid@health.example,Good title\n\
        amal@health.example,Amal again,Health,ar,evaluator,,\n\
        not an email,X,,,evaluator,,\n\
        f@x.example,=cmd|' /C calc'!A0,,,evaluator,,\n\
        g@x.example,G,,,wizard,,\n\
        h@x.example,H,,fr,evaluator,,\n\
        i@x.example,I,Health,,trainee,,Title\n\
        j@x.example,J,Health,,trainee,supervisor1@example.org,Title\n\
        k@x.example,K,Finance,,trainee,khalid@health.example,Title\n\
        l@x.example,L,,,evaluator,,\"two\n\
        lines\"\n\
        m@x.example,M,Health,,trainee,khalid@health.example,\n\
        n@x.example,N,,,evaluator\n\
        o@x.example,O\u{202E},,,evaluator,,\n";
    let before = snapshot(db).await;
    let refusal = refused(
        engine
            .import_people(&c.name, file.as_bytes(), false, day(2))
            .await
            .unwrap(),
    );
    assert_unchanged(db, &before, "a refused import").await;
    assert_eq!(
        named(&refusal),
        vec![
            (Some(15), "import-row-width"),
            (Some(4), "import-duplicate-email"),
            (Some(5), "not-an-email"),
            (Some(6), "import-formula"),
            (Some(7), "import-role-unknown"),
            (Some(8), "language-unknown"),
            (Some(9), "import-supervisor-missing"),
            (Some(12), "import-trainee-only"),
            (Some(14), "text-empty"),
            (Some(16), "text-characters"),
            (Some(10), "import-supervisor-unknown"),
            (Some(11), "import-supervisor-organization"),
        ]
    );
    assert_eq!(refusal.total, refusal.problems.len());
    // Every reason has words in English and in Arabic (no code left bare).
    for problem in &refusal.problems {
        for lang in ["en", "ar"] {
            let words = gradflow_words::reason(lang, &problem.reason, None);
            assert!(
                !words.is_empty() && !words.contains("reason-"),
                "{lang} {problem:?}: {words}"
            );
        }
    }
    // The dry run names the same rows.
    let dry = refused(
        engine
            .import_people(&c.name, file.as_bytes(), true, day(2))
            .await
            .unwrap(),
    );
    assert_eq!(dry, refusal);

    // More trainees than places: refused whole, the cohort's places named.
    let mut small = support::new_cohort(&c.workflow, &c.program, "small cohort");
    small.capacity = 1;
    engine.create_cohort(small, day(0)).await.unwrap();
    let two = "email,name,organization,role,supervisor,title\n\
        khalid@health.example,Khalid,Health,supervisor,,\n\
        a1@health.example,A1,Health,trainee,khalid@health.example,T1\n\
        a2@health.example,A2,Health,trainee,khalid@health.example,T2\n";
    let before = snapshot(db).await;
    let refusal = refused(
        engine
            .import_people("small cohort", two.as_bytes(), false, day(2))
            .await
            .unwrap(),
    );
    assert_eq!(named(&refusal), vec![(None, "cohort-places")]);
    assert_unchanged(db, &before, "an import past capacity").await;
}

async fn export_reads_back_through_the_import(db: &TestDb) {
    let engine = db.engine().await;
    let c = cohort(&engine).await;
    // A name a spreadsheet would run as a formula, registered by hand.
    engine
        .add_person(
            "minus@health.example",
            "-Minus +Plus",
            "Ministry of Health",
            day(1),
        )
        .await
        .unwrap();
    let file = format!(
        "{GOOD}minus@health.example,'-Minus +Plus,Ministry of Health,,trainee,khalid@health.example,'=1+1 is a title\r\n"
    );
    done(
        engine
            .import_people(&c.name, file.as_bytes(), false, day(2))
            .await
            .unwrap(),
    );
    let exported = engine.export_people(&c.name).await.unwrap();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.starts_with("\u{feff}email,name,organization,language,role,supervisor,title\r\n"));
    // No cell starts like a formula.
    for line in text.lines().skip(1) {
        for cell in line.split(',') {
            assert!(
                !cell
                    .trim_start_matches('"')
                    .starts_with(['=', '+', '-', '@']),
                "a formula escaped the export: {line}"
            );
        }
    }
    assert!(text.contains("'-Minus +Plus"), "{text}");
    assert!(text.contains("'=1+1 is a title"), "{text}");
    assert!(
        text.contains(
            "khalid@health.example,خالد منصور,Ministry of Health,ar,evaluator;supervisor,,"
        ),
        "{text}"
    );
    // Into a new cohort of the same program: the same people and roles.
    let other: NewCohort = support::new_cohort(&c.workflow, &c.program, "second cohort");
    engine.create_cohort(other, day(0)).await.unwrap();
    let imported = done(
        engine
            .import_people("second cohort", &exported, false, day(3))
            .await
            .unwrap(),
    );
    assert_eq!((imported.created, imported.started), (0, 4));
    assert_eq!(
        engine.export_people("second cohort").await.unwrap(),
        exported
    );
}

async fn imports_racing_on_one_cohort_start_each_project_once(db: &TestDb) {
    let engine = db.engine().await;
    let c = cohort(&engine).await;
    drop(engine);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.csv");
    std::fs::write(&path, GOOD).unwrap();
    let path = path.display().to_string();
    // Six imports of the same file, and the cohort's dates moved four times
    // meanwhile (an import planned on the old calendar is planned again).
    let mut commands: Vec<Vec<String>> = (0..6)
        .map(|_| spawn::args(&["--json", "import", "--cohort", &c.name, &path]))
        .collect();
    for day in 1..=4 {
        let date = format!("proposal_due=2026-04-{day:02}");
        commands.push(spawn::args(&[
            "cohort", "dates", &c.name, "--date", &date, "--reason", "moved",
        ]));
    }
    let mut runs = spawn::at_once(db, commands);
    for run in runs.split_off(6) {
        assert!(run.ok(), "{run}");
    }
    let mut started = 0;
    for run in &runs {
        assert!(!run.hung, "{run}");
        let answer = run.json();
        match answer["result"].as_str() {
            Some("done") => started += answer["started"].as_u64().unwrap(),
            // Lost the race after planning: nothing written, told to look again.
            Some("refused") => assert_eq!(
                answer["problems"][0]["reason"]["code"], "import-changed",
                "{run}"
            ),
            _ => panic!("{run}"),
        }
    }
    assert_eq!(started, 3, "{runs:#?}");
    assert_eq!(raw_number(db, "SELECT COUNT(*) FROM projects").await, 3);
    assert_eq!(raw_number(db, "SELECT taken FROM cohorts").await, 3);
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM people WHERE email = 'amal@health.example'"
        )
        .await,
        1
    );
}

on_both!(
    good_file_imports_everyone_in_one_transaction,
    every_bad_row_is_named_and_nothing_changes,
    export_reads_back_through_the_import,
    imports_racing_on_one_cohort_start_each_project_once,
    hostile_files_are_refused_by_the_binary,
);

/// `gradflow import` with `bytes` on its standard input.
fn import_stdin(db: &TestDb, cohort: &str, bytes: Vec<u8>) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .args(["--db", &db.url, "import", "--cohort", cohort, "-"])
        .env_remove("GRADFLOW_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The binary stops reading at its limit: the rest meets a closed pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn hostile_files_are_refused_by_the_binary(db: &TestDb) {
    let engine = db.engine().await;
    let c = cohort(&engine).await;
    drop(engine);
    let dir = tempfile::tempdir().unwrap();
    let before = snapshot(db).await;
    // 100 MB: refused from its size, before it is read.
    let huge = dir.path().join("huge.csv");
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap();
    let run = spawn::run(
        db,
        &["import", "--cohort", &c.name, &huge.display().to_string()],
    );
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("larger than 8 MB"), "{run}");
    // 100 MB on standard input: read up to the limit, no further.
    let (code, stderr) = import_stdin(db, &c.name, vec![b'a'; 100 * 1024 * 1024]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("larger than 8 MB"), "{stderr}");
    // 1,000,000 rows (about 30 MB): refused by its size.
    let mut million = String::from("email,name,role\n");
    for i in 0..1_000_000 {
        million.push_str(&format!("p{i}@x.example,P {i},evaluator\n"));
    }
    let (code, stderr) = import_stdin(db, &c.name, million.into_bytes());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("larger than 8 MB"), "{stderr}");
    // Rows past the limit in a small file: refused at the first row too many.
    let mut many = String::from("email,name,role\n");
    for i in 0..=MAX_ROWS {
        many.push_str(&format!("p{i}@x.example,P,evaluator\n"));
    }
    let (code, stderr) = import_stdin(db, &c.name, many.into_bytes());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "-:{}: the file has more than 20000 rows",
            MAX_ROWS + 2
        )),
        "{stderr}"
    );
    // Binary bytes.
    let (code, stderr) = import_stdin(
        db,
        &c.name,
        b"email,name,role\nok@x.example,Ok,evaluator\n\x00\xff\xfe\x89PNG,x,y\n".to_vec(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("-:3: the file is not UTF-8"), "{stderr}");
    // Formulas in cells, each named.
    let (code, stderr) = import_stdin(
        db,
        &c.name,
        b"email,name,role\n@x.example,A,evaluator\nb@x.example,+B,evaluator\nc@x.example,C,-evaluator\n"
            .to_vec(),
    );
    assert_eq!(code, Some(1), "{stderr}");
    for line in 2..=4 {
        assert!(
            stderr.contains(&format!("-:{line}: the "))
                && stderr.contains("starts like a spreadsheet formula"),
            "{stderr}"
        );
    }
    assert_unchanged(db, &before, "hostile files").await;
    // The template, and a dry run of it through the binary.
    let template = spawn::ok(db, &["import", "--template"]);
    assert_eq!(template.stdout, TEMPLATE);
    let path = dir.path().join("template.csv");
    std::fs::write(&path, TEMPLATE).unwrap();
    let dry = spawn::ok(
        db,
        &[
            "import",
            "--cohort",
            &c.name,
            &path.display().to_string(),
            "--dry-run",
        ],
    );
    assert!(dry.stdout.contains("dry run, nothing changed"), "{dry}");
    assert!(dry.stdout.contains("trainee: project started"), "{dry}");
    assert_unchanged(db, &before, "a dry run through the binary").await;
    let real = spawn::ok(
        db,
        &["import", "--cohort", &c.name, &path.display().to_string()],
    );
    assert!(real.stdout.contains("imported 5 people"), "{real}");
    let export = spawn::ok(db, &["export", "--cohort", &c.name]);
    assert!(
        export.stdout.contains(
            "amal@health.example,أمل يوسف,Ministry of Health,ar,trainee,manager@health.example,"
        ),
        "{export}"
    );
    let same = spawn::ok(db, &["import", "--cohort", &c.name, "--export"]);
    assert_eq!(same.stdout, export.stdout);
}

/// A page's text without the isolation marks Fluent puts around values.
fn plain(body: &str) -> String {
    body.replace(['\u{2068}', '\u{2069}'], "")
}

/// The import page's form: the token, what to do, and the file (or the
/// text a check showed, as its confirmation sends it).
fn upload_form(csrf: &str, action: &str, field: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    let part = if field == "file" {
        reqwest::multipart::Part::bytes(bytes).file_name("people.csv")
    } else {
        reqwest::multipart::Part::bytes(bytes)
    };
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("action", action.to_owned())
        .part(field.to_owned(), part)
}

async fn a_coordinator_loads_people_on_the_web(db: &TestDb) {
    use crate::web::Site;
    use reqwest::StatusCode;
    let site = Site::new(db).await;
    let a = site.cohorts[0];
    let path = format!("/cohorts/{a}/import");
    // Only the cohort's coordinators: anyone else finds nothing.
    let mut other = site.signed_in("coord-b@example.org").await;
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("/cohorts/{a}/people.csv")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .get(&format!("/cohorts/{a}/import/template.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let mut trainee = site.signed_in("trainee1@example.org").await;
    assert_eq!(trainee.get(&path).await.status, StatusCode::NOT_FOUND);
    let mut coord = site.signed_in("coord-a@example.org").await;
    let board = coord.get(&format!("/cohorts/{a}")).await;
    assert!(
        board
            .body
            .contains(&format!("href=\"{path}\" id=\"board-import\"")),
        "{}",
        board.body
    );
    let page = coord.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        plain(&page.body).contains("at most 8 MB and 20000 rows"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let url = format!("{}{path}", site.base);
    let before = snapshot(db).await;

    // Another coordinator's valid token gets nothing done on this cohort.
    let other_csrf = other
        .get(&format!("/cohorts/{}/import", site.cohorts[1]))
        .await
        .csrf();
    let sent = other
        .send(other.client.post(&url).multipart(upload_form(
            &other_csrf,
            "import",
            "file",
            GOOD.as_bytes().to_vec(),
        )))
        .await;
    assert_eq!(sent.status, StatusCode::NOT_FOUND);
    // A forged form: refused before the file is read.
    let sent = coord
        .send(coord.client.post(&url).multipart(upload_form(
            "forged",
            "import",
            "file",
            GOOD.as_bytes().to_vec(),
        )))
        .await;
    assert!(sent.status.is_client_error(), "{}", sent.status);
    // A file over the limit.
    let sent = coord
        .send(coord.client.post(&url).multipart(upload_form(
            &csrf,
            "check",
            "file",
            vec![b'a'; 9 * 1024 * 1024],
        )))
        .await;
    assert_eq!(sent.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_unchanged(db, &before, "refused uploads").await;

    // In Arabic: every bad row named with its line, in Arabic words.
    let profile_csrf = coord.get("/profile").await.csrf();
    let saved = coord
        .post("/profile", &[("csrf", &profile_csrf), ("language", "ar")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let before = snapshot(db).await;
    let bad = "email,name,organization,role,supervisor,title\n\
        khalid@health.example,Khalid,Health,supervisor,,\n\
        amal@health.example,Amal,Health,wizard,,\n\
        amal@health.example,Amal,Health,evaluator,,\n";
    let refused = coord
        .send(coord.client.post(&url).multipart(upload_form(
            &csrf,
            "check",
            "file",
            bad.as_bytes().to_vec(),
        )))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    for words in [
        "id=\"import-refused\"",
        "السطر 3:",
        "ليس دورًا يمنحه الاستيراد",
        "السطر 4:",
        "مذكور من قبل في السطر 3",
    ] {
        assert!(
            plain(&refused.body).contains(words),
            "{words} in {}",
            refused.body
        );
    }
    assert!(!plain(&refused.body).contains("Line 3"), "{}", refused.body);
    assert_unchanged(db, &before, "a refused file on the web").await;

    // A good file, checked: what would change, nothing changed yet.
    let good = GOOD.replace(
        "noor@health.example,Noor (registered)",
        "noor@health.example,Noor",
    );
    let checked = coord
        .send(coord.client.post(&url).multipart(upload_form(
            &csrf,
            "check",
            "file",
            good.as_bytes().to_vec(),
        )))
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(
        plain(&checked.body).contains("id=\"import-plan-summary\">7 شخصًا: 7 جديد"),
        "{}",
        checked.body
    );
    assert!(
        plain(&checked.body).contains("name=\"content\""),
        "{}",
        checked.body
    );
    assert_unchanged(db, &before, "a check on the web").await;
    // Confirmed: the text the check showed is imported.
    let confirmed = coord
        .send(coord.client.post(&url).multipart(upload_form(
            &csrf,
            "import",
            "content",
            good.as_bytes().to_vec(),
        )))
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );
    let location = confirmed.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&path), "{location}");
    let landed = coord.get(&location).await;
    assert!(
        plain(&landed.body).contains("استُورد 7 شخصًا (7 جديد): بدأ 3 مشروعًا"),
        "{}",
        landed.body
    );
    assert_eq!(
        site.engine
            .projects(Some(&site.engine.cohort_by_id(a).await.unwrap()))
            .await
            .unwrap()
            .len(),
        2 + 3
    );
    // The downloads.
    let template = coord
        .get(&format!("/cohorts/{a}/import/template.csv"))
        .await;
    assert_eq!(template.body, TEMPLATE);
    let people = coord.get(&format!("/cohorts/{a}/people.csv")).await;
    assert_eq!(people.status, StatusCode::OK);
    assert!(
        people.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        people.body.contains(
            "amal@health.example,أمل يوسف,ministry of  HEALTH,ar,trainee,khalid@health.example,"
        ),
        "{}",
        people.body
    );
    site.stop().await;
}

mod web_both {
    use super::*;
    on_both!(a_coordinator_loads_people_on_the_web);
}
