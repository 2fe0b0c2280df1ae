//! The scheduler's side of the service: claim the timers that are due, fire
//! them through the decision core as the engine itself, and commit each
//! project's firing in the batch path — events, messages, the next
//! escalation and the timers' completion in one transaction.
//!
//! A project whose timers the core refuses (or whose workflow or calendar
//! cannot be read) holds back nobody else: its timers count an attempt and
//! wait out a backoff, and after [`MAX_ATTEMPTS`] end failed with the reason,
//! shown by `gradflow timers list --state failed` and `audit verify`. A lost
//! race with a person's command is not an attempt: the timer fires again on
//! the next round.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::stats::{CONFLICT, DONE, REFUSED, Source};
use super::{Engine, Error};
use crate::decide::{self, DueTimer, Project};
use crate::store::{self, Pending, TimerRow};

/// How long a claim holds before another worker may take the timer over.
const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// Refusals after which a timer is failed for good.
pub const MAX_ATTEMPTS: i64 = 5;

/// How long a refused timer waits before it is tried again, after its
/// `attempts`-th refusal: 1, 4, 16, then 64 minutes (about 85 minutes from
/// the first refusal to the last), so a cohort's calendar or a project
/// mended meanwhile lets it fire.
pub fn retry_backoff(attempts: i64) -> SignedDuration {
    let exponent = u32::try_from(attempts.clamp(1, 6) - 1).unwrap_or(0);
    SignedDuration::from_mins(4_i64.pow(exponent))
}

/// Rounds of [`Engine::drain_due`] in flight at once on PostgreSQL (at most
/// four: `drain_due` joins four lanes). Two keep the database and the engine
/// both busy; more add connections, not speed, on a small machine.
pub const ROUNDS_IN_FLIGHT: usize = 3;
const _: () = assert!(ROUNDS_IN_FLIGHT >= 1 && ROUNDS_IN_FLIGHT <= 4);

/// How many timers [`Engine::timers`] lists at most.
pub const TIMERS_PAGE: i64 = 500;

/// What one round of firing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FireReport {
    /// Timers claimed.
    pub claimed: usize,
    /// Projects whose firing changed them (events committed).
    pub fired: usize,
    /// Timers completed without a change: stale, collapsed, or of a stage left.
    pub discarded: usize,
    /// Timers given back to fire again (their project changed meanwhile).
    pub retried: usize,
    /// Timers the core refused this round: each waits out a backoff, or
    /// has failed for good after its last attempt.
    pub refused: usize,
    /// Of those, the timers that failed for good.
    pub failed: usize,
}

impl FireReport {
    /// Adds another round's counts to these.
    pub fn add(&mut self, other: &FireReport) {
        self.claimed += other.claimed;
        self.fired += other.fired;
        self.discarded += other.discarded;
        self.retried += other.retried;
        self.refused += other.refused;
        self.failed += other.failed;
    }
}

impl Engine {
    /// Fires up to `limit` timers due at `now`. Safe to run from several
    /// processes at once: each timer is claimed by one of them.
    /// Claims whose lease ran out (their worker died) are taken over first.
    pub async fn fire_due(&self, now: Timestamp, limit: usize) -> Result<FireReport, Error> {
        self.fire_round(now, limit, true).await
    }

