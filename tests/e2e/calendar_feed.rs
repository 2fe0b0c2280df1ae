//! Calendar feeds (issue 17, part 4) through the real server, read by an
//! independent iCalendar implementation (Python's `icalendar`, through
//! `calendar_feed_check.py`): a trainee's milestones in Europe/London on
//! both sides of the change to summer time, each start resolved through
//! the feed's own VTIMEZONE to the instant the engine planned; the same
//! UIDs on a second fetch and after an extension moves a date; the words
//! in Arabic once the person reads Arabic; a coordinator's cohort dates;
//! the address made and reset from the profile (shown once, never in a
//! redirect), the old address 404 at once; guessed addresses 404, then 429.

use std::collections::BTreeMap;

use gradflow_engine::decide::Extending;
use gradflow_engine::definition;
use gradflow_engine::service::{
    Engine, Extension, FeedItem, FeedTime, Kind, NewCohort, Request, Viewer,
};
use jiff::Timestamp;
use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{self, Served, TestDb, bundled, on_both};
use crate::web::PASSWORD;

on_both!(
    a_feed_across_summer_time_read_by_icalendar,
    evaluators_get_their_scoring_deadline_and_the_committee_its_dates,
    racing_resets_leave_exactly_one_working_address,
);

const TRAINEE: &str = "hala@example.org";
const SUPERVISOR: &str = "said@example.org";
const COORDINATOR: &str = "coord@example.org";
const NOBODY: &str = "nobody@example.org";
const COHORT: &str = "London 2027";

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// An instant as the feed can carry it: whole seconds, in UTC.
fn whole(t: Timestamp) -> String {
    Timestamp::from_second(t.as_second()).unwrap().to_string()
}

/// A cohort in Europe/London (summer time from 28 March 2027, 01:00 UTC)
/// and one project in its implementation stage since 12 March: milestone
/// `visit_before` due 14 days later (26 March, GMT), `visit_after` at the
/// end of 31 May (BST).
async fn set_up(engine: &Engine) -> i64 {
    let loaded = definition::load(&bundled("graduation-service")).unwrap();
    let w = loaded.workflow.clone();
    let now = at("2027-01-04T09:00:00Z");
    engine.publish(&[loaded.text], now).await.unwrap();
    for (email, name) in [
        (TRAINEE, "Hala Al-Harthy"),
        (SUPERVISOR, "Said; Manager, Ministry"),
        (COORDINATOR, "Coordinator"),
        (NOBODY, "Nobody Yet"),
    ] {
        engine
            .add_person(email, name, "Ministry of Services", now)
            .await
            .unwrap();
        engine.set_password(email, PASSWORD).await.unwrap();
    }
    engine
        .create_program("service", "Service", &w.key, now)
        .await
        .unwrap();
    let dates = BTreeMap::from([
        ("proposal_due".to_owned(), date(2027, 3, 20)),
        ("implementation_end".to_owned(), date(2027, 5, 31)),
        ("presentation_day".to_owned(), date(2027, 6, 15)),
    ]);
    engine
        .create_cohort(
            NewCohort {
                program: "service".into(),
                name: COHORT.into(),
                time_zone: "Europe/London".into(),
                dates,
                holidays: Default::default(),
                weekend: Default::default(),
                mail_hours: Default::default(),
                capacity: 10,
                coordinators: vec![COORDINATOR.into()],
            },
            now,
        )
        .await
        .unwrap();
    let id = engine
        .start_project(
            COHORT,
            "Fewer forms, shorter queues",
            &[
                (TRAINEE.into(), "trainee".into()),
                (SUPERVISOR.into(), "supervisor".into()),
            ],
            at("2027-03-01T10:00:00Z"),
        )
        .await
        .unwrap()
        .project;
    let submit = Request {
        action: "submit".into(),
        fields: support::sample(&w.forms["proposal"]),
        ..Request::default()
    };
    engine
        .act(id, TRAINEE, submit, at("2027-03-10T10:00:00Z"))
        .await
        .unwrap();
    let endorse = Request {
        action: "endorse".into(),
        ..Request::default()
    };
    engine
        .act(id, SUPERVISOR, endorse, at("2027-03-12T10:00:00Z"))
        .await
        .unwrap();
    id
}

