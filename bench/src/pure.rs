//! The pure decision core in memory: `decide::decide` in a loop on one thread,
//! and the exact rows one cycle of decisions writes (for the raw-SQL limits).

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure};
use gradflow_engine::audit::{self, StoredLink};
use gradflow_engine::decide::{self, Command, Decision, Fields, Member, Project};

use crate::fixture;
use crate::report::Measure;

/// Person ids of the in-memory project.
const TRAINEE: i64 = 1;
const SUPERVISOR: i64 = 2;
const COORDINATOR: i64 = 3;

/// Who, on a project, a person of the in-memory project stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The trainee.
    Trainee,
    /// The supervisor.
    Supervisor,
    /// The cohort's coordinator.
    Coordinator,
}

impl Who {
    fn of(person: i64) -> anyhow::Result<Who> {
        Ok(match person {
            TRAINEE => Who::Trainee,
            SUPERVISOR => Who::Supervisor,
            COORDINATOR => Who::Coordinator,
            other => bail!("unexpected person {other} in a decision"),
        })
    }

    /// The person id standing for this role on `s`.
    pub fn on(self, s: &fixture::Subject) -> i64 {
        match self {
            Who::Trainee => s.trainee.0,
            Who::Supervisor => s.supervisor.0,
            Who::Coordinator => s.coordinator,
        }
    }
}

/// A timer row as the store writes it.
#[derive(Debug, Clone)]
pub struct TimerRow {
    /// Key.
    pub key: String,
    /// Kind.
    pub kind: &'static str,
    /// Due, µs.
    pub at: i64,
    /// The stage entry (seq of the entering event) it belongs to.
    pub entry: i64,
    /// Spec JSON.
    pub spec: String,
}

/// One accepted decision reduced to the rows it writes.
#[derive(Debug, Clone)]
pub struct Step {
    /// Events: actor and change JSON.
    pub events: Vec<(Option<Who>, String)>,
    /// Stage afterwards.
    pub stage: String,
    /// The project's state JSON afterwards.
    pub state: String,
    /// Whether pending timers are cancelled.
    pub cancel_pending: bool,
    /// Timers set.
    pub timers: Vec<TimerRow>,
    /// Outbox rows: template, recipient.
    pub notifications: Vec<(String, Who)>,
}

/// The two decisions of the measured cycle: submit, then request_changes.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// proposal -> endorsement.
    pub submit: Step,
    /// endorsement -> proposal.
    pub request_changes: Step,
}

impl Cycle {
    /// The step taken next by a project in `proposal` (or not).
    pub fn step(&self, in_proposal: bool) -> &Step {
        if in_proposal {
            &self.submit
        } else {
            &self.request_changes
        }
    }
}

/// Everyone on the in-memory project: the trainee and the supervisor given
/// their roles at the start ([`direct`]), the coordinator through the cohort.
fn members() -> Vec<Member> {
    [
        (TRAINEE, "trainee"),
        (SUPERVISOR, "supervisor"),
        (COORDINATOR, "coordinator"),
    ]
    .iter()
    .map(|(p, r)| Member {
        person: *p,
        role: (*r).to_owned(),
    })
    .collect()
}

/// The members given their roles directly at the start (recorded as events).
fn direct() -> Vec<Member> {
    members()
        .into_iter()
        .filter(|m| m.person != COORDINATOR)
        .collect()
}

fn submit() -> Command {
    Command {
        actor: TRAINEE,
        action: "submit".into(),
        fields: fixture::proposal(),
        comment: None,
        expected_version: None,
    }
}

fn request_changes() -> Command {
    Command {
        actor: SUPERVISOR,
        action: "request_changes".into(),
        fields: Fields::new(),
        comment: Some(fixture::CHANGES.into()),
        expected_version: None,
    }
}

/// Result of the in-memory run.
#[derive(Debug)]
pub struct CoreRun {
    /// Decisions made.
    pub measure: Measure,
    /// Events sealed during the timed run.
    pub events: u64,
    /// Events whose chain was re-verified afterwards with `audit::verify`.
    pub verified: u64,
    /// Rates of consecutive 250 ms slices of the run, sorted (shows the machine's noise).
    pub slices: Vec<f64>,
}

/// The workflow, calendar and members one in-memory project runs on.
struct Setup {
    workflow: gradflow_engine::definition::Workflow,
    calendar: gradflow_engine::calendar::Calendar,
    members: Vec<Member>,
    direct: Vec<Member>,
}

impl Setup {
    fn new() -> anyhow::Result<Setup> {
        Ok(Setup {
            workflow: fixture::workflow()?,
            calendar: fixture::calendar()?,
            members: members(),
            direct: direct(),
        })
    }

    fn project(&self) -> Project<'_> {
        Project {
            id: 1,
            workflow: &self.workflow,
            calendar: &self.calendar,
            members: &self.members,
            conflicts: &gradflow_engine::decide::committee::NO_CONFLICTS,
        }
    }
}

