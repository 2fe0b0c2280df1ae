//! The whole two-level program of DESIGN section 2 (issue 15), from intake
//! to certificates, on SQLite and on PostgreSQL: a Service program and an
//! Excellence program that requires Service's certificate; a cohort of 12
//! trainees from four ministries with their supervisors and a coordinator;
//! a committee pool from five organizations with a chair and two declared
//! conflicts (one with a trainee, one with an organization).
//!
//! Time runs as the real worker would see it: every action is taken at its
//! instant through the engine (as the CLI does), and between actions the
//! real `gradflow worker --once` runs at each instant a timer falls due
//! (and at the instant of the next action), mailing through a real SMTP
//! sink. So every reminder, deadline, escalation and milestone fires at its
//! own time, and each mail is read by its recipient and in their language.
//!
//! The story: six trainees submit early, five after the first reminder, one
//! misses the deadline (the coordinator is told) and withdraws; a
//! supervisor endorses after the reminder; one client visit is returned and
//! sent again; the committee is seated automatically when each project
//! reaches evaluation (never from the trainee's ministry, never a declared
//! conflict, loads balanced); one evaluator is late (reminded, then the
//! chair is told); two projects are sent back for more work and pass on
//! their second evaluation; eleven certificates are issued with numbers
//! from the program's pattern, valid on the public check page; the
//! Excellence project is refused to the trainee without Service's
//! certificate and started for one with it; `audit verify` passes.

use std::collections::{BTreeMap, BTreeSet};

use gradflow_engine::calendar::{MailHours, Weekend};
use gradflow_engine::certificate::Code;
use gradflow_engine::decide::{Change, Fields};
use gradflow_engine::definition::{self, Workflow};
use gradflow_engine::service::{Engine, NewCohort, Outcome, ProjectStart, Request};
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::smtp_sink::{Received, Sink};
use crate::support::{self, TestDb, bundled, on_both};
use crate::worker::{gradflow, worker_once};

on_both!(the_two_level_program_from_intake_to_certificates);

/// The ministries the trainees come from (three trainees each, in order).
pub(crate) const MINISTRIES: [&str; 4] = [
    "Ministry of Health",
    "Ministry of Interior",
    "Ministry of Education",
    "Ministry of Housing",
];

/// Trainees of these ministries (and their supervisors) read Arabic.
const ARABIC_MINISTRIES: [usize; 2] = [1, 3];

/// The committee pool: (email, organization, reads Arabic).
pub(crate) const POOL: [(&str, &str, bool); 5] = [
    ("ev-health@example.org", "Ministry of Health", false),
    ("ev-interior@example.org", "Ministry of Interior", false),
    ("ev-education@example.org", "Ministry of Education", true),
    ("ev-works@example.org", "Ministry of Works", false),
    ("ev-finance@example.org", "Ministry of Finance", false),
];

/// The pool's chair, of the institute, reading Arabic.
pub(crate) const CHAIR: &str = "chair@example.org";
/// The cohort's coordinator.
pub(crate) const COORDINATOR: &str = "coord@example.org";
/// The institute's organization.
const INSTITUTE: &str = "Institute of Public Administration";
/// `ev-works` declared a conflict with trainee 1 (a relative).
pub(crate) const WORKS: &str = "ev-works@example.org";
/// `ev-finance` declared a conflict with the Ministry of Housing.
pub(crate) const FINANCE: &str = "ev-finance@example.org";

pub(crate) const SERVICE_COHORT: &str = "Service 2026 A";
const EXCELLENCE_COHORT: &str = "Excellence 2026 A";

/// Trainee `n` (1 to 12).
pub(crate) fn trainee(n: usize) -> String {
    format!("t{n:02}@example.org")
}

/// The ministry (index into [`MINISTRIES`]) of trainee `n`.
pub(crate) fn ministry(n: usize) -> usize {
    (n - 1) / 3
}

/// The supervisor of a ministry's trainees.
pub(crate) fn supervisor(m: usize) -> String {
    let short = MINISTRIES[m].rsplit(' ').next().unwrap().to_lowercase();
    format!("sup-{short}@example.org")
}

/// The title of trainee `n`'s Service project.
pub(crate) fn title(n: usize) -> String {
    format!("Service improvement {n:02}")
}

