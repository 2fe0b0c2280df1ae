//! A cohort's calendar: its IANA time zone, its named dates and the
//! institute's holidays. Turns "due" rules into instants.
//!
//! Rules (DESIGN section 6): a deadline on a date means the end of that day in
//! the cohort's zone unless a time is given; day and week durations keep the
//! local time of day across DST changes; business days skip weekends and
//! (the cohort's [`Weekend`], never assumed) and holidays and end at the end
//! of the day. A local time that does not exist
//! moves forward; an ambiguous one takes its first occurrence (jiff's
//! "compatible" disambiguation). Mail goes out within the mail hours on
//! working days only: a reminder moves earlier (never lost once after the
//! stage entry), an escalation later (never before its time), as
//! docs/definitions.md ("Mail hours") states with worked examples that the
//! tests below check one by one.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::definition::{Due, Duration, Schedule, Unit};

/// A cohort's time zone, dates, weekend and holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// IANA name, e.g. `Asia/Muscat`.
    pub zone_name: String,
    zone: TimeZone,
    /// Named dates, e.g. `proposal_due`.
    pub dates: BTreeMap<String, Date>,
    /// Days the institute is closed (besides weekends).
    pub holidays: BTreeSet<Date>,
    /// The cohort's weekly rest days: Friday and Saturday in Oman and
    /// Bahrain, Saturday and Sunday elsewhere.
    pub weekend: Weekend,
    /// When reminders and escalations may go out, local time, on working days.
    pub mail_hours: MailHours,
}

/// The local hours in which a cohort's reminders and escalations go out
/// (`09:00-17:00` by default), on its working days only: from the opening
/// minute up to, not including, the closing minute. `00:00-24:00` is
/// round-the-clock mail on working days. docs/definitions.md ("Mail hours")
/// says how each kind of message is moved into them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailHours {
    /// Opening time: the first minute mail may go out.
    pub open: Time,
    /// Closing time, the first minute mail may no longer go out; `None` is
    /// `24:00`, the end of the day.
    pub close: Option<Time>,
}

impl MailHours {
    /// Round-the-clock mail on working days: `00:00-24:00`.
    pub const ALL_DAY: MailHours = MailHours {
        open: Time::MIN,
        close: None,
    };

    /// Whether local time `time` is within the hours (the closing minute is not).
    pub fn contains(&self, time: Time) -> bool {
        time >= self.open && self.close.is_none_or(|close| time < close)
    }
}

impl Default for MailHours {
    fn default() -> Self {
        MailHours {
            open: Time::constant(9, 0, 0, 0),
            close: Some(Time::constant(17, 0, 0, 0)),
        }
    }
}

impl std::fmt::Display for MailHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.close {
            Some(close) => write!(
                f,
                "{}-{}",
                self.open.strftime("%H:%M"),
                close.strftime("%H:%M")
            ),
            None => write!(f, "{}-24:00", self.open.strftime("%H:%M")),
        }
    }
}

impl std::str::FromStr for MailHours {
    type Err = Error;

    /// Reads `09:00-17:00`; `24:00` closes at the end of the day.
    fn from_str(text: &str) -> Result<MailHours, Error> {
        let bad = || Error::BadMailHours(text.to_owned());
        let (open, close) = text.trim().split_once('-').ok_or_else(bad)?;
        let time = |t: &str| -> Result<Time, Error> {
            let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
            let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            Time::new(h, m, 0, 0).map_err(|_| bad())
        };
        let close = match close.trim() {
            "24:00" => None,
            close => Some(time(close)?),
        };
        let hours = MailHours {
            open: time(open)?,
            close,
        };
        match close {
            Some(close) if close == hours.open => {
                Err(Error::EmptyMailHours(text.trim().to_owned()))
            }
            Some(close) if close < hours.open => Err(Error::BackwardMailHours {
                text: text.trim().to_owned(),
                open: hours.open.strftime("%H:%M").to_string(),
                close: close.strftime("%H:%M").to_string(),
            }),
            _ => Ok(hours),
        }
    }
}

