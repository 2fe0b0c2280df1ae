//! Intake: a property test over random sequences of actions on one
//! cohort, driven as the service drives the core (a freed place offered to
//! the first waiting in the same step, lapsed offers expired by the
//! worker): capacity is never exceeded and counts exactly the accepted and
//! the offered, the waiting list stays in order and each offer goes to its
//! first, every offer ends taken, declined, withdrawn or expired, and
//! nothing leaves a terminal state. Then each rule by example.

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use crate::decide::intake::{
    self, Actor, Application, ApplicationKind, ApplicationState as S, Command, Intake, Someone,
};

const COORDINATOR: i64 = 200;
const SUPERVISORS: [(i64, &str); 2] = [(100, "Health"), (101, "Education")];

fn org(person: i64) -> &'static str {
    if person % 2 == 0 {
        "Health"
    } else {
        "Education"
    }
}

fn person(id: i64) -> Actor {
    Actor::Person {
        id,
        coordinator: id == COORDINATOR,
        supervisor: SUPERVISORS.iter().any(|(s, _)| *s == id),
        organization: SUPERVISORS
            .iter()
            .find(|(s, _)| *s == id)
            .map_or(org(id), |(_, o)| o)
            .to_owned(),
    }
}

fn someone(id: i64) -> Someone {
    let supervisor = SUPERVISORS.iter().find(|(s, _)| *s == id);
    Someone {
        id,
        email: format!("p{id}@x.example"),
        organization: supervisor.map_or(org(id), |(_, o)| o).to_owned(),
        supervisor: supervisor.is_some(),
    }
}

#[derive(Debug, Clone)]
enum Step {
    Nominate {
        supervisor: usize,
        candidate: i64,
    },
    Request {
        candidate: i64,
        supervisor: Option<usize>,
    },
    Endorse {
        app: usize,
    },
    RefuseEndorsement {
        app: usize,
    },
    Accept {
        app: usize,
    },
    WaitList {
        app: usize,
    },
    Decline {
        app: usize,
    },
    Withdraw {
        app: usize,
        by_coordinator: bool,
    },
    TakeOffer {
        app: usize,
    },
    DeclineOffer {
        app: usize,
    },
    WithdrawTrainee {
        app: usize,
    },
    Hours(i64),
    Toggle,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0usize..2, 1i64..9).prop_map(|(supervisor, candidate)| Step::Nominate {
            supervisor,
            candidate
        }),
        4 => (1i64..9, prop::option::of(0usize..2))
            .prop_map(|(candidate, supervisor)| Step::Request { candidate, supervisor }),
        3 => (0usize..1000).prop_map(|app| Step::Endorse { app }),
        1 => (0usize..1000).prop_map(|app| Step::RefuseEndorsement { app }),
        4 => (0usize..1000).prop_map(|app| Step::Accept { app }),
        7 => (0usize..1000).prop_map(|app| Step::WaitList { app }),
        1 => (0usize..1000).prop_map(|app| Step::Decline { app }),
        1 => (0usize..1000, any::<bool>())
            .prop_map(|(app, by_coordinator)| Step::Withdraw { app, by_coordinator }),
        2 => (0usize..1000).prop_map(|app| Step::TakeOffer { app }),
        1 => (0usize..1000).prop_map(|app| Step::DeclineOffer { app }),
        3 => (0usize..1000).prop_map(|app| Step::WithdrawTrainee { app }),
        1 => (1i64..60).prop_map(Step::Hours),
        1 => Just(Step::Toggle),
    ]
}

/// One cohort as the service keeps it.
struct Model {
    intake: Intake,
    apps: Vec<Application>,
    now: Timestamp,
    /// Every application ever offered.
    offered: Vec<i64>,
}

impl Model {
    fn new(capacity: u32, endorsement: bool) -> Model {
        Model {
            intake: Intake {
                cohort: 1,
                name: "C".into(),
                open: true,
                capacity,
                taken: 0,
                endorsement,
                offer_days: 2,
                last_position: 0,
            },
            apps: Vec::new(),
            now: Timestamp::from_second(1_800_000_000).unwrap(),
            offered: Vec::new(),
        }
    }

