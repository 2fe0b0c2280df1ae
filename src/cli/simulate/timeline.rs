//! The timeline of a simulation: every step, deadline, reminder, escalation
//! and message, read back from each project's log and the outbox, in the
//! cohort's local time; and the summary at its end. Printed for people (day
//! by day) or as JSON (one object per entry).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;

use gradflow_engine::decide::Change;
use gradflow_engine::service::StoredEvent;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::behaviour::Pace;
use super::cast::Cast;

/// What happened.
#[derive(Debug, Clone)]
pub enum What {
    /// The project began in `stage`.
    Started {
        /// Start stage.
        stage: Arc<str>,
        /// Its owner (the trainee; index into the cast).
        owner: usize,
        /// Their pace.
        pace: Pace,
    },
    /// Someone (or the engine, for an automatic action) took an action.
    Action {
        /// Action key.
        action: Arc<str>,
    },
    /// A milestone was submitted, accepted or returned.
    Milestone {
        /// Milestone key.
        milestone: Arc<str>,
        /// `submitted`, `accepted` or `returned`.
        step: &'static str,
    },
    /// An evaluator scored.
    Scored,
    /// The project moved.
    Moved {
        /// Stage left.
        from: Arc<str>,
        /// Stage entered.
        to: Arc<str>,
    },
    /// An action requested an effect (a certificate).
    Effect {
        /// Effect name.
        effect: Arc<str>,
    },
    /// A stage's deadline passed with the project still in it.
    DeadlinePassed {
        /// The stage.
        stage: Arc<str>,
    },
    /// A milestone's due date passed before it was submitted.
    MilestoneLate {
        /// Milestone key.
        milestone: Arc<str>,
    },
    /// A reminder before a deadline went out.
    Reminder {
        /// Timer key, `remind:N`.
        timer: Arc<str>,
        /// Template of its messages.
        template: Option<Arc<str>>,
    },
    /// An escalation after a deadline went out.
    Escalation {
        /// Timer key, `overdue:N`.
        timer: Arc<str>,
        /// Template of its messages.
        template: Option<Arc<str>>,
    },
    /// A notification went out (a step the workflow's `notifications:` follow).
    Message {
        /// Template.
        template: Arc<str>,
    },
    /// The engine refused a simulated person's command: nobody acts on the project any more.
    Refused {
        /// The command's action.
        action: Arc<str>,
        /// The engine's words.
        reason: String,
    },
    /// The cohort's intake (`--applicants`): an application changed state,
    /// an offer was made, taken, declined or let lapse, a trainee withdrew.
    Intake {
        /// What happened, in words.
        text: String,
    },
}

impl What {
    /// The entry's kind, as printed and in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            What::Started { .. } => "start",
            What::Action { .. } => "action",
            What::Milestone { .. } => "milestone",
            What::Scored => "score",
            What::Moved { .. } => "moved",
            What::Effect { .. } => "effect",
            What::DeadlinePassed { .. } => "deadline",
            What::MilestoneLate { .. } => "late",
            What::Reminder { .. } => "reminder",
            What::Escalation { .. } => "escalation",
            What::Message { .. } => "message",
            What::Refused { .. } => "refused",
            What::Intake { .. } => "intake",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When (UTC).
    pub at: Timestamp,
    /// Project id.
    pub project: i64,
    /// The event's place in the project's log (refusals come after it).
    pub seq: i64,
    /// What happened.
    pub what: What,
    /// Who did it (index into the cast); `None` for the engine itself.
    pub by: Option<usize>,
    /// Who was emailed (indexes into the cast).
    pub recipients: Vec<usize>,
}

/// A message: its template and its recipient (index into the cast).
type Sent = (Arc<str>, usize);

/// Messages as the outbox handed them over, by (project, causing event).
#[derive(Debug, Default)]
pub struct Mailbag {
    by_cause: HashMap<(i64, i64), Vec<Sent>>,
    /// Messages per template.
    pub per_template: BTreeMap<String, usize>,
    /// Messages in all.
    pub total: usize,
    /// The escalation templates: a worker gathers those to one person at
    /// one instant into one email.
    gathered: HashSet<String>,
    /// Gathered emails met so far: (recipient, template, instant).
    gathered_emails: HashSet<(usize, Arc<str>, Timestamp)>,
    /// Emails, as the worker sends them: a message alone, or escalations gathered.
    pub emails: usize,
}

