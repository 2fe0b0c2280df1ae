//! `gradflow simulate` of a 10,000-trainee year (issue 18's goal: under 10 s
//! and under 1 GB): the release binary run as a user runs it, on the bundled
//! graduation-service workflow with its example cohort file made large enough
//! (capacity 10,000), every trainee keeping the `mixed` pace (on time, late,
//! never, in turn). Measured from outside: wall time, the child's peak
//! resident memory (VmHWM) and its context switches, both read from
//! /proc/PID every 10 ms while it runs (summed over its threads; the last
//! reading before it exits, so a lower bound by at most 10 ms of work).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// Trainees simulated.
pub const TRAINEES: u32 = 10_000;

/// The workflow simulated (bundled; its example cohort file is beside it).
const WORKFLOW: &str = "workflows/graduation-service";

/// How often the child's counters are read.
const POLL: Duration = Duration::from_millis(10);

/// What one simulation used.
#[derive(Debug, Clone)]
pub struct Run {
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// Peak resident memory of the child, kB (VmHWM).
    pub peak_kb: u64,
    /// Voluntary and involuntary context switches of the child's threads.
    pub switches: (u64, u64),
    /// Bytes the simulation printed (its whole text output).
    pub output: usize,
    /// Projects the summary counted (checked against [`TRAINEES`]).
    pub projects: u64,
}

/// The repository's root (the bench's crate lives in `bench/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The release `gradflow` binary beside this bench's own executable, built
/// first when the bench runs under cargo (so the figure is one command).
fn binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the bench's own executable")?;
    let dir = exe
        .parent()
        .context("the bench's executable has no folder")?;
    if let Ok(cargo) = std::env::var("CARGO") {
        let status = Command::new(cargo)
            .args(["build", "--release", "-p", "gradflow", "--bin", "gradflow"])
            .current_dir(root())
            .status()
            .context("cannot run cargo to build the gradflow binary")?;
        ensure!(status.success(), "cargo build --release -p gradflow failed");
    }
    let binary = dir.join("gradflow");
    ensure!(
        binary.is_file(),
        "{} is missing: build it with `cargo build --release -p gradflow` (same CARGO_TARGET_DIR), \
         or run the bench with `cargo run --release -p gradflow-bench`",
        binary.display()
    );
    Ok(binary)
}

/// The example cohort file with its capacity raised to `TRAINEES`.
fn cohort_file(dir: &Path) -> anyhow::Result<PathBuf> {
    let example = root().join(WORKFLOW).join("cohort.example.yaml");
    let text = std::fs::read_to_string(&example)
        .with_context(|| format!("cannot read {}", example.display()))?;
    let mut found = false;
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("capacity:") {
                found = true;
                format!("capacity: {TRAINEES}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    ensure!(found, "{} has no capacity line", example.display());
    let path = dir.join("cohort.yaml");
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Peak resident memory (kB) and context switches of process `pid`, summed
/// over its threads; `None` once it is gone (or a zombie: no memory left).
fn counters(pid: u32) -> Option<(u64, u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |text: &str, name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    let hwm = field(&status, "VmHWM:")?;
    let (mut voluntary, mut involuntary) = (0, 0);
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(task.path().join("status")) {
                voluntary += field(&s, "voluntary_ctxt_switches:").unwrap_or(0);
                involuntary += field(&s, "nonvoluntary_ctxt_switches:").unwrap_or(0);
            }
        }
    }
    Some((hwm, voluntary, involuntary))
}

/// Runs the simulation once and reads what it used.
pub fn run() -> anyhow::Result<Run> {
    let binary = binary()?;
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let cohort = cohort_file(dir.path())?;
    let workflow = root().join(WORKFLOW).join("workflow.yaml");
    let out_path = dir.path().join("out.txt");
    let out = std::fs::File::create(&out_path).context("cannot create the output file")?;
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .arg("simulate")
        .arg("--workflow")
        .arg(&workflow)
        .arg("--cohort")
        .arg(&cohort)
        .args(["--trainees", &TRAINEES.to_string(), "--behaviour", "mixed"])
        // Its throw-away database goes to the same temporary folder.
        .env("TMPDIR", dir.path())
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    let pid = child.id();
    let mut last = (0, 0, 0);
    let status = loop {
        if let Some((hwm, v, i)) = counters(pid) {
            last = (last.0.max(hwm), v.max(last.1), i.max(last.2));
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(POLL);
    };
    let elapsed = started.elapsed();
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut err);
        }
        bail!("gradflow simulate failed ({status}): {}", err.trim());
    }
    let text = std::fs::read_to_string(&out_path).context("cannot read the simulation's output")?;
    let projects = text
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("projects:")
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.replace(',', "").parse().ok())
        })
        .unwrap_or(0);
    Ok(Run {
        elapsed,
        peak_kb: last.0,
        switches: (last.1, last.2),
        output: text.len(),
        projects,
    })
}
