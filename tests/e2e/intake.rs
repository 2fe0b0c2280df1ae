//! Intake (issue 16, part 1) on both databases: a cohort filled from a
//! nomination and requests (endorsed, refused), accepted within capacity
//! with each project started on the cohort's workflow with the supervisor,
//! the waiting list moving on a withdrawal, a declined offer and a lapsed
//! one; every refusal a person would meet changes nothing (a dump of every
//! table) and what a viewer may not see does not exist; twenty processes
//! accepting from one cohort at once never pass its capacity; `audit
//! verify` catches an edited cohort event and an application row edited
//! behind the log's back; the CLI end to end with --json.

use gradflow_engine::decide::intake::{ApplicationState, Command};
use gradflow_engine::definition;
use gradflow_engine::service::{
    By, CandidateQuery, CandidateSort, Engine, IntakeSettings, Kind, Viewer,
};

use crate::processes::spawn;
use crate::support::{self, TestDb, assert_unchanged, bundled, day, on_both, raw_number, snapshot};

on_both!(
    a_cohort_fills_from_nominations_and_requests,
    refusals_change_nothing_and_hide_what_is_not_yours,
    the_waiting_list_moves_in_order_on_withdrawal_decline_and_lapse,
    twenty_processes_accepting_at_once_never_pass_capacity,
    audit_verify_catches_an_edited_cohort_log_and_application,
    the_command_line_fills_a_cohort,
    intake_mail_goes_out_in_each_recipients_language,
    racing_engines_keep_the_list_in_order_and_one_answer_per_application,
);

const COORDINATOR: &str = "huda@institute.example";
const SUPERVISOR: &str = "khalid@health.example";
const OTHER_SUPERVISOR: &str = "mona@education.example";
const OUTSIDER: &str = "omar@education.example";
const COHORT: &str = "Intake 2026";

fn candidate(n: usize) -> String {
    format!("candidate{n}@health.example")
}

/// The people and cohort of these tests.
struct Site {
    engine: Engine,
    cohort: i64,
    coordinator: Viewer,
    supervisor: Viewer,
    other_supervisor: Viewer,
    outsider: Viewer,
    candidates: Vec<Viewer>,
}

/// Publishes graduation-service, registers a coordinator, two supervisors
/// of two ministries, an outsider and six candidates of the Ministry of
/// Health (written with other case and spacing), creates a cohort of
/// `capacity` places whose program needs endorsement when `endorsement`,
/// and opens it with offers open 7 days.
async fn site(db: &TestDb, capacity: u32, endorsement: bool) -> Site {
    let engine = db.engine().await;
    let loaded = definition::load(&bundled("graduation-service")).unwrap();
    let w = loaded.workflow;
    engine.publish(&[loaded.text], day(0)).await.unwrap();
    engine
        .create_program("svc", "Service level", &w.key, day(0))
        .await
        .unwrap();
    engine.set_endorsement("svc", endorsement).await.unwrap();
    let people: Vec<(String, &str, &str, bool)> = [
        (COORDINATOR.to_owned(), "Huda", "Institute", false),
        (SUPERVISOR.to_owned(), "Khalid", "Ministry of Health", true),
        (
            OTHER_SUPERVISOR.to_owned(),
            "Mona",
            "Ministry of Education",
            true,
        ),
        (OUTSIDER.to_owned(), "Omar", "Ministry of Education", false),
    ]
    .into_iter()
    .chain((1..=6).map(|n| (candidate(n), "Candidate", "ministry of  HEALTH", false)))
    .collect();
    for (n, (email, name, org, supervisor)) in people.iter().enumerate() {
        let name = if *name == "Candidate" {
            format!("Candidate {}", n - 3)
        } else {
            (*name).to_owned()
        };
        let name = name.as_str();
        engine.add_person(email, name, org, day(0)).await.unwrap();
        if *supervisor {
            engine.set_supervisor(email, true).await.unwrap();
        }
    }
    let mut new = support::new_cohort(&w, "svc", COHORT);
    new.capacity = capacity;
    new.coordinators = vec![COORDINATOR.to_owned()];
    let cohort = engine.create_cohort(new, day(0)).await.unwrap();
    engine
        .open_intake(
            COHORT,
            IntakeSettings { offer_days: 7 },
            By::Operator,
            day(0),
        )
        .await
        .unwrap();
    let viewer = |email: String| {
        let engine = &engine;
        async move { engine.acting_as(&email).await.unwrap() }
    };
    let mut candidates = Vec::new();
    for n in 1..=6 {
        candidates.push(viewer(candidate(n)).await);
    }
    Site {
        cohort: cohort.id,
        coordinator: viewer(COORDINATOR.to_owned()).await,
        supervisor: viewer(SUPERVISOR.to_owned()).await,
        other_supervisor: viewer(OTHER_SUPERVISOR.to_owned()).await,
        outsider: viewer(OUTSIDER.to_owned()).await,
        candidates,
        engine,
    }
}

