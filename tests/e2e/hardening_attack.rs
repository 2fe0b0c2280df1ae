//! The merged fixes of issue 13 attacked again, as an adversary would: each
//! test here is an attack whose figures must hold (nothing lost, nothing
//! sent twice, nothing looping), on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::time::Duration;

use gradflow_engine::definition;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::smtp_sink::Sink;
use crate::support::{Cohort, TestDb, bundled, day, holder, new_cohort, on_both, raw_number};
use crate::worker::{
    FROM, Process, REMINDERS, Row, SET_UP, arrivals, audit_verifies, events_of, institute, outbox,
    plus_minutes, progress, start_worker, stop_workers, unfinished, worker_args, wrong_events,
};

on_both!(
    mail_through_a_dead_then_closing_server_is_tried_once_a_round_then_dead_or_sent_once,
    a_lease_a_slow_server_could_outlive_is_refused_at_start,
    twenty_nodes_giving_a_one_person_role_at_once_leave_one_holder,
    twenty_uploads_at_once_stay_within_the_uploaders_quota,
    three_workers_try_a_refused_timer_once_a_round_and_fail_it_once,
    workers_killed_again_and_again_under_load_lose_nothing_and_fail_no_timer,
    one_client_behind_a_trusted_proxy_cannot_lock_everyone_out,
);

/// Messages the attack sends (one per project, at set-up).
const MESSAGES: usize = 200;

/// Two `worker --once` processes at `now` at the same moment: their reports.
async fn two_workers_once(db: &TestDb, now: &str, url: &str) -> Vec<Value> {
    let args = worker_args(url, "500", true);
    let workers: Vec<Process> = (0..2).map(|_| Process::start(db, now, &args)).collect();
    tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|w| {
                let run = w.wait(Duration::from_secs(90));
                assert!(
                    run.ok(),
                    "a worker against a dead server ends its round:\n{run}"
                );
                run.json()
            })
            .collect()
    })
    .await
    .unwrap()
}

/// Sums a count of the workers' mail reports.
fn total(reports: &[Value], count: &str) -> u64 {
    reports
        .iter()
        .map(|r| r["mail"][count].as_u64().unwrap_or(0))
        .sum()
}

/// A mail server that accepts each connection and closes it at once.
async fn closing_server() -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let accept = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    (url, accept)
}

