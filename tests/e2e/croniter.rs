//! Recurring schedules and deadlines checked against independent
//! implementations: Python's croniter for the crontab fields and Python's
//! zoneinfo for local time, across the DST changes of 2026-2028.
//!
//! DESIGN section 6: a local time inside a spring-forward gap is moved forward
//! by the gap's length, an ambiguous one takes its first occurrence, and the
//! cron results agree with croniter across DST changes. croniter itself treats
//! the gap and the overlap differently (it clamps or skips gap times and fires
//! an ambiguous time twice); `croniter_oracle.py` says exactly how, checks that
//! those are the only differences, and gives the rule's answer next to
//! croniter's own. The engine must give the rule's answer, every time. Two
//! spellings that croniter reads otherwise on purpose (an equal range such as
//! `5-5`, a weekday step such as `1/2`) are written out for it as gradflow
//! documents them (`for_croniter` in the script).
//!
//! The cases are generated from a fixed seed (`GRADFLOW_CRONITER_SEED` picks
//! another) and sent in one batch, split over two Python processes (spawning
//! one per case would take minutes). Without Python's croniter (scripts/test
//! installs it into `.test-tools/python`) the schedule test is skipped with a
//! note, and without Python 3 the deadline test too, except under CI, where
//! that is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, BufWriter, Lines, Write};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Instant;

use gradflow_engine::calendar::{Calendar, Weekend};
use gradflow_engine::definition::{Due, Duration, Schedule, Unit};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

/// Zones with a one-hour DST change at night, none at all (Bahrain; Tortola,
/// always UTC-4), and a half-hour one (Lord Howe); Havana changes its clocks
/// at midnight, so on the spring day 00:00 itself does not exist.
const ZONES: [&str; 6] = [
    "America/New_York",
    "Europe/London",
    "Asia/Bahrain",
    "America/Tortola",
    "Australia/Lord_Howe",
    "America/Havana",
];

/// Firings compared per case.
const FIRINGS: usize = 5;

/// Schedules written for the DST nights and for what people write, each
/// tried in every zone from many starts.
const CHOSEN: &[&str] = &[
    "30 2 * * *",
    "0 2 * * *",
    "0 1 * * *",
    "30 1 * * *",
    "59 1 * * *",
    "0 0 * * *",
    "30 0 * * *",
    "59 23 * * *",
    "*/30 0-3 * * *",
    "*/10 1-3 * * *",
    "*/15 * * * *",
    "15 2,3 * * *",
    "0,30 1,2 * * *",
    "* 2 * * *",
    "45 1 * * SUN",
    "0 2 1-7 * SUN",
    "30 2 8-14 3 0",
    "0 1 25-31 3 SUN",
    "30 1 25-31 10 7",
    "15 2 1-7 10 sun",
    "45 1 1-7 4 0",
    "0 9 * * MON",
    "30 8 * * 0-4",
    "0 17 * * 5-7",
    "0 9 1 * *",
    "0 9 13 * 5",
    "0 9 29 2 *",
    "5/20 2 * MAR,OCT,NOV *",
    // A day field that allows every day but is not written `*`, the other one
    // restricted. croniter (croniter._expand, "avoid over-optimization") reads
    // the full field as `*`, leaving the other to decide, when the other
    // field's text has a `*` in it (`*/10`), and as every day otherwise.
    "0 9 13 * 0-7",
    "0 9 */1 * MON",
    "0 9 */10 * 0-6",
    "0 9 1-31 * */2",
];