/// How many intake messages of `kind` are queued for `email`.
async fn mails(db: &TestDb, kind: &str, email: &str) -> i64 {
    raw_number(
        db,
        &format!(
            "SELECT COUNT(*) FROM account_mail a JOIN people p ON p.id = a.person_id
             WHERE a.kind = '{kind}' AND p.email = '{email}'"
        ),
    )
    .await
}

async fn a_cohort_fills_from_nominations_and_requests(db: &TestDb) {
    let s = site(db, 2, true).await;
    let e = &s.engine;
    // The supervisor nominates a person of their organization: endorsed.
    let nominated = e
        .nominate_as(
            &s.supervisor,
            s.cohort,
            &candidate(1),
            "leads the clinic's queue work",
            day(1),
        )
        .await
        .unwrap();
    assert_eq!(nominated.application.state, ApplicationState::Endorsed);
    assert_eq!(nominated.told, vec![s.coordinator.person.id]);
    assert_eq!(mails(db, "intake_received", COORDINATOR).await, 1);
    // A person asks, naming their supervisor: submitted, then endorsed.
    let asked = e
        .request_as(
            &s.candidates[1],
            s.cohort,
            Some(SUPERVISOR),
            "I run the pharmacy",
            day(1),
        )
        .await
        .unwrap();
    assert_eq!(asked.application.state, ApplicationState::Submitted);
    assert_eq!(mails(db, "intake_endorse", SUPERVISOR).await, 1);
    let endorsed = e
        .endorse_as(&s.supervisor, asked.application.id, day(2))
        .await
        .unwrap();
    assert_eq!(endorsed.application.state, ApplicationState::Endorsed);
    // Another request is refused endorsement, with the supervisor's words.
    let third = e
        .request_as(
            &s.candidates[2],
            s.cohort,
            Some(SUPERVISOR),
            "me too",
            day(1),
        )
        .await
        .unwrap();
    let refused = e
        .refuse_endorsement_as(
            &s.supervisor,
            third.application.id,
            "needed on the ward this year",
            day(2),
        )
        .await
        .unwrap();
    assert_eq!(refused.application.state, ApplicationState::Declined);
    assert_eq!(
        refused.application.note.as_deref(),
        Some("needed on the ward this year")
    );
    assert_eq!(mails(db, "intake_declined", &candidate(3)).await, 1);
    // The coordinator sees who nominated whom and why, sorted and filtered.
    let list = e
        .candidates_as(
            &s.coordinator,
            s.cohort,
            &CandidateQuery {
                sort: CandidateSort::Created,
                states: vec![ApplicationState::Endorsed],
                ..CandidateQuery::default()
            },
        )
        .await
        .unwrap();
    let ids: Vec<i64> = list.applications.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![nominated.application.id, asked.application.id]);
    assert_eq!(list.applications[0].reason, "leads the clinic's queue work");
    assert_eq!(
        list.applications[0].supervisor.as_ref().unwrap().email,
        SUPERVISOR
    );
    assert_eq!(list.left, 2);
    // A fourth, nominated and put on the waiting list.
    let fourth = e
        .nominate_as(&s.supervisor, s.cohort, &candidate(4), "ready", day(2))
        .await
        .unwrap();
    let waiting = e
        .wait_list_as(&s.coordinator, fourth.application.id, day(3))
        .await
        .unwrap();
    assert_eq!(waiting.application.state, ApplicationState::Waiting);
    assert_eq!(waiting.application.position, Some(1));
    // Bulk accept in order until full: two accepted, the third refused.
    let results = e
        .accept_as(
            &s.coordinator,
            s.cohort,
            &[
                nominated.application.id,
                asked.application.id,
                fourth.application.id,
            ],
            day(4),
        )
        .await
        .unwrap();
    assert!(results[0].is_ok() && results[1].is_ok(), "{results:?}");
    let full = results[2].as_ref().unwrap_err();
    assert_eq!(full.reason().code, "cohort-full");
    // Each accepted one's project runs the cohort's workflow with the
    // candidate as trainee and the supervisor as supervisor.
    for (r, n) in results.iter().take(2).zip([1, 2]) {
        let accepted = r.as_ref().unwrap();
        let project = accepted.project.unwrap();
        assert_eq!(accepted.application.project, Some(project));
        let view = e.view(project).await.unwrap();
        let roles: Vec<(i64, String)> = view
            .record
            .members
            .iter()
            .map(|m| (m.person, m.role.clone()))
            .collect();
        assert!(
            roles.contains(&(s.candidates[n - 1].person.id, "trainee".into())),
            "{roles:?}"
        );
        assert!(
            roles.contains(&(s.supervisor.person.id, "supervisor".into())),
            "{roles:?}"
        );
        assert_eq!(mails(db, "intake_accepted", &candidate(n)).await, 1);
    }
    assert_eq!(mails(db, "intake_accepted", SUPERVISOR).await, 2);
    let cohort = e.cohort(COHORT).await.unwrap();
    assert_eq!((cohort.taken, cohort.capacity), (2, 2));
    // The candidate sees their own, with what comes next.
    let mine = e.applications_of(&s.candidates[3]).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].state, ApplicationState::Waiting);
    // The supervisor sees their nominations and the requests naming them.
    let supervision = e.supervision_as(&s.supervisor).await.unwrap();
    assert_eq!(supervision.nominations.len(), 2);
    assert_eq!(supervision.requests.len(), 2);
    assert!(supervision.to_endorse.is_empty());
    assert_eq!(
        supervision.people.len(),
        6,
        "the six candidates of the ministry"
    );
    assert_eq!(supervision.open_cohorts.len(), 1);
    // A data request's export holds the person's applications.
    let export = e
        .export_person(&candidate(1), "operator", "", day(5))
        .await
        .unwrap();
    assert_eq!(export.applications.len(), 1);
    assert_eq!(
        export.applications[0].reason,
        "leads the clinic's queue work"
    );
    // Every change is one event of the cohort's log, and it verifies.
    let log = e.cohort_log(COHORT).await.unwrap();
    let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "intake_opened",
            "nominated",
            "requested",
            "endorse",
            "requested",
            "refuse-endorsement",
            "nominated",
            "wait-list",
            "accept",
            "accept"
        ]
    );
    let audit = e.verify_audit().await.unwrap();
    assert!(!audit.is_broken(), "{audit:?}");
    assert_eq!(audit.cohort_events, 10);
}

