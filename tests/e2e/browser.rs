//! The web application in a real browser: headless Chromium, driven by
//! Playwright (`tests/browser/journeys.mjs`), signs in with the real form,
//! fills in the workflow's forms, uploads evidence and reads what each
//! person sees, against the real server over a fresh SQLite database.
//!
//! Here the institute is set up with the engine (who holds which role on
//! which project is known exactly, and one project is taken to the
//! committee beforehand), the server is started on an ephemeral port, and
//! node runs the journeys against it; its output is printed when it fails.
//! Every page visited is saved as a full-page screenshot in
//! `target/browser-artifacts/` (or `$GRADFLOW_ARTIFACTS`).
//!
//! Chromium (Debian's, `/usr/bin/chromium`, or `$GRADFLOW_CHROMIUM`) and
//! playwright-core (`tests/browser/node_modules`) are installed by
//! `scripts/browser-for-tests`. Without them the test is skipped with a
//! note, except when `CI=true`, where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gradflow_engine::definition;
use gradflow_engine::service::{By, Engine, IntakeSettings, Request};
use jiff::Timestamp;
use serde_json::json;

use crate::support::{self, TestDb, bundled};

/// The password of every account of the test institute.
const PASSWORD: &str = "correct horse battery";

/// The longest the journeys may take before they are stopped (they take
/// well under a minute alone, longer beside the rest of the suite; a hung
/// browser must not hang the suite).
const TIME_LIMIT: Duration = Duration::from_secs(540);

/// The cohort every project is in.
const COHORT: &str = "Service 2026 A";

/// The people of the test institute: (key the journeys use, email, name).
const PEOPLE: &[(&str, &str, &str)] = &[
    ("trainee", "amal@health.example", "Amal Al-Harthy"),
    ("supervisor", "khalid@health.example", "Khalid Al-Said"),
    ("coordinator", "huda@institute.example", "Huda Al-Balushi"),
    ("evaluated", "salim@health.example", "Salim Al-Rawahi"),
    ("committee1", "maryam@institute.example", "Maryam Al-Hinai"),
    ("committee2", "said@institute.example", "Said Al-Kindi"),
    ("chair", "noor@institute.example", "Noor Al-Lawati"),
    ("careless", "fatma@health.example", "Fatma Al-Amri"),
    ("arabic", "aisha@health.example", "عائشة الحارثية"),
    ("targeted", "zahra@health.example", "Zahra Al-Farsi"),
    // next: a trainee whose pages are Arabic (her browser asks for it).
    ("next-trainee-ar", "mariam@health.example", "مريم البلوشية"),
    ("people", "nawal@health.example", "Nawal Al-Rashdi"),
    ("peoplear", "hamed@health.example", "حامد السيابي"),
    // Refusals and reasons in Arabic (issue 14, part 1): pages in Arabic.
    ("reasons", "reem@health.example", "ريم البوسعيدية"),
    (
        "reasons-supervisor",
        "badr@health.example",
        "Badr Al-Mahrouqi",
    ),
    // A trainee whose project moves while she writes (journey busy).
    ("busy", "yusra@health.example", "Yusra Al-Maskari"),
    // The certified trainee of the certificate journey (issue 15, part 7).
    ("certified", "layla@health.example", "Layla Al-Ghafri"),
];

/// The intake journeys' people (issue 16): (key, email, name, organization,
/// a supervisor in the directory). Each journey's three are of one
/// organization: the supervisor nominates one and endorses the other's request.
const INTAKE_PEOPLE: &[(&str, &str, &str, &str, bool)] = &[
    (
        "intake-supervisor",
        "hilal@works.example",
        "Hilal Al-Habsi",
        "Ministry of Works",
        true,
    ),
    (
        "intake-nominee",
        "saif@works.example",
        "Saif Al-Kharusi",
        "Ministry of Works",
        false,
    ),
    (
        "intake-applicant",
        "asma@works.example",
        "Asma Al-Riyami",
        "Ministry of Works",
        false,
    ),
    (
        "intake-supervisor-ar",
        "ahmed@transport.example",
        "أحمد الهنائي",
        "وزارة النقل",
        true,
    ),
    (
        "intake-nominee-ar",
        "khalfan@transport.example",
        "خلفان العبري",
        "وزارة النقل",
        false,
    ),
    (
        "intake-applicant-ar",
        "shamsa@transport.example",
        "شمسة الشكيلية",
        "وزارة النقل",
        false,
    ),
];