    /// One round of [`Engine::fire_due`]; with `take_over` false it leaves
    /// claims whose lease ran out to a later round that takes over. That
    /// claim walks only the pending timers: [`Engine::drain_due`] takes
    /// over in each lane's first round and then fires the rest without
    /// walking the claims of the rounds in flight.
    pub async fn fire_round(
        &self,
        now: Timestamp,
        limit: usize,
        take_over: bool,
    ) -> Result<FireReport, Error> {
        let lease_until = now.checked_add(LEASE).unwrap_or(now);
        let claimed = self
            .store
            .claim_timers(now, limit as i64, lease_until, take_over)
            .await?;
        let mut report = FireReport {
            claimed: claimed.len(),
            ..FireReport::default()
        };
        if claimed.is_empty() {
            return Ok(report);
        }
        let mut by_project: BTreeMap<i64, Vec<DueTimer>> = BTreeMap::new();
        for c in claimed {
            by_project.entry(c.project).or_default().push(c.timer);
        }
        let ids: Vec<i64> = by_project.keys().copied().collect();
        let mut refused: Vec<(Vec<i64>, String)> = Vec::new();
        let records = match self.store.projects_by_id(&ids).await {
            Ok(records) => records,
            // A project whose stored state does not read back must not stop
            // the others: read them one by one, and refuse its timers.
            Err(store::Error::Corrupt(_)) => {
                let mut records = Vec::with_capacity(ids.len());
                for id in ids {
                    match self.store.projects_by_id(&[id]).await {
                        Ok(one) => records.extend(one),
                        Err(e @ store::Error::Corrupt(_)) => {
                            let timers = by_project.remove(&id).unwrap_or_default();
                            refused.push((timers.iter().map(|t| t.id).collect(), e.to_string()));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                records
            }
            Err(e) => return Err(e.into()),
        };
        let mut decided = Vec::new();
        let mut idle: Vec<i64> = Vec::new();
        let mut failed: Vec<(Vec<i64>, String)> = Vec::new();
        for record in &records {
            let timers = by_project.remove(&record.id).unwrap_or_default();
            let (workflow, calendar) = match self.context(record).await {
                Ok(context) => context,
                // A busy database is everybody's problem; a workflow or
                // calendar that cannot be read is this project's (were the
                // database gone, recording the refusal would fail too).
                Err(e) if e.kind() == super::Kind::Busy => return Err(e),
                Err(e) => {
                    refused.push((timers.iter().map(|t| t.id).collect(), e.to_string()));
                    continue;
                }
            };
            let ctx = Project {
                id: record.id,
                workflow: &workflow,
                calendar: &calendar,
                members: &record.members,
                conflicts: &crate::decide::committee::NO_CONFLICTS,
            };
            match decide::fire(&ctx, &record.state, &timers, now) {
                Ok(firing) => match firing.decision {
                    Some(decision) => {
                        // An automatic move into an assessed stage seats its committee.
                        // A pool that cannot be read leaves the move to go ahead alone.
                        let decision = match self.with_committee(record, &ctx, &decision, now).await
                        {
                            Ok(Some(seated)) => seated,
                            Ok(None) | Err(_) => decision,
                        };
                        // A timer that takes an action requesting
                        // `issue_certificate` issues it in the same commit.
                        match self
                            .certificate_for(record, &workflow, &calendar, &decision, now)
                            .await
                        {
                            Ok(certificate) => {
                                decided.push((record, decision, firing.completed, certificate));
                            }
                            Err(e) if e.kind() == super::Kind::Busy => return Err(e),
                            Err(e) => {
                                refused.push((timers.iter().map(|t| t.id).collect(), e.to_string()))
                            }
                        }
                    }
                    None => idle.extend(firing.completed),
                },
                Err(rejection) => {
                    refused.push((timers.iter().map(|t| t.id).collect(), rejection.to_string()))
                }
            }
        }
        // Timers of projects that no longer exist are done with.
        idle.extend(by_project.values().flatten().map(|t| t.id));
        report.discarded = idle.len();
        self.store.complete_timers(&idle, now).await?;
        let pending: Vec<Pending<'_>> = decided
            .iter()
            .map(|(record, decision, completes, certificate)| Pending {
                project: record.id,
                expected: record.state.version,
                decision,
                idempotency: None,
                completes,
                certificate: certificate.as_ref(),
                frees: None,
            })
            .collect();
        if !pending.is_empty() {
            let results = match self.store.commit_many(&pending, now).await {
                Ok(results) => results,
                // One project held by another session must not hold back the
                // others: commit each alone, and give back only what waits.
                Err(store::Error::Busy) if pending.len() > 1 => {
                    let mut one_by_one = Vec::with_capacity(pending.len());
                    for p in &pending {
                        one_by_one.push(match self.store.commit_many(&[*p], now).await {
                            Ok(mut r) => r.pop().expect("one result per decision"),
                            Err(e) => Err(e),
                        });
                    }
                    one_by_one
                }
                Err(e) => return Err(e.into()),
            };
            for ((_, _, completes, _), result) in decided.iter().zip(results) {
                match result {
                    Ok(_) => report.fired += 1,
                    Err(store::Error::Conflict { .. }) => {
                        report.retried += completes.len();
                        failed.push((
                            completes.clone(),
                            "the project changed while it fired".into(),
                        ));
                    }
                    Err(store::Error::Busy) => {
                        report.retried += completes.len();
                        failed.push((
                            completes.clone(),
                            "the project was held by another change".into(),
                        ));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        // Each project's firing is one command of the engine itself.
        let commands = &self.commands;
        commands.add(Source::Timer, DONE, report.fired as u64);
        commands.add(Source::Timer, CONFLICT, failed.len() as u64);
        commands.add(Source::Timer, REFUSED, refused.len() as u64);
        for (ids, error) in failed {
            self.store.release_timers(&ids, &error).await?;
        }
        for (ids, error) in refused {
            report.refused += ids.len();
            report.failed += self
                .store
                .refuse_timers(&ids, &error, now, MAX_ATTEMPTS, retry_backoff)
                .await?;
        }
        Ok(report)
    }

    /// Fires everything due at `now`, in rounds of up to `batch` timers (see
    /// [`Engine::fire_due`]) until a round finds nothing left to fire, and
    /// adds up their reports: how `gradflow worker` drains. On PostgreSQL
    /// [`ROUNDS_IN_FLIGHT`] rounds run at once (each claim skips the rows
    /// another holds), so the database commits one round while the engine
    /// decides the next; on SQLite, with its one writer, one at a time.
    /// Timers given back after a lost race, or refused, wait for the next
    /// drain. Claims whose lease ran out are taken over by each lane's first
    /// round (see [`Engine::fire_round`]); more than those rounds take wait
    /// for the next drain. The first error is returned after every round in
    /// flight ends.
    pub async fn drain_due(&self, now: Timestamp, batch: usize) -> Result<FireReport, Error> {
        let lanes = if self.store.kind() == "postgres" {
            ROUNDS_IN_FLIGHT
        } else {
            1
        };
        let lane = |i: usize| async move {
            let mut total = FireReport::default();
            if i >= lanes {
                return Ok(total);
            }
            let mut take_over = true;
            loop {
                let round = self.fire_round(now, batch, take_over).await?;
                take_over = false;
                total.add(&round);
                if round.claimed == round.retried + round.refused {
                    return Ok::<_, Error>(total);
                }
            }
        };
        let (a, b, c, d) = tokio::join!(lane(0), lane(1), lane(2), lane(3));
        let mut total = FireReport::default();
        for lane in [a, b, c, d] {
            total.add(&lane?);
        }
        Ok(total)
    }

    /// Timers in `state` (`pending`, `claimed`, `done` or `failed`), the
    /// most recently due first, at most [`TIMERS_PAGE`]: for an operator
    /// to see which timers failed and why.
    pub async fn timers(&self, state: &str) -> Result<Vec<TimerRow>, Error> {
        const STATES: [&str; 4] = ["pending", "claimed", "done", "failed"];
        if !STATES.contains(&state) {
            return Err(Error::invalid(format!(
                "'{state}' is not a timer state; use one of {}",
                STATES.join(", ")
            )));
        }
        Ok(self.store.timers_in_state(state, TIMERS_PAGE).await?)
    }

    /// Puts failed timer `id` back in the queue, its attempts at zero, for
    /// when what made the core refuse it has been mended. A timer of a stage
    /// the project has left meanwhile is discarded when claimed, never fired.
    pub async fn retry_timer(&self, id: i64) -> Result<(), Error> {
        if self.store.retry_timer(id).await? {
            Ok(())
        } else {
            Err(Error::conflict(format!(
                "timer {id} is not a failed timer; only a failed timer can be tried again"
            )))
        }
    }

    /// When the next timer is due, if any: how long a worker may sleep.
    pub async fn next_timer_due(&self) -> Result<Option<Timestamp>, Error> {
        Ok(self.store.next_timer_due().await?)
    }
}