async fn refusals_change_nothing_and_hide_what_is_not_yours(db: &TestDb) {
    let s = site(db, 1, true).await;
    let e = &s.engine;
    let nominated = e
        .nominate_as(&s.supervisor, s.cohort, &candidate(1), "ready", day(1))
        .await
        .unwrap()
        .application
        .id;
    let submitted = e
        .request_as(
            &s.candidates[1],
            s.cohort,
            Some(SUPERVISOR),
            "please",
            day(1),
        )
        .await
        .unwrap()
        .application
        .id;
    let before = snapshot(db).await;
    let code = |r: Result<_, gradflow_engine::service::Error>| {
        let e = r
            .map(|_: gradflow_engine::service::Changed| ())
            .unwrap_err();
        (e.kind(), e.reason().code)
    };
    // A nomination for someone outside the supervisor's organization.
    assert_eq!(
        code(
            e.nominate_as(&s.other_supervisor, s.cohort, &candidate(3), "x", day(2))
                .await
        ),
        (Kind::Invalid, "intake-other-organization")
    );
    // Someone who is no supervisor nominating.
    assert_eq!(
        code(
            e.nominate_as(&s.candidates[3], s.cohort, &candidate(3), "x", day(2))
                .await
        ),
        (Kind::Forbidden, "intake-not-supervisor")
    );
    // A second live application of the same person.
    assert_eq!(
        code(
            e.nominate_as(&s.supervisor, s.cohort, &candidate(1), "again", day(2))
                .await
        ),
        (Kind::Conflict, "application-exists")
    );
    // A request without the supervisor the program asks for, or naming
    // a supervisor of another organization, or no supervisor at all.
    assert_eq!(
        code(
            e.request_as(&s.candidates[2], s.cohort, None, "x", day(2))
                .await
        ),
        (Kind::Invalid, "intake-endorsement-needed")
    );
    assert_eq!(
        code(
            e.request_as(
                &s.candidates[2],
                s.cohort,
                Some(OTHER_SUPERVISOR),
                "x",
                day(2)
            )
            .await
        ),
        (Kind::Invalid, "intake-supervisor-organization")
    );
    assert_eq!(
        code(
            e.request_as(&s.candidates[2], s.cohort, Some(&candidate(4)), "x", day(2))
                .await
        ),
        (Kind::Invalid, "intake-not-a-supervisor")
    );
    // An empty reason.
    assert_eq!(
        code(
            e.request_as(&s.candidates[2], s.cohort, Some(SUPERVISOR), "  ", day(2))
                .await
        ),
        (Kind::Invalid, "text-empty")
    );
    // Accepting a request not yet endorsed; a candidate endorsing their own.
    let accepted = e
        .accept_as(&s.coordinator, s.cohort, &[submitted], day(2))
        .await
        .unwrap();
    assert_eq!(
        accepted[0].as_ref().unwrap_err().reason().code,
        "application-needs-endorsement"
    );
    assert_eq!(
        code(e.endorse_as(&s.candidates[1], submitted, day(2)).await),
        (Kind::Forbidden, "application-not-allowed")
    );
    // A coordinator declining without a reason.
    assert_eq!(
        code(e.decline_as(&s.coordinator, nominated, " ", day(2)).await),
        (Kind::Invalid, "text-empty")
    );
    // What a viewer may not see does not exist: the outsider cannot read,
    // accept or withdraw another's application, nor list the candidates.
    assert_eq!(
        e.application_as(&s.outsider, nominated)
            .await
            .unwrap_err()
            .kind(),
        Kind::NotFound
    );
    assert_eq!(
        code(
            e.withdraw_application_as(&s.outsider, nominated, "x", day(2))
                .await
        ),
        (Kind::NotFound, "application-unknown")
    );
    assert_eq!(
        e.accept_as(&s.outsider, s.cohort, &[nominated], day(2))
            .await
            .unwrap_err()
            .kind(),
        Kind::NotFound
    );
    assert_eq!(
        e.candidates_as(&s.supervisor, s.cohort, &CandidateQuery::default())
            .await
            .unwrap_err()
            .kind(),
        Kind::NotFound
    );
    assert_eq!(
        code(e.endorse_as(&s.outsider, 9_999, day(2)).await),
        (Kind::NotFound, "application-unknown")
    );
    assert_unchanged(db, &before, "refused intake commands").await;
    // A closed cohort refuses nominations and requests.
    e.close_intake(COHORT, By::Person(&s.coordinator), day(3))
        .await
        .unwrap();
    let closed = snapshot(db).await;
    assert_eq!(
        code(
            e.nominate_as(&s.supervisor, s.cohort, &candidate(5), "x", day(3))
                .await
        ),
        (Kind::Conflict, "intake-closed")
    );
    assert_eq!(
        code(
            e.request_as(&s.candidates[5], s.cohort, Some(SUPERVISOR), "x", day(3))
                .await
        ),
        (Kind::Conflict, "intake-closed")
    );
    // Only its coordinators open a cohort: the outsider is told it does not exist.
    assert_eq!(
        e.open_intake(
            COHORT,
            IntakeSettings::default(),
            By::Person(&s.outsider),
            day(3)
        )
        .await
        .unwrap_err()
        .kind(),
        Kind::NotFound
    );
    assert_eq!(
        e.open_intake(
            COHORT,
            IntakeSettings { offer_days: 0 },
            By::Operator,
            day(3)
        )
        .await
        .unwrap_err()
        .reason()
        .code,
        "intake-offer-days"
    );
    assert_unchanged(db, &closed, "commands refused on a closed cohort").await;
    // Past capacity: the one place taken, a second accept refused, nothing changed.
    e.accept_as(&s.coordinator, s.cohort, &[nominated], day(4))
        .await
        .unwrap()
        .pop()
        .unwrap()
        .unwrap();
    e.endorse_as(&s.supervisor, submitted, day(4))
        .await
        .unwrap();
    let full = snapshot(db).await;
    let refused = e
        .accept_as(&s.coordinator, s.cohort, &[submitted], day(5))
        .await
        .unwrap();
    assert_eq!(
        refused[0].as_ref().unwrap_err().reason().code,
        "cohort-full"
    );
    // And an accepted application is not withdrawn as an application.
    assert_eq!(
        code(
            e.withdraw_application_as(&s.candidates[0], nominated, "", day(5))
                .await
        ),
        (Kind::Conflict, "application-accepted")
    );
    assert_unchanged(db, &full, "an accept past capacity").await;
    // The words exist in both languages.
    let err = e
        .nominate_as(&s.supervisor, s.cohort, &candidate(5), "x", day(5))
        .await
        .unwrap_err();
    assert!(gradflow_words::error("en", &err).contains(COHORT));
    assert!(gradflow_words::error("ar", &err).contains("الدفعة"));
}

