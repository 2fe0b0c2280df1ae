//! `gradflow simulate`: runs a cohort through a virtual calendar, in a
//! throw-away database, with the same engine, store and timers the product
//! runs on, and prints every step, deadline, reminder, escalation and message
//! it produces, in the cohort's local time — so staff can check a program
//! before it starts.
//!
//! The database is a throw-away file opened for speed, not durability
//! (`Engine::connect_scratch`); the engine's rules, results and audit chain
//! are the product's own.
//!
//! The clock is the only thing simulated: it jumps from one instant to the
//! next at which something is due (a timer, or a simulated person's next
//! step). At each instant the due timers fire (`Engine::fire_due`, as the
//! worker does) and the simulated people act (`Engine::act_many`, one batch
//! per round); the intake starts in batches (`Engine::start_projects`). Every timer fires when due, so none is ever collapsed as
//! after downtime. At the end, the outbox is read in one statement
//! (`Engine::mail`), the logs in a few (`Engine::histories`), and each
//! message joined to the event that caused it.
//! (The messages are not claimed and marked sent as a mail worker would:
//! `Engine::claim_mail` prepares each message with about ten queries, which
//! made it nine tenths of a large simulation's time, and the database is
//! thrown away anyway.)
//!
//! # Layout
//! - `cohort`: the cohort file (calendar, dates, capacity, start).
//! - `cast`: the simulated people and the roles they hold.
//! - `behaviour`: what each of them does next, and when (`--behaviour`).
//! - `answers`: valid form answers and passing scores, from the workflow.
//! - `timeline`: what happened, read back from the logs and the outbox, and
//!   the summary; each entry in words or as JSON.
//! - `print`: the whole output, day by day or as one JSON document.
//! - `intake`: `--applicants`: the cohort's waiting list, offers of the
//!   places trainees give up, taken or let lapse.

mod answers;
mod behaviour;
mod cast;
mod cohort;
mod intake;
mod print;
mod timeline;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use gradflow_engine::calendar::Calendar;
use gradflow_engine::definition::{self, Workflow};
use gradflow_engine::service::{
    Cohort, Engine, Error as ServiceError, Kind, NewCohort, ProjectStart, Request,
};
use jiff::civil::{Date, Time};
use jiff::{Span, Timestamp};

use super::Ctx;
use super::args::{Behaviour, SimulateArgs};
use behaviour::{Agents, Pace, Standing, Task};
use cast::Cast;
use cohort::CohortFile;
use timeline::{Entry, Mailbag, Names, Summary, What};

/// Most commands or timers handled in one batch. Each batch reads its
/// projects in one statement, which binds three values per project (SQLite
/// allows 32,766). Measured on 5,000 trainees: batches of 1,000 run as fast
/// as batches of 5,000 and keep a quarter less memory.
const BATCH: usize = 1_000;

/// Most messages read back from the outbox: far more than a year of the
/// largest cohort (100,000 trainees) sends.
const MAIL_LIMIT: usize = 100_000_000;

/// Without `--until`, the simulation stops this many days after the
/// cohort's last date (escalations would otherwise recur for ever).
const DAYS_AFTER_LAST_DATE: i64 = 30;

/// The longest span simulated, in years from the cohort's start: more than
/// any program runs, and a bound on how long a simulation can take (an
/// escalation every week recurs about 520 times in ten years).
const MAX_YEARS: i16 = 10;

/// Most applicants `--applicants` simulates.
const MAX_APPLICANTS: usize = 1_000;

/// The program every simulated cohort belongs to.
const PROGRAM: &str = "simulation";