/// The due date the engine keeps for milestone `key` of `project`.
async fn due(engine: &Engine, project: i64, key: &str) -> Timestamp {
    engine.view(project).await.unwrap().record.state.milestones[key]
        .due
        .unwrap()
}

/// Makes (or resets) the signed-in person's calendar address from the
/// profile: the answer is the page itself (no redirect), showing the
/// address once; returns it and the page.
async fn make_address(b: &mut crate::web::Browser) -> (String, String) {
    let profile = b.get("/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("id=\"calendar-form\""));
    let made = b
        .post("/profile/calendar", &[("csrf", &profile.csrf())])
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.headers.get("location").is_none());
    assert_eq!(made.headers["cache-control"], "no-store");
    let start = made.body.find("/calendar/").expect("the address is shown");
    let end = start + made.body[start..].find(".ics").unwrap() + 4;
    let path = made.body[start..end].to_owned();
    assert_eq!(path.len(), "/calendar/".len() + 64 + 4, "{path}");
    // Shown once: the profile read again has no address on it.
    let again = b.get("/profile").await;
    assert!(!again.body.contains(&path));
    assert!(again.body.contains("id=\"calendar-state\""));
    (path, made.body)
}

/// Fetches `path` with no session and has Python's icalendar read it.
async fn fetch(served: &Served, path: &str) -> Value {
    let response = reqwest::get(format!("{}{path}", served.base))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    let body = response.bytes().await.unwrap();
    // RFC 5545 3.1: CRLF line ends, at most 75 octets a line, folds
    // between characters (each line is UTF-8 on its own).
    assert!(body.ends_with(b"\r\n"));
    for line in body.split(|b| *b == b'\n') {
        assert!(line.is_empty() || line.ends_with(b"\r"), "a bare LF");
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(line.len() <= 75, "{} octets", line.len());
        assert!(
            std::str::from_utf8(line).is_ok(),
            "a fold split a character"
        );
    }
    let Some(mut python) = support::python("icalendar") else {
        return Value::Null;
    };
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &body).unwrap();
    let out = python
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/e2e/calendar_feed_check.py"
        ))
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "icalendar read the feed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn events(feed: &Value) -> &Vec<Value> {
    feed["events"].as_array().unwrap()
}

/// The event whose UID begins `prefix`.
fn event<'f>(feed: &'f Value, prefix: &str) -> &'f Value {
    events(feed)
        .iter()
        .find(|e| e["uid"].as_str().unwrap().starts_with(prefix))
        .unwrap_or_else(|| panic!("an event {prefix}* in {feed:#}"))
}

fn uids(feed: &Value) -> Vec<String> {
    let mut uids: Vec<String> = events(feed)
        .iter()
        .map(|e| e["uid"].as_str().unwrap().to_owned())
        .collect();
    uids.sort();
    uids
}