async fn the_waiting_list_moves_in_order_on_withdrawal_decline_and_lapse(db: &TestDb) {
    let s = site(db, 1, false).await;
    let e = &s.engine;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            e.request_as(&s.candidates[n], s.cohort, None, "please", day(1))
                .await
                .unwrap()
                .application
                .id,
        );
    }
    // Without endorsement, a submitted request may be accepted.
    e.accept_as(&s.coordinator, s.cohort, &[ids[0]], day(2))
        .await
        .unwrap()
        .pop()
        .unwrap()
        .unwrap();
    for (i, id) in ids.iter().enumerate().skip(1) {
        let w = e.wait_list_as(&s.coordinator, *id, day(2)).await.unwrap();
        assert_eq!(w.application.position, Some(i as i64));
    }
    // The trainee withdraws: the place goes to the first waiting, with a
    // deadline of the cohort's offer days.
    let left = e
        .change_application(
            By::Person(&s.candidates[0]),
            ids[0],
            Command::WithdrawTrainee {
                reason: String::new(),
            },
            day(3),
        )
        .await
        .unwrap();
    assert_eq!(left.application.state, ApplicationState::Withdrawn);
    assert_eq!(left.offered, Some(ids[1]));
    let offered = e.application_as(&s.candidates[1], ids[1]).await.unwrap();
    assert_eq!(offered.state, ApplicationState::Offered);
    assert_eq!(offered.offer_expires, Some(day(10)));
    assert_eq!(
        e.cohort(COHORT).await.unwrap().taken,
        1,
        "the offer holds the place"
    );
    // Someone else cannot take it; the candidate declines it: the next is offered.
    let taken_by_other = e
        .change_application(
            By::Person(&s.candidates[2]),
            ids[1],
            Command::TakeOffer,
            day(4),
        )
        .await
        .unwrap_err();
    assert_eq!(taken_by_other.kind(), Kind::NotFound);
    let declined = e
        .change_application(
            By::Person(&s.candidates[1]),
            ids[1],
            Command::DeclineOffer,
            day(4),
        )
        .await
        .unwrap();
    assert_eq!(declined.offered, Some(ids[2]));
    // That offer lapses: the worker's expiry offers it to the last one.
    assert!(
        e.expire_offers(day(10), 100).await.unwrap().is_empty(),
        "not yet due"
    );
    let expired = e.expire_offers(day(12), 100).await.unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].application.state, ApplicationState::Expired);
    assert_eq!(expired[0].offered, Some(ids[3]));
    // The last takes it: the project starts without a second place.
    let took = e
        .change_application(
            By::Person(&s.candidates[3]),
            ids[3],
            Command::TakeOffer,
            day(13),
        )
        .await
        .unwrap();
    assert_eq!(took.application.state, ApplicationState::Accepted);
    assert!(took.project.is_some());
    let cohort = e.cohort(COHORT).await.unwrap();
    assert_eq!((cohort.taken, cohort.capacity), (1, 1));
    let audit = e.verify_audit().await.unwrap();
    assert!(!audit.is_broken(), "{audit:?}");
}

