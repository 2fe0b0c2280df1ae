//! The service's rules end to end, through `Engine` on both databases: the
//! defects found in the second pass stay fixed. `need: all` counts a person
//! who holds two of its roles once; an idempotency key means one request;
//! a cohort's capacity holds against concurrent starts from several nodes;
//! `audit verify` replays the log against the stored stage and state;
//! business days skip the cohort's own weekend; input is checked before it
//! reaches the database; a publish stores all of its definitions or none.

use std::sync::Arc;

use gradflow_engine::calendar::Weekend;
use gradflow_engine::decide::{Change, Fields, Rejection};
use gradflow_engine::definition::{Due, Duration, Need, Unit};
use gradflow_engine::service::{Error, Kind, NewCohort, Outcome, ProjectStart, Published, Request};
use jiff::Timestamp;
use jiff::civil::Weekday;
use tokio::sync::Barrier;

use crate::store_suite::raw_exec;
use crate::support::{
    self, Cohort, TestDb, act, assert_unchanged, day, holder, new_cohort, raw_number, snapshot,
};

/// Fails unless `result` is refused with `kind`; returns the message.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>, kind: Kind, what: &str) -> String {
    match result {
        Err(e) if e.kind() == kind => gradflow_words::error("en", &e),
        other => panic!("{what}: expected a refusal of kind {kind:?}, got {other:?}"),
    }
}

/// What a call did, without its value.
fn done<T>(result: Result<T, Error>) -> Result<(), Error> {
    result.map(|_| ())
}

/// A person who is the project's supervisor directly and a coordinator
/// through the cohort approves an action that needs every one of
/// `[supervisor, coordinator]`: the approval counts once, the action waits
/// for one more person, and a second supervisor given the role later
/// completes it (the first approver then counts as the coordinator).
async fn need_all_counts_a_person_with_two_roles_once(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-excellence").await;
    let approve = cohort
        .workflow
        .stage("proposal_review")
        .and_then(|s| s.action("approve"))
        .expect("graduation-excellence approves proposals");
    assert_eq!(
        (approve.by.as_slice(), approve.need),
        (
            ["supervisor".to_owned(), "coordinator".to_owned()].as_slice(),
            Need::All
        ),
        "the bundled approval this test is about"
    );
    let both = holder("supervisor", 1);
    let second = holder("supervisor", 2);
    let mut dual = new_cohort(&cohort.workflow, &cohort.program, "Dual roles");
    dual.coordinators = vec![both.clone()];
    engine.create_cohort(dual, day(0)).await.unwrap();
    let members = [
        (holder("trainee", 1), "trainee".to_owned()),
        (both.clone(), "supervisor".to_owned()),
    ];
    let id = engine
        .start_project("Dual roles", "Two hats", &members, day(1))
        .await
        .unwrap()
        .project;
    let answers = support::sample(&cohort.workflow.forms["proposal"]);
    act(
        &engine,
        id,
        &holder("trainee", 1),
        "submit",
        answers,
        None,
        2,
    )
    .await
    .unwrap();

    let first = act(&engine, id, &both, "approve", Fields::new(), None, 3)
        .await
        .unwrap();
    assert_eq!(first.stage, "proposal_review", "one person is not everyone");
    assert!(
        first.changes.iter().any(|c| matches!(
            c,
            Change::ApprovalRecorded { action, role } if action == "approve" && role == "supervisor"
        )),
        "{:?}",
        first.changes
    );
    let view = engine.view(id).await.unwrap();
    let waiting = view
        .possible
        .iter()
        .find(|p| p.action == "approve")
        .and_then(|p| p.waiting_for.clone())
        .expect("the approval waits for someone");
    assert_eq!(waiting.approvals(), 1, "{waiting:?}");
    assert_eq!(
        gradflow_words::reason("en", &waiting.reason(), None),
        "1 more approval from the supervisor or the coordinator"
    );
    // Holding two roles does not make two approvals.
    let before = snapshot(db).await;
    let again = act(&engine, id, &both, "approve", Fields::new(), None, 3).await;
    assert!(
        matches!(
            again,
            Err(Error::Rejected(Rejection::AlreadyApproved { .. }, _))
        ),
        "{again:?}"
    );
    refused(
        again,
        Kind::Conflict,
        "a second approval by the same person",
    );
    assert_unchanged(db, &before, "a second approval by the same person").await;

    let given = engine
        .assign(id, Some(&both), &second, "supervisor", day(3))
        .await
        .unwrap();
    let second_id = engine.person(&second).await.unwrap().id;
    assert_eq!(
        given.changes,
        [Change::MemberAdded {
            person: second_id,
            role: "supervisor".into()
        }]
    );
    let completed = act(&engine, id, &second, "approve", Fields::new(), None, 4)
        .await
        .unwrap();
    assert_eq!(completed.stage, "implementation", "{:?}", completed.changes);
    assert_eq!(
        engine.view(id).await.unwrap().record.state.stage,
        "implementation"
    );
    let audit = engine.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
}

