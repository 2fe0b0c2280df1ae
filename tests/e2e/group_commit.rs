//! Group commit (issue 18, part 3): on SQLite, single commands that arrive
//! together share one transaction, each keeping its own result, conflict, refusal
//! and idempotency record. To make them arrive together for certain, the
//! first command's commit is held up by a lock another connection holds
//! (SQLite: the write lock; PostgreSQL: the first project's row), so the
//! others queue behind it and commit together when it is let go.

use std::sync::Arc;
use std::time::Duration;

use gradflow_engine::service::{Engine, Error, Kind, Outcome, ProjectStart, Request};

use crate::support::{Cohort, TestDb, day, holder, sample};

/// A connection holding what the first command's commit needs, until dropped.
enum Hold {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Hold {
    /// Takes SQLite's write lock, or PostgreSQL's lock on `project`'s row.
    async fn take(db: &TestDb, project: i64) -> Hold {
        use sqlx::{Connection, Executor};
        if db.is_sqlite() {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            conn.execute("BEGIN IMMEDIATE").await.unwrap();
            Hold::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            conn.execute("BEGIN").await.unwrap();
            sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
                .bind(project)
                .execute(&mut conn)
                .await
                .unwrap();
            Hold::Postgres(conn)
        }
    }

    /// Lets go (rolls back: it wrote nothing).
    async fn release(self) {
        use sqlx::Executor;
        match self {
            Hold::Sqlite(mut conn) => conn.execute("ROLLBACK").await.map(|_| ()),
            Hold::Postgres(mut conn) => conn.execute("ROLLBACK").await.map(|_| ()),
        }
        .unwrap();
    }
}

/// `count` projects of a fresh graduation-service cohort, started together.
async fn projects(engine: &Engine, count: usize) -> (Cohort, Vec<i64>) {
    let cohort = Cohort::set_up(engine, "graduation-service").await;
    let starts: Vec<ProjectStart> = (0..count)
        .map(|i| ProjectStart {
            title: format!("group {i}"),
            members: cohort.members(),
        })
        .collect();
    let ids = engine
        .start_projects(&cohort.name, &starts, day(1))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.unwrap().project)
        .collect();
    (cohort, ids)
}

/// The trainee's submission of a project (its proposal form), seen at `version`.
fn submit(cohort: &Cohort, version: Option<u64>, key: Option<&str>) -> Request {
    Request {
        action: "submit".into(),
        fields: sample(&cohort.workflow.forms["proposal"]),
        expected_version: version,
        idempotency_key: key.map(Into::into),
        ..Request::default()
    }
}

type Run = tokio::task::JoinHandle<Result<Outcome, Error>>;

/// Runs `request` as `who` on `project` in a task of its own.
fn run(engine: &Arc<Engine>, project: i64, who: &str, request: Request) -> Run {
    let (engine, who) = (engine.clone(), who.to_owned());
    tokio::spawn(async move { engine.act(project, &who, request, day(2)).await })
}

/// Runs `first` while its commit is held up, then `others`, lets go and
/// returns every result in order, with the group committer's counts
/// (transactions, commands) over the run.
async fn together(
    db: &TestDb,
    engine: &Arc<Engine>,
    held: i64,
    first: (i64, &str, Request),
    others: Vec<(i64, &str, Request)>,
) -> (Vec<Result<Outcome, Error>>, (u64, u64)) {
    let before = engine.group_commits();
    let hold = Hold::take(db, held).await;
    let mut runs = vec![run(engine, first.0, first.1, first.2)];
    // The first command reaches its commit and waits on the lock...
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (project, who, request) in others {
        runs.push(run(engine, project, who, request));
    }
    // ... while the others are decided and queue behind it.
    tokio::time::sleep(Duration::from_millis(700)).await;
    hold.release().await;
    let mut results = Vec::new();
    for r in runs {
        results.push(r.await.unwrap());
    }
    let after = engine.group_commits();
    (results, (after.0 - before.0, after.1 - before.1))
}