/// The days of the week on which a cohort does not work. Business-day
/// durations skip them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Weekend {
    /// Bit `n` set: weekday `n` (Monday = 0 .. Sunday = 6) is a rest day.
    days: u8,
}

impl Weekend {
    /// Saturday and Sunday: the default when a cohort names no weekend.
    pub const SATURDAY_SUNDAY: Weekend = Weekend { days: 0b110_0000 };

    /// Whether `day` is a rest day.
    pub fn contains(self, day: Weekday) -> bool {
        self.days & (1 << day.to_monday_zero_offset()) != 0
    }

    /// The rest days, Monday first.
    pub fn days(self) -> impl Iterator<Item = Weekday> {
        (0..7)
            .filter(move |n| self.days & (1 << n) != 0)
            .map(|n| Weekday::from_monday_zero_offset(n).expect("0..7 is a weekday"))
    }
}

impl Default for Weekend {
    fn default() -> Self {
        Weekend::SATURDAY_SUNDAY
    }
}

impl std::fmt::Display for Weekend {
    /// `fri,sat`; `none` for a cohort that works every day.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self
            .days()
            .map(|d| &FULL_NAMES[d.to_monday_zero_offset() as usize][..3])
            .collect();
        if names.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&names.join(","))
        }
    }
}

impl std::str::FromStr for Weekend {
    type Err = Error;

    /// Reads `fri,sat` (three-letter or full English day names, any case), or `none`.
    fn from_str(text: &str) -> Result<Weekend, Error> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("none") {
            return Ok(Weekend { days: 0 });
        }
        let mut days = 0u8;
        for name in text.split(',') {
            let name = name.trim().to_ascii_lowercase();
            let n = FULL_NAMES
                .iter()
                .position(|full| *full == name || full[..3] == name)
                .ok_or_else(|| Error::BadWeekend(text.to_owned()))?;
            if days & (1 << n) != 0 {
                return Err(Error::BadWeekend(text.to_owned()));
            }
            days |= 1 << n;
        }
        if days == 0b111_1111 {
            return Err(Error::BadWeekend(text.to_owned()));
        }
        Ok(Weekend { days })
    }
}

/// English day names, Monday first; a weekend prints their first three letters.
const FULL_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Why a calendar or a due date cannot be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Not an IANA zone name.
    #[error(
        "'{0}' is not a known time zone; use an IANA name such as Europe/London or Asia/Muscat"
    )]
    UnknownZone(String),
    /// The cohort lacks a date the workflow uses.
    #[error("the cohort has no date '{0}'")]
    MissingDate(String),
    /// Outside the calendar's range.
    #[error("the date is out of range")]
    OutOfRange,
    /// Mail hours that are not `HH:MM-HH:MM` with opening before closing.
    #[error("'{0}' is not a span of mail hours; write it as 09:00-17:00")]
    BadMailHours(String),
    /// Mail hours that open and close at the same minute: no mail could go.
    #[error(
        "the mail hours '{0}' open and close at the same minute, so no mail could ever go out; write a span such as 09:00-17:00"
    )]
    EmptyMailHours(String),
    /// Mail hours written closing first, e.g. `17:00-09:00`.
    #[error(
        "the mail hours '{text}' run backwards: they close at {close} before they open at {open}; write the opening first, e.g. {close}-{open}"
    )]
    BackwardMailHours {
        /// As written.
        text: String,
        /// The opening, as written first.
        open: String,
        /// The closing, as written second.
        close: String,
    },
    /// More holidays than [`MAX_HOLIDAYS`].
    #[error(
        "{0} holidays are more than a cohort's calendar holds ({MAX_HOLIDAYS}, a year of days): name the days the institute is closed during the cohort"
    )]
    TooManyHolidays(usize),
    /// A weekend that names no days, an unknown or repeated day, or all seven.
    #[error(
        "'{0}' is not a weekend; name the rest days separated by commas, e.g. fri,sat or sat,sun (or none)"
    )]
    BadWeekend(String),
}

