//! Intake (issue 16, part 1): nominations and requests to join a cohort,
//! as records with their own states, and every rule about them. Pure: no
//! I/O, no clock; the service loads the facts ([`Intake`], [`Actor`], the
//! [`Application`]) and commits what [`decide`] returns.
//!
//! # States
//! `submitted` (a request) and `endorsed` (a nomination, or a request its
//! supervisor endorsed) wait for a coordinator, who accepts (`accepted`: a
//! place taken, the project started), puts on the waiting list (`waiting`,
//! at the end of the list) or declines (`declined`). When a place frees,
//! the first of the list is offered it (`offered`, a place held until
//! `offer_expires`); the candidate takes it (`accepted`, no second place),
//! declines it (`declined`) or lets it lapse (`expired`). A candidate may
//! withdraw (`withdrawn`) before acceptance; an accepted trainee leaves by
//! the trainee withdrawal ([`Command::WithdrawTrainee`]), which ends their
//! project. `declined`, `withdrawn` and `expired` are terminal: nothing
//! leaves them.
//!
//! # Who may
//! [`WHO_MAY`] says, as data, which [`Role`]s may do each [`Deed`]; an
//! actor's roles towards one application are [`roles_of`]. The operator
//! (the command line without `--as`) may do what a coordinator may, and
//! the engine (`None` actor with `engine`) makes offers and lets them lapse.
//!
//! # Places
//! Each [`Transition`] says how it changes the cohort's taken places
//! (`places`: +1 an acceptance from the list or an offer made, -1 an offer
//! declined, lapsed or withdrawn, or a trainee withdrawn; taking an offer
//! takes no second place). The core refuses a transition that would take
//! a place beyond capacity (`cohort-full`); the store takes the place in
//! the same statement, so racing writers cannot overfill a cohort either.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::reason::{Arg, Reason};

/// The most days an offer may stay open.
pub const MAX_OFFER_DAYS: u32 = 90;

/// How a candidate came forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    /// A supervisor put them forward, with a reason.
    Nomination,
    /// They asked to join themselves.
    Request,
}

impl ApplicationKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationKind::Nomination => "nomination",
            ApplicationKind::Request => "request",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<ApplicationKind> {
        match text {
            "nomination" => Some(ApplicationKind::Nomination),
            "request" => Some(ApplicationKind::Request),
            _ => None,
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// A request waiting for its supervisor's endorsement (or, when the
    /// program needs none, for a coordinator).
    Submitted,
    /// Nominated, or endorsed: waiting for a coordinator.
    Endorsed,
    /// In the cohort: a place taken, the project started.
    Accepted,
    /// On the waiting list, at `position`.
    Waiting,
    /// Offered a freed place until `offer_expires` (the place is held).
    Offered,
    /// Declined by a coordinator, by the supervisor (endorsement refused)
    /// or by the candidate (an offer declined). Terminal.
    Declined,
    /// Withdrawn by the candidate or a coordinator. Terminal.
    Withdrawn,
    /// An offer not taken in time. Terminal.
    Expired,
}

impl ApplicationState {
    /// Every state, in the order of the list above.
    pub const ALL: [ApplicationState; 8] = [
        ApplicationState::Submitted,
        ApplicationState::Endorsed,
        ApplicationState::Accepted,
        ApplicationState::Waiting,
        ApplicationState::Offered,
        ApplicationState::Declined,
        ApplicationState::Withdrawn,
        ApplicationState::Expired,
    ];

    /// As stored (and as a reason's word).
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationState::Submitted => "submitted",
            ApplicationState::Endorsed => "endorsed",
            ApplicationState::Accepted => "accepted",
            ApplicationState::Waiting => "waiting",
            ApplicationState::Offered => "offered",
            ApplicationState::Declined => "declined",
            ApplicationState::Withdrawn => "withdrawn",
            ApplicationState::Expired => "expired",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<ApplicationState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing leaves this state.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ApplicationState::Declined | ApplicationState::Withdrawn | ApplicationState::Expired
        )
    }

    /// Still counts: a person has at most one live application per cohort.
    pub fn is_live(self) -> bool {
        !self.is_terminal()
    }
}