/// A key names one request: reused for another project, another action or
/// other answers it is refused and nothing changes; the same request again
/// returns the first result, marked as replayed, and writes nothing.
async fn an_idempotency_key_is_for_one_request_only(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let first_project = cohort.start(&engine, "Keyed").await;
    let other_project = cohort.start(&engine, "Other").await;
    let trainee = holder("trainee", 1);
    let answers = support::sample(&cohort.workflow.forms["proposal"]);
    let keyed = |action: &str, fields: &Fields, comment: Option<&str>| Request {
        action: action.into(),
        fields: fields.clone(),
        comment: comment.map(Into::into),
        idempotency_key: Some("submit-once".into()),
        ..Request::default()
    };
    let first = engine
        .act(
            first_project,
            &trainee,
            keyed("submit", &answers, None),
            day(2),
        )
        .await
        .unwrap();
    assert!(!first.replayed);

    let before = snapshot(db).await;
    let mut other_answers = answers.clone();
    other_answers.insert("service".into(), "Another service".into());
    let reuses: [(&str, i64, Request); 3] = [
        (
            "another project",
            other_project,
            keyed("submit", &answers, None),
        ),
        (
            "another action",
            first_project,
            keyed("withdraw", &Fields::new(), Some("Moving jobs")),
        ),
        (
            "other answers",
            first_project,
            keyed("submit", &other_answers, None),
        ),
    ];
    for (what, project, request) in reuses {
        let message = refused(
            engine.act(project, &trainee, request, day(3)).await,
            Kind::Conflict,
            what,
        );
        assert!(
            message.contains(
                "the idempotency key 'submit-once' was already used for a different request"
            ),
            "{what}: {message}"
        );
    }
    assert_unchanged(db, &before, "a reused idempotency key").await;
    assert_eq!(
        engine.view(other_project).await.unwrap().record.state.stage,
        "proposal"
    );

    let retry = engine
        .act(
            first_project,
            &trainee,
            keyed("submit", &answers, None),
            day(4),
        )
        .await
        .unwrap();
    assert_eq!(
        retry,
        Outcome {
            replayed: true,
            ..first
        },
        "the first result, replayed"
    );
    assert_unchanged(db, &before, "a retried request").await;
}

/// 20 starts at the same moment from four nodes (four engines, each with
/// its own pool) into a cohort of 5 places: exactly 5 get one, the others
/// are told the cohort is full, and the counters agree with the rows.
async fn concurrent_starts_never_overfill_a_cohort(db: &TestDb) {
    let setup = db.engine().await;
    let cohort = Cohort::set_up(&setup, "graduation-service").await;
    let mut five = new_cohort(&cohort.workflow, &cohort.program, "Five places");
    five.capacity = 5;
    setup.create_cohort(five, day(0)).await.unwrap();
    for n in 1..=20 {
        setup
            .add_person(
                &format!("applicant{n}@example.org"),
                &format!("Applicant {n}"),
                "",
                day(0),
            )
            .await
            .unwrap();
    }
    let mut nodes = Vec::new();
    for _ in 0..4 {
        nodes.push(Arc::new(db.engine().await));
    }
    let barrier = Arc::new(Barrier::new(20));
    let starts: Vec<_> = (1..=20)
        .map(|n| {
            let (node, barrier) = (nodes[n % nodes.len()].clone(), barrier.clone());
            tokio::spawn(async move {
                let members = [(format!("applicant{n}@example.org"), "trainee".to_owned())];
                barrier.wait().await;
                node.start_project("Five places", &format!("Place {n}"), &members, day(1))
                    .await
            })
        })
        .collect();
    let mut won = 0;
    let mut odd = Vec::new();
    for start in starts {
        match start.await.unwrap() {
            Ok(_) => won += 1,
            Err(e)
                if e.kind() == Kind::Conflict
                    && gradflow_words::error("en", &e).contains("full") => {}
            Err(e) => odd.push(format!("{:?}: {e}", e.kind())),
        }
    }
    assert!(
        odd.is_empty(),
        "a refused start says the cohort is full (kind Conflict):\n{}",
        odd.join("\n")
    );
    assert_eq!(won, 5, "exactly the cohort's capacity of starts succeed");
    let five = setup.cohort("Five places").await.unwrap();
    assert_eq!((five.capacity, five.taken), (5, 5));
    assert_eq!(setup.projects(Some(&five)).await.unwrap().len(), 5);
    assert_eq!(
        raw_number(
            db,
            "SELECT projects FROM definitions WHERE key = 'graduation-service'"
        )
        .await,
        5,
        "each start counted on the definition it is pinned to"
    );
    // Refused starts left nothing behind: a `started` and a `member_added`
    // event, and one member row, per project that got a place.
    assert_eq!(raw_number(db, "SELECT COUNT(*) FROM events").await, 10);
    assert_eq!(
        raw_number(db, "SELECT COUNT(*) FROM project_members").await,
        5
    );
    let audit = setup.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
}