/// An instant: `YYYY-MM-DD` at 10:00 in Muscat (06:00 UTC), in mail hours.
pub(crate) fn at(date: &str) -> Timestamp {
    format!("{date}T06:00:00Z").parse().unwrap()
}

fn reads_arabic(email: &str) -> bool {
    if let Some(n) = (1..=12).find(|n| trainee(*n) == email) {
        return ARABIC_MINISTRIES.contains(&ministry(n));
    }
    if let Some(m) = (0..4).find(|m| supervisor(*m) == email) {
        return ARABIC_MINISTRIES.contains(&m);
    }
    email == CHAIR || POOL.iter().any(|(e, _, ar)| *e == email && *ar)
}

/// The program in progress: the engine, the SMTP sink the worker mails
/// to, the clock, and the Service project of each trainee.
struct Run<'a> {
    db: &'a TestDb,
    engine: Engine,
    sink: Sink,
    now: Timestamp,
    /// Project id of trainee `n` at index `n - 1`.
    projects: Vec<i64>,
    service: Workflow,
    /// Worker runs so far, and what they reported in total.
    runs: usize,
    fired: i64,
    sent: i64,
}

impl Run<'_> {
    /// Trainee `n`'s project.
    fn project(&self, n: usize) -> i64 {
        self.projects[n - 1]
    }

    /// `who` takes `action` on trainee `n`'s project now.
    async fn act(
        &self,
        n: usize,
        who: &str,
        action: &str,
        fields: Fields,
        comment: Option<&str>,
    ) -> Outcome {
        let request = Request {
            action: action.into(),
            fields,
            comment: comment.map(Into::into),
            ..Request::default()
        };
        self.engine
            .act(self.project(n), who, request, self.now)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{who} {action} on trainee {n}'s project at {}: {e}",
                    self.now
                )
            })
    }

    fn form(&self, key: &str) -> Fields {
        support::sample(&self.service.forms[key])
    }

    fn visit(&self, minutes: i64) -> Fields {
        let mut answers = self.form("client_visit");
        answers.insert("waiting_minutes".into(), json!(minutes));
        answers
    }

    fn scores(s: [i64; 4]) -> Fields {
        ["safety", "authenticity", "friendliness", "efficiency"]
            .iter()
            .zip(s)
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect()
    }

    /// One `gradflow worker --once` at the current instant.
    async fn worker(&mut self) {
        let report: Value =
            worker_once(self.db, &self.now.to_string(), &self.sink.url(), 500).await;
        self.runs += 1;
        assert_eq!(report["mail"]["dead"], 0, "{report}");
        assert_eq!(
            report["mail"]["failed"].as_i64().unwrap_or(0),
            0,
            "{report}"
        );
        self.fired += report["timers"]["fired"].as_i64().unwrap_or(0);
        self.sent += report["mail"]["sent"].as_i64().unwrap_or(0);
    }

    /// The earliest pending timer of any project.
    async fn next_timer(&self) -> Option<(Timestamp, i64, String)> {
        let mut next: Option<(Timestamp, i64, String)> = None;
        for p in &self.projects {
            for (key, _, when) in self.engine.pending_timers(*p).await.unwrap() {
                if next.as_ref().is_none_or(|(t, _, _)| when < *t) {
                    next = Some((when, *p, key));
                }
            }
        }
        next
    }

    /// Lets time run to `to` (10:00 in Muscat that day): the worker runs at
    /// each instant a timer falls due on the way, as a worker running all
    /// along would, then at `to` itself (sending what the last actions queued).
    async fn until(&mut self, to: &str) {
        let to = at(to);
        assert!(to >= self.now, "time runs forward");
        while let Some((when, p, key)) = self.next_timer().await {
            if when > to {
                break;
            }
            assert!(
                when > self.now || self.runs == 0,
                "timer {key} of project {p}, due {when}, is still pending after the worker ran at {}",
                self.now
            );
            self.now = when.max(self.now);
            self.worker().await;
            if let Some((again, p2, key2)) = self.next_timer().await {
                assert!(
                    again > self.now,
                    "timer {key2} of project {p2} due {again} did not fire at {} (was {key} of {p})",
                    self.now
                );
            }
        }
        self.now = to;
        self.worker().await;
    }

    /// Who holds `role` on trainee `n`'s project, by email.
    async fn holders(&self, n: usize, role: &str) -> BTreeSet<String> {
        let view = self.engine.view(self.project(n)).await.unwrap();
        let mut out = BTreeSet::new();
        for m in view.record.members.iter().filter(|m| m.role == role) {
            out.insert(self.engine.person_by_id(m.person).await.unwrap().email);
        }
        out
    }

    async fn stage(&self, n: usize) -> String {
        self.engine
            .view(self.project(n))
            .await
            .unwrap()
            .record
            .state
            .stage
    }
}

