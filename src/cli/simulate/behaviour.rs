//! How the simulated people behave: what each of them does next on each
//! project, and when. Nothing here decides what an action does — the engine
//! does, and says so in each command's outcome, which is what moves the
//! plans on.
//!
//! In every stage the way forward is its first action that is not automatic
//! (workflows list it first). Before it: every milestone is submitted and
//! accepted, and every evaluator has scored. The project's owner (the
//! trainee) keeps to their pace; everyone else acts at 10:00 on the working
//! day after their turn came (the cohort's weekend and holidays are not
//! working days).

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Span, Timestamp};

use gradflow_engine::calendar::Calendar;
use gradflow_engine::decide::{Change, Fields};
use gradflow_engine::definition::{Need, Stage, Workflow};
use gradflow_engine::service::Outcome;

use super::answers;
use super::cast::Cast;

/// When a trainee does their part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Three days before each due date (on the working day before, if that is a rest day).
    OnTime,
    /// Three days after each due date (on the next working day).
    Late,
    /// Never: the trainee does nothing.
    Never,
}

impl Pace {
    /// As the timeline says it.
    pub fn words(self) -> &'static str {
        match self {
            Pace::OnTime => "on time",
            Pace::Late => "late",
            Pace::Never => "never acting",
        }
    }
}

/// Local time at which simulated people act.
const ACT_AT: Time = Time::constant(10, 0, 0, 0);

/// How many days before (on time) or after (late) a due date trainees act.
const MARGIN_DAYS: i64 = 3;

/// When a trainee acts on something with no due date: this many days after it
/// became possible (on time), or [`LATE_UNDATED_DAYS`] (late).
const UNDATED_DAYS: i64 = 7;
const LATE_UNDATED_DAYS: i64 = 35;

/// Something a simulated person will do on a project.
#[derive(Debug, Clone)]
pub struct Task {
    /// The project (0-based number in the simulation).
    pub project: usize,
    /// Who does it (index into the cast).
    pub actor: usize,
    /// The command's action, e.g. `submit`, `visit_before.accept`, `score`.
    pub action: String,
    /// Form answers or scores.
    pub fields: Fields,
    /// A comment, where the action requires one.
    pub comment: Option<String>,
    /// What its success leads to.
    step: Step,
}

/// The part a task plays in its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Submitting a milestone: its review follows.
    Submit,
    /// Accepting a milestone, or a scorecard: one fewer thing before the way forward.
    Prerequisite,
    /// The stage's way forward (one approval of it, when it needs several).
    Forward,
}

/// Where a project's simulated people stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Work goes on.
    Active,
    /// In a terminal stage.
    Finished,
    /// An action was refused, or nothing can be done by hand: nobody acts any more.
    Stuck,
}

#[derive(Debug, Clone)]
struct Agent {
    pace: Pace,
    stage: String,
    deadline: Option<Timestamp>,
    /// Milestones still to be accepted and scorecards still to come.
    open: usize,
    standing: Standing,
}

/// The simulated people of every project, and their plans.
pub struct Agents<'a> {
    workflow: &'a Workflow,
    calendar: &'a Calendar,
    cast: &'a Cast,
    projects: Vec<Agent>,
}

impl<'a> Agents<'a> {
    /// One project per pace in `paces`, none started yet.
    pub fn new(
        workflow: &'a Workflow,
        calendar: &'a Calendar,
        cast: &'a Cast,
        paces: Vec<Pace>,
    ) -> Self {
        let projects = paces
            .into_iter()
            .map(|pace| Agent {
                pace,
                stage: String::new(),
                deadline: None,
                open: 0,
                standing: Standing::Active,
            })
            .collect();
        Agents {
            workflow,
            calendar,
            cast,
            projects,
        }
    }

    /// How many projects there are.
    pub fn len(&self) -> usize {
        self.projects.len()
    }

    /// Project `p`'s trainee's pace.
    pub fn pace(&self, p: usize) -> Pace {
        self.projects[p].pace
    }

    /// Where project `p` stands.
    pub fn standing(&self, p: usize) -> Standing {
        self.projects[p].standing
    }

    /// Project `p` was withdrawn (`--applicants`): nobody acts on it any more.
    pub fn withdrawn(&mut self, p: usize) {
        self.projects[p].standing = Standing::Finished;
    }