/// Runs `gradflow simulate`: checks both files (problems go to standard
/// error as `FILE:LINE:COL: error: ...`, exit status 1), simulates, prints.
pub async fn run(ctx: &Ctx, args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let loaded = match definition::load(&args.workflow) {
        Ok(loaded) => loaded,
        Err(error) => {
            // A file that cannot be read is said as `error: ...`; problems in
            // it are already worded as FILE:LINE:COL: error: ...
            let prefix = match error {
                definition::Error::Read(_) => "error: ",
                definition::Error::Invalid { .. } => "",
            };
            eprintln!("{prefix}{}", super::output::clean(&error.to_string()));
            return Ok(ExitCode::FAILURE);
        }
    };
    let cohort = match cohort::load(&args.cohort) {
        Ok(cohort) => cohort,
        Err(error) => {
            eprintln!("{}", super::output::clean(&error.to_string()));
            return Ok(ExitCode::FAILURE);
        }
    };
    let trainees = args.trainees.unwrap_or(cohort.capacity);
    if trainees == 0 || trainees > cohort.capacity {
        eprintln!(
            "{}: error: the cohort takes {} projects (capacity), so --trainees must be 1 to {}, not {trainees}",
            cohort.path.display(),
            cohort.capacity,
            cohort.capacity
        );
        eprintln!("  hint: raise capacity in the cohort file to simulate a larger intake");
        return Ok(ExitCode::FAILURE);
    }
    let until = args.until.unwrap_or_else(|| default_until(&cohort));
    if until < cohort.start {
        eprintln!(
            "error: --until {until} is before the cohort's start, {} ({})",
            cohort.start,
            cohort.path.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    let last = cohort
        .start
        .checked_add(Span::new().years(MAX_YEARS))
        .unwrap_or(Date::MAX);
    if until > last {
        eprintln!(
            "error: --until {until} is more than {MAX_YEARS} years after the cohort's start, {}: a simulation covers at most {MAX_YEARS} years, so the last day it can simulate is {last}",
            cohort.start
        );
        return Ok(ExitCode::FAILURE);
    }
    if args.applicants > MAX_APPLICANTS {
        eprintln!(
            "error: --applicants {} is more than {MAX_APPLICANTS}; simulate a smaller waiting list",
            args.applicants
        );
        return Ok(ExitCode::FAILURE);
    }
    let templates = super::workflow::template_files(&args.workflow)?;
    let behaviour = args.behaviour;
    let paces: Vec<Pace> = (0..trainees as usize).map(|i| pace(behaviour, i)).collect();
    let scratch = Scratch::new()?;
    let engine = Engine::connect_scratch(&scratch.url)
        .await
        .context("cannot open the simulation's temporary database")?;
    let setup = Setup {
        workflow: &loaded.workflow,
        source: loaded.text.clone(),
        templates,
        cohort: &cohort,
        paces,
        until,
        applicants: args.applicants,
    };
    let result = simulate(&engine, setup).await;
    engine.close().await;
    drop(scratch);
    let report = match result {
        Ok(report) => report,
        Err(Failure::Cohort(message)) => {
            eprintln!(
                "{}: error: {}",
                cohort.path.display(),
                super::output::clean(&message)
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(Failure::Other(e)) => return Err(e),
    };
    let header = print::Header {
        workflow: &loaded.workflow,
        workflow_file: &args.workflow,
        cohort: &cohort,
        behaviour,
        trainees,
        until,
    };
    if ctx.json {
        print::json(&header, &report);
    } else {
        print::text(&header, &report);
    }
    Ok(ExitCode::SUCCESS)
}

/// The trainee of project number `i` keeps this pace: everyone alike, or
/// for `mixed` by thirds in turn (1st on time, 2nd late, 3rd never, 4th on time...).
fn pace(behaviour: Behaviour, i: usize) -> Pace {
    match behaviour {
        Behaviour::OnTime => Pace::OnTime,
        Behaviour::Late => Pace::Late,
        Behaviour::Never => Pace::Never,
        Behaviour::Mixed => [Pace::OnTime, Pace::Late, Pace::Never][i % 3],
    }
}

/// The last day simulated without `--until`: some weeks after the cohort's
/// last date (or its start, if later).
fn default_until(cohort: &CohortFile) -> Date {
    let last = cohort
        .dates
        .values()
        .copied()
        .chain([cohort.start])
        .max()
        .unwrap_or(cohort.start);
    last.checked_add(Span::new().days(DAYS_AFTER_LAST_DATE))
        .unwrap_or(last)
}

/// A temporary folder for the simulation's SQLite file, removed when dropped.
/// The file is opened as a scratch database (`Engine::connect_scratch`: one
/// connection, journal in memory, no syncs): it is thrown away at the end, so
/// its durability is no promise to anyone. A year of 10,000 trainees wrote
/// 2.6 GB in WAL mode with `synchronous=NORMAL` (log frames, checkpoints,
/// syncs); as scratch it writes 0.2 GB, with a seventh less CPU time.
struct Scratch {
    dir: PathBuf,
    url: String,
}

impl Scratch {
    fn new() -> anyhow::Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "gradflow-simulate-{}-{nanos:09}",
            std::process::id()
        ));
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot create a temporary folder {}", dir.display()))?;
        let url = format!("sqlite://{}", dir.join("simulation.db").display());
        Ok(Scratch { dir, url })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Everything a simulation starts from.
struct Setup<'a> {
    workflow: &'a Workflow,
    source: String,
    templates: BTreeMap<String, String>,
    cohort: &'a CohortFile,
    paces: Vec<Pace>,
    until: Date,
    /// Applicants waiting for a place (`--applicants`).
    applicants: usize,
}

/// What a simulation produced.
struct Report {
    cast: Cast,
    calendar: Calendar,
    start: Timestamp,
    timeline: Vec<Entry>,
    summary: Summary,
}

/// Why a simulation could not run.
enum Failure {
    /// The engine refused the cohort file's calendar for this workflow (its
    /// dates do not match the workflow's, say): the file's problem.
    Cohort(String),
    /// Anything else.
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Other(e.into())
    }
}

/// Sets up the cohort in `engine`'s empty database and runs it to the end.
async fn simulate(engine: &Engine, setup: Setup<'_>) -> Result<Report, Failure> {
    let cohort = setup.cohort;
    let start = local_instant(cohort, cohort.start, cohort.mail_hours.open)?;
    let end = local_instant(
        cohort,
        setup
            .until
            .checked_add(Span::new().days(1))
            .unwrap_or(setup.until),
        Time::midnight(),
    )?;
    let mut cast = Cast::new(setup.workflow, setup.paces.len());
    let applicants = cast.add_applicants(setup.applicants);
    let cast = cast;
    let created = set_up(engine, &setup, &cast, start).await?;
    let calendar = created.calendar()?;
    let mut agents = Agents::new(setup.workflow, &calendar, &cast, setup.paces);
    let mut run = Run {
        engine,
        cast: &cast,
        ids: Vec::new(),
        agenda: BTreeMap::new(),
        mail: Mailbag::gathering(setup.workflow),
        names: Names::default(),
        refusals: Vec::new(),
    };
    run.start(&mut agents, &created.name, start).await?;
    let mut intake = if applicants.is_empty() {
        None
    } else {
        let never: Vec<usize> = (0..agents.len())
            .filter(|p| agents.pace(*p) == Pace::Never)
            .collect();
        Some(
            intake::Intake::open(
                engine,
                (created.id, &created.name),
                &cast,
                &applicants,
                &never,
                start,
            )
            .await?,
        )
    };
    let (ended, ended_at) = run.drive(&mut agents, &mut intake, start, end).await?;
    let mut timeline = run.timeline(&agents).await?;
    if let Some(intake) = &intake {
        let zone = jiff::tz::TimeZone::get(&cohort.time_zone)?;
        timeline.extend(intake.timeline(engine, &cast, &zone).await?);
        timeline.sort_by_key(|e| (e.at, e.project, e.seq));
    }
    let mut summary = Summary {
        projects: run.ids.len(),
        messages: std::mem::take(&mut run.mail.per_template),
        messages_total: run.mail.total,
        emails: run.mail.emails,
        ended,
        ended_at: Some(ended_at),
        ..Summary::default()
    };
    summary.count(&timeline);
    for project in engine.projects(Some(&created)).await? {
        *summary.final_stages.entry(project.stage).or_default() += 1;
        if project.overdue_since.is_some() {
            summary.overdue += 1;
        }
    }
    Ok(Report {
        cast,
        calendar,
        start,
        timeline,
        summary,
    })
}

/// Publishes the workflow with its templates, registers the cast, and
/// creates the program and the cohort, all at `start`.
async fn set_up(
    engine: &Engine,
    setup: &Setup<'_>,
    cast: &Cast,
    start: Timestamp,
) -> Result<Cohort, Failure> {
    let (workflow, cohort) = (setup.workflow, setup.cohort);
    engine
        .publish_with_templates(&[(setup.source.clone(), setup.templates.clone())], start)
        .await?;
    for person in &cast.people {
        // Those who judge the work come from another organization than the
        // trainees': the committee's rules refuse a judge from theirs.
        let organization = if gradflow_engine::decide::committee::judges(workflow, &person.role) {
            "Simulated committee"
        } else {
            "Simulated cohort"
        };
        engine
            .add_person(&person.email, &person.name, organization, start)
            .await?;
    }
    let title = format!("Simulation of {}", workflow.title.default_text());
    engine
        .create_program(PROGRAM, &title, &workflow.key, start)
        .await?;
    let new = NewCohort {
        program: PROGRAM.into(),
        name: cohort.name.clone(),
        time_zone: cohort.time_zone.clone(),
        dates: cohort.dates.clone(),
        holidays: cohort.holidays.clone(),
        weekend: cohort.weekend,
        mail_hours: cohort.mail_hours,
        capacity: cohort.capacity,
        coordinators: cast
            .coordinator
            .map(|c| cast.people[c].email.clone())
            .into_iter()
            .collect(),
    };
    match engine.create_cohort(new, start).await {
        Ok(created) => Ok(created),
        Err(e) if e.kind() == Kind::Invalid => Err(Failure::Cohort(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// `time` on local day `day` in the cohort's zone.
fn local_instant(cohort: &CohortFile, day: Date, time: Time) -> anyhow::Result<Timestamp> {
    let zone = jiff::tz::TimeZone::get(&cohort.time_zone)?;
    Ok(day
        .to_datetime(time)
        .to_zoned_datetime(zone)
        .context("the start is out of range")?
        .timestamp())
}

/// The simulation as it runs: the projects, the simulated people's agenda,
/// and what the outbox handed over.
struct Run<'a> {
    engine: &'a Engine,
    cast: &'a Cast,
    /// Project ids by project number.
    ids: Vec<i64>,
    /// What simulated people will do, by when.
    agenda: BTreeMap<Timestamp, Vec<Task>>,
    mail: Mailbag,
    names: Names,
    /// Commands the engine refused (they leave no event in any log).
    refusals: Vec<Entry>,
}

impl Run<'_> {
    fn plan(&mut self, tasks: Vec<(Timestamp, Task)>) {
        for (at, task) in tasks {
            self.agenda.entry(at).or_default().push(task);
        }
    }

    /// Starts every project at `start`, with its owner and team.
    async fn start(
        &mut self,
        agents: &mut Agents<'_>,
        cohort: &str,
        start: Timestamp,
    ) -> anyhow::Result<()> {
        let all: Vec<usize> = (0..agents.len()).collect();
        for batch in all.chunks(BATCH) {
            let projects: Vec<ProjectStart> = batch
                .iter()
                .map(|&p| ProjectStart {
                    title: format!("{} — improvement {}", self.cast.people[p].name, p + 1),
                    members: self.cast.members(p),
                })
                .collect();
            let results = self.engine.start_projects(cohort, &projects, start).await?;
            for (&p, started) in batch.iter().zip(results) {
                let started = started?;
                self.ids.push(started.project);
                let tasks = agents.enter(p, &started.stage, start);
                self.plan(tasks);
            }
        }
        Ok(())
    }

    /// Steps the clock from `start` to each next instant at which a timer
    /// or a simulated step is due, until every project is settled, nothing
    /// is scheduled, or `end`. Returns why it stopped, and when.
    async fn drive(
        &mut self,
        agents: &mut Agents<'_>,
        intake: &mut Option<intake::Intake>,
        start: Timestamp,
        end: Timestamp,
    ) -> anyhow::Result<(&'static str, Timestamp)> {
        let mut now = start;
        loop {
            self.fire(now).await?;
            if let Some(intake) = intake.as_mut() {
                intake
                    .step(self.engine, agents, self.cast, &self.ids, now)
                    .await?;
            }
            self.act(agents, now).await?;
            if agents.all_settled() {
                return Ok(("every project finished or stopped", now));
            }
            let next_timer = self.engine.next_timer_due().await?;
            let next_step = [
                self.agenda.keys().next().copied(),
                intake.as_ref().and_then(intake::Intake::next),
            ]
            .into_iter()
            .flatten()
            .min();
            let next = match (next_timer, next_step) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(next) => next,
                    None => return Ok(("nothing more was scheduled", now)),
                },
            };
            if next >= end {
                return Ok(("the last day to simulate was reached", now));
            }
            // A stage entered after its cohort date has a deadline already
            // past: its timer is due at once, at the same instant.
            now = next.max(now);
        }
    }

    /// Everything that happened, oldest first: each project's log, joined
    /// with the messages its events caused, and the refused steps.
    async fn timeline(&mut self, agents: &Agents<'_>) -> anyhow::Result<Vec<Entry>> {
        // Every message the outbox received, read in one statement.
        for m in self.engine.mail(None, MAIL_LIMIT).await? {
            if let Some(person) = self.cast.by_email(&m.email) {
                let template = self.names.get(&m.template);
                self.mail.add(m.project, m.cause, template, person);
            }
        }
        let mut timeline = Vec::new();
        let histories = self.engine.histories(&self.ids).await?;
        for (p, (&id, events)) in self.ids.iter().zip(histories).enumerate() {
            timeline::from_history(
                id,
                (p, agents.pace(p)),
                &events,
                &mut self.mail,
                self.cast,
                &mut self.names,
                &mut timeline,
            );
        }
        timeline.append(&mut self.refusals);
        timeline.sort_by_key(|e| (e.at, e.project, e.seq));
        Ok(timeline)
    }

    /// Fires every timer due at `now`, in batches, as the worker does.
    async fn fire(&self, now: Timestamp) -> anyhow::Result<()> {
        loop {
            let round = self.engine.fire_due(now, BATCH).await?;
            if round.claimed == 0 || round.claimed == round.retried {
                return Ok(());
            }
        }
    }

    /// The simulated people take the steps due at `now`. Steps on different
    /// projects go in one batch; a project's second step at the same instant
    /// (another approval) goes in the next, after the first is committed.
    async fn act(&mut self, agents: &mut Agents<'_>, now: Timestamp) -> anyhow::Result<()> {
        let mut due: Vec<Task> = Vec::new();
        while let Some(entry) = self.agenda.first_entry() {
            if *entry.key() > now {
                break;
            }
            due.extend(entry.remove());
        }
        let mut waves: Vec<Vec<Task>> = Vec::new();
        let mut seen: HashMap<usize, usize> = HashMap::new();
        for task in due {
            let wave = seen.entry(task.project).or_default();
            if waves.len() <= *wave {
                waves.push(Vec::new());
            }
            waves[*wave].push(task);
            *wave += 1;
        }
        for wave in waves {
            let mut wave: Vec<Task> = wave
                .into_iter()
                .filter(|t| agents.standing(t.project) == Standing::Active)
                .collect();
            while !wave.is_empty() {
                let mut batch: Vec<Task> = wave.drain(..wave.len().min(BATCH)).collect();
                let commands = batch
                    .iter_mut()
                    .map(|t| {
                        let request = Request {
                            action: t.action.clone(),
                            fields: std::mem::take(&mut t.fields),
                            comment: t.comment.take(),
                            ..Request::default()
                        };
                        (
                            self.ids[t.project],
                            self.cast.people[t.actor].email.clone(),
                            request,
                        )
                    })
                    .collect();
                let results = self.engine.act_many(commands, now).await?;
                for (task, result) in batch.iter().zip(results) {
                    match result {
                        Ok(outcome) => {
                            let next = agents.done(task, &outcome, now);
                            self.plan(next);
                        }
                        Err(refused) => self.refused(agents, task, &refused, now),
                    }
                }
            }
        }
        Ok(())
    }

    fn refused(
        &mut self,
        agents: &mut Agents<'_>,
        task: &Task,
        error: &ServiceError,
        now: Timestamp,
    ) {
        agents.refused(task.project);
        self.refusals.push(Entry {
            at: now,
            project: self.ids[task.project],
            seq: i64::MAX,
            what: What::Refused {
                action: self.names.get(&task.action),
                reason: error.to_string(),
            },
            by: Some(task.actor),
            recipients: Vec::new(),
        });
    }
}