async fn twenty_processes_accepting_at_once_never_pass_capacity(db: &TestDb) {
    spawn::set_up_service(db, 20);
    spawn::ok(db, &["person", "supervisor", spawn::SUPERVISOR, "on"]);
    spawn::create_cohort(db, COHORT, 5, &[]);
    spawn::ok(db, &["cohort", "intake", "open", COHORT]);
    let mut ids = Vec::new();
    for n in 1..=20 {
        let run = spawn::ok(
            db,
            &[
                "--json",
                "application",
                "nominate",
                "--cohort",
                COHORT,
                "--person",
                &spawn::trainee(n),
                "--reason",
                "ready",
                "--as",
                spawn::SUPERVISOR,
            ],
        );
        ids.push(run.json()["application"]["id"].as_i64().unwrap());
    }
    let races: Vec<Vec<String>> = ids
        .iter()
        .map(|id| {
            spawn::args(&[
                "application",
                "accept",
                "--cohort",
                COHORT,
                &id.to_string(),
                "--as",
                spawn::COORDINATOR,
            ])
        })
        .collect();
    let runs = spawn::at_once(db, races);
    let accepted = runs.iter().filter(|r| r.ok()).count();
    assert_eq!(accepted, 5, "{runs:#?}");
    for r in runs.iter().filter(|r| !r.ok()) {
        assert!(r.stderr.contains("is full"), "{r}");
    }
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM applications WHERE state = 'accepted'"
        )
        .await,
        5
    );
    assert_eq!(raw_number(db, "SELECT COUNT(*) FROM projects").await, 5);
    assert_eq!(raw_number(db, "SELECT taken FROM cohorts").await, 5);
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM applications WHERE state = 'accepted' AND project_id IS NOT NULL"
        )
        .await,
        5
    );
    let verify = spawn::run(db, &["audit", "verify"]);
    assert!(
        verify.ok() && verify.stdout.contains("audit: ok"),
        "{verify}"
    );
}