/// A project row edited with SQL (its stage set to a terminal one, with or
/// without its state, only answers in its state, or its overdue column) is caught by `audit
/// verify`, naming the project, though every event is intact: the events
/// are replayed and compared with what is stored.
async fn audit_verify_replays_events_against_the_stored_project(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    cohort.start_submitted(&engine, "Untouched").await;
    let forged = cohort.start_submitted(&engine, "Forged").await;
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert_eq!(report.projects, 2);

    let stage_only = "UPDATE projects SET stage = 'certified' WHERE id = $1";
    let stage_and_state = "UPDATE projects SET stage = 'certified',
         state = REPLACE(state, '\"stage\":\"endorsement\"', '\"stage\":\"certified\"')
         WHERE id = $1";
    let answers_only = "UPDATE projects
         SET state = REPLACE(state, 'Service to improve answer', 'A better service')
         WHERE id = $1";
    // The board's copy of the overdue mark, which its counts and lists read.
    let overdue_column = "UPDATE projects SET overdue_since = 1767225600000000 WHERE id = $1";
    let before = snapshot(db).await;
    let original = project_row(db, forged).await;
    for (what, edit) in [
        ("the stage", stage_only),
        ("the stage and the state", stage_and_state),
        ("answers in the state", answers_only),
        ("the overdue column", overdue_column),
    ] {
        assert_eq!(raw_exec(db, edit, forged).await, Ok(1), "{what}");
        assert_ne!(snapshot(db).await, before, "{what}: the edit went through");
        let broken = engine
            .verify_audit()
            .await
            .unwrap()
            .broken
            .unwrap_or_else(|| panic!("an edit of {what} is caught"));
        assert_eq!(broken.project, forged, "{what}: {broken}");
        assert!(
            broken.reason.contains("edited outside gradflow"),
            "{what}: {}",
            broken.reason
        );
        put_back(db, forged, &original).await;
        assert_unchanged(db, &before, "putting the row back").await;
        let report = engine.verify_audit().await.unwrap();
        assert!(
            report.broken.is_none(),
            "{what} restored: {:?}",
            report.broken
        );
    }
}

/// Project `id`'s stored stage and state, read with raw SQL.
async fn project_row(db: &TestDb, id: i64) -> (String, String) {
    use sqlx::Connection;
    let sql = "SELECT stage, state FROM projects WHERE id = $1";
    if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql)
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_as(sql)
            .bind(id)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    }
}

/// Puts project `id`'s stage and state back with raw SQL.
async fn put_back(db: &TestDb, id: i64, (stage, state): &(String, String)) {
    use sqlx::Connection;
    // The project put back is not overdue.
    let sql = "UPDATE projects SET stage = $1, state = $2, overdue_since = NULL WHERE id = $3";
    let changed = if db.is_sqlite() {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let q = sqlx::query(sql).bind(stage).bind(state).bind(id);
        q.execute(&mut conn).await.unwrap().rows_affected()
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let q = sqlx::query(sql).bind(stage).bind(state).bind(id);
        q.execute(&mut conn).await.unwrap().rows_affected()
    };
    assert_eq!(changed, 1);
}