#[test]
fn schedules_agree_with_croniter_across_dst() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    let starts: BTreeMap<&str, Vec<Timestamp>> = ZONES
        .iter()
        .map(|&zone| (zone, starts(zone, &mut rng)))
        .collect();

    let mut cases: Vec<(Schedule, &str, Timestamp)> = Vec::new();
    for text in CHOSEN {
        let schedule = Schedule::parse(text).expect("a chosen schedule is valid");
        for zone in ZONES {
            for &after in starts[zone].choose_multiple(&mut rng, 6) {
                cases.push((schedule.clone(), zone, after));
            }
        }
    }
    let mut refused = 0;
    while cases.len() < 2_500 {
        let text = expression(&mut rng);
        let Ok(schedule) = Schedule::parse(&text) else {
            // Dates that never come ("31 4 *") are refused by design.
            refused += 1;
            continue;
        };
        for _ in 0..4 {
            let zone = *ZONES.choose(&mut rng).expect("zones");
            let after = *starts[zone].choose(&mut rng).expect("starts");
            cases.push((schedule.clone(), zone, after));
        }
    }

    let requests: Vec<Value> = cases
        .iter()
        .map(|(schedule, zone, after)| {
            json!({
                "kind": "cron",
                "expr": schedule.expression,
                "zone": zone,
                "after": after.as_second(),
                "n": FIRINGS,
            })
        })
        .collect();
    let clock = Instant::now();
    let Some((answers, version)) = ask_oracle(&requests, true) else {
        return;
    };
    let oracle_time = clock.elapsed();

    let mut wrong = Vec::new();
    let mut croniter_problems = Vec::new();
    let (mut same_as_croniter, mut rewritten) = (0, BTreeSet::new());
    let mut explained: BTreeMap<String, u64> = BTreeMap::new();
    for ((schedule, zone, after), answer) in cases.iter().zip(&answers) {
        let tz = TimeZone::get(zone).expect("a known zone");
        let expected = instants(&answer["expected"]);
        let croniter = instants(&answer["croniter"]);
        let engine = firings(schedule, &tz, *after);
        let case = || {
            format!(
                "'{}' in {zone} after {} ({})",
                schedule.expression,
                after,
                after.to_zoned_datetime(tz.clone())
            )
        };
        if engine != expected {
            wrong.push((
                schedule.expression.clone(),
                format!(
                    "{}\n    engine:   {}\n    expected: {}\n    croniter: {}",
                    case(),
                    local(&engine, &tz),
                    local(&expected, &tz),
                    local(&croniter, &tz)
                ),
            ));
        }
        if let Some(problems) = answer["unexplained"].as_array().filter(|p| !p.is_empty()) {
            croniter_problems.push((
                schedule.expression.clone(),
                format!("{}: {problems:?}", case()),
            ));
        }
        same_as_croniter += usize::from(engine == croniter);
        if let Some(text) = answer["rewritten"].as_str() {
            rewritten.insert(format!("'{}' as '{text}'", schedule.expression));
        }
        for (why, count) in answer["explained"].as_object().into_iter().flatten() {
            *explained.entry(why.clone()).or_default() += count.as_u64().unwrap_or(0);
        }
    }
    let total = clock.elapsed();

    eprintln!(
        "croniter: {} cases (seed {seed}; {refused} generated schedules refused by the engine), \
         {FIRINGS} firings each; engine equals croniter exactly in {same_as_croniter}; \
         croniter's DST differences: {explained:?}; {} schedules rewritten for croniter's \
         spelling; oracle {oracle_time:.2?}, all {total:.2?}",
        cases.len(),
        rewritten.len(),
    );
    assert!(
        croniter_problems.is_empty(),
        "{version} and the DST rule differ in {} cases in ways croniter_oracle.py cannot \
         explain (seed {seed}; its explanations were written for croniter 7.0.0); the first \
         for each schedule:\n{}",
        croniter_problems.len(),
        first_of_each(&croniter_problems)
    );
    assert!(
        wrong.is_empty(),
        "the engine's firings differ from croniter's wall-clock matches placed by the DST rule \
         in {} of {} cases (seed {seed}); the first for each schedule:\n{}",
        wrong.len(),
        cases.len(),
        first_of_each(&wrong)
    );
}

/// The first message for each of the first ten schedules among `(schedule, message)`.
fn first_of_each(problems: &[(String, String)]) -> String {
    let mut seen = BTreeSet::new();
    let firsts: Vec<&str> = problems
        .iter()
        .filter(|(schedule, _)| seen.insert(schedule))
        .take(10)
        .map(|(_, message)| message.as_str())
        .collect();
    firsts.join("\n")
}

