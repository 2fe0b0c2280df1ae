//! Many real `gradflow` processes at once against one database, as happens
//! when several people (or scripts, or nodes) use the same institute's data:
//! cohort capacity, pinned workflow text, the audit, idempotency keys, first
//! use of a new SQLite file and PostgreSQL row locks hold up under them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[path = "spawn.rs"]
pub(crate) mod spawn;

use crate::support::{self, Kind, TestDb};
use spawn::{
    COORDINATOR, PROPOSAL, Run, SUPERVISOR, act, act_args, args, at_once, at_once_within,
    create_cohort, names_project, ok, projects_of, run, set_up_service, show, start_args,
    start_project, trainee,
};

/// Every run, for failure messages.
fn listing<'a>(runs: impl IntoIterator<Item = &'a Run>) -> String {
    runs.into_iter()
        .map(|r| r.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `list` as borrowed arguments, for the single-run helpers.
fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

/// 20 trainees start projects at the same moment in cohorts of 5: exactly 5
/// get a place in each, the others are told the cohort is full.
async fn a_cohort_never_takes_more_projects_than_its_capacity(db: &TestDb) {
    set_up_service(db, 20);
    for round in 1..=5 {
        let cohort = format!("Capacity {round}");
        create_cohort(db, &cohort, 5, &[]);
        let runs = at_once(
            db,
            (1..=20)
                .map(|n| start_args(&cohort, &format!("Round {round}, trainee {n}"), n))
                .collect(),
        );
        let (won, lost): (Vec<&Run>, Vec<&Run>) = runs.iter().partition(|r| r.ok());
        let odd: Vec<&Run> = lost
            .iter()
            .copied()
            .filter(|r| r.hung || r.code.is_none() || !r.stderr.contains("is full"))
            .collect();
        assert!(
            odd.is_empty(),
            "round {round}: a refused start says the cohort is full:\n{}",
            listing(odd)
        );
        let stored = projects_of(db, &cohort);
        assert!(
            won.len() == 5 && stored.len() == 5,
            "round {round}: {} of 20 simultaneous starts got a place in a cohort of capacity 5, which now holds {} projects",
            won.len(),
            stored.len()
        );
        let started: BTreeSet<i64> = won.iter().map(|r| spawn::project_id(r)).collect();
        assert_eq!(
            started,
            stored.iter().copied().collect::<BTreeSet<_>>(),
            "round {round}: the stored projects are the ones reported started"
        );
    }
}

/// A one-stage-and-done workflow `key` v1 whose start stage is `stage`.
fn tiny_workflow(dir: &Path, key: &str, stage: &str, title: &str) -> PathBuf {
    let file = dir.join(format!("{key}-{stage}.yaml"));
    std::fs::write(
        &file,
        format!(
            "key: {key}\nversion: 1\ntitle: Race {key}\nroles: [trainee]\nstart: {stage}\nstages:\n  {stage}:\n    title: {title}\n    actions:\n      go: {{ by: trainee, to: done }}\n  done: {{ title: Done, terminal: true }}\n"
        ),
    )
    .unwrap();
    file
}

/// Projects start while others publish edited text under the same (key,
/// version): every project stays on text that has its stage, and once a
/// project exists that version no longer changes.
async fn publishing_an_edit_never_strands_a_starting_project(db: &TestDb) {
    ok(db, &["migrate"]);
    ok(db, &["person", "add", &trainee(1), "--name", "Trainee 1"]);
    let dir = tempfile::tempdir().unwrap();
    for round in 1..=3 {
        let key = format!("race-{round}");
        let draft = tiny_workflow(dir.path(), &key, "draft", "Draft");
        let sketch = tiny_workflow(dir.path(), &key, "sketch", "Sketch");
        let outline = tiny_workflow(dir.path(), &key, "outline", "Outline");
        let (draft, sketch, outline) = (
            draft.display().to_string(),
            sketch.display().to_string(),
            outline.display().to_string(),
        );
        let program = format!("program-{round}");
        let cohort = format!("Race {round}");
        ok(db, &["workflow", "publish", &draft]);
        ok(
            db,
            &[
                "program",
                "create",
                &program,
                "--title",
                "Race",
                "--workflow",
                &key,
            ],
        );
        ok(
            db,
            &[
                "cohort",
                "create",
                &cohort,
                "--program",
                &program,
                "--time-zone",
                "Asia/Muscat",
                "--capacity",
                "100",
            ],
        );
        // Starts and publishes of the two texts interleaved, so they overlap.
        let mut commands = Vec::new();
        for n in 0..10 {
            let edit = if n % 2 == 0 { &sketch } else { &draft };
            commands.push(args(&["workflow", "publish", edit]));
            commands.push(args(&[
                "--json",
                "project",
                "start",
                "--cohort",
                &cohort,
                "--title",
                &format!("Project {n}"),
                "--member",
                &format!("trainee={}", trainee(1)),
            ]));
        }
        let runs = at_once(db, commands);
        let (starts, publishes): (Vec<&Run>, Vec<&Run>) = runs
            .iter()
            .partition(|r| r.args.iter().any(|a| a == "start"));
        let failed: Vec<&&Run> = starts.iter().filter(|r| !r.ok()).collect();
        assert!(
            failed.is_empty(),
            "round {round}: every start succeeds:\n{}",
            listing(failed.into_iter().copied())
        );
        let ids = projects_of(db, &cohort);
        assert_eq!(ids.len(), 10, "round {round}: {ids:?}");
        let shown = at_once(
            db,
            ids.iter()
                .map(|id| args(&["project", "show", &id.to_string()]))
                .collect(),
        );
        let stranded: Vec<&Run> = shown
            .iter()
            .filter(|r| !r.ok() || r.stdout.contains("stage     ? ["))
            .collect();
        let went = at_once(
            db,
            ids.iter()
                .map(|id| act_args(*id, "go", &trainee(1), &[]))
                .collect(),
        );
        let stuck: Vec<&Run> = went
            .iter()
            .filter(|r| !r.ok() || r.json()["stage"] != "done")
            .collect();
        assert!(
            stranded.is_empty() && stuck.is_empty(),
            "round {round}: {} of 10 projects are in a stage their pinned definition lacks, {} cannot be acted on:\n{}\n{}",
            stranded.len(),
            stuck.len(),
            listing(stranded),
            listing(stuck)
        );
        let in_use = format!("{key} version 1 already has");
        for r in publishes {
            assert!(
                r.ok() || (!r.hung && r.stderr.contains(&in_use)),
                "round {round}: a publish goes through, or is refused because projects use the version:\n{r}"
            );
        }
        let refused = run(db, &["workflow", "publish", &outline]);
        assert!(
            !refused.ok() && refused.stderr.contains(&in_use),
            "round {round}: a version with projects cannot change:\n{refused}"
        );
    }
}

/// `audit verify` run over and over while others act on projects never
/// reports a break; a project row moved to `certified` behind the product's
/// back is caught, naming the project.
async fn audit_verify_raises_no_false_alarm_but_catches_a_forged_stage(db: &TestDb) {
    set_up_service(db, 2);
    create_cohort(db, "Audit", 12, &[]);
    let ids: Vec<i64> = (1..=2)
        .map(|n| start_project(db, "Audit", &format!("Audited {n}"), n))
        .collect();
    let stop = AtomicBool::new(false);
    let (verifies, writes) = std::thread::scope(|scope| {
        let writers: Vec<_> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let stop = &stop;
                scope.spawn(move || {
                    let mut runs = Vec::new();
                    // Bounded even if the verifier stalls: 60 cycles at most.
                    for _ in 0..60 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        runs.extend(at_once(
                            db,
                            vec![act_args(*id, "submit", &trainee(i + 1), PROPOSAL)],
                        ));
                        runs.extend(at_once(
                            db,
                            vec![act_args(
                                *id,
                                "request_changes",
                                SUPERVISOR,
                                &["--comment", "More detail"],
                            )],
                        ));
                    }
                    runs
                })
            })
            .collect();
        let verifies: Vec<Run> = (0..30).map(|_| run(db, &["audit", "verify"])).collect();
        stop.store(true, Ordering::Relaxed);
        let writes: Vec<Run> = writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer thread"))
            .collect();
        (verifies, writes)
    });
    let alarms: Vec<&Run> = verifies.iter().filter(|r| !r.ok()).collect();
    assert!(
        alarms.is_empty(),
        "{} of 30 audit runs reported a break while others wrote (nobody tampered):\n{}",
        alarms.len(),
        listing(alarms)
    );
    let failed: Vec<&Run> = writes.iter().filter(|r| !r.ok()).collect();
    assert!(
        failed.is_empty(),
        "each project has one writer, so no act fails:\n{}",
        listing(failed)
    );
    assert!(
        writes.len() >= 8,
        "the audit ran while others wrote ({} acts)",
        writes.len()
    );
    assert!(ok(db, &["audit", "verify"]).stdout.contains("audit: ok"));

    let forged = ids[1];
    let changed = crate::store_suite::raw_exec(
        db,
        "UPDATE projects SET stage = 'certified',
             state = REPLACE(state, '\"stage\":\"' || stage || '\"', '\"stage\":\"certified\"')
         WHERE id = $1",
        forged,
    )
    .await
    .expect("the project row can be edited directly");
    assert_eq!(changed, 1);
    assert_eq!(
        show(db, forged)["stage"],
        "certified",
        "the forgery shows to users"
    );
    let caught = run(db, &["audit", "verify"]);
    assert!(
        caught.code == Some(1) && names_project(&caught.stderr, forged),
        "audit verify must fail naming project {forged}, whose stored stage its events do not give:\n{caught}"
    );
}