/// Business days skip the cohort's own weekend: a proposal submitted on
/// Sunday 4 January 2026 in Muscat has 5 business days for its endorsement,
/// due at the end of Sunday 11 January when Friday and Saturday are the
/// weekend, and at the end of Friday 9 January when Saturday and Sunday are.
async fn business_days_skip_the_cohorts_weekend(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let endorsement = cohort.workflow.stage("endorsement").unwrap();
    assert!(
        matches!(
            endorsement.deadline,
            Some(Due::After(Duration {
                amount: 5,
                unit: Unit::BusinessDays
            }))
        ),
        "the endorsement's deadline is 5 business days: {:?}",
        endorsement.deadline
    );
    let fri_sat: Weekend = "fri,sat".parse().unwrap();
    let mut gulf = new_cohort(&cohort.workflow, &cohort.program, "Muscat, Friday-Saturday");
    gulf.weekend = fri_sat;
    let stored = engine.create_cohort(gulf, day(0)).await.unwrap();
    assert_eq!(stored.weekend, fri_sat);
    assert_eq!(
        engine
            .cohort("Muscat, Friday-Saturday")
            .await
            .unwrap()
            .weekend
            .to_string(),
        "fri,sat"
    );
    assert_eq!(
        engine.cohort(&cohort.name).await.unwrap().weekend,
        Weekend::SATURDAY_SUNDAY
    );
    let deadline = |name: &'static str| {
        let engine = &engine;
        let cohort = &cohort;
        async move {
            let id = engine
                .start_project(name, "Deadline", &cohort.members(), day(1))
                .await
                .unwrap()
                .project;
            let answers = support::sample(&cohort.workflow.forms["proposal"]);
            // Day 3: Sunday 4 January 2026, 10:00 in Muscat.
            let o = act(
                engine,
                id,
                &holder("trainee", 1),
                "submit",
                answers,
                None,
                3,
            )
            .await
            .unwrap();
            assert_eq!(o.stage, "endorsement");
            let due = engine
                .view(id)
                .await
                .unwrap()
                .record
                .state
                .deadline
                .unwrap();
            let timer = engine
                .pending_timers(id)
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.0 == "deadline")
                .map(|t| t.2);
            assert_eq!(timer, Some(due), "the deadline timer is the deadline");
            due
        }
    };
    let gulf_due = deadline("Muscat, Friday-Saturday").await;
    let muscat = jiff::tz::TimeZone::get("Asia/Muscat").unwrap();
    let local = gulf_due.to_zoned_datetime(muscat);
    assert_eq!(
        gulf_due,
        "2026-01-11T19:59:59Z".parse::<Timestamp>().unwrap(),
        "Mon 5, Tue 6, Wed 7, Thu 8, (Fri 9, Sat 10 skipped) Sun 11: {local}"
    );
    assert!(
        !matches!(local.weekday(), Weekday::Friday | Weekday::Saturday),
        "{local}"
    );
    let western_due = deadline("graduation-service cohort").await;
    assert_eq!(
        western_due,
        "2026-01-09T19:59:59Z".parse::<Timestamp>().unwrap(),
        "Mon 5 to Fri 9"
    );
}

/// Text that breaks the input rules is refused with kind Invalid before it
/// reaches the database, and changes nothing.
async fn input_rules_hold_through_the_service(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let id = cohort.start(&engine, "Checked input").await;
    let before = snapshot(db).await;
    let now = day(2);
    let cohort_with = |change: &dyn Fn(&mut NewCohort)| {
        let mut c = new_cohort(&cohort.workflow, &cohort.program, "Refused cohort");
        change(&mut c);
        c
    };
    let members = cohort.members();
    let cases: Vec<(&str, Result<(), Error>, &str)> = vec![
        (
            "an email that is only @",
            done(engine.add_person("@", "Someone", "", now).await),
            "is not an email address",
        ),
        (
            "an email with spaces",
            done(engine.add_person("a b@c d", "Someone", "", now).await),
            "is not an email address",
        ),
        (
            "an empty name",
            done(engine.add_person("new@example.org", "   ", "", now).await),
            "the name cannot be empty",
        ),
        (
            "a name with an ESC",
            done(
                engine
                    .add_person("new@example.org", "Evil \u{1b}[2J", "", now)
                    .await,
            ),
            "control character",
        ),
        (
            "a program key with spaces",
            done(
                engine
                    .create_program("service level", "Service", "graduation-service", now)
                    .await,
            ),
            "is not a valid program key",
        ),
        (
            "a program with an empty title",
            done(
                engine
                    .create_program("service-level", " ", "graduation-service", now)
                    .await,
            ),
            "cannot be empty",
        ),
        (
            "a cohort of capacity 0",
            done(
                engine
                    .create_cohort(cohort_with(&|c| c.capacity = 0), now)
                    .await,
            ),
            "a cohort takes 1 to",
        ),
        (
            "a cohort date the workflow does not use",
            done(
                engine
                    .create_cohort(
                        cohort_with(&|c| {
                            c.dates
                                .insert("graduation_party".into(), jiff::civil::date(2026, 7, 1));
                        }),
                        now,
                    )
                    .await,
            ),
            "uses no cohort date named graduation_party",
        ),
        (
            "a cohort with an empty name",
            done(
                engine
                    .create_cohort(cohort_with(&|c| c.name = "  ".into()), now)
                    .await,
            ),
            "cannot be empty",
        ),
        (
            "a title with NUL",
            done(
                engine
                    .start_project(&cohort.name, "Nul\u{0}title", &members, now)
                    .await,
            ),
            "control character",
        ),
        (
            "a title with ESC",
            done(
                engine
                    .start_project(&cohort.name, "\u{1b}[31mRed title", &members, now)
                    .await,
            ),
            "control character",
        ),
        (
            "a comment with ESC",
            done(
                act(
                    &engine,
                    id,
                    &holder("trainee", 1),
                    "withdraw",
                    Fields::new(),
                    Some("Leaving \u{1b}[2J now"),
                    2,
                )
                .await,
            ),
            "the comment contains a control character",
        ),
    ];
    for (what, result, says) in cases {
        let message = refused(result, Kind::Invalid, what);
        assert!(message.contains(says), "{what}: {message}");
        assert!(
            !message.contains('\u{1b}') && !message.contains('\u{0}'),
            "{what}: the message repeats no control character: {message:?}"
        );
    }
    assert_unchanged(db, &before, "refused input").await;
}

