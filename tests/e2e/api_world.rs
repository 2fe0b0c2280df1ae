//! The little institute the API's authorization matrix and the schemathesis
//! run work on, set up through the engine: two cohorts of one certifying
//! program, each with its own coordinator, three projects (one walked to
//! its pass, so it holds a certificate and mail in the outbox), people in
//! every role and one who holds none, and API tokens for each of them in
//! every scope.

use gradflow_engine::decide::Fields;
use gradflow_engine::service::{Engine, Scope, Subscription};

use crate::support::{self, Cohort, act, day, holder, new_cohort};

/// The roles the matrix takes, each with the person who plays it.
pub const ROLES: &[(&str, &str)] = &[
    ("trainee", "trainee1@example.org"),
    ("supervisor", "supervisor1@example.org"),
    ("evaluator", "committee1@example.org"),
    ("chair", "chair1@example.org"),
    ("coordinator", "coordinator1@example.org"),
    ("outsider", OUTSIDER),
];

/// Someone registered who holds no role anywhere.
pub const OUTSIDER: &str = "outsider@example.org";

/// Titles of the three projects (P1 and P2 in cohort A, P3 in cohort B).
pub const TITLES: [&str; 3] = [
    "Same-day card renewals",
    "Fewer return visits",
    "Clearer appointment letters",
];

/// What [`World::set_up`] made.
pub struct World {
    /// Cohort A (coordinated by coordinator1) and cohort B (coordinator2).
    pub cohorts: [i64; 2],
    /// P1 (passed, certified), P2 (at its proposal) in A; P3 in B.
    pub projects: [i64; 3],
    /// The verification code of P1's certificate (trainee1's).
    pub certificate: String,
    /// A message of cohort A's outbox, and one of cohort B's.
    pub messages: [i64; 2],
    /// A webhook subscription of cohort A (the operator's), and one of B.
    pub webhooks: [i64; 2],
    /// A delivery of each (the start of P1, of P3), never sent: no worker runs.
    pub deliveries: [i64; 2],
}

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::json!(v)))
        .collect()
}