/// One application as the core reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// Row id.
    pub id: i64,
    /// The cohort applied to.
    pub cohort: i64,
    /// The candidate.
    pub person: i64,
    /// Nomination or request.
    pub kind: ApplicationKind,
    /// The nominator, or the supervisor a request names.
    pub supervisor: Option<i64>,
    /// Why (the nomination's or request's words).
    pub reason: String,
    /// Where it stands.
    pub state: ApplicationState,
    /// Its place on the waiting list (kept once set).
    pub position: Option<i64>,
    /// When an open offer lapses.
    pub offer_expires: Option<Timestamp>,
    /// The project started when accepted.
    pub project: Option<i64>,
    /// Grows with every change (the store's optimistic check).
    pub version: i64,
}

/// What the rules read about the cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// Cohort id.
    pub cohort: i64,
    /// Its name (for reasons).
    pub name: String,
    /// Taking nominations and requests.
    pub open: bool,
    /// Most places.
    pub capacity: u32,
    /// Places taken: started projects not withdrawn, plus open offers.
    pub taken: u32,
    /// Its program needs a supervisor's endorsement of requests.
    pub endorsement: bool,
    /// Days an offer stays open.
    pub offer_days: u32,
    /// The last waiting-list position given in the cohort (0: none yet).
    pub last_position: i64,
}

/// Who acts, as the rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The operator at the command line (no `--as`): a coordinator's powers.
    Operator,
    /// The engine itself (offers when a place frees, lapsed offers).
    Engine,
    /// A person.
    Person {
        /// Their id.
        id: i64,
        /// They coordinate this cohort.
        coordinator: bool,
        /// They are a supervisor in the directory.
        supervisor: bool,
        /// Their organization.
        organization: String,
    },
}

impl Actor {
    /// The person's id, when a person acts.
    pub fn person(&self) -> Option<i64> {
        match self {
            Actor::Person { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// Someone an application is about, with what the rules read of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Someone {
    /// Their id.
    pub id: i64,
    /// Their email (for reasons).
    pub email: String,
    /// Their organization.
    pub organization: String,
    /// A supervisor in the directory.
    pub supervisor: bool,
}

/// What one may do to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deed {
    /// Put a person of one's organization forward.
    Nominate,
    /// Ask to join.
    Request,
    /// Endorse a request naming oneself.
    Endorse,
    /// Refuse to endorse it.
    RefuseEndorsement,
    /// Accept into the cohort.
    Accept,
    /// Put on the waiting list.
    WaitList,
    /// Decline.
    Decline,
    /// Withdraw before acceptance.
    Withdraw,
    /// Offer a freed place to the first waiting.
    Offer,
    /// Take an offered place.
    TakeOffer,
    /// Decline an offered place.
    DeclineOffer,
    /// Let an offer lapse.
    Expire,
    /// Withdraw an accepted trainee (their project ends).
    WithdrawTrainee,
}

impl Deed {
    /// As a reason's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Deed::Nominate => "nominate",
            Deed::Request => "request",
            Deed::Endorse => "endorse",
            Deed::RefuseEndorsement => "refuse-endorsement",
            Deed::Accept => "accept",
            Deed::WaitList => "wait-list",
            Deed::Decline => "decline",
            Deed::Withdraw => "withdraw",
            Deed::Offer => "offer",
            Deed::TakeOffer => "take-offer",
            Deed::DeclineOffer => "decline-offer",
            Deed::Expire => "expire",
            Deed::WithdrawTrainee => "withdraw-trainee",
        }
    }
}

/// Someone's part in an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person it is about.
    Candidate,
    /// The supervisor it names (the nominator, or whom a request names).
    Supervisor,
    /// A coordinator of the cohort.
    Coordinator,
    /// The operator at the command line.
    Operator,
    /// The engine itself.
    Engine,
}

/// Who may do each deed to an existing application. (Nominating needs a
/// supervisor of the candidate's organization and requesting is the
/// candidate's own: [`nominate`] and [`request`] check those.)
pub const WHO_MAY: &[(Deed, &[Role])] = &[
    (Deed::Endorse, &[Role::Supervisor]),
    (Deed::RefuseEndorsement, &[Role::Supervisor]),
    (Deed::Accept, &[Role::Coordinator, Role::Operator]),
    (Deed::WaitList, &[Role::Coordinator, Role::Operator]),
    (Deed::Decline, &[Role::Coordinator, Role::Operator]),
    (
        Deed::Withdraw,
        &[Role::Candidate, Role::Coordinator, Role::Operator],
    ),
    (
        Deed::Offer,
        &[Role::Engine, Role::Coordinator, Role::Operator],
    ),
    (Deed::TakeOffer, &[Role::Candidate]),
    (Deed::DeclineOffer, &[Role::Candidate]),
    (Deed::Expire, &[Role::Engine, Role::Operator]),
    (
        Deed::WithdrawTrainee,
        &[Role::Candidate, Role::Coordinator, Role::Operator],
    ),
];