/// A cohort in Muscat (Friday-Saturday weekend, mail from 09:00 to 17:00,
/// the Eid holidays) with the coordinator.
pub(crate) fn cohort(program: &str, name: &str, dates: [(&str, &str); 3]) -> NewCohort {
    NewCohort {
        program: program.into(),
        name: name.into(),
        time_zone: "Asia/Muscat".into(),
        dates: dates
            .iter()
            .map(|(k, d)| ((*k).to_owned(), d.parse().unwrap()))
            .collect(),
        holidays: [
            "2026-03-19",
            "2026-03-22",
            "2026-03-23",
            "2026-05-26",
            "2026-05-27",
        ]
        .iter()
        .map(|d| d.parse().unwrap())
        .collect(),
        weekend: "fri,sat".parse::<Weekend>().unwrap(),
        mail_hours: "09:00-17:00".parse::<MailHours>().unwrap(),
        capacity: 12,
        coordinators: vec![COORDINATOR.into()],
    }
}

/// Publishes both levels with their mail templates, registers everyone,
/// certifies both programs (Excellence requires Service), creates the
/// Service cohort, its pool and the declared conflicts.
pub(crate) async fn set_up(engine: &Engine) -> Workflow {
    let mut texts = Vec::new();
    let mut service = None;
    for key in ["graduation-service", "graduation-excellence"] {
        let loaded = definition::load(&bundled(key)).unwrap();
        if key == "graduation-service" {
            service = Some(loaded.workflow);
        }
        texts.push((loaded.text, crate::web::template_files(key)));
    }
    let day0 = at("2026-01-01");
    engine.publish_with_templates(&texts, day0).await.unwrap();
    let mut people: Vec<(String, String, String)> = Vec::new();
    for n in 1..=12 {
        people.push((
            trainee(n),
            format!("Trainee {n:02}"),
            MINISTRIES[ministry(n)].into(),
        ));
    }
    for (m, org) in MINISTRIES.iter().enumerate() {
        people.push((supervisor(m), format!("Supervisor of {org}"), (*org).into()));
    }
    for (email, org, _) in POOL {
        people.push((email.into(), format!("Evaluator {org}"), org.into()));
    }
    people.push((
        CHAIR.into(),
        "Chair of the committee".into(),
        INSTITUTE.into(),
    ));
    people.push((COORDINATOR.into(), "Coordinator".into(), INSTITUTE.into()));
    for (email, name, org) in &people {
        engine.add_person(email, name, org, day0).await.unwrap();
        if reads_arabic(email) {
            engine.set_person_language(email, "ar").await.unwrap();
        }
    }
    engine
        .create_program(
            "service",
            "Customer service: Service level",
            "graduation-service",
            day0,
        )
        .await
        .unwrap();
    engine
        .create_program(
            "excellence",
            "Customer service: Excellence level",
            "graduation-excellence",
            day0,
        )
        .await
        .unwrap();
    engine
        .certify_program(
            "service",
            &support::certify(support::SERVICE_LEVEL, "PSLI-{year}-{seq:05}", "none", None),
            day0,
        )
        .await
        .unwrap();
    engine
        .certify_program(
            "excellence",
            &support::certify(
                ("Excellence", "مستوى التميز"),
                "PSLI-EX-{year}-{seq:05}",
                "none",
                Some("service"),
            ),
            day0,
        )
        .await
        .unwrap();
    engine
        .create_cohort(
            cohort(
                "service",
                SERVICE_COHORT,
                [
                    ("proposal_due", "2026-01-22"),
                    ("implementation_end", "2026-04-30"),
                    ("presentation_day", "2026-05-14"),
                ],
            ),
            day0,
        )
        .await
        .unwrap();
    for (email, _, _) in POOL {
        engine
            .pool_add(SERVICE_COHORT, email, false, day0)
            .await
            .unwrap();
    }
    engine
        .pool_add(SERVICE_COHORT, CHAIR, true, day0)
        .await
        .unwrap();
    engine
        .declare_conflict(
            WORKS,
            Some(&trainee(1)),
            None,
            "my brother",
            Some(COORDINATOR),
            day0,
        )
        .await
        .unwrap();
    engine
        .declare_conflict(
            FINANCE,
            None,
            Some(MINISTRIES[3]),
            "I worked there until last year",
            Some(COORDINATOR),
            day0,
        )
        .await
        .unwrap();
    service.unwrap()
}