    fn has_live(&self, person: i64) -> bool {
        self.apps
            .iter()
            .any(|a| a.person == person && a.state.is_live())
    }

    fn insert(&mut self, new: intake::NewApplication) {
        self.apps.push(Application {
            id: self.apps.len() as i64 + 1,
            cohort: 1,
            person: new.person,
            kind: new.kind,
            supervisor: new.supervisor,
            reason: new.reason,
            state: new.state,
            position: None,
            offer_expires: None,
            project: None,
            version: 1,
        });
    }

    /// Runs `command` on application `index` as `actor`, then offers a
    /// freed place to the first waiting, as the service does.
    fn run(&mut self, index: usize, actor: &Actor, command: Command) -> bool {
        let Some(app) = self.apps.get(index).cloned() else {
            return false;
        };
        let Ok(t) = intake::decide(&app, &self.intake, actor, &command, self.now) else {
            return false;
        };
        self.apply(index, &t);
        if t.frees_place {
            let first = intake::first_waiting(self.apps.iter()).cloned();
            if let Some(first) = first {
                let offer = intake::decide(
                    &first,
                    &self.intake,
                    &Actor::Engine,
                    &Command::Offer { first: first.id },
                    self.now,
                )
                .expect("a freed place can always be offered to the first waiting");
                let at = self.apps.iter().position(|a| a.id == first.id).unwrap();
                self.apply(at, &offer);
                self.offered.push(first.id);
            }
        }
        true
    }

    fn apply(&mut self, index: usize, t: &intake::Transition) {
        let app = &mut self.apps[index];
        app.state = t.state;
        app.offer_expires = t.offer_expires;
        if t.state == S::Waiting && app.position.is_none() {
            self.intake.last_position += 1;
            app.position = Some(self.intake.last_position);
        }
        app.version += 1;
        self.intake.taken = u32::try_from(i64::from(self.intake.taken) + t.places).unwrap();
    }

    /// The worker: offers open past now lapse.
    fn expire(&mut self) {
        loop {
            let lapsed = self.apps.iter().position(|a| {
                a.state == S::Offered && a.offer_expires.is_some_and(|e| e <= self.now)
            });
            let Some(index) = lapsed else { break };
            assert!(self.run(index, &Actor::Engine, Command::Expire));
        }
    }