impl Calendar {
    /// A calendar in the zone named `zone_name`.
    pub fn new(
        zone_name: &str,
        dates: BTreeMap<String, Date>,
        holidays: BTreeSet<Date>,
        weekend: Weekend,
    ) -> Result<Calendar, Error> {
        let zone =
            TimeZone::get(zone_name).map_err(|_| Error::UnknownZone(zone_name.to_owned()))?;
        if holidays.len() > MAX_HOLIDAYS {
            return Err(Error::TooManyHolidays(holidays.len()));
        }
        Ok(Calendar {
            zone_name: zone_name.to_owned(),
            zone,
            dates,
            holidays,
            weekend,
            mail_hours: MailHours::default(),
        })
    }

    /// The same calendar sending mail in `hours`.
    pub fn with_mail_hours(mut self, hours: MailHours) -> Calendar {
        self.mail_hours = hours;
        self
    }

    /// Whether mail may go out at `at`: a working day (neither a weekend day
    /// nor a holiday) and a local time within the mail hours.
    pub fn within_mail_hours(&self, at: Timestamp) -> bool {
        // The civil time alone (no zoned value built: a hot path of every
        // decision that plans reminders).
        let local = self.zone.to_datetime(at);
        self.is_business_day(local.date()) && self.mail_hours.contains(local.time())
    }