/// Every outbox row as `outbox list --json` shows it (through the binary).
async fn outbox(db: &TestDb, now: Timestamp) -> Vec<Value> {
    let run = gradflow(
        db,
        &now.to_string(),
        &["--json", "outbox", "list", "--limit", "1000000"],
    )
    .await;
    assert!(run.ok(), "{run}");
    let Value::Array(rows) = run.json() else {
        panic!("outbox list gives a list: {run}")
    };
    rows
}

fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

async fn the_two_level_program_from_intake_to_certificates(db: &TestDb) {
    let engine = db.engine().await;
    let service = set_up(&engine).await;
    let mut run = Run {
        db,
        engine,
        sink: Sink::start(&[]).await,
        now: at("2026-01-04"),
        projects: Vec::new(),
        service,
        runs: 0,
        fired: 0,
        sent: 0,
    };

    // Sunday 4 January: the intake starts, all twelve in one transaction.
    let starts: Vec<ProjectStart> = (1..=12)
        .map(|n| ProjectStart {
            title: title(n),
            members: vec![
                (trainee(n), "trainee".into()),
                (supervisor(ministry(n)), "supervisor".into()),
            ],
        })
        .collect();
    for started in run
        .engine
        .start_projects(SERVICE_COHORT, &starts, run.now)
        .await
        .unwrap()
    {
        run.projects.push(started.unwrap().project);
    }
    // Cohort capacity (12) is full: a thirteenth is refused.
    let full = run
        .engine
        .start_project(
            SERVICE_COHORT,
            "One too many",
            &[(COORDINATOR.into(), "trainee".into())],
            run.now,
        )
        .await
        .unwrap_err();
    assert_eq!(
        full.kind(),
        gradflow_engine::service::Kind::Conflict,
        "{full}"
    );

    // Tuesday 6 January: trainees 1 to 6 submit their proposals early.
    run.until("2026-01-06").await;
    for n in 1..=6 {
        let proposal = run.form("proposal");
        run.act(n, &trainee(n), "submit", proposal, None).await;
    }
    // Wednesday 7: supervisors endorse 1 to 5; trainee 6's supervisor waits.
    run.until("2026-01-07").await;
    for n in 1..=5 {
        run.act(n, &supervisor(ministry(n)), "endorse", Fields::new(), None)
            .await;
    }
    // Monday 12: after the reminder two days before the deadline, trainee 6's
    // proposal is endorsed.
    run.until("2026-01-12").await;
    run.act(6, &supervisor(ministry(6)), "endorse", Fields::new(), None)
        .await;
    // Sunday 18: trainees 7 to 11 submit, after the reminder a week before
    // the proposal deadline; endorsed on Monday 19.
    run.until("2026-01-18").await;
    for n in 7..=11 {
        let proposal = run.form("proposal");
        run.act(n, &trainee(n), "submit", proposal, None).await;
    }
    // The visits before the change, each within two weeks of entering
    // implementation: trainees 1 to 6 now, 7 to 11 on the 27th.
    for n in 1..=6 {
        let visit = run.visit(80 + n as i64);
        run.act(n, &trainee(n), "visit_before.submit", visit, None)
            .await;
    }
    run.until("2026-01-19").await;
    for n in 7..=11 {
        run.act(n, &supervisor(ministry(n)), "endorse", Fields::new(), None)
            .await;
    }
    // Trainee 12 misses Thursday 22's deadline; on Monday 26 at 09:00 the
    // coordinator is told; on Tuesday 27 trainee 12 withdraws.
    run.until("2026-01-27").await;
    assert_eq!(run.stage(12).await, "proposal");
    run.act(
        12,
        &trainee(12),
        "withdraw",
        Fields::new(),
        Some("My ministry moved me to another post."),
    )
    .await;
    assert_eq!(run.stage(12).await, "withdrawn");

    // Trainee 3's visit is returned once and sent again.
    for n in 7..=11 {
        let visit = run.visit(80 + n as i64);
        run.act(n, &trainee(n), "visit_before.submit", visit, None)
            .await;
    }
    run.until("2026-01-28").await;
    run.act(
        3,
        COORDINATOR,
        "visit_before.return",
        Fields::new(),
        Some("Add the waiting time you measured at the counter."),
    )
    .await;
    for n in (1..=11).filter(|n| *n != 3) {
        run.act(n, COORDINATOR, "visit_before.accept", Fields::new(), None)
            .await;
    }
    run.until("2026-01-29").await;
    let visit = run.visit(90);
    run.act(3, &trainee(3), "visit_before.submit", visit, None)
        .await;
    run.until("2026-02-01").await;
    run.act(3, COORDINATOR, "visit_before.accept", Fields::new(), None)
        .await;

    // The visits after the change, accepted; every final report is in on
    // Monday 16 February, and each project enters evaluation.
    run.until("2026-02-10").await;
    for n in 1..=11 {
        let visit = run.visit(20 + n as i64);
        run.act(n, &trainee(n), "visit_after.submit", visit, None)
            .await;
    }
    run.until("2026-02-11").await;
    for n in 1..=11 {
        run.act(n, COORDINATOR, "visit_after.accept", Fields::new(), None)
            .await;
    }
    run.until("2026-02-16").await;
    for n in 1..=11 {
        let report = run.form("final_report");
        let moved = run.act(n, &trainee(n), "finish", report, None).await;
        assert_eq!(moved.stage, "evaluation");
    }
    check_assignment(&run).await;

    // Tuesday 17: every evaluator scores, except ev-interior on trainee
    // 8's project, who is reminded and, after the deadline, reported to the
    // chair. Trainees 2 and 5 fall short; the others pass.
    run.until("2026-02-17").await;
    let late_n = 8;
    let late = "ev-interior@example.org";
    assert!(
        run.holders(late_n, "committee").await.contains(late),
        "the late evaluator sits on trainee {late_n}'s committee"
    );
    for n in 1..=11 {
        let card = if [2, 5].contains(&n) {
            Run::scores([2, 2, 3, 2])
        } else {
            Run::scores([4, 4, 5, 4])
        };
        for who in run.holders(n, "committee").await {
            if n == late_n && who == late {
                continue;
            }
            run.act(n, &who, "score", card.clone(), None).await;
        }
    }
    // Ten business days from Monday 16 end on Monday 2 March; the reminder
    // three business days before it, the chair told after it. The late
    // evaluator scores on Sunday 8 March, and the chair decides.
    run.until("2026-03-08").await;
    run.act(late_n, late, "score", Run::scores([4, 4, 4, 4]), None)
        .await;
    for n in 1..=11 {
        if [2, 5].contains(&n) {
            run.act(
                n,
                CHAIR,
                "revise",
                Fields::new(),
                Some("Measure the waiting time over a whole week."),
            )
            .await;
            assert_eq!(run.stage(n).await, "implementation");
        } else {
            run.act(n, CHAIR, "pass", Fields::new(), None).await;
            assert_eq!(run.stage(n).await, "certified");
        }
    }

    // The two sent back do their visits again (the reminder two weeks
    // before the end of implementation reaches them), report again and
    // pass their second evaluation.
    run.until("2026-03-10").await;
    for n in [2, 5] {
        let visit = run.visit(85);
        run.act(n, &trainee(n), "visit_before.submit", visit, None)
            .await;
        run.act(n, COORDINATOR, "visit_before.accept", Fields::new(), None)
            .await;
    }
    run.until("2026-04-19").await;
    for n in [2, 5] {
        let visit = run.visit(30);
        run.act(n, &trainee(n), "visit_after.submit", visit, None)
            .await;
        run.act(n, COORDINATOR, "visit_after.accept", Fields::new(), None)
            .await;
        let report = run.form("final_report");
        let moved = run.act(n, &trainee(n), "finish", report, None).await;
        assert_eq!(moved.stage, "evaluation");
        assert_eq!(
            run.holders(n, "committee").await.len(),
            2,
            "the same two evaluators score the second round"
        );
    }
    run.until("2026-04-20").await;
    for n in [2, 5] {
        for who in run.holders(n, "committee").await {
            run.act(n, &who, "score", Run::scores([4, 3, 4, 4]), None)
                .await;
        }
        run.act(n, CHAIR, "pass", Fields::new(), None).await;
        assert_eq!(run.stage(n).await, "certified");
    }
    run.until("2026-04-21").await;

    check_certificates(&run).await;
    check_mail(&run).await;
    check_excellence(&run).await;

    // The whole log proves itself, through the binary.
    let audit = gradflow(db, &run.now.to_string(), &["--json", "audit", "verify"]).await;
    assert!(audit.ok(), "audit verify: {audit}");
    eprintln!(
        "program: {} worker runs, {} timers fired, {} mails sent",
        run.runs, run.fired, run.sent
    );
}