/// Takes one project round submit -> request_changes -> submit ... for
/// `seconds`, every decision accepted and sealed (SHA-256 per event).
pub fn run(seconds: Duration, warmup: Duration) -> anyhow::Result<CoreRun> {
    let setup = Setup::new()?;
    let project = setup.project();
    let now = fixture::now();
    let submit = submit();
    let changes = request_changes();
    let mut state = decide::start(&project, &setup.direct, now)?.state;

    let mut decisions = 0u64;
    let mut events = 0u64;
    let mut measured_from = None;
    let mut slices = Vec::new();
    let mut slice = (Instant::now(), 0u64);
    let started = Instant::now();
    let warm_end = started + warmup;
    let end = warm_end + seconds;
    loop {
        // Check the clock once every 256 decisions.
        for _ in 0..256 {
            let command = if state.stage == fixture::PROPOSAL {
                &submit
            } else {
                &changes
            };
            let decision = decide::decide(&project, black_box(&state), command, now)?;
            // Cheap correctness check on every decision: the chain continues.
            if decision.events.first().map(|e| &e.prev_hash) != Some(&state.head) {
                bail!("decision {decisions} does not continue the audit chain");
            }
            events += decision.events.len() as u64;
            decisions += 1;
            state = black_box(decision).state;
        }
        let t = Instant::now();
        match measured_from {
            None if t >= warm_end => {
                measured_from = Some((t, decisions, events));
                slice = (t, decisions);
            }
            Some(_) if t - slice.0 >= Duration::from_millis(250) => {
                slices.push((decisions - slice.1) as f64 / (t - slice.0).as_secs_f64());
                slice = (t, decisions);
            }
            _ => {}
        }
        match measured_from {
            Some((from, d0, e0)) if t >= end => {
                slices.sort_by(f64::total_cmp);
                let run = CoreRun {
                    measure: Measure {
                        ops: decisions - d0,
                        elapsed: t - from,
                        latencies: Vec::new(),
                    },
                    events: events - e0,
                    verified: verify_chain(&project, &setup.direct)?,
                    slices,
                };
                return Ok(run);
            }
            _ => {}
        }
    }
}

/// Makes 1,000 decisions from a fresh start and re-verifies the stored form
/// of every event with `audit::verify`: the core seals a valid chain.
fn verify_chain(project: &Project<'_>, direct: &[Member]) -> anyhow::Result<u64> {
    let now = fixture::now();
    let start = decide::start(project, direct, now)?;
    let mut links: Vec<StoredLink> = Vec::new();
    let mut push = |d: &Decision| {
        for e in &d.events {
            links.push(StoredLink {
                project: project.id,
                seq: e.seq,
                at: e.at.as_microsecond(),
                actor: e.actor,
                change: e.change_json.clone(),
                prev_hash: e.prev_hash.clone(),
                hash: e.hash.clone(),
            });
        }
    };
    push(&start);
    let mut state = start.state;
    let (submit, changes) = (submit(), request_changes());
    for _ in 0..1000 {
        let command = if state.stage == fixture::PROPOSAL {
            &submit
        } else {
            &changes
        };
        let d = decide::decide(project, &state, command, now)?;
        push(&d);
        state = d.state;
    }
    audit::verify(project.id, &links, &state.head)
        .map_err(|b| anyhow::anyhow!("the core's chain does not verify: {b}"))?;
    Ok(links.len() as u64)
}

/// The rows one submit and one request_changes write, from the pure core.
pub fn cycle() -> anyhow::Result<Cycle> {
    let setup = Setup::new()?;
    let project = setup.project();
    let now = fixture::now();
    let started = decide::start(&project, &setup.direct, now)?;
    let first = decide::decide(&project, &started.state, &submit(), now)?;
    let second = decide::decide(&project, &first.state, &request_changes(), now)?;
    // A second submit, from a state that already holds the form (as in the loop).
    let third = decide::decide(&project, &second.state, &submit(), now)?;
    ensure!(
        third.state.stage == fixture::ENDORSEMENT && second.state.stage == fixture::PROPOSAL,
        "the cycle does not go proposal -> endorsement -> proposal"
    );
    Ok(Cycle {
        submit: step(&third)?,
        request_changes: step(&second)?,
    })
}

fn step(d: &Decision) -> anyhow::Result<Step> {
    Ok(Step {
        events: d
            .events
            .iter()
            .map(|e| Ok((e.actor.map(Who::of).transpose()?, e.change_json.clone())))
            .collect::<anyhow::Result<_>>()?,
        stage: d.state.stage.clone(),
        state: serde_json::to_string(&d.state)?,
        cancel_pending: d.timers.cancel_pending,
        timers: d
            .timers
            .set
            .iter()
            .map(|t| TimerRow {
                key: t.key.clone(),
                kind: t.kind.as_str(),
                at: t.at.as_microsecond(),
                entry: t.entry,
                spec: serde_json::json!({ "to": t.to, "template": t.template, "every": t.every })
                    .to_string(),
            })
            .collect(),
        notifications: d
            .notifications
            .iter()
            .map(|n| Ok((n.template.clone(), Who::of(n.recipient)?)))
            .collect::<anyhow::Result<_>>()?,
    })
}