/// 20 commands on 20 projects arriving together: all committed, each with
/// its own outcome, in fewer transactions than commands.
async fn twenty_commands_commit_together_each_with_its_own_outcome(db: &TestDb) {
    let engine = Arc::new(db.engine().await);
    let (cohort, ids) = projects(&engine, 20).await;
    let trainee = holder("trainee", 1);
    let others = ids[1..]
        .iter()
        .map(|id| (*id, trainee.as_str(), submit(&cohort, None, None)))
        .collect();
    let (results, (transactions, commands)) = together(
        db,
        &engine,
        ids[0],
        (ids[0], &trainee, submit(&cohort, None, None)),
        others,
    )
    .await;
    // On PostgreSQL each command commits in its own transaction (the
    // server runs them side by side); the outcomes must be the same.
    if db.is_sqlite() {
        assert_eq!(commands, 20, "every command went through the committer");
        assert!(
            transactions < commands,
            "commands arriving together share transactions ({transactions} for {commands})"
        );
    }
    for (id, result) in ids.iter().zip(results) {
        let outcome = result.unwrap_or_else(|e| panic!("project {id}: {e}"));
        assert_eq!(outcome.project, *id, "each command gets its own outcome");
        assert_eq!(outcome.stage, "endorsement");
        assert!(!outcome.replayed);
        let view = engine.view(*id).await.unwrap();
        assert_eq!(view.record.state.version, outcome.version);
        assert_eq!(view.record.state.stage, "endorsement");
        assert!(
            engine.messages(*id).await.unwrap().len() >= outcome.notifications,
            "project {id}'s messages are queued"
        );
    }
    let report = engine.verify_audit().await.unwrap();
    assert!(!report.is_broken(), "{report:?}");
}

/// Two commands on one project from the same version in one transaction:
/// one wins, the other is a conflict; a refused command among them
/// changes nothing and holds back nobody; the same idempotency key sent
/// twice in one transaction is applied once and replayed once.
async fn conflicts_refusals_and_keys_stay_each_commands_own(db: &TestDb) {
    let engine = Arc::new(db.engine().await);
    let (cohort, ids) = projects(&engine, 5).await;
    let trainee = holder("trainee", 1);
    let version = engine.view(ids[1]).await.unwrap().record.state.version;
    let refused_before = engine.view(ids[2]).await.unwrap().record.state.version;
    let endorse = Request {
        action: "endorse".into(),
        ..Request::default()
    };
    let others = vec![
        // Two on one project, both from the version seen.
        (
            ids[1],
            trainee.as_str(),
            submit(&cohort, Some(version), None),
        ),
        (
            ids[1],
            trainee.as_str(),
            submit(&cohort, Some(version), None),
        ),
        // Not possible in the proposal stage: refused.
        (ids[2], trainee.as_str(), endorse),
        // The same key twice.
        (
            ids[3],
            trainee.as_str(),
            submit(&cohort, None, Some("twice")),
        ),
        (
            ids[3],
            trainee.as_str(),
            submit(&cohort, None, Some("twice")),
        ),
        (ids[4], trainee.as_str(), submit(&cohort, None, None)),
    ];
    let (results, (_, commands)) = together(
        db,
        &engine,
        ids[0],
        (ids[0], &trainee, submit(&cohort, None, None)),
        others,
    )
    .await;
    if db.is_sqlite() {
        assert!(
            commands >= 5,
            "the decided commands went through the committer"
        );
    }
    let mut results = results.into_iter();
    results.next().unwrap().expect("the held command commits");
    let (a, b) = (results.next().unwrap(), results.next().unwrap());
    let (won, lost) = match (&a, &b) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        _ => panic!("one of two commands from one version must win: {a:?} {b:?}"),
    };
    assert_eq!(
        won.version,
        engine.view(ids[1]).await.unwrap().record.state.version,
        "the winner's decision is stored"
    );
    assert_eq!(lost.kind(), Kind::Conflict, "{lost}");
    let refused = results
        .next()
        .unwrap()
        .expect_err("endorse is not possible here");
    assert_ne!(refused.kind(), Kind::Internal, "{refused}");
    assert_eq!(
        engine.view(ids[2]).await.unwrap().record.state.version,
        refused_before,
        "a refused command changes nothing"
    );
    let first = results.next().unwrap().expect("a keyed command commits");
    let second = results.next().unwrap().expect("its retry replays");
    assert_eq!(
        [first.replayed, second.replayed]
            .iter()
            .filter(|r| **r)
            .count(),
        1,
        "one applied, one replayed: {first:?} {second:?}"
    );
    assert_eq!(first.version, second.version);
    results.next().unwrap().expect("the last command commits");
    assert_eq!(
        engine.history(ids[3]).await.unwrap().len(),
        engine.history(ids[4]).await.unwrap().len(),
        "the keyed command's events are written once, as an unkeyed one's"
    );
    let report = engine.verify_audit().await.unwrap();
    assert!(!report.is_broken(), "{report:?}");
}

