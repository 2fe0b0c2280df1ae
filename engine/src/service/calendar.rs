//! Calendar feeds (issue 17, part 4): a person's deadlines as data, for the
//! web to write as iCalendar at `/calendar/SECRET.ics`.
//!
//! Rules (docs/calendar.md):
//! - a person has at most one feed address; `reset_calendar_secret` makes a
//!   new one and the old one stops working at once. Only the SHA-256 of the
//!   secret is stored; the secret is shown once;
//! - an address that names nothing is not found, and each such miss counts
//!   an attempt against the client's address, like a certificate check
//!   ([`super::Attempt::Calendar`]): past the limit every fetch from that
//!   address is refused (kind TooMany), a good one too;
//! - the feed holds, for open projects: the deadline of each step the
//!   project waits for the person to take (the core's [`crate::decide::next`],
//!   never worked out again here): a stage's deadline, a milestone's due date,
//!   or an evaluator's own scoring deadline (their `score-late` timer, when
//!   the assessment gives one); the due dates of the current stage's
//!   milestones on projects the person holds a role on; and the named dates
//!   of the cohorts they coordinate or judge in (pool, evaluator, chair);
//! - each event has a UID that stays the same across fetches and when its
//!   date moves (an extension, a calendar change): it names the project,
//!   what is due and the stage entry, never the date.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use sha2::{Digest, Sha256};

use super::{Attempt, Engine, Error, Person, Viewer};
use crate::audit::to_hex;
use crate::decide::MilestoneStatus;
use crate::definition::{SCORE_ACTION, Workflow};
use crate::reason::Reason;

/// Random bytes in a feed secret (written as 64 hex digits).
const SECRET_BYTES: usize = 32;

/// A person's calendar: who it is for and their events, earliest first.
#[derive(Debug, Clone)]
pub struct Feed {
    /// Whose calendar it is.
    pub person: Person,
    /// The language they chose (`en`, `ar`), if any.
    pub language: Option<String>,
    /// The events, by date.
    pub events: Vec<FeedEvent>,
}

/// One event of a feed, as data: the web chooses the words.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    /// Stable across fetches and reschedules, unique to this installation,
    /// e.g. `project-12-deadline-3@5f0c9a1e2b3d4c6f.gradflow`.
    pub uid: String,
    /// What falls due.
    pub what: FeedItem,
    /// When.
    pub when: FeedTime,
    /// The cohort's IANA time zone, e.g. `Europe/London`.
    pub zone: String,
    /// The cohort (id, name).
    pub cohort: (i64, String),
    /// The project (id, title), when it is a project's.
    pub project: Option<(i64, String)>,
    /// The project's workflow version, whose words name its stages and
    /// milestones (`Label::get`).
    pub workflow: Option<Arc<Workflow>>,
}

/// What an event is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedItem {
    /// The deadline of a stage waiting for the person.
    Deadline {
        /// The stage's key.
        stage: String,
    },
    /// A milestone's due date.
    Milestone {
        /// The stage's key.
        stage: String,
        /// The milestone's key.
        milestone: String,
    },
    /// An evaluator's scoring deadline.
    Scoring {
        /// The assessed stage's key.
        stage: String,
    },
    /// A cohort's named date (`dates:` of its calendar).
    CohortDate {
        /// The date's name, e.g. `committee_meeting`.
        name: String,
    },
}

/// When an event falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedTime {
    /// An instant (a deadline).
    At(Timestamp),
    /// A whole day in the cohort's zone (a cohort's named date).
    Day(Date),
}

impl FeedTime {
    /// The instant it starts, in `zone` for a day: for ordering.
    fn sort_key(self, zone: &str) -> Timestamp {
        match self {
            FeedTime::At(t) => t,
            FeedTime::Day(d) => d.in_tz(zone).map_or(Timestamp::MIN, |z| z.timestamp()),
        }
    }
}

