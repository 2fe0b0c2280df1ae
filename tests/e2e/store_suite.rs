//! The engine and store suite, run against a SQLite file and a PostgreSQL
//! server: rules are enforced, refused commands change nothing, versions and
//! idempotency keys behave, definitions are immutable once used, and the
//! audit chain catches edits.

use gradflow_engine::decide::{Change, Fields, Rejection};
use gradflow_engine::service::{Error, Kind, NewCohort, Published, Request};
use jiff::Timestamp;

use crate::support::{self, Cohort, TestDb, act, assert_unchanged, day, holder, snapshot};

fn proposal() -> Fields {
    let mut f = Fields::new();
    for (k, v) in [
        ("service", "Licence renewal"),
        ("problem", "Long queues"),
        ("improvement", "Online pre-check"),
        ("indicator", "waiting_time"),
    ] {
        f.insert(k.into(), v.into());
    }
    f
}

async fn a_project_moves_through_its_stages_and_keeps_history(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let id = cohort.start(&engine, "Faster renewals").await;
    // Day 3 is Sunday 4 January 2026, 10:00 in Muscat.
    let o = act(
        &engine,
        id,
        &holder("trainee", 1),
        "submit",
        proposal(),
        None,
        3,
    )
    .await
    .unwrap();
    assert_eq!((o.stage.as_str(), o.version), ("endorsement", 2));
    // Entering endorsement replaced the proposal's timers (its deadline,
    // reminders and weekly escalation) with the endorsement's: a deadline 5
    // business days on (Monday to Friday, end of the day in Muscat) and a
    // reminder 2 days before it, sent when the cohort's mail hours open
    // (09:00 in Muscat) on that day.
    assert_eq!(
        timers(&engine, id).await,
        [
            (
                "deadline".to_owned(),
                "deadline".to_owned(),
                at("2026-01-09T19:59:59Z")
            ),
            (
                "remind:0".to_owned(),
                "reminder".to_owned(),
                at("2026-01-07T05:00:00Z")
            ),
        ]
    );
    let o = act(
        &engine,
        id,
        &holder("supervisor", 1),
        "endorse",
        Fields::new(),
        None,
        4,
    )
    .await
    .unwrap();
    assert_eq!((o.stage.as_str(), o.version), ("implementation", 3));
    let view = engine.view(id).await.unwrap();
    assert_eq!(
        view.record.state.forms["proposal"]["service"],
        "Licence renewal"
    );
    let history = engine.history(id).await.unwrap();
    let kinds: Vec<String> = history
        .iter()
        .map(|e| support::change_type(&e.change))
        .collect();
    let members = cohort.members();
    let mut expected = vec!["started".to_owned()];
    expected.extend(members.iter().map(|_| "member_added".to_owned()));
    expected.extend(["action_taken", "moved", "action_taken", "moved"].map(String::from));
    assert_eq!(kinds, expected);
    // Each member given at the start is in the log, by the operator, in order.
    for (event, (email, role)) in history[1..].iter().zip(&members) {
        let person = engine.person(email).await.unwrap().id;
        assert_eq!(
            (&event.change, event.actor.as_deref()),
            (
                &Change::MemberAdded {
                    person,
                    role: role.clone()
                },
                None
            )
        );
    }
    assert_eq!(
        history[1 + members.len()].actor.as_deref(),
        Some(holder("trainee", 1).as_str())
    );
    // Leaving endorsement removed its pending timers (the reminder and the
    // deadline above are gone); what is pending is implementation's own: its
    // deadline at the cohort's implementation_end (15 April, end of the day
    // in Muscat), the reminder 14 days before (at 09:00, when mail goes out),
    // and its milestones' due dates.
    let implementation_deadline = at("2026-04-15T19:59:59Z");
    assert_eq!(view.record.state.deadline, Some(implementation_deadline));
    assert_eq!(
        timers(&engine, id).await,
        [
            (
                "deadline".to_owned(),
                "deadline".to_owned(),
                implementation_deadline
            ),
            (
                "milestone:visit_after".to_owned(),
                "milestone_due".to_owned(),
                implementation_deadline
            ),
            (
                "milestone:visit_before".to_owned(),
                "milestone_due".to_owned(),
                at("2026-01-19T06:00:00Z")
            ),
            (
                "remind:0".to_owned(),
                "reminder".to_owned(),
                at("2026-04-01T05:00:00Z")
            ),
        ]
    );
}