/// The roles that may do `deed` to an application.
pub fn who_may(deed: Deed) -> &'static [Role] {
    WHO_MAY
        .iter()
        .find(|(d, _)| *d == deed)
        .map_or(&[], |(_, roles)| *roles)
}

/// `actor`'s roles towards `application`.
pub fn roles_of(actor: &Actor, application: &Application) -> Vec<Role> {
    match actor {
        Actor::Operator => vec![Role::Operator],
        Actor::Engine => vec![Role::Engine],
        Actor::Person {
            id, coordinator, ..
        } => {
            let mut roles = Vec::new();
            if *id == application.person {
                roles.push(Role::Candidate);
            }
            if application.supervisor == Some(*id) {
                roles.push(Role::Supervisor);
            }
            if *coordinator {
                roles.push(Role::Coordinator);
            }
            roles
        }
    }
}

/// Whether `actor` may do `deed` to `application` (by [`WHO_MAY`]).
pub fn may(actor: &Actor, application: &Application, deed: Deed) -> Result<(), Reason> {
    let allowed = who_may(deed);
    if roles_of(actor, application)
        .iter()
        .any(|r| allowed.contains(r))
    {
        Ok(())
    } else {
        Err(Reason::new(
            "application-not-allowed",
            vec![("deed", Arg::Word(deed.as_str()))],
        ))
    }
}

/// A command on an existing application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// The named supervisor endorses a request.
    Endorse,
    /// The named supervisor refuses to, saying why.
    RefuseEndorsement {
        /// Why.
        reason: String,
    },
    /// A coordinator accepts.
    Accept,
    /// A coordinator puts it on the waiting list.
    WaitList,
    /// A coordinator declines, saying why.
    Decline {
        /// Why.
        reason: String,
    },
    /// The candidate (reason optional) or a coordinator (reason needed)
    /// withdraws it before acceptance.
    Withdraw {
        /// Why (empty: none given).
        reason: String,
    },
    /// Offer a freed place to the first waiting; `first` is the id of the
    /// first waiting application (the service reads the list).
    Offer {
        /// The first of the waiting list.
        first: i64,
    },
    /// The candidate takes the offered place.
    TakeOffer,
    /// The candidate declines it.
    DeclineOffer,
    /// The offer lapsed.
    Expire,
    /// An accepted trainee withdrawn (by themselves, or a coordinator with
    /// a reason): their project ends, the place is freed.
    WithdrawTrainee {
        /// Why (empty: none given).
        reason: String,
    },
}

impl Command {
    /// The deed this command is.
    pub fn deed(&self) -> Deed {
        match self {
            Command::Endorse => Deed::Endorse,
            Command::RefuseEndorsement { .. } => Deed::RefuseEndorsement,
            Command::Accept => Deed::Accept,
            Command::WaitList => Deed::WaitList,
            Command::Decline { .. } => Deed::Decline,
            Command::Withdraw { .. } => Deed::Withdraw,
            Command::Offer { .. } => Deed::Offer,
            Command::TakeOffer => Deed::TakeOffer,
            Command::DeclineOffer => Deed::DeclineOffer,
            Command::Expire => Deed::Expire,
            Command::WithdrawTrainee { .. } => Deed::WithdrawTrainee,
        }
    }
}

/// Who a change is mailed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The candidate.
    Candidate,
    /// The supervisor the application names.
    Supervisor,
    /// The cohort's coordinators.
    Coordinators,
}

