//! `--applicants N` (issue 16, part 2): the simulated cohort opens for
//! applications, N applicants ask to join at its start and wait on its
//! list (every place is a simulated trainee's); a trainee who never acts
//! withdraws two weeks in, and the place goes to the first waiting, with
//! the cohort's offer deadline. Applicants take turns: the first takes the
//! offer two days later, the second lets it lapse (the worker's expiry
//! offers it to the next), and so on. The cohort's log is read back into
//! the timeline.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use gradflow_engine::service::{By, CandidateQuery, CohortEvent, Engine, IntakeSettings};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::behaviour::Agents;
use super::cast::Cast;
use super::timeline::{Entry, What};

/// How long after the start a trainee who never acts withdraws.
const WITHDRAWS_AFTER: SignedDuration = SignedDuration::from_hours(14 * 24);

/// How long after an offer an applicant who takes it does.
const TAKES_AFTER: SignedDuration = SignedDuration::from_hours(2 * 24);

/// The intake as the simulation runs it.
pub struct Intake {
    cohort: i64,
    name: String,
    /// (cast index, application id), in the order they asked.
    applicants: Vec<(usize, i64)>,
    /// Projects (by number) whose trainee withdraws, by when.
    withdrawals: BTreeMap<Timestamp, Vec<usize>>,
    /// Offers to take (cast index, application), by when.
    takes: BTreeMap<Timestamp, Vec<(usize, i64)>>,
    /// When offers lapse.
    lapses: BTreeSet<Timestamp>,
    /// Offers already planned for.
    seen: HashSet<i64>,
}

impl Intake {
    /// Opens `cohort` for applications at `start`: each applicant asks to
    /// join and is put on the waiting list, in turn; trainees who never act
    /// (`never`) are to withdraw.
    pub async fn open(
        engine: &Engine,
        cohort: (i64, &str),
        cast: &Cast,
        applicants: &[usize],
        never: &[usize],
        start: Timestamp,
    ) -> anyhow::Result<Intake> {
        engine
            .open_intake(cohort.1, IntakeSettings::default(), By::Operator, start)
            .await?;
        let mut asked = Vec::with_capacity(applicants.len());
        for &a in applicants {
            let viewer = engine.acting_as(&cast.people[a].email).await?;
            let changed = engine
                .request_as(&viewer, cohort.0, None, "Simulated request to join", start)
                .await?;
            engine
                .wait_list_as(By::Operator, changed.application.id, start)
                .await?;
            asked.push((a, changed.application.id));
        }
        let at = start.checked_add(WITHDRAWS_AFTER).unwrap_or(start);
        let mut withdrawals = BTreeMap::new();
        if !never.is_empty() {
            withdrawals.insert(at, never.to_vec());
        }
        Ok(Intake {
            cohort: cohort.0,
            name: cohort.1.to_owned(),
            applicants: asked,
            withdrawals,
            takes: BTreeMap::new(),
            lapses: BTreeSet::new(),
            seen: HashSet::new(),
        })
    }

    /// The next instant something of the intake is due.
    pub fn next(&self) -> Option<Timestamp> {
        [
            self.withdrawals.keys().next(),
            self.takes.keys().next(),
            self.lapses.iter().next(),
        ]
        .into_iter()
        .flatten()
        .min()
        .copied()
    }

    /// Does what is due at `now`: withdrawals, lapsed offers, offers taken;
    /// then plans the answers to offers made.
    pub async fn step(
        &mut self,
        engine: &Engine,
        agents: &mut Agents<'_>,
        cast: &Cast,
        ids: &[i64],
        now: Timestamp,
    ) -> anyhow::Result<()> {
        while let Some(entry) = self.withdrawals.first_entry() {
            if *entry.key() > now {
                break;
            }
            for p in entry.remove() {
                let email = &cast.people[p].email;
                if engine
                    .withdraw_trainee(ids[p], Some(email), "Simulated: left the program", now)
                    .await
                    .is_ok()
                {
                    agents.withdrawn(p);
                }
            }
        }
        while self.lapses.first().is_some_and(|at| *at <= now) {
            self.lapses.pop_first();
        }
        engine.expire_due_offers(now).await?;
        while let Some(entry) = self.takes.first_entry() {
            if *entry.key() > now {
                break;
            }
            for (a, application) in entry.remove() {
                let viewer = engine.acting_as(&cast.people[a].email).await?;
                // A lapsed or withdrawn offer is refused: the log says so.
                let _ = engine.take_offer_as(&viewer, application, now).await;
            }
        }
        let list = engine
            .candidates_as(By::Operator, self.cohort, &CandidateQuery::default())
            .await?;
        for app in list.applications {
            if app.state.as_str() != "offered" || !self.seen.insert(app.id) {
                continue;
            }
            if let Some(expires) = app.offer_expires {
                self.lapses.insert(expires);
            }
            let turn = self.applicants.iter().position(|(_, id)| *id == app.id);
            if let Some(turn) = turn.filter(|t| t % 2 == 0) {
                let at = now.checked_add(TAKES_AFTER).unwrap_or(now);
                self.takes
                    .entry(at)
                    .or_default()
                    .push((self.applicants[turn].0, app.id));
            }
        }
        Ok(())
    }

    /// The cohort's log as timeline entries.
    pub async fn timeline(
        &self,
        engine: &Engine,
        cast: &Cast,
        zone: &TimeZone,
    ) -> anyhow::Result<Vec<Entry>> {
        let log = engine.cohort_log(&self.name).await?;
        Ok(log
            .iter()
            .filter_map(|e| self.entry(e, cast, zone))
            .collect())
    }

    fn entry(&self, e: &CohortEvent, cast: &Cast, zone: &TimeZone) -> Option<Entry> {
        let data: serde_json::Value = serde_json::from_str(&e.data).ok()?;
        let at = Timestamp::from_microsecond(e.at).ok()?;
        let application = data["application"].as_i64();
        let who = application
            .and_then(|id| self.applicants.iter().find(|(_, a)| *a == id))
            .map(|(p, _)| *p);
        let name = who.map_or_else(|| "a candidate".to_owned(), |p| cast.label(p));
        let text = match data["kind"].as_str()? {
            "intake_opened" => "the cohort opens for applications".to_owned(),
            "intake_closed" => "the cohort closes for applications".to_owned(),
            "requested" | "nominated" => format!("{name} asks to join"),
            "changed" => {
                let to = data["to"].as_str().unwrap_or("?");
                let mut text = format!("{name}: {} -> {to}", data["from"].as_str().unwrap_or("?"));
                if let Some(position) = data["position"].as_i64() {
                    text.push_str(&format!(", number {position} on the waiting list"));
                }
                if to == "offered"
                    && let Some(expires) = data["offer_expires"]
                        .as_str()
                        .and_then(|t| t.parse::<Timestamp>().ok())
                {
                    let until = super::timeline::local(expires, zone);
                    text.push_str(&format!(", the offer open until {until}"));
                }
                if let Some(project) = data["project"].as_i64() {
                    text.push_str(&format!(", project #{project} started"));
                }
                text
            }
            other => other.replace('_', " "),
        };
        Some(Entry {
            at,
            project: data["project"].as_i64().unwrap_or(0),
            seq: e.seq,
            what: What::Intake { text },
            by: None,
            recipients: Vec::new(),
        })
    }
}