#[test]
fn deadlines_agree_with_zoneinfo_across_dst() {
    let seed = seed();
    let mut rng = StdRng::seed_from_u64(seed);
    // (zone, what, engine's answer, request for the oracle)
    let mut cases: Vec<(&str, String, Option<Timestamp>, Value)> = Vec::new();
    for zone in ZONES {
        let tz = TimeZone::get(zone).expect("a known zone");
        let mut dates: BTreeSet<Date> = transitions(zone)
            .iter()
            .flat_map(|t| {
                let day = t.to_zoned_datetime(tz.clone()).date();
                [day.yesterday(), Ok(day), day.tomorrow()]
            })
            .map(|d| d.expect("a date in range"))
            .collect();
        dates.extend([
            jiff::civil::date(2026, 1, 1),
            jiff::civil::date(2027, 6, 30),
        ]);
        let named: BTreeMap<String, Date> = dates.iter().map(|d| (d.to_string(), *d)).collect();
        let calendar = Calendar::new(zone, named, BTreeSet::new(), Weekend::default())
            .expect("a calendar in a known zone");

        // A date deadline: the end of the day, or a given local time.
        let times = [
            None,
            Some(Time::midnight()),
            Some(jiff::civil::time(0, 30, 0, 0)),
            Some(jiff::civil::time(1, 0, 0, 0)),
            Some(jiff::civil::time(1, 30, 0, 0)),
            Some(jiff::civil::time(1, 59, 0, 0)),
            Some(jiff::civil::time(2, 0, 0, 0)),
            Some(jiff::civil::time(2, 15, 0, 0)),
            Some(jiff::civil::time(2, 30, 0, 0)),
            Some(jiff::civil::time(2, 59, 0, 0)),
            Some(jiff::civil::time(3, 0, 0, 0)),
            Some(jiff::civil::time(17, 0, 0, 0)),
        ];
        for date in &dates {
            for time in times {
                let due = Due::CohortDate {
                    name: date.to_string(),
                    time,
                };
                let time = time.unwrap_or(jiff::civil::time(23, 59, 59, 0));
                cases.push((
                    zone,
                    format!("due {{ at: {date}, time: {time} }}"),
                    calendar.due(&due, Timestamp::UNIX_EPOCH).ok(),
                    json!({"kind": "local", "zone": zone, "date": date.to_string(),
                           "time": time.to_string()}),
                ));
            }
        }

        // `after: Nd` and `Nw` keep the local time of day; `before: Nd` too.
        let mut froms = starts(zone, &mut rng);
        for date in &dates {
            for (h, m) in [(0, 30), (1, 30), (2, 0), (2, 30), (2, 45)] {
                for back in [1, 7] {
                    let day = date
                        .checked_sub(jiff::Span::new().days(back))
                        .expect("date");
                    let local = day.at(h, m, 0, 0).to_zoned_datetime(tz.clone());
                    froms.push(local.expect("a local time").timestamp());
                }
            }
        }
        for from in froms {
            let amount = *[1u32, 2, 3, 7, 14, 30].choose(&mut rng).expect("amounts");
            for (unit, days) in [(Unit::Days, amount), (Unit::Weeks, 7 * amount)] {
                let duration = Duration { amount, unit };
                for sign in [1i64, -1] {
                    let engine = if sign > 0 {
                        calendar.due(&Due::After(duration), from).ok()
                    } else {
                        calendar.before(from, duration).ok()
                    };
                    let word = if sign > 0 { "after" } else { "before" };
                    cases.push((
                        zone,
                        format!(
                            "{word}: {duration:?} from {from} ({})",
                            from.to_zoned_datetime(tz.clone())
                        ),
                        engine,
                        json!({"kind": "shift", "zone": zone, "from": from.as_second(),
                               "days": sign * i64::from(days)}),
                    ));
                }
            }
            // Hours are exact lengths of time, whatever the clocks do.
            let hours = Duration {
                amount,
                unit: Unit::Hours,
            };
            assert_eq!(
                calendar.after(from, hours).ok(),
                from.checked_add(SignedDuration::from_hours(i64::from(amount)))
                    .ok(),
                "{hours:?} after {from} in {zone}"
            );
        }
    }

    let requests: Vec<Value> = cases.iter().map(|c| c.3.clone()).collect();
    let clock = Instant::now();
    let Some((answers, _)) = ask_oracle(&requests, false) else {
        return;
    };
    let mut wrong = Vec::new();
    for ((zone, what, engine, _), answer) in cases.iter().zip(&answers) {
        let tz = TimeZone::get(zone).expect("a known zone");
        let expected = answer["at"]
            .as_i64()
            .and_then(|s| Timestamp::from_second(s).ok());
        if *engine != expected {
            let show = |t: &Option<Timestamp>| {
                t.map_or("none".to_owned(), |t| {
                    t.to_zoned_datetime(tz.clone()).to_string()
                })
            };
            wrong.push(format!(
                "{zone}: {what}\n    engine:   {}\n    zoneinfo: {}",
                show(engine),
                show(&expected)
            ));
        }
    }
    eprintln!(
        "deadlines: {} cases against zoneinfo (seed {seed}) in {:.2?}",
        cases.len(),
        clock.elapsed()
    );
    assert!(
        wrong.is_empty(),
        "the engine's deadlines differ from zoneinfo's in {} of {} cases (seed {seed}); \
         the first:\n{}",
        wrong.len(),
        cases.len(),
        wrong[..wrong.len().min(10)].join("\n")
    );
}