/// The attack: `MESSAGES` messages, two workers a round, the mail server
/// first gone (nothing listens), then one that hangs up on every
/// connection, then back. Each round tries each message exactly once (one
/// attempt more each, none sent, none dead before the limit); a round at
/// the same instant finds nothing due (the backoff holds); after the 24th
/// failed delivery a message is dead saying why; when the server comes
/// back every message still pending arrives exactly once.
async fn mail_through_a_dead_then_closing_server_is_tried_once_a_round_then_dead_or_sent_once(
    db: &TestDb,
) {
    institute(db, 0, MESSAGES).await;
    let gone = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("smtp://{}", listener.local_addr().unwrap())
    };
    let (closing, server) = closing_server().await;
    let rounds = 23;
    let mut now = plus_minutes(SET_UP, 1);
    for round in 0..rounds {
        now = plus_minutes(SET_UP, 1 + 61 * round);
        let url = if round == 0 { &gone } else { &closing };
        let reports = two_workers_once(db, &now, url).await;
        let tried = (
            total(&reports, "sent"),
            total(&reports, "retrying"),
            total(&reports, "dead"),
        );
        assert_eq!(
            tried,
            (0, MESSAGES as u64, 0),
            "round {round}: each message tried once, by one worker: {reports:?}"
        );
        let rows = outbox(db, &now).await;
        assert_eq!(rows.len(), MESSAGES, "round {round}: nothing lost or added");
        let wrong: Vec<&Row> = rows
            .iter()
            .filter(|r| {
                r.state != "failed"
                    || r.attempts != round + 1
                    || r.last_error.as_deref().unwrap_or("").is_empty()
            })
            .collect();
        assert!(wrong.is_empty(), "round {round}: {wrong:#?}");
        if round < 2 {
            // The same instant again: every message waits out its backoff.
            let again = two_workers_once(db, &now, url).await;
            assert_eq!(total(&again, "claimed"), 0, "round {round}: {again:?}");
        }
    }
    server.abort();
    // The server is back, refusing for now one supervisor's mail: theirs
    // fails its 24th delivery and is dead; everyone else's arrives once.
    let sink = Sink::start(&[]).await;
    let rows = outbox(db, &now).await;
    let full = rows[0].email.clone();
    sink.defer(&full);
    let of_full = rows.iter().filter(|r| r.email == full).count();
    let now = plus_minutes(SET_UP, 1 + 61 * rounds);
    let reports = two_workers_once(db, &now, &sink.url()).await;
    let rows = outbox(db, &now).await;
    let counts = arrivals(&sink.received());
    let duplicated = counts.values().filter(|n| **n > 1).count();
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &rows {
        *states.entry(row.state.as_str()).or_default() += 1;
    }
    let lost = rows
        .iter()
        .filter(|r| r.state == "sent" && !counts.contains_key(&r.full_message_id()))
        .count();
    eprintln!(
        "{}: {MESSAGES} messages, {rounds} failed rounds; back: {} emails received, {duplicated} duplicated, {lost} lost, states {states:?}",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        sink.count()
    );
    assert_eq!((duplicated, lost), (0, 0), "{reports:?}");
    assert_eq!(sink.count(), MESSAGES - of_full, "{reports:?}");
    for row in &rows {
        if row.email == full {
            let error = row.last_error.as_deref().unwrap_or("");
            assert!(
                row.state == "dead"
                    && row.attempts == 24
                    && error.contains("gave up after 24 attempts"),
                "{row:?}"
            );
        } else {
            assert_eq!((row.state.as_str(), row.attempts), ("sent", 24), "{row:?}");
        }
    }
    let later = two_workers_once(db, &plus_minutes(&now, 61), &sink.url()).await;
    assert_eq!(total(&later, "claimed"), 0, "{later:?}");
    assert_eq!(sink.count(), MESSAGES - of_full, "nothing arrives twice");
}

/// A lease shorter than one email may take (the SMTP timeout, 30 s by
/// default) let a slow server outlive it: with `--mail-lease 2` and a
/// server answering in 3 s, two workers took each other's claims over
/// after every email, no delivery was ever recorded, and 8 messages were
/// sent again and again for over 5 minutes until the attack was stopped.
/// A worker now refuses to start with a lease under twice the timeout,
/// saying both, and starts once the timeout is shortened.
async fn a_lease_a_slow_server_could_outlive_is_refused_at_start(db: &TestDb) {
    institute(db, 0, 2).await;
    let sink = Sink::start(&[]).await;
    let now = plus_minutes(SET_UP, 1);
    let start = |url: String| {
        let args = [
            "--json",
            "worker",
            "--once",
            "--mail-lease",
            "2",
            "--smtp",
            &url,
            "--from",
            FROM,
        ];
        let process = Process::start(db, &now, &args);
        tokio::task::spawn_blocking(move || process.wait(Duration::from_secs(90)))
    };
    let refused = start(sink.url()).await.unwrap();
    assert!(
        !refused.ok()
            && refused.stderr.contains("--mail-lease 2")
            && refused.stderr.contains("timeout=30"),
        "{refused}"
    );
    assert_eq!(sink.count(), 0, "nothing sent");
    let shortened = start(format!("{}?timeout=1", sink.url())).await.unwrap();
    assert!(shortened.ok(), "{shortened}");
    assert_eq!(sink.count(), 2);
}