/// Mail a change sends: (template name, to whom).
pub type Mail = (&'static str, Recipient);

/// Built-in template names of intake mail (EN and AR).
pub mod templates {
    /// A nomination or request arrived (to the coordinators).
    pub const RECEIVED: &str = "intake_received";
    /// A request waits for the supervisor's endorsement (to them).
    pub const ENDORSE: &str = "intake_endorse";
    /// Accepted, the project started (to the candidate and supervisor).
    pub const ACCEPTED: &str = "intake_accepted";
    /// Put on the waiting list (to the candidate).
    pub const WAITING: &str = "intake_waiting";
    /// Declined (to the candidate).
    pub const DECLINED: &str = "intake_declined";
    // places (issue 16, part 2): offers of freed places.
    /// A freed place offered, with its deadline (to the candidate).
    pub const OFFERED: &str = "intake_offered";
    /// An offer lapsed unanswered (to the candidate).
    pub const EXPIRED: &str = "intake_expired";
    /// An accepted trainee withdrawn, their place freed (to the coordinators).
    pub const FREED: &str = "intake_place_freed";
}

/// An event of the cohort's log: every change of its intake. People are
/// named by id; the words a person wrote (reasons) are sealed with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntakeEvent {
    /// The cohort opened for applications.
    IntakeOpened {
        /// Days an offer stays open.
        offer_days: u32,
    },
    /// The cohort closed for applications.
    IntakeClosed,
    /// A supervisor nominated a person.
    Nominated {
        /// The application.
        application: i64,
        /// The candidate.
        person: i64,
        /// The nominator.
        supervisor: i64,
        /// Why.
        reason: String,
    },
    /// A person asked to join.
    Requested {
        /// The application.
        application: i64,
        /// The candidate.
        person: i64,
        /// The supervisor named, if any.
        supervisor: Option<i64>,
        /// Why.
        reason: String,
    },
    /// Any other change of an application: its new state, and what came with it.
    Changed {
        /// The application.
        application: i64,
        /// The deed.
        deed: Deed,
        /// The state before.
        from: ApplicationState,
        /// The state after.
        to: ApplicationState,
        /// Words given with it (a decline's or withdrawal's reason).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
        /// The waiting-list position given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<i64>,
        /// When an offer made lapses.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offer_expires: Option<Timestamp>,
        /// The project started.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project: Option<i64>,
    },
}

impl IntakeEvent {
    /// The event's kind, as the log's `kind` column holds it.
    pub fn kind(&self) -> &'static str {
        match self {
            IntakeEvent::IntakeOpened { .. } => "intake_opened",
            IntakeEvent::IntakeClosed => "intake_closed",
            IntakeEvent::Nominated { .. } => "nominated",
            IntakeEvent::Requested { .. } => "requested",
            IntakeEvent::Changed { deed, .. } => deed.as_str(),
        }
    }

    /// The text the log stores and hashes: serialised once, here.
    pub fn data_json(&self) -> String {
        serde_json::to_string(self).expect("an intake event serialises")
    }

    /// The application it is about, with the state it leaves it in.
    pub fn application_state(&self) -> Option<(i64, ApplicationState)> {
        match self {
            IntakeEvent::Nominated { application, .. } => {
                Some((*application, ApplicationState::Endorsed))
            }
            IntakeEvent::Requested { application, .. } => {
                Some((*application, ApplicationState::Submitted))
            }
            IntakeEvent::Changed {
                application, to, ..
            } => Some((*application, *to)),
            _ => None,
        }
    }
}

/// A new application, as [`nominate`] and [`request`] decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    /// The candidate.
    pub person: i64,
    /// Nomination or request.
    pub kind: ApplicationKind,
    /// The nominator or named supervisor.
    pub supervisor: Option<i64>,
    /// Why.
    pub reason: String,
    /// Its first state.
    pub state: ApplicationState,
    /// Who is mailed.
    pub mail: Vec<Mail>,
}

impl NewApplication {
    /// Its event, once the store gave it `id`.
    pub fn event(&self, id: i64) -> IntakeEvent {
        match self.kind {
            ApplicationKind::Nomination => IntakeEvent::Nominated {
                application: id,
                person: self.person,
                supervisor: self.supervisor.unwrap_or_default(),
                reason: self.reason.clone(),
            },
            ApplicationKind::Request => IntakeEvent::Requested {
                application: id,
                person: self.person,
                supervisor: self.supervisor,
                reason: self.reason.clone(),
            },
        }
    }
}

/// The same organization, as the committee's rules compare them (case and
/// runs of white space do not count); an empty one matches nothing.
pub fn same_organization(a: &str, b: &str) -> bool {
    !a.trim().is_empty() && super::committee::same_organization(a, b)
}

fn closed(intake: &Intake) -> Reason {
    Reason::new(
        "intake-closed",
        vec![("cohort", Arg::Text(intake.name.clone()))],
    )
}

fn exists(intake: &Intake) -> Reason {
    Reason::new(
        "application-exists",
        vec![("cohort", Arg::Text(intake.name.clone()))],
    )
}