/// Publishing several definitions stores all of them or none: a valid new
/// one is not created when another in the same publish is refused.
async fn publishing_is_all_or_nothing(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    cohort.start(&engine, "Pins version 1").await;
    let read = |key: &str| std::fs::read_to_string(support::bundled(key)).unwrap();
    let new = read("service-improvement");
    let changed = read("graduation-service").replace(
        "Graduation project (Service level)",
        "Graduation project (Service)",
    );
    let before = snapshot(db).await;
    let message = refused(
        engine.publish(&[new.clone(), changed], day(2)).await,
        Kind::Conflict,
        "a publish that changes a used version",
    );
    assert!(
        message.contains("publish the edit as version 2"),
        "{message}"
    );
    let invalid = new.replace("start: charter", "start: nowhere");
    refused(
        engine.publish(&[new.clone(), invalid], day(2)).await,
        Kind::Invalid,
        "a publish with an invalid definition",
    );
    assert!(
        !engine
            .definitions()
            .await
            .unwrap()
            .iter()
            .any(|d| d.key == "service-improvement"),
        "the valid definition was not created"
    );
    assert_unchanged(db, &before, "a refused publish").await;
    // Alone, it was fine.
    let published = engine.publish(&[new], day(3)).await.unwrap();
    assert_eq!(published[0].result, Published::Created);
}

/// Conflicts of interest declared by the bundled workflow (a trainee holds
/// no other role on their own project; a supervisor neither evaluates nor
/// chairs their own trainee's) are refused with kind Forbidden, wherever the
/// second role would come from, and nothing changes.
async fn conflicts_of_interest_are_refused(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let (trainee, supervisor) = (holder("trainee", 1), holder("supervisor", 1));
    let pair = vec![
        (trainee.clone(), "trainee".to_owned()),
        (supervisor.clone(), "supervisor".to_owned()),
    ];
    let id = engine
        .start_project(&cohort.name, "Conflicts", &pair, day(1))
        .await
        .unwrap()
        .project;
    let before = snapshot(db).await;
    for (who, role) in [
        (&trainee, "committee"),
        (&trainee, "chair"),
        (&trainee, "supervisor"),
        (&supervisor, "committee"),
        (&supervisor, "chair"),
    ] {
        let message = refused(
            engine.assign(id, None, who, role, day(2)).await,
            Kind::Forbidden,
            &format!("{who} as {role}"),
        );
        assert!(message.contains(role), "{who} as {role}: {message}");
    }
    // One person as trainee and supervisor of the same new project.
    let both = vec![
        (holder("trainee", 2), "trainee".to_owned()),
        (holder("trainee", 2), "supervisor".to_owned()),
    ];
    refused(
        engine
            .start_project(&cohort.name, "Both", &both, day(2))
            .await,
        Kind::Forbidden,
        "trainee and supervisor at once",
    );
    assert_unchanged(db, &before, "refused conflicts of interest").await;
    // Someone without a conflicting role may evaluate.
    engine
        .assign(id, None, &holder("committee", 1), "committee", day(2))
        .await
        .unwrap();
}

