//! A cohort's calendar: its IANA time zone, its named dates and the
//! institute's holidays. Turns "due" rules into instants.
//!
//! Rules (DESIGN section 6): a deadline on a date means the end of that day in
//! the cohort's zone unless a time is given; day and week durations keep the
//! local time of day across DST changes; business days skip weekends and
//! holidays and end at the end of the day. A local time that does not exist
//! moves forward; an ambiguous one takes its first occurrence (jiff's
//! "compatible" disambiguation).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::definition::{Due, Duration, Unit};

/// A cohort's time zone, dates and holidays.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// IANA name, e.g. `Asia/Muscat`.
    pub zone_name: String,
    zone: TimeZone,
    /// Named dates, e.g. `proposal_due`.
    pub dates: BTreeMap<String, Date>,
    /// Days the institute is closed (besides weekends).
    pub holidays: BTreeSet<Date>,
}

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
}

impl Calendar {
    /// A calendar in the zone named `zone_name`.
    pub fn new(
        zone_name: &str,
        dates: BTreeMap<String, Date>,
        holidays: BTreeSet<Date>,
    ) -> Result<Calendar, Error> {
        let zone =
            TimeZone::get(zone_name).map_err(|_| Error::UnknownZone(zone_name.to_owned()))?;
        Ok(Calendar {
            zone_name: zone_name.to_owned(),
            zone,
            dates,
            holidays,
        })
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
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    fn local(&self, date: Date, time: Time) -> Result<Timestamp, Error> {
        date.to_datetime(time)
            .to_zoned_datetime(self.zone.clone())
            .map(|z| z.timestamp())
            .map_err(|_| Error::OutOfRange)
    }
}

const END_OF_DAY: Time = Time::constant(23, 59, 59, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn calendar(zone: &str) -> Calendar {
        let dates = BTreeMap::from([("proposal_due".to_owned(), date(2026, 3, 31))]);
        let holidays = BTreeSet::from([date(2026, 4, 3)]);
        Calendar::new(zone, dates, holidays).unwrap()
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
    fn unknown_zone_is_explained() {
        let err = Calendar::new("Mars/Olympus", BTreeMap::new(), BTreeSet::new()).unwrap_err();
        assert!(err.to_string().contains("IANA"));
    }
}
