//! Runs workers (one per client) concurrently for a warm-up and a measured
//! window, and collects their operations and latencies.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::report::Measure;

/// A client that performs one operation per call.
pub trait Worker: Send + 'static {
    /// One operation (a transaction, or a batch); returns the transitions it made.
    fn step(&mut self) -> impl Future<Output = anyhow::Result<u64>> + Send;
}

/// Runs each worker on its own task: operations until `warmup` has passed are
/// not counted; then those started within `seconds` are (their transitions
/// make the rate, their latencies the percentiles). Returns the workers.
pub async fn drive<W: Worker>(
    workers: Vec<W>,
    warmup: Duration,
    seconds: Duration,
) -> anyhow::Result<(Vec<W>, Measure)> {
    let start = Instant::now();
    let from = start + warmup;
    let end = from + seconds;
    let mut tasks = Vec::new();
    for mut w in workers {
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut units = 0u64;
            let mut last = from;
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let done = w.step().await?;
                let t1 = Instant::now();
                if t0 >= from {
                    units += done;
                    latencies.push((t1 - t0).as_micros().min(u128::from(u32::MAX)) as u32);
                    last = t1;
                }
            }
            anyhow::Ok((w, latencies, units, last))
        }));
    }
    let mut workers = Vec::new();
    let mut measure = Measure::default();
    let mut last = from;
    for task in tasks {
        let (w, latencies, units, l) = task.await.context("a client task panicked")??;
        workers.push(w);
        measure.ops += units;
        measure.latencies.extend(latencies);
        last = last.max(l);
    }
    measure.elapsed = last - from;
    Ok((workers, measure))
}