/// 20 copies of the same request with the same idempotency key, sent at
/// once, apply it once and all report the same result; the key cannot be
/// reused for anything else.
async fn an_idempotency_key_applies_a_request_once(db: &TestDb) {
    set_up_service(db, 1);
    create_cohort(db, "Retries", 12, &[]);
    let one = start_project(db, "Retries", "First", 1);
    let two = start_project(db, "Retries", "Second", 1);
    for id in [one, two] {
        act(db, id, "submit", &trainee(1), PROPOSAL);
        act(db, id, "endorse", SUPERVISOR, &[]);
    }
    let visit = [
        "--field",
        "visited_on=2026-03-01",
        "--field",
        "waiting_minutes=30",
        "--field",
        "observations=A long queue at the counter",
        "--idempotency-key",
        "visit-before-1",
    ];
    let before = show(db, one);
    let (version, history) = (
        before["version"].as_u64().unwrap(),
        before["history"].as_array().unwrap().len(),
    );
    let runs = at_once(
        db,
        (0..20)
            .map(|_| act_args(one, "visit_before.submit", &trainee(1), &visit))
            .collect(),
    );
    assert!(
        runs.iter().all(Run::ok),
        "every retry of the same request succeeds:\n{}",
        listing(runs.iter().filter(|r| !r.ok()))
    );
    let versions: BTreeSet<u64> = runs
        .iter()
        .map(|r| r.json()["version"].as_u64().unwrap())
        .collect();
    assert_eq!(
        versions,
        BTreeSet::from([version + 1]),
        "all report the one resulting version"
    );
    let after = show(db, one);
    let applied = runs[0].json()["changes"].as_array().unwrap().len();
    assert_eq!(after["version"].as_u64(), Some(version + 1), "applied once");
    assert_eq!(
        after["history"].as_array().unwrap().len(),
        history + applied,
        "the request's events are recorded once"
    );

    let untouched = show(db, two);
    let cases = [
        ("another project", two, "visit_before.submit"),
        ("another action", one, "visit_after.submit"),
    ];
    for (what, id, action) in cases {
        let reused = run(db, &strs(&act_args(id, action, &trainee(1), &visit)));
        let said = reused.stderr.to_lowercase();
        assert!(
            !reused.ok() && !reused.hung && said.contains("already") && said.contains("used"),
            "reusing the key for {what} is refused, saying the key was already used for another request:\n{reused}"
        );
    }
    assert_eq!(
        show(db, one),
        after,
        "the refused reuse changed project {one}"
    );
    assert_eq!(
        show(db, two),
        untouched,
        "the refused reuse changed project {two}"
    );
    let retry = run(
        db,
        &strs(&act_args(one, "visit_before.submit", &trainee(1), &visit)),
    );
    assert!(
        retry.ok() && retry.json()["version"].as_u64() == Some(version + 1),
        "{retry}"
    );
}