/// An intake started in one call: each project gets its own result; one
/// refused (a conflict of interest, an unknown person, an empty title) is
/// not created and takes no place, the others start; a batch larger than
/// the places left is refused whole, saying how many are left, with nothing
/// changed; the audit holds.
async fn an_intake_starts_in_one_batch(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let mut four = new_cohort(&cohort.workflow, &cohort.program, "Four places");
    four.capacity = 4;
    engine.create_cohort(four, day(0)).await.unwrap();
    let start = |n: usize, title: &str, trainee: String| ProjectStart {
        title: title.to_owned(),
        members: vec![
            (trainee, "trainee".to_owned()),
            (holder("supervisor", n), "supervisor".to_owned()),
        ],
    };
    let batch = vec![
        start(1, "First", holder("trainee", 1)),
        // The supervisor as the trainee of their own project.
        start(2, "Conflicted", holder("supervisor", 2)),
        start(3, "Unknown", "nobody@example.org".to_owned()),
        start(2, "  ", holder("trainee", 2)),
        start(3, "Second", holder("trainee", 3)),
    ];
    let results = engine
        .start_projects("Four places", &batch, day(1))
        .await
        .unwrap();
    assert_eq!(results.len(), 5, "one result per project");
    let kinds: Vec<Option<Kind>> = results
        .iter()
        .map(|r| r.as_ref().err().map(Error::kind))
        .collect();
    assert_eq!(
        kinds,
        [
            None,
            Some(Kind::Forbidden),
            Some(Kind::NotFound),
            Some(Kind::Invalid),
            None
        ]
    );
    let started: Vec<&Outcome> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert!(
        started
            .iter()
            .all(|o| o.stage == "proposal" && o.version > 0)
    );
    let listed = engine
        .projects(Some(&engine.cohort("Four places").await.unwrap()))
        .await
        .unwrap();
    let mut titles: Vec<&str> = listed.iter().map(|p| p.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        ["First", "Second"],
        "only the accepted projects exist"
    );
    for outcome in &started {
        let view = engine.view(outcome.project).await.unwrap();
        assert_eq!(view.record.members.len(), 2, "trainee and supervisor");
    }
    assert_eq!(
        engine.cohort("Four places").await.unwrap().taken,
        2,
        "refused ones take no place"
    );

    // Three more do not fit in the two places left: refused whole.
    let before = snapshot(db).await;
    let three: Vec<ProjectStart> = (1..=3)
        .map(|n| start(n, &format!("Late {n}"), holder("trainee", n)))
        .collect();
    let message = refused(
        engine.start_projects("Four places", &three, day(2)).await,
        Kind::Conflict,
        "a batch larger than the places left",
    );
    assert!(message.contains("2 of its 4 places left"), "{message}");
    // A batch whose every project is refused changes nothing either.
    let results = engine
        .start_projects("Four places", &batch[1..2], day(2))
        .await
        .unwrap();
    assert_eq!(
        results[0].as_ref().err().map(Error::kind),
        Some(Kind::Forbidden)
    );
    assert_unchanged(db, &before, "refused intakes").await;
    let audit = engine.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
}

/// A batch racing single commands on the same projects from another node:
/// each project's proposal is submitted exactly once, by one of them; the
/// batch reports the others as conflicts (or refusals, when it decided
/// after the other commit), and the audit holds. (The batch's update of
/// many projects in one statement must tell which of them lost the race.)
async fn a_batch_and_single_commands_racing_submit_each_proposal_once(db: &TestDb) {
    let setup = db.engine().await;
    let cohort = Cohort::set_up(&setup, "graduation-service").await;
    let answers = support::sample(&cohort.workflow.forms["proposal"]);
    let submit = || Request {
        action: "submit".into(),
        fields: answers.clone(),
        ..Request::default()
    };
    let trainee = holder("trainee", 1);
    let (batch_node, single_node) = (Arc::new(db.engine().await), Arc::new(db.engine().await));
    for round in 0..5 {
        let mut ids = Vec::new();
        for n in 0..40 {
            ids.push(cohort.start(&setup, &format!("Race {round}.{n}")).await);
        }
        let barrier = Arc::new(Barrier::new(2));
        let batch = {
            let (node, barrier, ids, trainee) = (
                batch_node.clone(),
                barrier.clone(),
                ids.clone(),
                trainee.clone(),
            );
            let commands: Vec<_> = ids
                .iter()
                .map(|id| (*id, trainee.clone(), submit()))
                .collect();
            tokio::spawn(async move {
                barrier.wait().await;
                node.act_many(commands, day(2)).await.unwrap()
            })
        };
        let singles = {
            let (node, barrier, ids, trainee) = (
                single_node.clone(),
                barrier.clone(),
                ids.clone(),
                trainee.clone(),
            );
            let request = submit();
            tokio::spawn(async move {
                barrier.wait().await;
                let mut results = Vec::new();
                // From the far end, so the two meet in the middle.
                for id in ids.iter().rev() {
                    results.push((*id, node.act(*id, &trainee, request.clone(), day(2)).await));
                }
                results
            })
        };
        let batch = batch.await.unwrap();
        let singles = singles.await.unwrap();
        for (id, result) in ids.iter().zip(&batch) {
            let single = &singles.iter().find(|(s, _)| s == id).unwrap().1;
            assert!(
                result.is_ok() != single.is_ok(),
                "project {id}: exactly one submit succeeds (batch {result:?}, single {single:?})"
            );
            let failed = if result.is_ok() { single } else { result };
            let kind = failed.as_ref().err().map(Error::kind);
            assert!(
                matches!(kind, Some(Kind::Conflict | Kind::Invalid | Kind::Forbidden)),
                "project {id}: the loser is told it came too late, not {failed:?}"
            );
            let view = setup.view(*id).await.unwrap();
            assert_eq!(view.record.state.stage, "endorsement");
            let submits = setup
                .history(*id)
                .await
                .unwrap()
                .iter()
                .filter(|e| matches!(&e.change, Change::ActionTaken { action, .. } if action == "submit"))
                .count();
            assert_eq!(submits, 1, "project {id}: one submit in the log");
        }
    }
    let audit = setup.verify_audit().await.unwrap();
    assert!(audit.broken.is_none(), "{:?}", audit.broken);
}