async fn a_feed_across_summer_time_read_by_icalendar(db: &TestDb) {
    let engine = db.engine().await;
    let project = set_up(&engine).await;
    let served = Served::start(db).await;

    // The trainee makes an address on the profile and subscribes.
    let mut trainee = served.signed_in(TRAINEE).await;
    let (address, page) = make_address(&mut trainee).await;
    assert!(page.contains("id=\"calendar-made\""));
    let feed = fetch(&served, &address).await;
    if feed.is_null() {
        return; // icalendar is not installed (a note was printed).
    }
    assert_eq!(feed["version"], "2.0");
    assert_eq!(feed["name"], "gradflow: Hala Al-Harthy");
    assert_eq!(feed["timezones"], serde_json::json!(["Europe/London"]));
    let before = due(&engine, project, "visit_before").await;
    let after = due(&engine, project, "visit_after").await;
    let uid_before = format!("project-{project}-milestone-visit_before-");
    let uid_after = format!("project-{project}-milestone-visit_after-");
    let b = event(&feed, &uid_before);
    let a = event(&feed, &uid_after);
    // Before the change: 10:00 GMT, the local time of the stage's entry
    // (14 days keep the time of day); after it: the end of 31 May, BST.
    assert_eq!(b["utc"], whole(before));
    assert_eq!(b["utc"], "2027-03-26T10:00:00Z");
    assert_eq!(b["local"], "2027-03-26T10:00:00");
    assert_eq!(b["offset_minutes"], 0);
    assert_eq!(a["utc"], whole(after));
    assert_eq!(a["local"], "2027-05-31T23:59:59");
    assert_eq!(a["offset_minutes"], 60);
    assert_eq!(a["tzid"], "Europe/London");
    assert_eq!(
        b["summary"],
        "Client visit before the change due: Fewer forms, shorter queues"
    );
    assert!(
        b["description"]
            .as_str()
            .unwrap()
            .contains("Cohort: London 2027"),
        "{b}"
    );
    assert_eq!(b["url"], format!("{}/projects/{project}", served.base));
    // The trainee judges nothing and coordinates nothing: no cohort dates.
    assert!(
        events(&feed)
            .iter()
            .all(|e| e["uid"].as_str().unwrap().starts_with("project-"))
    );

    // Fetched again: the same events, the same UIDs.
    let again = fetch(&served, &address).await;
    assert_eq!(uids(&again), uids(&feed));

    // An extension moves the first visit to the end of 2 April (BST now):
    // the same UID, the new instant.
    engine
        .extend(
            &Extension {
                cohort: COHORT.into(),
                trainees: vec![TRAINEE.into()],
                extending: Extending::Milestone("visit_before".into()),
                to: date(2027, 4, 2),
                reason: "ill".into(),
                by: Some(COORDINATOR.into()),
            },
            at("2027-03-20T10:00:00Z"),
        )
        .await
        .unwrap();
    let moved = fetch(&served, &address).await;
    assert_eq!(uids(&moved), uids(&feed));
    let b = event(&moved, &uid_before);
    assert_eq!(b["utc"], whole(due(&engine, project, "visit_before").await));
    assert_eq!(b["utc"], "2027-04-02T22:59:59Z");
    assert_eq!(b["offset_minutes"], 60);

    // In Arabic once the trainee reads Arabic, naming the milestone in the
    // workflow's Arabic words.
    engine.set_person_language(TRAINEE, "ar").await.unwrap();
    let arabic = fetch(&served, &address).await;
    assert_eq!(uids(&arabic), uids(&feed));
    let b = event(&arabic, &uid_before);
    assert_eq!(
        b["summary"],
        "موعد تسليم زيارة الخدمة قبل التحسين: Fewer forms, shorter queues"
    );
    assert!(
        b["description"]
            .as_str()
            .unwrap()
            .contains("الدفعة: London 2027")
    );

    // The coordinator's calendar: the cohort's named dates, whole days.
    let mut coordinator = served.signed_in(COORDINATOR).await;
    let (coordinator_address, _) = make_address(&mut coordinator).await;
    let dates = fetch(&served, &coordinator_address).await;
    let presentation = event(&dates, "cohort-");
    assert!(
        events(&dates)
            .iter()
            .any(|e| e["date"] == "2027-06-15" && e["end"] == "2027-06-16"),
        "{presentation}"
    );
    assert_eq!(
        events(&dates)
            .iter()
            .filter(|e| e["uid"].as_str().unwrap().starts_with("cohort-"))
            .count(),
        3
    );

    // Someone with no project and no cohort: a valid, empty calendar.
    let mut nobody = served.signed_in(NOBODY).await;
    let (nobody_address, _) = make_address(&mut nobody).await;
    let empty = fetch(&served, &nobody_address).await;
    assert_eq!(empty["version"], "2.0");
    assert!(events(&empty).is_empty(), "{empty:#}");

    // The trainee resets the address: confirmed on the page; the old
    // address is not found at once, the new one works.
    let (new_address, page) = make_address(&mut trainee).await;
    assert_ne!(new_address, address);
    assert!(page.contains("id=\"calendar-made\""));
    assert!(page.contains("لم يعد العنوان القديم يعمل"), "{page}");
    let old = reqwest::get(format!("{}{address}", served.base))
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);
    assert_eq!(uids(&fetch(&served, &new_address).await), uids(&feed));

    // Guessing: each address that names nothing is 404 and counts against
    // the client; past the limit everything from it is 429, a good address
    // too.
    let mut statuses = Vec::new();
    for i in 0..40u32 {
        let guess = format!("/calendar/{:064x}.ics", u128::from(i) * 7_919 + 1);
        let r = reqwest::get(format!("{}{guess}", served.base))
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().contains_key("retry-after"));
        }
        statuses.push(r.status());
    }
    assert_eq!(statuses[0], StatusCode::NOT_FOUND);
    assert_eq!(statuses[39], StatusCode::TOO_MANY_REQUESTS);
    let first_refused = statuses
        .iter()
        .position(|s| *s == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    assert!(
        statuses[first_refused..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    let good = reqwest::get(format!("{}{new_address}", served.base))
        .await
        .unwrap();
    assert_eq!(good.status(), StatusCode::TOO_MANY_REQUESTS);
    served.stop().await;
}

/// The feed of `email` as the engine gives it (a new secret made first).
async fn engine_feed(engine: &Engine, email: &str) -> gradflow_engine::service::Feed {
    let viewer = Viewer {
        person: engine.person(email).await.unwrap(),
        language: None,
    };
    let made = engine
        .reset_calendar_secret(&viewer, Timestamp::now())
        .await
        .unwrap();
    engine
        .calendar_feed(&made.secret, None, Timestamp::now())
        .await
        .unwrap()
}

/// An evaluator's scoring deadline is their own `score-late` timer; one
/// who scored has none; the pool and the chair get the cohort's dates,
/// the trainee does not; a secret that names nothing is not found.
async fn evaluators_get_their_scoring_deadline_and_the_committee_its_dates(db: &TestDb) {
    let site = crate::committee::site_with_pool(db).await;
    let engine = &site.engine;
    let p = site.projects[1];
    crate::committee::to_evaluation(engine, p, 2).await;
    let evaluators = crate::committee::holders(engine, p, "committee").await;
    assert_eq!(evaluators.len(), 2, "{evaluators:?}");
    let timers = engine.pending_timers(p).await.unwrap();
    for email in &evaluators {
        let id = engine.person(email).await.unwrap().id;
        let late = timers
            .iter()
            .find(|(key, _, _)| *key == format!("score-late:{id}"))
            .map(|(_, _, at)| *at)
            .unwrap();
        let feed = engine_feed(engine, email).await;
        let scoring: Vec<_> = feed
            .events
            .iter()
            .filter(|e| matches!(e.what, FeedItem::Scoring { .. }))
            .collect();
        assert_eq!(scoring.len(), 1, "{email}: {:?}", feed.events);
        assert_eq!(scoring[0].when, FeedTime::At(late));
        assert!(
            scoring[0]
                .uid
                .starts_with(&format!("project-{p}-scoring-{id}-"))
        );
        assert_eq!(scoring[0].project.as_ref().unwrap().0, p);
        // A pool member: the cohort's named dates, as whole days.
        assert!(
            feed.events
                .iter()
                .any(|e| matches!(e.what, FeedItem::CohortDate { .. })
                    && matches!(e.when, FeedTime::Day(_)))
        );
    }
    // One evaluator scores: their scoring deadline leaves their calendar.
    let first = evaluators.iter().next().unwrap().clone();
    let w = definition::load(&bundled("graduation-service"))
        .unwrap()
        .workflow;
    let mut scores = gradflow_engine::decide::Fields::new();
    for c in &w.rubrics["safe"].criteria {
        scores.insert(c.key.clone(), serde_json::json!(3));
    }
    support::act(engine, p, &first, "score", scores, None, 10)
        .await
        .unwrap();
    let feed = engine_feed(engine, &first).await;
    assert!(
        feed.events
            .iter()
            .all(|e| !matches!(e.what, FeedItem::Scoring { .. })),
        "{:?}",
        feed.events
    );
    // A trainee whose proposal is awaited: the stage's deadline, at the
    // instant the engine keeps.
    let p0 = site.projects[0];
    let deadline = engine
        .view(p0)
        .await
        .unwrap()
        .record
        .state
        .deadline
        .unwrap();
    let t1 = engine_feed(engine, "trainee1@example.org").await;
    assert!(
        t1.events.iter().any(
            |e| matches!(&e.what, FeedItem::Deadline { stage } if stage == "proposal")
                && e.when == FeedTime::At(deadline)
                && e.uid.starts_with(&format!("project-{p0}-deadline-"))
        ),
        "{:?}",
        t1.events
    );
    // The chair: the cohort's dates; the trainee: none of them.
    let chair = engine_feed(engine, "chair@example.org").await;
    assert!(
        chair
            .events
            .iter()
            .any(|e| matches!(e.what, FeedItem::CohortDate { .. }))
    );
    let trainee = engine_feed(engine, "trainee2@example.org").await;
    assert!(
        trainee
            .events
            .iter()
            .all(|e| !matches!(e.what, FeedItem::CohortDate { .. })),
        "{:?}",
        trainee.events
    );
    // UIDs are stable: the same feed again gives the same ones.
    let again = engine_feed(engine, "chair@example.org").await;
    let uids = |f: &gradflow_engine::service::Feed| {
        f.events.iter().map(|e| e.uid.clone()).collect::<Vec<_>>()
    };
    assert_eq!(uids(&again), uids(&chair));
    // A disabled account's address stops working, and stays stopped
    // when the account is enabled again (disabling removed it).
    let viewer = Viewer {
        person: engine.person("trainee2@example.org").await.unwrap(),
        language: None,
    };
    let made = engine
        .reset_calendar_secret(&viewer, Timestamp::now())
        .await
        .unwrap();
    for disabled in [true, false] {
        engine
            .set_person_disabled(
                "trainee2@example.org",
                disabled,
                "operator",
                "test",
                Timestamp::now(),
            )
            .await
            .unwrap();
        let e = engine
            .calendar_feed(&made.secret, None, Timestamp::now())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), Kind::NotFound);
    }
    // A secret that names nothing, or is no secret at all: not found.
    for wrong in [&"0".repeat(64), "", "../../etc/passwd", &"x".repeat(10_000)] {
        let e = engine
            .calendar_feed(wrong, None, Timestamp::now())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), Kind::NotFound);
    }
}