    fn check(&self) {
        let i = &self.intake;
        assert!(
            i.taken <= i.capacity,
            "taken {} > capacity {}",
            i.taken,
            i.capacity
        );
        let holding = self
            .apps
            .iter()
            .filter(|a| matches!(a.state, S::Accepted | S::Offered))
            .count();
        assert_eq!(
            i.taken as usize, holding,
            "taken counts the accepted and offered"
        );
        let mut waiting: Vec<i64> = self
            .apps
            .iter()
            .filter(|a| a.state == S::Waiting)
            .map(|a| a.position.expect("a waiting application has a position"))
            .collect();
        let n = waiting.len();
        waiting.dedup();
        waiting.sort_unstable();
        waiting.dedup();
        assert_eq!(waiting.len(), n, "positions are distinct");
        for person in 1..9 {
            let live = self
                .apps
                .iter()
                .filter(|a| a.person == person && a.state.is_live())
                .count();
            assert!(live <= 1, "person {person} has {live} live applications");
        }
        for a in &self.apps {
            assert_eq!(a.state == S::Offered, a.offer_expires.is_some());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_intakes_keep_every_rule(
        capacity in 1u32..4,
        endorsement in any::<bool>(),
        steps in prop::collection::vec(step(), 10..150),
    ) {
        let mut m = Model::new(capacity, endorsement);
        let coordinator = person(COORDINATOR);
        for step in steps {
            // The waiting list before, to check where an offer went.
            let first_before = intake::first_waiting(m.apps.iter()).map(|a| a.id);
            let offers_before = m.offered.len();
            let terminal: Vec<Application> =
                m.apps.iter().filter(|a| a.state.is_terminal()).cloned().collect();
            // An application index picks one of those still live (the
            // terminal ones are tried at the end), else any.
            let live: Vec<usize> = (0..m.apps.len()).filter(|&i| m.apps[i].state.is_live()).collect();
            let pick = |app: usize| {
                if live.is_empty() { app % m.apps.len().max(1) } else { live[app % live.len()] }
            };
            let step = match step {
                Step::Endorse { app } => Step::Endorse { app: pick(app) },
                Step::RefuseEndorsement { app } => Step::RefuseEndorsement { app: pick(app) },
                Step::Accept { app } => Step::Accept { app: pick(app) },
                Step::WaitList { app } => Step::WaitList { app: pick(app) },
                Step::Decline { app } => Step::Decline { app: pick(app) },
                Step::Withdraw { app, by_coordinator } => Step::Withdraw { app: pick(app), by_coordinator },
                Step::TakeOffer { app } => Step::TakeOffer { app: pick(app) },
                Step::DeclineOffer { app } => Step::DeclineOffer { app: pick(app) },
                Step::WithdrawTrainee { app } => Step::WithdrawTrainee { app: pick(app) },
                other => other,
            };
            match step {
                Step::Nominate { supervisor, candidate } => {
                    let (sup, _) = SUPERVISORS[supervisor];
                    let has = m.has_live(candidate);
                    if let Ok(new) = intake::nominate(&m.intake, &person(sup), &someone(candidate), has, "why") {
                        prop_assert!(!has && m.intake.open);
                        prop_assert_eq!(org(candidate), SUPERVISORS[supervisor].1);
                        m.insert(new);
                    }
                }
                Step::Request { candidate, supervisor } => {
                    let named = supervisor.map(|s| someone(SUPERVISORS[s].0));
                    let has = m.has_live(candidate);
                    if let Ok(new) = intake::request(&m.intake, &person(candidate), named.as_ref(), has, "why") {
                        prop_assert!(!has && m.intake.open);
                        prop_assert!(!m.intake.endorsement || named.is_some());
                        m.insert(new);
                    }
                }
                Step::Endorse { app } => {
                    if let Some(sup) = m.apps.get(app).and_then(|a| a.supervisor) {
                        m.run(app, &person(sup), Command::Endorse);
                    }
                }
                Step::RefuseEndorsement { app } => {
                    if let Some(sup) = m.apps.get(app).and_then(|a| a.supervisor) {
                        m.run(app, &person(sup), Command::RefuseEndorsement { reason: "no".into() });
                    }
                }
                Step::Accept { app } => {
                    let was = m.apps.get(app).map(|a| a.state);
                    if m.run(app, &coordinator, Command::Accept) {
                        prop_assert!(matches!(was, Some(S::Endorsed | S::Waiting | S::Submitted)));
                        if was == Some(S::Submitted) {
                            prop_assert!(!m.intake.endorsement);
                        }
                    }
                }
                Step::WaitList { app } => {
                    m.run(app, &coordinator, Command::WaitList);
                }
                Step::Decline { app } => {
                    m.run(app, &coordinator, Command::Decline { reason: "full".into() });
                }
                Step::Withdraw { app, by_coordinator } => {
                    let by = if by_coordinator {
                        coordinator.clone()
                    } else {
                        match m.apps.get(app) { Some(a) => person(a.person), None => continue }
                    };
                    m.run(app, &by, Command::Withdraw { reason: "moved".into() });
                }
                Step::TakeOffer { app } => {
                    if let Some(p) = m.apps.get(app).map(|a| a.person) {
                        m.run(app, &person(p), Command::TakeOffer);
                    }
                }
                Step::DeclineOffer { app } => {
                    if let Some(p) = m.apps.get(app).map(|a| a.person) {
                        m.run(app, &person(p), Command::DeclineOffer);
                    }
                }
                Step::WithdrawTrainee { app } => {
                    if let Some(p) = m.apps.get(app).map(|a| a.person) {
                        m.run(app, &person(p), Command::WithdrawTrainee { reason: String::new() });
                    }
                }
                Step::Hours(h) => {
                    m.now = m.now.checked_add(SignedDuration::from_hours(h)).unwrap();
                    m.expire();
                }
                Step::Toggle => m.intake.open = !m.intake.open,
            }
            // An offer made in this step went to the first of the list.
            if m.offered.len() > offers_before {
                prop_assert_eq!(Some(m.offered[offers_before]), first_before);
            }
            // Nothing left a terminal state.
            for before in &terminal {
                let now = m.apps.iter().find(|a| a.id == before.id).unwrap();
                prop_assert_eq!(now.state, before.state);
            }
            m.check();
        }
        // No offer stays open for ever: past every deadline, the worker
        // lets them lapse; every application ever offered ended taken,
        // declined, withdrawn or expired.
        // (an offer a lapse freed goes to the next, with its own deadline)
        for _ in 0..100 {
            m.now = m.now.checked_add(SignedDuration::from_hours(24 * 3)).unwrap();
            m.expire();
            m.check();
        }
        prop_assert!(m.apps.iter().all(|a| a.state != S::Offered));
        for id in &m.offered {
            let a = m.apps.iter().find(|a| a.id == *id).unwrap();
            prop_assert!(
                matches!(a.state, S::Accepted | S::Declined | S::Withdrawn | S::Expired),
                "offer {} ended {:?}", id, a.state
            );
        }
        // Every command on a terminal application is refused.
        for a in m.apps.iter().filter(|a| a.state.is_terminal()) {
            for (actor, command) in [
                (person(a.supervisor.unwrap_or(100)), Command::Endorse),
                (coordinator.clone(), Command::Accept),
                (coordinator.clone(), Command::WaitList),
                (person(a.person), Command::TakeOffer),
                (person(a.person), Command::Withdraw { reason: String::new() }),
                (Actor::Engine, Command::Expire),
                (Actor::Engine, Command::Offer { first: a.id }),
            ] {
                let refused = intake::decide(a, &m.intake, &actor, &command, m.now).unwrap_err();
                prop_assert_eq!(refused.code, "application-closed");
            }
        }
    }
}

fn open_intake(capacity: u32, endorsement: bool) -> Intake {
    Model::new(capacity, endorsement).intake
}

fn app(state: S, supervisor: Option<i64>) -> Application {
    Application {
        id: 1,
        cohort: 1,
        person: 2,
        kind: ApplicationKind::Request,
        supervisor,
        reason: "why".into(),
        state,
        position: None,
        offer_expires: None,
        project: None,
        version: 1,
    }
}

#[test]
fn a_supervisor_nominates_only_people_of_their_organization() {
    let intake = open_intake(3, false);
    let health = person(100);
    let new = intake::nominate(&intake, &health, &someone(2), false, "good").unwrap();
    assert_eq!(new.state, S::Endorsed);
    assert_eq!(new.supervisor, Some(100));
    let refused = intake::nominate(&intake, &health, &someone(3), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-other-organization");
    let refused = intake::nominate(&intake, &person(4), &someone(2), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-not-supervisor");
    let refused = intake::nominate(&intake, &health, &someone(100), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-self-nomination");
    let refused = intake::nominate(&intake, &health, &someone(2), true, "x").unwrap_err();
    assert_eq!(refused.code, "application-exists");
    let closed = Intake {
        open: false,
        ..intake
    };
    let refused = intake::nominate(&closed, &health, &someone(2), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-closed");
}

#[test]
fn a_request_names_a_supervisor_of_its_own_organization_when_endorsement_is_needed() {
    let intake = open_intake(3, true);
    let refused = intake::request(&intake, &person(2), None, false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-endorsement-needed");
    let refused =
        intake::request(&intake, &person(2), Some(&someone(101)), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-supervisor-organization");
    let refused = intake::request(&intake, &person(2), Some(&someone(4)), false, "x").unwrap_err();
    assert_eq!(refused.code, "intake-not-a-supervisor");
    let new = intake::request(&intake, &person(2), Some(&someone(100)), false, "x").unwrap();
    assert_eq!(new.state, S::Submitted);
    assert!(
        new.mail
            .contains(&(intake::templates::ENDORSE, intake::Recipient::Supervisor))
    );
    // Without endorsement, no supervisor is needed.
    let free = open_intake(3, false);
    assert!(intake::request(&free, &person(2), None, false, "x").is_ok());
}

#[test]
fn each_deed_is_for_whom_the_table_says() {
    let intake = open_intake(3, true);
    let now = Timestamp::UNIX_EPOCH;
    let submitted = app(S::Submitted, Some(100));
    // The candidate may not endorse their own request, nor a stranger.
    for actor in [person(2), person(101), person(COORDINATOR)] {
        let refused =
            intake::decide(&submitted, &intake, &actor, &Command::Endorse, now).unwrap_err();
        assert_eq!(refused.code, "application-not-allowed", "{actor:?}");
    }
    assert!(intake::decide(&submitted, &intake, &person(100), &Command::Endorse, now).is_ok());
    // A coordinator may not accept a request still waiting for endorsement.
    let refused = intake::decide(
        &submitted,
        &intake,
        &person(COORDINATOR),
        &Command::Accept,
        now,
    )
    .unwrap_err();
    assert_eq!(refused.code, "application-needs-endorsement");
    // A supervisor may not accept.
    let endorsed = app(S::Endorsed, Some(100));
    let refused =
        intake::decide(&endorsed, &intake, &person(100), &Command::Accept, now).unwrap_err();
    assert_eq!(refused.code, "application-not-allowed");
    // A coordinator declines only with a reason; the candidate withdraws without.
    let refused = intake::decide(
        &endorsed,
        &intake,
        &person(COORDINATOR),
        &Command::Decline { reason: " ".into() },
        now,
    )
    .unwrap_err();
    assert_eq!(refused.code, "application-reason-required");
    let t = intake::decide(
        &endorsed,
        &intake,
        &person(2),
        &Command::Withdraw {
            reason: String::new(),
        },
        now,
    )
    .unwrap();
    assert_eq!(t.state, S::Withdrawn);
    // An accepted one is withdrawn as a trainee, freeing the place.
    let accepted = app(S::Accepted, Some(100));
    let refused = intake::decide(
        &accepted,
        &intake,
        &person(2),
        &Command::Withdraw {
            reason: String::new(),
        },
        now,
    )
    .unwrap_err();
    assert_eq!(refused.code, "application-accepted");
}

#[test]
fn a_full_cohort_refuses_acceptance_and_an_offer_lapses_only_at_its_deadline() {
    let now = Timestamp::from_second(1_800_000_000).unwrap();
    let full = Intake {
        taken: 2,
        ..open_intake(2, false)
    };
    let endorsed = app(S::Endorsed, Some(100));
    let refused =
        intake::decide(&endorsed, &full, &Actor::Operator, &Command::Accept, now).unwrap_err();
    assert_eq!(refused.code, "cohort-full");
    let mut waiting = app(S::Waiting, None);
    waiting.position = Some(1);
    let intake = Intake {
        taken: 1,
        ..open_intake(2, false)
    };
    let offer = intake::decide(
        &waiting,
        &intake,
        &Actor::Engine,
        &Command::Offer { first: 1 },
        now,
    )
    .unwrap();
    assert_eq!(offer.places, 1);
    let expires = offer.offer_expires.unwrap();
    assert_eq!(expires, now + SignedDuration::from_hours(48));
    let offered = Application {
        state: S::Offered,
        offer_expires: Some(expires),
        ..waiting
    };
    let early = intake::decide(&offered, &intake, &Actor::Engine, &Command::Expire, now);
    assert_eq!(early.unwrap_err().code, "application-offer-open");
    let late = intake::decide(&offered, &intake, &person(2), &Command::TakeOffer, expires);
    assert_eq!(late.unwrap_err().code, "application-offer-expired");
    let taken = intake::decide(&offered, &intake, &person(2), &Command::TakeOffer, now).unwrap();
    assert_eq!(
        (taken.state, taken.places, taken.starts_project),
        (S::Accepted, 0, true)
    );
}
