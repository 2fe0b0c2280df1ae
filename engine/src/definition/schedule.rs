//! Recurring schedules (`every:`) written as five-field crontab expressions.
//!
//! People write crontab (`0 9 * * MON`, Sunday as 0 or 7). We read each of the
//! five fields ourselves, so that a mistake is explained in the field the
//! author wrote ("the hour field '24' must be 0-23"), never in the `cron`
//! crate's six-field form with its own weekday numbers (1 = Sunday). The crate
//! then gets the same schedule as explicit lists and does the calendar work.
//!
//! When both day-of-month and day-of-week are restricted (neither is written
//! `*`), a day matching EITHER fires, as in classic crontab and croniter
//! (`0 9 1 * MON`: the first of each month and every Monday); when one is `*`,
//! the other decides.

use std::collections::BTreeSet;
use std::str::FromStr;

/// A validated recurring schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The expression as written.
    pub expression: String,
    /// The parsed schedule (seconds-first form, weekdays 1 = Sunday).
    pub cron: cron::Schedule,
    /// The values each field allows, as read from the expression.
    fields: Fields,
}

/// The values each of the five fields allows, one bit per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    minutes: u64,
    hours: u32,
    /// Bit `d` for day `d` of the month (1-31).
    days: u32,
    /// Bit `m` for month `m` (1-12).
    months: u16,
    /// Bit 0 for Sunday, 6 for Saturday.
    weekdays: u8,
    /// Both day fields are restricted (neither written `*`): a day matching
    /// either fires.
    either_day: bool,
}

impl Fields {
    fn of(sets: &[BTreeSet<u8>], either_day: bool) -> Fields {
        let bits = |set: &BTreeSet<u8>| set.iter().fold(0u64, |acc, v| acc | 1 << v);
        // Each set holds only values its field allows (at most 59), so the
        // narrowing keeps every bit.
        Fields {
            minutes: bits(&sets[0]),
            hours: bits(&sets[1]) as u32,
            days: bits(&sets[2]) as u32,
            months: bits(&sets[3]) as u16,
            weekdays: bits(&sets[4]) as u8,
            either_day,
        }
    }

    fn matches(&self, date: jiff::civil::Date) -> bool {
        let weekday = date.weekday().to_sunday_zero_offset();
        let day = self.days & (1 << date.day()) != 0;
        let weekday = self.weekdays & (1 << weekday) != 0;
        let either = if self.either_day {
            day || weekday
        } else {
            day && weekday
        };
        self.months & (1 << date.month()) != 0 && either
    }

    /// The (hour, minute) times of day allowed, earliest first.
    fn times(&self) -> impl Iterator<Item = (i8, i8)> + '_ {
        (0..24i8)
            .filter(|h| self.hours & (1 << h) != 0)
            .flat_map(move |h| {
                (0..60i8)
                    .filter(move |m| self.minutes & (1 << m) != 0)
                    .map(move |m| (h, m))
            })
    }
}

/// What is wrong with a schedule and where: `offset` is the character offset
/// in the expression of the field or item at fault, so the message can point
/// inside the written schedule; `None` when the schedule as a whole is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// 0-based character offset into the expression, if one part is at fault.
    pub offset: Option<usize>,
    /// What is wrong, in the terms of the five crontab fields.
    pub message: String,
}

/// Longest gap allowed between two firings: eight years of leap years. A
/// schedule that fires more rarely than this (or never) is a mistake.
const MAX_GAP_DAYS: i64 = 8 * 366;

/// The five fields: name as messages say it, smallest and largest value, and
/// how values are described in a message.
struct FieldSpec {
    name: &'static str,
    min: u8,
    max: u8,
    allowed: &'static str,
    names: &'static [&'static str],
}