/// An instant written in RFC 3339.
fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// A project's pending timers, (key, kind, when), by key.
async fn timers(
    engine: &gradflow_engine::service::Engine,
    id: i64,
) -> Vec<(String, String, Timestamp)> {
    let mut timers = engine.pending_timers(id).await.unwrap();
    timers.sort();
    timers
}

/// A refusal of the core and its English words (from the catalogue).
struct Refusal {
    why: Rejection,
    said: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said)
    }
}

async fn refused_commands_say_why_and_change_nothing(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-excellence").await;
    let id = cohort.start(&engine, "Fewer repeat visits").await;
    let proposal = || support::sample(&cohort.workflow.forms["proposal"]);
    let before = snapshot(db).await;

    let refused = |r: Result<_, Error>| match r {
        Err(e @ Error::Rejected(..)) => Refusal {
            said: gradflow_words::error("en", &e),
            why: match e {
                Error::Rejected(why, _) => why,
                _ => unreachable!(),
            },
        },
        other => panic!("expected a refusal, got {other:?}"),
    };
    // A role that may not act is told who may.
    let why = refused(
        act(
            &engine,
            id,
            &holder("coordinator", 1),
            "submit",
            proposal(),
            None,
            2,
        )
        .await,
    );
    assert!(matches!(why.why, Rejection::NotAllowed { .. }));
    assert!(
        why.to_string()
            .contains("only the trainee may submit the proposal"),
        "{why}"
    );
    // An action of another stage.
    let why = refused(
        act(
            &engine,
            id,
            &holder("supervisor", 1),
            "approve",
            Fields::new(),
            None,
            2,
        )
        .await,
    );
    assert!(
        why.to_string()
            .contains("'approve' is not possible while the project is at 'Proposal'"),
        "{why}"
    );
    // A missing required field and a wrong one, all reported at once.
    let mut bad = proposal();
    bad.remove("service");
    bad.insert("budget".into(), "lots".into());
    let why = refused(act(&engine, id, &holder("trainee", 1), "submit", bad, None, 2).await);
    let text = why.to_string();
    assert!(
        text.contains("Service to improve is required") && text.contains("'lots' is not a number"),
        "{text}"
    );
    // An unknown field.
    let mut extra = proposal();
    extra.insert("colour".into(), "blue".into());
    assert!(
        refused(act(&engine, id, &holder("trainee", 1), "submit", extra, None, 2).await)
            .to_string()
            .contains("'colour' is not a field")
    );
    // A stale version.
    let stale = Request {
        action: "submit".into(),
        fields: proposal(),
        expected_version: Some(7),
        ..Request::default()
    };
    let why = refused(engine.act(id, &holder("trainee", 1), stale, day(2)).await);
    assert_eq!(
        why.why,
        Rejection::Stale {
            expected: 7,
            actual: 1
        }
    );
    // An unknown person.
    let unknown = act(
        &engine,
        id,
        "nobody@example.org",
        "submit",
        proposal(),
        None,
        2,
    )
    .await;
    let unknown = unknown.unwrap_err();
    assert_eq!(unknown.kind(), Kind::NotFound, "{unknown}");
    assert!(
        gradflow_words::error("en", &unknown)
            .contains("nobody is registered as nobody@example.org"),
        "{unknown}"
    );
    // A required comment.
    let why = refused(
        act(
            &engine,
            id,
            &holder("trainee", 1),
            "withdraw",
            Fields::new(),
            Some("  "),
            2,
        )
        .await,
    );
    assert!(
        why.to_string()
            .contains("a comment is required to withdraw"),
        "{why}"
    );
    // An oversized comment.
    let long = "x".repeat(5_001);
    let why = refused(
        act(
            &engine,
            id,
            &holder("trainee", 1),
            "withdraw",
            Fields::new(),
            Some(&long),
            2,
        )
        .await,
    );
    assert!(
        why.to_string()
            .contains("5001 characters long; at most 5000"),
        "{why}"
    );

    assert_unchanged(db, &before, "refused commands").await;
}

