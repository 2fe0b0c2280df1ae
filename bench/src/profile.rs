//! `--profile-sql`: where the engine's database time goes. sqlx reports
//! every statement it runs as a `tracing` event (target `sqlx::query`, with
//! the statement and its elapsed time, round trip included); this minimal
//! subscriber adds them up by statement while a timed section runs, so a
//! group can print, next to its rate, which statements the engine sent per
//! round and how long they took. Off by default (it costs a little per
//! statement).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// Whether statements are being added up now.
static COLLECTING: AtomicBool = AtomicBool::new(false);
/// Statement -> (count, seconds).
static TOTALS: Mutex<Option<HashMap<String, (u64, f64)>>> = Mutex::new(None);

/// One statement's share of a section.
#[derive(Debug, Clone)]
pub struct Line {
    /// The statement, its variable lists elided.
    pub statement: String,
    /// Times run.
    pub count: u64,
    /// Seconds, round trips included.
    pub seconds: f64,
}

/// Installs the subscriber for the whole run.
pub fn install() -> anyhow::Result<()> {
    tracing::subscriber::set_global_default(Totals)
        .map_err(|e| anyhow::anyhow!("cannot install the SQL profiler: {e}"))
}

/// Starts adding up statements (discarding what was gathered before).
pub fn start() {
    *TOTALS.lock().expect("profile lock") = Some(HashMap::new());
    COLLECTING.store(true, Ordering::SeqCst);
}

/// Stops and returns the statements gathered since [`start`], most time first.
pub fn stop() -> Vec<Line> {
    COLLECTING.store(false, Ordering::SeqCst);
    let totals = TOTALS
        .lock()
        .expect("profile lock")
        .take()
        .unwrap_or_default();
    let mut lines: Vec<Line> = totals
        .into_iter()
        .map(|(statement, (count, seconds))| Line {
            statement,
            count,
            seconds,
        })
        .collect();
    lines.sort_by(|a, b| b.seconds.total_cmp(&a.seconds));
    lines
}

/// The subscriber: only sqlx's statement events, only while collecting.
struct Totals;

impl Subscriber for Totals {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == "sqlx::query" {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "sqlx::query" && COLLECTING.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let text = if fields.statement.trim().is_empty() {
            fields.summary
        } else {
            fields.statement
        };
        let key = shorten(&text);
        if let Some(totals) = TOTALS.lock().expect("profile lock").as_mut() {
            let entry = totals.entry(key).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += fields.seconds;
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
    seconds: f64,
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.seconds = value;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.statement = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "summary" | "db.statement") {
            self.record_str(field, &format!("{value:?}"));
        }
    }
}

/// A statement on one line, its lists of values and ids elided, at most
/// 110 characters: statements that differ only in how many rows they carry
/// count as one.
fn shorten(sql: &str) -> String {
    let one: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut = one.len();
    for mark in [" IN (", " VALUES "] {
        if let Some(i) = one.find(mark) {
            cut = cut.min(i + mark.len());
        }
    }
    let mut out = one[..cut].to_owned();
    if cut < one.len() {
        out.push('…');
    }
    if out.chars().count() > 110 {
        out = out.chars().take(109).collect::<String>() + "…";
    }
    out
}