    /// The first moment at or after `at` within the mail hours: `at` itself,
    /// else the next opening (that day's, when `at` is before it on a working
    /// day, else the next working day's). `None` past the calendar's range.
    pub fn next_opening(&self, at: Timestamp) -> Option<Timestamp> {
        if self.within_mail_hours(at) {
            return Some(at);
        }
        let mut day = self.zone.to_datetime(at).date();
        for _ in 0..MAX_CLOSED_DAYS {
            if self.is_business_day(day)
                && let Ok(open) = self.local(day, self.mail_hours.open)
                && open >= at
            {
                return Some(open);
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The opening of the last working day whose opening is at or before
    /// `at` (that day's own, when `at` is after it). `None` when there is none
    /// in reach.
    fn last_opening(&self, at: Timestamp) -> Option<Timestamp> {
        let mut day = self.zone.to_datetime(at).date();
        for _ in 0..MAX_CLOSED_DAYS {
            if self.is_business_day(day)
                && let Ok(open) = self.local(day, self.mail_hours.open)
                && open <= at
            {
                return Some(open);
            }
            day = day.yesterday().ok()?;
        }
        None
    }

    /// When the reminder `before` a `deadline` goes out, for a stage entered
    /// at `entry` (docs/definitions.md, "Mail hours"). Its nominal time is
    /// `before` the deadline; `None` when that is at or before the entry (the
    /// reminder is not sent). Within the mail hours it goes at its nominal
    /// time; outside them it moves earlier, to the opening of the last
    /// working day at or before it. When that is not after the entry, it
    /// goes at the first moment within the mail hours from the entry on if
    /// that is before the deadline, else at the entry itself: a reminder out
    /// of hours beats none.
    pub fn reminder_time(
        &self,
        deadline: Timestamp,
        before: Duration,
        entry: Timestamp,
    ) -> Result<Option<Timestamp>, Error> {
        let nominal = self.before(deadline, before)?;
        if nominal <= entry {
            return Ok(None);
        }
        if self.within_mail_hours(nominal) {
            return Ok(Some(nominal));
        }
        if let Some(open) = self.last_opening(nominal)
            && open > entry
        {
            return Ok(Some(open));
        }
        Ok(Some(
            self.next_opening(entry)
                .filter(|at| *at < deadline)
                .unwrap_or(entry),
        ))
    }

    /// The first occurrence of `schedule` strictly after `after`, in this
    /// calendar's zone.
    pub fn next_occurrence(&self, schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
        schedule.next_after(&self.zone, after)
    }

    /// When an escalation on `schedule` next goes out: its first occurrence
    /// strictly after `after`, moved later to the next opening when it falls
    /// outside the mail hours (never earlier than the occurrence).
    pub fn escalation_time(&self, schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
        self.next_opening(self.next_occurrence(schedule, after)?)
    }

    /// The zone, for showing instants in local time.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The end of `date` in the cohort's zone: when a date given without a
    /// time falls due (an extension to a day, like a cohort date).
    pub fn end_of(&self, date: Date) -> Result<Timestamp, Error> {
        self.local(date, END_OF_DAY)
    }

    /// The instant something falls due, counting from `from` (entering the stage).
    pub fn due(&self, due: &Due, from: Timestamp) -> Result<Timestamp, Error> {
        match due {
            Due::CohortDate { name, time } => {
                let date = *self
                    .dates
                    .get(name)
                    .ok_or_else(|| Error::MissingDate(name.clone()))?;
                self.local(date, time.unwrap_or(END_OF_DAY))
            }
            Due::After(duration) => self.after(from, *duration),
        }
    }

    /// `duration` after `from`; business days end at the end of the last day.
    pub fn after(&self, from: Timestamp, duration: Duration) -> Result<Timestamp, Error> {
        self.shift(from, duration, 1)
    }

    /// `duration` before `deadline` (for reminders); business days keep the time of day.
    pub fn before(&self, deadline: Timestamp, duration: Duration) -> Result<Timestamp, Error> {
        self.shift(deadline, duration, -1)
    }

    fn shift(&self, from: Timestamp, duration: Duration, sign: i64) -> Result<Timestamp, Error> {
        let n = sign * i64::from(duration.amount);
        // Minutes and hours are exact time; days and weeks move the local
        // date and keep the clock time (a gap or a fold resolved as
        // `compatible`, as a zoned value's arithmetic does), computed on
        // the civil time without building a zoned value (a hot path).
        let days = match duration.unit {
            Unit::Minutes => {
                return from
                    .checked_add(Span::new().minutes(n))
                    .map_err(|_| Error::OutOfRange);
            }
            Unit::Hours => {
                return from
                    .checked_add(Span::new().hours(n))
                    .map_err(|_| Error::OutOfRange);
            }
            Unit::Days => Span::new().days(n),
            Unit::Weeks => Span::new().weeks(n),
            Unit::BusinessDays => {
                let local = self.zone.to_datetime(from);
                let mut day = local.date();
                let mut left = duration.amount;
                while left > 0 {
                    let next = if sign > 0 {
                        day.tomorrow()
                    } else {
                        day.yesterday()
                    };
                    day = next.map_err(|_| Error::OutOfRange)?;
                    if self.is_business_day(day) {
                        left -= 1;
                    }
                }
                let time = if sign > 0 { END_OF_DAY } else { local.time() };
                return self.local(day, time);
            }
        };
        let local = self
            .zone
            .to_datetime(from)
            .checked_add(days)
            .map_err(|_| Error::OutOfRange)?;
        self.zone
            .to_ambiguous_timestamp(local)
            .compatible()
            .map_err(|_| Error::OutOfRange)
    }

    /// Whether the institute works on `day`.
    pub fn is_business_day(&self, day: Date) -> bool {
        !self.weekend.contains(day.weekday()) && !self.holidays.contains(&day)
    }

    fn local(&self, date: Date, time: Time) -> Result<Timestamp, Error> {
        // `compatible`, as `to_zoned_datetime` resolves a gap or a fold,
        // without building the zoned value.
        self.zone
            .to_ambiguous_timestamp(date.to_datetime(time))
            .compatible()
            .map_err(|_| Error::OutOfRange)
    }
}

const END_OF_DAY: Time = Time::constant(23, 59, 59, 0);

/// Most days looked through for a working day, or for a schedule's next
/// sending day: more than any run of weekends and holidays.
const MAX_CLOSED_DAYS: usize = 1_000;

/// Most holidays a cohort's calendar holds: a year of days. It keeps every
/// run of closed days well under [`MAX_CLOSED_DAYS`], and a typing slip
/// (a range of years given as holidays) from pushing every deadline years
/// away.
pub const MAX_HOLIDAYS: usize = 366;

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn calendar(zone: &str) -> Calendar {
        let dates = BTreeMap::from([("proposal_due".to_owned(), date(2026, 3, 31))]);
        let holidays = BTreeSet::from([date(2026, 4, 3)]);
        Calendar::new(zone, dates, holidays, Weekend::default()).unwrap()
    }

    #[test]
    fn a_date_means_the_end_of_that_day_in_the_cohort_zone() {
        let cal = calendar("Asia/Muscat");
        let due = Due::CohortDate {
            name: "proposal_due".into(),
            time: None,
        };
        let at = cal.due(&due, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(at.to_string(), "2026-03-31T19:59:59Z");
    }

    /// Local time in Muscat (+04) as an instant.
    fn muscat(text: &str) -> Timestamp {
        let civil: jiff::civil::DateTime = text.parse().unwrap();
        civil
            .to_zoned_datetime(TimeZone::get("Asia/Muscat").unwrap())
            .unwrap()
            .timestamp()
    }

    #[test]
    fn a_reminder_before_an_early_deadline_is_sent_on_the_last_working_day() {
        let cal = calendar("Asia/Muscat");
        let hour = Duration::parse("1h").unwrap();
        let entry = muscat("2026-03-01T10:00");
        // Due at 07:00 local, before the opening: the opening of the working
        // day before (Monday 6 April 2026 is a working day; Friday 3 April a
        // holiday).
        let at = cal
            .reminder_time(muscat("2026-04-07T08:00"), hour, entry)
            .unwrap();
        assert_eq!(at, Some(muscat("2026-04-06T09:00")));
        // Monday 08:00: Sunday 5 April is not a working day (sat,sun), nor
        // Saturday, nor Friday the holiday: Thursday 2 April.
        let at = cal
            .reminder_time(muscat("2026-04-06T08:00"), hour, entry)
            .unwrap();
        assert_eq!(at, Some(muscat("2026-04-02T09:00")));
        // Within the mail hours it stays where it falls.
        let at = cal
            .reminder_time(muscat("2026-04-07T15:00"), hour, entry)
            .unwrap();
        assert_eq!(at, Some(muscat("2026-04-07T14:00")));
    }

    #[test]
    fn a_schedule_that_fires_after_hours_every_minute_still_finds_its_next_day() {
        let cal = calendar("Asia/Muscat").with_mail_hours("00:00-00:30".parse().unwrap());
        // Every minute from 01:00 to 23:59 moves to the next opening,
        // Tuesday 00:00 (Monday 6 April is a working day).
        let schedule = Schedule::parse("* 1-23 * * *").unwrap();
        let next = cal
            .escalation_time(&schedule, muscat("2026-04-06T00:15"))
            .unwrap();
        assert_eq!(next, muscat("2026-04-07T00:00"));
    }

    /// Local time in a zone as an instant.
    fn local_in(zone: &str, text: &str) -> Timestamp {
        let civil: jiff::civil::DateTime = text.parse().unwrap();
        civil
            .to_zoned_datetime(TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
    }

    /// The calendar of the worked examples in docs/definitions.md ("Mail
    /// hours"): `zone`, weekend fri,sat, a holiday on Wednesday 18 March 2026.
    fn docs_calendar(zone: &str, hours: &str) -> Calendar {
        let holidays = BTreeSet::from([date(2026, 3, 18)]);
        Calendar::new(zone, BTreeMap::new(), holidays, "fri,sat".parse().unwrap())
            .unwrap()
            .with_mail_hours(hours.parse().unwrap())
    }

    /// The reminder examples of docs/definitions.md, "Mail hours", as written
    /// there: (zone, mail hours, entered, deadline, before, goes out or "not
    /// sent"). An oracle from the docs: the engine must agree on each.
    #[test]
    fn reminders_go_out_as_the_docs_examples_say() {
        const M: &str = "Asia/Muscat";
        const DAY: &str = "09:00-17:00";
        let cases = [
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T23:59:59",
                "7d",
                "2026-03-08T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T23:59:59",
                "1d",
                "2026-03-12T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T12:00",
                "2h",
                "2026-03-15T10:00",
            ),
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T18:00",
                "1h",
                "2026-03-15T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-16T08:00",
                "1h",
                "2026-03-15T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-01T10:00",
                "2026-03-19T10:00",
                "1d",
                "2026-03-17T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-10T10:00",
                "2026-03-15T12:00",
                "7d",
                "not sent",
            ),
            (
                M,
                DAY,
                "2026-03-14T20:00",
                "2026-03-16T05:00",
                "1d",
                "2026-03-15T09:00",
            ),
            (
                M,
                DAY,
                "2026-03-14T08:00",
                "2026-03-15T05:00",
                "2h",
                "2026-03-14T08:00",
            ),
            (
                M,
                "00:00-24:00",
                "2026-03-01T10:00",
                "2026-03-15T02:00",
                "1h",
                "2026-03-15T01:00",
            ),
            (
                "Asia/Bahrain",
                DAY,
                "2026-03-14T08:00",
                "2026-03-15T05:00",
                "2h",
                "2026-03-14T08:00",
            ),
        ];
        for (zone, hours, entered, deadline, before, expected) in cases {
            let cal = docs_calendar(zone, hours);
            let got = cal
                .reminder_time(
                    local_in(zone, deadline),
                    Duration::parse(before).unwrap(),
                    local_in(zone, entered),
                )
                .unwrap();
            let expected = (expected != "not sent").then(|| local_in(zone, expected));
            assert_eq!(
                got, expected,
                "{zone} {hours}: entered {entered}, deadline {deadline}, before {before}"
            );
        }
    }

    /// The escalation examples of docs/definitions.md, "Mail hours": the
    /// first goes at the schedule's first time after the deadline (or the
    /// entry, if later) moved into the mail hours, each next one at the
    /// first time after the one before went out.
    #[test]
    fn escalations_go_out_as_the_docs_examples_say() {
        const DAY: &str = "09:00-17:00";
        let cases: [(&str, &str, &str, &str, &[&str]); 8] = [
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T23:59:59",
                "0 9 * * MON",
                &["2026-03-16T09:00", "2026-03-23T09:00"],
            ),
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T05:00",
                "0 23 * * *",
                &["2026-03-16T09:00", "2026-03-17T09:00", "2026-03-19T09:00"],
            ),
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T10:00",
                "0 23 * * SUN",
                &["2026-03-16T09:00", "2026-03-23T09:00"],
            ),
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-12T12:00",
                "0 10 * * *",
                &["2026-03-15T09:00", "2026-03-15T10:00", "2026-03-16T10:00"],
            ),
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T12:00",
                "0 17 * * *",
                &["2026-03-16T09:00", "2026-03-17T09:00"],
            ),
            (
                DAY,
                "2026-03-17T10:00",
                "2026-03-15T23:59:59",
                "0 9 * * MON",
                &["2026-03-23T09:00"],
            ),
            (
                "00:00-24:00",
                "2026-03-01T10:00",
                "2026-03-15T12:00",
                "59 23 * * *",
                &[
                    "2026-03-15T23:59",
                    "2026-03-16T23:59",
                    "2026-03-17T23:59",
                    "2026-03-19T00:00",
                    "2026-03-19T23:59",
                ],
            ),
            (
                DAY,
                "2026-03-01T10:00",
                "2026-03-15T12:00",
                "59 16 * * *",
                &["2026-03-15T16:59", "2026-03-16T16:59"],
            ),
        ];
        let zone = "Asia/Muscat";
        for (hours, entered, deadline, every, expected) in cases {
            let cal = docs_calendar(zone, hours);
            let schedule = Schedule::parse(every).unwrap();
            let mut after = local_in(zone, deadline).max(local_in(zone, entered));
            let mut got = Vec::new();
            for _ in expected {
                let at = cal.escalation_time(&schedule, after).unwrap();
                got.push(at);
                after = at;
            }
            let expected: Vec<Timestamp> = expected.iter().map(|e| local_in(zone, e)).collect();
            assert_eq!(
                got, expected,
                "{hours}: entered {entered}, deadline {deadline}, every {every}"
            );
        }
    }

    #[test]
    fn the_closing_minute_is_closed_and_round_the_clock_is_every_minute() {
        let cal = docs_calendar("Asia/Muscat", "09:00-17:00");
        let at = |t| local_in("Asia/Muscat", t);
        assert!(cal.within_mail_hours(at("2026-03-15T16:59:59")));
        assert!(!cal.within_mail_hours(at("2026-03-15T17:00")));
        assert!(cal.within_mail_hours(at("2026-03-15T09:00")));
        // Saturday (the weekend) and the holiday have no mail hours.
        assert!(!cal.within_mail_hours(at("2026-03-14T10:00")));
        assert!(!cal.within_mail_hours(at("2026-03-18T10:00")));
        let all_day = docs_calendar("Asia/Muscat", "00:00-24:00");
        assert_eq!(all_day.mail_hours, MailHours::ALL_DAY);
        assert_eq!(all_day.mail_hours.to_string(), "00:00-24:00");
        assert!(all_day.within_mail_hours(at("2026-03-15T23:59:59")));
        assert!(all_day.within_mail_hours(at("2026-03-15T00:00")));
        assert!(!all_day.within_mail_hours(at("2026-03-14T12:00")));
        for bad in [
            "17:00-09:00",
            "09:00-09:00",
            "24:00-24:00",
            "09:00-24:01",
            "00:00-25:00",
        ] {
            assert!(bad.parse::<MailHours>().is_err(), "{bad}");
        }
        assert_eq!(
            "08:30-24:00".parse::<MailHours>().unwrap().to_string(),
            "08:30-24:00"
        );
    }

    #[test]
    fn days_keep_the_local_time_across_dst() {
        let cal = calendar("Europe/London");
        // 2026-03-29 is the spring change in London.
        let from: Timestamp = "2026-03-28T09:00:00Z".parse().unwrap();
        let at = cal.after(from, Duration::parse("2d").unwrap()).unwrap();
        assert_eq!(at.to_string(), "2026-03-30T08:00:00Z"); // 09:00 BST
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        let cal = calendar("UTC");
        // Wednesday 2026-04-01; Friday 3rd is a holiday; so 3 business days -> Tuesday 7th.
        let from: Timestamp = "2026-04-01T10:00:00Z".parse().unwrap();
        let at = cal
            .after(from, Duration::parse("3 business_days").unwrap())
            .unwrap();
        assert_eq!(at.to_string(), "2026-04-07T23:59:59Z");
    }

    #[test]
    fn business_days_skip_the_cohorts_own_weekend() {
        let mut cal = calendar("Asia/Muscat");
        cal.weekend = "fri,sat".parse().unwrap();
        // Wednesday 2026-04-08 + 2 business days in Muscat: Thursday 9th, then
        // Friday and Saturday rest, so Sunday 12th (a working day there).
        let from: Timestamp = "2026-04-08T06:00:00Z".parse().unwrap();
        let at = cal
            .after(from, Duration::parse("2 business_days").unwrap())
            .unwrap();
        assert_eq!(at.to_string(), "2026-04-12T19:59:59Z");
        // The same count on a Saturday-Sunday weekend ends on Friday 10th.
        cal.weekend = Weekend::default();
        let at = cal
            .after(from, Duration::parse("2 business_days").unwrap())
            .unwrap();
        assert_eq!(at.to_string(), "2026-04-10T19:59:59Z");
    }

    #[test]
    fn weekends_read_and_print_as_people_write_them() {
        let w: Weekend = "Fri, Saturday".parse().unwrap();
        assert_eq!(w.to_string(), "fri,sat");
        assert!(w.contains(Weekday::Friday) && !w.contains(Weekday::Sunday));
        assert_eq!("none".parse::<Weekend>().unwrap().to_string(), "none");
        for bad in ["", "fr", "fri,fri", "funday", "mon,tue,wed,thu,fri,sat,sun"] {
            assert!(bad.parse::<Weekend>().is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_zone_is_explained() {
        let err = Calendar::new(
            "Mars/Olympus",
            BTreeMap::new(),
            BTreeSet::new(),
            Weekend::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("IANA"));
    }
}