async fn approvals_that_need_everyone_wait_for_everyone(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-excellence").await;
    let id = cohort.start_submitted(&engine, "Need all").await;
    let o = act(
        &engine,
        id,
        &holder("supervisor", 1),
        "approve",
        Fields::new(),
        None,
        3,
    )
    .await
    .unwrap();
    assert_eq!(
        o.stage, "proposal_review",
        "one approval of two keeps the project waiting"
    );
    let view = engine.view(id).await.unwrap();
    let approve = view
        .possible
        .iter()
        .find(|p| p.action == "approve")
        .unwrap();
    assert_eq!(
        approve
            .waiting_for
            .as_ref()
            .map(|w| gradflow_words::reason("en", &w.reason(), None))
            .as_deref(),
        Some("the coordinator")
    );
    let again = act(
        &engine,
        id,
        &holder("supervisor", 1),
        "approve",
        Fields::new(),
        None,
        3,
    )
    .await;
    let Err(why @ Error::Rejected(..)) = again else {
        panic!("a second approval by the same person must be refused")
    };
    assert!(
        gradflow_words::error("en", &why).contains("waiting for the coordinator"),
        "{why}"
    );
    // Another supervisor's approval would not count: the supervisor's part is given.
    let before = snapshot(db).await;
    let surplus = act(
        &engine,
        id,
        &holder("supervisor", 2),
        "approve",
        Fields::new(),
        None,
        3,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            surplus,
            Error::Rejected(Rejection::ApprovalNotNeeded { .. }, _)
        ),
        "{surplus:?}"
    );
    assert_eq!(surplus.kind(), Kind::Conflict);
    assert!(
        gradflow_words::error("en", &surplus).contains("waiting for the coordinator"),
        "{surplus}"
    );
    assert_unchanged(db, &before, "an approval that would not count").await;
    let o = act(
        &engine,
        id,
        &holder("coordinator", 2),
        "approve",
        Fields::new(),
        None,
        4,
    )
    .await
    .unwrap();
    assert_eq!(o.stage, "implementation");
}

async fn idempotency_keys_apply_a_command_once(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let id = cohort.start(&engine, "Retry safely").await;
    let request = || Request {
        action: "submit".into(),
        fields: proposal(),
        idempotency_key: Some("form-7f3a".into()),
        ..Request::default()
    };
    let first = engine
        .act(id, &holder("trainee", 1), request(), day(2))
        .await
        .unwrap();
    let before = snapshot(db).await;
    let retry = engine
        .act(id, &holder("trainee", 1), request(), day(3))
        .await
        .unwrap();
    assert!(retry.replayed && !first.replayed);
    assert_eq!(
        (retry.version, retry.stage.clone(), retry.changes.clone()),
        (first.version, first.stage, first.changes)
    );
    assert_unchanged(db, &before, "a retry").await;
}

async fn used_definition_versions_are_immutable(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let text = std::fs::read_to_string(support::bundled("graduation-service")).unwrap();
    let edited = text.replace(
        "Graduation project (Service level)",
        "Graduation project (Service)",
    );
    let publish = |text: String, n: i64| {
        let engine = &engine;
        async move { engine.publish(&[text], day(n)).await }
    };
    // Same text again: unchanged.
    assert_eq!(
        publish(text.clone(), 1).await.unwrap()[0].result,
        Published::Unchanged
    );
    // A refused start has read (and cached) version 1; an edit before any project replaces it.
    let bad = [(holder("trainee", 1), "captain".to_owned())];
    assert!(
        engine
            .start_project(&cohort.name, "refused", &bad, day(1))
            .await
            .is_err()
    );
    assert_eq!(
        publish(edited.clone(), 1).await.unwrap()[0].result,
        Published::Replaced
    );
    let id = cohort.start(&engine, "Pinned").await;
    assert_eq!(
        engine.view(id).await.unwrap().workflow.title.default_text(),
        "Graduation project (Service)",
        "the replaced text is used"
    );
    let before = snapshot(db).await;
    let refused = publish(text.clone(), 2).await.unwrap_err();
    assert_eq!(refused.kind(), Kind::Conflict, "{refused}");
    assert!(
        gradflow_words::error("en", &refused).contains(
            "graduation-service version 1 already has projects, so its text can never change; publish the edit as version 2"
        ),
        "{refused}"
    );
    assert_unchanged(db, &before, "a refused publish").await;
    assert_eq!(
        publish(text.replace("version: 1", "version: 2"), 2)
            .await
            .unwrap()[0]
            .result,
        Published::Created
    );
    // The running project stays on version 1, and so does the cohort's
    // next one (a cohort is pinned to its version); a new cohort takes 2.
    assert_eq!(engine.view(id).await.unwrap().workflow.version, 1);
    let next = cohort.start(&engine, "Next").await;
    assert_eq!(engine.view(next).await.unwrap().workflow.version, 1);
    engine
        .create_cohort(
            crate::support::new_cohort(&cohort.workflow, &cohort.program, "Newer cohort"),
            day(0),
        )
        .await
        .unwrap();
    let newer = engine
        .start_project("Newer cohort", "Newer", &cohort.members(), day(0))
        .await
        .unwrap()
        .project;
    assert_eq!(engine.view(newer).await.unwrap().workflow.version, 2);
}

