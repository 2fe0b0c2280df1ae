//! Places in a cohort and withdrawal (issue 16, parts 2 and 5).
//!
//! - [`Engine::withdraw_trainee`] / [`Engine::withdraw_trainee_as`]: a
//!   trainee withdraws their project, or a coordinator of its cohort (or
//!   the operator) withdraws it with a reason, from any stage that is not
//!   terminal: the core's [`decide::withdraw`] records it in the project's
//!   hash-chained log, its timers are dropped, whom the workflow's
//!   `on: withdrawal` rules name are mailed, and the cohort's place is
//!   given back; when an accepted application started the project, it
//!   becomes `withdrawn` (the intake core's `WithdrawTrainee`, an event in
//!   the cohort's log, the coordinators mailed) and the place is offered to
//!   the first of the waiting list. All in ONE transaction.
//! - [`Engine::take_offer_as`], [`Engine::decline_offer_as`]: the candidate
//!   answers an offer (taking it starts the project on the place the offer
//!   holds; declining gives it to the next of the list).
//! - [`Engine::expire_due_offers`]: the worker's round over the offer
//!   queue. Each lapsed offer is claimed (a lease: two workers never try
//!   one offer at once; a lost race with the candidate is skipped), let
//!   lapse through the intake core (`expired`, the candidate mailed, the
//!   place offered to the next), or, when that cannot be written, tried
//!   again after a backoff and given up for good after
//!   [`MAX_OFFER_ATTEMPTS`] with its reason ([`Engine::stuck_offers`],
//!   [`Engine::retry_offer`]).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::commands::{Outcome, decision_context, frees_place, outcome};
use super::intake::{By, Changed, refusal};
use super::{Engine, Error, Kind, Viewer, input};
use crate::decide::intake::{self, Actor, ApplicationState, Command, Intake};
use crate::decide::{self, committee::Conflicts};
use crate::store::{MAX_OFFER_ATTEMPTS, Pending, StuckOffer};

/// Most lapsed offers one round claims.
const OFFERS_PER_ROUND: i64 = 100;

/// How long a claimed offer is held by the worker that claimed it.
const OFFER_LEASE: SignedDuration = SignedDuration::from_secs(120);

/// How often a withdrawal is decided again when the project or its
/// application changed under it.
const WITHDRAW_TRIES: usize = 8;

/// What a withdrawal did, for an interface to confirm it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withdrawal {
    /// The project's change (stage `withdrawn`, who was told).
    pub outcome: Outcome,
    /// The application that started the project, now `withdrawn`.
    pub application: Option<i64>,
    /// The application offered the place it gave back, if any.
    pub offered: Option<i64>,
}

/// What one round over the offer queue did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OfferRound {
    /// Offers claimed.
    pub claimed: usize,
    /// Offers let lapse (each with the offer it made to the next, if any).
    pub expired: Vec<Changed>,
    /// Offers another writer changed first (taken or declined at the last
    /// moment): nothing to do.
    pub skipped: usize,
    /// Offers that could not be let lapse: tried again after a backoff.
    pub retried: usize,
    /// Offers given up for good (their reason kept for the operator).
    pub failed: usize,
}

impl OfferRound {
    /// Whether the round did anything worth saying.
    pub fn busy(&self) -> bool {
        self.claimed > 0
    }
}