    /// Whether every project is finished or stuck.
    pub fn all_settled(&self) -> bool {
        self.projects.iter().all(|a| a.standing != Standing::Active)
    }

    /// Project `p` entered `stage` at `at`: what its people will do there.
    pub fn enter(&mut self, p: usize, stage: &str, at: Timestamp) -> Vec<(Timestamp, Task)> {
        let workflow = self.workflow;
        let agent = &mut self.projects[p];
        agent.stage = stage.to_owned();
        let Some(stage) = workflow.stage(stage) else {
            agent.standing = Standing::Stuck;
            return Vec::new();
        };
        if stage.terminal {
            agent.standing = Standing::Finished;
            return Vec::new();
        }
        let deadline = stage
            .deadline
            .as_ref()
            .and_then(|d| self.calendar.due(d, at).ok());
        agent.deadline = deadline;
        let mut tasks = Vec::new();
        for m in &stage.milestones {
            let due = m
                .due
                .as_ref()
                .and_then(|d| self.calendar.due(d, at).ok())
                .or(deadline);
            if let Some((actor, when)) = self.turn(p, &m.by, due, at) {
                let fields = answers::form(&workflow.forms[&m.form], self.local_date(when));
                tasks.push((
                    when,
                    task(p, actor, format!("{}.submit", m.key), fields, Step::Submit),
                ));
            }
        }
        let mut open = stage.milestones.len();
        if let Some(a) = &stage.assessment {
            let rubric = &workflow.rubrics[&a.rubric];
            let scores = answers::scorecard(rubric, answers::passing_score(rubric));
            let evaluators = self.holders(p, &a.by, a.evaluators as usize);
            open += evaluators.len();
            let when = self.next_working_day(at);
            for e in evaluators {
                tasks.push((
                    when,
                    task(p, e, "score".into(), scores.clone(), Step::Prerequisite),
                ));
            }
        }
        self.projects[p].open = open;
        if open == 0 {
            tasks.extend(self.forward(p, stage, at));
        }
        tasks
    }

    /// `task` succeeded at `at` with `outcome`: what follows from it.
    pub fn done(
        &mut self,
        task: &Task,
        outcome: &Outcome,
        at: Timestamp,
    ) -> Vec<(Timestamp, Task)> {
        let p = task.project;
        if outcome
            .changes
            .iter()
            .any(|c| matches!(c, Change::Moved { .. }))
        {
            return self.enter(p, &outcome.stage, at);
        }
        let Some(stage) = self.workflow.stage(&self.projects[p].stage) else {
            return Vec::new();
        };
        match task.step {
            Step::Submit => {
                let key = task.action.trim_end_matches(".submit");
                let Some(m) = stage.milestone(key) else {
                    return Vec::new();
                };
                let reviewer = self.holders(p, &m.review_by, 1);
                let when = self.next_working_day(at);
                reviewer
                    .into_iter()
                    .map(|r| {
                        let action = format!("{key}.accept");
                        (
                            when,
                            task_of(p, r, action, Fields::new(), None, Step::Prerequisite),
                        )
                    })
                    .collect()
            }
            Step::Prerequisite => {
                let agent = &mut self.projects[p];
                agent.open = agent.open.saturating_sub(1);
                if agent.open == 0 {
                    self.forward(p, stage, at)
                } else {
                    Vec::new()
                }
            }
            Step::Forward => Vec::new(),
        }
    }

    /// A task of project `p` was refused: its people stop.
    pub fn refused(&mut self, p: usize) {
        self.projects[p].standing = Standing::Stuck;
    }

    /// The stage's way forward, taken by everyone whose approval it needs,
    /// once it became possible at `ready`.
    fn forward(&mut self, p: usize, stage: &Stage, ready: Timestamp) -> Vec<(Timestamp, Task)> {
        let Some(action) = stage.actions.iter().find(|a| !a.auto) else {
            self.projects[p].standing = Standing::Stuck;
            return Vec::new();
        };
        let approvers: Vec<usize> = match action.need {
            Need::All => action
                .by
                .iter()
                .filter_map(|role| {
                    self.holders(p, std::slice::from_ref(role), 1)
                        .first()
                        .copied()
                })
                .collect(),
            Need::AtLeast(n) => self.holders(p, &action.by, n as usize),
            Need::Any => self.holders(p, &action.by, 1),
        };
        let deadline = self.projects[p].deadline;
        let mut tasks = Vec::new();
        for actor in approvers {
            let when = if actor == p {
                self.owner_time(p, deadline, ready)
            } else {
                Some(self.next_working_day(ready))
            };
            let Some(when) = when else { continue };
            let fields = action.form.as_ref().map_or_else(Fields::new, |f| {
                answers::form(&self.workflow.forms[f], self.local_date(when))
            });
            let comment = action
                .comment_required
                .then(|| "Simulated comment.".to_owned());
            tasks.push((
                when,
                task_of(p, actor, action.key.clone(), fields, comment, Step::Forward),
            ));
        }
        tasks
    }