/// Twelve engines (each its own connection pool, as separate servers
/// would) reset one person's address at once: exactly one of the secrets
/// they showed works afterwards, and the table holds one row for them.
async fn racing_resets_leave_exactly_one_working_address(db: &TestDb) {
    let engine = db.engine().await;
    let now = at("2027-01-04T09:00:00Z");
    engine
        .add_person(TRAINEE, "Hala Al-Harthy", "Ministry", now)
        .await
        .unwrap();
    let person = engine.person(TRAINEE).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let engine = db.engine().await;
        let viewer = Viewer {
            person: person.clone(),
            language: None,
        };
        tasks.push(tokio::spawn(async move {
            engine
                .reset_calendar_secret(&viewer, Timestamp::now())
                .await
                .unwrap()
                .secret
        }));
    }
    // Every reset has ended before any address is tried.
    let mut secrets = Vec::new();
    for task in tasks {
        secrets.push(task.await.unwrap());
    }
    let mut working = 0;
    for secret in secrets {
        match engine.calendar_feed(&secret, None, Timestamp::now()).await {
            Ok(feed) => {
                assert_eq!(feed.person.id, person.id);
                assert!(feed.events.is_empty());
                working += 1;
            }
            Err(e) => assert_eq!(e.kind(), Kind::NotFound),
        }
    }
    assert_eq!(working, 1);
    assert_eq!(
        support::raw_number(db, "SELECT COUNT(*) FROM calendar_feeds").await,
        1
    );
}