/// The intake journeys' cohorts, open for applications in a program that
/// asks for a supervisor's endorsement: (journey's language, name).
const INTAKE_COHORTS: &[(&str, &str)] = &[("en", "Intake 2027"), ("ar", "دفعة الالتحاق 2027")];

/// The cohort of the refusals-and-reasons journey's projects, apart from
/// [`COHORT`] so that the other journeys' boards and lists stay as they were.
const REASONS_COHORT: &str = "Service 2026 R";

/// The projects, one per journey: (journey, title, trainee's key). Each is
/// supervised by the supervisor; the cohort's coordinator coordinates all.
const PROJECTS: &[(&str, &str, &str)] = &[
    ("proposal", "Same-day renewals", "trainee"),
    ("scoring", "Shorter queues at the clinic", "evaluated"),
    ("invalid", "Clearer letters", "careless"),
    ("arabic", "تجديد البطاقة في يوم واحد", "arabic"),
    ("cross-site", "Fewer repeat visits", "targeted"),
    // next: submitted beforehand, so it waits for the supervisor.
    ("next", "Online appointment booking", "trainee"),
    ("next-ar", "حجز المواعيد عبر الإنترنت", "next-trainee-ar"),
    // Scoring with the rubric in view and the chair's panel (routes/scoring.rs).
    (
        "committee",
        "Shorter waits at the licence office",
        "evaluated",
    ),
    ("committee-ar", "انتظار أقصر في مكتب التراخيص", "evaluated"),
    ("people", "Shorter forms for licences", "people"),
    ("people-arabic", "نموذج واحد لتجديد التراخيص", "peoplear"),
    // Refusals and reasons: a proposal to refuse, and a project in its
    // implementation whose "Send for evaluation" waits for the client visits.
    ("reasons", "مواعيد العيادة في يوم واحد", "reasons"),
    ("reasons-next", "رسائل أوضح للمراجعين", "reasons"),
    // Withdrawn by the coordinator while the trainee writes its proposal.
    ("busy", "Same-day certificate copies", "busy"),
    // Passed beforehand: its certificate is printed and its QR code read.
    ("certificate", "Renewals by appointment", "certified"),
];

fn email(key: &str) -> &'static str {
    PEOPLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, email, _)| *email)
        .unwrap_or_else(|| panic!("no person {key}"))
}

/// The worktree's folder for browser tests.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// Chromium and playwright-core, or why they cannot be used.
fn tools() -> Result<PathBuf, String> {
    let chromium = std::env::var_os("GRADFLOW_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return Err(format!("{} is not installed", chromium.display()));
    }
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !node.is_ok_and(|s| s.success()) {
        return Err("node is not installed".into());
    }
    let playwright = browser_dir().join("node_modules/playwright-core/package.json");
    if !playwright.is_file() {
        return Err(format!("{} is missing", playwright.display()));
    }
    Ok(chromium)
}