impl World {
    /// Sets the world up on `engine`'s (empty) database.
    pub async fn set_up(engine: &Engine) -> World {
        let cohort = Cohort::set_up(engine, "graduation-service").await;
        engine
            .certify_program(
                &cohort.program,
                &support::certify(support::SERVICE_LEVEL, "API-{year}-{seq:04}", "3y", None),
                day(0),
            )
            .await
            .unwrap();
        engine
            .add_person(OUTSIDER, "Out Sider", "Elsewhere", day(0))
            .await
            .unwrap();
        let mut cohorts = [0; 2];
        for (i, (name, coordinator)) in [
            ("Cohort A", holder("coordinator", 1)),
            ("Cohort B", holder("coordinator", 2)),
        ]
        .into_iter()
        .enumerate()
        {
            let mut new = new_cohort(&cohort.workflow, &cohort.program, name);
            new.coordinators = vec![coordinator];
            cohorts[i] = engine.create_cohort(new, day(0)).await.unwrap().id;
        }
        // Each cohort's projects starting are announced to a subscription of
        // its own (the operator's, to an address no worker will post to).
        let mut webhooks = [0; 2];
        for (i, cohort) in cohorts.iter().enumerate() {
            let events = ["project.started".to_owned()];
            let subscription = Subscription {
                url: "http://127.0.0.1:9/hook",
                events: &events,
                allow_private: true,
            };
            webhooks[i] = engine
                .subscribe(Some(*cohort), subscription, day(0))
                .await
                .unwrap()
                .webhook
                .id;
        }
        let start = |cohort: &'static str, title: &'static str, members: Vec<(&str, &str)>| {
            let members: Vec<(String, String)> = members
                .into_iter()
                .map(|(e, r)| (e.to_owned(), r.to_owned()))
                .collect();
            async move {
                engine
                    .start_project(cohort, title, &members, day(1))
                    .await
                    .unwrap()
                    .project
            }
        };
        let p1 = start(
            "Cohort A",
            TITLES[0],
            vec![
                ("trainee1@example.org", "trainee"),
                ("supervisor1@example.org", "supervisor"),
                ("committee1@example.org", "committee"),
                ("committee2@example.org", "committee"),
                ("chair1@example.org", "chair"),
            ],
        )
        .await;
        let p2 = start(
            "Cohort A",
            TITLES[1],
            vec![
                ("trainee2@example.org", "trainee"),
                ("supervisor2@example.org", "supervisor"),
            ],
        )
        .await;
        let p3 = start(
            "Cohort B",
            TITLES[2],
            vec![
                ("trainee3@example.org", "trainee"),
                ("supervisor3@example.org", "supervisor"),
            ],
        )
        .await;
        // P1 to its pass: the certificate is issued with it.
        let visit = |minutes: &str| {
            fields(&[
                ("visited_on", "2026-01-05"),
                ("waiting_minutes", minutes),
                ("steps", "6"),
                ("observations", "A queue."),
            ])
        };
        let trainee = "trainee1@example.org";
        let coordinator = "coordinator1@example.org";
        let scores = |s: &str| {
            fields(&[
                ("safety", s),
                ("authenticity", s),
                ("friendliness", s),
                ("efficiency", s),
            ])
        };
        let steps: Vec<(&str, &str, Fields)> = vec![
            (
                trainee,
                "submit",
                support::sample(&cohort.workflow.forms["proposal"]),
            ),
            ("supervisor1@example.org", "endorse", Fields::new()),
            (trainee, "visit_before.submit", visit("95")),
            (coordinator, "visit_before.accept", Fields::new()),
            (trainee, "visit_after.submit", visit("18")),
            (coordinator, "visit_after.accept", Fields::new()),
            (trainee, "finish", fields(&[("summary", "Done.")])),
            ("committee1@example.org", "score", scores("4")),
            ("committee2@example.org", "score", scores("5")),
            ("chair1@example.org", "pass", Fields::new()),
        ];
        for (i, (who, action, answers)) in steps.into_iter().enumerate() {
            act(engine, p1, who, action, answers, None, 2 + i as i64)
                .await
                .unwrap_or_else(|e| panic!("{action} by {who}: {e}"));
        }
        // P3 submitted: cohort B has mail too.
        act(
            engine,
            p3,
            "trainee3@example.org",
            "submit",
            support::sample(&cohort.workflow.forms["proposal"]),
            None,
            2,
        )
        .await
        .unwrap();
        let certificate = engine
            .certificates(Some(trainee), None)
            .await
            .unwrap()
            .pop()
            .expect("the pass issued a certificate")
            .code;
        let a = engine.acting_as(coordinator).await.unwrap();
        let b = engine.acting_as(&holder("coordinator", 2)).await.unwrap();
        let first = |list: Vec<gradflow_engine::service::Message>| {
            list.first().expect("a message in the outbox").id
        };
        let messages = [
            first(engine.outbox_as(&a, cohorts[0]).await.unwrap()),
            first(engine.outbox_as(&b, cohorts[1]).await.unwrap()),
        ];
        let mut deliveries = [0; 2];
        for (i, webhook) in webhooks.iter().enumerate() {
            deliveries[i] = engine
                .webhook_deliveries(*webhook, None, 10)
                .await
                .unwrap()
                .last()
                .expect("a project's start was announced")
                .id;
        }
        World {
            cohorts,
            projects: [p1, p2, p3],
            certificate,
            messages,
            webhooks,
            deliveries,
        }
    }
}

/// A token for `email` with `scope`, valid for a year.
pub async fn token(engine: &Engine, email: &str, scope: Scope) -> String {
    let now = jiff::Timestamp::now();
    let expires = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 365))
        .unwrap();
    engine
        .create_token(email, "api tests", scope, Some(expires), now)
        .await
        .unwrap_or_else(|e| panic!("a token for {email}: {e}"))
        .token
}
