//! What every measurement works on: the bundled graduation-service workflow,
//! a program and cohort in Asia/Muscat, and projects each with a trainee and a
//! supervisor (the cohort's coordinator is shared), all set up through the
//! engine's public API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use gradflow_engine::calendar::{Calendar, MailHours, Weekend};
use gradflow_engine::decide::Fields;
use gradflow_engine::definition::{self, Templates, Workflow};
use gradflow_engine::service::{Cohort, Engine, NewCohort};
use jiff::Timestamp;
use jiff::civil::Date;

/// The workflow every measurement runs.
pub const WORKFLOW: &str = include_str!("../../workflows/graduation-service/workflow.yaml");

/// Program key.
pub const PROGRAM: &str = "bench-service";
/// Cohort name.
pub const COHORT: &str = "Bench cohort";
/// Cohort time zone.
pub const ZONE: &str = "Asia/Muscat";
/// The cohort's coordinator (shared by every project through the cohort).
pub const COORDINATOR: &str = "coordinator@bench.example";

/// The (virtual) time every command is sent at: before all cohort dates, so
/// every stage gets its deadline, reminder and overdue timers.
pub fn now() -> Timestamp {
    "2026-02-02T05:00:00Z".parse().expect("a valid instant")
}

/// The cohort's named dates.
pub fn dates() -> BTreeMap<String, Date> {
    [
        ("proposal_due", "2026-03-15"),
        ("implementation_end", "2026-06-30"),
        ("presentation_day", "2026-07-15"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), v.parse().expect("a valid date")))
    .collect()
}

/// The cohort's holidays.
pub fn holidays() -> BTreeSet<Date> {
    ["2026-03-20", "2026-03-21"]
        .iter()
        .map(|d| d.parse().expect("a valid date"))
        .collect()
}

/// The parsed bundled workflow.
pub fn workflow() -> anyhow::Result<Workflow> {
    definition::parse(WORKFLOW, Templates::Unchecked).map_err(|p| {
        anyhow!(
            "bundled graduation-service does not validate: line {}: {}",
            p[0].line,
            p[0].message
        )
    })
}

/// The cohort's calendar.
pub fn calendar() -> anyhow::Result<Calendar> {
    Ok(Calendar::new(
        ZONE,
        dates(),
        holidays(),
        Weekend::default(),
    )?)
}

/// The answers of the proposal form.
pub fn proposal() -> Fields {
    let mut f = Fields::new();
    for (k, v) in [
        ("service", "Renewal of health cards at the Seeb branch"),
        (
            "problem",
            "Clients wait 95 minutes on average and often come back a second time for a missing paper.",
        ),
        (
            "improvement",
            "Pre-check documents online the day before and print the card at the counter.",
        ),
        ("indicator", "waiting_time"),
    ] {
        f.insert(k.into(), v.into());
    }
    f
}

/// The supervisor's comment when sending a proposal back.
pub const CHANGES: &str =
    "Say which branch you start with and how you will measure the waiting time.";

/// The cycle a project goes round: which action is next in which stage.
pub const PROPOSAL: &str = "proposal";
/// The stage after `submit`.
pub const ENDORSEMENT: &str = "endorsement";

/// One project under load and what the harness knows of it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Project id.
    pub id: i64,
    /// Trainee (person id, email).
    pub trainee: (i64, String),
    /// Supervisor (person id, email).
    pub supervisor: (i64, String),
    /// The cohort's coordinator.
    pub coordinator: i64,
    /// Current version.
    pub version: u64,
    /// Events in its log (from its start: `started` and a `member_added`
    /// each for the trainee and the supervisor).
    pub events: i64,
    /// True while in `proposal` (next: submit); false in `endorsement` (next: request_changes).
    pub in_proposal: bool,
}

/// The shared rows every project hangs on.
#[derive(Debug, Clone)]
pub struct Directory {
    /// Coordinator's person id.
    pub coordinator: i64,
}

/// The most places a cohort may have (the service's limit).
pub const COHORT_CAPACITY: usize = 100_000;

/// The message templates published with the workflow (file name -> text),
/// read from the source tree the harness was built from.
pub fn templates() -> anyhow::Result<BTreeMap<String, String>> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows/graduation-service/templates");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str())
            && name.ends_with(".hbs")
        {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("read {}", path.display()))?;
            out.insert(name.to_owned(), text);
        }
    }
    Ok(out)
}