/// A running server over the test institute.
struct Site {
    base: String,
    _files: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Site {
    /// Publishes the bundled Service-level workflow, registers [`PEOPLE`]
    /// with [`PASSWORD`], creates [`COHORT`] (dates a month and more ahead,
    /// so nothing is overdue) with its coordinator, starts [`PROJECTS`],
    /// takes the scoring journey's project to the committee, and serves.
    async fn new(db: &TestDb) -> Site {
        let engine = Arc::new(db.engine().await);
        let now = Timestamp::now();
        let loaded = definition::load(&bundled("graduation-service")).unwrap();
        let workflow = loaded.workflow;
        engine.publish(&[loaded.text], now).await.unwrap();
        for (_, email, name) in PEOPLE {
            engine.add_person(email, name, "", now).await.unwrap();
        }
        for (_, email, name, organization, _) in INTAKE_PEOPLE {
            engine
                .add_person(email, name, organization, now)
                .await
                .unwrap();
        }
        let mut passwords = Vec::new();
        let everyone = PEOPLE
            .iter()
            .map(|(_, email, _)| *email)
            .chain(INTAKE_PEOPLE.iter().map(|(_, email, ..)| *email));
        for email in everyone {
            let engine = engine.clone();
            passwords.push(tokio::spawn(async move {
                engine.set_password(email, PASSWORD).await.unwrap()
            }));
        }
        for p in passwords {
            p.await.unwrap();
        }
        engine
            .create_program("service-2026", "Service level 2026", &workflow.key, now)
            .await
            .unwrap();
        engine
            .certify_program(
                "service-2026",
                &crate::support::certify(
                    crate::support::SERVICE_LEVEL,
                    "GF-{year}-{seq:04}",
                    "3y",
                    None,
                ),
                now,
            )
            .await
            .unwrap();
        let mut cohort = support::new_cohort(&workflow, "service-2026", COHORT);
        let today = now.to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Muscat").unwrap());
        for (i, date) in cohort.dates.values_mut().enumerate() {
            *date = today
                .date()
                .checked_add(jiff::Span::new().days(30 + 60 * i as i64))
                .unwrap();
        }
        cohort.coordinators = vec![email("coordinator").into()];
        // Oman rests on Friday and Saturday (the "Next:" lines name them).
        cohort.weekend = "fri,sat".parse().unwrap();
        let mut apart = cohort.clone();
        apart.name = REASONS_COHORT.into();
        apart.coordinators = Vec::new();
        let mut intake = Vec::new();
        for (_, name) in INTAKE_COHORTS {
            let mut open = cohort.clone();
            open.name = (*name).into();
            open.program = "service-2027".into();
            intake.push(open);
        }
        engine.create_cohort(cohort, now).await.unwrap();
        engine.create_cohort(apart, now).await.unwrap();
        intake_cohorts(&engine, &workflow, intake, now).await;
        engine
            .set_person_language(email("reasons"), "ar")
            .await
            .unwrap();
        for (journey, title, trainee) in PROJECTS {
            let (cohort, supervisor) = if journey.starts_with("reasons") {
                (REASONS_COHORT, "reasons-supervisor")
            } else {
                (COHORT, "supervisor")
            };
            let mut members = vec![
                (email(trainee).to_owned(), "trainee".to_owned()),
                (email(supervisor).to_owned(), "supervisor".to_owned()),
            ];
            if matches!(
                *journey,
                "scoring" | "committee" | "committee-ar" | "certificate"
            ) {
                members.push((email("committee1").into(), "committee".into()));
                members.push((email("committee2").into(), "committee".into()));
                members.push((email("chair").into(), "chair".into()));
            }
            let id = engine
                .start_project(cohort, title, &members, now)
                .await
                .unwrap()
                .project;
            match *journey {
                "scoring" => to_evaluation(&engine, &workflow, id, trainee, None).await,
                // Measured at 80 minutes' wait before the change and 25 after.
                "committee" | "committee-ar" => {
                    to_evaluation(&engine, &workflow, id, trainee, Some((80, 25))).await;
                }
                _ => {}
            }
            if *journey == "next" {
                let request = Request {
                    action: "submit".into(),
                    fields: support::sample(&workflow.forms["proposal"]),
                    ..Request::default()
                };
                engine.act(id, email(trainee), request, now).await.unwrap();
            }
            if *journey == "certificate" {
                to_evaluation(&engine, &workflow, id, trainee, Some((80, 25))).await;
                for (who, action, score) in [
                    ("committee1", "score", "4"),
                    ("committee2", "score", "5"),
                    ("chair", "pass", ""),
                ] {
                    let fields = if score.is_empty() {
                        Default::default()
                    } else {
                        ["safety", "authenticity", "friendliness", "efficiency"]
                            .iter()
                            .map(|c| ((*c).to_owned(), json!(score)))
                            .collect()
                    };
                    let request = Request {
                        action: action.into(),
                        fields,
                        ..Request::default()
                    };
                    engine.act(id, email(who), request, now).await.unwrap();
                }
            }
            if *journey == "reasons-next" {
                to_implementation(&engine, &workflow, id, trainee).await;
            }
        }
        let files = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let config = gradflow_web::Config {
            files: files.path().join("files"),
            upload_limit: 1024 * 1024,
            upload_quota: gradflow_web::DEFAULT_UPLOAD_QUOTA,
            secure_cookies: false,
            limits: gradflow_web::Limits::default(),
            password_reset: false,
            public_url: base.clone(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gradflow_web::serve(engine, config, listener, async {
            let _ = stopped.await;
        }));
        Site {
            base,
            _files: files,
            stop: Some(stop),
            server: Some(server),
        }
    }

    /// Stops the server, waiting for requests in flight.
    async fn stop(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.server.take().unwrap().await.unwrap().unwrap();
    }
}

/// The intake journeys' program (asking for a supervisor's endorsement)
/// and its `cohorts`, open for applications; the supervisors flagged.
async fn intake_cohorts(
    engine: &Engine,
    workflow: &definition::Workflow,
    cohorts: Vec<gradflow_engine::service::NewCohort>,
    now: Timestamp,
) {
    engine
        .create_program("service-2027", "Service level 2027", &workflow.key, now)
        .await
        .unwrap();
    engine.set_endorsement("service-2027", true).await.unwrap();
    for (_, email, _, _, supervisor) in INTAKE_PEOPLE {
        if *supervisor {
            engine.set_supervisor(email, true).await.unwrap();
        }
    }
    for cohort in cohorts {
        let name = engine.create_cohort(cohort, now).await.unwrap().name;
        engine
            .open_intake(&name, IntakeSettings::default(), By::Operator, now)
            .await
            .unwrap();
    }
}

/// Takes project `id` through proposal and implementation to the committee,
/// acting as each person would (valid answers from `support::sample`, the
/// waiting minutes before and after the change as `minutes` says).
async fn to_evaluation(
    engine: &Engine,
    workflow: &definition::Workflow,
    id: i64,
    trainee: &str,
    minutes: Option<(i64, i64)>,
) {
    let steps = [
        (trainee, "submit", "proposal"),
        ("supervisor", "endorse", ""),
        (trainee, "visit_before.submit", "client_visit"),
        ("coordinator", "visit_before.accept", ""),
        (trainee, "visit_after.submit", "client_visit"),
        ("coordinator", "visit_after.accept", ""),
        (trainee, "finish", "final_report"),
    ];
    for (who, action, form) in steps {
        let mut fields = if form.is_empty() {
            Default::default()
        } else {
            support::sample(&workflow.forms[form])
        };
        if let Some((before, after)) = minutes {
            match action {
                "visit_before.submit" => fields.insert("waiting_minutes".into(), json!(before)),
                "visit_after.submit" => fields.insert("waiting_minutes".into(), json!(after)),
                _ => None,
            };
        }
        let request = Request {
            action: action.into(),
            fields,
            ..Request::default()
        };
        engine
            .act(id, email(who), request, Timestamp::now())
            .await
            .unwrap_or_else(|e| panic!("{action} by {who}: {e}"));
    }
}

/// Takes project `id` through its proposal to the implementation.
async fn to_implementation(
    engine: &Engine,
    workflow: &definition::Workflow,
    id: i64,
    trainee: &str,
) {
    for (who, action, form) in [
        (trainee, "submit", "proposal"),
        ("reasons-supervisor", "endorse", ""),
    ] {
        let fields = if form.is_empty() {
            Default::default()
        } else {
            support::sample(&workflow.forms[form])
        };
        let request = Request {
            action: action.into(),
            fields,
            ..Request::default()
        };
        engine
            .act(id, email(who), request, Timestamp::now())
            .await
            .unwrap_or_else(|e| panic!("{action} by {who}: {e}"));
    }
}

/// Where screenshots go: `$GRADFLOW_ARTIFACTS`, else `target/browser-artifacts`
/// in the worktree.
fn artifacts() -> PathBuf {
    std::env::var_os("GRADFLOW_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts"))
}

/// Runs `node journeys.mjs` against `base`; its exit status and everything it printed.
fn run_journeys(base: &str, chromium: &Path) -> (std::process::ExitStatus, String, Duration) {
    let site = json!({
        "password": PASSWORD,
        "cohort": COHORT,
        "people": PEOPLE
            .iter()
            .map(|(key, email, name)| (key.to_string(), json!({ "email": email, "name": name })))
            .chain(INTAKE_PEOPLE.iter().map(|(key, email, name, ..)| {
                (key.to_string(), json!({ "email": email, "name": name }))
            }))
            .collect::<serde_json::Map<_, _>>(),
        "intake": INTAKE_COHORTS
            .iter()
            .map(|(lang, cohort)| {
                let suffix = if *lang == "en" { "" } else { "-ar" };
                (lang.to_string(), json!({
                    "cohort": cohort,
                    "supervisor": format!("intake-supervisor{suffix}"),
                    "nominee": format!("intake-nominee{suffix}"),
                    "applicant": format!("intake-applicant{suffix}"),
                }))
            })
            .collect::<serde_json::Map<_, _>>(),
        "projects": PROJECTS
            .iter()
            .map(|(journey, title, _)| (journey.to_string(), json!(title)))
            .collect::<serde_json::Map<_, _>>(),
    });
    let out = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg("journeys.mjs")
        .current_dir(browser_dir())
        .env("GRADFLOW_BASE_URL", base)
        .env("GRADFLOW_SITE", site.to_string())
        .env("GRADFLOW_ARTIFACTS", artifacts())
        .env("GRADFLOW_CHROMIUM", chromium)
        .stdin(Stdio::null())
        // One open file (one offset) for both: lines stay in the order printed.
        .stdout(out.as_file().try_clone().unwrap())
        .stderr(out.as_file().try_clone().unwrap())
        .spawn()
        .expect("node starts");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            // Only the child we started, by its id.
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let elapsed = started.elapsed();
    let printed = std::fs::read_to_string(out.path()).unwrap_or_default();
    (status, printed, elapsed)
}

/// Six journeys in headless Chromium: a proposal taken from the trainee
/// through the supervisor and the coordinator to the committee (with an
/// evidence file uploaded and chosen); a project scored by two evaluators
/// and passed by the chair; an invalid proposal answered next to its
/// fields with what was typed kept; the trainee's journey in Arabic, right
/// to left; a form posted from another origin, refused; and, in English
/// and in Arabic, what people meet after acting (a status message naming
/// who was told, answers kept across an upload, the give-a-role form, a
/// confirmed rejection, the outbox in words, a phone's 390x844 screen).
/// to left; a form posted from another origin, refused; and refusals and
/// "Not yet" reasons in Arabic, on a desktop and on a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_headless_chromium() {
    let chromium = match tools() {
        Ok(chromium) => chromium,
        Err(why) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "the browser journeys cannot run under CI: {why}. \
                 scripts/browser-for-tests installs Chromium and playwright-core"
            );
            eprintln!(
                "skipping: the browser journeys need Chromium and playwright-core ({why}); \
                 scripts/browser-for-tests installs them"
            );
            return;
        }
    };
    let db = TestDb::new(support::Kind::Sqlite).await.unwrap();
    let site = Site::new(&db).await;
    let base = site.base.clone();
    let (status, printed, elapsed) =
        tokio::task::spawn_blocking(move || run_journeys(&base, &chromium))
            .await
            .unwrap();
    site.stop().await;
    assert!(
        status.success(),
        "the browser journeys failed ({status}, after {elapsed:.1?}; screenshots in {}):\n{printed}",
        artifacts().display()
    );
    eprintln!("{printed}browser journeys: {elapsed:.1?}");
}
