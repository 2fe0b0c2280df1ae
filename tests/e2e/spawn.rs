//! Running many real `gradflow` processes at once against one test database,
//! and the directory (people, program, cohorts) they need, set up through the
//! command line as a user would.

use std::fmt;
use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::{self, TestDb};

/// The instant every command acts at (as in the CLI tests).
const NOW: &str = "2026-02-01T06:00:00Z";

/// How long a batch of processes may take before the stragglers are killed
/// and reported as hung: a test never waits forever.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A finished (or killed) `gradflow` process.
pub struct Run {
    /// The arguments after `--db URL`.
    pub args: Vec<String>,
    /// Exit code; `None` when it was killed (see `hung`) or died of a signal.
    pub code: Option<i32>,
    /// Killed because it outlived its time limit.
    pub hung: bool,
    /// What it printed.
    pub stdout: String,
    /// What it printed on stderr (errors).
    pub stderr: String,
}

impl Run {
    /// Exited 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0)
    }

    /// Its stdout as JSON (for `--json` commands that succeeded).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{self}\nstdout is not JSON: {e}"))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let end = if self.hung {
            "killed after hanging".to_owned()
        } else {
            format!("exit {:?}", self.code)
        };
        write!(
            f,
            "$ gradflow {} -> {end}\n{}{}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        )
    }
}

