//! Intake (issue 16, part 1): how a cohort is filled from nominations and
//! requests to join. The rules are the pure core's
//! ([`crate::decide::intake`]); this module loads the facts, asks the core,
//! and has the store write the change, its event in the cohort's
//! hash-chained log and its mail in ONE transaction.
//!
//! # Rules
//! - A coordinator of the cohort (or the operator) opens and closes its
//!   intake ([`Engine::open_intake`], [`Engine::close_intake`]); a closed
//!   cohort refuses nominations and requests (`intake-closed`). An offer
//!   stays open `offer_days` (1 to 90, default 7).
//! - A supervisor (`people.supervisor`, `person add --supervisor`)
//!   nominates a person of their OWN organization (compared as the
//!   committee compares organizations; an empty one matches nothing), with
//!   a reason: the nomination starts `endorsed` (`intake-not-supervisor`,
//!   `intake-self-nomination`, `intake-other-organization`).
//! - A person asks to join with a reason, naming their supervisor: needed
//!   when the program asks for endorsement (`program endorsement PROGRAM
//!   on`; `intake-endorsement-needed`), a supervisor of their own
//!   organization, not themselves (`intake-not-a-supervisor`,
//!   `intake-supervisor-organization`, `intake-self-endorsement`). It starts
//!   `submitted`; the named supervisor endorses it (`endorsed`) or refuses,
//!   with a reason (`declined`). Without endorsement, a coordinator may
//!   accept or wait-list a submitted request as it is.
//! - Waiting-list positions are given in order under the cohort's lock
//!   (1, 2, 3, ... per cohort, never reused); a coordinator may still accept
//!   anyone waiting, but a freed place is offered only to the first.
//! - One live application (not declined, withdrawn or expired) per person
//!   and cohort (`application-exists`).
//! - A coordinator accepts (bulk: in the order given, until the cohort is
//!   full; the rest `cohort-full`) an endorsed application, a submitted one
//!   when the program needs no endorsement (`application-needs-endorsement`
//!   otherwise) or a waiting one: a place is taken and the project started
//!   on the cohort's workflow with the candidate as `trainee` and the
//!   supervisor as `supervisor`, titled with the candidate's name, in the
//!   same transaction (capacity holds under any race).
//! - A coordinator wait-lists (at the end of the list) or declines (with a
//!   reason) one not yet accepted; the candidate (reason optional) or a
//!   coordinator (reason needed) withdraws one before acceptance.
//! - A place freed (an offer withdrawn, declined or lapsed, a trainee
//!   withdrawn) is offered, in the same transaction, to the first of the
//!   waiting list, until `offer_expires`.
//! - Reads follow the read policy: an application is seen by its
//!   candidate, the supervisor it names, the cohort's coordinators and the
//!   operator; for anyone else it does not exist (`application-unknown`,
//!   kind NotFound), and so does a cohort's candidate list for anyone but
//!   its coordinators.
//! - Mail (EN/AR, in the recipient's language, through the account mail
//!   queue): `intake_received` (coordinators), `intake_endorse` (the named
//!   supervisor, when the program needs endorsement), `intake_accepted`
//!   (candidate and supervisor),
//!   `intake_waiting` (candidate), `intake_declined` (candidate).
//!
//! # API
//! - [`Engine::open_intake`]`(cohort, IntakeSettings, By, now) -> Cohort`,
//!   [`Engine::close_intake`]`(cohort, By, now) -> Cohort`
//! - [`Engine::set_supervisor`]`(email, bool) -> Person`,
//!   [`Engine::set_endorsement`]`(program, bool) -> Program`,
//!   [`Engine::acting_as`]`(email) -> Viewer` (the CLI's `--as`)
//! - [`Engine::nominate_as`]`(&Viewer, cohort_id, candidate_email, reason, now) -> Changed`
//! - [`Engine::request_as`]`(&Viewer, cohort_id, Option<supervisor_email>, reason, now) -> Changed`
//! - [`Engine::endorse_as`]`(&Viewer, application, now) -> Changed`,
//!   [`Engine::refuse_endorsement_as`]`(&Viewer, application, reason, now) -> Changed`
//! - [`Engine::accept_as`]`(By, cohort_id, &[application], now) -> Vec<Result<Changed, Error>>`
//! - [`Engine::wait_list_as`]`(By, application, now)`,
//!   [`Engine::decline_as`]`(By, application, reason, now)`,
//!   [`Engine::withdraw_application_as`]`(By, application, reason, now)`: each `-> Changed`
//! - [`Engine::change_application`]`(By, application, Command, now) -> Changed`: any
//!   command of the core (take or decline an offer, withdraw a trainee: places builds on it)
//! - [`Engine::expire_offers`]`(now, limit) -> Vec<Changed>`: lapsed offers (the worker's)
//! - reads: [`Engine::application_as`]`(By, id) -> ApplicationView`,
//!   [`Engine::candidates_as`]`(By, cohort_id, &CandidateQuery) -> Candidates`,
//!   [`Engine::applications_of`]`(&Viewer) -> Vec<ApplicationView>`,
//!   [`Engine::supervision_as`]`(&Viewer) -> Supervision`,
//!   [`Engine::open_cohorts`]`() -> Vec<OpenCohort>`,
//!   [`Engine::cohort_log`]`(cohort) -> Vec<CohortEvent>`

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;