/// A supervisor (`actor`) nominates `candidate` with `reason` (checked text):
/// the cohort open, the nominator a supervisor of the candidate's
/// organization (not the candidate), the candidate without a live
/// application to it (`has_live`). Starts `endorsed`; the coordinators are told.
pub fn nominate(
    intake: &Intake,
    actor: &Actor,
    candidate: &Someone,
    has_live: bool,
    reason: &str,
) -> Result<NewApplication, Reason> {
    if !intake.open {
        return Err(closed(intake));
    }
    let supervisor = match actor {
        Actor::Person {
            id,
            supervisor,
            organization,
            ..
        } => {
            if !supervisor {
                return Err(Reason::new("intake-not-supervisor", vec![]));
            }
            if *id == candidate.id {
                return Err(Reason::new("intake-self-nomination", vec![]));
            }
            if !same_organization(organization, &candidate.organization) {
                return Err(Reason::new(
                    "intake-other-organization",
                    vec![
                        ("email", Arg::Text(candidate.email.clone())),
                        ("organization", Arg::Text(organization.clone())),
                    ],
                ));
            }
            *id
        }
        _ => return Err(Reason::new("intake-not-supervisor", vec![])),
    };
    if has_live {
        return Err(exists(intake));
    }
    Ok(NewApplication {
        person: candidate.id,
        kind: ApplicationKind::Nomination,
        supervisor: Some(supervisor),
        reason: reason.to_owned(),
        state: ApplicationState::Endorsed,
        mail: vec![(templates::RECEIVED, Recipient::Coordinators)],
    })
}

/// A person (`actor`) asks to join with `reason`, naming `supervisor`
/// (needed when the program asks for endorsement: a supervisor of the
/// person's own organization, not themselves). Starts `submitted`; the
/// supervisor is asked to endorse (when the program needs it), the
/// coordinators are told.
pub fn request(
    intake: &Intake,
    actor: &Actor,
    supervisor: Option<&Someone>,
    has_live: bool,
    reason: &str,
) -> Result<NewApplication, Reason> {
    if !intake.open {
        return Err(closed(intake));
    }
    let Actor::Person {
        id, organization, ..
    } = actor
    else {
        return Err(Reason::new(
            "application-not-allowed",
            vec![("deed", Arg::Word(Deed::Request.as_str()))],
        ));
    };
    match supervisor {
        None if intake.endorsement => {
            return Err(Reason::new(
                "intake-endorsement-needed",
                vec![("cohort", Arg::Text(intake.name.clone()))],
            ));
        }
        None => {}
        Some(s) => {
            if s.id == *id {
                return Err(Reason::new("intake-self-endorsement", vec![]));
            }
            if !s.supervisor {
                return Err(Reason::new(
                    "intake-not-a-supervisor",
                    vec![("email", Arg::Text(s.email.clone()))],
                ));
            }
            if !same_organization(&s.organization, organization) {
                return Err(Reason::new(
                    "intake-supervisor-organization",
                    vec![
                        ("email", Arg::Text(s.email.clone())),
                        ("organization", Arg::Text(s.organization.clone())),
                    ],
                ));
            }
        }
    }
    if has_live {
        return Err(exists(intake));
    }
    let mut mail = vec![(templates::RECEIVED, Recipient::Coordinators)];
    if supervisor.is_some() && intake.endorsement {
        mail.push((templates::ENDORSE, Recipient::Supervisor));
    }
    Ok(NewApplication {
        person: *id,
        kind: ApplicationKind::Request,
        supervisor: supervisor.map(|s| s.id),
        reason: reason.to_owned(),
        state: ApplicationState::Submitted,
        mail,
    })
}

/// What a command does to one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The state after.
    pub state: ApplicationState,
    /// The waiting-list position after.
    pub position: Option<i64>,
    /// When the offer lapses, while offered.
    pub offer_expires: Option<Timestamp>,
    /// The change to the cohort's taken places (+1, 0, -1).
    pub places: i64,
    /// The project is started now (on the cohort's workflow, with the
    /// supervisor as its supervisor).
    pub starts_project: bool,
    /// A place was given back: the first of the waiting list is offered it.
    pub frees_place: bool,
    /// The log's event (the service fills `project` once started).
    pub event: IntakeEvent,
    /// Who is mailed.
    pub mail: Vec<Mail>,
}