fn seed() -> u64 {
    std::env::var("GRADFLOW_CRONITER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_260_308)
}

/// The engine's first `FIRINGS` firings after `after`.
fn firings(schedule: &Schedule, tz: &TimeZone, after: Timestamp) -> Vec<Timestamp> {
    let mut out = Vec::with_capacity(FIRINGS);
    let mut at = after;
    while out.len() < FIRINGS {
        let Some(next) = schedule.next_after(tz, at) else {
            break;
        };
        out.push(next);
        at = next;
    }
    out
}

fn instants(value: &Value) -> Vec<Timestamp> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| Timestamp::from_second(v.as_i64()?).ok())
        .collect()
}

fn local(instants: &[Timestamp], tz: &TimeZone) -> String {
    let shown: Vec<String> = instants
        .iter()
        .map(|t| {
            t.to_zoned_datetime(tz.clone())
                .strftime("%F %T%:z")
                .to_string()
        })
        .collect();
    shown.join(", ")
}

/// The zone's UTC-offset changes in 2026-2028; for a zone without any, the
/// New York and London changes and two ordinary days, as plain instants.
fn transitions(zone: &str) -> Vec<Timestamp> {
    let from: Timestamp = "2026-01-01T00:00:00Z".parse().expect("an instant");
    let until: Timestamp = "2029-01-01T00:00:00Z".parse().expect("an instant");
    let changes = |zone: &str| -> Vec<Timestamp> {
        let tz = TimeZone::get(zone).expect("a known zone");
        tz.following(from)
            .map(|t| t.timestamp())
            .take_while(|t| *t < until)
            .collect()
    };
    let own = changes(zone);
    if !own.is_empty() {
        return own;
    }
    let mut others = changes("America/New_York");
    others.extend(changes("Europe/London"));
    others.extend([
        "2026-06-30T12:00:00Z"
            .parse::<Timestamp>()
            .expect("an instant"),
        "2027-12-31T20:00:00Z".parse().expect("an instant"),
    ]);
    others
}

/// Starting instants: on both sides of each transition, at the edges of the
/// gap or overlap and a day away, plus a few at random within three days.
fn starts(zone: &str, rng: &mut StdRng) -> Vec<Timestamp> {
    const OFFSETS_MINUTES: [i64; 18] = [
        -26 * 60,
        -180,
        -120,
        -90,
        -61,
        -60,
        -59,
        -31,
        -30,
        0,
        29,
        30,
        59,
        60,
        61,
        90,
        180,
        25 * 60,
    ];
    let mut out = Vec::new();
    for t in transitions(zone) {
        for minutes in OFFSETS_MINUTES {
            out.push(t + SignedDuration::from_mins(minutes));
        }
        out.push(t - SignedDuration::from_secs(1));
        out.push(t + SignedDuration::from_secs(1));
        for _ in 0..4 {
            out.push(t + SignedDuration::from_secs(rng.random_range(-3 * 86_400..3 * 86_400)));
        }
    }
    out
}

