//! The outbox seen from the service: claim messages that are due with what
//! their templates need (the published templates and the variables of their
//! cause), record how each delivery ended, and let staff list and resend.
//! Sending itself is not here: the engine knows nothing of SMTP.
//!
//! # Template variables
//! Words of the workflow (the titles of stages, actions and milestones) are
//! in the recipient's language (the message row's `language`; the default
//! text when they chose none, or the workflow gives none in theirs), as is
//! the template variant the courier picks.
//!
//! Every template gets `project` (`id`, `title`), `stage` (`key`, `title`),
//! `cohort` (`name`), `recipient` (`name`, `email`), `deadline` (the stage's
//! deadline in the cohort's local time, or empty) and one entry per role of
//! the workflow (`trainee.name`, `supervisor.name`, ...: the first holder,
//! or empty). Then, by what sent it:
//! - `enter`, `leave`, `action` rules: `action` (`key`, `title`), `comment`
//!   and `certificate` (`number`, `code`: the project's certificate when the
//!   recipient holds it, else both empty; `check`: its public check address,
//!   which the courier fills in when the worker is given `--public-url`,
//!   else empty);
//! - `milestone` rules: `milestone` (`key`, `title`) and `comment`;
//! - reminders: nothing more;
//! - overdue escalations: `overdue_since` (local time) and `projects`, the
//!   list of overdue projects the message is about (`title`, `stage`,
//!   `deadline`, `overdue_since`): escalations with the same schedule and
//!   template to the same person in one cohort are gathered into one message.
//!
//! [`template_variables`] gives the same shapes with sample values, which is
//! what `workflow validate` renders every template against.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Engine, Error};
use crate::calendar::Calendar;
use crate::decide::Change;
use crate::definition::{DEFAULT_LANGUAGE, Trigger, Workflow};
use crate::store::{Delivery, Message};

/// How long a claimed message is held, unless renewed, before another
/// worker may take it over: the default of `gradflow worker --mail-lease`.
pub const LEASE: SignedDuration = SignedDuration::from_secs(120);

/// Most due messages of one recipient that a claim takes beyond its limit
/// to put their reminders and escalations in one email (see [`Engine::claim_mail`]).
const GATHER_LIMIT: i64 = 100_000;

/// What a template is used for, which decides the variables it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateUse {
    /// A notification rule on entering or leaving a stage, or an action.
    Step,
    /// A notification rule on a milestone's review.
    Milestone,
    /// A reminder before a deadline.
    Reminder,
    /// An escalation after a deadline.
    Overdue,
}

/// Every template a workflow names, with what it is used for.
pub fn template_uses(workflow: &Workflow) -> Vec<(String, TemplateUse)> {
    let mut uses = Vec::new();
    for rule in &workflow.notifications {
        let kind = match rule.on {
            Trigger::Milestone { .. } => TemplateUse::Milestone,
            _ => TemplateUse::Step,
        };
        uses.push((rule.template.clone(), kind));
    }
    for stage in &workflow.stages {
        for r in &stage.reminders {
            uses.push((r.template.clone(), TemplateUse::Reminder));
        }
        for o in &stage.overdue {
            uses.push((o.template.clone(), TemplateUse::Overdue));
        }
    }
    uses.sort_by(|a, b| a.0.cmp(&b.0));
    uses.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    uses
}

/// The variables a template used as `usage` gets, with sample values.
pub fn template_variables(workflow: &Workflow, usage: TemplateUse) -> Value {
    let roles = workflow
        .roles
        .iter()
        .map(|r| (r.clone(), format!("Sample {}", r.replace('_', " "))))
        .collect();
    let sample = Facts {
        project: (1, "Same-day renewal of health cards".into()),
        stage: (
            workflow.start.clone(),
            workflow
                .stage(&workflow.start)
                .map_or_else(String::new, |s| s.title.default_text().to_owned()),
        ),
        cohort: "Service 2026 A".into(),
        recipient: ("Amal Al-Harthy".into(), "amal@example.org".into()),
        deadline: "2026-02-15 23:59".into(),
        roles,
        action: Some(("submit".into(), "Submit the proposal".into())),
        milestone: Some(("baseline".into(), "Baseline measurement".into())),
        comment: "Say which branch you will start with.".into(),
        overdue_since: "2026-02-15 23:59".into(),
        certificate: Some((
            "PSLI-2026-00001".into(),
            "7K3M-Q9TX-2H8B-VD4W-N6PR-1CFJ-ZY5E".into(),
        )),
    };
    let mut vars = sample.variables(usage);
    if let Some(certificate) = vars.get_mut("certificate") {
        // As the courier fills it in for a worker given --public-url.
        certificate["check"] =
            json!("https://gradflow.institute.example/verify/7K3M-Q9TX-2H8B-VD4W-N6PR-1CFJ-ZY5E");
    }
    if let Some(projects) = vars.get_mut("projects").and_then(Value::as_array_mut) {
        // A gathered escalation lists several projects.
        let mut second = projects[0].clone();
        second["id"] = json!(2);
        second["title"] = json!("Fewer steps for housing permits");
        projects.push(second);
    }
    vars
}

