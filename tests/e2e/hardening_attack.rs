//! The merged fixes of issue 13 attacked again, as an adversary would: each
//! test here is an attack whose figures must hold (nothing lost, nothing
//! sent twice, nothing looping), on SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;

use crate::smtp_sink::Sink;
use crate::support::{TestDb, on_both};
use crate::worker::{
    FROM, Process, Row, SET_UP, arrivals, institute, outbox, plus_minutes, worker_args,
};

on_both!(
    mail_through_a_dead_then_closing_server_is_tried_once_a_round_then_dead_or_sent_once,
    a_lease_a_slow_server_could_outlive_is_refused_at_start,
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
