//! Scale (issue 18, part 7): `audit verify` reads the store a page of
//! projects at a time (engine/src/store/audit.rs, 500 per page), each page
//! one snapshot. It must still see every project and every event, find a
//! break in the last page as in the first, and raise no false alarm while
//! writers commit between (and during) its pages, on both databases.

use std::sync::Arc;

use gradflow_engine::service::{Engine, ProjectStart};

use crate::store_suite::raw_exec;
use crate::support::{Cohort, TestDb, act, day, holder, raw_number, sample};

/// Three pages' worth (the store reads 500 projects per page).
const PROJECTS: usize = 1_020;

/// Starts `n` projects of `cohort` in one transaction; their ids.
async fn start_many(engine: &Engine, cohort: &Cohort, n: usize, tag: &str) -> Vec<i64> {
    let starts: Vec<ProjectStart> = (0..n)
        .map(|i| ProjectStart {
            title: format!("Scale project {tag} {i}"),
            members: cohort.members(),
        })
        .collect();
    engine
        .start_projects(&cohort.name, &starts, day(1))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().project)
        .collect()
}

/// Every project and event is verified across the pages, and a project
/// edited outside gradflow in the last page is named.
async fn verify_walks_every_page_and_finds_a_break_in_the_last(db: &TestDb) {
    let engine = db.engine().await;
    let cohort = Cohort::set_up(&engine, "graduation-service").await;
    let ids = start_many(&engine, &cohort, PROJECTS, "a").await;
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    assert_eq!(report.projects, PROJECTS as u64, "every project verified");
    let events = raw_number(db, "SELECT COUNT(*) FROM events").await;
    assert_eq!(report.events, events as u64, "every event verified");

    let victim = ids[PROJECTS - 3];
    raw_exec(
        db,
        "UPDATE projects SET stage = 'endorsement' WHERE id = $1",
        victim,
    )
    .await
    .unwrap();
    let report = engine.verify_audit().await.unwrap();
    let broken = report.broken.expect("the edited project is found");
    assert_eq!(broken.project, victim, "{broken}");
    assert!(broken.reason.contains("stage"), "{broken}");
    assert_eq!(
        report.projects,
        PROJECTS as u64 - 2,
        "the projects before it were verified, page by page"
    );
}

/// Writers commit to projects on every page, and start new ones, while
/// `audit verify` runs again and again: no run reports a break, and the
/// last one sees every project and event.
async fn verify_raises_no_false_alarm_while_writers_commit(db: &TestDb) {
    let engine = Arc::new(db.engine().await);
    let cohort = Arc::new(Cohort::set_up(&engine, "graduation-service").await);
    let ids = start_many(&engine, &cohort, PROJECTS, "b").await;
    let writer = {
        let (engine, cohort) = (engine.clone(), cohort.clone());
        let ids = ids.clone();
        tokio::spawn(async move {
            let answers = sample(&cohort.workflow.forms["proposal"]);
            for (round, id) in ids.iter().step_by(17).enumerate() {
                act(
                    &engine,
                    *id,
                    &holder("trainee", 1),
                    "submit",
                    answers.clone(),
                    None,
                    2,
                )
                .await
                .unwrap();
                if round % 10 == 0 {
                    start_many(&engine, &cohort, 5, &format!("c{round}")).await;
                }
            }
        })
    };
    let verifier = {
        let engine = engine.clone();
        tokio::spawn(async move {
            let mut runs = 0;
            loop {
                let report = engine.verify_audit().await.unwrap();
                assert!(
                    report.broken.is_none(),
                    "a false alarm while writers commit: {:?}",
                    report.broken
                );
                assert!(report.projects >= PROJECTS as u64);
                runs += 1;
                if runs >= 3 {
                    return runs;
                }
            }
        })
    };
    writer.await.unwrap();
    assert!(verifier.await.unwrap() >= 3);
    let report = engine.verify_audit().await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    let projects = raw_number(db, "SELECT COUNT(*) FROM projects").await;
    let events = raw_number(db, "SELECT COUNT(*) FROM events").await;
    assert_eq!(report.projects, projects as u64);
    assert_eq!(report.events, events as u64);
}

crate::support::on_both!(
    verify_walks_every_page_and_finds_a_break_in_the_last,
    verify_raises_no_false_alarm_while_writers_commit
);
