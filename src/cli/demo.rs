//! `gradflow demo`: a demo institute on a fresh SQLite file. It publishes
//! the bundled workflows, sets up a cohort, and takes a trainee's graduation
//! project through every stage; then, by default, starts more projects at
//! earlier stages, gives every demo account a password (printed: they are
//! demo accounts) and serves the web application. `--tour` prints each step
//! and the final record instead, and exits.

use std::process::ExitCode;

use anyhow::{Context, bail};
use gradflow_engine::decide::Fields;
use gradflow_engine::service::{Cohort, Engine, Error as ServiceError, NewCohort, Request};
use gradflow_engine::{DEFAULT_URL, redact_url};
use jiff::{Span, Timestamp};

use super::Ctx;
use super::args::DemoArgs;
use super::output::say;

/// Whether the tour's steps are printed (`--tour`) or kept quiet (serving).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints like `say!`, unless the demo is being served quietly.
macro_rules! tell {
    ($($arg:tt)*) => {
        if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
            say!($($arg)*)
        }
    };
}

/// The bundled definitions, compiled in so the demo runs from any folder.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "graduation-service",
        include_str!("../../workflows/graduation-service/workflow.yaml"),
    ),
    (
        "graduation-excellence",
        include_str!("../../workflows/graduation-excellence/workflow.yaml"),
    ),
    (
        "service-improvement",
        include_str!("../../workflows/service-improvement/workflow.yaml"),
    ),
];

const DEMO_FILE: &str = "gradflow-demo.db";

/// The demo's virtual calendar: day `n` of the intake, 09:00 in Muscat.
fn day(n: i64) -> Timestamp {
    let first: Timestamp = "2026-02-01T05:00:00Z".parse().expect("a valid instant");
    first
        .checked_add(Span::new().hours(24 * n))
        .expect("in range")
}