/// A workflow that takes one chair per project (`{ role: chair, max: 1 }`)
/// and 20 nodes (each its own engine and pool) giving the empty chair to 20
/// different people at the same moment: exactly one is given it, every
/// other is refused, and the project holds one chair.
async fn twenty_nodes_giving_a_one_person_role_at_once_leave_one_holder(db: &TestDb) {
    let setup = db.engine().await;
    let loaded = definition::load(&bundled("graduation-service")).unwrap();
    let text = loaded
        .text
        .replace("  - chair\n", "  - { role: chair, max: 1 }\n");
    assert_ne!(text, loaded.text, "the chair is limited to one");
    setup.publish(&[text], day(0)).await.unwrap();
    let w = loaded.workflow;
    let racers = 20;
    // The chairs are not of the trainee's organization (the committee's
    // rules would refuse them all).
    let people = [
        (holder("trainee", 1), "Ministry"),
        (holder("supervisor", 1), "Ministry"),
    ]
    .into_iter()
    .chain((1..=racers).map(|n| (holder("chair", n), "Institute")));
    for (email, organization) in people {
        setup
            .add_person(&email, &email, organization, day(0))
            .await
            .unwrap();
    }
    setup
        .create_program("svc", "Service level", &w.key, day(0))
        .await
        .unwrap();
    setup
        .create_cohort(new_cohort(&w, "svc", "One chair"), day(0))
        .await
        .unwrap();
    let id = setup
        .start_project(
            "One chair",
            "Racing for the chair",
            &[
                (holder("trainee", 1), "trainee".to_owned()),
                (holder("supervisor", 1), "supervisor".to_owned()),
            ],
            day(1),
        )
        .await
        .unwrap()
        .project;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(racers));
    let mut nodes = tokio::task::JoinSet::new();
    for n in 1..=racers {
        let engine = db.engine().await;
        let barrier = barrier.clone();
        nodes.spawn(async move {
            barrier.wait().await;
            let given = engine
                .assign(id, None, &holder("chair", n), "chair", day(2))
                .await;
            engine.close().await;
            given
        });
    }
    let mut given = 0;
    let mut refused = Vec::new();
    while let Some(result) = nodes.join_next().await {
        match result.unwrap() {
            Ok(_) => given += 1,
            Err(e) => refused.push(e.to_string()),
        }
    }
    let chairs = setup
        .view(id)
        .await
        .unwrap()
        .record
        .members
        .iter()
        .filter(|m| m.role == "chair")
        .count();
    eprintln!(
        "{}: {racers} nodes gave the chair: {given} given, {} refused, {chairs} chair(s) held",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        refused.len()
    );
    assert_eq!((given, chairs), (1, 1), "{refused:#?}");
}

/// One trainee on five projects sends 20 files of 1 MiB at once (each from
/// its own node) with 4 MiB of quota left: four are recorded, the others
/// are refused, and the trainee's files never pass the quota. Before, the
/// quota was read before the file's commit, outside it: every upload saw
/// the same 4 MiB free and all 20 were recorded (20 MiB on a 4 MiB quota).
async fn twenty_uploads_at_once_stay_within_the_uploaders_quota(db: &TestDb) {
    const MIB: u64 = 1024 * 1024;
    let setup = db.engine().await;
    let cohort = Cohort::set_up(&setup, "graduation-service").await;
    let mut projects = Vec::new();
    for n in 0..5 {
        projects.push(cohort.start(&setup, &format!("Quota {n}")).await);
    }
    let trainee = setup.person(&holder("trainee", 1)).await.unwrap();
    let quota = 4 * MIB;
    let racers = 20;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(racers));
    let mut nodes = tokio::task::JoinSet::new();
    for i in 0..racers {
        let engine = db.engine().await;
        let barrier = barrier.clone();
        let viewer = gradflow_engine::service::Viewer {
            person: trainee.clone(),
            language: None,
        };
        let project = projects[i % projects.len()];
        nodes.spawn(async move {
            barrier.wait().await;
            let added = engine
                .add_evidence_as(
                    &viewer,
                    project,
                    &format!("part-{i}.pdf"),
                    &format!("{i:064x}"),
                    MIB,
                    quota,
                    day(2),
                )
                .await;
            engine.close().await;
            added
        });
    }
    let (mut added, mut refused) = (0, Vec::new());
    while let Some(result) = nodes.join_next().await {
        match result.unwrap() {
            Ok(_) => added += 1,
            Err(e) => refused.push(e.to_string()),
        }
    }
    let stored = raw_number(
        db,
        &format!(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM evidence WHERE uploader_id = {}",
            trainee.id
        ),
    )
    .await;
    eprintln!(
        "{}: {racers} uploads of 1 MiB at once, 4 MiB quota: {added} recorded, {} refused, {} MiB stored",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        refused.len(),
        stored as u64 / MIB
    );
    assert!(
        stored as u64 <= quota,
        "{stored} bytes stored: {refused:#?}"
    );
    assert_eq!(added, 4, "{refused:#?}");
}