impl Mailbag {
    /// An empty bag for `workflow`, whose escalations are gathered.
    pub fn gathering(workflow: &gradflow_engine::definition::Workflow) -> Mailbag {
        Mailbag {
            gathered: gradflow_engine::service::mail::template_uses(workflow)
                .into_iter()
                .filter(|(_, usage)| *usage == gradflow_engine::service::mail::TemplateUse::Overdue)
                .map(|(name, _)| name)
                .collect(),
            ..Mailbag::default()
        }
    }

    /// Counts the emails of `sent`, caused by an event at `at`.
    fn count_emails(&mut self, sent: &[Sent], at: Timestamp) {
        for (template, recipient) in sent {
            if !self.gathered.contains(&**template)
                || self
                    .gathered_emails
                    .insert((*recipient, template.clone(), at))
            {
                self.emails += 1;
            }
        }
    }

    /// Records one message sent.
    pub fn add(&mut self, project: i64, cause: i64, template: Arc<str>, recipient: usize) {
        *self.per_template.entry(template.to_string()).or_default() += 1;
        self.total += 1;
        self.by_cause
            .entry((project, cause))
            .or_default()
            .push((template, recipient));
    }

    fn take(&mut self, project: i64, cause: i64) -> Vec<Sent> {
        self.by_cause.remove(&(project, cause)).unwrap_or_default()
    }
}

/// Shares the many equal texts (stage, action and template names) of a long timeline.
#[derive(Debug, Default)]
pub struct Names(HashMap<String, Arc<str>>);

impl Names {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(s) = self.0.get(text) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(text);
        self.0.insert(text.to_owned(), s.clone());
        s
    }
}

/// The entries of one project's log (and its messages), oldest first.
pub fn from_history(
    project: i64,
    (owner, pace): (usize, Pace),
    events: &[StoredEvent],
    mail: &mut Mailbag,
    cast: &Cast,
    names: &mut Names,
    out: &mut Vec<Entry>,
) {
    let mut stage: Arc<str> = Arc::from("");
    for e in events {
        let by = e.actor.as_deref().and_then(|email| cast.by_email(email));
        let mut sent = mail.take(project, e.seq);
        mail.count_emails(&sent, e.at);
        let what = match &e.change {
            Change::Started { stage: s, .. } => {
                stage = names.get(s);
                Some(What::Started {
                    stage: stage.clone(),
                    owner,
                    pace,
                })
            }
            Change::ActionTaken { action, .. } => Some(What::Action {
                action: names.get(action),
            }),
            Change::Moved { from, to } => {
                stage = names.get(to);
                Some(What::Moved {
                    from: names.get(from),
                    to: stage.clone(),
                })
            }
            Change::MilestoneSubmitted { milestone, .. } => Some(What::Milestone {
                milestone: names.get(milestone),
                step: "submitted",
            }),
            Change::MilestoneAccepted { milestone, .. } => Some(What::Milestone {
                milestone: names.get(milestone),
                step: "accepted",
            }),
            Change::MilestoneReturned { milestone, .. } => Some(What::Milestone {
                milestone: names.get(milestone),
                step: "returned",
            }),
            Change::Scored { .. } => Some(What::Scored),
            Change::DeadlinePassed => Some(What::DeadlinePassed {
                stage: stage.clone(),
            }),
            Change::MilestoneLate { milestone } => Some(What::MilestoneLate {
                milestone: names.get(milestone),
            }),
            Change::Reminded { timer } => {
                let template = sent.first().map(|(t, _)| t.clone());
                let mut recipients: Vec<usize> = std::mem::take(&mut sent)
                    .into_iter()
                    .map(|(_, r)| r)
                    .collect();
                in_role_order(&mut recipients, cast);
                let timer = names.get(timer);
                let what = if timer.starts_with("overdue:") {
                    What::Escalation { timer, template }
                } else {
                    What::Reminder { timer, template }
                };
                out.push(Entry {
                    at: e.at,
                    project,
                    seq: e.seq,
                    what,
                    by,
                    recipients,
                });
                None
            }
            Change::EffectRequested { effect } => Some(What::Effect {
                effect: names.get(effect),
            }),
            // A withdrawal from any stage (issue 16, part 5).
            Change::Withdrawn { .. } => Some(What::Action {
                action: names.get("withdraw"),
            }),
            // Roles given, approvals short of the rule: the actions say enough.
            _ => None,
        };
        if let Some(what) = what {
            out.push(Entry {
                at: e.at,
                project,
                seq: e.seq,
                what,
                by,
                recipients: Vec::new(),
            });
        }
        // The event's notifications, one entry per template.
        let mut templates: Vec<(Arc<str>, Vec<usize>)> = Vec::new();
        for (template, recipient) in sent {
            match templates.iter_mut().find(|(t, _)| *t == template) {
                Some((_, list)) => list.push(recipient),
                None => templates.push((template, vec![recipient])),
            }
        }
        for (template, mut recipients) in templates {
            in_role_order(&mut recipients, cast);
            out.push(Entry {
                at: e.at,
                project,
                seq: e.seq,
                what: What::Message { template },
                by: None,
                recipients,
            });
        }
    }
}

