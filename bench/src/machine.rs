//! What the machine was doing during each group: this process's peak memory
//! (the kernel's high-water mark, reset at the start of each group), the
//! load average, and how many cores this process and everything else kept
//! busy (from /proc/stat: other engineers' builds on a shared machine show
//! here, and so does the PostgreSQL server, which is another process).

use std::time::Instant;

/// A reading of the counters at the start of a group.
#[derive(Debug, Clone)]
pub struct Mark {
    at: Instant,
    cpu: Option<Cpu>,
    load: Option<f64>,
    /// Whether the peak memory was reset (else it is the peak since the start).
    reset: bool,
}

/// What a group used.
#[derive(Debug, Clone)]
pub struct Usage {
    /// Wall time, seconds.
    pub seconds: f64,
    /// Peak resident memory of this process during the group (or since the start).
    pub peak: String,
    /// Whether `peak` is the group's own.
    pub own_peak: bool,
    /// One-minute load average at the start and the end.
    pub load: (Option<f64>, Option<f64>),
    /// Average cores busy with this process, and with all others.
    pub cores: Option<(f64, f64)>,
}

#[derive(Debug, Clone, Copy)]
struct Cpu {
    /// Busy ticks of all CPUs.
    busy: u64,
    /// All ticks of all CPUs.
    total: u64,
    /// CPUs counted.
    cpus: u64,
    /// This process's user + system ticks.
    own: u64,
}

/// Starts a group: resets the peak memory and reads the counters.
pub fn mark() -> Mark {
    // Writing 5 resets VmHWM to the current resident size (Linux >= 4.0).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    Mark {
        at: Instant::now(),
        cpu: cpu(),
        load: load(),
        reset,
    }
}

/// Ends a group started at `start`.
pub fn usage(start: &Mark) -> Usage {
    let cores = match (start.cpu, cpu()) {
        (Some(a), Some(b)) if b.total > a.total => {
            let total = (b.total - a.total) as f64;
            let own = b.own.saturating_sub(a.own) as f64;
            let busy = b.busy.saturating_sub(a.busy) as f64;
            let scale = b.cpus as f64 / total;
            Some((own * scale, (busy - own).max(0.0) * scale))
        }
        _ => None,
    };
    Usage {
        seconds: start.at.elapsed().as_secs_f64(),
        peak: crate::report::peak_memory(),
        own_peak: start.reset,
        load: (start.load, load()),
        cores,
    }
}

/// The one-minute load average.
pub fn load() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn cpu() -> Option<Cpu> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let mut lines = stat.lines();
    let first: Vec<u64> = lines
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is in user).
    let field = |i: usize| first.get(i).copied().unwrap_or(0);
    let idle = field(3) + field(4);
    let busy = field(0) + field(1) + field(2) + field(5) + field(6) + field(7);
    let cpus = lines
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count() as u64;
    let own = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (in parentheses, which may hold spaces):
    // utime and stime are the 14th and 15th of the line.
    let rest: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
    let own = rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?;
    Some(Cpu {
        busy,
        total: busy + idle,
        cpus: cpus.max(1),
        own,
    })
}