/// Every bidirectional embedding, override and isolate (U+202A-U+202E,
/// U+2066-U+2069): each shows text in another order than it is written.
const BIDI_CONTROLS: [char; 9] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}',
];

/// Names, titles and one-line answers hold no bidirectional control
/// (`report\u{202E}fdp.exe` would show as "reportexe.pdf"); no answer holds
/// a NUL or another control character (a long answer keeps its line breaks
/// and tabs); a definition whose title holds a NUL is refused by validation
/// at its line and column, never by the database. Nothing is stored.
async fn text_that_shows_in_another_order_or_holds_controls_is_refused(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let id = cohort.start(&engine, "Checked text").await;
    let before = snapshot(db).await;
    let now = day(2);
    let members = cohort.members();
    let trainee = holder("trainee", 1);
    let mut cases: Vec<(String, Result<(), Error>, String)> = Vec::new();
    for c in BIDI_CONTROLS {
        let code = format!("U+{:04X}", u32::from(c));
        cases.push((
            format!("a person's name with {code}"),
            done(
                engine
                    .add_person("new@example.org", &format!("Amal{c}fdp.exe"), "", now)
                    .await,
            ),
            format!("the name contains the bidirectional control {code}"),
        ));
        cases.push((
            format!("a project title with {code}"),
            done(
                engine
                    .start_project(&cohort.name, &format!("report{c}fdp.exe"), &members, now)
                    .await,
            ),
            format!("the project's title contains the bidirectional control {code}"),
        ));
        let mut answers = support::sample(&cohort.workflow.forms["proposal"]);
        answers.insert("service".into(), format!("Front desk{c}kseD").into());
        cases.push((
            format!("a one-line answer with {code}"),
            done(act(&engine, id, &trainee, "submit", answers, None, 2).await),
            format!("Service to improve contains the bidirectional control {code}"),
        ));
        let mut answers = support::sample(&cohort.workflow.forms["proposal"]);
        answers.insert("problem".into(), format!("Long\nanswer {c}txet").into());
        cases.push((
            format!("a long answer with {code}"),
            done(act(&engine, id, &trainee, "submit", answers, None, 2).await),
            format!("What clients experience today contains the bidirectional control {code}"),
        ));
    }
    cases.push((
        "an organization with U+2067".into(),
        done(
            engine
                .add_person("new@example.org", "Amal", "Org\u{2067}x", now)
                .await,
        ),
        "the organization contains the bidirectional control U+2067".into(),
    ));
    cases.push((
        "a program title with U+202E".into(),
        done(
            engine
                .create_program("new-program", "Title\u{202E}x", "graduation-service", now)
                .await,
        ),
        "the program's title contains the bidirectional control U+202E".into(),
    ));
    for (c, what) in [
        ('\u{0}', "U+0000"),
        ('\u{7}', "U+0007"),
        ('\u{1b}', "U+001B"),
        ('\u{9b}', "U+009B"),
    ] {
        let mut answers = support::sample(&cohort.workflow.forms["proposal"]);
        answers.insert("service".into(), format!("Front{c}desk").into());
        cases.push((
            format!("a one-line answer with {what}"),
            done(act(&engine, id, &trainee, "submit", answers, None, 2).await),
            format!("Service to improve contains a control character ({what})"),
        ));
        let mut answers = support::sample(&cohort.workflow.forms["proposal"]);
        answers.insert("improvement".into(), format!("Line one\nline{c}two").into());
        cases.push((
            format!("a long answer with {what}"),
            done(act(&engine, id, &trainee, "submit", answers, None, 2).await),
            format!("Proposed improvement contains a control character ({what})"),
        ));
    }
    // The title line is replaced: the bundled one is written on one line.
    let with_title = |title: &str| {
        let text = std::fs::read_to_string(support::bundled("service-improvement")).unwrap();
        let line = text
            .lines()
            .find(|l| l.starts_with("title:"))
            .expect("a title line")
            .to_owned();
        text.replacen(&line, &format!("title: {title}"), 1)
    };
    for (title, says) in [
        (
            "\"Nul\\0title\"",
            "the title contains a control character (U+0000)",
        ),
        (
            "\"Service\\u202Etnemevorpmi\"",
            "the title contains the bidirectional control U+202E",
        ),
        (
            "{ en: Service, ar: \"\\u2066خدمة\" }",
            "the 'ar' title contains the bidirectional control U+2066",
        ),
    ] {
        let text = with_title(title);
        let line = text.lines().position(|l| l.starts_with("title:")).unwrap() + 1;
        cases.push((
            format!("a definition titled {title}"),
            done(engine.publish(&[text], now).await),
            format!("at line {line}, column "),
        ));
        cases.push((
            format!("the message for a definition titled {title}"),
            done(engine.publish(&[with_title(title)], now).await),
            says.to_owned(),
        ));
    }
    for (what, result, says) in cases {
        let message = refused(result, Kind::Invalid, &what);
        assert!(message.contains(&says), "{what}: {message}");
        assert!(
            !message.contains(|c: char| c.is_control() || BIDI_CONTROLS.contains(&c)),
            "{what}: the message repeats no control character: {message:?}"
        );
    }
    assert_unchanged(db, &before, "refused text").await;
    // Arabic with its right-to-left mark, and a long answer on several lines
    // with a tab, are text.
    engine
        .add_person("mariam@example.org", "مريم\u{200F} (2026)", "", now)
        .await
        .unwrap();
    let mut answers = support::sample(&cohort.workflow.forms["proposal"]);
    answers.insert("problem".into(), "Line one\r\n\tline two\u{200E}".into());
    act(&engine, id, &trainee, "submit", answers, None, 2)
        .await
        .unwrap();
}