impl Engine {
    /// Withdraws project `project`: `by` is who asks (an email: the
    /// project's trainee or a coordinator of its cohort; `None`: the
    /// operator), `reason` why. Refused with a reason naming who may when
    /// `by` is anyone else; refused when the project is finished or its
    /// workflow marks no withdrawal stage. See the module's doc for what
    /// is written, all in one transaction.
    pub async fn withdraw_trainee(
        &self,
        project: i64,
        by: Option<&str>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Withdrawal, Error> {
        let viewer = match by {
            Some(email) => Some(self.acting_as(&input::email(email)?).await?),
            None => None,
        };
        input::comment(reason)?;
        let actor = viewer.as_ref().map(|v| v.person.id);
        let mut last = None;
        for _ in 0..WITHDRAW_TRIES {
            match self
                .withdraw_once(project, viewer.as_ref(), actor, reason, now)
                .await
            {
                Err(e) if e.is_race() => last = Some(e),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::internal("no withdrawal tried")))
    }

    /// Withdraws project `project` on behalf of `viewer` (the web's): the
    /// same rules as [`Engine::withdraw_trainee`]; a project `viewer` may
    /// not see is not found.
    pub async fn withdraw_trainee_as(
        &self,
        viewer: &Viewer,
        project: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<Withdrawal, Error> {
        self.view_as(viewer, project).await?;
        self.withdraw_trainee(project, Some(&viewer.person.email), reason, now)
            .await
    }

    async fn withdraw_once(
        &self,
        project: i64,
        viewer: Option<&Viewer>,
        actor: Option<i64>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Withdrawal, Error> {
        let record = self.store.project(project).await?;
        let (workflow, calendar) = self.context(&record).await?;
        let conflicts = Conflicts::default();
        let ctx = decision_context(&record, &workflow, &calendar, &conflicts);
        let decision = decide::withdraw(&ctx, &record.state, actor, reason, now)
            .map_err(|refused| Error::refused(refused, &workflow))?;
        let frees = frees_place(&record, &workflow, &decision).is_some();
        let mut places = if frees { -1 } else { 0 };
        let mut writes = Vec::new();
        let mut application = None;
        let mut offered = None;
        let stored = match self.store.application_of_project(project).await? {
            Some(id) => Some(self.store.application(id).await?),
            None => None,
        };
        if let Some(stored) = stored.filter(|s| s.application.state == ApplicationState::Accepted) {
            let app = &stored.application;
            let cohort = self.store.cohort_by_id(app.cohort).await?;
            let program = self.store.program_by_id(cohort.program_id).await?;
            let facts = self.intake_facts_of(&cohort, &program).await?;
            let by = match viewer {
                Some(v) => self.actor(By::Person(v), cohort.id).await?,
                None => Actor::Operator,
            };
            let command = Command::WithdrawTrainee {
                reason: reason.trim().to_owned(),
            };
            let t = intake::decide(app, &facts, &by, &command, now).map_err(refusal)?;
            writes.push(self.write(&cohort, &program, app, &t, by.person()).await?);
            application = Some(app.id);
            // The project's place is the one given back (counted once).
            places = t.places.min(-1);
            if t.frees_place {
                let waiting = self.store.cohort_applications(cohort.id).await?;
                let first = intake::first_waiting(
                    waiting
                        .iter()
                        .map(|s| &s.application)
                        .filter(|a| a.id != app.id),
                );
                if let Some(first) = first {
                    let after = Intake {
                        taken: u32::try_from(i64::from(facts.taken) + places).unwrap_or(0),
                        ..facts.clone()
                    };
                    let offer = Command::Offer { first: first.id };
                    if let Ok(o) = intake::decide(first, &after, &Actor::Engine, &offer, now) {
                        places += o.places;
                        offered = Some(first.id);
                        writes.push(self.write(&cohort, &program, first, &o, None).await?);
                    }
                }
            }
        }
        let pending = Pending {
            project,
            expected: record.state.version,
            decision: &decision,
            idempotency: None,
            completes: &[],
            certificate: None,
            frees: None,
        };
        self.store
            .withdraw_project(&pending, record.cohort_id, places, &writes, now)
            .await?;
        Ok(Withdrawal {
            outcome: outcome(project, &decision, false),
            application,
            offered,
        })
    }

    /// The candidate `viewer` takes the place offered to them by
    /// application `application`: accepted, the project started on the
    /// place the offer holds (no second place), in one transaction.
    /// Refused after the offer lapsed (`application-offer-expired`).
    pub async fn take_offer_as(
        &self,
        viewer: &Viewer,
        application: i64,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        self.change_application(viewer.into(), application, Command::TakeOffer, now)
            .await
    }

    /// The candidate `viewer` declines the place offered to them: the
    /// application is declined and the place offered to the next of the
    /// waiting list, in one transaction.
    pub async fn decline_offer_as(
        &self,
        viewer: &Viewer,
        application: i64,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        self.change_application(viewer.into(), application, Command::DeclineOffer, now)
            .await
    }

    /// The worker's round over the offer queue at `now` (see the module's
    /// doc): safe to run from several workers at once.
    pub async fn expire_due_offers(&self, now: Timestamp) -> Result<OfferRound, Error> {
        let until = now.checked_add(OFFER_LEASE).unwrap_or(now);
        let claimed = self
            .store
            .claim_lapsed_offers(now, until, OFFERS_PER_ROUND)
            .await?;
        let mut round = OfferRound {
            claimed: claimed.len(),
            ..OfferRound::default()
        };
        for id in claimed {
            match self
                .change_as_actor(Actor::Engine, id, None, Command::Expire, now)
                .await
            {
                Ok(changed) => round.expired.push(changed),
                // Taken, declined or withdrawn at the last moment, or let
                // lapse by another worker whose lease ran out.
                Err(e) if e.kind() == Kind::Conflict => {
                    self.store.release_offer(id).await?;
                    round.skipped += 1;
                }
                Err(e) if e.is_unavailable() => return Err(e),
                Err(e) => {
                    let failure = failure_words(&e);
                    let attempts = self.store.offer_attempts(id).await?;
                    let retry_at = now.checked_add(backoff(attempts)).unwrap_or(now);
                    if self.store.offer_failed(id, &failure, retry_at).await? {
                        tracing::warn!(application = id, %failure, "an offer could not be let lapse; given up after {MAX_OFFER_ATTEMPTS} tries");
                        round.failed += 1;
                    } else {
                        round.retried += 1;
                    }
                }
            }
        }
        Ok(round)
    }

    /// Lapsed offers the worker could not let lapse: still being tried, or
    /// given up for good with their reason.
    pub async fn stuck_offers(&self) -> Result<Vec<StuckOffer>, Error> {
        Ok(self.store.stuck_offers().await?)
    }

    /// Puts a lapsed offer the worker gave up on back in its queue.
    pub async fn retry_offer(&self, application: i64) -> Result<(), Error> {
        Ok(self.store.retry_offer(application).await?)
    }
}

/// The words kept with a failed try: the error's code and arguments (never
/// a database's raw words, which go to the log).
fn failure_words(e: &Error) -> String {
    let mut text = e.reason().to_string();
    if let Some(cut) = (0..=500.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
    {
        text.truncate(cut);
    }
    text
}

/// How long to wait before trying a failed offer again, after `attempts`
/// failed tries: a minute, doubled each time, at most a day.
fn backoff(attempts: i64) -> SignedDuration {
    let minutes = 1_i64 << attempts.clamp(0, 11);
    SignedDuration::from_mins(minutes.min(24 * 60))
}