/// Runs `sql` on the test database as an intruder would, removing the
/// append-only guard of the cohort log first.
async fn tamper(db: &TestDb, sql: &str) {
    use sqlx::{Connection, Executor};
    let guard = if db.is_sqlite() {
        vec![
            "DROP TRIGGER IF EXISTS cohort_events_no_update",
            "DROP TRIGGER IF EXISTS cohort_events_no_delete",
        ]
    } else {
        vec!["ALTER TABLE cohort_events DISABLE TRIGGER cohort_events_no_change"]
    };
    let statements = guard.into_iter().chain([sql]);
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        for s in statements {
            conn.execute(sqlx::AssertSqlSafe(s.to_owned()))
                .await
                .unwrap();
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        for s in statements {
            conn.execute(sqlx::AssertSqlSafe(s.to_owned()))
                .await
                .unwrap();
        }
    }
}

async fn audit_verify_catches_an_edited_cohort_log_and_application(db: &TestDb) {
    let s = site(db, 2, false).await;
    let e = &s.engine;
    let a = e
        .nominate_as(&s.supervisor, s.cohort, &candidate(1), "ready", day(1))
        .await
        .unwrap()
        .application
        .id;
    e.decline_as(&s.coordinator, a, "not this year", day(2))
        .await
        .unwrap();
    assert!(!e.verify_audit().await.unwrap().is_broken());
    // The log's append-only guard refuses an edit.
    let refused = {
        use sqlx::{Connection, Executor};
        let sql = "UPDATE cohort_events SET data = data WHERE seq = 2";
        if db.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            conn.execute(sql).await.map(|_| ()).unwrap_err().to_string()
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            conn.execute(sql).await.map(|_| ()).unwrap_err().to_string()
        }
    };
    assert!(refused.contains("append-only"), "{refused}");
    // A row edited behind the log's back: declined made accepted.
    tamper(db, "UPDATE applications SET state = 'accepted'").await;
    let report = e.verify_audit().await.unwrap();
    let broken = report.cohort_broken.expect("the edited row is caught");
    assert!(broken.reason.contains("stored accepted"), "{broken}");
    tamper(db, "UPDATE applications SET state = 'declined'").await;
    assert!(!e.verify_audit().await.unwrap().is_broken());
    // An event's words edited.
    tamper(
        db,
        "UPDATE cohort_events SET data = REPLACE(data, 'not this year', 'never') WHERE seq = 3",
    )
    .await;
    let report = e.verify_audit().await.unwrap();
    let broken = report.cohort_broken.expect("the edited event is caught");
    assert_eq!((broken.name.as_str(), broken.seq), (COHORT, 3), "{broken}");
    // The command line says so and exits 1.
    let verify = spawn::run(db, &["audit", "verify"]);
    assert!(!verify.ok(), "{verify}");
    assert!(
        verify.stderr.contains("BROKEN") && verify.stderr.contains(COHORT),
        "{verify}"
    );
}