use super::{Engine, Error, Viewer, input};
use crate::decide::intake::{
    self, Actor, Application, ApplicationKind, ApplicationState, Command, Intake, Next, Recipient,
    Someone, Transition,
};
use crate::decide::{Member, committee::SUPERVISOR_ROLE};
use crate::reason::{Arg, Reason};
use crate::store::{
    self, ApplicationWrite, Cohort, CohortEvent, IntakeMail, NewProject, Person, Program,
    StoredApplication,
};

/// How often a change is decided again when another writer changed the
/// application first.
const RACE_TRIES: usize = 8;

/// Who acts: the operator at the command line, or a signed-in person.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// The operator (no `--as`): a coordinator's powers on every cohort.
    Operator,
    /// A person.
    Person(&'a Viewer),
}

impl<'a> From<&'a Viewer> for By<'a> {
    fn from(viewer: &'a Viewer) -> Self {
        By::Person(viewer)
    }
}

/// How a cohort's intake is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntakeSettings {
    /// Days an offer of a freed place stays open (1 to 90).
    pub offer_days: u32,
}

impl Default for IntakeSettings {
    fn default() -> Self {
        IntakeSettings { offer_days: 7 }
    }
}

/// A person as an application shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Organization.
    pub organization: String,
}

impl From<&Person> for PersonRef {
    fn from(p: &Person) -> Self {
        PersonRef {
            id: p.id,
            name: p.name.clone(),
            email: p.email.clone(),
            organization: p.organization.clone(),
        }
    }
}

/// An application with everything a page or the CLI shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicationView {
    /// Id.
    pub id: i64,
    /// The cohort's id.
    pub cohort: i64,
    /// The cohort's name.
    pub cohort_name: String,
    /// Nomination or request.
    pub kind: ApplicationKind,
    /// Where it stands.
    pub state: ApplicationState,
    /// The candidate.
    pub candidate: PersonRef,
    /// The nominator, or the supervisor a request names.
    pub supervisor: Option<PersonRef>,
    /// Why (the nomination's or request's words).
    pub reason: String,
    /// Waiting-list position.
    pub position: Option<i64>,
    /// When an open offer lapses.
    pub offer_expires: Option<Timestamp>,
    /// The project started when accepted.
    pub project: Option<i64>,
    /// Who made the last change (`None`: the operator or the engine).
    pub decided_by: Option<PersonRef>,
    /// Words given with a decline or withdrawal.
    pub note: Option<String>,
    /// What comes next, and whose turn it is.
    pub next: Next,
    /// Version (grows with every change).
    pub version: i64,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// What a write did, for an interface to confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// The application after the change.
    pub application: ApplicationView,
    /// Who was mailed (person ids).
    pub told: Vec<i64>,
    /// The project started, when accepted.
    pub project: Option<i64>,
    /// The application offered the place this change freed, if any.
    pub offered: Option<i64>,
}

/// What accepting one application did (the same as any change).
pub type Accepted = Changed;

/// How the candidate list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateSort {
    /// Oldest first (the default).
    #[default]
    Created,
    /// By the candidate's name.
    Name,
    /// By the candidate's organization, then name.
    Organization,
    /// By state, then waiting-list position, then age.
    State,
}

/// Sort and filter of a cohort's candidate list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateQuery {
    /// Sort order.
    pub sort: CandidateSort,
    /// Reverse it.
    pub descending: bool,
    /// Only these states (empty: all).
    pub states: Vec<ApplicationState>,
    /// Only this kind.
    pub kind: Option<ApplicationKind>,
}

/// A cohort's candidates, for its coordinators.
#[derive(Debug, Clone, Serialize)]
pub struct Candidates {
    /// The cohort.
    pub cohort: Cohort,
    /// Requests need endorsement.
    pub endorsement: bool,
    /// Places left.
    pub left: u32,
    /// The applications, sorted and filtered.
    pub applications: Vec<ApplicationView>,
}

/// A cohort open for applications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenCohort {
    /// Cohort id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its program's key.
    pub program: String,
    /// Its program's title.
    pub program_title: String,
    /// Requests need a supervisor's endorsement.
    pub endorsement: bool,
    /// Places.
    pub capacity: u32,
    /// Places taken.
    pub taken: u32,
    /// Days an offer stays open.
    pub offer_days: u32,
}

