//! Figures and how they are printed: measurements, aligned tables, numbers.

use std::time::Duration;

/// What one timed run produced.
#[derive(Debug, Clone, Default)]
pub struct Measure {
    /// Transitions made by operations that started inside the measured window.
    pub ops: u64,
    /// From the start of the window to the end of the last counted operation.
    pub elapsed: Duration,
    /// Latency of each counted operation, in microseconds (empty for the pure core).
    pub latencies: Vec<u32>,
}

impl Measure {
    /// Operations per second.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.ops as f64 / s } else { 0.0 }
    }

    /// The `q` quantile of latencies (0..=1), in microseconds.
    pub fn quantile(&mut self, q: f64) -> Option<u32> {
        if self.latencies.is_empty() {
            return None;
        }
        self.latencies.sort_unstable();
        let i = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        Some(self.latencies[i])
    }
}

/// One line of the results table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Group, e.g. `sqlite FULL`.
    pub group: String,
    /// What was measured.
    pub what: String,
    /// Concurrent clients.
    pub clients: usize,
    /// The figure.
    pub rate: f64,
    /// Its unit, e.g. `/s`.
    pub unit: &'static str,
    /// Median latency (µs).
    pub p50: Option<u32>,
    /// 99th percentile latency (µs).
    pub p99: Option<u32>,
    /// A remark: goal, ratio, audit result.
    pub note: String,
}

impl Row {
    /// A row from a measurement.
    pub fn of(group: &str, what: &str, clients: usize, m: &mut Measure) -> Row {
        Row {
            group: group.to_owned(),
            what: what.to_owned(),
            clients,
            rate: m.rate(),
            unit: "/s",
            p50: m.quantile(0.5),
            p99: m.quantile(0.99),
            note: String::new(),
        }
    }
}

/// A ratio of two figures, against an optional goal.
#[derive(Debug, Clone)]
pub struct Ratio {
    /// What is compared, in words.
    pub what: String,
    /// The ratio.
    pub value: f64,
    /// The goal it should meet, if any.
    pub goal: Option<Goal>,
}

/// Which side of a figure a ratio should be on.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// At least this (a rate against its goal or its raw limit).
    AtLeast(f64),
    /// Under this (a latency against its bound).
    Below(f64),
}

/// Prints rows as an aligned table.
pub fn print_table(rows: &[Row]) {
    let header = [
        "group",
        "measurement",
        "clients",
        "rate",
        "p50",
        "p99",
        "note",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.group.clone(),
                r.what.clone(),
                r.clients.to_string(),
                format!("{}{}", thousands(r.rate), r.unit),
                r.p50.map(micros).unwrap_or_else(|| "-".into()),
                r.p99.map(micros).unwrap_or_else(|| "-".into()),
                r.note.clone(),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    // Left-align text columns, right-align figures.
    let right = [false, false, true, true, true, true, false];
    let line = |row: &[String]| {
        let mut out = String::new();
        for (i, c) in row.iter().enumerate() {
            let pad = width[i].saturating_sub(c.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            if right[i] {
                out.push_str(&" ".repeat(pad));
                out.push_str(c);
            } else if i + 1 < row.len() {
                out.push_str(c);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str(c);
            }
        }
        println!("{}", out.trim_end());
    };
    line(&header.map(str::to_owned));
    let total: usize = width.iter().sum::<usize>() + 2 * (width.len() - 1);
    println!("{}", "-".repeat(total.min(160)));
    let mut group = String::new();
    for (r, c) in rows.iter().zip(&cells) {
        if !group.is_empty() && r.group != group {
            println!();
        }
        group = r.group.clone();
        line(c);
    }
}

/// Prints ratios as an aligned list.
pub fn print_ratios(ratios: &[Ratio]) {
    let width = ratios
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    for r in ratios {
        let verdict = match r.goal {
            Some(Goal::AtLeast(goal)) if r.value >= goal => format!("goal ≥ {goal:.2}: met"),
            Some(Goal::AtLeast(goal)) => format!("goal ≥ {goal:.2}: NOT met"),
            Some(Goal::Below(goal)) if r.value < goal => format!("goal < {goal:.2}: met"),
            Some(Goal::Below(goal)) => format!("goal < {goal:.2}: NOT met"),
            None => String::new(),
        };
        println!(
            "  {:<width$}  {:>6.2}  {verdict}",
            r.what,
            r.value,
            width = width
        );
    }
}

/// `1234567.8` as `1,234,568`.
pub fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A latency in µs, shown in µs or ms.
pub fn micros(us: u32) -> String {
    if us >= 10_000 {
        format!("{:.1} ms", f64::from(us) / 1000.0)
    } else if us >= 1000 {
        format!("{:.2} ms", f64::from(us) / 1000.0)
    } else {
        format!("{us} µs")
    }
}

/// Peak resident memory of this process (VmHWM), as printed by the kernel.
pub fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".into())
}

/// Prints what each group used: time, peak memory, load, cores busy.
pub fn print_usage(groups: &[(String, crate::machine::Usage)]) {
    let width = groups
        .iter()
        .map(|g| g.0.chars().count())
        .max()
        .unwrap_or(0);
    let number = |x: Option<f64>| x.map_or_else(|| "?".to_owned(), |x| format!("{x:.2}"));
    for (name, u) in groups {
        let cores = match u.cores {
            Some((own, others)) => {
                format!("; cores busy: this process {own:.2}, others {others:.2}")
            }
            None => String::new(),
        };
        println!(
            "  {name:<width$}  {:>7.1} s  peak memory {}{}; load average {} -> {}{cores}",
            u.seconds,
            u.peak,
            if u.own_peak { "" } else { " (since the start)" },
            number(u.load.0),
            number(u.load.1),
        );
    }
}

/// Prints where a profiled section's database time went (`--profile-sql`).
pub fn print_profile(name: &str, wall: f64, rounds: usize, lines: &[crate::profile::Line]) {
    let total: f64 = lines.iter().map(|l| l.seconds).sum();
    println!(
        "where the database time went: {name} ({rounds} rounds in {wall:.2} s; {:.0}% of it in {} statements)",
        100.0 * total / wall.max(1e-9),
        thousands(lines.iter().map(|l| l.count).sum::<u64>() as f64)
    );
    println!(
        "  {:>9}  {:>9}  {:>10}  {:>6}  statement",
        "count", "per round", "total", "wall"
    );
    for l in lines {
        println!(
            "  {:>9}  {:>9.1}  {:>7.0} ms  {:>5.1}%  {}",
            thousands(l.count as f64),
            l.count as f64 / rounds.max(1) as f64,
            l.seconds * 1000.0,
            100.0 * l.seconds / wall.max(1e-9),
            l.statement
        );
    }
    println!();
}
