//! The engine and store suite, run against a SQLite file and a PostgreSQL
//! server: rules are enforced, refused commands change nothing, versions and
//! idempotency keys behave, definitions are immutable once used, and the
//! audit chain catches edits.

use gradflow_engine::decide::{Fields, Rejection};
use gradflow_engine::service::{Error, Request};
use gradflow_engine::store::{self, Published};

use crate::support::{self, Cohort, TestDb, act, day, holder, snapshot};

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
    let history = engine.store().events(id).await.unwrap();
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e.change["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["started", "action_taken", "moved", "action_taken", "moved"]
    );
    assert_eq!(
        history[1].actor.as_deref(),
        Some(holder("trainee", 1).as_str())
    );
    // Entering implementation set its deadline and milestone timers.
    let timers: Vec<String> = engine
        .store()
        .pending_timers(id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert!(
        timers.contains(&"deadline".to_owned())
            && timers.contains(&"milestone:visit_before".to_owned()),
        "{timers:?}"
    );
    assert!(
        !timers
            .iter()
            .any(|t| t.starts_with("remind") && t.contains("endorsement"))
    );
}

async fn refused_commands_say_why_and_change_nothing(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-excellence").await;
    let id = cohort.start(&engine, "Fewer repeat visits").await;
    let proposal = || support::sample(&cohort.workflow.forms["proposal"]);
    let before = snapshot(db).await;

    let refused = |r: Result<_, Error>| match r {
        Err(Error::Rejected(why)) => why,
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
    assert!(matches!(why, Rejection::NotAllowed { .. }));
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
        why,
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
    assert!(matches!(
        unknown,
        Err(Error::Store(store::Error::NotFound(_)))
    ));
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

    assert_eq!(
        snapshot(db).await,
        before,
        "refused commands changed the database"
    );
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
    assert_eq!(approve.waiting_for.as_deref(), Some("the coordinator"));
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
    let Err(Error::Rejected(why)) = again else {
        panic!("a second approval by the same person must be refused")
    };
    assert!(
        why.to_string().contains("waiting for the coordinator"),
        "{why}"
    );
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
    let events = engine.store().events(id).await.unwrap().len();
    let retry = engine
        .act(id, &holder("trainee", 1), request(), day(3))
        .await
        .unwrap();
    assert!(retry.replayed && !first.replayed);
    assert_eq!(
        (retry.version, retry.stage.clone(), retry.changes.clone()),
        (first.version, first.stage, first.changes)
    );
    assert_eq!(
        engine.store().events(id).await.unwrap().len(),
        events,
        "a retry applies nothing"
    );
}

async fn used_definition_versions_are_immutable(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let store = engine.store();
    let text = std::fs::read_to_string(support::bundled("graduation-service")).unwrap();
    let edited = text.replace(
        "Graduation project (Service level)",
        "Graduation project (Service)",
    );
    // Same text again: unchanged.
    assert_eq!(
        store
            .publish_definition("graduation-service", 1, "t", &text, day(1))
            .await
            .unwrap(),
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
        store
            .publish_definition("graduation-service", 1, "t", &edited, day(1))
            .await
            .unwrap(),
        Published::Replaced
    );
    let id = cohort.start(&engine, "Pinned").await;
    assert_eq!(
        engine.view(id).await.unwrap().workflow.title,
        "Graduation project (Service)",
        "the replaced text is used"
    );
    let refused = store
        .publish_definition("graduation-service", 1, "t", &text, day(2))
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("cannot change; publish the edit as version 2"),
        "{refused}"
    );
    assert_eq!(
        store
            .publish_definition(
                "graduation-service",
                2,
                "t",
                &text.replace("version: 1", "version: 2"),
                day(2)
            )
            .await
            .unwrap(),
        Published::Created
    );
    // The running project stays on version 1; new projects take version 2.
    assert_eq!(engine.view(id).await.unwrap().workflow.version, 1);
    let newer = cohort.start(&engine, "Newer").await;
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
    let report = engine.store().verify_audit().await.unwrap();
    assert!(report.broken.is_none());
    assert_eq!(report.events, 5);

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
        .store()
        .verify_audit()
        .await
        .unwrap()
        .broken
        .expect("an edit is caught");
    assert_eq!((broken.project, broken.seq), (id, 4));
    assert!(broken.reason.contains("edited"));

    // Restoring the text and removing the last event is caught too.
    tamper(
        db,
        "UPDATE events SET change = REPLACE(change, 'Fine', 'More detail') WHERE project_id = $1",
        id,
    )
    .await;
    tamper(
        db,
        "DELETE FROM events WHERE project_id = $1 AND seq = 5",
        id,
    )
    .await;
    let broken = engine
        .store()
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
    let store = engine.store();
    let mut small = gradflow_engine::store::NewCohort {
        program: "graduation-service-program".into(),
        name: "small".into(),
        time_zone: "Asia/Muscat".into(),
        dates: Default::default(),
        holidays: Default::default(),
        capacity: 1,
    };
    let missing = store
        .create_cohort(&small, day(0))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains(
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
    assert!(
        store
            .create_cohort(&small, day(0))
            .await
            .unwrap_err()
            .to_string()
            .contains("not a known time zone")
    );
    small.time_zone = "Asia/Muscat".into();
    store.create_cohort(&small, day(0)).await.unwrap();
    let members = [(holder("trainee", 1), "trainee".to_owned())];
    engine
        .start_project("small", "first", &members, day(1))
        .await
        .unwrap();
    let full = engine
        .start_project("small", "second", &members, day(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(full.contains("is full"), "{full}");
    let wrong_role = [(holder("trainee", 1), "captain".to_owned())];
    let err = engine
        .start_project(&cohort.name, "x", &wrong_role, day(1))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("'captain' is not a role of workflow graduation-service"),
        "{err}"
    );
    assert_eq!(
        store.projects(None).await.unwrap().len(),
        1,
        "refused starts leave no project behind"
    );
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
        matches!(&results[5], Err(Error::Store(store::Error::NotFound(m))) if m == "there is no project 99999")
    );
    assert_eq!(results[0].as_ref().unwrap().stage, "endorsement");
    assert!(matches!(
        results[1],
        Err(Error::Rejected(Rejection::NotAllowed { .. }))
    ));
    assert_eq!(results[2].as_ref().unwrap().version, 2);
    assert!(
        matches!(results[3], Err(Error::Store(store::Error::Conflict { .. }))),
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
    assert!(
        engine
            .store()
            .verify_audit()
            .await
            .unwrap()
            .broken
            .is_none()
    );
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
