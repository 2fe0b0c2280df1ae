//! Workflow versions per cohort, through the `gradflow` binary on SQLite
//! and PostgreSQL: a cohort keeps the version it was created with when a
//! newer one is published (a new cohort takes the newer), `cohort pin`
//! moves it, `workflow migrate` moves running projects with a stage
//! mapping in one transaction (their logs say so, `audit verify` passes,
//! later actions follow the new version), a bad mapping changes nothing,
//! and a migration racing actions from several processes loses nothing.

use std::path::{Path, PathBuf};

use crate::processes::spawn::{
    self, COORDINATOR, PROPOSAL, SUPERVISOR, act, act_args, args, ok, run, show,
};
use crate::support::{self, Kind, TestDb};

/// Version 2 of the bundled graduation-service workflow, in its own folder
/// with the templates: the supervisor's endorsement stage is renamed
/// `supervisor_review`, and there the coordinator (not the supervisor)
/// endorses.
fn version_two(dir: &Path) -> PathBuf {
    let source = support::bundled("graduation-service");
    let folder = source.parent().unwrap();
    let target = dir.join("graduation-service-v2");
    std::fs::create_dir_all(target.join("templates")).unwrap();
    for entry in std::fs::read_dir(folder.join("templates")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            target.join("templates").join(entry.file_name()),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(&source).unwrap();
    let endorse =
        "endorse: { title: { en: Endorse the proposal, ar: اعتماد المقترح }, by: supervisor,";
    assert!(
        text.contains(endorse),
        "the bundled workflow lets the supervisor endorse"
    );
    let text = text
        .replacen("version: 1", "version: 2", 1)
        .replace("endorsement", "supervisor_review")
        .replace(
            endorse,
            "endorse: { title: { en: Endorse the proposal, ar: اعتماد المقترح }, by: coordinator,",
        );
    let file = target.join("workflow.yaml");
    std::fs::write(&file, text).unwrap();
    file
}

/// The service set up with cohort `A` (created while only version 1 is
/// published) and version 2 published afterwards.
async fn set_up(kind: Kind, trainees: usize) -> Option<(TestDb, tempfile::TempDir)> {
    let db = TestDb::new(kind).await?;
    spawn::set_up_service(&db, trainees);
    spawn::create_cohort(&db, "A", 50, &[]);
    let dir = tempfile::tempdir().unwrap();
    let v2 = version_two(dir.path());
    ok(&db, &["workflow", "publish", &v2.display().to_string()]);
    Some((db, dir))
}

fn workflow_version(db: &TestDb, project: i64) -> i64 {
    show(db, project)["workflow"]["version"].as_i64().unwrap()
}

fn cohort_version(db: &TestDb, cohort: &str) -> i64 {
    ok(db, &["--json", "cohort", "show", cohort]).json()["cohort"]["workflow_version"]
        .as_i64()
        .unwrap()
}

fn types(project: &serde_json::Value) -> Vec<String> {
    project["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"]["type"].as_str().unwrap().to_owned())
        .collect()
}

fn audit_ok(db: &TestDb) {
    let report = ok(db, &["--json", "audit", "verify"]).json();
    assert!(report["broken"].is_null(), "audit verify passes: {report}");
}

async fn a_cohort_keeps_its_version(kind: Kind) {
    let Some((db, _dir)) = set_up(kind, 4).await else {
        return;
    };
    // Cohort A was created on version 1: a project started after version 2
    // was published still starts on 1.
    assert_eq!(cohort_version(&db, "A"), 1);
    let first = spawn::start_project(&db, "A", "Queue", 1);
    assert_eq!(workflow_version(&db, first), 1);
    // A new cohort takes the newer version.
    spawn::create_cohort(&db, "B", 50, &[]);
    assert_eq!(cohort_version(&db, "B"), 2);
    let other = spawn::start_project(&db, "B", "Forms", 2);
    assert_eq!(workflow_version(&db, other), 2);
    // Pins that cannot be: no such version, another workflow, a person who
    // does not coordinate the cohort. Each changes nothing.
    let before = support::snapshot(&db).await;
    let missing = run(&db, &["cohort", "pin", "A", "--version", "7"]);
    assert!(
        !missing.ok() && missing.stderr.contains("no version 7"),
        "{missing}"
    );
    let foreign = run(
        &db,
        &[
            "cohort",
            "pin",
            "A",
            "--version",
            "2",
            "--workflow",
            "service-improvement",
        ],
    );
    assert!(
        !foreign.ok() && foreign.stderr.contains("cannot change workflow"),
        "{foreign}"
    );
    let stranger = run(
        &db,
        &["cohort", "pin", "A", "--version", "2", "--by", SUPERVISOR],
    );
    assert!(
        !stranger.ok() && stranger.stderr.contains("does not coordinate"),
        "{stranger}"
    );
    support::assert_unchanged(&db, &before, "refused pins").await;
    // The coordinator moves cohort A: its next project starts on 2, the
    // running one stays on 1, and the pin is recorded.
    ok(
        &db,
        &[
            "cohort",
            "pin",
            "A",
            "--version",
            "2",
            "--workflow",
            "graduation-service",
            "--by",
            COORDINATOR,
        ],
    );
    assert_eq!(cohort_version(&db, "A"), 2);
    let second = spawn::start_project(&db, "A", "Records", 3);
    assert_eq!(workflow_version(&db, second), 2);
    assert_eq!(workflow_version(&db, first), 1);
    let shown = ok(&db, &["cohort", "show", "A"]).stdout;
    assert!(
        shown.contains("version 2 (new projects start on it)"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("pin version 2 (was 1) by {COORDINATOR}")),
        "{shown}"
    );
    audit_ok(&db);
}