async fn the_audit_chain_catches_edits_and_removals(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let id = cohort.start(&engine, "Audited").await;
    act(
        &engine,
        id,
        &holder("trainee", 1),
        "submit",
        proposal(),
        None,
        2,
    )
    .await
    .unwrap();
    act(
        &engine,
        id,
        &holder("supervisor", 1),
        "request_changes",
        Fields::new(),
        Some("More detail"),
        3,
    )
    .await
    .unwrap();
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    // started, one member_added per member, then two events per action.
    let members = cohort.members().len() as i64;
    let last = 1 + members + 2 + 2;
    assert_eq!(report.events, last as u64);
    // The comment is in the action taken just before the last move.
    let commented = engine
        .history(id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| matches!(&e.change, Change::ActionTaken { comment: Some(c), .. } if c == "More detail"))
        .expect("the comment is in the log")
        .seq;
    assert_eq!(commented, last - 1);

    // The database itself refuses to change or remove events.
    let edit =
        "UPDATE events SET change = REPLACE(change, 'More detail', 'Fine') WHERE project_id = $1";
    assert!(
        raw_exec(db, edit, id)
            .await
            .unwrap_err()
            .contains("events are append-only")
    );
    let delete = "DELETE FROM events WHERE project_id = $1";
    assert!(
        raw_exec(db, delete, id)
            .await
            .unwrap_err()
            .contains("events are append-only")
    );
    // Someone with the database removes the guard and edits a comment.
    tamper(
        db,
        "UPDATE events SET change = REPLACE(change, 'More detail', 'Fine') WHERE project_id = $1",
        id,
    )
    .await;
    let broken = engine
        .verify_audit()
        .await
        .unwrap()
        .broken
        .expect("an edit is caught");
    assert_eq!((broken.project, broken.seq), (id, commented));
    assert!(broken.reason.contains("edited"), "{}", broken.reason);

    // Restoring the text and removing the last event is caught too.
    tamper(
        db,
        "UPDATE events SET change = REPLACE(change, 'Fine', 'More detail') WHERE project_id = $1",
        id,
    )
    .await;
    assert!(engine.verify_audit().await.unwrap().broken.is_none());
    tamper(
        db,
        &format!("DELETE FROM events WHERE project_id = $1 AND seq = {last}"),
        id,
    )
    .await;
    let broken = engine
        .verify_audit()
        .await
        .unwrap()
        .broken
        .expect("a removal is caught");
    assert!(broken.reason.contains("removed"), "{}", broken.reason);
}

async fn cohort_dates_capacity_and_roles_are_checked(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let mut small = NewCohort {
        dates: Default::default(),
        capacity: 1,
        ..support::new_cohort(&cohort.workflow, &cohort.program, "small")
    };
    let missing = engine
        .create_cohort(small.clone(), day(0))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), Kind::Invalid);
    assert!(
        gradflow_words::error("en", &missing).contains(
            "needs these cohort dates: proposal_due, implementation_end, presentation_day"
        ),
        "{missing}"
    );
    small.dates = [
        ("proposal_due", 2),
        ("implementation_end", 5),
        ("presentation_day", 6),
    ]
    .into_iter()
    .map(|(k, m)| (k.to_owned(), jiff::civil::date(2026, m, 1)))
    .collect();
    small.time_zone = "Mars/Base".into();
    let zone = engine
        .create_cohort(small.clone(), day(0))
        .await
        .unwrap_err();
    assert_eq!(zone.kind(), Kind::Invalid);
    assert!(
        gradflow_words::error("en", &zone).contains("not a known time zone"),
        "{zone}"
    );
    small.time_zone = "Asia/Muscat".into();
    engine.create_cohort(small, day(0)).await.unwrap();
    let members = [(holder("trainee", 1), "trainee".to_owned())];
    engine
        .start_project("small", "first", &members, day(1))
        .await
        .unwrap();
    let full = engine
        .start_project("small", "second", &members, day(1))
        .await
        .unwrap_err();
    assert_eq!(full.kind(), Kind::Conflict);
    assert!(
        gradflow_words::error("en", &full).contains("is full"),
        "{full}"
    );
    let wrong_role = [(holder("trainee", 1), "captain".to_owned())];
    let err = engine
        .start_project(&cohort.name, "x", &wrong_role, day(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), Kind::Invalid);
    assert!(
        gradflow_words::error("en", &err).contains(
            "'captain' is not a role on projects of this program; its roles are: trainee, supervisor"
        ),
        "{err}"
    );
    assert_eq!(
        engine.projects(None).await.unwrap().len(),
        1,
        "refused starts leave no project behind"
    );
    let small = engine.cohort("small").await.unwrap();
    assert_eq!((small.capacity, small.taken), (1, 1));
}