pub async fn run(ctx: &Ctx, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    QUIET.store(!args.tour, std::sync::atomic::Ordering::Relaxed);
    let url = if ctx.db == DEFAULT_URL {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{DEMO_FILE}{suffix}"));
        }
        format!("sqlite://{DEMO_FILE}")
    } else {
        ctx.db.clone()
    };
    let shown = redact_url(&url);
    let engine = super::connect(&url).await?;
    if !engine.people().await?.is_empty() {
        bail!("the demo needs an empty database, and {shown} already has people in it");
    }

    tell!("gradflow demo — database {shown}\n");
    tell!("== Setting up: workflows, people, a program and a cohort");
    let mut texts = Vec::new();
    for (name, text) in BUNDLED {
        // The templates are read from the source tree the demo was built from.
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("workflows")
            .join(name)
            .join("workflow.yaml");
        texts.push(((*text).to_owned(), super::workflow::template_files(&file)?));
    }
    for published in engine.publish_with_templates(&texts, day(0)).await? {
        tell!("   published {} v{}", published.key, published.version);
    }
    let people = [
        (
            "huda@institute.example",
            "Huda Al-Balushi",
            "Institute of Public Administration",
        ),
        (
            "amal@health.example",
            "Amal Al-Harthy",
            "Ministry of Health",
        ),
        (
            "khalid@health.example",
            "Khalid Al-Said",
            "Ministry of Health",
        ),
        (
            "salim@housing.example",
            "Salim Al-Rawahi",
            "Ministry of Housing",
        ),
        ("mona@labour.example", "Mona Al-Kindi", "Ministry of Labour"),
        (
            "fatma@institute.example",
            "Fatma Al-Lawati",
            "Institute of Public Administration",
        ),
    ];
    for (email, name, org) in people {
        engine.add_person(email, name, org, day(0)).await?;
        tell!("   registered {name} <{email}>, {org}");
    }
    engine
        .create_program(
            "service-2026",
            "Customer service excellence — Service level",
            "graduation-service",
            day(0),
        )
        .await?;
    certify_demo_program(&engine).await?;
    let cohort = NewCohort {
        program: "service-2026".into(),
        name: "Service 2026 A".into(),
        time_zone: "Asia/Muscat".into(),
        dates: [
            ("proposal_due", "2026-02-15"),
            ("implementation_end", "2026-05-31"),
            ("presentation_day", "2026-06-15"),
        ]
        .iter()
        .map(|(k, v)| Ok(((*k).to_owned(), v.parse()?)))
        .collect::<Result<_, jiff::Error>>()?,
        holidays: ["2026-03-20", "2026-03-21"]
            .iter()
            .map(|d| d.parse())
            .collect::<Result<_, _>>()?,
        weekend: "fri,sat".parse()?,
        mail_hours: Default::default(),
        capacity: 12,
        coordinators: vec!["huda@institute.example".into()],
    };
    let cohort = engine.create_cohort(cohort, day(0)).await?;
    tell!(
        "   cohort '{}' in {}, weekend {}; coordinator Huda",
        cohort.name,
        cohort.time_zone,
        cohort.weekend
    );

    let members = [
        ("trainee".to_owned(), "amal@health.example".to_owned()),
        ("supervisor".to_owned(), "khalid@health.example".to_owned()),
    ];
    let pairs: Vec<(String, String)> = members
        .iter()
        .map(|(r, e)| (e.clone(), r.clone()))
        .collect();
    let started = engine
        .start_project(
            "Service 2026 A",
            "Same-day renewal of health cards",
            &pairs,
            day(1),
        )
        .await?;
    let id = started.project;
    tell!(
        "   project {id} started for Amal, supervised by Khalid: stage {}\n",
        started.stage
    );

    let visit = |date: &str, minutes: &str, note: &str| {
        fields(&[
            ("visited_on", date),
            ("waiting_minutes", minutes),
            ("steps", "6"),
            ("observations", note),
        ])
    };
    let proposal = fields(&[
        ("service", "Health card renewal"),
        (
            "problem",
            "Clients wait 95 minutes on average and come back twice.",
        ),
        (
            "improvement",
            "Pre-check documents online and print cards at the counter.",
        ),
        ("indicator", "waiting_time"),
    ]);
    const AMAL: &str = "amal@health.example";
    const KHALID: &str = "khalid@health.example";
    const HUDA: &str = "huda@institute.example";
    let none = Fields::new;
    let mut revised = proposal.clone();
    revised.insert(
        "improvement".into(),
        "Pre-check documents online; print cards at the Seeb branch first.".into(),
    );
    let script: Vec<(i64, &str, &str, Fields, Option<&str>)> = vec![
        (3, AMAL, "submit", proposal, None),
        (4, AMAL, "endorse", none(), None),
        (
            5,
            KHALID,
            "request_changes",
            none(),
            Some("Say which branch you will start with."),
        ),
        (7, AMAL, "submit", revised, None),
        (8, KHALID, "endorse", none(), None),
    ];
    tell!("== Proposal and endorsement");
    play(&engine, id, script).await?;

    tell!("\n== Implementation, followed up by the institute");
    let script: Vec<(i64, &str, &str, Fields, Option<&str>)> = vec![
        (12, AMAL, "finish", fields(&[("summary", "Done.")]), None),
        (
            15,
            AMAL,
            "visit_before.submit",
            visit("2026-02-15", "95", "Long queue; two counters closed."),
            None,
        ),
        (16, HUDA, "visit_before.accept", none(), None),
        (
            100,
            AMAL,
            "visit_after.submit",
            visit("2026-05-10", "abc", "Short queue."),
            None,
        ),
        (
            100,
            AMAL,
            "visit_after.submit",
            visit("2026-05-10", "20", "Short queue."),
            None,
        ),
        (
            101,
            HUDA,
            "visit_after.return",
            none(),
            Some("Add how many steps the service took."),
        ),
        (
            103,
            AMAL,
            "visit_after.submit",
            visit(
                "2026-05-12",
                "18",
                "Short queue; documents pre-checked online; 6 steps.",
            ),
            None,
        ),
        (104, HUDA, "visit_after.accept", none(), None),
        (
            110,
            AMAL,
            "finish",
            fields(&[("summary", "Waiting time fell from 95 to 18 minutes.")]),
            None,
        ),
    ];
    play(&engine, id, script).await?;

    tell!("\n== Committee evaluation against the S.A.F.E. standards");
    for (email, role) in [
        ("salim@housing.example", "committee"),
        ("mona@labour.example", "committee"),
        ("fatma@institute.example", "chair"),
    ] {
        engine.assign(id, Some(HUDA), email, role, day(125)).await?;
        tell!("   {email} assigned as {role}");
    }
    let scores = |s: &str, a: &str, f: &str, e: &str| {
        fields(&[
            ("safety", s),
            ("authenticity", a),
            ("friendliness", f),
            ("efficiency", e),
        ])
    };
    let script: Vec<(i64, &str, &str, Fields, Option<&str>)> = vec![
        (130, "fatma@institute.example", "pass", none(), None),
        (
            130,
            "salim@housing.example",
            "score",
            scores("4", "4", "5", "5"),
            Some("Clear, measured gain."),
        ),
        (
            131,
            "mona@labour.example",
            "score",
            scores("4", "3", "4", "5"),
            None,
        ),
        (135, "fatma@institute.example", "pass", none(), None),
    ];
    play(&engine, id, script).await?;
    demo_certificates(&engine).await?;
    super::demo_trainers::add(&engine, day(140), |line| tell!("{line}")).await?;

    if !args.tour {
        return serve(ctx, engine, &url, id, args).await;
    }
    tell!();
    let show = Ctx {
        json: false,
        now: day(140),
        fixed_now: Some(day(140)),
        db: url.clone(),
    };
    super::project::run(&show, super::args::ProjectCommand::Show { id }).await?;
    let audit = engine.verify_audit().await?;
    if let Some(b) = &audit.broken {
        bail!("audit: broken at {b}");
    }
    if let Some(b) = &audit.cohort_broken {
        bail!("audit: broken at {b}");
    }
    tell!(
        "\naudit: ok, {} events in {} projects verified",
        audit.events,
        audit.projects
    );
    tell!("\nThe demo database is {shown}; look around with, for example:");
    tell!("   gradflow --db {shown} project show {id}");
    tell!("   gradflow workflow graph workflows/graduation-excellence/workflow.yaml");
    Ok(ExitCode::SUCCESS)
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
        .collect()
}