/// Three `worker --once` processes a round (three nodes) at the times a
/// refused timer's backoff allows: it is refused five times in all, not
/// once per worker, ends failed once, and every other project's reminder
/// is fired and mailed once.
async fn three_workers_try_a_refused_timer_once_a_round_and_fail_it_once(db: &TestDb) {
    crate::timers_attack::refused_timer_rounds(db, 3).await;
}

/// Two running workers fire 200 projects' timers and send their mail to a
/// server taking 50 ms a message; both are killed (`kill -9`) as soon as 5
/// more timers or emails went through, and two start again a few minutes
/// of clock later (after the dead ones' leases): eight rounds, 16 kills. Then: each due
/// timer fired once, none failed or counted an attempt for a kill, every
/// message sent and each arrived once but for the emails in flight per
/// kill (at most the pool's size), and `audit verify` passes.
async fn workers_killed_again_and_again_under_load_lose_nothing_and_fail_no_timer(db: &TestDb) {
    let projects = institute(db, 100, 100).await;
    let sink = Sink::start(&[]).await;
    sink.slow_down(Duration::from_millis(50));
    let url = sink.url();
    let rounds = 8;
    let kills = 2 * rounds;
    let mut notes = Vec::new();
    for kill in 0..rounds {
        let now = plus_minutes(REMINDERS, 3 * kill);
        let mut workers = vec![
            start_worker(db, &now, &url, 25),
            start_worker(db, &now, &url, 25),
        ];
        let (timers, mail) = (
            crate::support::raw_number(db, "SELECT COUNT(*) FROM timers WHERE state = 'done'")
                .await,
            sink.count(),
        );
        let patience = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let done =
                crate::support::raw_number(db, "SELECT COUNT(*) FROM timers WHERE state = 'done'")
                    .await;
            if done > timers + 5 || sink.count() > mail + 5 || unfinished(db, &now).await == (0, 0)
            {
                break;
            }
            assert!(
                std::time::Instant::now() < patience,
                "no progress: {}",
                progress(db, &sink).await
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // Both die: one that is asked to stop finishes its round first.
        for worker in workers.drain(..) {
            let _ = worker.crash();
        }
        notes.push(format!("round {kill}: {}", progress(db, &sink).await));
    }
    let now = plus_minutes(REMINDERS, 3 * rounds);
    let workers = vec![
        start_worker(db, &now, &url, 25),
        start_worker(db, &now, &url, 25),
    ];
    let patience = std::time::Instant::now() + Duration::from_secs(120);
    while unfinished(db, &now).await != (0, 0) {
        assert!(
            std::time::Instant::now() < patience,
            "{}",
            progress(db, &sink).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_workers(workers).await;
    let notes = notes.join("\n");

    let events = events_of(db, &now, &projects).await;
    let wrong = wrong_events(&projects, &events, |p| {
        if p.submitted {
            vec!["deadline_passed"]
        } else {
            vec!["reminded remind:1"]
        }
    });
    assert!(
        wrong.is_empty(),
        "each due timer fired once:\n{}\n{notes}",
        wrong.join("\n")
    );
    let failed = crate::support::raw_number(
        db,
        "SELECT COUNT(*) FROM timers WHERE state = 'failed' OR attempts > 0",
    )
    .await;
    assert_eq!(failed, 0, "a kill is not a failure of a timer\n{notes}");
    let rows = outbox(db, &now).await;
    let counts = arrivals(&sink.received());
    let extra: usize = counts.values().map(|n| n.saturating_sub(1)).sum();
    let lost = rows
        .iter()
        .filter(|r| r.state != "sent" || !counts.contains_key(&r.full_message_id()))
        .count();
    let attempts_over_one = rows.iter().filter(|r| r.attempts > 1).count();
    eprintln!(
        "{}: {} projects, {kills} kills: {} messages, {} emails received, {} distinct, {extra} extra, {lost} lost, {attempts_over_one} with more than one attempt\n{notes}",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        projects.len(),
        rows.len(),
        sink.count(),
        counts.len(),
    );
    assert_eq!(lost, 0, "{notes}");
    // A worker has up to its pool's size of emails on their way at once:
    // a kill may leave each of them delivered but unrecorded (docs/mail.md).
    let in_flight = gradflow_notifications::transport::DEFAULT_POOL_SIZE as usize;
    assert!(
        extra <= kills as usize * in_flight,
        "{extra} emails again for {kills} kills of workers sending {in_flight} at once\n{notes}"
    );
    assert_eq!(
        attempts_over_one, 0,
        "a kill is not a failed delivery\n{notes}"
    );
    audit_verifies(db, &now).await;
}

/// Behind a reverse proxy every request comes from the proxy's address, so
/// 30 wrong sign-ins by one client (for made-up emails) locked every person
/// out of signing in for 15 minutes: a right password got 429. With the
/// proxy trusted (`--trusted-proxy`), the client is the address the proxy
/// appended to `X-Forwarded-For` (what a client wrote there itself is not
/// believed), so the attacker alone is limited. From an address that is not
/// a trusted proxy the header is ignored: it cannot dodge the limit.
async fn one_client_behind_a_trusted_proxy_cannot_lock_everyone_out(db: &TestDb) {
    use reqwest::StatusCode;
    let site = crate::web::Site::start_with(db, false, |engine, mut config| {
        config.limits.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        (engine, config)
    })
    .await;
    let from = |local: &str| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(local.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let sign_in = |client: reqwest::Client, email: String, password: String, forwarded: String| {
        let url = format!("{}/signin", site.base);
        async move {
            client
                .post(url)
                .header("x-forwarded-for", forwarded)
                .form(&[("email", email), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let proxy = from("127.0.0.1");
    // The attacker writes a new address each time; the proxy appends theirs.
    for i in 0..30 {
        let status = sign_in(
            proxy.clone(),
            format!("nobody{i}@example.org"),
            format!("wrong guess {i}"),
            format!("192.0.2.{i}, 203.0.113.7"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let status = sign_in(
        proxy.clone(),
        "nobody99@example.org".into(),
        "wrong guess".into(),
        "192.0.2.99, 203.0.113.7".into(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is limited"
    );
    let status = sign_in(
        proxy.clone(),
        "sup1@example.org".into(),
        crate::web::PASSWORD.into(),
        "203.0.113.8".into(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "everyone else still signs in"
    );
    // Not through the proxy: the header is the client's own words.
    let direct = from("127.0.0.2");
    for i in 0..30 {
        sign_in(
            direct.clone(),
            format!("someone{i}@example.org"),
            format!("wrong guess {i}"),
            format!("198.51.100.{i}"),
        )
        .await;
    }
    let status = sign_in(
        direct,
        "sup2@example.org".into(),
        crate::web::PASSWORD.into(),
        "198.51.100.200".into(),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "a client's own header is not believed"
    );
    site.stop().await;
}