async fn batched_commands_commit_together_and_fail_alone(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(cohort.start(&engine, &format!("batch {n}")).await);
    }
    let submit = || Request {
        action: "submit".into(),
        fields: proposal(),
        ..Request::default()
    };
    let trainee = holder("trainee", 1);
    let batch = vec![
        (ids[0], trainee.clone(), submit()),
        (ids[1], holder("supervisor", 1), submit()), // not the supervisor's to do
        (ids[2], trainee.clone(), submit()),
        (ids[2], trainee.clone(), submit()), // same project again: decided from the same version
        (
            ids[3],
            trainee.clone(),
            Request {
                idempotency_key: Some("k1".into()),
                ..submit()
            },
        ),
        (99_999, trainee.clone(), submit()),
    ];
    let results = engine.act_many(batch, day(2)).await.unwrap();
    assert_eq!(results.len(), 6);
    assert!(
        matches!(&results[5], Err(e @ Error::NotFound(m)) if m.code == "unknown-project" && e.kind() == Kind::NotFound),
        "{:?}",
        results[5]
    );
    assert_eq!(results[0].as_ref().unwrap().stage, "endorsement");
    assert!(matches!(
        results[1],
        Err(Error::Rejected(Rejection::NotAllowed { .. }, _))
    ));
    assert_eq!(results[2].as_ref().unwrap().version, 2);
    assert!(
        matches!(&results[3], Err(e @ Error::Conflict(_)) if e.kind() == Kind::Conflict),
        "{:?}",
        results[3]
    );
    assert!(results[4].is_ok());
    let stages: Vec<String> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(engine.view(*id).await.unwrap().record.state.stage);
        }
        v
    };
    assert_eq!(
        stages,
        ["endorsement", "proposal", "endorsement", "endorsement"]
    );
    let retry = engine
        .act(
            ids[3],
            &trainee,
            Request {
                idempotency_key: Some("k1".into()),
                ..submit()
            },
            day(3),
        )
        .await
        .unwrap();
    assert!(retry.replayed, "the batch stored the idempotency record");
    assert!(engine.verify_audit().await.unwrap().broken.is_none());
}

/// Runs `sql` (with `$1` = `id`) on the test database directly, bypassing the product.
pub async fn raw_exec(db: &TestDb, sql: &str, id: i64) -> Result<u64, String> {
    use sqlx::Connection;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    let done = if db.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .bind(id)
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql)
            .bind(id)
            .execute(&mut conn)
            .await
            .map(|r| r.rows_affected())
    };
    done.map_err(|e| e.to_string())
}

/// What an intruder with the database does: the append-only guard stops the
/// first attempt, so they remove the guard and edit anyway.
pub async fn tamper(db: &TestDb, sql: &str, id: i64) {
    if let Err(refused) = raw_exec(db, sql, id).await {
        assert!(refused.contains("events are append-only"), "{refused}");
        let remove_guard = if db.url.starts_with("sqlite:") {
            "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete"
        } else {
            "ALTER TABLE events DISABLE TRIGGER events_no_change"
        };
        for statement in remove_guard.split("; ") {
            sqlx_exec_plain(db, statement).await;
        }
        raw_exec(db, sql, id)
            .await
            .expect("the edit goes through without the guard");
    }
}

async fn sqlx_exec_plain(db: &TestDb, sql: &str) {
    use sqlx::{Connection, Executor};
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    if db.url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        conn.execute(sql).await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        conn.execute(sql).await.unwrap();
    }
}

support::on_both!(
    a_project_moves_through_its_stages_and_keeps_history,
    refused_commands_say_why_and_change_nothing,
    approvals_that_need_everyone_wait_for_everyone,
    idempotency_keys_apply_a_command_once,
    used_definition_versions_are_immutable,
    the_audit_chain_catches_edits_and_removals,
    cohort_dates_capacity_and_roles_are_checked,
    batched_commands_commit_together_and_fail_alone,
);