/// A withdrawal as a message's `action`: key `withdraw`, titled as the
/// workflow's own `withdraw` action where it has one (in `lang`), else as
/// its withdrawal stage.
fn withdrawal_action(workflow: &Workflow, lang: &str) -> (String, String) {
    let title = workflow
        .stages
        .iter()
        .find_map(|s| s.action("withdraw"))
        .map(|a| a.title.get(lang).to_owned())
        .or_else(|| {
            workflow
                .withdrawal_stage()
                .map(|s| s.title.get(lang).to_owned())
        })
        .unwrap_or_else(|| "withdraw".to_owned());
    ("withdraw".to_owned(), title)
}

/// What a message's variables are made of.
struct Facts {
    project: (i64, String),
    stage: (String, String),
    cohort: String,
    recipient: (String, String),
    deadline: String,
    /// Role -> name of its first holder.
    roles: BTreeMap<String, String>,
    action: Option<(String, String)>,
    milestone: Option<(String, String)>,
    comment: String,
    overdue_since: String,
    /// The project's certificate (number, grouped code), when the
    /// recipient is its holder.
    certificate: Option<(String, String)>,
}

impl Facts {
    /// This project as one entry of an escalation's `projects` list.
    fn overdue_project(&self) -> Value {
        json!({
            "id": self.project.0,
            "title": self.project.1,
            "stage": self.stage.1,
            "deadline": self.deadline,
            "overdue_since": self.overdue_since,
        })
    }

    fn variables(&self, usage: TemplateUse) -> Value {
        let mut vars = json!({
            "project": { "id": self.project.0, "title": self.project.1 },
            "stage": { "key": self.stage.0, "title": self.stage.1 },
            "cohort": { "name": self.cohort },
            "recipient": { "name": self.recipient.0, "email": self.recipient.1 },
            "deadline": self.deadline,
        });
        let map = vars.as_object_mut().expect("an object");
        for (role, name) in &self.roles {
            // A role named like a common variable keeps the variable.
            map.entry(role.clone())
                .or_insert_with(|| json!({ "name": name }));
        }
        let pair = |p: &Option<(String, String)>| {
            let (key, title) = p.clone().unwrap_or_default();
            json!({ "key": key, "title": title })
        };
        match usage {
            TemplateUse::Step => {
                map.insert("action".into(), pair(&self.action));
                map.insert("comment".into(), json!(self.comment));
                let (number, code) = self.certificate.clone().unwrap_or_default();
                map.insert(
                    "certificate".into(),
                    json!({ "number": number, "code": code, "check": "" }),
                );
            }
            TemplateUse::Milestone => {
                map.insert("milestone".into(), pair(&self.milestone));
                map.insert("comment".into(), json!(self.comment));
            }
            TemplateUse::Reminder => {}
            TemplateUse::Overdue => {
                map.insert("overdue_since".into(), json!(self.overdue_since));
                map.insert("projects".into(), json!([self.overdue_project()]));
            }
        }
        vars
    }
}

/// A message ready to render and send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    /// The outbox row.
    pub message: Message,
    /// Recipient's name.
    pub name: String,
    /// The definition version whose templates these are (a key for caching them compiled).
    pub definition: i64,
    /// The templates published with the workflow version (file name -> text).
    pub templates: Arc<BTreeMap<String, String>>,
    /// The template's variables.
    pub variables: Value,
    /// What the template is used for.
    pub usage: TemplateUse,
    /// The cohort of the message's project.
    pub cohort: i64,
    /// The recipient takes reminders and escalations as one digest.
    pub digest: bool,
}