/// Sorts people as the workflow lists their roles (the trainee first).
fn in_role_order(people: &mut [usize], cast: &Cast) {
    people.sort_by_key(|&p| (cast.role_rank(&cast.people[p].role), p));
}

/// Totals shown at the end.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Projects simulated.
    pub projects: usize,
    /// Projects per stage they ended in.
    pub final_stages: BTreeMap<String, usize>,
    /// Projects whose stage was overdue at the end.
    pub overdue: usize,
    /// Deadlines that passed with the project still in the stage.
    pub deadlines_passed: usize,
    /// Milestones whose due date passed before they were submitted.
    pub milestones_late: usize,
    /// Reminders sent (each may have several recipients).
    pub reminders: usize,
    /// Escalations sent.
    pub escalations: usize,
    /// Commands of simulated people the engine refused.
    pub refused: usize,
    /// Messages per template.
    pub messages: BTreeMap<String, usize>,
    /// Messages in all.
    pub messages_total: usize,
    /// Emails they make, as the worker sends them (escalations to one
    /// person at one instant are one email).
    pub emails: usize,
    /// Why the simulation stopped.
    pub ended: &'static str,
    /// When it stopped (the last instant simulated).
    pub ended_at: Option<Timestamp>,
}

impl Summary {
    /// Counts the timeline's deadlines, reminders, escalations and refusals.
    pub fn count(&mut self, timeline: &[Entry]) {
        for e in timeline {
            match e.what {
                What::DeadlinePassed { .. } => self.deadlines_passed += 1,
                What::MilestoneLate { .. } => self.milestones_late += 1,
                What::Reminder { .. } => self.reminders += 1,
                What::Escalation { .. } => self.escalations += 1,
                What::Refused { .. } => self.refused += 1,
                _ => {}
            }
        }
    }
}

/// Writes lines to standard output through a buffer; a reader that went away
/// (`| head`) ends the program quietly, as for every other command.
pub struct Out {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
}

impl Out {
    /// Standard output, buffered.
    pub fn stdout() -> Out {
        Out {
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
        }
    }

    /// Writes `text` and a line break, with control characters shown, not obeyed.
    pub fn line(&mut self, text: &str) {
        let text = crate::cli::output::clean(text);
        let result = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"));
        Self::check(result);
    }

    /// Flushes what is buffered.
    pub fn finish(mut self) {
        let result = self.out.flush();
        Self::check(result);
    }