/// A new feed secret: what the profile shows once.
#[derive(Clone)]
pub struct CalendarSecret {
    /// 64 hex digits; the address is `/calendar/SECRET.ics`.
    pub secret: String,
}

impl std::fmt::Debug for CalendarSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CalendarSecret(..)")
    }
}

fn secret_hash(secret: &str) -> String {
    to_hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `secret` has the shape of a feed secret (64 lowercase hex digits).
fn well_formed(secret: &str) -> bool {
    secret.len() == SECRET_BYTES * 2
        && secret
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Engine {
    /// Makes `viewer` a new calendar feed secret, replacing the old one
    /// (which stops working at once). Only its SHA-256 is stored: show it
    /// once and never log it.
    pub async fn reset_calendar_secret(
        &self,
        viewer: &Viewer,
        now: Timestamp,
    ) -> Result<CalendarSecret, Error> {
        let secret = to_hex(&rand::random::<[u8; SECRET_BYTES]>());
        self.store
            .set_calendar_secret(viewer.person.id, &secret_hash(&secret), now)
            .await?;
        Ok(CalendarSecret { secret })
    }

    /// When `viewer`'s calendar address was made, if they have one.
    pub async fn calendar_made(&self, viewer: &Viewer) -> Result<Option<Timestamp>, Error> {
        Ok(self.store.calendar_made(viewer.person.id).await?)
    }

    /// The calendar whose secret is `secret`, fetched from `address` at
    /// `now` (see the module's rules). Not found for a secret that names
    /// nothing (an attempt counted); TooMany past the limit.
    pub async fn calendar_feed(
        &self,
        secret: &str,
        address: Option<IpAddr>,
        now: Timestamp,
    ) -> Result<Feed, Error> {
        self.within_limit(Attempt::Calendar, address, now).await?;
        let person = if well_formed(secret) {
            self.store.calendar_person(&secret_hash(secret)).await?
        } else {
            None
        };
        let Some(person) = person else {
            self.count_attempt(Attempt::Calendar, None, address, now)
                .await?;
            return Err(Error::NotFound(Reason::new("calendar-unknown", vec![])));
        };
        let viewer = self.viewer(person).await?;
        let events = self.feed_events(&viewer, now).await?;
        Ok(Feed {
            person: viewer.person,
            language: viewer.language,
            events,
        })
    }

    /// The events of `viewer`'s calendar at `now`.
    async fn feed_events(&self, viewer: &Viewer, now: Timestamp) -> Result<Vec<FeedEvent>, Error> {
        let me = viewer.person.id;
        let host = format!("{}.gradflow", self.store.installation_token().await?);
        let scope = self.store.calendar_scope(me).await?;
        let mut cohorts: BTreeMap<i64, crate::store::Cohort> = BTreeMap::new();
        let mut events: BTreeMap<String, FeedEvent> = BTreeMap::new();
        // The cohorts whose named dates the person gets.
        let mut committee: Vec<i64> = scope.cohorts.clone();
        committee.extend(&scope.pools);
        let mut mine: HashMap<i64, Vec<&str>> = HashMap::new();
        for (project, role) in &scope.roles {
            mine.entry(*project).or_default().push(role);
        }
        for view in self.views_for(viewer).await? {
            let record = &view.record;
            let workflow = &view.workflow;
            let cohort = match cohorts.get(&record.cohort_id) {
                Some(c) => c.clone(),
                None => {
                    let c = self.store.cohort_by_id(record.cohort_id).await?;
                    cohorts.insert(c.id, c.clone());
                    c
                }
            };
            if let Some(roles) = mine.get(&record.id)
                && roles
                    .iter()
                    .any(|r| crate::decide::committee::judges(workflow, r))
            {
                committee.push(cohort.id);
            }
            let Some(stage) = workflow.stage(&record.state.stage) else {
                continue;
            };
            if stage.terminal {
                continue;
            }
            let entry = record.state.entry;
            let event = |uid: String, what: FeedItem, at: Timestamp| FeedEvent {
                uid: format!("project-{}-{uid}-{entry}@{host}", record.id),
                what,
                when: FeedTime::At(at),
                zone: cohort.time_zone.clone(),
                cohort: (cohort.id, cohort.name.clone()),
                project: Some((record.id, record.title.clone())),
                workflow: Some(workflow.clone()),
            };
            let mut add = |e: FeedEvent| {
                events.entry(e.uid.clone()).or_insert(e);
            };
            let pending = |key: &str| {
                record
                    .state
                    .milestones
                    .get(key)
                    .filter(|k| {
                        matches!(
                            k.status,
                            MilestoneStatus::Pending | MilestoneStatus::Returned
                        )
                    })
                    .and_then(|k| k.due)
            };
            // The steps waiting for the person, as the core says.
            let next = view.next(now);
            let mut timers: Option<Vec<(String, String, Timestamp)>> = None;
            for step in next.steps_for(me) {
                let Some(due) = step.due else { continue };
                let milestone = step
                    .action
                    .split_once('.')
                    .map(|(key, _)| key)
                    .filter(|key| pending(key) == Some(due));
                if step.action == SCORE_ACTION {
                    if timers.is_none() {
                        timers = Some(self.pending_timers(record.id).await?);
                    }
                    let late = crate::decide::committee::late_key(me);
                    let at = timers
                        .iter()
                        .flatten()
                        .find(|(key, _, _)| *key == late)
                        .map_or(due, |(_, _, at)| *at);
                    add(event(
                        format!("scoring-{me}"),
                        FeedItem::Scoring {
                            stage: stage.key.clone(),
                        },
                        at,
                    ));
                } else if let Some(key) = milestone {
                    add(event(
                        format!("milestone-{key}"),
                        FeedItem::Milestone {
                            stage: stage.key.clone(),
                            milestone: key.to_owned(),
                        },
                        due,
                    ));
                } else {
                    add(event(
                        "deadline".to_owned(),
                        FeedItem::Deadline {
                            stage: stage.key.clone(),
                        },
                        due,
                    ));
                }
            }
            // The milestones of the person's own projects.
            if mine.contains_key(&record.id) {
                for m in &stage.milestones {
                    if let Some(due) = pending(&m.key) {
                        add(event(
                            format!("milestone-{}", m.key),
                            FeedItem::Milestone {
                                stage: stage.key.clone(),
                                milestone: m.key.clone(),
                            },
                            due,
                        ));
                    }
                }
            }
        }
        committee.sort_unstable();
        committee.dedup();
        for id in committee {
            let cohort = match cohorts.get(&id) {
                Some(c) => c.clone(),
                None => self.store.cohort_by_id(id).await?,
            };
            for (name, date) in &cohort.dates {
                let uid = format!("cohort-{}-date-{name}@{host}", cohort.id);
                events.entry(uid.clone()).or_insert(FeedEvent {
                    uid,
                    what: FeedItem::CohortDate { name: name.clone() },
                    when: FeedTime::Day(*date),
                    zone: cohort.time_zone.clone(),
                    cohort: (cohort.id, cohort.name.clone()),
                    project: None,
                    workflow: None,
                });
            }
        }
        let mut events: Vec<FeedEvent> = events.into_values().collect();
        events.sort_by(|a, b| {
            (a.when.sort_key(&a.zone), &a.uid).cmp(&(b.when.sort_key(&b.zone), &b.uid))
        });
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_secrets_are_looked_up() {
        assert!(well_formed(&"a".repeat(64)));
        assert!(!well_formed(&"A".repeat(64)));
        assert!(!well_formed(&"a".repeat(63)));
        assert!(!well_formed("../../etc/passwd"));
        assert_eq!(secret_hash("x").len(), 64);
    }
}