/// A cohort whose weekend is Friday and Saturday says so; the default is
/// Saturday and Sunday.
async fn a_cohort_can_rest_on_friday_and_saturday(db: &TestDb) {
    set_up_service(db, 0);
    create_cohort(db, "Gulf 2026", 12, &["--weekend", "fri,sat"]);
    create_cohort(db, "Usual 2026", 12, &[]);
    let weekend = |cohort: &str| {
        let shown = ok(db, &["cohort", "show", cohort]).stdout;
        shown
            .lines()
            .find(|l| l.to_lowercase().contains("weekend"))
            .unwrap_or_else(|| panic!("cohort show prints the weekend:\n{shown}"))
            .to_lowercase()
    };
    let gulf = weekend("Gulf 2026");
    assert!(
        gulf.contains("fri") && gulf.contains("sat") && !gulf.contains("sun"),
        "{gulf}"
    );
    let usual = weekend("Usual 2026");
    assert!(
        usual.contains("sat") && usual.contains("sun") && !usual.contains("fri"),
        "{usual}"
    );
    let bad = run(
        db,
        &[
            "cohort",
            "create",
            "Odd 2026",
            "--program",
            spawn::PROGRAM,
            "--time-zone",
            "Asia/Muscat",
            "--date",
            "proposal_due=2026-02-15",
            "--date",
            "implementation_end=2026-05-31",
            "--date",
            "presentation_day=2026-06-15",
            "--coordinator",
            COORDINATOR,
            "--weekend",
            "fri,funday",
        ],
    );
    assert!(!bad.ok() && !bad.hung, "an unknown day is refused:\n{bad}");
    assert!(
        !run(db, &["cohort", "show", "Odd 2026"]).ok(),
        "the refused cohort was not created"
    );
}