/// Publishes the workflow with its message templates, adds the coordinator,
/// the program and the cohort (with its coordinator), all through the engine.
pub async fn directory(engine: &Engine) -> anyhow::Result<Directory> {
    let now = now();
    engine
        .publish_with_templates(&[(WORKFLOW.to_owned(), templates()?)], now)
        .await?;
    let w = workflow()?;
    let coordinator = engine
        .add_person(COORDINATOR, "Bench Coordinator", "Institute", now)
        .await?;
    engine
        .create_program(PROGRAM, "Benchmark program", &w.key, now)
        .await?;
    add_cohort(engine, COHORT, dates(), now).await?;
    Ok(Directory {
        coordinator: coordinator.id,
    })
}

/// Creates a cohort of the bench program in Asia/Muscat with the given
/// named dates, the most places allowed and the shared coordinator; returns
/// it as the engine reads it back.
pub async fn add_cohort(
    engine: &Engine,
    name: &str,
    dates: BTreeMap<String, Date>,
    now: Timestamp,
) -> anyhow::Result<Cohort> {
    engine
        .create_cohort(
            NewCohort {
                program: PROGRAM.into(),
                name: name.into(),
                time_zone: ZONE.into(),
                dates,
                holidays: holidays(),
                weekend: Weekend::default(),
                mail_hours: MailHours::default(),
                capacity: COHORT_CAPACITY as u32,
                coordinators: vec![COORDINATOR.into()],
            },
            now,
        )
        .await?;
    Ok(engine.cohort(name).await?)
}

/// Named dates that fall after `today`: the proposal is due in 60 days, so a
/// project started now has every timer of its first stage ahead of it.
pub fn dates_after(today: Date) -> BTreeMap<String, Date> {
    [
        ("proposal_due", 60),
        ("implementation_end", 150),
        ("presentation_day", 165),
    ]
    .iter()
    .map(|(k, days)| {
        (
            (*k).to_owned(),
            today
                .checked_add(jiff::Span::new().days(*days))
                .expect("a date within range"),
        )
    })
    .collect()
}

/// Adds `count` trainees and supervisors (emails tagged `tag`) and starts one
/// project for each pair through [`Engine::start_project`], on `parallel`
/// concurrent tasks. Returns the projects and the time the starts took.
pub async fn start_projects(
    engine: &Arc<Engine>,
    dir: &Directory,
    tag: &str,
    count: usize,
    parallel: usize,
) -> anyhow::Result<(Vec<Subject>, Duration)> {
    let now = now();
    // People first (not timed), then the starts (timed).
    let mut people = Vec::with_capacity(count);
    let mut tasks = Vec::new();
    let parallel = parallel.max(1);
    for t in 0..parallel {
        let engine = engine.clone();
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for i in (t..count).step_by(parallel) {
                let trainee = format!("trainee-{tag}-{i}@bench.example");
                let supervisor = format!("supervisor-{tag}-{i}@bench.example");
                let t_id = engine
                    .add_person(&trainee, "Trainee", "Ministry", now)
                    .await?
                    .id;
                let s_id = engine
                    .add_person(&supervisor, "Supervisor", "Ministry", now)
                    .await?
                    .id;
                out.push((i, (t_id, trainee), (s_id, supervisor)));
            }
            anyhow::Ok(out)
        }));
    }
    for task in tasks {
        people.extend(task.await.context("a setup task panicked")??);
    }
    people.sort_by_key(|p| p.0);

    let started = Instant::now();
    let chunks: Vec<Vec<_>> = (0..parallel)
        .map(|t| people.iter().skip(t).step_by(parallel).cloned().collect())
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let engine = engine.clone();
        let dir = dir.clone();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for (i, trainee, supervisor) in chunk {
                let members = [
                    (trainee.1.clone(), "trainee".to_owned()),
                    (supervisor.1.clone(), "supervisor".to_owned()),
                ];
                let outcome = engine
                    .start_project(COHORT, &format!("Bench project {i}"), &members, now)
                    .await?;
                if outcome.stage != PROPOSAL {
                    bail!(
                        "project {} started in '{}', not '{PROPOSAL}'",
                        outcome.project,
                        outcome.stage
                    );
                }
                out.push((
                    i,
                    Subject {
                        id: outcome.project,
                        trainee,
                        supervisor,
                        coordinator: dir.coordinator,
                        version: outcome.version,
                        events: outcome.changes.len() as i64,
                        in_proposal: true,
                    },
                ));
            }
            anyhow::Ok(out)
        }));
    }
    let mut subjects = Vec::with_capacity(count);
    for task in tasks {
        subjects.extend(task.await.context("a setup task panicked")??);
    }
    let took = started.elapsed();
    subjects.sort_by_key(|s| s.0);
    Ok((subjects.into_iter().map(|s| s.1).collect(), took))
}

/// Splits `items` round-robin into `n` non-empty groups (fewer if there are fewer items).
pub fn split<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let n = n.max(1).min(items.len().max(1));
    let mut out: Vec<Vec<T>> = (0..n).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        out[i % n].push(item);
    }
    out
}