async fn the_command_line_fills_a_cohort(db: &TestDb) {
    spawn::set_up_service(db, 3);
    spawn::ok(db, &["program", "endorsement", spawn::PROGRAM, "on"]);
    spawn::ok(
        db,
        &[
            "person",
            "add",
            "boss@health.example",
            "--name",
            "Boss",
            "--org",
            "Health",
            "--supervisor",
        ],
    );
    spawn::create_cohort(db, COHORT, 2, &[]);
    // Closed until opened: a request is refused in words.
    let closed = spawn::run(
        db,
        &[
            "application",
            "request",
            "--cohort",
            COHORT,
            "--supervisor",
            "boss@health.example",
            "--reason",
            "please",
            "--as",
            &spawn::trainee(1),
        ],
    );
    assert!(
        !closed.ok() && closed.stderr.contains("not taking applications"),
        "{closed}"
    );
    spawn::ok(
        db,
        &[
            "cohort",
            "intake",
            "open",
            COHORT,
            "--offer-days",
            "5",
            "--as",
            spawn::COORDINATOR,
        ],
    );
    let asked = spawn::ok(
        db,
        &[
            "--json",
            "application",
            "request",
            "--cohort",
            COHORT,
            "--supervisor",
            "boss@health.example",
            "--reason",
            "please",
            "--as",
            &spawn::trainee(1),
        ],
    )
    .json();
    let id = asked["application"]["id"].as_i64().unwrap().to_string();
    assert_eq!(asked["application"]["state"], "submitted");
    assert_eq!(asked["application"]["next"], "supervisor_endorses");
    let early = spawn::run(db, &["application", "accept", "--cohort", COHORT, &id]);
    assert!(
        !early.ok() && early.stderr.contains("endorsement"),
        "{early}"
    );
    spawn::ok(
        db,
        &["application", "endorse", &id, "--as", "boss@health.example"],
    );
    let accepted = spawn::ok(
        db,
        &[
            "--json",
            "application",
            "accept",
            "--cohort",
            COHORT,
            &id,
            "--as",
            spawn::COORDINATOR,
        ],
    )
    .json();
    assert!(
        accepted[0]["accepted"]["project"].as_i64().is_some(),
        "{accepted}"
    );
    let list = spawn::ok(
        db,
        &[
            "--json",
            "application",
            "list",
            "--cohort",
            COHORT,
            "--state",
            "accepted",
            "--as",
            spawn::COORDINATOR,
        ],
    )
    .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let text = spawn::ok(db, &["application", "list", "--cohort", COHORT]);
    assert!(text.stdout.contains("1 of 2 places taken"), "{text}");
    let mine = spawn::ok(
        db,
        &[
            "--json",
            "application",
            "list",
            "--mine",
            "--as",
            &spawn::trainee(1),
        ],
    )
    .json();
    assert_eq!(mine[0]["state"], "accepted");
    // Someone else may not see it.
    let hidden = spawn::run(
        db,
        &["application", "show", &id, "--as", &spawn::trainee(2)],
    );
    assert!(
        !hidden.ok() && hidden.stderr.contains("no application"),
        "{hidden}"
    );
    let log = spawn::ok(db, &["application", "log", "--cohort", COHORT]);
    assert!(
        log.stdout.contains("requested") && log.stdout.contains("accept"),
        "{log}"
    );
    let verify = spawn::ok(db, &["audit", "verify"]);
    assert!(
        verify.stdout.contains("4 events in 1 cohort logs"),
        "{verify}"
    );
}

async fn intake_mail_goes_out_in_each_recipients_language(db: &TestDb) {
    let s = site(db, 2, true).await;
    let e = &s.engine;
    e.set_person_language(&candidate(2), "ar").await.unwrap();
    let nominated = e
        .nominate_as(
            &s.supervisor,
            s.cohort,
            &candidate(1),
            "leads the queue work",
            day(1),
        )
        .await
        .unwrap();
    e.wait_list_as(&s.coordinator, nominated.application.id, day(1))
        .await
        .unwrap();
    let asked = e
        .request_as(
            &s.candidates[1],
            s.cohort,
            Some(SUPERVISOR),
            "أدير الصيدلية",
            day(1),
        )
        .await
        .unwrap();
    e.refuse_endorsement_as(
        &s.supervisor,
        asked.application.id,
        "needed on the ward",
        day(1),
    )
    .await
    .unwrap();
    let sink = crate::smtp_sink::Sink::start(&[]).await;
    let report = crate::worker::worker_once(db, "2026-01-02T08:00:00Z", &sink.url(), 50).await;
    assert_eq!(sink.count(), 5, "{report}");
    let to = |email: &str| {
        sink.received()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == email))
            .collect::<Vec<_>>()
    };
    let coordinator: Vec<String> = to(COORDINATOR).iter().map(|m| m.subject()).collect();
    assert!(
        coordinator.contains(&format!("A nomination for {COHORT}")),
        "{coordinator:?}"
    );
    assert!(
        coordinator.iter().any(|s| s.contains("A request to join")),
        "{coordinator:?}"
    );
    let endorse = &to(SUPERVISOR)[0];
    assert!(
        endorse.subject().contains("Candidate 2"),
        "{}",
        endorse.subject()
    );
    assert!(
        endorse.text().contains("أدير الصيدلية"),
        "{}",
        endorse.text()
    );
    let waiting = &to(&candidate(1))[0];
    assert!(waiting.text().contains("at place 1"), "{}", waiting.text());
    let declined = &to(&candidate(2))[0];
    assert!(
        declined.subject().contains("طلبك"),
        "{}",
        declined.subject()
    );
    assert!(
        declined.text().contains("needed on the ward"),
        "{}",
        declined.text()
    );
    assert_eq!(
        raw_number(
            db,
            "SELECT COUNT(*) FROM account_mail WHERE state <> 'sent'"
        )
        .await,
        0
    );
}