impl OutgoingMail {
    /// Whether it goes out gathered with others of its recipient: a
    /// reminder or an escalation to someone who takes a digest (all in one
    /// email), or an escalation (one email per template and cohort listing
    /// every project).
    pub fn gathers(&self) -> bool {
        let timed = matches!(self.usage, TemplateUse::Reminder | TemplateUse::Overdue);
        (self.digest && timed) || self.usage == TemplateUse::Overdue
    }
}

/// Messages claimed by one worker, held under a lease that only this claim
/// can renew or finish (its random token is written on each row).
#[derive(Debug)]
pub struct MailClaim {
    /// The claim's token; never shown.
    token: String,
    /// How long each renewal holds the messages.
    lease: SignedDuration,
    /// Until when the messages are held (the last renewal's).
    pub lease_until: Timestamp,
    /// The messages, ready to render and send.
    pub mails: Vec<OutgoingMail>,
    /// Messages claimed whose variables could not be put together, with why:
    /// the caller records each as dead when it never can be (its error's
    /// kind is `Invalid` or `NotFound`) or to retry (a busy or unreachable
    /// database), through [`Engine::finish_mail_group`].
    pub unprepared: Vec<(Message, Error)>,
}

impl MailClaim {
    /// How many messages it holds.
    pub fn len(&self) -> usize {
        self.mails.len() + self.unprepared.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Engine {
    /// Claims up to `limit` messages due by `due_by`, and those whose lease
    /// ran out by `clock`, holding them for `lease` from `clock`, with what
    /// rendering them needs. A recipient whose claimed messages are
    /// gathered into one email ([`OutgoingMail::gathers`]) gets all their
    /// due messages of that kind in the claim, whatever the limit: one
    /// email per person per occurrence, never one per batch. A claim counts
    /// no attempt; only a delivery tried does ([`Engine::finish_mail_group`]).
    pub async fn claim_mail(
        &self,
        due_by: Timestamp,
        clock: Timestamp,
        limit: usize,
        lease: SignedDuration,
    ) -> Result<MailClaim, Error> {
        let token = format!("{:032x}", rand::random::<u128>());
        let lease_until = clock.checked_add(lease).unwrap_or(clock);
        let mut claim = MailClaim {
            token,
            lease,
            lease_until,
            mails: Vec::new(),
            unprepared: Vec::new(),
        };
        let claimed = self
            .store
            .claim_messages(
                due_by,
                clock,
                i64::try_from(limit).unwrap_or(i64::MAX),
                None,
                (&claim.token, lease_until),
            )
            .await?;
        let mut held: std::collections::BTreeSet<i64> = claimed.iter().map(|m| m.id).collect();
        self.prepare_mail(claimed, &mut claim).await;
        let mut gathering: Vec<i64> = claim
            .mails
            .iter()
            .filter(|m| m.gathers())
            .map(|m| m.message.recipient)
            .collect();
        gathering.sort_unstable();
        gathering.dedup();
        for recipient in gathering {
            let more = self
                .store
                .claim_messages(
                    due_by,
                    clock,
                    GATHER_LIMIT,
                    Some(recipient),
                    (&claim.token, lease_until),
                )
                .await?;
            let more: Vec<Message> = more.into_iter().filter(|m| held.insert(m.id)).collect();
            let before = claim.mails.len();
            self.prepare_mail(more, &mut claim).await;
            // Only what joins the recipient's gathered email stays; the
            // rest goes back for a later claim, within its limit.
            let extra = claim.mails.split_off(before);
            let (keep, give_back): (Vec<_>, Vec<_>) =
                extra.into_iter().partition(OutgoingMail::gathers);
            claim.mails.extend(keep);
            let ids: Vec<i64> = give_back.iter().map(|m| m.message.id).collect();
            self.store.release_messages(&ids, &claim.token).await?;
        }
        Ok(claim)
    }

    /// Puts each claimed message together, or keeps it aside with why not.
    /// What the messages share is read once for all of them (their
    /// projects, histories, people and cohorts: a few statements for the
    /// claim rather than about ten per message); a message whose part is
    /// missing from that reads it alone, as [`Engine::mail_message`] does.
    async fn prepare_mail(&self, messages: Vec<Message>, claim: &mut MailClaim) {
        // A failure to read them together is not a message's failure: each
        // then reads its own, and fails alone if it must.
        let known = self.read_together(&messages).await.unwrap_or_default();
        for message in messages {
            match self.outgoing(message.clone(), &known).await {
                Ok(mail) => claim.mails.push(mail),
                Err(e) => claim.unprepared.push((message, e)),
            }
        }
    }

    /// What `messages` need, read in a few statements for them all.
    async fn read_together(&self, messages: &[Message]) -> Result<Known, Error> {
        let mut projects: Vec<i64> = messages.iter().map(|m| m.project).collect();
        projects.sort_unstable();
        projects.dedup();
        let records = self.store.projects_by_id(&projects).await?;
        let histories = self.store.events_of(&projects).await?;
        let mut people: Vec<i64> = messages
            .iter()
            .map(|m| m.recipient)
            .chain(
                records
                    .iter()
                    .flat_map(|r| r.members.iter().map(|m| m.person)),
            )
            .collect();
        people.sort_unstable();
        people.dedup();
        let people = self.store.people_by_id(&people).await?;
        let mut known = Known::default();
        for cohort in records.iter().map(|r| r.cohort_id) {
            if let std::collections::btree_map::Entry::Vacant(entry) = known.cohorts.entry(cohort) {
                entry.insert(self.store.cohort_by_id(cohort).await?.name);
            }
        }
        known.histories = projects.iter().copied().zip(histories).collect();
        known.projects = records.into_iter().map(|r| (r.id, r)).collect();
        known.people = people.into_iter().map(|p| (p.id, p)).collect();
        Ok(known)
    }

    /// Extends the lease of the claim's messages `ids` by its lease from
    /// `clock`; returns those it still holds (another worker took over the
    /// others after their lease ran out: this one must not send them).
    pub async fn renew_mail(
        &self,
        claim: &mut MailClaim,
        ids: &[i64],
        clock: Timestamp,
    ) -> Result<Vec<i64>, Error> {
        let until = clock.checked_add(claim.lease).unwrap_or(clock);
        let held = self.store.renew_messages(ids, &claim.token, until).await?;
        claim.lease_until = until;
        Ok(held)
    }

    /// Records how delivering the claim's messages `ids`, sent as one email,
    /// ended: all of them at once, so a crash never splits the email, and
    /// one attempt each. Only the claim holding them records anything;
    /// returns `false` when it no longer held them all (its lease ran out
    /// and another worker took them over).
    pub async fn finish_mail_group(
        &self,
        claim: &MailClaim,
        ids: &[i64],
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let recorded = self
            .store
            .finish_messages(ids, &claim.token, delivery, now)
            .await?;
        Ok(recorded == ids.len() as u64)
    }

    /// Records how several emails of the claim ended (`groups`: each
    /// email's message ids and its ending), as [`Engine::finish_mail_group`]
    /// does for each, with every email sent recorded in one statement (a
    /// worker sending on several connections at once records together
    /// what finished together). Returns, per group, whether it was recorded.
    pub async fn finish_mail_groups(
        &self,
        claim: &MailClaim,
        groups: &[(Vec<i64>, Delivery)],
        now: Timestamp,
    ) -> Result<Vec<bool>, Error> {
        Ok(self
            .store
            .finish_message_groups(groups, &claim.token, now)
            .await?)
    }

    /// Messages, newest first, optionally only those in `state`
    /// (pending, claimed, sent, failed, dead).
    pub async fn mail(&self, state: Option<&str>, limit: usize) -> Result<Vec<Message>, Error> {
        if let Some(state) = state
            && !["pending", "claimed", "sent", "failed", "dead"].contains(&state)
        {
            return Err(Error::invalid(format!(
                "'{state}' is not a message state; use pending, claimed, sent, failed or dead"
            )));
        }
        Ok(self.store.messages(state, limit as i64).await?)
    }

    /// One message, with what it would say.
    pub async fn mail_message(&self, id: i64) -> Result<OutgoingMail, Error> {
        let message = self.store.message(id).await?;
        self.outgoing(message, &Known::default()).await
    }

    /// Puts a dead, failed or sent message back in the queue to be sent now
    /// (a new delivery of the same message; its attempts keep counting).
    pub async fn retry_mail(&self, id: i64, now: Timestamp) -> Result<(), Error> {
        let message = self.store.message(id).await?;
        if self.store.retry_message(id, now).await? {
            Ok(())
        } else {
            Err(Error::Conflict(crate::reason::Reason::new(
                "message-not-resendable",
                vec![
                    ("message", crate::reason::Arg::int(id)),
                    ("state", crate::reason::Arg::Text(message.state)),
                ],
            )))
        }
    }

    /// When the next message is due, if any.
    pub async fn next_mail_due(&self) -> Result<Option<Timestamp>, Error> {
        let outbox = self.store.next_message_due().await?;
        let account = self.store.next_account_mail_due().await?;
        Ok(outbox.into_iter().chain(account).min())
    }

    /// A claimed message with its templates and variables; what `known`
    /// holds is not read again.
    async fn outgoing(&self, message: Message, known: &Known) -> Result<OutgoingMail, Error> {
        let fetched;
        let record = match known.projects.get(&message.project) {
            Some(record) => record,
            None => {
                fetched = self.store.project(message.project).await?;
                &fetched
            }
        };
        let (workflow, calendar) = self.context(record).await?;
        let templates = self.templates(record.definition_id).await?;
        let fetched_history;
        let history = match known.histories.get(&message.project) {
            Some(history) => history,
            None => {
                fetched_history = self.store.events(message.project).await?;
                &fetched_history
            }
        };
        let recipient = self.known_person(message.recipient, known).await?;
        let cause = history.iter().find(|e| e.seq == message.cause);
        // The step's other events (same command, same instant) carry its
        // action, milestone and comment.
        let step: Vec<&Change> = history
            .iter()
            .filter(|e| e.seq <= message.cause && cause.is_some_and(|c| c.at == e.at))
            .map(|e| &e.change)
            .collect();
        let mut roles = BTreeMap::new();
        for role in &workflow.roles {
            let holder = record.members.iter().find(|m| &m.role == role);
            let name = match holder {
                Some(m) => self.known_person(m.person, known).await?.name,
                None => String::new(),
            };
            roles.insert(role.clone(), name);
        }
        let local = |at: Timestamp| local_time(&calendar, at);
        let lang = message.language.as_deref().unwrap_or(DEFAULT_LANGUAGE);
        let stage = workflow.stage(&record.state.stage);
        let action = step.iter().rev().find_map(|c| match c {
            Change::ActionTaken { action, stage, .. } => {
                let title = workflow
                    .stage(stage)
                    .and_then(|s| s.action(action))
                    .map_or_else(|| action.clone(), |a| a.title.get(lang).to_owned());
                Some((action.clone(), title))
            }
            Change::Withdrawn { .. } => Some(withdrawal_action(&workflow, lang)),
            _ => None,
        });
        let milestone = step.iter().rev().find_map(|c| match c {
            Change::MilestoneSubmitted { milestone, .. }
            | Change::MilestoneAccepted { milestone, .. }
            | Change::MilestoneReturned { milestone, .. } => {
                let title = workflow
                    .stages
                    .iter()
                    .find_map(|s| s.milestone(milestone))
                    .map_or_else(|| milestone.clone(), |m| m.title.get(lang).to_owned());
                Some((milestone.clone(), title))
            }
            _ => None,
        });
        let comment =
            step.iter()
                .rev()
                .find_map(|c| match c {
                    Change::ActionTaken { comment, .. }
                    | Change::MilestoneAccepted { comment, .. } => comment.clone(),
                    Change::MilestoneReturned { comment, .. } => Some(comment.clone()),
                    // The chair's reason for asking to score again.
                    Change::RescoreRequested { reason, .. } => Some(reason.clone()),
                    // Why the trainee or coordinator withdrew the project.
                    Change::Withdrawn { reason, .. } => Some(reason.clone()),
                    _ => None,
                })
                .unwrap_or_default();
        let usage = template_uses(&workflow)
            .into_iter()
            .find(|(name, _)| *name == message.template)
            .map_or(TemplateUse::Step, |(_, usage)| usage);
        let facts = Facts {
            project: (record.id, record.title.clone()),
            stage: (
                record.state.stage.clone(),
                stage.map_or_else(String::new, |s| s.title.get(lang).to_owned()),
            ),
            cohort: match known.cohorts.get(&record.cohort_id) {
                Some(name) => name.clone(),
                None => self.store.cohort_by_id(record.cohort_id).await?.name,
            },
            recipient: (recipient.name.clone(), recipient.email.clone()),
            deadline: record.state.deadline.map(local).unwrap_or_default(),
            roles,
            action,
            milestone,
            comment,
            overdue_since: record.state.overdue_since.map(local).unwrap_or_default(),
            certificate: self
                .store
                .certificates_of_project(record.id)
                .await?
                .into_iter()
                .find(|c| c.person_id == recipient.id)
                .map(|c| {
                    let code = crate::certificate::Code::parse(&c.code)
                        .map_or(c.code.clone(), |k| k.grouped());
                    (c.number, code)
                }),
        };
        Ok(OutgoingMail {
            variables: facts.variables(usage),
            name: recipient.name,
            definition: record.definition_id,
            usage,
            cohort: record.cohort_id,
            digest: recipient.digest,
            templates,
            message,
        })
    }

    /// Person `id`, from `known` when it is there.
    async fn known_person(&self, id: i64, known: &Known) -> Result<crate::store::Person, Error> {
        match known.people.get(&id) {
            Some(person) => Ok(person.clone()),
            None => Ok(self.store.person_by_id(id).await?),
        }
    }

    /// The templates published with definition `id` (which has projects,
    /// so they never change and are cached).
    async fn templates(&self, id: i64) -> Result<Arc<BTreeMap<String, String>>, Error> {
        if let Some(t) = self.templates.lock().expect("cache lock").get(&id) {
            return Ok(t.clone());
        }
        let mut stored = self.store.definition(id).await?.templates;
        for (name, text) in super::committee::BUILT_IN_TEMPLATES {
            stored
                .entry((*name).to_owned())
                .or_insert_with(|| (*text).to_owned());
        }
        let stored = Arc::new(stored);
        self.templates
            .lock()
            .expect("cache lock")
            .insert(id, stored.clone());
        Ok(stored)
    }
}

/// What a claim's messages share, read once for all of them
/// ([`Engine::prepare_mail`]), by id.
#[derive(Default)]
struct Known {
    projects: std::collections::HashMap<i64, crate::store::ProjectRecord>,
    histories: std::collections::HashMap<i64, Vec<crate::store::StoredEvent>>,
    people: std::collections::HashMap<i64, crate::store::Person>,
    cohorts: BTreeMap<i64, String>,
}

/// An instant as people in the cohort read it: `2026-02-15 23:59 +04`.
fn local_time(calendar: &Calendar, at: Timestamp) -> String {
    at.to_zoned_datetime(calendar.zone().clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Account messages (password reset links) claimed by one worker: only
/// this claim may record their delivery.
#[derive(Debug)]
pub struct AccountClaim {
    token: String,
    /// The messages, each with its recipient and (secret) link.
    pub mails: Vec<crate::store::AccountMail>,
}

impl Engine {
    /// Scrubs the links of account mail that expired by `due_by` (giving
    /// up on any not yet sent), then claims up to `limit` account messages
    /// due by then (or whose lease ran out by `clock`), for `lease`.
    pub async fn claim_account_mail(
        &self,
        due_by: Timestamp,
        clock: Timestamp,
        limit: usize,
        lease: SignedDuration,
    ) -> Result<AccountClaim, Error> {
        self.store.scrub_account_mail(due_by).await?;
        let token = format!("{:032x}", rand::random::<u128>());
        let lease_until = clock.checked_add(lease).unwrap_or(clock);
        let mails = self
            .store
            .claim_account_mail(
                due_by,
                clock,
                i64::try_from(limit).unwrap_or(i64::MAX),
                (&token, lease_until),
            )
            .await?;
        Ok(AccountClaim { token, mails })
    }

    /// Records how delivering account message `id` of `claim` ended (its
    /// link is scrubbed once sent or dead); false when the claim no longer
    /// held it (another worker took it over after the lease ran out).
    pub async fn finish_account_mail(
        &self,
        claim: &AccountClaim,
        id: i64,
        delivery: &Delivery,
        now: Timestamp,
    ) -> Result<bool, Error> {
        Ok(self
            .store
            .finish_account_mail(id, &claim.token, delivery, now)
            .await?)
    }
}