/// What a supervisor sees: whom they may nominate and what waits for them.
#[derive(Debug, Clone, Serialize)]
pub struct Supervision {
    /// They are a supervisor (else the rest is empty).
    pub supervisor: bool,
    /// People of their organization (not themselves) they may nominate.
    pub people: Vec<PersonRef>,
    /// Cohorts open for applications.
    pub open_cohorts: Vec<OpenCohort>,
    /// Their nominations, newest first.
    pub nominations: Vec<ApplicationView>,
    /// Requests naming them that wait for their endorsement.
    pub to_endorse: Vec<ApplicationView>,
    /// Other requests naming them, newest first.
    pub requests: Vec<ApplicationView>,
}

impl Engine {
    /// The viewer registered as `email`: whom the CLI's `--as` names.
    pub async fn acting_as(&self, email: &str) -> Result<Viewer, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        let language = self.store.language(person.id).await?;
        Ok(Viewer { person, language })
    }

    /// Sets whether the person registered as `email` is a supervisor
    /// (manager) who may nominate and endorse people of their organization.
    pub async fn set_supervisor(&self, email: &str, supervisor: bool) -> Result<Person, Error> {
        let person = self.store.person(&input::email(email)?).await?;
        self.store.set_supervisor(person.id, supervisor).await?;
        Ok(Person {
            supervisor,
            ..person
        })
    }

    /// Sets whether requests to join program `program`'s cohorts need the
    /// named supervisor's endorsement before a coordinator may accept them.
    pub async fn set_endorsement(
        &self,
        program: &str,
        endorsement: bool,
    ) -> Result<Program, Error> {
        let program = self.store.program(program.trim()).await?;
        self.store.set_endorsement(program.id, endorsement).await?;
        Ok(Program {
            endorsement,
            ..program
        })
    }

    /// Opens cohort `cohort` (by name) for nominations and requests, with
    /// `settings`; `by` a coordinator of it or the operator.
    pub async fn open_intake(
        &self,
        cohort: &str,
        settings: IntakeSettings,
        by: By<'_>,
        now: Timestamp,
    ) -> Result<Cohort, Error> {
        let days = intake::check_offer_days(settings.offer_days).map_err(Error::Invalid)?;
        let cohort = self.store.cohort(cohort.trim()).await?;
        let actor = self.coordinating(by, &cohort).await?;
        let event = intake::IntakeEvent::IntakeOpened { offer_days: days };
        self.store
            .set_intake(cohort.id, true, Some(days), &event, actor, now)
            .await?;
        Ok(self.store.cohort_by_id(cohort.id).await?)
    }

    /// Closes cohort `cohort` (by name) for nominations and requests
    /// (applications made stay as they are); `by` a coordinator or the operator.
    pub async fn close_intake(
        &self,
        cohort: &str,
        by: By<'_>,
        now: Timestamp,
    ) -> Result<Cohort, Error> {
        let cohort = self.store.cohort(cohort.trim()).await?;
        let actor = self.coordinating(by, &cohort).await?;
        self.store
            .set_intake(
                cohort.id,
                false,
                None,
                &intake::IntakeEvent::IntakeClosed,
                actor,
                now,
            )
            .await?;
        Ok(self.store.cohort_by_id(cohort.id).await?)
    }

    /// `by`'s person id when they coordinate `cohort` (`None`: the
    /// operator); anyone else is told the cohort does not exist.
    async fn coordinating(&self, by: By<'_>, cohort: &Cohort) -> Result<Option<i64>, Error> {
        match by {
            By::Operator => Ok(None),
            By::Person(viewer) => {
                if self
                    .store
                    .coordinated_cohorts(viewer.person.id)
                    .await?
                    .contains(&cohort.id)
                {
                    Ok(Some(viewer.person.id))
                } else {
                    Err(no_cohort(cohort.id))
                }
            }
        }
    }

    /// The supervisor `viewer` nominates the person registered as
    /// `candidate` for cohort `cohort` (by id), saying why.
    pub async fn nominate_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        candidate: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let reason = input::line("reason", reason)?;
        let cohort = self.visible_cohort(cohort).await?;
        let actor = self.actor(By::Person(viewer), cohort.id).await?;
        // Who may nominate is asked before the email is looked up: someone
        // who may not learns nothing of who is registered.
        if !matches!(
            actor,
            Actor::Person {
                supervisor: true,
                ..
            }
        ) {
            return Err(Error::Forbidden(Reason::new(
                "intake-not-supervisor",
                vec![],
            )));
        }
        let candidate = self.store.person(&input::email(candidate)?).await?;
        let facts = self.intake_facts(&cohort).await?;
        let has_live = self
            .store
            .has_live_application(cohort.id, candidate.id)
            .await?;
        let new = intake::nominate(&facts, &actor, &someone(&candidate), has_live, &reason)
            .map_err(refusal)?;
        self.insert(&cohort, &facts, new, actor.person(), now).await
    }

    /// `viewer` asks to join cohort `cohort` (by id), naming their
    /// supervisor (an email; needed when the program asks for endorsement),
    /// saying why.
    pub async fn request_as(
        &self,
        viewer: &Viewer,
        cohort: i64,
        supervisor: Option<&str>,
        reason: &str,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let reason = input::line("reason", reason)?;
        let cohort = self.visible_cohort(cohort).await?;
        let actor = self.actor(By::Person(viewer), cohort.id).await?;
        let supervisor = match supervisor.map(str::trim).filter(|s| !s.is_empty()) {
            Some(email) => Some(self.store.person(&input::email(email)?).await?),
            None => None,
        };
        let facts = self.intake_facts(&cohort).await?;
        let has_live = self
            .store
            .has_live_application(cohort.id, viewer.person.id)
            .await?;
        let named = supervisor.as_ref().map(someone);
        let new =
            intake::request(&facts, &actor, named.as_ref(), has_live, &reason).map_err(refusal)?;
        self.insert(&cohort, &facts, new, actor.person(), now).await
    }

    /// The supervisor a request names endorses it.
    pub async fn endorse_as(
        &self,
        viewer: &Viewer,
        application: i64,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        self.change_application(By::Person(viewer), application, Command::Endorse, now)
            .await
    }

    /// The supervisor a request names refuses to endorse it, saying why.
    pub async fn refuse_endorsement_as(
        &self,
        viewer: &Viewer,
        application: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let reason = input::line("reason", reason)?;
        self.change_application(
            By::Person(viewer),
            application,
            Command::RefuseEndorsement { reason },
            now,
        )
        .await
    }

    /// Accepts `applications` of cohort `cohort` (by id) in the order given,
    /// each with its project started, until the cohort is full: each gets
    /// its own result (the rest `cohort-full`). `by` a coordinator of the
    /// cohort or the operator; an application of another cohort is refused
    /// (`application-cohort`).
    pub async fn accept_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        cohort: i64,
        applications: &[i64],
        now: Timestamp,
    ) -> Result<Vec<Result<Accepted, Error>>, Error> {
        let by = by.into();
        let cohort_row = self.visible_cohort(cohort).await?;
        self.coordinating(by, &cohort_row).await?;
        let mut results = Vec::with_capacity(applications.len());
        let mut full: Option<Error> = None;
        for &id in applications {
            if let Some(Error::Conflict(reason)) = &full {
                results.push(Err(Error::Conflict(reason.clone())));
                continue;
            }
            let result = self
                .change_in(by, id, Some(cohort), Command::Accept, now)
                .await;
            if let Err(Error::Conflict(reason)) = &result
                && reason.code == "cohort-full"
            {
                full = Some(Error::Conflict(reason.clone()));
            }
            results.push(result);
        }
        Ok(results)
    }

    /// A coordinator (or the operator) puts an application on the waiting
    /// list, at its end.
    pub async fn wait_list_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        application: i64,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        self.change_application(by.into(), application, Command::WaitList, now)
            .await
    }

    /// A coordinator (or the operator) declines an application, saying why.
    pub async fn decline_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        application: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let reason = input::line("reason", reason)?;
        self.change_application(by.into(), application, Command::Decline { reason }, now)
            .await
    }

    /// The candidate (reason optional: empty) or a coordinator (reason
    /// needed) withdraws an application before acceptance; an offer
    /// withdrawn frees its place for the next on the list.
    pub async fn withdraw_application_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        application: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let reason = input::optional_line("reason", reason)?;
        self.change_application(by.into(), application, Command::Withdraw { reason }, now)
            .await
    }

    /// Runs one command of the core on an application, as `by`: decided
    /// on the application as stored, written with its event and mail in
    /// one transaction (the project started with it when the core says
    /// so; the place it frees offered to the first of the waiting list),
    /// decided again when another writer changed it first.
    pub async fn change_application(
        &self,
        by: By<'_>,
        application: i64,
        command: Command,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        self.change_in(by, application, None, command, now).await
    }

    /// Lets offers open past `now` lapse (at most `limit`), each freed
    /// place offered to the next of its waiting list: the worker's timer.
    /// One that another process changed first is skipped.
    pub async fn expire_offers(&self, now: Timestamp, limit: usize) -> Result<Vec<Changed>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut done = Vec::new();
        for stored in self.store.lapsed_offers(now, limit).await? {
            match self
                .change_as_actor(
                    Actor::Engine,
                    stored.application.id,
                    None,
                    Command::Expire,
                    now,
                )
                .await
            {
                Ok(changed) => done.push(changed),
                Err(e) if matches!(e.kind(), super::Kind::Invalid | super::Kind::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    async fn change_in(
        &self,
        by: By<'_>,
        application: i64,
        cohort: Option<i64>,
        command: Command,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let stored = self.store.application(application).await?;
        let actor = self.actor(by, stored.application.cohort).await?;
        if !visible(&actor, &stored.application) {
            return Err(unknown(application));
        }
        self.change_as_actor(actor, application, cohort, command, now)
            .await
    }

    /// The change as `actor` (already allowed to see the application).
    pub(super) async fn change_as_actor(
        &self,
        actor: Actor,
        application: i64,
        cohort: Option<i64>,
        command: Command,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        for _ in 0..RACE_TRIES {
            let stored = self.store.application(application).await?;
            let app = &stored.application;
            if let Some(cohort) = cohort
                && app.cohort != cohort
            {
                return Err(Error::Invalid(Reason::new(
                    "application-cohort",
                    vec![
                        ("application", Arg::int(application)),
                        ("cohort", Arg::int(cohort)),
                    ],
                )));
            }
            let cohort = self.store.cohort_by_id(app.cohort).await?;
            let program = self.store.program_by_id(cohort.program_id).await?;
            let facts = self.intake_facts_of(&cohort, &program).await?;
            let t = intake::decide(app, &facts, &actor, &command, now).map_err(refusal)?;
            let by = actor.person();
            let mut writes = vec![self.write(&cohort, &program, app, &t, by).await?];
            let mut places = t.places;
            let mut offered = None;
            if t.frees_place {
                // The place goes to the first of the waiting list, now.
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
                    let offer = intake::decide(
                        first,
                        &after,
                        &Actor::Engine,
                        &Command::Offer { first: first.id },
                        now,
                    );
                    if let Ok(offer) = offer {
                        places += offer.places;
                        offered = Some(first.id);
                        writes.push(self.write(&cohort, &program, first, &offer, None).await?);
                    }
                }
            }
            let result = if t.starts_project {
                self.start_accepted(&cohort, &program, app, &writes, t.places > 0, now)
                    .await
            } else {
                self.store
                    .change_applications(
                        (cohort.id, &cohort.name, cohort.capacity),
                        places,
                        &writes,
                        now,
                    )
                    .await
                    .map_err(Error::from)
                    .map(|_| None)
            };
            match result {
                Ok(project) => {
                    let told = writes
                        .iter()
                        .take(1)
                        .flat_map(|w| w.mail.iter().map(|m| m.person))
                        .fold(Vec::new(), |mut told, p| {
                            if !told.contains(&p) {
                                told.push(p);
                            }
                            told
                        });
                    let after = self.store.application(application).await?;
                    return Ok(Changed {
                        application: self.application_view(&after, &cohort, &program).await?,
                        told,
                        project,
                        offered,
                    });
                }
                Err(e) if e.is_race() => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict(Reason::new("changed", vec![])))
    }

    /// Starts the project of accepted application `app` with `writes` in
    /// one transaction (a place taken when `take_place`); its id.
    async fn start_accepted(
        &self,
        cohort: &Cohort,
        program: &Program,
        app: &Application,
        writes: &[ApplicationWrite],
        take_place: bool,
        now: Timestamp,
    ) -> Result<Option<i64>, Error> {
        let candidate = self.store.person_by_id(app.person).await?;
        let title = input::line("project-title", &candidate.name)?;
        let mut direct = vec![Member {
            person: app.person,
            role: super::TRAINEE_ROLE.to_owned(),
        }];
        if let Some(supervisor) = app.supervisor {
            direct.push(Member {
                person: supervisor,
                role: SUPERVISOR_ROLE.to_owned(),
            });
        }
        self.check_prerequisite(program, &[app.person], now).await?;
        let calendar = self.calendar(cohort.id, cohort.revision).await?;
        let valid = [NewProject {
            title: &title,
            direct: &direct,
        }];
        let (mut results, _) = self
            .create_started(
                cohort.clone(),
                calendar,
                program,
                &valid,
                now,
                take_place,
                writes,
            )
            .await?;
        match results.pop() {
            Some(Ok((id, _))) => Ok(Some(id)),
            Some(Err(e)) => Err(e),
            None => Err(Error::internal("no project started")),
        }
    }

    /// The store's write of transition `t` of `app`, with its mail.
    pub(super) async fn write(
        &self,
        cohort: &Cohort,
        program: &Program,
        app: &Application,
        t: &Transition,
        by: Option<i64>,
    ) -> Result<ApplicationWrite, Error> {
        let note = match &t.event {
            intake::IntakeEvent::Changed { reason, .. } if !reason.is_empty() => {
                Some(reason.clone())
            }
            _ => None,
        };
        let mail = if t.mail.is_empty() {
            Vec::new()
        } else {
            let names = self.names(app).await?;
            let data = mail_data(
                cohort,
                program,
                app,
                (&names.0, &names.1),
                t.state,
                t.position,
                note.as_deref(),
                t.offer_expires,
            );
            self.recipients(cohort.id, app, &t.mail, &data).await?
        };
        Ok(ApplicationWrite {
            id: app.id,
            expected: app.version,
            state: t.state,
            position: t.position,
            new_position: t.state == ApplicationState::Waiting
                && app.state != ApplicationState::Waiting,
            offer_expires: t.offer_expires,
            takes_project: t.starts_project,
            decided_by: by,
            note,
            event: t.event.clone(),
            mail,
        })
    }

    /// The names of `app`'s candidate and supervisor (empty: none), for its mail.
    async fn names(&self, app: &Application) -> Result<(String, String), Error> {
        let ids: Vec<i64> = std::iter::once(app.person).chain(app.supervisor).collect();
        let people = self.store.people_by_id(&ids).await?;
        let name = |id: Option<i64>| {
            people
                .iter()
                .find(|p| Some(p.id) == id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        Ok((name(Some(app.person)), name(app.supervisor)))
    }

    /// The mail rows for `mail` about `app`.
    async fn recipients(
        &self,
        cohort: i64,
        app: &Application,
        mail: &[intake::Mail],
        data: &serde_json::Value,
    ) -> Result<Vec<IntakeMail>, Error> {
        let mut rows = Vec::new();
        for (template, to) in mail {
            let people = match to {
                Recipient::Candidate => vec![app.person],
                Recipient::Supervisor => app.supervisor.into_iter().collect(),
                Recipient::Coordinators => self.store.cohort_coordinators(cohort).await?,
            };
            for person in people {
                rows.push(IntakeMail {
                    template: (*template).to_owned(),
                    person,
                    data: data.to_string(),
                });
            }
        }
        Ok(rows)
    }

    /// Records a new application decided by the core.
    async fn insert(
        &self,
        cohort: &Cohort,
        facts: &Intake,
        new: intake::NewApplication,
        by: Option<i64>,
        now: Timestamp,
    ) -> Result<Changed, Error> {
        let program = self.store.program_by_id(cohort.program_id).await?;
        let mut draft = Application {
            id: 0,
            cohort: cohort.id,
            person: new.person,
            kind: new.kind,
            supervisor: new.supervisor,
            reason: new.reason.clone(),
            state: new.state,
            position: None,
            offer_expires: None,
            project: None,
            version: 1,
        };
        let mut told = Vec::new();
        let mut planned = Vec::new();
        for (template, to) in &new.mail {
            let people = match to {
                Recipient::Candidate => vec![new.person],
                Recipient::Supervisor => new.supervisor.into_iter().collect(),
                Recipient::Coordinators => self.store.cohort_coordinators(cohort.id).await?,
            };
            for person in people {
                if !told.contains(&person) {
                    told.push(person);
                }
                planned.push((*template, person));
            }
        }
        let _ = facts;
        let names = self.names(&draft).await?;
        let id = self
            .store
            .insert_application(
                cohort.id,
                &cohort.name,
                &new,
                by,
                |id| {
                    draft.id = id;
                    let data = mail_data(
                        cohort,
                        &program,
                        &draft,
                        (&names.0, &names.1),
                        new.state,
                        None,
                        None,
                        None,
                    );
                    planned
                        .iter()
                        .map(|(template, person)| IntakeMail {
                            template: (*template).to_owned(),
                            person: *person,
                            data: data.to_string(),
                        })
                        .collect()
                },
                now,
            )
            .await?;
        let after = self.store.application(id).await?;
        Ok(Changed {
            application: self.application_view(&after, cohort, &program).await?,
            told,
            project: None,
            offered: None,
        })
    }

    /// One application, as `by` may see it (else `application-unknown`).
    pub async fn application_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        application: i64,
    ) -> Result<ApplicationView, Error> {
        let stored = self.store.application(application).await?;
        let actor = self.actor(by.into(), stored.application.cohort).await?;
        if !visible(&actor, &stored.application) {
            return Err(unknown(application));
        }
        let cohort = self.store.cohort_by_id(stored.application.cohort).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        self.application_view(&stored, &cohort, &program).await
    }

    /// Cohort `cohort`'s candidates, sorted and filtered by `query`, for a
    /// coordinator of it (or the operator); anyone else: not found.
    pub async fn candidates_as<'a>(
        &self,
        by: impl Into<By<'a>>,
        cohort: i64,
        query: &CandidateQuery,
    ) -> Result<Candidates, Error> {
        let cohort = self.visible_cohort(cohort).await?;
        self.coordinating(by.into(), &cohort).await?;
        let program = self.store.program_by_id(cohort.program_id).await?;
        let stored = self.store.cohort_applications(cohort.id).await?;
        let mut applications = self.views(&stored, &cohort, &program).await?;
        applications.retain(|a| {
            (query.states.is_empty() || query.states.contains(&a.state))
                && query.kind.is_none_or(|k| k == a.kind)
        });
        let key = |a: &ApplicationView| match query.sort {
            CandidateSort::Created => (String::new(), String::new(), 0, a.id),
            CandidateSort::Name => (a.candidate.name.to_lowercase(), String::new(), 0, a.id),
            CandidateSort::Organization => (
                a.candidate.organization.to_lowercase(),
                a.candidate.name.to_lowercase(),
                0,
                a.id,
            ),
            CandidateSort::State => (
                format!("{}", a.state as u8),
                String::new(),
                a.position.unwrap_or(i64::MAX),
                a.id,
            ),
        };
        applications.sort_by_key(key);
        if query.descending {
            applications.reverse();
        }
        Ok(Candidates {
            left: cohort.capacity.saturating_sub(cohort.taken),
            endorsement: program.endorsement,
            cohort,
            applications,
        })
    }

    /// `viewer`'s own applications, newest first, with what comes next.
    pub async fn applications_of(&self, viewer: &Viewer) -> Result<Vec<ApplicationView>, Error> {
        self.applications_of_person(viewer.person.id).await
    }

    /// The applications of the candidate `person`, newest first (their
    /// own page, and their data export).
    pub(super) async fn applications_of_person(
        &self,
        person: i64,
    ) -> Result<Vec<ApplicationView>, Error> {
        let stored = self.store.person_applications(person).await?;
        let mut views = self.views_any(&stored).await?;
        views.reverse();
        Ok(views)
    }

    /// What the supervisor `viewer` may do: the people of their
    /// organization they may nominate, the open cohorts, their nominations
    /// and the requests naming them (those waiting for their endorsement
    /// apart). Someone who is not a supervisor gets empty lists (requests
    /// naming them excepted: none can).
    pub async fn supervision_as(&self, viewer: &Viewer) -> Result<Supervision, Error> {
        let me = self.store.person_by_id(viewer.person.id).await?;
        let stored = self.store.supervised_applications(me.id).await?;
        let mut all = self.views_any(&stored).await?;
        all.reverse();
        let (nominations, requests): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|a| a.kind == ApplicationKind::Nomination);
        let (to_endorse, requests): (Vec<_>, Vec<_>) = requests
            .into_iter()
            .partition(|a| a.state == ApplicationState::Submitted);
        let (people, open_cohorts) = if me.supervisor {
            let people = self
                .store
                .people()
                .await?
                .iter()
                .filter(|p| {
                    p.id != me.id && intake::same_organization(&me.organization, &p.organization)
                })
                .map(PersonRef::from)
                .collect();
            (people, self.open_cohorts().await?)
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Supervision {
            supervisor: me.supervisor,
            people,
            open_cohorts,
            nominations,
            to_endorse,
            requests,
        })
    }

    /// The cohorts open for applications, by name.
    pub async fn open_cohorts(&self) -> Result<Vec<OpenCohort>, Error> {
        let mut open = Vec::new();
        let mut programs: BTreeMap<i64, Program> = BTreeMap::new();
        for id in self.store.open_cohort_ids().await? {
            let cohort = self.store.cohort_by_id(id).await?;
            if let std::collections::btree_map::Entry::Vacant(slot) =
                programs.entry(cohort.program_id)
            {
                slot.insert(self.store.program_by_id(cohort.program_id).await?);
            }
            let program = &programs[&cohort.program_id];
            open.push(OpenCohort {
                id: cohort.id,
                name: cohort.name,
                program: program.key.clone(),
                program_title: program.title.clone(),
                endorsement: program.endorsement,
                capacity: cohort.capacity,
                taken: cohort.taken,
                offer_days: cohort.offer_days,
            });
        }
        Ok(open)
    }

    /// Cohort `cohort`'s (by name) log, in order: the operator's view.
    pub async fn cohort_log(&self, cohort: &str) -> Result<Vec<CohortEvent>, Error> {
        let cohort = self.store.cohort(cohort.trim()).await?;
        Ok(self.store.cohort_events(cohort.id).await?)
    }

    /// Cohort `id`, or not found in the words of the read policy.
    async fn visible_cohort(&self, id: i64) -> Result<Cohort, Error> {
        self.store.cohort_by_id(id).await.map_err(|e| match e {
            store::Error::NotFound(_) => no_cohort(id),
            e => e.into(),
        })
    }

    /// `by` as the core sees them towards cohort `cohort`.
    pub(super) async fn actor(&self, by: By<'_>, cohort: i64) -> Result<Actor, Error> {
        Ok(match by {
            By::Operator => Actor::Operator,
            By::Person(viewer) => {
                // Read afresh: a supervisor flag or organization changed
                // since the viewer signed in counts now.
                let me = self.store.person_by_id(viewer.person.id).await?;
                Actor::Person {
                    id: me.id,
                    coordinator: self
                        .store
                        .coordinated_cohorts(me.id)
                        .await?
                        .contains(&cohort),
                    supervisor: me.supervisor,
                    organization: me.organization,
                }
            }
        })
    }

    /// What the core reads about `cohort`.
    async fn intake_facts(&self, cohort: &Cohort) -> Result<Intake, Error> {
        let program = self.store.program_by_id(cohort.program_id).await?;
        self.intake_facts_of(cohort, &program).await
    }

    pub(super) async fn intake_facts_of(
        &self,
        cohort: &Cohort,
        program: &Program,
    ) -> Result<Intake, Error> {
        Ok(Intake {
            cohort: cohort.id,
            name: cohort.name.clone(),
            open: cohort.intake_open,
            capacity: cohort.capacity,
            taken: cohort.taken,
            endorsement: program.endorsement,
            offer_days: cohort.offer_days,
            last_position: self.store.last_position(cohort.id).await?,
        })
    }

    /// Views of applications of one cohort.
    async fn views(
        &self,
        stored: &[StoredApplication],
        cohort: &Cohort,
        program: &Program,
    ) -> Result<Vec<ApplicationView>, Error> {
        let ids: Vec<i64> = stored
            .iter()
            .flat_map(|s| {
                [
                    Some(s.application.person),
                    s.application.supervisor,
                    s.decided_by,
                ]
            })
            .flatten()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let people: BTreeMap<i64, PersonRef> = self
            .store
            .people_by_id(&ids)
            .await?
            .iter()
            .map(|p| (p.id, PersonRef::from(p)))
            .collect();
        let person = |id: i64| {
            people.get(&id).cloned().unwrap_or_else(|| PersonRef {
                id,
                name: format!("#{id}"),
                email: String::new(),
                organization: String::new(),
            })
        };
        Ok(stored
            .iter()
            .map(|s| {
                let a = &s.application;
                ApplicationView {
                    id: a.id,
                    cohort: cohort.id,
                    cohort_name: cohort.name.clone(),
                    kind: a.kind,
                    state: a.state,
                    candidate: person(a.person),
                    supervisor: a.supervisor.map(person),
                    reason: a.reason.clone(),
                    position: a.position,
                    offer_expires: a.offer_expires,
                    project: a.project,
                    decided_by: s.decided_by.map(person),
                    note: s.note.clone(),
                    next: intake::next(a, program.endorsement),
                    version: a.version,
                    created_at: s.created_at,
                    updated_at: s.updated_at,
                }
            })
            .collect())
    }

    /// Views of applications of any cohorts, in the order given.
    async fn views_any(&self, stored: &[StoredApplication]) -> Result<Vec<ApplicationView>, Error> {
        let mut out = Vec::with_capacity(stored.len());
        let mut cohorts: BTreeMap<i64, (Cohort, Program)> = BTreeMap::new();
        for s in stored {
            let id = s.application.cohort;
            if let std::collections::btree_map::Entry::Vacant(slot) = cohorts.entry(id) {
                let cohort = self.store.cohort_by_id(id).await?;
                let program = self.store.program_by_id(cohort.program_id).await?;
                slot.insert((cohort, program));
            }
            let (cohort, program) = &cohorts[&id];
            out.extend(self.views(std::slice::from_ref(s), cohort, program).await?);
        }
        Ok(out)
    }

    async fn application_view(
        &self,
        stored: &StoredApplication,
        cohort: &Cohort,
        program: &Program,
    ) -> Result<ApplicationView, Error> {
        Ok(self
            .views(std::slice::from_ref(stored), cohort, program)
            .await?
            .pop()
            .expect("one view per application"))
    }
}

/// Whether `actor` may see `application`: its candidate, the supervisor it
/// names, the cohort's coordinators, the operator and the engine.
fn visible(actor: &Actor, application: &Application) -> bool {
    !intake::roles_of(actor, application).is_empty()
}

fn someone(p: &Person) -> Someone {
    Someone {
        id: p.id,
        email: p.email.clone(),
        organization: p.organization.clone(),
        supervisor: p.supervisor,
    }
}

/// What intake mail says: the variables its templates use (`candidate` and
/// `supervisor` are names; `position` is filled in by the store when it
/// gives one).
#[allow(clippy::too_many_arguments)]
fn mail_data(
    cohort: &Cohort,
    program: &Program,
    app: &Application,
    names: (&str, &str),
    state: ApplicationState,
    position: Option<i64>,
    note: Option<&str>,
    offer_expires: Option<Timestamp>,
) -> serde_json::Value {
    json!({
        "application": app.id,
        "cohort": cohort.name,
        "cohort_id": cohort.id,
        "time_zone": cohort.time_zone,
        "program": program.title,
        "kind": app.kind,
        "state": state,
        "candidate": names.0,
        "supervisor": names.1,
        "reason": app.reason,
        "note": note,
        "position": position,
        "offer_expires": offer_expires,
    })
}

/// A refusal of the core as the service's error, by its code's kind.
pub(super) fn refusal(reason: Reason) -> Error {
    match reason.code {
        "application-not-allowed" | "intake-not-supervisor" => Error::Forbidden(reason),
        "cohort-full"
        | "application-exists"
        | "application-closed"
        | "application-state"
        | "intake-closed"
        | "application-not-first"
        | "application-offer-expired"
        | "application-offer-open"
        | "application-accepted" => Error::Conflict(reason),
        _ => Error::Invalid(reason),
    }
}

fn unknown(application: i64) -> Error {
    Error::NotFound(Reason::new(
        "application-unknown",
        vec![("application", Arg::int(application))],
    ))
}

fn no_cohort(cohort: i64) -> Error {
    Error::NotFound(Reason::new(
        "intake-no-cohort",
        vec![("cohort", Arg::int(cohort))],
    ))
}
