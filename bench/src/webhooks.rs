//! Signed webhooks: deliveries per second into a local receiver, through
//! the path `gradflow worker` takes (src/cli/webhooks.rs, which the bench
//! cannot import; its few lines are replicated here):
//! `Engine::deliver_webhooks` claiming a batch, each delivery signed and
//! posted at once by `gradflow_notifications::webhook::Sender` (the
//! worker's client, here allowed to reach 127.0.0.1), each outcome recorded.
//!
//! The receiver is a small HTTP/1.1 server in this process (keep-alive,
//! 204 to every post, each `webhook-id` counted): it checks no signature
//! (the e2e tests do, with an independent implementation), so the figure
//! is gradflow's side.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::ensure;
use gradflow_engine::Durability;
use gradflow_engine::service::webhooks::forbidden_address;
use gradflow_engine::service::{Engine, HookAttempt, HookRetry, Subscription};
use gradflow_notifications::webhook::{Posted, Sender};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::report::{Measure, thousands};
use crate::{Ctx, fixture};

/// Deliveries queued (one `project.started` per project started).
const DELIVERIES: usize = 2_000;
/// Deliveries claimed and posted at once per round (the worker's most).
const BATCH: usize = 64;

/// Each `webhook-id` the receiver got, and how often.
type Seen = Arc<Mutex<HashMap<String, usize>>>;

/// Starts the receiver on 127.0.0.1; its port and what it saw.
async fn receiver() -> anyhow::Result<(u16, Seen)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let seen: Seen = Arc::default();
    let counts = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                loop {
                    let mut length = 0_usize;
                    let mut id = String::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let header = line.trim_end();
                        if header.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = header.split_once(':') {
                            match name.trim().to_ascii_lowercase().as_str() {
                                "content-length" => length = value.trim().parse().unwrap_or(0),
                                "webhook-id" => value.trim().clone_into(&mut id),
                                _ => {}
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if read.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    *counts.lock().unwrap().entry(id).or_insert(0) += 1;
                    if write
                        .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    Ok((port, seen))
}

/// Deliveries per second into the local receiver.
pub async fn delivery(ctx: &mut Ctx, place: &mut crate::place::Place) -> anyhow::Result<()> {
    let url = place.fresh("webhooks").await?;
    let engine = Arc::new(Engine::connect_with(&url, Durability::Full).await?);
    let directory = fixture::directory(&engine).await?;
    let (port, seen) = receiver().await?;
    let events = vec!["project.started".to_owned()];
    let now = fixture::now();
    engine
        .subscribe(
            None,
            Subscription {
                url: &format!("http://127.0.0.1:{port}/hooks"),
                events: &events,
                allow_private: true,
            },
            now,
        )
        .await?;
    fixture::start_projects(&engine, &directory, "hooks", DELIVERIES, 4).await?;
    let sender = Arc::new(Sender::new(
        true,
        forbidden_address,
        Duration::from_secs(10),
    )?);
    let retry = HookRetry::default();
    let group = format!("webhooks {}", place.kind());
    let mut m = Measure::default();
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let one = Instant::now();
        let sender = Arc::clone(&sender);
        let round = engine
            .deliver_webhooks(
                move |request| {
                    let sender = Arc::clone(&sender);
                    async move {
                        match sender
                            .post(
                                &request.url,
                                &request.message_id,
                                &request.secret,
                                &request.body,
                            )
                            .await
                        {
                            Posted::Answered(status) => HookAttempt::Answered(status),
                            Posted::Failed(e) => HookAttempt::Failed(e),
                            Posted::Refused(e) => HookAttempt::Refused(e),
                        }
                    }
                },
                now,
                jiff::Timestamp::now(),
                BATCH,
                &retry,
            )
            .await?;
        if round.claimed == 0 {
            break;
        }
        sent += round.sent;
        ensure!(
            round.sent == round.claimed,
            "{group}: a round claimed {} and delivered {}: {round:?}",
            round.claimed,
            round.sent
        );
        // One latency per delivery: its round's time (they are posted at once).
        let took = u32::try_from(one.elapsed().as_micros()).unwrap_or(u32::MAX);
        m.latencies.extend(std::iter::repeat_n(took, round.claimed));
    }
    m.elapsed = started.elapsed();
    m.ops = sent as u64;
    ctx.row(
        &group,
        &format!(
            "Engine::deliver_webhooks: {} deliveries, {BATCH} posted at once",
            thousands(DELIVERIES as f64)
        ),
        1,
        &mut m,
        "claim, sign (HMAC-SHA256), POST over keep-alive HTTP/1.1, record",
    );
    let seen = seen.lock().unwrap().clone();
    ensure!(
        sent == DELIVERIES && seen.len() == DELIVERIES && seen.values().all(|n| *n == 1),
        "{group}: {sent} recorded sent, the receiver got {} distinct ids ({} requests); {DELIVERIES} expected once each",
        seen.len(),
        seen.values().sum::<usize>()
    );
    ctx.checks.push(format!(
        "{group}: {} deliveries recorded sent, each webhook-id received exactly once",
        thousands(DELIVERIES as f64)
    ));
    engine.close().await;
    Ok(())
}