/// Each project's committee, seated when it entered evaluation: two
/// evaluators and the chair; never from the trainee's ministry, never a
/// declared conflict; loads within one of each other.
async fn check_assignment(run: &Run<'_>) {
    let mut load: BTreeMap<String, usize> = POOL.iter().map(|(e, _, _)| ((*e).into(), 0)).collect();
    for n in 1..=11 {
        let committee = run.holders(n, "committee").await;
        assert_eq!(committee.len(), 2, "trainee {n}: {committee:?}");
        assert_eq!(
            run.holders(n, "chair").await,
            BTreeSet::from([CHAIR.to_owned()]),
            "trainee {n}'s project is chaired by the pool's chair"
        );
        for who in &committee {
            let org = POOL.iter().find(|(e, _, _)| e == who).unwrap().1;
            assert_ne!(
                org,
                MINISTRIES[ministry(n)],
                "trainee {n}: {who} is of their ministry"
            );
            assert!(
                !(n == 1 && who == WORKS),
                "ev-works declared a conflict with trainee 1"
            );
            assert!(
                !(ministry(n) == 3 && who == FINANCE),
                "ev-finance declared a conflict with the Ministry of Housing (trainee {n})"
            );
            *load.get_mut(who).unwrap() += 1;
        }
        // Seated by the engine itself, in the step that moved the project.
        let history = run.engine.history(run.project(n)).await.unwrap();
        let moved = history
            .iter()
            .rposition(|e| matches!(&e.change, Change::Moved { to, .. } if to == "evaluation"))
            .unwrap();
        let seated = history[moved..]
            .iter()
            .filter(
                |e| matches!(&e.change, Change::MemberAdded { role, .. } if role == "committee"),
            )
            .count();
        assert_eq!(seated, 2, "trainee {n}");
    }
    let (min, max) = (load.values().min().unwrap(), load.values().max().unwrap());
    assert!(max - min <= 1, "loads within one of each other: {load:?}");
}