/// Decides `command` by `actor` on `application` of the cohort `intake`
/// at `now`: the transition, or why not. Refusals, in the order checked:
/// a terminal state (`application-closed`), who may (`application-not-allowed`),
/// the state (`application-state`, `application-accepted` for a withdrawal
/// after acceptance, `application-needs-endorsement`), the words needed
/// (`application-reason-required`), the list's order (`application-not-first`),
/// the offer's time (`application-offer-expired`, `application-offer-open`),
/// and the cohort's places (`cohort-full`).
pub fn decide(
    application: &Application,
    intake: &Intake,
    actor: &Actor,
    command: &Command,
    now: Timestamp,
) -> Result<Transition, Reason> {
    use ApplicationState as S;
    let from = application.state;
    let deed = command.deed();
    if from.is_terminal() {
        return Err(Reason::new(
            "application-closed",
            vec![("state", Arg::Word(from.as_str()))],
        ));
    }
    may(actor, application, deed)?;
    let wrong_state = || {
        Err(Reason::new(
            "application-state",
            vec![
                ("deed", Arg::Word(deed.as_str())),
                ("state", Arg::Word(from.as_str())),
            ],
        ))
    };
    let needs_reason = || {
        Err(Reason::new(
            "application-reason-required",
            vec![("deed", Arg::Word(deed.as_str()))],
        ))
    };
    let full = || {
        Err(Reason::new(
            "cohort-full",
            vec![
                ("cohort", Arg::Text(intake.name.clone())),
                ("capacity", Arg::int(intake.capacity)),
            ],
        ))
    };
    let has_place = intake.taken < intake.capacity;
    // A coordinator (not the candidate themselves) gives a reason.
    let candidate_self = actor.person() == Some(application.person);
    let mut t = Transition {
        state: from,
        position: application.position,
        offer_expires: None,
        places: 0,
        starts_project: false,
        frees_place: false,
        event: IntakeEvent::IntakeClosed,
        mail: Vec::new(),
    };
    let mut reason = String::new();
    match command {
        Command::Endorse => {
            if from != S::Submitted {
                return wrong_state();
            }
            t.state = S::Endorsed;
        }
        Command::RefuseEndorsement { reason: why } => {
            if from != S::Submitted {
                return wrong_state();
            }
            if why.trim().is_empty() {
                return needs_reason();
            }
            reason.clone_from(why);
            t.state = S::Declined;
            t.mail.push((templates::DECLINED, Recipient::Candidate));
        }
        Command::Accept => {
            match from {
                S::Endorsed | S::Waiting => {}
                S::Submitted if !intake.endorsement => {}
                S::Submitted => return Err(Reason::new("application-needs-endorsement", vec![])),
                _ => return wrong_state(),
            }
            if !has_place {
                return full();
            }
            t.state = S::Accepted;
            t.places = 1;
            t.starts_project = true;
            t.mail.push((templates::ACCEPTED, Recipient::Candidate));
            if application.supervisor.is_some() {
                t.mail.push((templates::ACCEPTED, Recipient::Supervisor));
            }
        }
        Command::WaitList => {
            match from {
                S::Endorsed => {}
                S::Submitted if !intake.endorsement => {}
                S::Submitted => return Err(Reason::new("application-needs-endorsement", vec![])),
                _ => return wrong_state(),
            }
            t.state = S::Waiting;
            t.position = Some(intake.last_position + 1);
            t.mail.push((templates::WAITING, Recipient::Candidate));
        }
        Command::Decline { reason: why } => {
            if !matches!(from, S::Submitted | S::Endorsed | S::Waiting) {
                return wrong_state();
            }
            if why.trim().is_empty() {
                return needs_reason();
            }
            reason.clone_from(why);
            t.state = S::Declined;
            t.mail.push((templates::DECLINED, Recipient::Candidate));
        }
        Command::Withdraw { reason: why } => {
            match from {
                S::Submitted | S::Endorsed | S::Waiting => {}
                S::Offered => {
                    t.places = -1;
                    t.frees_place = true;
                }
                S::Accepted => return Err(Reason::new("application-accepted", vec![])),
                _ => return wrong_state(),
            }
            if !candidate_self && why.trim().is_empty() {
                return needs_reason();
            }
            reason.clone_from(why);
            t.state = S::Withdrawn;
            t.offer_expires = None;
        }
        Command::Offer { first } => {
            if from != S::Waiting {
                return wrong_state();
            }
            if *first != application.id {
                return Err(Reason::new("application-not-first", vec![]));
            }
            if !has_place {
                return full();
            }
            t.state = S::Offered;
            t.places = 1;
            // places: the candidate is told, with the deadline.
            t.mail.push((templates::OFFERED, Recipient::Candidate));
            t.offer_expires = Some(
                now.checked_add(SignedDuration::from_hours(
                    i64::from(intake.offer_days.clamp(1, MAX_OFFER_DAYS)) * 24,
                ))
                .unwrap_or(now),
            );
        }
        Command::TakeOffer => {
            if from != S::Offered {
                return wrong_state();
            }
            if let Some(expires) = application.offer_expires
                && now >= expires
            {
                return Err(Reason::new(
                    "application-offer-expired",
                    vec![("expires", Arg::Text(expires.to_string()))],
                ));
            }
            t.state = S::Accepted;
            t.starts_project = true;
            t.mail.push((templates::ACCEPTED, Recipient::Candidate));
            if application.supervisor.is_some() {
                t.mail.push((templates::ACCEPTED, Recipient::Supervisor));
            }
        }
        Command::DeclineOffer => {
            if from != S::Offered {
                return wrong_state();
            }
            t.state = S::Declined;
            t.places = -1;
            t.frees_place = true;
        }
        Command::Expire => {
            if from != S::Offered {
                return wrong_state();
            }
            if let Some(expires) = application.offer_expires
                && now < expires
            {
                return Err(Reason::new(
                    "application-offer-open",
                    vec![("expires", Arg::Text(expires.to_string()))],
                ));
            }
            t.state = S::Expired;
            t.places = -1;
            t.frees_place = true;
            // places: the candidate is told the offer lapsed.
            t.mail.push((templates::EXPIRED, Recipient::Candidate));
        }
        Command::WithdrawTrainee { reason: why } => {
            if from != S::Accepted {
                return wrong_state();
            }
            if !candidate_self && why.trim().is_empty() {
                return needs_reason();
            }
            reason.clone_from(why);
            t.state = S::Withdrawn;
            t.places = -1;
            t.frees_place = true;
            // places: the coordinators are told a place is free.
            t.mail.push((templates::FREED, Recipient::Coordinators));
        }
    }
    t.event = IntakeEvent::Changed {
        application: application.id,
        deed,
        from,
        to: t.state,
        reason,
        position: (t.state == S::Waiting).then_some(t.position).flatten(),
        offer_expires: t.offer_expires,
        project: None,
    };
    Ok(t)
}