/// Plays a script of (day, who, action, answers, comment) steps.
async fn play(
    engine: &Engine,
    project: i64,
    script: Vec<(i64, &str, &str, Fields, Option<&str>)>,
) -> anyhow::Result<()> {
    for (n, who, action, answers, comment) in script {
        step(engine, project, n, who, action, answers, comment).await?;
    }
    Ok(())
}

/// Runs one command at day `n` and prints what happened, or why it was refused.
async fn step(
    engine: &Engine,
    project: i64,
    n: i64,
    who: &str,
    action: &str,
    fields: Fields,
    comment: Option<&str>,
) -> anyhow::Result<()> {
    let request = Request {
        action: action.to_owned(),
        fields,
        comment: comment.map(str::to_owned),
        ..Request::default()
    };
    let date = day(n).to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let said = comment.map(|c| format!("  \"{c}\"")).unwrap_or_default();
    match engine.act(project, who, request, day(n)).await {
        Ok(o) => tell!(
            "   {date}  {who:<26} {action:<22} → {} (v{}){said}",
            o.stage,
            o.version
        ),
        Err(e @ ServiceError::Rejected(..)) => {
            let why = gradflow_words::error("en", &e);
            tell!("   {date}  {who:<26} {action:<22} ✗ refused: {why}")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The demo's extra trainees and supervisors: (email, name, organization).
const MORE_PEOPLE: &[(&str, &str, &str)] = &[
    ("sara@labour.example", "Sara Al-Hinai", "Ministry of Labour"),
    (
        "yousef@housing.example",
        "Yousef Al-Amri",
        "Ministry of Housing",
    ),
    (
        "nasser@housing.example",
        "Nasser Al-Farsi",
        "Ministry of Housing",
    ),
    (
        "mariam@health.example",
        "Mariam Al-Busaidi",
        "Ministry of Health",
    ),
    ("ali@labour.example", "Ali Al-Maskari", "Ministry of Labour"),
];

/// Committees (issue 15): the cohort's pool, its chair and a declared
/// conflict, so that Ali's project, entering evaluation, has its committee
/// assigned from the pool automatically: Salim and Rashid score, Fatma
/// chairs, and Mona is left out (Ministry of Labour, like Ali).
async fn committee_pool(engine: &Engine, now: Timestamp) -> anyhow::Result<()> {
    engine
        .add_person(
            "rashid@tourism.example",
            "Rashid Al-Balushi",
            "Ministry of Tourism",
            now,
        )
        .await?;
    for (email, chair) in [
        ("salim@housing.example", false),
        ("mona@labour.example", false),
        ("rashid@tourism.example", false),
        ("fatma@institute.example", true),
    ] {
        engine.pool_add("Service 2026 A", email, chair, now).await?;
    }
    engine
        .declare_conflict(
            "rashid@tourism.example",
            None,
            Some("Ministry of Health"),
            "seconded to the Ministry of Health until last year",
            Some("huda@institute.example"),
            now,
        )
        .await?;
    Ok(())
}

/// Serves the demo institute: four more projects (waiting for its trainee's
/// proposal, for its supervisor's endorsement, in implementation with a
/// client visit for the coordinator to accept, and before the committee),
/// a password for every demo account, printed with its role, then the web
/// application.
async fn serve(
    ctx: &Ctx,
    engine: Engine,
    url: &str,
    certified: i64,
    args: &DemoArgs,
) -> anyhow::Result<ExitCode> {
    let now = ctx.now;
    for (email, name, org) in MORE_PEOPLE {
        engine.add_person(email, name, org, now).await?;
    }
    committee_pool(&engine, now).await?;
    let start = |trainee: &str, supervisor: &str| {
        vec![
            (trainee.to_owned(), "trainee".to_owned()),
            (supervisor.to_owned(), "supervisor".to_owned()),
        ]
    };
    let sara = engine
        .start_project(
            "Service 2026 A",
            "Appointments for work permits by text message",
            &start("sara@labour.example", "khalid@health.example"),
            now,
        )
        .await?
        .project;
    let yousef = engine
        .start_project(
            "Service 2026 A",
            "One visit for housing loan applications",
            &start("yousef@housing.example", "nasser@housing.example"),
            now,
        )
        .await?
        .project;
    let proposal = fields(&[
        ("service", "Housing loan application"),
        (
            "problem",
            "Applicants visit three times to complete one file.",
        ),
        ("improvement", "A checklist sent before the first visit."),
        ("indicator", "waiting_time"),
    ]);
    let request = Request {
        action: "submit".into(),
        fields: proposal,
        ..Request::default()
    };
    engine
        .act(yousef, "yousef@housing.example", request, now)
        .await?;
    // Mariam is implementing her improvement; Ali's is before the committee.
    let mariam = engine
        .start_project(
            "Service 2026 A",
            "Fewer documents for birth registration",
            &start("mariam@health.example", "khalid@health.example"),
            now,
        )
        .await?
        .project;
    let ali = engine
        .start_project(
            "Service 2026 A",
            "One counter for work permit renewals",
            &start("ali@labour.example", "nasser@housing.example"),
            now,
        )
        .await?
        .project;
    let act = |project: i64, who: &'static str, action: &str, fields: Fields| {
        let request = Request {
            action: action.to_owned(),
            fields,
            ..Request::default()
        };
        let engine = &engine;
        async move { engine.act(project, who, request, now).await }
    };
    let visit = |date: &str, minutes: &str, steps: &str, note: &str| {
        fields(&[
            ("visited_on", date),
            ("waiting_minutes", minutes),
            ("steps", steps),
            ("observations", note),
        ])
    };
    // Each project's own proposal and first client visit, matching its title.
    let births = fields(&[
        ("service", "Birth registration"),
        (
            "problem",
            "Parents bring seven documents, two of which the ministry already holds.",
        ),
        (
            "improvement",
            "Read the hospital's birth notice directly; ask only for the parents' ID cards.",
        ),
        ("indicator", "steps"),
    ]);
    let permits = fields(&[
        ("service", "Work permit renewal"),
        (
            "problem",
            "Employers queue at three counters to renew one work permit.",
        ),
        (
            "improvement",
            "One counter that checks, takes the fee and prints the renewal.",
        ),
        ("indicator", "waiting_time"),
    ]);
    for (project, trainee, supervisor, proposal, before) in [
        (
            mariam,
            "mariam@health.example",
            "khalid@health.example",
            births,
            visit(
                "2026-11-03",
                "45",
                "9",
                "Parents queue twice: to hand in documents, then to collect the certificate.",
            ),
        ),
        (
            ali,
            "ali@labour.example",
            "nasser@housing.example",
            permits,
            visit(
                "2026-11-02",
                "80",
                "7",
                "Three windows, one open; long queue.",
            ),
        ),
    ] {
        act(project, trainee, "submit", proposal).await?;
        act(project, supervisor, "endorse", Fields::new()).await?;
        act(project, trainee, "visit_before.submit", before).await?;
    }
    act(
        ali,
        "huda@institute.example",
        "visit_before.accept",
        Fields::new(),
    )
    .await?;
    act(
        ali,
        "ali@labour.example",
        "visit_after.submit",
        visit(
            "2026-11-30",
            "25",
            "4",
            "One counter does the whole renewal.",
        ),
    )
    .await?;
    act(
        ali,
        "huda@institute.example",
        "visit_after.accept",
        Fields::new(),
    )
    .await?;
    act(
        ali,
        "ali@labour.example",
        "finish",
        fields(&[(
            "summary",
            "Waiting fell from 80 to 25 minutes; 4 steps instead of 7.",
        )]),
    )
    .await?;
    // Ali's committee was assigned from the pool as his project entered
    // evaluation (see `committee_pool`).
    let seated = engine.view(ali).await?.record.members;
    let mut committee = Vec::new();
    for m in seated
        .iter()
        .filter(|m| m.role == "committee" || m.role == "chair")
    {
        let person = engine.person_by_id(m.person).await?;
        committee.push(format!("{} ({})", person.name, m.role));
    }
    say!(
        "Ali's committee, assigned from the pool: {}",
        committee.join(", ")
    );
    let intake = demo_intake(&engine, now).await?;
    // The demo runs no worker: the deadlines that have passed by now (the
    // cohort's dates are early in the year) fire here, so the board shows
    // which projects are late, as a running worker would have.
    let mut fired = 0;
    for _ in 0..20 {
        let report = engine.fire_due(now, 500).await?;
        fired += report.fired;
        if report.claimed == 0 {
            break;
        }
    }
    tell!("   {fired} passed deadlines fired");
    let accounts: &[(&str, &str)] = &[
        ("amal@health.example", "trainee (certified project)"),
        ("sara@labour.example", "trainee (proposal to write)"),
        ("yousef@housing.example", "trainee (proposal sent)"),
        ("mariam@health.example", "trainee (implementing)"),
        ("ali@labour.example", "trainee (before the committee)"),
        (
            "khalid@health.example",
            "supervisor of Amal, Sara and Mariam; Rahma's request to endorse",
        ),
        (
            "nasser@housing.example",
            "supervisor of Yousef (an endorsement waits) and Ali; nominated Zainab and Hamad",
        ),
        (
            "salim@housing.example",
            "committee member (Ali's project to score)",
        ),
        (
            "mona@labour.example",
            "committee pool (not on Ali's committee: Ministry of Labour, like Ali)",
        ),
        ("fatma@institute.example", "committee chair"),
        (
            "huda@institute.example",
            "coordinator (Mariam's visit to accept; Layla's nomination among the candidates)",
        ),
        (
            "rahma@health.example",
            "candidate (her request to join waits for Khalid's endorsement)",
        ),
        (
            "hamad@housing.example",
            "candidate (on the waiting list, number 1)",
        ),
    ];
    say!("gradflow demo — database {}", redact_url(url));
    say!(
        "projects: {certified} (certified), {sara} (proposal stage), {yousef} (waiting for endorsement), {mariam} (implementation), {ali} (committee evaluation)"
    );
    // The public check of each demo certificate (no sign-in needed).
    for c in engine.certificates(None, None).await? {
        let code = gradflow_engine::certificate::Code::parse(&c.code)
            .map(|k| k.grouped())
            .unwrap_or_default();
        let state = if c.revoked.is_some() {
            "revoked"
        } else {
            "valid"
        };
        say!(
            "certificate {} of {} ({state}): check it at /verify/{code}",
            c.number,
            c.person_name
        );
    }
    say!(
        "cohort '{}' is open for applications (cohort {}: {} of {} places taken): candidates at /cohorts/{}/candidates",
        intake.name,
        intake.id,
        intake.taken,
        intake.capacity,
        intake.id
    );
    demo_credentials(&engine).await?;
    say!("Sign in as any of these demo accounts (passwords made for this run):");
    for (email, role) in accounts {
        let password = demo_password();
        engine.set_password(email, &password).await?;
        say!("   {email:<26} {password}   {role}");
    }
    // A calendar feed (issue 17, part 4): Mariam's milestones, to
    // subscribe to from a calendar application.
    let mariam = gradflow_engine::service::Viewer {
        person: engine.person("mariam@health.example").await?,
        language: None,
    };
    let feed = engine
        .reset_calendar_secret(&mariam, Timestamp::now())
        .await?;
    say!(
        "Mariam's calendar feed: /calendar/{}.ics after the server's address (her profile makes a new one)",
        feed.secret
    );
    // Mail (password reset links) goes to a folder unless told otherwise,
    // delivered by a courier running beside the server, as a worker would.
    let mut web = args.web.clone();
    if web.smtp.is_none() {
        let folder = super::serve::beside(url, "mail");
        say!(
            "Forgotten passwords: reset links are written to {} (an .eml file each)",
            folder.display()
        );
        web.smtp = Some(format!("file://{}", folder.display()));
    }
    super::serve::logs();
    if let Some(smtp) = web.smtp.clone() {
        let courier =
            super::courier::Courier::open(&smtp, &web.from, jiff::SignedDuration::from_secs(120))?;
        let mail_engine = super::connect(url).await?;
        tokio::spawn(account_mail(courier, mail_engine));
    }
    super::serve::serve(engine, url, &web).await
}

/// The intake's new people: (email, name, organization).
const INTAKE_PEOPLE: &[(&str, &str, &str)] = &[
    (
        "omar@health.example",
        "Omar Al-Shukaili",
        "Ministry of Health",
    ),
    (
        "layla@health.example",
        "Layla Al-Zadjali",
        "Ministry of Health",
    ),
    (
        "rahma@health.example",
        "Rahma Al-Siyabi",
        "Ministry of Health",
    ),
    (
        "zainab@housing.example",
        "Zainab Al-Hashmi",
        "Ministry of Housing",
    ),
    (
        "hamad@housing.example",
        "Hamad Al-Ghafri",
        "Ministry of Housing",
    ),
];

/// Intake (issue 16): the next cohort, "Service 2027 A" (2 places, a
/// program that asks for the supervisor's endorsement of requests), open
/// for applications. Khalid nominated Omar and Nasser nominated Zainab,
/// and Huda accepted both (their projects started: the cohort is full);
/// Nasser nominated Hamad, whom Huda put on the waiting list; Khalid
/// nominated Layla, whom Huda has still to decide on; Rahma asked to join,
/// naming Khalid, whose endorsement her request waits for.
async fn demo_intake(engine: &Engine, now: Timestamp) -> anyhow::Result<Cohort> {
    use gradflow_engine::service::{By, IntakeSettings};
    const KHALID: &str = "khalid@health.example";
    const NASSER: &str = "nasser@housing.example";
    const HUDA: &str = "huda@institute.example";
    engine
        .create_program(
            "service-2027",
            "Customer service excellence — Service level, 2027 intake",
            "graduation-service",
            now,
        )
        .await?;
    engine.set_endorsement("service-2027", true).await?;
    for (email, name, org) in INTAKE_PEOPLE {
        engine.add_person(email, name, org, now).await?;
    }
    for email in [KHALID, NASSER] {
        engine.set_supervisor(email, true).await?;
    }
    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Muscat")?)
        .date();
    let after = |days: i64| today.checked_add(Span::new().days(days));
    let cohort = NewCohort {
        program: "service-2027".into(),
        name: "Service 2027 A".into(),
        time_zone: "Asia/Muscat".into(),
        dates: [
            ("proposal_due", after(60)?),
            ("implementation_end", after(180)?),
            ("presentation_day", after(200)?),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
        holidays: Default::default(),
        weekend: "fri,sat".parse()?,
        mail_hours: Default::default(),
        capacity: 2,
        coordinators: vec![HUDA.into()],
    };
    let cohort = engine.create_cohort(cohort, now).await?;
    engine
        .open_intake(&cohort.name, IntakeSettings::default(), By::Operator, now)
        .await?;
    let khalid = engine.acting_as(KHALID).await?;
    let nasser = engine.acting_as(NASSER).await?;
    let huda = engine.acting_as(HUDA).await?;
    let omar = engine
        .nominate_as(
            &khalid,
            cohort.id,
            "omar@health.example",
            "Runs the card renewal counter; has already cut its paperwork by half.",
            now,
        )
        .await?;
    let zainab = engine
        .nominate_as(
            &nasser,
            cohort.id,
            "zainab@housing.example",
            "Leads the loan desk; wants to measure and shorten its queue.",
            now,
        )
        .await?;
    for result in engine
        .accept_as(
            &huda,
            cohort.id,
            &[omar.application.id, zainab.application.id],
            now,
        )
        .await?
    {
        result?;
    }
    let hamad = engine
        .nominate_as(
            &nasser,
            cohort.id,
            "hamad@housing.example",
            "Handles complaints at the Seeb branch.",
            now,
        )
        .await?;
    engine
        .wait_list_as(&huda, hamad.application.id, now)
        .await?;
    engine
        .nominate_as(
            &khalid,
            cohort.id,
            "layla@health.example",
            "Answers the ministry's call centre; knows what clients ask twice.",
            now,
        )
        .await?;
    let rahma = engine.acting_as("rahma@health.example").await?;
    engine
        .request_as(
            &rahma,
            cohort.id,
            Some(KHALID),
            "I want to shorten the wait for birth certificates at my branch.",
            now,
        )
        .await?;
    Ok(engine.cohort_by_id(cohort.id).await?)
}

/// Open Badges 3.0 (issue 15, part 8): the institute's signing key made
/// up front, and where each certificate's credential and the public keys are.
async fn demo_credentials(engine: &Engine) -> anyhow::Result<()> {
    let (key, _) = engine.create_signing_key(Timestamp::now()).await?;
    for c in engine.certificates(None, None).await? {
        say!(
            "   {}'s Open Badge (a signed credential): her certificate page's download link, /certificates/{}/credential",
            c.person_name,
            c.code
        );
    }
    say!(
        "Open Badges are signed with key {} (public keys at /.well-known/jwks.json, revocations at /credentials/status)",
        key.kid
    );
    Ok(())
}

/// The demo's program says what it certifies (issue 15, part 1): Amal's
/// pass issues her certificate in the same transaction.
async fn certify_demo_program(engine: &Engine) -> anyhow::Result<()> {
    let words = |en: &str, ar: &str| gradflow_engine::certificate::Texts {
        en: en.into(),
        ar: ar.into(),
    };
    engine
        .certify_program(
            "service-2026",
            &gradflow_engine::service::CertifyProgram {
                level: words("Service", "الخدمة"),
                awarding_body: words("Institute of Public Administration", "معهد الإدارة العامة"),
                accrediting_body: words(
                    "ILM (Institute of Leadership and Management)",
                    "معهد القيادة والإدارة (ILM)",
                ),
                pattern: "IPA-SVC-{year}-{seq:05}".into(),
                validity: "3y".into(),
                ..Default::default()
            },
            day(0),
        )
        .await?;
    tell!(
        "   program service-2026 certifies the Service level (IPA-SVC-{{year}}-{{seq:05}}, valid 3 years)"
    );
    Ok(())
}

/// The demo's certificates (issue 15, part 7): Amal's, issued by her pass,
/// and one revoked: Noor's, whose project was certified and whose
/// certificate the institute then withdrew.
async fn demo_certificates(engine: &Engine) -> anyhow::Result<()> {
    const HUDA: &str = "huda@institute.example";
    // Not of Salim's ministry: the committee's rules refuse a judge from
    // the trainee's own organization.
    const NOOR: &str = "noor@social.example";
    engine
        .add_person(
            NOOR,
            "Noor Al-Habsi",
            "Ministry of Social Development",
            day(0),
        )
        .await?;
    let members = [
        (NOOR.to_owned(), "trainee".to_owned()),
        ("khalid@health.example".to_owned(), "supervisor".to_owned()),
    ];
    let noor = engine
        .start_project(
            "Service 2026 A",
            "Housing permits issued at the first visit",
            &members,
            day(2),
        )
        .await?
        .project;
    let visit = |date: &str, minutes: &str| {
        fields(&[
            ("visited_on", date),
            ("waiting_minutes", minutes),
            ("steps", "5"),
            ("observations", "Measured at the main branch."),
        ])
    };
    let proposal = fields(&[
        ("service", "Housing permits"),
        ("problem", "Applicants come back for a second visit."),
        ("improvement", "Check the file at the first visit."),
        ("indicator", "waiting_time"),
    ]);
    let scores = |n: &str| {
        fields(&[
            ("safety", n),
            ("authenticity", n),
            ("friendliness", n),
            ("efficiency", n),
        ])
    };
    let none = Fields::new;
    let steps: Vec<(i64, &str, &str, Fields)> = vec![
        (3, NOOR, "submit", proposal),
        (4, "khalid@health.example", "endorse", none()),
        (15, NOOR, "visit_before.submit", visit("2026-02-15", "70")),
        (16, HUDA, "visit_before.accept", none()),
        (100, NOOR, "visit_after.submit", visit("2026-05-10", "30")),
        (101, HUDA, "visit_after.accept", none()),
        (110, NOOR, "finish", fields(&[("summary", "One visit.")])),
    ];
    for (n, who, action, answers) in steps {
        let request = Request {
            action: action.into(),
            fields: answers,
            ..Request::default()
        };
        engine.act(noor, who, request, day(n)).await?;
    }
    for (email, role) in [
        ("salim@housing.example", "committee"),
        ("mona@labour.example", "committee"),
        ("fatma@institute.example", "chair"),
    ] {
        engine
            .assign(noor, Some(HUDA), email, role, day(125))
            .await?;
    }
    for (who, action, answers) in [
        ("salim@housing.example", "score", scores("4")),
        ("mona@labour.example", "score", scores("4")),
        ("fatma@institute.example", "pass", none()),
    ] {
        let request = Request {
            action: action.into(),
            fields: answers,
            ..Request::default()
        };
        engine.act(noor, who, request, day(136)).await?;
    }
    let revoked = engine
        .certificates(Some(NOOR), None)
        .await?
        .pop()
        .context("Noor's certificate was issued")?;
    engine
        .revoke_certificate(
            &revoked.number,
            Some(HUDA),
            "Issued in error: the after-visit was measured at another branch",
            day(140),
        )
        .await?;
    let amal = engine
        .certificates(Some("amal@health.example"), None)
        .await?
        .pop()
        .context("Amal's certificate was issued by her pass")?;
    let code = |c: &gradflow_engine::service::Certificate| {
        gradflow_engine::certificate::Code::parse(&c.code)
            .map(|k| k.grouped())
            .unwrap_or_default()
    };
    tell!(
        "\n== Certificates\n   Amal's certificate {} (valid): check it at /verify/{}\n   Noor's certificate {} was revoked: /verify/{} says so",
        amal.number,
        code(&amal),
        revoked.number,
        code(&revoked)
    );
    Ok(())
}

/// The demo's courier: delivers password reset links every second (the
/// demo runs no worker, so its projects' own mail stays in the outbox).
async fn account_mail(mut courier: super::courier::Courier, engine: Engine) {
    let clock = super::courier::Clock::new(None);
    loop {
        if let Err(e) = courier
            .deliver_account_due(&engine, jiff::Timestamp::now(), &clock, 20)
            .await
        {
            tracing::warn!("demo: password reset mail not delivered: {e:#}");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}

/// A random password for a demo account: 12 letters and digits.
fn demo_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