/// Eleven certificates, numbered by the pattern in the order of the
/// passes, each valid on the public check page (JSON) and by the CLI.
async fn check_certificates(run: &Run<'_>) {
    let engine = &run.engine;
    let list = engine.certificates(None, None).await.unwrap();
    assert_eq!(list.len(), 11, "{list:?}");
    let by_trainee: BTreeMap<String, _> =
        list.iter().map(|c| (c.person_email.clone(), c)).collect();
    assert!(
        !by_trainee.contains_key(&trainee(12)),
        "the withdrawn trainee has none"
    );
    // The first nine passes on 8 March in trainee order, then 2 and 5.
    let order: Vec<usize> = [1, 3, 4, 6, 7, 8, 9, 10, 11, 2, 5].to_vec();
    for (i, n) in order.iter().enumerate() {
        let c = by_trainee[&trainee(*n)];
        assert_eq!(c.number, format!("PSLI-2026-{:05}", i + 1), "trainee {n}");
        assert_eq!(c.program_key, "service");
        assert_eq!(c.project_id, Some(run.project(*n)));
        assert_eq!(c.details.level.en, "Service");
        assert_eq!(c.details.awarding_body.en, INSTITUTE);
        assert_eq!(c.details.accrediting_body.en, "ILM");
        assert_eq!(c.details.project_title, title(*n));
        assert!(c.expires_on.is_none());
        let improvement = c.details.improvement.as_ref().expect("before/after kept");
        let before = if [2, 5].contains(n) {
            85.0
        } else if *n == 3 {
            90.0
        } else {
            80.0 + *n as f64
        };
        let after = if [2, 5].contains(n) {
            30.0
        } else {
            20.0 + *n as f64
        };
        assert_eq!(
            (improvement.before, improvement.after),
            (before, after),
            "trainee {n}"
        );
        assert!(c.revoked.is_none());
    }
    let codes: BTreeSet<&str> = list.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes.len(), 11, "codes are unique");

    // The public check page, as anyone holding the code reads it.
    let server = support::Served::start(run.db).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    for c in &list {
        let code = Code::parse(&c.code).unwrap();
        let body = client
            .get(format!("{base}/verify/{}.json", code.grouped()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let answer: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(answer["status"], "valid", "{answer}");
        assert_eq!(
            answer["certificate"]["number"],
            c.number.as_str(),
            "{answer}"
        );
        assert_eq!(
            answer["certificate"]["holder"],
            c.person_name.as_str(),
            "{answer}"
        );
    }
    let page = client
        .get(format!("{base}/verify/{}", list[0].code))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("This certificate is valid."), "{page}");
    server.stop().await;
    // And by the command line (exit 0 only for a valid certificate).
    let cli = gradflow(
        run.db,
        &run.now.to_string(),
        &["certificate", "verify", &list[0].code.to_lowercase()],
    )
    .await;
    assert!(cli.ok(), "{cli}");
}