/// The first of the waiting list: the waiting application with the lowest
/// position (ties, which the store never gives, by id).
pub fn first_waiting<'a>(
    applications: impl IntoIterator<Item = &'a Application>,
) -> Option<&'a Application> {
    applications
        .into_iter()
        .filter(|a| a.state == ApplicationState::Waiting)
        .min_by_key(|a| (a.position.unwrap_or(i64::MAX), a.id))
}

/// What comes next for an application, and whose turn it is: for pages
/// and the CLI to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Next {
    /// The named supervisor endorses (or refuses).
    SupervisorEndorses,
    /// A coordinator accepts, wait-lists or declines.
    CoordinatorDecides,
    /// Waiting for a place to free (at its position).
    WaitForPlace,
    /// The candidate takes or declines the offer before it lapses.
    CandidateAnswersOffer,
    /// Nothing: in the cohort, the project runs.
    InCohort,
    /// Nothing: it is over.
    Nothing,
}

/// What comes next for `application` in a cohort whose program needs
/// endorsement when `endorsement`.
pub fn next(application: &Application, endorsement: bool) -> Next {
    match application.state {
        ApplicationState::Submitted if endorsement && application.supervisor.is_some() => {
            Next::SupervisorEndorses
        }
        ApplicationState::Submitted | ApplicationState::Endorsed => Next::CoordinatorDecides,
        ApplicationState::Waiting => Next::WaitForPlace,
        ApplicationState::Offered => Next::CandidateAnswersOffer,
        ApplicationState::Accepted => Next::InCohort,
        _ => Next::Nothing,
    }
}

/// Checks an offer's open days.
pub fn check_offer_days(days: u32) -> Result<u32, Reason> {
    if (1..=MAX_OFFER_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(Reason::new(
            "intake-offer-days",
            vec![("days", Arg::int(days)), ("max", Arg::int(MAX_OFFER_DAYS))],
        ))
    }
}