async fn migrate_moves_running_projects(kind: Kind) {
    let Some((db, dir)) = set_up(kind, 4).await else {
        return;
    };
    // Project 1 at the proposal, project 2 at the supervisor's
    // endorsement, project 3 withdrawn (finished).
    let at_proposal = spawn::start_project(&db, "A", "Queue", 1);
    let at_endorsement = spawn::start_project(&db, "A", "Forms", 2);
    act(&db, at_endorsement, "submit", &spawn::trainee(2), PROPOSAL);
    let withdrawn = spawn::start_project(&db, "A", "Records", 3);
    act(
        &db,
        withdrawn,
        "withdraw",
        &spawn::trainee(3),
        &["--comment", "moving away"],
    );

    // Refused mappings change nothing: endorsement is not in version 2 and
    // nothing maps it; a mapping to a stage version 2 lacks; into an ending.
    let before = support::snapshot(&db).await;
    let migrate = |extra: &[&str]| {
        let mut list = vec!["workflow", "migrate", "--cohort", "A", "--to-version", "2"];
        list.extend_from_slice(extra);
        run(&db, &list)
    };
    let missing = migrate(&[]);
    assert!(!missing.ok(), "{missing}");
    assert!(
        missing.stderr.contains("nothing was moved") && missing.stderr.contains("endorsement"),
        "{missing}"
    );
    let unknown = migrate(&[
        "--map",
        "endorsement=review",
        "--map",
        "endorsment=proposal",
    ]);
    assert!(!unknown.ok(), "{unknown}");
    assert!(
        unknown.stderr.contains("endorsement=review") && unknown.stderr.contains("endorsment"),
        "{unknown}"
    );
    let ending = migrate(&["--map", "endorsement=certified"]);
    assert!(
        !ending.ok() && ending.stderr.contains("ending stage"),
        "{ending}"
    );
    let twice = migrate(&[
        "--map",
        "endorsement=proposal",
        "--map",
        "endorsement=supervisor_review",
    ]);
    assert!(
        !twice.ok() && twice.stderr.contains("mapped twice"),
        "{twice}"
    );
    let beyond = migrate(&[
        "--map",
        "endorsement=supervisor_review",
        "--to-version",
        "3",
    ]);
    assert!(!beyond.ok(), "{beyond}");
    // A dry run says what would move, and changes nothing either.
    let dry = migrate(&["--map", "endorsement=supervisor_review", "--dry-run"]);
    assert!(dry.ok(), "{dry}");
    assert!(dry.stdout.contains("would move 2 project(s)"), "{dry}");
    assert!(
        dry.stdout.contains(&format!(
            "#{at_endorsement:<5} v1 endorsement -> v2 supervisor_review"
        )),
        "{dry}"
    );
    support::assert_unchanged(&db, &before, "refused migrations and a dry run").await;

    // The mapping from a file.
    let map = dir.path().join("map.txt");
    std::fs::write(
        &map,
        "# renamed in version 2\nendorsement = supervisor_review\n",
    )
    .unwrap();
    let done = ok(
        &db,
        &[
            "--json",
            "workflow",
            "migrate",
            "--cohort",
            "A",
            "--to-version",
            "2",
            "--map-file",
            &map.display().to_string(),
            "--by",
            COORDINATOR,
        ],
    )
    .json();
    assert_eq!(done["moved"].as_array().unwrap().len(), 2, "{done}");
    assert_eq!(done["left"], 1, "{done}");
    assert_eq!(cohort_version(&db, "A"), 2);

    let moved = show(&db, at_endorsement);
    assert_eq!(moved["workflow"]["version"], 2);
    assert_eq!(moved["stage"], "supervisor_review");
    let last = moved["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["change"],
        serde_json::json!({ "type": "migrated", "from_version": 1, "to_version": 2, "from_stage": "endorsement", "to_stage": "supervisor_review" })
    );
    assert_eq!(show(&db, at_proposal)["stage"], "proposal");
    assert!(types(&show(&db, at_proposal)).contains(&"migrated".to_owned()));
    let finished = show(&db, withdrawn);
    assert_eq!(
        finished["workflow"]["version"], 1,
        "a finished project stays on its version"
    );
    assert!(!types(&finished).contains(&"migrated".to_owned()));
    audit_ok(&db);

    // Version 2's rules from now on: the supervisor may no longer endorse,
    // the coordinator may; the project at the proposal moves to
    // supervisor_review.
    let refused = run(
        &db,
        &act_args(at_endorsement, "endorse", SUPERVISOR, &[])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(!refused.ok(), "{refused}");
    act(&db, at_endorsement, "endorse", COORDINATOR, &[]);
    assert_eq!(show(&db, at_endorsement)["stage"], "implementation");
    act(&db, at_proposal, "submit", &spawn::trainee(1), PROPOSAL);
    assert_eq!(show(&db, at_proposal)["stage"], "supervisor_review");
    audit_ok(&db);

    // Version 1 is still in the migrated projects' logs: its text can never
    // be replaced (its project count was kept).
    let v1 = support::raw_number(&db, "SELECT projects FROM definitions WHERE version = 1").await;
    let v2 = support::raw_number(&db, "SELECT projects FROM definitions WHERE version = 2").await;
    assert_eq!((v1, v2), (3, 2));
}

async fn a_migration_racing_actions_loses_nothing(kind: Kind) {
    const PROJECTS: usize = 8;
    let Some((db, _dir)) = set_up(kind, PROJECTS).await else {
        return;
    };
    let ids: Vec<i64> = (1..=PROJECTS)
        .map(|n| spawn::start_project(&db, "A", &format!("Project {n}"), n))
        .collect();
    // Every trainee submits while the coordinator migrates the cohort,
    // each in its own process, all at once.
    let mut commands: Vec<Vec<String>> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| act_args(*id, "submit", &spawn::trainee(i + 1), PROPOSAL))
        .collect();
    commands.insert(
        PROJECTS / 2,
        args(&[
            "workflow",
            "migrate",
            "--cohort",
            "A",
            "--to-version",
            "2",
            "--map",
            "endorsement=supervisor_review",
        ]),
    );
    for r in spawn::at_once(&db, commands) {
        assert!(r.ok(), "every command succeeds:\n{r}");
    }
    for id in &ids {
        let project = show(&db, *id);
        assert_eq!(project["workflow"]["version"], 2, "project {id} was moved");
        assert_eq!(project["stage"], "supervisor_review", "project {id}");
        let changes = types(&project);
        let count = |t: &str| changes.iter().filter(|c| *c == t).count();
        assert_eq!(count("action_taken"), 1, "project {id}: {changes:?}");
        assert_eq!(count("migrated"), 1, "project {id}: {changes:?}");
    }
    let on_two =
        support::raw_number(&db, "SELECT projects FROM definitions WHERE version = 2").await;
    assert_eq!(on_two, PROJECTS as i64);
    audit_ok(&db);
}

#[tokio::test]
async fn sqlite_a_cohort_keeps_its_version() {
    a_cohort_keeps_its_version(Kind::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_cohort_keeps_its_version() {
    a_cohort_keeps_its_version(Kind::Postgres).await;
}

#[tokio::test]
async fn sqlite_migrate_moves_running_projects() {
    migrate_moves_running_projects(Kind::Sqlite).await;
}

#[tokio::test]
async fn postgres_migrate_moves_running_projects() {
    migrate_moves_running_projects(Kind::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_migration_racing_actions_loses_nothing() {
    a_migration_racing_actions_loses_nothing(Kind::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_migration_racing_actions_loses_nothing() {
    a_migration_racing_actions_loses_nothing(Kind::Postgres).await;
}