/// Every message the program queued was sent, to the right people, each
/// in its recipient's language; a conflicted evaluator got nothing of the
/// project they declared a conflict with.
async fn check_mail(run: &Run<'_>) {
    let rows = outbox(run.db, run.now).await;
    let received: Vec<Received> = run.sink.received();
    assert!(!rows.is_empty());
    // (template, email) -> projects.
    let mut sent: BTreeMap<(String, String), BTreeSet<i64>> = BTreeMap::new();
    for row in &rows {
        assert_eq!(row["state"], "sent", "every message is sent: {row}");
        let template = row["template"].as_str().unwrap().to_owned();
        let email = row["email"].as_str().unwrap().to_owned();
        sent.entry((template, email))
            .or_default()
            .insert(row["project"].as_i64().unwrap());
    }
    let got = |template: &str, email: &str| -> BTreeSet<i64> {
        sent.get(&(template.to_owned(), email.to_owned()))
            .cloned()
            .unwrap_or_default()
    };
    let projects = |ns: &[usize]| -> BTreeSet<i64> { ns.iter().map(|n| run.project(*n)).collect() };
    // Each message, as delivered, is in its recipient's language.
    for m in &received {
        let to = &m.to[0];
        let subject = m.subject();
        assert_eq!(
            has_arabic(&subject),
            reads_arabic(to),
            "{to} reads {}: {subject}",
            if reads_arabic(to) {
                "Arabic"
            } else {
                "English"
            }
        );
    }
    assert_eq!(received.len(), rows.len(), "one delivery per message");
    let templates: BTreeSet<&str> = sent.keys().map(|(t, _)| t.as_str()).collect();
    eprintln!("program: templates sent: {templates:?}");

    let count = |template: &str, email: &str| {
        rows.iter()
            .filter(|r| r["template"] == template && r["email"] == email)
            .count()
    };
    // Deadline reminders by trainee: the proposal's week-before reminder
    // reached the six who had not submitted by then, the day-before one
    // only trainee 12 (and their supervisor); implementation's reminder,
    // two weeks before its end, only the two sent back (2 and 5).
    let reminded: Vec<usize> = (1..=12)
        .map(|n| count("deadline_reminder", &trainee(n)))
        .collect();
    assert_eq!(reminded, [0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 2]);
    // The coordinator was told of trainee 12's overdue proposal.
    assert!(got("deadline_reminder", &supervisor(3)).contains(&run.project(12)));
    assert!(
        !got("deadline_reminder", &supervisor(2)).contains(&run.project(7)),
        "only the day-before reminder goes to supervisors"
    );
    assert_eq!(got("overdue_notice", COORDINATOR), projects(&[12]));
    // The supervisor who waited was reminded of that proposal only.
    assert_eq!(
        got("deadline_reminder", &supervisor(1)),
        projects(&[6]),
        "the endorsement reminder"
    );
    // Trainee 12's withdrawal told them and their supervisor.
    assert_eq!(got("project_withdrawn", &trainee(12)), projects(&[12]));
    assert_eq!(got("project_withdrawn", &supervisor(3)), projects(&[12]));
    // Milestones: returned to trainee 3, accepted for everyone.
    assert_eq!(got("milestone_returned", &trainee(3)), projects(&[3]));
    for n in 1..=11 {
        assert!(
            got("milestone_accepted", &trainee(n)).contains(&run.project(n)),
            "trainee {n}"
        );
        assert!(
            got("proposal_endorsed", &trainee(n)).contains(&run.project(n)),
            "trainee {n}"
        );
    }
    // The committee: each evaluator told of each project they sit on.
    for (email, _, _) in POOL {
        let mut on = BTreeSet::new();
        for n in 1..=11 {
            if run.holders(n, "committee").await.contains(email) {
                on.insert(run.project(n));
            }
        }
        assert_eq!(got("committee_assigned", email), on, "{email}");
        // Nothing at all about a project they are not on.
        for ((_, to), ps) in &sent {
            if to == email {
                assert!(
                    ps.is_subset(&on),
                    "{email} was mailed about {ps:?}, sits on {on:?}"
                );
            }
        }
    }
    assert!(
        !sent
            .iter()
            .any(|((_, to), ps)| to == WORKS && ps.contains(&run.project(1))),
        "the conflicted evaluator hears nothing of trainee 1"
    );
    // The late evaluator was reminded once, and the chair told once, of
    // that project alone.
    let late = "ev-interior@example.org";
    assert_eq!(got("committee_score_reminder", late), projects(&[8]));
    let reminders = rows
        .iter()
        .filter(|r| r["template"] == "committee_score_reminder")
        .count();
    assert_eq!(reminders, 1, "only the late evaluator is reminded");
    assert_eq!(got("committee_score_late", CHAIR), projects(&[8]));
    // More work asked of trainees 2 and 5 (and their supervisors).
    assert_eq!(got("more_work_requested", &trainee(2)), projects(&[2]));
    assert_eq!(got("more_work_requested", &supervisor(1)), projects(&[5]));
    // Certified: each trainee mailed their number and code, in their language.
    let certificates = run.engine.certificates(None, None).await.unwrap();
    for c in &certificates {
        let n = (1..=11).find(|n| trainee(*n) == c.person_email).unwrap();
        assert_eq!(got("certified", &trainee(n)), projects(&[n]));
        let grouped = Code::parse(&c.code).unwrap().grouped();
        let mail = received
            .iter()
            .filter(|m| m.to.contains(&c.person_email))
            .map(|m| m.text())
            .find(|t| t.contains(&c.number))
            .unwrap_or_else(|| panic!("trainee {n}'s certificate mail"));
        assert!(mail.contains(&grouped), "{mail}");
        if reads_arabic(&c.person_email) {
            assert!(mail.contains("صدرت شهادتكم"), "{mail}");
        } else {
            assert!(mail.contains("Your certificate"), "{mail}");
        }
        // The supervisor's copy names no code.
        let sup = supervisor(ministry(n));
        assert!(
            received
                .iter()
                .filter(|m| m.to.contains(&sup))
                .all(|m| !m.text().contains(&grouped)),
            "{sup} never sees trainee {n}'s code"
        );
    }
}