/// The bundled workflows hold exactly one trainee per project (`roles:`
/// says `{ role: trainee, count: 1 }`): a project started with no trainee
/// or with two is refused, alone or in an intake (where the others start),
/// and giving a project a second trainee is refused; other roles take any
/// number. Each refusal says the role and how many, and stores nothing.
async fn a_project_holds_as_many_people_in_a_role_as_its_workflow_says(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    assert_eq!(
        cohort.workflow.holders("trainee").to_string(),
        "exactly 1 person"
    );
    let staff: Vec<(String, String)> = cohort
        .members()
        .into_iter()
        .filter(|(_, role)| role != "trainee")
        .collect();
    let with_trainees = |n: usize| {
        let mut members = staff.clone();
        members.extend((1..=n).map(|i| (holder("trainee", i), "trainee".to_owned())));
        members
    };
    let before = snapshot(db).await;
    for (trainees, says) in [
        (
            0,
            "each project of this program has exactly 1 person as the trainee; this one would have 0",
        ),
        (
            2,
            "each project of this program has exactly 1 person as the trainee; this one would have 2",
        ),
    ] {
        let message = refused(
            engine
                .start_project(
                    &cohort.name,
                    "Wrong people",
                    &with_trainees(trainees),
                    day(1),
                )
                .await,
            Kind::Invalid,
            &format!("a project with {trainees} trainees"),
        );
        assert_eq!(message, says);
    }
    assert_unchanged(db, &before, "projects refused for their trainees").await;
    let intake: Vec<ProjectStart> = [1, 0, 2]
        .iter()
        .map(|n| ProjectStart {
            title: format!("With {n} trainees"),
            members: with_trainees(*n),
        })
        .collect();
    let results = engine
        .start_projects(&cohort.name, &intake, day(1))
        .await
        .unwrap();
    let id = results[0].as_ref().expect("one trainee starts").project;
    for (result, n) in results[1..].iter().zip([0, 2]) {
        let Err(e) = result else {
            panic!("an intake project with {n} trainees started");
        };
        assert!(
            gradflow_words::error("en", e)
                .ends_with(&format!("as the trainee; this one would have {n}")),
            "{e}"
        );
    }
    assert_eq!(
        raw_number(db, "SELECT COUNT(*) FROM projects").await,
        1,
        "only the project with one trainee exists"
    );
    let before = snapshot(db).await;
    let message = refused(
        engine
            .assign(id, None, &holder("trainee", 2), "trainee", day(2))
            .await,
        Kind::Invalid,
        "a second trainee",
    );
    assert_eq!(
        message,
        "each project of this program has exactly 1 person as the trainee; this one would have 2"
    );
    assert_unchanged(db, &before, "a second trainee refused").await;
    // Roles without a number take any: a fourth supervisor is given.
    engine
        .add_person(&holder("supervisor", 4), "supervisor 4", "", day(2))
        .await
        .unwrap();
    engine
        .assign(id, None, &holder("supervisor", 4), "supervisor", day(2))
        .await
        .unwrap();
}

support::on_both!(
    need_all_counts_a_person_with_two_roles_once,
    an_idempotency_key_is_for_one_request_only,
    concurrent_starts_never_overfill_a_cohort,
    audit_verify_replays_events_against_the_stored_project,
    business_days_skip_the_cohorts_weekend,
    input_rules_hold_through_the_service,
    publishing_is_all_or_nothing,
    conflicts_of_interest_are_refused,
    an_intake_starts_in_one_batch,
    a_batch_and_single_commands_racing_submit_each_proposal_once,
    text_that_shows_in_another_order_or_holds_controls_is_refused,
    a_project_holds_as_many_people_in_a_role_as_its_workflow_says,
);