const FIELDS: [FieldSpec; 5] = [
    FieldSpec {
        name: "minute",
        min: 0,
        max: 59,
        allowed: "0-59",
        names: &[],
    },
    FieldSpec {
        name: "hour",
        min: 0,
        max: 23,
        allowed: "0-23",
        names: &[],
    },
    FieldSpec {
        name: "day-of-month",
        min: 1,
        max: 31,
        allowed: "1-31",
        names: &[],
    },
    FieldSpec {
        name: "month",
        min: 1,
        max: 12,
        allowed: "1-12 or JAN-DEC",
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    FieldSpec {
        name: "day-of-week",
        min: 0,
        max: 7,
        allowed: "0-7 (Sunday is 0 or 7) or SUN-SAT",
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
];

impl Schedule {
    /// Parses a five-field crontab expression; the message names the field at fault.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        Self::parse_located(text).map_err(|p| p.message)
    }

    /// Parses a five-field crontab expression, saying where in it a problem lies.
    pub(crate) fn parse_located(text: &str) -> Result<Schedule, Problem> {
        let fields = split_fields(text);
        if fields.len() != 5 {
            return Err(Problem {
                offset: None,
                message: format!(
                    "'{text}' has {} fields; a schedule has five: minute hour day-of-month month day-of-week",
                    fields.len()
                ),
            });
        }
        let mut sets: Vec<BTreeSet<u8>> = Vec::with_capacity(5);
        for ((offset, field), spec) in fields.iter().zip(&FIELDS) {
            sets.push(read_field(field, spec).map_err(|(at, message)| Problem {
                offset: Some(offset + at),
                message,
            })?);
        }
        // Sunday is 0 or 7; keep 0.
        if sets[4].remove(&7) {
            sets[4].insert(0);
        }
        let (minutes, hours, days, months, weekdays) =
            (&sets[0], &sets[1], &sets[2], &sets[3], &sets[4]);
        // Which day field decides, as croniter (and Vixie cron) read them: a
        // field written `*` leaves it to the other; so does a field covering
        // every day when the other field is written with a `*` (`*/10`);
        // otherwise a day matching either fires.
        let (day_text, weekday_text) = (fields[2].1, fields[4].1);
        let day_open = day_text == "*" || (days.len() == 31 && weekday_text.contains('*'));
        let weekday_open = weekday_text == "*" || (weekdays.len() == 7 && day_text.contains('*'));
        let either_day = !day_open && !weekday_open;
        // With either day enough, a weekday comes every week of every month named.
        let checked = if either_day && !months.is_empty() && !weekdays.is_empty() {
            Ok(())
        } else {
            fires_often_enough(days, months, weekdays)
        };
        if let Err(message) = checked {
            return Err(Problem {
                offset: Some(fields[2].0),
                message: format!("'{text}' {message}"),
            });
        }
        let list = |set: &BTreeSet<u8>, spec: &FieldSpec, shift: u8| {
            if set.len() == usize::from(spec.max - spec.min + 1) || (shift == 1 && set.len() == 7) {
                "*".to_owned()
            } else {
                let items: Vec<String> = set.iter().map(|v| (v + shift).to_string()).collect();
                items.join(",")
            }
        };
        let seconds_first = format!(
            "0 {} {} {} {} {}",
            list(minutes, &FIELDS[0], 0),
            list(hours, &FIELDS[1], 0),
            list(days, &FIELDS[2], 0),
            list(months, &FIELDS[3], 0),
            list(weekdays, &FIELDS[4], 1),
        );
        let cron = cron::Schedule::from_str(&seconds_first).map_err(|_| Problem {
            offset: None,
            message: format!("'{text}' is not a schedule gradflow can follow"),
        })?;
        Ok(Schedule {
            expression: text.to_owned(),
            cron,
            fields: Fields::of(&sets, either_day),
        })
    }

    /// The first time the schedule fires strictly after `after`, in `zone`.
    ///
    /// Times are read in the zone's local time, as the cohort lives them. A
    /// time that does not exist because the clocks jump forward is moved
    /// forward by the length of the jump (02:30 becomes 03:30); a time that
    /// happens twice because the clocks go back fires once, the first time.
    /// `None` only past the end of the calendar (validation makes sure every
    /// schedule fires at least once in every eight years).
    pub fn next_after(
        &self,
        zone: &jiff::tz::TimeZone,
        after: jiff::Timestamp,
    ) -> Option<jiff::Timestamp> {
        // The local date alone: no zoned value built (a hot path of decisions).
        let mut date = zone.to_datetime(after).date();
        for _ in 0..=MAX_GAP_DAYS + 1 {
            if self.fields.matches(date)
                && let Some(next) = self.first_on(date, zone, after)
            {
                return Some(next);
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The earliest instant after `after` at which the schedule fires on the
    /// local `date`. Local times are tried earliest first; a time moved
    /// forward out of a gap (02:30 read as 03:30) may come later than the next
    /// time tried (03:00), so the search goes on until the local times pass
    /// the first instant found.
    fn first_on(
        &self,
        date: jiff::civil::Date,
        zone: &jiff::tz::TimeZone,
        after: jiff::Timestamp,
    ) -> Option<jiff::Timestamp> {
        let mut best: Option<(jiff::Timestamp, jiff::civil::DateTime)> = None;
        for (hour, minute) in self.fields.times() {
            let local = date.at(hour, minute, 0, 0);
            if let Some((_, wall)) = best
                && local >= wall
            {
                break;
            }
            // Resolved `compatible`, as `to_zoned_datetime` does, without
            // building the zoned value (a hot path of decisions).
            let Ok(at) = zone.to_ambiguous_timestamp(local).compatible() else {
                continue;
            };
            if at > after && best.is_none_or(|(b, _)| at < b) {
                best = Some((at, zone.to_datetime(at)));
            }
        }
        best.map(|(at, _)| at)
    }
}

/// The whitespace-separated fields with the character offset each starts at.
fn split_fields(text: &str) -> Vec<(usize, &str)> {
    let mut fields = Vec::new();
    let mut start: Option<(usize, usize)> = None;
    for (chars, (byte, c)) in text.char_indices().enumerate() {
        match (c.is_whitespace(), start) {
            (true, Some((b, n))) => {
                fields.push((n, &text[b..byte]));
                start = None;
            }
            (false, None) => start = Some((byte, chars)),
            _ => {}
        }
    }
    if let Some((b, n)) = start {
        fields.push((n, &text[b..]));
    }
    fields
}

/// The values one field allows, or the character offset in the field and a message.
fn read_field(field: &str, spec: &FieldSpec) -> Result<BTreeSet<u8>, (usize, String)> {
    let mut values = BTreeSet::new();
    let mut offset = 0;
    for item in field.split(',') {
        let problem = |message: String| (offset, message);
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(step)),
            None => (item, None),
        };
        let value = |text: &str| -> Result<u8, String> {
            if let Some(i) = spec.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
                return Ok(spec.min + i as u8);
            }
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                return match text.parse::<u8>() {
                    Ok(v) if (spec.min..=spec.max).contains(&v) => Ok(v),
                    _ => Err(out_of_range(field, text, spec)),
                };
            }
            Err(not_understood(field, spec))
        };
        // The cycle a `*` or an open step runs over: the weekdays end on
        // Saturday (6); 7 is only another way to write Sunday.
        let end = if spec.name == "day-of-week" {
            6
        } else {
            spec.max
        };
        let (first, last) = match range.split_once('-') {
            _ if range == "*" => (spec.min, end),
            Some((a, b)) => (value(a).map_err(problem)?, value(b).map_err(problem)?),
            None => {
                let mut a = value(range).map_err(problem)?;
                // `5/15` means from 5 to the end, every 15; a weekday step
                // from 7 starts from Sunday written as 0.
                if step.is_some() && a > end {
                    a = spec.min;
                }
                (a, if step.is_some() { end } else { a })
            }
        };
        if first > last {
            return Err(problem(format!(
                "the {} field '{field}' has the range '{range}', which runs backwards; write the smaller value first",
                spec.name
            )));
        }
        let step = match step {
            None => 1,
            Some(s) => match s.parse::<u8>() {
                Ok(s) if s >= 1 && s <= spec.max => s,
                _ => {
                    return Err(problem(format!(
                        "the {} field '{field}' has the step '/{s}'; a step is a whole number from 1 to {}",
                        spec.name, spec.max
                    )));
                }
            },
        };
        values.extend((first..=last).step_by(usize::from(step)));
        offset += item.chars().count() + 1;
    }
    Ok(values)
}