// --- Generated schedules -----------------------------------------------------

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// A five-field expression in the forms people write: values, lists, ranges
/// and steps; names for months and weekdays in any case; both day fields
/// restricted at times; hours and months near the DST changes favoured.
fn expression(rng: &mut StdRng) -> String {
    let minute = field(rng, 0, 59, &[0, 15, 30, 45, 59], None, 0.1);
    let hour = field(rng, 0, 23, &[0, 1, 2, 3, 9, 23], None, 0.25);
    let day = field(rng, 1, 31, &[1, 7, 8, 13, 14, 25, 31], None, 0.55);
    let month = field(rng, 1, 12, &[3, 4, 10, 11], Some(&MONTHS), 0.5);
    let weekday = field(rng, 0, 7, &[0, 1, 5, 7], Some(&WEEKDAYS), 0.55);
    format!("{minute} {hour} {day} {month} {weekday}")
}

/// One field between `min` and `max`: `*` with probability `star`, otherwise a
/// value, list, range or step, with values drawn from `likely` half the time.
fn field(
    rng: &mut StdRng,
    min: u8,
    max: u8,
    likely: &[u8],
    names: Option<&[&str]>,
    star: f64,
) -> String {
    if rng.random_bool(star) {
        return "*".to_owned();
    }
    let items = if rng.random_bool(0.2) {
        rng.random_range(2..=3)
    } else {
        1
    };
    let parts: Vec<String> = (0..items)
        .map(|_| item(rng, min, max, likely, names))
        .collect();
    parts.join(",")
}

fn item(rng: &mut StdRng, min: u8, max: u8, likely: &[u8], names: Option<&[&str]>) -> String {
    let value = |rng: &mut StdRng| -> u8 {
        if rng.random_bool(0.5) {
            *likely.choose(rng).expect("likely values")
        } else {
            rng.random_range(min..=max)
        }
    };
    let name = |rng: &mut StdRng, v: u8| -> String {
        // Weekday 7 and 0 are both Sunday; only 0..=6 have a name here.
        match names {
            Some(names) if rng.random_bool(0.4) && usize::from(v - min) < names.len() => {
                let name = names[usize::from(v - min)];
                match rng.random_range(0..3) {
                    0 => name.to_owned(),
                    1 => name.to_ascii_lowercase(),
                    _ => name[..1].to_owned() + &name[1..].to_ascii_lowercase(),
                }
            }
            _ => v.to_string(),
        }
    };
    let step = |rng: &mut StdRng| rng.random_range(1..=max.min(30));
    match rng.random_range(0..10) {
        0..=3 => {
            let v = value(rng);
            name(rng, v)
        }
        4 | 5 => {
            let (a, b) = (value(rng), value(rng));
            let (a, b) = (a.min(b), a.max(b));
            // Names in a range only where the order holds (SUN is 0).
            format!("{}-{}", name(rng, a), name(rng, b))
        }
        6 => {
            let (a, b) = (value(rng), value(rng));
            let (a, b) = (a.min(b), a.max(b));
            format!("{}-{}/{}", name(rng, a), name(rng, b), step(rng))
        }
        7 | 8 => format!("*/{}", step(rng)),
        _ => {
            let v = value(rng);
            format!("{}/{}", name(rng, v), step(rng))
        }
    }
}

// --- The oracle --------------------------------------------------------------

/// Python processes the batch is split over (croniter is the slow part).
const ORACLES: usize = 2;

