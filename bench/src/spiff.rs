//! The peer: SpiffWorkflow running an equivalent four-stage process
//! (bench/spiff/graduation.bpmn) round the same loop, each transition
//! persisted in SQLite as a durable engine built on it would (read the JSON,
//! deserialize, complete one user task, serialize, update, commit). The
//! script (bench/spiff/spiff_bench.py) makes its own Python environment with
//! the pinned SpiffWorkflow on first use; without `python3` the peer is
//! skipped with a line saying so.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::Ctx;
use crate::report::{Goal, Measure, Row, thousands};

/// The goal: gradflow's `Engine::act` at least this many times the peer's
/// persisted-transition rate.
const GOAL: f64 = 20.0;

/// The script, in the source tree the bench was built from.
fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spiff/spiff_bench.py")
}

/// Where the script keeps its Python environment: beside the bench's
/// binary in the target dir (made once, kept between runs).
fn venv() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("where the bench runs from")?;
    Ok(exe
        .parent()
        .context("the bench's folder")?
        .join("spiff-venv"))
}

/// Runs the script and records its figures beside gradflow's `Engine::act`
/// rates (`full`, `normal`: one client, same SQLite durability).
pub async fn peer(ctx: &mut Ctx, full: f64, normal: f64) -> anyhow::Result<()> {
    let python = match which_python().await {
        Some(p) => p,
        None => {
            ctx.facts.push(
                "SpiffWorkflow: skipped (no python3 on PATH; install python3 with its venv module to measure the peer)"
                    .into(),
            );
            return Ok(());
        }
    };
    eprintln!("SpiffWorkflow (the peer; its first run makes a Python environment)…");
    let venv = venv()?;
    let seconds = ctx.seconds.as_secs_f64();
    let warmup = ctx.warmup.as_secs_f64();
    let mut command = std::process::Command::new(&python);
    command
        .arg(script())
        .args(["--seconds", &seconds.to_string()])
        .args(["--warmup", &warmup.to_string()])
        .args(["--projects", &ctx.projects.to_string()])
        .arg("--venv")
        .arg(&venv)
        .arg("--dir")
        .arg(std::env::temp_dir())
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .context("the SpiffWorkflow task panicked")?
        .with_context(|| format!("cannot run {} {}", python, script().display()))?;
    if !output.status.success() {
        // The peer is information, not the product: say why, go on.
        ctx.facts.push(format!(
            "SpiffWorkflow: not measured: {} {} exited with {} (its messages are above; \
             the Python environment is {})",
            python,
            script().display(),
            output.status,
            venv.display()
        ));
        return Ok(());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().context("the SpiffWorkflow script printed nothing")?;
    let figures: Value =
        serde_json::from_str(last).with_context(|| format!("the SpiffWorkflow script printed {last}"))?;
    let version = figures["spiffworkflow"].as_str().unwrap_or("?");
    let group = format!("spiff {version}");
    let mut rates = Vec::new();
    for (key, what) in [
        ("persisted_full", "persisted transition, SQLite FULL"),
        ("persisted_normal", "persisted transition, SQLite NORMAL"),
        ("serialized_memory", "(informative) deserialize + run + serialize, in memory"),
        ("live_memory", "(informative) run on live objects, in memory"),
    ] {
        let f = &figures[key];
        let rate = f["rate"].as_f64().with_context(|| format!("no rate for {key} in {last}"))?;
        let transitions = f["transitions"].as_u64().unwrap_or(0);
        let made = f["total"].as_u64().unwrap_or(0);
        let stored = f["stored"].as_u64().unwrap_or(u64::MAX);
        if stored != made {
            bail!("SpiffWorkflow {key}: {made} transitions made, {stored} found afterwards");
        }
        let micros = |v: &Value| v.as_f64().map(|x| x.round() as u32);
        let mut m = Measure {
            ops: transitions,
            elapsed: Duration::from_secs_f64(transitions as f64 / rate.max(1e-9)),
            latencies: Vec::new(),
        };
        let mut row = Row::of(&group, what, 1, &mut m);
        row.rate = rate;
        row.p50 = micros(&f["p50_us"]);
        row.p99 = micros(&f["p99_us"]);
        row.note = match f["mean_json_bytes"].as_f64() {
            Some(bytes) => format!(
                "one SQLite transaction each; stored JSON {} bytes on average at the end",
                thousands(bytes)
            ),
            None => String::new(),
        };
        eprintln!("  … {group}: {what}: {}/s", thousands(rate));
        ctx.rows.push(row);
        ctx.checks.push(format!(
            "{group} {what}: every one of {} transitions found completed in the workflows afterwards",
            thousands(made as f64)
        ));
        rates.push(rate);
    }
    ctx.facts.push(format!(
        "SpiffWorkflow {version} on Python {} (its sqlite3 module links SQLite {}): bench/spiff/graduation.bpmn, \
         {} instances gone round in turn; environment {}",
        figures["python"].as_str().unwrap_or("?"),
        figures["sqlite"].as_str().unwrap_or("?"),
        figures["projects"],
        venv.display()
    ));
    ctx.ratio(
        "sqlite FULL: Engine::act / SpiffWorkflow persisted (FULL)".into(),
        full,
        rates[0],
        Some(Goal::AtLeast(GOAL)),
    );
    ctx.ratio(
        "sqlite NORMAL: Engine::act / SpiffWorkflow persisted (NORMAL)".into(),
        normal,
        rates[1],
        Some(Goal::AtLeast(GOAL)),
    );
    ctx.ratio(
        "sqlite FULL: Engine::act / SpiffWorkflow in memory (deserialize + run + serialize, no database)".into(),
        full,
        rates[2],
        None,
    );
    Ok(())
}

/// `python3` if it runs here.
async fn which_python() -> Option<String> {
    let ok = tokio::task::spawn_blocking(|| {
        std::process::Command::new("python3")
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .await
    .unwrap_or(false);
    ok.then(|| "python3".to_owned())
}