    fn check(result: std::io::Result<()>) {
        if let Err(e) = result {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

/// `2026-02-08 Sun 09:00 +04`: how people in the cohort read an instant.
pub fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%d %a %H:%M %Z")
        .to_string()
}

/// One entry for people.
pub fn text(e: &Entry, cast: &Cast, zone: &TimeZone) -> String {
    let by = || {
        e.by.map_or_else(|| "the engine".to_owned(), |p| cast.label(p))
    };
    let to = || recipients(&e.recipients, cast);
    let detail = match &e.what {
        What::Started { stage, owner, pace } => format!(
            "starts in {stage}: {} ({})",
            cast.label(*owner),
            pace.words()
        ),
        What::Action { action } => match e.by {
            Some(p) => format!("{action} by {}", cast.label(p)),
            None => format!("{action} (automatic)"),
        },
        What::Milestone { milestone, step } => format!("{milestone} {step} by {}", by()),
        What::Scored => format!("scorecard by {}", by()),
        What::Moved { from, to } => format!("{from} -> {to}"),
        What::Effect { effect } => format!("{effect} requested"),
        What::DeadlinePassed { stage } => format!("the deadline of {stage} passed"),
        What::MilestoneLate { milestone } => format!("{milestone} is past its due date"),
        What::Reminder { timer, template } | What::Escalation { timer, template } => match template
        {
            Some(t) => format!("{timer} {t} -> {}", to()),
            None => format!("{timer} (no message)"),
        },
        What::Message { template } => format!("{template} -> {}", to()),
        What::Refused { action, reason } => format!("{action} by {} refused: {reason}", by()),
        What::Intake { text } => text.clone(),
    };
    // The cohort's own events (its intake) belong to no project.
    let project = if e.project == 0 {
        String::new()
    } else {
        format!("#{}", e.project)
    };
    format!(
        "{}  {:<10} {project:<5} {detail}",
        local(e.at, zone),
        e.what.kind(),
    )
}

/// `trainee (Amal Al-Harthy), committee (Salim Al-Rawahi, Mona Al-Kindi)`.
pub fn recipients(people: &[usize], cast: &Cast) -> String {
    let mut roles: Vec<(&str, Vec<&str>)> = Vec::new();
    // People come sorted by role already (see `in_role_order`).
    for &p in people {
        let person = &cast.people[p];
        match roles.iter_mut().find(|(r, _)| *r == person.role) {
            Some((_, names)) => names.push(&person.name),
            None => roles.push((&person.role, vec![&person.name])),
        }
    }
    roles
        .iter()
        .map(|(role, names)| format!("{role} ({})", names.join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A person in JSON.
#[derive(Serialize)]
struct JsonPerson<'a> {
    role: &'a str,
    name: &'a str,
    email: &'a str,
}

/// One entry in JSON: the instant in UTC and in local time, what, who.
#[derive(Serialize)]
struct JsonEntry<'a> {
    at: Timestamp,
    local: String,
    zone: &'a str,
    kind: &'static str,
    project: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    stage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pace: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    milestone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<JsonPerson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<JsonPerson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    recipients: Vec<JsonPerson<'a>>,
}

/// One entry as a line of JSON.
pub fn json(e: &Entry, cast: &Cast, zone: &TimeZone, zone_name: &str) -> String {
    let person = |p: usize| {
        let person = &cast.people[p];
        JsonPerson {
            role: &person.role,
            name: &person.name,
            email: &person.email,
        }
    };
    let mut entry = JsonEntry {
        at: e.at,
        local: e
            .at
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        zone: zone_name,
        kind: e.what.kind(),
        project: e.project,
        stage: None,
        pace: None,
        action: None,
        milestone: None,
        step: None,
        from: None,
        to: None,
        effect: None,
        timer: None,
        template: None,
        reason: None,
        owner: None,
        by: e.by.map(person),
        recipients: e.recipients.iter().map(|&p| person(p)).collect(),
    };
    match &e.what {
        What::Started { stage, owner, pace } => {
            entry.stage = Some(stage);
            entry.owner = Some(person(*owner));
            entry.pace = Some(pace.words());
        }
        What::Action { action } => entry.action = Some(action),
        What::Milestone { milestone, step } => {
            entry.milestone = Some(milestone);
            entry.step = Some(step);
        }
        What::Scored => {}
        What::Moved { from, to } => {
            entry.from = Some(from);
            entry.to = Some(to);
        }
        What::Effect { effect } => entry.effect = Some(effect),
        What::DeadlinePassed { stage } => entry.stage = Some(stage),
        What::MilestoneLate { milestone } => entry.milestone = Some(milestone),
        What::Reminder { timer, template } | What::Escalation { timer, template } => {
            entry.timer = Some(timer);
            entry.template = template.as_deref();
        }
        What::Message { template } => entry.template = Some(template),
        What::Refused { action, reason } => {
            entry.action = Some(action);
            entry.reason = Some(reason);
        }
        What::Intake { text } => entry.reason = Some(text),
    }
    serde_json::to_string(&entry).expect("an entry serialises")
}