fn out_of_range(field: &str, value: &str, spec: &FieldSpec) -> String {
    if field == value {
        format!("the {} field '{field}' must be {}", spec.name, spec.allowed)
    } else {
        format!(
            "the {} field '{field}' has '{value}'; it must be {}",
            spec.name, spec.allowed
        )
    }
}

fn not_understood(field: &str, spec: &FieldSpec) -> String {
    format!(
        "the {} field '{field}' is not understood; write * or values {} as a value (5), a range (1-5), a list (1,3,5) or a step (*/2, 1-9/2)",
        spec.name, spec.allowed
    )
}

/// Checks that days, months and weekdays (0 = Sunday) meet at least once in
/// every eight years. The calendar repeats itself, weekdays included, every
/// 400 years, so looking at one such cycle decides it for all time: the answer
/// depends on the schedule alone, never on today's date.
fn fires_often_enough(
    days: &BTreeSet<u8>,
    months: &BTreeSet<u8>,
    weekdays: &BTreeSet<u8>,
) -> Result<(), String> {
    const CYCLE_DAYS: i64 = 146_097;
    let every_weekday = weekdays.len() == 7;
    // Quick answers for the usual schedules: a day every month ends in every
    // year (or, for day 29 of February alone, every four to eight years), and
    // every day of a month meets every weekday each month.
    if every_weekday
        && months.iter().any(|&m| {
            days.iter()
                .any(|&d| d <= days_in_month(2001, m) || (m, d) == (2, 29))
        })
    {
        return Ok(());
    }
    if days.len() == 31 && !months.is_empty() && !weekdays.is_empty() {
        return Ok(());
    }
    let mut first: Option<i64> = None;
    let mut last: Option<i64> = None;
    let mut longest = 0;
    for year in 2000..2400 {
        for &month in months {
            for &day in days {
                if day > days_in_month(year, month) {
                    continue;
                }
                let n = day_number(year, month, day);
                if !every_weekday && !weekdays.contains(&weekday(n)) {
                    continue;
                }
                if let Some(l) = last {
                    longest = longest.max(n - l);
                }
                first.get_or_insert(n);
                last = Some(n);
            }
        }
    }
    let (Some(first), Some(last)) = (first, last) else {
        let what = if every_weekday {
            "no month it names has a day it names"
        } else {
            "no date has a day, month and weekday it names (a date must match all three)"
        };
        return Err(format!("never fires: {what}"));
    };
    longest = longest.max(first + CYCLE_DAYS - last);
    if longest > MAX_GAP_DAYS {
        return Err(format!(
            "fires too rarely: up to {} years apart; a schedule must fire at least once in every eight years",
            longest / 365
        ));
    }
    Ok(())
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn day_number(year: i64, month: u8, day: u8) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Weekday of a day number, 0 = Sunday (1970-01-01 was a Thursday).
fn weekday(n: i64) -> u8 {
    (n + 4).rem_euclid(7) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> (usize, String) {
        let p = Schedule::parse_located(text).unwrap_err();
        (p.offset.unwrap_or(0), p.message)
    }

    #[test]
    fn weekday_numbers_follow_crontab() {
        let source = |text: &str| Schedule::parse(text).unwrap().cron.source().to_owned();
        assert_eq!(source("0 9 * * 1"), "0 0 9 * * 2");
        assert_eq!(source("0 9 * * 0"), "0 0 9 * * 1");
        assert_eq!(source("0 9 * * 7"), "0 0 9 * * 1");
        assert_eq!(source("0 9 * * 1-5"), "0 0 9 * * 2,3,4,5,6");
        assert_eq!(source("0 9 * * 5-7"), "0 0 9 * * 1,6,7");
        assert_eq!(source("0 9 * * mon-FRI"), "0 0 9 * * 2,3,4,5,6");
        assert_eq!(source("0 9 * * 0-7"), "0 0 9 * * *");
        assert_eq!(source("*/20 9 1 JAN,jul *"), "0 0,20,40 9 1 1,7 *");
        assert_eq!(source("5/20 9 1 * *"), "0 5,25,45 9 1 * *");
    }

    #[test]
    fn agrees_with_the_calendar() {
        // 2024-02-29 was a Thursday; 2000-01-01 a Saturday.
        assert_eq!(weekday(day_number(2024, 2, 29)), 4);
        assert_eq!(weekday(day_number(2000, 1, 1)), 6);
        assert_eq!(day_number(1970, 1, 1), 0);
        for (y, m, d) in [(2024, 2, 29), (2100, 3, 1), (2399, 12, 31), (2000, 1, 1)] {
            let date = jiff::civil::date(y as i16, m as i8, d as i8);
            let from_jiff = date.weekday().to_sunday_zero_offset() as u8;
            assert_eq!(weekday(day_number(y, m, d)), from_jiff, "{date}");
        }
    }

    fn next(expression: &str, zone: &str, after: &str) -> String {
        let zone = jiff::tz::TimeZone::get(zone).unwrap();
        let after: jiff::Timestamp = after.parse().unwrap();
        let next = Schedule::parse(expression)
            .unwrap()
            .next_after(&zone, after)
            .unwrap();
        next.to_zoned_datetime(zone).to_string()
    }

    #[test]
    fn next_after_follows_the_local_calendar() {
        // Monday 2026-03-02 at 09:00 in Muscat (UTC+4).
        assert_eq!(
            next("0 9 * * MON", "Asia/Muscat", "2026-02-26T00:00:00Z"),
            "2026-03-02T09:00:00+04:00[Asia/Muscat]"
        );
        // Strictly after: the same minute is skipped.
        assert_eq!(
            next("0 9 * * MON", "Asia/Muscat", "2026-03-02T05:00:00Z"),
            "2026-03-09T09:00:00+04:00[Asia/Muscat]"
        );
        // Both day fields restricted: the 13th OR a Friday, as in crontab.
        assert_eq!(
            next("0 9 13 * 5", "UTC", "2026-01-01T00:00:00Z"),
            "2026-01-02T09:00:00+00:00[UTC]"
        );
        assert_eq!(
            next("0 9 13 * 5", "UTC", "2026-01-09T10:00:00Z"),
            "2026-01-13T09:00:00+00:00[UTC]"
        );
        // One of them `*`: the other decides.
        assert_eq!(
            next("0 9 13 * *", "UTC", "2026-01-01T00:00:00Z"),
            "2026-01-13T09:00:00+00:00[UTC]"
        );
        assert_eq!(
            next("0 9 29 2 *", "UTC", "2025-03-01T00:00:00Z"),
            "2028-02-29T09:00:00+00:00[UTC]"
        );
    }

    #[test]
    fn next_after_across_daylight_saving_changes() {
        // London springs forward at 01:00 GMT on 2026-03-29: 01:30 is moved to 02:30 BST.
        assert_eq!(
            next("30 1 * * *", "Europe/London", "2026-03-28T12:00:00Z"),
            "2026-03-29T02:30:00+01:00[Europe/London]"
        );
        // 01:30 and 02:00 fall in or after the gap: 01:30 becomes 02:30, but
        // 02:00 (which exists) comes first.
        assert_eq!(
            next("0,30 1,2 29 3 *", "Europe/London", "2026-03-29T00:00:00Z"),
            "2026-03-29T02:00:00+01:00[Europe/London]"
        );
        // Falls back at 02:00 BST on 2026-10-25: 01:30 happens twice; it fires the first time only.
        assert_eq!(
            next("30 1 * * *", "Europe/London", "2026-10-24T12:00:00Z"),
            "2026-10-25T01:30:00+01:00[Europe/London]"
        );
        assert_eq!(
            next("30 1 * * *", "Europe/London", "2026-10-25T00:30:00Z"),
            "2026-10-26T01:30:00+00:00[Europe/London]"
        );
    }

    #[test]
    fn accepts_what_people_write() {
        for ok in [
            "0 9 * * MON",
            "30 8 * * 1-5",
            "0 9 29 2 *",
            "0 9 13 * 5",
            "0 0 1 1 *",
            "0 9 31 * *",
            "59 23 31 12 *",
            "0 9 * 2 0",
        ] {
            assert!(Schedule::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn speaks_of_the_fields_as_written() {
        assert_eq!(
            problem("0 9 * *"),
            (
                0,
                "'0 9 * *' has 4 fields; a schedule has five: minute hour day-of-month month day-of-week".to_owned()
            )
        );
        assert_eq!(
            problem("0 24 * * *"),
            (2, "the hour field '24' must be 0-23".to_owned())
        );
        assert_eq!(
            problem("0  9,25 * * *"),
            (
                5,
                "the hour field '9,25' has '25'; it must be 0-23".to_owned()
            )
        );
        assert_eq!(
            problem("0 9 * * 8").1,
            "the day-of-week field '8' must be 0-7 (Sunday is 0 or 7) or SUN-SAT"
        );
        assert_eq!(
            problem("60 9 * * *").1,
            "the minute field '60' must be 0-59"
        );
        assert_eq!(
            problem("0 9 0 * *").1,
            "the day-of-month field '0' must be 1-31"
        );
        assert_eq!(
            problem("0 9 * 13 *").1,
            "the month field '13' must be 1-12 or JAN-DEC"
        );
        assert!(problem("0 9 * * MONDAY").1.contains("not understood"));
        assert!(problem("0 20-5 * * *").1.contains("runs backwards"));
        assert!(problem("*/0 9 * * *").1.contains("step '/0'"));
        assert!(problem("0 9 * * 1-x").1.contains("not understood"));
    }

    #[test]
    fn refuses_schedules_that_never_fire_or_hardly_ever() {
        assert_eq!(
            problem("0 9 31 2 *"),
            (
                4,
                "'0 9 31 2 *' never fires: no month it names has a day it names".to_owned()
            )
        );
        assert!(problem("0 9 30,31 2 *").1.contains("never fires"));
        assert!(problem("0 9 31 4,6,9,11 *").1.contains("never fires"));
        // With both day fields restricted either is enough: 29 February or
        // any Monday of February fires every year.
        assert!(Schedule::parse("0 9 29 2 1").is_ok());
    }
}