/// Sends every request to `croniter_oracle.py` (split over [`ORACLES`]
/// processes) and returns its answers in order, with croniter's version.
/// `None` (after a note) when Python 3, or croniter if `croniter` says it is
/// needed, is not installed, outside CI; under CI that is a failure.
fn ask_oracle(requests: &[Value], croniter: bool) -> Option<(Vec<Value>, String)> {
    let mut oracles = Vec::new();
    for _ in 0..ORACLES {
        match Oracle::start(croniter) {
            Ok(oracle) => oracles.push(oracle),
            Err(why) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "the oracle for tests/e2e/croniter.rs is not available under CI: {why}. \
                     scripts/test installs croniter (python3 -m pip install --target \
                     .test-tools/python croniter==7.0.0 tzdata)"
                );
                eprintln!(
                    "skipping: the oracle for tests/e2e/croniter.rs is not available ({why}); \
                     scripts/test installs croniter"
                );
                return None;
            }
        }
    }
    let version = oracles[0].version.clone();
    eprintln!("oracle: {version}");
    let chunk = requests.len().div_ceil(ORACLES).max(1);
    let answers = std::thread::scope(|scope| {
        let running: Vec<_> = oracles
            .into_iter()
            .zip(requests.chunks(chunk))
            .map(|(oracle, part)| scope.spawn(move || oracle.answer(part)))
            .collect();
        running
            .into_iter()
            .flat_map(|r| r.join().expect("an oracle thread"))
            .collect::<Vec<_>>()
    });
    assert_eq!(answers.len(), requests.len(), "an answer for every request");
    Some((answers, version))
}

/// One running `croniter_oracle.py` that has said it is ready.
struct Oracle {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// croniter's and Python's versions, from the greeting.
    version: String,
}

impl Oracle {
    /// Starts the script with `.test-tools/python` on its path; the reason
    /// when Python, or croniter if `croniter` says it is needed, is missing.
    fn start(croniter: bool) -> Result<Oracle, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![root.join(".test-tools/python")];
        if let Some(existing) = std::env::var_os("PYTHONPATH") {
            paths.extend(std::env::split_paths(&existing));
        }
        let mut child = Command::new("python3")
            .arg(root.join("tests/e2e/croniter_oracle.py"))
            .env(
                "PYTHONPATH",
                std::env::join_paths(paths).expect("paths without separators"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("python3 could not be started: {e}"))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let greeting: Value = lines
            .next()
            .and_then(Result::ok)
            .and_then(|line| serde_json::from_str(&line).ok())
            .unwrap_or(Value::Null);
        let ready = greeting["ready"] == Value::Bool(true);
        if !ready || (croniter && greeting["croniter"].is_null()) {
            let _ = child.kill();
            let _ = child.wait();
            let why = greeting["why"]
                .as_str()
                .unwrap_or("the oracle did not start");
            return Err(why.to_owned());
        }
        let version = format!(
            "croniter {} on Python {}",
            greeting["croniter"].as_str().unwrap_or("?"),
            greeting["python"].as_str().unwrap_or("?")
        );
        Ok(Oracle {
            child,
            lines,
            version,
        })
    }

    /// Writes every request (from another thread, so that neither side waits
    /// on a full pipe) and reads the answers in order.
    fn answer(mut self, requests: &[Value]) -> Vec<Value> {
        let mut input = String::new();
        for (id, request) in requests.iter().enumerate() {
            let mut request = request.clone();
            request["id"] = json!(id);
            input.push_str(&request.to_string());
            input.push('\n');
        }
        let stdin = self.child.stdin.take().expect("piped stdin");
        let writer = std::thread::spawn(move || {
            let mut stdin = BufWriter::new(stdin);
            stdin.write_all(input.as_bytes())?;
            stdin.flush()
        });
        let mut answers = Vec::with_capacity(requests.len());
        for line in self.lines {
            let line = line.expect("the oracle's answer is UTF-8");
            let answer: Value = serde_json::from_str(&line).expect("the oracle answers JSON");
            assert_eq!(answer["id"], json!(answers.len()), "answers come in order");
            assert!(
                answer.get("error").is_none(),
                "the oracle failed on {}: {}",
                requests[answers.len()],
                answer["error"]
            );
            answers.push(answer);
        }
        writer
            .join()
            .expect("the writer thread")
            .expect("the requests reach the oracle");
        let status = self.child.wait().expect("the oracle exits");
        assert!(status.success(), "the oracle failed: {status}");
        answers
    }
}