/// The Excellence level requires Service's certificate: refused to the
/// withdrawn trainee, started for a certified one.
async fn check_excellence(run: &Run<'_>) {
    let engine = &run.engine;
    engine
        .create_cohort(
            cohort(
                "excellence",
                EXCELLENCE_COHORT,
                [
                    ("proposal_due", "2026-06-11"),
                    ("implementation_end", "2026-09-24"),
                    ("presentation_day", "2026-10-15"),
                ],
            ),
            run.now,
        )
        .await
        .unwrap();
    let members = |n: usize| {
        vec![
            (trainee(n), "trainee".to_owned()),
            (supervisor(ministry(n)), "supervisor".to_owned()),
        ]
    };
    let before = support::snapshot(run.db).await;
    let refused = engine
        .start_project(EXCELLENCE_COHORT, "Next level", &members(12), run.now)
        .await
        .unwrap_err();
    assert_eq!(refused.reason().code, "prerequisite-missing", "{refused}");
    assert_eq!(refused.kind(), gradflow_engine::service::Kind::Forbidden);
    support::assert_unchanged(run.db, &before, "a start without Service's certificate").await;
    let started = engine
        .start_project(EXCELLENCE_COHORT, "Next level", &members(5), run.now)
        .await
        .unwrap();
    assert_eq!(started.stage, "proposal");
}
