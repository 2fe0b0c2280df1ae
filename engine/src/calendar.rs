//! A cohort's calendar: its IANA time zone, its named dates and the
//! institute's holidays. Turns "due" rules into instants.
//!
//! Rules (DESIGN section 6): a deadline on a date means the end of that day in
//! the cohort's zone unless a time is given; day and week durations keep the
//! local time of day across DST changes; business days skip weekends and
//! (the cohort's [`Weekend`], never assumed) and holidays and end at the end
//! of the day. A local time that does not exist
//! moves forward; an ambiguous one takes its first occurrence (jiff's
//! "compatible" disambiguation).

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
    /// When reminders and escalations may go out, local time.
    pub mail_hours: MailHours,
}

/// The local hours in which a cohort's reminders and escalations go out
/// (`09:00-17:00` by default): one falling outside is sent at the opening
/// hour of its day, never at midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailHours {
    /// Opening time.
    pub open: Time,
    /// Closing time (after `open`).
    pub close: Time,
}

impl Default for MailHours {
    fn default() -> Self {
        MailHours {
            open: Time::constant(9, 0, 0, 0),
            close: Time::constant(17, 0, 0, 0),
        }
    }
}

impl std::fmt::Display for MailHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{}",
            self.open.strftime("%H:%M"),
            self.close.strftime("%H:%M")
        )
    }
}

impl std::str::FromStr for MailHours {
    type Err = Error;

    /// Reads `09:00-17:00`.
    fn from_str(text: &str) -> Result<MailHours, Error> {
        let bad = || Error::BadMailHours(text.to_owned());
        let (open, close) = text.trim().split_once('-').ok_or_else(bad)?;
        let time = |t: &str| -> Result<Time, Error> {
            let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
            let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            Time::new(h, m, 0, 0).map_err(|_| bad())
        };
        let hours = MailHours {
            open: time(open)?,
            close: time(close)?,
        };
        if hours.open >= hours.close {
            return Err(bad());
        }
        Ok(hours)
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

    /// When a reminder or escalation due `at` goes out: `at` within the mail
    /// hours, else the opening hour of its local day. (Weekend days and
    /// holidays are not skipped: an institute may want a reminder on the
    /// weekend before a Sunday deadline.)
    pub fn in_mail_hours(&self, at: Timestamp) -> Timestamp {
        let local = at.to_zoned_datetime(self.zone.clone());
        let time = local.time();
        if time >= self.mail_hours.open && time < self.mail_hours.close {
            at
        } else {
            self.local(local.date(), self.mail_hours.open).unwrap_or(at)
        }
    }

    /// When the reminder `before` a `deadline` goes out: its time moved into
    /// the mail hours (see [`in_mail_hours`](Self::in_mail_hours)); when that
    /// is not before the deadline (a deadline early in the morning), the
    /// opening hour of the last working day before it, so that a reminder is
    /// never dropped for its mail hours. `None` when no working day's mail
    /// hours open before the deadline.
    pub fn reminder_time(
        &self,
        deadline: Timestamp,
        before: Duration,
    ) -> Result<Option<Timestamp>, Error> {
        let at = self.in_mail_hours(self.before(deadline, before)?);
        if at < deadline {
            return Ok(Some(at));
        }
        let mut day = deadline.to_zoned_datetime(self.zone.clone()).date();
        for _ in 0..MAX_CLOSED_DAYS {
            if self.is_business_day(day)
                && let Ok(open) = self.local(day, self.mail_hours.open)
                && open < deadline
            {
                return Ok(Some(open));
            }
            match day.yesterday() {
                Ok(previous) => day = previous,
                Err(_) => break,
            }
        }
        Ok(None)
    }

    /// The first occurrence of `schedule` strictly after `after`, in this
    /// calendar's zone.
    pub fn next_occurrence(&self, schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
        schedule.next_after(&self.zone, after)
    }

    /// The first occurrence of `schedule` whose sending time (moved into the
    /// mail hours) is strictly after `after`.
    pub fn next_mail_time(&self, schedule: &Schedule, after: Timestamp) -> Option<Timestamp> {
        let mut from = after;
        // An occurrence after the day's closing hour moves back to its
        // opening, which may be before `after`: every later one that day
        // would too, so the search goes on from the end of that day.
        for _ in 0..MAX_CLOSED_DAYS {
            let next = self.next_occurrence(schedule, from)?;
            let at = self.in_mail_hours(next);
            if at > after {
                return Some(at);
            }
            let day = next.to_zoned_datetime(self.zone.clone()).date();
            from = self.local(day, END_OF_DAY).unwrap_or(next).max(next);
        }
        None
    }

    /// The zone, for showing instants in local time.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
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
        let local = from.to_zoned_datetime(self.zone.clone());
        let span = match duration.unit {
            Unit::Minutes => Span::new().minutes(n),
            Unit::Hours => Span::new().hours(n),
            Unit::Days => Span::new().days(n),
            Unit::Weeks => Span::new().weeks(n),
            Unit::BusinessDays => {
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
        local
            .checked_add(span)
            .map(|z| z.timestamp())
            .map_err(|_| Error::OutOfRange)
    }

    /// Whether the institute works on `day`.
    pub fn is_business_day(&self, day: Date) -> bool {
        !self.weekend.contains(day.weekday()) && !self.holidays.contains(&day)
    }

    fn local(&self, date: Date, time: Time) -> Result<Timestamp, Error> {
        date.to_datetime(time)
            .to_zoned_datetime(self.zone.clone())
            .map(|z| z.timestamp())
            .map_err(|_| Error::OutOfRange)
    }
}

const END_OF_DAY: Time = Time::constant(23, 59, 59, 0);

/// Most days looked through for a working day, or for a schedule's next
/// sending day: more than any run of weekends and holidays.
const MAX_CLOSED_DAYS: usize = 1_000;

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
        // Due at 07:00 local; moved to 09:00 it would come after the deadline
        // (08:00): the opening of the working day before (Monday 6 April
        // 2026 is a working day; Friday 3 April a holiday).
        let at = cal.reminder_time(muscat("2026-04-07T08:00"), hour).unwrap();
        assert_eq!(at, Some(muscat("2026-04-06T09:00")));
        // Monday 08:00: Sunday 5 April is not a working day (sat,sun), nor
        // Saturday, nor Friday the holiday: Thursday 2 April.
        let at = cal.reminder_time(muscat("2026-04-06T08:00"), hour).unwrap();
        assert_eq!(at, Some(muscat("2026-04-02T09:00")));
        // Within the mail hours it stays where it falls.
        let at = cal.reminder_time(muscat("2026-04-07T15:00"), hour).unwrap();
        assert_eq!(at, Some(muscat("2026-04-07T14:00")));
    }

    #[test]
    fn a_schedule_that_fires_after_hours_every_minute_still_finds_its_next_day() {
        let cal = calendar("Asia/Muscat").with_mail_hours("00:00-00:30".parse().unwrap());
        // Every minute from 01:00 to 23:59 moves back to 00:00 the same day:
        // 1,380 occurrences before one that moves forward (a search that
        // gave up after 1,000 found none).
        let schedule = Schedule::parse("* 1-23 * * *").unwrap();
        let next = cal
            .next_mail_time(&schedule, muscat("2026-04-06T00:15"))
            .unwrap();
        assert_eq!(next, muscat("2026-04-07T00:00"));
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