async fn racing_engines_keep_the_list_in_order_and_one_answer_per_application(db: &TestDb) {
    let s = site(db, 3, false).await;
    let e = &s.engine;
    // Twenty more candidates of the ministry, each asking to join.
    let mut ids = Vec::new();
    for n in 0..20 {
        let email = format!("racer{n}@health.example");
        e.add_person(&email, &format!("Racer {n}"), "Ministry of Health", day(0))
            .await
            .unwrap();
        let viewer = e.acting_as(&email).await.unwrap();
        ids.push(
            e.request_as(&viewer, s.cohort, None, "please", day(1))
                .await
                .unwrap()
                .application
                .id,
        );
    }
    // Twenty engines (twenty connection pools) wait-list one each at once:
    // twenty distinct places on the list, 1 to 20.
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let url = db.url.clone();
        let coordinator = s.coordinator.clone();
        tasks.push(tokio::spawn(async move {
            let engine = Engine::connect(&url).await.unwrap();
            let r = engine.wait_list_as(&coordinator, id, day(2)).await;
            engine.close().await;
            r
        }));
    }
    let mut positions = Vec::new();
    for t in tasks {
        positions.push(t.await.unwrap().unwrap().application.position.unwrap());
    }
    positions.sort_unstable();
    assert_eq!(positions, (1..=20).collect::<Vec<i64>>());
    // Now applications are each accepted by one engine and withdrawn by
    // another at the same moment: each ends in exactly one of the two,
    // never more accepted than the three places, the places counting them.
    let mut tasks = Vec::new();
    // (ten applications, each raced by two engines: twenty at once)
    for (i, id) in ids.iter().copied().enumerate().take(10) {
        for accept in [true, false] {
            let url = db.url.clone();
            let coordinator = s.coordinator.clone();
            let cohort = s.cohort;
            tasks.push(tokio::spawn(async move {
                let engine = Engine::connect(&url).await.unwrap();
                let r = if accept {
                    engine
                        .accept_as(&coordinator, cohort, &[id], day(3))
                        .await
                        .unwrap()
                        .pop()
                        .unwrap()
                        .map(|_| "accepted")
                } else {
                    engine
                        .withdraw_application_as(&coordinator, id, &format!("race {i}"), day(3))
                        .await
                        .map(|_| "withdrawn")
                };
                engine.close().await;
                r
            }));
        }
    }
    let mut won = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(what) => won.push(what),
            Err(e) => assert!(
                matches!(
                    e.reason().code,
                    "cohort-full"
                        | "application-state"
                        | "application-closed"
                        | "application-accepted"
                ) || e.kind() == Kind::Busy,
                "{e:?}"
            ),
        }
    }
    let accepted = raw_number(
        db,
        "SELECT COUNT(*) FROM applications WHERE state = 'accepted'",
    )
    .await;
    let withdrawn = raw_number(
        db,
        "SELECT COUNT(*) FROM applications WHERE state = 'withdrawn'",
    )
    .await;
    let waiting = raw_number(
        db,
        "SELECT COUNT(*) FROM applications WHERE state = 'waiting'",
    )
    .await;
    assert!(accepted <= 3, "{accepted} accepted of 3 places");
    assert_eq!(accepted + withdrawn + waiting, 20);
    assert_eq!(
        accepted + withdrawn,
        10,
        "each raced application answered once"
    );
    assert_eq!(
        won.iter().filter(|w| **w == "accepted").count() as i64,
        accepted
    );
    assert_eq!(
        won.iter().filter(|w| **w == "withdrawn").count() as i64,
        withdrawn
    );
    assert_eq!(raw_number(db, "SELECT taken FROM cohorts").await, accepted);
    assert_eq!(
        raw_number(db, "SELECT COUNT(*) FROM projects").await,
        accepted
    );
    let audit = e.verify_audit().await.unwrap();
    assert!(!audit.is_broken(), "{audit:?}");
}