impl fmt::Debug for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Owned arguments from string slices.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// A started process whose output is being drained by two threads.
struct Running {
    args: Vec<String>,
    child: Child,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn start(db: &TestDb, args: Vec<String>) -> Running {
    if std::env::var_os("TEST_LOG").is_some() {
        eprintln!("$ gradflow {}", args.join(" "));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradflow"))
        .arg("--db")
        .arg(&db.url)
        .args(&args)
        .env_remove("GRADFLOW_DATABASE_URL")
        .env("GRADFLOW_NOW", NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gradflow binary runs");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    Running {
        args,
        child,
        stdout,
        stderr,
    }
}

/// Starts every command at once, then waits for all of them (killing any
/// still running after `patience`); results in the order given.
pub fn at_once_within(db: &TestDb, commands: Vec<Vec<String>>, patience: Duration) -> Vec<Run> {
    let mut running: Vec<Running> = commands.into_iter().map(|a| start(db, a)).collect();
    let deadline = Instant::now() + patience;
    let mut codes: Vec<Option<Option<i32>>> = vec![None; running.len()];
    let mut hung = vec![false; running.len()];
    while codes.iter().any(Option::is_none) {
        for (i, r) in running.iter_mut().enumerate() {
            if codes[i].is_none()
                && let Some(status) = r.child.try_wait().expect("waiting for gradflow")
            {
                codes[i] = Some(status.code());
            }
        }
        if Instant::now() >= deadline {
            for (i, r) in running.iter_mut().enumerate() {
                if codes[i].is_none() {
                    let _ = r.child.kill();
                    let _ = r.child.wait();
                    codes[i] = Some(None);
                    hung[i] = true;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    running
        .into_iter()
        .zip(codes)
        .zip(hung)
        .map(|((r, code), hung)| Run {
            args: r.args,
            code: code.flatten(),
            hung,
            stdout: r.stdout.join().expect("stdout reader"),
            stderr: r.stderr.join().expect("stderr reader"),
        })
        .collect()
}

/// [`at_once_within`] with the default [`PATIENCE`].
pub fn at_once(db: &TestDb, commands: Vec<Vec<String>>) -> Vec<Run> {
    at_once_within(db, commands, PATIENCE)
}

/// Runs one command to its end (or [`PATIENCE`]).
pub fn run(db: &TestDb, list: &[&str]) -> Run {
    at_once(db, vec![args(list)]).pop().expect("one run")
}

/// Runs one command and requires success; returns it.
pub fn ok(db: &TestDb, list: &[&str]) -> Run {
    let r = run(db, list);
    assert!(r.ok(), "this should succeed:\n{r}");
    r
}

/// Email of test trainee `n`.
pub fn trainee(n: usize) -> String {
    format!("trainee{n}@health.example")
}

/// The supervisor on every project of these tests.
pub const SUPERVISOR: &str = "khalid@health.example";

/// The coordinator of every cohort of these tests.
pub const COORDINATOR: &str = "huda@institute.example";

/// The program running the bundled graduation-service workflow.
pub const PROGRAM: &str = "svc";

/// Publishes the bundled graduation-service workflow, registers `trainees`
/// trainees, a supervisor and a coordinator, and creates program [`PROGRAM`].
pub fn set_up_service(db: &TestDb, trainees: usize) {
    ok(db, &["migrate"]);
    let file = support::bundled("graduation-service");
    ok(db, &["workflow", "publish", &file.display().to_string()]);
    // Registered all at once: people sign up concurrently too.
    let mut people: Vec<Vec<String>> = (1..=trainees)
        .map(|n| {
            let name = format!("Trainee {n}");
            args(&[
                "person",
                "add",
                &trainee(n),
                "--name",
                &name,
                "--org",
                "Health",
            ])
        })
        .collect();
    people.push(args(&[
        "person", "add", SUPERVISOR, "--name", "Khalid", "--org", "Health",
    ]));
    people.push(args(&[
        "person",
        "add",
        COORDINATOR,
        "--name",
        "Huda",
        "--org",
        "Institute",
    ]));
    for r in at_once(db, people) {
        assert!(r.ok(), "registering people at once succeeds:\n{r}");
    }
    ok(
        db,
        &[
            "program",
            "create",
            PROGRAM,
            "--title",
            "Service level",
            "--workflow",
            "graduation-service",
        ],
    );
}

/// Creates a cohort of [`PROGRAM`] taking at most `capacity` projects, with
/// `extra` options appended.
pub fn create_cohort(db: &TestDb, name: &str, capacity: u32, extra: &[&str]) {
    let capacity = capacity.to_string();
    let mut list = vec![
        "cohort",
        "create",
        name,
        "--program",
        PROGRAM,
        "--time-zone",
        "Asia/Muscat",
        "--capacity",
        &capacity,
        "--date",
        "proposal_due=2026-02-15",
        "--date",
        "implementation_end=2026-05-31",
        "--date",
        "presentation_day=2026-06-15",
        "--coordinator",
        COORDINATOR,
    ];
    list.extend_from_slice(extra);
    ok(db, &list);
}

/// The `project start` arguments for trainee `n` in `cohort` (with the supervisor).
pub fn start_args(cohort: &str, title: &str, n: usize) -> Vec<String> {
    args(&[
        "--json",
        "project",
        "start",
        "--cohort",
        cohort,
        "--title",
        title,
        "--member",
        &format!("trainee={}", trainee(n)),
        "--member",
        &format!("supervisor={SUPERVISOR}"),
    ])
}

/// Starts a project for trainee `n`; returns its id.
pub fn start_project(db: &TestDb, cohort: &str, title: &str, n: usize) -> i64 {
    let list = start_args(cohort, title, n);
    let list: Vec<&str> = list.iter().map(String::as_str).collect();
    project_id(&ok(db, &list))
}

/// The project id in the JSON outcome of `project start` or `project act`.
pub fn project_id(run: &Run) -> i64 {
    run.json()["project"]
        .as_i64()
        .unwrap_or_else(|| panic!("no project id in:\n{run}"))
}

/// Ids of a cohort's projects, as `project list` shows them.
pub fn projects_of(db: &TestDb, cohort: &str) -> Vec<i64> {
    let list = ok(db, &["--json", "project", "list", "--cohort", cohort]).json();
    let mut ids: Vec<i64> = list
        .as_array()
        .expect("a JSON list of projects")
        .iter()
        .map(|p| p["id"].as_i64().expect("a project id"))
        .collect();
    ids.sort_unstable();
    ids
}

/// A project as `project show --json` gives it.
pub fn show(db: &TestDb, id: i64) -> serde_json::Value {
    ok(db, &["--json", "project", "show", &id.to_string()]).json()
}

/// The answers of the graduation-service proposal form, as `--field` options.
pub const PROPOSAL: &[&str] = &[
    "--field",
    "service=Health card renewal",
    "--field",
    "problem=Long queues",
    "--field",
    "improvement=Online pre-check",
    "--field",
    "indicator=waiting_time",
];

/// `project act ID ACTION --as WHO` with `extra` options.
pub fn act_args(id: i64, action: &str, who: &str, extra: &[&str]) -> Vec<String> {
    let mut list = args(&[
        "--json",
        "project",
        "act",
        &id.to_string(),
        action,
        "--as",
        who,
    ]);
    list.extend(extra.iter().map(|s| (*s).to_owned()));
    list
}

/// Runs `project act` and requires success.
pub fn act(db: &TestDb, id: i64, action: &str, who: &str, extra: &[&str]) -> Run {
    let list = act_args(id, action, who, extra);
    let list: Vec<&str> = list.iter().map(String::as_str).collect();
    ok(db, &list)
}

/// Whether `text` names project `id` (and not, say, project `id`0).
pub fn names_project(text: &str, id: i64) -> bool {
    let needle = format!("project {id}");
    text.match_indices(&needle).any(|(at, _)| {
        !text[at + needle.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}