    /// Who of `roles` acts on project `p`, and when: the owner at their pace
    /// (never, for a trainee who never acts), anyone else the next working day.
    fn turn(
        &self,
        p: usize,
        roles: &[String],
        due: Option<Timestamp>,
        ready: Timestamp,
    ) -> Option<(usize, Timestamp)> {
        if roles.contains(&self.cast.owner_role) {
            return self.owner_time(p, due, ready).map(|t| (p, t));
        }
        let who = *self.holders(p, roles, 1).first()?;
        Some((who, self.next_working_day(ready)))
    }

    /// Up to `n` different people holding any of `roles` on project `p`, the
    /// owner first when the owner's role is among them.
    fn holders(&self, p: usize, roles: &[String], n: usize) -> Vec<usize> {
        let mut people: Vec<usize> = Vec::new();
        let owner_first = roles
            .iter()
            .filter(|r| **r == self.cast.owner_role)
            .chain(roles.iter().filter(|r| **r != self.cast.owner_role));
        for role in owner_first {
            for person in self.cast.holders(p, role) {
                if people.len() < n && !people.contains(&person) {
                    people.push(person);
                }
            }
        }
        people
    }

    /// When project `p`'s owner does something due at `due` that became
    /// possible at `ready`; `None` for a trainee who never acts.
    fn owner_time(&self, p: usize, due: Option<Timestamp>, ready: Timestamp) -> Option<Timestamp> {
        let day = match (self.projects[p].pace, due) {
            (Pace::Never, _) => return None,
            (Pace::OnTime, Some(due)) => {
                self.working_day(add_days(self.local_date(due), -MARGIN_DAYS), -1)
            }
            (Pace::OnTime, None) => {
                self.working_day(add_days(self.local_date(ready), UNDATED_DAYS), 1)
            }
            (Pace::Late, Some(due)) => {
                self.working_day(add_days(self.local_date(due), MARGIN_DAYS), 1)
            }
            (Pace::Late, None) => {
                self.working_day(add_days(self.local_date(ready), LATE_UNDATED_DAYS), 1)
            }
        };
        // Never at the very instant it became possible: an hour later at the soonest.
        let soonest = ready
            .checked_add(SignedDuration::from_hours(1))
            .unwrap_or(ready);
        Some(self.at(day).max(soonest))
    }

    /// 10:00 on the first working day after the local day of `after`.
    fn next_working_day(&self, after: Timestamp) -> Timestamp {
        self.at(self.working_day(add_days(self.local_date(after), 1), 1))
    }

    /// `day` if the cohort works on it, else the nearest working day in
    /// direction `step` (+1 later, -1 earlier); a year of rest days at most.
    fn working_day(&self, day: Date, step: i64) -> Date {
        let mut d = day;
        for _ in 0..366 {
            if self.calendar.is_business_day(d) {
                return d;
            }
            d = add_days(d, step);
        }
        day
    }

    /// The local day of `at` in the cohort's zone.
    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned_datetime(self.calendar.zone().clone()).date()
    }

    /// [`ACT_AT`] on local day `day`.
    fn at(&self, day: Date) -> Timestamp {
        day.to_datetime(ACT_AT)
            .to_zoned_datetime(self.calendar.zone().clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }
}

fn add_days(day: Date, n: i64) -> Date {
    day.checked_add(Span::new().days(n)).unwrap_or(day)
}

fn task(p: usize, actor: usize, action: String, fields: Fields, step: Step) -> Task {
    task_of(p, actor, action, fields, None, step)
}

fn task_of(
    project: usize,
    actor: usize,
    action: String,
    fields: Fields,
    comment: Option<String>,
    step: Step,
) -> Task {
    Task {
        project,
        actor,
        action,
        fields,
        comment,
        step,
    }
}