crate::support::on_both!(
    a_cohort_never_takes_more_projects_than_its_capacity,
    publishing_an_edit_never_strands_a_starting_project,
    audit_verify_raises_no_false_alarm_but_catches_a_forged_stage,
    an_idempotency_key_applies_a_request_once,
    a_cohort_can_rest_on_friday_and_saturday,
);

/// 20 processes open a brand-new SQLite file at once (each migrates it on
/// first use): all succeed. Several rounds, each on a new file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_many_processes_open_a_new_database_at_once() {
    for round in 1..=3 {
        let db = TestDb::new(Kind::Sqlite).await.unwrap();
        let mut commands = vec![args(&["migrate"]); 17];
        commands.push(args(&["workflow", "list"]));
        commands.push(args(&["person", "list"]));
        commands.push(args(&["audit", "verify"]));
        let runs = at_once(&db, commands);
        assert!(
            runs.iter().all(Run::ok),
            "round {round}: every first use of a new database succeeds:\n{}",
            listing(runs.iter().filter(|r| !r.ok()))
        );
        assert!(
            ok(&db, &["workflow", "list"])
                .stdout
                .contains("no workflows published yet")
        );
    }
}

/// Several processes publish the three bundled workflows at once on one
/// SQLite file: all succeed, and each (key, version) is created exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_many_processes_publish_the_bundled_workflows_at_once() {
    let files: Vec<String> = support::BUNDLED
        .iter()
        .map(|k| support::bundled(k).display().to_string())
        .collect();
    for round in 1..=3 {
        let db = TestDb::new(Kind::Sqlite).await.unwrap();
        ok(&db, &["migrate"]);
        let mut publish = args(&["workflow", "publish"]);
        publish.extend(files.iter().cloned());
        let runs = at_once(&db, vec![publish; 8]);
        assert!(
            runs.iter().all(Run::ok),
            "round {round}: every publish succeeds:\n{}",
            listing(runs.iter().filter(|r| !r.ok()))
        );
        for key in support::BUNDLED {
            let version = gradflow_engine::definition::load(&support::bundled(key))
                .unwrap()
                .workflow
                .version;
            let created = runs
                .iter()
                .filter(|r| r.stdout.contains(&format!("{key} v{version}: created")))
                .count();
            assert_eq!(
                created,
                1,
                "round {round}: {key} v{version} is created once, unchanged after:\n{}",
                listing(&runs)
            );
        }
        let list = ok(&db, &["workflow", "list"]).stdout;
        assert_eq!(list.lines().count(), 3, "{list}");
    }
}

/// Another connection holds a project's row lock (an open `SELECT ... FOR
/// UPDATE`): `project act` on it gives up after a bounded wait, saying the
/// project is busy and to try again, and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_an_act_on_a_locked_project_gives_up_and_says_try_again() {
    use sqlx::Connection;
    let Some(db) = TestDb::new(Kind::Postgres).await else {
        return;
    };
    set_up_service(&db, 1);
    create_cohort(&db, "Locked", 12, &[]);
    let id = start_project(&db, "Locked", "Locked out", 1);
    let before = show(&db, id);

    let mut holder = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut tx = holder.begin().await.unwrap();
    sqlx::query("SELECT id FROM projects WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    let started = Instant::now();
    let patience = Duration::from_secs(20);
    let blocked = tokio::task::block_in_place(|| {
        at_once_within(
            &db,
            vec![act_args(id, "submit", &trainee(1), PROPOSAL)],
            patience,
        )
        .pop()
        .unwrap()
    });
    let waited = started.elapsed();
    tx.rollback().await.unwrap();
    assert!(
        !blocked.hung,
        "project act waited on the row lock for {patience:?} and was killed:\n{blocked}"
    );
    let said = blocked.stderr.to_lowercase();
    assert!(
        !blocked.ok()
            && (said.contains("busy") || said.contains("locked"))
            && (said.contains("try again") || said.contains("retry")),
        "after {waited:?}: the act is refused saying the project is busy, try again:\n{blocked}"
    );
    assert_eq!(show(&db, id), before, "the refused act changed nothing");
    act(&db, id, "submit", &trainee(1), PROPOSAL);
}