/// A lone command does not wait for company: with nothing else queued it
/// commits in a transaction of its own, at once (on PostgreSQL without
/// the committer at all).
async fn a_lone_command_commits_alone(db: &TestDb) {
    let engine = Arc::new(db.engine().await);
    let (cohort, ids) = projects(&engine, 3).await;
    let trainee = holder("trainee", 1);
    for id in ids {
        let before = engine.group_commits();
        engine
            .act(id, &trainee, submit(&cohort, None, None), day(2))
            .await
            .unwrap();
        let after = engine.group_commits();
        let expected = if db.is_sqlite() { (1, 1) } else { (0, 0) };
        assert_eq!((after.0 - before.0, after.1 - before.1), expected);
    }
}

/// The environment variable that makes [`child_running_commands`] run:
/// the database URL, then the projects, comma-separated.
const CHILD: &str = "GRADFLOW_GROUP_COMMIT_CHILD";

/// The process [`a_kill_9_loses_no_acknowledged_command`] kills: 8 clients
/// of one engine going round their projects (submit, request changes),
/// printing `ack PROJECT VERSION` once each command is acknowledged. It does
/// nothing unless started by that test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_running_commands() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut parts = spec.split(' ');
    let url = parts.next().unwrap().to_owned();
    let projects: Vec<i64> = parts.map(|p| p.parse().unwrap()).collect();
    let engine = Arc::new(Engine::connect(&url).await.unwrap());
    let cohort = Cohort {
        workflow: gradflow_engine::definition::load(&crate::support::bundled("graduation-service"))
            .unwrap()
            .workflow,
        name: String::new(),
        program: String::new(),
    };
    let proposal = sample(&cohort.workflow.forms["proposal"]);
    let mut clients = Vec::new();
    for mine in projects.chunks(projects.len().div_ceil(8)) {
        let (engine, mine, proposal) = (engine.clone(), mine.to_vec(), proposal.clone());
        clients.push(tokio::spawn(async move {
            let (trainee, supervisor) = (holder("trainee", 1), holder("supervisor", 1));
            for round in 0.. {
                for project in &mine {
                    let (who, request) = if round % 2 == 0 {
                        (
                            &trainee,
                            Request {
                                action: "submit".into(),
                                fields: proposal.clone(),
                                ..Request::default()
                            },
                        )
                    } else {
                        (
                            &supervisor,
                            Request {
                                action: "request_changes".into(),
                                comment: Some("more detail".into()),
                                ..Request::default()
                            },
                        )
                    };
                    let outcome = engine.act(*project, who, request, day(2)).await.unwrap();
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {} {}", outcome.project, outcome.version).unwrap();
                    out.flush().unwrap();
                }
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
}

/// `kill -9` of a process whose commands share transactions: every command
/// it acknowledged is in the database afterwards, and the log verifies.
async fn a_kill_9_loses_no_acknowledged_command(db: &TestDb) {
    use std::io::BufRead;
    let engine = db.engine().await;
    let (_, ids) = projects(&engine, 24).await;
    let spec = std::iter::once(db.url.clone())
        .chain(ids.iter().map(i64::to_string))
        .collect::<Vec<_>>()
        .join(" ");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "group_commit::child_running_commands",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD, spec)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut acked: std::collections::HashMap<i64, u64> = std::collections::HashMap::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut count = 0;
    while count < 150 {
        let Some(Ok(line)) = lines.next() else { break };
        let Some(rest) = line.strip_prefix("ack ") else {
            continue;
        };
        let (project, version) = rest.split_once(' ').unwrap();
        let version: u64 = version.parse().unwrap();
        let seen = acked.entry(project.parse().unwrap()).or_default();
        *seen = (*seen).max(version);
        count += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        count, 150,
        "the child acknowledged commands before it was killed"
    );
    // What was in the pipe when it died was acknowledged too.
    for line in lines.map_while(Result::ok) {
        if let Some((project, version)) = line.strip_prefix("ack ").and_then(|r| r.split_once(' '))
        {
            let seen = acked.entry(project.parse().unwrap()).or_default();
            *seen = (*seen).max(version.parse().unwrap());
        }
    }
    let after = db.engine().await;
    for (project, version) in &acked {
        let stored = after.view(*project).await.unwrap().record.state.version;
        assert!(
            stored >= *version,
            "project {project}: version {version} was acknowledged, {stored} is stored"
        );
    }
    let report = after.verify_audit().await.unwrap();
    assert!(!report.is_broken(), "{report:?}");
}

crate::support::on_both!(
    twenty_commands_commit_together_each_with_its_own_outcome,
    conflicts_refusals_and_keys_stay_each_commands_own,
    a_lone_command_commits_alone,
    a_kill_9_loses_no_acknowledged_command,
);
